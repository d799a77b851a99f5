// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Threads that end inside traced calls: one calls pthread_exit() from
 * leave(), one is cancelled by main while blocked in wait_cancel(). Both
 * unwind their stacks (forced unwinding, as for C++ exceptions). main then
 * makes a normal call. Logs "tid leave x", "tid wait_cancel x",
 * "cancelled", "tid after x ret" and "done".
 */
#include "common.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int waiting;

__attribute__((noinline)) int leave(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d leave %d\n", gettid_(), x);
	TLOG_END();
	pthread_exit(NULL);
	return x;
}

__attribute__((noinline)) int wait_cancel(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d wait_cancel %d\n", gettid_(), x);
	TLOG_END();
	pthread_mutex_lock(&m);
	waiting = 1;
	pthread_cond_signal(&c);
	pthread_mutex_unlock(&m);
	for (;;)
		pause(); /* a cancellation point */
	return x;
}

__attribute__((noinline)) int after(int x)
{
	asm volatile("");
	return x + 100;
}

static void *exiter(void *arg)
{
	(void)arg;
	leave(1);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	wait_cancel(2);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;
	int r;

	target_start(argc, argv);
	pthread_create(&a, NULL, exiter, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, waiter, NULL);
	pthread_mutex_lock(&m);
	while (!waiting)
		pthread_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	pthread_cancel(b);
	pthread_join(b, NULL);
	TLOG_BEGIN();
	fprintf(tlog, "cancelled\n");
	TLOG_END();
	r = after(5);
	TLOG_BEGIN();
	fprintf(tlog, "%d after 5 %d\ndone\n", gettid_(), r);
	TLOG_END();
	return 0;
}
