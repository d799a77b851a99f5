build-san/fuzz/fuzz_maps: tests/fuzz/fuzz_maps.c src/resolve.h

src/resolve.h:
