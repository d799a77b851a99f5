build-san/tests/test_ifunc: tests/unit/test_ifunc.c src/ifunc.h \
 src/resolve.h
src/ifunc.h:
src/resolve.h:
