// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Entry and return probes for every traced function. An entry saves the
 * argument registers and copies the string arguments onto a per-thread shadow
 * stack; the matching return emits ONE record with arguments, result and
 * latency into the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "wrapmon.h"
#include "pyvalue.bpf.h"
#include "ringwake.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load; the verifier sees them as constants. */
const volatile __u32 targ_tgid = 0;
const volatile __u32 str_cap = 64;	  /* --string-size */
const volatile __u32 rec_data_max = 8;	  /* string bytes reserved per record */
const volatile __u64 wakeup_bytes = 1;	  /* wake the consumer past this backlog */
const volatile bool summary_only = false; /* aggregate in aggs, send no call records */
/* Several processes: the traced ones are the keys of tgids, not targ_tgid alone. */
const volatile bool many_tgids = false;
/* --follow: a traced process's children join tgids at fork. */
const volatile bool follow = false;
/*
 * Where glibc's errno is from the thread pointer (its initial-exec TLS
 * offset, read from libc's GOT at attach); 0: not known, errno not read.
 */
const volatile __s64 errno_tp_off = 0;
/* WM_CAP_PYOBJ captures are planned: without them the verifier skips pyv_snap()'s code. */
const volatile bool py_on = false;
/*
 * Every process but wrapmon itself (targ_tgid) is traced: the probes are on
 * objects, not processes (-f /path/obj:NAME alone). Records carry the comm.
 */
const volatile bool all_tgids = false;
/*
 * What the traced functions use, over them all: the OR of their cfg.flags,
 * whether any has captures, stack arguments, or --returns=none. A feature
 * nobody uses is a branch the verifier sees is never taken, so it does not
 * walk it: most of the load time is the verifier walking these programs.
 */
const volatile __u32 used_fc = ~0U;
const volatile bool used_caps = true;
const volatile bool used_stack_args = true;
const volatile bool used_ret_none = true;

/* Whether cfg has feature f, known false at load when no function has it. */
#define HAS_FC(cfg, f) ((used_fc & (f)) && ((cfg)->flags & (f)))

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} rb SEC(".maps");

/* Indexed by function id (= the BPF cookie); sized by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_func_cfg);
	__uint(max_entries, 1);
} funcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_func_stats);
	__uint(max_entries, 1);
} stats SEC(".maps");

/* --filter and --error programs: 2 * function id (+ 1 for --error); sized by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_expr);
	__uint(max_entries, 1);
} exprs SEC(".maps");

/* The traced processes when many_tgids; sized by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} tgids SEC(".maps");

/* Whether the current process is one of those traced. */
static __always_inline bool traced(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (all_tgids)
		return tgid != targ_tgid;
	if (!many_tgids)
		return tgid == targ_tgid;
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

/* The process's name (its main thread's, as ps shows it), with all_tgids only. */
static __always_inline void set_comm(struct wm_call *rec)
{
	struct task_struct *task = bpf_get_current_task_btf();

	__builtin_memset(rec->comm, 0, sizeof(rec->comm));
	if (all_tgids)
		BPF_CORE_READ_STR_INTO(&rec->comm, task, group_leader, comm);
}

/* --summary-only: indexed by function id; one entry unless summary_only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_func_agg);
	__uint(max_entries, 1);
} aggs SEC(".maps");

struct frame {
	__u64 sp; /* stack pointer at entry: where the return address is */
	__u64 entry_ns;
	__u64 args[WM_MAX_VALS];
	__u32 func_id;
	__u16 heap_off; /* this frame's captures start here in the heap */
	__u16 heap_len;
	__s16 str_len[WM_NR_SLOTS];
	__u16 slot_off[WM_NR_SLOTS]; /* where each slot's bytes are in the heap */
	__u16 str_trunc;
	__u8 filtered; /* --filter decided at entry to leave the call out */
	__u8 sites;    /* its return is caught at return sites, not by the trampoline */
	__u16 uerrno;  /* the errno its return read (WM_F_ERRNO) */
	__u8 pad[2];
};

/* Room past the heap's end, so a read at any in-bounds offset is in the map value. */
#define HEAP_SLACK (WM_STR_MAX + 8 > WM_MEM_MAX ? WM_STR_MAX + 8 : WM_MEM_MAX)
_Static_assert(HEAP_SLACK >= WM_PYV_SLACK, "a Python snapshot's writes stay in the heap's slack");

/*
 * Task-local storage: created on a thread's first traced call and freed by
 * the kernel with the thread, so per-thread state never outgrows the live
 * threads. Captures live on a byte stack that grows and shrinks with the
 * frames, so nesting costs only what the nested calls really hold.
 */
struct tstate {
	__u32 depth;
	__u32 heap_top;
	__u32 counted; /* added to nr_tstates_created */
	/*
	 * A C++ exception is unwinding this thread's stack: frames skipped
	 * meanwhile were ended by it (raised), not by longjmp. Set at
	 * __cxa_throw and __cxa_rethrow, cleared when a handler catches.
	 */
	__u32 exc_live;
	__u64 exc_name; /* its type's mangled name, in the target; kept for a rethrow */
	/*
	 * The expression evaluator's bit stack. Here rather than on the BPF
	 * stack: the verifier tracks stack values exactly, so every step of a
	 * loop would look new and it would never prune; map memory it does not.
	 */
	__u64 estack;
	/*
	 * pop_one()'s and cap_do()'s state across their steps, for the same
	 * reason: kept in their contexts on the stack, each value it took made
	 * the verifier walk the callback again (pop_one() 20 times for one
	 * entry program).
	 */
	__u64 pop_now;
	__u64 pop_stack_lo, pop_stack_hi; /* the memory region holding sp; 0, 0: unknown */
	__u32 pop_vma_done;		  /* pop_stack_lo/hi looked up */
	__u32 cap_top;			  /* cap_do()'s: where the next capture goes */
	__u64 cap_ret;			  /* cap_do()'s: the result, at return */
	/* WM_FC_LOCS: the registers at entry, as struct pt_regs words (read_locs()). */
	__u64 regs[32]; /* WM_PT_NR of them read; a power of two, so a mask bounds the index */
	struct frame f[WM_MAX_DEPTH];
	char heap[WM_HEAP_SIZE + HEAP_SLACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstate);
} tstates SEC(".maps");

/*
 * Per-thread states made and freed, so userspace can show (and the tests
 * check) that state does not outlive the threads it belongs to.
 */
/*
 * The traced interpreter's object layout, for WM_CAP_PYOBJ captures;
 * version 0: none. Set before load. Not in .rodata: pyv_snap()'s global
 * function takes it as memory it could write, which a read-only map is not.
 */
struct wm_py_layout py_layout = {};

__u64 nr_tstates_created = 0;
__u64 nr_tstates_freed = 0;
/*
 * Set by userspace before it takes the probes out: entries start no new
 * frame, so the links can all go at once (each waits out an RCU grace
 * period) without an entry outliving its returns.
 */
__u32 detaching = 0;
/* Set once a record woke the consumer: the first record of a trace is shown at once. */
__u32 woken = 0;
/* --follow: children not traced because the map of traced processes was full. */
__u64 nr_unfollowed = 0;

/*
 * The target's wait status once its last thread exited (the process is not
 * our child: we cannot wait for it). targ_exited is set after the status.
 */
__u32 targ_exit_status = 0;
__u32 targ_exited = 0;
/* When it exited (bpf_ktime_get_ns(): CLOCK_MONOTONIC), to tell an exit during attach. */
__u64 targ_exit_ns = 0;

static __always_inline struct wm_func_stats *func_stats(__u32 id)
{
	return bpf_map_lookup_elem(&stats, &id);
}

/*
 * Captures are taken one per bpf_loop() step: the verifier checks the
 * callback once instead of every unrolled slot, which keeps load time short.
 */
struct cap_ctx {
	struct tstate *ts;
	struct frame *fr;
	struct wm_func_cfg *cfg;
	__u64 ret;
	__u32 at_return;
	__u32 first; /* slot of step 0 */
};

static __always_inline __u64 cap_value(struct frame *fr, __u64 ret, __u32 src)
{
	if (src < WM_MAX_VALS)
		return fr->args[src];
	if (src == WM_VAL_RET)
		return ret;
	return 0;
}

/*
 * The page at src, and the next one if [src, src + size) reaches it: one
 * byte of each read with a faulting copy (sleepable programs only). The
 * second may lie past the string's end, but within the bytes the string
 * read may touch. Global, so the verifier checks it once, not at each
 * string read. 0 when the first page is there now.
 */
__noinline int fault_in_user(__u64 src, __u32 size)
{
	__u64 next = (src | 4095) + 1;
	char b;

	if (bpf_copy_from_user(&b, 1, (const void *)src))
		return -1;
	if (next - src < size)
		bpf_copy_from_user(&b, 1, (const void *)next);
	return 0;
}

/*
 * Reads of user memory. A sleepable program may take a page fault, so a
 * string on a page the process has not touched yet reads the same as any
 * other; the non-sleepable helpers fail on it and show <unreadable>.
 *
 * Strings: not the bpf_copy_from_user_str() kfunc, whose call libbpf can
 * only resolve by reading all of the kernel's BTF (10 ms and 11 MB at every
 * start). The non-faulting read first; where it fails, fault_in_user()
 * faults in the pages the string may span (at most WM_STR_MAX bytes: two)
 * and the read goes again.
 */
static __always_inline long user_str(void *dst, __u32 size, const void *src, bool sleepable)
{
	long n = bpf_probe_read_user_str(dst, size, src);

	if (n < 0 && sleepable && !fault_in_user((__u64)src, size))
		n = bpf_probe_read_user_str(dst, size, src);
	return n;
}

static __always_inline long user_mem(void *dst, __u32 size, const void *src, bool sleepable)
{
	if (sleepable)
		return bpf_copy_from_user(dst, size, src);
	return bpf_probe_read_user(dst, size, src);
}

/*
 * A WM_CAP_MEM capture's bytes: its size, or its count of elements up to
 * it (else truncated). Global: the verifier checks the count's cases once,
 * not a walk of the rest of the capture for each range it can take.
 */
__noinline __u32 mem_len(struct frame *fr, struct wm_cap *cap, __u64 ret, __u32 slot)
{
	__s64 count;

	if (!fr || !cap)
		return 0;
	if (cap->len_src == WM_LEN_FIXED)
		return cap->size;
	count = cap_value(fr, ret, cap->len_src);
	/* A negative count (read() failing) holds no bytes. */
	if (count <= 0)
		count = 0;
	if ((__u64)count > WM_MEM_MAX)
		count = WM_MEM_MAX + 1;
	count *= cap->elem_size ? cap->elem_size : 1;
	if ((__u64)count <= cap->size)
		return count;
	if (slot < WM_NR_SLOTS)
		fr->str_trunc |= 1 << slot;
	return cap->size;
}

static __always_inline long cap_do(__u64 i, void *arg, bool sleepable)
{
	struct cap_ctx *c = arg;
	struct frame *fr = c->fr;
	struct wm_cap *cap;
	__u32 off = c->ts->cap_top, size, slot = c->first + i;
	__u64 ptr, n;
	long r;

	if (slot >= c->cfg->nr_caps)
		return 1;
	/* Its own test, after a barrier: clang would fold it into the one above. */
	barrier_var(slot);
	if (slot >= WM_NR_SLOTS)
		return 1;
	cap = &c->cfg->caps[slot];
	if (cap->at_return != c->at_return)
		return 0;
	if (cap->kind == WM_CAP_STACK)
		return 0; /* taken by on_entry(), which has the context */
	fr->str_len[slot] = WM_STR_NONE;
	if (cap->src == WM_SRC_STACK)
		ptr = fr->sp + 8 + cap->off;
	else
		ptr = cap_value(fr, c->ret, cap->src);
	if (ptr && cap->ind_off != WM_IND_NONE &&
	    user_mem(&ptr, sizeof(ptr), (const void *)(ptr + cap->ind_off), sleepable)) {
		fr->str_len[slot] = WM_STR_FAULT;
		return 0;
	}
	if (!ptr)
		return 0;

	if (cap->kind == WM_CAP_PYOBJ) {
		if (!py_on)
			return 0;
		if (off > WM_HEAP_SIZE - WM_PYV_MAX) {
			fr->str_len[slot] = 0;
			fr->str_trunc |= 1 << slot;
			return 0;
		}
		r = pyv_snap(&py_layout, ptr, &c->ts->heap[off & (WM_HEAP_SIZE - 1)], cap->size,
			     sleepable);
		fr->str_len[slot] = r & (WM_PYV_MAX * 2 - 1);
		fr->slot_off[slot] = off;
		c->ts->cap_top = off + (r & (WM_PYV_MAX * 2 - 1));
		return 0;
	}

	if (cap->kind == WM_CAP_STR) {
		/* Room for str_cap bytes, one more to see truncation, and the NUL. */
		size = str_cap + 2;
		if (off > WM_HEAP_SIZE - size) {
			/* Heap full (very deep nesting of long strings): say so. */
			fr->str_len[slot] = 0;
			fr->str_trunc |= 1 << slot;
			return 0;
		}
		r = user_str(&c->ts->heap[off & (WM_HEAP_SIZE - 1)], size, (const void *)ptr,
			     sleepable);
		if (r <= 0) {
			fr->str_len[slot] = WM_STR_FAULT;
			return 0;
		}
		r -= 1;
		if (r > str_cap) {
			r = str_cap;
			fr->str_trunc |= 1 << slot;
		}
		fr->str_len[slot] = r;
		fr->slot_off[slot] = off;
		c->ts->cap_top = off + r;
		return 0;
	}

	/* WM_CAP_MEM */
	n = mem_len(fr, cap, c->ret, slot);
	if (n > WM_MEM_MAX)
		n = WM_MEM_MAX;
	if (off > WM_HEAP_SIZE - n) {
		fr->str_len[slot] = 0;
		fr->str_trunc |= 1 << slot;
		return 0;
	}
	if (n && user_mem(&c->ts->heap[off & (WM_HEAP_SIZE - 1)], n & (WM_MEM_MAX * 2 - 1),
			  (const void *)ptr, sleepable)) {
		fr->str_len[slot] = WM_STR_FAULT;
		return 0;
	}
	fr->str_len[slot] = n;
	fr->slot_off[slot] = off;
	c->ts->cap_top = off + n;
	return 0;
}

static long cap_one(__u64 i, void *arg)
{
	return cap_do(i, arg, false);
}

static long cap_one_sleepable(__u64 i, void *arg)
{
	return cap_do(i, arg, true);
}

/*
 * Global, so the verifier checks the captures once per program rather than
 * once for each path of the caller that reaches them (four at entry). What
 * differs between entry and return comes as values it need not tell apart
 * (one walk of the callback, not one per phase): span is the first slot |
 * the number of slots << 16, the result is in ts->cap_ret, and the captures
 * go from ts->cap_top on, which they leave past them.
 */
static __always_inline int caps_loop(struct tstate *ts, struct frame *fr, struct wm_func_cfg *cfg,
				     __u32 at_return, __u32 span, bool sleepable)
{
	struct cap_ctx c = {
		.ts = ts,
		.fr = fr,
		.cfg = cfg,
		.at_return = at_return,
		.first = span & 0xffff,
	};

	if (!ts || !fr || !cfg)
		return 0;
	c.ret = ts->cap_ret;
	bpf_loop(span >> 16, sleepable ? cap_one_sleepable : cap_one, &c, 0);
	return 0;
}

__noinline int take_caps_sleepable(struct tstate *ts, struct frame *fr, struct wm_func_cfg *cfg,
				   __u32 at_return, __u32 span)
{
	return caps_loop(ts, fr, cfg, at_return, span, true);
}

__noinline int take_caps_plain(struct tstate *ts, struct frame *fr, struct wm_func_cfg *cfg,
			       __u32 at_return, __u32 span)
{
	return caps_loop(ts, fr, cfg, at_return, span, false);
}

static __always_inline __u32 take_caps(struct tstate *ts, struct frame *fr, struct wm_func_cfg *cfg,
				       __u32 top, __u64 ret, bool at_return, bool sleepable)
{
	__u32 first = 0, n, span;

	if (!used_caps)
		return top;
	/* Only this phase's captures: most functions have a few, or none. */
	if (at_return) {
		first = cfg->nr_entry_caps;
		n = cfg->nr_caps > first ? cfg->nr_caps - first : 0;
	} else {
		n = cfg->nr_entry_caps;
	}
	if (!n)
		return top;
	span = first | (n > WM_NR_SLOTS ? WM_NR_SLOTS : n) << 16;
	ts->cap_top = top;
	ts->cap_ret = ret;
	if (sleepable)
		take_caps_sleepable(ts, fr, cfg, at_return, span);
	else
		take_caps_plain(ts, fr, cfg, at_return, span);
	return ts->cap_top;
}

/*
 * --filter / --error: the postfix program of include/wrapmon.h, one op per
 * bpf_loop() step, with the same semantics as expr__eval() in userspace.
 */
struct expr_ctx {
	struct wm_expr *e;
	struct tstate *ts;
	struct frame *fr;
	struct wm_func_cfg *cfg;
	__u64 ret;
	__u64 lat;
};

static __always_inline __u64 normalize(__u64 v, __u32 size, bool is_signed)
{
	__u32 bits = size * 8;
	__u64 mask;

	if (size >= 8 || !size)
		return v;
	mask = (1ULL << bits) - 1;
	v &= mask;
	if (is_signed && ((v >> (bits - 1)) & 1))
		v |= ~mask;
	return v;
}

static __always_inline bool cmp_int(struct wm_expr_op *op, __u64 v)
{
	__u64 imm = op->imm;

	v = normalize(v, op->size, op->is_signed);
	if (op->is_signed) {
		__s64 a = v, b = imm;

		switch (op->cmp) {
		case WM_CMP_EQ:
			return a == b;
		case WM_CMP_NE:
			return a != b;
		case WM_CMP_LT:
			return a < b;
		case WM_CMP_LE:
			return a <= b;
		case WM_CMP_GT:
			return a > b;
		default:
			return a >= b;
		}
	}
	switch (op->cmp) {
	case WM_CMP_EQ:
		return v == imm;
	case WM_CMP_NE:
		return v != imm;
	case WM_CMP_LT:
		return v < imm;
	case WM_CMP_LE:
		return v <= imm;
	case WM_CMP_GT:
		return v > imm;
	default:
		return v >= imm;
	}
}

struct str_ctx {
	char *heap;
	char *pool;
	__u32 off;
	__u32 str_off;
	bool match;
};

/* One byte of a string comparison, in its own loop: its state stays small. */
static long str_byte(__u64 k, void *arg)
{
	struct str_ctx *sc = arg;

	if (sc->heap[(sc->off + k) & (WM_HEAP_SIZE - 1)] !=
	    sc->pool[(sc->str_off + k) & (WM_EXPR_STR_MAX - 1)]) {
		sc->match = false;
		return 1;
	}
	return 0;
}

static __always_inline bool cmp_str(struct expr_ctx *c, struct wm_expr_op *op)
{
	struct str_ctx sc;
	struct frame *fr = c->fr;
	__u32 slot, off, want, k;
	bool match = false;
	__s32 len;

	if (op->src > WM_VAL_RET)
		goto out;
	slot = c->cfg->val_slot[op->src];
	if (slot >= WM_NR_SLOTS)
		goto out;
	len = fr->str_len[slot];
	if (len < 0)
		goto out;
	off = fr->slot_off[slot];
	want = op->str_len;
	if (want > WM_EXPR_STR_MAX || op->str_off > WM_EXPR_STR_MAX - want)
		goto out;
	if (op->code == WM_EXPR_STR) {
		if ((fr->str_trunc & (1 << slot)) || len != want)
			goto out;
	} else if (len < want) {
		goto out;
	}
	sc.heap = c->ts->heap;
	sc.pool = c->e->pool;
	sc.off = off;
	sc.str_off = op->str_off;
	sc.match = true;
	bpf_loop(want, str_byte, &sc, 0);
	match = sc.match;
out:
	return op->cmp == WM_CMP_NE ? !match : match;
}

static long expr_op(__u64 i, void *arg)
{
	struct expr_ctx *c = arg;
	struct wm_expr_op *op;
	__u64 a, b, v, *stack = &c->ts->estack;

	if (i >= WM_EXPR_MAX_OPS || i >= c->e->nr_ops)
		return 1;
	op = &c->e->ops[i];
	switch (op->code) {
	case WM_EXPR_CMP:
		if (op->src < WM_MAX_VALS)
			v = c->fr->args[op->src];
		else if (op->src == WM_EXPR_SRC_RET)
			v = c->ret;
		else
			v = c->lat;
		*stack = *stack << 1 | cmp_int(op, v);
		break;
	case WM_EXPR_STR:
	case WM_EXPR_STR_PREFIX:
		*stack = *stack << 1 | cmp_str(c, op);
		break;
	case WM_EXPR_AND:
	case WM_EXPR_OR:
		b = *stack & 1;
		a = *stack >> 1 & 1;
		*stack = (*stack >> 2) << 1 | (op->code == WM_EXPR_AND ? a & b : a | b);
		break;
	case WM_EXPR_NOT:
		*stack ^= 1;
		break;
	}
	return 0;
}

/* Run exprs[idx] on the frame: true when it holds, or when there is no program. */
static __always_inline bool expr_holds(__u32 idx, struct tstate *ts, struct frame *fr,
				       struct wm_func_cfg *cfg, __u64 ret, __u64 lat)
{
	struct expr_ctx c = { .ts = ts, .fr = fr, .cfg = cfg, .ret = ret, .lat = lat };

	c.e = bpf_map_lookup_elem(&exprs, &idx);
	if (!c.e || !c.e->nr_ops)
		return true;
	ts->estack = 0;
	bpf_loop(WM_EXPR_MAX_OPS, expr_op, &c, 0);
	return ts->estack & 1;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	return r + (v >> 1);
}

/* --summary-only: count the call where a record would have been sent. */
static __always_inline void aggregate(__u32 func_id, __u16 kind, __u16 flags, __u64 lat)
{
	struct wm_func_agg *a = bpf_map_lookup_elem(&aggs, &func_id);
	__u32 b, l;

	if (!a)
		return;
	/*
	 * Atomic even per CPU: a preemptible kernel can run this program for
	 * another thread on the same CPU in the middle of an update.
	 */
	if (kind != WM_REC_CALL) {
		__sync_fetch_and_add(&a->unfinished, 1);
		return;
	}
	__sync_fetch_and_add(&a->calls, 1);
	if (flags & WM_F_ERROR)
		__sync_fetch_and_add(&a->errors, 1);
	/* No latency to count. */
	if (flags & WM_F_ENTRY_ONLY) {
		__sync_fetch_and_add(&a->entry_only, 1);
		return;
	}
	__sync_fetch_and_add(&a->lat_sum, lat);
	if (!a->lat_min || lat < a->lat_min)
		a->lat_min = lat ? lat : 1;
	if (lat > a->lat_max)
		a->lat_max = lat;
	if (lat < WM_AGG_SUB) {
		b = lat;
	} else {
		l = log2_u64(lat);
		b = l * WM_AGG_SUB + ((lat >> (l - 3)) & (WM_AGG_SUB - 1));
	}
	__sync_fetch_and_add(&a->hist[b & (WM_AGG_BUCKETS - 1)], 1);
}

/* emit_frame()'s arguments, packed: BPF functions take five. */
#define EMIT_AT(fi, depth)	      ((fi) | (depth) << 16)
#define EMIT_WHAT(kind, flags, signo) ((kind) | (signo) << 8 | (__u32)(flags) << 16)

/*
 * The record of frame f[fi], at depth (EMIT_AT), of kind, with flags and
 * the signal (EMIT_WHAT). A global function: the verifier checks it once
 * per program, not again at each of its call sites (at entry, at return,
 * and in the pop loop's callback), which was most of the load time.
 */
__noinline int emit_frame(struct tstate *ts, __u32 at, __u32 what, __u64 ret, __u64 now)
{
	__u32 depth = at >> 16, kind = what & 0xff, signo = (what >> 8) & 0xff, flags = what >> 16;
	struct wm_func_stats *st;
	struct frame *fr;
	struct wm_call *rec;
	__u64 wake, pid_tgid;
	__u32 len, off;

	if (!ts)
		return 0;
	fr = &ts->f[at & (WM_MAX_DEPTH - 1)];
	if (summary_only) {
		aggregate(fr->func_id, kind, flags, kind == WM_REC_CALL ? now - fr->entry_ns : 0);
		return 0;
	}
	rec = bpf_ringbuf_reserve(&rb, sizeof(*rec) + rec_data_max, 0);
	if (!rec) {
		st = func_stats(fr->func_id);
		if (st)
			st->dropped++;
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	rec->entry_ns = fr->entry_ns;
	rec->latency_ns =
		kind == WM_REC_CALL && !(flags & WM_F_ENTRY_ONLY) ? now - fr->entry_ns : 0;
#pragma unroll
	for (int i = 0; i < WM_MAX_VALS; i++)
		rec->args[i] = fr->args[i];
#pragma unroll
	for (int i = 0; i < WM_NR_SLOTS; i++)
		rec->str_len[i] = fr->str_len[i];
	rec->ret = ret;
	rec->func_id = fr->func_id;
	rec->pid = pid_tgid >> 32;
	rec->tid = (__u32)pid_tgid;
	set_comm(rec);
	rec->kind = kind;
	rec->flags = flags;
	rec->depth = depth;
	rec->str_trunc = fr->str_trunc;
	rec->signo = signo;
	rec->uerrno = flags & WM_F_ERRNO ? fr->uerrno : 0;
	rec->parent_entry_ns = 0;
	if (depth > 0 && depth <= WM_MAX_DEPTH)
		rec->parent_entry_ns = ts->f[(depth - 1) & (WM_MAX_DEPTH - 1)].entry_ns;

	len = fr->heap_len;
	if (len > rec_data_max)
		len = rec_data_max;
	off = fr->heap_off;
	if (off > WM_HEAP_SIZE - 1)
		off = 0;
	bpf_probe_read_kernel(rec->data, len, &ts->heap[off]);
	rec->data_len = len;

	/*
	 * Batched wake-ups (ringwake.bpf.h): the record that takes the backlog
	 * past the mark, every record once half the ring waits; and the first
	 * record of a trace, so start-up is not the consumer's poll timer.
	 */
	wake = woken ? ringwake_flags(&rb, wakeup_bytes,
				      RINGWAKE_SPAN(sizeof(*rec) + rec_data_max)) :
		       BPF_RB_FORCE_WAKEUP;
	/* Read, not written, once set: a line every CPU shares stays clean. */
	if (!woken)
		woken = 1;
	bpf_ringbuf_submit(rec, wake);
	return 0;
}

/*
 * Popping frames whose return never came, one per bpf_loop() step: the
 * verifier checks the callback once instead of every unrolled iteration,
 * which keeps load time (and so start-up) short.
 */
enum pop_mode { POP_AT_ENTRY, POP_AT_RETURN, POP_ALL, POP_EXEC, POP_CATCH };

/* What stays the same over the steps; what changes is in the tstate. */
struct pop_ctx {
	struct tstate *ts;
	__u64 sp;
	__u32 mode;
	__u32 signo; /* POP_ALL: the signal that killed the thread, or 0 */
};

/* Where the kernel's uretprobes return to: slot 0 of the process's XOL area. */
static __always_inline __u64 uretprobe_trampoline(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
}

struct vma_span {
	__u64 lo, hi;
};

static long stack_region(struct task_struct *task, struct vm_area_struct *vma, void *arg)
{
	struct vma_span *r = arg;

	r->lo = vma->vm_start;
	r->hi = vma->vm_end;
	return 0;
}

/*
 * Why a live frame's return was skipped. longjmp stays on the stack it
 * left; a frame in another region of memory than sp was left by switching
 * stacks (swapcontext, a sigaltstack handler): a frame the kernel's return
 * probe has also given up on, so its return, if it comes, kills the target.
 * Only looked up when a frame is popped, which the common case never does.
 * Global: the verifier then does not know which of the two it returned, so
 * pop_one() is one walk whichever it is, not one for each.
 */
__noinline int skipped_why(struct tstate *ts, __u64 sp, __u64 fr_sp)
{
	struct vma_span r = {};

	if (!ts)
		return WM_F_ABANDONED;
	if (!ts->pop_vma_done) {
		ts->pop_vma_done = 1;
		bpf_find_vma(bpf_get_current_task_btf(), sp, stack_region, &r, 0);
		ts->pop_stack_lo = r.lo;
		ts->pop_stack_hi = r.hi;
	}
	if (ts->pop_stack_hi && (fr_sp < ts->pop_stack_lo || fr_sp >= ts->pop_stack_hi))
		return WM_F_STACK_SWITCH;
	return WM_F_ABANDONED;
}

static long pop_one(__u64 i, void *arg)
{
	struct pop_ctx *c = arg;
	struct tstate *ts = c->ts;
	struct frame *fr;
	/*
	 * The depth from map memory, not from c: the verifier tracks stack
	 * values exactly, so a count kept there makes every step a new state
	 * to walk, up to WM_MAX_DEPTH of them; map memory it does not track.
	 */
	__u32 d = ts->depth;
	__u16 flags;

	if (d == 0 || d > WM_MAX_DEPTH)
		return 1;
	fr = &ts->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	if (c->mode == POP_CATCH) {
		/* Frames at or below the handler's call were unwound. */
		if (fr->sp > c->sp)
			return 1;
	} else if (c->mode == POP_AT_ENTRY) {
		/*
		 * A live caller's return slot is strictly above a new call's.
		 * Frames at or below it were left by longjmp; the exception is
		 * a tail call from the top frame: the slot they share then
		 * holds the kernel's uretprobe trampoline, not a code address.
		 */
		if (fr->sp > c->sp)
			return 1;
		if (fr->sp == c->sp) {
			__u64 ra = 0;

			bpf_probe_read_user(&ra, sizeof(ra), (const void *)c->sp);
			if (ra == uretprobe_trampoline())
				return 1;
		}
	} else if (c->mode == POP_AT_RETURN) {
		/* Frames below the returning one on the stack were skipped. */
		if (fr->sp >= c->sp)
			return 1;
	}
	if (c->mode == POP_ALL)
		flags = WM_F_THREAD_EXIT | (c->signo ? WM_F_KILLED : 0);
	else if (c->mode == POP_EXEC)
		flags = WM_F_EXEC;
	else
		flags = skipped_why(ts, c->sp, fr->sp);
	/*
	 * A call on another stack whose return sites are probed is suspended,
	 * not over (a coroutine that yielded inside it): keep it, and the
	 * frames under it. Its return, when it resumes, finds it on top again
	 * once the calls made meanwhile on this stack have returned.
	 */
	if (c->mode == POP_AT_ENTRY && fr->sites && flags == WM_F_STACK_SWITCH)
		return 1;
	/*
	 * Skipped on the same stack while an exception unwinds it: the
	 * exception ended the call. A call, with its latency, and an error.
	 */
	if (flags == WM_F_ABANDONED && (ts->exc_live || c->mode == POP_CATCH)) {
		if (!ts->pop_now)
			ts->pop_now = bpf_ktime_get_ns();
		if (!fr->filtered)
			emit_frame(ts, EMIT_AT(d - 1, d - 1),
				   EMIT_WHAT(WM_REC_CALL, WM_F_RAISED | WM_F_ERROR, 0),
				   ts->exc_name, ts->pop_now);
	} else if (!fr->filtered) {
		/* Left out by --filter at entry: nothing to report. */
		emit_frame(ts, EMIT_AT(d - 1, d - 1), EMIT_WHAT(WM_REC_UNFINISHED, flags, c->signo),
			   0, ts->pop_now);
	}
	ts->heap_top = fr->heap_off;
	ts->depth = d - 1;
	return 0;
}

static __always_inline __u32 pop_frames(struct tstate *ts, __u64 sp, __u64 now, enum pop_mode mode,
					__u32 signo)
{
	struct pop_ctx c = { .ts = ts, .sp = sp, .mode = mode, .signo = signo };
	__u32 d = ts->depth;

	if (d == 0)
		return 0;
	/* The common case, every frame alive, without the cost of a loop. */
	if ((mode == POP_AT_ENTRY || mode == POP_AT_RETURN) && d <= WM_MAX_DEPTH) {
		barrier_var(d);
		__u64 top_sp = ts->f[(d - 1) & (WM_MAX_DEPTH - 1)].sp;

		if (top_sp > sp || (mode == POP_AT_RETURN && top_sp == sp))
			return d;
	}
	ts->pop_now = now;
	ts->pop_vma_done = 0;
	ts->pop_stack_lo = 0;
	ts->pop_stack_hi = 0;
	bpf_loop(WM_MAX_DEPTH, pop_one, &c, 0);
	return ts->depth;
}

/*
 * The kernel walks a user stack by frame pointers from %rbp, which a function
 * sets up only after its entry: the probe's caller is not in that walk. From
 * 6.12 (and in the stable kernels it went back to) the kernel adds it, read
 * from (%rsp), when the probed instruction is push %rbp or endbr64; a leaf
 * built without frame pointers starts with neither, and older kernels never
 * add it. Our probes sit on the first instruction or just past endbr64,
 * where the return address is still at (%rsp): add it from there unless the
 * kernel already has it as frame 1. bpf_get_stack() zeroed the buffer past
 * n, so the shift moves all of it, with no bound to track. Returns the bytes
 * of frames now at ips.
 */
static __always_inline long stack_add_caller(struct tstate *ts, __u32 top, long n, __u64 sp,
					     bool sleepable)
{
	/* x86 loads unaligned words, and the verifier lets it: heap offsets are any byte. */
	__u64 *ips = (__u64 *)&ts->heap[top & (WM_HEAP_SIZE - 1)];
	__u64 ret = 0;

	if (n < 8 || user_mem(&ret, sizeof(ret), (const void *)sp, sleepable) || !ret)
		return n;
	/*
	 * A traced function's tail call arrives with its return slot already
	 * the uretprobe trampoline; the kernel names the real address in its
	 * walk, so must we.
	 */
	if (ret == uretprobe_trampoline()) {
		struct task_struct *task = bpf_get_current_task_btf();

		ret = BPF_CORE_READ(task, utask, return_instances, orig_ret_vaddr);
		if (!ret)
			return n;
	}
	if (n >= 16 && ips[1] == ret)
		return n;
#pragma unroll
	for (int i = WM_STACK_MAX - 1; i > 1; i--)
		ips[i] = ips[i - 1];
	ips[1] = ret;
	return n + 8 < WM_STACK_MAX * 8 ? n + 8 : WM_STACK_MAX * 8;
}

/*
 * Go. A goroutine's calls are paired per goroutine, not per thread: a
 * goroutine moves between threads, and its stack is copied elsewhere when it
 * grows (morestack), so neither the thread nor the stack pointer stays. What
 * stays is the goroutine (its g, in r14 under Go's register ABI, 1.17+) and
 * a frame's distance from the top of its stack (g.stack.hi, copied stacks
 * keep it). Nothing is read of the values: Go's ABI is not decoded yet.
 */
struct gframe {
	__u64 k; /* (1 << 62) - (stack.hi - sp): ordered like sp, kept by copies */
	__u64 entry_ns;
	__u32 func_id;
	__u32 pad;
};

struct gstate {
	__u32 depth;
	__u32 pad;
	struct gframe f[WM_MAX_DEPTH];
};

/* Live goroutines with traced calls; the least recently used go first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gstate);
} gstates SEC(".maps");

static const struct gstate gstate_zero;

/* The goroutine running and the key of a frame at sp; false when unreadable. */
static __always_inline bool go_key(struct pt_regs *ctx, __u64 *g, __u64 *k)
{
	__u64 hi = 0, sp = PT_REGS_SP(ctx);

	*g = ctx->r14;
	if (!*g || bpf_probe_read_user(&hi, sizeof(hi), (const void *)(*g + 8)) || hi <= sp ||
	    hi - sp > (1ULL << 40))
		return false;
	*k = (1ULL << 62) - (hi - sp);
	return true;
}

/* Report a Go frame: from a scratch frame above the thread's live ones. */
static __always_inline void go_emit(struct tstate *ts, struct gframe *gf, __u16 kind, __u16 flags,
				    __u64 now)
{
	__u32 d = ts->depth;
	struct frame *fr;

	if (d >= WM_MAX_DEPTH) {
		struct wm_func_stats *st = func_stats(gf->func_id);

		if (st)
			st->dropped++;
		return;
	}
	barrier_var(d);
	fr = &ts->f[d & (WM_MAX_DEPTH - 1)];
	fr->func_id = gf->func_id;
	fr->entry_ns = gf->entry_ns;
	fr->sp = 0;
#pragma unroll
	for (int i = 0; i < WM_MAX_VALS; i++)
		fr->args[i] = 0;
#pragma unroll
	for (int i = 0; i < WM_NR_SLOTS; i++)
		fr->str_len[i] = WM_STR_NONE;
	fr->str_trunc = 0;
	fr->heap_off = ts->heap_top;
	fr->heap_len = 0;
	fr->filtered = 0;
	fr->sites = 1;
	emit_frame(ts, EMIT_AT(d, 0), EMIT_WHAT(kind, flags, 0), 0, now);
}

struct go_pop_ctx {
	struct tstate *ts;
	struct gstate *gs;
	__u64 k;
	__u64 now;
	__u32 id;
	__u32 at_entry;
	__u32 same; /* at entry: the call on top is this one, entered again */
};

/*
 * At entry, frames at or below the new one were left (a panic unwinding
 * them, runtime.Goexit): except the same function at the same place, which
 * is the same call entered again after morestack grew (and moved) the
 * stack, or after a preemption request took the same path. At a return,
 * frames below the returning one were left.
 */
static long go_pop_one(__u64 i, void *arg)
{
	struct go_pop_ctx *c = arg;
	struct gstate *gs = c->gs;
	struct gframe *gf;
	__u32 d = gs->depth;

	if (d == 0 || d > WM_MAX_DEPTH)
		return 1;
	gf = &gs->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	if (gf->k > c->k || (!c->at_entry && gf->k == c->k))
		return 1;
	if (c->at_entry && gf->k == c->k && gf->func_id == c->id) {
		c->same = 1;
		return 1;
	}
	go_emit(c->ts, gf, WM_REC_UNFINISHED, WM_F_ABANDONED, c->now);
	gs->depth = d - 1;
	return 0;
}

static __always_inline struct tstate *go_tstate(void)
{
	struct tstate *ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts && !ts->counted) {
		ts->counted = 1;
		__sync_fetch_and_add(&nr_tstates_created, 1);
	}
	return ts;
}

static __always_inline int go_entry(struct pt_regs *ctx, __u32 id, bool entry_only)
{
	struct go_pop_ctx c = { .id = id, .at_entry = 1 };
	struct wm_func_stats *st;
	struct gframe *gf;
	__u64 g;
	__u32 d;

	c.ts = go_tstate();
	if (!c.ts || !go_key(ctx, &g, &c.k))
		goto drop;
	/*
	 * --returns=none: the record goes now and no frame is kept, so the
	 * entry again after morestack (a stack that grew) is a record too.
	 */
	if (entry_only) {
		struct gframe one = { .k = c.k, .func_id = id, .entry_ns = bpf_ktime_get_ns() };

		go_emit(c.ts, &one, WM_REC_CALL, WM_F_ENTRY_ONLY, one.entry_ns);
		return 0;
	}
	c.gs = bpf_map_lookup_elem(&gstates, &g);
	if (!c.gs) {
		bpf_map_update_elem(&gstates, &g, &gstate_zero, BPF_NOEXIST);
		c.gs = bpf_map_lookup_elem(&gstates, &g);
		if (!c.gs)
			goto drop;
	}
	c.now = bpf_ktime_get_ns();
	bpf_loop(WM_MAX_DEPTH, go_pop_one, &c, 0);
	/* Entered again after its stack grew: the same call, counted once. */
	if (c.same)
		return 0;
	d = c.gs->depth;
	if (d >= WM_MAX_DEPTH) {
		st = func_stats(id);
		if (st)
			st->overflow++;
		goto drop;
	}
	barrier_var(d);
	gf = &c.gs->f[d & (WM_MAX_DEPTH - 1)];
	gf->k = c.k;
	gf->func_id = id;
	gf->entry_ns = bpf_ktime_get_ns();
	c.gs->depth = d + 1;
	return 0;
drop:
	st = func_stats(id);
	if (st)
		st->dropped++;
	return 0;
}

static __always_inline int go_return(struct pt_regs *ctx, __u32 id, __u64 now, __u16 flags)
{
	struct go_pop_ctx c = { .id = id, .now = now };
	struct gframe *gf;
	__u64 g;
	__u32 d;

	if (!go_key(ctx, &g, &c.k))
		return 0;
	c.gs = bpf_map_lookup_elem(&gstates, &g);
	if (!c.gs)
		return 0;
	c.ts = go_tstate();
	if (!c.ts)
		return 0;
	bpf_loop(WM_MAX_DEPTH, go_pop_one, &c, 0);
	d = c.gs->depth;
	if (d == 0 || d > WM_MAX_DEPTH)
		return 0;
	gf = &c.gs->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	/* Not ours: a call entered before we attached. */
	if (gf->k != c.k || gf->func_id != id)
		return 0;
	c.gs->depth = d - 1;
	go_emit(c.ts, gf, WM_REC_CALL, flags, now);
	return 0;
}

/*
 * WM_FC_LOCS: each value from where the debug info says it is at the probe.
 * Only functions whose parameters are not where the C ABI puts them pay
 * for this loop.
 */
static __always_inline void read_locs(struct pt_regs *ctx, struct tstate *ts, struct frame *fr,
				      struct wm_func_cfg *cfg, bool sleepable)
{
	/* One copy of the registers, indexed from map memory: the verifier allows that. */
	if (bpf_probe_read_kernel(ts->regs, WM_PT_NR * 8, ctx))
		return;
#pragma unroll
	for (int i = 0; i < WM_MAX_VALS; i++) {
		struct wm_vsrc *vs = &cfg->vsrc[i];
		__u64 v = 0, base = ts->regs[vs->reg & 31] + (__s64)vs->off;
		__u32 size = vs->size;

		if (vs->kind == WM_VS_REG) {
			v = ts->regs[vs->reg & 31];
		} else if (vs->kind == WM_VS_ADDR) {
			v = base;
		} else if (vs->kind == WM_VS_CONST) {
			v = (__s64)vs->off;
		} else if (vs->kind == WM_VS_MEM && size >= 1 && size <= 8) {
			if (user_mem(&v, size, (const void *)base, sleepable))
				v = 0;
		}
		fr->args[i] = v;
	}
}

/* The C ABI's argument registers, and nr_stack eightbytes above the return address. */
static __always_inline void read_abi(struct pt_regs *ctx, struct frame *fr, struct wm_func_cfg *cfg,
				     __u64 sp, bool sleepable)
{
	__u32 nr_stack;

	fr->args[0] = PT_REGS_PARM1(ctx);
	fr->args[1] = PT_REGS_PARM2(ctx);
	fr->args[2] = PT_REGS_PARM3(ctx);
	fr->args[3] = PT_REGS_PARM4(ctx);
	fr->args[4] = PT_REGS_PARM5(ctx);
	fr->args[5] = PT_REGS_PARM6(ctx);
	nr_stack = used_stack_args ? cfg->nr_stack : 0;
	if (nr_stack) {
		/* Arguments 7 on sit above the return address. */
		if (nr_stack > WM_MAX_STACK_VALS)
			nr_stack = WM_MAX_STACK_VALS;
		if (user_mem(&fr->args[WM_MAX_ARGS], nr_stack * 8, (const void *)(sp + 8),
			     sleepable))
			nr_stack = 0;
	}
#pragma unroll
	for (int i = WM_MAX_ARGS; i < WM_MAX_VALS; i++)
		if (i - WM_MAX_ARGS >= nr_stack)
			fr->args[i] = 0;
}

static __always_inline int on_entry(struct pt_regs *ctx, bool sleepable)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_func_stats *st;
	struct wm_func_cfg *cfg;
	struct tstate *ts;
	struct frame *fr;
	__u32 id, d, top;
	__u64 sp;

	if (!traced(pid_tgid) || detaching)
		return 0;
	id = bpf_get_attach_cookie(ctx);
	cfg = bpf_map_lookup_elem(&funcs, &id);
	if (!cfg)
		return 0;
	if (HAS_FC(cfg, WM_FC_GO))
		return go_entry(ctx, id, cfg->ret_mode == WM_RET_NONE);
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		st = func_stats(id);
		if (st)
			st->dropped++;
		return 0;
	}
	if (!ts->counted) {
		ts->counted = 1;
		__sync_fetch_and_add(&nr_tstates_created, 1);
	}
	sp = PT_REGS_SP(ctx);
	d = pop_frames(ts, sp, 0, POP_AT_ENTRY, 0);
	if (d >= WM_MAX_DEPTH) {
		st = func_stats(id);
		if (st) {
			st->overflow++;
			st->dropped++;
		}
		return 0;
	}
	/* Keep the mask: clang drops it otherwise, and the verifier loses the bound. */
	barrier_var(d);
	fr = &ts->f[d & (WM_MAX_DEPTH - 1)];
	fr->sp = sp;
	fr->func_id = id;
	/*
	 * --summary-only with no expression to run: nothing of the call is
	 * read but its time, so neither are its values.
	 */
	if (summary_only && !HAS_FC(cfg, WM_FC_FILTER | WM_FC_ERROR) &&
	    !(used_ret_none && cfg->ret_mode == WM_RET_NONE)) {
		fr->filtered = 0;
		fr->sites = cfg->ret_mode == WM_RET_SITES;
		fr->heap_off = ts->heap_top;
		fr->heap_len = 0;
		ts->depth = d + 1;
		fr->entry_ns = bpf_ktime_get_ns();
		return 0;
	}
	if (HAS_FC(cfg, WM_FC_LOCS))
		read_locs(ctx, ts, fr, cfg, sleepable);
	else
		read_abi(ctx, fr, cfg, sp, sleepable);
	fr->str_trunc = 0;
	fr->filtered = 0;
	fr->sites = cfg->ret_mode == WM_RET_SITES;
#pragma unroll
	for (int i = 0; i < WM_NR_SLOTS; i++)
		fr->str_len[i] = WM_STR_NONE;
	top = ts->heap_top;
	fr->heap_off = top;
	if (HAS_FC(cfg, WM_FC_STACK)) {
		long n = -1;

		if (top <= WM_HEAP_SIZE - WM_STACK_MAX * 8)
			n = bpf_get_stack(ctx, &ts->heap[top & (WM_HEAP_SIZE - 1)],
					  WM_STACK_MAX * 8, BPF_F_USER_STACK);
		if (n > 0)
			n = stack_add_caller(ts, top, n, sp, sleepable);
		fr->str_len[0] = n >= 0 ? n : WM_STR_FAULT;
		if (n > 0)
			top += n;
	}
	top = take_caps(ts, fr, cfg, top, 0, false, sleepable);
	fr->heap_len = top - fr->heap_off;
	ts->heap_top = top;
	if (used_ret_none && cfg->ret_mode == WM_RET_NONE) {
		/*
		 * --returns=none: the record goes now, from the frame above the
		 * live ones, which is not pushed: no return will pop it.
		 */
		fr->entry_ns = bpf_ktime_get_ns();
		if (HAS_FC(cfg, WM_FC_FILTER_ENTRY) && !expr_holds(id * 2, ts, fr, cfg, 0, 0)) {
			st = func_stats(id);
			if (st)
				st->filtered++;
		} else {
			__u16 flags = WM_F_ENTRY_ONLY;

			if (HAS_FC(cfg, WM_FC_ERROR) && expr_holds(id * 2 + 1, ts, fr, cfg, 0, 0))
				flags |= WM_F_ERROR;
			emit_frame(ts, EMIT_AT(d, d), EMIT_WHAT(WM_REC_CALL, flags, 0), 0,
				   fr->entry_ns);
		}
		ts->heap_top = fr->heap_off;
		return 0;
	}
	ts->depth = d + 1;
	if (HAS_FC(cfg, WM_FC_FILTER_ENTRY) && !expr_holds(id * 2, ts, fr, cfg, 0, 0)) {
		/* Kept as a frame, so the return still matches; its captures go. */
		fr->filtered = 1;
		ts->heap_top = fr->heap_off;
		fr->heap_len = 0;
		st = func_stats(id);
		if (st)
			st->filtered++;
	}
	/* Last, so our own string copies do not count in the call's latency. */
	fr->entry_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * The thread's errno, when the result says the call failed (see enum
 * wm_errno_ret): glibc keeps it at a fixed offset from the thread pointer,
 * which is the task's fsbase. WM_F_ERRNO when one was read, else 0.
 */
static __always_inline __u16 read_errno(struct frame *fr, struct wm_func_cfg *cfg, __u64 ret,
					__u16 flags, bool sleepable)
{
	bool failed = false;
	__u64 fsbase;
	__s32 e = 0;

	if (!errno_tp_off)
		return 0;
	switch (cfg->errno_ret) {
	case WM_ERRNO_M1_32:
		failed = (__u32)ret == 0xffffffffU;
		break;
	case WM_ERRNO_M1_64:
		failed = ret == ~0ULL;
		break;
	case WM_ERRNO_NULL:
		failed = !ret;
		break;
	case WM_ERRNO_ON_ERROR:
		failed = (flags & WM_F_ERROR) && ((__u32)ret == 0xffffffffU || !ret);
		break;
	}
	if (!failed)
		return 0;
	fsbase = BPF_CORE_READ(bpf_get_current_task_btf(), thread.fsbase);
	if (!fsbase || user_mem(&e, sizeof(e), (const void *)(fsbase + errno_tp_off), sleepable) ||
	    e <= 0 || e > 0xffff)
		return 0;
	fr->uerrno = e;
	return WM_F_ERRNO;
}

/*
 * The call whose return slot is at sp ends: pop it and the frames it
 * skipped, and emit its record. WM_F_TAIL_CALL: it ended in a jump to
 * another function, whose result it will be: no result, no captures at
 * return, and --filter / --error programs that need the result do not
 * apply (one that needs only the arguments already did, at entry).
 */
static __always_inline int end_call(struct pt_regs *ctx, __u32 id, __u64 sp, __u64 now, __u16 flags,
				    bool sleepable)
{
	struct wm_func_stats *st;
	struct wm_func_cfg *cfg;
	struct tstate *ts;
	struct frame *fr;
	__u64 ret = 0, lat;
	__u32 d, top;

	cfg = bpf_map_lookup_elem(&funcs, &id);
	if (!cfg)
		return 0;
	if (HAS_FC(cfg, WM_FC_GO))
		return go_return(ctx, id, now, flags);
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	d = pop_frames(ts, sp, now, POP_AT_RETURN, 0);
	if (d == 0) {
		ts->heap_top = 0;
		return 0;
	}
	fr = &ts->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	/* Not ours: a call entered before we attached, or one too deep to keep. */
	if (fr->sp != sp || fr->func_id != id)
		return 0;
	if (!(flags & WM_F_TAIL_CALL))
		ret = PT_REGS_RC(ctx);
	ts->depth = d - 1;
	if (fr->filtered) {
		ts->heap_top = fr->heap_off;
		return 0;
	}
	lat = now - fr->entry_ns;
	if (flags & WM_F_TAIL_CALL) {
		emit_frame(ts, EMIT_AT(d - 1, d - 1), EMIT_WHAT(WM_REC_CALL, flags, 0), 0, now);
		ts->heap_top = fr->heap_off;
		return 0;
	}
	top = take_caps(ts, fr, cfg, fr->heap_off + fr->heap_len, ret, true, sleepable);
	fr->heap_len = top - fr->heap_off;
	if (HAS_FC(cfg, WM_FC_FILTER) && !(cfg->flags & WM_FC_FILTER_ENTRY) &&
	    !expr_holds(id * 2, ts, fr, cfg, ret, lat)) {
		st = func_stats(id);
		if (st)
			st->filtered++;
	} else {
		if (HAS_FC(cfg, WM_FC_ERROR) && expr_holds(id * 2 + 1, ts, fr, cfg, ret, lat))
			flags |= WM_F_ERROR;
		flags |= read_errno(fr, cfg, ret, flags, sleepable);
		emit_frame(ts, EMIT_AT(d - 1, d - 1), EMIT_WHAT(WM_REC_CALL, flags, 0), ret, now);
	}
	ts->heap_top = fr->heap_off;
	return 0;
}

/* The uretprobe: the kernel's trampoline, reached when the call returned. */
static __always_inline int on_return(struct pt_regs *ctx, bool sleepable)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 now;

	if (!traced(pid_tgid))
		return 0;
	now = bpf_ktime_get_ns();
	/* `ret` has popped the return address that sat at the entry's sp. */
	return end_call(ctx, bpf_get_attach_cookie(ctx), PT_REGS_SP(ctx) - 8, now, 0, sleepable);
}

/* Whether the x86 condition cc (the low nibble of a Jcc opcode) holds for these flags. */
static __always_inline bool cond_holds(__u64 fl, __u32 cc)
{
	bool cf = fl & (1 << 0), pf = fl & (1 << 2), zf = fl & (1 << 6), sf = fl & (1 << 7),
	     of = fl & (1 << 11), r;

	switch (cc >> 1) {
	case 0: /* o */
		r = of;
		break;
	case 1: /* b */
		r = cf;
		break;
	case 2: /* e */
		r = zf;
		break;
	case 3: /* be */
		r = cf || zf;
		break;
	case 4: /* s */
		r = sf;
		break;
	case 5: /* p */
		r = pf;
		break;
	case 6: /* l */
		r = sf != of;
		break;
	default: /* le */
		r = zf || sf != of;
		break;
	}
	/* Odd conditions are the even ones negated: no, ae, ne, a, ns, np, ge, g. */
	return (cc & 1) ? !r : r;
}

/*
 * A register of pt_regs by the index of its 8-byte slot (r15 = 0 ... di =
 * 14). Read through a helper: the verifier refuses a computed offset into
 * the context, and a switch compiles to one.
 */
static __always_inline __u64 reg_by_index(struct pt_regs *ctx, __u32 i)
{
	__u64 v = 0;

	if (i > 14)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), (char *)ctx + i * 8);
	return v;
}

/*
 * A return site (--returns=sites): a plain uprobe on an instruction where
 * the call leaves the function, before it runs, so the return address is
 * still at (%rsp): the entry's sp is PT_REGS_SP itself. PT_REGS_IP is the
 * probed instruction's address: handle_swbp() in kernel/events/uprobes.c
 * sets the instruction pointer back to the breakpoint's address ("change
 * it in advance for ->handler() and restart") before it runs the handlers.
 */
/*
 * The C++ runtime, probed at the entries of __cxa_throw, __cxa_rethrow and
 * __cxa_begin_catch when a function with return sites is in an object that
 * throws. The unwinder leaves no trace a uprobe can see in the frames it
 * skips (their return sites never run), so: at a throw, remember the type;
 * at the catch, the handler's frame is running, and every traced frame at
 * or below the return slot of its call to __cxa_begin_catch was unwound by
 * the exception: pop them as raised. A frame popped before the catch while
 * one is live (a cleanup that calls a traced function) is raised too.
 * Why not _Unwind_RaiseException: its argument is the language-neutral
 * header, with no type; __cxa_throw gets the std::type_info itself.
 */
static __always_inline int on_cxa(struct pt_regs *ctx, __u32 kind)
{
	struct tstate *ts;
	struct wm_call *rec;
	__u64 tinfo, name = 0;
	long n;

	/* No traced call on this thread yet: no frame an exception could end. */
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	if (kind == WM_CK_CXA_RETHROW) {
		ts->exc_live = 1;
		return 0;
	}
	if (kind == WM_CK_CXA_CATCH) {
		if (ts->exc_live)
			pop_frames(ts, PT_REGS_SP(ctx), 0, POP_CATCH, 0);
		ts->exc_live = 0;
		return 0;
	}
	/* __cxa_throw(void *obj, std::type_info *tinfo, void (*dest)(void *)) */
	tinfo = PT_REGS_PARM2(ctx);
	if (bpf_probe_read_user(&name, sizeof(name), (const void *)(tinfo + 8)))
		name = 0;
	ts->exc_live = 1;
	ts->exc_name = name;
	if (summary_only || !name)
		return 0;
	rec = bpf_ringbuf_reserve(&rb, sizeof(*rec) + WM_EXC_NAME_MAX, 0);
	if (!rec)
		return 0;
	__builtin_memset(rec, 0, sizeof(*rec));
	n = bpf_probe_read_user_str(rec->data, WM_EXC_NAME_MAX, (const void *)name);
	/* Without its NUL: slot bytes are sent bare. */
	n = n > 0 ? n - 1 : 0;
	rec->kind = WM_REC_EXC_TYPE;
	rec->ret = name;
	rec->pid = bpf_get_current_pid_tgid() >> 32;
	rec->tid = (__u32)bpf_get_current_pid_tgid();
	set_comm(rec);
	rec->data_len = n;
	rec->str_len[0] = n;
#pragma unroll
	for (int i = 1; i < WM_NR_SLOTS; i++)
		rec->str_len[i] = WM_STR_NONE;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

static __always_inline int on_site(struct pt_regs *ctx, bool sleepable)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_func_cfg *cfg;
	__u64 cookie, now, entry, target;
	__u16 flags = 0;
	__u32 id;

	if (!traced(pid_tgid))
		return 0;
	now = bpf_ktime_get_ns();
	cookie = bpf_get_attach_cookie(ctx);
	id = WM_COOKIE_ID(cookie);
	switch (WM_COOKIE_KIND(cookie)) {
	case WM_CK_RET:
		break;
	case WM_CK_TAIL_JMP:
		flags = WM_F_TAIL_CALL;
		break;
	case WM_CK_TAIL_JCC:
		if (!cond_holds(ctx->flags, WM_COOKIE_COND(cookie)))
			return 0;
		flags = WM_F_TAIL_CALL;
		break;
	case WM_CK_CXA_THROW:
	case WM_CK_CXA_RETHROW:
	case WM_CK_CXA_CATCH:
		return on_cxa(ctx, WM_COOKIE_KIND(cookie));
	case WM_CK_TAIL_JMP_REG:
		cfg = bpf_map_lookup_elem(&funcs, &id);
		if (!cfg)
			return 0;
		/* A jump inside the function (a jump table) does not end the call. */
		entry = PT_REGS_IP(ctx) - WM_COOKIE_OFF(cookie);
		target = reg_by_index(ctx, WM_COOKIE_REG(cookie));
		if (target - entry < cfg->code_size)
			return 0;
		flags = WM_F_TAIL_CALL;
		break;
	default:
		return 0;
	}
	return end_call(ctx, id, PT_REGS_SP(ctx), now, flags, sleepable);
}

SEC("uprobe.multi")
int BPF_UPROBE(wm_entry_multi)
{
	return on_entry(ctx, false);
}

SEC("uretprobe.multi")
int BPF_URETPROBE(wm_return_multi)
{
	return on_return(ctx, false);
}

/* Return sites: plain uprobes, one per return instruction (--returns=sites). */
SEC("uprobe.multi")
int BPF_UPROBE(wm_site_multi)
{
	return on_site(ctx, false);
}

/* The same programs for kernels without uprobe_multi: one link per function. */
SEC("uprobe")
int BPF_UPROBE(wm_entry_single)
{
	return on_entry(ctx, false);
}

SEC("uretprobe")
int BPF_URETPROBE(wm_return_single)
{
	return on_return(ctx, false);
}

SEC("uprobe")
int BPF_UPROBE(wm_site_single)
{
	return on_site(ctx, false);
}

/* Sleepable versions, used when the kernel can load them: see user_str(). */
SEC("uprobe.multi.s")
int BPF_UPROBE(wm_entry_multi_s)
{
	return on_entry(ctx, true);
}

SEC("uretprobe.multi.s")
int BPF_URETPROBE(wm_return_multi_s)
{
	return on_return(ctx, true);
}

SEC("uprobe.multi.s")
int BPF_UPROBE(wm_site_multi_s)
{
	return on_site(ctx, true);
}

SEC("uprobe.s")
int BPF_UPROBE(wm_entry_single_s)
{
	return on_entry(ctx, true);
}

SEC("uretprobe.s")
int BPF_URETPROBE(wm_return_single_s)
{
	return on_return(ctx, true);
}

SEC("uprobe.s")
int BPF_UPROBE(wm_site_single_s)
{
	return on_site(ctx, true);
}

/*
 * A thread that exits inside traced calls: report each call as unfinished,
 * with the signal when one killed it. The last thread out leaves the
 * process's wait status for userspace, computed as wait() would.
 *
 * The tracepoints are raw ones, not tp_btf: libbpf attaches those by name,
 * without reading the kernel's BTF, and every read through their arguments
 * is a CO-RE read already.
 */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(wm_thread_exit, struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tstate *ts;
	__u32 code;

	if (!traced(pid_tgid))
		return 0;
	/* Set by do_exit() before this tracepoint, as is the decrement of live. */
	code = BPF_CORE_READ(task, exit_code);
	if (!BPF_CORE_READ(task, signal, live.counter)) {
		__u32 status = BPF_CORE_READ(task, signal, group_exit_code), tgid = pid_tgid >> 32;

		/* Gone: its pid, reused, must not be traced. */
		if (many_tgids)
			bpf_map_delete_elem(&tgids, &tgid);
		/* No group exit (every thread left by itself): the leader's status. */
		if (!status)
			status = BPF_CORE_READ(task, group_leader, exit_code);
		if (tgid == targ_tgid) {
			targ_exit_status = status;
			targ_exit_ns = bpf_ktime_get_ns();
			__sync_fetch_and_add(&targ_exited, 1);
		}
	}
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	pop_frames(ts, 0, bpf_ktime_get_ns(), POP_ALL, code & 0x7f);
	if (!bpf_task_storage_delete(&tstates, bpf_get_current_task_btf()))
		__sync_fetch_and_add(&nr_tstates_freed, 1);
	return 0;
}

/*
 * exec replaces the image: calls in flight in it can never return. Report
 * them, then tell userspace, which says so. The probes stay: they are on
 * files, so the new image's calls into the same files are still traced.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(wm_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_call *rec;
	struct tstate *ts;
	long n;

	if (!traced(pid_tgid))
		return 0;
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (ts) {
		pop_frames(ts, 0, bpf_ktime_get_ns(), POP_EXEC, 0);
		ts->heap_top = 0;
	}
	/* Every exec on the system: not worth a note each, the probes are on objects. */
	if (all_tgids)
		return 0;
	rec = bpf_ringbuf_reserve(&rb, sizeof(*rec) + WM_EXEC_PATH_MAX, 0);
	if (!rec)
		return 0;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->entry_ns = bpf_ktime_get_ns();
	rec->pid = pid_tgid >> 32;
	rec->tid = (__u32)pid_tgid;
	rec->kind = WM_REC_EXEC;
#pragma unroll
	for (int i = 0; i < WM_NR_SLOTS; i++)
		rec->str_len[i] = WM_STR_NONE;
	/*
	 * The new image's file name, while it is known: the process may be
	 * gone by the time userspace reads /proc. Not bprm->filename, which is
	 * what the caller passed (e.g. "/proc/self/exe").
	 */
	n = bpf_probe_read_kernel_str(rec->data, WM_EXEC_PATH_MAX,
				      BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name));
	if (n > 0) {
		rec->str_len[0] = n - 1;
		rec->data_len = n - 1;
	}
	bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/*
 * --follow: a traced process's child is traced from its first instruction.
 * The tracepoint runs in the parent before the child is first woken, so no
 * call of the child's comes before its tgid is in the map. A new thread has
 * its parent's tgid, already there.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(wm_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (!follow || ptgid == ctgid || !bpf_map_lookup_elem(&tgids, &ptgid))
		return 0;
	if (bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&nr_unfollowed, 1);
	return 0;
}
