// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libpath: LIB found through a made-up ld.so.cache (glibc's new format),
 * then directories; several files for one name; a program told from a
 * shared library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/libpath.h"

static char dir[] = "/tmp/wm-libpath-XXXXXX";
static char cache[PATH_MAX], sub[PATH_MAX];

/* x86-64's libc6 entries in ld.so.cache; others are another ABI's. */
#define ABI_OK	  0x0303
#define ABI_OTHER 0x0003

struct ent {
	const char *key, *file;
	int32_t flags;
};

static void touch(const char *name, const char *in)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", in, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(name, f);
	fclose(f);
}

/* The header (48 bytes), the entries (24 bytes each), then their strings. */
static void write_cache(const struct ent *e, int n, const char *magic)
{
	char strs[4096], path[PATH_MAX];
	uint32_t hdr_n[2], off, len = 0;
	size_t base = 48 + 24 * n;
	FILE *f = fopen(cache, "w");

	assert_non_null(f);
	fwrite(magic, 1, 20, f);
	hdr_n[0] = n;
	hdr_n[1] = 0;
	fwrite(hdr_n, 4, 2, f);
	fwrite((char[20]){ 0 }, 1, 20, f);
	for (int i = 0; i < n; i++) {
		int32_t fl = e[i].flags;
		uint64_t hwcap = 0;

		off = base + len;
		len += snprintf(strs + len, sizeof(strs) - len, "%s", e[i].key) + 1;
		fwrite(&fl, 4, 1, f);
		fwrite(&off, 4, 1, f);
		off = base + len;
		snprintf(path, sizeof(path), "%s/%s", dir, e[i].file);
		len += snprintf(strs + len, sizeof(strs) - len, "%s", path) + 1;
		fwrite(&off, 4, 1, f);
		fwrite((char[4]){ 0 }, 1, 4, f);
		fwrite(&hwcap, 8, 1, f);
	}
	fwrite(strs, 1, len, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cache, sizeof(cache), "%s/ld.so.cache", dir);
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	touch("libz.so.1.2.13", dir);
	touch("libzz.so.1", dir);
	touch("libssl.so.3", dir);
	touch("libssl.so.1.1", dir);
	touch("libother.so.1", dir);
	touch("libdironly.so.4", sub);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int find(const char *lib, char *path, char *err)
{
	const char *dirs[] = { sub, NULL };
	struct libpath_opts o = { .sz = sizeof(o), .cache = cache, .dirs = dirs };

	return libpath__find(lib, &o, path, PATH_MAX, err, 512);
}

static void test_cache(void **state)
{
	static const struct ent e[] = {
		{ "libzz.so.1", "libzz.so.1", ABI_OK },
		{ "libz.so.1", "libz.so.1.2.13", ABI_OK },
		/* Another name of the same file: one library, not two. */
		{ "libz.so", "libz.so.1.2.13", ABI_OK },
		{ "libssl.so.3", "libssl.so.3", ABI_OK },
		{ "libssl.so.1.1", "libssl.so.1.1", ABI_OK },
		{ "libother.so.1", "libother.so.1", ABI_OTHER },
	};
	char path[PATH_MAX], want[PATH_MAX + 32], err[512] = "";

	(void)state;
	write_cache(e, sizeof(e) / sizeof(e[0]), "glibc-ld.so.cache1.1");
	snprintf(want, sizeof(want), "%s/libz.so.1.2.13", dir);
	/* As LIB:NAME matches: "z", "libz", "libz.so.1"; never libzz. */
	assert_int_equal(find("z", path, err), 0);
	assert_string_equal(path, want);
	assert_int_equal(find("libz", path, err), 0);
	assert_string_equal(path, want);
	assert_int_equal(find("libz.so.1", path, err), 0);
	assert_string_equal(path, want);
	/* Two versions: which one is meant is the user's to say. */
	assert_int_equal(find("ssl", path, err), -EEXIST);
	assert_non_null(strstr(err, "libssl.so.3"));
	assert_non_null(strstr(err, "libssl.so.1.1"));
	/* Another ABI's entry is not ours; the directories do not have it either. */
	assert_int_equal(find("other", path, err), -ENOENT);
	assert_non_null(strstr(err, "no library 'other'"));
	/* Not in the cache: the directories. */
	assert_int_equal(find("dironly", path, err), 0);
	snprintf(want, sizeof(want), "%s/libdironly.so.4", sub);
	assert_string_equal(path, want);
	assert_int_equal(find("a/b", path, err), -EINVAL);
}

static void test_bad_cache(void **state)
{
	static const struct ent e[] = { { "libz.so.1", "libz.so.1.2.13", ABI_OK } };
	char path[PATH_MAX], err[512] = "";
	FILE *f;

	(void)state;
	/* An old format, or a file cut short: the directories answer. */
	write_cache(e, 1, "ld.so-1.7.0\0\0\0\0\0\0\0\0\0");
	assert_int_equal(find("z", path, err), -ENOENT);
	assert_int_equal(find("dironly", path, err), 0);
	write_cache(e, 1, "glibc-ld.so.cache1.1");
	assert_int_equal(truncate(cache, 60), 0);
	assert_int_equal(find("z", path, err), -ENOENT);
	/* An entry count past the file's end. */
	f = fopen(cache, "r+");
	assert_non_null(f);
	fseek(f, 20, SEEK_SET);
	fwrite(&(uint32_t){ 0x7fffffff }, 4, 1, f);
	fclose(f);
	assert_int_equal(find("z", path, err), -ENOENT);
}

static int is_lib(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	assert_true(fd >= 0);
	ret = libpath__is_shared_lib(fd);
	close(fd);
	return ret;
}

static void test_is_shared_lib(void **state)
{
	const char *fx = getenv("WM_FIXTURES");
	char path[PATH_MAX];

	(void)state;
	if (!fx)
		skip();
	snprintf(path, sizeof(path), "%s/libfx.so.1", fx);
	assert_int_equal(is_lib(path), 1);
	snprintf(path, sizeof(path), "%s/fx_pie", fx);
	assert_int_equal(is_lib(path), 0);
	snprintf(path, sizeof(path), "%s/fx_nopie", fx);
	assert_int_equal(is_lib(path), 0);
	snprintf(path, sizeof(path), "%s/libz.so.1.2.13", dir);
	assert_int_equal(is_lib(path), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_bad_cache),
		cmocka_unit_test(test_is_shared_lib),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
