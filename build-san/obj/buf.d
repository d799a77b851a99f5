build-san/obj/buf.o: src/buf.c src/buf.h
src/buf.h:
