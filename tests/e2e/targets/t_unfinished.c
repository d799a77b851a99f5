// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls whose return never comes: a thread exits inside one, longjmp leaves another. */
#include <setjmp.h>
#include "common.h"

static jmp_buf env;

__attribute__((noinline)) int doomed(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d doomed %d unfinished\n", gettid_(), x);
	TLOG_END();
	pthread_exit(NULL);
	return x;
}

__attribute__((noinline)) int jumper(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d jumper %d abandoned\n", gettid_(), x);
	TLOG_END();
	longjmp(env, 1);
	return x;
}

__attribute__((noinline)) int after(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d after %d %d\n", gettid_(), x, x * 2);
	TLOG_END();
	return x * 2;
}

static void *thread_fn(void *arg)
{
	doomed(5);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	target_start(argc, argv);
	pthread_create(&t, NULL, thread_fn, NULL);
	pthread_join(t, NULL);
	if (!setjmp(env))
		jumper(9);
	after(21);
	return 0;
}
