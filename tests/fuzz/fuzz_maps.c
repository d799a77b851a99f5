// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/maps text comes from the target: any bytes, any length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "target/procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_mapping *maps = NULL;
	char *text = malloc(size + 1);
	int n, i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = procmaps__parse(text, &maps);
	for (i = 0; i < n; i++) {
		/* Every kept path is absolute and NUL-terminated inside the array. */
		if (maps[i].path[0] != '/' || !memchr(maps[i].path, 0, sizeof(maps[i].path)))
			abort();
	}
	free(maps);
	maps = NULL;
	/* With the pseudo-files kept, a path is absolute or a bracketed name. */
	n = procmaps__parse_flags(text, PROCMAPS_PSEUDO_EXEC, &maps);
	for (i = 0; i < n; i++) {
		if (!memchr(maps[i].path, 0, sizeof(maps[i].path)))
			abort();
		if (maps[i].path[0] != '/' && (maps[i].path[0] != '[' || !maps[i].exec ||
					       maps[i].path[strlen(maps[i].path) - 1] != ']'))
			abort();
	}
	free(maps);
	free(text);
	return 0;
}
