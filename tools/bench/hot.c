// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark target. Prints "ready PID", then:
 *   bench-hot [N]        after "go" on stdin, calls search() N times with two
 *                        strings and prints "NS_PER_CALL SUM" it measured itself,
 *                        then waits for stdin to close (so the bench reads its
 *                        CPU time, and the tracer's, with the tracer attached);
 *   bench-hot -d SECS    after "go", calls search() as fast as it can for SECS
 *                        seconds and prints "NS_PER_CALL SUM CALLS";
 *   bench-hot -i USECS   at once, calls search() every USECS microseconds
 *                        until killed (a steady target for start-up timing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * HOT_LIB: search() alone, for a shared library (libbench-hot.so);
 * HOT_USE_LIB: the program calling it there (bench-libhot).
 */
#ifdef HOT_USE_LIB
int search(const char *pat, const char *s);
#else
__attribute__((noinline)) int search(const char *pat, const char *s)
{
	const char *hit = strstr(s, pat);

	asm volatile("");
	return hit ? (int)(hit - s) : -1;
}
#endif

#ifndef HOT_LIB
static const char *const pats[] = { "fox", "lazy", "zz", "a" };
static const char text[] = "the quick brown fox jumps over the lazy dog";

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int wait_go(void)
{
	char line[16];

	printf("ready %d\n", getpid());
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) ? 0 : -1;
}

static int run_count(long n)
{
	char line[16];
	double t0, t1;
	long sum = 0;

	if (wait_go())
		return 3;
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sum += search(pats[i & 3], text);
	t1 = now_ns();
	printf("%.1f %ld\n", (t1 - t0) / n, sum);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}

/* The clock is read once every 1,024 calls: a few ns spread over microseconds of calls. */
static int run_duration(double secs)
{
	double t0, t1, end;
	long sum = 0, n = 0;

	if (wait_go())
		return 3;
	t0 = now_ns();
	end = t0 + secs * 1e9;
	do {
		for (int i = 0; i < 1024; i++, n++)
			sum += search(pats[n & 3], text);
		t1 = now_ns();
	} while (t1 < end);
	printf("%.1f %ld %ld\n", (t1 - t0) / n, sum, n);
	return 0;
}

static int run_paced(long usecs)
{
	struct timespec gap = { .tv_sec = usecs / 1000000, .tv_nsec = usecs % 1000000 * 1000 };
	volatile long sum = 0;

	printf("ready %d\n", getpid());
	fflush(stdout);
	for (long n = 0;; n++) {
		sum += search(pats[n & 3], text);
		nanosleep(&gap, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "-d"))
		return run_duration(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "-i"))
		return run_paced(atol(argv[2]));
	return run_count(argc > 1 ? atol(argv[1]) : 1000000);
}
#endif
