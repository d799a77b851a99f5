// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opened by t_leafstack with dlopen() after the tracer attached: a caller in a library. */
__attribute__((noinline)) int lib_caller(int (*fn)(int), int n, void **ra)
{
	int r = fn(n);

	/* After the call, so it is a call and not a jump. */
	*ra = __builtin_return_address(0);
	return r * 2;
}
