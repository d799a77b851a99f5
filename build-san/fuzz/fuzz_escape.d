build-san/fuzz/fuzz_escape: tests/fuzz/fuzz_escape.c src/escape.h \
  src/buf.h

src/escape.h:

src/buf.h:
