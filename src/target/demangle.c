// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "target/demangle.h"

/* libstdc++'s demangler (<cxxabi.h>), callable from C. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

int demangle(const char *sym, char *out, size_t outsz)
{
	int status = 0;
	size_t n;
	char *d;

	if (!sym || strncmp(sym, "_Z", 2) || !out || !outsz)
		return -EINVAL;
	d = __cxa_demangle(sym, NULL, NULL, &status);
	if (!d || status)
		return -EINVAL;
	n = strlen(d);
	if (n >= outsz) {
		memcpy(out, d, outsz - 1);
		out[outsz - 1] = '\0';
		free(d);
		return -ENOSPC;
	}
	memcpy(out, d, n + 1);
	free(d);
	return 0;
}

size_t demangle__name_len(const char *s)
{
	int angle = 0;
	size_t i;

	/* The first '(' outside template arguments opens the parameters. */
	for (i = 0; s[i]; i++) {
		/* An operator's own symbols ("operator<<", "operator()") are part of its name. */
		if (!strncmp(s + i, "operator", 8) && (i == 0 || s[i - 1] == ':')) {
			i += 8;
			if (s[i] == '(' && s[i + 1] == ')')
				i += 2;
			else
				while (s[i] && strchr("<>=!+-*/%^&|~[],", s[i]))
					i++;
			if (!s[i])
				break;
		}
		if (s[i] == '<') {
			angle++;
		} else if (s[i] == '>' && angle > 0) {
			angle--;
		} else if (s[i] == '(' && !angle) {
			return i;
		}
	}
	return i;
}

bool demangle__is_cxx_selector(const char *name)
{
	const char *paren;

	if (!name)
		return false;
	if (strstr(name, "::"))
		return true;
	/* Go's "main.(*T).M" has a dot before its parenthesis; C++ never does. */
	paren = strchr(name, '(');
	return paren && !memchr(name, '.', paren - name);
}
