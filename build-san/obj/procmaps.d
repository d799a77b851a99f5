build-san/obj/procmaps.o: src/procmaps.c src/resolve.h
src/resolve.h:
