// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Escaping of untrusted bytes. Both escapers walk the input as UTF-8 and
 * treat every byte that does not start a valid, shortest-form sequence as a
 * lone byte, so a truncated or forged sequence can never swallow the bytes
 * that follow it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "util/escape.h"

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t v, min;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points a terminal would act on even though they are valid UTF-8. */
static bool cp_is_dangerous(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static const char *c_short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	case '\a':
		return "\\a";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\v':
		return "\\v";
	case '\0':
		return "\\0";
	default:
		return NULL;
	}
}

static const char *prom_short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	default:
		return NULL;
	}
}

/* How one output format writes what may not pass raw. */
struct esc_style {
	const char *(*short_escape)(unsigned char c); /* its short form, or NULL */
	const char *byte_fmt;			      /* any other unsafe byte (unsigned int) */
	const char *cp_fmt; /* a valid but dangerous code point (unsigned int) */
	bool raw_quotes;    /* '"' and '\\' pass as they are */
};

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* Whether a byte of w is zero: exact, no false positives (Hacker's Delight 6-1). */
#define HAS_ZERO(w) (((w)-ONES) & ~(w)&HIGHS)

/*
 * Whether all 8 bytes at p pass as they are: printable ASCII, and neither
 * '"' nor '\\' unless raw_quotes. Strings are mostly that, and a word at a
 * time is a third of the instructions of a byte at a time.
 */
static bool word_is_plain(const unsigned char *p, bool raw_quotes)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	/* A byte >= 0x80, or < 0x20 (its top bit set after the subtraction). */
	if ((w | (w - 0x20 * ONES)) & HIGHS)
		return false;
	if (HAS_ZERO(w ^ 0x7f * ONES))
		return false;
	if (!raw_quotes && (HAS_ZERO(w ^ '"' * ONES) || HAS_ZERO(w ^ '\\' * ONES)))
		return false;
	return true;
}

static bool byte_is_plain(unsigned char c, bool raw_quotes)
{
	return (unsigned char)(c - 0x20) < 0x5f && (raw_quotes || (c != '"' && c != '\\'));
}

#ifdef __SSE2__
/* A bit for each of the 16 bytes at p that may not pass as it is. */
static unsigned int vec_not_plain(const unsigned char *p, bool raw_quotes)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p), ok;

	/* Compared as signed bytes: those >= 0x80 are below 0x20 too. */
	ok = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
			   _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
	if (!raw_quotes)
		ok = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
						   _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
				      ok);
	return ~_mm_movemask_epi8(ok) & 0xffff;
}
#endif

size_t esc__copy_plain(char *dst, const char *s, size_t n, bool raw_quotes)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

#ifdef __SSE2__
	unsigned int m;

	/* Checked and copied 16 at a time; a bad byte's place is overwritten by its escape. */
	for (; n - i >= 16; i += 16) {
		m = vec_not_plain(p + i, raw_quotes);
		_mm_storeu_si128((__m128i *)(dst + i), _mm_loadu_si128((const __m128i *)(p + i)));
		if (m)
			return i + __builtin_ctz(m);
	}
	if (i < n && n >= 16) {
		/* The last 16 bytes, overlapping some already seen: nothing is read past s + n. */
		m = vec_not_plain(p + n - 16, raw_quotes) >> (16 - (n - i));
		_mm_storeu_si128((__m128i *)(dst + n - 16),
				 _mm_loadu_si128((const __m128i *)(p + n - 16)));
		return m ? i + __builtin_ctz(m) : n;
	}
#endif
	for (; n - i >= 8 && word_is_plain(p + i, raw_quotes); i += 8)
		memcpy(dst + i, p + i, 8);
	for (; i < n && byte_is_plain(p[i], raw_quotes); i++)
		dst[i] = p[i];
	return i;
}

/*
 * Printable ASCII (but '"' and '\\', unless the style keeps them) and valid
 * UTF-8 that is not dangerous pass as they are, in runs; everything else is
 * written the style's way.
 */
static void escape(struct wm_buf *b, const char *s, size_t n, const struct esc_style *st)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	const char *e;
	uint32_t cp;

	while (i < n) {
		len = 0;
		/* Most strings are plain ASCII: a tight scan over the printable run. */
		while (n - i >= 8 && word_is_plain(p + i, st->raw_quotes))
			i += 8, run += 8;
		if (st->raw_quotes) {
			while (i < n && (unsigned char)(p[i] - 0x20) < 0x5f)
				i++, run++;
		} else {
			while (i < n && (unsigned char)(p[i] - 0x20) < 0x5f && p[i] != '"' &&
			       p[i] != '\\')
				i++, run++;
		}
		if (i == n)
			break;
		if (p[i] >= 0x80) {
			len = utf8_seq(p + i, n - i, &cp);
			if (len && !cp_is_dangerous(cp)) {
				i += len;
				run += len;
				continue;
			}
		}
		/* Flush the safe bytes seen so far in one go. */
		buf__put(b, s + i - run, run);
		run = 0;
		if (len) {
			buf__printf(b, st->cp_fmt, (unsigned int)cp);
			i += len;
			continue;
		}
		e = st->short_escape(p[i]);
		if (e)
			buf__puts(b, e);
		else
			buf__printf(b, st->byte_fmt, (unsigned int)p[i]);
		i++;
	}
	buf__put(b, s + n - run, run);
}

static const struct esc_style c_style = { c_short_escape, "\\x%02x", "\\u{%04X}" };

void esc__c(struct wm_buf *b, const char *s, size_t n)
{
	char *d = buf__room(b, n);
	size_t k;

	if (!d)
		return;
	/* Most strings pass whole: copied straight in, the rest escaped from the first bad byte. */
	k = esc__copy_plain(d, s, n, false);
	buf__commit(b, k);
	if (k < n)
		escape(b, s + k, n - k, &c_style);
}

/* s between double quotes: copied whole when it is plain, else escaped the style's way. */
static void quoted(struct wm_buf *b, const char *s, size_t n, const struct esc_style *st)
{
	char *d = buf__room(b, n + 2);
	size_t k;

	if (!d)
		return;
	d[0] = '"';
	k = esc__copy_plain(d + 1, s, n, false);
	if (k == n) {
		d[n + 1] = '"';
		buf__commit(b, n + 2);
		return;
	}
	buf__commit(b, k + 1);
	escape(b, s + k, n - k, st);
	buf__putc(b, '"');
}

void esc__c_quoted(struct wm_buf *b, const char *s, size_t n)
{
	quoted(b, s, n, &c_style);
}

/* esc__c's escapes; quotes and backslashes are text the user typed, and stay so. */
static const struct esc_style text_style = { c_short_escape, "\\x%02x", "\\u{%04X}", true };

void esc__text(struct wm_buf *b, const char *s, size_t n)
{
	escape(b, s, n, &text_style);
}

size_t esc__text_cut(char *dst, size_t size, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct wm_buf unit = {};
	size_t i = 0, len = 0, k;
	uint32_t cp;

	if (!dst || !size)
		return 0;
	/* One character (or lone byte) at a time, so no escape is ever cut in two. */
	while (i < n) {
		k = utf8_seq(p + i, n - i, &cp);
		if (!k)
			k = 1;
		buf__reset(&unit);
		escape(&unit, s + i, k, &text_style);
		if (unit.err || len + unit.len >= size)
			break;
		memcpy(dst + len, unit.p, unit.len);
		len += unit.len;
		i += k;
	}
	dst[len] = '\0';
	buf__free(&unit);
	return i;
}

const char *esc__msg(char *dst, size_t size, const char *s)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = strlen(s);
	if (size < 4) {
		esc__text_cut(dst, size, s, n);
		return dst;
	}
	/* Room kept for the "..." that says the text goes on. */
	if (esc__text_cut(dst, size - 3, s, n) < n)
		strcat(dst, "...");
	return dst;
}

static const char *json_short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	default:
		return NULL;
	}
}

/* Dangerous code points: same string once decoded, but nothing a terminal acts on. */
static const struct esc_style json_style = { json_short_escape, "\\u%04x", "\\u%04x" };

void esc__json(struct wm_buf *b, const char *s, size_t n)
{
	escape(b, s, n, &json_style);
}

void esc__json_quoted(struct wm_buf *b, const char *s, size_t n)
{
	quoted(b, s, n, &json_style);
}

void esc__prom(struct wm_buf *b, const char *s, size_t n)
{
	/* The backslash itself escaped, so the value a scraper reads is this text. */
	static const struct esc_style prom = { prom_short_escape, "\\\\x%02x", "\\\\u{%04X}" };

	escape(b, s, n, &prom);
}
