// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Growable output buffer. Errors are sticky so callers check once, at the end. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/buf.h"
#include "util/grow.h"

void buf__free(struct wm_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

/* Make room for extra more bytes plus the terminating NUL. */
static int buf__reserve(struct wm_buf *b, size_t extra)
{
	if (b->err)
		return b->err;
	if (extra > SIZE_MAX / 2 - b->len - 1 || grow__array(&b->p, &b->cap, b->len + extra + 1, 1))
		b->err = -ENOMEM;
	return b->err;
}

void buf__put_slow(struct wm_buf *b, const char *s, size_t n)
{
	if (buf__reserve(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf__u64_pad(struct wm_buf *b, unsigned long long v, int width)
{
	/* Two digits per division: "00" to "99" back to back. */
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char d[24];
	int i = sizeof(d);

	while (v >= 100) {
		i -= 2;
		memcpy(d + i, pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy(d + i, pairs + v * 2, 2);
	} else {
		d[--i] = '0' + v;
	}
	while (i > (int)sizeof(d) - width && i > 0)
		d[--i] = '0';
	buf__put(b, d + i, sizeof(d) - i);
}

void buf__u64(struct wm_buf *b, unsigned long long v)
{
	buf__u64_pad(b, v, 1);
}

void buf__s64(struct wm_buf *b, long long v)
{
	if (v < 0) {
		buf__putc(b, '-');
		/* Negated as unsigned: LLONG_MIN has no positive counterpart. */
		buf__u64(b, -(unsigned long long)v);
		return;
	}
	buf__u64(b, v);
}

void buf__hex(struct wm_buf *b, unsigned long long v)
{
	static const char digits[] = "0123456789abcdef";
	char d[16];
	int i = sizeof(d);

	do {
		d[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	buf__put(b, d + i, sizeof(d) - i);
}

void buf__printf(struct wm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf__reserve(b, 64))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* Not an allocation failure, but the line is just as unusable. */
		b->p[b->len] = '\0';
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (buf__reserve(b, n)) {
			b->p[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

void err__set(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}
