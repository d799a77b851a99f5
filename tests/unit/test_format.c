// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text and JSON lines for hand-made records. Each record is packed into a
 * byte buffer exactly as BPF writes it and goes through record__decode, so
 * these tests also cover the string slot layout end to end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "buf.h"
#include "format.h"
#include "record.h"

/* 2026-11-21T12:00:01.123456789Z */
#define TS 1795262401123456789ULL

struct rec {
	struct wm_call hdr;
	char data[2048];
	unsigned char *raw; /* the packed record */
	struct wm_call_view v;
};

static void rec_init(struct rec *r, __u64 latency)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->hdr.kind = WM_REC_CALL;
	r->hdr.pid = 4242;
	r->hdr.tid = 4243;
	r->hdr.latency_ns = latency;
	for (i = 0; i < WM_NR_SLOTS; i++)
		r->hdr.str_len[i] = WM_STR_NONE;
}

/* Strings must be set in slot order, as BPF lays them out. */
static void rec_strn(struct rec *r, int slot, const char *s, size_t n, bool trunc)
{
	memcpy(r->data + r->hdr.data_len, s, n);
	r->hdr.data_len += n;
	r->hdr.str_len[slot] = n;
	if (trunc)
		r->hdr.str_trunc |= 1 << slot;
}

static void rec_str(struct rec *r, int slot, const char *s)
{
	rec_strn(r, slot, s, strlen(s), false);
}

static const struct wm_call_view *rec_decode(struct rec *r)
{
	size_t size = sizeof(r->hdr) + r->hdr.data_len;

	r->raw = malloc(size);
	assert_non_null(r->raw);
	memcpy(r->raw, &r->hdr, sizeof(r->hdr));
	memcpy(r->raw + sizeof(r->hdr), r->data, r->hdr.data_len);
	assert_int_equal(record__decode(r->raw, size, &r->v), 0);
	r->v.ts_real_ns = TS;
	return &r->v;
}

static void rec_free(struct rec *r)
{
	free(r->raw);
	r->raw = NULL;
}

static struct wm_type type(enum wm_type_kind kind, int size, bool is_signed, const char *name)
{
	struct wm_type t = { .kind = kind, .size = size, .is_signed = is_signed };

	snprintf(t.name, sizeof(t.name), "%s", name);
	return t;
}

#define T_STR type(WM_T_STR, 8, false, "const char *")
#define T_INT type(WM_T_INT, 4, true, "int")

static struct wm_func *func_new(const char *name, enum wm_sig_source src)
{
	struct wm_func *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->id = 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->obj, sizeof(f->obj), "/usr/bin/app");
	f->sig.source = src;
	snprintf(f->sig.name, sizeof(f->sig.name), "%s", name);
	f->sig.ret = type(WM_T_VOID, 0, false, "void");
	return f;
}

static void func_param(struct wm_func *f, const char *name, struct wm_type t, int reg)
{
	struct wm_param *p = &f->sig.params[f->sig.nr_params++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type = t;
	p->reg = reg;
	p->stack_off = -1;
	format__plan(f, NULL);
}

/* The slot BPF gives the result's string: after the arguments' (see capture.c). */
static int ret_slot(struct wm_func *f)
{
	format__plan(f, NULL);
	assert_true(f->plan.ret_slot >= 0);
	return f->plan.ret_slot;
}

static void expect_text(struct wm_func *f, const struct wm_call_view *c, const char *want)
{
	struct wm_fmt_opts o = { .utc = true };
	struct wm_buf b = {};

	format__plan(f, NULL);
	format__call_text(&b, f, c, &o);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static void expect_json(struct wm_func *f, const struct wm_call_view *c, const char *want)
{
	struct wm_buf b = {};

	format__plan(f, NULL);
	format__call_json(&b, f, c);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static struct wm_func *search_func(void)
{
	struct wm_func *f = func_new("search", WM_SIG_PROTO);

	func_param(f, "pat", T_STR, 0);
	func_param(f, "s", T_STR, 1);
	f->sig.ret = T_INT;
	return f;
}

static void search_rec(struct rec *r)
{
	rec_init(r, 1200);
	r->hdr.args[0] = 0x5581c0a0;
	r->hdr.args[1] = 0x5581c0b0;
	r->hdr.ret = 2;
	rec_str(r, 0, "a");
	rec_str(r, 1, "xxabcdef");
}

static void test_search(void **state)
{
	struct wm_func *f = search_func();
	struct rec r;

	search_rec(&r);
	rec_decode(&r);
	expect_text(f, &r.v,
		    "12:00:01.123456 4243 search(pat=\"a\", s=\"xxabcdef\") = 2  <1.2 us>\n");
	expect_json(f, &r.v,
		    "{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		    "\"function\":\"search\",\"object\":\"/usr/bin/app\",\"args\":["
		    "{\"name\":\"pat\",\"type\":\"const char *\",\"value\":\"a\"},"
		    "{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"xxabcdef\"}],"
		    "\"result\":{\"type\":\"int\",\"value\":2},\"latency_ns\":1200,\"depth\":0}\n");
	rec_free(&r);
	free(f);
}

static void test_scalar_types(void **state)
{
	struct wm_func *f = func_new("mix", WM_SIG_DWARF);
	struct rec r;

	func_param(f, "c8", type(WM_T_INT, 1, true, "int8_t"), 0);
	func_param(f, "u16", type(WM_T_INT, 2, false, "uint16_t"), 1);
	func_param(f, "flag", type(WM_T_BOOL, 1, false, "bool"), 2);
	func_param(f, "ch", type(WM_T_CHAR, 1, true, "char"), 3);
	func_param(f, "p", type(WM_T_PTR, 8, false, "void *"), 4);
	func_param(f, "d", type(WM_T_FLOAT, 8, true, "double"), -1);
	func_param(f, "l", type(WM_T_INT, 8, true, "long"), 5);
	f->sig.ret = type(WM_T_INT, 8, false, "size_t");
	rec_init(&r, 850);
	r.hdr.args[0] = 0xff;
	r.hdr.args[1] = 0x12345;
	r.hdr.args[2] = 0x100;
	r.hdr.args[3] = '\n';
	r.hdr.args[4] = 0;
	r.hdr.args[5] = ~0ULL;
	r.hdr.ret = ~0ULL;
	r.hdr.depth = 3;
	rec_decode(&r);
	expect_text(f, &r.v,
		    "12:00:01.123456 4243 mix(c8=-1, u16=9029, flag=false, ch='\\n', p=NULL, d=?, "
		    "l=-1) = 18446744073709551615  <850 ns>\n");
	expect_json(f, &r.v,
		    "{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		    "\"function\":\"mix\",\"object\":\"/usr/bin/app\",\"args\":["
		    "{\"name\":\"c8\",\"type\":\"int8_t\",\"value\":-1},"
		    "{\"name\":\"u16\",\"type\":\"uint16_t\",\"value\":9029},"
		    "{\"name\":\"flag\",\"type\":\"bool\",\"value\":false},"
		    "{\"name\":\"ch\",\"type\":\"char\",\"value\":\"\\n\"},"
		    "{\"name\":\"p\",\"type\":\"void *\",\"value\":null},"
		    "{\"name\":\"d\",\"type\":\"double\",\"value\":null,\"unavailable\":true},"
		    "{\"name\":\"l\",\"type\":\"long\",\"value\":-1}],"
		    "\"result\":{\"type\":\"size_t\",\"value\":18446744073709551615},"
		    "\"latency_ns\":850,\"depth\":3}\n");
	rec_free(&r);
	free(f);
}

static void test_strings(void **state)
{
	static const char tricky[] = "\x1b[2J\xc0\xaf\xe2\x80\xae\xe6\x97\xa5\0z";
	struct wm_func *f = func_new("cat", WM_SIG_PROTO);
	struct rec r;

	func_param(f, "a", T_STR, 0);
	func_param(f, "", T_STR, 1);
	func_param(f, "c", T_STR, 2);
	func_param(f, "d", T_STR, 3);
	func_param(f, "e", T_STR, 4);
	f->sig.ret = T_STR;
	rec_init(&r, 3400000);
	r.hdr.args[0] = 0x1000;
	r.hdr.args[1] = 0x7ffd1234;
	r.hdr.args[2] = 0;
	r.hdr.args[3] = 0x2000;
	r.hdr.args[4] = 0x3000;
	r.hdr.ret = 0x4000;
	rec_strn(&r, 0, "abc", 3, true);
	r.hdr.str_len[1] = WM_STR_FAULT;
	rec_strn(&r, 3, tricky, sizeof(tricky) - 1, false);
	rec_str(&r, 4, "");
	rec_str(&r, ret_slot(f), "\xc3\xa9\n");
	rec_decode(&r);
	expect_text(f, &r.v,
		    "12:00:01.123456 4243 cat(a=\"abc\"..., 0x7ffd1234<unreadable>, c=NULL, "
		    "d=\"\\x1b[2J\\xc0\\xaf\\u{202E}\xe6\x97\xa5\\0z\", e=\"\") = \"\xc3\xa9\\n\""
		    "  <3.4 ms>\n");
	expect_json(
		f, &r.v,
		"{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		"\"function\":\"cat\",\"object\":\"/usr/bin/app\",\"args\":["
		"{\"name\":\"a\",\"type\":\"const char *\",\"value\":\"abc\",\"truncated\":true},"
		"{\"type\":\"const char *\",\"value\":null,\"pointer\":\"0x7ffd1234\","
		"\"error\":\"unreadable\"},"
		"{\"name\":\"c\",\"type\":\"const char *\",\"value\":null},"
		"{\"name\":\"d\",\"type\":\"const char *\",\"value\":"
		"\"\\u001b[2J\\u00c0\\u00af\\u202e\xe6\x97\xa5\\u0000z\"},"
		"{\"name\":\"e\",\"type\":\"const char *\",\"value\":\"\"}],"
		"\"result\":{\"type\":\"const char *\",\"value\":\"\xc3\xa9\\n\"},"
		"\"latency_ns\":3400000,\"depth\":0}\n");
	rec_free(&r);
	free(f);
}

static void test_void_and_unnamed(void **state)
{
	struct wm_func *f = func_new("reset", WM_SIG_DWARF);
	struct rec r;

	func_param(f, "", T_INT, 0);
	func_param(f, "", type(WM_T_PTR, 8, false, "struct ctx *"), 1);
	rec_init(&r, 2000000000);
	r.hdr.args[0] = (__u32)-5;
	r.hdr.args[1] = 0x7f0012345678;
	r.hdr.ret = 0xdead;
	rec_decode(&r);
	expect_text(f, &r.v, "12:00:01.123456 4243 reset(-5, 0x7f0012345678)  <2.00 s>\n");
	expect_json(f, &r.v,
		    "{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		    "\"function\":\"reset\",\"object\":\"/usr/bin/app\",\"args\":["
		    "{\"type\":\"int\",\"value\":-5},"
		    "{\"type\":\"struct ctx *\",\"value\":\"0x7f0012345678\"}],"
		    "\"result\":{\"type\":\"void\"},\"latency_ns\":2000000000,\"depth\":0}\n");
	rec_free(&r);
	/* No parameters at all. */
	f->sig.nr_params = 0;
	rec_init(&r, 10);
	rec_decode(&r);
	expect_text(f, &r.v, "12:00:01.123456 4243 reset()  <10 ns>\n");
	rec_free(&r);
	free(f);
}

static void test_unfinished(void **state)
{
	static const struct {
		__u16 flags;
		const char *text, *json;
	} cases[] = {
		{ WM_F_THREAD_EXIT, "<unfinished: thread exited>", "thread_exit" },
		{ WM_F_ABANDONED, "<unfinished: abandoned by longjmp>", "abandoned" },
		{ WM_F_EXEC, "<unfinished: exec>", "exec" },
		{ 0, "<unfinished>", "unknown" },
	};
	struct wm_func *f = search_func();
	char want[512];
	size_t i;
	struct rec r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		search_rec(&r);
		r.hdr.kind = WM_REC_UNFINISHED;
		r.hdr.latency_ns = 0;
		r.hdr.ret = 0;
		r.hdr.flags = cases[i].flags;
		r.hdr.depth = 2;
		rec_decode(&r);
		snprintf(want, sizeof(want),
			 "12:00:01.123456 4243 search(pat=\"a\", s=\"xxabcdef\") = ? %s\n",
			 cases[i].text);
		expect_text(f, &r.v, want);
		snprintf(want, sizeof(want),
			 "{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
			 "\"function\":\"search\",\"object\":\"/usr/bin/app\",\"args\":["
			 "{\"name\":\"pat\",\"type\":\"const char *\",\"value\":\"a\"},"
			 "{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"xxabcdef\"}],"
			 "\"unfinished\":\"%s\",\"depth\":2}\n",
			 cases[i].json);
		expect_json(f, &r.v, want);
		rec_free(&r);
	}
	free(f);
}

static void test_raw_sig(void **state)
{
	struct wm_func *f = func_new("search", WM_SIG_RAW);
	struct rec r;

	f->sig.ret = type(WM_T_UNKNOWN, 8, false, "");
	search_rec(&r);
	/* A raw function has no string slots; any the record has are ignored. */
	rec_decode(&r);
	expect_text(f, &r.v,
		    "12:00:01.123456 4243 search(0x5581c0a0, 0x5581c0b0, 0x0, 0x0, 0x0, 0x0) = 0x2"
		    "  <1.2 us>\n");
	expect_json(
		f, &r.v,
		"{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		"\"function\":\"search\",\"object\":\"/usr/bin/app\",\"args\":["
		"{\"type\":\"unknown\",\"value\":\"0x5581c0a0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x5581c0b0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"},{\"type\":\"unknown\",\"value\":\"0x0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"}],"
		"\"result\":{\"type\":\"unknown\",\"value\":\"0x2\"},\"latency_ns\":1200,"
		"\"depth\":0}\n");
	rec_free(&r);
	free(f);
}

static void test_names_escaped(void **state)
{
	struct wm_func *f = func_new("evil\x1b[2J", WM_SIG_PROTO);
	struct rec r;

	snprintf(f->obj, sizeof(f->obj), "/tmp/a\"b\nc\xff");
	func_param(f, "x\x07", type(WM_T_CHAR, 1, false, "char\t"), 0);
	func_param(f, "q", type(WM_T_CHAR, 1, false, "char"), 1);
	func_param(f, "hi", type(WM_T_CHAR, 1, false, "char"), 2);
	rec_init(&r, 1000);
	r.hdr.args[0] = '\'';
	r.hdr.args[1] = '"';
	r.hdr.args[2] = 0xe9;
	rec_decode(&r);
	expect_text(
		f, &r.v,
		"12:00:01.123456 4243 evil\\x1b[2J(x\\a='\\'', q='\"', hi='\\xe9')  <1.0 us>\n");
	expect_json(
		f, &r.v,
		"{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		"\"function\":\"evil\\u001b[2J\",\"object\":\"/tmp/a\\\"b\\nc\\u00ff\",\"args\":["
		"{\"name\":\"x\\u0007\",\"type\":\"char\\t\",\"value\":\"'\"},"
		"{\"name\":\"q\",\"type\":\"char\",\"value\":\"\\\"\"},"
		"{\"name\":\"hi\",\"type\":\"char\",\"value\":\"\\u00e9\"}],"
		"\"result\":{\"type\":\"void\"},\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	free(f);
}

static void test_local_time(void **state)
{
	struct wm_func *f = search_func();
	struct wm_fmt_opts o = { .utc = false };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct wm_buf b = {};
	struct rec r;

	setenv("TZ", "EST5", 1);
	tzset();
	search_rec(&r);
	rec_decode(&r);
	format__call_text(&b, f, &r.v, &o);
	assert_string_equal(
		b.p, "07:00:01.123456 4243 search(pat=\"a\", s=\"xxabcdef\") = 2  <1.2 us>\n");
	/* JSON timestamps are UTC whatever the zone. */
	buf__reset(&b);
	format__call_json(&b, f, &r.v);
	assert_memory_equal(b.p, "{\"ts\":\"2026-11-21T12:00:01.123456Z\"", 35);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	buf__free(&b);
	rec_free(&r);
	free(f);
}

static void check_value(const struct wm_type t, __u64 raw, const char *str, int len, bool trunc,
			const char *want)
{
	struct wm_buf b = {};

	format__value_text(&b, &t, raw, str, len, trunc);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static void test_value_text(void **state)
{
	check_value(type(WM_T_INT, 4, true, "int"), 0x100000005ULL, NULL, -1, false, "5");
	check_value(type(WM_T_INT, 4, true, "int"), 0xffffffffULL, NULL, -1, false, "-1");
	check_value(type(WM_T_INT, 4, false, "unsigned"), 0xffffffffULL, NULL, -1, false,
		    "4294967295");
	check_value(type(WM_T_INT, 2, true, "short"), 0x8000, NULL, -1, false, "-32768");
	check_value(type(WM_T_INT, 1, false, "uint8_t"), 0x1ff, NULL, -1, false, "255");
	check_value(type(WM_T_INT, 8, true, "long"), 0x8000000000000000ULL, NULL, -1, false,
		    "-9223372036854775808");
	check_value(type(WM_T_INT, 8, false, "u64"), ~0ULL, NULL, -1, false,
		    "18446744073709551615");
	check_value(type(WM_T_BOOL, 1, false, "bool"), 1, NULL, -1, false, "true");
	check_value(type(WM_T_BOOL, 1, false, "bool"), 0x42, NULL, -1, false, "true");
	check_value(type(WM_T_BOOL, 1, false, "bool"), 0xff00, NULL, -1, false, "false");
	check_value(type(WM_T_CHAR, 1, true, "char"), 'a', NULL, -1, false, "'a'");
	check_value(type(WM_T_CHAR, 1, true, "char"), 1, NULL, -1, false, "'\\x01'");
	check_value(type(WM_T_CHAR, 1, true, "char"), 0, NULL, -1, false, "'\\0'");
	check_value(type(WM_T_CHAR, 1, true, "char"), '\'', NULL, -1, false, "'\\''");
	check_value(type(WM_T_CHAR, 1, true, "char"), '\\', NULL, -1, false, "'\\\\'");
	check_value(type(WM_T_CHAR, 1, true, "char"), 0x7f, NULL, -1, false, "'\\x7f'");
	check_value(type(WM_T_PTR, 8, false, "void *"), 0, NULL, -1, false, "NULL");
	check_value(type(WM_T_PTR, 8, false, "void *"), 0xdeadbeef, NULL, -1, false, "0xdeadbeef");
	check_value(T_STR, 0, NULL, WM_STR_NONE, false, "NULL");
	check_value(T_STR, 0x10, "hi", 2, false, "\"hi\"");
	check_value(T_STR, 0x10, "hi there", 2, true, "\"hi\"...");
	check_value(T_STR, 0x7ffd1234, NULL, WM_STR_FAULT, false, "0x7ffd1234<unreadable>");
	check_value(T_STR, 0x7ffd1234, NULL, WM_STR_NONE, false, "0x7ffd1234<unreadable>");
	check_value(type(WM_T_FLOAT, 8, true, "double"), 0x4000, NULL, -1, false, "?");
	check_value(type(WM_T_UNKNOWN, 8, false, ""), 0xabc, NULL, -1, false, "0xabc");
	check_value(type(WM_T_UNKNOWN, 8, false, ""), 0, NULL, -1, false, "0x0");
}

static void expect_duration(__u64 ns, const char *want)
{
	struct wm_buf b = {};

	format__duration(&b, ns);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

static void test_duration(void **state)
{
	expect_duration(0, "0 ns");
	expect_duration(850, "850 ns");
	expect_duration(999, "999 ns");
	expect_duration(1000, "1.0 us");
	expect_duration(1200, "1.2 us");
	expect_duration(12000, "12.0 us");
	expect_duration(999949, "999.9 us");
	expect_duration(999999, "1.0 ms");
	expect_duration(1000000, "1.0 ms");
	expect_duration(3400000, "3.4 ms");
	expect_duration(999999999, "1.00 s");
	expect_duration(1000000000, "1.00 s");
	expect_duration(1234567890, "1.23 s");
	expect_duration(90000000000ULL, "90.00 s");
}

/* Every line, tricky bytes included, must be one well-formed JSON document. */
static void test_json_well_formed(void **state)
{
	static const char *const strs[] = {
		"\x1b[2J",	"\x1b]0;title\x07", "\x7f\x01",		"a\\b\"c",
		"\xc0\xaf",	"\xed\xa0\x80",	    "\xf4\x90\x80\x80", "\xc2\x9b",
		"\xe2\x80\xae", "caf\xc3\xa9",	    "\xf0\x9f\x98\x80", "trunc\xe6\x97",
	};
	struct wm_func *f = func_new("f\"\\\x1b\xff", WM_SIG_PROTO);
	struct wm_buf b = {};
	struct rec r;
	size_t i;
	FILE *p;

	snprintf(f->obj, sizeof(f->obj), "/o\n\x80");
	func_param(f, "s\"", T_STR, 0);
	func_param(f, "", type(WM_T_CHAR, 1, false, "char"), 1);
	func_param(f, "n", type(WM_T_FLOAT, 8, false, "double"), -1);
	f->sig.ret = T_STR;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		rec_init(&r, i);
		r.hdr.args[0] = 1;
		r.hdr.args[1] = strs[i][0];
		r.hdr.ret = i % 3 ? 0x1234 : 0;
		rec_strn(&r, 0, strs[i], strlen(strs[i]), i % 2);
		if (i % 3 == 1)
			rec_str(&r, ret_slot(f), strs[i]);
		else if (i % 3 == 2)
			r.hdr.str_len[ret_slot(f)] = WM_STR_FAULT;
		if (i % 4 == 3) {
			r.hdr.kind = WM_REC_UNFINISHED;
			r.hdr.flags = i % 8 == 3 ? WM_F_ABANDONED : 0;
		}
		rec_decode(&r);
		format__call_json(&b, f, &r.v);
		rec_free(&r);
	}
	assert_int_equal(b.err, 0);
	p = popen("python3 -c 'import json,sys\n"
		  "n = 0\n"
		  "for l in sys.stdin.buffer:\n"
		  "  d = json.loads(l)\n"
		  "  assert d[\"function\"] == \"f\\\"\\\\\\x1b\\xff\", d\n"
		  "  assert len(d[\"args\"]) == 3\n"
		  "  n += 1\n"
		  "assert n == 12, n'",
		  "w");
	assert_non_null(p);
	assert_int_equal(fwrite(b.p, 1, b.len, p), b.len);
	assert_int_equal(pclose(p), 0);
	buf__free(&b);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search),		 cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_strings),		 cmocka_unit_test(test_void_and_unnamed),
		cmocka_unit_test(test_unfinished),	 cmocka_unit_test(test_raw_sig),
		cmocka_unit_test(test_names_escaped),	 cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_value_text),	 cmocka_unit_test(test_duration),
		cmocka_unit_test(test_json_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
