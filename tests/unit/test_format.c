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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "util/buf.h"
#include "sinks/format.h"
#include "probe/record.h"
#include "fixture.h"

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
	test_sig_full(&f->sig);
	f->id = 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->object = test_object("/usr/bin/app");
	f->sig.source = src;
	assert_int_equal(sig__set_name(&f->sig, name), 0);
	f->sig.ret = type(WM_T_VOID, 0, false, "void");
	return f;
}

static void func_free(struct wm_func *f)
{
	sig__free(&f->sig);
	free(f);
}

static void func_param(struct wm_func *f, const char *name, struct wm_type t, int reg)
{
	struct wm_param *p = &f->sig.params[f->sig.nr_params++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type = t;
	p->reg = reg;
	p->stack_off = -1;
	plan__build(&f->sig, NULL, &f->plan);
}

/* The slot BPF gives the result's string: after the arguments' (see capture.c). */
static int ret_slot(struct wm_func *f)
{
	plan__build(&f->sig, NULL, &f->plan);
	assert_true(f->plan.ret_slot >= 0);
	return f->plan.ret_slot;
}

/*
 * The out sink's way, with the function's pieces made once: the first call
 * makes them, the second uses them; both lines are want.
 */
static void expect_cached(struct wm_func *f, const struct wm_call_view *c, bool json,
			  const char *want)
{
	struct wm_fmt_opts o = { .utc = true };
	struct wm_fmt_cache *fc;
	struct wm_buf b = {};

	assert_int_equal(fmt_cache__new(&fc), 0);
	for (int i = 0; i < 2; i++) {
		buf__reset(&b);
		if (json)
			format__call_json_cached(&b, fc, f, c);
		else
			format__call_text_cached(&b, fc, f, c, &o);
		assert_int_equal(b.err, 0);
		assert_string_equal(b.p, want);
	}
	fmt_cache__free(fc);
	buf__free(&b);
}

/* The line for c, the plan built with po (NULL: the defaults). */
static void expect_text_o(struct wm_func *f, const struct wm_plan_opts *po,
			  const struct wm_call_view *c, const char *want)
{
	struct wm_fmt_opts o = { .utc = true };
	struct wm_buf b = {};

	plan__build(&f->sig, po, &f->plan);
	format__call_text(&b, f, c, &o);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
	expect_cached(f, c, false, want);
}

static void expect_json_o(struct wm_func *f, const struct wm_plan_opts *po,
			  const struct wm_call_view *c, const char *want)
{
	struct wm_buf b = {};

	plan__build(&f->sig, po, &f->plan);
	format__call_json(&b, f, c);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
	expect_cached(f, c, true, want);
}

static void expect_text(struct wm_func *f, const struct wm_call_view *c, const char *want)
{
	expect_text_o(f, NULL, c, want);
}

static void expect_json(struct wm_func *f, const struct wm_call_view *c, const char *want)
{
	expect_json_o(f, NULL, c, want);
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
	func_free(f);
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
	func_free(f);
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
	func_free(f);
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
	func_free(f);
}

static void test_unfinished(void **state)
{
	static const struct {
		__u16 flags;
		__u8 signo;
		const char *text, *json;
	} cases[] = {
		{ WM_F_THREAD_EXIT, 0, "<unfinished: thread exited>", "thread_exit\"" },
		{ WM_F_THREAD_EXIT | WM_F_KILLED, 4, "<unfinished: killed by SIGILL>",
		  "killed\",\"signal\":\"SIGILL\"" },
		{ WM_F_THREAD_EXIT | WM_F_KILLED, 11, "<unfinished: killed by SIGSEGV>",
		  "killed\",\"signal\":\"SIGSEGV\"" },
		{ WM_F_THREAD_EXIT | WM_F_KILLED, 200, "<unfinished: killed by signal 200>",
		  "killed\",\"signal\":\"signal 200\"" },
		{ WM_F_STACK_SWITCH, 0, "<unfinished: stack switched>", "stack_switch\"" },
		{ WM_F_ABANDONED, 0, "<unfinished: abandoned (longjmp or stack switch)>",
		  "abandoned\"" },
		{ WM_F_EXEC, 0, "<unfinished: exec>", "exec\"" },
		{ 0, 0, "<unfinished>", "unknown\"" },
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
		r.hdr.signo = cases[i].signo;
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
			 "\"unfinished\":\"%s,\"depth\":2}\n",
			 cases[i].json);
		expect_json(f, &r.v, want);
		rec_free(&r);
	}
	func_free(f);
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
	func_free(f);
}

static void test_names_escaped(void **state)
{
	struct wm_func *f = func_new("evil\x1b[2J", WM_SIG_PROTO);
	struct rec r;

	f->object = test_object("/tmp/a\"b\nc\xff");
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
	func_free(f);
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
	func_free(f);
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
	/* Half a step: printf rounds the double, exact ties to even. */
	expect_duration(1050, "1.1 us");
	expect_duration(1150, "1.1 us");
	expect_duration(1250, "1.2 us");
	expect_duration(1750, "1.8 us");
	expect_duration(2500000, "2.5 ms");
	expect_duration(1005000000, "1.00 s");
	expect_duration(1015000000, "1.01 s");
}

/* The digit writers print what printf does, over every magnitude and the rounding steps. */
static void test_duration_as_printf(void **state)
{
	struct wm_buf b = {};
	char want[64];
	__u64 ns = 1;

	for (int i = 0; i < 200000; i++) {
		ns = i < 100000 ? (__u64)i * 50 : ns * 3 / 2 + i % 97;
		if (ns >= 1ULL << 53)
			ns = i;
		if (ns < 1000)
			snprintf(want, sizeof(want), "%llu ns", (unsigned long long)ns);
		else if (ns < 999950ULL)
			snprintf(want, sizeof(want), "%.1f us", ns / 1e3);
		else if (ns < 999950000ULL)
			snprintf(want, sizeof(want), "%.1f ms", ns / 1e6);
		else
			snprintf(want, sizeof(want), "%.2f s", ns / 1e9);
		buf__reset(&b);
		format__duration(&b, ns);
		assert_string_equal(b.p, want);
	}
	buf__free(&b);
}

/* Every decimal length, each side of each power of ten and of two. */
static void expect_digits(unsigned long long u)
{
	struct wm_buf b = {};
	char want[64], at[24];
	long long v = (long long)u;
	size_t n;

	buf__s64(&b, v);
	snprintf(want, sizeof(want), "%lld", v);
	assert_string_equal(b.p, want);
	buf__reset(&b);
	buf__u64(&b, u);
	snprintf(want, sizeof(want), "%llu", u);
	assert_string_equal(b.p, want);
	n = buf__u64_at(at, u);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(at, want, n);
	buf__reset(&b);
	buf__hex(&b, u);
	snprintf(want, sizeof(want), "%llx", u);
	assert_string_equal(b.p, want);
	for (int w = 0; w <= 20; w++) {
		buf__reset(&b);
		buf__u64_pad(&b, u, w);
		snprintf(want, sizeof(want), "%0*llu", w, u);
		assert_string_equal(b.p, want);
	}
	buf__free(&b);
}

static void test_digits(void **state)
{
	static const long long vals[] = { 0,   7,    -7,	   10,	      99,
					  100, -100, 4294967295LL, LLONG_MAX, LLONG_MIN };
	unsigned long long p = 1;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		expect_digits(vals[i]);
	for (int k = 0; k < 20; k++, p *= 10) {
		expect_digits(p - 1);
		expect_digits(p);
		expect_digits(p + 1);
		expect_digits(-p);
	}
	for (int k = 0; k < 64; k++) {
		expect_digits((1ULL << k) - 1);
		expect_digits(1ULL << k);
		expect_digits((1ULL << k) + 1);
	}
	expect_digits(ULLONG_MAX);
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

	f->object = test_object("/o\n\x80");
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
	func_free(f);
}

#define TEXT_HEAD "12:00:01.123456 4243 "

/* The JSON line of a call of f, from the body of its "args" array on. */
static void expect_args_json(struct wm_func *f, const struct wm_plan_opts *po,
			     const struct wm_call_view *c, const char *rest)
{
	char want[4096];

	snprintf(want, sizeof(want),
		 "{\"ts\":\"2026-11-21T12:00:01.123456Z\",\"pid\":4242,\"tid\":4243,"
		 "\"function\":\"%s\",\"object\":\"/usr/bin/app\",\"args\":[%s",
		 f->name, rest);
	expect_json_o(f, po, c, want);
}

/* Little-endian bytes, as the traced process holds them. */
static void le_put(unsigned char *p, __u64 v, int size)
{
	for (int i = 0; i < size; i++)
		p[i] = v >> (8 * i);
}

/* rec_slot's bytes of memory that could not be read. */
static const char slot_fault[1];
#define FAULT ((const void *)slot_fault)

/*
 * The bytes of a slot, in slot order as rec_strn. NULL: nothing read, as BPF
 * leaves the slot of a NULL pointer (WM_STR_NONE); FAULT: unreadable.
 */
static void rec_slot(struct rec *r, int slot, const void *p, size_t n, bool trunc)
{
	assert_true(slot >= 0 && slot < WM_NR_SLOTS);
	if (p == FAULT)
		r->hdr.str_len[slot] = WM_STR_FAULT;
	else if (p)
		rec_strn(r, slot, p, n, trunc);
}

static struct wm_field field(const char *name, unsigned int off, enum wm_type_kind kind, int size,
			     bool is_signed)
{
	struct wm_field fl = { .offset = off,
			       .type = { .kind = kind, .size = size, .is_signed = is_signed } };

	snprintf(fl.name, sizeof(fl.name), "%s", name);
	return fl;
}

/*
 * Members appended to the signature's pool, and the type that has them: the
 * struct by value, or a pointer to it.
 */
static struct wm_type struct_type(struct wm_func *f, const char *name, bool ptr, bool is_union,
				  unsigned int size, const struct wm_field *fields, int n)
{
	struct wm_type t = type(ptr ? WM_T_PTR : WM_T_STRUCT, ptr ? 8 : size, false, name);

	assert_true(f->sig.nr_fields + n <= WM_SIG_MAX_FIELDS);
	t.is_union = is_union;
	t.struct_size = size;
	t.first_field = f->sig.nr_fields;
	t.nr_fields = n;
	if (ptr) {
		t.target.kind = WM_T_STRUCT;
		t.target.size = size > 255 ? 255 : size;
	}
	memcpy(&f->sig.fields[f->sig.nr_fields], fields, n * sizeof(*fields));
	f->sig.nr_fields += n;
	return t;
}

/* enum color { RED = 1, GREEN = 2, BLUE = -4 }: its enumerators into the pool. */
static struct wm_scalar color_enum(struct wm_func *f)
{
	static const struct wm_enumval colors[] = { { 1, "RED" }, { 2, "GREEN" }, { -4, "BLUE" } };
	struct wm_scalar s = { .kind = WM_T_ENUM,
			       .size = 4,
			       .is_signed = true,
			       .nr_enums = 3,
			       .first_enum = f->sig.nr_enums };

	memcpy(&f->sig.enums[f->sig.nr_enums], colors, sizeof(colors));
	f->sig.nr_enums += 3;
	return s;
}

static struct wm_type color_type(struct wm_func *f)
{
	struct wm_scalar s = color_enum(f);
	struct wm_type t = type(WM_T_ENUM, 4, true, "enum color");

	t.first_enum = s.first_enum;
	t.nr_enums = s.nr_enums;
	return t;
}

/* Code addresses of the fake process. */
#define ADDR_TWICE 0x401000ULL
#define ADDR_EVIL  0x666000ULL
#define ADDR_LIBC  0x7f0000001234ULL

struct fake_syms {
	int calls;
	bool ret_addr[8];
	__u32 pid[8]; /* the process each address was looked up in */
};

static int fake_lookup(void *ctx, __u32 pid, __u64 addr, bool ret_addr, const char **sym,
		       unsigned long *off, const char **obj)
{
	struct fake_syms *s = ctx;

	if (s && s->calls < 8) {
		s->pid[s->calls] = pid;
		s->ret_addr[s->calls++] = ret_addr;
	}
	if (addr >= ADDR_TWICE && addr < ADDR_TWICE + 0x100) {
		*sym = "twice";
		*off = addr - ADDR_TWICE;
		*obj = "/usr/bin/app";
		return 0;
	}
	if (addr == ADDR_EVIL) {
		*sym = "ev\x1b[2Jil\n";
		*off = 0;
		*obj = "/tmp/\x07\"x";
		return 0;
	}
	/* Mapped, but no symbol covers it. */
	if (addr == ADDR_LIBC) {
		*sym = "";
		*obj = "/lib/libc.so.6";
		return 0;
	}
	return -ENOENT;
}

/* No byte of a text line may drive a terminal: only the final newline. */
static void assert_no_ctl(const char *s)
{
	size_t n = strlen(s);

	assert_true(n > 0 && s[n - 1] == '\n');
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fail_msg("control byte 0x%02x at %zu in %s", (unsigned char)s[i], i, s);
}

/* Each of the nr lines of s is one JSON document. */
static void assert_json_lines(const char *s, int nr)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "n = 0\n"
		 "for l in sys.stdin.buffer:\n"
		 "  json.loads(l)\n"
		 "  n += 1\n"
		 "assert n == %d, n'",
		 nr);
	p = popen(cmd, "w");
	assert_non_null(p);
	assert_int_equal(fwrite(s, 1, strlen(s), p), strlen(s));
	assert_int_equal(pclose(p), 0);
}

/*
 * struct item {
 *	int id; enum color c; bool on; char mark; char tag[6]; int v[10];
 *	unsigned a : 3; int b : 5; bool c2 : 1; struct point inner;
 *	void *ptr; const char *name;
 * };
 */
#define ITEM_SIZE 96
enum { F_ID, F_C, F_ON, F_MARK, F_TAG, F_V, F_A, F_B, F_C2, F_INNER, F_PTR, F_NAME, NR_ITEM };

/* int fill(struct item *it, int n) */
static struct wm_func *fill_func(void)
{
	struct wm_func *f = func_new("fill", WM_SIG_DWARF);
	struct wm_field fl[NR_ITEM] = {
		[F_ID] = field("id", 0, WM_T_INT, 4, true),
		[F_C] = field("c", 4, WM_T_ENUM, 4, true),
		[F_ON] = field("on", 8, WM_T_BOOL, 1, false),
		[F_MARK] = field("mark", 9, WM_T_CHAR, 1, true),
		[F_TAG] = field("tag", 10, WM_T_CHAR, 1, true),
		[F_V] = field("v", 16, WM_T_INT, 4, true),
		[F_A] = field("a", 56, WM_T_INT, 4, false),
		[F_B] = field("b", 56, WM_T_INT, 4, true),
		[F_C2] = field("c2", 56, WM_T_BOOL, 1, false),
		[F_INNER] = field("inner", 64, WM_T_STRUCT, 16, false),
		[F_PTR] = field("ptr", 80, WM_T_PTR, 8, false),
		[F_NAME] = field("name", 88, WM_T_STR, 8, false),
	};

	fl[F_C].type = color_enum(f);
	fl[F_TAG].count = 6;
	fl[F_V].count = 10;
	fl[F_A].bit_size = 3;
	fl[F_B].bit_offset = 3;
	fl[F_B].bit_size = 5;
	fl[F_C2].bit_offset = 8;
	fl[F_C2].bit_size = 1;
	func_param(f, "it", struct_type(f, "struct item *", true, false, ITEM_SIZE, fl, NR_ITEM),
		   0);
	func_param(f, "n", T_INT, 1);
	f->sig.ret = T_INT;
	plan__build(&f->sig, NULL, &f->plan);
	/* BPF's order: the struct and its member's string at entry, the struct again at return. */
	assert_int_equal(f->plan.entry_slot[0], 0);
	assert_int_equal(f->plan.field_slot[F_NAME], 1);
	assert_int_equal(f->plan.out_slot[0], 2);
	assert_int_equal(f->plan.cfg.nr_caps, 3);
	return f;
}

static void item_bytes(unsigned char *p, int id, int color, __u64 name)
{
	memset(p, 0, ITEM_SIZE);
	le_put(p, id, 4);
	le_put(p + 4, (__u32)color, 4);
	p[8] = 1;
	p[9] = 'x';
	memcpy(p + 10, "hi", 2);
	for (int i = 0; i < 10; i++)
		le_put(p + 16 + 4 * i, i + 1, 4);
	/* a = 5 in bits 0-2, b = -3 (0x1d) in bits 3-7, c2 = 1 in bit 8 */
	p[56] = 5 | 0x1d << 3;
	p[57] = 1;
	le_put(p + 64, 0xaaaaaaaa, 8);
	le_put(p + 80, 0x1234, 8);
	le_put(p + 88, name, 8);
}

/* fill's record: entry bytes, the name's string, bytes at return (NULL: unreadable). */
static void fill_rec(struct rec *r, __u64 it, const void *entry, const char *name, const void *out)
{
	rec_init(r, 1000);
	r->hdr.args[0] = it;
	r->hdr.args[1] = 3;
	rec_slot(r, 0, entry, ITEM_SIZE, false);
	rec_slot(r, 1, name, name ? strlen(name) : 0, false);
	rec_slot(r, 2, out, ITEM_SIZE, false);
	rec_decode(r);
}

#define ITEM_MID_TEXT                                                                          \
	"on=true, mark='x', tag=\"hi\", v=[1, 2, 3, 4, 5, 6, 7, 8, ...], a=5, b=-3, c2=true, " \
	"inner={...}"
#define ITEM_MID_JSON                                                                         \
	"\"on\":true,\"mark\":\"x\",\"tag\":\"hi\",\"v\":[1,2,3,4,5,6,7,8],\"a\":5,\"b\":-3," \
	"\"c2\":true,\"inner\":\"{...}\""

static void test_struct_pointer(void **state)
{
	unsigned char in[ITEM_SIZE], out[ITEM_SIZE];
	struct wm_func *f = fill_func();
	struct rec r;

	/* The struct at entry and again at return, its string member unchanged. */
	item_bytes(in, 7, -4, 0x5000);
	item_bytes(out, 8, 1, 0x5000);
	fill_rec(&r, 0x7000, in, "a", out);
	expect_text(f, &r.v,
		    TEXT_HEAD "fill(it={id=7, c=BLUE, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=\"a\"}, n=3) = 0 -> "
			      "it={id=8, c=RED, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=\"a\"}  <1.0 us>\n");
	expect_args_json(
		f, NULL, &r.v,
		"{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
		"\"deref\":{\"id\":7,\"c\":\"BLUE\"," ITEM_MID_JSON
		",\"ptr\":\"0x1234\",\"name\":\"a\"},\"out\":{\"id\":8,\"c\":\"RED\"," ITEM_MID_JSON
		",\"ptr\":\"0x1234\",\"name\":\"a\"}},{\"name\":\"n\",\"type\":\"int\",\"value\":3}"
		"],"
		"\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
		"\"depth\":0}\n");
	rec_free(&r);

	/*
	 * The call pointed name elsewhere: the string read at entry is not what
	 * it points to now, so only the address is shown. An enum value no
	 * enumerator has is a number.
	 */
	item_bytes(out, 8, 9, 0x5100);
	fill_rec(&r, 0x7000, in, "a", out);
	expect_text(f, &r.v,
		    TEXT_HEAD "fill(it={id=7, c=BLUE, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=\"a\"}, n=3) = 0 -> "
			      "it={id=8, c=9, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=0x5100}  <1.0 us>\n");
	expect_args_json(
		f, NULL, &r.v,
		"{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
		"\"deref\":{\"id\":7,\"c\":\"BLUE\"," ITEM_MID_JSON
		",\"ptr\":\"0x1234\",\"name\":\"a\"},\"out\":{\"id\":8,\"c\":9," ITEM_MID_JSON
		",\"ptr\":\"0x1234\",\"name\":\"0x5100\"}},{\"name\":\"n\",\"type\":\"int\","
		"\"value\":3}],"
		"\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
		"\"depth\":0}\n");
	rec_free(&r);

	/* NULL members, at entry and at return; BPF reads nothing through them. */
	item_bytes(in, 7, -4, 0);
	item_bytes(out, 7, -4, 0);
	le_put(in + 80, 0, 8);
	le_put(out + 80, 0, 8);
	fill_rec(&r, 0x7000, in, NULL, out);
	expect_text(f, &r.v,
		    TEXT_HEAD
		    "fill(it={id=7, c=BLUE, " ITEM_MID_TEXT ", ptr=NULL, name=NULL}, n=3) = 0 -> "
		    "it={id=7, c=BLUE, " ITEM_MID_TEXT ", ptr=NULL, name=NULL}  <1.0 us>\n");
	expect_args_json(
		f, NULL, &r.v,
		"{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
		"\"deref\":{\"id\":7,\"c\":\"BLUE\"," ITEM_MID_JSON
		",\"ptr\":null,\"name\":null},\"out\":{\"id\":7,\"c\":\"BLUE\"," ITEM_MID_JSON
		",\"ptr\":null,\"name\":null}},{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
		"\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
		"\"depth\":0}\n");
	rec_free(&r);

	/* A member string longer than --string-size; the struct at return unreadable. */
	item_bytes(in, 7, -4, 0x5000);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x7000;
	r.hdr.args[1] = 3;
	rec_slot(&r, 0, in, ITEM_SIZE, false);
	rec_slot(&r, 1, "abcd", 4, true);
	rec_slot(&r, 2, FAULT, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "fill(it={id=7, c=BLUE, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=\"abcd\"...}, n=3) = 0 -> "
			      "it=<unreadable>  <1.0 us>\n");
	rec_free(&r);

	/* The member's string unreadable: its address. */
	item_bytes(in, 7, -4, 0x5000);
	fill_rec(&r, 0x7000, in, FAULT, FAULT);
	expect_text(f, &r.v,
		    TEXT_HEAD "fill(it={id=7, c=BLUE, " ITEM_MID_TEXT
			      ", ptr=0x1234, name=0x5000}, n=3) = 0 -> "
			      "it=<unreadable>  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
			 "\"deref\":{\"id\":7,\"c\":\"BLUE\"," ITEM_MID_JSON
			 ",\"ptr\":\"0x1234\",\"name\":\"0x5000\"},\"out\":null,\"out_error\":"
			 "\"unreadable\"},"
			 "{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);

	/* Nothing readable at all. */
	fill_rec(&r, 0x7000, FAULT, FAULT, FAULT);
	expect_text(f, &r.v,
		    TEXT_HEAD
		    "fill(it=0x7000<unreadable>, n=3) = 0 -> it=<unreadable>  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
			 "\"error\":\"unreadable\",\"out\":null,\"out_error\":\"unreadable\"},"
			 "{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);

	/* A NULL pointer: no " -> " part. */
	fill_rec(&r, 0, NULL, NULL, NULL);
	expect_text(f, &r.v, TEXT_HEAD "fill(it=NULL, n=3) = 0  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"it\",\"type\":\"struct item *\",\"value\":null},"
			 "{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* Fewer bytes than the struct: the members past them are unknown, arrays cut. */
static void test_struct_short(void **state)
{
	unsigned char in[ITEM_SIZE];
	struct wm_func *f = fill_func();
	struct rec r;

	item_bytes(in, 7, -4, 0x5000);
	memcpy(in + 10, "abcdef", 6);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x7000;
	r.hdr.args[1] = 3;
	/* 13 bytes: tag cut after "abc"; the 24 of v hold 2 of its ints. */
	rec_slot(&r, 0, in, 13, false);
	rec_slot(&r, 1, "a", 1, false);
	rec_slot(&r, 2, in, 24, true);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "fill(it={id=7, c=BLUE, on=true, mark='x', tag=\"abc\"..., v=?, a=?, "
			      "b=?, c2=?, inner=?, ptr=?, name=?}, n=3) = 0 -> it={id=7, c=BLUE, "
			      "on=true, mark='x', tag=\"abcdef\", v=[1, 2, ...], a=?, b=?, c2=?, "
			      "inner=?, ptr=?, name=?, ...}  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"it\",\"type\":\"struct item *\",\"value\":\"0x7000\","
			 "\"deref\":{\"id\":7,\"c\":\"BLUE\",\"on\":true,\"mark\":\"x\","
			 "\"tag\":\"abc\",\"v\":null,\"a\":null,\"b\":null,\"c2\":null,"
			 "\"inner\":null,\"ptr\":null,\"name\":null},\"out\":{\"id\":7,"
			 "\"c\":\"BLUE\",\"on\":true,\"mark\":\"x\",\"tag\":\"abcdef\","
			 "\"v\":[1,2],\"a\":null,\"b\":null,\"c2\":null,\"inner\":null,"
			 "\"ptr\":null,\"name\":null},\"out_truncated\":true},"
			 "{\"name\":\"n\",\"type\":\"int\",\"value\":3}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* union num { int i; short s[2]; }: int un_get(union num *u) */
static void test_union(void **state)
{
	struct wm_func *f = func_new("un_get", WM_SIG_DWARF);
	struct wm_field fl[2] = { field("i", 0, WM_T_INT, 4, true),
				  field("s", 0, WM_T_INT, 2, true) };
	unsigned char in[4] = { 2, 0, 1, 0 }, out[4] = { 0xfd, 0xff, 1, 0 };
	struct rec r;

	fl[1].count = 2;
	func_param(f, "u", struct_type(f, "union num *", true, true, 4, fl, 2), 0);
	f->sig.ret = T_INT;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.entry_slot[0], 0);
	assert_int_equal(f->plan.out_slot[0], 1);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x7000;
	r.hdr.ret = 2;
	rec_slot(&r, 0, in, 4, false);
	rec_slot(&r, 1, out, 4, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "un_get(u={i=65538, s=[2, 1]}) = 2 -> u={i=131069, s=[-3, 1]}"
			      "  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"u\",\"type\":\"union num *\",\"value\":\"0x7000\","
			 "\"deref\":{\"i\":65538,\"s\":[2,1]},"
			 "\"out\":{\"i\":131069,\"s\":[-3,1]}}],"
			 "\"result\":{\"type\":\"int\",\"value\":2},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

#define T_LONG type(WM_T_INT, 8, true, "long")

static void test_struct_by_value(void **state)
{
	struct wm_field pair[2] = { field("a", 0, WM_T_INT, 8, true),
				    field("b", 8, WM_T_INT, 8, true) };
	struct wm_field sm[4] = { field("x", 0, WM_T_INT, 4, true),
				  field("y", 4, WM_T_INT, 2, true),
				  field("c", 6, WM_T_CHAR, 1, true),
				  field("ok", 7, WM_T_BOOL, 1, false) };
	struct wm_func *f = func_new("pair_sum", WM_SIG_DWARF);
	struct rec r;

	/* Two registers: long pair_sum(struct pair p) */
	func_param(f, "p", struct_type(f, "struct pair", false, false, 16, pair, 2), 0);
	f->sig.params[0].nr_regs = 2;
	f->sig.ret = T_LONG;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.cfg.nr_caps, 0);
	rec_init(&r, 1000);
	r.hdr.args[0] = 1;
	r.hdr.args[1] = -2;
	r.hdr.ret = -1;
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "pair_sum(p={a=1, b=-2}) = -1  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"p\",\"type\":\"struct pair\","
			 "\"value\":{\"a\":1,\"b\":-2}}],"
			 "\"result\":{\"type\":\"long\",\"value\":-1},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	/* Its second eightbyte would be past the last register: not known. */
	f->sig.params[0].reg = 5;
	expect_text(f, &r.v, TEXT_HEAD "pair_sum(p=?) = -1  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"p\",\"type\":\"struct pair\","
			 "\"value\":null,\"unavailable\":true}],"
			 "\"result\":{\"type\":\"long\",\"value\":-1},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);

	/* One register: void small(struct sm s, int k) */
	f = func_new("small", WM_SIG_DWARF);
	func_param(f, "s", struct_type(f, "struct sm", false, false, 8, sm, 4), 0);
	func_param(f, "k", T_INT, 1);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x017a0002ffffffffULL;
	r.hdr.args[1] = 5;
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "small(s={x=-1, y=2, c='z', ok=true}, k=5)  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"s\",\"type\":\"struct sm\","
			 "\"value\":{\"x\":-1,\"y\":2,\"c\":\"z\",\"ok\":true}},"
			 "{\"name\":\"k\",\"type\":\"int\",\"value\":5}],"
			 "\"result\":{\"type\":\"void\"},\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* long mix(long a, .., long f, struct big s, long g): s and g on the stack. */
static void test_struct_on_stack(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
	struct wm_field big[3] = { field("a", 0, WM_T_INT, 8, true),
				   field("b", 8, WM_T_INT, 8, true),
				   field("c", 16, WM_T_INT, 8, true) };
	struct wm_func *f = func_new("mix", WM_SIG_DWARF);
	unsigned char s[24];
	struct rec r;
	int i;

	for (i = 0; i < 6; i++)
		func_param(f, names[i], T_LONG, i);
	func_param(f, "s", struct_type(f, "struct big", false, false, 24, big, 3), -1);
	f->sig.params[6].stack_off = 0;
	func_param(f, "g", T_LONG, -1);
	f->sig.params[7].stack_off = 24;
	f->sig.ret = T_LONG;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.val[6], -1);
	assert_int_equal(f->plan.val[7], WM_MAX_ARGS + 3);
	assert_int_equal(f->plan.entry_slot[6], 0);
	assert_int_equal(f->plan.cfg.caps[0].src, WM_SRC_STACK);

	le_put(s, 10, 8);
	le_put(s + 8, 20, 8);
	le_put(s + 16, 30, 8);
	rec_init(&r, 1000);
	for (i = 0; i < 6; i++)
		r.hdr.args[i] = i + 1;
	r.hdr.args[WM_MAX_ARGS + 3] = -8;
	r.hdr.ret = 73;
	rec_slot(&r, 0, s, sizeof(s), false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "mix(a=1, b=2, c=3, d=4, e=5, f=6, s={a=10, b=20, c=30}, g=-8) = 73"
			      "  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"a\",\"type\":\"long\",\"value\":1},"
			 "{\"name\":\"b\",\"type\":\"long\",\"value\":2},"
			 "{\"name\":\"c\",\"type\":\"long\",\"value\":3},"
			 "{\"name\":\"d\",\"type\":\"long\",\"value\":4},"
			 "{\"name\":\"e\",\"type\":\"long\",\"value\":5},"
			 "{\"name\":\"f\",\"type\":\"long\",\"value\":6},"
			 "{\"name\":\"s\",\"type\":\"struct big\","
			 "\"value\":{\"a\":10,\"b\":20,\"c\":30}},"
			 "{\"name\":\"g\",\"type\":\"long\",\"value\":-8}],"
			 "\"result\":{\"type\":\"long\",\"value\":73},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);

	/* The stack could not be read: the struct is unknown, not zeros. */
	rec_init(&r, 1000);
	r.hdr.args[WM_MAX_ARGS + 3] = -8;
	rec_slot(&r, 0, FAULT, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "mix(a=0, b=0, c=0, d=0, e=0, f=0, s=?, g=-8) = 0  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"a\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"b\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"c\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"d\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"e\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"f\",\"type\":\"long\",\"value\":0},"
			 "{\"name\":\"s\",\"type\":\"struct big\",\"value\":null,"
			 "\"unavailable\":true},"
			 "{\"name\":\"g\",\"type\":\"long\",\"value\":-8}],"
			 "\"result\":{\"type\":\"long\",\"value\":0},\"latency_ns\":1000,"
			 "\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* int parse_int(const char *s, int *out) */
static void test_out_int(void **state)
{
	struct wm_func *f = func_new("parse_int", WM_SIG_DWARF);
	struct wm_type t = type(WM_T_PTR, 8, false, "int *");
	unsigned char v[4];
	struct rec r;

	t.target = (struct wm_scalar){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	func_param(f, "s", T_STR, 0);
	func_param(f, "out", t, 1);
	f->sig.ret = T_INT;
	plan__build(&f->sig, NULL, &f->plan);
	/* Not read at entry: only what the call left there. */
	assert_int_equal(f->plan.entry_slot[1], -1);
	assert_int_equal(f->plan.out_slot[1], 1);

	le_put(v, -12, 4);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	r.hdr.args[1] = 0x7ffc10;
	rec_str(&r, 0, "-12");
	rec_slot(&r, 1, v, 4, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "parse_int(s=\"-12\", out=0x7ffc10) = 0 -> out=-12  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"-12\"},"
			 "{\"name\":\"out\",\"type\":\"int *\",\"value\":\"0x7ffc10\","
			 "\"out\":-12}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);

	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	r.hdr.args[1] = 0x7ffc10;
	r.hdr.ret = (__u32)-22;
	rec_str(&r, 0, "x");
	rec_slot(&r, 1, FAULT, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD
		    "parse_int(s=\"x\", out=0x7ffc10) = -22 -> out=<unreadable>  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"x\"},"
			 "{\"name\":\"out\",\"type\":\"int *\",\"value\":\"0x7ffc10\","
			 "\"out\":null,\"out_error\":\"unreadable\"}],"
			 "\"result\":{\"type\":\"int\",\"value\":-22},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);

	/* NULL: nothing to read back, and no " -> " at all. */
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	rec_str(&r, 0, "1");
	rec_slot(&r, 1, NULL, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "parse_int(s=\"1\", out=NULL) = 0  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"1\"},"
			 "{\"name\":\"out\",\"type\":\"int *\",\"value\":null}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

static struct wm_type buf_type(const char *name, struct wm_scalar el, bool is_const, int len_param)
{
	struct wm_type t = type(WM_T_BUF, 8, false, name);

	t.target = el;
	t.target_const = is_const;
	t.len_param = len_param;
	return t;
}

#define EL_UCHAR ((struct wm_scalar){ .kind = WM_T_CHAR, .size = 1 })
#define EL_INT	 ((struct wm_scalar){ .kind = WM_T_INT, .size = 4, .is_signed = true })
#define T_SIZE	 type(WM_T_INT, 8, false, "size_t")

static void test_buffers(void **state)
{
	struct wm_func *f = func_new("checksum", WM_SIG_DWARF);
	unsigned char ints[12];
	struct rec r;

	/* int checksum(const unsigned char *data, size_t n): read at entry. */
	func_param(f, "data", buf_type("const unsigned char *", EL_UCHAR, true, 1), 0);
	func_param(f, "n", T_SIZE, 1);
	f->sig.ret = T_INT;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.entry_slot[0], 0);
	assert_int_equal(f->plan.cfg.caps[0].len_src, 1);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x6000;
	r.hdr.args[1] = 4;
	r.hdr.ret = 394;
	rec_slot(&r, 0, "ab\0c", 4, false);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "checksum(data=\"ab\\0c\", n=4) = 394  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"data\",\"type\":\"const unsigned char *\","
			 "\"value\":\"0x6000\",\"deref\":\"ab\\u0000c\"},"
			 "{\"name\":\"n\",\"type\":\"size_t\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":394},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	/* More than --string-size. */
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x6000;
	r.hdr.args[1] = 400;
	rec_slot(&r, 0, "ab\0c", 4, true);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "checksum(data=\"ab\\0c\"..., n=400) = 0  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"data\",\"type\":\"const unsigned char *\","
			 "\"value\":\"0x6000\",\"deref\":\"ab\\u0000c\","
			 "\"truncated\":true},"
			 "{\"name\":\"n\",\"type\":\"size_t\",\"value\":400}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);

	/* long read_like(int fd, char *buf, size_t count): counted by the result, read at return. */
	f = func_new("read_like", WM_SIG_DWARF);
	func_param(f, "fd", T_INT, 0);
	func_param(f, "buf", buf_type("char *", EL_UCHAR, false, WM_LEN_RET), 1);
	func_param(f, "count", T_SIZE, 2);
	f->sig.ret = T_LONG;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.entry_slot[1], -1);
	assert_int_equal(f->plan.out_slot[1], 0);
	assert_int_equal(f->plan.cfg.caps[0].len_src, WM_VAL_RET);
	rec_init(&r, 1000);
	r.hdr.args[1] = 0x7ffc20;
	r.hdr.args[2] = 16;
	r.hdr.ret = 5;
	rec_slot(&r, 0, "hello", 5, false);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "read_like(fd=0, buf=0x7ffc20, count=16) = 5 -> buf=\"hello\""
			      "  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fd\",\"type\":\"int\",\"value\":0},"
			 "{\"name\":\"buf\",\"type\":\"char *\",\"value\":\"0x7ffc20\","
			 "\"out\":\"hello\"},"
			 "{\"name\":\"count\",\"type\":\"size_t\",\"value\":16}],"
			 "\"result\":{\"type\":\"long\",\"value\":5},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	rec_init(&r, 1000);
	r.hdr.args[1] = 0x7ffc20;
	r.hdr.args[2] = 4096;
	r.hdr.ret = 4096;
	rec_slot(&r, 0, "hello", 5, true);
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "read_like(fd=0, buf=0x7ffc20, count=4096) = 4096 -> buf=\"hello\"..."
			      "  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fd\",\"type\":\"int\",\"value\":0},"
			 "{\"name\":\"buf\",\"type\":\"char *\",\"value\":\"0x7ffc20\","
			 "\"out\":\"hello\",\"out_truncated\":true},"
			 "{\"name\":\"count\",\"type\":\"size_t\",\"value\":4096}],"
			 "\"result\":{\"type\":\"long\",\"value\":4096},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);

	/* int isum(const int *v, size_t n): elements of 4 bytes are a list. */
	f = func_new("isum", WM_SIG_DWARF);
	func_param(f, "v", buf_type("const int *", EL_INT, true, 1), 0);
	func_param(f, "n", T_SIZE, 1);
	f->sig.ret = T_INT;
	plan__build(&f->sig, NULL, &f->plan);
	assert_int_equal(f->plan.cfg.caps[0].elem_size, 4);
	le_put(ints, 1, 4);
	le_put(ints + 4, -2, 4);
	le_put(ints + 8, 3, 4);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x6000;
	r.hdr.args[1] = 3;
	r.hdr.ret = 2;
	rec_slot(&r, 0, ints, sizeof(ints), false);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "isum(v=[1, -2, 3], n=3) = 2  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"v\",\"type\":\"const int *\",\"value\":\"0x6000\","
			 "\"deref\":[1,-2,3]},"
			 "{\"name\":\"n\",\"type\":\"size_t\",\"value\":3}],"
			 "\"result\":{\"type\":\"int\",\"value\":2},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x6000;
	r.hdr.args[1] = 1000;
	rec_slot(&r, 0, ints, sizeof(ints), true);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "isum(v=[1, -2, 3, ...], n=1000) = 0  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"v\",\"type\":\"const int *\",\"value\":\"0x6000\","
			 "\"deref\":[1,-2,3],\"truncated\":true},"
			 "{\"name\":\"n\",\"type\":\"size_t\",\"value\":1000}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	/* Unreadable, and NULL. */
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x6000;
	r.hdr.args[1] = 3;
	rec_slot(&r, 0, FAULT, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "isum(v=0x6000<unreadable>, n=3) = 0  <1.0 us>\n");
	rec_free(&r);
	rec_init(&r, 1000);
	rec_slot(&r, 0, NULL, 0, false);
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "isum(v=NULL, n=0) = 0  <1.0 us>\n");
	rec_free(&r);
	func_free(f);
}

/* enum color paint(enum color c, bool on, char mark) */
static void test_enum(void **state)
{
	struct wm_func *f = func_new("paint", WM_SIG_DWARF);
	struct rec r;

	func_param(f, "c", color_type(f), 0);
	func_param(f, "on", type(WM_T_BOOL, 1, false, "bool"), 1);
	func_param(f, "mark", type(WM_T_CHAR, 1, true, "char"), 2);
	f->sig.ret = f->sig.params[0].type;
	rec_init(&r, 1000);
	r.hdr.args[0] = (__u32)-4;
	r.hdr.args[1] = 1;
	r.hdr.args[2] = 'x';
	r.hdr.ret = 2;
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "paint(c=BLUE, on=true, mark='x') = GREEN  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"c\",\"type\":\"enum color\",\"value\":-4,"
			 "\"enum\":\"BLUE\"},"
			 "{\"name\":\"on\",\"type\":\"bool\",\"value\":true},"
			 "{\"name\":\"mark\",\"type\":\"char\",\"value\":\"x\"}],"
			 "\"result\":{\"type\":\"enum color\",\"value\":2,"
			 "\"enum\":\"GREEN\"},\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	/* No enumerator has 7: the number. */
	rec_init(&r, 1000);
	r.hdr.args[0] = 7;
	r.hdr.args[2] = 'y';
	r.hdr.ret = 7;
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "paint(c=7, on=false, mark='y') = 7  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"c\",\"type\":\"enum color\",\"value\":7},"
			 "{\"name\":\"on\",\"type\":\"bool\",\"value\":false},"
			 "{\"name\":\"mark\",\"type\":\"char\",\"value\":\"y\"}],"
			 "\"result\":{\"type\":\"enum color\",\"value\":7},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* int apply(int (*fn)(int), int v) */
static void test_funcptr(void **state)
{
	struct wm_func *f = func_new("apply", WM_SIG_DWARF);
	struct wm_sym_hook hook = { .lookup = fake_lookup };
	struct rec r;

	func_param(f, "fn", type(WM_T_FUNCPTR, 8, false, "int (*)(int)"), 0);
	func_param(f, "v", T_INT, 1);
	f->sig.ret = T_INT;
	f->syms = &hook;
	rec_init(&r, 1000);
	r.hdr.args[0] = ADDR_TWICE;
	r.hdr.args[1] = 4;
	r.hdr.ret = 8;
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "apply(fn=twice, v=4) = 8  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"value\":\"0x401000\","
			 "\"symbol\":\"twice\"},"
			 "{\"name\":\"v\",\"type\":\"int\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":8},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	r.v.hdr.args[0] = ADDR_TWICE + 0x1a;
	expect_text(f, &r.v, TEXT_HEAD "apply(fn=twice+0x1a, v=4) = 8  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"value\":\"0x40101a\","
			 "\"symbol\":\"twice\",\"offset\":26},"
			 "{\"name\":\"v\",\"type\":\"int\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":8},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	/* No symbol there. */
	r.v.hdr.args[0] = 0x999000;
	expect_text(f, &r.v, TEXT_HEAD "apply(fn=0x999000, v=4) = 8  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"value\":\"0x999000\"},"
			 "{\"name\":\"v\",\"type\":\"int\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":8},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	r.v.hdr.args[0] = 0;
	expect_text(f, &r.v, TEXT_HEAD "apply(fn=NULL, v=4) = 8  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"value\":null},"
			 "{\"name\":\"v\",\"type\":\"int\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":8},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	/* No hook: addresses stay numbers. */
	f->syms = NULL;
	r.v.hdr.args[0] = ADDR_TWICE;
	expect_text(f, &r.v, TEXT_HEAD "apply(fn=0x401000, v=4) = 8  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"value\":\"0x401000\"},"
			 "{\"name\":\"v\",\"type\":\"int\",\"value\":4}],"
			 "\"result\":{\"type\":\"int\",\"value\":8},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

static void expect_error_json(struct wm_func *f, const struct wm_call_view *c, const char *want)
{
	struct wm_buf b = {};

	format__error_json(&b, f, c);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.p, want);
	buf__free(&b);
}

/* int open_like(const char *path), marked by --error 'ret < 0' */
static void test_error(void **state)
{
	struct wm_func *f = func_new("open_like", WM_SIG_PROTO);
	struct rec r;

	func_param(f, "path", T_STR, 0);
	f->sig.ret = T_INT;
	f->error_expr = (char *)"ret < 0";
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	r.hdr.ret = (__u32)-2;
	r.hdr.flags = WM_F_ERROR;
	rec_str(&r, 0, "/missing");
	rec_decode(&r);
	expect_text(f, &r.v,
		    TEXT_HEAD "open_like(path=\"/missing\") = -2 ENOENT [error]  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"path\",\"type\":\"const char *\","
			 "\"value\":\"/missing\"}],"
			 "\"result\":{\"type\":\"int\",\"value\":-2},"
			 "\"error\":{\"expr\":\"ret < 0\",\"errno\":\"ENOENT\"},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	/* -1 is "failed, see errno", not EPERM. */
	r.v.hdr.ret = ~0ULL;
	expect_text(f, &r.v, TEXT_HEAD "open_like(path=\"/missing\") = -1 [error]  <1.0 us>\n");
	expect_error_json(f, &r.v, "{\"expr\":\"ret < 0\"}");
	/* Past the errno range, or not marked: no name. */
	r.v.hdr.ret = (__u32)-4096;
	expect_text(f, &r.v, TEXT_HEAD "open_like(path=\"/missing\") = -4096 [error]  <1.0 us>\n");
	r.v.hdr.ret = (__u32)-13;
	expect_text(f, &r.v,
		    TEXT_HEAD "open_like(path=\"/missing\") = -13 EACCES [error]  <1.0 us>\n");
	r.v.hdr.flags = 0;
	expect_text(f, &r.v, TEXT_HEAD "open_like(path=\"/missing\") = -13  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"path\",\"type\":\"const char *\","
			 "\"value\":\"/missing\"}],"
			 "\"result\":{\"type\":\"int\",\"value\":-13},"
			 "\"latency_ns\":1000,\"depth\":0}\n");
	/* No expression written back. */
	r.v.hdr.flags = WM_F_ERROR;
	f->error_expr = NULL;
	expect_error_json(f, &r.v, "{\"expr\":null,\"errno\":\"EACCES\"}");
	/* An unsigned result is no -errno. */
	f->sig.ret = T_SIZE;
	r.v.hdr.ret = -2;
	expect_text(f, &r.v,
		    TEXT_HEAD "open_like(path=\"/missing\") = 18446744073709551614 [error]"
			      "  <1.0 us>\n");
	expect_error_json(f, &r.v, "{\"expr\":null}");
	/* A raw result is taken as a long. */
	f->sig.ret = type(WM_T_UNKNOWN, 8, false, "");
	expect_text(f, &r.v,
		    TEXT_HEAD "open_like(path=\"/missing\") = 0xfffffffffffffffe ENOENT [error]"
			      "  <1.0 us>\n");
	rec_free(&r);
	func_free(f);
}

/* The thread's errno a failing call left (WM_F_ERRNO), after the result. */
static void test_errno(void **state)
{
	struct wm_func *f = func_new("opendir", WM_SIG_PROTO);
	struct rec r;

	func_param(f, "name", T_STR, 0);
	f->sig.ret = type(WM_T_PTR, 8, false, "DIR *");
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	r.hdr.flags = WM_F_ERRNO;
	r.hdr.uerrno = ENOENT;
	rec_str(&r, 0, "/missing");
	rec_decode(&r);
	expect_text(f, &r.v, TEXT_HEAD "opendir(name=\"/missing\") = NULL ENOENT  <1.0 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"name\",\"type\":\"const char *\",\"value\":\"/missing\"}],"
			 "\"result\":{\"type\":\"DIR *\",\"value\":null,\"errno\":\"ENOENT\","
			 "\"errno_value\":2},\"latency_ns\":1000,\"depth\":0}\n");
	/* With --error: the error object names it too. */
	r.v.hdr.flags |= WM_F_ERROR;
	f->error_expr = (char *)"ret == NULL";
	expect_text(f, &r.v,
		    TEXT_HEAD "opendir(name=\"/missing\") = NULL ENOENT [error]  <1.0 us>\n");
	expect_error_json(f, &r.v, "{\"expr\":\"ret == NULL\",\"errno\":\"ENOENT\"}");
	/* A number with no name. */
	r.v.hdr.uerrno = 4000;
	expect_text(f, &r.v,
		    TEXT_HEAD "opendir(name=\"/missing\") = NULL errno=4000 [error]  <1.0 us>\n");
	expect_error_json(f, &r.v, "{\"expr\":\"ret == NULL\"}");
	/* Not read (no flag): the field says nothing. */
	r.v.hdr.flags = 0;
	r.v.hdr.uerrno = EACCES;
	expect_text(f, &r.v, TEXT_HEAD "opendir(name=\"/missing\") = NULL  <1.0 us>\n");
	/* A raw result: as the register shows it, then the name. */
	sig__free(&f->sig);
	sig__init_raw(&f->sig, "close");
	r.v.hdr.ret = 0xffffffff;
	r.v.hdr.args[0] = 0xffffffff;
	r.v.hdr.flags = WM_F_ERRNO | WM_F_ERROR;
	r.v.hdr.uerrno = EBADF;
	f->error_expr = NULL;
	expect_text(f, &r.v,
		    TEXT_HEAD
		    "opendir(0xffffffff, 0x0, 0x0, 0x0, 0x0, 0x0) = 0xffffffff EBADF [error]"
		    "  <1.0 us>\n");
	/* An unfinished call has no result, so no errno, whatever the flags say. */
	r.v.hdr.kind = WM_REC_UNFINISHED;
	r.v.hdr.flags = WM_F_THREAD_EXIT | WM_F_ERRNO;
	expect_text(f, &r.v,
		    TEXT_HEAD "opendir(0xffffffff, 0x0, 0x0, 0x0, 0x0, 0x0) = ? "
			      "<unfinished: thread exited>\n");
	rec_free(&r);
	func_free(f);
}

/* A call a C++ exception ended: its type, no result, an error of one shape. */
static void test_raised(void **state)
{
	struct wm_func *f = func_new("thrower", WM_SIG_PROTO);
	struct rec r;

	func_param(f, "x", T_INT, 0);
	f->sig.ret = T_INT;
	rec_init(&r, 3100);
	r.hdr.args[0] = 1;
	r.hdr.ret = 0x7f0000001000; /* the type name's address: never shown */
	r.hdr.flags = WM_F_RAISED | WM_F_ERROR;
	rec_decode(&r);
	r.v.exc_type = "std::runtime_error";
	expect_text(f, &r.v, TEXT_HEAD "thrower(x=1) raised std::runtime_error  <3.1 us>\n");
	expect_args_json(f, NULL, &r.v,
			 "{\"name\":\"x\",\"type\":\"int\",\"value\":1}],"
			 "\"error\":{\"expr\":null,\"type\":\"std::runtime_error\"},"
			 "\"latency_ns\":3100,\"depth\":0}\n");
	/* Even with an --error expression: it did not decide this one. */
	f->error_expr = (char *)"ret < 0";
	expect_error_json(f, &r.v, "{\"expr\":null,\"type\":\"std::runtime_error\"}");
	/* The target's bytes: escaped. Unknown: "?". */
	r.v.exc_type = "evil\n\"type";
	expect_text(f, &r.v, TEXT_HEAD "thrower(x=1) raised evil\\n\\\"type  <3.1 us>\n");
	expect_error_json(f, &r.v, "{\"expr\":null,\"type\":\"evil\\n\\\"type\"}");
	r.v.exc_type = NULL;
	expect_text(f, &r.v, TEXT_HEAD "thrower(x=1) raised ?  <3.1 us>\n");
	rec_free(&r);
	func_free(f);
}

/* int open_like(const char *path) with --stack */
static void test_stack(void **state)
{
	static const __u64 ips[] = { ADDR_TWICE, ADDR_TWICE + 0x1a, ADDR_LIBC, 0xdead0000, 0, 0 };
	struct wm_plan_opts po = { .str_cap = 64, .out_params = true, .stack = true };
	struct wm_func *f = func_new("open_like", WM_SIG_PROTO);
	struct fake_syms syms = {};
	struct wm_sym_hook hook = { fake_lookup, &syms };
	__u64 zeros[4] = {};
	struct wm_buf b = {};
	struct rec r;

	func_param(f, "path", T_STR, 0);
	f->sig.ret = T_INT;
	f->syms = &hook;
	plan__build(&f->sig, &po, &f->plan);
	assert_int_equal(f->plan.stack_slot, 0);
	assert_int_equal(f->plan.entry_slot[0], 1);
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	r.hdr.ret = 3;
	rec_slot(&r, 0, ips, sizeof(ips), false);
	rec_str(&r, 1, "/etc/hosts");
	rec_decode(&r);
	/* One line: the first frame is the function itself; the others return addresses. */
	format__call_text(&b, f, &r.v, &(struct wm_fmt_opts){ .utc = true });
	buf__free(&b);
	assert_int_equal(syms.calls, 4);
	assert_false(syms.ret_addr[0]);
	assert_true(syms.ret_addr[1] && syms.ret_addr[2] && syms.ret_addr[3]);
	/* Each in the maps of the call's own process. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(syms.pid[i], r.hdr.pid);
	expect_text_o(f, &po, &r.v,
		      TEXT_HEAD "open_like(path=\"/etc/hosts\") = 3  <1.0 us>\n"
				"    at twice (/usr/bin/app)\n"
				"    at twice+0x1a (/usr/bin/app)\n"
				"    at 0x7f0000001234 (/lib/libc.so.6)\n"
				"    at 0xdead0000 (?)\n");
	expect_args_json(f, &po, &r.v,
			 "{\"name\":\"path\",\"type\":\"const char *\","
			 "\"value\":\"/etc/hosts\"}],"
			 "\"result\":{\"type\":\"int\",\"value\":3},"
			 "\"latency_ns\":1000,\"stack\":["
			 "{\"addr\":\"0x401000\",\"symbol\":\"twice\",\"offset\":0,"
			 "\"object\":\"/usr/bin/app\"},"
			 "{\"addr\":\"0x40101a\",\"symbol\":\"twice\",\"offset\":26,"
			 "\"object\":\"/usr/bin/app\"},"
			 "{\"addr\":\"0x7f0000001234\",\"object\":\"/lib/libc.so.6\"},"
			 "{\"addr\":\"0xdead0000\"}],\"depth\":0}\n");
	/* An unfinished call has its stack too. */
	r.v.hdr.kind = WM_REC_UNFINISHED;
	r.v.hdr.flags = WM_F_THREAD_EXIT;
	expect_text_o(f, &po, &r.v,
		      TEXT_HEAD "open_like(path=\"/etc/hosts\") = ? <unfinished: thread exited>\n"
				"    at twice (/usr/bin/app)\n"
				"    at twice+0x1a (/usr/bin/app)\n"
				"    at 0x7f0000001234 (/lib/libc.so.6)\n"
				"    at 0xdead0000 (?)\n");
	/* Without the hook, numbers. */
	r.v.hdr.kind = WM_REC_CALL;
	r.v.hdr.flags = 0;
	f->syms = NULL;
	expect_text_o(f, &po, &r.v,
		      TEXT_HEAD "open_like(path=\"/etc/hosts\") = 3  <1.0 us>\n"
				"    at 0x401000 (?)\n"
				"    at 0x40101a (?)\n"
				"    at 0x7f0000001234 (?)\n"
				"    at 0xdead0000 (?)\n");
	rec_free(&r);

	/* No frame at all: no line, an empty array. */
	f->syms = &hook;
	rec_init(&r, 1000);
	r.hdr.args[0] = 0x1000;
	rec_slot(&r, 0, zeros, sizeof(zeros), false);
	rec_str(&r, 1, "/");
	rec_decode(&r);
	expect_text_o(f, &po, &r.v, TEXT_HEAD "open_like(path=\"/\") = 0  <1.0 us>\n");
	expect_args_json(f, &po, &r.v,
			 "{\"name\":\"path\",\"type\":\"const char *\","
			 "\"value\":\"/\"}],"
			 "\"result\":{\"type\":\"int\",\"value\":0},"
			 "\"latency_ns\":1000,\"stack\":[],\"depth\":0}\n");
	rec_free(&r);
	func_free(f);
}

/* Bytes of the process in members, char arrays, buffers and symbol names. */
static void test_hostile_members(void **state)
{
	static const char name[] = "\x1b]0;pwn\x07\xff\"\n";
	static const char bytes[] = "\x00\x1b[2J\x9b\xc2\x9b\"\\";
	struct wm_fmt_opts o = { .utc = true };
	struct wm_sym_hook hook = { .lookup = fake_lookup };
	struct wm_plan_opts po = { .str_cap = 64, .out_params = true, .stack = true };
	unsigned char in[ITEM_SIZE];
	__u64 ips[2] = { ADDR_EVIL, ADDR_EVIL };
	struct wm_func *f = fill_func(), *g = func_new("checksum", WM_SIG_DWARF);
	struct wm_buf b = {};
	struct rec r, r2;

	item_bytes(in, 7, -4, 0x5000);
	in[9] = 0x1b;
	memcpy(in + 10, "\x1b[2J\n\"", 6);
	le_put(in + 80, ADDR_EVIL, 8);
	fill_rec(&r, 0x7000, in, name, in);
	expect_text(f, &r.v,
		    TEXT_HEAD
		    "fill(it={id=7, c=BLUE, on=true, mark='\\x1b', tag=\"\\x1b[2J\\n\\\"\", "
		    "v=[1, 2, 3, 4, 5, 6, 7, 8, ...], a=5, b=-3, c2=true, inner={...}, "
		    "ptr=0x666000, name=\"\\x1b]0;pwn\\a\\xff\\\"\\n\"}, n=3) = 0 -> "
		    "it={id=7, c=BLUE, on=true, mark='\\x1b', tag=\"\\x1b[2J\\n\\\"\", "
		    "v=[1, 2, 3, 4, 5, 6, 7, 8, ...], a=5, b=-3, c2=true, inner={...}, "
		    "ptr=0x666000, name=\"\\x1b]0;pwn\\a\\xff\\\"\\n\"}  <1.0 us>\n");

	func_param(g, "data", buf_type("const unsigned char *", EL_UCHAR, true, 1), 0);
	func_param(g, "fn", type(WM_T_FUNCPTR, 8, false, "void (*)(void)"), 1);
	g->sig.ret = T_INT;
	g->syms = &hook;
	plan__build(&g->sig, &po, &g->plan);
	rec_init(&r2, 1000);
	r2.hdr.args[0] = 0x6000;
	r2.hdr.args[1] = ADDR_EVIL;
	rec_slot(&r2, 0, ips, sizeof(ips), false);
	rec_slot(&r2, 1, bytes, sizeof(bytes) - 1, true);
	rec_decode(&r2);
	expect_text_o(g, &po, &r2.v,
		      TEXT_HEAD "checksum(data=\"\\0\\x1b[2J\\x9b\\u{009B}\\\"\\\\\"..., "
				"fn=ev\\x1b[2Jil\\n) = 0  <1.0 us>\n"
				"    at ev\\x1b[2Jil\\n (/tmp/\\a\\\"x)\n"
				"    at ev\\x1b[2Jil\\n (/tmp/\\a\\\"x)\n");

	/* The same in every form, unfinished too: no control byte, valid JSON. */
	format__call_text(&b, f, &r.v, &o);
	assert_no_ctl(b.p);
	buf__reset(&b);
	format__call_text(&b, g, &r2.v, &o);
	for (char *l = strtok(b.p, "\n"); l; l = strtok(NULL, "\n"))
		for (; *l; l++)
			assert_false((unsigned char)*l < 0x20 || *l == 0x7f);
	buf__reset(&b);
	format__call_json(&b, f, &r.v);
	format__call_json(&b, g, &r2.v);
	r.v.hdr.kind = r2.v.hdr.kind = WM_REC_UNFINISHED;
	format__call_json(&b, f, &r.v);
	format__call_json(&b, g, &r2.v);
	assert_int_equal(b.err, 0);
	assert_json_lines(b.p, 4);
	buf__free(&b);
	rec_free(&r);
	rec_free(&r2);
	func_free(f);
	func_free(g);
}

/* A buffer whose allocation already failed stays empty and failed, whatever the line. */
static void test_failed_buffer(void **state)
{
	unsigned char in[ITEM_SIZE];
	struct wm_func *f = fill_func();
	struct wm_fmt_opts o = { .utc = true };
	struct wm_buf b = { .err = -ENOMEM };
	struct rec r;

	/* v[10] is cut at 8 in JSON, tag and name are strings, the struct is read twice. */
	item_bytes(in, 7, -4, 0x5000);
	fill_rec(&r, 0x7000, in, "a", in);
	format__call_json(&b, f, &r.v);
	format__call_text(&b, f, &r.v, &o);
	format__args_json(&b, f, &r.v);
	assert_int_equal(b.err, -ENOMEM);
	assert_int_equal(b.len, 0);
	assert_null(b.p);
	rec_free(&r);
	func_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_void_and_unnamed),
		cmocka_unit_test(test_unfinished),
		cmocka_unit_test(test_raw_sig),
		cmocka_unit_test(test_names_escaped),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_as_printf),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_json_well_formed),
		cmocka_unit_test(test_struct_pointer),
		cmocka_unit_test(test_struct_short),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_struct_by_value),
		cmocka_unit_test(test_struct_on_stack),
		cmocka_unit_test(test_out_int),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_funcptr),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_raised),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_hostile_members),
		cmocka_unit_test(test_failed_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
