/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Layout shared by the CPython programs (bpf/python.bpf.c) and their
 * userspace side (src/lang/python/). Calls are struct wm_call records
 * (wrapmon.h) in the Python ring; code objects not decided yet come as
 * struct wm_py_notice. Fixed-width types only.
 */
#ifndef WRAPMON_PY_H
#define WRAPMON_PY_H

#include "wrapmon.h"
#include "wm_python.h"

/*
 * wm_py_notice.tag: what a notice starts with, where a call record has its
 * entry_ns (struct wm_call). No CLOCK_MONOTONIC time comes near it, so the
 * one is never taken for the other (a kind in the first two bytes was: the
 * calls whose entry_ns ended in those bits, one in 65,536, vanished).
 */
#define WM_PY_NOTICE_TAG 0xfffffffffffff0c0ULL

/* Python functions one trace takes at most: their ids follow the native ones'. */
#define WM_PY_FUNCS_MAX 4096

/* wm_call.func_id of a call whose code object userspace had not decided at its exit. */
#define WM_PY_PENDING 0xffffffffu

/*
 * Why BPF lost Python calls it could not record (python.bpf.c's nr_lost[],
 * by index): said at the end of the trace, never silent.
 */
enum wm_py_lost {
	WM_PY_LOST_UNREAD,  /* an entry whose code object could not be read: its function unknown */
	WM_PY_LOST_NO_ROOM, /* an entry the table of calls in flight refused */
	WM_PY_LOST_NO_END,  /* a call whose end was missed: another call took its frame */
	WM_PY_LOST_NR,
};

/*
 * A Python call record (struct wm_call): args[0..WM_PY_MAX_PARAMS) are the
 * type objects of the parameters at entry (0: none), ret the result's type
 * object, or with WM_F_RAISED the exception's type; userspace names them
 * (tp_name). args[WM_PY_ARG_CODE] and [WM_PY_ARG_QUALNAME] name the code
 * object, for a call sent before its code object was decided.
 */
#define WM_PY_MAX_PARAMS   8
#define WM_PY_ARG_CODE	   8
#define WM_PY_ARG_QUALNAME 9
/* Bytes of a type's name BPF keeps (map "type_names"), NUL included. */
#define WM_PY_TYPE_NAME_MAX 64
/* Decoded, the views carry the type names in string slots: the result's is this one. */
#define WM_PY_RES_SLOT WM_PY_MAX_PARAMS
/* Bytes of a name (qualname, module, file, parameter) a notice carries. */
#define WM_PY_NAME_MAX	128
#define WM_PY_PNAME_MAX 32

/* What a probe of the Python programs is: the cookie's bits 0-7. */
enum wm_py_hook {
	WM_PYH_RESUME = 1, /* a RESUME handler's first branch: a call starts (3.11+) */
	WM_PYH_CLEAR = 2,  /* the frame-clear function's entry: a call ends (3.11+) */
	WM_PYH_EVAL = 3,   /* _PyEval_EvalFrameDefault's entry: a call starts (3.10) */
	/*
	 * A call ends (3.10): one of its ret instructions, or the emulated
	 * call just before one's epilogue (WM_PY_COOKIE_RET()).
	 */
	WM_PYH_EVAL_RET = 4,
	/*
	 * Where the frame clear is inlined for frames entered from C (Debian's
	 * 3.11): _PyEval_EvalFrameDefault's entry notes its frame, and its ret
	 * instructions, or the emulated branches from which its exit paths
	 * reach one (WM_PY_COOKIE_RET()), end that frame's call.
	 */
	WM_PYH_ENTRY_FRAME = 5,
	WM_PYH_ENTRY_RET = 6,
	/* A YIELD_VALUE handler: a generator's or coroutine's resume ends, its frame kept (3.11+). */
	WM_PYH_YIELD = 7,
	/*
	 * _PyEval_EvalFrameDefault's entry: with its throwflag set, a generator
	 * resumed by throw() or close(), which runs no RESUME, starts a call (3.11+).
	 */
	WM_PYH_THROW = 8,
};

/* Cookie bits 24-31. */
#define WM_PYF_VALUE 1 /* WM_PYH_YIELD: frame->stacktop is stored there, the value readable */
/* WM_PYH_THROW: on the throwflag's taken side, reached by throw() alone (no flag to test). */
#define WM_PYF_THROWN 2

/*
 * wm_call.flags of a Python call that ended in a yield (a generator or
 * coroutine suspended): the top bit, which wrapmon.h's flags leave free.
 */
#define WM_F_PY_YIELD (1 << 15)
/*
 * wm_call.flags: the record's string slots are Python value snapshots
 * (include/wm_python.h): the parameters' in slots 0.., the result's (or
 * the exception's) in WM_PY_RES_SLOT. Without it there are none, and
 * userspace names the type objects of args[] and ret.
 */
#define WM_F_PY_VALUES (1 << 14)
/* Bytes of a call's parameter snapshots, all together; the result's follows. */
#define WM_PY_ARGS_DATA 768

/*
 * The cookie: bits 0-7 the hook, 8-15 the register holding the frame (struct
 * pt_regs slot order as in wrapmon.h: r15 r14 r13 r12 bp bx r11 r10 r9 r8
 * ax cx dx si di), 16-23 the register holding the thread state, 0xff: none.
 */
#define WM_PY_COOKIE(hook, freg, treg) \
	((__u64)((hook)&0xff) | (__u64)((freg)&0xff) << 8 | (__u64)((treg)&0xff) << 16)
#define WM_PY_COOKIE_F(hook, freg, treg, flags) \
	(WM_PY_COOKIE(hook, freg, treg) | (__u64)((flags)&0xff) << 24)
#define WM_PY_FLAGS(c) ((__u32)((c) >> 24) & 0xff)
#define WM_PY_HOOK(c)  ((__u32)(c)&0xff)
#define WM_PY_FREG(c)  ((__u32)((c) >> 8) & 0xff)
#define WM_PY_TREG(c)  ((__u32)((c) >> 16) & 0xff)
#define WM_PY_REG_NONE 0xff
/*
 * WM_PYH_EVAL_RET and WM_PYH_ENTRY_RET: bits 8-15 the register holding the
 * result, 32-47 what the ret's stack pointer is more than the hook's (the
 * epilogue between them), signed.
 */
#define WM_PY_COOKIE_RET(hook, rreg, sp_delta) \
	(WM_PY_COOKIE(hook, rreg, WM_PY_REG_NONE) | (__u64)(__u16)(sp_delta) << 32)
#define WM_PY_SP_DELTA(c) ((__s16)((c) >> 32))

/* Offsets in the interpreter's objects, from its DWARF or the table of its version. */
struct wm_py_offsets {
	__u16 frame_code; /* _PyInterpreterFrame.f_code / f_executable; 3.10: PyFrameObject.f_code */
	__u16 frame_func;     /* f_func (3.11), f_funcobj (3.12+); 0xffff: none (3.10) */
	__u16 frame_instr;    /* prev_instr / instr_ptr */
	__u16 frame_stacktop; /* stacktop */
	__u16 frame_locals;   /* localsplus */
	__u16 code_consts;
	__u16 code_flags;
	__u16 code_argcount;
	__u16 code_kwonly;
	__u16 code_firstlineno;
	__u16 code_names; /* co_localsplusnames (3.10: co_varnames) */
	__u16 code_filename;
	__u16 code_qualname; /* co_qualname (3.10: co_name) */
	__u16 func_module;
	/*
	 * f_globals, for __name__: 3.10's frames have no function, and 3.11's
	 * module-level code runs in a function without a module.
	 */
	__u16 frame_globals;
	/*
	 * 3.12+: with a tracer or sys.monitoring active, an instruction may be
	 * replaced by INSTRUMENTED_LINE or INSTRUMENTED_INSTRUCTION; its own
	 * opcode is then in the code object's monitoring data.
	 */
	__u16 code_monitoring; /* _co_monitoring */
	__u16 code_adaptive;   /* co_code_adaptive: the instructions */
	__u16 mon_lines;       /* _PyCoMonitoringData.lines: {original_opcode, line_delta} each */
	__u16 mon_per_instr;   /* .per_instruction_opcodes: a byte each */
	__u16 code_kinds;      /* co_localspluskinds (3.11+): CO_FAST_CELL 0x40 marks a cell */
	/* 3.10: a parameter a closure captures lives in a cell after the locals. */
	__u16 code_nlocals;  /* co_nlocals */
	__u16 code_cellvars; /* co_cellvars (a tuple) */
	__u16 code_cell2arg; /* co_cell2arg: the parameter of each cell, or -1 */
	__u16 str_ascii;     /* data of a compact ASCII str: sizeof(PyASCIIObject) */
	__u16 str_compact;   /* data of other compact strs: sizeof(PyCompactUnicodeObject) */
	__u16 tstate_exc;    /* curexc_type (a type, <= 3.11) or current_exception (an instance) */
	__u8 exc_is_type;    /* tstate_exc holds a type, not an instance */
	__u8 minor;	     /* 3.minor */
	/* Opcodes after which the result is co_consts[oparg] (RETURN_CONST and its instrumented form). */
	__u8 op_return_const[2];
	__u8 op_instr_line; /* INSTRUMENTED_LINE, INSTRUMENTED_INSTRUCTION; 0: none (< 3.12) */
	__u8 op_instr_instruction;
	/*
	 * 3.11+: PyThreadState.datastack_top. Where the frame clear is inlined
	 * (WM_PYH_ENTRY_FRAME), it tells one greenlet's C-entered frame from
	 * another's at the same stack pointer: greenlets copy C stacks back to
	 * the same addresses, but each has its own frame data stack.
	 */
	__u16 tstate_stack_top;
	/* 3.11+: _PyInterpreterFrame.previous, the caller's frame (nesting, --stack); 0: none. */
	__u16 frame_previous;
	__u16 code_linetable; /* co_linetable (3.11+ location table), for --stack's lines */
	/* 3.12+: _PyInterpreterFrame.owner; 3 (the C stack's) is a shim frame, not a call. 0: none. */
	__u16 frame_owner;
	__u16 str_length; /* PyASCIIObject.length (characters) */
	__u16 str_state;  /* PyASCIIObject.state: kind, compact and ascii bits */
	/* 3.10: PyFrameObject.f_state, FRAME_SUSPENDED (-1) once it yielded; 0: none. */
	__u16 frame_state;
	/* Where the thread state pointer is when no register has it (3.11: _PyRuntime's); 0: none. */
	__u64 tstate_addr;
};

/* The per-code-object decision (map "codes"), keyed by the code object's address. */
enum wm_py_state {
	WM_PYS_PENDING = 1, /* sent to userspace, no answer yet */
	WM_PYS_TRACED = 2,
	WM_PYS_IGNORED = 3,
};

struct wm_py_decision {
	/*
	 * The object it was made for (a freed code object's address is
	 * reused): not a pointer, its qualname's and file's mixed
	 * (python.bpf.c code_id()), as every qualname field below.
	 */
	__u64 qualname;
	__u32 firstlineno;
	__u32 state; /* enum wm_py_state */
	__u32 func_id;
	__u32 nr_params; /* type names to read at entry, <= WM_PY_MAX_PARAMS */
	/*
	 * BPF's, zeros from userspace: the parameters' co_localspluskinds
	 * (a byte each, CO_FAST_CELL marks a cell), read at the first traced
	 * call and kept for the others.
	 */
	__u32 kinds_known;
	__u32 pad;
	__u64 kinds;
};

/* One name read from a str object: kind 1 (ASCII/Latin-1), 2 (UCS-2) or 4 (UCS-4) bytes a char. */
struct wm_py_name {
	__u8 kind;
	__u8 ascii;
	__s16 len; /* bytes in s; < 0: unreadable */
	char s[WM_PY_NAME_MAX];
};

struct wm_py_pname {
	__s16 len; /* ASCII bytes; < 0: not ASCII or unreadable */
	char s[WM_PY_PNAME_MAX];
};

/* A code object seen for the first time (or reused): userspace decides and writes "codes". */
struct wm_py_notice {
	__u64 tag; /* WM_PY_NOTICE_TAG */
	__u32 tid;
	__u32 pad;
	__u64 code;
	__u64 qualname_ptr; /* the code object's identity, with code (not a pointer) */
	__u32 firstlineno;
	__s32 argcount;
	__s32 kwonly;
	__s32 flags;   /* co_flags: CO_VARARGS 0x4, CO_VARKEYWORDS 0x8 */
	__u64 globals; /* 3.10: the frame's f_globals, where userspace finds a method's qualname */
	struct wm_py_name qualname;
	struct wm_py_name module;
	struct wm_py_name filename;
	struct wm_py_pname params[WM_PY_MAX_PARAMS + 2];
};

/* Where snapshots start: below this, a power of two (parameters', then the result's). */
#define WM_PY_VALUES_AREA 1024

/* Callers in flight a call in flight remembers (struct wm_py_nest). */
#define WM_PY_ANC 4

/*
 * wm_call.flags: the record's depth and parent are unsure (a caller's code
 * object was not decided at the entry); a struct wm_py_nest follows the
 * record at WM_PY_NEST_AT, for userspace to settle them.
 */
#define WM_F_PY_UNSURE (1 << 13)
#define WM_PY_NEST_AT  (sizeof(struct wm_call) + WM_PY_VALUES_AREA)

/* A caller in flight, traced or undecided at a call's entry. */
struct wm_py_anc {
	__u64 entry_ns, code, qualname;
};

/*
 * A call's callers in flight, traced or undecided, nearest first, up to the
 * first traced one whose own depth was final (base its depth) or the chain's
 * end (base 0): the depth is base + the traced ones, the parent the nearest.
 */
struct wm_py_nest {
	struct wm_py_anc anc[WM_PY_ANC];
	__u32 nr_anc;
	__u32 base;
	__u32 nr_traced; /* BPF's count on the way */
	__u32 pad;
};

/* Frames of a call's Python call chain --stack keeps, its caller first. */
#define WM_PY_STACK_MAX 16

/*
 * A frame of the chain at the call's entry: three words, named in userspace
 * (the code object's qualname and file, the line from its location table,
 * the module from the function).
 */
struct wm_py_stack_frame {
	__u64 code;
	__u64 instr; /* prev_instr / instr_ptr: the instruction making the call */
	__u64 func;  /* f_func / f_funcobj: its module */
};

struct wm_py_stack {
	__u32 nr;
	__u32 pad;
	struct wm_py_stack_frame fr[WM_PY_STACK_MAX];
};

/*
 * Decoded, the view's string slot of a Python call's frames, past the
 * values' (lang/python/pystack.h gives its format).
 */
#define WM_PY_STACK_SLOT (WM_PY_RES_SLOT + 1)

/* With --stack, each record carries its struct wm_py_stack here. */
#define WM_PY_STACK_AT (WM_PY_NEST_AT + sizeof(struct wm_py_nest))

/* The key of a call in flight (map "calls"). */
struct wm_py_call_key {
	__u32 tid;
	__u32 pad;
	__u64 frame; /* 3.11+: the frame; 3.10: the stack pointer at entry */
};

/*
 * A call in flight (map "calls"). Userspace reads the ones left at the end
 * of the trace and reports them unfinished.
 */
struct wm_py_call {
	__u64 entry_ns;
	__u64 code;
	__u64 qualname;
	__u64 tstate;	       /* 3.10: from the entry, for the exception */
	__u64 frame;	       /* the frame at the entry (3.10: whose f_state says a yield) */
	__u64 parent_entry_ns; /* the enclosing traced call's entry, 0: none */
	__u32 func_id;	       /* WM_PY_PENDING: not decided when it started */
	__u16 data_len;
	__u8 depth; /* traced calls enclosing it in its Python call chain */
	/*
	 * depth and parent_entry_ns are final: no caller in flight was
	 * undecided at entry. Else nest says how userspace settles them.
	 */
	__u8 sure;
	struct wm_py_nest nest;
	struct wm_py_stack stack;      /* --stack only */
	__u64 types[WM_PY_MAX_PARAMS]; /* each parameter's type object at entry */
	__s16 str_len[WM_PY_MAX_PARAMS];
	/*
	 * The parameters' snapshots at entry, back to back, then the result's
	 * at the end: pyv_snap() needs its slack inside the map value.
	 */
	char data[WM_PY_VALUES_AREA + WM_PYV_SLACK];
};

/*
 * What BPF tells of a code object it meets for the first time, before it
 * asks userspace: a hash (FNV-1a over code points, whatever the str's kind)
 * of its qualname's last dotted part, its tail, and one of its module's
 * first, its head. A -f name is matched with fnmatch() against
 * "module.qualname": every full name it matches ends with '.' and the
 * name's own last part, when that part is plain, and starts with its first
 * part and a '.', when that one is. So userspace puts each name's head and
 * tail hashes in map "sels" (lang/python/pytail.h), and a code object no
 * name can match on both counts is decided in BPF, with no notice: the
 * calls of the hundreds of code objects a program starts running at once
 * do not wait in the ring, pending, while the consumer waits for a CPU.
 */
#define WM_PY_SELS_MAX	64 /* -f names; more: every code object is asked about */
#define WM_PY_HASH_SEED 0xcbf29ce484222325ULL
#define WM_PY_HASH_ANY	0 /* a part with a wildcard, or one not read: it matches any */
#define WM_PY_PART_TAIL 0
#define WM_PY_PART_HEAD 1

/* One -f name's parts: WM_PY_HASH_ANY where a part has a wildcard. */
struct wm_py_sel {
	__u64 head;
	__u64 tail;
};

static inline __u64 wm_py_hash_step(__u64 h, __u32 cp)
{
	return (h ^ cp) * 0x100000001b3ULL;
}

/* A part's hash as kept: never WM_PY_HASH_ANY. */
static inline __u64 wm_py_hash_end(__u64 h)
{
	return h == WM_PY_HASH_ANY ? 1 : h;
}

/*
 * The character at byte pos of a name's bytes (kind bytes each, little-
 * endian; at most WM_PY_NAME_MAX). The masks keep every index inside where
 * the verifier can see it.
 */
static inline __u32 wm_py_name_cp(const __u8 *buf, __u32 pos, __u32 kind)
{
	const __u32 m = WM_PY_NAME_MAX - 1;
	__u32 cp = buf[pos & m];

	if (kind >= 2)
		cp |= (__u32)buf[(pos + 1) & m] << 8;
	if (kind == 4)
		cp |= (__u32)buf[(pos + 2) & m] << 16 | (__u32)buf[(pos + 3) & m] << 24;
	return cp;
}

/*
 * One character cp of a name into the hash *h of its part (WM_PY_PART_TAIL:
 * after its last '.'; WM_PY_PART_HEAD: before its first); *dot: a '.', or
 * the U+0000 where userspace's C string of the name ends, was met. 1: the
 * part is complete.
 */
static inline int wm_py_part_add(__u64 *h, __u32 cp, int part, int *dot)
{
	if (cp && cp != '.') {
		*h = wm_py_hash_step(*h, cp);
		return 0;
	}
	*dot = 1;
	if (!cp || part == WM_PY_PART_HEAD)
		return 1;
	*h = WM_PY_HASH_SEED;
	return 0;
}

/*
 * The hash of a name's part from its bytes, all of them. BPF takes the same
 * steps, one bpf_loop() call each (python.bpf.c part_step()).
 */
static inline __u64 wm_py_part_hash(const __u8 *buf, __u32 bytes, __u32 kind, int part, int *dot)
{
	__u64 h = WM_PY_HASH_SEED;

	*dot = 0;
	for (__u32 pos = 0; pos < bytes && pos < WM_PY_NAME_MAX; pos += kind)
		if (wm_py_part_add(&h, wm_py_name_cp(buf, pos, kind), part, dot))
			break;
	return wm_py_hash_end(h);
}

#endif /* WRAPMON_PY_H */
