// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A signal handler on a sigaltstack placed above the thread's stack: a
 * thread inside the traced call slow() raises SIGUSR1, whose handler runs
 * on the alternate stack and calls the traced handler_work(); slow() then
 * returns on the thread's own stack. One mapping holds both stacks, a
 * PROT_NONE page between them, so they are separate regions of memory with
 * the alternate one higher. Logs "tid handler_work x ret", "tid slow x
 * suspended" before the signal, "tid slow x ret" once slow() returned, and
 * "done".
 */
#include <signal.h>
#include <sys/mman.h>
#include "common.h"

#define STACK_SIZE (256 << 10)

__attribute__((noinline)) int handler_work(int x)
{
	asm volatile("");
	return x * 3;
}

static void on_usr1(int sig)
{
	int r = handler_work(7);

	TLOG_BEGIN();
	fprintf(tlog, "%d handler_work 7 %d\n", gettid_(), r);
	TLOG_END();
}

__attribute__((noinline)) int slow(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d slow %d suspended\n", gettid_(), x);
	TLOG_END();
	/* Delivered to this thread before raise() returns: the handler runs inside slow(). */
	raise(SIGUSR1);
	return x + 1;
}

static void *thread_fn(void *alt)
{
	stack_t ss = { .ss_sp = alt, .ss_size = STACK_SIZE };
	int r;

	if (sigaltstack(&ss, NULL))
		exit(4);
	r = slow(2);
	TLOG_BEGIN();
	fprintf(tlog, "%d slow 2 %d\n", gettid_(), r);
	TLOG_END();
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_ONSTACK };
	size_t page = sysconf(_SC_PAGESIZE);
	pthread_attr_t attr;
	pthread_t t;
	char *m;

	target_start(argc, argv);
	m = mmap(NULL, 2 * STACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (m == MAP_FAILED || mprotect(m + STACK_SIZE, page, PROT_NONE))
		exit(4);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_attr_init(&attr);
	/* The thread's stack is the low part; the alternate stack the high one. */
	pthread_attr_setstack(&attr, m, STACK_SIZE);
	pthread_create(&t, &attr, thread_fn, m + STACK_SIZE + page);
	pthread_join(t, NULL);
	TLOG_BEGIN();
	fprintf(tlog, "done\n");
	TLOG_END();
	return 0;
}
