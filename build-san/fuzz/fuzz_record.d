build-san/fuzz/fuzz_record: tests/fuzz/fuzz_record.c src/format.h \
  src/buf.h src/record.h include/wrapmon.h src/sig.h src/proto.h \
  src/store.h

src/format.h:

src/buf.h:

src/record.h:

include/wrapmon.h:

src/sig.h:

src/proto.h:

src/store.h:
