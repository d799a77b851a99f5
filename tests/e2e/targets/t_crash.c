// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls work() twice, then crash(), which dies of SIGSEGV inside the call. Logs "tid x ret" and "crash tid". */
#include "common.h"

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x - 1;
}

__attribute__((noinline)) int crash(int *p)
{
	asm volatile("" : "+r"(p));
	return *p;
}

int main(int argc, char **argv)
{
	target_start(argc, argv);
	for (int i = 0; i < 2; i++)
		fprintf(tlog, "%d %d %d\n", gettid_(), i, work(i));
	fprintf(tlog, "crash %d\n", gettid_());
	fflush(tlog);
	return crash(NULL);
}
