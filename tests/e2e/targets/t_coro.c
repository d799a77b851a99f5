// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A ucontext coroutine that yields inside a traced call: step() switches
 * back to main's stack, main calls work(), then resumes the coroutine, so
 * step() returns on its own stack after a traced call ran on another one.
 * Logs "tid work x ret", "tid step x suspended", "resume" and, when step()
 * really returned, "tid step x ret" and "done".
 */
#include <ucontext.h>
#include "common.h"

static ucontext_t main_ctx, co_ctx;

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

int main(int argc, char **argv)
{
	size_t size = 256 << 10;
	int r;

	target_start(argc, argv);
	getcontext(&co_ctx);
	co_ctx.uc_stack.ss_sp = malloc(size);
	co_ctx.uc_stack.ss_size = size;
	co_ctx.uc_link = &main_ctx;
	makecontext(&co_ctx, coroutine, 0);
	/* Runs the coroutine until step() yields. */
	swapcontext(&main_ctx, &co_ctx);
	r = work(3);
	TLOG_BEGIN();
	fprintf(tlog, "%d work 3 %d\nresume\n", gettid_(), r);
	TLOG_END();
	swapcontext(&main_ctx, &co_ctx);
	TLOG_BEGIN();
	fprintf(tlog, "done\n");
	TLOG_END();
	return 0;
}
