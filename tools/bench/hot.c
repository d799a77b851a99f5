// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark target: after "go" on stdin, calls search() N times with two
 * strings and prints the nanoseconds per call it measured itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int search(const char *pat, const char *s)
{
	const char *hit = strstr(s, pat);

	asm volatile("");
	return hit ? (int)(hit - s) : -1;
}

int main(int argc, char **argv)
{
	static const char *const pats[] = { "fox", "lazy", "zz", "a" };
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t1;
	char line[16];
	long sum = 0;

	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		sum += search(pats[i & 3], "the quick brown fox jumps over the lazy dog");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f %ld\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n, sum);
	return 0;
}
