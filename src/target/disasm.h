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
 * Whether the len bytes of code at link-time address addr are a function
 * returning the address of an initial-exec TLS variable, as glibc's
 * __errno_location is: [endbr64;] mov GOT(%rip),%rax; add %fs:0,%rax; ret.
 * 0 with *got the GOT slot's link-time address (the loader puts the
 * variable's offset from the thread pointer there, R_X86_64_TPOFF64), or
 * -ENOTSUP for any other code.
 */
int disasm__tls_ie_addr(const void *code, size_t len, __u64 addr, __u64 *got);

/* Stores of the entry's registers a prologue made: see disasm__prologue(). */
#define WM_PROLOGUE_MAX_SAVES 16

struct wm_prologue {
	int sp_delta;  /* rsp where the prologue ends, minus rsp at entry */
	bool fp_known; /* rbp was set from rsp: */
	int fp_delta;  /* rbp minus rsp at entry */
	int nr_saves;
	struct wm_prologue_save {
		int slot;	    /* its address minus rsp at entry */
		unsigned char size; /* bytes stored */
		unsigned char reg;  /* DWARF number of the register whose entry value it is */
	} saves[WM_PROLOGUE_MAX_SAVES];
};

/*
 * Follow a function's first instructions (code: n bytes from its first
 * byte) to the first branch, call or instruction it cannot follow, and
 * say where the stack and frame pointers then are and which slots hold a
 * register as it was at entry: the stack slots a debugger's single
 * location names (DW_OP_fbreg) hold the value only once the prologue ran,
 * but at entry it is in that register. Never fails: at worst nothing is
 * known (no saves).
 */
void disasm__prologue(const unsigned char *code, size_t n, struct wm_prologue *out);

/*
 * Where a function's entry probe goes so that the kernel emulates the
 * probed instruction instead of single-stepping it out of line (~10x the
 * cost of the probe on a VM): see disasm__entry_place().
 */
#define WM_PLACE_REGS 20

struct wm_entry_place {
	size_t skip;	/* bytes from the function's first byte to the probe */
	bool emulated;	/* the kernel emulates the instruction at the probe */
	int nr_past;	/* instructions the probe was moved past */
	char past[96];	/* their mnemonics, "endbr64; mov; lea", or "" */
	char first[32]; /* the first instruction past endbr64 ("sub", "push") */
	char at[32];	/* the instruction probed */
	char why[128];	/* why it stays before a single-stepped instruction, or "" */
	/*
	 * At the probe, the register that holds register r's value at entry
	 * (-1: none does), both as pt_regs slots (see wm_site.reg); rsp is
	 * unchanged.
	 */
	signed char now_in[WM_PLACE_REGS];
};

/*
 * Move the entry probe of the function at entry (size bytes of code, 0:
 * unknown) past an endbr64 and then, when that lands on an instruction
 * the kernel single-steps, on to the first instruction of its entry block
 * the kernel emulates (nop, push reg, jmp, jcc, call rel32) as long as:
 * every instruction passed only writes registers or the red zone (rsp
 * unchanged: the return address stays at [rsp] for the trampoline and the
 * pairing key), the entry values of the registers in needed (bit r: pt_regs
 * slot r) are still in some register there, and no branch of the
 * function lands in what was passed. Otherwise the probe stays at the
 * first instruction (past endbr64) and why says what stopped it. 0, or
 * -EIO when the code cannot be read.
 */
int disasm__entry_place(__u64 entry, __u64 size, __u32 needed, const struct disasm_opts *opts,
			struct wm_entry_place *out);

/* Whether the kernel emulates the instruction at code (no single step); false when unsure. */
bool disasm__emulated(const unsigned char *code, size_t n);

/*
 * The slot of a 64-bit general register (a ZydisRegister) in struct pt_regs,
 * as wm_site.reg numbers them; -1 for any other register.
 */
int disasm__reg_slot(int zydis_reg);
/* The 64-bit register (a ZydisRegister, unsigned as its enum) holding one: rax for eax, ax, al. */
unsigned int disasm__reg64(unsigned int zydis_reg);

#endif
