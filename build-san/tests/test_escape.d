build-san/tests/test_escape: tests/unit/test_escape.c src/buf.h \
 src/escape.h src/buf.h
src/buf.h:
src/escape.h:
src/buf.h:
