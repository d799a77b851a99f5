/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record layout shared by the BPF programs and the userspace daemon.
 * Only fixed-width __u types here: this header is included on both sides.
 */
#ifndef WRAPMON_H
#define WRAPMON_H

/* Integer argument registers on x86_64 SysV: rdi, rsi, rdx, rcx, r8, r9. */
#define WM_MAX_ARGS 6
/* Stack argument eightbytes kept as values (arguments 7 to 10). */
#define WM_MAX_STACK_VALS 4
/* Values of a call: the argument registers, then the stack eightbytes. */
#define WM_MAX_VALS (WM_MAX_ARGS + WM_MAX_STACK_VALS)
/* Source of a capture or an expression operand: the result register. */
#define WM_VAL_RET WM_MAX_VALS
/* Source of a capture: the stack argument area (wm_cap.off from its start). */
#define WM_SRC_STACK (WM_MAX_VALS + 1)
/*
 * Captures ("slots"): bytes read from the process at entry or at return
 * (strings, structs, buffers, out-parameters, the user stack). Each has a
 * length in wm_call.str_len[] and its bytes in wm_call.data.
 */
#define WM_NR_SLOTS 12
/* Nesting depth of traced calls kept per thread. */
#define WM_MAX_DEPTH 32
/* Per-thread byte stack holding the captures of calls in flight. */
#define WM_HEAP_SIZE 8192
/* Largest --string-size accepted. */
#define WM_STR_MAX 1024
/* Largest single memory capture (a struct, a buffer). */
#define WM_MEM_MAX 1024
/* A process's command name, as the kernel keeps it (TASK_COMM_LEN). */
#define WM_COMM_LEN 16
/* User stack frames kept by --stack. */
#define WM_STACK_MAX 32

enum wm_rec_kind {
	WM_REC_CALL = 1,       /* a call that returned */
	WM_REC_UNFINISHED = 2, /* an entry whose return never came */
	WM_REC_EXEC = 3, /* the process called exec; string slot 0: the new image's file name */
	/*
	 * A C++ exception was thrown (__cxa_throw): ret is the address of its
	 * type's mangled name in the target (std::type_info's name), slot 0
	 * its bytes. Sent before any call it ends, whose record's ret is the
	 * same address (WM_F_RAISED): userspace names the type by it.
	 */
	WM_REC_EXC_TYPE = 4,
};

/* Longest mangled type name sent with WM_REC_EXC_TYPE. */
#define WM_EXC_NAME_MAX 128

/* Longest file name sent with WM_REC_EXEC. */
#define WM_EXEC_PATH_MAX 256

/* Why a call has no return: in wm_call.flags for WM_REC_UNFINISHED. */
enum wm_call_flags {
	WM_F_THREAD_EXIT = 1 << 0, /* thread exited inside the call */
	WM_F_ABANDONED = 1 << 1,   /* skipped by longjmp (or a new call at its depth) */
	WM_F_EXEC = 1 << 2,	   /* the process called exec inside the call */
	WM_F_ERROR = 1 << 3,	   /* --error matched this call */
	WM_F_KILLED = 1 << 4,	   /* with WM_F_THREAD_EXIT: a signal killed it (wm_call.signo) */
	/*
	 * Skipped by a call on another stack (a coroutine's swapcontext, a
	 * handler on a sigaltstack): the kernel dropped its return probe.
	 */
	WM_F_STACK_SWITCH = 1 << 5,
	/*
	 * WM_REC_CALL that ended in a tail call (a jmp to another function,
	 * seen at a return site): the result belongs to the callee, so the
	 * record has none, and latency runs to the jump.
	 */
	WM_F_TAIL_CALL = 1 << 6,
	/* WM_REC_CALL of --returns=none: sent at entry, with no result and no latency. */
	WM_F_ENTRY_ONLY = 1 << 7,
	/*
	 * WM_REC_CALL ended by a C++ exception that unwound through it (with
	 * WM_F_ERROR): no result; ret is the address of the type's mangled
	 * name (see WM_REC_EXC_TYPE); latency runs to the catch.
	 */
	WM_F_RAISED = 1 << 8,
	/* WM_REC_CALL: wm_call.uerrno holds the thread's errno at return (never 0). */
	WM_F_ERRNO = 1 << 9,
	/* WM_REC_UNFINISHED: still running when the trace ended (Python calls, read from BPF's map). */
	WM_F_RUNNING = 1 << 10,
};

/* How a function's calls end (wm_func_cfg.ret_mode): never "auto", userspace resolves it. */
enum wm_ret_mode {
	WM_RET_TRAMPOLINE = 0, /* a uretprobe: the kernel swaps the return address */
	WM_RET_SITES = 1,      /* plain uprobes on the function's return instructions */
	WM_RET_NONE = 2,       /* entries only: one record per entry, no frame */
};

/*
 * The BPF cookie of a return-site probe: bits 0-31 the function id, 32-39
 * the site's kind, 40-43 a conditional jump's condition (the low nibble of
 * its 0x7x opcode), 44-47 the register of an indirect jump (struct pt_regs
 * order: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di), 48-63 the
 * site's offset from the function's first byte (for WM_CK_TAIL_JMP_REG).
 * The kinds have the values of enum wm_site_kind (src/target/disasm.h).
 */
#define WM_CK_RET	   1 /* ret: the result is in rax */
#define WM_CK_TAIL_JMP	   2 /* jmp to another function */
#define WM_CK_TAIL_JCC	   3 /* jcc to another function: a tail call when taken */
#define WM_CK_TAIL_JMP_REG 4 /* jmp *%reg: a tail call when the target is outside */
/*
 * The C++ runtime's entries, probed with the same program when a function
 * with return sites is in an object that throws (id unused): see
 * on_cxa() in wrapmon.bpf.c.
 */
#define WM_CK_CXA_THROW	  16 /* __cxa_throw(obj, tinfo, dest): an exception starts */
#define WM_CK_CXA_RETHROW 17 /* __cxa_rethrow(): the caught one goes on */
#define WM_CK_CXA_CATCH	  18 /* __cxa_begin_catch(obj): a handler caught it */

#define WM_SITE_COOKIE(id, kind, cond, reg, off)                                       \
	((__u64)(__u32)(id) | (__u64)((kind)&0xff) << 32 | (__u64)((cond)&0xf) << 40 | \
	 (__u64)((reg)&0xf) << 44 | (__u64)((off)&0xffff) << 48)
#define WM_COOKIE_ID(c)	  ((__u32)(c))
#define WM_COOKIE_KIND(c) ((__u32)((c) >> 32) & 0xff)
#define WM_COOKIE_COND(c) ((__u32)((c) >> 40) & 0xf)
#define WM_COOKIE_REG(c)  ((__u32)((c) >> 44) & 0xf)
#define WM_COOKIE_OFF(c)  ((__u32)((c) >> 48))

/*
 * String slot status (str_len[]): >= 0 bytes stored (without NUL),
 * WM_STR_FAULT when the user memory could not be read, WM_STR_NONE when the
 * slot is not a string.
 */
#define WM_STR_NONE  (-1)
#define WM_STR_FAULT (-2)

enum wm_cap_kind {
	WM_CAP_STR = 1,	  /* NUL-terminated string at the value, up to --string-size */
	WM_CAP_MEM = 2,	  /* bytes at the value (or in the stack argument area) */
	WM_CAP_STACK = 3, /* the user stack: return addresses, 8 bytes each */
	/*
	 * A PyObject * value: a snapshot of at most size bytes of the object
	 * it points to (include/wm_python.h), with the program's Python layout.
	 */
	WM_CAP_PYOBJ = 4,
};

/* wm_cap.len_src: the size is fixed. */
#define WM_LEN_FIXED 0xff

/* One capture; a function's captures taken at entry come before those at return. */
struct wm_cap {
	__u8 kind;	 /* enum wm_cap_kind */
	__u8 src;	 /* value index, WM_VAL_RET, or WM_SRC_STACK */
	__u8 at_return;	 /* read at return (results, out-parameters) */
	__u8 len_src;	 /* WM_CAP_MEM: value holding an element count, or WM_LEN_FIXED */
	__u16 size;	 /* WM_CAP_MEM: bytes, or at most this many with len_src; STACK: bytes */
	__u16 elem_size; /* WM_CAP_MEM with len_src: bytes per element */
	__u32 off;	 /* WM_SRC_STACK: bytes from the first stack argument */
	/*
	 * Not WM_IND_NONE: the address read from is the pointer stored at this
	 * offset from the source's (a struct member "char *name").
	 */
	__u16 ind_off;
	__u16 pad;
};

#define WM_IND_NONE 0xffff

enum wm_func_flags {
	WM_FC_FILTER = 1 << 0,	     /* a --filter program: exprs[2 * id] */
	WM_FC_FILTER_ENTRY = 1 << 1, /* ... that needs only the arguments: decided at entry */
	WM_FC_ERROR = 1 << 2,	     /* an --error program: exprs[2 * id + 1] */
	WM_FC_STACK = 1 << 3,	     /* slot 0 is the user stack (--stack) */
	WM_FC_GO = 1 << 4,	     /* a Go function: frames paired per goroutine, no values */
	WM_FC_LOCS = 1 << 5,	     /* values come from vsrc[] (DWARF locations), not the C ABI */
};

/*
 * Which results mean "failed, see errno" (wm_func_cfg.errno_ret): only
 * then is the thread's errno read at return, so a call that succeeded never
 * shows a stale one. By the result's type, or, when it is not known, by
 * --error matching with a result of -1 (either width) or 0.
 */
enum wm_errno_ret {
	WM_ERRNO_NO = 0,
	WM_ERRNO_M1_32 = 1,    /* a 4-byte integer result of -1 */
	WM_ERRNO_M1_64 = 2,    /* an 8-byte integer result of -1 (long, ssize_t) */
	WM_ERRNO_NULL = 3,     /* a pointer result of NULL */
	WM_ERRNO_ON_ERROR = 4, /* --error matched and the result is -1 or 0 */
};

/*
 * Where a value comes from at entry when WM_FC_LOCS is set (the debug
 * info's location of a parameter, or of a piece of one, at the probe).
 * reg is an index into struct pt_regs as 8-byte words (WM_PT_*).
 */
enum wm_vsrc_kind {
	WM_VS_NONE = 0,	 /* not read: 0 */
	WM_VS_REG = 1,	 /* the register */
	WM_VS_MEM = 2,	 /* size bytes (1..8) at register + off, zero-extended */
	WM_VS_ADDR = 3,	 /* register + off itself: where an object in memory is */
	WM_VS_CONST = 4, /* off, sign-extended */
};

struct wm_vsrc {
	__u8 kind; /* enum wm_vsrc_kind */
	__u8 reg;  /* WM_PT_* */
	__u8 size; /* WM_VS_MEM */
	__u8 pad;
	__s32 off;
};

/* struct pt_regs (x86_64) as 8-byte words: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di. */
#define WM_PT_AX 10
#define WM_PT_DX 12
#define WM_PT_SP 19
#define WM_PT_NR 20 /* words of struct pt_regs up to and with sp */

/* What BPF does for each function: set per function by userspace. */
struct wm_func_cfg {
	__u8 nr_caps;
	__u8 nr_stack;	    /* stack eightbytes read into values 6.. at entry */
	__u8 flags;	    /* enum wm_func_flags */
	__u8 nr_entry_caps; /* caps[0..nr_entry_caps) are read at entry, the rest at return */
	/* The string slot of value i (WM_VAL_RET: the result), for string comparisons; 0xff: none. */
	__u8 val_slot[WM_MAX_VALS + 1];
	__u8 ret_mode; /* enum wm_ret_mode */
	struct wm_cap caps[WM_NR_SLOTS];
	/* WM_RET_SITES: bytes from the first one that are the function's own code. */
	__u32 code_size;
	__u8 errno_ret; /* enum wm_errno_ret: when errno is read at return */
	__u8 pad3[3];
	struct wm_vsrc vsrc[WM_MAX_VALS]; /* WM_FC_LOCS: value i is read from vsrc[i] */
};

/* Per function, per CPU counters kept in BPF. */
struct wm_func_stats {
	__u64 dropped;	/* ring buffer full, or too deep: the record was lost */
	__u64 overflow; /* entries deeper than WM_MAX_DEPTH (counted in dropped too) */
	__u64 filtered; /* calls seen that --filter left out */
};

/*
 * --summary-only: per function, per CPU aggregates kept in BPF instead of
 * records. Latency histogram: values below 8 ns exact, then 8 linear steps
 * per power of two (bucket = log2 * 8 + the 3 bits under the top bit), so
 * each bucket edge is also an edge of the store's finer histogram.
 */
#define WM_AGG_SUB     8
#define WM_AGG_BUCKETS (64 * WM_AGG_SUB)

struct wm_func_agg {
	__u64 calls; /* with entry_only ones, which have no latency */
	__u64 entry_only;
	__u64 unfinished;
	__u64 errors; /* calls --error marked */
	__u64 lat_sum;
	__u64 lat_min; /* 0: no call yet on this CPU */
	__u64 lat_max;
	__u64 hist[WM_AGG_BUCKETS];
};

/*
 * One record per call. The bytes of the slots whose str_len >= 0 follow the
 * header back to back, in slot order, without NUL terminators.
 */
struct wm_call {
	__u64 entry_ns;		 /* CLOCK_MONOTONIC at entry */
	__u64 latency_ns;	 /* 0 for WM_REC_UNFINISHED */
	__u64 args[WM_MAX_VALS]; /* registers, then stack eightbytes (cfg nr_stack of them) */
	__u64 ret;
	__u32 func_id;
	__u32 pid;
	__u32 tid;
	__u16 kind;	/* enum wm_rec_kind */
	__u16 data_len; /* bytes of slot data after the header */
	__s16 str_len[WM_NR_SLOTS];
	__u16 str_trunc; /* bit per slot: more bytes than were kept */
	__u8 depth;	 /* nesting depth of traced calls, 0 = outermost */
	__u8 signo;	 /* WM_F_KILLED: the signal that killed the thread */
	__u16 flags;	 /* enum wm_call_flags */
	__u16 uerrno;	 /* WM_F_ERRNO: the thread's errno at return */
	/*
	 * entry_ns of the enclosing traced call in this thread (depth - 1), 0 at
	 * depth 0: records come at return time, children before their parent,
	 * and this names the parent exactly even when its record is lost.
	 */
	__u64 parent_entry_ns;
	/*
	 * The process's command name (its main thread's comm) when processes
	 * are not named in advance (-f /path/obj:NAME alone), else zeros.
	 */
	char comm[WM_COMM_LEN];
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

/*
 * Operand of a comparison (wm_expr_op.src): a value index (0..5 argument
 * registers, 6.. stack eightbytes), the result, or the latency. For string
 * ops, the value whose string slot (wm_func_cfg.val_slot) is compared.
 */
#define WM_EXPR_SRC_RET	    WM_VAL_RET
#define WM_EXPR_SRC_LATENCY (WM_VAL_RET + 1)

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
	WM_HINT_CHAR = 1,     /* 'c' */
	WM_HINT_BOOL = 2,     /* true / false */
	WM_HINT_PTR = 3,      /* NULL or 0x... */
	WM_HINT_DURATION = 4, /* 1ms */
};

struct wm_expr_op {
	__u8 code;	/* enum wm_expr_code */
	__u8 src;	/* value index, WM_EXPR_SRC_RET, WM_EXPR_SRC_LATENCY */
	__u8 cmp;	/* enum wm_expr_cmp */
	__u8 size;	/* WM_EXPR_CMP: bytes of the register that hold the value: 1, 2, 4, 8 */
	__u8 is_signed; /* WM_EXPR_CMP: sign-extend from size and compare signed */
	__u8 hint;	/* enum wm_expr_hint */
	__u16 pad;
	__u16 str_off; /* WM_EXPR_STR*: constant at pool[str_off], str_len bytes */
	__u16 str_len;
	__u32 pad2;
	/* WM_EXPR_CMP: the literal, already sign- or zero-extended from size to 64 bits */
	__u64 imm;
};

struct wm_expr {
	__u16 nr_ops;	 /* 0: no expression */
	__u16 str_used;	 /* bytes of pool in use */
	__u16 max_depth; /* deepest stack the program needs */
	__u16 pad;
	__u32 pad2[3];
	struct wm_expr_op ops[WM_EXPR_MAX_OPS];
	char pool[WM_EXPR_STR_MAX];
};

#endif /* WRAPMON_H */
