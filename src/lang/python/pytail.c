// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A -f name is matched with fnmatch() against "module.qualname". When the
 * part after its last '.' is plain, every name it matches ends with '.'
 * and that part, which has no '.': the qualname's own last part is that
 * part. When the part before its first '.' is plain, every name it matches
 * starts with it and a '.': the module's own first part is that part (the
 * module comes first and is never empty where it could match a plain
 * part). Their hashes are tests BPF can make on a code object it meets.
 */
#include <errno.h>
#include <string.h>
#include "lang/python/pytail.h"
#include "wrapmon_py.h"

/* The code point at *s (UTF-8), advancing s; -1 when s is not UTF-8. */
static long next_cp(const unsigned char **s)
{
	const unsigned char *p = *s;
	int n = p[0] < 0x80		    ? 0 :
		p[0] >= 0xc2 && p[0] < 0xe0 ? 1 :
		p[0] >= 0xe0 && p[0] < 0xf0 ? 2 :
		p[0] >= 0xf0 && p[0] < 0xf5 ? 3 :
					      -1;
	long cp;

	if (n < 0)
		return -1;
	cp = n ? p[0] & (0x3f >> n) : p[0];
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not the name's characters. */
	if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp < 0xe000))
		return -1;
	*s = p + n + 1;
	return cp;
}

__u64 pytail__part(const char *pattern, int part)
{
	const char *dot = part == WM_PY_PART_HEAD ? strchr(pattern, '.') : strrchr(pattern, '.');
	const unsigned char *s, *end;
	__u64 h = WM_PY_HASH_SEED;

	if (strpbrk(pattern, "[\\"))
		return WM_PY_HASH_ANY;
	if (part == WM_PY_PART_HEAD) {
		s = (const unsigned char *)pattern;
		end = (const unsigned char *)(dot ? dot : pattern + strlen(pattern));
	} else {
		s = (const unsigned char *)(dot ? dot + 1 : pattern);
		end = s + strlen((const char *)s);
	}
	for (const unsigned char *p = s; p < end; p++)
		if (*p == '*' || *p == '?')
			return WM_PY_HASH_ANY;
	while (s < end) {
		long cp = next_cp(&s);

		if (cp < 0 || s > end)
			return WM_PY_HASH_ANY;
		h = wm_py_hash_step(h, (__u32)cp);
	}
	return wm_py_hash_end(h);
}
