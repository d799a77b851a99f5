build-san/fuzz/obj/ifunc.o: src/ifunc.c src/ifunc.h

src/ifunc.h:
