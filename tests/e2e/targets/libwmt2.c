// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A second library defining the same name as libwmt: an ambiguous symbol. */
__attribute__((noinline)) int dup_fn(int x)
{
	asm volatile("");
	return x + 2;
}
