build-san/fuzz/obj/tracer.o: src/tracer.c src/tracer.h include/wrapmon.h \
  build-san/wrapmon.skel.h

src/tracer.h:

include/wrapmon.h:

build-san/wrapmon.skel.h:
