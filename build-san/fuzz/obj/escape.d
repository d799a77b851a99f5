build-san/fuzz/obj/escape.o: src/escape.c src/escape.h src/buf.h

src/escape.h:

src/buf.h:
