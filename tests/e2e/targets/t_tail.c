// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Return paths the disassembler must follow (viaptr() tail-calls through a
 * register, viamem() through memory): tail() ends in a jmp to
 * callee() (a tail call); rare() has a NAME.cold part (GCC moves the
 * unlikely branch there) whose path returns its own value. Logs
 * "tid callee x ret", "tid rare x ret" (complain() logs for the cold path),
 * then "done".
 */
#include "common.h"

volatile int sink;

__attribute__((noinline)) int callee(int x)
{
	int r = x * 7;

	TLOG_BEGIN();
	fprintf(tlog, "%d callee %d %d\n", gettid_(), x, r);
	TLOG_END();
	return r;
}

/* -O2: "jmp callee" after the add. */
__attribute__((noinline)) int tail(int x)
{
	return callee(x + 1);
}

__attribute__((noinline, cold)) void complain(int x)
{
	sink = x;
	TLOG_BEGIN();
	fprintf(tlog, "%d rare %d %d\n", gettid_(), x, -x * 3 + x);
	TLOG_END();
}

__attribute__((noinline)) int logit(int x, int r)
{
	TLOG_BEGIN();
	fprintf(tlog, "%d rare %d %d\n", gettid_(), x, r);
	TLOG_END();
	return r;
}

/*
 * The x < 0 branch goes to rare.cold, which returns from there (its own
 * ret: the likely path ends in a tail call to logit(), so there is no
 * epilogue to share).
 */
__attribute__((noinline)) int rare(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		complain(x);
		return -x * 3 + sink;
	}
	return logit(x, x * 2);
}

/* "jmp *%rax": a tail call through a register (its target outside viaptr()). */
int (*volatile fptr)(int) = callee;

__attribute__((noinline)) int viaptr(int x)
{
	return fptr(x + 10);
}

/* "jmp *fptr(%rip)": a tail call through memory, which return sites cannot follow. */
int viamem(int x);
__asm__(".globl viamem\n.type viamem, @function\nviamem:\n\tjmp *fptr(%rip)\n"
	".size viamem, .-viamem\n");

int main(int argc, char **argv)
{
	int r = 0;

	target_start(argc, argv);
	r += tail(1);
	r += tail(2);
	r += rare(4);
	r += rare(-5);
	r += rare(6);
	r += viaptr(1);
	r += viamem(21);
	TLOG_BEGIN();
	fprintf(tlog, "total %d\ndone\n", r);
	TLOG_END();
	return 0;
}
