// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python --filter: a recursive-descent parser into a small tree, a binding
 * of its names to a function's parameter slots, and an evaluator on a
 * record's value snapshots.
 *
 *   expr       := and ( ('||' | 'or') and )*
 *   and        := unary ( ('&&' | 'and') unary )*
 *   unary      := ('!' | 'not') unary | primary
 *   primary    := '(' expr ')' | operand [cmp literal] | literal cmp operand
 *   operand    := parameter name | ret | latency | raised | exc | yielded
 *   literal    := ['-'] int | ['-'] float | duration | "str" | 'str' | b"bytes"
 *                 | True | False | None
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/python/pyfilter.h"
#include "lang/python/pyvalue.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/lex.h"
#include "wrapmon.h"
#include "wrapmon_py.h"

/* Parentheses and nots nest; a bound keeps hostile input from exhausting the C stack. */
#define MAX_NESTING 32
/* In a pattern: '*' and '?' unescaped (above any code point). */
#define GLOB_STAR 0xffffffffu
#define GLOB_ONE  0xfffffffeu

typedef __int128 i128;

enum pf_kind { N_OR, N_AND, N_NOT, N_CMP, N_TRUTH };
enum pf_src { S_PARAM, S_RET, S_LATENCY, S_RAISED, S_EXC, S_YIELDED };
enum pf_lit { L_INT, L_FLOAT, L_DUR, L_STR, L_BYTES, L_BOOL, L_NONE };
enum pf_cmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

struct pf_node {
	enum pf_kind kind;
	int a, b;	 /* children: N_OR, N_AND (both), N_NOT (a) */
	enum pf_src src; /* N_CMP, N_TRUTH */
	int name;	 /* S_PARAM: index in names */
	enum pf_cmp cmp;
	enum pf_lit lit;
	i128 ival;    /* L_INT, L_DUR (ns), L_BOOL */
	double fval;  /* L_FLOAT */
	__u32 *chars; /* L_STR, L_BYTES: code points (bytes), GLOB_* for wildcards */
	int nr_chars;
};

struct pyfilter {
	struct pf_node *nodes;
	int nr_nodes, cap;
	int root;
	char **names; /* the parameters it names, each once */
	int nr_names;
	bool values, at_return;
};

struct pyfilter_bound {
	const struct pyfilter *f;
	int slot[]; /* per name: its value's slot, -1 when the call has no value for it */
};

struct parser {
	struct lex lex;
	struct pyfilter *f;
	int pos;
	int nesting;
};

static const char *const pf_ops[] = { "==", "!=", "<=", ">=", "&&", "||", NULL };
static const char *const cmp_text[] = { "==", "!=", "<", "<=", ">", ">=" };

/* What a token that cannot be read was meant to be, in this language's words. */
static int pf__lex_fail(struct lex *lx, int tok)
{
	unsigned char c = lx->text[lx->toks[tok].off];

	if (c == '"' || c == '\'')
		return lex__fail(lx, tok, "unterminated string: add the closing %c", c);
	if (c == '=')
		return lex__fail(lx, tok, "'=' is not a comparison: use '=='");
	if (c == '&' || c == '|')
		return lex__fail(lx, tok, "'%c' is not an operator: use '%c%c' or '%s'", c, c, c,
				 c == '&' ? "and" : "or");
	if (isprint(c))
		return lex__fail(lx, tok, "unexpected character '%c'", c);
	return lex__fail(lx, tok, "unexpected byte 0x%02x", c);
}

static const struct lex_syntax pf_syntax = {
	.quotes = "\"'",
	.ops = pf_ops,
	.punct = "<>!()-",
	.dotted_numbers = true, /* 1.5, 1.5ms */
	.fail = pf__lex_fail,
};

static const char *tok_text(const struct parser *p, int i, char *buf, size_t size)
{
	return lex__text(&p->lex, i, buf, size);
}

static bool at(const struct parser *p, const char *s)
{
	return lex__is(&p->lex, p->pos, s);
}

static int cmp_at(const struct parser *p)
{
	for (int i = 0; i < 6; i++) {
		if (at(p, cmp_text[i]))
			return i;
	}
	return -1;
}

static int new_node(struct parser *p, enum pf_kind kind)
{
	struct pyfilter *f = p->f;

	if (grow__array_int(&f->nodes, &f->cap, f->nr_nodes + 1, sizeof(*f->nodes)))
		return -ENOMEM;
	memset(&f->nodes[f->nr_nodes], 0, sizeof(f->nodes[0]));
	f->nodes[f->nr_nodes].kind = kind;
	return f->nr_nodes++;
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

/* The code point of the UTF-8 at s (at least one byte), leniently: a stray byte is itself. */
static __u32 utf8_at(const unsigned char *s, int n, int *len)
{
	__u32 c = s[0];
	int want = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	*len = 1;
	if (want == 1 || want > n)
		return c;
	c &= 0x3f >> (want - 1);
	for (int k = 1; k < want; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return s[0];
		c = c << 6 | (s[k] & 0x3f);
	}
	*len = want;
	return c;
}

/*
 * A string token (quotes included) into code points, or bytes for b"...":
 * Python's escapes (\n \t \r \0 \\ \' \" \xHH, and in a str \uXXXX,
 * \UXXXXXXXX), \* and \? for a literal star and question mark; an
 * unescaped * or ? is a wildcard.
 */
static int parse_string(struct parser *p, int ti, bool bytes, struct pf_node *n)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	const unsigned char *s = (const unsigned char *)p->lex.text;
	int i = t->off + 1, end = t->off + t->len - 1, len;
	__u32 *out = calloc(t->len + 1, sizeof(*out));

	if (!out)
		return -ENOMEM;
	n->chars = out;
	n->lit = bytes ? L_BYTES : L_STR;
	while (i < end) {
		__u32 c;

		if (s[i] != '\\') {
			c = bytes ? s[i] : utf8_at(s + i, end - i, &len);
			i += bytes ? 1 : len;
			out[n->nr_chars++] = c == '*' ? GLOB_STAR : c == '?' ? GLOB_ONE : c;
			continue;
		}
		switch (s[i + 1]) {
		case 'n':
			c = '\n';
			break;
		case 't':
			c = '\t';
			break;
		case 'r':
			c = '\r';
			break;
		case '0':
			c = 0;
			break;
		case '\\':
		case '\'':
		case '"':
		case '*':
		case '?':
			c = s[i + 1];
			break;
		case 'x':
		case 'u':
		case 'U': {
			int want = s[i + 1] == 'x' ? 2 : s[i + 1] == 'u' ? 4 : 8;

			if (bytes && want != 2)
				return lex__fail_off(&p->lex, i,
						     "'\\%c' is not an escape of bytes: use \\xHH",
						     s[i + 1]);
			c = 0;
			for (int k = 0; k < want; k++) {
				if (i + 2 + k >= end || hexval(s[i + 2 + k]) < 0)
					return lex__fail_off(&p->lex, i,
							     "'\\%c' needs %d hex digits", s[i + 1],
							     want);
				c = c << 4 | hexval(s[i + 2 + k]);
			}
			if (c > 0x10ffff)
				return lex__fail_off(&p->lex, i, "no character has code point 0x%x",
						     c);
			i += want;
			break;
		}
		default: {
			char what[16];

			esc__text_cut(what, sizeof(what), (const char *)s + i + 1, 1);
			return lex__fail_off(
				&p->lex, i,
				"unknown escape '\\%s': use \\n, \\t, \\\\, \\\", \\xHH, "
				"\\* or \\?",
				what);
		}
		}
		i += 2;
		out[n->nr_chars++] = c;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned long long ns;
} units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };

/* 42, 0x2a, 1_000, 2**100-sized ints, 1.5, 1e3, and durations 250us, 1.5ms. */
static int parse_number(struct parser *p, int ti, bool neg, struct pf_node *n)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	const char *s = p->lex.text + t->off;
	const i128 max = (i128)(((unsigned __int128)1 << 127) - 1);
	char buf[64], tx[64];
	int i = 0, len = t->len;
	i128 v = 0;

	tok_text(p, ti, tx, sizeof(tx));
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len && (hexval(s[i]) >= 0 || s[i] == '_'); i++) {
			if (s[i] == '_')
				continue;
			if (v > (max >> 4))
				return lex__fail(&p->lex, ti,
						 "'%s' is too large: ints up to 2**127 compare",
						 tx);
			v = v * 16 + hexval(s[i]);
		}
		if (i < len || len == 2)
			return lex__fail(&p->lex, ti, "bad hex number '%s'", tx);
		n->lit = L_INT;
		n->ival = neg ? -v : v;
		return 0;
	}
	for (; i < len && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++) {
		if (s[i] == '_')
			continue;
		if (v > (max - (s[i] - '0')) / 10)
			return lex__fail(&p->lex, ti,
					 "'%s' is too large: ints up to 2**127 compare", tx);
		v = v * 10 + (s[i] - '0');
	}
	if (i == len) {
		n->lit = L_INT;
		n->ival = neg ? -v : v;
		return 0;
	}
	/* A duration: digits, maybe decimals, a unit. */
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		size_t ul = strlen(units[u].name);
		double d;
		char *e;

		if ((size_t)len <= ul || memcmp(s + len - ul, units[u].name, ul) ||
		    !isdigit((unsigned char)s[len - ul - 1]))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)(len - ul), s);
		d = strtod(buf, &e);
		if (*e || strchr(buf, 'e') || strchr(buf, 'E'))
			break;
		if (neg)
			return lex__fail(&p->lex, ti - 1, "a duration cannot be negative");
		d *= units[u].ns;
		if (d > 1.8e19)
			return lex__fail(&p->lex, ti, "'%s': too long for 64 bits of nanoseconds",
					 tx);
		if (d != floor(d))
			return lex__fail(&p->lex, ti, "'%s' is not a whole number of nanoseconds",
					 tx);
		n->lit = L_DUR;
		n->ival = (i128)d;
		return 0;
	}
	if (len < (int)sizeof(buf)) {
		char *e;

		snprintf(buf, sizeof(buf), "%.*s", len, s);
		n->fval = strtod(buf, &e);
		if (!*e && !strchr(buf, 'x') && !strchr(buf, 'X')) {
			n->lit = L_FLOAT;
			if (neg)
				n->fval = -n->fval;
			return 0;
		}
	}
	return lex__fail(&p->lex, ti,
			 "bad number '%s': ints are decimal or 0x hex, floats 1.5 or 1e3, "
			 "durations end in ns, us, ms or s",
			 tx);
}

static bool is_bytes_prefix(const struct parser *p, int ti)
{
	const struct lex_tok *t = &p->lex.toks[ti], *next = lex__tok(&p->lex, ti + 1);

	return t->kind == LEX_IDENT && t->len == 1 && (p->lex.text[t->off] | 0x20) == 'b' &&
	       (next->kind == LEX_STRING || next->kind == LEX_CHAR) && next->off == t->off + 1;
}

static bool starts_literal(const struct parser *p, int ti)
{
	enum lex_kind k = lex__tok(&p->lex, ti)->kind;

	return k == LEX_NUMBER || k == LEX_STRING || k == LEX_CHAR || is_bytes_prefix(p, ti) ||
	       lex__is(&p->lex, ti, "True") || lex__is(&p->lex, ti, "False") ||
	       lex__is(&p->lex, ti, "None") || lex__is(&p->lex, ti, "-");
}

/*
 * A float with a negative exponent, 1e-6: the lexer splits it at the '-'.
 * Its last token when the tokens at ti spell one, else ti.
 */
static int exponent_end(const struct parser *p, int ti, bool neg, struct pf_node *n)
{
	const struct lex_tok *t = lex__tok(&p->lex, ti), *minus = lex__tok(&p->lex, ti + 1),
			     *exp = lex__tok(&p->lex, ti + 2);
	const char *s = p->lex.text + t->off;
	char buf[64], *e;
	int len = exp->off + exp->len - t->off;

	if ((s[t->len - 1] | 0x20) != 'e' || !lex__is(&p->lex, ti + 1, "-") ||
	    minus->off != t->off + t->len || exp->kind != LEX_NUMBER ||
	    exp->off != minus->off + 1 || len >= (int)sizeof(buf))
		return ti;
	snprintf(buf, sizeof(buf), "%.*s", len, s);
	n->fval = strtod(buf, &e);
	if (*e || strchr(buf, 'x') || strchr(buf, 'X'))
		return ti;
	n->lit = L_FLOAT;
	if (neg)
		n->fval = -n->fval;
	return ti + 2;
}

/* The literal at the cursor into n (its lit and value). */
static int parse_literal(struct parser *p, struct pf_node *n)
{
	const struct lex_tok *t = lex__tok(&p->lex, p->pos);
	int ti = p->pos, err = 0, end;
	char buf[48];

	if (lex__is(&p->lex, ti, "-")) {
		ti++;
		if (lex__tok(&p->lex, ti)->kind != LEX_NUMBER)
			return lex__fail(&p->lex, ti, "expected a number after '-'");
		end = exponent_end(p, ti, true, n);
		err = end == ti ? parse_number(p, ti, true, n) : 0;
		ti = end;
	} else if (t->kind == LEX_NUMBER) {
		end = exponent_end(p, ti, false, n);
		err = end == ti ? parse_number(p, ti, false, n) : 0;
		ti = end;
	} else if (t->kind == LEX_STRING || t->kind == LEX_CHAR) {
		err = parse_string(p, ti, false, n);
	} else if (is_bytes_prefix(p, ti)) {
		ti++;
		err = parse_string(p, ti, true, n);
	} else if (lex__is(&p->lex, ti, "True") || lex__is(&p->lex, ti, "False")) {
		n->lit = L_BOOL;
		n->ival = lex__is(&p->lex, ti, "True");
	} else if (lex__is(&p->lex, ti, "None")) {
		n->lit = L_NONE;
	} else if (lex__is(&p->lex, ti, "true") || lex__is(&p->lex, ti, "false") ||
		   lex__is(&p->lex, ti, "NULL")) {
		return lex__fail(&p->lex, ti, "'%s' is C's: a Python function's filter writes %s",
				 tok_text(p, ti, buf, sizeof(buf)),
				 lex__is(&p->lex, ti, "NULL") ? "None" :
				 lex__is(&p->lex, ti, "true") ? "True" :
								"False");
	} else if (t->kind == LEX_IDENT) {
		return lex__fail(&p->lex, ti,
				 "'%s' is not a literal: a name compares with a number, \"str\", "
				 "b\"bytes\", True, False, None or a duration",
				 tok_text(p, ti, buf, sizeof(buf)));
	} else {
		return lex__fail(&p->lex, ti,
				 "expected a number, \"str\", b\"bytes\", True, False, None or a "
				 "duration, found '%s'",
				 tok_text(p, ti, buf, sizeof(buf)));
	}
	if (err)
		return err;
	p->pos = ti + 1;
	return 0;
}

/* ---- operands ---- */

static const struct {
	const char *word;
	enum pf_src src;
} keywords[] = {
	{ "ret", S_RET }, { "latency", S_LATENCY }, { "raised", S_RAISED },
	{ "exc", S_EXC }, { "yielded", S_YIELDED },
};

static bool is_word(const struct parser *p, int ti)
{
	static const char *const words[] = { "and", "or", "not", "True", "False", "None" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (lex__is(&p->lex, ti, words[i]))
			return true;
	}
	return false;
}

static int name_index(struct parser *p, int ti)
{
	const struct lex_tok *t = &p->lex.toks[ti];
	struct pyfilter *f = p->f;
	char **names;

	for (int i = 0; i < f->nr_names; i++) {
		if ((int)strlen(f->names[i]) == t->len &&
		    !memcmp(f->names[i], p->lex.text + t->off, t->len))
			return i;
	}
	names = realloc(f->names, (f->nr_names + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	f->names = names;
	names[f->nr_names] = strndup(p->lex.text + t->off, t->len);
	if (!names[f->nr_names])
		return -ENOMEM;
	return f->nr_names++;
}

/* The operand at the cursor into n. */
static int parse_operand(struct parser *p, struct pf_node *n)
{
	int ti = p->pos, i;
	char buf[48];

	if (lex__tok(&p->lex, ti)->kind != LEX_IDENT || is_word(p, ti))
		return lex__fail(
			&p->lex, ti,
			"expected a parameter's name, ret, latency, raised, exc or yielded, "
			"found '%s'",
			tok_text(p, ti, buf, sizeof(buf)));
	p->pos++;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		if (lex__is(&p->lex, ti, keywords[k].word)) {
			n->src = keywords[k].src;
			p->f->at_return |= n->src != S_PARAM;
			p->f->values |= n->src == S_RET;
			return 0;
		}
	}
	i = name_index(p, ti);
	if (i < 0)
		return i;
	n->src = S_PARAM;
	n->name = i;
	p->f->values = true;
	return 0;
}

/* Does this operand, compared this way, with this literal, make sense? */
static int check_cmp(struct parser *p, const struct pf_node *n, int op_tok, int lit_tok,
		     const char *name)
{
	bool order = n->cmp != C_EQ && n->cmp != C_NE;

	if (n->src == S_LATENCY && n->lit != L_DUR)
		return lex__fail(&p->lex, lit_tok,
				 "latency compares with a duration: 1ms, 250us, 2s");
	if (n->src != S_LATENCY && n->lit == L_DUR)
		return lex__fail(&p->lex, lit_tok, "a duration compares only with latency");
	if ((n->src == S_RAISED || n->src == S_YIELDED) && (n->lit != L_BOOL || order))
		return lex__fail(&p->lex, op_tok,
				 "'%s' is True or False: test it alone, or == True", name);
	if (n->src == S_EXC && n->lit != L_STR && n->lit != L_NONE)
		return lex__fail(&p->lex, lit_tok,
				 "exc is the exception's type name: compare it with a \"str\" "
				 "(\"Value*\") or None");
	if (order && (n->lit == L_STR || n->lit == L_BYTES || n->lit == L_NONE))
		return lex__fail(&p->lex, op_tok,
				 "%s compares only with == and != (a * in it matches any text: "
				 "\"abc*\")",
				 n->lit == L_NONE ? "None" :
				 n->lit == L_STR  ? "a str" :
						    "bytes");
	return 0;
}

static int parse_expr(struct parser *p);

static int parse_primary(struct parser *p)
{
	int idx, err, first = p->pos, op_tok, lit_tok, cmp;
	bool lit_first;
	struct pf_node n = { 0 };
	char name[48];

	if (at(p, "(")) {
		if (++p->nesting > MAX_NESTING)
			return lex__fail(&p->lex, p->pos, "nested deeper than %d", MAX_NESTING);
		p->pos++;
		idx = parse_expr(p);
		if (idx < 0)
			return idx;
		if (!at(p, ")"))
			return lex__fail(&p->lex, first, "unbalanced '(': add the matching ')'");
		p->pos++;
		p->nesting--;
		return idx;
	}
	lit_first = starts_literal(p, p->pos);
	if (lit_first) {
		lit_tok = p->pos;
		err = parse_literal(p, &n);
		if (err)
			goto fail;
		cmp = cmp_at(p);
		if (cmp < 0) {
			err = lex__fail(&p->lex, lit_tok,
					"a literal alone is not a test: compare a name with it");
			goto fail;
		}
		op_tok = p->pos++;
		/* 5 < n is n > 5 */
		static const enum pf_cmp flip[] = { C_EQ, C_NE, C_GT, C_GE, C_LT, C_LE };
		n.cmp = flip[cmp];
		if (starts_literal(p, p->pos)) {
			err = lex__fail(&p->lex, p->pos,
					"two literals cannot be compared: compare a name with one");
			goto fail;
		}
		first = p->pos;
		err = parse_operand(p, &n);
		if (err)
			goto fail;
	} else {
		err = parse_operand(p, &n);
		if (err)
			goto fail;
		cmp = cmp_at(p);
		if (cmp < 0) {
			if (n.src == S_LATENCY) {
				err = lex__fail(&p->lex, first,
						"latency needs a comparison: latency > 1ms");
				goto fail;
			}
			n.kind = N_TRUTH;
			goto add;
		}
		op_tok = p->pos++;
		n.cmp = cmp;
		lit_tok = p->pos;
		if (!starts_literal(p, p->pos) && lex__tok(&p->lex, p->pos)->kind == LEX_IDENT &&
		    !lex__is(&p->lex, p->pos, "true") && !lex__is(&p->lex, p->pos, "false") &&
		    !lex__is(&p->lex, p->pos, "NULL") && !is_word(p, p->pos)) {
			err = lex__fail(
				&p->lex, p->pos,
				"two names cannot be compared: compare a name with a literal");
			goto fail;
		}
		err = parse_literal(p, &n);
		if (err)
			goto fail;
	}
	n.kind = N_CMP;
	err = check_cmp(p, &n, op_tok, lit_tok, tok_text(p, first, name, sizeof(name)));
	if (err)
		goto fail;
	if (cmp_at(p) >= 0) {
		err = lex__fail(&p->lex, p->pos, "comparisons do not chain: join them with and");
		goto fail;
	}
add:
	idx = new_node(p, n.kind);
	if (idx < 0) {
		err = idx;
		goto fail;
	}
	p->f->nodes[idx] = n;
	return idx;
fail:
	free(n.chars);
	return err;
}

static int parse_unary(struct parser *p)
{
	int idx, a, first = p->pos;

	if (!at(p, "!") && !at(p, "not"))
		return parse_primary(p);
	if (++p->nesting > MAX_NESTING)
		return lex__fail(&p->lex, first, "nested deeper than %d", MAX_NESTING);
	p->pos++;
	a = parse_unary(p);
	p->nesting--;
	if (a < 0)
		return a;
	idx = new_node(p, N_NOT);
	if (idx < 0)
		return idx;
	p->f->nodes[idx].a = a;
	return idx;
}

static int parse_binary(struct parser *p, bool is_or)
{
	int a = is_or ? parse_binary(p, false) : parse_unary(p), b, idx;

	while (a >= 0 && (is_or ? at(p, "||") || at(p, "or") : at(p, "&&") || at(p, "and"))) {
		p->pos++;
		b = is_or ? parse_binary(p, false) : parse_unary(p);
		if (b < 0)
			return b;
		idx = new_node(p, is_or ? N_OR : N_AND);
		if (idx < 0)
			return idx;
		p->f->nodes[idx].a = a;
		p->f->nodes[idx].b = b;
		a = idx;
	}
	return a;
}

static int parse_expr(struct parser *p)
{
	return parse_binary(p, true);
}

void pyfilter__free(struct pyfilter *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nr_nodes; i++)
		free(f->nodes[i].chars);
	for (int i = 0; i < f->nr_names; i++)
		free(f->names[i]);
	free(f->names);
	free(f->nodes);
	free(f);
}

int pyfilter__parse(const char *text, struct pyfilter **out, int *err_col, char *err, size_t errsz)
{
	struct parser p = { 0 };
	char buf[48];
	int ret;

	*out = NULL;
	lex__init(&p.lex, text, err_col, err, errsz);
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f)
		return -ENOMEM;
	ret = lex__split(&p.lex, &pf_syntax);
	if (ret)
		goto cleanup;
	if (lex__tok(&p.lex, 0)->kind == LEX_END) {
		ret = lex__fail(&p.lex, 0, "empty expression");
		goto cleanup;
	}
	ret = parse_expr(&p);
	if (ret < 0)
		goto cleanup;
	p.f->root = ret;
	ret = 0;
	if (lex__tok(&p.lex, p.pos)->kind != LEX_END) {
		if (at(&p, ")"))
			ret = lex__fail(&p.lex, p.pos, "unmatched ')'");
		else
			ret = lex__fail(&p.lex, p.pos,
					"unexpected '%s': join tests with and, or (&&, ||)",
					tok_text(&p, p.pos, buf, sizeof(buf)));
	}
cleanup:
	if (ret == -ENOMEM && err && errsz)
		snprintf(err, errsz, "out of memory");
	lex__free(&p.lex);
	if (ret) {
		pyfilter__free(p.f);
		return ret;
	}
	*out = p.f;
	return 0;
}

bool pyfilter__needs_values(const struct pyfilter *f)
{
	return f && f->values;
}

bool pyfilter__needs_return(const struct pyfilter *f)
{
	return f && f->at_return;
}

/* ---- binding ---- */

/* A parameter's name as it is typed: "*args" and "**kwargs" without their stars. */
static const char *bare_name(const char *param)
{
	while (*param == '*')
		param++;
	return param;
}

/* "NAME has no parameter 'x' (a, b, args)" into err. */
static void no_param(const char *func, const char *name, const char *const *params, int nr_params,
		     char *err, size_t errsz)
{
	struct wm_buf m = { 0 };

	if (!err || !errsz)
		return;
	buf__printf(&m, "%s has no parameter '", ESC(func));
	esc__text(&m, name, strlen(name));
	buf__puts(&m, "' (");
	if (!nr_params)
		buf__puts(&m, "it has none");
	for (int k = 0; k < nr_params; k++) {
		if (k)
			buf__puts(&m, ", ");
		esc__text(&m, bare_name(params[k]), strlen(bare_name(params[k])));
	}
	buf__puts(&m, ")");
	snprintf(err, errsz, "%s", m.p && !m.err ? m.p : "out of memory");
	buf__free(&m);
}

int pyfilter__bind(const struct pyfilter *f, const char *func, const char *const *params,
		   int nr_params, struct pyfilter_bound **out, char *err, size_t errsz)
{
	struct pyfilter_bound *b;
	int found = 0, missing = -1;

	*out = NULL;
	if (err && errsz)
		err[0] = '\0';
	b = calloc(1, sizeof(*b) + (f->nr_names + 1) * sizeof(b->slot[0]));
	if (!b)
		return -ENOMEM;
	b->f = f;
	for (int i = 0; i < f->nr_names; i++) {
		int k;

		for (k = 0; k < nr_params && strcmp(bare_name(params[k]), f->names[i]); k++)
			;
		/* A name it lacks, or one past the parameters a record carries: no value. */
		b->slot[i] = k < nr_params && k < WM_PY_MAX_PARAMS ? k : -1;
		if (k < nr_params)
			found++;
		else if (missing < 0)
			missing = i;
	}
	*out = b;
	if (missing < 0)
		return 0;
	no_param(func, f->names[missing], params, nr_params, err, errsz);
	return found ? 1 : -ENOENT;
}

void pyfilter__unbind(struct pyfilter_bound *b)
{
	free(b);
}

const struct pyfilter *pyfilter__of(const struct pyfilter_bound *b)
{
	return b ? b->f : NULL;
}

/* ---- evaluation ---- */

/* One value as the filter sees it. */
struct val {
	enum { V_UNKNOWN, V_NONE, V_NUM, V_FLOAT, V_STR, V_BYTES, V_OTHER } kind;
	i128 i;
	int huge; /* V_NUM beyond 128 bits: its sign */
	double d;
	bool cut; /* V_STR, V_BYTES: chars holds only the start */
	__u32 *chars;
	size_t nr_chars;
	bool truth;
};

/* The snapshot's node: header, then name, then payload. */
static bool node_read(const unsigned char *p, size_t len, struct wm_pyv_hdr *h,
		      const unsigned char **body, size_t *body_len)
{
	if (len < sizeof(*h))
		return false;
	memcpy(h, p, sizeof(*h));
	if (h->size < sizeof(*h) + h->name_len || h->size > len || h->kind >= WM_PYV_KINDS)
		return false;
	*body = p + sizeof(*h) + h->name_len;
	*body_len = h->size - sizeof(*h) - h->name_len;
	return true;
}

static void val_int(struct val *v, const struct wm_pyv_hdr *h, const unsigned char *body,
		    size_t body_len)
{
	size_t nd = body_len / 4;
	unsigned __int128 m = 0;

	if (nd > WM_PYV_DIGITS)
		nd = WM_PYV_DIGITS;
	if (nd < h->count || h->flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT))
		return; /* cut: unknown */
	v->kind = V_NUM;
	for (size_t k = nd; k-- > 0;) {
		__u32 d;

		memcpy(&d, body + 4 * k, 4);
		/* 30 more bits would pass 127: beyond any literal, only its sign matters. */
		if (m >> 97) {
			v->huge = h->aux ? -1 : 1;
			break;
		}
		m = m << 30 | (d & 0x3fffffff);
	}
	if (!v->huge && m >> 127)
		v->huge = h->aux ? -1 : 1;
	v->i = h->aux ? -(i128)m : (i128)m;
	v->truth = v->huge || m;
}

static void val_text(struct val *v, const struct wm_pyv_hdr *h, const unsigned char *body,
		     size_t body_len, __u32 *room)
{
	unsigned int w = h->kind == WM_PYV_STR ? h->aux : 1;
	size_t have;

	if (w != 1 && w != 2 && w != 4)
		w = 1;
	have = body_len / w;
	if (have > WM_PYV_MAX)
		have = WM_PYV_MAX;
	for (size_t k = 0; k < have; k++) {
		const unsigned char *c = body + k * w;

		room[k] = w == 4 ? c[0] | c[1] << 8 | c[2] << 16 | (__u32)c[3] << 24 :
			  w == 2 ? (__u32)(c[0] | c[1] << 8) :
				   c[0];
	}
	v->kind = h->kind == WM_PYV_STR ? V_STR : V_BYTES;
	v->chars = room;
	v->nr_chars = have;
	v->cut = have < h->count || h->flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT | WM_PYV_F_OPAQUE);
	v->truth = h->count > 0;
}

/* A snapshot of a record's slot into v; room holds its chars (WM_PYV_MAX). */
static void val_of_slot(const struct wm_call_view *c, int slot, struct val *v, __u32 *room)
{
	struct wm_pyv_hdr h;
	const unsigned char *body;
	size_t body_len;

	if (slot < 0 || slot >= WM_NR_SLOTS || !(c->hdr.flags & WM_F_PY_VALUES) ||
	    c->str_len[slot] <= 0 || !c->str[slot])
		return;
	if (!node_read((const unsigned char *)c->str[slot], c->str_len[slot], &h, &body, &body_len))
		return;
	switch (h.kind) {
	case WM_PYV_NONE:
		v->kind = V_NONE;
		return;
	case WM_PYV_BOOL:
		v->kind = V_NUM;
		v->i = h.aux != 0;
		v->truth = h.aux != 0;
		return;
	case WM_PYV_INT:
		val_int(v, &h, body, body_len);
		return;
	case WM_PYV_FLOAT:
		if (body_len < sizeof(double))
			return;
		memcpy(&v->d, body, sizeof(double));
		v->kind = V_FLOAT;
		v->truth = v->d != 0;
		return;
	case WM_PYV_STR:
	case WM_PYV_BYTES:
		val_text(v, &h, body, body_len, room);
		return;
	case WM_PYV_TUPLE:
	case WM_PYV_LIST:
	case WM_PYV_DICT:
		v->kind = V_OTHER;
		v->truth = h.count > 0;
		return;
	case WM_PYV_FAULT:
	case WM_PYV_NULL:
		return;
	default:
		/* Objects without __bool__ or __len__ are true; the snapshot cannot tell. */
		v->kind = V_OTHER;
		v->truth = true;
		return;
	}
}

/* The exception's type name, short as repr() shows it ("ValueError"). */
static void val_exc(const struct wm_call_view *c, struct val *v, __u32 *room)
{
	struct wm_buf type = { 0 }, msg = { 0 };
	const char *name = NULL, *dot;
	size_t n = 0, len;
	int k;

	if (c->hdr.kind == WM_REC_UNFINISHED)
		return;
	if (!(c->hdr.flags & WM_F_RAISED)) {
		v->kind = V_NONE;
		return;
	}
	if ((c->hdr.flags & WM_F_PY_VALUES) && c->str_len[WM_PY_RES_SLOT] > 0 &&
	    c->str[WM_PY_RES_SLOT] &&
	    !pyvalue__exc(c->str[WM_PY_RES_SLOT], c->str_len[WM_PY_RES_SLOT], c->exc_type, &type,
			  &msg, NULL) &&
	    type.p)
		name = type.p;
	if (!name && c->exc_type && strcmp(c->exc_type, "?")) {
		dot = strrchr(c->exc_type, '.');
		name = dot ? dot + 1 : c->exc_type;
	}
	if (name) {
		len = strlen(name);
		for (size_t i = 0; i < len && n < WM_PYV_MAX; i += k)
			room[n++] = utf8_at((const unsigned char *)name + i, len - i, &k);
		v->kind = V_STR;
		v->chars = room;
		v->nr_chars = n;
		v->truth = true;
	}
	buf__free(&type);
	buf__free(&msg);
}

/*
 * Does text (n chars) match pattern (GLOB_STAR any run, GLOB_ONE one char)?
 * The classic backtrack to the last star: linear for one star, never worse
 * than len(text) * len(pattern).
 */
static bool glob_match(const __u32 *pat, size_t np, const __u32 *s, size_t ns)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < ns) {
		if (pi < np && (pat[pi] == GLOB_ONE || pat[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < np && pat[pi] == GLOB_STAR) {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < np && pat[pi] == GLOB_STAR)
		pi++;
	return pi == np;
}

/* ==, or -1 when it cannot be said (a value cut). */
static int text_eq(const struct pf_node *n, const struct val *v)
{
	if (!v->cut)
		return glob_match(n->chars, n->nr_chars, v->chars, v->nr_chars);
	/* "ab*" matching the start matches all of it, whatever follows. */
	if (n->nr_chars && n->chars[n->nr_chars - 1] == GLOB_STAR &&
	    glob_match(n->chars, n->nr_chars, v->chars, v->nr_chars))
		return 1;
	return -1;
}

/* a <=> b as -1, 0, 1; 2 when unordered (NaN). */
static int num_order(const struct pf_node *n, const struct val *v)
{
	long double a, b;

	if (v->kind == V_NUM && n->lit != L_FLOAT) {
		if (v->huge)
			return v->huge;
		return v->i < n->ival ? -1 : v->i > n->ival;
	}
	a = v->kind == V_FLOAT ? v->d : v->huge ? v->huge * INFINITY : (long double)v->i;
	b = n->lit == L_FLOAT ? n->fval : (long double)n->ival;
	if (isnan(a) || isnan(b))
		return 2;
	return a < b ? -1 : a > b;
}

static bool cmp_holds(enum pf_cmp cmp, int order)
{
	switch (cmp) {
	case C_EQ:
		return order == 0;
	case C_NE:
		return order != 0;
	case C_LT:
		return order == -1;
	case C_LE:
		return order == -1 || order == 0;
	case C_GT:
		return order == 1;
	default:
		return order == 1 || order == 0;
	}
}

static bool eval_cmp(const struct pf_node *n, const struct val *v)
{
	int eq;

	if (n->lit == L_NONE)
		eq = v->kind == V_UNKNOWN ? -1 : v->kind == V_NONE;
	else if (n->lit == L_STR)
		eq = v->kind == V_STR ? text_eq(n, v) : v->kind == V_UNKNOWN ? -1 : 0;
	else if (n->lit == L_BYTES)
		eq = v->kind == V_BYTES ? text_eq(n, v) : v->kind == V_UNKNOWN ? -1 : 0;
	else if (v->kind == V_NUM || v->kind == V_FLOAT)
		return cmp_holds(n->cmp, num_order(n, v));
	else
		/* A number against a str, None, a container, or nothing: not equal, not ordered. */
		return n->cmp == C_NE;
	/* Unknown (cut, not captured): == false, != true, as everywhere. */
	if (eq < 0)
		return n->cmp == C_NE;
	return n->cmp == C_EQ ? eq : !eq;
}

/*
 * One test. Out of line: its value's room stays off the frames of the
 * and/or chain above it, whose depth is the expression's length.
 */
static __attribute__((noinline)) bool
eval_test(const struct pyfilter_bound *b, const struct pf_node *n, const struct wm_call_view *c)
{
	bool unfinished = c->hdr.kind == WM_REC_UNFINISHED;
	__u32 room[WM_PYV_MAX];
	struct val v = { 0 };

	switch (n->src) {
	case S_PARAM:
		val_of_slot(c, b->slot[n->name], &v, room);
		break;
	case S_RET:
		if (!unfinished && !(c->hdr.flags & WM_F_RAISED))
			val_of_slot(c, WM_PY_RES_SLOT, &v, room);
		break;
	case S_LATENCY:
		if (unfinished)
			return n->cmp == C_NE;
		return cmp_holds(n->cmp,
				 c->hdr.latency_ns < n->ival ? -1 : c->hdr.latency_ns > n->ival);
	case S_RAISED:
	case S_YIELDED:
		if (!unfinished) {
			v.kind = V_NUM;
			v.i = !!(c->hdr.flags & (n->src == S_RAISED ? WM_F_RAISED : WM_F_PY_YIELD));
			v.truth = v.i;
		}
		break;
	case S_EXC:
		val_exc(c, &v, room);
		break;
	}
	if (n->kind == N_TRUTH)
		return v.kind != V_UNKNOWN && v.kind != V_NONE && v.truth;
	return eval_cmp(n, &v);
}

static bool eval_node(const struct pyfilter_bound *b, int i, const struct wm_call_view *c)
{
	const struct pf_node *n = &b->f->nodes[i];

	switch (n->kind) {
	case N_OR:
		return eval_node(b, n->a, c) || eval_node(b, n->b, c);
	case N_AND:
		return eval_node(b, n->a, c) && eval_node(b, n->b, c);
	case N_NOT:
		return !eval_node(b, n->a, c);
	default:
		return eval_test(b, n, c);
	}
}

bool pyfilter__eval(const struct pyfilter_bound *b, const struct wm_call_view *c)
{
	if (!b)
		return true;
	return eval_node(b, b->f->root, c);
}
