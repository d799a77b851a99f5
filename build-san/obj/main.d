build-san/obj/main.o: src/main.c src/dwarf.h src/sig.h src/escape.h \
 src/buf.h src/format.h src/record.h include/wrapmon.h src/ifunc.h \
 src/insn.h src/outfile.h src/proto.h src/resolve.h src/store.h \
 src/tracer.h
src/dwarf.h:
src/sig.h:
src/escape.h:
src/buf.h:
src/format.h:
src/record.h:
include/wrapmon.h:
src/ifunc.h:
src/insn.h:
src/outfile.h:
src/proto.h:
src/resolve.h:
src/store.h:
src/tracer.h:
