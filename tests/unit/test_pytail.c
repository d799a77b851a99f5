// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pytail: what BPF compares a code object's module and qualname with
 * before it asks userspace. Names are laid out as CPython keeps them (the
 * smallest kind that holds their characters) and hashed with the steps BPF
 * takes (wrapmon_py.h); every full name fnmatch() matches must pass, and
 * most names no -f name can match must not.
 */
#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lang/python/pytail.h"
#include "wrapmon_py.h"

/* UTF-8 to code points (the test's names are valid); their count. */
static int decode(const char *s, __u32 *cps, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;

	while (*p && n < max) {
		int len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		__u32 cp = len == 1 ? *p : *p & (0x7f >> len);

		for (int i = 1; i < len; i++)
			cp = cp << 6 | (p[i] & 0x3f);
		cps[n++] = cp;
		p += len;
	}
	return n;
}

/* A name's part as BPF's part_hash() finds it: WM_PY_HASH_ANY where it cannot tell. */
static __u64 part_of(const char *name, int part)
{
	__u32 cps[512], kind = 1;
	__u8 bytes[2048];
	int n = decode(name, cps, 512), dot;
	size_t len;
	bool cut = false;
	__u64 h;

	for (int i = 0; i < n; i++)
		kind = cps[i] > 0xffff ? 4 : cps[i] > 0xff && kind < 2 ? 2 : kind;
	for (int i = 0; i < n; i++)
		for (__u32 b = 0; b < kind; b++)
			bytes[i * kind + b] = cps[i] >> (8 * b);
	len = n * kind;
	if (len > WM_PY_NAME_MAX) {
		if (part == WM_PY_PART_TAIL)
			return WM_PY_HASH_ANY;
		len = WM_PY_NAME_MAX;
		cut = true;
	}
	h = wm_py_part_hash(bytes, len, kind, part, &dot);
	return cut && !dot ? WM_PY_HASH_ANY : h;
}

static bool agree(__u64 a, __u64 b)
{
	return a == WM_PY_HASH_ANY || b == WM_PY_HASH_ANY || a == b;
}

/* BPF's may_match(): some pattern's head and tail agree with the code object's. */
static bool may_match(const char *module, const char *qualname, const char *const *patterns, int nr)
{
	__u64 head = part_of(module, WM_PY_PART_HEAD), tail = part_of(qualname, WM_PY_PART_TAIL);

	for (int i = 0; i < nr; i++)
		if (agree(pytail__part(patterns[i], WM_PY_PART_HEAD), head) &&
		    agree(pytail__part(patterns[i], WM_PY_PART_TAIL), tail))
			return true;
	return false;
}

static char long_dotted[300], long_plain[300], long_wide[600], name_of_128[129], long_mod[300];

static void make_long_names(void)
{
	memset(long_dotted, 'a', 200);
	strcpy(long_dotted + 200, ".parse");
	memset(long_plain, 'p', 250);
	long_plain[250] = 0;
	/* U+0100 is two bytes in UTF-8 and in the str (kind 2). */
	for (int i = 0; i < 100; i++)
		memcpy(long_wide + 2 * i, "\xc4\x80", 2);
	strcpy(long_wide + 200, ".search");
	memset(name_of_128, 'y', 126);
	strcpy(name_of_128 + 126, ".z");
	/* A module whose first part ends inside the window, the rest past it. */
	strcpy(long_mod, "re.");
	memset(long_mod + 3, 'q', 200);
}

static const char *const patterns[] = {
	"re.search",
	"*.parse",
	"pkg.mod.Class.method",
	"__main__.outer.<locals>.inner",
	"__main__.<module>",
	"m.caf\xc3\xa9",
	"m.\xe6\x8c\xa8\xe6\x8b\xb6",
	"m.\xf0\xa0\x80\x80x",
	"nodot",
	"*.search",
	"re.*",
	"app.handlers.*",
	"\xc3\xa9t\xc3\xa9.*",
	"x.y.*.z",
};

static const char *const names[][2] = {
	{ "re", "search" },
	{ "re", "research" },
	{ "re._parser", "parse" },
	{ "json", "search" },
	{ "x", "parse" },
	{ "x.y", "A.parse" },
	{ "x.y", "B.z" },
	{ "x", "y.C.z" },
	{ "x", "parse2" },
	{ "pkg.mod", "Class.method" },
	{ "pkg", "mod.Class.method" },
	{ "pkgx", "mod.Class.method" },
	{ "__main__", "outer.<locals>.inner" },
	{ "__main__", "<module>" },
	{ "m", "caf\xc3\xa9" },
	{ "m", "K.caf\xc3\xa9" },
	{ "m", "cafe" },
	{ "m", "\xe6\x8c\xa8\xe6\x8b\xb6" },
	{ "m", "\xf0\xa0\x80\x80x" },
	{ "m", long_dotted },
	{ "m", long_plain },
	{ "m", long_wide },
	{ "app", "handlers.parse" },
	{ "app.handlers", "parse" },
	{ "app.models", "parse" },
	{ "\xc3\xa9t\xc3\xa9", "f" },
	{ "\xc3\xa9t\xc3\xa9s", "f" },
	{ long_mod, "f" },
	{ long_plain, "f" },
};

#define NR_PATTERNS (int)(sizeof(patterns) / sizeof(patterns[0]))

/* Every name a pattern matches passes; most that no pattern matches do not. */
static void test_matches_pass(void **state)
{
	int passed = 0, refused = 0, unmatched = 0;

	(void)state;
	make_long_names();
	for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
		char full[1024];
		bool any = false;

		snprintf(full, sizeof(full), "%s.%s", names[j][0], names[j][1]);
		for (int i = 0; i < NR_PATTERNS; i++) {
			bool m = may_match(names[j][0], names[j][1], &patterns[i], 1);

			if (!fnmatch(patterns[i], full, 0)) {
				if (!m)
					fail_msg("%s matches %s, but BPF would refuse it", full,
						 patterns[i]);
				passed++;
				any = true;
			}
		}
		if (!any) {
			unmatched++;
			refused += !may_match(names[j][0], names[j][1], patterns, NR_PATTERNS);
		}
	}
	assert_int_equal(passed, 27);
	/*
	 * Names no pattern matches: x.parse2, pkgx.mod.Class.method, m.cafe and
	 * étés.f never reach userspace; m.K.café (its tail is a pattern's),
	 * and the two too long to tell, do.
	 */
	assert_int_equal(unmatched, 7);
	assert_int_equal(refused, 4);
}

static void test_parts_told_apart(void **state)
{
	static const char *const search[] = { "re.search" }, *const re_all[] = { "re.*" },
				 *const z[] = { "m.z" }, *const ete[] = { "\xc3\xa9t\xc3\xa9.*" };

	(void)state;
	make_long_names();
	assert_true(may_match("re", "search", search, 1));
	assert_true(may_match("re", "Scanner.search", search, 1));
	assert_false(may_match("re", "research", search, 1));
	assert_false(may_match("re", "search.x", search, 1));
	assert_false(may_match("json", "search", search, 1));
	assert_false(may_match("rex", "search", search, 1));
	assert_true(may_match("re._compiler", "compile", re_all, 1));
	assert_false(may_match("json.decoder", "decode", re_all, 1));
	assert_true(may_match("\xc3\xa9t\xc3\xa9", "f", ete, 1));
	assert_false(may_match("\xc3\xa9t\xc3\xa8", "f", ete, 1));
	/* Longer than the window: a tail is not told (userspace matches it cut). */
	assert_true(may_match("re", long_plain, search, 1));
	assert_true(may_match("re", long_dotted, search, 1));
	/* ... but the module's head still is. */
	assert_false(may_match("m", long_plain, search, 1));
	/* 128 bytes exactly: whole in the window, told. */
	assert_false(may_match("m", name_of_128, search, 1));
	assert_true(may_match("m", name_of_128, z, 1));
	/* A U+0000 ends the name, as it ends userspace's C string of it. */
	{
		static const __u8 mod[] = { 'r', 'e', 0, 'z', 'z' };
		static const __u8 qual[] = { 'a', '.', 'b', 0, 'c', '.', 'd' };
		int dot;

		assert_int_equal(wm_py_part_hash(mod, sizeof(mod), 1, WM_PY_PART_HEAD, &dot),
				 pytail__part("re.x", WM_PY_PART_HEAD));
		assert_int_equal(wm_py_part_hash(qual, sizeof(qual), 1, WM_PY_PART_TAIL, &dot),
				 pytail__part("m.b", WM_PY_PART_TAIL));
	}
	/* A long module: its head is told when its first '.' is in the window, else not. */
	assert_true(may_match(long_mod, "f", re_all, 1));
	assert_false(may_match(long_mod, "f", ete, 1));
	assert_true(may_match(long_plain, "f", re_all, 1));
}

/* Parts that do not bound what a pattern matches: no hash. */
static void test_unbounded_parts(void **state)
{
	static const char *const both[] = {
		"*", "a[.]b", "re.searc[h]", "x\\.y", "\xff.\xff", "m\xed\xa0\x80.\xed\xa0\x80",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		assert_int_equal(pytail__part(both[i], WM_PY_PART_HEAD), WM_PY_HASH_ANY);
		assert_int_equal(pytail__part(both[i], WM_PY_PART_TAIL), WM_PY_HASH_ANY);
	}
	assert_int_equal(pytail__part("re.*", WM_PY_PART_TAIL), WM_PY_HASH_ANY);
	assert_int_not_equal(pytail__part("re.*", WM_PY_PART_HEAD), WM_PY_HASH_ANY);
	assert_int_equal(pytail__part("*.parse", WM_PY_PART_HEAD), WM_PY_HASH_ANY);
	assert_int_not_equal(pytail__part("*.parse", WM_PY_PART_TAIL), WM_PY_HASH_ANY);
	assert_int_equal(pytail__part("re.sea?ch", WM_PY_PART_TAIL), WM_PY_HASH_ANY);
	assert_int_equal(pytail__part("m.\xc0\xae", WM_PY_PART_TAIL), WM_PY_HASH_ANY);
	/* A pattern with no '.' is all head and all tail. */
	assert_int_equal(pytail__part("nodot", WM_PY_PART_HEAD),
			 pytail__part("nodot", WM_PY_PART_TAIL));
	assert_int_not_equal(pytail__part("nodot", WM_PY_PART_HEAD), WM_PY_HASH_ANY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_pass),
		cmocka_unit_test(test_parts_told_apart),
		cmocka_unit_test(test_unbounded_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
