// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parameters that are not where the C ABI puts them, built with -O2 like
 * every target: scale() becomes a clone (scale.constprop.0 or
 * scale.isra.0) without its unused parameter, so x arrives in the second
 * register, not the third, and "unused" exists nowhere; keep()'s unused
 * parameter is still in its register at entry. Each call is logged as
 * wrapmon should print it after the function's name.
 */
#include "common.h"

struct cfg {
	int factor;
	int bias;
};

static __attribute__((noinline)) int scale(const struct cfg *c, int unused, int x)
{
	asm volatile("");
	return c->factor * x + c->bias;
}

__attribute__((noinline)) int keep(int a, int unused)
{
	asm volatile("");
	return a + 1;
}

int main(int argc, char **argv)
{
	struct cfg c = { .factor = argc + 2, .bias = 1 };

	target_start(argc, argv);
	for (int i = 0; i < 3; i++) {
		int r = scale(&c, i, i + 10), k = keep(i * 7, 99);

		fprintf(tlog, "scale (c={factor=%d, bias=%d}, unused=<optimized out>, x=%d) = %d\n",
			c.factor, c.bias, i + 10, r);
		fprintf(tlog, "keep (a=%d, unused=99) = %d\n", i * 7, k);
	}
	fclose(tlog);
	return 0;
}
