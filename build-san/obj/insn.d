build-san/obj/insn.o: src/insn.c src/insn.h
src/insn.h:
