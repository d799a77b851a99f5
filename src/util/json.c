// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "util/escape.h"
#include "util/json.h"

void json__str(struct wm_buf *b, const char *s, size_t n)
{
	size_t plain = esc__plain_len(s, n, false);

	buf__putc(b, '"');
	buf__put(b, s, plain);
	if (plain < n)
		esc__json(b, s + plain, n - plain);
	buf__putc(b, '"');
}

void json__cstr(struct wm_buf *b, const char *s)
{
	json__str(b, s, strlen(s));
}
