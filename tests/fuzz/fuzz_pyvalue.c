// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python value snapshots (a record's bytes, so outside input) through the
 * renderers (repr, JSON, an exception's parts), and the same bytes as the
 * JSON text of a str that the report renders. Beyond not crashing or reading past the input (ASan), the text
 * must be terminal-safe: no control byte, no C1 control and no bidi
 * override however the snapshot spells its characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lang/python/pyvalue.h"

static void check_safe(const struct wm_buf *b)
{
	const unsigned char *p = (const unsigned char *)b->p;

	for (size_t i = 0; i < b->len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			abort();
		/* U+0080..U+009F */
		if (p[i] == 0xc2 && i + 1 < b->len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			abort();
		/* U+202A..U+202E, U+2066..U+2069 */
		if (p[i] == 0xe2 && i + 2 < b->len &&
		    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
		     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the snapshot is a read past the heap block. */
	unsigned char *copy = malloc(size ? size : 1);
	struct wm_buf b = {}, msg = {};

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	pyvalue__repr(&b, copy, size);
	if (!b.err)
		check_safe(&b);
	buf__reset(&b);
	pyvalue__json(&b, copy, size);
	if (!b.err)
		check_safe(&b);
	/* An exception's type is shown as is; its message is escaped where it is shown. */
	buf__reset(&b);
	pyvalue__exc(copy, size, NULL, &b, &msg, NULL);
	if (!b.err)
		check_safe(&b);
	buf__free(&msg);
	/* A value 3.11 and older raised unnormalized, under a hostile type name. */
	buf__reset(&b);
	pyvalue__exc(copy, size, "x.\x1b[31mKeyError", &b, &msg, NULL);
	if (!b.err)
		check_safe(&b);
	buf__free(&msg);
	buf__reset(&b);
	pyvalue__raised_repr(&b, copy, size,
			     "builtins.\n\x1b"
			     "Error");
	if (!b.err)
		check_safe(&b);
	/* The same bytes as a str's JSON text read back by the report. */
	buf__reset(&b);
	pyvalue__repr_json(&b, (const char *)copy, size);
	if (!b.err)
		check_safe(&b);
	buf__free(&b);
	free(copy);
	return 0;
}
