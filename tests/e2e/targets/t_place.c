// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Entry instructions the probe placement meets: the same body, a + s[0]
 * (or, for shape_loop, a reduced below 100 first), after a first
 * instruction the kernel emulates (push) or single-steps (sub $N,%rsp, a
 * register move, a RIP-relative lea); and two where the probe must stay
 * put: a loop back into the prologue (shape_loop), an argument overwritten
 * before any emulated instruction (shape_clob). Logs "shape_X a xHEX ret"
 * per call, then "done".
 */
#include "common.h"

long shape_push(long a, const char *s);
long shape_sub(long a, const char *s);
long shape_mov(long a, const char *s);
long shape_lea(long a, const char *s);
long shape_loop(long a, const char *s);
long shape_clob(long a, const char *s);

/* Zero: shape_lea adds what its lea points at. */
const long shape_tbl[1] = { 0 };

#define SHAPE(name, body)                                                                      \
	".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n" body ".size " #name \
	", .-" #name "\n"

/* push %rbx: the kernel emulates it, the probe stays. */
__asm__(SHAPE(shape_push, "push %rbx\n"
			  "movsbq (%rsi),%rax\n"
			  "add %rdi,%rax\n"
			  "pop %rbx\n"
			  "ret\n"));

/* sub $N,%rsp: single-stepped, and it moves rsp: the probe stays. */
__asm__(SHAPE(shape_sub, "sub $0x18,%rsp\n"
			 "movsbq (%rsi),%rax\n"
			 "add %rdi,%rax\n"
			 "add $0x18,%rsp\n"
			 "ret\n"));

/* s moved to r10 and rsi cleared (as sqlite3_prepare_v2 moves rcx): moved to the push. */
__asm__(SHAPE(shape_mov, "endbr64\n"
			 "mov %rsi,%r10\n"
			 "xor %esi,%esi\n"
			 "push %rbx\n"
			 "movsbq (%r10),%rax\n"
			 "add %rdi,%rax\n"
			 "pop %rbx\n"
			 "ret\n"));

/* A RIP-relative lea into a scratch register: moved to the push. */
__asm__(SHAPE(shape_lea, "lea shape_tbl(%rip),%r11\n"
			 "push %rbx\n"
			 "movsbq (%rsi),%rax\n"
			 "add (%r11),%rax\n"
			 "add %rdi,%rax\n"
			 "pop %rbx\n"
			 "ret\n"));

/* The loop jumps back to the push: a probe there would fire per turn. */
__asm__(SHAPE(shape_loop, "mov %rdi,%rax\n"
			  "1: push %rbx\n"
			  "pop %rbx\n"
			  "cmp $100,%rax\n"
			  "jle 2f\n"
			  "sub $100,%rax\n"
			  "jmp 1b\n"
			  "2: movsbq (%rsi),%rdx\n"
			  "add %rdx,%rax\n"
			  "ret\n"));

/* a is overwritten before the first push: its entry value is nowhere there. */
__asm__(SHAPE(shape_clob, "movsbq (%rsi),%rax\n"
			  "add %rax,%rdi\n"
			  "push %rbx\n"
			  "mov %rdi,%rax\n"
			  "pop %rbx\n"
			  "ret\n"));

static void logcall(const char *name, long a, const char *s, long r)
{
	TLOG_BEGIN();
	fprintf(tlog, "%s %ld ", name, a);
	log_hex(s);
	fprintf(tlog, " %ld\n", r);
	TLOG_END();
}

int main(int argc, char **argv)
{
	static const char *const strs[] = { "alpha", "beta", "gamma" };
	struct {
		const char *name;
		long (*fn)(long, const char *);
	} shapes[] = {
		{ "shape_push", shape_push }, { "shape_sub", shape_sub },
		{ "shape_mov", shape_mov },   { "shape_lea", shape_lea },
		{ "shape_loop", shape_loop }, { "shape_clob", shape_clob },
	};
	target_start(argc, argv);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		for (long k = 0; k < 3; k++) {
			long a = 10 + 7 * k + (i == 4 ? 250 * k : 0);

			logcall(shapes[i].name, a, strs[k], shapes[i].fn(a, strs[k]));
		}
	}
	TLOG_BEGIN();
	fprintf(tlog, "done\n");
	TLOG_END();
	return 0;
}
