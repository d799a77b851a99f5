// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For the metrics tests: on each line read from stdin ("go", then any
 * line), one round of calls — tick() 250 times, tock() 37 times of which
 * every fifth sleeps 1.5 ms — then "done ROUND" on stdout. Stays alive, so
 * the tracer keeps serving, until stdin closes. Logs "ROUND tick N",
 * "ROUND tock N", "ROUND slow N" after each round.
 */
#include <time.h>
#include "common.h"

#define TICKS 250
#define TOCKS 37

__attribute__((noinline)) int tick(int i)
{
	asm volatile("");
	return i * 3;
}

__attribute__((noinline)) long tock(long i)
{
	if (i % 5 == 0) {
		struct timespec ts = { 0, 1500000 };

		nanosleep(&ts, NULL);
	}
	asm volatile("");
	return i + 1;
}

int main(int argc, char **argv)
{
	char line[64];
	long sum = 0;
	int round = 0;

	target_start(argc, argv);
	do {
		int slow = 0;

		round++;
		for (int i = 0; i < TICKS; i++)
			sum += tick(i);
		for (long i = 0; i < TOCKS; i++) {
			sum += tock(i);
			slow += i % 5 == 0;
		}
		TLOG_BEGIN();
		fprintf(tlog, "%d tick %d\n%d tock %d\n%d slow %d\n", round, TICKS, round, TOCKS,
			round, slow);
		TLOG_END();
		printf("done %d %ld\n", round, sum);
		fflush(stdout);
	} while (fgets(line, sizeof(line), stdin));
	return 0;
}
