build-san/tests/test_dwarf: tests/unit/test_dwarf.c src/dwarf.h src/sig.h \
 src/sig.h
src/dwarf.h:
src/sig.h:
src/sig.h:
