/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tokenizer shared by the small C-like languages users type: -f
 * prototypes (types/proto.c) and --filter/--error expressions
 * (plan/expr.c). Each says what its tokens are in a struct lex_syntax; the
 * lexer splits the text, and reports errors as both parsers must: a
 * 1-based column and a one-line message.
 */
#ifndef WM_LEX_H
#define WM_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum lex_kind {
	LEX_END, /* always the last token, at the end of the text */
	LEX_IDENT,
	LEX_NUMBER, /* digits and what sticks to them: 0x1f, 10UL, 250us */
	LEX_STRING, /* "...", quotes and escapes included */
	LEX_CHAR,   /* '...' */
	LEX_OP,	    /* one of the syntax's operators or punctuation */
	LEX_ELLIPSIS,
};

struct lex_tok {
	enum lex_kind kind;
	int off; /* byte offset in the text */
	int len;
};

/* One text and its tokens: lex__init(), lex__split(), lex__free(). */
struct lex {
	const char *text;
	struct lex_tok *toks;
	int nr_toks;
	int *err_col;
	char *err;
	size_t errsz;
};

struct lex_syntax {
	const char *quotes;	/* bytes opening a quoted token: '"' a string, '\'' a char */
	const char *const *ops; /* operators of two bytes or more, NULL-terminated */
	const char *punct;	/* one-byte operators and punctuation */
	bool comments;		/* skip C comments */
	bool ellipsis;		/* "..." is a token */
	bool dotted_numbers;	/* '.' continues a number: 1.5ms */
	/*
	 * The message for a token that cannot be read (a quote that does not
	 * end, a byte no token starts with), if the language words it its own
	 * way; NULL: "unterminated string", "unexpected character 'c'". The
	 * token's off is where it starts; the hook returns lex__fail().
	 */
	int (*fail)(struct lex *lx, int tok);
};

/*
 * Start on text (NULL: ""), errors to go to *err_col (the 1-based column)
 * and err (a one-line message); either may be NULL. Both are cleared.
 */
void lex__init(struct lex *lx, const char *text, int *err_col, char *err, size_t errsz);

/*
 * Split lx->text into lx->toks, dropping white space (and comments if the
 * syntax has them). 0, -ENOMEM, or -EINVAL with the error reported.
 */
int lex__split(struct lex *lx, const struct lex_syntax *syn);

void lex__free(struct lex *lx);

/* Token i, an index past either end taken as the nearest token. */
const struct lex_tok *lex__tok(const struct lex *lx, int i);

/* Is token i spelled s (never a string or char literal, nor the end)? */
bool lex__is(const struct lex *lx, int i, const char *s);

/*
 * Report an error at token tok (clamped to the tokens there are): sets
 * *err_col and the message. Returns -EINVAL.
 */
int lex__fail(struct lex *lx, int tok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The same at a byte offset: an error inside a token, such as a bad escape. */
int lex__fail_off(struct lex *lx, int off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Text of token i for messages, escaped as esc__text() does and cut to fit
 * size so the message stays one line; "end of text" for the end. Returns
 * buf or that constant.
 */
const char *lex__text(const struct lex *lx, int i, char *buf, size_t size);

#endif
