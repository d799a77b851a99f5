// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls work() until stdin closes: for signal and kill -9 tests. */
#include <fcntl.h>
#include "common.h"

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x ^ 0x5a;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	char c;

	target_start(argc, argv);
	fcntl(0, F_SETFL, O_NONBLOCK);
	for (;;) {
		for (int i = 0; i < 1000; i++)
			n += work(i);
		if (read(0, &c, 1) == 0)
			break;
		usleep(1000);
	}
	fprintf(tlog, "%lu\n", n);
	return 0;
}
