// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "util/escape.h"
#include "util/json.h"

void json__str(struct wm_buf *b, const char *s, size_t n)
{
	esc__json_quoted(b, s, n);
}

void json__cstr(struct wm_buf *b, const char *s)
{
	json__str(b, s, strlen(s));
}
