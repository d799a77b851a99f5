// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Source of the ELF/DWARF seed objects (built by tests/fuzz/fuzz.mk): small,
 * but with the types the DWARF reader decodes, so mutations start from
 * every kind of DIE it looks at.
 */
#include <stdbool.h>
#include <stddef.h>

enum colour { RED, GREEN = 5 };
struct point { int x, y; const char *name; };
typedef unsigned long ulong_t;

__attribute__((noinline)) int seed_search(const char *pat, const char *s)
{
	return pat == s;
}

__attribute__((noinline)) bool seed_mix(char c, short h, long long q, ulong_t u, enum colour e,
					struct point *p, double d, ...)
{
	return c + h + q + u + e + (p ? p->x : 0) + (int)d;
}

__attribute__((noinline)) void *seed_alloc(size_t n, void (*cb)(int))
{
	if (cb)
		cb((int)n);
	return NULL;
}
