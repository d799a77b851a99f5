// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pytail: what BPF compares a code object's qualname with before it asks
 * userspace. Qualnames are laid out as CPython keeps them (the smallest
 * kind that holds their characters), hashed with the steps BPF takes over
 * the window it reads; every full name fnmatch() matches must pass, and
 * names no -f name can match must not.
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

/*
 * What BPF's tail_may_match() answers for a qualname: its characters in
 * the smallest kind; longer than the window, "may" (userspace matches a
 * cut name); else the hash looked up among the patterns' hashes.
 */
static bool may_match(const char *qualname, const __u64 *hashes, int nr)
{
	__u32 cps[512], kind = 1;
	__u8 bytes[2048];
	int n = decode(qualname, cps, 512);
	size_t len;
	__u64 h;

	for (int i = 0; i < n; i++)
		kind = cps[i] > 0xffff ? 4 : cps[i] > 0xff && kind < 2 ? 2 : kind;
	for (int i = 0; i < n; i++)
		for (__u32 b = 0; b < kind; b++)
			bytes[i * kind + b] = cps[i] >> (8 * b);
	len = n * kind;
	if (len > WM_PY_TAIL_WINDOW)
		return true;
	h = wm_py_tail_hash(bytes, len, kind);
	for (int i = 0; i < nr; i++)
		if (hashes[i] == h)
			return true;
	return false;
}

static char long_dotted[300], long_plain[300], long_wide[600], name_of_128[129];

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
};

static const char *const names[][2] = {
	{ "re", "search" },
	{ "re", "research" },
	{ "x", "parse" },
	{ "x.y", "A.parse" },
	{ "x", "parse2" },
	{ "pkg.mod", "Class.method" },
	{ "pkg", "mod.Class.method" },
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
};

/* Every name a pattern matches passes; a name that differs in its tail does not. */
static void test_matches_pass(void **state)
{
	__u64 h[sizeof(patterns) / sizeof(patterns[0])];
	int nr = sizeof(patterns) / sizeof(patterns[0]), passed = 0, rejected = 0;

	(void)state;
	make_long_names();
	for (int i = 0; i < nr; i++)
		assert_int_equal(pytail__of_pattern(patterns[i], &h[i]), 0);
	for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
		char full[1024];

		snprintf(full, sizeof(full), "%s.%s", names[j][0], names[j][1]);
		for (int i = 0; i < nr; i++) {
			bool m = may_match(names[j][1], &h[i], 1);

			if (!fnmatch(patterns[i], full, 0)) {
				if (!m)
					fail_msg("%s matches %s, but its tail was refused", full,
						 patterns[i]);
				passed++;
			} else {
				rejected += !m;
			}
		}
	}
	assert_int_equal(passed, 13);
	/* The filter filters: most pairs that do not match never reach userspace. */
	assert_true(rejected > passed * 4);
}

static void test_tails_told_apart(void **state)
{
	__u64 h;

	(void)state;
	make_long_names();
	assert_int_equal(pytail__of_pattern("re.search", &h), 0);
	assert_true(may_match("search", &h, 1));
	assert_true(may_match("Scanner.search", &h, 1));
	assert_false(may_match("research", &h, 1));
	assert_false(may_match("searc", &h, 1));
	assert_false(may_match("search.x", &h, 1));
	assert_int_equal(pytail__of_pattern("m.caf\xc3\xa9", &h), 0);
	assert_true(may_match("caf\xc3\xa9", &h, 1));
	assert_false(may_match("cafe", &h, 1));
	/* Longer than the window: userspace sees it cut, so it always passes. */
	assert_true(may_match(long_plain, &h, 1));
	assert_true(may_match(long_dotted, &h, 1));
	/* 128 bytes exactly: whole in the window, told. */
	assert_false(may_match(name_of_128, &h, 1));
	assert_int_equal(pytail__of_pattern("m.z", &h), 0);
	assert_true(may_match(name_of_128, &h, 1));
}

/* Patterns whose last part does not bound what they match: no hash. */
static void test_unbounded_patterns(void **state)
{
	static const char *const bad[] = {
		"re.*",	  "re.sea?ch",	    "*",	  "a[.]b", "re.searc[h]", "x\\.y",
		"m.\xff", "m.\xed\xa0\x80", "m.\xc0\xae",
	};
	__u64 h = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pytail__of_pattern(bad[i], &h), -EINVAL);
		assert_int_equal(h, 7);
	}
	/* A pattern with no '.' is all tail; an empty tail hashes as the empty name. */
	assert_int_equal(pytail__of_pattern("nodot", &h), 0);
	assert_int_equal(pytail__of_pattern("m.", &h), 0);
	assert_int_equal(h, WM_PY_TAIL_SEED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_pass),
		cmocka_unit_test(test_tails_told_apart),
		cmocka_unit_test(test_unbounded_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
