// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fork: the parent calls work() 3 times, forks a child that calls it 5
 * times, waits for it, then calls it twice more. Logs "P tid x ret" for the
 * parent's calls and "C pid count" for the child's.
 */
#include <sys/wait.h>
#include "common.h"

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x * 3;
}

static void parent_call(int x)
{
	int r = work(x);

	fprintf(tlog, "P %d %d %d\n", gettid_(), x, r);
}

int main(int argc, char **argv)
{
	int status, n = 0;
	pid_t child;

	target_start(argc, argv);
	for (int i = 0; i < 3; i++)
		parent_call(i);
	fflush(tlog);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		for (int i = 100; i < 105; i++)
			n += work(i) > 0;
		fprintf(tlog, "C %d %d\n", getpid(), n);
		fflush(tlog);
		_exit(0);
	}
	waitpid(child, &status, 0);
	for (int i = 3; i < 5; i++)
		parent_call(i);
	return 0;
}
