// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --filter / --error expressions: a recursive-descent parser that emits the
 * postfix program of struct wm_expr directly, type rules taken from the
 * function's signature, the reference evaluator, and the canonical printer.
 *
 *   expr       := and ( '||' and )*
 *   and        := unary ( '&&' unary )*
 *   unary      := '!'* primary
 *   primary    := '(' expr ')' | comparison
 *   comparison := operand cmp literal | literal cmp operand | bool-operand
 *   operand    := parameter name | arg0..arg5 | ret | latency
 *   literal    := ['-'] number | duration | "string" | 'c' | NULL | true | false
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/capture.h"
#include "plan/expr.h"
#include "util/escape.h"
#include "util/lex.h"

_Static_assert(sizeof(struct wm_expr_op) == 24, "wm_expr_op is shared with BPF");
_Static_assert(WM_EXPR_STR_MAX <= 0xffff, "str_off and str_len are 16 bits");
_Static_assert(WM_EXPR_MAX_OPS <= 64, "the stack is the bits of one __u64");

/* Parentheses nest; a bound keeps hostile input from exhausting the C stack. */
#define MAX_NESTING 32

typedef __int128 i128;

enum lit_kind { L_INT, L_DUR, L_STR, L_CHAR, L_NULL, L_BOOL };

struct literal {
	enum lit_kind kind;
	i128 val;	 /* L_INT, L_DUR, L_CHAR (the byte), L_BOOL */
	int str_len;	 /* L_STR: bytes in parser.scratch */
	bool prefix;	 /* L_STR: ended in an unescaped '*' */
	int first, last; /* tokens */
};

struct operand {
	int src;		/* WM_EXPR_SRC_* or a register */
	enum wm_type_kind kind; /* WM_T_INT etc; latency: WM_T_INT */
	int size;
	bool is_signed;
	bool is_latency;
	const char *type_name;
	const struct wm_type *type; /* the parameter's or result's type, NULL for latency */
	int tok;
};

struct parser {
	struct lex lex;
	const struct wm_sig *sig;
	int string_size;
	int pos;
	int nesting;
	int depth;     /* stack depth of the program so far */
	char *scratch; /* decoded string literal */
	struct wm_expr *out;
};

/* Text of a token for messages: escaped by the lexer, so any string literal reads safely. */
static const char *tok__text(const struct parser *p, int i, char *buf, size_t size)
{
	return lex__text(&p->lex, i, buf, size);
}

/*
 * Tokens first..last for a message, one space between them (none after a
 * minus sign), whatever whitespace the text had: messages stay one line.
 */
static const char *toks__text(const struct parser *p, int first, int last, char *buf, size_t size)
{
	char tok[64];

	buf[0] = '\0';
	for (int i = first; i <= last; i++) {
		if (i > first && !lex__is(&p->lex, i - 1, "-"))
			sig__append(buf, size, " ");
		sig__append(buf, size, tok__text(p, i, tok, sizeof(tok)));
	}
	return buf;
}

/* What a token that cannot be read was meant to be, in this language's words. */
static int expr__lex_fail(struct lex *lx, int tok)
{
	unsigned char c = lx->text[lx->toks[tok].off];

	if (c == '"' || c == '\'')
		return lex__fail(lx, tok, "unterminated %s: add the closing %c",
				 c == '"' ? "string" : "character", c);
	if (c == '=')
		return lex__fail(lx, tok, "'=' is not a comparison: use '=='");
	if (c == '&' || c == '|')
		return lex__fail(lx, tok, "'%c' is not an operator: use '%c%c'", c, c, c);
	if (isprint(c))
		return lex__fail(lx, tok, "unexpected character '%c'", c);
	return lex__fail(lx, tok, "unexpected byte 0x%02x", c);
}

static const char *const expr_ops[] = { "==", "!=", "<=", ">=", "&&", "||", NULL };

static const struct lex_syntax expr_syntax = {
	.quotes = "\"'",
	.ops = expr_ops,
	.punct = "<>!()-",
	.dotted_numbers = true, /* 1.5ms */
	.fail = expr__lex_fail,
};

static const struct lex_tok *parser__peek(const struct parser *p)
{
	return lex__tok(&p->lex, p->pos);
}

static bool parser__at(const struct parser *p, const char *op)
{
	return lex__is(&p->lex, p->pos, op);
}

static const char *const cmp_text[] = { "==", "!=", "<", "<=", ">", ">=" };

/* The comparison operator at the cursor, or -1. */
static int parser__cmp(const struct parser *p)
{
	for (int i = 0; i < 6; i++) {
		if (parser__at(p, cmp_text[i]))
			return i;
	}
	return -1;
}

/* ---- literals ---- */

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One escape sequence at s[*i] (the backslash) into *byte. C's escapes,
 * but \x takes at most two hex digits (so "\x41B" is "AB") and \* is a
 * literal star.
 */
static int parser__escape(struct parser *p, int *i, int *byte)
{
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v\\\\''\"\"??**";
	const char *s = p->lex.text;
	int start = *i, c = (unsigned char)s[*i + 1], v, k;
	char what[16];

	for (k = 0; simple[k]; k += 2) {
		if (c == simple[k]) {
			*byte = (unsigned char)simple[k + 1];
			*i += 2;
			return 0;
		}
	}
	if (c == 'x') {
		*i += 2;
		for (v = 0, k = 0; k < 2 && hexval(s[*i]) >= 0; k++, (*i)++)
			v = v * 16 + hexval(s[*i]);
		if (!k)
			return lex__fail_off(&p->lex, start, "'\\x' needs one or two hex digits");
		*byte = v;
		return 0;
	}
	if (c >= '0' && c <= '7') {
		*i += 1;
		for (v = 0, k = 0; k < 3 && s[*i] >= '0' && s[*i] <= '7'; k++, (*i)++)
			v = v * 8 + (s[*i] - '0');
		if (v > 255)
			return lex__fail_off(&p->lex, start, "octal escape larger than \\377");
		*byte = v;
		return 0;
	}
	esc__text_cut(what, sizeof(what), s + *i + 1, 1);
	return lex__fail_off(&p->lex, start,
			     "unknown escape '\\%s': use \\n, \\t, \\\\, \\\", \\xHH...", what);
}

static int parser__string(struct parser *p, int ti, struct literal *l)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	int i = t->off + 1, end = t->off + t->len - 1, byte, err;

	l->kind = L_STR;
	l->str_len = 0;
	l->prefix = false;
	while (i < end) {
		int at = i;

		if (p->lex.text[i] == '\\') {
			err = parser__escape(p, &i, &byte);
			if (err)
				return err;
			if (byte == 0)
				return lex__fail_off(
					&p->lex, at,
					"a string cannot contain a NUL byte: it would never match");
		} else {
			byte = (unsigned char)p->lex.text[i++];
			if (byte == '*' && i == end) {
				l->prefix = true;
				break;
			}
		}
		p->scratch[l->str_len++] = byte;
	}
	return 0;
}

static int parser__char(struct parser *p, int ti, struct literal *l)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	int i = t->off + 1, end = t->off + t->len - 1, byte, err;

	if (i == end)
		return lex__fail(&p->lex, ti, "empty character literal");
	if (p->lex.text[i] == '\\') {
		err = parser__escape(p, &i, &byte);
		if (err)
			return err;
	} else {
		byte = (unsigned char)p->lex.text[i++];
	}
	if (i != end)
		return lex__fail(&p->lex, ti,
				 "a character literal holds one character: use a string");
	l->kind = L_CHAR;
	l->val = byte;
	return 0;
}

static const struct {
	const char *name;
	__u64 ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "ms", 1000000 },
	{ "s", 1000000000 },
};

/* 42, 0x2a, and durations: 100ns, 250us, 1.5ms, 2s. */
static int parser__number(struct parser *p, int ti, struct literal *l)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	const char *s = p->lex.text + t->off;
	unsigned __int128 v = 0, scale = 1;
	int i = 0, n = t->len, frac_digits = 0;
	char buf[40];

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < n && hexval(s[i]) >= 0; i++) {
			v = v * 16 + hexval(s[i]);
			if (v > UINT64_MAX)
				return lex__fail(&p->lex, ti, "number too large for 64 bits");
		}
		if (i == 2 || i < n)
			return lex__fail(&p->lex, ti, "bad hex number '%s'",
					 tok__text(p, ti, buf, sizeof(buf)));
		l->kind = L_INT;
		l->val = v;
		return 0;
	}
	if (n > 1 && s[0] == '0' && isdigit((unsigned char)s[1]))
		return lex__fail(&p->lex, ti,
				 "'%s': octal is not supported; write it in decimal or 0x hex",
				 tok__text(p, ti, buf, sizeof(buf)));
	for (; i < n && isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > UINT64_MAX)
			return lex__fail(&p->lex, ti, "number too large for 64 bits");
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && isdigit((unsigned char)s[i]); i++) {
			if (frac_digits == 9)
				return lex__fail(&p->lex, ti, "more than 9 decimals in a duration");
			v = v * 10 + (s[i] - '0');
			scale *= 10;
			frac_digits++;
		}
		if (!frac_digits)
			return lex__fail(&p->lex, ti, "a digit must follow '.' in '%s'",
					 tok__text(p, ti, buf, sizeof(buf)));
	}
	if (i == n) {
		if (frac_digits)
			return lex__fail(&p->lex, ti,
					 "'%s' needs a unit: ns, us, ms or s (integers are whole)",
					 tok__text(p, ti, buf, sizeof(buf)));
		l->kind = L_INT;
		l->val = v;
		return 0;
	}
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (strlen(units[u].name) != (size_t)(n - i) || memcmp(s + i, units[u].name, n - i))
			continue;
		v *= units[u].ns;
		if (v % scale)
			return lex__fail(&p->lex, ti, "'%s' is not a whole number of nanoseconds",
					 tok__text(p, ti, buf, sizeof(buf)));
		v /= scale;
		if (v > UINT64_MAX)
			return lex__fail(&p->lex, ti,
					 "duration too long for 64 bits of nanoseconds");
		l->kind = L_DUR;
		l->val = v;
		return 0;
	}
	return lex__fail(&p->lex, ti,
			 "bad number '%s': integers are decimal or 0x hex, durations end in ns, "
			 "us, ms or s",
			 tok__text(p, ti, buf, sizeof(buf)));
}

static bool is_literal_word(const struct parser *p, int ti)
{
	return p->lex.toks[ti].kind == LEX_IDENT &&
	       (lex__is(&p->lex, ti, "NULL") || lex__is(&p->lex, ti, "true") ||
		lex__is(&p->lex, ti, "false"));
}

static bool starts_literal(const struct parser *p, int ti)
{
	enum lex_kind k = p->lex.toks[ti].kind;

	return k == LEX_NUMBER || k == LEX_STRING || k == LEX_CHAR || is_literal_word(p, ti) ||
	       (k == LEX_OP && lex__is(&p->lex, ti, "-"));
}

static int parser__literal(struct parser *p, struct literal *l)
{
	const struct lex_tok *t = parser__peek(p);
	int ti = p->pos, err;
	char buf[40];

	memset(l, 0, sizeof(*l));
	l->first = ti;
	if (t->kind == LEX_OP && lex__is(&p->lex, ti, "-")) {
		ti++;
		if (p->lex.toks[ti].kind != LEX_NUMBER)
			return lex__fail(&p->lex, ti, "expected a number after '-'");
		err = parser__number(p, ti, l);
		if (err)
			return err;
		if (l->kind == L_DUR)
			return lex__fail(&p->lex, l->first, "a duration cannot be negative");
		l->val = -l->val;
	} else if (t->kind == LEX_NUMBER) {
		err = parser__number(p, ti, l);
	} else if (t->kind == LEX_STRING) {
		err = parser__string(p, ti, l);
	} else if (t->kind == LEX_CHAR) {
		err = parser__char(p, ti, l);
	} else if (lex__is(&p->lex, ti, "NULL")) {
		l->kind = L_NULL;
		err = 0;
	} else if (lex__is(&p->lex, ti, "true") || lex__is(&p->lex, ti, "false")) {
		l->kind = L_BOOL;
		l->val = lex__is(&p->lex, ti, "true");
		err = 0;
	} else if (t->kind == LEX_IDENT) {
		return lex__fail(&p->lex, ti,
				 "'%s' is not a literal: compare with a number, \"string\", 'c', "
				 "NULL, true, false or a duration",
				 tok__text(p, ti, buf, sizeof(buf)));
	} else {
		return lex__fail(&p->lex, ti,
				 "expected a number, \"string\", 'c', NULL, true, false or a "
				 "duration, found '%s'",
				 tok__text(p, ti, buf, sizeof(buf)));
	}
	if (err)
		return err;
	l->last = ti;
	p->pos = ti + 1;
	return 0;
}

/* ---- operands ---- */

/* "arg0".."arg9": the register number, or -1. */
static int arg_number(const struct parser *p, int ti)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	const char *s = p->lex.text + t->off;

	if (t->kind != LEX_IDENT || t->len != 4 || memcmp(s, "arg", 3) ||
	    !isdigit((unsigned char)s[3]))
		return -1;
	return s[3] - '0';
}

static bool is_keyword(const char *name)
{
	static const char *const words[] = { "ret", "latency", "NULL", "true", "false" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(name, words[i]))
			return true;
	}
	return strlen(name) == 4 && !memcmp(name, "arg", 3) && isdigit((unsigned char)name[3]);
}

/* Parameters reachable by name: named, not shadowed by a keyword or an earlier one. */
static const struct wm_param *sig__lookup(const struct wm_sig *sig, const char *name, size_t len)
{
	if (!sig)
		return NULL;
	for (int i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		const struct wm_param *pa = &sig->params[i];

		if (pa->name[0] && strlen(pa->name) == len && !memcmp(pa->name, name, len))
			return pa;
	}
	return NULL;
}

static void list_params(const struct wm_sig *sig, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; sig && i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		const struct wm_param *pa = &sig->params[i];

		if (!pa->name[0] || is_keyword(pa->name) ||
		    sig__lookup(sig, pa->name, strlen(pa->name)) != pa)
			continue;
		if (buf[0])
			sig__append(buf, size, ", ");
		sig__append(buf, size, ESC_NAME(pa->name, sizeof(pa->name)));
	}
}

static int operand__from_type(struct parser *p, struct operand *o, const struct wm_type *t,
			      const char *what)
{
	/* The type's name comes from the target's debug info. */
	char tname[4 * WM_TYPE_NAME_MAX + 4];

	esc__msg(tname, sizeof(tname), t->name);
	o->kind = t->kind;
	o->type_name = t->name;
	o->type = t;
	switch (t->kind) {
	case WM_T_ENUM:
		/* Compared as the integer it is (enumerators become numbers). */
		o->kind = WM_T_INT;
		/* fall through */
	case WM_T_INT:
	case WM_T_CHAR:
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return lex__fail(&p->lex, o->tok,
					 "'%s' is '%s' of %d bytes: not comparable", what, tname,
					 t->size);
		o->size = t->size;
		o->is_signed = t->is_signed;
		return 0;
	case WM_T_BOOL:
		o->size = 1;
		o->is_signed = false;
		return 0;
	case WM_T_FUNCPTR:
	case WM_T_BUF:
		/* Addresses like any pointer: compared with NULL or a number. */
		o->kind = WM_T_PTR;
		/* fall through */
	case WM_T_PTR:
	case WM_T_STR:
		o->size = 8;
		o->is_signed = false;
		return 0;
	case WM_T_UNKNOWN:
		if (t->size > 8)
			return lex__fail(
				&p->lex, o->tok,
				"'%s' is '%s' (%d bytes): only integers, characters, bool, "
				"pointers and strings compare",
				what, tname, t->size);
		/* A raw register: compared as a long, so 'ret < 0' and 'arg1 == -1' work. */
		o->size = 8;
		o->is_signed = true;
		return 0;
	case WM_T_FLOAT:
		return lex__fail(&p->lex, o->tok,
				 "'%s' is '%s': floating-point values travel in SSE registers, "
				 "which a uprobe cannot read",
				 what, tname);
	case WM_T_STRUCT:
		return lex__fail(&p->lex, o->tok,
				 "'%s' is '%s', a struct passed by value: only integers, "
				 "characters, bool, pointers and strings compare",
				 what, tname);
	default:
		return lex__fail(&p->lex, o->tok, "'%s' has no value", what);
	}
}

static const struct wm_type raw_type = { .kind = WM_T_UNKNOWN, .size = 8, .name = "long" };

static int parser__operand(struct parser *p, struct operand *o)
{
	const struct wm_sig *sig = p->sig;
	const struct lex_tok *t = parser__peek(p);
	const struct wm_param *pa;
	char name[WM_NAME_MAX], list[256];
	int ti = p->pos, reg;

	memset(o, 0, sizeof(*o));
	o->tok = ti;
	tok__text(p, ti, name, sizeof(name));
	p->pos++;
	if (lex__is(&p->lex, ti, "latency")) {
		o->src = WM_EXPR_SRC_LATENCY;
		o->kind = WM_T_INT;
		o->size = 8;
		o->is_latency = true;
		o->type_name = "latency";
		return 0;
	}
	if (lex__is(&p->lex, ti, "ret")) {
		o->src = WM_EXPR_SRC_RET;
		if (sig && sig->ret.kind == WM_T_VOID)
			return lex__fail(&p->lex, ti,
					 "'ret' of a void function: %s returns nothing; compare "
					 "its arguments or latency",
					 sig__name(sig)[0] ?
						 ESC_NAME(sig__name(sig), WM_SIG_NAME_MAX + 1) :
						 "it");
		return operand__from_type(p, o, sig ? &sig->ret : &raw_type, "ret");
	}
	reg = arg_number(p, ti);
	if (reg >= 0) {
		if (reg >= WM_MAX_ARGS)
			return lex__fail(&p->lex, ti,
					 "no register '%s': the six integer argument registers "
					 "are arg0..arg5",
					 name);
		o->src = reg;
		for (int i = 0; sig && i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
			if (plan__param_val(&sig->params[i]) == reg)
				return operand__from_type(p, o, &sig->params[i].type, name);
		}
		return operand__from_type(p, o, &raw_type, name);
	}
	pa = sig__lookup(sig, p->lex.text + t->off, t->len);
	if (!pa || is_keyword(pa->name)) {
		list_params(sig, list, sizeof(list));
		if (list[0])
			return lex__fail(&p->lex, ti,
					 "unknown name '%s': parameters are %s (or arg0..arg5, "
					 "ret, latency)",
					 name, list);
		return lex__fail(&p->lex, ti, "unknown name '%s': use arg0..arg5, ret or latency",
				 name);
	}
	o->src = plan__param_val(pa);
	if (o->src < 0 && pa->loc.state == WM_LOC_OUT)
		return lex__fail(&p->lex, ti,
				 "'%s' is optimized out where the probe is (its DWARF location): "
				 "it cannot be compared",
				 name);
	if (o->src < 0 && pa->loc.state == WM_LOC_AT)
		return lex__fail(&p->lex, ti,
				 "'%s' is not where the C ABI puts it at the probe (its DWARF "
				 "location): it cannot be compared yet",
				 name);
	if (o->src < 0 && pa->type.kind != WM_T_FLOAT)
		return lex__fail(&p->lex, ti,
				 "'%s' is passed in memory beyond the %d stack arguments wrapmon "
				 "reads: it cannot be compared",
				 name, WM_MAX_STACK_VALS);
	return operand__from_type(p, o, &pa->type, name);
}

/* ---- code generation ---- */

static int parser__emit(struct parser *p, int tok, const struct wm_expr_op *op)
{
	struct wm_expr *e = p->out;

	if (e->nr_ops >= WM_EXPR_MAX_OPS)
		return lex__fail(&p->lex, tok,
				 "expression too large: more than %d operations, the limit of "
				 "the BPF evaluator; split it or simplify it",
				 WM_EXPR_MAX_OPS);
	e->ops[e->nr_ops++] = *op;
	if (op->code == WM_EXPR_AND || op->code == WM_EXPR_OR)
		p->depth--;
	else if (op->code != WM_EXPR_NOT)
		p->depth++;
	if (p->depth > e->max_depth)
		e->max_depth = p->depth;
	return 0;
}

static __u64 normalize(i128 v, int size, bool is_signed)
{
	__u64 u = (__u64)v;

	if (size < 8) {
		int shift = 64 - size * 8;

		u <<= shift;
		u = is_signed ? (__u64)((__s64)u >> shift) : u >> shift;
	}
	return u;
}

static void i128__str(i128 v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "-%llu", (unsigned long long)(-v));
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* a < b  <=>  b > a */
static int cmp__flip(int cmp)
{
	static const int flip[] = {
		WM_CMP_EQ, WM_CMP_NE, WM_CMP_GT, WM_CMP_GE, WM_CMP_LT, WM_CMP_LE
	};

	return flip[cmp];
}

static int parser__compile_str(struct parser *p, const struct operand *o, int cmp,
			       const struct literal *l, int op_tok)
{
	struct wm_expr *e = p->out;
	struct wm_expr_op op = { 0 };
	int size = p->string_size;
	char name[WM_NAME_MAX];

	tok__text(p, o->tok, name, sizeof(name));
	if (cmp != WM_CMP_EQ && cmp != WM_CMP_NE)
		return lex__fail(&p->lex, op_tok,
				 "'%s' is a string: it compares only with == and != (a "
				 "trailing * matches a prefix: \"abc*\")",
				 name);
	if (l->str_len > size)
		return lex__fail(&p->lex, l->first,
				 "the string is %d bytes, longer than --string-size %d: it could "
				 "never match",
				 l->str_len, size);
	if (e->str_used + l->str_len > WM_EXPR_STR_MAX)
		return lex__fail(&p->lex, l->first,
				 "too much string data: more than %d bytes of string constants, "
				 "the limit of the BPF evaluator",
				 WM_EXPR_STR_MAX);
	op.code = l->prefix ? WM_EXPR_STR_PREFIX : WM_EXPR_STR;
	op.src = o->src;
	op.cmp = cmp;
	op.str_off = e->str_used;
	op.str_len = l->str_len;
	op.hint = WM_HINT_INT;
	memcpy(e->pool + e->str_used, p->scratch, l->str_len);
	e->str_used += l->str_len;
	return parser__emit(p, o->tok < l->first ? o->tok : l->first, &op);
}

/* One comparison, written "operand cmp literal" (cmp already flipped if not). */
static int parser__compile(struct parser *p, const struct operand *o, int cmp,
			   const struct literal *l, int first_tok, int op_tok)
{
	const int bits = o->size * 8;
	struct wm_expr_op op = { 0 };
	char name[WM_NAME_MAX], lo[48], hi[48];
	int last_tok = o->tok > l->last ? o->tok : l->last;
	char written[160], lit[80], tn[4 * WM_TYPE_NAME_MAX + 4];
	i128 min, max, v = l->val;
	bool is_eq = cmp == WM_CMP_EQ || cmp == WM_CMP_NE;

	tok__text(p, o->tok, name, sizeof(name));
	/* The type's name comes from the target's debug info. */
	esc__msg(tn, sizeof(tn), o->type_name);

	if (l->kind == L_DUR && !o->is_latency)
		return lex__fail(&p->lex, l->first, "a duration compares only with latency");
	if (o->is_latency && l->kind != L_DUR)
		return lex__fail(&p->lex, l->first,
				 "latency compares with a duration: 1ms, 250us, 2s, 100ns");
	if (o->kind == WM_T_STR) {
		if (l->kind == L_STR)
			return parser__compile_str(p, o, cmp, l, op_tok);
		if (l->kind != L_NULL)
			return lex__fail(&p->lex, l->first,
					 "'%s' is a string ('%s'): compare it with \"text\", "
					 "\"prefix*\" or NULL",
					 name, tn);
		if (!is_eq)
			return lex__fail(&p->lex, op_tok,
					 "'%s' compares with NULL only with == and !=", name);
	} else if (l->kind == L_STR) {
		return lex__fail(&p->lex, l->first,
				 "'%s' is '%s', not a string (only char * is read as one)", name,
				 tn);
	}

	switch (o->kind) {
	case WM_T_BOOL:
		if (!is_eq)
			return lex__fail(&p->lex, op_tok,
					 "'%s' is 'bool': use == or != with true or false", name);
		if (!(l->kind == L_BOOL || (l->kind == L_INT && (v == 0 || v == 1))))
			return lex__fail(&p->lex, l->first,
					 "'%s' is 'bool': compare it with true or false", name);
		/* b == true is b != 0: any non-zero byte is true. */
		op.code = WM_EXPR_CMP;
		op.src = o->src;
		op.cmp = (cmp == WM_CMP_EQ) == (v != 0) ? WM_CMP_NE : WM_CMP_EQ;
		op.size = 1;
		op.hint = WM_HINT_BOOL;
		return parser__emit(p, first_tok, &op);
	case WM_T_PTR:
		if (l->kind == L_CHAR || l->kind == L_BOOL)
			return lex__fail(&p->lex, l->first,
					 "'%s' is '%s': compare it with NULL or an address", name,
					 tn);
		op.hint = WM_HINT_PTR;
		break;
	case WM_T_STR:
		op.hint = WM_HINT_PTR;
		break;
	case WM_T_CHAR:
		op.hint = WM_HINT_CHAR;
		/* fall through */
	default:
		if (o->is_latency) {
			op.hint = WM_HINT_DURATION;
			break;
		}
		if (l->kind == L_NULL && o->kind != WM_T_UNKNOWN)
			return lex__fail(&p->lex, l->first,
					 "'%s' is '%s', not a pointer: compare it with a number",
					 name, tn);
		if (l->kind == L_BOOL)
			return lex__fail(&p->lex, l->first,
					 "'%s' is '%s', not bool: compare it with a number", name,
					 tn);
		break;
	}
	if (l->kind == L_CHAR)
		v = o->is_signed ? (i128)(signed char)v : (i128)(unsigned char)v;
	if (l->kind == L_NULL)
		v = 0;

	if (o->is_signed) {
		min = -((i128)1 << (bits - 1));
		max = ((i128)1 << (bits - 1)) - 1;
	} else {
		min = 0;
		max = ((i128)1 << bits) - 1;
	}
	i128__str(min, lo, sizeof(lo));
	i128__str(max, hi, sizeof(hi));
	if (is_eq) {
		/* As C converts: -1 is all ones for an unsigned type, 0xffffffff is -1 for int. */
		if (v < -((i128)1 << (bits - 1)) || v > ((i128)1 << bits) - 1)
			return lex__fail(&p->lex, l->first,
					 "'%s' is out of range for '%s' ('%s': %s..%s)",
					 toks__text(p, l->first, l->last, lit, sizeof(lit)), name,
					 tn, lo, hi);
	} else {
		/* An ordering that cannot depend on the value is a mistake: say so. */
		int always = -1;

		if (v < min)
			always = cmp == WM_CMP_GT || cmp == WM_CMP_GE;
		else if (v > max)
			always = cmp == WM_CMP_LT || cmp == WM_CMP_LE;
		else if ((cmp == WM_CMP_LT && v == min) || (cmp == WM_CMP_GT && v == max))
			always = 0;
		else if ((cmp == WM_CMP_GE && v == min) || (cmp == WM_CMP_LE && v == max))
			always = 1;
		if (always >= 0)
			toks__text(p, first_tok, last_tok, written, sizeof(written));
		if (always >= 0 && !o->is_signed && v <= 0)
			return lex__fail(&p->lex, first_tok,
					 "'%s' is always %s: '%s' is '%s', which is unsigned",
					 written, always ? "true" : "false", name, tn);
		if (always >= 0)
			return lex__fail(&p->lex, first_tok,
					 "'%s' is always %s: '%s' is '%s' (%s..%s)", written,
					 always ? "true" : "false", name, tn, lo, hi);
	}
	op.code = WM_EXPR_CMP;
	op.src = o->src;
	op.cmp = cmp;
	op.size = o->size;
	op.is_signed = o->is_signed;
	op.imm = normalize(v, o->size, o->is_signed);
	return parser__emit(p, first_tok, &op);
}

static bool starts_operand(const struct parser *p, int ti)
{
	return p->lex.toks[ti].kind == LEX_IDENT && !is_literal_word(p, ti);
}

/* A name that parser__operand() would accept. */
static bool is_operand_name(const struct parser *p, int ti)
{
	const struct lex_tok *t = &p->lex.toks[ti];

	if (!starts_operand(p, ti))
		return false;
	if (lex__is(&p->lex, ti, "ret") || lex__is(&p->lex, ti, "latency") ||
	    arg_number(p, ti) >= 0)
		return true;
	return sig__lookup(p->sig, p->lex.text + t->off, t->len) != NULL;
}

/* "c == BLUE": an enumerator of the operand's enum, as its number. */
static int parser__enumerator(struct parser *p, const struct operand *o, struct literal *l)
{
	const struct wm_type *t = o->type;
	const struct lex_tok *tk = parser__peek(p);
	char name[WM_NAME_MAX], list[256] = "";
	int ti = p->pos;

	memset(l, 0, sizeof(*l));
	l->first = l->last = ti;
	for (unsigned int i = 0; i < t->nr_enums; i++) {
		const struct wm_enumval *e;

		if (t->first_enum + i >= WM_SIG_MAX_ENUMS ||
		    (int)(t->first_enum + i) >= p->sig->nr_enums)
			break;
		e = &p->sig->enums[t->first_enum + i];
		if (strlen(e->name) == (size_t)tk->len &&
		    !memcmp(e->name, p->lex.text + tk->off, tk->len)) {
			l->kind = L_INT;
			l->val = e->value;
			p->pos++;
			return 0;
		}
		if (i < 8) {
			if (list[0])
				sig__append(list, sizeof(list), ", ");
			sig__append(list, sizeof(list), ESC_NAME(e->name, sizeof(e->name)));
		} else if (i == 8) {
			sig__append(list, sizeof(list), ", ...");
		}
	}
	return lex__fail(&p->lex, ti,
			 "'%s' is not an enumerator of '%s': use one of %s, or a number",
			 tok__text(p, ti, name, sizeof(name)), ESC_NAME(t->name, sizeof(t->name)),
			 list[0] ? list : "none");
}

static int parser__comparison(struct parser *p)
{
	struct operand o;
	struct literal l;
	int first = p->pos, op_tok, cmp, err;
	char a[WM_NAME_MAX], b[WM_NAME_MAX];

	if (starts_operand(p, first)) {
		err = parser__operand(p, &o);
		if (err)
			return err;
		cmp = parser__cmp(p);
		if (cmp < 0) {
			if (o.kind == WM_T_BOOL) {
				/* A bool on its own: "done" is "done == true". */
				l = (struct literal){
					.kind = L_BOOL, .val = 1, .first = first, .last = first
				};
				return parser__compile(p, &o, WM_CMP_EQ, &l, first, first);
			}
			return lex__fail(&p->lex, p->pos,
					 "expected ==, !=, <, <=, > or >= after '%s'",
					 tok__text(p, first, a, sizeof(a)));
		}
		op_tok = p->pos++;
		if (is_operand_name(p, p->pos))
			return lex__fail(&p->lex, p->pos,
					 "'%s' %s '%s': compare an operand with a literal, not "
					 "with another operand",
					 tok__text(p, first, a, sizeof(a)), cmp_text[cmp],
					 tok__text(p, p->pos, b, sizeof(b)));
		if (o.type && o.type->kind == WM_T_ENUM && parser__peek(p)->kind == LEX_IDENT &&
		    !is_literal_word(p, p->pos))
			err = parser__enumerator(p, &o, &l);
		else
			err = parser__literal(p, &l);
		if (err)
			return err;
		return parser__compile(p, &o, cmp, &l, first, op_tok);
	}
	if (!starts_literal(p, first)) {
		if (parser__peek(p)->kind == LEX_END)
			return lex__fail(&p->lex, first,
					 first == 0 ? "empty expression: write a comparison such "
						      "as 'ret < 0'" :
						      "expected a comparison, found end of text");
		return lex__fail(&p->lex, first, "expected a comparison, found '%s'",
				 tok__text(p, first, a, sizeof(a)));
	}
	err = parser__literal(p, &l);
	if (err)
		return err;
	cmp = parser__cmp(p);
	if (cmp < 0)
		return lex__fail(&p->lex, p->pos,
				 "expected ==, !=, <, <=, > or >= after the literal, then an "
				 "operand");
	op_tok = p->pos++;
	if (!starts_operand(p, p->pos)) {
		if (starts_literal(p, p->pos))
			return lex__fail(&p->lex, p->pos,
					 "two literals: one side must be a parameter, ret or "
					 "latency");
		return lex__fail(&p->lex, p->pos,
				 "expected a parameter, ret or latency, found '%s'",
				 tok__text(p, p->pos, a, sizeof(a)));
	}
	err = parser__operand(p, &o);
	if (err)
		return err;
	return parser__compile(p, &o, cmp__flip(cmp), &l, first, op_tok);
}

static int parser__or(struct parser *p);

static int parser__primary(struct parser *p)
{
	int open = p->pos, err;
	char buf[40];

	if (!parser__at(p, "("))
		return parser__comparison(p);
	if (p->nesting >= MAX_NESTING)
		return lex__fail(&p->lex, open, "parentheses nested too deeply (more than %d)",
				 MAX_NESTING);
	p->pos++;
	p->nesting++;
	err = parser__or(p);
	p->nesting--;
	if (err)
		return err;
	if (parser__at(p, ")")) {
		p->pos++;
		return 0;
	}
	if (parser__peek(p)->kind == LEX_END)
		return lex__fail(&p->lex, open, "unbalanced '(': add the matching ')'");
	return lex__fail(&p->lex, p->pos, "expected ')', '&&' or '||', found '%s'",
			 tok__text(p, p->pos, buf, sizeof(buf)));
}

static int parser__unary(struct parser *p)
{
	int nots[WM_EXPR_MAX_OPS + 1], n = 0, err;
	struct wm_expr_op op = { .code = WM_EXPR_NOT };

	/* Iterative, so a long run of '!' costs no C stack: the op limit ends it. */
	while (parser__at(p, "!")) {
		if (n > WM_EXPR_MAX_OPS)
			return lex__fail(&p->lex, p->pos,
					 "expression too large: more than %d operations, the "
					 "limit of the BPF evaluator; split it or simplify it",
					 WM_EXPR_MAX_OPS);
		nots[n++] = p->pos++;
	}
	err = parser__primary(p);
	while (!err && n > 0)
		err = parser__emit(p, nots[--n], &op);
	return err;
}

static int parser__and(struct parser *p)
{
	struct wm_expr_op op = { .code = WM_EXPR_AND };
	int err, tok;

	err = parser__unary(p);
	while (!err && parser__at(p, "&&")) {
		tok = p->pos++;
		err = parser__unary(p);
		if (!err)
			err = parser__emit(p, tok, &op);
	}
	return err;
}

static int parser__or(struct parser *p)
{
	struct wm_expr_op op = { .code = WM_EXPR_OR };
	int err, tok;

	err = parser__and(p);
	while (!err && parser__at(p, "||")) {
		tok = p->pos++;
		err = parser__and(p);
		if (!err)
			err = parser__emit(p, tok, &op);
	}
	return err;
}

int expr__parse(const char *text, const struct wm_sig *sig, int string_size, struct wm_expr *out,
		int *err_col, char *err, size_t errsz)
{
	struct parser p = {
		.sig = sig,
		.string_size =
			string_size > 0 && string_size < WM_STR_MAX ? string_size : WM_STR_MAX,
		.out = out,
	};
	char buf[40];
	int ret;

	lex__init(&p.lex, text, err_col, err, errsz);
	memset(out, 0, sizeof(*out));

	p.scratch = malloc(strlen(p.lex.text) + 1);
	if (!p.scratch) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = lex__split(&p.lex, &expr_syntax);
	if (ret)
		goto cleanup;
	ret = parser__or(&p);
	if (ret)
		goto cleanup;
	if (parser__peek(&p)->kind != LEX_END) {
		if (parser__at(&p, ")"))
			ret = lex__fail(&p.lex, p.pos, "unmatched ')'");
		else
			ret = lex__fail(&p.lex, p.pos,
					"expected '&&', '||' or the end of the expression, "
					"found '%s'",
					tok__text(&p, p.pos, buf, sizeof(buf)));
	}
cleanup:
	if (ret)
		memset(out, 0, sizeof(*out));
	lex__free(&p.lex);
	free(p.scratch);
	return ret;
}

/* ---- validation and evaluation ---- */

static int op__arity(const struct wm_expr_op *op)
{
	switch (op->code) {
	case WM_EXPR_AND:
	case WM_EXPR_OR:
		return 2;
	case WM_EXPR_NOT:
		return 1;
	default:
		return 0;
	}
}

int expr__validate(const struct wm_expr *e)
{
	int depth = 0;

	if (!e || e->nr_ops > WM_EXPR_MAX_OPS || e->str_used > WM_EXPR_STR_MAX)
		return -EINVAL;
	for (int i = 0; i < e->nr_ops; i++) {
		const struct wm_expr_op *op = &e->ops[i];

		switch (op->code) {
		case WM_EXPR_CMP:
			if (op->src > WM_EXPR_SRC_LATENCY || op->cmp > WM_CMP_GE ||
			    op->is_signed > 1 ||
			    (op->size != 1 && op->size != 2 && op->size != 4 && op->size != 8) ||
			    op->imm != normalize(op->imm, op->size, op->is_signed))
				return -EINVAL;
			depth++;
			break;
		case WM_EXPR_STR:
		case WM_EXPR_STR_PREFIX:
			if (op->src > WM_VAL_RET ||
			    (op->cmp != WM_CMP_EQ && op->cmp != WM_CMP_NE) ||
			    op->str_off + op->str_len > e->str_used)
				return -EINVAL;
			depth++;
			break;
		case WM_EXPR_AND:
		case WM_EXPR_OR:
			if (depth < 2)
				return -EINVAL;
			depth--;
			break;
		case WM_EXPR_NOT:
			if (depth < 1)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return e->nr_ops && depth != 1 ? -EINVAL : 0;
}

static bool eval_cmp(const struct wm_expr_op *op, __u64 v)
{
	v = normalize(v, op->size, op->is_signed);
	if (op->is_signed) {
		__s64 a = (__s64)v, b = (__s64)op->imm;

		switch (op->cmp) {
		case WM_CMP_EQ:
			return a == b;
		case WM_CMP_NE:
			return a != b;
		case WM_CMP_LT:
			return a < b;
		case WM_CMP_LE:
			return a <= b;
		case WM_CMP_GT:
			return a > b;
		default:
			return a >= b;
		}
	}
	switch (op->cmp) {
	case WM_CMP_EQ:
		return v == op->imm;
	case WM_CMP_NE:
		return v != op->imm;
	case WM_CMP_LT:
		return v < op->imm;
	case WM_CMP_LE:
		return v <= op->imm;
	case WM_CMP_GT:
		return v > op->imm;
	default:
		return v >= op->imm;
	}
}

/*
 * A string slot against a constant. Not read (NULL or unreadable) matches
 * nothing; a truncated string equals no constant, as it is longer than
 * every constant the parser lets through, but its captured bytes can still
 * start with a prefix.
 */
static bool eval_str(const struct wm_expr *e, const struct wm_expr_op *op,
		     const struct wm_call_view *c, const __u8 *val_slot)
{
	unsigned int slot = val_slot ? val_slot[op->src] : op->src;
	bool match, trunc;
	int len;

	if (slot >= WM_NR_SLOTS)
		return op->cmp == WM_CMP_NE;
	len = c->str_len[slot];
	trunc = c->hdr.str_trunc & (1u << slot);
	if (len < 0 || !c->str[slot])
		match = false;
	else if (op->code == WM_EXPR_STR)
		match = !trunc && len == op->str_len &&
			!memcmp(c->str[slot], e->pool + op->str_off, op->str_len);
	else
		match = len >= op->str_len &&
			!memcmp(c->str[slot], e->pool + op->str_off, op->str_len);
	return op->cmp == WM_CMP_NE ? !match : match;
}

bool expr__eval(const struct wm_expr *e, const struct wm_call_view *c, const __u8 *val_slot)
{
	__u64 stack = 0, v, a, b;

	if (!e || !e->nr_ops || expr__validate(e))
		return true;
	for (int i = 0; i < e->nr_ops && i < WM_EXPR_MAX_OPS; i++) {
		const struct wm_expr_op *op = &e->ops[i];

		switch (op->code) {
		case WM_EXPR_CMP:
			if (op->src < WM_MAX_VALS)
				v = c->hdr.args[op->src];
			else if (op->src == WM_EXPR_SRC_RET)
				v = c->hdr.ret;
			else
				v = c->hdr.latency_ns;
			stack = stack << 1 | eval_cmp(op, v);
			break;
		case WM_EXPR_STR:
		case WM_EXPR_STR_PREFIX:
			stack = stack << 1 | eval_str(e, op, c, val_slot);
			break;
		case WM_EXPR_AND:
		case WM_EXPR_OR:
			b = stack & 1;
			a = stack >> 1 & 1;
			stack = (stack >> 2) << 1 | (op->code == WM_EXPR_AND ? a & b : a | b);
			break;
		case WM_EXPR_NOT:
			stack ^= 1;
			break;
		}
	}
	return stack & 1;
}

/* ---- printing ---- */

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out__putc(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out__puts(struct out *o, const char *s)
{
	while (*s)
		out__putc(o, *s++);
}

static void out__printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out__printf(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	out__puts(o, tmp);
}

/* One byte inside "..." or '...', escaped so that it reads back the same. */
static void out__byte(struct out *o, unsigned char c, char quote)
{
	switch (c) {
	case '\n':
		out__puts(o, "\\n");
		return;
	case '\t':
		out__puts(o, "\\t");
		return;
	case '\r':
		out__puts(o, "\\r");
		return;
	case '\\':
		out__puts(o, "\\\\");
		return;
	}
	if (c == (unsigned char)quote) {
		out__putc(o, '\\');
		out__putc(o, c);
	} else if (c < 0x20 || c >= 0x7f) {
		out__printf(o, "\\x%02x", c);
	} else {
		out__putc(o, c);
	}
}

static void out__operand(struct out *o, const struct wm_expr_op *op, const struct wm_sig *sig)
{
	if (op->src == WM_EXPR_SRC_LATENCY) {
		out__puts(o, "latency");
		return;
	}
	if (op->src == WM_EXPR_SRC_RET) {
		out__puts(o, "ret");
		return;
	}
	for (int i = 0; sig && i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		const struct wm_param *pa = &sig->params[i];

		if (plan__param_val(pa) != op->src)
			continue;
		/* The name, when it leads back to this parameter. */
		if (pa->name[0] && !is_keyword(pa->name) &&
		    sig__lookup(sig, pa->name, strlen(pa->name)) == pa) {
			out__puts(o, pa->name);
			return;
		}
		break;
	}
	out__printf(o, "arg%d", op->src);
}

static void out__leaf(struct out *o, const struct wm_expr *e, const struct wm_expr_op *op,
		      const struct wm_sig *sig)
{
	__u64 v = op->imm;

	out__operand(o, op, sig);
	if (op->code != WM_EXPR_CMP) {
		out__puts(o, op->cmp == WM_CMP_NE ? " != \"" : " == \"");
		for (int i = 0; i < op->str_len; i++) {
			unsigned char c = e->pool[op->str_off + i];

			/* A star at the end would read back as a prefix. */
			if (c == '*' && i == op->str_len - 1)
				out__puts(o, "\\*");
			else
				out__byte(o, c, '"');
		}
		out__puts(o, op->code == WM_EXPR_STR_PREFIX ? "*\"" : "\"");
		return;
	}
	if (op->hint == WM_HINT_BOOL && v == 0 && (op->cmp == WM_CMP_EQ || op->cmp == WM_CMP_NE)) {
		out__puts(o, op->cmp == WM_CMP_NE ? " == true" : " == false");
		return;
	}
	out__printf(o, " %s ", cmp_text[op->cmp]);
	switch (op->hint) {
	case WM_HINT_CHAR:
		if (op->size == 1) {
			out__putc(o, '\'');
			out__byte(o, v & 0xff, '\'');
			out__putc(o, '\'');
			return;
		}
		break;
	case WM_HINT_PTR:
		if (!op->is_signed) {
			if (v)
				out__printf(o, "0x%llx", (unsigned long long)v);
			else
				out__puts(o, "NULL");
			return;
		}
		break;
	case WM_HINT_DURATION:
		if (!op->is_signed) {
			size_t u = sizeof(units) / sizeof(units[0]);

			while (--u > 0 && v % units[u].ns)
				;
			out__printf(o, "%llu%s", (unsigned long long)(v / units[u].ns),
				    units[u].name);
			return;
		}
		break;
	}
	if (op->is_signed)
		out__printf(o, "%lld", (long long)v);
	else
		out__printf(o, "%llu", (unsigned long long)v);
}

/* Index of the first op of the subtree that ends at end. */
static int subtree_start(const struct wm_expr *e, int end)
{
	int need = 1;

	for (int j = end; j >= 0; j--) {
		need += op__arity(&e->ops[j]) - 1;
		if (need == 0)
			return j;
	}
	return 0; /* not reached for a valid program */
}

enum { PREC_OR = 1, PREC_AND = 2, PREC_UNARY = 3 };

static void out__node(struct out *o, const struct wm_expr *e, int end, int min_prec,
		      const struct wm_sig *sig)
{
	const struct wm_expr_op *op = &e->ops[end];
	int prec, right;

	switch (op->code) {
	case WM_EXPR_AND:
	case WM_EXPR_OR:
		prec = op->code == WM_EXPR_OR ? PREC_OR : PREC_AND;
		right = subtree_start(e, end - 1);
		if (prec < min_prec)
			out__putc(o, '(');
		/* Left-associative: the right operand of the same operator keeps its parentheses. */
		out__node(o, e, right - 1, prec, sig);
		out__puts(o, op->code == WM_EXPR_OR ? " || " : " && ");
		out__node(o, e, end - 1, prec + 1, sig);
		if (prec < min_prec)
			out__putc(o, ')');
		return;
	case WM_EXPR_NOT:
		out__putc(o, '!');
		if (e->ops[end - 1].code == WM_EXPR_NOT) {
			out__node(o, e, end - 1, PREC_UNARY, sig);
		} else {
			out__putc(o, '(');
			out__node(o, e, end - 1, 0, sig);
			out__putc(o, ')');
		}
		return;
	default:
		out__leaf(o, e, op, sig);
		return;
	}
}

int expr__snprint(const struct wm_expr *e, const struct wm_sig *sig, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	if (expr__validate(e))
		return -EINVAL;
	if (e->nr_ops)
		out__node(&o, e, e->nr_ops - 1, 0, sig);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

bool expr__needs_return(const struct wm_expr *e)
{
	for (int i = 0; e && i < e->nr_ops && i < WM_EXPR_MAX_OPS; i++) {
		const struct wm_expr_op *op = &e->ops[i];

		if ((op->code == WM_EXPR_CMP || op->code == WM_EXPR_STR ||
		     op->code == WM_EXPR_STR_PREFIX) &&
		    (op->src == WM_EXPR_SRC_RET || op->src == WM_EXPR_SRC_LATENCY))
			return true;
	}
	return false;
}
