build-san/fuzz/obj/sig.o: src/sig.c src/sig.h

src/sig.h:
