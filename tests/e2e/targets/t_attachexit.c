// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exits while the tracer attaches: watches the first bytes of its own
 * work() and exits the moment they change, which is when a uprobe (an
 * int3) is written there, that is while the tracer is still attaching the
 * rest. Logs "probed" then; exits 5 if nothing came within 60 s.
 */
#include <time.h>
#include "common.h"

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x + 1;
}

int main(int argc, char **argv)
{
	volatile const unsigned char *code = (const unsigned char *)work;
	unsigned char before[8];
	time_t end;

	target_start(argc, argv);
	for (int i = 0; i < 8; i++)
		before[i] = code[i];
	end = time(NULL) + 60;
	while (time(NULL) < end) {
		for (int i = 0; i < 8; i++) {
			if (code[i] != before[i]) {
				fprintf(tlog, "probed\n");
				fclose(tlog);
				_exit(0);
			}
		}
	}
	return 5;
}
