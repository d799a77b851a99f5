build-san/tests/test_outfile: tests/unit/test_outfile.c src/outfile.h
src/outfile.h:
