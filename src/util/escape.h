/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Escaping of bytes that come from the traced process. Nothing it holds may
 * reach a terminal or a JSON consumer raw.
 */
#ifndef WM_ESCAPE_H
#define WM_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"

/*
 * C-style escaping for the terminal (no surrounding quotes): \" \\ \n \t \r
 * \a \b \f \v \0 and \xHH for every other control byte, DEL, and every byte
 * that is not part of a valid, shortest-form UTF-8 sequence of a scalar value
 * (no surrogates, <= U+10FFFF). Valid UTF-8 is kept, except C1 controls
 * (U+0080..U+009F) and the bidi overrides U+202A..U+202E, U+2066..U+2069
 * which are written as \u{XXXX}.
 */
void esc__c(struct wm_buf *b, const char *s, size_t n);
/* The same between double quotes. */
void esc__c_quoted(struct wm_buf *b, const char *s, size_t n);

/*
 * Outside text inside a message (stderr errors, notes, -v): the escapes of
 * esc__c for every byte a terminal could act on, newlines included, so one
 * message stays one line; '"' and '\\' stay as they are, as a message quotes
 * a user's expression or prototype the way it was typed.
 */
void esc__text(struct wm_buf *b, const char *s, size_t n);

/*
 * The same into dst (size bytes, NUL-terminated), cut between two escapes
 * when it does not fit. Returns how many bytes of s it took.
 */
size_t esc__text_cut(char *dst, size_t size, const char *s, size_t n);

/* NUL-terminated s escaped into dst, "..." at the end when cut. Returns dst. */
const char *esc__msg(char *dst, size_t size, const char *s);

/* Room for one name, path or expression quoted in a message. */
#define ESC_MSG_MAX 1024

/*
 * An escaped copy of outside text for a message's %s, alive to the end of
 * the enclosing block: err__set(err, errsz, "cannot open %s", ESC(path)).
 */
#define ESC(s) esc__msg((char[ESC_MSG_MAX]){ 0 }, ESC_MSG_MAX, (s))

/*
 * The same for a name of at most n bytes (a constant), with room for every
 * byte escaped: for parsers that recurse, where ESC()'s room would add up.
 */
#define ESC_NAME(s, n) esc__msg((char[4 *(n) + 4]){ 0 }, 4 * (n) + 4, (s))

/*
 * JSON string body (no quotes): \" \\ \n \t \r \b \f, \u00XX for other
 * control bytes and DEL, \u00XX / \u20XX for the C1 controls and bidi
 * overrides listed above (valid JSON that decodes to the same text); other
 * valid UTF-8 is kept; each invalid byte becomes
 * \u00XX of its value (so the output is always valid UTF-8 JSON, and the
 * original byte is recoverable by convention).
 */
/*
 * How many bytes at the start of s pass every escaper unchanged (printable
 * ASCII; '"' and '\\' only when raw_quotes), copied to dst (room for n
 * bytes): a whole plain string is copied as it is, and what follows the
 * plain start needs the escaper. Bytes of dst past the returned length may
 * be written too.
 */
size_t esc__copy_plain(char *dst, const char *s, size_t n, bool raw_quotes);
void esc__json(struct wm_buf *b, const char *s, size_t n);
/* The same between double quotes: a JSON string (json__str()). */
void esc__json_quoted(struct wm_buf *b, const char *s, size_t n);

/*
 * Prometheus text exposition label value body (no quotes): \\ \" and \n as
 * the format defines them; every other control byte, DEL and byte that is not
 * valid UTF-8 as the four characters \xHH, and the C1 controls and bidi
 * overrides as \u{XXXX} (both written with an escaped backslash, so the
 * value a scraper reads is that text). The output is valid UTF-8 that a
 * terminal does not act on, and a plain name or path reads back unchanged.
 */
void esc__prom(struct wm_buf *b, const char *s, size_t n);

#endif
