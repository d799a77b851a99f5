build-san/tests/test_proto: tests/unit/test_proto.c src/proto.h src/sig.h \
 src/sig.h
src/proto.h:
src/sig.h:
src/sig.h:
