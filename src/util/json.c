// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "util/escape.h"
#include "util/json.h"

void json__str(struct wm_buf *b, const char *s, size_t n)
{
	char *d = buf__room(b, n + 2);
	size_t k;

	if (!d)
		return;
	d[0] = '"';
	/* A string that needs no escape is copied whole, quotes and all, in one go. */
	k = esc__copy_plain(d + 1, s, n, false);
	if (k == n) {
		d[n + 1] = '"';
		buf__commit(b, n + 2);
		return;
	}
	buf__commit(b, k + 1);
	esc__json(b, s + k, n - k);
	buf__putc(b, '"');
}

void json__cstr(struct wm_buf *b, const char *s)
{
	json__str(b, s, strlen(s));
}
