/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A growable byte buffer: output lines are built here, then written once. */
#ifndef WM_BUF_H
#define WM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct wm_buf {
	char *p; /* always NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
	int err; /* sticky -ENOMEM: later appends are ignored */
};

void buf__free(struct wm_buf *b);
static inline void buf__reset(struct wm_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
}
void buf__put(struct wm_buf *b, const char *s, size_t n);
void buf__puts(struct wm_buf *b, const char *s);
void buf__putc(struct wm_buf *b, char c);
__attribute__((format(printf, 2, 3))) void buf__printf(struct wm_buf *b, const char *fmt, ...);

/* One-line error message into a caller's buffer (NULL or 0 size: nothing). */
__attribute__((format(printf, 3, 4))) void err__set(char *err, size_t errsz, const char *fmt, ...);

#endif
