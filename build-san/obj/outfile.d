build-san/obj/outfile.o: src/outfile.c src/outfile.h
src/outfile.h:
