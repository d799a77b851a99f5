# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# wrapmon build. Every product goes under $(OUT); `make V=1` shows commands.

OUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

SANITIZE ?=
CFLAGS ?= -g -O2
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
INCLUDES := -iquote include -iquote src -I$(OUT)
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -MMD -MP
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
# libbpf is linked statically so the binary runs wherever the kernel does;
# libelf/libdw/zlib are the system's shared libraries.
LIBBPF_A := $(shell pkg-config --variable=libdir libbpf 2>/dev/null)/libbpf.a
LIBS := $(LIBBPF_A) -lelf -ldw -lz

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

SRCS := $(wildcard src/*.c)
LIB_OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
MAIN_OBJ := $(OUT)/obj/main.o

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

TARGET_SRCS := $(wildcard tests/e2e/targets/*.c)
TARGET_BINS := $(patsubst tests/e2e/targets/%.c,$(OUT)/targets/%,$(TARGET_SRCS))

.PHONY: all clean check test-unit test-e2e demo install format deps fixtures targets bench
all: $(OUT)/wrapmon-trace

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.tmp.bpf.o: bpf/%.bpf.c include/wrapmon.h $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(OUT) -MMD -MP -c $< -o $@

$(OUT)/bpf/%.bpf.o: $(OUT)/bpf/%.tmp.bpf.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# Userspace objects may include skeletons: build those first.
$(OUT)/obj/%.o: src/%.c $(SKELS) | $(OUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/wrapmon-trace: $(MAIN_OBJ) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# Unit tests: each tests/unit/test_X.c links against every module but main.
$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -lcmocka -o $@

# ELF fixtures for the unit tests and target programs for the end-to-end tests.
-include tests/fixtures/fixtures.mk
-include tests/e2e/targets/targets.mk

$(OUT) $(OUT)/obj $(OUT)/bpf $(OUT)/tests $(OUT)/targets $(OUT)/fixtures:
	$(Q)mkdir -p $@

deps:
	$(Q)sh tools/install-deps.sh

test-unit: $(UNIT_BINS) fixtures
	$(Q)fail=0; for t in $(UNIT_BINS); do \
		WM_FIXTURES=$(abspath $(OUT))/fixtures $$t || fail=1; \
	done; exit $$fail

test-e2e: all targets
	$(Q)OUT=$(OUT) sh tests/e2e/run.sh

# `check` and `demo` install what is missing first, so both work on a fresh machine.
check:
	$(Q)sh tools/install-deps.sh
	$(Q)$(MAKE) all
	$(Q)$(MAKE) test-unit
	$(Q)$(MAKE) test-e2e

demo:
	$(Q)sh tools/install-deps.sh
	$(Q)$(MAKE) all $(OUT)/demo-search
	$(Q)OUT=$(OUT) sh tools/demo.sh

$(OUT)/demo-search: tools/demo-search.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -pthread -Wall $< -o $@

# Benchmarks: report, never assert (the machine is shared and noisy).
$(OUT)/bench-hot: tools/bench/hot.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall $< -o $@

$(OUT)/bench-hot-cet: tools/bench/hot.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -fcf-protection=full $< -o $@

$(OUT)/bench-floor: tools/bench/floor.c $(OUT)/floor.skel.h $(LIB_OBJS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -o $@

# The consumer alone: the tracer's own decode, store and sink code, fed synthetic records.
$(OUT)/bench-consumer: tools/bench/consumer.c $(LIB_OBJS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -o $@

# A target with 1,000 functions fn_0000..fn_0999, generated, for attach times.
$(OUT)/bench-funcs.c: tools/bench/gen-funcs.py | $(OUT)
	$(call msg,GEN,$@)
	$(Q)python3 $< 1000 > $@.tmp && mv $@.tmp $@

$(OUT)/bench-funcs: $(OUT)/bench-funcs.c
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall $< -o $@

BENCH_BINS := $(addprefix $(OUT)/,bench-hot bench-hot-cet bench-floor bench-consumer bench-funcs)
# BENCH_ARGS=--quick for a short smoke run.
bench:
	$(Q)sh tools/install-deps.sh
	$(Q)sh tools/bench/install-bench-deps.sh
	$(Q)$(MAKE) all $(BENCH_BINS)
	$(Q)python3 tools/bench/run.py --out $(OUT) $(BENCH_ARGS)

install: $(OUT)/wrapmon-trace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/bin/wrapmon-trace)
	$(Q)install -D -m 0755 $< $(DESTDIR)$(PREFIX)/bin/wrapmon-trace

format:
	$(Q)clang-format -i $(wildcard src/*.c src/*.h include/*.h bpf/*.bpf.c tests/unit/*.c tests/e2e/targets/*.c tools/*.c tools/bench/*.c)

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*.d $(OUT)/bpf/*.d $(OUT)/tests/*.d)

.DELETE_ON_ERROR:
.SECONDARY:
