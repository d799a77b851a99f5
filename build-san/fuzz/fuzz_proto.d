build-san/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c src/proto.h src/sig.h

src/proto.h:

src/sig.h:
