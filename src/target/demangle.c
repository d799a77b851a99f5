// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "target/demangle.h"

/* libstdc++'s demangler (<cxxabi.h>), callable from C. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* __cxa_demangle's text d into out, cut to fit (-ENOSPC then); d is freed. */
static int take(char *d, char *out, size_t outsz)
{
	size_t n = strlen(d);
	int ret = 0;

	if (n >= outsz) {
		n = outsz - 1;
		ret = -ENOSPC;
	}
	memcpy(out, d, n);
	out[n] = '\0';
	free(d);
	return ret;
}

int demangle(const char *sym, char *out, size_t outsz)
{
	int status = 0;
	char *d;

	if (!sym || strncmp(sym, "_Z", 2) || !out || !outsz)
		return -EINVAL;
	d = __cxa_demangle(sym, NULL, NULL, &status);
	if (!d || status)
		return -EINVAL;
	return take(d, out, outsz);
}

/* Longest type name taken from a target: the rest is cut. */
#define TYPE_NAME_MAX 512

int demangle__type(const char *name, size_t len, char *out, size_t outsz)
{
	char raw[TYPE_NAME_MAX + 1];
	int status = 0;
	size_t n;
	char *d;

	if (!name || !out || !outsz)
		return -EINVAL;
	if (len && name[0] == '*') {
		name++;
		len--;
	}
	/* Stop at a NUL the target put in: the name is what comes before it. */
	len = strnlen(name, len);
	if (len > TYPE_NAME_MAX)
		len = TYPE_NAME_MAX;
	memcpy(raw, name, len);
	raw[len] = '\0';
	/*
	 * __cxa_demangle takes a type's mangling as well as a symbol's; a
	 * symbol ("_Z...") is not a type name, so it is not taken here.
	 */
	d = len && strncmp(raw, "_Z", 2) ? __cxa_demangle(raw, NULL, NULL, &status) : NULL;
	if (!d || status) {
		free(d);
		n = len < outsz - 1 ? len : outsz - 1;
		memcpy(out, raw, n);
		out[n] = '\0';
		return -EINVAL;
	}
	return take(d, out, outsz);
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
