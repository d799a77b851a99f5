// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * symbolize on this very process: its own functions, libc's, the [vdso],
 * and shared objects built here at test time and dlopen()ed after the
 * symbolizer has read the memory map.
 *
 * Expected names, sizes and addresses never come from the code under test:
 * they come from nm run through popen(), from the dynamic loader (dladdr,
 * dlinfo) and, for the [vdso], from libelf reading the image in memory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"
#include "target/elfsym.h"
#include "target/procmaps.h"
#include "target/symbolize.h"
#include "fixture.h"

/* Same length as the name it replaces in the built object: control bytes a terminal acts on. */
#define EVIL_PLAIN   "wm_evil_XXXXXXXX"
#define EVIL_BYTES   "wm_evil_\x1b[2J\n\a\x9bZ"
#define EVIL_ESCAPED "wm_evil_\\x1b[2J\\n\\a\\x9bZ"
#define CXX_MANGLED  "_ZN2ns6widget4drawEi"
#define NEVER_MS     (3600U * 1000U)

static const char lib_src[] = "int wm_dl_fn(int x)\n"
			      "{ int i, r = 0; for (i = 0; i < x; i++) r += i * x; return r; }\n"
			      "static int " EVIL_PLAIN "(int x) { return x + 1; }\n"
			      "void *wm_dl_evil(void) { return (void *)" EVIL_PLAIN "; }\n"
			      "int wm_cxx(int x) __asm__(\"" CXX_MANGLED "\");\n"
			      "int wm_cxx(int x) { return x * 2; }\n"
			      "void *wm_dl_cxx(void) { return (void *)wm_cxx; }\n"
			      "static int wm_dl_hidden(int x) { return x - 1; }\n"
			      "void *wm_dl_hidden_addr(void) { return (void *)wm_dl_hidden; }\n";

/*
 * Symbols laid out by hand, offsets from wm_a:
 *   0  wm_a, 16 bytes          16  a gap no symbol covers
 *   32 wm_nosize, no size      48  wm_outer, 32 bytes, holding
 *   56 wm_inner, 8 bytes       80  wm_alias = __wa (global) = wa (local), 16 bytes
 * Linked at 0x400000, so that link-time addresses are not file offsets.
 */
static const char asm_src[] =
	"\t.text\n"
	"\t.globl wm_a\n\t.type wm_a, @function\nwm_a:\n\t.skip 16, 0x90\n\t.size wm_a, 16\n"
	"\t.skip 16, 0xcc\n"
	"\t.globl wm_nosize\n\t.type wm_nosize, @function\nwm_nosize:\n\t.skip 16, 0x90\n"
	"\t.globl wm_outer\n\t.type wm_outer, @function\nwm_outer:\n\t.skip 8, 0x90\n"
	"\t.type wm_inner, @function\nwm_inner:\n\t.skip 8, 0x90\n\t.size wm_inner, 8\n"
	"\t.skip 16, 0x90\n\t.size wm_outer, 32\n"
	"\t.type wa, @function\nwa:\n"
	"\t.globl __wa\n\t.type __wa, @function\n__wa:\n"
	"\t.globl wm_alias\n\t.type wm_alias, @function\nwm_alias:\n\t.skip 16, 0x90\n"
	"\t.size wa, 16\n\t.size __wa, 16\n\t.size wm_alias, 16\n"
	"\t.section .note.GNU-stack,\"\",@progbits\n";

/* Functions of the test binary itself, kept out of line and unchanged in name. */
static __attribute__((noinline, noclone, used)) long wm_sym_static_fn(long x)
{
	long i, r = 0;

	for (i = 0; i < x; i++) {
		asm volatile("" : "+r"(r));
		r += i * x;
	}
	return r;
}

__attribute__((noinline, noclone)) long wm_sym_global_fn(long x)
{
	long i, r = 1;

	for (i = 0; i < x; i++) {
		asm volatile("" : "+r"(r));
		r ^= i << 3;
	}
	return r;
}

struct fixture {
	char dir[PATH_MAX];
	char lib[PATH_MAX + 32];    /* the evil name patched in */
	char del[PATH_MAX + 32];    /* a copy, deleted once loaded */
	char strip[PATH_MAX + 32];  /* only .dynsym */
	char plain[PATH_MAX + 32];  /* unpatched, for nm */
	char asmlib[PATH_MAX + 32]; /* asm_src */
	char exe[PATH_MAX];
};

/* Every occurrence of the plain name in the file becomes the evil one. */
static int patch_name(const char *path)
{
	size_t len = strlen(EVIL_PLAIN), n = 0;
	char *data = NULL, *p;
	struct stat st;
	int fd, err = -1;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		goto cleanup;
	data = malloc(st.st_size);
	if (!data || pread(fd, data, st.st_size, 0) != st.st_size)
		goto cleanup;
	for (p = data; (p = memmem(p, data + st.st_size - p, EVIL_PLAIN, len)); p += len, n++)
		memcpy(p, EVIL_BYTES, len);
	if (n && pwrite(fd, data, st.st_size, 0) == st.st_size)
		err = 0;

cleanup:
	free(data);
	if (fd >= 0)
		close(fd);
	return err;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char src[PATH_MAX + 8];
	ssize_t n;

	if (!fx)
		return -1;
	*state = fx;
	n = readlink("/proc/self/exe", fx->exe, sizeof(fx->exe) - 1);
	if (n < 0)
		return -1;
	fx->exe[n] = '\0';
	snprintf(fx->dir, sizeof(fx->dir), "%s/wm-sym-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(src, sizeof(src), "%s/lib.c", fx->dir);
	snprintf(fx->plain, sizeof(fx->plain), "%s/libwmplain.so", fx->dir);
	snprintf(fx->lib, sizeof(fx->lib), "%s/libwmsym.so", fx->dir);
	snprintf(fx->del, sizeof(fx->del), "%s/libwmdel.so", fx->dir);
	snprintf(fx->strip, sizeof(fx->strip), "%s/libwmstrip.so", fx->dir);
	snprintf(fx->asmlib, sizeof(fx->asmlib), "%s/libwmasm.so", fx->dir);
	if (write_file(src, lib_src))
		return -1;
	snprintf(src, sizeof(src), "%s/syms.s", fx->dir);
	if (write_file(src, asm_src))
		return -1;
	if (run("cd '%s' && cc -O0 -fPIC -shared -o libwmplain.so lib.c && "
		"cp libwmplain.so libwmsym.so && cp libwmplain.so libwmdel.so && "
		"strip --strip-all -o libwmstrip.so libwmplain.so && "
		"cc -shared -nostdlib -Wl,-Ttext-segment=0x400000 -o libwmasm.so syms.s",
		fx->dir))
		return -1;
	return patch_name(fx->lib);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx)
		return 0;
	if (fx->dir[0] && !getenv("WM_KEEP_FIXTURE"))
		run("rm -rf '%s'", fx->dir);
	free(fx);
	return 0;
}

/* st_value and st_size of a function as nm reports them (dyn: .dynsym). */
static void nm_sym(const char *path, bool dyn, const char *name, unsigned long *value,
		   unsigned long *size)
{
	char cmd[PATH_MAX + 64], line[1024], sym[512], type;
	unsigned long v, sz;
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only %s '%s'", dyn ? "-D" : "", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *at;

		if (sscanf(line, "%lx %lx %c %511s", &v, &sz, &type, sym) != 4)
			continue;
		if ((at = strchr(sym, '@')))
			*at = '\0';
		if (strcmp(sym, name) || found)
			continue;
		*value = v;
		*size = sz;
		found = true;
	}
	pclose(f);
	if (!found)
		fail_msg("nm finds no %s in %s", name, path);
}

/* Is name one of the function names nm lists at value in .dynsym? */
static bool nm_dyn_alias(const char *path, unsigned long value, const char *name)
{
	char cmd[PATH_MAX + 64], line[1024], sym[512], type;
	bool found = false;
	unsigned long v;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *at;

		if (sscanf(line, "%lx %c %511s", &v, &type, sym) != 3 || v != value)
			continue;
		if ((at = strchr(sym, '@')))
			*at = '\0';
		found |= !strcmp(sym, name);
	}
	pclose(f);
	return found;
}

static unsigned long load_bias(void *handle)
{
	struct link_map *lm = NULL;

	assert_int_equal(dlinfo(handle, RTLD_DI_LINKMAP, &lm), 0);
	return lm->l_addr;
}

static struct wm_symbolizer *new_sym(unsigned int refresh_ms, bool demangle)
{
	struct wm_symbolizer_opts opts = {
		.sz = sizeof(opts),
		.demangle = demangle,
		.refresh_ms = refresh_ms,
	};
	struct wm_symbolizer *s = NULL;

	assert_int_equal(symbolizer__new(getpid(), &opts, &s), 0);
	assert_non_null(s);
	return s;
}

static void check_format(struct wm_symbolizer *s, unsigned long addr, bool ret, const char *want)
{
	struct wm_buf b = {};

	if (ret)
		symbolizer__format_ret(s, addr, &b);
	else
		symbolizer__format(s, addr, &b);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

/* ---- tests ------------------------------------------------------------ */

static void test_pseudo_maps(void **state)
{
	static const char text[] =
		"55d0c0a00000-55d0c0a01000 r-xp 00001000 08:01 42 /usr/bin/t (deleted)\n"
		"7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]\n"
		"7ffd3000-7ffd4000 r--p 00000000 00:00 0 [vvar]\n"
		"7ffd4000-7ffd6000 r-xp 00000000 00:00 0 [vdso]\n"
		"7ffd6000-7ffd7000 r-xp 00000000 00:00 0\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";
	struct wm_mapping *m = NULL;

	assert_int_equal(procmaps__parse(text, &m), 1);
	free(m);
	assert_int_equal(procmaps__parse_flags(text, PROCMAPS_PSEUDO_EXEC, &m), 3);
	assert_string_equal(m[0].path, "/usr/bin/t");
	assert_string_equal(m[1].path, "[vdso]");
	assert_int_equal(m[1].start, 0x7ffd4000);
	assert_string_equal(m[2].path, "[vsyscall]");
	free(m);
}

static void test_off_to_vaddr(void **state)
{
	struct fixture *fx = *state;
	const struct wm_sym *syms;
	struct elf_obj *obj = NULL;
	unsigned long off, vaddr;
	int i, n;

	assert_int_equal(elf_obj__open(fx->exe, &obj), 0);
	n = elf_obj__syms(obj, &syms);
	assert_true(n > 10);
	for (i = 0; i < n; i++) {
		assert_int_equal(elf_obj__vaddr_to_off(obj, syms[i].vaddr, &off), 0);
		assert_int_equal(elf_obj__off_to_vaddr(obj, off, &vaddr), 0);
		assert_int_equal(vaddr, syms[i].vaddr);
	}
	assert_int_equal(elf_obj__off_to_vaddr(obj, ~0UL - 1, &vaddr), -ENOENT);
	assert_int_equal(elf_obj__off_to_vaddr(NULL, 0, &vaddr), -EINVAL);

	/* Closing the fd keeps the symbols. */
	assert_true(elf_obj__fd(obj) >= 0);
	elf_obj__close_fd(obj);
	assert_int_equal(elf_obj__fd(obj), -EBADF);
	assert_int_equal(elf_obj__syms(obj, &syms), n);
	elf_obj__close_fd(obj);
	elf_obj__free(obj);
}

static void check_own_fn(struct fixture *fx, struct wm_symbolizer *s, const char *name,
			 unsigned long addr)
{
	unsigned long value, size;
	struct wm_symloc loc;
	char want[256];

	nm_sym(fx->exe, false, name, &value, &size);
	assert_true(size > 6);

	assert_int_equal(symbolizer__lookup(s, addr, &loc), 0);
	assert_string_equal(loc.sym, name);
	assert_int_equal(loc.sym_off, 0);
	assert_string_equal(loc.obj, fx->exe);
	assert_int_equal(loc.obj_off, value);

	assert_int_equal(symbolizer__lookup(s, addr + 5, &loc), 0);
	assert_string_equal(loc.sym, name);
	assert_int_equal(loc.sym_off, 5);
	assert_int_equal(loc.obj_off, value + 5);

	assert_int_equal(symbolizer__lookup(s, addr + size - 1, &loc), 0);
	assert_string_equal(loc.sym, name);
	assert_int_equal(loc.sym_off, size - 1);

	snprintf(want, sizeof(want), "%s+0x5 (%s)", name, strrchr(fx->exe, '/') + 1);
	check_format(s, addr + 5, false, want);
	snprintf(want, sizeof(want), "%s (%s)", name, strrchr(fx->exe, '/') + 1);
	check_format(s, addr, false, want);
}

static void test_own_functions(void **state)
{
	struct wm_symbolizer *s = new_sym(0, false);

	/* The calls keep them alive; the results are of no interest. */
	assert_true(wm_sym_static_fn(3) >= 0);
	assert_true(wm_sym_global_fn(3) != 0);
	check_own_fn(*state, s, "wm_sym_static_fn", (unsigned long)&wm_sym_static_fn);
	check_own_fn(*state, s, "wm_sym_global_fn", (unsigned long)&wm_sym_global_fn);
	symbolizer__free(s);
}

static void test_libc(void **state)
{
	struct wm_symbolizer *s = new_sym(0, false);
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct wm_symloc loc;
	unsigned long addr;
	struct link_map *lm = NULL;
	Dl_info info;

	addr = (unsigned long)dlsym(RTLD_DEFAULT, "getpid");
	assert_true(addr);
	assert_true(dladdr1((void *)addr, &info, (void **)&lm, RTLD_DL_LINKMAP));
	assert_non_null(realpath(info.dli_fname, path));

	assert_int_equal(symbolizer__lookup(s, addr, &loc), 0);
	assert_string_equal(loc.obj, path);
	assert_int_equal(loc.obj_off, addr - lm->l_addr);
	assert_int_equal(loc.sym_off, 0);
	if (!nm_dyn_alias(path, addr - lm->l_addr, loc.sym))
		fail_msg("%s is no name of the function at 0x%lx in %s", loc.sym, addr - lm->l_addr,
			 path);
	/* Among aliases, the name without leading underscores ("__getpid"). */
	if (nm_dyn_alias(path, addr - lm->l_addr, "getpid"))
		assert_string_equal(loc.sym, "getpid");

	assert_int_equal(symbolizer__lookup(s, addr + 3, &loc), 0);
	assert_int_equal(loc.sym_off, 3);
	snprintf(want, sizeof(want), "%s+0x3 (%s)", loc.sym, strrchr(path, '/') + 1);
	check_format(s, addr + 3, false, want);
	symbolizer__free(s);
}

static void test_anon_and_unmapped(void **state)
{
	struct wm_symbolizer *s = new_sym(0, false);
	struct wm_symloc loc;
	char want[64];
	void *anon;

	anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_int_equal(symbolizer__lookup(s, (unsigned long)anon + 16, &loc), -ENOENT);
	assert_null(loc.sym);
	assert_null(loc.obj);
	snprintf(want, sizeof(want), "0x%lx (?)", (unsigned long)anon + 16);
	check_format(s, (unsigned long)anon + 16, false, want);
	munmap(anon, 4096);

	/* Below mmap_min_addr: never mapped. */
	assert_int_equal(symbolizer__lookup(s, 0x1234, &loc), -ENOENT);
	assert_null(loc.obj);
	check_format(s, 0x1234, false, "0x1234 (?)");
	assert_int_equal(symbolizer__lookup(s, ~0UL, &loc), -ENOENT);
	assert_int_equal(symbolizer__lookup_ret(s, 0, &loc), -ENOENT);
	symbolizer__free(s);
}

static void test_return_address(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s = new_sym(0, false);
	unsigned long value, size, addr = (unsigned long)&wm_sym_global_fn;
	char want[256];
	struct wm_symloc loc;

	nm_sym(fx->exe, false, "wm_sym_global_fn", &value, &size);
	/* Just past the end: not the function any more, as a plain address. */
	symbolizer__lookup(s, addr + size, &loc);
	assert_true(!loc.sym || strcmp(loc.sym, "wm_sym_global_fn"));

	/* As a return address (a call ending the function), still the function. */
	assert_int_equal(symbolizer__lookup_ret(s, addr + size, &loc), 0);
	assert_string_equal(loc.sym, "wm_sym_global_fn");
	assert_int_equal(loc.sym_off, size);
	assert_int_equal(loc.obj_off, value + size);
	snprintf(want, sizeof(want), "wm_sym_global_fn+0x%lx (%s)", size,
		 strrchr(fx->exe, '/') + 1);
	check_format(s, addr + size, true, want);

	/* Inside, both agree; at the start a return address belongs to what precedes. */
	assert_int_equal(symbolizer__lookup_ret(s, addr + 5, &loc), 0);
	assert_string_equal(loc.sym, "wm_sym_global_fn");
	assert_int_equal(loc.sym_off, 5);
	symbolizer__lookup_ret(s, addr, &loc);
	assert_true(!loc.sym || strcmp(loc.sym, "wm_sym_global_fn"));
	symbolizer__free(s);
}

static void *must_dlopen(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		fail_msg("dlopen %s: %s", path, dlerror());
	return h;
}

static unsigned long call_getter(void *h, const char *name)
{
	void *(*fn)(void) = (void *(*)(void))dlsym(h, name);

	assert_non_null(fn);
	return (unsigned long)fn();
}

static void test_dlopen_refresh(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s, *never;
	unsigned long addr, value, size;
	struct timespec ts = { 0, 120 * 1000 * 1000 };
	struct wm_symloc loc;
	void *h;

	/* Both read the map before the library is there. */
	s = new_sym(0, false);
	never = new_sym(NEVER_MS, false);
	h = must_dlopen(fx->lib);
	addr = (unsigned long)dlsym(h, "wm_dl_fn");
	assert_true(addr);
	nm_sym(fx->plain, false, "wm_dl_fn", &value, &size);
	assert_int_equal(addr - load_bias(h), value);

	/* No re-read allowed yet: the new mapping stays unknown. */
	assert_int_equal(symbolizer__lookup(never, addr + 4, &loc), -ENOENT);
	assert_null(loc.obj);

	/* Once the interval has passed, a miss re-reads the map. */
	nanosleep(&ts, NULL);
	assert_int_equal(symbolizer__lookup(s, addr + 4, &loc), 0);
	assert_string_equal(loc.sym, "wm_dl_fn");
	assert_int_equal(loc.sym_off, 4);
	assert_string_equal(loc.obj, fx->lib);
	assert_int_equal(loc.obj_off, value + 4);
	check_format(s, addr + 4, false, "wm_dl_fn+0x4 (libwmsym.so)");

	symbolizer__free(never);
	symbolizer__free(s);
	dlclose(h);
}

/* Which symbol covers an address, on the hand-made layout of asm_src. */
static void test_choice(void **state)
{
	static const struct {
		unsigned long off;
		const char *sym; /* NULL: none */
		unsigned long sym_off;
	} cases[] = {
		{ 0, "wm_a", 0 },	 { 15, "wm_a", 15 },
		{ 16, NULL, 0 }, /* past wm_a's size, in the gap */
		{ 31, NULL, 0 },	 { 32, "wm_nosize", 0 },
		{ 47, "wm_nosize", 15 }, /* no size: the nearest one before */
		{ 48, "wm_outer", 0 },	 { 55, "wm_outer", 7 },
		{ 56, "wm_inner", 0 },				 /* the innermost */
		{ 63, "wm_inner", 7 },	 { 64, "wm_outer", 16 }, /* inner has ended */
		{ 79, "wm_outer", 31 },	 { 80, "wm_alias", 0 },
		{ 95, "wm_alias", 15 },
	};
	struct fixture *fx = *state;
	struct wm_symbolizer *s;
	unsigned long base, value, size;
	struct wm_symloc loc;
	char want[PATH_MAX];
	size_t i;
	void *h;

	h = must_dlopen(fx->asmlib);
	s = new_sym(0, false);
	base = (unsigned long)dlsym(h, "wm_a");
	assert_true(base);
	nm_sym(fx->asmlib, false, "wm_a", &value, &size);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = symbolizer__lookup(s, base + cases[i].off, &loc);

		assert_string_equal(loc.obj, fx->asmlib);
		assert_int_equal(loc.obj_off, value + cases[i].off);
		if (!cases[i].sym) {
			assert_int_equal(err, -ENOENT);
			assert_null(loc.sym);
			snprintf(want, sizeof(want), "0x%lx (libwmasm.so+0x%lx)",
				 base + cases[i].off, value + cases[i].off);
			check_format(s, base + cases[i].off, false, want);
			continue;
		}
		if (err || strcmp(loc.sym, cases[i].sym) || loc.sym_off != cases[i].sym_off)
			fail_msg("wm_a+%lu: %d %s+%lu, want %s+%lu", cases[i].off, err,
				 loc.sym ? loc.sym : "(none)", loc.sym_off, cases[i].sym,
				 cases[i].sym_off);
	}
	/* A return address just past wm_a belongs to wm_a. */
	assert_int_equal(symbolizer__lookup_ret(s, base + 16, &loc), 0);
	assert_string_equal(loc.sym, "wm_a");
	assert_int_equal(loc.sym_off, 16);
	symbolizer__free(s);
	dlclose(h);
}

static void test_untrusted_name_escaped(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s;
	struct wm_symloc loc;
	unsigned long addr;
	void *h;

	h = must_dlopen(fx->lib);
	s = new_sym(0, false);
	addr = call_getter(h, "wm_dl_evil");
	assert_int_equal(symbolizer__lookup(s, addr, &loc), 0);
	assert_string_equal(loc.sym, EVIL_BYTES); /* raw in the struct */
	check_format(s, addr + 1, false, EVIL_ESCAPED "+0x1 (libwmsym.so)");
	symbolizer__free(s);
	dlclose(h);
}

static void test_demangle(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s, *raw;
	unsigned long addr;
	struct wm_symloc loc;
	void *h;

	h = must_dlopen(fx->lib);
	s = new_sym(0, true);
	raw = new_sym(0, false);
	addr = call_getter(h, "wm_dl_cxx");
	assert_int_equal(symbolizer__lookup(s, addr, &loc), 0);
	assert_string_equal(loc.sym, "ns::widget::draw(int)");
	/* Cached: the same string again. */
	assert_int_equal(symbolizer__lookup(s, addr + 1, &loc), 0);
	assert_string_equal(loc.sym, "ns::widget::draw(int)");
	check_format(s, addr + 2, false, "ns::widget::draw(int)+0x2 (libwmsym.so)");
	assert_int_equal(symbolizer__lookup(raw, addr, &loc), 0);
	assert_string_equal(loc.sym, CXX_MANGLED);
	/* C names go through unchanged. */
	assert_int_equal(symbolizer__lookup(s, (unsigned long)dlsym(h, "wm_dl_fn"), &loc), 0);
	assert_string_equal(loc.sym, "wm_dl_fn");
	symbolizer__free(raw);
	symbolizer__free(s);
	dlclose(h);
}

/* A static function of a stripped object: mapped, no symbol, named by object and offset. */
static void test_stripped(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s;
	unsigned long addr, value, size;
	struct wm_symloc loc;
	char want[128];
	void *h;

	h = must_dlopen(fx->strip);
	s = new_sym(0, false);
	addr = call_getter(h, "wm_dl_hidden_addr");
	nm_sym(fx->plain, false, "wm_dl_hidden", &value, &size);
	assert_int_equal(addr - load_bias(h), value);
	assert_int_equal(symbolizer__lookup(s, addr + 2, &loc), -ENOENT);
	assert_null(loc.sym);
	assert_string_equal(loc.obj, fx->strip);
	assert_int_equal(loc.obj_off, value + 2);
	snprintf(want, sizeof(want), "0x%lx (libwmstrip.so+0x%lx)", addr + 2, value + 2);
	check_format(s, addr + 2, false, want);
	/* Its exported functions are still found, through .dynsym. */
	assert_int_equal(symbolizer__lookup(s, (unsigned long)dlsym(h, "wm_dl_fn"), &loc), 0);
	assert_string_equal(loc.sym, "wm_dl_fn");
	symbolizer__free(s);
	dlclose(h);
}

/* Deleted once loaded: the map says "(deleted)", the file opens through map_files. */
static void test_deleted(void **state)
{
	struct fixture *fx = *state;
	struct wm_symbolizer *s;
	struct wm_symloc loc;
	unsigned long addr;
	void *h;

	h = must_dlopen(fx->del);
	assert_int_equal(unlink(fx->del), 0);
	s = new_sym(0, false);
	addr = (unsigned long)dlsym(h, "wm_dl_fn");
	assert_int_equal(symbolizer__lookup(s, addr + 1, &loc), 0);
	assert_string_equal(loc.sym, "wm_dl_fn");
	assert_string_equal(loc.obj, fx->del);
	check_format(s, addr + 1, false, "wm_dl_fn+0x1 (libwmdel.so)");
	symbolizer__free(s);
	dlclose(h);
}

/*
 * The [vdso] has no file: its image is read from the process's memory.
 * The expected symbol comes from libelf reading the same image here.
 */
static void test_vdso(void **state)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR), bias = 0, addr = 0, value = 0;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	struct wm_symbolizer *s;
	struct wm_symloc loc;
	Elf_Scn *scn = NULL;
	bool alias = false;
	char want[128];
	size_t size, i;
	Elf *elf;

	if (!base)
		skip();
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)base, size);
	assert_non_null(elf);
	for (i = 0; i < eh->e_phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			bias = ph.p_vaddr - ph.p_offset;
			break;
		}
	}
	s = new_sym(0, false);
	while ((scn = elf_nextscn(elf, scn)) && !addr) {
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		/* The first function; then whether the name found is one of those at its address. */
		for (i = 1; data && gelf_getsym(data, i, &sym); i++) {
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size <= 2 ||
			    !sym.st_value)
				continue;
			if (!addr) {
				value = sym.st_value;
				addr = base + sym.st_value - bias;
				assert_int_equal(symbolizer__lookup(s, addr + 1, &loc), 0);
			}
			if (sym.st_value == value)
				alias |= !strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), loc.sym);
		}
	}
	elf_end(elf);
	assert_true(addr);
	assert_true(alias);
	assert_string_equal(loc.obj, "[vdso]");
	assert_int_equal(loc.sym_off, 1);
	assert_int_equal(loc.obj_off, value + 1);
	snprintf(want, sizeof(want), "%s+0x1 ([vdso])", loc.sym);
	check_format(s, addr + 1, false, want);
	symbolizer__free(s);
}

static void test_args(void **state)
{
	struct {
		struct wm_symbolizer_opts o;
		char newer[8];
	} big = { .o = { .sz = sizeof(big) } };
	struct wm_symbolizer_opts bad = { .sz = 0 };
	struct wm_symbolizer *s = (struct wm_symbolizer *)1;
	struct wm_symloc loc;
	struct wm_buf b = {};

	assert_int_equal(symbolizer__new(0, NULL, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(symbolizer__new(getpid(), NULL, NULL), -EINVAL);
	assert_int_equal(symbolizer__new(getpid(), &bad, &s), -EINVAL);
	/* Beyond pid_max: no such process. */
	assert_int_equal(symbolizer__new(0x7ffffff0, NULL, &s), -ESRCH);
	assert_null(s);

	/* A newer caller's zero fields are fine, non-zero ones are not understood. */
	assert_int_equal(symbolizer__new(getpid(), &big.o, &s), 0);
	symbolizer__free(s);
	big.newer[3] = 1;
	assert_int_equal(symbolizer__new(getpid(), &big.o, &s), -EINVAL);

	assert_int_equal(symbolizer__new(getpid(), NULL, &s), 0);
	assert_int_equal(symbolizer__lookup(s, 0x1000, NULL), -EINVAL);
	symbolizer__free(s);
	assert_int_equal(symbolizer__lookup(NULL, 0x1000, &loc), -EINVAL);
	assert_null(loc.obj);
	symbolizer__format(NULL, 0x10, &b);
	assert_string_equal(b.p, "0x10 (?)");
	buf__free(&b);
	symbolizer__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pseudo_maps),
		cmocka_unit_test(test_off_to_vaddr),
		cmocka_unit_test(test_own_functions),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_anon_and_unmapped),
		cmocka_unit_test(test_return_address),
		cmocka_unit_test(test_dlopen_refresh),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_untrusted_name_escaped),
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
