// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The --filter / --error expression language: parsing and its errors, the
 * type rules, the compiled program, the reference evaluator, the canonical
 * printer, and a property test against a tree-walking evaluator written
 * here from the documented semantics.
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

#include "plan/expr.h"
#include "types/proto.h"
#include "types/sig.h"

#define SEARCH "int search(const char *pat, const char *s, size_t n, char c, bool flag, uint16_t u)"

static void sig_of(const char *proto, struct wm_sig *sig)
{
	char err[128];
	int col;

	sig__free(sig);
	if (proto__parse(proto, sig, &col, err, sizeof(err)))
		fail_msg("prototype '%s': %d: %s", proto, col, err);
}

static void parse_ok_sz(const char *text, const struct wm_sig *sig, int string_size,
			struct wm_expr *e)
{
	char err[256] = "";
	int col = -1;

	if (expr__parse(text, sig, string_size, e, &col, err, sizeof(err)))
		fail_msg("'%s' failed at column %d: %s", text, col, err);
	assert_int_equal(col, 0);
	assert_int_equal(expr__validate(e), 0);
}

static void parse_ok(const char *text, const struct wm_sig *sig, struct wm_expr *e)
{
	parse_ok_sz(text, sig, 64, e);
}

static void parse_err_sz(const char *text, const struct wm_sig *sig, int string_size, int want_col,
			 const char *want)
{
	struct wm_expr e;
	char err[256] = "";
	int col = -1;

	assert_int_equal(expr__parse(text, sig, string_size, &e, &col, err, sizeof(err)), -EINVAL);
	if (col != want_col || strcmp(err, want))
		fail_msg("'%s': got column %d '%s'\n   want column %d '%s'", text, col, err,
			 want_col, want);
	assert_null(strchr(err, '\n'));
	assert_int_equal(e.nr_ops, 0);
}

static void parse_err(const char *text, const struct wm_sig *sig, int want_col, const char *want)
{
	parse_err_sz(text, sig, 64, want_col, want);
}

static void same_program(const struct wm_expr *a, const struct wm_expr *b)
{
	assert_int_equal(a->nr_ops, b->nr_ops);
	assert_int_equal(a->str_used, b->str_used);
	assert_memory_equal(a->ops, b->ops, a->nr_ops * sizeof(a->ops[0]));
	assert_memory_equal(a->pool, b->pool, a->str_used);
}

/* Parses, prints as want, and the printed text compiles to the same program. */
static void canon(const char *text, const struct wm_sig *sig, const char *want)
{
	struct wm_expr e, again;
	char buf[1024];
	int n;

	parse_ok(text, sig, &e);
	n = expr__snprint(&e, sig, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("'%s' printed as '%s', want '%s'", text, buf, want);
	assert_int_equal(n, strlen(want));
	parse_ok(buf, sig, &again);
	same_program(&e, &again);
}

/* ---- call views ---- */

struct call {
	struct wm_call_view v;
	char strs[WM_NR_SLOTS][WM_STR_MAX];
};

static void call_init(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->v.hdr.kind = WM_REC_CALL;
	for (int i = 0; i < WM_NR_SLOTS; i++) {
		c->v.str_len[i] = WM_STR_NONE;
		c->v.hdr.str_len[i] = WM_STR_NONE;
	}
}

/* A string read in slot i: pointer, bytes, and whether it was cut. */
static void call_str(struct call *c, int slot, const char *s, bool trunc)
{
	size_t n = strlen(s);

	memcpy(c->strs[slot], s, n);
	c->v.str[slot] = c->strs[slot];
	c->v.str_len[slot] = n;
	c->v.hdr.str_len[slot] = n;
	if (trunc)
		c->v.hdr.str_trunc |= 1 << slot;
	else
		c->v.hdr.str_trunc &= ~(1 << slot);
	if (slot == WM_VAL_RET)
		c->v.hdr.ret = 0x7ffd0000 + slot;
	else
		c->v.hdr.args[slot] = 0x7ffd0000 + slot;
}

static void call_fault(struct call *c, int slot)
{
	c->v.str[slot] = NULL;
	c->v.str_len[slot] = WM_STR_FAULT;
	c->v.hdr.str_len[slot] = WM_STR_FAULT;
	if (slot == WM_VAL_RET)
		c->v.hdr.ret = 0xdead0000;
	else
		c->v.hdr.args[slot] = 0xdead0000;
}

static void call_null(struct call *c, int slot)
{
	c->v.str[slot] = NULL;
	c->v.str_len[slot] = WM_STR_NONE;
	c->v.hdr.str_len[slot] = WM_STR_NONE;
	if (slot == WM_VAL_RET)
		c->v.hdr.ret = 0;
	else
		c->v.hdr.args[slot] = 0;
}

static bool eval(const char *text, const struct wm_sig *sig, const struct call *c)
{
	struct wm_expr e;

	parse_ok(text, sig, &e);
	return expr__eval(&e, &c->v, NULL);
}

/* ---- parsing and printing ---- */

static void test_compiled_form(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;

	sig_of(SEARCH, &sig);
	parse_ok("ret < 0 || pat == \"ab*\" && !(n > 0x10)", &sig, &e);
	assert_int_equal(e.nr_ops, 6);
	/* ret < 0 */
	assert_int_equal(e.ops[0].code, WM_EXPR_CMP);
	assert_int_equal(e.ops[0].src, WM_EXPR_SRC_RET);
	assert_int_equal(e.ops[0].cmp, WM_CMP_LT);
	assert_int_equal(e.ops[0].size, 4);
	assert_int_equal(e.ops[0].is_signed, 1);
	assert_int_equal(e.ops[0].imm, 0);
	/* pat == "ab*" */
	assert_int_equal(e.ops[1].code, WM_EXPR_STR_PREFIX);
	assert_int_equal(e.ops[1].src, 0);
	assert_int_equal(e.ops[1].cmp, WM_CMP_EQ);
	assert_int_equal(e.ops[1].str_off, 0);
	assert_int_equal(e.ops[1].str_len, 2);
	assert_int_equal(e.str_used, 2);
	assert_memory_equal(e.pool, "ab", 2);
	/* n > 0x10 */
	assert_int_equal(e.ops[2].code, WM_EXPR_CMP);
	assert_int_equal(e.ops[2].src, 2);
	assert_int_equal(e.ops[2].cmp, WM_CMP_GT);
	assert_int_equal(e.ops[2].size, 8);
	assert_int_equal(e.ops[2].is_signed, 0);
	assert_int_equal(e.ops[2].imm, 16);
	assert_int_equal(e.ops[3].code, WM_EXPR_NOT);
	assert_int_equal(e.ops[4].code, WM_EXPR_AND);
	assert_int_equal(e.ops[5].code, WM_EXPR_OR);
	assert_int_equal(e.max_depth, 3);

	/* Negative literals are stored sign-extended to 64 bits. */
	parse_ok("ret == -1", &sig, &e);
	assert_int_equal(e.ops[0].imm, UINT64_MAX);
	/* For an unsigned type, -1 is all ones of its width, as C converts it. */
	parse_ok("u == -1", &sig, &e);
	assert_int_equal(e.ops[0].imm, 0xffff);
	assert_int_equal(e.ops[0].size, 2);
	assert_int_equal(e.ops[0].is_signed, 0);
	/* And 0xffffffff is -1 for an int. */
	parse_ok("ret == 0xffffffff", &sig, &e);
	assert_int_equal(e.ops[0].imm, UINT64_MAX);
	sig__free(&sig);
}

static void test_canonical(void **state)
{
	struct wm_sig sig = { 0 }, raw = { 0 }, sdup = { 0 };

	sig_of(SEARCH, &sig);
	sig__init_raw(&raw, "f");
	sig_of("char *strdup(const char *s)", &sdup);

	canon("ret<0", &sig, "ret < 0");
	canon("  0 >ret ", &sig, "ret < 0");
	canon("-5 <= ret", &sig, "ret >= -5");
	canon("n == 0x10", &sig, "n == 16");
	canon("arg2 >= 3", &sig, "n >= 3");
	canon("pat == \"a\\tb\\\"\"", &sig, "pat == \"a\\tb\\\"\"");
	canon("pat != \"ab*\"", &sig, "pat != \"ab*\"");
	canon("pat == \"ab\\*\"", &sig, "pat == \"ab\\*\"");
	canon("pat == \"ab\\**\"", &sig, "pat == \"ab\\**\"");
	canon("pat == \"a*b\"", &sig, "pat == \"a*b\"");
	canon("pat == \"\\x41\\x42\\xff\\101\\x1b\"", &sig, "pat == \"AB\\xffA\\x1b\"");
	canon("s == NULL", &sig, "s == NULL");
	canon("NULL != s", &sig, "s != NULL");
	canon("c == 'x' || c == '\\n' || c == '\\''", &sig, "c == 'x' || c == '\\n' || c == '\\''");
	canon("c == 65", &sig, "c == 'A'");
	canon("c < -1", &sig, "c < '\\xff'");
	canon("flag", &sig, "flag == true");
	canon("!flag", &sig, "!(flag == true)");
	canon("flag == false", &sig, "flag == false");
	canon("flag != true", &sig, "flag == false");
	canon("flag == 1", &sig, "flag == true");
	canon("latency > 1000000ns", &sig, "latency > 1ms");
	canon("latency > 1.5ms", &sig, "latency > 1500us");
	canon("latency >= 2s && latency < 250us", &sig, "latency >= 2s && latency < 250us");
	canon("latency != 7ns", &sig, "latency != 7ns");
	canon("u == -1", &sig, "u == 65535");
	canon("ret == 1 || ret == 2 && !(ret == 3)", &sig, "ret == 1 || ret == 2 && !(ret == 3)");
	canon("(ret == 1 || ret == 2) && ret == 3", &sig, "(ret == 1 || ret == 2) && ret == 3");
	canon("ret == 1 || (ret == 2 || ret == 3)", &sig, "ret == 1 || (ret == 2 || ret == 3)");
	canon("((ret == 1) || ret == 2) || ret == 3", &sig, "ret == 1 || ret == 2 || ret == 3");
	canon("!!(ret == 1)", &sig, "!!(ret == 1)");
	canon("!(ret == 1 && n > 2)", &sig, "!(ret == 1 && n > 2)");
	canon("\t(ret\n==\r1)", &sig, "ret == 1");

	/* Raw registers are longs; pointers print in hex. */
	canon("arg0 == -1 && ret < 0 && arg5 == 'a'", &raw, "arg0 == -1 && ret < 0 && arg5 == 97");
	canon("ret == NULL || ret == \"x\"", &sdup, "ret == NULL || ret == \"x\"");
	canon("arg3 == 0x10", &sig, "c == '\\x10'");
	sig__free(&sig);
	sig__free(&raw);
	sig__free(&sdup);
}

static void test_enum_funcptr_buf(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;

	/* A function pointer and a counted buffer are addresses. */
	sig_of("int f(int (*cb)(int), const void *buf[n], size_t n)", &sig);
	assert_int_equal(sig.params[0].type.kind, WM_T_FUNCPTR);
	assert_int_equal(sig.params[1].type.kind, WM_T_BUF);
	parse_ok("cb != NULL && buf == NULL && n > 2", &sig, &e);
	assert_int_equal(e.ops[0].size, 8);
	parse_err("cb == 'a'", &sig, 7,
		  "'cb' is 'int (*)(int)': compare it with NULL or an address");

	/* An enum (as DWARF gives it) compares as its integer. */
	sig.params[2].type.kind = WM_T_ENUM;
	sig.params[2].type.size = 4;
	sig.params[2].type.is_signed = true;
	parse_ok("n == -2", &sig, &e);
	assert_int_equal(e.ops[0].size, 4);
	assert_int_equal(e.ops[0].is_signed, 1);
	sig__free(&sig);
}

static void test_names(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;
	char buf[128];

	/* A parameter named like a keyword is reached through its register. */
	sig_of("int f(int ret, int latency, int arg0, int x)", &sig);
	parse_ok("ret == 1 && arg0 == 2 && arg2 == 3 && x == 4", &sig, &e);
	assert_int_equal(e.ops[0].src, WM_EXPR_SRC_RET);
	assert_int_equal(e.ops[1].src, 0);
	assert_int_equal(e.ops[3].src, 2);
	assert_int_equal(e.ops[5].src, 3);
	expr__snprint(&e, &sig, buf, sizeof(buf));
	assert_string_equal(buf, "ret == 1 && arg0 == 2 && arg2 == 3 && x == 4");
	parse_err("latencyx == 1", &sig, 1,
		  "unknown name 'latencyx': parameters are x (or arg0..arg5, ret, latency)");

	/* Unnamed parameters: argN, typed by the prototype. */
	sig_of("int f(int, unsigned char)", &sig);
	parse_ok("arg0 < 0 && arg1 == 'a'", &sig, &e);
	assert_int_equal(e.ops[0].size, 4);
	assert_int_equal(e.ops[1].size, 1);
	expr__snprint(&e, &sig, buf, sizeof(buf));
	assert_string_equal(buf, "arg0 < 0 && arg1 == 'a'");
	/* Past the named parameters, a register is raw. */
	parse_ok("arg4 == -1", &sig, &e);
	assert_int_equal(e.ops[0].size, 8);
	assert_int_equal(e.ops[0].is_signed, 1);

	/* Without a signature at all, every operand is a raw register. */
	parse_ok("arg1 < 0 || ret == 2", NULL, &e);
	expr__snprint(&e, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "arg1 < 0 || ret == 2");

	/* A printer without the signature still writes something that parses. */
	sig_of(SEARCH, &sig);
	parse_ok("n > 1 && flag", &sig, &e);
	expr__snprint(&e, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "arg2 > 1 && arg4 == true");
	sig__free(&sig);
}

/* "c == BLUE" compiles to the enumerator's value; an unknown name lists them. */
static void test_enumerators(void **state)
{
	static const struct {
		const char *name;
		long long value;
	} vals[] = { { "RED", 1 }, { "GREEN", 2 }, { "BLUE", -4 } };
	struct wm_sig sig = { 0 };
	struct wm_expr e;

	(void)state;
	sig_of("int paint(int c, int n)", &sig);
	sig.params[0].type.kind = WM_T_ENUM;
	snprintf(sig.params[0].type.name, sizeof(sig.params[0].type.name), "enum color");
	sig.params[0].type.first_enum = 0;
	sig.params[0].type.nr_enums = 3;
	assert_int_equal(sig__reserve_enums(&sig, 3), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(sig.enums[i].name, sizeof(sig.enums[i].name), "%s", vals[i].name);
		sig.enums[i].value = vals[i].value;
	}
	sig.nr_enums = 3;
	parse_ok("c == BLUE", &sig, &e);
	assert_int_equal(e.nr_ops, 1);
	assert_int_equal((long long)e.ops[0].imm, -4);
	assert_int_equal(e.ops[0].size, 4);
	assert_true(e.ops[0].is_signed);
	parse_ok("c != GREEN && c >= RED", &sig, &e);
	assert_int_equal(e.ops[0].imm, 2);
	assert_int_equal(e.ops[1].imm, 1);
	parse_err(
		"c == PURPLE", &sig, 6,
		"'PURPLE' is not an enumerator of 'enum color': use one of RED, GREEN, BLUE, or a "
		"number");
	/* Only an enum's operand takes enumerators. */
	parse_err("n == BLUE", &sig, 6,
		  "'BLUE' is not a literal: compare with a number, \"string\", 'c', NULL, true, "
		  "false "
		  "or a duration");
	sig__free(&sig);
}

static void test_errors(void **state)
{
	struct wm_sig sig = { 0 }, vf = { 0 }, many = { 0 }, raw = { 0 }, sdup = { 0 };
	struct wm_expr e;

	sig_of(SEARCH, &sig);
	sig_of("void g(int a, double d, long b)", &vf);
	sig_of("long h(long a, long b, long c, long d, long e, long f, long g)", &many);
	sig_of("char *strdup(const char *s)", &sdup);
	sig__init_raw(&raw, "r");

	parse_err("", &sig, 1, "empty expression: write a comparison such as 'ret < 0'");
	parse_err("   ", &sig, 4, "empty expression: write a comparison such as 'ret < 0'");
	parse_err("pattern == \"a\"", &sig, 1,
		  "unknown name 'pattern': parameters are pat, s, n, c, flag, u (or arg0..arg5, "
		  "ret, latency)");
	parse_err("x == 1", &raw, 1, "unknown name 'x': use arg0..arg5, ret or latency");
	parse_err("ret == 0", &vf, 1,
		  "'ret' of a void function: g returns nothing; compare its arguments or latency");
	parse_err("d > 1", &vf, 1,
		  "'d' is 'double': floating-point values travel in SSE registers, which a uprobe "
		  "cannot read");
	/* The seventh integer argument is the first stack eightbyte: value 6. */
	parse_ok("g == 1", &many, &e);
	assert_int_equal(e.ops[0].src, WM_MAX_ARGS);
	parse_err("arg6 == 1", &many, 1,
		  "no register 'arg6': the six integer argument registers are arg0..arg5");
	parse_err("pat < \"a\"", &sig, 5,
		  "'pat' is a string: it compares only with == and != (a trailing * matches a "
		  "prefix: \"abc*\")");
	parse_err("pat == 1", &sig, 8,
		  "'pat' is a string ('const char *'): compare it with \"text\", \"prefix*\" or "
		  "NULL");
	parse_err("pat > NULL", &sig, 5, "'pat' compares with NULL only with == and !=");
	parse_err("n == \"1\"", &sig, 6,
		  "'n' is 'size_t', not a string (only char * is read as one)");
	parse_err("ret == 1 x", &sig, 10,
		  "expected '&&', '||' or the end of the expression, found 'x'");
	parse_err("ret == 1)", &sig, 9, "unmatched ')'");
	parse_err("(ret == 1", &sig, 1, "unbalanced '(': add the matching ')'");
	parse_err("((ret == 1) && (n > 1)", &sig, 1, "unbalanced '(': add the matching ')'");
	parse_err("(ret == 1 n", &sig, 11, "expected ')', '&&' or '||', found 'n'");
	parse_err("ret = 1", &sig, 5, "'=' is not a comparison: use '=='");
	parse_err("ret == 1 & n > 1", &sig, 10, "'&' is not an operator: use '&&'");
	parse_err("ret == 1 | n > 1", &sig, 10, "'|' is not an operator: use '||'");
	parse_err("ret == 1 && ", &sig, 13, "expected a comparison, found end of text");
	parse_err("ret == 1 && && n", &sig, 13, "expected a comparison, found '&&'");
	parse_err("ret", &sig, 4, "expected ==, !=, <, <=, > or >= after 'ret'");
	parse_err("ret ==", &sig, 7,
		  "expected a number, \"string\", 'c', NULL, true, false or a duration, found 'end "
		  "of text'");
	parse_err("ret == n", &sig, 8,
		  "'ret' == 'n': compare an operand with a literal, not with another operand");
	parse_err("1 == 2", &sig, 6, "two literals: one side must be a parameter, ret or latency");
	parse_err("1 n", &sig, 3,
		  "expected ==, !=, <, <=, > or >= after the literal, then an operand");
	parse_err("ret == 1 @", &sig, 10, "unexpected character '@'");
	parse_err("ret == \x01", &sig, 8, "unexpected byte 0x01");
	parse_err("pat == \"abc", &sig, 8, "unterminated string: add the closing \"");
	parse_err("c == 'a", &sig, 6, "unterminated character: add the closing '");
	parse_err("c == ''", &sig, 6, "empty character literal");
	parse_err("c == 'ab'", &sig, 6, "a character literal holds one character: use a string");
	parse_err("pat == \"a\\q\"", &sig, 10,
		  "unknown escape '\\q': use \\n, \\t, \\\\, \\\", \\xHH...");
	parse_err("pat == \"a\\x\"", &sig, 10, "'\\x' needs one or two hex digits");
	parse_err("pat == \"a\\0b\"", &sig, 10,
		  "a string cannot contain a NUL byte: it would never match");
	parse_err("c == '\\777'", &sig, 7, "octal escape larger than \\377");
	parse_err("ret == 012", &sig, 8,
		  "'012': octal is not supported; write it in decimal or 0x hex");
	parse_err("ret == 10UL", &sig, 8,
		  "bad number '10UL': integers are decimal or 0x hex, durations end in ns, us, ms "
		  "or s");
	parse_err("ret == 0xg", &sig, 8, "bad hex number '0xg'");
	parse_err("n == 18446744073709551616", &sig, 6, "number too large for 64 bits");
	parse_err("n == 0x10000000000000000", &sig, 6, "number too large for 64 bits");
	parse_err("ret == - x", &sig, 10, "expected a number after '-'");
	parse_err(
		"ret == foo", &sig, 8,
		"'foo' is not a literal: compare with a number, \"string\", 'c', NULL, true, false "
		"or a duration");

	/* Types of literals. */
	parse_err("latency > 1", &sig, 11,
		  "latency compares with a duration: 1ms, 250us, 2s, 100ns");
	parse_err("latency > -1ms", &sig, 11, "a duration cannot be negative");
	parse_err("ret > 1ms", &sig, 7, "a duration compares only with latency");
	parse_err("latency > 1.5", &sig, 11,
		  "'1.5' needs a unit: ns, us, ms or s (integers are whole)");
	parse_err("latency > 1.5ns", &sig, 11, "'1.5ns' is not a whole number of nanoseconds");
	parse_err("latency > 1.ms", &sig, 11, "a digit must follow '.' in '1.ms'");
	parse_err("latency > 0.0000000001s", &sig, 11, "more than 9 decimals in a duration");
	parse_err("latency > 18446744074s", &sig, 11,
		  "duration too long for 64 bits of nanoseconds");
	parse_err("latency > 5min", &sig, 11,
		  "bad number '5min': integers are decimal or 0x hex, durations end in ns, us, ms "
		  "or s");
	parse_err("flag > false", &sig, 6, "'flag' is 'bool': use == or != with true or false");
	parse_err("flag == 2", &sig, 9, "'flag' is 'bool': compare it with true or false");
	parse_err("n == NULL", &sig, 6, "'n' is 'size_t', not a pointer: compare it with a number");
	parse_err("n == true", &sig, 6, "'n' is 'size_t', not bool: compare it with a number");

	/* Ranges, and comparisons that cannot depend on the value. */
	parse_err("n < 0", &sig, 1, "'n < 0' is always false: 'n' is 'size_t', which is unsigned");
	parse_err("0 > n", &sig, 1, "'0 > n' is always false: 'n' is 'size_t', which is unsigned");
	parse_err("n >= 0", &sig, 1, "'n >= 0' is always true: 'n' is 'size_t', which is unsigned");
	parse_err("n > -1", &sig, 1, "'n > -1' is always true: 'n' is 'size_t', which is unsigned");
	parse_err("u > 65535", &sig, 1,
		  "'u > 65535' is always false: 'u' is 'uint16_t' (0..65535)");
	parse_err("u <= 70000", &sig, 1,
		  "'u <= 70000' is always true: 'u' is 'uint16_t' (0..65535)");
	parse_err("ret < -2147483648", &sig, 1,
		  "'ret < -2147483648' is always false: 'ret' is 'int' (-2147483648..2147483647)");
	parse_err("u == 65536", &sig, 6, "'65536' is out of range for 'u' ('uint16_t': 0..65535)");
	parse_err("u == -32769", &sig, 6,
		  "'-32769' is out of range for 'u' ('uint16_t': 0..65535)");
	parse_err("c == 256", &sig, 6, "'256' is out of range for 'c' ('char': -128..127)");
	parse_err("latency < 0ns", &sig, 1,
		  "'latency < 0ns' is always false: 'latency' is 'latency', which is unsigned");
	/* Quoted as tokens, so a message stays one line whatever the whitespace. */
	parse_err("latency<\n\n\t0s", &sig, 1,
		  "'latency < 0s' is always false: 'latency' is 'latency', which is unsigned");
	parse_err("u == -\n 32769", &sig, 6,
		  "'-32769' is out of range for 'u' ('uint16_t': 0..65535)");
	parse_err("s == NULL && ret != 0 && s < NULL", &sig, 28,
		  "'s' compares with NULL only with == and !=");

	/* Strings against --string-size and the pool. */
	parse_err_sz("pat == \"abcde\"", &sig, 4, 8,
		     "the string is 5 bytes, longer than --string-size 4: it could never match");
	sig__free(&sig);
	sig__free(&vf);
	sig__free(&many);
	sig__free(&raw);
	sig__free(&sdup);
}

static void test_string_limits(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;
	char text[2048], part[300];

	sig_of(SEARCH, &sig);
	parse_ok_sz("pat == \"abcd\" && s == \"abcd*\"", &sig, 4, &e);
	parse_err_sz("pat == \"abcde*\"", &sig, 4, 8,
		     "the string is 5 bytes, longer than --string-size 4: it could never match");

	/* 200 + 56 bytes fill the pool exactly; one more byte is refused. */
	memset(part, 'a', 200);
	part[200] = '\0';
	snprintf(text, sizeof(text), "pat == \"%s\" || s == \"%.56s\"", part, part);
	parse_ok_sz(text, &sig, 1024, &e);
	assert_int_equal(e.str_used, WM_EXPR_STR_MAX);
	snprintf(text, sizeof(text), "pat == \"%s\" || s == \"%.57s\"", part, part);
	parse_err_sz(text, &sig, 1024, 219,
		     "too much string data: more than 256 bytes of string constants, the limit of "
		     "the BPF evaluator");
	/* A single constant longer than the pool. */
	memset(part, 'b', 257);
	part[257] = '\0';
	snprintf(text, sizeof(text), "pat == \"%s\"", part);
	parse_err_sz(text, &sig, 0, 8,
		     "too much string data: more than 256 bytes of string constants, the limit of "
		     "the BPF evaluator");
	sig__free(&sig);
}

static void test_op_limit(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;
	char text[4096];
	size_t len = 0;
	int i;

	sig_of(SEARCH, &sig);
	/* 16 comparisons and 15 '||': 31 ops. */
	for (i = 0; i < 16; i++)
		len += snprintf(text + len, sizeof(text) - len, "%sret == %d", i ? " || " : "", i);
	parse_ok(text, &sig, &e);
	assert_int_equal(e.nr_ops, 31);
	assert_int_equal(e.max_depth, 2);
	/* A NOT makes 32, the limit. */
	memmove(text + 1, text, strlen(text) + 1);
	text[0] = '!';
	parse_ok(text, &sig, &e);
	assert_int_equal(e.nr_ops, 32);
	/* One comparison more is the 33rd op. */
	len = strlen(text);
	snprintf(text + len, sizeof(text) - len, " || ret == 99");
	parse_err(text, &sig, len + 5,
		  "expression too large: more than 32 operations, the limit of the BPF evaluator; "
		  "split it or simplify it");
	/* Without the NOT, the 33rd op is the last '||'. */
	text[0] = ' ';
	parse_err(text, &sig, len + 2,
		  "expression too large: more than 32 operations, the limit of the BPF evaluator; "
		  "split it or simplify it");

	/* Right-nested: the stack grows to 16. */
	len = 0;
	for (i = 0; i < 15; i++)
		len += snprintf(text + len, sizeof(text) - len, "ret == %d || (", i);
	len += snprintf(text + len, sizeof(text) - len, "ret == 15");
	for (i = 0; i < 15; i++)
		text[len++] = ')';
	text[len] = '\0';
	parse_ok(text, &sig, &e);
	assert_int_equal(e.max_depth, 16);

	/* A long run of '!' and deep parentheses end in an error, not a crash. */
	memset(text, '!', 3000);
	strcpy(text + 3000, "flag");
	parse_err(text, &sig, 34,
		  "expression too large: more than 32 operations, the limit of the BPF evaluator; "
		  "split it or simplify it");
	memset(text, '(', 3000);
	strcpy(text + 3000, "flag");
	parse_err(text, &sig, 33, "parentheses nested too deeply (more than 32)");
	sig__free(&sig);
}

/* What wrapmon-trace(8) shows under EXPRESSIONS, against the prototypes it implies. */
static void test_readme(void **state)
{
	static const char *const ok[] = {
		"ret < 0",
		"ret == -1 || ret == -2",
		"pat == \"abc\" && n > 100",
		"pat == \"GET *\" && latency > 1ms",
		"!(flag || c == '\\n') && (ret < 0 || latency >= 250us)",
		"arg2 >= 0x1000",
		"0 > ret",
		"!ret == 0",
		"flag",
		"latency > 1.5ms && latency < 2s && latency > 100ns",
	};
	struct wm_sig sig = { 0 }, two = { 0 }, sz = { 0 };
	struct wm_expr e;

	sig_of("int f(const char *pat, const char *s, size_t n, char c, bool flag, uint16_t u)",
	       &sig);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		parse_ok(ok[i], &sig, &e);
	sig_of("size_t iconv(void *cd, char **in, size_t *inleft, char **out, size_t *outleft)",
	       &sz);
	parse_ok("ret == -1", &sz, &e);
	assert_int_equal(e.ops[0].imm, UINT64_MAX);
	parse_err("n < 0", &sig, 1, "'n < 0' is always false: 'n' is 'size_t', which is unsigned");
	parse_err("u == 65536", &sig, 6, "'65536' is out of range for 'u' ('uint16_t': 0..65535)");

	sig_of("int search(const char *pat, const char *s)", &two);
	parse_err("pattern == \"a\"", &two, 1,
		  "unknown name 'pattern': parameters are pat, s (or arg0..arg5, ret, latency)");
	parse_err("pat < \"a\"", &two, 5,
		  "'pat' is a string: it compares only with == and != (a trailing * matches a "
		  "prefix: \"abc*\")");
	parse_err("(ret == 1", &two, 1, "unbalanced '(': add the matching ')'");
	canon("0 > ret", &two, "ret < 0");
	canon("latency > 1000000ns", &two, "latency > 1ms");
	sig__free(&sig);
	sig__free(&two);
	sig__free(&sz);
}

/* ---- evaluation ---- */

static void test_eval_widths(void **state)
{
	struct wm_sig sig = { 0 };
	struct call c;

	sig_of("int f(int i, unsigned int ui, short sh, unsigned char uc, long l, uint8_t b8)",
	       &sig);
	call_init(&c);

	/* int -1 with garbage in the upper half of the register is -1. */
	c.v.hdr.ret = 0xdeadbeefffffffffull;
	assert_true(eval("ret == -1", &sig, &c));
	assert_true(eval("ret < 0", &sig, &c));
	assert_false(eval("ret > 0", &sig, &c));
	assert_true(eval("ret == 0xffffffff", &sig, &c));
	c.v.hdr.ret = 0x1234567800000005ull;
	assert_true(eval("ret == 5 && ret > 4 && ret <= 5 && ret >= 5 && ret != 6", &sig, &c));

	/* The same bits are 4294967295 for an unsigned int. */
	c.v.hdr.args[1] = 0xdeadbeefffffffffull;
	assert_true(eval("ui == 4294967295", &sig, &c));
	assert_true(eval("ui == -1", &sig, &c));
	assert_true(eval("ui > 2147483647", &sig, &c));
	assert_false(eval("ui < 1", &sig, &c));

	/* short: sign from bit 15. */
	c.v.hdr.args[2] = 0xffffffff00008000ull;
	assert_true(eval("sh == -32768", &sig, &c));
	assert_true(eval("sh < -1", &sig, &c));
	c.v.hdr.args[2] = 0xffffffffffff7fffull;
	assert_true(eval("sh == 32767", &sig, &c));

	/* unsigned char: 0xff is 255, and the character '\xff'. */
	c.v.hdr.args[3] = 0x12345678abcdefffull;
	assert_true(eval("uc == 255 && uc == '\\xff' && uc > 'a'", &sig, &c));

	/* long: all 64 bits. */
	c.v.hdr.args[4] = 0x8000000000000000ull;
	assert_true(eval("l == -9223372036854775808 && l < -1", &sig, &c));
	assert_true(eval("l == 0x8000000000000000", &sig, &c));
	c.v.hdr.args[4] = 0x00000000ffffffffull;
	assert_true(eval("l == 4294967295 && l > 0", &sig, &c));

	/* uint8_t */
	c.v.hdr.args[5] = 0xffffffffffffff00ull;
	assert_true(eval("b8 == 0 && b8 < 1", &sig, &c));

	/* Raw: a long. */
	assert_true(eval("arg5 < 0", NULL, &c));
	assert_true(eval("arg5 == 0xffffffffffffff00", NULL, &c));
	sig__free(&sig);
}

static void test_eval_char_bool_ptr(void **state)
{
	struct wm_sig sig = { 0 };
	struct call c;

	sig_of("bool f(char ch, signed char sc, bool b, void *p, const char *s, unsigned char uc)",
	       &sig);
	call_init(&c);
	c.v.hdr.args[0] = 0xaaaaaaaaaaaaaa41ull;
	assert_true(eval("ch == 'A' && ch == 65 && ch >= 'A' && ch < 'B'", &sig, &c));
	/* Plain char is signed here: '\xe9' is -23, below 'a'. */
	c.v.hdr.args[0] = 0xe9;
	assert_true(eval("ch == '\\xe9' && ch == -23 && ch < 'a' && ch < 0", &sig, &c));
	c.v.hdr.args[5] = 0xe9;
	assert_true(eval("uc == '\\xe9' && uc == 233 && uc > 'a'", &sig, &c));

	/* bool: any non-zero low byte is true; the upper bytes are garbage. */
	c.v.hdr.args[2] = 0xffffffffffffff00ull;
	assert_true(eval("b == false && !b && b != true", &sig, &c));
	c.v.hdr.args[2] = 0x0000000000000002ull;
	assert_true(eval("b && b == true && b != false", &sig, &c));
	c.v.hdr.ret = 0x101;
	assert_true(eval("ret == true", &sig, &c));

	c.v.hdr.args[3] = 0;
	assert_true(eval("p == NULL && p == 0 && !(p != NULL)", &sig, &c));
	c.v.hdr.args[3] = 0x7ffd1234;
	assert_true(eval("p != NULL && p == 0x7ffd1234 && p > 0x1000", &sig, &c));
	sig__free(&sig);
}

static void test_eval_strings(void **state)
{
	struct wm_sig sig = { 0 };
	struct call c;

	sig_of("char *f(const char *pat, const char *s)", &sig);
	call_init(&c);

	call_str(&c, 0, "abc", false);
	assert_true(eval("pat == \"abc\"", &sig, &c));
	assert_false(eval("pat == \"ab\"", &sig, &c));
	assert_false(eval("pat == \"abcd\"", &sig, &c));
	assert_true(eval("pat != \"abd\"", &sig, &c));
	assert_true(eval("pat == \"ab*\" && pat == \"abc*\" && pat == \"*\"", &sig, &c));
	assert_false(eval("pat == \"abcd*\"", &sig, &c));
	assert_true(eval("pat != \"b*\"", &sig, &c));
	assert_true(eval("pat != NULL", &sig, &c));

	/* A literal star. */
	call_str(&c, 0, "a*", false);
	assert_true(eval("pat == \"a\\*\" && pat == \"a*\"", &sig, &c));
	call_str(&c, 0, "ab", false);
	assert_false(eval("pat == \"a\\*\"", &sig, &c));

	/* Empty. */
	call_str(&c, 0, "", false);
	assert_true(eval("pat == \"\" && pat == \"*\" && pat != \"a*\"", &sig, &c));

	/* Truncated: equal to no constant, but a prefix of the captured bytes matches. */
	call_str(&c, 0, "abcd", true);
	assert_false(eval("pat == \"abcd\"", &sig, &c));
	assert_true(eval("pat != \"abcd\"", &sig, &c));
	assert_true(eval("pat == \"abcd*\" && pat == \"ab*\"", &sig, &c));
	assert_false(eval("pat == \"abd*\"", &sig, &c));

	/* Unreadable: matches nothing, and is not NULL. */
	call_fault(&c, 0);
	assert_false(eval("pat == \"abc\"", &sig, &c));
	assert_false(eval("pat == \"*\"", &sig, &c));
	assert_true(eval("pat != \"abc\" && pat != \"*\"", &sig, &c));
	assert_true(eval("pat != NULL", &sig, &c));

	/* NULL: matches nothing but NULL. */
	call_null(&c, 0);
	assert_false(eval("pat == \"\"", &sig, &c));
	assert_false(eval("pat == \"*\"", &sig, &c));
	assert_true(eval("pat == NULL && pat != \"x\"", &sig, &c));

	/* Bytes beyond ASCII, escapes. */
	call_str(&c, 1, "\xc3\xa9\t\"", false);
	assert_true(eval("s == \"\\xc3\\xa9\\t\\\"\" && s == \"\xc3\xa9*\"", &sig, &c));

	/* The result's slot. */
	call_str(&c, WM_VAL_RET, "ls -l", false);
	assert_true(eval("ret == \"ls*\" && ret != NULL", &sig, &c));
	call_null(&c, WM_VAL_RET);
	assert_true(eval("ret == NULL", &sig, &c));
	sig__free(&sig);
}

static void test_eval_latency(void **state)
{
	struct wm_sig sig = { 0 };
	struct call c;

	sig_of(SEARCH, &sig);
	call_init(&c);
	c.v.hdr.latency_ns = 1500000;
	assert_true(eval("latency > 1ms && latency < 2ms", &sig, &c));
	assert_true(
		eval("latency == 1.5ms && latency == 1500us && latency == 1500000ns", &sig, &c));
	assert_true(eval("latency >= 0.0015s && latency <= 0.0015s", &sig, &c));
	assert_false(eval("latency > 1500us", &sig, &c));
	assert_true(eval("latency > 250us", &sig, &c));
	assert_false(eval("latency >= 2s", &sig, &c));
	c.v.hdr.latency_ns = 3000000000ull;
	assert_true(eval("latency >= 2s && latency > 2999999999ns", &sig, &c));
	c.v.hdr.latency_ns = 0;
	assert_true(eval("latency < 100ns", &sig, &c));
	sig__free(&sig);
}

static void test_eval_precedence(void **state)
{
	struct wm_sig sig = { 0 };
	struct call c;

	/* a || b && !c is a || (b && !c). */
	sig_of("int f(bool a, bool b, bool c)", &sig);
	call_init(&c);
	for (int m = 0; m < 8; m++) {
		bool a = m & 1, b = m & 2, cc = m & 4;

		c.v.hdr.args[0] = a;
		c.v.hdr.args[1] = b ? 0x100000001ull : 0;
		c.v.hdr.args[2] = cc;
		assert_int_equal(eval("a || b && !c", &sig, &c), a || (b && !cc));
		assert_int_equal(eval("!c && b || a", &sig, &c), a || (b && !cc));
		assert_int_equal(eval("(a || b) && !c", &sig, &c), (a || b) && !cc);
		assert_int_equal(eval("!(a || b) || c", &sig, &c), !(a || b) || cc);
		assert_int_equal(eval("!a == true", &sig, &c), !a);
		assert_int_equal(eval("!!a", &sig, &c), a);
	}
	sig__free(&sig);
}

static void test_eval_invalid_programs(void **state)
{
	struct wm_expr e;
	struct call c;

	call_init(&c);
	memset(&e, 0, sizeof(e));
	assert_int_equal(expr__validate(&e), 0);
	assert_true(expr__eval(&e, &c.v, NULL));

	/* AND with one value on the stack. */
	e.nr_ops = 2;
	e.ops[0] = (struct wm_expr_op){ .code = WM_EXPR_CMP, .src = 0, .size = 8 };
	e.ops[1] = (struct wm_expr_op){ .code = WM_EXPR_AND };
	assert_int_equal(expr__validate(&e), -EINVAL);
	/* Two values left. */
	e.ops[1] = e.ops[0];
	assert_int_equal(expr__validate(&e), -EINVAL);
	/* Bad fields. */
	e.nr_ops = 1;
	e.ops[0].size = 3;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.ops[0].size = 4;
	e.ops[0].imm = 1ull << 40;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.ops[0].imm = 0;
	e.ops[0].src = WM_EXPR_SRC_LATENCY + 1;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.ops[0] = (struct wm_expr_op){ .code = WM_EXPR_STR, .src = 0, .str_off = 0, .str_len = 4 };
	e.str_used = 3;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.ops[0].src = WM_EXPR_SRC_LATENCY;
	e.ops[0].str_len = 1;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.ops[0].code = 99;
	assert_int_equal(expr__validate(&e), -EINVAL);
	e.nr_ops = WM_EXPR_MAX_OPS + 1;
	assert_int_equal(expr__validate(&e), -EINVAL);
	/* Invalid programs keep every call and do not print. */
	assert_true(expr__eval(&e, &c.v, NULL));
	assert_int_equal(expr__snprint(&e, NULL, (char[8]){ 0 }, 8), -EINVAL);
}

static void test_snprint_truncates(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e;
	char buf[8];

	sig_of(SEARCH, &sig);
	parse_ok("pat == \"abcdef\"", &sig, &e);
	assert_int_equal(expr__snprint(&e, &sig, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "pat == ");
	assert_int_equal(expr__snprint(&e, &sig, NULL, 0), 15);
	sig__free(&sig);
}

/* ---- property test ---- */

/*
 * Random expressions over one signature, written as text with the fewest
 * parentheses the grammar needs, evaluated by a tree walker written from
 * the documented rules and by expr__eval() on the compiled program.
 */
#define PROP_SIG \
	"char *f(const char *pat, int n, unsigned char c, size_t len, bool flag, int16_t h)"

enum node_kind { N_LEAF, N_AND, N_OR, N_NOT };

enum leaf_kind { LF_INT, LF_BOOL, LF_STR, LF_NULL, LF_LAT };

struct node {
	enum node_kind kind;
	struct node *l, *r;
	/* leaf */
	enum leaf_kind lk;
	int src; /* register, 6 = ret, 7 = latency */
	int size;
	bool is_signed;
	int cmp;	 /* enum wm_expr_cmp */
	long long lit;	 /* LF_INT: value as written (as a signed or unsigned 64-bit number) */
	const char *str; /* LF_STR */
	bool prefix;
	char text[96];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int rnd_n(int n)
{
	return rnd() % n;
}

static const char *const prop_strs[] = { "", "a", "ab", "abc", "b", "ba", "abcd" };

static const long long int_lits[] = { 0,     1,	     -1,    2,		7,
				      100,   -100,   127,   -128,	255,
				      32767, -32768, 65535, 2147483647, -2147483647 - 1 };
static const long long lat_lits[] = { 0, 1, 999, 1000, 1500, 1000000, 2000000000 };

static const char *const cmp_str[] = { "==", "!=", "<", "<=", ">", ">=" };

static bool leaf_compiles(const struct wm_sig *sig, const char *text)
{
	struct wm_expr e;
	char err[256];
	int col;

	return expr__parse(text, sig, 64, &e, &col, err, sizeof(err)) == 0;
}

static void random_leaf(const struct wm_sig *sig, struct node *n)
{
	static const struct {
		const char *name;
		int src, size;
		bool is_signed;
		enum leaf_kind lk;
	} ops[] = {
		{ "n", 1, 4, true, LF_INT },
		{ "c", 2, 1, false, LF_INT },
		{ "len", 3, 8, false, LF_INT },
		{ "h", 5, 2, true, LF_INT },
		{ "arg1", 1, 4, true, LF_INT },
		{ "flag", 4, 1, false, LF_BOOL },
		{ "pat", 0, 8, false, LF_STR },
		{ "ret", WM_EXPR_SRC_RET, 8, false, LF_STR },
		{ "pat", 0, 8, false, LF_NULL },
		{ "ret", WM_EXPR_SRC_RET, 8, false, LF_NULL },
		{ "latency", WM_EXPR_SRC_LATENCY, 8, false, LF_LAT },
	};

	do {
		int k = rnd_n(sizeof(ops) / sizeof(ops[0]));
		bool swap = rnd_n(4) == 0;
		char lit[64];

		memset(n, 0, sizeof(*n));
		n->kind = N_LEAF;
		n->lk = ops[k].lk;
		n->src = ops[k].src;
		n->size = ops[k].size;
		n->is_signed = ops[k].is_signed;
		n->cmp = rnd_n(6);
		switch (n->lk) {
		case LF_INT:
			n->lit = int_lits[rnd_n(sizeof(int_lits) / sizeof(int_lits[0]))];
			if (ops[k].src == 2 && rnd_n(3) == 0) {
				n->lit = 'a' + rnd_n(3);
				snprintf(lit, sizeof(lit), "'%c'", (char)n->lit);
			} else if (rnd_n(4) == 0 && n->lit >= 0) {
				snprintf(lit, sizeof(lit), "0x%llx", n->lit);
			} else {
				snprintf(lit, sizeof(lit), "%lld", n->lit);
			}
			break;
		case LF_BOOL:
			n->cmp = rnd_n(2);
			n->lit = rnd_n(2);
			snprintf(lit, sizeof(lit), "%s", n->lit ? "true" : "false");
			break;
		case LF_STR:
			n->cmp = rnd_n(2);
			n->str = prop_strs[rnd_n(sizeof(prop_strs) / sizeof(prop_strs[0]))];
			n->prefix = rnd_n(3) == 0;
			snprintf(lit, sizeof(lit), "\"%s%s\"", n->str, n->prefix ? "*" : "");
			break;
		case LF_NULL:
			n->cmp = rnd_n(2);
			n->lit = 0;
			snprintf(lit, sizeof(lit), "NULL");
			break;
		case LF_LAT:
			n->lit = lat_lits[rnd_n(sizeof(lat_lits) / sizeof(lat_lits[0]))];
			if (n->lit % 1000000 == 0 && n->lit && rnd_n(2))
				snprintf(lit, sizeof(lit), "%lldms", n->lit / 1000000);
			else if (n->lit % 1000 == 0 && rnd_n(2))
				snprintf(lit, sizeof(lit), "%.3fus", n->lit / 1000.0);
			else
				snprintf(lit, sizeof(lit), "%lldns", n->lit);
			break;
		}
		if (swap) {
			/* literal first: the operator turns around */
			static const int flip[] = { 0, 1, 4, 5, 2, 3 };

			snprintf(n->text, sizeof(n->text), "%s %s %s", lit, cmp_str[flip[n->cmp]],
				 ops[k].name);
		} else {
			snprintf(n->text, sizeof(n->text), "%s%s%s%s%s", ops[k].name,
				 rnd_n(2) ? " " : "", cmp_str[n->cmp], rnd_n(2) ? " " : "", lit);
		}
	} while (!leaf_compiles(sig, n->text));
}

static int tree_ops(const struct node *n)
{
	switch (n->kind) {
	case N_LEAF:
		return 1;
	case N_NOT:
		return 1 + tree_ops(n->l);
	default:
		return 1 + tree_ops(n->l) + tree_ops(n->r);
	}
}

static struct node *random_tree(const struct wm_sig *sig, int depth)
{
	struct node *n = calloc(1, sizeof(*n));
	int k = depth > 0 ? rnd_n(8) : 0;

	assert_non_null(n);
	if (k < 3) {
		random_leaf(sig, n);
	} else if (k < 4) {
		n->kind = N_NOT;
		n->l = random_tree(sig, depth - 1);
	} else {
		n->kind = k < 6 ? N_AND : N_OR;
		n->l = random_tree(sig, depth - 1);
		n->r = random_tree(sig, depth - 1);
	}
	return n;
}

static void tree_free(struct node *n)
{
	if (!n)
		return;
	tree_free(n->l);
	tree_free(n->r);
	free(n);
}

static int prec_of(const struct node *n)
{
	return n->kind == N_OR ? 1 : n->kind == N_AND ? 2 : 3;
}

/* The fewest parentheses, and sometimes more. */
static void tree_text(const struct node *n, char *buf, size_t size, size_t *len, int min_prec)
{
	bool paren = prec_of(n) < min_prec || (n->kind != N_LEAF && rnd_n(6) == 0);

	if (paren)
		*len += snprintf(buf + *len, size - *len, "(");
	switch (n->kind) {
	case N_LEAF:
		*len += snprintf(buf + *len, size - *len, "%s", n->text);
		break;
	case N_NOT:
		/* "!n == 1" is "!(n == 1)": '!' takes the whole comparison. */
		*len += snprintf(buf + *len, size - *len, "!");
		tree_text(n->l, buf, size, len, 3);
		break;
	default:
		/* Both operators are associative, so either grouping evaluates the same. */
		tree_text(n->l, buf, size, len, prec_of(n));
		*len += snprintf(buf + *len, size - *len, rnd_n(2) ? " %s " : "%s",
				 n->kind == N_AND ? "&&" : "||");
		tree_text(n->r, buf, size, len, prec_of(n));
		break;
	}
	if (paren)
		*len += snprintf(buf + *len, size - *len, ")");
}

static bool leaf_eval(const struct node *n, const struct call *c)
{
	uint64_t reg = n->src < WM_MAX_VALS	 ? c->v.hdr.args[n->src] :
		       n->src == WM_EXPR_SRC_RET ? c->v.hdr.ret :
						   c->v.hdr.latency_ns;
	int slot = n->src;

	switch (n->lk) {
	case LF_BOOL:
		return ((uint8_t)reg != 0) == (n->lit != 0) ? n->cmp == 0 : n->cmp == 1;
	case LF_NULL:
		return (reg == 0) == (n->cmp == 0);
	case LF_STR: {
		int len = c->v.str_len[slot];
		bool trunc = c->v.hdr.str_trunc >> slot & 1;
		size_t sl = strlen(n->str);
		bool m;

		if (len < 0)
			m = false;
		else if (n->prefix)
			m = (size_t)len >= sl && !strncmp(c->v.str[slot], n->str, sl);
		else
			m = !trunc && (size_t)len == sl && !memcmp(c->v.str[slot], n->str, sl);
		return n->cmp == 0 ? m : !m;
	}
	case LF_LAT: {
		uint64_t a = reg, b = n->lit;

		return n->cmp == 0 ? a == b :
		       n->cmp == 1 ? a != b :
		       n->cmp == 2 ? a < b :
		       n->cmp == 3 ? a <= b :
		       n->cmp == 4 ? a > b :
				     a >= b;
	}
	default:
		break;
	}
	if (n->is_signed) {
		long long a = n->size == 4 ? (long long)(int32_t)reg :
			      n->size == 2 ? (long long)(int16_t)reg :
					     (long long)(int8_t)reg;
		long long b = n->lit;

		/* C converts a literal out of the type's range for == and != */
		if (n->size == 2 && (n->cmp < 2))
			b = (int16_t)b;
		if (n->size == 4 && (n->cmp < 2))
			b = (int32_t)b;
		return n->cmp == 0 ? a == b :
		       n->cmp == 1 ? a != b :
		       n->cmp == 2 ? a < b :
		       n->cmp == 3 ? a <= b :
		       n->cmp == 4 ? a > b :
				     a >= b;
	} else {
		uint64_t a = n->size == 8 ? reg : n->size == 2 ? (uint16_t)reg : (uint8_t)reg;
		uint64_t b = n->lit;

		if (n->size == 1 && n->cmp < 2)
			b = (uint8_t)b;
		if (n->size == 2 && n->cmp < 2)
			b = (uint16_t)b;
		return n->cmp == 0 ? a == b :
		       n->cmp == 1 ? a != b :
		       n->cmp == 2 ? a < b :
		       n->cmp == 3 ? a <= b :
		       n->cmp == 4 ? a > b :
				     a >= b;
	}
}

static bool tree_eval(const struct node *n, const struct call *c)
{
	switch (n->kind) {
	case N_LEAF:
		return leaf_eval(n, c);
	case N_NOT:
		return !tree_eval(n->l, c);
	case N_AND:
		return tree_eval(n->l, c) && tree_eval(n->r, c);
	default:
		return tree_eval(n->l, c) || tree_eval(n->r, c);
	}
}

static uint64_t random_reg(void)
{
	uint64_t low = (uint64_t)int_lits[rnd_n(sizeof(int_lits) / sizeof(int_lits[0]))];

	switch (rnd_n(4)) {
	case 0:
		return rnd();
	case 1:
		return low + rnd_n(3) - 1;
	case 2:
		return (rnd() & 0xffffffff00000000ull) | (uint32_t)low;
	default:
		return (low & 0xffff) | (rnd() << 16);
	}
}

static void random_str(struct call *c, int slot)
{
	switch (rnd_n(6)) {
	case 0:
		call_null(c, slot);
		break;
	case 1:
		call_fault(c, slot);
		break;
	default:
		call_str(c, slot, prop_strs[rnd_n(sizeof(prop_strs) / sizeof(prop_strs[0]))],
			 rnd_n(4) == 0);
		break;
	}
}

static void random_call(struct call *c)
{
	call_init(c);
	for (int i = 1; i < 6; i++)
		c->v.hdr.args[i] = random_reg();
	if (rnd_n(3) == 0)
		c->v.hdr.args[2] = (rnd() << 8) | ('a' + rnd_n(3));
	c->v.hdr.args[4] = rnd_n(2) ? (uint64_t)rnd_n(2) : rnd();
	random_str(c, 0);
	random_str(c, WM_VAL_RET);
	c->v.hdr.latency_ns = (uint64_t)lat_lits[rnd_n(7)] + rnd_n(3) - 1;
	if (rnd_n(2))
		c->v.hdr.latency_ns = rnd() % 4000000000ull;
}

static void test_property(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_expr e, again;
	char text[8192], out[8192], err[256];
	int done = 0, col, trues = 0, evals = 0;

	sig_of(PROP_SIG, &sig);
	for (int iter = 0; iter < 3000; iter++) {
		struct node *t = random_tree(&sig, 1 + rnd_n(6));
		size_t len = 0;

		if (tree_ops(t) > WM_EXPR_MAX_OPS) {
			tree_free(t);
			continue;
		}
		tree_text(t, text, sizeof(text), &len, 0);
		if (expr__parse(text, &sig, 64, &e, &col, err, sizeof(err)))
			fail_msg("'%s': column %d: %s", text, col, err);
		assert_int_equal(e.nr_ops, tree_ops(t));
		assert_int_equal(expr__validate(&e), 0);

		/* The canonical text compiles to the same program. */
		expr__snprint(&e, &sig, out, sizeof(out));
		if (expr__parse(out, &sig, 64, &again, &col, err, sizeof(err)))
			fail_msg("'%s' printed as '%s': column %d: %s", text, out, col, err);
		same_program(&e, &again);

		for (int k = 0; k < 30; k++) {
			struct call c;

			random_call(&c);
			trues += tree_eval(t, &c);
			evals++;
			if (tree_eval(t, &c) != expr__eval(&e, &c.v, NULL))
				fail_msg("'%s' (as '%s'): tree says %d, program %d", text, out,
					 tree_eval(t, &c), expr__eval(&e, &c.v, NULL));
		}
		tree_free(t);
		done++;
	}
	assert_true(done > 2000);
	/* Both outcomes are common, so the comparison means something. */
	print_message("property: %d expressions, %d of %d evaluations true\n", done, trues, evals);
	assert_true(trues > evals / 5 && trues < evals * 4 / 5);
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_form),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_enum_funcptr_buf),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_enumerators),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_readme),
		cmocka_unit_test(test_op_limit),
		cmocka_unit_test(test_eval_widths),
		cmocka_unit_test(test_eval_char_bool_ptr),
		cmocka_unit_test(test_eval_strings),
		cmocka_unit_test(test_eval_latency),
		cmocka_unit_test(test_eval_precedence),
		cmocka_unit_test(test_eval_invalid_programs),
		cmocka_unit_test(test_snprint_truncates),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
