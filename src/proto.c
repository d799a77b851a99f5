// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A recursive-descent parser for one C function prototype, as users paste
 * it from a header. It knows the standard integer types and treats any
 * other name as a type only behind a pointer, where its layout does not
 * matter.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Function pointer parameters nest; a bound keeps hostile input cheap. */
#define MAX_NESTING 8

enum tok_kind {
	TOK_END,
	TOK_IDENT,
	TOK_NUMBER,
	TOK_STRING,
	TOK_ELLIPSIS,
	TOK_PUNCT, /* one of ( ) , * [ ] ; */
};

struct tok {
	enum tok_kind kind;
	int off; /* byte offset in the text */
	int len;
};

struct parser {
	const char *text;
	struct tok *toks;
	int nr_toks;
	int pos;
	int depth;
	int *err_col;
	char *err;
	size_t errsz;
};

enum base {
	B_NONE,
	B_VOID,
	B_CHAR,
	B_INT,
	B_FLOAT,
	B_DOUBLE,
	B_BOOL,
	B_TAG,	   /* struct / union / enum */
	B_TYPEDEF, /* a well-known typedef, or an unknown name */
};

enum sign { S_NONE, S_SIGNED, S_UNSIGNED };

/* The declaration specifiers of one parameter or of the result. */
struct spec {
	enum base base;
	enum sign sign;
	int nr_long;
	bool is_short;
	bool is_const;
	bool is_volatile;
	int first;     /* token index of the first specifier, -1 if none */
	int base_tok;  /* token naming the base type (void, typedef, tag) */
	int last_spec; /* last type specifier token, for error messages */
	int tag_kw;    /* for B_TAG: the struct/union/enum keyword token */
};

/* Typedefs from the C library whose layout is fixed on x86_64. */
static const struct known_typedef {
	const char *name;
	unsigned char size;
	bool is_signed;
} known_typedefs[] = {
	{ "size_t", 8, false },	   { "ssize_t", 8, true },    { "off_t", 8, true },
	{ "off64_t", 8, true },	   { "pid_t", 4, true },      { "uid_t", 4, false },
	{ "gid_t", 4, false },	   { "mode_t", 4, false },    { "socklen_t", 4, false },
	{ "time_t", 8, true },	   { "ptrdiff_t", 8, true },  { "intptr_t", 8, true },
	{ "uintptr_t", 8, false }, { "int8_t", 1, true },     { "uint8_t", 1, false },
	{ "int16_t", 2, true },	   { "uint16_t", 2, false },  { "int32_t", 4, true },
	{ "uint32_t", 4, false },  { "int64_t", 8, true },    { "uint64_t", 8, false },
	{ "intmax_t", 8, true },   { "uintmax_t", 8, false },
};

static const char *const ignored_words[] = {
	"extern", "static", "inline", "__inline", "__inline__", "register", "__extension__",
};

static const char *const const_words[] = { "const", "__const", "__const__" };
static const char *const volatile_words[] = { "volatile", "__volatile", "__volatile__" };
static const char *const restrict_words[] = { "restrict", "__restrict", "__restrict__" };

static int parser__fail(struct parser *p, int tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parser__fail(struct parser *p, int tok, const char *fmt, ...)
{
	va_list ap;

	if (tok < 0)
		tok = 0;
	if (tok >= p->nr_toks)
		tok = p->nr_toks - 1;
	if (p->err_col)
		*p->err_col = p->toks[tok].off + 1;
	if (p->err && p->errsz) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * Split the text into tokens, dropping comments: prototypes pasted from
 * headers often carry a comment per parameter. The array always ends with
 * a TOK_END at the end of the text.
 */
static int parser__lex(struct parser *p)
{
	const char *s = p->text;
	size_t n = strlen(s);
	int i = 0;

	/* No token is shorter than a character, plus the end marker. */
	p->toks = calloc(n + 1, sizeof(*p->toks));
	if (!p->toks)
		return -ENOMEM;

	while (s[i]) {
		struct tok *t = &p->toks[p->nr_toks];
		unsigned char c = s[i];
		int start = i;

		if (isspace(c)) {
			i++;
			continue;
		}
		if (c == '/' && s[i + 1] == '*') {
			const char *end = strstr(s + i + 2, "*/");

			if (!end) {
				t->off = i;
				p->nr_toks++;
				return parser__fail(p, p->nr_toks - 1, "unterminated comment");
			}
			i = end - s + 2;
			continue;
		}
		if (c == '/' && s[i + 1] == '/') {
			while (s[i] && s[i] != '\n')
				i++;
			continue;
		}
		t->off = start;
		if (is_ident_start(c)) {
			while (is_ident_char((unsigned char)s[i]))
				i++;
			t->kind = TOK_IDENT;
		} else if (isdigit(c)) {
			while (is_ident_char((unsigned char)s[i]))
				i++;
			t->kind = TOK_NUMBER;
		} else if (c == '"') {
			i++;
			while (s[i] && s[i] != '"')
				i += (s[i] == '\\' && s[i + 1]) ? 2 : 1;
			if (!s[i]) {
				p->nr_toks++;
				return parser__fail(p, p->nr_toks - 1, "unterminated string");
			}
			i++;
			t->kind = TOK_STRING;
		} else if (c == '.' && s[i + 1] == '.' && s[i + 2] == '.') {
			i += 3;
			t->kind = TOK_ELLIPSIS;
		} else if (strchr("(),*[];", c)) {
			i++;
			t->kind = TOK_PUNCT;
		} else {
			p->nr_toks++;
			return parser__fail(p, p->nr_toks - 1, "unexpected character '%c'",
					    isprint(c) ? c : '?');
		}
		t->len = i - start;
		p->nr_toks++;
	}
	p->toks[p->nr_toks].kind = TOK_END;
	p->toks[p->nr_toks].off = i;
	p->nr_toks++;
	return 0;
}

static const struct tok *parser__peek(const struct parser *p, int ahead)
{
	int i = p->pos + ahead;

	return &p->toks[i < p->nr_toks ? i : p->nr_toks - 1];
}

static bool tok__is(const struct parser *p, const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->kind != TOK_END && (size_t)t->len == n && !memcmp(p->text + t->off, s, n);
}

static bool tok__is_punct(const struct tok *t, const char *p_text, char c)
{
	return t->kind == TOK_PUNCT && p_text[t->off] == c;
}

static bool parser__at(const struct parser *p, char c)
{
	return tok__is_punct(parser__peek(p, 0), p->text, c);
}

static bool tok__in(const struct parser *p, const struct tok *t, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tok__is(p, t, words[i]))
			return true;
	}
	return false;
}

#define TOK_IN(p, t, words) tok__in(p, t, words, sizeof(words) / sizeof(words[0]))

/* Token text for messages, shortened so the message stays one line. */
static const char *tok__text(const struct parser *p, int i, char *buf, size_t size)
{
	const struct tok *t = &p->toks[i];
	int len = t->len;

	if (t->kind == TOK_END)
		return "end of text";
	if ((size_t)len >= size)
		len = size - 1;
	memcpy(buf, p->text + t->off, len);
	buf[len] = '\0';
	return buf;
}

static const struct known_typedef *known_typedef__find(const struct parser *p, const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(known_typedefs) / sizeof(known_typedefs[0]); i++) {
		if (tok__is(p, t, known_typedefs[i].name))
			return &known_typedefs[i];
	}
	return NULL;
}

/* Skip "( ... )" with nesting, the cursor on the opening parenthesis. */
static int parser__skip_parens(struct parser *p)
{
	int open = p->pos;
	int level = 0;

	do {
		const struct tok *t = parser__peek(p, 0);

		if (t->kind == TOK_END)
			return parser__fail(p, open, "unbalanced '('");
		if (tok__is_punct(t, p->text, '('))
			level++;
		else if (tok__is_punct(t, p->text, ')'))
			level--;
		p->pos++;
	} while (level > 0);
	return 0;
}

/* GCC attributes carry nothing we need: "__attribute__((nonnull(1)))". */
static int parser__skip_attributes(struct parser *p)
{
	int err;

	while (tok__is(p, parser__peek(p, 0), "__attribute__") ||
	       tok__is(p, parser__peek(p, 0), "__attribute")) {
		p->pos++;
		if (!parser__at(p, '('))
			return parser__fail(p, p->pos, "expected '(' after '__attribute__'");
		err = parser__skip_parens(p);
		if (err)
			return err;
	}
	return 0;
}

/* Is an identifier at this point a type specifier of its own? */
static bool spec__has_type(const struct spec *s)
{
	return s->base != B_NONE || s->sign != S_NONE || s->nr_long || s->is_short;
}

static int spec__conflict(struct parser *p, const struct spec *s, int tok)
{
	char a[32], b[32];

	return parser__fail(p, tok, "'%s' cannot be combined with '%s'",
			    tok__text(p, tok, a, sizeof(a)),
			    tok__text(p, s->last_spec, b, sizeof(b)));
}

/*
 * Declaration specifiers: storage classes and qualifiers in any order with
 * one type, spelled as C allows ("long unsigned int" too). Stops at the
 * first token that is not part of them.
 */
static int parser__specs(struct parser *p, struct spec *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->first = -1;
	s->base_tok = -1;
	s->last_spec = -1;
	s->tag_kw = -1;

	for (;;) {
		const struct tok *t = parser__peek(p, 0);
		int i = p->pos;
		enum base want = B_NONE;

		err = parser__skip_attributes(p);
		if (err)
			return err;
		if (p->pos != i)
			continue;
		if (t->kind != TOK_IDENT)
			break;

		if (TOK_IN(p, t, ignored_words) || TOK_IN(p, t, restrict_words)) {
			p->pos++;
			continue;
		}
		if (TOK_IN(p, t, const_words)) {
			s->is_const = true;
			p->pos++;
			continue;
		}
		if (TOK_IN(p, t, volatile_words)) {
			s->is_volatile = true;
			p->pos++;
			continue;
		}

		if (tok__is(p, t, "signed") || tok__is(p, t, "__signed__") ||
		    tok__is(p, t, "unsigned")) {
			if (s->sign != S_NONE ||
			    (s->base != B_NONE && s->base != B_CHAR && s->base != B_INT))
				return spec__conflict(p, s, i);
			s->sign = tok__is(p, t, "unsigned") ? S_UNSIGNED : S_SIGNED;
		} else if (tok__is(p, t, "short")) {
			if (s->is_short || s->nr_long || (s->base != B_NONE && s->base != B_INT))
				return spec__conflict(p, s, i);
			s->is_short = true;
		} else if (tok__is(p, t, "long")) {
			if (s->nr_long == 2)
				return parser__fail(p, i, "too many 'long'");
			if (s->is_short ||
			    (s->base != B_NONE && s->base != B_INT && s->base != B_DOUBLE) ||
			    (s->base == B_DOUBLE && s->nr_long))
				return spec__conflict(p, s, i);
			s->nr_long++;
		} else if (tok__is(p, t, "int")) {
			want = B_INT;
		} else if (tok__is(p, t, "char")) {
			want = B_CHAR;
		} else if (tok__is(p, t, "void")) {
			want = B_VOID;
		} else if (tok__is(p, t, "float")) {
			want = B_FLOAT;
		} else if (tok__is(p, t, "double")) {
			want = B_DOUBLE;
		} else if (tok__is(p, t, "bool") || tok__is(p, t, "_Bool")) {
			want = B_BOOL;
		} else if (tok__is(p, t, "struct") || tok__is(p, t, "union") ||
			   tok__is(p, t, "enum")) {
			want = B_TAG;
		} else if (!spec__has_type(s)) {
			want = B_TYPEDEF;
		} else {
			/* An identifier after a complete type: the declarator's name. */
			break;
		}

		if (want != B_NONE) {
			bool ok = s->base == B_NONE;

			switch (want) {
			case B_INT:
				break;
			case B_CHAR:
				ok = ok && !s->is_short && !s->nr_long;
				break;
			case B_DOUBLE:
				ok = ok && !s->is_short && s->sign == S_NONE && s->nr_long <= 1;
				break;
			default:
				ok = ok && !s->is_short && !s->nr_long && s->sign == S_NONE;
				break;
			}
			if (!ok)
				return spec__conflict(p, s, i);
			s->base = want;
			s->base_tok = i;
			if (want == B_TAG) {
				s->tag_kw = i;
				p->pos++;
				err = parser__skip_attributes(p);
				if (err)
					return err;
				if (parser__peek(p, 0)->kind != TOK_IDENT)
					return parser__fail(p, p->pos,
							    "expected a name after '%.*s'", t->len,
							    p->text + t->off);
				s->base_tok = p->pos;
			}
		}
		if (s->first < 0)
			s->first = i;
		s->last_spec = p->pos;
		p->pos++;
	}
	return 0;
}

/* "*", "* const", "**": how many levels of pointer. */
static int parser__pointers(struct parser *p)
{
	int depth = 0;

	for (;;) {
		const struct tok *t = parser__peek(p, 0);

		if (tok__is_punct(t, p->text, '*'))
			depth++;
		else if (!(TOK_IN(p, t, const_words) || TOK_IN(p, t, volatile_words) ||
			   TOK_IN(p, t, restrict_words)))
			break;
		p->pos++;
	}
	return depth;
}


/* The C spelling of the specifiers alone, e.g. "const unsigned long". */
static void spec__name(const struct parser *p, const struct spec *s, char *buf, size_t size)
{
	const char *base = "int";
	const char *sign = s->sign == S_UNSIGNED ? "unsigned " : "";
	char word[WM_TYPE_NAME_MAX];
	char tag[WM_TYPE_NAME_MAX];

	switch (s->base) {
	case B_VOID:
		base = "void";
		break;
	case B_CHAR:
		base = "char";
		if (s->sign == S_SIGNED)
			sign = "signed ";
		break;
	case B_FLOAT:
		base = "float";
		break;
	case B_DOUBLE:
		base = s->nr_long ? "long double" : "double";
		break;
	case B_BOOL:
	case B_TYPEDEF:
		base = tok__text(p, s->base_tok, word, sizeof(word));
		break;
	case B_TAG:
		snprintf(tag, sizeof(tag), "%.*s %.*s", p->toks[s->tag_kw].len,
			 p->text + p->toks[s->tag_kw].off, p->toks[s->base_tok].len,
			 p->text + p->toks[s->base_tok].off);
		base = tag;
		break;
	default:
		if (s->is_short)
			base = "short";
		else if (s->nr_long == 2)
			base = "long long";
		else if (s->nr_long == 1)
			base = "long";
		break;
	}
	buf[0] = '\0';
	sig__append(buf, size, s->is_const ? "const " : "");
	sig__append(buf, size, s->is_volatile ? "volatile " : "");
	sig__append(buf, size, sign);
	sig__append(buf, size, base);
}

/*
 * The wm_type of specifiers plus pointer depth. Types whose size we cannot
 * know without the headers are refused unless they sit behind a pointer.
 */
static int parser__make_type(struct parser *p, const struct spec *s, int depth, bool is_ret,
			     struct wm_type *t)
{
	char name[WM_TYPE_NAME_MAX];
	struct spec tag;
	int i;

	memset(t, 0, sizeof(*t));
	spec__name(p, s, t->name, sizeof(t->name));
	if (depth > 0) {
		size_t len = strlen(t->name);

		for (i = 0; i < depth && len + 2 < sizeof(t->name); i++) {
			if (i == 0)
				t->name[len++] = ' ';
			t->name[len++] = '*';
		}
		t->name[len] = '\0';
		t->size = 8;
		t->kind = WM_T_PTR;
		if (depth == 1 && s->base == B_CHAR && s->sign != S_UNSIGNED)
			t->kind = WM_T_STR;
		return 0;
	}

	switch (s->base) {
	case B_VOID:
		if (!is_ret)
			return parser__fail(p, s->base_tok, "'void' must be the only parameter");
		t->kind = WM_T_VOID;
		return 0;
	case B_CHAR:
		t->kind = WM_T_CHAR;
		t->size = 1;
		t->is_signed = s->sign != S_UNSIGNED;
		return 0;
	case B_FLOAT:
		t->kind = WM_T_FLOAT;
		t->size = 4;
		return 0;
	case B_DOUBLE:
		t->kind = WM_T_FLOAT;
		t->size = s->nr_long ? 16 : 8;
		return 0;
	case B_BOOL:
		t->kind = WM_T_BOOL;
		t->size = 1;
		return 0;
	case B_TAG:
		if (p->text[p->toks[s->tag_kw].off] == 'e') {
			t->kind = WM_T_INT;
			t->size = 4;
			t->is_signed = true;
			return 0;
		}
		/* Only the tag: "struct foo" even when written "const struct foo". */
		tag = (struct spec){ .base = B_TAG, .tag_kw = s->tag_kw, .base_tok = s->base_tok };
		spec__name(p, &tag, name, sizeof(name));
		return parser__fail(p, s->tag_kw, "cannot pass '%s' by value: use a pointer", name);
	case B_TYPEDEF: {
		const struct known_typedef *k = known_typedef__find(p, &p->toks[s->base_tok]);

		if (!k)
			return parser__fail(
				p, s->base_tok,
				"unknown type '%s': use a pointer or a standard integer type",
				tok__text(p, s->base_tok, name, sizeof(name)));
		t->kind = WM_T_INT;
		t->size = k->size;
		t->is_signed = k->is_signed;
		return 0;
	}
	default:
		t->kind = WM_T_INT;
		t->is_signed = s->sign != S_UNSIGNED;
		t->size = s->is_short ? 2 : s->nr_long ? 8 : 4;
		return 0;
	}
}

static int parser__params(struct parser *p, struct wm_sig *sig);

/*
 * "(*name)(params)": a function pointer parameter, the cursor on '('. Its
 * own parameters are parsed for real, so mistakes in them are reported.
 */
static int parser__func_ptr(struct parser *p, const struct spec *s, int depth,
			    struct wm_param *param)
{
	struct wm_sig *inner = NULL;
	struct wm_type ret;
	char buf[256];
	int err;

	if (p->depth >= MAX_NESTING)
		return parser__fail(p, p->pos, "function pointers nested too deeply");
	p->pos++;
	if (parser__pointers(p) < 1)
		return parser__fail(p, p->pos, "expected '*'");
	if (parser__peek(p, 0)->kind == TOK_IDENT) {
		tok__text(p, p->pos, param->name, sizeof(param->name));
		p->pos++;
	}
	if (!parser__at(p, ')'))
		return parser__fail(p, p->pos, "expected ')'");
	p->pos++;
	if (!parser__at(p, '('))
		return parser__fail(p, p->pos, "expected '('");
	p->pos++;

	err = parser__make_type(p, s, depth, true, &ret);
	if (err)
		return err;
	inner = calloc(1, sizeof(*inner));
	if (!inner)
		return -ENOMEM;
	p->depth++;
	err = parser__params(p, inner);
	p->depth--;
	if (err)
		goto cleanup;

	inner->ret = ret;
	/* Rendered as a declaration without a name: "int (*)(const void *)". */
	snprintf(inner->name, sizeof(inner->name), "(*)");
	sig__snprint(inner, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(param->type.name)) {
		size_t rl = strlen(ret.name);

		snprintf(buf, sizeof(buf), "%s%s(*)()", ret.name,
			 rl && ret.name[rl - 1] == '*' ? "" : " ");
	}
	memset(&param->type, 0, sizeof(param->type));
	param->type.kind = WM_T_PTR;
	param->type.size = 8;
	sig__append(param->type.name, sizeof(param->type.name), buf);
cleanup:
	free(inner);
	return err;
}

/* "[]", "[16]", "[static N]": arrays decay to pointers as parameters. */
static int parser__array_suffix(struct parser *p, int *depth)
{
	bool first = true;

	while (parser__at(p, '[')) {
		int open = p->pos++;

		while (!parser__at(p, ']')) {
			const struct tok *t = parser__peek(p, 0);

			if (t->kind == TOK_END || t->kind == TOK_PUNCT)
				return parser__fail(p, p->pos, "expected ']' to match '[' at %d",
						    p->toks[open].off + 1);
			p->pos++;
		}
		p->pos++;
		/* int a[3][4] is a pointer to arrays: still one pointer. */
		if (first)
			(*depth)++;
		first = false;
	}
	return 0;
}

static int parser__param(struct parser *p, struct wm_param *param)
{
	struct spec s;
	int depth, err;

	memset(param, 0, sizeof(*param));
	err = parser__specs(p, &s);
	if (err)
		return err;
	if (s.first < 0 && !spec__has_type(&s))
		return parser__fail(p, p->pos, "expected a parameter type");

	depth = parser__pointers(p);
	if (parser__at(p, '(') && tok__is_punct(parser__peek(p, 1), p->text, '*'))
		return parser__func_ptr(p, &s, depth, param);
	if (parser__peek(p, 0)->kind == TOK_IDENT) {
		tok__text(p, p->pos, param->name, sizeof(param->name));
		p->pos++;
	}
	err = parser__skip_attributes(p);
	if (err)
		return err;
	err = parser__array_suffix(p, &depth);
	if (err)
		return err;
	return parser__make_type(p, &s, depth, false, &param->type);
}

/* The parameter list, the cursor past '('; consumes the closing ')'. */
static int parser__params(struct parser *p, struct wm_sig *sig)
{
	int err;

	sig->nr_params = 0;
	sig->variadic = false;
	if (parser__at(p, ')')) {
		p->pos++;
		return 0;
	}
	if (tok__is(p, parser__peek(p, 0), "void") &&
	    tok__is_punct(parser__peek(p, 1), p->text, ')')) {
		p->pos += 2;
		return 0;
	}

	for (;;) {
		if (parser__peek(p, 0)->kind == TOK_ELLIPSIS) {
			sig->variadic = true;
			p->pos++;
			if (!parser__at(p, ')'))
				return parser__fail(p, p->pos, "expected ')' after '...'");
			p->pos++;
			return 0;
		}
		if (sig->nr_params == WM_SIG_MAX_PARAMS)
			return parser__fail(p, p->pos, "too many parameters (max %d)",
					    WM_SIG_MAX_PARAMS);
		err = parser__param(p, &sig->params[sig->nr_params]);
		if (err)
			return err;
		sig->nr_params++;
		if (parser__at(p, ')')) {
			p->pos++;
			return 0;
		}
		if (!parser__at(p, ','))
			return parser__fail(p, p->pos, "expected ')' or ','");
		p->pos++;
	}
}

/*
 * What headers put after the parameter list: attributes and the glibc
 * macros that wrap them ("__THROW", "__nonnull ((1))", "__wur").
 */
static int parser__trailer(struct parser *p)
{
	int err;

	for (;;) {
		const struct tok *t = parser__peek(p, 0);

		if (t->kind != TOK_IDENT || t->len < 2 || memcmp(p->text + t->off, "__", 2))
			return 0;
		p->pos++;
		if (parser__at(p, '(')) {
			err = parser__skip_parens(p);
			if (err)
				return err;
		}
	}
}

static int parser__prototype(struct parser *p, struct wm_sig *sig)
{
	char buf[32];
	struct spec s;
	int depth, err;

	if (parser__peek(p, 0)->kind == TOK_END)
		return parser__fail(p, p->pos, "empty prototype");
	err = parser__specs(p, &s);
	if (err)
		return err;
	if (s.first < 0)
		return parser__fail(p, p->pos, "expected the return type");
	depth = parser__pointers(p);

	if (parser__peek(p, 0)->kind != TOK_IDENT) {
		/* "strlen(const char *s)": the name was taken for a type. */
		if (s.base == B_TYPEDEF && depth == 0 && parser__at(p, '(') &&
		    s.first == s.base_tok)
			return parser__fail(p, s.base_tok, "expected the return type before '%s'",
					    tok__text(p, s.base_tok, buf, sizeof(buf)));
		return parser__fail(p, p->pos, "expected the function name");
	}
	err = parser__make_type(p, &s, depth, true, &sig->ret);
	if (err)
		return err;
	tok__text(p, p->pos, sig->name, sizeof(sig->name));
	p->pos++;
	err = parser__skip_attributes(p);
	if (err)
		return err;
	if (!parser__at(p, '('))
		return parser__fail(p, p->pos, "expected '(' after the function name");
	p->pos++;
	err = parser__params(p, sig);
	if (err)
		return err;

	err = parser__trailer(p);
	if (err)
		return err;
	if (parser__at(p, ';'))
		p->pos++;
	if (parser__peek(p, 0)->kind != TOK_END)
		return parser__fail(p, p->pos, "unexpected '%s' after the prototype",
				    tok__text(p, p->pos, buf, sizeof(buf)));
	return 0;
}

bool proto__is_prototype(const char *text)
{
	return text && strchr(text, '(') != NULL;
}

int proto__parse(const char *text, struct wm_sig *sig, int *err_col, char *err, size_t errsz)
{
	struct parser p = {
		.text = text ? text : "",
		.err_col = err_col,
		.err = err,
		.errsz = errsz,
	};
	int ret;

	if (err_col)
		*err_col = 0;
	if (err && errsz)
		err[0] = '\0';
	memset(sig, 0, sizeof(*sig));

	ret = parser__lex(&p);
	if (ret)
		goto cleanup;
	ret = parser__prototype(&p, sig);
	if (ret)
		goto cleanup;
	sig->source = WM_SIG_PROTO;
	sig__assign_regs(sig);
cleanup:
	if (ret)
		memset(sig, 0, sizeof(*sig));
	free(p.toks);
	return ret;
}
