/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Writing JSON: the one place a string value gets its quotes and escapes. */
#ifndef WM_JSON_H
#define WM_JSON_H

#include <stddef.h>
#include "util/buf.h"

/* n bytes of s as a JSON string, quotes included (escaped as esc__json()). */
void json__str(struct wm_buf *b, const char *s, size_t n);
/* The same for a NUL-terminated s. */
void json__cstr(struct wm_buf *b, const char *s);

#endif
