// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python --filter: parse, bind and evaluate on records made of the
 * snapshots wrapmon took of real objects (pyvalue_fixtures.h), so the
 * values compared are the bytes BPF really writes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lang/python/pyfilter.h"
#include "wrapmon.h"
#include "wrapmon_py.h"

#include "pyvalue_fixtures.h"

#define NR_FIXTURES (sizeof(pyv_fixtures) / sizeof(pyv_fixtures[0]))

/* Room for a record's snapshots: one per slot. */
struct call {
	struct wm_call_view v;
	unsigned char snap[WM_NR_SLOTS][WM_PYV_MAX];
};

/* The snapshot python took of the value whose repr() is repr, into out; its length. */
static int fixture(const char *python, const char *repr, unsigned char *out)
{
	for (size_t i = 0; i < NR_FIXTURES; i++) {
		const struct pyv_fixture *fx = &pyv_fixtures[i];
		int n = 0;

		if (strcmp(fx->python, python) || strcmp(fx->repr, repr))
			continue;
		for (const char *h = fx->snapshot; h[0] && h[1] && n < WM_PYV_MAX; h += 2) {
			unsigned int v;

			assert_int_equal(sscanf(h, "%2x", &v), 1);
			out[n++] = v;
		}
		return n;
	}
	fail_msg("no %s fixture of %s", python, repr);
	return 0;
}

static void call_init(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->v.hdr.kind = WM_REC_CALL;
	c->v.hdr.flags = WM_F_PY_VALUES;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		c->v.str_len[i] = WM_STR_NONE;
}

/* Slot i holds the value whose repr() is repr (NULL: not captured, "..."). */
static void call_set(struct call *c, int slot, const char *python, const char *repr)
{
	if (!repr) {
		c->v.str[slot] = NULL;
		c->v.str_len[slot] = WM_STR_NONE;
		return;
	}
	c->v.str_len[slot] = fixture(python, repr, c->snap[slot]);
	c->v.str[slot] = (const char *)c->snap[slot];
}

static const char *const params3[] = { "pattern", "string", "flags" };

/* Does text, bound to (pattern, string, flags), keep c? */
static bool keeps(const char *text, const struct call *c)
{
	struct pyfilter *f = NULL;
	struct pyfilter_bound *b = NULL;
	char err[256];
	int col = 0;
	bool kept;

	if (pyfilter__parse(text, &f, &col, err, sizeof(err)))
		fail_msg("%s: %s (column %d)", text, err, col);
	assert_int_equal(pyfilter__bind(f, "re.search", params3, 3, &b, err, sizeof(err)), 0);
	kept = pyfilter__eval(b, &c->v);
	pyfilter__unbind(b);
	pyfilter__free(f);
	return kept;
}

#define KEEPS(text, c) assert_true(keeps(text, c))
#define DROPS(text, c) assert_false(keeps(text, c))

/* Each interpreter's snapshots: the layouts differ (3.12's ints, str headers). */
static const char *const pythons[] = { "3.10", "3.11", "3.12", "3.13" };

static void test_str(void **state)
{
	for (size_t k = 0; k < sizeof(pythons) / sizeof(pythons[0]); k++) {
		const char *py = pythons[k];
		struct call c;

		call_init(&c);
		call_set(&c, 0, py, "'caaat'");
		call_set(&c, 1, py, "'caf\303\251'");
		KEEPS("pattern == \"caaat\"", &c);
		KEEPS("pattern == 'caaat'", &c);
		DROPS("pattern == \"caaa\"", &c);
		KEEPS("pattern == \"ca*\"", &c);
		KEEPS("pattern == \"*at\"", &c);
		KEEPS("pattern == \"c?a*t\"", &c);
		DROPS("pattern == \"c?t\"", &c);
		KEEPS("pattern != \"x*\"", &c);
		/* Code points, not bytes: ? is one character, é in the text and escaped. */
		KEEPS("string == \"caf?\"", &c);
		KEEPS("string == \"caf\303\251\"", &c);
		KEEPS("string == \"caf\\xe9\"", &c);
		KEEPS("string == \"caf\\u00e9\"", &c);
		DROPS("string == \"caf??\"", &c);
		/* A str is no number, no bytes, no None: == false, != true, no error. */
		DROPS("pattern == 5", &c);
		KEEPS("pattern != 5", &c);
		DROPS("pattern > 5", &c);
		DROPS("pattern <= 5", &c);
		DROPS("pattern == b\"caaat\"", &c);
		DROPS("pattern == None", &c);
		KEEPS("pattern != None", &c);
		/* Truth: a non-empty str. */
		KEEPS("pattern", &c);
		call_set(&c, 0, py, "''");
		DROPS("pattern", &c);
		KEEPS("not pattern", &c);
		KEEPS("pattern == \"\"", &c);
		KEEPS("pattern == \"*\"", &c);
		/* \* and \? are the characters themselves. */
		call_set(&c, 0, py, "'say \"hi\"'");
		KEEPS("pattern == 'say \"hi\"'", &c);
		KEEPS("pattern == \"say \\\"h?\\\"\"", &c);
		DROPS("pattern == \"say \\*\"", &c);
	}
}

static void test_cut_and_missing(void **state)
{
	for (size_t k = 0; k < sizeof(pythons) / sizeof(pythons[0]); k++) {
		const char *py = pythons[k];
		char repr[303];
		struct call c;

		/* 'x' * 300, which the snapshot cut: its start decides a trailing *, nothing else. */
		call_init(&c);
		memset(repr, 'x', sizeof(repr) - 1);
		repr[0] = repr[301] = '\'';
		repr[302] = '\0';
		call_set(&c, 0, py, repr);
		KEEPS("pattern == \"xx*\"", &c);
		KEEPS("pattern == \"*\"", &c);
		DROPS("pattern == \"x\"", &c);
		DROPS("pattern == \"*y\"", &c);
		KEEPS("pattern != \"*y\"", &c);
		DROPS("pattern == \"xy*\"", &c);
		KEEPS("pattern != \"x\"", &c);
		/* Not captured ("..."): false except !=. */
		call_set(&c, 1, py, NULL);
		DROPS("string == \"x\"", &c);
		DROPS("string == None", &c);
		KEEPS("string != None", &c);
		DROPS("string > 1", &c);
		DROPS("string < 1", &c);
		KEEPS("string != 1", &c);
		DROPS("string", &c);
		/* Values not read (--summary-only without a filter on them): none. */
		call_set(&c, 2, py, "7");
		KEEPS("flags == 7", &c);
		c.v.hdr.flags &= ~WM_F_PY_VALUES;
		DROPS("flags == 7", &c);
		KEEPS("flags != 7", &c);
	}
}

static void test_numbers(void **state)
{
	for (size_t k = 0; k < sizeof(pythons) / sizeof(pythons[0]); k++) {
		const char *py = pythons[k];
		struct call c;

		call_init(&c);
		call_set(&c, 2, py, "7");
		KEEPS("flags == 7", &c);
		KEEPS("flags > 6 and flags < 8 and flags >= 7 and flags <= 7", &c);
		KEEPS("6 < flags", &c);
		DROPS("7 < flags", &c);
		KEEPS("flags == 7.0", &c);
		KEEPS("flags < 7.5", &c);
		KEEPS("flags == 0x7", &c);
		KEEPS("flags > -1", &c);
		DROPS("flags == \"7\"", &c);
		KEEPS("flags != \"7\"", &c);
		DROPS("flags == None", &c);
		KEEPS("flags", &c);
		call_set(&c, 2, py, "-2147483648");
		KEEPS("flags == -2147483648", &c);
		KEEPS("flags < -2_000_000_000", &c);
		call_set(&c, 2, py, "18446744073709551616");
		KEEPS("flags == 18446744073709551616", &c);
		KEEPS("flags > 18446744073709551615", &c);
		call_set(&c, 2, py, "-1267650600228229401496703205376");
		KEEPS("flags == -1267650600228229401496703205376", &c);
		KEEPS("flags < -1267650600228229401496703205375", &c);
		/* 2**240 needs 9 digits of 30 bits, one more than a snapshot keeps: cut. */
		call_set(&c, 2, py,
			 "176684706477838432958329750074291851582748389687561895812160620129261977"
			 "6");
		DROPS("flags > 1", &c);
		DROPS("flags < 1", &c);
		KEEPS("flags != 1", &c);
		/* 2**210, whole (the same bytes, 8 digits, the top one 1): past any literal. */
		c.snap[2][1] = 0;
		c.snap[2][4] = 8;
		c.snap[2][sizeof(struct wm_pyv_hdr) + 3 + 28] = 1;
		KEEPS("flags > 170141183460469231731687303715884105727", &c);
		DROPS("flags == 170141183460469231731687303715884105727", &c);
		DROPS("flags < -170141183460469231731687303715884105727", &c);
		c.snap[2][3] = 1; /* negative */
		KEEPS("flags < -170141183460469231731687303715884105727", &c);
		DROPS("flags > 0", &c);
		KEEPS("flags < -1e60", &c);
		c.snap[2][3] = 0;
		KEEPS("flags > 1e30", &c);
		call_set(&c, 2, py, "0");
		DROPS("flags", &c);
		KEEPS("flags == 0", &c);
		KEEPS("flags == False", &c);
		/* bool is an int, as in Python: True == 1. */
		call_set(&c, 2, py, "True");
		KEEPS("flags == True", &c);
		KEEPS("flags == 1", &c);
		DROPS("flags == False", &c);
		KEEPS("flags", &c);
		call_set(&c, 2, py, "False");
		KEEPS("not flags", &c);
		KEEPS("flags == False", &c);
		call_set(&c, 2, py, "1.5");
		KEEPS("flags == 1.5", &c);
		KEEPS("flags > 1 && flags < 2", &c);
		DROPS("flags == 1", &c);
		call_set(&c, 2, py, "-2.5e-07");
		KEEPS("flags < 0 and flags > -1e-6", &c);
		call_set(&c, 2, py, "nan");
		DROPS("flags == 1.0", &c);
		DROPS("flags < 1", &c);
		DROPS("flags >= 1", &c);
		KEEPS("flags != 1", &c);
		call_set(&c, 2, py, "inf");
		KEEPS("flags > 170141183460469231731687303715884105727", &c);
		call_set(&c, 2, py, "None");
		KEEPS("flags == None", &c);
		DROPS("flags != None", &c);
		DROPS("flags", &c);
		DROPS("flags == 0", &c);
		DROPS("flags < 1", &c);
	}
}

static void test_bytes_and_containers(void **state)
{
	for (size_t k = 0; k < sizeof(pythons) / sizeof(pythons[0]); k++) {
		const char *py = pythons[k];
		struct call c;

		call_init(&c);
		call_set(&c, 0, py, "b'\\x00\\x01ab\\xff'");
		KEEPS("pattern == b\"\\x00\\x01ab\\xff\"", &c);
		KEEPS("pattern == b'\\x00*'", &c);
		KEEPS("pattern == b\"??ab?\"", &c);
		DROPS("pattern == \"\\x00\\x01ab\\xff\"", &c);
		DROPS("pattern == b\"ab\"", &c);
		call_set(&c, 0, py, "[1, 2, 3]");
		KEEPS("pattern", &c);
		DROPS("pattern == 1", &c);
		DROPS("pattern == \"*\"", &c);
		KEEPS("pattern != None", &c);
		call_set(&c, 0, py, "()");
		DROPS("pattern", &c);
		call_set(&c, 0, py, "{}");
		DROPS("pattern", &c);
		call_set(&c, 0, py, "<re.Match object; span=(1, 4), match='aaa'>");
		KEEPS("pattern", &c);
		DROPS("pattern == \"aaa\"", &c);
	}
}

static void test_ret_raised_exc(void **state)
{
	for (size_t k = 0; k < sizeof(pythons) / sizeof(pythons[0]); k++) {
		const char *py = pythons[k];
		struct call c;

		call_init(&c);
		call_set(&c, 0, py, "'caaat'");
		call_set(&c, WM_PY_RES_SLOT, py, "None");
		c.v.hdr.latency_ns = 2500;
		KEEPS("ret == None", &c);
		KEEPS("not raised and exc == None", &c);
		DROPS("raised", &c);
		DROPS("exc == \"*\"", &c);
		KEEPS("exc != \"*\"", &c);
		DROPS("yielded", &c);
		KEEPS("yielded == False", &c);
		KEEPS("latency > 2us && latency < 3us && latency == 2.5us", &c);
		DROPS("latency >= 1ms", &c);
		/* A raised call: its slot holds the exception, and there is no result. */
		call_set(&c, WM_PY_RES_SLOT, py, "ValueError('bad header')");
		c.v.hdr.flags |= WM_F_RAISED;
		c.v.exc_type = "ValueError";
		KEEPS("raised", &c);
		KEEPS("raised == True", &c);
		KEEPS("exc == \"ValueError\"", &c);
		KEEPS("exc == \"Value*\"", &c);
		KEEPS("exc == \"*Error\"", &c);
		DROPS("exc == \"KeyError\"", &c);
		KEEPS("exc != \"KeyError\"", &c);
		KEEPS("exc", &c);
		DROPS("exc == None", &c);
		DROPS("ret == None", &c);
		DROPS("ret", &c);
		KEEPS("ret != None", &c);
		/* A subclass's short name, as repr() shows it: OSError's subclass. */
		call_set(&c, WM_PY_RES_SLOT, py, "FileNotFoundError(2, 'nope')");
		c.v.exc_type = "FileNotFoundError";
		KEEPS("exc == \"FileNotFound*\"", &c);
		/* Without values, the type's name the record carries. */
		c.v.hdr.flags &= ~WM_F_PY_VALUES;
		c.v.exc_type = "json.decoder.JSONDecodeError";
		KEEPS("exc == \"JSONDecodeError\"", &c);
		c.v.exc_type = "?";
		DROPS("exc == \"*\"", &c);
		/* A yield: ret is the value yielded. */
		call_init(&c);
		c.v.hdr.flags |= WM_F_PY_YIELD;
		call_set(&c, WM_PY_RES_SLOT, py, "1");
		KEEPS("yielded and ret == 1", &c);
		/* Unfinished: no end, so no result, latency or exception. */
		call_init(&c);
		c.v.hdr.kind = WM_REC_UNFINISHED;
		call_set(&c, 0, py, "'caaat'");
		KEEPS("pattern == \"caaat\"", &c);
		DROPS("latency > 0ns", &c);
		DROPS("raised", &c);
		DROPS("raised == False", &c);
		DROPS("exc == None", &c);
	}
}

static void test_logic(void **state)
{
	struct call c;

	call_init(&c);
	call_set(&c, 0, "3.12", "'caaat'");
	call_set(&c, 2, "3.12", "7");
	KEEPS("pattern == \"caaat\" and flags == 7", &c);
	KEEPS("pattern == \"caaat\" && flags == 7", &c);
	DROPS("pattern == \"b\" and flags == 7", &c);
	KEEPS("pattern == \"b\" or flags == 7", &c);
	KEEPS("pattern == \"b\" || flags == 7", &c);
	KEEPS("!(pattern == \"b\")", &c);
	KEEPS("not not pattern", &c);
	/* and binds tighter than or; not tighter than and. */
	KEEPS("flags == 7 or flags == 1 and flags == 2", &c);
	DROPS("(flags == 7 or flags == 1) and flags == 2", &c);
	DROPS("not flags == 7 and flags == 7", &c);
	KEEPS("not (flags == 1 and flags == 7)", &c);
	KEEPS("((((flags == 7))))", &c);
}

/* A long chain of tests (argv allows megabytes): parsed without recursion, evaluated in little stack. */
static void test_long_chain(void **state)
{
	const char *term = "flags == 1 or ";
	size_t n = 20000, len = strlen(term);
	char *text = malloc(n * len + 16);
	struct call c;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * len, term, len);
	strcpy(text + n * len, "flags == 7");
	call_init(&c);
	call_set(&c, 2, "3.12", "7");
	KEEPS(text, &c);
	text[n * len + 9] = '8';
	DROPS(text, &c);
	free(text);
}

/* Each bad text: its column and a word of its message. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		int col;
		const char *msg;
	} bad[] = {
		{ "", 1, "empty" },
		{ "n >", 4, "expected a number" },
		{ "n = 1", 3, "use '=='" },
		{ "n > 1 & m", 7, "'and'" },
		{ "(n > 1", 1, "unbalanced" },
		{ "n > 1)", 6, "unmatched ')'" },
		{ "n > \"a\"", 3, "only with == and !=" },
		{ "n > None", 3, "only with == and !=" },
		{ "latency > 5", 11, "duration" },
		{ "latency", 1, "needs a comparison" },
		{ "n > 1ms", 5, "only with latency" },
		{ "n == true", 6, "True" },
		{ "n == NULL", 6, "None" },
		{ "1 < n < 3", 7, "do not chain" },
		{ "a == b", 6, "two names" },
		{ "1 == 2", 6, "two literals" },
		{ "\"abc\"", 1, "alone is not a test" },
		{ "raised > 1", 8, "True or False" },
		{ "exc == 5", 8, "type name" },
		{ "n > 170141183460469231731687303715884105728", 5, "too large" },
		{ "n == \"\\q\"", 7, "unknown escape" },
		{ "n == b\"\\u0041\"", 8, "not an escape of bytes" },
		{ "n == \"abc", 6, "unterminated" },
		{ "n > 1 m", 7, "unexpected 'm'" },
		{ "n > 1.5.3", 5, "bad number" },
		{ "n > 1.0000000001us", 5, "whole number" },
		{ "latency > -1ms", 11, "negative" },
		{ "and", 1, "expected a parameter" },
		{ "n > 1 or", 9, "expected a parameter" },
		{ "((((((((((((((((((((((((((((((((((n > 1))))))))))))))))))))))))))))))))))", 0,
		  "nested" },
		{ "n @ 1", 3, "unexpected character '@'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pyfilter *f = (struct pyfilter *)1;
		char err[256] = "";
		int col = -1, ret;

		ret = pyfilter__parse(bad[i].text, &f, &col, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, bad[i].msg) || (bad[i].col && col != bad[i].col))
			fail_msg("%s: ret %d, column %d, %s", bad[i].text, ret, col, err);
		assert_null(f);
		assert_null(strchr(err, '\n'));
	}
}

static void test_bind(void **state)
{
	static const char *const kw[] = { "a", "b", "*rest", "c", "**opts" };
	static const char *const many[] = { "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8" };
	struct pyfilter *f;
	struct pyfilter_bound *b;
	struct call c;
	char err[256];
	int col;

	/* *args and **kwargs by their names. */
	assert_int_equal(pyfilter__parse("rest and not opts", &f, &col, err, sizeof(err)), 0);
	assert_false(pyfilter__needs_return(f));
	assert_true(pyfilter__needs_values(f));
	assert_int_equal(pyfilter__bind(f, "m.kw", kw, 5, &b, err, sizeof(err)), 0);
	call_init(&c);
	call_set(&c, 2, "3.12", "(1,)");
	call_set(&c, 4, "3.12", "{}");
	assert_true(pyfilter__eval(b, &c.v));
	call_set(&c, 4, "3.12", "{'a': 1}");
	assert_false(pyfilter__eval(b, &c.v));
	pyfilter__unbind(b);
	pyfilter__free(f);

	/* A name the function lacks: said, and it has no value (== false, != true). */
	assert_int_equal(pyfilter__parse("patern == \"a\"", &f, &col, err, sizeof(err)), 0);
	assert_int_equal(pyfilter__bind(f, "re.search", params3, 3, &b, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "re.search has no parameter 'patern' (pattern, string, flags)");
	call_init(&c);
	call_set(&c, 0, "3.12", "'caaat'");
	assert_false(pyfilter__eval(b, &c.v));
	pyfilter__unbind(b);
	pyfilter__free(f);
	assert_int_equal(
		pyfilter__parse("patern != \"a\" or pattern == \"b\"", &f, &col, err, sizeof(err)),
		0);
	/* Some of its names: a filter written for several functions. */
	assert_int_equal(pyfilter__bind(f, "re.search", params3, 3, &b, err, sizeof(err)), 1);
	assert_true(pyfilter__eval(b, &c.v));
	pyfilter__unbind(b);
	assert_int_equal(pyfilter__bind(f, "m.none", NULL, 0, &b, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "m.none has no parameter 'patern' (it has none)");
	pyfilter__unbind(b);
	pyfilter__free(f);

	/* The ninth parameter has no slot: never captured. */
	assert_int_equal(pyfilter__parse("p8 != 1 and p7 == 1", &f, &col, err, sizeof(err)), 0);
	assert_int_equal(pyfilter__bind(f, "m.many", many, 9, &b, err, sizeof(err)), 0);
	call_init(&c);
	call_set(&c, 7, "3.12", "1");
	assert_true(pyfilter__eval(b, &c.v));
	pyfilter__unbind(b);
	pyfilter__free(f);

	/* What a filter reads. */
	assert_int_equal(pyfilter__parse("latency > 1ms or raised", &f, &col, err, sizeof(err)), 0);
	assert_true(pyfilter__needs_return(f));
	assert_false(pyfilter__needs_values(f));
	pyfilter__free(f);
	assert_int_equal(pyfilter__parse("ret == 1", &f, &col, err, sizeof(err)), 0);
	assert_true(pyfilter__needs_return(f));
	assert_true(pyfilter__needs_values(f));
	pyfilter__free(f);
	/* No filter keeps everything. */
	assert_true(pyfilter__eval(NULL, &c.v));
}

/* Malformed records (outside input): never a crash, never a value. */
static void test_malformed(void **state)
{
	struct call c;

	call_init(&c);
	call_set(&c, 2, "3.12", "1073741824");
	for (int n = 0; n < c.v.str_len[2]; n++) {
		struct call d = c;

		d.v.str[2] = (const char *)d.snap[2];
		d.v.str_len[2] = n;
		/* Cut short: the header's size no longer fits, so there is no value. */
		assert_false(keeps("flags == 1073741824", &d));
		assert_true(keeps("flags != 1073741824", &d));
	}
	assert_true(keeps("flags == 1073741824", &c));
	c.snap[2][0] = 200; /* no such kind */
	assert_false(keeps("flags == 1073741824", &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_cut_and_missing),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bytes_and_containers),
		cmocka_unit_test(test_ret_raised_exc),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
