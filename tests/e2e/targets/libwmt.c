// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A shared library with a traced function, for the end-to-end tests. */
__attribute__((noinline)) long lib_add(long a, long b)
{
	asm volatile("");
	return a + b;
}

__attribute__((noinline)) int dup_fn(int x)
{
	asm volatile("");
	return x + 1;
}
