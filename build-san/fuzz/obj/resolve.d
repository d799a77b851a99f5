build-san/fuzz/obj/resolve.o: src/resolve.c src/resolve.h

src/resolve.h:
