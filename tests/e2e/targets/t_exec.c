// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exec: calls work(0..2), then from inside run_exec() (also traced) execs
 * itself with "after", which calls work(10..12) and exits. Logs
 * "tid x ret" for each call, and "exec tid" just before exec.
 */
#include "common.h"

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x + 1000;
}

static void call(int x)
{
	int r = work(x);

	fprintf(tlog, "%d %d %d\n", gettid_(), x, r);
	fflush(tlog);
}

__attribute__((noinline)) int run_exec(const char *self, const char *logpath)
{
	fprintf(tlog, "exec %d\n", gettid_());
	fflush(tlog);
	execl(self, self, logpath, "after", (char *)NULL);
	return -1;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[2], "after")) {
		tlog = fopen(argv[1], "a");
		if (!tlog)
			return 2;
		for (int i = 10; i < 13; i++)
			call(i);
		return 0;
	}
	target_start(argc, argv);
	for (int i = 0; i < 3; i++)
		call(i);
	run_exec("/proc/self/exe", argv[1]);
	return 1;
}
