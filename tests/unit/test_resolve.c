// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * procmaps, elfsym and resolve on the fixtures of tests/fixtures/ (found
 * through $WM_FIXTURES) and on this very process.
 *
 * Expected symbols and file offsets never come from the code under test:
 * they come from readelf and objdump run through popen(), from bytes the
 * fixtures place at known functions, and from the dynamic loader
 * (dlopen/dlsym, dl_iterate_phdr) mapping the same files.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/elfsym.h"
#include "target/procmaps.h"
#include "target/resolve.h"

#define MAX_REF 512

static const unsigned char exe_marker[] = { 0xb8, 0x78, 0x56, 0x34, 0x12, 0xc3 };
static const unsigned char lib_marker[] = { 0xb8, 0xf0, 0xde, 0xbc, 0x9a, 0xc3 };

/* Looked up in this process by resolver__new_pid(). */
__attribute__((noinline, used)) int wm_test_probe_target(int x)
{
	asm volatile("");
	return x * 7 + 3;
}

/* ---- helpers ---------------------------------------------------------- */

static void fx(char *buf, size_t sz, const char *name)
{
	const char *dir = getenv("WM_FIXTURES");

	if (!dir || !*dir)
		fail_msg("WM_FIXTURES is not set: run through `make test-unit`");
	snprintf(buf, sz, "%s/%s", dir, name);
	if (access(buf, R_OK))
		fail_msg("fixture %s missing: run `make fixtures`", buf);
}

static void read_at(int fd, unsigned long off, void *buf, size_t n)
{
	assert_int_equal(pread(fd, buf, n, off), (ssize_t)n);
}

static void read_file_at(const char *path, unsigned long off, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	read_at(fd, off, buf, n);
	close(fd);
}

static const struct wm_sym *find_sym(const struct wm_sym *syms, int n, const char *name, int nth)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(syms[i].name, name) && nth-- == 0)
			return &syms[i];
	return NULL;
}

static bool contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("'%s' not in '%s'\n", needle, hay);
		return false;
	}
	return true;
}

struct ref_sym {
	char name[256];
	unsigned long value;
	unsigned long off; /* objdump only */
};

/* Defined function symbols of one table as readelf lists them. */
static int readelf_funcs(const char *path, const char *table, struct ref_sym *out, int max)
{
	char cmd[PATH_MAX + 64], line[1024];
	bool in_table = false;
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "readelf -sW '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char type[32], bind[32], vis[32], ndx[32], name[256], *at;
		unsigned long value;

		if (!strncmp(line, "Symbol table", 12)) {
			in_table = strstr(line, table) != NULL;
			continue;
		}
		if (!in_table)
			continue;
		if (sscanf(line, "%*d: %lx %*s %31s %31s %31s %31s %255s", &value, type, bind, vis,
			   ndx, name) != 6)
			continue;
		if (strcmp(type, "FUNC") && strcmp(type, "IFUNC"))
			continue;
		if (!strcmp(ndx, "UND") || !value)
			continue;
		/* .dynsym names carry their version. */
		if (!strcmp(table, ".dynsym") && (at = strchr(name, '@')))
			*at = '\0';
		assert_true(n < max);
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		out[n].value = value;
		n++;
	}
	pclose(f);
	return n;
}

/* "0000000000401150 <fx_marker> (File Offset: 0x1150):" from objdump -dF. */
static int objdump_offsets(const char *path, struct ref_sym *out, int max)
{
	char cmd[PATH_MAX + 64], line[1024];
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "objdump -dF '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct ref_sym r;

		if (sscanf(line, "%lx <%255[^>]> (File Offset: 0x%lx):", &r.value, r.name,
			   &r.off) != 3)
			continue;
		assert_true(n < max);
		out[n++] = r;
	}
	pclose(f);
	return n;
}

/* Our symbols against readelf's: the same set of (name, address). */
static void check_against_readelf(const char *path, const char *table, bool dynsym_only)
{
	struct ref_sym *ref = calloc(MAX_REF, sizeof(*ref));
	const struct wm_sym *syms;
	struct elf_obj *obj = NULL;
	int i, j, n, nref, nours = 0;

	assert_non_null(ref);
	nref = readelf_funcs(path, table, ref, MAX_REF);
	assert_true(nref > 3);
	assert_int_equal(elf_obj__open(path, &obj), 0);
	n = elf_obj__syms(obj, &syms);

	for (i = 0; i < nref; i++) {
		bool found = false;

		for (j = 0; j < n && !found; j++)
			found = !strcmp(syms[j].name, ref[i].name) && syms[j].vaddr == ref[i].value;
		if (!found)
			fail_msg("%s: readelf lists %s at 0x%lx, we do not", path, ref[i].name,
				 ref[i].value);
	}
	for (j = 0; j < n; j++) {
		bool found = false;

		if (dynsym_only)
			assert_true(syms[j].from_dynsym);
		if (syms[j].from_dynsym != dynsym_only)
			continue;
		nours++;
		for (i = 0; i < nref && !found; i++)
			found = !strcmp(syms[j].name, ref[i].name) && syms[j].vaddr == ref[i].value;
		if (!found)
			fail_msg("%s: we list %s at 0x%lx, readelf does not", path, syms[j].name,
				 syms[j].vaddr);
	}
	assert_true(nours > 0);
	elf_obj__free(obj);
	free(ref);
}

/* Sorted by name then address, and no (name, address) twice. */
static void check_sorted(const struct wm_sym *syms, int n)
{
	int i;

	for (i = 1; i < n; i++) {
		int c = strcmp(syms[i - 1].name, syms[i].name);

		assert_true(c <= 0);
		if (!c)
			assert_true(syms[i - 1].vaddr < syms[i].vaddr);
	}
}

/* File offsets against objdump's, for every function objdump labels. */
static void check_offsets_objdump(const char *path)
{
	struct ref_sym *ref = calloc(MAX_REF, sizeof(*ref));
	const struct wm_sym *syms;
	struct elf_obj *obj = NULL;
	int i, j, n, nref, checked = 0;

	assert_non_null(ref);
	nref = objdump_offsets(path, ref, MAX_REF);
	assert_true(nref > 3);
	assert_int_equal(elf_obj__open(path, &obj), 0);
	n = elf_obj__syms(obj, &syms);
	for (i = 0; i < nref; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(syms[j].name, ref[i].name) || syms[j].vaddr != ref[i].value)
				continue;
			if (syms[j].file_off != ref[i].off)
				fail_msg("%s: %s at file offset 0x%lx, objdump says 0x%lx", path,
					 ref[i].name, syms[j].file_off, ref[i].off);
			checked++;
		}
	}
	assert_true(checked >= 5);
	elf_obj__free(obj);
	free(ref);
}

static void check_marker(const char *path, const char *name, const unsigned char *want, size_t len)
{
	unsigned char buf[16];
	const struct wm_sym *syms, *s;
	struct elf_obj *obj = NULL;
	unsigned long off;
	int n;

	assert_int_equal(elf_obj__open(path, &obj), 0);
	n = elf_obj__syms(obj, &syms);
	s = find_sym(syms, n, name, 0);
	assert_non_null(s);
	assert_int_equal(elf_obj__vaddr_to_off(obj, s->vaddr, &off), 0);
	assert_int_equal(off, s->file_off);
	read_file_at(path, s->file_off, buf, len);
	assert_memory_equal(buf, want, len);
	elf_obj__free(obj);
}

/* ---- procmaps ------------------------------------------------------- */

static void test_procmaps_normal(void **state)
{
	const char *text =
		"55d4c7a00000-55d4c7a02000 r--p 00000000 08:01 1234                       "
		"/usr/bin/app\n"
		"55d4c7a02000-55d4c7a05000 r-xp 00002000 08:01 1234                       "
		"/usr/bin/app\n"
		"7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
		"7f1000000000-7f1000100000 r-xp 00028000 fd:1a 987654321                  "
		"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"7ffd1000000-7ffd1002000 r-xp 00000000 00:00 0                          [vdso]\n"
		"7ffd2000000-7ffd2021000 rw-p 00000000 00:00 0                          [stack]\n"
		"7ffd3000000-7ffd3001000 rw-s 00000000 00:0f 42                         "
		"anon_inode:[perf_event]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  "
		"[vsyscall]";
	struct wm_mapping *m = NULL;
	int n;

	n = procmaps__parse(text, &m);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].start, 0x55d4c7a00000UL);
	assert_int_equal(m[0].end, 0x55d4c7a02000UL);
	assert_false(m[0].exec);
	assert_string_equal(m[0].path, "/usr/bin/app");
	assert_true(m[1].exec);
	assert_int_equal(m[1].offset, 0x2000);
	assert_int_equal(m[1].inode, 1234);
	assert_int_equal(m[1].dev_major, 8);
	assert_int_equal(m[1].dev_minor, 1);
	assert_int_equal(m[2].dev_major, 0xfd);
	assert_int_equal(m[2].dev_minor, 0x1a);
	assert_int_equal(m[2].inode, 987654321);
	assert_int_equal(m[2].offset, 0x28000);
	assert_string_equal(m[2].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	free(m);

	assert_int_equal(procmaps__parse("", &m), 0);
	free(m);
	assert_int_equal(procmaps__parse("\n\n", &m), 0);
	free(m);
	assert_int_equal(procmaps__parse(NULL, &m), -EINVAL);
}

static void test_procmaps_spaces_deleted(void **state)
{
	const char *text = "1000-2000 r-xp 00000000 08:01 11    /tmp/my dir/lib x.so\n"
			   "2000-3000 r-xp 00000000 08:01 12    /usr/lib/libfoo.so.1 (deleted)\n"
			   "3000-4000 r-xp 00000000 08:01 13    /tmp/ends with space \n"
			   "4000-5000 r--s 00000000 00:01 14    /memfd:jit (deleted)\n";
	struct wm_mapping *m = NULL;

	assert_int_equal(procmaps__parse(text, &m), 4);
	assert_string_equal(m[0].path, "/tmp/my dir/lib x.so");
	assert_int_equal(m[0].inode, 11);
	assert_string_equal(m[1].path, "/usr/lib/libfoo.so.1");
	assert_string_equal(m[2].path, "/tmp/ends with space ");
	assert_string_equal(m[3].path, "/memfd:jit");
	assert_false(m[3].exec);
	free(m);
}

static void test_procmaps_malformed(void **state)
{
	static const char *const bad[] = {
		"zzzz-2000 r-xp 00000000 08:01 11 /a\n",
		"1000 r-xp 00000000 08:01 11 /a\n",
		"1000-2000 r-x 00000000 08:01 11 /a\n",
		"1000-2000 rwxz 00000000 08:01 11 /a\n",
		"1000-2000 r-xp 00000000 0801 11 /a\n",
		"1000-2000 r-xp 00000000 08:01 /a\n",
		"1000-2000 r-xp 00000000 08:01\n",
		"2000-1000 r-xp 00000000 08:01 11 /a\n",
		"1000-2000 r-xp -0000001 08:01 11 /a\n",
		"1000-2000 r-xp 00000000 08:01 11/a\n",
		"10000000000000000000-2 r-xp 00000000 08:01 11 /a\n",
		"garbage\n",
		/* A bad line after good ones still fails the whole parse. */
		"1000-2000 r-xp 00000000 08:01 11 /a\n1000-2000\n",
	};
	struct wm_mapping *m = (void *)1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (procmaps__parse(bad[i], &m) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(m);
	}
}

static void test_procmaps_self(void **state)
{
	char exe[PATH_MAX], *text;
	struct wm_mapping *m = NULL;
	size_t len = 0, cap = 1 << 16;
	bool found = false;
	ssize_t r;
	int fd, n, i;

	r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(r > 0);
	exe[r] = '\0';
	text = malloc(cap);
	fd = open("/proc/self/maps", O_RDONLY);
	assert_true(fd >= 0);
	while ((r = read(fd, text + len, cap - len - 1)) > 0) {
		len += r;
		if (cap - len < 2)
			text = realloc(text, cap *= 2);
	}
	close(fd);
	text[len] = '\0';

	n = procmaps__parse(text, &m);
	assert_true(n > 2);
	for (i = 0; i < n; i++) {
		assert_true(m[i].path[0] == '/');
		found |= m[i].exec && !strcmp(m[i].path, exe) &&
			 m[i].start <= (unsigned long)(uintptr_t)wm_test_probe_target &&
			 (unsigned long)(uintptr_t)wm_test_probe_target < m[i].end;
	}
	assert_true(found);
	free(m);
	free(text);
}

/* ---- ELF symbols ------------------------------------------------------ */

static void test_elf_pie(void **state)
{
	const struct wm_sym *syms, *a, *b, *s;
	struct elf_obj *obj = NULL;
	char path[PATH_MAX];
	int n;

	fx(path, sizeof(path), "fx_pie");
	assert_int_equal(elf_obj__open(path, &obj), 0);
	assert_true(elf_obj__is_pie_or_dso(obj));
	assert_true(elf_obj__fd(obj) >= 0);
	n = elf_obj__syms(obj, &syms);
	assert_true(n > 8);
	check_sorted(syms, n);

	/* Two static dup_static: both kept, different addresses. */
	a = find_sym(syms, n, "dup_static", 0);
	b = find_sym(syms, n, "dup_static", 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(find_sym(syms, n, "dup_static", 2));
	assert_true(a->vaddr != b->vaddr);
	assert_false(a->global);

	/* Aliases: two names, one address. */
	a = find_sym(syms, n, "fx_marker", 0);
	b = find_sym(syms, n, "fx_marker_alias", 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->vaddr, b->vaddr);
	assert_true(a->global);
	assert_false(a->from_dynsym);

	s = find_sym(syms, n, "main", 0);
	assert_non_null(s);
	assert_int_equal(elf_obj__vaddr_to_off(obj, 0x7fffffff, &(unsigned long){ 0 }), -ENOENT);
	elf_obj__free(obj);

	check_against_readelf(path, ".symtab", false);
	check_offsets_objdump(path);
	check_marker(path, "fx_marker", exe_marker, sizeof(exe_marker));
	check_marker(path, "fx_marker_alias", exe_marker, sizeof(exe_marker));
}

static void test_elf_nopie(void **state)
{
	const struct wm_sym *syms, *s;
	struct elf_obj *obj = NULL;
	unsigned char magic[4];
	char path[PATH_MAX];
	unsigned long off;
	int n;

	fx(path, sizeof(path), "fx_nopie");
	assert_int_equal(elf_obj__open(path, &obj), 0);
	assert_false(elf_obj__is_pie_or_dso(obj));
	n = elf_obj__syms(obj, &syms);
	check_sorted(syms, n);
	s = find_sym(syms, n, "search", 0);
	assert_non_null(s);
	/* The x86-64 linker puts a non-PIE executable at 0x400000, file offset 0 there. */
	assert_true(s->vaddr > 0x400000);
	assert_true(s->file_off < s->vaddr - 0x400000 + 0x1000);
	assert_int_equal(elf_obj__vaddr_to_off(obj, 0x400000, &off), 0);
	assert_int_equal(off, 0);
	read_file_at(path, off, magic, 4);
	assert_memory_equal(magic, ELFMAG, 4);
	assert_int_equal(elf_obj__vaddr_to_off(obj, 0x1000, &off), -ENOENT);
	elf_obj__free(obj);

	check_against_readelf(path, ".symtab", false);
	check_offsets_objdump(path);
	check_marker(path, "fx_marker", exe_marker, sizeof(exe_marker));
}

static void test_elf_shared(void **state)
{
	const struct wm_sym *syms, *s;
	struct elf_obj *obj = NULL;
	char path[PATH_MAX];
	int n, i, fd, compared = 0;
	void *dl;

	fx(path, sizeof(path), "libfx.so.1");
	assert_int_equal(elf_obj__open(path, &obj), 0);
	assert_true(elf_obj__is_pie_or_dso(obj));
	n = elf_obj__syms(obj, &syms);
	check_sorted(syms, n);
	assert_non_null(find_sym(syms, n, "fx_lib_static", 0));
	s = find_sym(syms, n, "fx_ifunc", 0); /* STT_GNU_IFUNC */
	assert_non_null(s);
	assert_true(s->global);

	/*
	 * The loader maps the same file: a function's bytes in memory are
	 * the bytes at its file offset.
	 */
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(dl);
	fd = elf_obj__fd(obj);
	for (i = 0; i < n; i++) {
		unsigned char file[16];
		size_t len = syms[i].size < sizeof(file) ? syms[i].size : sizeof(file);
		void *mem;

		if (!syms[i].global || !strcmp(syms[i].name, "fx_ifunc") || !len)
			continue;
		mem = dlsym(dl, syms[i].name);
		if (!mem)
			continue;
		read_at(fd, syms[i].file_off, file, len);
		if (memcmp(file, mem, len))
			fail_msg("%s: bytes at file offset 0x%lx differ from memory", syms[i].name,
				 syms[i].file_off);
		compared++;
	}
	assert_true(compared >= 5);
	dlclose(dl);
	elf_obj__free(obj);

	check_against_readelf(path, ".symtab", false);
	check_offsets_objdump(path);
	check_marker(path, "fx_lib_marker", lib_marker, sizeof(lib_marker));
}

static void test_elf_stripped(void **state)
{
	const struct wm_sym *syms, *fsyms, *s, *f;
	struct elf_obj *obj = NULL, *full = NULL;
	char path[PATH_MAX], fpath[PATH_MAX];
	int n, fn, i;

	fx(path, sizeof(path), "libfxstrip.so");
	fx(fpath, sizeof(fpath), "libfx.so.1");
	assert_int_equal(elf_obj__open(path, &obj), 0);
	assert_int_equal(elf_obj__open(fpath, &full), 0);
	n = elf_obj__syms(obj, &syms);
	fn = elf_obj__syms(full, &fsyms);
	assert_true(n > 4);
	check_sorted(syms, n);
	assert_null(find_sym(syms, n, "fx_lib_static", 0));

	s = find_sym(syms, n, "fx_lib_func", 0);
	f = find_sym(fsyms, fn, "fx_lib_func", 0);
	assert_non_null(s);
	assert_non_null(f);
	assert_true(s->from_dynsym);
	assert_false(f->from_dynsym);
	assert_int_equal(s->vaddr, f->vaddr);
	assert_int_equal(s->file_off, f->file_off);
	assert_non_null(find_sym(syms, n, "fx_ifunc", 0));
	/* Unstripped, every .dynsym name is also in .symtab. */
	for (i = 0; i < fn; i++)
		assert_false(fsyms[i].from_dynsym);
	elf_obj__free(obj);
	elf_obj__free(full);

	check_against_readelf(path, ".dynsym", true);
	check_marker(path, "fx_lib_marker", lib_marker, sizeof(lib_marker));
}

/* fv_func@VER_1 (compat) and fv_func@@VER_2 (default), like glibc's memcpy. */
static void test_elf_versions(void **state)
{
	const struct wm_sym *syms, *s, *v2;
	struct elf_obj *obj = NULL;
	char path[PATH_MAX];
	int n;

	fx(path, sizeof(path), "libfv.so");
	assert_int_equal(elf_obj__open(path, &obj), 0);
	n = elf_obj__syms(obj, &syms);
	s = find_sym(syms, n, "fv_func", 0);
	v2 = find_sym(syms, n, "fv_func_v2", 0);
	assert_non_null(s);
	assert_non_null(v2);
	assert_null(find_sym(syms, n, "fv_func", 1));
	assert_true(s->from_dynsym);
	assert_int_equal(s->vaddr, v2->vaddr);
	elf_obj__free(obj);
}

static int memfd_with(const void *buf, size_t len)
{
	int fd = memfd_create("wm-fuzz", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	return fd;
}

/* Opens a corrupted image: anything but a crash is fine, results must be sane. */
static void open_corrupt(const void *buf, size_t len)
{
	const struct wm_sym *syms;
	struct elf_obj *obj = NULL;
	unsigned long off;
	int fd, err, n, i;

	fd = memfd_with(buf, len);
	err = elf_obj__open_fd(fd, "corrupt", &obj);
	if (err) {
		assert_true(err < 0);
		assert_null(obj);
		close(fd);
		return;
	}
	n = elf_obj__syms(obj, &syms);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		assert_true(strlen(syms[i].name) > 0);
		assert_int_equal(elf_obj__vaddr_to_off(obj, syms[i].vaddr, &off), 0);
		assert_int_equal(off, syms[i].file_off);
	}
	check_sorted(syms, n);
	elf_obj__free(obj);
}

static void *slurp(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size);
	assert_non_null(buf);
	read_at(fd, 0, buf, st.st_size);
	close(fd);
	*len = st.st_size;
	return buf;
}

static void test_elf_malformed(void **state)
{
	struct elf_obj *obj = (void *)1;
	char path[PATH_MAX];
	unsigned char *img, *work;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	size_t len, i, cut;
	unsigned int seed = 12345;
	int fd, k;

	fd = memfd_with("not an ELF file\n", 16);
	assert_int_equal(elf_obj__open_fd(fd, "text", &obj), -ENOEXEC);
	assert_null(obj);
	close(fd);
	fd = memfd_with("", 0);
	assert_int_equal(elf_obj__open_fd(fd, "empty", &obj), -ENOEXEC);
	close(fd);
	assert_int_equal(elf_obj__open("/nonexistent/x.so", &obj), -ENOENT);
	assert_int_equal(elf_obj__open_fd(-1, "x", &obj), -EINVAL);
	elf_obj__free(NULL);

	fx(path, sizeof(path), "libfx.so.1");
	img = slurp(path, &len);
	work = malloc(len);
	assert_non_null(work);

	/* Every truncation on a coarse grid, and the whole header region finely. */
	for (cut = 0; cut < len; cut += cut < 256 ? 1 : 97)
		open_corrupt(img, cut);

	/* Targeted: symbol table pointing at bad string tables, entsize 0... */
	eh = (Elf64_Ehdr *)work;
	for (k = 0; k < 8; k++) {
		memcpy(work, img, len);
		assert_true(eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) <= len);
		sh = (Elf64_Shdr *)(work + eh->e_shoff);
		for (i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM &&
			    sh[i].sh_type != SHT_STRTAB && sh[i].sh_type != SHT_GNU_versym)
				continue;
			switch (k) {
			case 0:
				sh[i].sh_link = 0xffff;
				break;
			case 1:
				sh[i].sh_entsize = 0;
				break;
			case 2:
				sh[i].sh_offset = len - 3;
				break;
			case 3:
				sh[i].sh_size = 0xffffffffffffULL;
				break;
			case 4:
				sh[i].sh_link = i;
				break; /* a symbol table as its own strtab */
			case 5:
				sh[i].sh_entsize = 7;
				break;
			case 6:
				sh[i].sh_size = 5;
				break;
			case 7:
				sh[i].sh_type = SHT_NOBITS;
				break;
			}
		}
		open_corrupt(work, len);
	}
	memcpy(work, img, len);
	eh->e_phoff = len - 10;
	open_corrupt(work, len);
	memcpy(work, img, len);
	eh->e_shstrndx = 0xfffe;
	eh->e_shoff = len + 1000;
	open_corrupt(work, len);
	memcpy(work, img, len);
	eh->e_phnum = 0xffff;
	open_corrupt(work, len);

	/* Random byte flips. */
	for (k = 0; k < 1500; k++) {
		int flips = 1 + rand_r(&seed) % 16, f;

		memcpy(work, img, len);
		for (f = 0; f < flips; f++) {
			/* Mostly the headers and tables, where it hurts. */
			size_t pos = rand_r(&seed) % 2 ? (size_t)rand_r(&seed) % 128 :
							 (size_t)rand_r(&seed) % len;

			work[pos] = rand_r(&seed);
		}
		open_corrupt(work, len);
	}
	free(work);
	free(img);
}

/* ---- resolver on paths --------------------------------------------- */

static struct wm_resolver *open_fixtures(const char *const *names, int n)
{
	char paths[8][PATH_MAX], err[WM_ERR_MAX] = "";
	const char *p[8];
	struct wm_resolver *r = NULL;
	int i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		fx(paths[i], sizeof(paths[i]), names[i]);
		p[i] = paths[i];
	}
	if (resolver__new_paths(p, n, NULL, &r, err, sizeof(err)))
		fail_msg("resolver__new_paths: %s", err);
	assert_int_equal(resolver__nr_objs(r), n);
	for (i = 0; i < n; i++) {
		assert_string_equal(resolver__obj_path(r, i), paths[i]);
		assert_true(resolver__obj_fd(r, i) >= 0);
	}
	return r;
}

static const char *const three[] = { "fx_pie", "libfx.so.1", "libfy.so" };

static void test_resolve_exe_wins(void **state)
{
	struct wm_resolver *r = open_fixtures(three, 3);
	char err[WM_ERR_MAX] = "";
	struct wm_match *m = NULL;
	struct elf_obj *obj = NULL;
	const struct wm_sym *syms, *s;
	int n;

	/* fx_common is in fx_pie and libfx.so.1. */
	n = resolver__resolve(r, "fx_common", &m, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].obj, 0);
	assert_string_equal(m[0].sym, "fx_common");
	assert_int_equal(elf_obj__open(resolver__obj_path(r, 0), &obj), 0);
	n = elf_obj__syms(obj, &syms);
	s = find_sym(syms, n, "fx_common", 0);
	assert_non_null(s);
	assert_int_equal(m[0].vaddr, s->vaddr);
	assert_int_equal(m[0].file_off, s->file_off);
	elf_obj__free(obj);
	free(m);

	/* Unless the selector names the library. */
	n = resolver__resolve(r, "libfx:fx_common", &m, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].obj, 1);
	free(m);

	/* Only in a library: found there. */
	n = resolver__resolve(r, "fy_only", &m, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].obj, 2);
	free(m);
	resolver__free(r);
}

static void test_resolve_ambiguous(void **state)
{
	struct wm_resolver *r = open_fixtures(three, 3);
	struct ref_sym ref[MAX_REF];
	char err[WM_ERR_MAX] = "", addr[32];
	struct wm_match *m = (void *)1;
	int i, nref, ndup = 0;

	assert_int_equal(resolver__resolve(r, "fx_shared_dup", &m, err, sizeof(err)), -EEXIST);
	assert_null(m);
	assert_true(contains(err, "fx_shared_dup"));
	assert_true(contains(err, resolver__obj_path(r, 1)));
	assert_true(contains(err, resolver__obj_path(r, 2)));
	assert_false(strstr(err, "fx_pie"));

	/* Two static functions of one name in the executable. */
	err[0] = '\0';
	assert_int_equal(resolver__resolve(r, "dup_static", &m, err, sizeof(err)), -EEXIST);
	assert_true(contains(err, "dup_static"));
	assert_true(contains(err, "2 times"));
	nref = readelf_funcs(resolver__obj_path(r, 0), ".symtab", ref, MAX_REF);
	for (i = 0; i < nref; i++) {
		if (strcmp(ref[i].name, "dup_static"))
			continue;
		snprintf(addr, sizeof(addr), "0x%lx", ref[i].value);
		assert_true(contains(err, addr));
		ndup++;
	}
	assert_int_equal(ndup, 2);

	/* The pattern the message suggests gets both. */
	assert_true(contains(err, "'[d]up_static'"));
	assert_int_equal(resolver__resolve(r, "[d]up_static", &m, err, sizeof(err)), 2);
	assert_int_equal(m[0].obj, 0);
	assert_int_equal(m[1].obj, 0);
	assert_true(m[0].vaddr != m[1].vaddr);
	free(m);
	resolver__free(r);
}

static void test_resolve_lib_selector(void **state)
{
	static const char *const ok[] = { "fx", "libfx", "libfx.so", "libfx.so.1" };
	static const char *const bad[] = {
		"libf", "f", "x", "libfx.so.2", "fx.s", "libfx.so.1.0x"
	};
	struct wm_resolver *r = open_fixtures(three, 3);
	char err[WM_ERR_MAX], sel[PATH_MAX + 64], link[PATH_MAX], dir[] = "/tmp/wm-test-XXXXXX";
	struct wm_match *m = NULL;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(sel, sizeof(sel), "%s:fx_shared_dup", ok[i]);
		if (resolver__resolve(r, sel, &m, err, sizeof(err)) != 1)
			fail_msg("%s: %s", sel, err);
		assert_int_equal(m[0].obj, 1);
		free(m);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sel, sizeof(sel), "%s:fx_shared_dup", bad[i]);
		assert_int_equal(resolver__resolve(r, sel, &m, err, sizeof(err)), -ENOENT);
		snprintf(sel, sizeof(sel), "no object matching '%s' is mapped", bad[i]);
		assert_true(contains(err, sel));
		assert_true(contains(err, "mapped: fx_pie, libfx.so.1, libfy.so"));
	}
	assert_int_equal(resolver__resolve(r, "fy:fx_shared_dup", &m, err, sizeof(err)), 1);
	assert_int_equal(m[0].obj, 2);
	free(m);
	assert_int_equal(resolver__resolve(r, "fx_pie:search", &m, err, sizeof(err)), 1);
	assert_int_equal(m[0].obj, 0);
	free(m);

	/* /path:NAME, by the path as given... */
	snprintf(sel, sizeof(sel), "%s:fx_shared_dup", resolver__obj_path(r, 2));
	assert_int_equal(resolver__resolve(r, sel, &m, err, sizeof(err)), 1);
	assert_int_equal(m[0].obj, 2);
	free(m);
	/* ...or another name of the same file. */
	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/other-name.so", dir);
	assert_int_equal(symlink(resolver__obj_path(r, 2), link), 0);
	snprintf(sel, sizeof(sel), "%s:fx_shared_dup", link);
	assert_int_equal(resolver__resolve(r, sel, &m, err, sizeof(err)), 1);
	assert_int_equal(m[0].obj, 2);
	free(m);
	unlink(link);
	rmdir(dir);
	assert_int_equal(resolver__resolve(r, "/nonexistent/libx.so:foo", &m, err, sizeof(err)),
			 -ENOENT);
	assert_true(contains(err, "'/nonexistent/libx.so'"));

	/* Malformed selectors. */
	assert_int_equal(resolver__resolve(r, "", &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(resolver__resolve(r, ":foo", &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(resolver__resolve(r, "libfx:", &m, err, sizeof(err)), -EINVAL);
	assert_true(contains(err, "function name"));
	assert_int_equal(resolver__resolve(r, "/usr/lib/libx.so", &m, err, sizeof(err)), -EINVAL);
	resolver__free(r);
}

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	if (base && !strncmp(base + 1, "libc.so", 7)) {
		*(struct dl_phdr_info *)data = *info;
		return 1;
	}
	return 0;
}

/* The real libc: "libc", "c", "libc.so", "libc.so.6" all name it. */
static void test_resolve_libc_names(void **state)
{
	static const char *const ok[] = { "libc:strlen", "c:strlen", "libc.so:strlen",
					  "libc.so.6:strlen" };
	struct dl_phdr_info libc = {};
	struct wm_resolver *r = NULL;
	char err[WM_ERR_MAX];
	struct wm_match *m = NULL;
	const char *p[1];
	size_t i;

	assert_int_equal(dl_iterate_phdr(find_libc, &libc), 1);
	p[0] = libc.dlpi_name;
	assert_int_equal(resolver__new_paths(p, 1, NULL, &r, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (resolver__resolve(r, ok[i], &m, err, sizeof(err)) != 1)
			fail_msg("%s: %s", ok[i], err);
		free(m);
	}
	assert_int_equal(resolver__resolve(r, "libcrypto:strlen", &m, err, sizeof(err)), -ENOENT);
	assert_int_equal(resolver__resolve(r, "libc.so.7:strlen", &m, err, sizeof(err)), -ENOENT);
	/* Thousands of names: never more than 5 suggestions, the nearest first. */
	assert_int_equal(resolver__resolve(r, "pthread_mutex_lok", &m, err, sizeof(err)), -ENOENT);
	{
		const char *c = strstr(err, "; closest: pthread_mutex_lock, ");
		int commas = 0;

		assert_non_null(c);
		for (; *c; c++)
			commas += *c == ',';
		assert_int_equal(commas, 4);
	}
	/* A swap of two letters is one edit; nothing two edits away fills the list. */
	assert_int_equal(resolver__resolve(r, "strlne", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: strlen"));
	assert_false(strstr(err, "strlen,"));
	/* memcpy has a compat version at another address: still one match. */
	assert_int_equal(resolver__resolve(r, "memcpy", &m, err, sizeof(err)), 1);
	free(m);
	resolver__free(r);
}

static void test_resolve_not_found(void **state)
{
	struct wm_resolver *r = open_fixtures(three, 3);
	char err[WM_ERR_MAX];
	struct wm_match *m = (void *)1;

	assert_int_equal(resolver__resolve(r, "serch", &m, err, sizeof(err)), -ENOENT);
	assert_null(m);
	assert_true(contains(err, "symbol 'serch' not found in 3 objects ("));
	assert_true(contains(err, resolver__obj_path(r, 0)));
	assert_true(contains(err, ", libfx.so.1, libfy.so)"));
	/* Near names only: seek is three edits away, search_all four. */
	assert_true(contains(err, "; closest: search"));
	assert_false(strstr(err, "seek"));
	assert_false(strstr(err, "search_all"));

	/* Only the objects searched count, and their names are the suggestions. */
	assert_int_equal(resolver__resolve(r, "fy:fx_shared_dupp", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "not found in 1 object ("));
	assert_true(contains(err, "libfy.so)"));
	assert_true(contains(err, "closest: fx_shared_dup"));

	assert_int_equal(resolver__resolve(r, "zzz_nothing*", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "pattern 'zzz_nothing*' matches no function"));
	assert_false(strstr(err, "closest"));

	assert_int_equal(resolver__resolve(r, "fx_lib_fun", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "closest: fx_lib_func"));
	/* A C function given C++ parameters: its name is offered. */
	assert_int_equal(resolver__resolve(r, "search(int)", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: search"));
	resolver__free(r);
}

static void test_resolve_patterns(void **state)
{
	static const char *const two[] = { "fx_pie", "libfx.so.1" };
	struct wm_resolver *r = open_fixtures(two, 2);
	char err[WM_ERR_MAX];
	struct wm_match *m = NULL;
	int n, i;

	/* Aliases: one match, the first name. */
	n = resolver__resolve(r, "fx_marker*", &m, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_string_equal(m[0].sym, "fx_marker");
	free(m);

	n = resolver__resolve(r, "sea?ch*", &m, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_string_equal(m[0].sym, "search");
	assert_string_equal(m[1].sym, "search_all");
	assert_true(m[0].vaddr != m[1].vaddr);
	free(m);

	/* A pattern is not ambiguous: every object, executable first. */
	n = resolver__resolve(r, "fx_comm[o]n", &m, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_int_equal(m[0].obj, 0);
	assert_int_equal(m[1].obj, 1);
	free(m);

	n = resolver__resolve(r, "libfx:fx_*", &m, err, sizeof(err));
	assert_true(n >= 6);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].obj, 1);
		assert_int_equal(strncmp(m[i].sym, "fx_", 3), 0);
		if (i)
			assert_true(strcmp(m[i - 1].sym, m[i].sym) < 0);
	}
	free(m);

	/* Each (object, address) once over a whole object. */
	n = resolver__resolve(r, "fx_pie:*", &m, err, sizeof(err));
	assert_true(n > 8);
	for (i = 0; i < n; i++) {
		int j;

		for (j = 0; j < i; j++)
			assert_false(m[i].vaddr == m[j].vaddr);
	}
	free(m);
	resolver__free(r);
}

/* The symbol of the one match of selector sel in libfn.so. */
static void one_match(struct wm_resolver *r, const char *sel, const char *sym)
{
	char err[WM_ERR_MAX] = "";
	struct wm_match *m = NULL;
	int n = resolver__resolve(r, sel, &m, err, sizeof(err));

	if (n != 1 || strcmp(m[0].sym, sym))
		fail_msg("%s: %d matches (%s), want %s: %s", sel, n, n > 0 ? m[0].sym : "-", sym,
			 err);
	free(m);
}

/* The symbols of every match of sel, sorted, joined by ' '. */
static const char *all_matches(struct wm_resolver *r, const char *sel, char *out, size_t sz)
{
	char err[WM_ERR_MAX] = "";
	struct wm_match *m = NULL;
	const char *names[32];
	int n, i, j;
	size_t len = 0;

	n = resolver__resolve(r, sel, &m, err, sizeof(err));
	if (n < 0)
		fail_msg("%s: %s", sel, err);
	assert_true(n <= 32);
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && strcmp(names[j - 1], m[i].sym) > 0; j--)
			names[j] = names[j - 1];
		names[j] = m[i].sym;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(out + len, sz - len, "%s%s", i ? " " : "", names[i]);
	/* names point into m: copied out above before it goes. */
	free(m);
	return out;
}

/* app::m::helper (legacy mangling) and app::n::helper (v0) in fn_names.c */
#define HELPER_M "_ZN3app1m6helper17h0123456789abcdefE"
#define HELPER_N "_RNvNtCsbVXqutUjNVO_3app1n6helper"

/* C++ and Rust functions by the names users write (tests/fixtures/fn_names.c). */
static void test_resolve_demangled(void **state)
{
	static const struct {
		const char *sel, *sym;
	} ones[] = {
		/* A global function: not ns::gl (an inner scope), never the clone. */
		{ "gl", "_Z2gli" },
		{ "::gl", "_Z2gli" },
		{ "gl(int)", "_Z2gli" },
		{ "::gl(int)", "_Z2gli" },
		{ "gl( int )", "_Z2gli" },
		{ "libfn:::gl", "_Z2gli" },
		{ "ns::gl", "_ZN2ns2glEi" },
		{ "_Z2gli", "_Z2gli" },
		/* One overload, one template instance. */
		{ "over(long)", "_Z4overl" },
		{ "over(int,int)", "_Z4overii" },
		{ "max<int>", "_Z3maxIiET_S0_S0_" },
		{ "max<long>(long, long)", "_Z3maxIlET_S0_S0_" },
		/* Operators and a lambda. */
		{ "Vec::operator+", "_ZNK3VecplERKS_" },
		{ "Vec::operator+(Vec const&)", "_ZNK3VecplERKS_" },
		{ "Vec::operator+(Vec const&) const", "_ZNK3VecplERKS_" },
		{ "operator<<", "_Zls3Veci" },
		{ "main::{lambda(int)#1}::operator()", "_ZZ4mainENKUliE_clEi" },
		{ "main::{lambda(int)#1}::operator()(int) const", "_ZZ4mainENKUliE_clEi" },
		/* Rust, without the hash; the crate's name may be left out. */
		{ "m::helper", HELPER_M },
		{ "app::m::helper", HELPER_M },
		{ "n::helper", HELPER_N },
		{ "Acc::add", "_RNvMCsbVXqutUjNVO_3appNtB2_3Acc3add" },
		{ "app::Acc::add", "_RNvMCsbVXqutUjNVO_3appNtB2_3Acc3add" },
		{ "main::{{closure}}",
		  "_ZN3app4main28_$u7b$$u7b$closure$u7d$$u7d$17h00112233445566aaE" },
	};
	/* Several functions: every one, its symbols sorted. */
	static const struct {
		const char *sel, *syms;
	} alls[] = {
		/* Overloads, template instances, helpers of two modules. */
		{ "over", "_Z4overii _Z4overl" },
		{ "max", "_Z3maxIiET_S0_S0_ _Z3maxIlET_S0_S0_" },
		{ "helper", HELPER_N " " HELPER_M },
		{ "m::*", "_ZN3app1m5other17hfedcba9876543210E " HELPER_M },
		{ "*::helper", HELPER_N " " HELPER_M },
		/* Symbols by their own names and demangled ones, each address once. */
		{ "*helper*", HELPER_N " " HELPER_M " helper_c" },
	};
	static const char *const lib[] = { "libfn.so" };
	struct wm_resolver *r = open_fixtures(lib, 1);
	char err[WM_ERR_MAX], buf[1024];
	struct wm_match *m = NULL;

	for (size_t i = 0; i < sizeof(ones) / sizeof(ones[0]); i++)
		one_match(r, ones[i].sel, ones[i].sym);
	for (size_t i = 0; i < sizeof(alls) / sizeof(alls[0]); i++)
		assert_string_equal(all_matches(r, alls[i].sel, buf, sizeof(buf)), alls[i].syms);
	assert_int_equal(resolver__resolve(r, "gl(double)", &m, err, sizeof(err)), -ENOENT);
	assert_int_equal(resolver__resolve(r, "::Vec", &m, err, sizeof(err)), -ENOENT);
	/* '*' and '[' of an operator are no wildcards. */
	assert_int_equal(resolver__resolve(r, "Vec::operator*", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "symbol 'Vec::operator*' not found"));
	assert_int_equal(resolver__resolve(r, "::helper", &m, err, sizeof(err)), -ENOENT);

	/* Suggestions: demangled, near from any scope, nothing unrelated. */
	assert_int_equal(resolver__resolve(r, "m::helpr", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: app::m::helper"));
	/* gl(int) [clone .constprop.0] is not offered: a demangled name never matches it. */
	assert_int_equal(resolver__resolve(r, "gll", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: gl(int), ns::gl(int)"));
	assert_false(strstr(err, "[clone"));
	assert_false(strstr(err, "_ZN"));
	assert_int_equal(resolver__resolve(r, "ovr", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: over(int, int), over(long)"));
	assert_false(strstr(err, "gl"));
	assert_int_equal(resolver__resolve(r, "mx<int>(int, int)", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "; closest: max<int>(int, int)"));
	assert_int_equal(resolver__resolve(r, "zzzzzzzz", &m, err, sizeof(err)), -ENOENT);
	assert_false(strstr(err, "closest"));
	/* Only a clone would match: never traced by that name, its symbol is the way. */
	assert_int_equal(resolver__resolve(r, "solo_f", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "symbol 'solo_f' matches only GCC clones in 1 object ("));
	assert_true(contains(err, "give its symbol: _Z6solo_fi.isra.0"));
	assert_int_equal(resolver__resolve(r, "solo_*", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "pattern 'solo_*' matches only GCC clones"));
	assert_int_equal(resolver__resolve(r, "_Z6solo_fi.isra.0", &m, err, sizeof(err)), 1);
	free(m);
	m = NULL;
	/* A clone beside the function itself changes nothing: gl is gl. */
	one_match(r, "gl", "_Z2gli");
	resolver__free(r);
}

static void test_resolve_stripped(void **state)
{
	static const char *const names[] = { "libfxstrip.so" };
	struct wm_resolver *r = open_fixtures(names, 1);
	struct elf_obj *full = NULL;
	const struct wm_sym *syms, *s;
	char err[WM_ERR_MAX], path[PATH_MAX];
	struct wm_match *m = NULL;
	int n;

	assert_int_equal(resolver__resolve(r, "fx_lib_func", &m, err, sizeof(err)), 1);
	fx(path, sizeof(path), "libfx.so.1");
	assert_int_equal(elf_obj__open(path, &full), 0);
	n = elf_obj__syms(full, &syms);
	s = find_sym(syms, n, "fx_lib_func", 0);
	assert_non_null(s);
	assert_int_equal(m[0].file_off, s->file_off);
	elf_obj__free(full);
	free(m);
	assert_int_equal(resolver__resolve(r, "fx_lib_static", &m, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "not found in 1 object"));
	resolver__free(r);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	void *buf = slurp(from, &len);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

static void test_resolve_root(void **state)
{
	char root[] = "/tmp/wm-root-XXXXXX", p[PATH_MAX + 16], lib[PATH_MAX], outside[PATH_MAX];
	struct wm_resolver_opts opts = { .sz = sizeof(opts) };
	struct wm_resolver *r = NULL;
	char err[WM_ERR_MAX];
	struct wm_match *m = NULL;
	const char *paths[1];

	fx(lib, sizeof(lib), "libfx.so.1");
	fx(outside, sizeof(outside), "libfy.so");
	assert_non_null(mkdtemp(root));
	opts.root = root;
	snprintf(p, sizeof(p), "%s/lib", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/lib/libfx.so.1", root);
	copy_file(lib, p);
	/* Absolute symlinks resolve inside the root... */
	snprintf(p, sizeof(p), "%s/abs", root);
	assert_int_equal(symlink("/lib/libfx.so.1", p), 0);
	/* ...so these two must not reach the real fixture outside. */
	snprintf(p, sizeof(p), "%s/escape", root);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/dotdot", root);
	assert_int_equal(symlink("../../../../../../../../../../../..", p), 0);

	paths[0] = "/abs";
	assert_int_equal(resolver__new_paths(paths, 1, &opts, &r, err, sizeof(err)), 0);
	assert_string_equal(resolver__obj_path(r, 0), "/abs");
	assert_int_equal(resolver__resolve(r, "fx_lib_func", &m, err, sizeof(err)), 1);
	free(m);
	resolver__free(r);

	paths[0] = "/escape";
	assert_int_equal(resolver__new_paths(paths, 1, &opts, &r, err, sizeof(err)), -ENOENT);
	assert_null(r);
	assert_true(contains(err, "/escape"));
	/* The same link, followed without a root, does reach it. */
	snprintf(p, sizeof(p), "%s/escape", root);
	paths[0] = p;
	assert_int_equal(resolver__new_paths(paths, 1, NULL, &r, err, sizeof(err)), 0);
	resolver__free(r);
	r = NULL;

	snprintf(p, sizeof(p), "/dotdot%s", outside);
	paths[0] = p;
	assert_int_equal(resolver__new_paths(paths, 1, &opts, &r, err, sizeof(err)), -ENOENT);

	/* A directory is not an object, nor is a text file. */
	paths[0] = "/lib";
	assert_int_equal(resolver__new_paths(paths, 1, &opts, &r, err, sizeof(err)), -ENOEXEC);
	assert_true(contains(err, "not an ELF object"));
	paths[0] = "/proc/self/status";
	assert_int_equal(resolver__new_paths(paths, 1, NULL, &r, err, sizeof(err)), -ENOEXEC);
	paths[0] = "/nonexistent/libx.so";
	assert_int_equal(resolver__new_paths(paths, 1, NULL, &r, err, sizeof(err)), -ENOENT);
	assert_true(contains(err, "/nonexistent/libx.so"));

	opts.sz = 1;
	assert_int_equal(resolver__new_paths(paths, 1, &opts, &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(resolver__new_paths(paths, 0, NULL, &r, err, sizeof(err)), -EINVAL);

	snprintf(p, sizeof(p), "%s/abs", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/escape", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dotdot", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lib/libfx.so.1", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lib", root);
	rmdir(p);
	rmdir(root);
}

/* ---- resolver on processes ---------------------------------------- */

static void test_pid_self(void **state)
{
	struct dl_phdr_info libc = {};
	struct wm_resolver *r = NULL;
	char err[WM_ERR_MAX] = "", exe[PATH_MAX];
	struct wm_match *m = NULL;
	unsigned char file[16];
	const char *path;
	ssize_t len;
	int i, j, n;

	if (resolver__new_pid(getpid(), &r, err, sizeof(err)))
		fail_msg("resolver__new_pid(self): %s", err);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = '\0';
	assert_string_equal(resolver__obj_path(r, 0), exe);
	assert_true(resolver__nr_objs(r) >= 3);
	for (i = 0; i < resolver__nr_objs(r); i++) {
		assert_true(fcntl(resolver__obj_fd(r, i), F_GETFD) >= 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(resolver__obj_path(r, i), resolver__obj_path(r, j));
	}
	assert_null(resolver__obj_path(r, resolver__nr_objs(r)));
	assert_int_equal(resolver__obj_fd(r, -1), -EINVAL);

	/* A function of this binary: its file bytes are its bytes in memory. */
	n = resolver__resolve(r, "wm_test_probe_target", &m, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(m[0].obj, 0);
	read_at(resolver__obj_fd(r, 0), m[0].file_off, file, 8);
	assert_memory_equal(file, (const void *)(uintptr_t)wm_test_probe_target, 8);
	free(m);

	n = resolver__resolve(r, "libc:strlen", &m, err, sizeof(err));
	if (n != 1)
		fail_msg("libc:strlen: %s", err);
	path = resolver__obj_path(r, m[0].obj);
	assert_int_equal(strncmp(strrchr(path, '/'), "/libc.so", 8), 0);
	assert_int_equal(dl_iterate_phdr(find_libc, &libc), 1);
	read_at(resolver__obj_fd(r, m[0].obj), m[0].file_off, file, sizeof(file));
	assert_memory_equal(file, (const void *)(uintptr_t)(libc.dlpi_addr + m[0].vaddr),
			    sizeof(file));
	free(m);

	assert_int_equal(resolver__resolve(r, "libnotmapped:foo", &m, err, sizeof(err)), -ENOENT);
	snprintf((char *)file, sizeof(file), "%d", getpid());
	assert_true(contains(err, "no object matching 'libnotmapped' is mapped by process "));
	assert_true(contains(err, (char *)file));
	/* The list is cut after a few names, and valgrind maps its own: the executable is first. */
	assert_true(contains(err, "; mapped: test_resolve, "));
	/* A library the system's search does not find: its path arms it. */
	assert_true(contains(err, "; one loaded later (dlopen) is named by its path: "
				  "-f /path/to/libnotmapped.so:NAME"));

	assert_int_equal(resolver__resolve(r, "wm_test_probe_targt", &m, err, sizeof(err)),
			 -ENOENT);
	assert_true(contains(err, "of process "));
	assert_true(contains(err, "closest: wm_test_probe_target"));
	resolver__free(r);
}

static pid_t dead_child(bool reap)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	if (reap)
		assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_pid_missing(void **state)
{
	struct wm_resolver *r = (void *)1;
	char err[WM_ERR_MAX], want[WM_ERR_MAX];
	pid_t pid = dead_child(true);

	assert_int_equal(resolver__new_pid(pid, &r, err, sizeof(err)), -ESRCH);
	assert_null(r);
	snprintf(want, sizeof(want), "process %d does not exist: check the PID (ps -p %d)", pid,
		 pid);
	assert_string_equal(err, want);

	assert_int_equal(resolver__new_pid(0, &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(resolver__new_pid(-5, &r, err, sizeof(err)), -EINVAL);
	/* A NULL err is allowed. */
	assert_int_equal(resolver__new_pid(pid, &r, NULL, 0), -ESRCH);
}

static void test_pid_zombie(void **state)
{
	struct wm_resolver *r = NULL;
	char err[WM_ERR_MAX], want[64], path[64], stat[512];
	pid_t pid = dead_child(false);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	bool zombie = false;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 500 && !zombie; i++) {
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		assert_true(n > 0);
		stat[n] = '\0';
		zombie = strstr(stat, ") Z ") != NULL;
		if (!zombie)
			nanosleep(&ts, NULL);
	}
	assert_true(zombie);
	assert_int_equal(resolver__new_pid(pid, &r, err, sizeof(err)), -ESRCH);
	snprintf(want, sizeof(want), "process %d is a zombie: ", pid);
	assert_true(contains(err, want));
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_pid_kernel_thread(void **state)
{
	struct wm_resolver *r = NULL;
	char err[WM_ERR_MAX], comm[32] = "";
	FILE *f = fopen("/proc/2/comm", "r");

	/* In a PID namespace, 2 is not kthreadd. */
	if (!f || !fgets(comm, sizeof(comm), f) || strcmp(comm, "kthreadd\n")) {
		if (f)
			fclose(f);
		skip();
	}
	fclose(f);
	assert_int_equal(resolver__new_pid(2, &r, err, sizeof(err)), -ESRCH);
	assert_string_equal(err,
			    "process 2 is a kernel thread: wrapmon traces user-space processes");
}

static void wait_readable(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
}

/*
 * After an upgrade the paths hold new files while the process still runs
 * the old, deleted ones: those must be what gets opened.
 */
static void test_pid_replaced_files(void **state)
{
	char dir[] = "/tmp/wm-repl-XXXXXX", lib[PATH_MAX], exe[PATH_MAX], tmp[PATH_MAX + 8];
	char fxlib[PATH_MAX], fylib[PATH_MAX], nopie[PATH_MAX], link[PATH_MAX], err[WM_ERR_MAX];
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct wm_resolver *r = NULL;
	struct wm_match *m = NULL;
	unsigned char buf[sizeof(lib_marker)];
	struct stat want, got, now;
	int pfd[2], i;
	ssize_t n;
	pid_t pid;

	fx(fxlib, sizeof(fxlib), "libfx.so.1");
	fx(fylib, sizeof(fylib), "libfy.so");
	fx(nopie, sizeof(nopie), "fx_nopie");
	assert_non_null(mkdtemp(dir));
	snprintf(lib, sizeof(lib), "%s/libfx.so.1", dir);
	snprintf(exe, sizeof(exe), "%s/sleepy", dir);
	snprintf(tmp, sizeof(tmp), "%s/new", dir);

	/* A library replaced under a process that has it loaded. */
	copy_file(fxlib, lib);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* Even when a check fails and skips the kill below. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!dlopen(lib, RTLD_NOW))
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	wait_readable(pfd[0]);
	copy_file(fylib, tmp);
	assert_int_equal(rename(tmp, lib), 0);
	if (resolver__new_pid(pid, &r, err, sizeof(err)))
		fail_msg("%s", err);
	if (resolver__resolve(r, "libfx:fx_lib_marker", &m, err, sizeof(err)) != 1)
		fail_msg("%s", err);
	assert_string_equal(resolver__obj_path(r, m[0].obj), lib);
	read_at(resolver__obj_fd(r, m[0].obj), m[0].file_off, buf, sizeof(buf));
	assert_memory_equal(buf, lib_marker, sizeof(buf));
	free(m);
	resolver__free(r);
	r = NULL;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(pfd[0]);
	close(pfd[1]);

	/* The executable replaced under a running process. */
	copy_file("/bin/sleep", exe);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(exe, "sleepy", "30", (char *)NULL);
		_exit(127);
	}
	snprintf(tmp, sizeof(tmp), "/proc/%d/exe", pid);
	for (i = 0; i < 500; i++) {
		n = readlink(tmp, link, sizeof(link) - 1);
		if (n > 0 && (link[n] = '\0', !strcmp(link, exe)))
			break;
		nanosleep(&ts, NULL);
	}
	assert_true(i < 500);
	assert_int_equal(stat(tmp, &want), 0);
	snprintf(tmp, sizeof(tmp), "%s/new", dir);
	copy_file(nopie, tmp);
	assert_int_equal(rename(tmp, exe), 0);
	assert_int_equal(stat(exe, &now), 0);
	if (resolver__new_pid(pid, &r, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(resolver__obj_path(r, 0), exe);
	assert_int_equal(fstat(resolver__obj_fd(r, 0), &got), 0);
	assert_int_equal(got.st_ino, want.st_ino);
	assert_true(got.st_ino != now.st_ino);
	resolver__free(r);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	unlink(exe);
	unlink(lib);
	rmdir(dir);
}

/* The object part of a selector, read as resolving reads it. */
static void test_selector_scope(void **state)
{
	char scope[64];

	(void)state;
	assert_int_equal(resolver__selector_scope("libc:write", scope, sizeof(scope)), 4);
	assert_string_equal(scope, "libc");
	/* A path may hold ':' itself: its last single ':' ends it. */
	assert_int_equal(resolver__selector_scope("/opt/a:b/app:main", scope, sizeof(scope)), 12);
	assert_string_equal(scope, "/opt/a:b/app");
	assert_int_equal(resolver__selector_scope("/usr/bin/app:ns::f", scope, sizeof(scope)), 12);
	assert_string_equal(scope, "/usr/bin/app");
	/* None: a C++ name, a plain name, nothing before ':', no room. */
	assert_int_equal(resolver__selector_scope("ns::f", scope, sizeof(scope)), 0);
	assert_int_equal(resolver__selector_scope("search", scope, sizeof(scope)), 0);
	assert_int_equal(resolver__selector_scope(":f", scope, sizeof(scope)), 0);
	assert_int_equal(resolver__selector_scope("libc:write", scope, 4), 0);
	assert_int_equal(resolver__selector_scope(NULL, scope, sizeof(scope)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procmaps_normal),
		cmocka_unit_test(test_procmaps_spaces_deleted),
		cmocka_unit_test(test_procmaps_malformed),
		cmocka_unit_test(test_procmaps_self),
		cmocka_unit_test(test_elf_pie),
		cmocka_unit_test(test_elf_nopie),
		cmocka_unit_test(test_elf_shared),
		cmocka_unit_test(test_elf_stripped),
		cmocka_unit_test(test_elf_versions),
		cmocka_unit_test(test_elf_malformed),
		cmocka_unit_test(test_resolve_exe_wins),
		cmocka_unit_test(test_resolve_ambiguous),
		cmocka_unit_test(test_resolve_lib_selector),
		cmocka_unit_test(test_resolve_libc_names),
		cmocka_unit_test(test_resolve_not_found),
		cmocka_unit_test(test_resolve_patterns),
		cmocka_unit_test(test_resolve_stripped),
		cmocka_unit_test(test_resolve_root),
		cmocka_unit_test(test_resolve_demangled),
		cmocka_unit_test(test_pid_self),
		cmocka_unit_test(test_pid_replaced_files),
		cmocka_unit_test(test_pid_missing),
		cmocka_unit_test(test_pid_zombie),
		cmocka_unit_test(test_pid_kernel_thread),
		cmocka_unit_test(test_selector_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
