// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Symbol names are the target's bytes: each input is a symbol, demangled
 * (libstdc++'s and libiberty's demanglers), and a -f selector matched
 * against what came out, and against the input taken as a demangled name.
 * Input: flags byte, then "selector\0symbol". Beyond not crashing, the parts
 * of a name must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "target/demangle.h"

#define MAX_LEN 4096

static void check_parts(const char *name)
{
	size_t len = demangle__name_len(name), starts[8];
	int n = demangle__scopes(name, starts, 8);

	if (len > strlen(name) || n < 1)
		abort();
	for (int i = 0; i < n && i < 8; i++)
		if (starts[i] > len || (i && starts[i] <= starts[i - 1]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *sel, *sym, *dem;
	enum wm_lang lang;
	bool pattern;
	size_t n;

	if (size < 1 || size > MAX_LEN)
		return 0;
	buf = calloc(1, size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	sel = buf;
	n = strlen(sel);
	sym = n + 1 < size ? buf + n + 1 : buf + n;
	pattern = data[0] & 1 ? demangle__is_pattern(sel) : false;

	check_parts(sel);
	check_parts(sym);
	dem = demangle__alloc(sym, &lang);
	if (dem) {
		check_parts(dem);
		demangle__match(sel, pattern, dem, lang);
	}
	demangle__match(sel, pattern, sym, data[0] & 2 ? WM_LANG_RUST : WM_LANG_CXX);
	demangle__is_cxx_selector(sel);
	free(dem);
	free(buf);
	return 0;
}
