// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/escape.h"
#include "util/json.h"

void json__str(struct wm_buf *b, const char *s, size_t n)
{
	buf__putc(b, '"');
	esc__json(b, s, n);
	buf__putc(b, '"');
}
