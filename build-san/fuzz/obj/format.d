build-san/fuzz/obj/format.o: src/format.c src/escape.h src/buf.h \
  src/format.h src/record.h include/wrapmon.h src/sig.h

src/escape.h:

src/buf.h:

src/format.h:

src/record.h:

include/wrapmon.h:

src/sig.h:
