// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Recursion and nested traced functions; a float between integers. */
#include "common.h"

__attribute__((noinline)) long fact(int n)
{
	long r = n <= 1 ? 1 : n * fact(n - 1);

	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d fact %d %ld\n", gettid_(), n, r);
	TLOG_END();
	return r;
}

__attribute__((noinline)) int inner(int y)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d inner %d %d\n", gettid_(), y, y + 1);
	TLOG_END();
	return y + 1;
}

__attribute__((noinline)) int outer(int x)
{
	int r = inner(x * 2) * 3;

	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d outer %d %d\n", gettid_(), x, r);
	TLOG_END();
	return r;
}

__attribute__((noinline)) int mix(int a, double f, int b)
{
	int r = a + (int)f + b;

	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d mix %d %d %d\n", gettid_(), a, b, r);
	TLOG_END();
	return r;
}

__attribute__((noinline)) int tail_b(int x)
{
	asm volatile("");
	return x * 10;
}

/* Compiled at -O2 into a jump: tail_b returns straight to our caller. */
__attribute__((noinline)) int tail_a(int x)
{
	asm volatile("");
	return tail_b(x + 1);
}

/* Takes a string pointer it never reads: the tracer must not pretend it is empty. */
__attribute__((noinline)) int peek(const char *s, int n)
{
	asm volatile("");
	return n;
}

int main(int argc, char **argv)
{
	target_start(argc, argv);
	fact(12);
	for (int i = 0; i < 5; i++)
		outer(i);
	mix(7, 2.5, -9);
	for (int i = 0; i < 3; i++) {
		int r = tail_a(i);

		TLOG_BEGIN();
		fprintf(tlog, "%d tail_a %d %d\n", gettid_(), i, r);
		fprintf(tlog, "%d tail_b %d %d\n", gettid_(), i + 1, r);
		TLOG_END();
	}
	peek((const char *)16, 3);
	TLOG_BEGIN();
	fprintf(tlog, "%d peek 16 3\n", gettid_());
	TLOG_END();
	fact(40); /* deeper than 32: the innermost calls cannot be kept */
	return 0;
}
