build-san/fuzz/fuzz_dwarf: tests/fuzz/fuzz_dwarf.c src/dwarf.h src/sig.h \
  src/resolve.h

src/dwarf.h:

src/sig.h:

src/resolve.h:
