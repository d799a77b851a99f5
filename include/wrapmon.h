/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record layout shared by the BPF programs and the userspace daemon.
 * Only fixed-width __u types here: this header is included on both sides.
 */
#ifndef WRAPMON_H
#define WRAPMON_H

/* Integer argument registers on x86_64 SysV: rdi, rsi, rdx, rcx, r8, r9. */
#define WM_MAX_ARGS 6
/* String slots: one per argument register, plus the return value. */
#define WM_RET_SLOT WM_MAX_ARGS
#define WM_NR_SLOTS (WM_MAX_ARGS + 1)
/* Nesting depth of traced calls kept per thread. */
#define WM_MAX_DEPTH 32
/* Per-thread byte stack holding the strings of calls in flight. */
#define WM_HEAP_SIZE 8192
/* Largest --string-size accepted. */
#define WM_STR_MAX 1024

enum wm_rec_kind {
	WM_REC_CALL = 1,	/* a call that returned */
	WM_REC_UNFINISHED = 2,	/* an entry whose return never came */
	WM_REC_EXEC = 3,	/* the process called exec; string slot 0: the new image's file name */
};

/* Longest file name sent with WM_REC_EXEC. */
#define WM_EXEC_PATH_MAX 256

/* Why a call has no return: in wm_call.flags for WM_REC_UNFINISHED. */
enum wm_call_flags {
	WM_F_THREAD_EXIT = 1 << 0, /* thread exited inside the call */
	WM_F_ABANDONED = 1 << 1,   /* skipped by longjmp (or a new call at its depth) */
	WM_F_EXEC = 1 << 2,	   /* the process called exec inside the call */
};

/*
 * String slot status (str_len[]): >= 0 bytes stored (without NUL),
 * WM_STR_FAULT when the user memory could not be read, WM_STR_NONE when the
 * slot is not a string.
 */
#define WM_STR_NONE (-1)
#define WM_STR_FAULT (-2)

/* What BPF does with each argument register: set per function by userspace. */
struct wm_func_cfg {
	__u8 str_mask;	/* bit i: arg register i is a C string; bit 6: result */
	__u8 pad[7];
};

/* Per function, per CPU counters kept in BPF. */
struct wm_func_stats {
	__u64 dropped;	/* ring buffer full, or too deep: the record was lost */
	__u64 overflow;	/* entries deeper than WM_MAX_DEPTH (counted in dropped too) */
};

/*
 * --summary-only: per function, per CPU aggregates kept in BPF instead of
 * records. Latency histogram: values below 8 ns exact, then 8 linear steps
 * per power of two (bucket = log2 * 8 + the 3 bits under the top bit), so
 * each bucket edge is also an edge of the store's finer histogram.
 */
#define WM_AGG_SUB 8
#define WM_AGG_BUCKETS (64 * WM_AGG_SUB)

struct wm_func_agg {
	__u64 calls;
	__u64 unfinished;
	__u64 lat_sum;
	__u64 lat_min;	/* 0: no call yet on this CPU */
	__u64 lat_max;
	__u64 hist[WM_AGG_BUCKETS];
};

/*
 * One record per call. Strings of the slots whose str_len >= 0 follow the
 * header back to back, in slot order, without NUL terminators.
 */
struct wm_call {
	__u64 entry_ns;	  /* CLOCK_MONOTONIC at entry */
	__u64 latency_ns; /* 0 for WM_REC_UNFINISHED */
	__u64 args[WM_MAX_ARGS];
	__u64 ret;
	__u32 func_id;
	__u32 pid;
	__u32 tid;
	__u16 kind;	/* enum wm_rec_kind */
	__u16 data_len; /* bytes of string data after the header */
	__s16 str_len[WM_NR_SLOTS];
	__u8 str_trunc; /* bit per slot: string longer than --string-size */
	__u8 depth;	/* nesting depth of traced calls, 0 = outermost */
	__u16 flags;	/* enum wm_call_flags */
	__u16 pad;
	__u32 pad2;
	/*
	 * entry_ns of the enclosing traced call in this thread (depth - 1), 0 at
	 * depth 0: records come at return time, children before their parent,
	 * and this names the parent exactly even when its record is lost.
	 */
	__u64 parent_entry_ns;
	char data[];
};

/*
 * Compiled --filter / --error expressions (src/expr.c), evaluated at return
 * time. A program is postfix (RPN): each comparison op pushes one boolean,
 * AND/OR pop two and push one, NOT flips the top. The stack is the bits of
 * one __u64 (bit 0 = top), so an evaluator needs no array and no recursion:
 * a single loop over at most WM_EXPR_MAX_OPS ops. A well-formed program
 * (expr__validate()) never needs more than WM_EXPR_MAX_OPS / 2 + 1 bits and
 * ends with exactly one.
 */
#define WM_EXPR_MAX_OPS 32
/* Bytes of string constants per expression, all ops together. */
#define WM_EXPR_STR_MAX 256

enum wm_expr_code {
	WM_EXPR_CMP = 1,	/* push (operand cmp imm), integers */
	WM_EXPR_STR = 2,	/* push (string slot cmp pool constant), cmp EQ or NE */
	WM_EXPR_STR_PREFIX = 3, /* the same, the constant being a prefix */
	WM_EXPR_AND = 4,
	WM_EXPR_OR = 5,
	WM_EXPR_NOT = 6,
};

/* Operand of a comparison (wm_expr_op.src): 0..5 are argument registers. */
#define WM_EXPR_SRC_RET WM_RET_SLOT /* the result register (string slot 6) */
#define WM_EXPR_SRC_LATENCY 7	    /* latency_ns */

enum wm_expr_cmp {
	WM_CMP_EQ = 0,
	WM_CMP_NE = 1,
	WM_CMP_LT = 2,
	WM_CMP_LE = 3,
	WM_CMP_GT = 4,
	WM_CMP_GE = 5,
};

/* How a literal is written back (wm_expr_op.hint); evaluation ignores it. */
enum wm_expr_hint {
	WM_HINT_INT = 0,
	WM_HINT_CHAR = 1,	/* 'c' */
	WM_HINT_BOOL = 2,	/* true / false */
	WM_HINT_PTR = 3,	/* NULL or 0x... */
	WM_HINT_DURATION = 4,	/* 1ms */
};

struct wm_expr_op {
	__u8 code;	/* enum wm_expr_code */
	__u8 src;	/* 0..5 argument register, WM_EXPR_SRC_RET, WM_EXPR_SRC_LATENCY */
	__u8 cmp;	/* enum wm_expr_cmp */
	__u8 size;	/* WM_EXPR_CMP: bytes of the register that hold the value: 1, 2, 4, 8 */
	__u8 is_signed; /* WM_EXPR_CMP: sign-extend from size and compare signed */
	__u8 hint;	/* enum wm_expr_hint */
	__u16 pad;
	__u16 str_off;	/* WM_EXPR_STR*: constant at pool[str_off], str_len bytes */
	__u16 str_len;
	__u32 pad2;
	/* WM_EXPR_CMP: the literal, already sign- or zero-extended from size to 64 bits */
	__u64 imm;
};

struct wm_expr {
	__u16 nr_ops;	/* 0: no expression */
	__u16 str_used; /* bytes of pool in use */
	__u16 max_depth;	/* deepest stack the program needs */
	__u16 pad;
	__u32 pad2[3];
	struct wm_expr_op ops[WM_EXPR_MAX_OPS];
	char pool[WM_EXPR_STR_MAX];
};

#endif /* WRAPMON_H */
