/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a function's calls end, from its machine code: every instruction
 * at which control leaves the function for its caller, found by decoding
 * x86-64 (not by scanning bytes), so that a plain uprobe there can stand in
 * for the return trampoline.
 */
#ifndef WM_DISASM_H
#define WM_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

enum wm_site_kind {
	/* ret / ret imm16: the call ends here with its result in rax. */
	WM_SITE_RET = 1,
	/* jmp to another function: a tail call, the callee's result is the call's. */
	WM_SITE_TAIL_JMP = 2,
	/* jcc to another function: a tail call only when taken (cond says when). */
	WM_SITE_TAIL_JCC = 3,
	/*
	 * jmp through a register: a tail call when the target is outside every
	 * one of ranges[] (else a jump table's dispatch inside the function).
	 */
	WM_SITE_TAIL_JMP_REG = 4,
};

struct wm_site {
	__u64 addr;   /* link-time address of the instruction */
	__u64 target; /* TAIL_JMP / TAIL_JCC: where it goes; else 0 */
	__u8 kind;    /* enum wm_site_kind */
	__u8 cond;    /* TAIL_JCC: the condition, the low nibble of the Jcc opcode (0x70-0x7f) */
	/*
	 * TAIL_JMP_REG: the register, as the index of its 8-byte slot in x86-64
	 * struct pt_regs: r15=0 r14=1 r13=2 r12=3 rbp=4 rbx=5 r11=6 r10=7 r9=8
	 * r8=9 rax=10 rcx=11 rdx=12 rsi=13 rdi=14 rsp=19 (see disasm.c).
	 */
	__u8 reg;
	__u8 len; /* instruction length in bytes */
};

/* A part of the function outside its symbol's range (GCC's NAME.cold). */
struct wm_code_range {
	__u64 start, end; /* link-time addresses, end exclusive */
};

struct disasm_opts {
	size_t sz;
	/* Read n bytes of code at link-time address addr: bytes read, or a negative errno. */
	ssize_t (*read)(void *ctx, __u64 addr, void *buf, size_t n);
	/*
	 * Does a function (a symbol) start at addr? A jump there is a tail call.
	 * NULL: none do. Say false for a function's parts (NAME.cold,
	 * NAME.cold.N): a jump there is followed as this function's code. Say
	 * true for PLT entries (without it, a stub is still recognised by its
	 * `jmp *GOT(%rip)`, and any code starting with endbr64 is a function).
	 */
	bool (*is_func)(void *ctx, __u64 addr);
	void *ctx;
	size_t max_insns; /* bound on instructions decoded; 0: 1 << 16 */
	/*
	 * Does any code symbol start at addr, parts like NAME.cold included?
	 * Code followed outside the function's range stops falling through there
	 * after a call (the call may not return: what follows is someone
	 * else's). NULL (or sz too small to hold it): is_func.
	 */
	bool (*is_sym)(void *ctx, __u64 addr);
};

struct wm_sites {
	struct wm_site *v;
	int n;
	/*
	 * [0] is the symbol's own range (size 0: the code reached from entry
	 * that holds it); the others sorted by address, merged when they touch.
	 */
	struct wm_code_range *ranges;
	int nr_ranges;
	/* Why sites cannot stand in for the trampoline ("" when they can). */
	char why_not[128];
};

/*
 * The return sites of the function at entry whose symbol covers size bytes
 * (0: unknown, as for a stripped object's dynamic symbol). 0 or a negative
 * errno: -ENOTSUP with out->why_not set when its code cannot be followed to
 * every exit (an indirect jump through memory, bytes that do not decode),
 * -E2BIG past max_insns, -ENOMEM, -EIO when the code cannot be read.
 * On success v[] is sorted by address; on failure out holds no arrays
 * (only why_not). A jmp/jcc to entry itself is a tail call (the entry
 * probe fires again).
 */
int disasm__return_sites(__u64 entry, __u64 size, const struct disasm_opts *opts,
			 struct wm_sites *out);
void disasm__sites_free(struct wm_sites *s);

/*
 * The slot of a 64-bit general register (a ZydisRegister) in struct pt_regs,
 * as wm_site.reg numbers them; -1 for any other register.
 */
int disasm__reg_slot(int zydis_reg);

#endif
