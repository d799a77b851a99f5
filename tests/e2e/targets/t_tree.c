// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls three deep in two threads that run at once: top -> mid -> leaf.
 * Logs "tid enter NAME x" at each entry and "tid leave NAME x ret" at each
 * return, in the order they happened per thread.
 */
#include "common.h"

static pthread_barrier_t start;

static void log_call(const char *what, const char *name, int x, int r)
{
	TLOG_BEGIN();
	if (r < 0)
		fprintf(tlog, "%d %s %s %d\n", gettid_(), what, name, x);
	else
		fprintf(tlog, "%d %s %s %d %d\n", gettid_(), what, name, x, r);
	TLOG_END();
}

__attribute__((noinline)) int leaf(int x)
{
	int r;

	log_call("enter", "leaf", x, -1);
	r = x + 1;
	log_call("leave", "leaf", x, r);
	return r;
}

__attribute__((noinline)) int mid(int x)
{
	int r;

	log_call("enter", "mid", x, -1);
	r = leaf(x) + leaf(x * 10);
	log_call("leave", "mid", x, r);
	return r;
}

__attribute__((noinline)) int top(int x)
{
	int r;

	log_call("enter", "top", x, -1);
	r = mid(x) * 2 + leaf(x);
	log_call("leave", "top", x, r);
	return r;
}

static void *thread_main(void *arg)
{
	int base = (int)(long)arg;

	pthread_barrier_wait(&start);
	for (int i = 0; i < 3; i++) {
		top(base + i);
		leaf(base + 100 + i);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[2];

	target_start(argc, argv);
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, thread_main, (void *)(long)(i * 1000 + 1)))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return 0;
}
