build-san/fuzz/obj/store.o: src/store.c src/buf.h src/escape.h \
  src/store.h src/format.h src/record.h include/wrapmon.h src/sig.h

src/buf.h:

src/escape.h:

src/store.h:

src/format.h:

src/record.h:

include/wrapmon.h:

src/sig.h:
