build-san/fuzz/fuzz_elf: tests/fuzz/fuzz_elf.c src/resolve.h

src/resolve.h:
