build-san/tests/test_resolve: tests/unit/test_resolve.c src/resolve.h
src/resolve.h:
