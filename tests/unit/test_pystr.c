// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pystr: str objects to UTF-8, from bytes CPython 3.10 and 3.12 laid out
 * (captured with ctypes.string_at(id(s), n) from a real interpreter), from
 * objects made here at each version's offsets, and read back through
 * procmem from this process's own memory as from a target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lang/python/pystr.h"
#include "lang/python/pyvalue.h"
#include "wrapmon_py.h"

/* Captured: a str made at run time of each kind, its header and characters. */
static const struct {
	int minor;
	const char *text; /* what it held, in UTF-8 */
	const char *hex;
} captured[] = {
	{ 10, "café",
	  "0200000000000000601c393abf7f00000400000000000000ffffffffffffffffa400d239bf7f000000000000"
	  "00000000000000000000000000000000000000000000000000000000636166e9000000000100000000000000"
	  "601c393abf7f000002000000" },
	{ 10, "挨拶",
	  "0200000000000000601c393abf7f00000200000000000000ffffffffffffffffa8bc383abf7f000000000000"
	  "000000000000000000000000000000000000000000000000000000002863f66200000000701ac639bf7f0000"
	  "d05ec839" },
	{ 10, "𠀀x",
	  "0200000000000000601c393abf7f00000200000000000000ffffffffffffffffb000000000000000b8efc839"
	  "bf7f000000000000000000000000000000000000020000000000000000000200780000000000000000000000"
	  "00000000" },
	{ 12, "café",
	  "0200000000000000203c56df707f00000400000000000000ffffffffffffffff245ec4de707f000000000000"
	  "000000000000000000000000636166e9007f0000702ca9de707f000000000000000000000000000000000000"
	  "5078ab44df55000000e2a744" },
	{ 12, "挨拶",
	  "0200000000000000203c56df707f00000200000000000000ffffffffffffffff282aad44df55000000000000"
	  "0000000000000000000000002863f66200000000ffffffff00000000203c56df707f00000900000000000000"
	  "53e92992" },
	{ 12, "𠀀x",
	  "0200000000000000203c56df707f00000200000000000000ffffffffffffffff3090a8de707f000000000000"
	  "0000000000000000000000000000020078000000000000000000000000000000b80b0000701bcede707f0000"
	  "f07ccdde" },
};

static size_t unhex(const char *hex, unsigned char *out, size_t size)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < size; hex += 2) {
		unsigned int b;

		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = b;
	}
	return n;
}

static struct wm_py_offsets offsets(int minor)
{
	struct wm_py_offsets o = {};

	pyvalue__str_offsets(NULL, minor, &o);
	return o;
}

static void test_captured_strs_of_every_kind(void **state)
{
	unsigned char b[256];
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
		struct wm_py_offsets o = offsets(captured[i].minor);
		size_t n = unhex(captured[i].hex, b, sizeof(b));

		assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)),
				 (int)strlen(captured[i].text));
		assert_string_equal(out, captured[i].text);
		/* The other version's offsets put the characters elsewhere. */
		o = offsets(captured[i].minor == 10 ? 12 : 10);
		if (pystr__decode(&o, b, n, out, sizeof(out)) >= 0)
			assert_string_not_equal(out, captured[i].text);
	}
}

/* A compact str at minor's offsets: len characters kind bytes each, ascii or not. */
static size_t make_str(unsigned char *b, size_t size, int minor, int kind, int ascii,
		       const __u32 *chars, __s64 len)
{
	struct wm_py_offsets o = offsets(minor);
	__u32 st =
		1u << 5 | kind << 2 | (ascii ? 1u << 6 : 0) | 0xabcd0000; /* junk above the bits */
	size_t data = ascii ? o.str_ascii : o.str_compact;

	memset(b, 0x5a, size);
	memcpy(b + o.str_length, &len, sizeof(len));
	memcpy(b + o.str_state, &st, sizeof(st));
	for (__s64 i = 0; i < len; i++)
		memcpy(b + data + i * kind, &chars[i], kind);
	return data + len * kind;
}

static void test_made_strs_each_kind_and_version(void **state)
{
	static const struct {
		int kind, ascii;
		__u32 chars[4];
		int len;
		const char *utf8;
	} cases[] = {
		{ 1, 1, { 'm', 'a', 'i', 'n' }, 4, "main" },
		{ 1, 0, { 'g', 0xe9, 0xff }, 3, "g\xc3\xa9\xc3\xbf" }, /* Latin-1 */
		{ 2,
		  0,
		  { 0x6328, 0x62f6, 0x100 },
		  3,
		  "\xe6\x8c\xa8\xe6\x8b\xb6\xc4\x80" }, /* UCS-2 */
		{ 4,
		  0,
		  { 0x20000, 'x', 0x10ffff },
		  3,
		  "\xf0\xa0\x80\x80x\xf4\x8f\xbf\xbf" }, /* UCS-4 */
		{ 1, 1, { 0 }, 0, "" },
	};
	unsigned char b[256];
	char out[64];

	(void)state;
	for (int minor = 10; minor <= 13; minor++) {
		struct wm_py_offsets o = offsets(minor);

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			size_t n = make_str(b, sizeof(b), minor, cases[i].kind, cases[i].ascii,
					    cases[i].chars, cases[i].len);

			assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)),
					 (int)strlen(cases[i].utf8));
			assert_string_equal(out, cases[i].utf8);
			/* From memory, as from a target. */
			assert_int_equal(
				pystr__read(getpid(), &o, (__u64)(uintptr_t)b, out, sizeof(out)),
				(int)strlen(cases[i].utf8));
			assert_string_equal(out, cases[i].utf8);
		}
	}
}

static void test_cut_bad_and_unreadable(void **state)
{
	struct wm_py_offsets o = offsets(10);
	__u32 ucs2[] = { 0x6328, 0x62f6, 'a' }, big[] = { 'a', 0x110000 };
	unsigned char b[256];
	char out[64];
	size_t n;

	(void)state;
	/* Cut at a character's end: 挨 (3 bytes) fits in 5, 拶 does not. */
	n = make_str(b, sizeof(b), 10, 2, 0, ucs2, 3);
	assert_int_equal(pystr__decode(&o, b, n, out, 5), -ENAMETOOLONG);
	assert_string_equal(out, "\xe6\x8c\xa8");
	assert_int_equal(pystr__read(getpid(), &o, (__u64)(uintptr_t)b, out, 5), -ENAMETOOLONG);
	assert_string_equal(out, "\xe6\x8c\xa8");
	/* A copy shorter than its length says: what it has, marked cut. */
	assert_int_equal(pystr__decode(&o, b, n - 2, out, sizeof(out)), -ENAMETOOLONG);
	assert_string_equal(out, "\xe6\x8c\xa8\xe6\x8b\xb6");
	/* Too short for the header. */
	assert_int_equal(pystr__decode(&o, b, 20, out, sizeof(out)), -EFAULT);
	/* Past U+10FFFF: no str holds it. */
	n = make_str(b, sizeof(b), 10, 4, 0, big, 2);
	assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)), -EILSEQ);
	assert_string_equal(out, "");
	/* Not compact (a legacy str), a kind that is none, ASCII of 2 bytes, a negative length. */
	n = make_str(b, sizeof(b), 10, 2, 0, ucs2, 3);
	b[o.str_state] &= ~(1u << 5);
	assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)), -EINVAL);
	n = make_str(b, sizeof(b), 10, 3, 0, ucs2, 1);
	assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)), -EINVAL);
	n = make_str(b, sizeof(b), 10, 2, 1, ucs2, 3);
	assert_int_equal(pystr__read(getpid(), &o, (__u64)(uintptr_t)b, out, sizeof(out)), -EINVAL);
	n = make_str(b, sizeof(b), 10, 1, 1, ucs2, 0);
	memset(b + o.str_length, 0xff, 8);
	assert_int_equal(pystr__decode(&o, b, n, out, sizeof(out)), -EINVAL);
	/* No object there. */
	assert_int_equal(pystr__read(getpid(), &o, 0, out, sizeof(out)), -EFAULT);
	assert_int_equal(pystr__read(getpid(), &o, 8, out, sizeof(out)), -EFAULT);
	/* The characters alone, as BPF copies them: every width. */
	assert_int_equal(pystr__utf8(2, "\x28\x63\xf6\x62", 4, out, sizeof(out)), 6);
	assert_string_equal(out, "\xe6\x8c\xa8\xe6\x8b\xb6");
	assert_int_equal(pystr__utf8(3, "abc", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(pystr__utf8(1, "abc", 3, out, 0), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_strs_of_every_kind),
		cmocka_unit_test(test_made_strs_each_kind_and_version),
		cmocka_unit_test(test_cut_bad_and_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
