// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Opened and closed with dlopen()/dlclose() by t_dlopen. Its constructor
 * calls dl_add(100, 1) as the library is loaded, before dlopen() returns.
 */
long dl_init_result;

__attribute__((noinline)) long dl_add(long a, long b)
{
	asm volatile("");
	return a + b;
}

/* Calls cb(x) from inside the library: cb may end the thread there. */
__attribute__((noinline)) long dl_block(void (*cb)(long), long x)
{
	asm volatile("");
	cb(x);
	return x;
}

__attribute__((constructor)) static void dl_init(void)
{
	dl_init_result = dl_add(100, 1);
}
