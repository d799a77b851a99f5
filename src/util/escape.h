/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Escaping of bytes that come from the traced process. Nothing it holds may
 * reach a terminal or a JSON consumer raw.
 */
#ifndef WM_ESCAPE_H
#define WM_ESCAPE_H

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

/*
 * JSON string body (no quotes): \" \\ \n \t \r \b \f, \u00XX for other
 * control bytes and DEL, \u00XX / \u20XX for the C1 controls and bidi
 * overrides listed above (valid JSON that decodes to the same text); other
 * valid UTF-8 is kept; each invalid byte becomes
 * \u00XX of its value (so the output is always valid UTF-8 JSON, and the
 * original byte is recoverable by convention).
 */
void esc__json(struct wm_buf *b, const char *s, size_t n);

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
