// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One call of step() per line on stdin, until stdin closes: a trickle of
 * calls far below the ring's wake-up mark, the test deciding when each comes.
 */
#include "common.h"

__attribute__((noinline)) int step(int n)
{
	asm volatile("");
	return n * 3;
}

int main(int argc, char **argv)
{
	char line[64];
	int n = 0;

	target_start(argc, argv);
	while (fgets(line, sizeof(line), stdin)) {
		int r = step(++n);

		TLOG_BEGIN();
		fprintf(tlog, "%d %d\n", n, r);
		TLOG_END();
	}
	return 0;
}
