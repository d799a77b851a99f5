// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python values rendered from snapshots: the fixtures are snapshots BPF took
 * of real objects in real interpreters (tools/pyvalue-fixtures.py), each
 * with the repr() the interpreter printed, which the renderer must match.
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
#include "lang/python/pyvalue.h"
#include "wrapmon_py.h"
#include "pyvalue_fixtures.h"

#define NR_FIXTURES (sizeof(pyv_fixtures) / sizeof(pyv_fixtures[0]))

/* The fixture's snapshot bytes; returns how many. */
static size_t unhex(const char *hex, unsigned char *out, size_t size)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < size) {
		unsigned int v;

		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = v;
		hex += 2;
	}
	return n;
}

/*
 * A cut repr agrees with Python's up to the cut: the text before the first
 * "..." (without the quote that closes a cut string) starts Python's.
 */
static void check_cut(const char *got, const char *want)
{
	const char *cut = strstr(got, "...");
	size_t n;

	if (!cut)
		fail_msg("cut repr without \"...\": %s (Python: %s)", got, want);
	n = cut - got;
	if (n && (got[n - 1] == '\'' || got[n - 1] == '"') && strncmp(got, want, n))
		n--;
	if (strncmp(got, want, n))
		fail_msg("cut repr %s does not start Python's %s", got, want);
}

static void test_fixtures_repr(void **state)
{
	unsigned int whole[16] = {}, cut = 0, other = 0;

	for (size_t i = 0; i < NR_FIXTURES; i++) {
		const struct pyv_fixture *fx = &pyv_fixtures[i];
		unsigned char snap[WM_PYV_MAX];
		struct wm_buf b = {};
		struct wm_pyv_hdr h;
		size_t n = unhex(fx->snapshot, snap, sizeof(snap));
		bool ok;

		assert_true(n >= sizeof(h));
		memcpy(&h, snap, sizeof(h));
		assert_int_equal(h.size, n);
		ok = pyvalue__repr(&b, snap, n);
		assert_int_equal(b.err, 0);
		assert_non_null(b.p);
		if (h.kind == WM_PYV_OTHER) {
			/* Its own repr is unknown here: the default one stands for it. */
			char tail[64];

			snprintf(tail, sizeof(tail), " object at 0x%llx>",
				 (unsigned long long)h.addr);
			assert_true(b.len > strlen(tail));
			assert_string_equal(b.p + b.len - strlen(tail), tail);
			other++;
		} else if (ok) {
			if (strcmp(b.p, fx->repr))
				fail_msg("Python %s: rendered %s, Python printed %s", fx->python,
					 b.p, fx->repr);
			whole[atoi(fx->python + 2) & 15]++;
		} else if (h.kind == WM_PYV_INT) {
			/* Its low digits are not enough for its decimal text: its size instead. */
			assert_memory_equal(b.p, "<int of ", 8);
			cut++;
		} else {
			check_cut(b.p, fx->repr);
			cut++;
		}
		buf__free(&b);
	}
	/* Every interpreter recorded contributes most of its values whole. */
	for (int v = 0; v < 16; v++)
		assert_true(whole[v] == 0 || whole[v] >= 60);
	/* 3.11 and 3.12 at least: their str and int layouts differ. */
	assert_true(whole[11] >= 60 && whole[12] >= 60);
	assert_true(cut >= 8);
	assert_true(other >= 3);
}

static void test_fixtures_json(void **state)
{
	unsigned int natives = 0;

	for (size_t i = 0; i < NR_FIXTURES; i++) {
		const struct pyv_fixture *fx = &pyv_fixtures[i];
		unsigned char snap[WM_PYV_MAX];
		struct wm_buf b = {}, r = {};
		size_t n = unhex(fx->snapshot, snap, sizeof(snap));
		bool whole = pyvalue__repr(&r, snap, n);

		pyvalue__json(&b, snap, n);
		assert_int_equal(b.err, 0);
		if (fx->json && whole && snap[0] != WM_PYV_STR) {
			/* int, float, bool, None: the text json.dumps() writes. */
			if (strcmp(b.p, fx->json))
				fail_msg("Python %s: JSON %s, json.dumps() %s", fx->python, b.p,
					 fx->json);
			natives++;
		} else if (fx->json && whole) {
			assert_true(b.p[0] == '"' && b.p[b.len - 1] == '"');
			natives++;
		} else {
			assert_memory_equal(b.p, "{\"type\":\"", 9);
			assert_non_null(strstr(b.p, whole ? "\"repr\":" : "\"truncated\":true"));
		}
		buf__free(&b);
		buf__free(&r);
	}
	assert_true(natives >= 80);
}

/* An exception's type and str(), for an error's parts: as Python gave them. */
static void test_fixtures_exc(void **state)
{
	unsigned int checked = 0;

	for (size_t i = 0; i < NR_FIXTURES; i++) {
		const struct pyv_fixture *fx = &pyv_fixtures[i];
		unsigned char snap[WM_PYV_MAX];
		struct wm_buf type = {}, msg = {};
		size_t n = unhex(fx->snapshot, snap, sizeof(snap));
		const char *paren = strchr(fx->repr, '(');
		bool whole = false;
		int ret = pyvalue__exc(snap, n, NULL, &type, &msg, &whole);

		if (!fx->str) {
			assert_int_equal(ret, -EINVAL);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_true(whole);
		/* The type as repr() names it; OSError's own __str__ is not known here. */
		assert_non_null(paren);
		assert_int_equal(type.len, paren - fx->repr);
		assert_memory_equal(type.p, fx->repr, type.len);
		if (strncmp(fx->str, "[Errno", 6)) {
			assert_string_equal(msg.p ? msg.p : "", fx->str);
			checked++;
		}
		buf__free(&type);
		buf__free(&msg);
	}
	assert_true(checked >= 6);
}

/*
 * A value 3.11 and older raised before making an exception of it: shown as
 * the exception normalizing it makes, type(value) or type(*tuple), and its
 * str() as that exception's.
 */
static void test_unnormalized_exc(void **state)
{
	unsigned int strs = 0, tuples = 0, keys = 0;

	for (size_t i = 0; i < NR_FIXTURES; i++) {
		const struct pyv_fixture *fx = &pyv_fixtures[i];
		unsigned char snap[WM_PYV_MAX];
		size_t n = unhex(fx->snapshot, snap, sizeof(snap));
		struct wm_buf r = {}, got = {}, want = {}, type = {}, msg = {};
		size_t len = strlen(fx->repr);

		if (!pyvalue__repr(&r, snap, n) || strcmp(r.p, fx->repr)) {
			buf__free(&r);
			continue;
		}
		pyvalue__raised_repr(&got, snap, n, "builtins.RecursionError");
		if (snap[0] == WM_PYV_TUPLE && len > 3 && !strcmp(fx->repr + len - 2, ",)")) {
			/* One item: the item itself. */
			buf__printf(&want, "RecursionError(%.*s)", (int)len - 3, fx->repr + 1);
			tuples++;
		} else if (snap[0] == WM_PYV_TUPLE) {
			buf__printf(&want, "RecursionError%s", fx->repr);
			tuples++;
		} else if (snap[0] == WM_PYV_EXC) {
			buf__puts(&want, fx->repr);
		} else if (snap[0] == WM_PYV_NONE) {
			/* PyErr_SetNone(): no args. */
			buf__puts(&want, "RecursionError()");
		} else {
			buf__printf(&want, "RecursionError(%s)", fx->repr);
		}
		assert_string_equal(got.p, want.p);
		/* A plain ASCII str's message is its text; KeyError's the repr. */
		if (snap[0] == WM_PYV_STR && fx->repr[0] == '\'' && !strchr(fx->repr, '\\') &&
		    !strchr(fx->repr, '"')) {
			assert_int_equal(pyvalue__exc(snap, n, "RecursionError", &type, &msg, NULL),
					 0);
			assert_string_equal(type.p, "RecursionError");
			assert_int_equal(msg.len, len - 2);
			assert_memory_equal(msg.p, fx->repr + 1, len - 2);
			buf__free(&msg);
			assert_int_equal(pyvalue__exc(snap, n, "KeyError", &type, &msg, NULL), 0);
			assert_string_equal(msg.p, fx->repr);
			strs++;
			keys++;
		}
		buf__free(&r);
		buf__free(&got);
		buf__free(&want);
		buf__free(&type);
		buf__free(&msg);
	}
	assert_true(strs >= 5 && tuples >= 5 && keys >= 5);
}

/* Any prefix of a snapshot, and any byte changed: rendered, never read past its end. */
static void test_malformed(void **state)
{
	for (size_t i = 0; i < NR_FIXTURES; i += 3) {
		unsigned char snap[WM_PYV_MAX];
		size_t n = unhex(pyv_fixtures[i].snapshot, snap, sizeof(snap));

		for (size_t len = 0; len <= n; len++) {
			struct wm_buf b = {};
			unsigned char *copy = malloc(len ? len : 1);

			/* The heap copy of exactly len bytes lets valgrind see an over-read. */
			memcpy(copy, snap, len);
			pyvalue__repr(&b, copy, len);
			pyvalue__json(&b, copy, len);
			pyvalue__exc(copy, len, NULL, &b, &b, NULL);
			pyvalue__exc(copy, len, "KeyError", &b, &b, NULL);
			pyvalue__raised_repr(&b, copy, len, "builtins.KeyError");
			assert_int_equal(b.err, 0);
			free(copy);
			buf__free(&b);
		}
		for (size_t k = 0; k < n; k++) {
			struct wm_buf b = {};
			unsigned char save = snap[k];

			snap[k] ^= 0xa5;
			pyvalue__repr(&b, snap, n);
			pyvalue__json(&b, snap, n);
			snap[k] = save;
			buf__free(&b);
		}
	}
}

/* A FLOAT node by hand: the shortest repr that reads back, with repr()'s exponent rule. */
static void check_float(double d, const char *want)
{
	unsigned char snap[sizeof(struct wm_pyv_hdr) + 8] = {};
	struct wm_pyv_hdr h = { .kind = WM_PYV_FLOAT, .size = sizeof(snap) };
	struct wm_buf b = {};

	memcpy(snap, &h, sizeof(h));
	memcpy(snap + sizeof(h), &d, sizeof(d));
	assert_true(pyvalue__repr(&b, snap, sizeof(snap)));
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static void test_floats(void **state)
{
	check_float(0.1, "0.1");
	check_float(1e16, "1e+16");
	check_float(9999999999999998.0, "9999999999999998.0");
	check_float(1e-4, "0.0001");
	check_float(1e-5, "1e-05");
	check_float(-1.5e-300, "-1.5e-300");
	check_float(1.7976931348623157e308, "1.7976931348623157e+308");
	check_float(2.5, "2.5");
	check_float(100.0, "100.0");
	check_float(0.30000000000000004, "0.30000000000000004");
	check_float(-0.0, "-0.0");
}

/* An INT node by hand: 30-bit digits, least significant first. */
static void check_int(const __u32 *digits, unsigned int nd, unsigned int count, bool neg,
		      const char *want, bool whole)
{
	unsigned char snap[sizeof(struct wm_pyv_hdr) + 4 * WM_PYV_DIGITS] = {};
	struct wm_pyv_hdr h = { .kind = WM_PYV_INT, .aux = neg, .count = count };
	struct wm_buf b = {};

	h.size = sizeof(h) + 4 * nd;
	memcpy(snap, &h, sizeof(h));
	memcpy(snap + sizeof(h), digits, 4 * nd);
	assert_int_equal(pyvalue__repr(&b, snap, h.size), whole);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static void test_ints(void **state)
{
	const __u32 big[] = { 0, 0, 0, 1 << 10 }; /* 2**100 */
	const __u32 max[8] = { 0x3fffffff, 0x3fffffff, 0x3fffffff, 0x3fffffff,
			       0x3fffffff, 0x3fffffff, 0x3fffffff, 0x3fffffff };

	check_int(big, 0, 0, false, "0", true);
	check_int(big, 4, 4, false, "1267650600228229401496703205376", true);
	check_int(big, 4, 4, true, "-1267650600228229401496703205376", true);
	/* 2**240 - 1 */
	check_int(max, 8, 8, false,
		  "1766847064778384329583297500742918515827483896875618958121606201292619775",
		  true);
	check_int(max, 8, 9, false, "<int of 9 digits of 30 bits>", false);
}

static void test_layout(void **state)
{
	struct wm_py_layout L;

	for (int minor = 8; minor <= 13; minor++) {
		assert_int_equal(pyvalue__layout(3, minor, &L), 0);
		assert_int_equal(L.version, 0x300 | minor);
		assert_int_equal(L.str_ascii_data, minor >= 12 ? 40 : 48);
		assert_int_equal(L.long_tagged, minor >= 12);
		assert_int_equal(L.dk_indices, minor >= 11 ? 32 : 40);
	}
	/* The offsets pyinterp gives BPF's name reads: the same table. */
	for (int minor = 10; minor <= 13; minor++) {
		struct wm_py_offsets o = {};

		pyvalue__str_offsets(NULL, minor, &o);
		assert_int_equal(o.str_ascii, minor >= 12 ? 40 : 48);
		assert_int_equal(o.str_compact, minor >= 12 ? 56 : 72);
		assert_int_equal(o.str_length, 16);
		assert_int_equal(o.str_state, 32);
	}
	assert_int_equal(pyvalue__layout(3, 7, &L), -ENOTSUP);
	assert_int_equal(L.version, 0);
	assert_int_equal(pyvalue__layout(2, 7, &L), -ENOTSUP);
}

/*
 * The table agrees with the DWARF of every CPython that pyenv built here
 * (found through $PYENV_ROOT or ~/.pyenv; none: nothing to compare).
 */
static void test_layout_dwarf(void **state)
{
	const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
	char dir[512], path[1024];
	int compared = 0;

	if (!root && !home)
		skip();
	if (root)
		snprintf(dir, sizeof(dir), "%s/versions", root);
	else
		snprintf(dir, sizeof(dir), "%s/.pyenv/versions", home);
	for (int minor = 8; minor <= 13; minor++) {
		struct wm_py_layout table, dw;
		char cmd[1200];
		FILE *p;

		snprintf(cmd, sizeof(cmd),
			 "ls -d %s/3.%d.*/lib/libpython3.%d.so.1.0 2>/dev/null | tail -n 1", dir,
			 minor, minor);
		p = popen(cmd, "r");
		assert_non_null(p);
		path[0] = '\0';
		if (!fgets(path, sizeof(path), p))
			path[0] = '\0';
		pclose(p);
		path[strcspn(path, "\n")] = '\0';
		if (!path[0])
			continue;
		assert_int_equal(pyvalue__layout(3, minor, &table), 0);
		dw = table;
		/* Read from the DWARF, not left as they were: _sre's own unit is found. */
		dw.match_string = dw.match_mark = dw.pattern_source = dw.pattern_flags = 1;
		dw.str_ascii_data = dw.str_compact_data = 1;
		assert_int_equal(pyvalue__layout_dwarf(path, &dw), 0);
		assert_memory_equal(&dw, &table, sizeof(dw));
		compared++;
	}
	if (!compared)
		print_message("no pyenv CPython 3.8-3.13 under %s: no DWARF compared\n", dir);
}

/* An object without DWARF of Python's objects (this test) leaves the table as it was. */
static void test_layout_dwarf_absent(void **state)
{
	struct wm_py_layout table, dw;

	assert_int_equal(pyvalue__layout(3, 12, &table), 0);
	dw = table;
	assert_int_equal(pyvalue__layout_dwarf("/proc/self/exe", &dw), -ENODATA);
	assert_memory_equal(&dw, &table, sizeof(dw));
	assert_int_equal(pyvalue__layout_dwarf("/nonexistent", &dw), -ENOENT);
}

static void check_repr_json(const char *json, const char *want)
{
	struct wm_buf b = {};

	pyvalue__repr_json(&b, json, strlen(json));
	assert_string_equal(b.p, want);
	buf__free(&b);
}

/* A str read back from the store's JSON: repr() of the str it holds. */
static void test_repr_json(void **state)
{
	check_repr_json("\"caaat\"", "'caaat'");
	check_repr_json("\"a\\nb\\t\\u0000\"", "'a\\nb\\t\\x00'");
	check_repr_json("\"it's\"", "\"it's\"");
	check_repr_json("\"both ' and \\\"\"", "'both \\' and \"'");
	check_repr_json("\"\\ud83d\\ude00 \\udcff\"", "'\xf0\x9f\x98\x80 \\udcff'");
	check_repr_json("\"\xce\xa9 \\u202e\"", "'\xce\xa9 \\u202e'");
	check_repr_json("\"cut \\u12\"", "'cut '");
	check_repr_json("12", "?");
	check_repr_json("", "?");
}

static void test_version_of(void **state)
{
	int a = 0, b = 0;

	assert_int_equal(pyvalue__version_of("/usr/bin/python3.11", &a, &b), 0);
	assert_true(a == 3 && b == 11);
	assert_int_equal(pyvalue__version_of("/x/lib/libpython3.12.so.1.0", &a, &b), 0);
	assert_true(a == 3 && b == 12);
	assert_int_equal(pyvalue__version_of("libpython3.13d.so", &a, &b), 0);
	assert_true(a == 3 && b == 13);
	assert_int_equal(pyvalue__version_of("/usr/bin/python3", &a, &b), -ENOENT);
	assert_int_equal(pyvalue__version_of("/usr/lib/pythonista.so", &a, &b), -ENOENT);
	assert_int_equal(pyvalue__version_of("/usr/bin/python3.11-config", &a, &b), -ENOENT);
}

static void test_is_pyobject(void **state)
{
	assert_true(pyvalue__is_pyobject("PyObject *"));
	assert_true(pyvalue__is_pyobject("struct _object *"));
	assert_true(pyvalue__is_pyobject("const PyObject *"));
	assert_true(pyvalue__is_pyobject("PyObject *const"));
	assert_false(pyvalue__is_pyobject("PyObject **"));
	assert_false(pyvalue__is_pyobject("PyObjectX *"));
	assert_false(pyvalue__is_pyobject("char *"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_repr), cmocka_unit_test(test_fixtures_json),
		cmocka_unit_test(test_fixtures_exc),  cmocka_unit_test(test_unnormalized_exc),
		cmocka_unit_test(test_malformed),     cmocka_unit_test(test_floats),
		cmocka_unit_test(test_ints),	      cmocka_unit_test(test_layout),
		cmocka_unit_test(test_layout_dwarf),  cmocka_unit_test(test_layout_dwarf_absent),
		cmocka_unit_test(test_repr_json),     cmocka_unit_test(test_version_of),
		cmocka_unit_test(test_is_pyobject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
