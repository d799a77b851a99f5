# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# libFuzzer targets for every parser of outside data (clang, ASan + UBSan).
#   make fuzz                  each target for FUZZ_SECONDS (default 60)
#   make fuzz FUZZ=elf         one target
#   make fuzz-smoke            each target for a few seconds, plus the
#                              regression inputs (part of `make check`)
# Working corpora and crash artifacts go under $(OUT)/fuzz; seeds and
# regression inputs live in tests/fuzz/.

FUZZ_OUT := $(OUT)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ ?= $(FUZZ_TARGETS)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) $(WARN) -Wno-gnu-variable-sized-type-not-at-end -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -MMD -MP
FUZZ_LIB_OBJS := $(patsubst $(OUT)/obj/%.o,$(FUZZ_OUT)/obj/%.o,$(LIB_OBJS))
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SEEDS := $(FUZZ_OUT)/seeds/elf_seed.so $(FUZZ_OUT)/seeds/elf_seed_stripped.so \
	      $(FUZZ_OUT)/seeds/elf_seed_nopie

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)

$(FUZZ_OUT)/obj/%.o: src/%.c | $(FUZZ_OUT)/obj
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LIBS) -o $@

$(FUZZ_OUT)/seeds/elf_seed.so: tests/fuzz/seeds/elf_seed.c | $(FUZZ_OUT)/seeds
	$(call msg,SEED,$@)
	$(Q)$(CC) -g -O1 -fPIC -shared -nostdlib $< -o $@

$(FUZZ_OUT)/seeds/elf_seed_nopie: tests/fuzz/seeds/elf_seed.c | $(FUZZ_OUT)/seeds
	$(call msg,SEED,$@)
	$(Q)$(CC) -g -O1 -fno-pie -no-pie -nostdlib -Wl,-e,seed_search $< -o $@

$(FUZZ_OUT)/seeds/elf_seed_stripped.so: $(FUZZ_OUT)/seeds/elf_seed.so
	$(call msg,SEED,$@)
	$(Q)$(STRIP) --strip-all -o $@ $<

$(FUZZ_OUT)/obj $(FUZZ_OUT)/seeds:
	$(Q)mkdir -p $@

fuzz: fuzz-build
	$(Q)OUT=$(OUT) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

fuzz-smoke: fuzz-build
	$(Q)OUT=$(OUT) sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

$(patsubst $(OUT)/obj/%,$(FUZZ_OUT)/obj/%,$(SKEL_USERS)): $(OUT)/wrapmon.skel.h
$(patsubst $(OUT)/obj/%,$(FUZZ_OUT)/obj/%,$(PY_SKEL_USERS)): $(OUT)/python.skel.h
$(patsubst $(OUT)/obj/%,$(FUZZ_OUT)/obj/%,$(EXIT_SKEL_USERS)): $(OUT)/exitwatch.skel.h

-include $(wildcard $(FUZZ_OUT)/obj/*.d $(FUZZ_OUT)/obj/*/*.d)
