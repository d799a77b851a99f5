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

#include "types/proto.h"
#include "util/lex.h"

/* Function pointer parameters nest; a bound keeps hostile input cheap. */
#define MAX_NESTING 8

/* Structs and unions a prototype defines inline: "struct point { int x, y; } *p". */
#define MAX_DEFS 8

struct inline_def {
	int kw, name; /* tokens: the keyword, the tag */
	unsigned short first_field, nr_fields;
	unsigned int size, align;
};

struct parser {
	struct lex lex;
	int pos;
	int depth;
	struct wm_sig *sig; /* its field pool holds the members of inline definitions */
	struct inline_def defs[MAX_DEFS];
	int nr_defs;
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
	int def;       /* for B_TAG: its inline definition (parser.defs), -1: none */
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

/* Prototypes pasted from headers often carry a comment per parameter. */
static const struct lex_syntax proto_syntax = {
	.quotes = "\"",
	.punct = "(),*[];{}",
	.comments = true,
	.ellipsis = true,
};

static const struct lex_tok *parser__peek(const struct parser *p, int ahead)
{
	return lex__tok(&p->lex, p->pos + ahead);
}

static bool parser__at(const struct parser *p, const char *s)
{
	return lex__is(&p->lex, p->pos, s);
}

static bool tok__in(const struct parser *p, int i, const char *const *words, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (lex__is(&p->lex, i, words[k]))
			return true;
	}
	return false;
}

#define TOK_IN(p, i, words) tok__in(p, i, words, sizeof(words) / sizeof(words[0]))

static const struct known_typedef *known_typedef__find(const struct parser *p, int tok)
{
	size_t i;

	for (i = 0; i < sizeof(known_typedefs) / sizeof(known_typedefs[0]); i++) {
		if (lex__is(&p->lex, tok, known_typedefs[i].name))
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
		if (parser__peek(p, 0)->kind == LEX_END)
			return lex__fail(&p->lex, open, "unbalanced '('");
		if (parser__at(p, "("))
			level++;
		else if (parser__at(p, ")"))
			level--;
		p->pos++;
	} while (level > 0);
	return 0;
}

/* GCC attributes carry nothing we need: "__attribute__((nonnull(1)))". */
static int parser__skip_attributes(struct parser *p)
{
	int err;

	while (parser__at(p, "__attribute__") || parser__at(p, "__attribute")) {
		p->pos++;
		if (!parser__at(p, "("))
			return lex__fail(&p->lex, p->pos, "expected '(' after '__attribute__'");
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

	return lex__fail(&p->lex, tok, "'%s' cannot be combined with '%s'",
			 lex__text(&p->lex, tok, a, sizeof(a)),
			 lex__text(&p->lex, s->last_spec, b, sizeof(b)));
}

/*
 * Declaration specifiers: storage classes and qualifiers in any order with
 * one type, spelled as C allows ("long unsigned int" too). Stops at the
 * first token that is not part of them.
 */
static int parser__specs(struct parser *p, struct spec *s);
static int parser__pointers(struct parser *p, unsigned int *consts);
static bool tok__count(const struct parser *p, int i, unsigned short *count);
static const struct known_typedef *known_typedef__find(const struct parser *p, int tok);

static bool tok__same(const struct parser *p, int a, int b)
{
	const struct lex_tok *x = &p->lex.toks[a], *y = &p->lex.toks[b];

	return x->len == y->len && !memcmp(p->lex.text + x->off, p->lex.text + y->off, x->len);
}

/* One member's scalar, size and alignment; -EINVAL (said) when it has no size we know. */
static int member__type(struct parser *p, const struct spec *m, int stars, int name_tok,
			struct wm_scalar *sc, unsigned int *size, unsigned int *align)
{
	const struct known_typedef *k;
	char buf[64];

	memset(sc, 0, sizeof(*sc));
	if (stars) {
		sc->kind = stars == 1 && m->base == B_CHAR && m->sign != S_UNSIGNED ? WM_T_STR :
										      WM_T_PTR;
		sc->size = *size = *align = 8;
		return 0;
	}
	switch (m->base) {
	case B_CHAR:
		sc->kind = WM_T_CHAR;
		sc->size = 1;
		sc->is_signed = m->sign != S_UNSIGNED;
		break;
	case B_BOOL:
		sc->kind = WM_T_BOOL;
		sc->size = 1;
		break;
	case B_FLOAT:
		sc->kind = WM_T_FLOAT;
		sc->size = 4;
		break;
	case B_DOUBLE:
		if (m->nr_long)
			goto unknown;
		sc->kind = WM_T_FLOAT;
		sc->size = 8;
		break;
	case B_TAG:
		if (p->lex.text[p->lex.toks[m->tag_kw].off] == 'e') {
			sc->kind = WM_T_INT;
			sc->size = 4;
			sc->is_signed = true;
			break;
		}
		if (m->def < 0)
			goto unknown;
		/* A nested struct prints as {...}: its size and alignment place what follows. */
		sc->kind = WM_T_STRUCT;
		sc->size = p->defs[m->def].size > 255 ? 255 : p->defs[m->def].size;
		*size = p->defs[m->def].size;
		*align = p->defs[m->def].align;
		return 0;
	case B_TYPEDEF:
		k = known_typedef__find(p, m->base_tok);
		if (!k)
			goto unknown;
		sc->kind = WM_T_INT;
		sc->size = k->size;
		sc->is_signed = k->is_signed;
		break;
	case B_VOID:
		goto unknown;
	default:
		sc->kind = WM_T_INT;
		sc->size = m->is_short ? 2 : m->nr_long ? 8 : 4;
		sc->is_signed = m->sign != S_UNSIGNED;
		break;
	}
	*size = *align = sc->size;
	return 0;
unknown:
	return lex__fail(&p->lex, name_tok,
			 "member '%s' has a type of unknown size: use a pointer, an integer type, "
			 "or define its struct inline too",
			 lex__text(&p->lex, name_tok, buf, sizeof(buf)));
}

/* "{ int x; char *name; char tag[8]; }", the cursor on '{': laid out as x86_64's C does. */
static int parser__def_body(struct parser *p, struct spec *s)
{
	bool is_union = p->lex.text[p->lex.toks[s->tag_kw].off] == 'u';
	/* Members gather here: a struct defined among them takes its pool entries first. */
	struct wm_field fields[WM_SIG_MAX_FIELDS];
	unsigned int off = 0, max = 0, align = 1;
	struct inline_def d = {};
	int err, nr = 0;

	if (!p->sig)
		return lex__fail(&p->lex, p->pos, "a struct cannot be defined here");
	if (p->nr_defs == MAX_DEFS)
		return lex__fail(&p->lex, p->pos, "more than %d structs defined", MAX_DEFS);
	if (p->depth >= MAX_NESTING)
		return lex__fail(&p->lex, p->pos, "structs nested too deeply");
	p->depth++;
	p->pos++;
	d.kw = s->tag_kw;
	d.name = s->base_tok;
	while (!parser__at(p, "}")) {
		unsigned int size, al, at;
		unsigned short count = 0;
		struct wm_field *f;
		struct spec m;
		int stars, name;

		err = parser__specs(p, &m);
		if (err)
			return err;
		if (m.first < 0 && !spec__has_type(&m))
			return lex__fail(&p->lex, p->pos, "expected a member type or '}'");
		stars = parser__pointers(p, NULL);
		name = p->pos;
		if (parser__peek(p, 0)->kind != LEX_IDENT)
			return lex__fail(&p->lex, p->pos, "expected the member's name");
		p->pos++;
		if (parser__at(p, "[")) {
			if (!tok__count(p, p->pos + 1, &count) ||
			    !lex__is(&p->lex, p->pos + 2, "]"))
				return lex__fail(&p->lex, p->pos + 1,
						 "an array member needs a number of elements");
			p->pos += 3;
		}
		if (!parser__at(p, ";"))
			return lex__fail(&p->lex, p->pos, "expected ';' after the member");
		p->pos++;
		err = member__type(p, &m, stars, name, &(struct wm_scalar){}, &size, &al);
		if (err)
			return err;
		if (p->sig->nr_fields + nr == WM_SIG_MAX_FIELDS)
			return lex__fail(&p->lex, name, "more than %d struct members in all",
					 WM_SIG_MAX_FIELDS);
		f = &fields[nr++];
		memset(f, 0, sizeof(*f));
		member__type(p, &m, stars, name, &f->type, &size, &al);
		lex__text(&p->lex, name, f->name, sizeof(f->name));
		at = is_union ? 0 : (off + al - 1) / al * al;
		f->offset = at;
		f->count = count;
		size *= count ? count : 1;
		off = at + size;
		max = off > max ? off : max;
		align = al > align ? al : align;
	}
	p->pos++;
	p->depth--;
	if (!nr)
		return lex__fail(&p->lex, p->pos - 1, "a struct defined here needs members");
	if (p->nr_defs == MAX_DEFS)
		return lex__fail(&p->lex, p->pos - 1, "more than %d structs defined", MAX_DEFS);
	if (sig__reserve_fields(p->sig, nr))
		return lex__fail(&p->lex, p->pos - 1, "out of memory");
	d.first_field = p->sig->nr_fields;
	d.nr_fields = nr;
	memcpy(&p->sig->fields[p->sig->nr_fields], fields, nr * sizeof(*fields));
	p->sig->nr_fields += nr;
	d.size = (max + align - 1) / align * align;
	d.align = align;
	p->defs[p->nr_defs] = d;
	s->def = p->nr_defs++;
	return 0;
}

/* After "struct NAME": its definition here, or one given earlier in the prototype. */
static int parser__tag_def(struct parser *p, struct spec *s)
{
	if (p->lex.text[p->lex.toks[s->tag_kw].off] == 'e')
		return 0;
	if (lex__is(&p->lex, p->pos + 1, "{")) {
		int err;

		p->pos++;
		err = parser__def_body(p, s);
		/* The loop of parser__specs steps over the last token it is on: the '}'. */
		p->pos--;
		return err;
	}
	for (int i = 0; i < p->nr_defs; i++)
		if (tok__same(p, p->defs[i].name, s->base_tok) &&
		    tok__same(p, p->defs[i].kw, s->tag_kw))
			s->def = i;
	return 0;
}

static int parser__specs(struct parser *p, struct spec *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->first = -1;
	s->base_tok = -1;
	s->last_spec = -1;
	s->tag_kw = -1;
	s->def = -1;

	for (;;) {
		const struct lex_tok *t = parser__peek(p, 0);
		int i = p->pos;
		enum base want = B_NONE;

		err = parser__skip_attributes(p);
		if (err)
			return err;
		if (p->pos != i)
			continue;
		if (t->kind != LEX_IDENT)
			break;

		if (TOK_IN(p, i, ignored_words) || TOK_IN(p, i, restrict_words)) {
			p->pos++;
			continue;
		}
		if (TOK_IN(p, i, const_words)) {
			s->is_const = true;
			p->pos++;
			continue;
		}
		if (TOK_IN(p, i, volatile_words)) {
			s->is_volatile = true;
			p->pos++;
			continue;
		}

		if (lex__is(&p->lex, i, "signed") || lex__is(&p->lex, i, "__signed__") ||
		    lex__is(&p->lex, i, "unsigned")) {
			if (s->sign != S_NONE ||
			    (s->base != B_NONE && s->base != B_CHAR && s->base != B_INT))
				return spec__conflict(p, s, i);
			s->sign = lex__is(&p->lex, i, "unsigned") ? S_UNSIGNED : S_SIGNED;
		} else if (lex__is(&p->lex, i, "short")) {
			if (s->is_short || s->nr_long || (s->base != B_NONE && s->base != B_INT))
				return spec__conflict(p, s, i);
			s->is_short = true;
		} else if (lex__is(&p->lex, i, "long")) {
			if (s->nr_long == 2)
				return lex__fail(&p->lex, i, "too many 'long'");
			if (s->is_short ||
			    (s->base != B_NONE && s->base != B_INT && s->base != B_DOUBLE) ||
			    (s->base == B_DOUBLE && s->nr_long))
				return spec__conflict(p, s, i);
			s->nr_long++;
		} else if (lex__is(&p->lex, i, "int")) {
			want = B_INT;
		} else if (lex__is(&p->lex, i, "char")) {
			want = B_CHAR;
		} else if (lex__is(&p->lex, i, "void")) {
			want = B_VOID;
		} else if (lex__is(&p->lex, i, "float")) {
			want = B_FLOAT;
		} else if (lex__is(&p->lex, i, "double")) {
			want = B_DOUBLE;
		} else if (lex__is(&p->lex, i, "bool") || lex__is(&p->lex, i, "_Bool")) {
			want = B_BOOL;
		} else if (lex__is(&p->lex, i, "struct") || lex__is(&p->lex, i, "union") ||
			   lex__is(&p->lex, i, "enum")) {
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
				if (parser__peek(p, 0)->kind != LEX_IDENT)
					return lex__fail(&p->lex, p->pos,
							 "expected a name after '%.*s'", t->len,
							 p->lex.text + t->off);
				s->base_tok = p->pos;
				err = parser__tag_def(p, s);
				if (err)
					return err;
			}
		}
		if (s->first < 0)
			s->first = i;
		s->last_spec = p->pos;
		p->pos++;
	}
	return 0;
}

/*
 * "*", "* const", "**": how many levels of pointer. Bit k of *consts is
 * set when the pointer made by star k + 1 is itself const ("char *const *").
 */
static int parser__pointers(struct parser *p, unsigned int *consts)
{
	int depth = 0;

	if (consts)
		*consts = 0;
	for (;;) {
		int i = p->pos;

		if (parser__at(p, "*"))
			depth++;
		else if (TOK_IN(p, i, const_words) && depth > 0 && depth <= 32 && consts)
			*consts |= 1u << (depth - 1);
		else if (!(TOK_IN(p, i, const_words) || TOK_IN(p, i, volatile_words) ||
			   TOK_IN(p, i, restrict_words)))
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
		base = lex__text(&p->lex, s->base_tok, word, sizeof(word));
		break;
	case B_TAG:
		snprintf(tag, sizeof(tag), "%.*s %.*s", p->lex.toks[s->tag_kw].len,
			 p->lex.text + p->lex.toks[s->tag_kw].off, p->lex.toks[s->base_tok].len,
			 p->lex.text + p->lex.toks[s->base_tok].off);
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

/* Is the tag keyword of these specifiers "enum" (not struct or union)? */
static bool spec__is_enum(const struct parser *p, const struct spec *s)
{
	return s->base == B_TAG && p->lex.text[p->lex.toks[s->tag_kw].off] == 'e';
}

/*
 * What a pointer of this depth points to, as far as the prototype says:
 * a scalar, another pointer, or WM_T_UNKNOWN for a struct or a typedef
 * whose layout only debug info knows (dwarf__complete_sig()).
 */
static void spec__target(const struct parser *p, const struct spec *s, int depth,
			 unsigned int consts, struct wm_type *t)
{
	struct wm_scalar *sc = &t->target;
	const struct known_typedef *k;

	memset(sc, 0, sizeof(*sc));
	t->target_const = depth == 1 ? s->is_const : depth <= 33 && (consts >> (depth - 2)) & 1;
	if (depth > 1) {
		sc->kind = depth == 2 && s->base == B_CHAR && s->sign != S_UNSIGNED ? WM_T_STR :
										      WM_T_PTR;
		sc->size = 8;
		return;
	}
	switch (s->base) {
	case B_VOID:
		sc->kind = WM_T_VOID;
		return;
	case B_CHAR:
		sc->kind = WM_T_CHAR;
		sc->size = 1;
		sc->is_signed = s->sign != S_UNSIGNED;
		return;
	case B_FLOAT:
		sc->kind = WM_T_FLOAT;
		sc->size = 4;
		return;
	case B_DOUBLE:
		sc->kind = WM_T_FLOAT;
		sc->size = s->nr_long ? 16 : 8;
		return;
	case B_BOOL:
		sc->kind = WM_T_BOOL;
		sc->size = 1;
		return;
	case B_TAG:
		if (spec__is_enum(p, s)) {
			sc->kind = WM_T_INT;
			sc->size = 4;
			sc->is_signed = true;
			return;
		}
		sc->kind = WM_T_UNKNOWN;
		return;
	case B_TYPEDEF:
		k = known_typedef__find(p, s->base_tok);
		sc->kind = k ? WM_T_INT : WM_T_UNKNOWN;
		sc->size = k ? k->size : 0;
		sc->is_signed = k && k->is_signed;
		return;
	default:
		sc->kind = WM_T_INT;
		sc->is_signed = s->sign != S_UNSIGNED;
		sc->size = s->is_short ? 2 : s->nr_long ? 8 : 4;
		return;
	}
}

/* A struct defined inline: its members, for a pointer to it or the struct by value. */
static void def__apply(const struct inline_def *d, const struct parser *p, struct wm_type *t)
{
	t->is_union = p->lex.text[p->lex.toks[d->kw].off] == 'u';
	t->first_field = d->first_field;
	t->nr_fields = d->nr_fields;
	t->struct_size = d->size;
	t->target.size = d->size > 255 ? 255 : d->size;
}

/*
 * The wm_type of specifiers plus pointer depth. Types whose size we cannot
 * know without the headers are refused unless they sit behind a pointer,
 * but for structs and unions by value: debug info may still give their
 * layout, so they are kept with size 0 (see dwarf__complete_sig()).
 */
static int parser__make_type(struct parser *p, const struct spec *s, int depth, unsigned int consts,
			     bool is_ret, struct wm_type *t)
{
	char name[WM_TYPE_NAME_MAX];
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
		spec__target(p, s, depth, consts, t);
		if (depth == 1 && s->base == B_TAG && s->def >= 0) {
			t->target.kind = WM_T_STRUCT;
			def__apply(&p->defs[s->def], p, t);
		}
		return 0;
	}

	switch (s->base) {
	case B_VOID:
		if (!is_ret)
			return lex__fail(&p->lex, s->base_tok, "'void' must be the only parameter");
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
		if (spec__is_enum(p, s)) {
			t->kind = WM_T_INT;
			t->size = 4;
			t->is_signed = true;
			return 0;
		}
		t->kind = WM_T_STRUCT;
		t->is_union = p->lex.text[p->lex.toks[s->tag_kw].off] == 'u';
		if (s->def >= 0) {
			def__apply(&p->defs[s->def], p, t);
			t->size = t->struct_size;
		}
		return 0;
	case B_TYPEDEF: {
		const struct known_typedef *k = known_typedef__find(p, s->base_tok);

		if (!k)
			return lex__fail(
				&p->lex, s->base_tok,
				"unknown type '%s': use a pointer or a standard integer type",
				lex__text(&p->lex, s->base_tok, name, sizeof(name)));
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
	int stars, err;

	if (p->depth >= MAX_NESTING)
		return lex__fail(&p->lex, p->pos, "function pointers nested too deeply");
	p->pos++;
	stars = parser__pointers(p, NULL);
	if (stars < 1)
		return lex__fail(&p->lex, p->pos, "expected '*'");
	if (parser__peek(p, 0)->kind == LEX_IDENT) {
		lex__text(&p->lex, p->pos, param->name, sizeof(param->name));
		p->pos++;
	}
	if (!parser__at(p, ")"))
		return lex__fail(&p->lex, p->pos, "expected ')'");
	p->pos++;
	if (!parser__at(p, "("))
		return lex__fail(&p->lex, p->pos, "expected '('");
	p->pos++;

	err = parser__make_type(p, s, depth, 0, true, &ret);
	if (err)
		return err;
	inner = calloc(1, sizeof(*inner));
	if (!inner)
		return -ENOMEM;
	inner->ret = ret;
	p->depth++;
	err = parser__params(p, inner);
	p->depth--;
	if (err)
		goto cleanup;

	/* Rendered as a declaration without a name: "int (*)(const void *)". */
	err = sig__set_name(inner, "(*)");
	if (err)
		goto cleanup;
	sig__snprint(inner, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(param->type.name)) {
		size_t rl = strlen(ret.name);

		snprintf(buf, sizeof(buf), "%s%s(*)()", ret.name,
			 rl && ret.name[rl - 1] == '*' ? "" : " ");
	}
	memset(&param->type, 0, sizeof(param->type));
	param->type.kind = WM_T_FUNCPTR;
	param->type.size = 8;
	/* "int (**pp)(int)": a pointer to a function pointer. */
	if (stars > 1) {
		param->type.kind = WM_T_PTR;
		param->type.target.kind = WM_T_FUNCPTR;
		param->type.target.size = 8;
	}
	sig__append(param->type.name, sizeof(param->type.name), buf);
cleanup:
	sig__free(inner);
	free(inner);
	return err;
}

/* A parameter whose element count another parameter (or the result) holds. */
struct len_ref {
	int tok;   /* the name in "[n]", -1 for none */
	bool soft; /* written as a C array, "char buf[n]": n may be a macro */
};

/* What follows a parameter's name in brackets. */
struct suffix {
	int nr;	 /* bracket pairs */
	int tok; /* the one number or name inside the first pair, else -1 */
};

/*
 * "[]", "[16]", "[static N]", "[n]": arrays decay to pointers as
 * parameters. Only the first pair's content is kept, and only when it is
 * a single number or name: the rest is C that changes nothing here.
 */
static int parser__array_suffix(struct parser *p, struct suffix *sfx)
{
	sfx->nr = 0;
	sfx->tok = -1;
	while (parser__at(p, "[")) {
		int open = p->pos++;

		while (!parser__at(p, "]")) {
			const struct lex_tok *t = parser__peek(p, 0);

			if (t->kind == LEX_END || t->kind == LEX_OP)
				return lex__fail(&p->lex, p->pos, "expected ']' to match '[' at %d",
						 p->lex.toks[open].off + 1);
			p->pos++;
		}
		if (sfx->nr == 0 && p->pos == open + 2) {
			int i = open + 1;
			enum lex_kind k = p->lex.toks[i].kind;

			if (k == LEX_NUMBER ||
			    (k == LEX_IDENT && !lex__is(&p->lex, i, "static") &&
			     !TOK_IN(p, i, const_words) && !TOK_IN(p, i, volatile_words) &&
			     !TOK_IN(p, i, restrict_words)))
				sfx->tok = open + 1;
		}
		p->pos++;
		sfx->nr++;
	}
	return 0;
}

/* Counted elements of void are bytes. */
static void type__bytes_if_void(struct wm_type *t)
{
	if (t->target.kind != WM_T_VOID)
		return;
	t->target.kind = WM_T_CHAR;
	t->target.size = 1;
	t->target.is_signed = false;
}

/* "16", "0x10", "16u": false for anything else, or a value out of 1..65535. */
static bool tok__count(const struct parser *p, int i, unsigned short *count)
{
	char buf[32], *end;
	unsigned long long v;

	if (p->lex.toks[i].kind != LEX_NUMBER || p->lex.toks[i].len >= (int)sizeof(buf))
		return false;
	lex__text(&p->lex, i, buf, sizeof(buf));
	errno = 0;
	v = strtoull(buf, &end, 0);
	while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L')
		end++;
	if (errno || *end || v == 0 || v > 0xffff)
		return false;
	*count = (unsigned short)v;
	return true;
}

/*
 * A pointer whose elements are counted: "int *v[4]" is four ints (not, as
 * in C, four pointers), "void *buf[n]" n bytes where n is a parameter,
 * "[ret]" as many as the result. Without a '*' before the name it is the C
 * array parameter it looks like: "int v[4]" is four ints too. void elements
 * are bytes.
 */
static int parser__counted(struct parser *p, const struct spec *s, int depth, unsigned int consts,
			   const struct suffix *sfx, struct wm_type *t, struct len_ref *len)
{
	unsigned short count;
	int err;

	err = parser__make_type(p, s, depth ? depth : 1, consts, false, t);
	if (err)
		return err;
	if (p->lex.toks[sfx->tok].kind == LEX_IDENT) {
		/* Resolved once every parameter is known: the count may come later. */
		len->tok = sfx->tok;
		len->soft = depth == 0;
		return 0;
	}
	if (!tok__count(p, sfx->tok, &count)) {
		if (depth == 0)
			return 0;
		return lex__fail(&p->lex, sfx->tok,
				 "an element count must be a number from 1 to 65535 or the "
				 "name of a parameter");
	}
	type__bytes_if_void(t);
	t->target_count = count;
	/* Counted chars are read as an array, not up to a NUL. */
	if (t->kind == WM_T_STR)
		t->kind = WM_T_PTR;
	return 0;
}

/* *len: the name of the element count, "[n]", for parser__resolve_lens(). */
static int parser__param(struct parser *p, struct wm_param *param, struct len_ref *len)
{
	unsigned int consts;
	struct suffix sfx;
	struct spec s;
	int depth, err;

	memset(param, 0, sizeof(*param));
	len->tok = -1;
	len->soft = false;
	err = parser__specs(p, &s);
	if (err)
		return err;
	if (s.first < 0 && !spec__has_type(&s))
		return lex__fail(&p->lex, p->pos, "expected a parameter type");

	depth = parser__pointers(p, &consts);
	if (parser__at(p, "(") && lex__is(&p->lex, p->pos + 1, "*"))
		return parser__func_ptr(p, &s, depth, param);
	if (parser__peek(p, 0)->kind == LEX_IDENT) {
		lex__text(&p->lex, p->pos, param->name, sizeof(param->name));
		p->pos++;
	}
	err = parser__skip_attributes(p);
	if (err)
		return err;
	err = parser__array_suffix(p, &sfx);
	if (err)
		return err;
	/* char s[16] stays a string, as it always read. */
	if (sfx.nr == 1 && sfx.tok >= 0 &&
	    !(depth == 0 && s.base == B_CHAR && p->lex.toks[sfx.tok].kind == LEX_NUMBER))
		return parser__counted(p, &s, depth, consts, &sfx, &param->type, len);
	/* int a[3][4] is a pointer to arrays: still one pointer. */
	if (sfx.nr)
		depth++;
	return parser__make_type(p, &s, depth, consts, false, &param->type);
}

/* "a, b, c": the names a message can suggest. */
static void sig__param_names(const struct wm_sig *sig, char *buf, size_t size)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sig->nr_params; i++) {
		if (!sig->params[i].name[0])
			continue;
		sig__append(buf, size, n++ ? ", " : "");
		sig__append(buf, size, sig->params[i].name);
	}
	if (!n)
		sig__append(buf, size, "none has a name");
}

/*
 * "[n]" names the parameter holding the element count, before or after
 * the buffer; "[ret]" the result, unless a parameter is called ret. An
 * array without '*' whose bound is no parameter ("char path[PATH_MAX]"
 * pasted from a header) is only the pointer C makes of it.
 */
static int parser__resolve_lens(struct parser *p, struct wm_sig *sig, const struct len_ref *refs)
{
	char name[WM_NAME_MAX], names[160];
	int i, j;

	for (i = 0; i < sig->nr_params; i++) {
		struct wm_type *t = &sig->params[i].type;
		const struct wm_type *len = NULL;
		int tok = refs[i].tok;

		if (tok < 0)
			continue;
		lex__text(&p->lex, tok, name, sizeof(name));
		for (j = 0; j < sig->nr_params; j++) {
			if (j != i && !strcmp(sig->params[j].name, name)) {
				len = &sig->params[j].type;
				t->len_param = j;
				break;
			}
		}
		if (!len && !strcmp(name, "ret")) {
			if (sig->ret.kind == WM_T_VOID)
				return lex__fail(&p->lex, tok,
						 "'[ret]': the function returns void, so the "
						 "result cannot count the elements");
			len = &sig->ret;
			t->len_param = WM_LEN_RET;
		}
		if (!len) {
			if (refs[i].soft)
				continue;
			sig__param_names(sig, names, sizeof(names));
			return lex__fail(&p->lex, tok,
					 "no parameter '%s' to count the elements of '%s': "
					 "parameters are %s, or 'ret' for the result",
					 name, sig->params[i].name[0] ? sig->params[i].name : "?",
					 names);
		}
		if (len->kind != WM_T_INT)
			return lex__fail(&p->lex, tok,
					 "'%s' is '%s': an element count must be an integer", name,
					 len->name);
		t->kind = WM_T_BUF;
		type__bytes_if_void(t);
	}
	return 0;
}

/* The parameter list, the cursor past '('; consumes the closing ')'. */
static int parser__param_list(struct parser *p, struct wm_sig *sig, struct len_ref *refs)
{
	int err;

	sig->nr_params = 0;
	sig->variadic = false;
	if (parser__at(p, ")")) {
		p->pos++;
		return 0;
	}
	if (parser__at(p, "void") && lex__is(&p->lex, p->pos + 1, ")")) {
		p->pos += 2;
		return 0;
	}

	for (;;) {
		if (parser__peek(p, 0)->kind == LEX_ELLIPSIS) {
			sig->variadic = true;
			p->pos++;
			if (!parser__at(p, ")"))
				return lex__fail(&p->lex, p->pos, "expected ')' after '...'");
			p->pos++;
			return 0;
		}
		if (sig->nr_params == WM_SIG_MAX_PARAMS)
			return lex__fail(&p->lex, p->pos, "too many parameters (max %d)",
					 WM_SIG_MAX_PARAMS);
		if (sig__reserve_params(sig, 1))
			return lex__fail(&p->lex, p->pos, "out of memory");
		err = parser__param(p, &sig->params[sig->nr_params], &refs[sig->nr_params]);
		if (err)
			return err;
		sig->nr_params++;
		if (parser__at(p, ")")) {
			p->pos++;
			return 0;
		}
		if (!parser__at(p, ","))
			return lex__fail(&p->lex, p->pos, "expected ')' or ','");
		p->pos++;
	}
}

/* The parameter list; sig->ret must be known already, for "[ret]". */
static int parser__params(struct parser *p, struct wm_sig *sig)
{
	struct len_ref refs[WM_SIG_MAX_PARAMS];
	int err;

	err = parser__param_list(p, sig, refs);
	if (err)
		return err;
	return parser__resolve_lens(p, sig, refs);
}

/*
 * What headers put after the parameter list: attributes and the glibc
 * macros that wrap them ("__THROW", "__nonnull ((1))", "__wur").
 */
static int parser__trailer(struct parser *p)
{
	int err;

	for (;;) {
		const struct lex_tok *t = parser__peek(p, 0);

		if (t->kind != LEX_IDENT || t->len < 2 || memcmp(p->lex.text + t->off, "__", 2))
			return 0;
		p->pos++;
		if (parser__at(p, "(")) {
			err = parser__skip_parens(p);
			if (err)
				return err;
		}
	}
}

static int parser__prototype(struct parser *p, struct wm_sig *sig)
{
	unsigned int consts;
	char buf[32], name[WM_SIG_NAME_MAX + 1];
	struct spec s;
	int depth, err;

	if (parser__peek(p, 0)->kind == LEX_END)
		return lex__fail(&p->lex, p->pos, "empty prototype");
	err = parser__specs(p, &s);
	if (err)
		return err;
	if (s.first < 0)
		return lex__fail(&p->lex, p->pos, "expected the return type");
	depth = parser__pointers(p, &consts);

	if (parser__peek(p, 0)->kind != LEX_IDENT) {
		/* "strlen(const char *s)": the name was taken for a type. */
		if (s.base == B_TYPEDEF && depth == 0 && parser__at(p, "(") &&
		    s.first == s.base_tok)
			return lex__fail(&p->lex, s.base_tok,
					 "expected the return type before '%s'",
					 lex__text(&p->lex, s.base_tok, buf, sizeof(buf)));
		return lex__fail(&p->lex, p->pos, "expected the function name");
	}
	err = parser__make_type(p, &s, depth, consts, true, &sig->ret);
	if (err)
		return err;
	lex__text(&p->lex, p->pos, name, sizeof(name));
	if (sig__set_name(sig, name))
		return lex__fail(&p->lex, p->pos, "out of memory");
	p->pos++;
	err = parser__skip_attributes(p);
	if (err)
		return err;
	if (!parser__at(p, "("))
		return lex__fail(&p->lex, p->pos, "expected '(' after the function name");
	p->pos++;
	err = parser__params(p, sig);
	if (err)
		return err;

	err = parser__trailer(p);
	if (err)
		return err;
	if (parser__at(p, ";"))
		p->pos++;
	if (parser__peek(p, 0)->kind != LEX_END)
		return lex__fail(&p->lex, p->pos, "unexpected '%s' after the prototype",
				 lex__text(&p->lex, p->pos, buf, sizeof(buf)));
	return 0;
}

bool proto__is_prototype(const char *text)
{
	return text && strchr(text, '(') != NULL;
}

int proto__parse(const char *text, struct wm_sig *sig, int *err_col, char *err, size_t errsz)
{
	struct parser p = {};
	int ret;

	lex__init(&p.lex, text, err_col, err, errsz);
	memset(sig, 0, sizeof(*sig));
	p.sig = sig;

	ret = lex__split(&p.lex, &proto_syntax);
	if (ret)
		goto cleanup;
	ret = parser__prototype(&p, sig);
	if (ret)
		goto cleanup;
	sig->source = WM_SIG_PROTO;
	sig__assign_regs(sig);
cleanup:
	if (ret)
		sig__free(sig);
	lex__free(&p.lex);
	return ret;
}
