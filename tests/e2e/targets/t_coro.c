// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A ucontext coroutine that yields inside a traced call: step() switches
 * back to main's stack, main calls work(), then resumes the coroutine, so
 * step() returns on its own stack after a traced call ran on another one.
 * Logs "tid work x ret", "tid step x suspended", "resume" and, when step()
 * really returned, "tid step x ret" and "done". With "pool", work() runs on
 * a second coroutine whose stack shares one mapping with the first, as
 * coroutine libraries carve stacks from a pool.
 */
#include <string.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "common.h"

static ucontext_t main_ctx, co_ctx, co2_ctx;

__attribute__((noinline)) int work(int x)
{
	asm volatile("");
	return x * 2;
}

__attribute__((noinline)) int step(int x)
{
	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d step %d suspended\n", gettid_(), x);
	TLOG_END();
	swapcontext(&co_ctx, &main_ctx);
	return x + 1;
}

static void coroutine(void)
{
	int r = step(1);

	TLOG_BEGIN();
	fprintf(tlog, "%d step 1 %d\n", gettid_(), r);
	TLOG_END();
}

static void worker(void)
{
	int r = work(3);

	TLOG_BEGIN();
	fprintf(tlog, "%d work 3 %d\nresume\n", gettid_(), r);
	TLOG_END();
}

int main(int argc, char **argv)
{
	bool pool = argc > 2 && !strcmp(argv[2], "pool");
	size_t size = 256 << 10;
	char *stacks = NULL;
	int r;

	target_start(argc, argv);
	if (pool) {
		stacks = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
		if (stacks == MAP_FAILED)
			return 1;
	}
	getcontext(&co_ctx);
	co_ctx.uc_stack.ss_sp = pool ? stacks : malloc(size);
	co_ctx.uc_stack.ss_size = size;
	co_ctx.uc_link = &main_ctx;
	makecontext(&co_ctx, coroutine, 0);
	/* Runs the coroutine until step() yields. */
	swapcontext(&main_ctx, &co_ctx);
	if (pool) {
		/* The second coroutine sits below the first in the same mapping. */
		getcontext(&co2_ctx);
		co2_ctx.uc_stack.ss_sp = stacks + size;
		co2_ctx.uc_stack.ss_size = size;
		co2_ctx.uc_link = &main_ctx;
		makecontext(&co2_ctx, worker, 0);
		swapcontext(&main_ctx, &co2_ctx);
	} else {
		r = work(3);
		TLOG_BEGIN();
		fprintf(tlog, "%d work 3 %d\nresume\n", gettid_(), r);
		TLOG_END();
	}
	swapcontext(&main_ctx, &co_ctx);
	TLOG_BEGIN();
	fprintf(tlog, "done\n");
	TLOG_END();
	return 0;
}
