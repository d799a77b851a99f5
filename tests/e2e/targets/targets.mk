# End-to-end test targets, built with and without debug info.
TGT_CFLAGS := -O2 -pthread -fno-omit-frame-pointer -Wall
TGT_DIR := tests/e2e/targets

targets: $(OUT)/targets/t_search $(OUT)/targets/t_search_stripped $(OUT)/targets/t_nest \
	 $(OUT)/targets/t_lib $(OUT)/targets/t_lib2 $(OUT)/targets/t_unfinished \
	 $(OUT)/targets/t_spin $(OUT)/targets/t_flood $(OUT)/targets/t_search_cet \
	 $(OUT)/targets/t_locked $(OUT)/targets/t_fork $(OUT)/targets/t_exec \
	 $(OUT)/targets/t_crash $(OUT)/targets/t_threads $(OUT)/targets/t_hostile \
	 $(OUT)/targets/t_cxx $(OUT)/targets/t_cxxnames \
	 $(OUT)/targets/t_metrics $(OUT)/targets/t_types $(OUT)/targets/t_leafstack \
	 $(OUT)/targets/t_coro $(OUT)/targets/t_altstack $(OUT)/targets/t_attachexit \
	 $(OUT)/targets/t_names $(OUT)/targets/t_cxxexc $(OUT)/targets/t_pthexit \
	 $(OUT)/targets/t_tail $(OUT)/targets/t_seccomp $(OUT)/targets/t_launch \
	 $(OUT)/targets/t_errno $(OUT)/targets/t_errno_static \
	 $(OUT)/targets/t_locs $(OUT)/targets/t_place \
	 $(OUT)/targets/t_dlopen $(OUT)/targets/libwmt_dl.so $(OUT)/targets/t_zlib \
	 $(OUT)/targets/t_tree $(OUT)/targets/t_write $(OUT)/targets/t_types_nodebug \
	 $(OUT)/targets/t_step

$(OUT)/targets/t_%: $(TGT_DIR)/t_%.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< -o $@

# glibc linked in: its errno is local-exec TLS, which wrapmon does not read.
$(OUT)/targets/t_errno_static: $(TGT_DIR)/t_errno.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -static $(TGT_CFLAGS) $< -o $@

# No .symtab and no DWARF: search is found through .dynsym only.
$(OUT)/targets/t_search_stripped: $(TGT_DIR)/t_search.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g0 -rdynamic $(TGT_CFLAGS) $< -o $@ && strip --strip-all $@

$(OUT)/targets/libwmt.so: $(TGT_DIR)/libwmt.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -O2 -shared -fPIC $< -o $@

$(OUT)/targets/libwmt2.so: $(TGT_DIR)/libwmt2.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -O2 -shared -fPIC $< -o $@

$(OUT)/targets/t_lib: $(TGT_DIR)/t_lib.c $(OUT)/targets/libwmt.so
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< -L$(OUT)/targets -lwmt -Wl,-rpath,'$$ORIGIN' -o $@

# Links both libraries: dup_fn is defined in two objects and not in the executable.
$(OUT)/targets/t_lib2: $(TGT_DIR)/t_lib.c $(OUT)/targets/libwmt.so $(OUT)/targets/libwmt2.so
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< -L$(OUT)/targets -Wl,--no-as-needed -lwmt -lwmt2 \
		-Wl,-rpath,'$$ORIGIN' -o $@

# Every function starts with endbr64 (as on distributions built with CET).
$(OUT)/targets/t_search_cet: $(TGT_DIR)/t_search.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -fcf-protection=full $(TGT_CFLAGS) $< -o $@

CXX ?= g++
$(OUT)/targets/t_cxx: $(TGT_DIR)/t_cxx.cpp $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CXX) -g $(TGT_CFLAGS) $< -o $@

$(OUT)/targets/t_cxxnames: $(TGT_DIR)/t_cxxnames.cpp $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CXX) -g $(TGT_CFLAGS) $< -o $@

$(OUT)/targets/t_cxxexc: $(TGT_DIR)/t_cxxexc.cpp $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CXX) -g $(TGT_CFLAGS) $< -o $@

# The leaves push no %rbp (no frame pointers); their callers, here and in the
# library t_leafstack opens with dlopen(), do.
$(OUT)/targets/libwmt_leaf.so: $(TGT_DIR)/libwmt_leaf.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -O2 -fno-omit-frame-pointer -shared -fPIC $< -o $@

$(OUT)/targets/leaf_nofp.o: $(TGT_DIR)/leaf_nofp.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -fcf-protection=full -c $< -o $@

$(OUT)/targets/t_leafstack: $(TGT_DIR)/t_leafstack.c $(TGT_DIR)/common.h \
			    $(OUT)/targets/leaf_nofp.o $(OUT)/targets/libwmt_leaf.so
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< $(OUT)/targets/leaf_nofp.o -ldl -o $@

# hook() renamed in the symbol table to hold an OSC 52 clipboard write, as a hostile ELF can.
$(OUT)/targets/t_names: $(TGT_DIR)/t_names.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) -c $< -o $@.o && \
		objcopy --redefine-sym "hook=$$(printf 'hook\033]52;c;QUFB\007')" $@.o && \
		$(CC) -g $(TGT_CFLAGS) $@.o -ldl -o $@ && rm -f $@.o

# Opened after the tracer attached, closed, opened again (libwmt_dl.so by path).
$(OUT)/targets/libwmt_dl.so: $(TGT_DIR)/libwmt_dl.c | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g -O2 -shared -fPIC $< -o $@

$(OUT)/targets/t_dlopen: $(TGT_DIR)/t_dlopen.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< -ldl -o $@

# The system's libz, found by LIB:NAME through ld.so.cache.
$(OUT)/targets/t_zlib: $(TGT_DIR)/t_zlib.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g $(TGT_CFLAGS) $< -lz -o $@

# t_types without debug info: structs come from the prototype only.
$(OUT)/targets/t_types_nodebug: $(TGT_DIR)/t_types.c $(TGT_DIR)/common.h | $(OUT)/targets
	$(call msg,TARGET,$@)
	$(Q)$(CC) -g0 $(TGT_CFLAGS) $< -o $@
