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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load; the verifier sees them as constants. */
const volatile __u32 targ_tgid = 0;
const volatile __u32 str_cap = 64;	/* --string-size */
const volatile __u32 rec_data_max = 8;	/* string bytes reserved per record */
const volatile __u64 wakeup_bytes = 1;	/* wake the consumer past this backlog */
const volatile bool summary_only = false; /* aggregate in aggs, send no call records */

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

/* --summary-only: indexed by function id; one entry unless summary_only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_func_agg);
	__uint(max_entries, 1);
} aggs SEC(".maps");

struct frame {
	__u64 sp;	/* stack pointer at entry: where the return address is */
	__u64 entry_ns;
	__u64 args[WM_MAX_ARGS];
	__u32 func_id;
	__u16 heap_off; /* this frame's strings start here in the heap */
	__u16 heap_len;
	__s16 str_len[WM_MAX_ARGS];
	__u8 str_trunc;
	__u8 pad[5];
};

/*
 * Task-local storage: created on a thread's first traced call and freed by
 * the kernel with the thread, so per-thread state never outgrows the live
 * threads. Strings live on a byte stack that grows and shrinks with the
 * frames, so nesting costs only what the nested calls really hold.
 */
struct tstate {
	__u32 depth;
	__u32 heap_top;
	__u32 counted; /* added to nr_tstates_created */
	__u32 pad;
	struct frame f[WM_MAX_DEPTH];
	char heap[WM_HEAP_SIZE];
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
__u64 nr_tstates_created = 0;
__u64 nr_tstates_freed = 0;

static __always_inline struct wm_func_stats *func_stats(__u32 id)
{
	return bpf_map_lookup_elem(&stats, &id);
}

static __always_inline void read_str(struct tstate *ts, __u32 *top, __u64 ptr, __s16 *len,
				     __u8 *trunc, int slot)
{
	/* Room for str_cap bytes, one more to see truncation, and the NUL. */
	__u32 size = str_cap + 2;
	__u32 off = *top;
	long n;

	if (!ptr) {
		*len = WM_STR_NONE;
		return;
	}
	if (off > WM_HEAP_SIZE - size) {
		/* Heap full (very deep nesting of long strings): say so. */
		*len = 0;
		*trunc |= 1 << slot;
		return;
	}
	n = bpf_probe_read_user_str(&ts->heap[off], size, (const void *)ptr);
	if (n <= 0) {
		*len = WM_STR_FAULT;
		return;
	}
	n -= 1;
	if (n > str_cap) {
		n = str_cap;
		*trunc |= 1 << slot;
	}
	*len = n;
	*top = off + n;
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
static __always_inline void aggregate(__u32 func_id, __u16 kind, __u64 lat)
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

static __always_inline void emit(struct tstate *ts, struct frame *fr, __u32 depth, __u16 kind,
				 __u16 flags, __u64 ret, __u64 now, bool ret_str)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_func_stats *st;
	struct wm_call *rec;
	__u32 len, off;
	__u64 wake;

	if (summary_only) {
		aggregate(fr->func_id, kind, kind == WM_REC_CALL ? now - fr->entry_ns : 0);
		return;
	}
	rec = bpf_ringbuf_reserve(&rb, sizeof(*rec) + rec_data_max, 0);
	if (!rec) {
		st = func_stats(fr->func_id);
		if (st)
			st->dropped++;
		return;
	}
	rec->entry_ns = fr->entry_ns;
	rec->latency_ns = kind == WM_REC_CALL ? now - fr->entry_ns : 0;
#pragma unroll
	for (int i = 0; i < WM_MAX_ARGS; i++) {
		rec->args[i] = fr->args[i];
		rec->str_len[i] = fr->str_len[i];
	}
	rec->ret = ret;
	rec->func_id = fr->func_id;
	rec->pid = pid_tgid >> 32;
	rec->tid = (__u32)pid_tgid;
	rec->kind = kind;
	rec->flags = flags;
	rec->depth = depth;
	rec->str_trunc = fr->str_trunc;
	rec->str_len[WM_RET_SLOT] = WM_STR_NONE;
	rec->pad = 0;
	rec->pad2 = 0;
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

	if (ret_str && kind == WM_REC_CALL) {
		__u32 size = str_cap + 2;
		long n;

		if (!ret) {
			/* NULL: no string */
		} else if (len > rec_data_max - size) {
			rec->str_len[WM_RET_SLOT] = 0;
			rec->str_trunc |= 1 << WM_RET_SLOT;
		} else {
			n = bpf_probe_read_user_str(rec->data + len, size, (const void *)ret);
			if (n <= 0) {
				rec->str_len[WM_RET_SLOT] = WM_STR_FAULT;
			} else {
				n -= 1;
				if (n > str_cap) {
					n = str_cap;
					rec->str_trunc |= 1 << WM_RET_SLOT;
				}
				rec->str_len[WM_RET_SLOT] = n;
				len += n;
			}
		}
	}
	rec->data_len = len;

	/*
	 * Batched wake-ups: waking the consumer on every record would cost
	 * the traced thread a cross-CPU wake-up per call. The consumer also
	 * polls on a short timer, so a quiet trace is still printed promptly.
	 */
	wake = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP :
									   BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(rec, wake);
}

/*
 * Popping frames whose return never came, one per bpf_loop() step: the
 * verifier checks the callback once instead of every unrolled iteration,
 * which keeps load time (and so start-up) short.
 */
enum pop_mode { POP_AT_ENTRY, POP_AT_RETURN, POP_ALL, POP_EXEC };

struct pop_ctx {
	struct tstate *ts;
	__u64 sp;
	__u64 now;
	__u32 d;
	__u32 mode;
};

/* Where the kernel's uretprobes return to: slot 0 of the process's XOL area. */
static __always_inline __u64 uretprobe_trampoline(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
}

static long pop_one(__u64 i, void *arg)
{
	struct pop_ctx *c = arg;
	struct tstate *ts = c->ts;
	struct frame *fr;
	__u32 d = c->d;

	if (d == 0 || d > WM_MAX_DEPTH)
		return 1;
	fr = &ts->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	if (c->mode == POP_AT_ENTRY) {
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
	emit(ts, fr, d - 1, WM_REC_UNFINISHED,
	     c->mode == POP_ALL	 ? WM_F_THREAD_EXIT :
	     c->mode == POP_EXEC ? WM_F_EXEC :
				   WM_F_ABANDONED,
	     0, c->now, false);
	ts->heap_top = fr->heap_off;
	c->d = d - 1;
	return 0;
}

static __always_inline __u32 pop_frames(struct tstate *ts, __u64 sp, __u64 now,
					 enum pop_mode mode)
{
	struct pop_ctx c = { .ts = ts, .sp = sp, .now = now, .d = ts->depth, .mode = mode };
	__u32 d = c.d;

	if (d == 0)
		return 0;
	/* The common case, every frame alive, without the cost of a loop. */
	if ((mode == POP_AT_ENTRY || mode == POP_AT_RETURN) && d <= WM_MAX_DEPTH) {
		barrier_var(d);
		__u64 top_sp = ts->f[(d - 1) & (WM_MAX_DEPTH - 1)].sp;

		if (top_sp > sp || (mode == POP_AT_RETURN && top_sp == sp))
			return d;
	}
	bpf_loop(WM_MAX_DEPTH, pop_one, &c, 0);
	ts->depth = c.d;
	return c.d;
}

static __always_inline int on_entry(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_func_stats *st;
	struct wm_func_cfg *cfg;
	struct tstate *ts;
	struct frame *fr;
	__u32 id, d, top;
	__u64 sp;

	if ((pid_tgid >> 32) != targ_tgid)
		return 0;
	id = bpf_get_attach_cookie(ctx);
	cfg = bpf_map_lookup_elem(&funcs, &id);
	if (!cfg)
		return 0;
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
	d = pop_frames(ts, sp, 0, POP_AT_ENTRY);
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
	fr->args[0] = PT_REGS_PARM1(ctx);
	fr->args[1] = PT_REGS_PARM2(ctx);
	fr->args[2] = PT_REGS_PARM3(ctx);
	fr->args[3] = PT_REGS_PARM4(ctx);
	fr->args[4] = PT_REGS_PARM5(ctx);
	fr->args[5] = PT_REGS_PARM6(ctx);
	fr->str_trunc = 0;
	top = ts->heap_top;
	fr->heap_off = top;
#pragma unroll
	for (int i = 0; i < WM_MAX_ARGS; i++) {
		if (cfg->str_mask & (1 << i))
			read_str(ts, &top, fr->args[i], &fr->str_len[i], &fr->str_trunc, i);
		else
			fr->str_len[i] = WM_STR_NONE;
	}
	fr->heap_len = top - fr->heap_off;
	ts->heap_top = top;
	ts->depth = d + 1;
	/* Last, so our own string copies do not count in the call's latency. */
	fr->entry_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_return(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_func_cfg *cfg;
	struct tstate *ts;
	struct frame *fr;
	__u64 now, sp;
	__u32 id, d;

	if ((pid_tgid >> 32) != targ_tgid)
		return 0;
	now = bpf_ktime_get_ns();
	id = bpf_get_attach_cookie(ctx);
	cfg = bpf_map_lookup_elem(&funcs, &id);
	if (!cfg)
		return 0;
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	/* `ret` has popped the return address that sat at the entry's sp. */
	sp = PT_REGS_SP(ctx) - 8;
	d = pop_frames(ts, sp, now, POP_AT_RETURN);
	if (d == 0) {
		ts->heap_top = 0;
		return 0;
	}
	fr = &ts->f[(d - 1) & (WM_MAX_DEPTH - 1)];
	/* Not ours: a call entered before we attached, or one too deep to keep. */
	if (fr->sp != sp || fr->func_id != id)
		return 0;
	emit(ts, fr, d - 1, WM_REC_CALL, 0, PT_REGS_RC(ctx), now,
	     cfg->str_mask & (1 << WM_RET_SLOT));
	ts->depth = d - 1;
	ts->heap_top = fr->heap_off;
	return 0;
}

SEC("uprobe.multi")
int BPF_UPROBE(wm_entry_multi)
{
	return on_entry(ctx);
}

SEC("uretprobe.multi")
int BPF_URETPROBE(wm_return_multi)
{
	return on_return(ctx);
}

/* The same programs for kernels without uprobe_multi: one link per function. */
SEC("uprobe")
int BPF_UPROBE(wm_entry_single)
{
	return on_entry(ctx);
}

SEC("uretprobe")
int BPF_URETPROBE(wm_return_single)
{
	return on_return(ctx);
}

/* A thread that exits inside traced calls: report each call as unfinished. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(wm_thread_exit, struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tstate *ts;

	if ((pid_tgid >> 32) != targ_tgid)
		return 0;
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	pop_frames(ts, 0, bpf_ktime_get_ns(), POP_ALL);
	if (!bpf_task_storage_delete(&tstates, bpf_get_current_task_btf()))
		__sync_fetch_and_add(&nr_tstates_freed, 1);
	return 0;
}

/*
 * exec replaces the image: calls in flight in it can never return. Report
 * them, then tell userspace, which says so. The probes stay: they are on
 * files, so the new image's calls into the same files are still traced.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(wm_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct wm_call *rec;
	struct tstate *ts;
	long n;

	if ((pid_tgid >> 32) != targ_tgid)
		return 0;
	ts = bpf_task_storage_get(&tstates, bpf_get_current_task_btf(), 0, 0);
	if (ts) {
		pop_frames(ts, 0, bpf_ktime_get_ns(), POP_EXEC);
		ts->heap_top = 0;
	}
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
