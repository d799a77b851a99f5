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

char *buf__room_slow(struct wm_buf *b, size_t n)
{
	return buf__reserve(b, n) ? NULL : b->p + b->len;
}

/* Decimal digits of v (1 for 0): from its bit length, corrected once. */
static int dec_len(unsigned long long v)
{
	/* [0] is 0, not 1: so that 0 has one digit. */
	static const unsigned long long pow10[20] = {
		0ULL,
		10ULL,
		100ULL,
		1000ULL,
		10000ULL,
		100000ULL,
		1000000ULL,
		10000000ULL,
		100000000ULL,
		1000000000ULL,
		10000000000ULL,
		100000000000ULL,
		1000000000000ULL,
		10000000000000ULL,
		100000000000000ULL,
		1000000000000000ULL,
		10000000000000000ULL,
		100000000000000000ULL,
		1000000000000000000ULL,
		10000000000000000000ULL,
	};
	/* 1233 / 4096 is just above log10(2): t is the length or one more than it. */
	int t = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return t + (v >= pow10[t]);
}

const char buf__digit_pairs[200] = "00010203040506070809101112131415161718192021222324"
				   "25262728293031323334353637383940414243444546474849"
				   "50515253545556575859606162636465666768697071727374"
				   "75767778798081828384858687888990919293949596979899";

/* The n digits of v (its whole length, or more: zeros before), ending at end. */
static void dec_write(char *end, unsigned long long v, int n)
{
	char *p = end;

	while (v >= 100) {
		p -= 2;
		buf__2digits(p, v % 100);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		buf__2digits(p, v);
	} else {
		*--p = '0' + v;
	}
	while (p > end - n)
		*--p = '0';
}

size_t buf__u64_at(char *d, unsigned long long v)
{
	int n = dec_len(v);

	dec_write(d + n, v, n);
	return n;
}

void buf__u64_pad(struct wm_buf *b, unsigned long long v, int width)
{
	int n = dec_len(v);
	char *d;

	if (width > 20)
		width = 20;
	if (n < width)
		n = width;
	d = buf__room(b, n);
	if (!d)
		return;
	dec_write(d + n, v, n);
	buf__commit(b, n);
}

void buf__u64(struct wm_buf *b, unsigned long long v)
{
	int n = dec_len(v);
	char *d = buf__room(b, n);

	if (!d)
		return;
	dec_write(d + n, v, n);
	buf__commit(b, n);
}

void buf__s64(struct wm_buf *b, long long v)
{
	/* Negated as unsigned: LLONG_MIN has no positive counterpart. */
	unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
	int n = dec_len(u) + (v < 0);
	char *d = buf__room(b, n);

	if (!d)
		return;
	dec_write(d + n, u, n - (v < 0));
	if (v < 0)
		d[0] = '-';
	buf__commit(b, n);
}

void buf__hex(struct wm_buf *b, unsigned long long v)
{
	static const char digits[] = "0123456789abcdef";
	int n = (64 - __builtin_clzll(v | 1) + 3) / 4;
	char *d = buf__room(b, n);

	if (!d)
		return;
	for (int i = n - 1; i >= 0; i--, v >>= 4)
		d[i] = digits[v & 15];
	buf__commit(b, n);
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
