// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls work() as fast as it can, N times over ~1.5 s (or argv[2] seconds), and logs N. */
#include <time.h>
#include "common.h"

__attribute__((noinline)) int work(const char *s, int x)
{
	asm volatile("");
	return x + s[0];
}

int main(int argc, char **argv)
{
	struct timespec t0, t;
	long n = 0, sum = 0;
	long run_ns = argc > 2 ? (long)(atof(argv[2]) * 1e9) : 1500000000L;

	target_start(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++, n++)
			sum += work("a string to copy into every record", i);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < run_ns);
	fprintf(tlog, "%ld %ld\n", n, sum);
	return 0;
}
