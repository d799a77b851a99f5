build-san/tests/test_insn: tests/unit/test_insn.c src/insn.h
src/insn.h:
