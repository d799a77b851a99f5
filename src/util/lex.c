// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/lex.h"

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static int fail_at(struct lex *lx, int off, const char *fmt, va_list ap)
{
	if (lx->err_col)
		*lx->err_col = off + 1;
	if (lx->err && lx->errsz)
		vsnprintf(lx->err, lx->errsz, fmt, ap);
	return -EINVAL;
}

int lex__fail(struct lex *lx, int tok, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fail_at(lx, lex__tok(lx, tok)->off, fmt, ap);
	va_end(ap);
	return ret;
}

int lex__fail_off(struct lex *lx, int off, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fail_at(lx, off, fmt, ap);
	va_end(ap);
	return ret;
}

/* A token that cannot be read: a quote that does not end, or a byte no token starts with. */
static int lex__refuse(struct lex *lx, const struct lex_syntax *syn)
{
	int tok = lx->nr_toks - 1;
	const char *s = lx->text + lx->toks[tok].off;
	char c[16];

	if (syn->fail)
		return syn->fail(lx, tok);
	if (syn->quotes && strchr(syn->quotes, *s))
		return lex__fail(lx, tok, "unterminated %s", *s == '"' ? "string" : "character");
	esc__text_cut(c, sizeof(c), s, 1);
	return lex__fail(lx, tok, "unexpected character '%s'", c);
}

/* Bytes of the operator of syn at s, or 0. */
static int lex__op_len(const struct lex_syntax *syn, const char *s)
{
	for (const char *const *op = syn->ops; op && *op; op++) {
		size_t n = strlen(*op);

		if (!strncmp(s, *op, n))
			return n;
	}
	if (syn->punct && *s && strchr(syn->punct, *s))
		return 1;
	return 0;
}

/* Past the token starting at s[i], or -1 if none starts there or its quote does not end. */
static int lex__scan(const struct lex_syntax *syn, const char *s, int i, struct lex_tok *t)
{
	unsigned char c = s[i];
	int n;

	if (is_ident_start(c)) {
		while (is_ident_char((unsigned char)s[i]))
			i++;
		t->kind = LEX_IDENT;
	} else if (isdigit(c)) {
		while (is_ident_char((unsigned char)s[i]) || (syn->dotted_numbers && s[i] == '.'))
			i++;
		t->kind = LEX_NUMBER;
	} else if (syn->quotes && strchr(syn->quotes, c)) {
		i++;
		while (s[i] && s[i] != (char)c)
			i += (s[i] == '\\' && s[i + 1]) ? 2 : 1;
		if (!s[i])
			return -1;
		i++;
		t->kind = c == '"' ? LEX_STRING : LEX_CHAR;
	} else if (syn->ellipsis && !strncmp(s + i, "...", 3)) {
		i += 3;
		t->kind = LEX_ELLIPSIS;
	} else if ((n = lex__op_len(syn, s + i))) {
		i += n;
		t->kind = LEX_OP;
	} else {
		return -1;
	}
	return i;
}

/* Past the comment at s[i], i itself if there is none there, -1 if it does not end. */
static int lex__skip_comment(const char *s, int i)
{
	const char *end;

	if (s[i] != '/')
		return i;
	if (s[i + 1] == '/') {
		while (s[i] && s[i] != '\n')
			i++;
		return i;
	}
	if (s[i + 1] != '*')
		return i;
	end = strstr(s + i + 2, "*/");
	return end ? end - s + 2 : -1;
}

void lex__init(struct lex *lx, const char *text, int *err_col, char *err, size_t errsz)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text ? text : "";
	lx->err_col = err_col;
	lx->err = err;
	lx->errsz = errsz;
	if (err_col)
		*err_col = 0;
	if (err && errsz)
		err[0] = '\0';
}

int lex__split(struct lex *lx, const struct lex_syntax *syn)
{
	const char *s = lx->text;
	int i = 0, next;

	/* No token is shorter than a byte, plus the end marker. */
	lx->nr_toks = 0;
	lx->toks = calloc(strlen(s) + 1, sizeof(*lx->toks));
	if (!lx->toks)
		return -ENOMEM;

	while (s[i]) {
		struct lex_tok *t = &lx->toks[lx->nr_toks];

		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		next = syn->comments ? lex__skip_comment(s, i) : i;
		t->off = i;
		if (next < 0) {
			lx->nr_toks++;
			return lex__fail(lx, lx->nr_toks - 1, "unterminated comment");
		}
		if (next != i) {
			i = next;
			continue;
		}
		lx->nr_toks++;
		next = lex__scan(syn, s, i, t);
		if (next < 0)
			return lex__refuse(lx, syn);
		t->len = next - i;
		i = next;
	}
	lx->toks[lx->nr_toks].kind = LEX_END;
	lx->toks[lx->nr_toks].off = i;
	lx->nr_toks++;
	return 0;
}

void lex__free(struct lex *lx)
{
	if (!lx)
		return;
	free(lx->toks);
	lx->toks = NULL;
	lx->nr_toks = 0;
}

const struct lex_tok *lex__tok(const struct lex *lx, int i)
{
	if (i >= lx->nr_toks)
		i = lx->nr_toks - 1;
	if (i < 0)
		i = 0;
	return &lx->toks[i];
}

bool lex__is(const struct lex *lx, int i, const char *s)
{
	const struct lex_tok *t = lex__tok(lx, i);
	size_t n = strlen(s);

	return t->kind != LEX_END && t->kind != LEX_STRING && t->kind != LEX_CHAR &&
	       (size_t)t->len == n && !memcmp(lx->text + t->off, s, n);
}

const char *lex__text(const struct lex *lx, int i, char *buf, size_t size)
{
	const struct lex_tok *t = lex__tok(lx, i);

	if (t->kind == LEX_END)
		return "end of text";
	/* A string may hold any byte; names and numbers read the same escaped. */
	esc__text_cut(buf, size, lx->text + t->off, t->len);
	return buf;
}
