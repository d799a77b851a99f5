// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * 1,000 short-lived threads, 50 alive at a time, each calling work() twice.
 * Logs "tid x ret" for every call.
 */
#include "common.h"

#define NR_THREADS 1000
#define BATCH	   50

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x ^ 0x77;
}

static void *thread_main(void *arg)
{
	int base = (int)(long)arg, r[2];

	r[0] = work(base * 2);
	r[1] = work(base * 2 + 1);
	TLOG_BEGIN();
	for (int i = 0; i < 2; i++)
		fprintf(tlog, "%d %d %d\n", gettid_(), base * 2 + i, r[i]);
	TLOG_END();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[BATCH];

	target_start(argc, argv);
	for (int b = 0; b < NR_THREADS; b += BATCH) {
		for (int i = 0; i < BATCH; i++)
			if (pthread_create(&th[i], NULL, thread_main, (void *)(long)(b + i)))
				return 1;
		for (int i = 0; i < BATCH; i++)
			pthread_join(th[i], NULL);
	}
	return 0;
}
