// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Leaf functions of t_leafstack, built with -fomit-frame-pointer and
 * -fcf-protection=full: neither pushes %rbp, so at their probe %rbp is still
 * the caller's frame and a frame-pointer walk skips the caller.
 */

/* No endbr64 either: the probe sits on the first instruction. */
__attribute__((noinline, nocf_check)) int leaf_plain(int n)
{
	asm volatile("");
	return n * 3 + 1;
}

/* endbr64 first: the probe sits past it, the return address still at (%rsp). */
__attribute__((noinline)) int leaf_cet(int n)
{
	asm volatile("");
	return n * 5 + 2;
}
