// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bytes from the target through the three escapers. Beyond not crashing, the
 * output must be safe: no control byte or invalid UTF-8 for the terminal,
 * a valid JSON string body, and a valid Prometheus label value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/escape.h"

/* Length of the valid UTF-8 sequence at p (shortest form, scalar value), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned int *cp)
{
	size_t len, i;
	unsigned int c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void check_safe(const struct wm_buf *b, int json)
{
	const unsigned char *p = (const unsigned char *)b->p;
	size_t i = 0, len;
	unsigned int cp;

	while (i < b->len) {
		len = utf8_len(p + i, b->len - i, &cp);
		if (!len || cp < 0x20 || cp == 0x7f)
			abort();
		if (((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
		     (cp >= 0x2066 && cp <= 0x2069)))
			abort();
		if (json && cp == '"')
			abort();
		if (json && cp == '\\') {
			/* Every backslash starts a JSON escape. */
			if (i + 1 >= b->len || !strchr("\"\\/bfnrtu", p[i + 1]))
				abort();
			i += p[i + 1] == 'u' ? 6 : 2;
			continue;
		}
		i += len;
	}
}

/*
 * A Prometheus label value body: safe as above, no raw quote, and every
 * backslash starts one of the format's three escapes (\\ \" \n).
 */
static void check_prom(const struct wm_buf *b)
{
	check_safe(b, 0);
	for (size_t i = 0; i < b->len; i++) {
		if (b->p[i] == '"')
			abort();
		if (b->p[i] == '\\') {
			if (i + 1 >= b->len || !strchr("\\\"n", b->p[i + 1]))
				abort();
			i++;
		}
	}
}

/*
 * Message text: safe, and a cut copy is exactly the whole escape of the
 * bytes it took, so no escape or character is ever cut in two.
 */
static void check_text(const uint8_t *data, size_t size, struct wm_buf *b)
{
	char cut[64];
	struct wm_buf part = {};
	size_t took;

	esc__text(b, (const char *)data, size);
	if (b->err)
		return;
	check_safe(b, 0);
	took = esc__text_cut(cut, sizeof(cut), (const char *)data, size);
	if (took > size || strlen(cut) >= sizeof(cut))
		abort();
	esc__text(&part, (const char *)data, took);
	if (!part.err && strcmp(part.p ? part.p : "", cut))
		abort();
	if (took < size && !part.err && strncmp(b->p, cut, strlen(cut)))
		abort();
	buf__free(&part);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_buf b = {};

	esc__c(&b, (const char *)data, size);
	if (!b.err)
		check_safe(&b, 0);
	buf__reset(&b);
	esc__json(&b, (const char *)data, size);
	if (!b.err)
		check_safe(&b, 1);
	buf__reset(&b);
	esc__prom(&b, (const char *)data, size);
	if (!b.err)
		check_prom(&b);
	buf__reset(&b);
	check_text(data, size, &b);
	buf__free(&b);
	return 0;
}
