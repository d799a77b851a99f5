build-san/fuzz/obj/buf.o: src/buf.c src/buf.h

src/buf.h:
