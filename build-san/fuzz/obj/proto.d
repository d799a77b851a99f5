build-san/fuzz/obj/proto.o: src/proto.c src/proto.h src/sig.h

src/proto.h:

src/sig.h:
