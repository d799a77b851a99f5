# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# wrapmon build. Every product goes under $(OUT); `make V=1` shows commands.

SANITIZE ?=
# A sanitizer build must not mix its objects with the plain ones.
ifeq ($(SANITIZE),1)
OUT ?= build-san
else
OUT ?= build
endif
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

CFLAGS ?= -g -O2
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
INCLUDES := -iquote include -iquote src -I$(OUT)
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -MMD -MP
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
# libbpf is linked statically so the binary runs wherever the kernel does;
# libelf/libdw/zlib are the system's shared libraries, and libmicrohttpd
# (--metrics) one opened at run time, only for --metrics, by the soname of
# the library built against.
LIBBPF_A := $(shell pkg-config --variable=libdir libbpf 2>/dev/null)/libbpf.a
LIBS := $(LIBBPF_A) -lelf -ldw -lz -lsqlite3 -lZydis -lstdc++ -liberty -lm
MHD_LIBS := -ldl -pthread
MHD_SONAME := $(or $(shell objdump -p $$(pkg-config --variable=libdir libmicrohttpd 2>/dev/null)/libmicrohttpd.so 2>/dev/null | awk '/SONAME/ {print $$2}'),libmicrohttpd.so.12)

# src/ is grouped by stage of the data path (docs/ARCHITECTURE.md);
# objects mirror it under $(OUT)/obj/.
# Language front-ends nest one level deeper: src/lang/python/.
SRCS := $(wildcard src/*.c src/*/*.c src/*/*/*.c)
# metrics.o (which opens libmicrohttpd) goes only into the binary and
# test_metrics, not into every unit test and fuzz target.
MAIN_SRCS := src/main.c src/cli.c
LIB_OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(filter-out $(MAIN_SRCS) src/sinks/metrics.c,$(SRCS)))
MAIN_OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(MAIN_SRCS))
METRICS_OBJ := $(OUT)/obj/sinks/metrics.o
# Only the objects that include a skeleton wait for it: a change to a BPF
# program rebuilds them and nothing else.
SKEL_USERS := $(OUT)/obj/probe/tracer.o
PY_SKEL_USERS := $(OUT)/obj/lang/python/pytrace.o
EXIT_SKEL_USERS := $(OUT)/obj/probe/exitwatch.o

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

TARGET_SRCS := $(wildcard tests/e2e/targets/*.c)
TARGET_BINS := $(patsubst tests/e2e/targets/%.c,$(OUT)/targets/%,$(TARGET_SRCS))

.PHONY: format-check all clean check test-unit test-e2e demo install format deps fixtures targets bench valgrind soak bench-store
all: $(OUT)/wrapmon-trace $(OUT)/wrapmon-protos.txt

# The prototype database (types/protodb.h), read from the headers with clang.
$(OUT)/wrapmon-protos.txt: tools/protodb/gen.py tools/protodb/overlay.txt | $(OUT)
	$(call msg,GEN,$@)
	$(Q)python3 tools/protodb/gen.py --clang $(CLANG) tools/protodb/overlay.txt $@

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(OUT) -MMD -MP
$(OUT)/bpf/%.tmp.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The benchmark's floor program lives with the benchmark.
$(OUT)/bpf/floor.tmp.bpf.o: tools/bench/floor.bpf.c $(OUT)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bpf/%.bpf.o: $(OUT)/bpf/%.tmp.bpf.o
	$(call msg,GENOBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: src/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(SKEL_USERS): $(OUT)/wrapmon.skel.h
$(METRICS_OBJ): ALL_CFLAGS += -DMHD_SONAME='"$(MHD_SONAME)"'
$(PY_SKEL_USERS): $(OUT)/python.skel.h
$(EXIT_SKEL_USERS): $(OUT)/exitwatch.skel.h

$(OUT)/wrapmon-trace: $(MAIN_OBJS) $(LIB_OBJS) $(METRICS_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS) $(MHD_LIBS) -o $@

# Unit tests: each tests/unit/test_X.c links against every module but main.
$(OUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -lcmocka -o $@

$(OUT)/tests/test_metrics: tests/unit/test_metrics.c $(LIB_OBJS) $(METRICS_OBJ) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(METRICS_OBJ) $(LIBS) $(MHD_LIBS) -lcmocka -o $@

# ELF fixtures for the unit tests and target programs for the end-to-end tests.
-include tests/fixtures/fixtures.mk
-include tests/e2e/targets/targets.mk
-include tests/fuzz/fuzz.mk

$(OUT) $(OUT)/bpf $(OUT)/tests $(OUT)/targets $(OUT)/fixtures:
	$(Q)mkdir -p $@

deps:
	$(Q)sh tools/install-deps.sh

# Unit tests print a line per program and the log of a failing one; each
# program's whole output is in its log under $(OUT)/tests/. cmocka's counts
# are summed over the programs into a closing "unit: N passed, N failed".
# unit_counts: "passed failed skipped" of one log, from cmocka's closing
# counts, or from its per-test lines when the program died before them.
unit_counts = awk '/^\[==========\] Running [0-9]+ test/ { s++; n += $$3 } \
	/^\[==========\] [0-9]+ test\(s\) run\./ { d++ } \
	/^\[  PASSED  \] [0-9]+ test/ { p += $$4 } \
	/^\[  FAILED  \] [0-9]+ test/ { f += $$4 } \
	/^\[  SKIPPED \] [0-9]+ test/ { k += $$4 } \
	/^\[       OK \] / { ok++ } \
	END { if (!s || d < s) { p = ok; f = n > ok ? n - ok : 1 } print p + 0, f + 0, k + 0 }'
# unit_failures: a log without the tests that passed.
unit_failures = awk '/^\[ RUN      \] / { if (run != "") print run; run = $$0; next } \
	/^\[       OK \] / { run = ""; next } \
	{ if (run != "") print run; run = ""; print } \
	END { if (run != "") print run }'
# $(call unit_run,PREFIX,NAME,LABEL,QUIET): every unit test program run under
# PREFIX (e.g. valgrind), its output in $(OUT)/tests/test_X.NAME.log, closing
# with "NAME: N passed, N failed"; QUIET=1 prints only the programs that
# failed or skipped a test.
# A program that exits non-zero with no test failed (a valgrind error) counts
# as one failure, so the closing line never says 0 failed on a failing run.
define unit_run
pass=0; fail=0; for t in $(UNIT_BINS); do \
	log=$$t.$(2).log; \
	WM_FIXTURES=$(abspath $(OUT))/fixtures CMOCKA_MESSAGE_OUTPUT=STDOUT $(1) $$t >$$log 2>&1; \
	rc=$$?; set -- $$($(unit_counts) $$log); p=$$1; f=$$2; k=$$3; \
	pass=$$((pass + p)); fail=$$((fail + f)); \
	if [ $$f != 0 ]; then \
		printf '  %-8s %s: %d passed, %d failed (exit %d); %s:\n' $(3) $${t##*/} $$p $$f $$rc $$log; \
	elif [ $$rc != 0 ]; then \
		fail=$$((fail + 1)); \
		printf '  %-8s %s: %d passed, then exit %d (one failure); %s:\n' $(3) $${t##*/} $$p $$rc $$log; \
	elif [ $$k != 0 ]; then \
		printf '  %-8s %s: %d passed, %d skipped\n' $(3) $${t##*/} $$p $$k; \
	elif [ "$(4)" != 1 ]; then \
		printf '  %-8s %s: %d passed\n' $(3) $${t##*/} $$p; \
	fi; \
	[ $$f = 0 ] && [ $$rc = 0 ] || $(unit_failures) $$log | sed 's/^/    /'; \
done; \
echo "$(2): $$pass passed, $$fail failed"; [ $$fail = 0 ]
endef

test-unit: $(UNIT_BINS) fixtures $(OUT)/wrapmon-protos.txt
	$(Q)$(call unit_run,,unit,UNIT)

# memcheck over every unit test: no invalid access and no leak, error paths included.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect
valgrind: $(UNIT_BINS) fixtures $(OUT)/wrapmon-protos.txt
	$(Q)$(call unit_run,$(VALGRIND),valgrind,VALGRIND,1)

test-e2e: all targets
	$(Q)OUT=$(OUT) sh tests/e2e/run.sh

# `check` and `demo` install what is missing first, so both work on a fresh machine.
# `make check SANITIZE=1` runs the same suite on an ASan+UBSan build (valgrind
# cannot run sanitized binaries, so memcheck is left to the plain build).
check:
	$(Q)sh tools/install-deps.sh
	$(Q)$(MAKE) format-check
	$(Q)$(MAKE) all
	$(Q)$(MAKE) test-unit
	$(Q)$(MAKE) fuzz-smoke
	$(Q)$(MAKE) test-e2e
ifneq ($(SANITIZE),1)
	$(Q)$(MAKE) valgrind
endif

# Ten minutes at the target's full rate: RSS and fds must stay flat (not part of check).
SOAK_SECONDS ?= 600
soak:
	$(Q)sh tools/install-deps.sh
	$(Q)$(MAKE) all targets
	$(Q)python3 tools/soak.py --out $(OUT) --seconds $(SOAK_SECONDS)

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

# Real entry instructions, and a real library's function (Debian's libsqlite3).
$(OUT)/bench-shapes: tools/bench/shapes.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall $< -lsqlite3 -o $@

# The same search() in a shared library, for the cost of probing one (tools/bench/objects.py).
$(OUT)/libbench-hot.so: tools/bench/hot.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -shared -fPIC -DHOT_LIB $< -o $@

$(OUT)/bench-libhot: tools/bench/hot.c $(OUT)/libbench-hot.so | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -DHOT_USE_LIB $< -L$(OUT) -lbench-hot -Wl,-rpath,'$$ORIGIN' -o $@

$(OUT)/bench-floor: tools/bench/floor.c $(OUT)/floor.skel.h $(LIB_OBJS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -o $@

# The same empty program on a Python process's interpreter hooks (tools/bench/pycall.py).
$(OUT)/bench-pyfloor: tools/bench/pyfloor.c $(OUT)/floor.skel.h $(LIB_OBJS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -o $@

# The persistent store's rate, without the kernel: `make bench-store`.
$(OUT)/bench-store: tools/bench/store.c $(LIB_OBJS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LIBS) -o $@

bench-store: $(OUT)/bench-store
	$(Q)$(OUT)/bench-store $(abspath $(OUT))

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

BENCH_BINS := $(addprefix $(OUT)/,bench-hot bench-hot-cet bench-floor bench-pyfloor bench-consumer bench-funcs \
	bench-shapes)
# BENCH_ARGS=--quick for a short smoke run.
bench:
	$(Q)sh tools/install-deps.sh
	$(Q)sh tools/bench/install-bench-deps.sh
	$(Q)$(MAKE) all $(BENCH_BINS)
	$(Q)python3 tools/bench/run.py --out $(OUT) $(BENCH_ARGS)
	$(Q)python3 tools/bench/pycall.py --out $(OUT) /usr/bin/python3
	$(Q)python3 tools/bench/pyyield.py --out $(OUT) /usr/bin/python3
	$(Q)python3 tools/bench/pyfromc.py --out $(OUT) /usr/bin/python3
	$(Q)python3 tools/bench/pystart.py --out $(OUT)

MANDIR ?= $(PREFIX)/share/man
install: $(OUT)/wrapmon-trace docs/wrapmon-trace.8 $(OUT)/wrapmon-protos.txt
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/bin/wrapmon-trace)
	$(Q)install -D -m 0755 $< $(DESTDIR)$(PREFIX)/bin/wrapmon-trace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/wrapmon/protos.txt)
	$(Q)install -D -m 0644 $(OUT)/wrapmon-protos.txt $(DESTDIR)$(PREFIX)/share/wrapmon/protos.txt
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/bash-completion/completions/wrapmon-trace)
	$(Q)install -D -m 0644 tools/completion/wrapmon-trace.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/wrapmon-trace
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8/wrapmon-trace.8)
	$(Q)install -D -m 0644 docs/wrapmon-trace.8 $(DESTDIR)$(MANDIR)/man8/wrapmon-trace.8

# The layout .clang-format gives depends on clang-format's version: pinned to
# Debian 12's, which tools/install-deps.sh installs.
CLANG_FORMAT ?= clang-format
CLANG_FORMAT_MAJOR := 14
FORMAT_SRCS = $(wildcard src/*.[ch] src/*/*.[ch] src/*/*/*.[ch] include/*.h bpf/*.bpf.[ch] tests/unit/*.[ch] \
		 tests/e2e/targets/*.[ch] tests/e2e/targets/*.cpp tests/fuzz/*.c tools/*.c tools/bench/*.c)

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(Q)v=$$($(CLANG_FORMAT) --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p'); \
	[ "$$v" = "$(CLANG_FORMAT_MAJOR)" ] || { echo "format-check: needs clang-format $(CLANG_FORMAT_MAJOR), found '$$v': run tools/install-deps.sh" >&2; exit 1; }
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS) || \
		{ echo "format-check: the files above differ from .clang-format: run 'make format'" >&2; exit 1; }
	$(call msg,FORMAT,$(words $(FORMAT_SRCS)) files match .clang-format)

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*.d $(OUT)/obj/*/*.d $(OUT)/obj/*/*/*.d $(OUT)/bpf/*.d $(OUT)/tests/*.d)

.DELETE_ON_ERROR:
.SECONDARY:
