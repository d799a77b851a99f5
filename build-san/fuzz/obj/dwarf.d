build-san/fuzz/obj/dwarf.o: src/dwarf.c src/dwarf.h src/sig.h

src/dwarf.h:

src/sig.h:
