build-san/obj/elfsym.o: src/elfsym.c src/resolve.h
src/resolve.h:
