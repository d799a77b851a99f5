// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python calls on CPython. 3.11+ run Python-to-Python calls inside one C
 * frame, so no C function marks a call: an entry is the RESUME opcode's
 * handler (every call runs it), an end the function that clears a frame
 * (every return and every unwind). Both fire for every Python call of the
 * process, so the work for a call nobody traces is one map lookup: the
 * decision taken once per code object (map "codes"), checked against the
 * object it was made for since freed code objects' addresses come back.
 * A code object seen for the first time is sent to userspace, which
 * matches its module and qualname against -f and writes the answer; the
 * calls of that moment are kept and sent as pending, for userspace to
 * attribute, so the first call of a matching function is recorded.
 * 3.10 makes one _PyEval_EvalFrameDefault call per Python call: entered at
 * its first byte, ended at its ret instructions, paired by the stack pointer.
 */
/*
 * No CO-RE: the only kernel type read is x86-64's struct pt_regs, whose
 * layout is the ABI's. Without relocations libbpf need not parse the
 * kernel's BTF (several MiB) at each load.
 */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "wrapmon_py.h"
#define PYV_TYPE_CACHE /* values of built-in types: their type read once */
#include "pyvalue.bpf.h"
#include "ringwake.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 targ_tgid = 0;
const volatile struct wm_py_offsets off = {};
const volatile __u64 wakeup_bytes = 1; /* wake the consumer past this backlog */
/* What a call's record takes of the ring: its size and header, rounded to 8. */
#define PY_REC_SPAN RINGWAKE_SPAN(WM_PY_NEST_AT + sizeof(struct wm_py_nest))
const volatile bool values_on = false; /* snapshots of the values (py_layout set) */
const volatile bool stack_on = false;  /* --stack: each call's Python call chain */
/*
 * The interpreter's object layout for pyv_snap(). Not in .rodata: its
 * global function takes it as memory it could write.
 */
struct wm_py_layout py_layout = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} py_rb SEC(".maps");

/* Code object address -> what to do with its calls. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, struct wm_py_decision);
	__uint(max_entries, 65536);
} codes SEC(".maps");

#define VALUES_AREA WM_PY_VALUES_AREA
_Static_assert(WM_PY_ARGS_DATA + WM_PYV_MAX <= VALUES_AREA, "the result fits after the parameters");

/* Calls in flight, by thread and frame. A call's snapshots make it big: 4096 at most. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct wm_py_call_key);
	__type(value, struct wm_py_call);
	__uint(max_entries, 4096);
} calls SEC(".maps");

/* Where an entry is made before it goes into calls: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_py_call);
	__uint(max_entries, 1);
} scratch SEC(".maps");

/*
 * Debian's 3.11: where _PyEval_EvalFrameDefault was entered from C. The
 * stack pointer alone is not enough: greenlets copy their C stacks back to
 * the same addresses, so two greenlets' entries share one; each has its own
 * frame data stack, whose top is the same at the entry and at the ret (the
 * frame was pushed before, and is popped after).
 */
struct entry_key {
	__u32 tid;
	__u32 pad;
	__u64 sp;
	__u64 stack_top;
};

/* Debian's 3.11: its entry from C -> the frame it runs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct entry_key);
	__type(value, __u64);
	__uint(max_entries, 4096);
} entry_frames SEC(".maps");

/*
 * The -f names' parts (wrapmon_py.h), set by userspace after load;
 * nr_sels of them, 0 when every code object is asked about (a name with
 * neither part plain, --stack, which names every frame from the notices,
 * or 3.10). sel_heads, sel_tails: some name's head, tail is plain.
 */
const volatile __u32 nr_sels = 0;
const volatile bool sel_heads = false;
const volatile bool sel_tails = false;
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct wm_py_sel);
	__uint(max_entries, WM_PY_SELS_MAX);
} sels SEC(".maps");

/* Counters for -v and the tests: notices sent, code objects decided here, records lost. */
__u64 nr_notices = 0;
__u64 nr_sel_ignored = 0;
__u64 nr_dropped = 0; /* notices, and calls of functions not decided yet */
/*
 * Calls of traced function func_base + i the ring had no room for: the
 * summary's DROPPED, by function, as for native calls.
 */
const volatile __u32 func_base = 0;
__u64 func_dropped[WM_PY_FUNCS_MAX] = {};
/*
 * Entries of "calls", all threads together: with none, an end has nothing
 * to look up, and every untraced call's end returns on this one load.
 * Only a filter: an entry the LRU forgot leaves it high, never low.
 */
__u64 nr_in_calls = 0;
/* Calls lost by why (enum wm_py_lost): the trace's end says so, never silent. */
__u64 nr_lost[WM_PY_LOST_NR] = {};

static __always_inline void count_lost(__u32 why)
{
	if (why < WM_PY_LOST_NR)
		__sync_fetch_and_add(&nr_lost[why], 1);
}

/*
 * Register r (the slot order of struct pt_regs) of the probed thread: the
 * verifier refuses a read of ctx at a computed offset, and a copy through
 * a helper costs every Python call of the process; a load each case.
 */
static __always_inline __u64 reg_at(struct pt_regs *ctx, __u32 r)
{
	__u64 v = 0;

	/* Each load kept apart: merged, they would be one at a computed offset. */
	switch (r) {
	case 0:
		v = ctx->r15;
		barrier_var(v);
		break;
	case 1:
		v = ctx->r14;
		barrier_var(v);
		break;
	case 2:
		v = ctx->r13;
		barrier_var(v);
		break;
	case 3:
		v = ctx->r12;
		barrier_var(v);
		break;
	case 4:
		v = ctx->bp;
		barrier_var(v);
		break;
	case 5:
		v = ctx->bx;
		barrier_var(v);
		break;
	case 6:
		v = ctx->r11;
		barrier_var(v);
		break;
	case 7:
		v = ctx->r10;
		barrier_var(v);
		break;
	case 8:
		v = ctx->r9;
		barrier_var(v);
		break;
	case 9:
		v = ctx->r8;
		barrier_var(v);
		break;
	case 10:
		v = ctx->ax;
		barrier_var(v);
		break;
	case 11:
		v = ctx->cx;
		barrier_var(v);
		break;
	case 12:
		v = ctx->dx;
		barrier_var(v);
		break;
	case 13:
		v = ctx->si;
		barrier_var(v);
		break;
	case 14:
		v = ctx->di;
		barrier_var(v);
		break;
	}
	return v;
}

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	if (addr)
		bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u32 read_u32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/*
 * A str object's characters, as stored (ASCII, Latin-1, UCS-2 or UCS-4).
 * A global function, as read_pname(): send_notice() reads a dozen names.
 */
__noinline int read_name(struct wm_py_name *n, __u64 str)
{
	__u32 state = 0, kind, bytes;
	__u64 data;
	__s64 len = 0;

	if (!n)
		return 0;
	n->len = -1;
	if (!str || bpf_probe_read_user(&state, sizeof(state), (void *)(str + 32)) ||
	    bpf_probe_read_user(&len, sizeof(len), (void *)(str + 16)))
		return 0;
	kind = (state >> 2) & 7;
	/* Not compact (a legacy string): its characters are elsewhere; not worth it here. */
	if (!(state & (1 << 5)) || (kind != 1 && kind != 2 && kind != 4) || len < 0)
		return 0;
	n->kind = kind;
	n->ascii = (state >> 6) & 1;
	bytes = len > WM_PY_NAME_MAX ? WM_PY_NAME_MAX : (__u32)len * kind;
	if (bytes > WM_PY_NAME_MAX)
		bytes = WM_PY_NAME_MAX;
	data = str + (n->ascii ? off.str_ascii : off.str_compact);
	/*
	 * A read of fixed size (the verifier loses a computed one's bound);
	 * one that runs into an unmapped page is tried again, up to a NUL.
	 */
	if (!bpf_probe_read_user(n->s, WM_PY_NAME_MAX, (void *)data))
		n->len = bytes;
	else if (bpf_probe_read_user_str(n->s, WM_PY_NAME_MAX, (void *)data) > 0)
		n->len = bytes;
	return 0;
}

__noinline int read_pname(struct wm_py_pname *p, __u64 str)
{
	__u32 state = 0;
	long n;

	if (!p)
		return 0;
	p->len = -1;
	if (!str || bpf_probe_read_user(&state, sizeof(state), (void *)(str + 32)) ||
	    !(state & (1 << 6)) || !(state & (1 << 5)))
		return 0;
	n = bpf_probe_read_user_str(p->s, sizeof(p->s), (void *)(str + off.str_ascii));
	if (n > 0)
		p->len = n - 1;
	return 0;
}

/* Entries of a 3.10 globals dict looked through for "__name__" (it comes first in a module's). */
#define DICT_SCAN 16

/*
 * A 3.10 dict entry {hash, key, value} at addr: its value's name into n
 * when its key is "__name__" (1), 0 when not, -1 unreadable. A global
 * function: module_of_globals() checks its entries with one walk.
 */
__noinline int name_entry(struct wm_py_name *n, __u64 addr)
{
	__u64 ent[3], key[2];
	__u32 state;

	if (!n || bpf_probe_read_user(ent, sizeof(ent), (void *)addr))
		return -1;
	if (!ent[1] || bpf_probe_read_user(&state, 4, (void *)(ent[1] + 32)) ||
	    bpf_probe_read_user(key, sizeof(key), (void *)(ent[1] + 16)) || key[0] != 8 ||
	    (state & 0x60) != 0x60)
		return 0;
	if (bpf_probe_read_user(key, 8, (void *)(ent[1] + off.str_ascii)) ||
	    key[0] != 0x5f5f656d616e5f5fULL /* "__name__" */)
		return 0;
	read_name(n, ent[2]);
	return 1;
}

/*
 * 3.10's frames have no function: the module is the globals' __name__,
 * read here while the dict surely lives (an exec'd namespace may not
 * outlive the call). 3.10's dict: ma_keys at +32; the keys' size at +8,
 * indices at +40, 1, 2, 4 or 8 bytes each as the size needs, then the
 * entries {hash, key, value}.
 */
static __always_inline void module_of_globals(struct wm_py_name *n, __u64 globals)
{
	__u64 keys = read_ptr(globals + 32), size, ix;

	if (!keys || bpf_probe_read_user(&size, sizeof(size), (void *)(keys + 8)))
		return;
	ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffULL ? 4 : 8;
	for (int i = 0; i < DICT_SCAN; i++) {
		if (name_entry(n, keys + 40 + size * ix + 24 * i))
			return;
	}
}

/*
 * The same for 3.11+'s dicts: ma_keys at +32; the keys' dk_log2_index_bytes
 * at +9 and dk_kind at +10, indices at +32, then the entries, {key, value}
 * where every key is a str (a module's namespace), else {hash, key, value}.
 * "__name__" is a module's first name.
 */
static __always_inline __u64 globals_name_311(__u64 globals)
{
	__u64 keys = globals ? read_ptr(globals + 32) : 0, ent[3], key;
	__u8 hdr[2];

	if (!keys || bpf_probe_read_user(hdr, sizeof(hdr), (void *)(keys + 9)) || hdr[0] > 40 ||
	    bpf_probe_read_user(ent, sizeof(ent), (void *)(keys + 32 + (1ULL << hdr[0]))))
		return 0;
	/* Unicode keys: {key, value}; general: {hash, key, value}. */
	if (!hdr[1]) {
		ent[0] = ent[1];
		ent[1] = ent[2];
	}
	if (!ent[0] || bpf_probe_read_user(&key, 8, (void *)(ent[0] + 16)) || key != 8 ||
	    bpf_probe_read_user(&key, 8, (void *)(ent[0] + off.str_ascii)) ||
	    key != 0x5f5f656d616e5f5fULL /* "__name__" */)
		return 0;
	return ent[1];
}

static __always_inline void module_of_globals_311(struct wm_py_name *n, __u64 globals)
{
	read_name(n, globals_name_311(globals));
}

/*
 * 3.11+: the str naming the module of the code frame runs (the function's
 * __module__; for a module's top-level code on 3.11, its globals'
 * __name__), as send_notice() reads it; 0: none.
 */
static __always_inline __u64 module_str(__u64 frame)
{
	__u64 func, str;

	if (off.frame_func == 0xffff)
		return 0;
	func = read_ptr(frame + off.frame_func);
	str = func ? read_ptr(func + off.func_module) : 0;
	if (!str && off.frame_globals)
		str = globals_name_311(read_ptr(frame + off.frame_globals));
	return str;
}

/* A global function: its locals stay out of on_entry()'s stack frame. */
__noinline int send_notice(__u64 code, __u64 frame, __u64 qualname, __u64 ident, __u32 line)
{
	struct wm_py_notice *n;
	__u64 names, func, str;

	n = bpf_ringbuf_reserve(&py_rb, sizeof(*n), 0);
	if (!n) {
		__sync_fetch_and_add(&nr_dropped, 1);
		return -1;
	}
	n->tag = WM_PY_NOTICE_TAG;
	n->pad = 0;
	n->tid = (__u32)bpf_get_current_pid_tgid();
	n->code = code;
	n->qualname_ptr = ident;
	n->firstlineno = line;
	n->argcount = read_u32(code + off.code_argcount);
	n->kwonly = read_u32(code + off.code_kwonly);
	n->flags = read_u32(code + off.code_flags);
	read_name(&n->qualname, qualname);
	read_name(&n->filename, read_ptr(code + off.code_filename));
	n->module.len = -1;
	n->globals = 0;
	if (off.frame_func == 0xffff) {
		n->globals = read_ptr(frame + off.frame_globals);
		module_of_globals(&n->module, n->globals);
	} else {
		func = read_ptr(frame + off.frame_func);
		str = func ? read_ptr(func + off.func_module) : 0;
		read_name(&n->module, str);
		/* 3.11 runs a module's top-level code in a function whose module is NULL. */
		if (n->module.len < 0 && off.frame_globals)
			module_of_globals_311(&n->module, read_ptr(frame + off.frame_globals));
	}
	names = read_ptr(code + off.code_names);
	for (int i = 0; i < WM_PY_MAX_PARAMS + 2; i++)
		read_pname(&n->params[i], names ? read_ptr(names + 24 + 8 * i) : 0);
	__sync_fetch_and_add(&nr_notices, 1);
	/* At once: the calls of the code object wait for the answer as pending. */
	bpf_ringbuf_submit(n, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/*
 * A name's characters, read for part_hash(): off the stack, which is at
 * its limit here. gen: its uses so far, so that one whose thread was
 * preempted mid-walk by another's on the same CPU (a preemptible kernel)
 * sees the buffer was taken, and tells nothing.
 */
struct name_buf {
	__u8 s[WM_PY_NAME_MAX];
	__u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct name_buf);
	__uint(max_entries, 1);
} name_bufs SEC(".maps");

/* A name's part being hashed, one character a bpf_loop() step (wrapmon_py.h). */
struct part_walk {
	struct name_buf *buf;
	__u64 h;
	__u32 bytes;
	__u32 kind;
	int part;
	int dot;
};

static long part_step(__u64 i, void *ctx)
{
	struct part_walk *w = ctx;
	__u32 pos = (__u32)i * w->kind;

	if (pos >= w->bytes)
		return 1;
	return wm_py_part_add(&w->h, wm_py_name_cp(w->buf->s, pos, w->kind), w->part, &w->dot);
}

/*
 * The hash of part of the str at str (wrapmon_py.h) into *out, or
 * WM_PY_HASH_ANY when it cannot be told: not a compact str; a tail of a
 * name longer than WM_PY_NAME_MAX bytes (userspace matches a name cut
 * there, whose end is not its tail), or a head with no '.' in its first
 * WM_PY_NAME_MAX; the buffer taken meanwhile. A global function: verified
 * once for both parts.
 */
__noinline int part_hash(__u64 str, __u32 part, __u64 *out)
{
	struct part_walk w = { .h = WM_PY_HASH_SEED, .part = part };
	__u32 state = 0, kind, bytes, zero = 0;
	bool cut = false;
	__s64 len = 0;
	__u64 data, gen;

	if (!out)
		return 0;
	*out = WM_PY_HASH_ANY;
	w.buf = bpf_map_lookup_elem(&name_bufs, &zero);
	if (!w.buf)
		return 0;
	gen = __sync_fetch_and_add(&w.buf->gen, 1) + 1;
	if (!str || bpf_probe_read_user(&state, sizeof(state), (void *)(str + 32)) ||
	    bpf_probe_read_user(&len, sizeof(len), (void *)(str + 16)))
		return 0;
	kind = (state >> 2) & 7;
	if (!(state & (1 << 5)) || (kind != 1 && kind != 2 && kind != 4) || len < 0 ||
	    len > (1 << 20))
		return 0;
	bytes = (__u32)len * kind;
	data = str + ((state >> 6) & 1 ? off.str_ascii : off.str_compact);
	if (bytes > WM_PY_NAME_MAX) {
		if (part == WM_PY_PART_TAIL)
			return 0;
		/* A head is at the start: the first WM_PY_NAME_MAX bytes (whole characters). */
		bytes = WM_PY_NAME_MAX;
		cut = true;
	}
	if (bytes == WM_PY_NAME_MAX) {
		if (bpf_probe_read_user(w.buf->s, WM_PY_NAME_MAX, (void *)data))
			return 0;
	} else {
		__u32 n = bytes;

		/* Masked where the verifier sees it (the compiler knows n < the window). */
		barrier_var(n);
		if (bpf_probe_read_user(w.buf->s, n & (WM_PY_NAME_MAX - 1), (void *)data))
			return 0;
	}
	w.bytes = bytes;
	w.kind = kind;
	bpf_loop(WM_PY_NAME_MAX, part_step, &w, 0);
	if ((!cut || w.dot) && *(volatile __u64 *)&w.buf->gen == gen)
		*out = wm_py_hash_end(w.h);
	return 0;
}

/*
 * Could a -f name match the code object whose qualname is the str at qual,
 * of the module named by the str at mod? 1 when some name's head and tail
 * (each a wildcard, or not told) agree with its; 0 when none can. A global
 * function: the sels loop stays off new_code()'s stack.
 */
__noinline int may_match(__u64 qual, __u64 mod)
{
	__u64 tail = WM_PY_HASH_ANY, head = WM_PY_HASH_ANY;

	if (sel_tails)
		part_hash(qual, WM_PY_PART_TAIL, &tail);
	if (sel_heads)
		part_hash(mod, WM_PY_PART_HEAD, &head);
	for (__u32 i = 0; i < WM_PY_SELS_MAX && i < nr_sels; i++) {
		/* A key of its own: i passed by address would be lost to the verifier. */
		__u32 key = i;
		struct wm_py_sel *s = bpf_map_lookup_elem(&sels, &key);

		if (!s)
			return 1;
		if ((s->head == WM_PY_HASH_ANY || head == WM_PY_HASH_ANY || s->head == head) &&
		    (s->tail == WM_PY_HASH_ANY || tail == WM_PY_HASH_ANY || s->tail == tail))
			return 1;
	}
	return 0;
}

/*
 * A code object met for the first time (or its address reused): pending
 * until userspace answers, unless its names show no -f name can match it.
 * A global function: its state stays off on_entry()'s stack.
 */
__noinline int new_code(__u64 code, __u64 frame, __u64 qualname, __u64 ident, __u32 line)
{
	struct wm_py_decision nd = {
		.qualname = ident,
		.firstlineno = line,
		.state = WM_PYS_PENDING,
		.func_id = WM_PY_PENDING,
	};

	if (nr_sels && !may_match(qualname, module_str(frame))) {
		nd.state = WM_PYS_IGNORED;
		__sync_fetch_and_add(&nr_sel_ignored, 1);
		bpf_map_update_elem(&codes, &code, &nd, BPF_ANY);
		return 0;
	}
	bpf_map_update_elem(&codes, &code, &nd, BPF_ANY);
	/* Not sent (the ring full): asked again at its next call, not pending forever. */
	if (send_notice(code, frame, qualname, ident, line))
		bpf_map_delete_elem(&codes, &code);
	return 0;
}

/*
 * Type object -> its name (tp_name), read the first time a traced call
 * shows it: userspace names types from here, so that it can name them
 * after the process has gone.
 */
struct type_name {
	char s[WM_PY_TYPE_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, struct type_name);
	__uint(max_entries, 4096);
} type_names SEC(".maps");

/*
 * The type object of the object at obj, its name kept; 0: none. A global
 * function: its name's buffer stays off take_param()'s stack, which
 * pyv_snap()'s sits below.
 */
__noinline __u64 type_of(__u64 obj)
{
	struct type_name *n;
	__u64 type = obj ? read_ptr(obj + 8) : 0, name;

	if (!type || bpf_map_lookup_elem(&type_names, &type))
		return type;
	name = read_ptr(type + 24);
	if (!name)
		return type;
	bpf_map_update_elem(&type_names, &type, &(struct type_name){}, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&type_names, &type);
	if (n)
		bpf_probe_read_user_str(n->s, sizeof(n->s), (void *)name);
	return type;
}

/*
 * The code object's firstlineno and qualname, which tell it from another
 * at the same address: one read when they are close (they are: 3.11+).
 */
static __always_inline int code_id(__u64 code, __u64 *qualname, __u64 *ident, __u32 *line)
{
	__u8 buf[80];
	__u32 lo = off.code_firstlineno, qn = off.code_qualname, fn = off.code_filename;
	__u64 file;

	if (qn > lo && fn > lo && fn < qn && qn - lo <= sizeof(buf) - 8) {
		if (bpf_probe_read_user(buf, qn - lo + 8, (void *)(code + lo)))
			return -1;
		__builtin_memcpy(line, buf, 4);
		__builtin_memcpy(qualname, buf + (qn - lo), 8);
		__builtin_memcpy(&file, buf + (fn - lo), 8);
	} else {
		*qualname = read_ptr(code + qn);
		*line = read_u32(code + lo);
		file = read_ptr(code + fn);
	}
	/*
	 * Interned names are shared: every module's top-level code is
	 * "<module>" at line 1, so its file tells one reusing a freed one's
	 * address apart (site.py's, freed after the import, then __main__'s).
	 */
	*ident = *qualname ^ (file * 0x9e3779b97f4a7c15ULL);
	return 0;
}

/* Cells of a 3.10 code object looked at for a parameter a closure captured. */
#define CELL_SCAN 4

/*
 * 3.10 empties a parameter's local when a closure captures it: its value
 * is in the cell that co_cell2arg maps to it, after the locals.
 */
static __always_inline __u64 arg_cell(__u64 frame, __u64 code, __u32 i)
{
	__u64 map = read_ptr(code + off.code_cell2arg), cells = read_ptr(code + off.code_cellvars);
	__s64 n = cells ? (__s64)read_ptr(cells + 16) : 0, arg;
	__u32 nlocals = read_u32(code + off.code_nlocals);

	for (int j = 0; j < CELL_SCAN && map; j++) {
		if (j >= n || bpf_probe_read_user(&arg, sizeof(arg), (void *)(map + 8 * j)))
			break;
		if (arg == i)
			return read_ptr(
				read_ptr(frame + off.frame_locals + 8 * ((__u64)nlocals + j)) + 16);
	}
	return 0;
}

/*
 * A value's snapshot into c->data at pos, room bytes at most: its length;
 * *type the type object it read (0 where it had no room: only the
 * snapshots name types then). pyv_snap()'s walk is in global functions,
 * verified once.
 */
static __always_inline __u32 snap_value(struct wm_py_call *c, __u32 pos, __u32 room, __u64 obj,
					__u64 *type)
{
	__u32 at = pos, n;

	*type = 0;
	if (!c || pos > WM_PY_ARGS_DATA || room > WM_PYV_MAX)
		return 0;
	/* Masked where the verifier sees it: the compiler would drop a mask it can prove. */
	barrier_var(at);
	at &= VALUES_AREA - 1;
	n = pyv_snap(&py_layout, obj, &c->data[at], room, false) & (2 * WM_PYV_MAX - 1);
	*type = *(__u64 *)&c->data[at + PYV_TOP_TYPE_OFF];
	return n;
}

/*
 * Calls in flight of each thread (traced or undecided): with none, a call
 * has no traced caller and the walk up its callers is skipped, which is
 * most of a traced call's cost outside nested ones. Only a filter: a call
 * the LRU forgot leaves it high, never low.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} in_flight SEC(".maps");

static __always_inline __u32 *in_flight_of(bool create)
{
	return bpf_task_storage_get(&in_flight, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * The thread's calls in flight, and one more: global functions, as
 * forget(), to keep their state off on_entry()'s stack.
 */
__noinline int nr_in_flight(void)
{
	__u32 *n = in_flight_of(false);

	return n ? *n : 0;
}

__noinline int one_more_in_flight(void)
{
	__u32 *n = in_flight_of(true);

	if (n)
		(*n)++;
	return 0;
}

/*
 * A call of function id (decided at its entry or since; else
 * WM_PY_PENDING, and only the total knows it) the ring had no room for.
 * A global function: on_exit()'s paths are many enough.
 */
__noinline int count_dropped(__u32 id)
{
	__u32 i = id - func_base;

	if (id != WM_PY_PENDING && i < WM_PY_FUNCS_MAX) {
		/* Masked where the verifier sees it (the compiler knows the bound). */
		barrier_var(i);
		__sync_fetch_and_add(&func_dropped[i & (WM_PY_FUNCS_MAX - 1)], 1);
	} else
		__sync_fetch_and_add(&nr_dropped, 1);
	return 0;
}

/*
 * A call in flight that will never be recorded: lost, unless its code
 * object was decided not traced. A global function, as forget().
 */
__noinline int lost_call(struct wm_py_call *c)
{
	struct wm_py_decision *d;

	if (!c)
		return 0;
	if (c->func_id == WM_PY_PENDING) {
		d = bpf_map_lookup_elem(&codes, &c->code);
		if (d && d->qualname == c->qualname && d->state == WM_PYS_IGNORED)
			return 0;
	}
	count_lost(WM_PY_LOST_NO_END);
	return 0;
}

/*
 * A call leaves "calls": the thread has one fewer in flight. A global
 * function: the callers' stacks, with pyv_snap()'s below them, are at the
 * limit.
 */
__noinline int forget(__u32 tid, __u64 frame)
{
	struct wm_py_call_key key = { .tid = tid, .frame = frame };
	__u32 *n;

	if (bpf_map_delete_elem(&calls, &key))
		return 0;
	__sync_fetch_and_add(&nr_in_calls, -1);
	n = in_flight_of(false);
	if (n && *n)
		(*n)--;
	return 0;
}

/* Callers looked through for the enclosing traced call. */
#define PARENT_WALK 16

/*
 * One caller of find_parent()'s walk, the frame of a call maybe in
 * flight: 1 when the walk stops there. A global function, its counts in
 * c: checked once, not once per step and per way the steps before went.
 */
__noinline int parent_step(struct wm_py_call *c, __u32 tid, __u64 frame)
{
	struct wm_py_call_key key = { .tid = tid, .frame = frame };
	struct wm_py_decision *d;
	volatile struct wm_py_nest *v;
	struct wm_py_call *p;
	__u32 na, n;
	bool traced;

	if (!c)
		return 1;
	v = &c->nest;
	p = bpf_map_lookup_elem(&calls, &key);
	if (!p)
		return 0;
	traced = p->func_id != WM_PY_PENDING;
	if (!traced) {
		d = bpf_map_lookup_elem(&codes, &p->code);
		if (d && d->qualname == p->qualname && d->state == WM_PYS_IGNORED)
			return 0;
		traced = d && d->qualname == p->qualname && d->state == WM_PYS_TRACED;
	}
	na = v->nr_anc;
	if (na >= WM_PY_ANC)
		return 1;
	c->nest.anc[na].entry_ns = p->entry_ns;
	c->nest.anc[na].code = p->code;
	c->nest.anc[na].qualname = p->qualname;
	v->nr_anc = na + 1;
	if (!traced) {
		c->sure = 0;
		return 0;
	}
	n = v->nr_traced + 1;
	v->nr_traced = n;
	if (n == 1)
		c->parent_entry_ns = p->entry_ns;
	if (p->sure) {
		v->base = p->depth;
		return 1;
	}
	return 0;
}

/*
 * The traced call enclosing one at frame, and its depth: from the frame's
 * own chain of callers (previous), not a per-thread stack, which a greenlet
 * switch changes under the thread; up to the first traced caller whose own
 * depth is final. A caller whose code object is not decided yet (most are
 * not traced; a parent that never comes would nest its children wrongly)
 * does not count here but makes the answer unsure: the callers are kept
 * (c->nest) for userspace, which knows the answer by the end. A global
 * function, verified once.
 */
__noinline int find_parent(struct wm_py_call *c, __u32 tid, __u64 frame)
{
	volatile struct wm_py_nest *v;
	__u32 n;

	if (!c)
		return 0;
	/*
	 * The walk's counts live in c, not in registers: the verifier would
	 * follow every combination of them through the loop.
	 */
	v = &c->nest;
	c->depth = 0;
	c->parent_entry_ns = 0;
	c->sure = 1;
	/* nr_anc, base, nr_traced and pad: one store of zeros. */
	__builtin_memset(&c->nest.nr_anc, 0, 4 * sizeof(__u32));
	if (!off.frame_previous || !frame)
		return 0;
	for (int i = 0; i < PARENT_WALK; i++) {
		frame = read_ptr(frame + off.frame_previous);
		if (!frame || parent_step(c, tid, frame))
			break;
	}
	n = v->base + v->nr_traced;
	c->depth = n < 255 ? n : 255;
	return 0;
}

/*
 * --stack: the call's callers, nearest first, as their frames' code
 * objects, instructions and functions at the entry; named in userspace.
 * A global function, verified once.
 */
__noinline int walk_stack(struct wm_py_stack *s, __u64 frame)
{
	__u8 owner = 0;

	if (!s)
		return 0;
	s->nr = 0;
	/* A shim frame (3.12+: the C stack's entry) takes a turn but no slot. */
	for (int i = 0; i < WM_PY_STACK_MAX + 4; i++) {
		__u32 n = s->nr;

		frame = read_ptr(frame + off.frame_previous);
		if (!frame || n >= WM_PY_STACK_MAX)
			break;
		/* The bound where the verifier sees it: n comes from map memory. */
		barrier_var(n);
		n &= WM_PY_STACK_MAX - 1;
		if (off.frame_owner &&
		    !bpf_probe_read_user(&owner, 1, (void *)(frame + off.frame_owner)) &&
		    owner == 3)
			continue;
		s->fr[n].code = read_ptr(frame + off.frame_code);
		s->fr[n].instr = read_ptr(frame + off.frame_instr);
		s->fr[n].func = read_ptr(frame + off.frame_func);
		s->nr = n + 1;
	}
	return 0;
}

/*
 * Parameter i of a call at its entry (its slot in c->types[i]): its
 * value's snapshot at c->data_len, or its type. A global function, and
 * the position in map memory: unrolled in on_entry(), each parameter's
 * snapshot was walked again for every position the ones before it left.
 */
__noinline int take_param(struct wm_py_call *c, __u64 frame, __u64 code, __u64 kinds, __u32 i)
{
	__u64 obj, type = 0;
	__u32 pos, n;

	if (!c || i >= WM_PY_MAX_PARAMS)
		return 0;
	obj = c->types[i];
	c->types[i] = 0;
	if ((kinds >> (8 * i)) & 0x40)
		obj = read_ptr(obj + 16); /* PyCellObject.ob_ref */
	else if (!obj && off.code_cell2arg)
		obj = arg_cell(frame, code, i);
	if (!values_on) {
		c->types[i] = type_of(obj);
		return 0;
	}
	pos = c->data_len;
	/* Never past it (each snapshot's room ends there): for the verifier. */
	if (pos > WM_PY_ARGS_DATA)
		return 0;
	n = snap_value(c, pos,
		       WM_PY_ARGS_DATA - pos < WM_PYV_MAX ? WM_PY_ARGS_DATA - pos : WM_PYV_MAX, obj,
		       &type);
	c->types[i] = type;
	c->str_len[i] = n;
	c->data_len = pos + n;
	return 0;
}

/*
 * A call starts: frame is the _PyInterpreterFrame (3.10: the PyFrameObject).
 * A global function, verified once for all the hooks that call it.
 */
__noinline int on_entry(__u64 frame, __u64 keyval, __u64 tstate)
{
	struct wm_py_call_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .frame = keyval };
	struct wm_py_decision *d;
	__u64 code, qualname = 0, ident = 0, kinds = 0;
	__u32 line = 0, nparams = 0, func_id, zero = 0;
	struct wm_py_call *c, *old;
	bool nested;
	__u64 kp;

	code = read_ptr(frame + off.frame_code);
	if (!code || code_id(code, &qualname, &ident, &line)) {
		count_lost(WM_PY_LOST_UNREAD);
		return 0;
	}
	/* The one lookup an untraced call pays, its object checked by the read above. */
	d = bpf_map_lookup_elem(&codes, &code);
	if (d && d->qualname == ident && d->firstlineno == line) {
		if (d->state == WM_PYS_IGNORED)
			return 0;
		/* Still pending: keep what a traced call would need. */
		nparams = d->state == WM_PYS_TRACED ? d->nr_params : WM_PY_MAX_PARAMS;
		func_id = d->state == WM_PYS_TRACED ? d->func_id : WM_PY_PENDING;
		if (d->state != WM_PYS_TRACED)
			d = NULL;
	} else {
		d = NULL;
		new_code(code, frame, qualname, ident, line);
		nparams = WM_PY_MAX_PARAMS;
		func_id = WM_PY_PENDING;
	}
	/*
	 * 3.13's RESUME_CHECK falling back to RESUME, 3.12's RESUME again after
	 * instrumenting: one call. An entry of another code object at this
	 * frame is one whose end was missed: it gives way.
	 */
	old = bpf_map_lookup_elem(&calls, &key);
	if (old && old->code == code)
		return 0;
	/* Its end was missed: it will never be recorded. */
	if (old)
		lost_call(old);
	c = bpf_map_lookup_elem(&scratch, &zero);
	if (!c)
		return 0;
	c->entry_ns = bpf_ktime_get_ns();
	c->code = code;
	c->qualname = ident;
	c->frame = frame;
	c->tstate = tstate;
	c->func_id = func_id;
	/* 3.10 keys calls by stack pointer: no frame of a caller finds its call. */
	/* None in flight anywhere: none in this thread, and no look at its storage. */
	nested = keyval == frame && *(volatile __u64 *)&nr_in_calls && nr_in_flight();
	find_parent(c, key.tid, nested ? frame : 0);
	if (stack_on) {
		c->stack.nr = 0;
		if (off.frame_previous && keyval == frame)
			walk_stack(&c->stack, frame);
	}
	/*
	 * The parameters' slots in one read (into types[], made types below).
	 * A small frame at the top of a fresh data stack chunk ends before the
	 * slots read do, where the pages are not touched yet: then its own.
	 */
	if (nparams &&
	    bpf_probe_read_user(c->types, sizeof(c->types), (void *)(frame + off.frame_locals))) {
		int i;

		for (i = 0; i < WM_PY_MAX_PARAMS && i < nparams; i++)
			if (bpf_probe_read_user(&c->types[i], sizeof(c->types[i]),
						(void *)(frame + off.frame_locals + 8 * i)))
				break;
		nparams = i;
	}
	/* Parameters a closure captures are cells by now (3.11+): their kinds say which. */
	if (values_on && off.code_kinds && nparams) {
		/* A traced code object's kinds are read once (d: its decision, else NULL). */
		if (d && d->kinds_known) {
			kinds = d->kinds;
		} else if (!bpf_probe_read_user(&kp, sizeof(kp), (void *)(code + off.code_kinds)) &&
			   !bpf_probe_read_user(&kinds, sizeof(kinds),
						(void *)(kp + py_layout.bytes_data)) &&
			   d) {
			d->kinds = kinds;
			d->kinds_known = 1;
		}
	}
	/* take_param() writes from where the parameters before it stopped. */
	c->data_len = 0;
	for (int i = 0; i < WM_PY_MAX_PARAMS; i++) {
		c->str_len[i] = WM_STR_NONE;
		if (i < nparams)
			take_param(c, frame, code, kinds, i);
		else
			c->types[i] = 0;
	}
	/*
	 * The call that gave way was in flight already: counted once (unless
	 * the LRU took it meanwhile: then this one is new).
	 */
	if (old && !bpf_map_update_elem(&calls, &key, c, BPF_EXIST))
		return 0;
	/* Counted before it is there: the count is never low. */
	__sync_fetch_and_add(&nr_in_calls, 1);
	if (bpf_map_update_elem(&calls, &key, c, BPF_ANY)) {
		__sync_fetch_and_add(&nr_in_calls, -1);
		/* A traced function's; an undecided one's is most likely not traced. */
		if (func_id != WM_PY_PENDING)
			count_lost(WM_PY_LOST_NO_ROOM);
	} else {
		one_more_in_flight();
	}
	return 0;
}

/* The exception the thread state holds, as its type; 0: none. */
static __always_inline __u64 exc_type(__u64 tstate)
{
	__u64 exc;

	if (!tstate)
		return 0;
	exc = read_ptr(tstate + off.tstate_exc);
	if (!exc || off.exc_is_type)
		return exc;
	return read_ptr(exc + 8);
}

/*
 * The opcode an instrumented instruction stands for (3.12+: a tracer or
 * sys.monitoring replaced it): INSTRUMENTED_LINE keeps it in the code's
 * monitoring data per instruction, INSTRUMENTED_INSTRUCTION in another
 * table, and a line can hide an instruction.
 */
static __always_inline __u8 original_op(__u64 code, __u64 instr, __u8 op)
{
	__u64 mon, idx, table;

	if (!off.op_instr_line || (op != off.op_instr_line && op != off.op_instr_instruction))
		return op;
	mon = read_ptr(code + off.code_monitoring);
	idx = (instr - (code + off.code_adaptive)) / 2;
	if (!mon || idx > 1 << 20)
		return 0;
	if (op == off.op_instr_line) {
		table = read_ptr(mon + off.mon_lines);
		if (!table || bpf_probe_read_user(&op, 1, (void *)(table + 2 * idx)))
			return 0;
	}
	if (op == off.op_instr_instruction) {
		table = read_ptr(mon + off.mon_per_instr);
		if (!table || bpf_probe_read_user(&op, 1, (void *)(table + idx)))
			return 0;
	}
	return op;
}

/* The exception object the thread state holds (its value, for 3.11 and older). */
static __always_inline __u64 exc_value(__u64 tstate)
{
	return tstate ? read_ptr(tstate + off.tstate_exc + (off.exc_is_type ? 8 : 0)) : 0;
}

/* What an end reads of its frame: the code object it runs, where it is, its stack's top. */
struct frame_end {
	__u64 code;
	__u64 instr;
	__u64 top;
};

/*
 * The three in one read where they are close (3.11+: f_code or
 * f_executable, then prev_instr or instr_ptr, then stacktop, within 72
 * bytes); -1: not so laid out, or unreadable (read them one by one).
 */
static __always_inline int read_frame_end(__u64 frame, struct frame_end *fe)
{
	__u8 buf[72];
	__u32 lo = off.frame_code, in = off.frame_instr;

	if (off.frame_stacktop != in + 8 || lo >= in || in + 16 - lo > sizeof(buf))
		return -1;
	if (bpf_probe_read_user(buf, in + 16 - lo, (void *)(frame + lo)))
		return -1;
	__builtin_memcpy(&fe->code, buf, 8);
	__builtin_memcpy(&fe->instr, buf + (in - lo), 8);
	__builtin_memcpy(&fe->top, buf + (in - lo) + 8, 8);
	return 0;
}

/*
 * The result at a frame's clear: its last stack slot, or the constant
 * RETURN_CONST named. fe: the frame's read_frame_end(), or NULL.
 */
static __always_inline __u64 frame_result(__u64 frame, const struct frame_end *fe)
{
	__u64 hdr[2] = {}, consts, instr, code = 0;
	__u8 op[2] = {};
	__s32 top;

	if (fe) {
		hdr[0] = fe->instr;
		hdr[1] = fe->top;
		code = fe->code;
	} else if (off.frame_stacktop == off.frame_instr + 8) {
		/* The instruction pointer and stacktop are neighbours (3.11+): one read. */
		if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)(frame + off.frame_instr)))
			return 0;
	} else {
		hdr[0] = read_ptr(frame + off.frame_instr);
		hdr[1] = read_u32(frame + off.frame_stacktop);
	}
	instr = hdr[0];
	top = (__s32)hdr[1];
	if (off.minor >= 12 && instr && !bpf_probe_read_user(op, 2, (void *)instr)) {
		if (!fe)
			code = read_ptr(frame + off.frame_code);
		op[0] = original_op(code, instr, op[0]);
		if (op[0] == off.op_return_const[0] || op[0] == off.op_return_const[1]) {
			consts = read_ptr(code + off.code_consts);
			return consts ? read_ptr(consts + 24 + 8 * (__u64)op[1]) : 0;
		}
	}
	if (top < 0 || top > 1 << 20)
		return 0;
	return read_ptr(frame + off.frame_locals + 8 * (__u64)top);
}

/* How a call ended, for on_exit(). */
enum end_kind {
	END_CLEAR,	   /* the frame cleared: the result in the frame, or an exception */
	END_RET,	   /* the eval loop's ret: the result (NULL: an exception) in ret */
	END_YIELD_RET,	   /* 3.10: the same, after a yield: the yielded value in ret */
	END_YIELD,	   /* a yield: the value in the frame */
	END_YIELD_NOVALUE, /* a yield probed where the value is not yet in the frame */
};

/* A call ends (how: enum end_kind). A global function, as on_entry(). */
__noinline int on_exit(__u64 frame, __u64 keyval, __u64 tstate, __u32 how, __u64 ret)
{
	struct wm_py_call_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .frame = keyval };
	__u64 now, type = 0, res, res_type = 0;
	struct frame_end fe = {};
	bool have_fe;
	__u32 id, pos, res_len = 0;
	struct wm_py_decision *d;
	__u16 flags = 0;
	struct wm_call *r;
	struct wm_py_call *c;

	c = bpf_map_lookup_elem(&calls, &key);
	if (!c)
		return 0;
	now = bpf_ktime_get_ns();
	/*
	 * A frame running other code than the call began with: that call's end
	 * was missed (greenlets switch frame stacks), and this is not it.
	 */
	have_fe = frame && !read_frame_end(frame, &fe);
	if (frame && (have_fe ? fe.code : read_ptr(frame + off.frame_code)) != c->code) {
		lost_call(c);
		forget(key.tid, key.frame);
		return 0;
	}
	id = c->func_id;
	if (id == WM_PY_PENDING) {
		d = bpf_map_lookup_elem(&codes, &c->code);
		if (d && d->qualname == c->qualname && d->state == WM_PYS_IGNORED) {
			forget(key.tid, key.frame);
			return 0;
		}
		if (d && d->qualname == c->qualname && d->state == WM_PYS_TRACED)
			id = d->func_id;
	}
	if (!tstate)
		tstate = c->tstate;
	if (!tstate && off.tstate_addr)
		tstate = read_ptr(off.tstate_addr);
	/*
	 * 3.10 leaves a generator's frame by the eval loop's return too, its
	 * f_state FRAME_SUSPENDED: the result is the value it yielded.
	 */
	if (how == END_RET && ret && off.frame_state && c->frame) {
		__s8 state = 0;

		if (!bpf_probe_read_user(&state, 1, (void *)(c->frame + off.frame_state)) &&
		    state == -1)
			how = END_YIELD_RET;
	}
	/* The end's value: the result, the yielded value, or the exception. */
	if (how == END_YIELD_RET) {
		flags = WM_F_PY_YIELD;
		res = ret;
	} else if (how == END_YIELD || how == END_YIELD_NOVALUE) {
		flags = WM_F_PY_YIELD;
		res = how == END_YIELD ? frame_result(frame, have_fe ? &fe : NULL) : 0;
	} else if ((type = (how == END_RET && ret) ? 0 : exc_type(tstate))) {
		flags = WM_F_RAISED | WM_F_ERROR;
		res = exc_value(tstate);
	} else {
		res = how == END_RET ? ret : frame_result(frame, have_fe ? &fe : NULL);
	}
	pos = c->data_len;
	if (values_on && res)
		res_len = snap_value(c, pos, WM_PYV_MAX, res, &res_type);
	if (!type)
		type = values_on ? res_type : type_of(res);
	/* The stack's room only with --stack: a constant size either way. */
	if (stack_on)
		r = bpf_ringbuf_reserve(&py_rb, WM_PY_STACK_AT + sizeof(struct wm_py_stack), 0);
	else
		r = bpf_ringbuf_reserve(&py_rb, WM_PY_STACK_AT, 0);
	if (!r) {
		count_dropped(id);
		forget(key.tid, key.frame);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(*r));
	for (int i = 0; i < WM_NR_SLOTS; i++)
		r->str_len[i] = i < WM_PY_MAX_PARAMS ? c->str_len[i] : WM_STR_NONE;
	for (int i = 0; i < WM_PY_MAX_PARAMS; i++)
		r->args[i] = c->types[i];
	if (values_on) {
		__u32 len = pos + (res ? res_len : 0);

		/* The bytes in use only: most calls hold a few small values. */
		if (len >= VALUES_AREA) {
			len = VALUES_AREA;
			bpf_probe_read_kernel(r->data, VALUES_AREA, c->data);
		} else if (len) {
			__u32 n = len;

			/* Masked where the verifier sees it (the compiler knows n < VALUES_AREA). */
			barrier_var(n);
			bpf_probe_read_kernel(r->data, n & (VALUES_AREA - 1), c->data);
		}
		r->str_len[WM_PY_RES_SLOT] = res ? res_len : WM_STR_NONE;
		r->data_len = len;
		flags |= WM_F_PY_VALUES;
	}
	r->flags = flags;
	r->ret = type;
	r->args[WM_PY_ARG_CODE] = c->code;
	r->args[WM_PY_ARG_QUALNAME] = c->qualname;
	r->kind = WM_REC_CALL;
	r->entry_ns = c->entry_ns;
	r->depth = c->depth;
	r->parent_entry_ns = c->parent_entry_ns;
	/* Callers undecided at its entry: userspace settles its nesting. */
	if (!c->sure) {
		r->flags |= WM_F_PY_UNSURE;
		bpf_probe_read_kernel((char *)r + WM_PY_NEST_AT, sizeof(c->nest), &c->nest);
	}
	if (stack_on)
		bpf_probe_read_kernel((char *)r + WM_PY_STACK_AT, sizeof(c->stack), &c->stack);

	r->latency_ns = now - c->entry_ns;
	r->func_id = id;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->tid = key.tid;
	forget(key.tid, key.frame);
	/* Batched wake-ups, by the native records' rule (ringwake.bpf.h). */
	bpf_ringbuf_submit(r, ringwake_flags(&py_rb, wakeup_bytes, PY_REC_SPAN));
	return 0;
}

/* The thread state's frame data stack top (the running greenlet's); 0: unknown. */
static __always_inline __u64 stack_top(__u64 tstate)
{
	return tstate && off.tstate_stack_top ? read_ptr(tstate + off.tstate_stack_top) : 0;
}

static __always_inline bool ours(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

SEC("uprobe")
int wm_py_hook(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx), frame, tstate = 0;
	__u32 treg = WM_PY_TREG(cookie);

	if (!ours())
		return 0;
	switch (WM_PY_HOOK(cookie)) {
	case WM_PYH_CLEAR:
	case WM_PYH_YIELD:
	case WM_PYH_EVAL_RET:
		/* No call in flight anywhere: this end is not one (most calls when few are traced). */
		if (!*(volatile __u64 *)&nr_in_calls)
			return 0;
		break;
	}
	frame = reg_at(ctx, WM_PY_FREG(cookie));
	if (treg != WM_PY_REG_NONE)
		tstate = reg_at(ctx, treg);
	switch (WM_PY_HOOK(cookie)) {
	case WM_PYH_RESUME:
		return frame ? on_entry(frame, frame, 0) : 0;
	case WM_PYH_CLEAR:
		return frame ? on_exit(frame, frame, tstate, END_CLEAR, 0) : 0;
	case WM_PYH_YIELD:
		return frame ? on_exit(frame, frame, 0,
				       WM_PY_FLAGS(cookie) & WM_PYF_VALUE ? END_YIELD :
									    END_YIELD_NOVALUE,
				       0) :
			       0;
	case WM_PYH_EVAL:
		/* The stack pointer at entry is where the ret will find it. */
		return frame ? on_entry(frame, ctx->sp, tstate) : 0;
	case WM_PYH_EVAL_RET:
		/* The frame register slot holds the result's (WM_PY_COOKIE_RET()). */
		return on_exit(0, ctx->sp + WM_PY_SP_DELTA(cookie), 0, END_RET, frame);
	case WM_PYH_THROW:
		/* throwflag, the third argument: resumed by throw(), not by RESUME. */
		if (WM_PY_FLAGS(cookie) & WM_PYF_THROWN)
			return frame ? on_entry(frame, frame, 0) : 0;
		return frame && PT_REGS_PARM3(ctx) ? on_entry(frame, frame, 0) : 0;
	case WM_PYH_ENTRY_FRAME: {
		struct entry_key key = { .tid = (__u32)bpf_get_current_pid_tgid(),
					 .sp = ctx->sp,
					 .stack_top = stack_top(tstate) };

		if (!frame)
			return 0;
		bpf_map_update_elem(&entry_frames, &key, &frame, BPF_ANY);
		/* The same entry as WM_PYH_THROW's. */
		return PT_REGS_PARM3(ctx) ? on_entry(frame, frame, 0) : 0;
	}
	case WM_PYH_ENTRY_RET: {
		struct entry_key key = { .tid = (__u32)bpf_get_current_pid_tgid(),
					 .sp = ctx->sp + WM_PY_SP_DELTA(cookie),
					 .stack_top = stack_top(read_ptr(off.tstate_addr)) };
		__u64 res = frame, *f = bpf_map_lookup_elem(&entry_frames, &key);

		if (!f)
			return 0;
		frame = *f;
		bpf_map_delete_elem(&entry_frames, &key);
		/* A frame the clear hook ended already (a generator's) has no call left. */
		return on_exit(frame, frame, 0, END_RET, res);
	}
	}
	return 0;
}
