// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Source of the ELF/DWARF seed objects (built by tests/fuzz/fuzz.mk): small,
 * but with the types the DWARF reader decodes, so mutations start from
 * every kind of DIE it looks at.
 */
#include <stdbool.h>
#include <stddef.h>

enum colour { RED, GREEN = 5 };
struct point {
	int x, y;
	const char *name;
};
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

/* Layouts: bitfields, arrays, a nested struct, a flexible array, a union by value. */
enum sign { NEG = -3, POS = 4 };
union num {
	int i;
	double d;
	unsigned char b[8];
};
struct flags {
	unsigned ready : 1;
	int delta : 5;
	char name[8];
	short grid[2][3];
	struct point at;
	enum sign s;
	int tail[];
};
struct pair {
	long a, b;
};

__attribute__((noinline)) long seed_layout(struct flags *f, union num u, struct pair p, enum sign s,
					   int (*arr)[4])
{
	return (f ? f->delta : 0) + u.i + p.b + s + (arr ? (*arr)[1] : 0);
}

__attribute__((noinline)) void *seed_alloc(size_t n, void (*cb)(int))
{
	if (cb)
		cb((int)n);
	return NULL;
}
