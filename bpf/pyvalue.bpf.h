/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded snapshot of one PyObject, taken in BPF, in the format of
 * include/wm_python.h; userspace renders it like repr() (lang/python/pyvalue.h).
 *
 *	__u32 pyv_snap(const struct wm_py_layout *L, __u64 obj, char *dst,
 *		       __u32 room, bool sleepable);
 *
 * writes at most min(room, WM_PYV_MAX) bytes at dst and returns how many
 * (0 when room cannot hold a header, or L has no version). dst points into
 * a map value (a per-thread heap) with WM_PYV_SLACK bytes of that value
 * from dst on: pyv_snap() keeps its loop state past the snapshot's room,
 * and every write is at an offset and of a size the verifier can bound.
 * sleepable must be a constant: true only in sleepable programs
 * (bpf_copy_from_user() then reads pages the process has not touched
 * yet). L is only read, from a map value or .rodata.
 *
 * Call it as often as a program needs (each argument, the result): the walk
 * is a global function (pyv_snap_node(), and pyv_leaf() for each node,
 * pyv_kind() for what it is), which the verifier checks once whatever
 * calls it, and a container's items are a bpf_loop() callback. Measured on Linux 6.18: it adds ~10k verified
 * instructions to wrapmon's entry program (120k -> 130k), ~7k to the others.
 */
#ifndef WM_PYVALUE_BPF_H
#define WM_PYVALUE_BPF_H

#include "wm_python.h"

#define PYV_MASK (WM_PYV_MAX - 1)
#define PYV_HDR	 ((__u32)sizeof(struct wm_pyv_hdr))

/* What the global function sees of the destination: WM_PYV_SLACK bytes. */
struct pyv_area {
	char b[WM_PYV_SLACK];
};

/*
 * With PYV_TYPE_CACHE defined before this file, a static type's tp_flags
 * and name (its first WM_PYV_NAME_MAX bytes) are kept by the type object's
 * address: three reads of the target's memory fewer for each value of a
 * built-in type. Static types live as long as the interpreter, so an entry
 * never goes stale; heap types (classes) can be freed, and are read each
 * time.
 */
struct pyv_type {
	__u64 flags;
	__u32 name_len;
	__u32 kind; /* pyv_kind()'s answer: no call for a cached type */
	char name[WM_PYV_NAME_MAX + 1];
};

#ifdef PYV_TYPE_CACHE
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct pyv_type);
	__uint(max_entries, 1024);
} pyv_types SEC(".maps");
#endif

/* One node to write (pyv_leaf()). */
struct pyv_req {
	__u64 obj;
	__s64 start, len; /* PYV_SLICE: chars [start, start + len) of a str or bytes */
	__u32 at;	  /* where, from dst */
	__u32 end;	  /* the node ends before this */
	__u32 max;	  /* PYV_SLICE: chars at most */
	__u32 opts;
};

/*
 * The walk's numbers live in the map value, past the snapshot's room: the
 * verifier tracks a number on the BPF stack exactly, so each item of a
 * loop would look like a new state; read from map memory they are just
 * bounded scalars.
 */
struct pyv_state {
	__u64 items;  /* item pointers, or a dict's entries */
	__u32 pos;    /* bytes written from dst */
	__u32 end;    /* pos never goes past it */
	__u32 kind;   /* WM_PYV_TUPLE, LIST or DICT */
	__u32 stride; /* a dict entry's bytes */
	__u32 key;    /* a dict entry's key offset (the value follows it) */
	__u32 done;   /* items written */
	__u32 want;   /* items (pairs) wanted */
	__u32 fault;
	/* Not on the BPF stack either, which the nested calls share (512 bytes). */
	struct pyv_req q;
	__u64 e[2];
	/*
	 * The words of the object pyv_leaf() reads from ob_type on, in one
	 * read: its type, and what most values hold (an int's size and first
	 * digits, a float, a str's length and state, a container's size).
	 */
	__u64 head[4];
	__u32 have_head;
	__u32 pad;
	__u64 leaf_type;   /* the type object of the node pyv_leaf() wrote last */
	__u64 top_type;	   /* the snapshot's object's type (PYV_TOP_TYPE_OFF) */
	struct pyv_type t; /* a cache entry being made */
};

/*
 * Where the state is, from dst: past the room, and past what a type name
 * read near its end may write (read whole, cut to the room afterwards).
 */
#define PYV_STATE_OFF (WM_PYV_MAX + WM_PYV_NAME_MAX + 1)
_Static_assert(PYV_STATE_OFF + sizeof(struct pyv_state) <= WM_PYV_SLACK,
	       "the state fits the slack");

#define PYV_NAME  1 /* keep the type name of a built-in type too */
#define PYV_SLICE 2 /* obj is a str or bytes: only chars [start, start + len) */

/* Pointers stay on the stack (map memory cannot hold them). */
struct pyv_ctx {
	const struct wm_py_layout *L;
	struct pyv_area *a;
	struct pyv_state *s; /* at dst + PYV_STATE_OFF */
};

/* A type name's first bytes as the little-endian word they load as. */
#define PYV_W(a, b, c, d, e, f, g, h)                                                            \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 | (__u64)(e) << 32 | \
	 (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)
#define PYV_LOW(w, n) ((n) >= 8 ? (w) : (w) & ((1ULL << ((n)*8)) - 1))

static __always_inline long pyv_read(void *to, __u32 n, __u64 from, bool sleepable)
{
	if (sleepable)
		return bpf_copy_from_user(to, n, (const void *)from);
	return bpf_probe_read_user(to, n, (const void *)from);
}

static __always_inline __u64 pyv_ptr(__u64 addr, bool sleepable)
{
	__u64 v = 0;

	if (pyv_read(&v, sizeof(v), addr, sleepable))
		return 0;
	return v;
}

static __always_inline void pyv_put_hdr(struct pyv_area *a, __u32 at, __u32 pos, __u32 kind,
					__u32 flags, __u32 name_len, __u32 aux, __u32 count,
					__u64 addr)
{
	/* x86 stores unaligned words, and the verifier lets it. */
	__u64 *w = (__u64 *)&a->b[at & PYV_MASK];

	w[0] = (__u64)(kind & 0xff) | (__u64)(flags & 0xff) << 8 | (__u64)(name_len & 0xff) << 16 |
	       (__u64)(aux & 0xff) << 24 | (__u64)count << 32;
	w[1] = addr;
	*(__u32 *)&a->b[(at + 16) & PYV_MASK] = (pos - at) & 0xffff;
}

/* The object's bytes [o, o + n) are in s->head (pyv_leaf_do()'s first read). */
static __always_inline bool pyv_in_head(const struct wm_py_layout *L, const struct pyv_state *s,
					__u32 o, __u32 n)
{
	return s->have_head && o >= L->ob_type && o - L->ob_type + n <= sizeof(s->head);
}

/* The 8 bytes at the object's offset o, where pyv_in_head() says they are. */
#define PYV_HEAD(L, s, o) (*(__u64 *)((char *)(s)->head + (((o) - (L)->ob_type) & 31)))

/* n (4 or 8) bytes of the object at offset o into *to, from the head when it holds them. */
static __always_inline long pyv_field(const struct wm_py_layout *L, const struct pyv_state *s,
				      __u64 obj, __u32 o, void *to, __u32 n, bool sleepable)
{
	__u64 v;

	if (pyv_in_head(L, s, o, n)) {
		v = PYV_HEAD(L, s, o);
		__builtin_memcpy(to, &v, n);
		return 0;
	}
	return pyv_read(to, n, obj + o, sleepable);
}

/* Sign and digit count of an int (from ob_size, or 3.12's lv_tag). */
static __always_inline __u32 pyv_ndigits(const struct wm_py_layout *L, __s64 v, __u32 *neg)
{
	__u64 nd;

	if (L->long_tagged) {
		*neg = (v & 3) == 2;
		nd = (__u64)v >> 3;
	} else {
		*neg = v < 0;
		nd = v < 0 ? -v : v;
	}
	return nd > 0xffffffff ? 0xffffffff : nd;
}

/*
 * What a node is (its kind, and WM_PYV_F_SUBCLASS << 8 for a subclass of
 * a built-in type), from its type's tp_flags and name (its first 16
 * bytes, w0 and w1). A global function: pyv_leaf() walks its cases once,
 * not once per kind this decided.
 */
__noinline int pyv_kind(__u64 fl, __u32 name_len, __u64 w0, __u64 w1)
{
	__u32 kind, flags = 0;

#define PYV_IS(n, w, x) (name_len == (n) && PYV_LOW(w, n) == PYV_LOW(x, n))
	if (fl & WM_PY_TPFLAGS_UNICODE) {
		kind = WM_PYV_STR;
		if (!PYV_IS(3, w0, PYV_W('s', 't', 'r', 0, 0, 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_BYTES) {
		kind = WM_PYV_BYTES;
		if (!PYV_IS(5, w0, PYV_W('b', 'y', 't', 'e', 's', 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_LONG) {
		kind = WM_PYV_INT;
		if (PYV_IS(4, w0, PYV_W('b', 'o', 'o', 'l', 0, 0, 0, 0)))
			kind = WM_PYV_BOOL;
		else if (!PYV_IS(3, w0, PYV_W('i', 'n', 't', 0, 0, 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_TUPLE) {
		kind = WM_PYV_TUPLE;
		if (!PYV_IS(5, w0, PYV_W('t', 'u', 'p', 'l', 'e', 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_LIST) {
		kind = WM_PYV_LIST;
		if (!PYV_IS(4, w0, PYV_W('l', 'i', 's', 't', 0, 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_DICT) {
		kind = WM_PYV_DICT;
		if (!PYV_IS(4, w0, PYV_W('d', 'i', 'c', 't', 0, 0, 0, 0)))
			flags = WM_PYV_F_SUBCLASS;
	} else if (fl & WM_PY_TPFLAGS_BASE_EXC) {
		kind = WM_PYV_EXC;
	} else if (PYV_IS(5, w0, PYV_W('f', 'l', 'o', 'a', 't', 0, 0, 0))) {
		kind = WM_PYV_FLOAT;
	} else if (PYV_IS(8, w0, PYV_W('N', 'o', 'n', 'e', 'T', 'y', 'p', 'e'))) {
		kind = WM_PYV_NONE;
	} else if (PYV_IS(8, w0, PYV_W('r', 'e', '.', 'M', 'a', 't', 'c', 'h'))) {
		kind = WM_PYV_MATCH;
	} else if (name_len == 10 && w0 == PYV_W('r', 'e', '.', 'P', 'a', 't', 't', 'e') &&
		   (w1 & 0xffff) == PYV_W('r', 'n', 0, 0, 0, 0, 0, 0)) {
		kind = WM_PYV_PATTERN;
	} else {
		kind = WM_PYV_OTHER;
	}
#undef PYV_IS
	return kind | flags << 8;
}

/*
 * One node, no items (a container's count only, kind and flags
 * WM_PYV_F_OPAQUE): what pyv_leaf() writes. Returns its bytes.
 */
static __always_inline int pyv_leaf_do(const struct wm_py_layout *L, struct pyv_area *a,
				       const struct pyv_req *q, bool sleepable)
{
	__u32 at, end, pos, kind, flags = 0, name_len = 0, aux = 0, count = 0, n, width = 1;
	__u64 obj, type, fl = 0, name = 0, w0 = 0, w1 = 0, data = 0, box;
	__s64 len = 0, start = 0;
	__u32 st = 0, neg;
	struct pyv_state *s;
	struct pyv_type *ti = NULL;
	long r = 0;

	if (!L || !a || !q)
		return 0;
	s = (struct pyv_state *)&a->b[PYV_STATE_OFF];
	s->leaf_type = 0;
	obj = q->obj;
	at = q->at;
	end = q->end;
	if (end > WM_PYV_MAX || at > end || end - at < PYV_HDR)
		return 0;
	pos = at + PYV_HDR;
	if (!obj) {
		pyv_put_hdr(a, at, pos, WM_PYV_NULL, 0, 0, 0, 0, 0);
		return PYV_HDR;
	}
	s->have_head = !pyv_read(s->head, sizeof(s->head), obj + L->ob_type, sleepable);
	type = s->have_head ? s->head[0] : pyv_ptr(obj + L->ob_type, sleepable);
	s->leaf_type = type;
#ifdef PYV_TYPE_CACHE
	if (type)
		ti = bpf_map_lookup_elem(&pyv_types, &type);
	if (ti) {
		fl = ti->flags;
		r = ti->name_len + 1;
		__builtin_memcpy(&a->b[pos & PYV_MASK], ti->name, sizeof(ti->name));
	}
#endif
	if (!ti) {
		if (!type || pyv_read(&fl, sizeof(fl), type + L->tp_flags, sleepable) ||
		    !(name = pyv_ptr(type + L->tp_name, sleepable))) {
			pyv_put_hdr(a, at, pos, WM_PYV_FAULT, 0, 0, 0, 0, obj);
			return PYV_HDR;
		}
		/* The name, then what it is: the name decides for the types with no tp_flags bit. */
		r = bpf_probe_read_user_str(&a->b[pos & PYV_MASK], WM_PYV_NAME_MAX + 1,
					    (const void *)name);
	}
	if (r > 1) {
		name_len = (r - 1) & 0xff;
		w0 = *(__u64 *)&a->b[pos & PYV_MASK];
		w1 = *(__u64 *)&a->b[(pos + 8) & PYV_MASK];
	}
#ifdef PYV_TYPE_CACHE
	if (ti) {
		kind = ti->kind;
	} else {
		kind = pyv_kind(fl, name_len, w0, w1);
		if (r > 1 && !(fl & WM_PY_TPFLAGS_HEAPTYPE)) {
			s->t.flags = fl;
			s->t.name_len = name_len;
			s->t.kind = kind;
			__builtin_memcpy(s->t.name, &a->b[pos & PYV_MASK], sizeof(s->t.name));
			bpf_map_update_elem(&pyv_types, &type, &s->t, BPF_NOEXIST);
		}
	}
#else
	kind = pyv_kind(fl, name_len, w0, w1);
#endif
	flags = kind >> 8 & WM_PYV_F_SUBCLASS;
	kind &= 0xff;
	/*
	 * Items need no name for the built-in types: their kind says it. A
	 * name the room cannot hold is left out (the renderer says "object").
	 */
	if ((!(q->opts & PYV_NAME) && !flags && kind != WM_PYV_EXC && kind != WM_PYV_OTHER) ||
	    name_len > end - pos)
		name_len = 0;
	pos += name_len;

	switch (kind) {
	case WM_PYV_STR:
	case WM_PYV_BYTES:
		if (q->opts & PYV_SLICE) {
			start = q->start;
			len = q->len;
		} else if (pyv_field(L, s, obj, L->ob_size, &len, 8, sleepable)) {
			flags |= WM_PYV_F_FAULT;
		}
		if (start < 0 || len < 0)
			start = len = 0;
		if (kind == WM_PYV_BYTES) {
			data = obj + L->bytes_data;
		} else if (pyv_field(L, s, obj, L->str_state, &st, 4, sleepable)) {
			flags |= WM_PYV_F_FAULT;
			len = 0;
		} else {
			width = st >> 2 & 7;
			if (width != 2 && width != 4)
				width = 1;
			if (!(st >> 5 & 1)) /* not compact: the data hangs off the object */
				data = pyv_ptr(obj + L->str_compact_data, sleepable);
			else if (st >> 6 & 1)
				data = obj + L->str_ascii_data;
			else
				data = obj + L->str_compact_data;
			if (!data) {
				flags |= WM_PYV_F_OPAQUE;
				len = 0;
			}
		}
		aux = width;
		count = len > 0xffffffffLL ? 0xffffffff : len;
		n = count;
		if ((q->opts & PYV_SLICE) && n > q->max)
			n = q->max;
		if (n * width > end - pos)
			n = (end - pos) / width;
		if (n < count)
			flags |= WM_PYV_F_TRUNC;
		n = (n * width) & PYV_MASK;
		if (n && pyv_read(&a->b[pos & PYV_MASK], n, data + start * width, sleepable))
			flags |= WM_PYV_F_FAULT;
		else
			pos += n;
		break;
	case WM_PYV_BOOL:
	case WM_PYV_INT:
		if (pyv_field(L, s, obj, L->long_size, &len, 8, sleepable)) {
			flags |= WM_PYV_F_FAULT;
			break;
		}
		n = pyv_ndigits(L, len, &neg);
		if (kind == WM_PYV_BOOL) {
			aux = n != 0;
			break;
		}
		aux = neg;
		count = n;
		if (n > WM_PYV_DIGITS)
			n = WM_PYV_DIGITS;
		if (n * 4 > end - pos)
			n = (end - pos) / 4;
		if (n < count)
			flags |= WM_PYV_F_TRUNC;
		n = (n * 4) & PYV_MASK;
		if (n && pyv_in_head(L, s, L->long_digits, n)) {
			/* Up to four digits, from the head; what follows them is not the value's. */
			*(__u64 *)&a->b[pos & PYV_MASK] = PYV_HEAD(L, s, L->long_digits);
			*(__u64 *)&a->b[(pos & PYV_MASK) + 8] = PYV_HEAD(L, s, L->long_digits + 8);
			pos += n;
		} else if (n &&
			   pyv_read(&a->b[pos & PYV_MASK], n, obj + L->long_digits, sleepable)) {
			flags |= WM_PYV_F_FAULT;
		} else {
			pos += n;
		}
		break;
	case WM_PYV_FLOAT:
		if (end - pos < 8 ||
		    pyv_field(L, s, obj, L->float_val, &a->b[pos & PYV_MASK], 8, sleepable))
			flags |= WM_PYV_F_FAULT;
		else
			pos += 8;
		break;
	case WM_PYV_TUPLE:
	case WM_PYV_LIST:
	case WM_PYV_DICT:
	case WM_PYV_EXC:
		/* An exception shows its args: a tuple. */
		box = obj;
		if (kind == WM_PYV_EXC && !(box = pyv_ptr(obj + L->exc_args, sleepable)))
			break;
		if (kind == WM_PYV_EXC ?
			    pyv_read(&len, 8, box + L->ob_size, sleepable) :
			    pyv_field(L, s, obj, kind == WM_PYV_DICT ? L->dict_used : L->ob_size,
				      &len, 8, sleepable)) {
			flags |= WM_PYV_F_FAULT;
			break;
		}
		count = len < 0 ? 0 : len > 0xffffffffLL ? 0xffffffff : len;
		/* The items come from pyv_snap(), at the top level only. */
		if (count)
			flags |= WM_PYV_F_OPAQUE;
		break;
	case WM_PYV_MATCH:
	case WM_PYV_PATTERN:
		flags |= WM_PYV_F_OPAQUE;
		break;
	default:
		break;
	}
	pyv_put_hdr(a, at, pos, kind, flags, name_len, aux, count, obj);
	return pos - at;
}

__noinline int pyv_leaf(const struct wm_py_layout *L, struct pyv_area *a, const struct pyv_req *q)
{
	return pyv_leaf_do(L, a, q, false);
}

__noinline int pyv_leaf_sleepable(const struct wm_py_layout *L, struct pyv_area *a,
				  const struct pyv_req *q)
{
	return pyv_leaf_do(L, a, q, true);
}

static __always_inline int pyv_put(struct pyv_ctx *c, struct pyv_req *q, bool sleepable)
{
	if (sleepable)
		return pyv_leaf_sleepable(c->L, c->a, q);
	return pyv_leaf(c->L, c->a, q);
}

/* One item node at q->at, of at most WM_PYV_ITEM_MAX bytes before end: its bytes, 0 when none fit. */
static __always_inline int pyv_item_node(struct pyv_ctx *c, struct pyv_req *q, __u64 obj, __u32 end,
					 bool sleepable)
{
	if (q->at > end)
		return 0;
	q->end = end - q->at > WM_PYV_ITEM_MAX ? q->at + WM_PYV_ITEM_MAX : end;
	q->obj = obj;
	return pyv_put(c, q, sleepable);
}

static __always_inline long pyv_item_do(struct pyv_ctx *c, __u32 i, bool sleepable)
{
	struct pyv_state *s = c->s;
	struct pyv_req *q = &s->q;
	__u64 *e = s->e;
	int n, m = 0;

	if (s->done >= s->want || s->pos > s->end || s->end - s->pos < PYV_HDR)
		return 1;
	/* A sequence's item pointer, or a dict entry's key and value. */
	if (s->kind != WM_PYV_DICT ?
		    pyv_read(e, 8, s->items + 8 * (__u64)i, sleepable) :
		    pyv_read(e, 16, s->items + (__u64)s->stride * i + s->key, sleepable)) {
		s->fault = 1;
		return 1;
	}
	if (s->kind == WM_PYV_DICT && !e[1]) /* a deleted entry */
		return 0;
	q->at = s->pos;
	q->opts = 0;
	n = pyv_item_node(c, q, e[0], s->end, sleepable);
	if (n <= 0)
		return 1;
	/* Both halves of a pair, or neither. */
	if (s->kind == WM_PYV_DICT) {
		q->at = s->pos + n;
		m = pyv_item_node(c, q, e[1], s->end, sleepable);
		if (m <= 0)
			return 1;
	}
	s->pos += n + m;
	s->done++;
	return 0;
}

static long pyv_item(__u64 i, void *arg)
{
	return pyv_item_do(arg, i, false);
}

static long pyv_item_sleepable(__u64 i, void *arg)
{
	return pyv_item_do(arg, i, true);
}

/* A container's first items after its node: where they are, then one loop step each. */
static __always_inline void pyv_items(struct pyv_ctx *c, __u64 obj, __u32 kind, __u32 count,
				      bool sleepable)
{
	const struct wm_py_layout *L = c->L;
	struct pyv_state *s = c->s;
	__u64 box = obj, keys, n;
	__u8 b[3] = {};

	s->kind = kind == WM_PYV_EXC ? WM_PYV_TUPLE : kind;
	s->stride = 8;
	s->key = 0;
	s->items = 0;
	s->want = count < WM_PYV_ITEMS ? count : WM_PYV_ITEMS;
	s->done = 0;
	s->fault = 0;
	n = s->want;
	if (kind == WM_PYV_EXC)
		box = pyv_ptr(obj + L->exc_args, sleepable);
	if (kind == WM_PYV_DICT) {
		keys = pyv_ptr(obj + L->dict_keys, sleepable);
		/* A split table (an instance's __dict__) keeps its values elsewhere: not read. */
		if (!keys || pyv_ptr(obj + L->dict_values, sleepable))
			return;
		if (L->dict_keys_v2) {
			if (pyv_read(b, 3, keys + L->dk_size, sleepable))
				return;
			s->items = keys + L->dk_indices + (1ULL << (b[1] & 63));
			/* DICT_KEYS_GENERAL entries are hash, key, value; the others key, value. */
			s->stride = b[2] == 0 ? 24 : 16;
			s->key = b[2] == 0 ? 8 : 0;
		} else {
			n = pyv_ptr(keys + L->dk_size, sleepable);
			s->items = keys + L->dk_indices +
				   n * (n <= 0xff	   ? 1 :
					n <= 0xffff	   ? 2 :
					n <= 0xffffffffULL ? 4 :
							     8);
			s->stride = 24;
			s->key = 8;
		}
		/* Deleted entries are skipped: look a little further than the pairs kept. */
		n = pyv_ptr(keys + L->dk_nentries, sleepable);
		if (n > WM_PYV_DICT_SCAN)
			n = WM_PYV_DICT_SCAN;
	} else if (kind == WM_PYV_LIST) {
		s->items = pyv_ptr(obj + L->list_items, sleepable);
	} else if (box) {
		s->items = box + L->tuple_items;
	}
	if (n && s->items)
		bpf_loop(n, sleepable ? pyv_item_sleepable : pyv_item, c, 0);
}

static __always_inline int pyv_snap_do(const struct wm_py_layout *L, struct pyv_area *a, __u64 obj,
				       __u32 room, bool sleepable)
{
	struct pyv_ctx c = { .L = L, .a = a };
	__u32 kind, flags, count, span_bytes;
	__u64 str, stype, sfl = 0;
	struct pyv_state *s;
	struct pyv_req *q;
	__s64 *span;
	int n;

	/* A global function's pointers may be NULL: checked before any use. */
	if (!a)
		return 0;
	c.s = s = (struct pyv_state *)&a->b[PYV_STATE_OFF];
	s->top_type = 0;
	if (!L || !L->version)
		return 0;
	q = &s->q;
	span = (__s64 *)s->e;
	__builtin_memset(q, 0, sizeof(*q));
	q->obj = obj;
	q->end = room < WM_PYV_MAX ? room : WM_PYV_MAX;
	q->opts = PYV_NAME;
	n = pyv_put(&c, q, sleepable);
	s->top_type = s->leaf_type;
	if (n <= 0)
		return 0;
	s->pos = n;
	s->end = q->end;
	kind = c.a->b[0];
	flags = c.a->b[1];
	count = *(__u32 *)&c.a->b[4];
	if (!(flags & WM_PYV_F_OPAQUE) || flags & WM_PYV_F_FAULT)
		return n;
	flags &= ~WM_PYV_F_OPAQUE;

	switch (kind) {
	case WM_PYV_TUPLE:
	case WM_PYV_LIST:
	case WM_PYV_DICT:
	case WM_PYV_EXC:
		pyv_items(&c, obj, kind, count, sleepable);
		if (s->done < count)
			flags |= WM_PYV_F_TRUNC;
		if (s->fault)
			flags |= WM_PYV_F_FAULT;
		break;
	case WM_PYV_MATCH:
	case WM_PYV_PATTERN:
		/* A match: its span, then the text it matched; a pattern: flags, then source. */
		span_bytes = kind == WM_PYV_MATCH ? 16 : 4;
		if (s->pos > s->end || s->end - s->pos < span_bytes + PYV_HDR)
			break;
		span[0] = 0;
		span[1] = 0;
		if (kind == WM_PYV_MATCH) {
			str = pyv_ptr(obj + L->match_string, sleepable);
			if (pyv_read(span, 16, obj + L->match_mark, sleepable))
				break;
			q->len = span[1] - span[0];
			q->max = WM_PYV_MATCH_CHARS;
		} else {
			str = pyv_ptr(obj + L->pattern_source, sleepable);
			if (pyv_read(span, 4, obj + L->pattern_flags, sleepable))
				break;
			if (pyv_read(&q->len, 8, str + L->ob_size, sleepable))
				break;
			q->max = WM_PYV_MAX;
		}
		__builtin_memcpy(&c.a->b[s->pos & PYV_MASK], span, 16);
		s->pos += span_bytes;
		stype = str ? pyv_ptr(str + L->ob_type, sleepable) : 0;
		if (!stype || pyv_read(&sfl, sizeof(sfl), stype + L->tp_flags, sleepable))
			break;
		if (!(sfl & (WM_PY_TPFLAGS_UNICODE | WM_PY_TPFLAGS_BYTES)))
			break;
		q->obj = str;
		q->start = kind == WM_PYV_MATCH ? span[0] : 0;
		q->at = s->pos;
		q->end = s->end;
		q->opts = PYV_SLICE;
		n = pyv_put(&c, q, sleepable);
		if (n > 0)
			s->pos += n;
		break;
	default:
		break;
	}
	c.a->b[1] = flags;
	*(__u16 *)&c.a->b[16] = s->pos;
	return s->pos & (WM_PYV_MAX * 2 - 1);
}

/* The whole walk in global functions too: verified once, whatever calls them. */
__noinline int pyv_snap_node(const struct wm_py_layout *L, struct pyv_area *a, __u64 obj,
			     __u32 room)
{
	return pyv_snap_do(L, a, obj, room, false);
}

__noinline int pyv_snap_node_sleepable(const struct wm_py_layout *L, struct pyv_area *a, __u64 obj,
				       __u32 room)
{
	return pyv_snap_do(L, a, obj, room, true);
}

static __always_inline __u32 pyv_snap(const struct wm_py_layout *L, __u64 obj, char *dst,
				      __u32 room, bool sleepable)
{
	int n;

	if (sleepable)
		n = pyv_snap_node_sleepable(L, (struct pyv_area *)dst, obj, room);
	else
		n = pyv_snap_node(L, (struct pyv_area *)dst, obj, room);
	return n > 0 ? n & (WM_PYV_MAX * 2 - 1) : 0;
}

/*
 * Where a pyv_snap() at dst leaves the type object of the object it read
 * (0: none, unreadable, or no room for a header), to be read before
 * anything else writes past the snapshot.
 */
#define PYV_TOP_TYPE_OFF (PYV_STATE_OFF + __builtin_offsetof(struct pyv_state, top_type))

#endif /* WM_PYVALUE_BPF_H */
