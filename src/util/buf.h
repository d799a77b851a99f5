/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A growable byte buffer: output lines are built here, then written once. */
#ifndef WM_BUF_H
#define WM_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
void buf__put_slow(struct wm_buf *b, const char *s, size_t n);
char *buf__room_slow(struct wm_buf *b, size_t n);

/*
 * Where n more bytes (and the NUL after them) can be written at the end:
 * for writers that build a piece in place and then buf__commit() what they
 * wrote. NULL after an allocation failure.
 */
static inline char *buf__room(struct wm_buf *b, size_t n)
{
	if (b->err || n >= b->cap - b->len || n > PTRDIFF_MAX)
		return buf__room_slow(b, n);
	return b->p + b->len;
}

/* n bytes written at buf__room(): they are the buffer's now. */
static inline void buf__commit(struct wm_buf *b, size_t n)
{
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * The consumer appends a few dozen pieces per record: the common case (room
 * left, no error) stays inline, growing goes through buf__put_slow().
 */
static inline void buf__put(struct wm_buf *b, const char *s, size_t n)
{
	/* No object is larger than PTRDIFF_MAX: said so the compiler knows it too. */
	if (b->err || n >= b->cap - b->len || n > PTRDIFF_MAX) {
		buf__put_slow(b, s, n);
		return;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void buf__puts(struct wm_buf *b, const char *s)
{
	buf__put(b, s, strlen(s));
}

static inline void buf__putc(struct wm_buf *b, char c)
{
	buf__put(b, &c, 1);
}

/* "00" to "99" back to back: two decimal digits per step. */
extern const char buf__digit_pairs[200];

/* v < 100 as two digits at d ("07"). */
static inline void buf__2digits(char *d, unsigned int v)
{
	memcpy(d, buf__digit_pairs + 2 * v, 2);
}

/* v's decimal digits at d (room for 20): how many. For a piece built in place. */
size_t buf__u64_at(char *d, unsigned long long v);

/*
 * Decimal and hex digits, as "%llu", "%lld" and "%llx" print them, without
 * printf: written in place, two digits per step.
 */
void buf__u64(struct wm_buf *b, unsigned long long v);
void buf__s64(struct wm_buf *b, long long v);
void buf__hex(struct wm_buf *b, unsigned long long v);
/* v in at least width digits, zero-padded on the left ("%0*u"); width <= 20. */
void buf__u64_pad(struct wm_buf *b, unsigned long long v, int width);
__attribute__((format(printf, 2, 3))) void buf__printf(struct wm_buf *b, const char *fmt, ...);

/* One-line error message into a caller's buffer (NULL or 0 size: nothing). */
__attribute__((format(printf, 3, 4))) void err__set(char *err, size_t errsz, const char *fmt, ...);

#endif
