/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python values, shared by BPF (bpf/pyvalue.bpf.h takes a snapshot of one
 * PyObject) and userspace (lang/python/pyvalue.h renders it like repr()).
 * Fixed-width __u types only: included on both sides.
 *
 * Interfaces:
 * - The layout of an interpreter: pyvalue__layout_of_pid() finds the
 *   CPython a process maps and fills struct wm_py_layout from its version,
 *   checked against its DWARF when it has some (pyvalue__layout() and
 *   pyvalue__layout_dwarf() do each half). In wrapmon.bpf.c it is the .bss
 *   global py_layout, set from tracer_opts.py_layout before load; the
 *   .rodata flag py_on (set when a capture needs it) lets the verifier skip
 *   the snapshot code otherwise. A writable map value, not .rodata: the
 *   global functions take it as memory.
 * - The snapshot, in BPF: pyv_snap(layout, obj, dst, room, sleepable)
 *   (bpf/pyvalue.bpf.h) writes at most min(room, WM_PYV_MAX) bytes at dst
 *   and returns how many; dst must be followed by WM_PYV_SLACK bytes of the
 *   same map value (see there).
 * - The rendering, in userspace: pyvalue__repr() / pyvalue__json()
 *   (lang/python/pyvalue.h) on the bytes pyv_snap() wrote; pyvalue__exc()
 *   for an exception's type and message.
 * - In a record: a capture of kind WM_CAP_PYOBJ (include/wrapmon.h) of
 *   size WM_PYV_MAX is a slot holding one snapshot; the plan makes one for
 *   each PyObject * parameter and result (plan/capture.c), and the
 *   formatters, the store and the report render it.
 *
 * A snapshot is one node: struct wm_pyv_hdr, the type name (name_len bytes,
 * no NUL), then the kind's payload. Containers hold their first items as
 * nodes of the same format, one level deep (an item that is a container has
 * no items itself). Everything is little-endian, unaligned.
 */
#ifndef WM_PYTHON_H
#define WM_PYTHON_H

/* Largest snapshot of one value (an argument or a result). */
#define WM_PYV_MAX 256
/*
 * Bytes past a snapshot's destination the verifier must see as inside the
 * map value: offsets and sizes are each clamped to WM_PYV_MAX separately.
 */
#define WM_PYV_SLACK (2 * WM_PYV_MAX)
/* Items of a tuple, list, dict (pairs) or exception's args kept. */
#define WM_PYV_ITEMS 4
/* Bytes of the type name kept (tp_name, e.g. "re.Match"). */
#define WM_PYV_NAME_MAX 31
/* Largest item node inside a container. */
#define WM_PYV_ITEM_MAX 48
/* 30-bit digits of an int kept: 240 bits, enough for any 64-bit value and 2**200. */
#define WM_PYV_DIGITS 8
/* Characters of the matched text of an re.Match (its repr cuts at 50). */
#define WM_PYV_MATCH_CHARS 50
/* Entries of a dict's table looked at for its first WM_PYV_ITEMS pairs (deleted ones skipped). */
#define WM_PYV_DICT_SCAN 16

enum wm_pyv_kind {
	WM_PYV_FAULT = 0, /* the object could not be read: addr only */
	WM_PYV_NULL = 1,  /* a NULL PyObject * (no exception set, or no result) */
	WM_PYV_OTHER = 2, /* <name object at 0xaddr> */
	WM_PYV_NONE = 3,
	WM_PYV_BOOL = 4,  /* aux: 0 False, 1 True */
	WM_PYV_INT = 5,	  /* aux: 1 negative; count: digits in all; payload: __u32 digits */
	WM_PYV_FLOAT = 6, /* payload: the double */
	WM_PYV_STR = 7,	  /* aux: bytes per char (1, 2, 4); count: chars in all; payload: chars */
	WM_PYV_BYTES = 8, /* count: bytes in all; payload: bytes */
	WM_PYV_TUPLE = 9, /* count: items in all; payload: item nodes */
	WM_PYV_LIST = 10,
	WM_PYV_DICT = 11, /* count: pairs in all; payload: key node, value node, ... */
	WM_PYV_EXC = 12,  /* an exception instance; count: len(args); payload: arg nodes */
	/* payload: __s64 start, __s64 end, then a STR or BYTES node: the matched text */
	WM_PYV_MATCH = 13,
	WM_PYV_PATTERN = 14, /* payload: __s32 flags, then the source's STR or BYTES node */
	WM_PYV_KINDS,
};

enum wm_pyv_flags {
	/* Not all of it is here: fewer chars, bytes, digits or items than count. */
	WM_PYV_F_TRUNC = 1 << 0,
	/* A part (an item, the digits, the text) could not be read. */
	WM_PYV_F_FAULT = 1 << 1,
	/* A str that is not compact (a legacy string) or a container nested too deep. */
	WM_PYV_F_OPAQUE = 1 << 2,
	/* A subclass of the kind's built-in type (tp_name is not the built-in's). */
	WM_PYV_F_SUBCLASS = 1 << 3,
};

struct wm_pyv_hdr {
	__u8 kind;     /* enum wm_pyv_kind */
	__u8 flags;    /* enum wm_pyv_flags */
	__u8 name_len; /* type name bytes after the header */
	__u8 aux;
	__u32 count;
	__u64 addr; /* the object */
	__u16 size; /* bytes of the node: header, name, payload (with its items) */
	__u16 pad;
};

/*
 * Byte offsets in the interpreter's objects: the same for 3.8 to 3.13 on
 * x86_64 except where a field says otherwise.
 */
struct wm_py_layout {
	__u16 version; /* major << 8 | minor, e.g. 0x030c; 0: no layout */
	__u16 ob_type; /* PyObject.ob_type */
	__u16 ob_size; /* PyVarObject.ob_size */
	__u16 tp_name;
	__u16 tp_flags;
	__u16 str_state;	/* PyASCIIObject.state */
	__u16 str_ascii_data;	/* sizeof(PyASCIIObject): 48 to 3.11, 40 from 3.12 */
	__u16 str_compact_data; /* sizeof(PyCompactUnicodeObject): 72, 56 */
	__u16 bytes_data;	/* PyBytesObject.ob_sval */
	__u16 long_size;	/* ob_size (to 3.11) or long_value.lv_tag (3.12+) */
	__u16 long_digits;	/* ob_digit / long_value.ob_digit */
	__u8 long_tagged;	/* 3.12+: lv_tag = ndigits << 3 | sign (0 +, 1 zero, 2 -) */
	__u8 dict_keys_v2;	/* 3.11+: dk_log2_size, dk_log2_index_bytes, dk_kind bytes */
	__u16 float_val;	/* PyFloatObject.ob_fval */
	__u16 tuple_items;	/* PyTupleObject.ob_item */
	__u16 list_items;	/* PyListObject.ob_item (a pointer) */
	__u16 dict_used;	/* PyDictObject.ma_used */
	__u16 dict_keys;	/* ma_keys */
	__u16 dict_values;	/* ma_values: non-NULL for a split table */
	__u16 dk_size;		/* to 3.10: dk_size (Py_ssize_t); 3.11+: dk_log2_size (byte) */
	__u16 dk_nentries;
	__u16 dk_indices;
	__u16 exc_args;	      /* PyBaseExceptionObject.args */
	__u16 match_string;   /* _sre MatchObject.string */
	__u16 match_mark;     /* MatchObject.mark[0], [1]: group 0's span */
	__u16 pattern_source; /* _sre PatternObject.pattern */
	__u16 pattern_flags;  /* PatternObject.flags (int) */
	__u16 pad;
};

/* tp_flags of a type made at run time (a class statement): it can be freed, its address reused. */
#define WM_PY_TPFLAGS_HEAPTYPE (1UL << 9)
/* tp_flags bits of the built-in types' subclasses (CPython's Py_TPFLAGS_*_SUBCLASS). */
#define WM_PY_TPFLAGS_LONG     (1UL << 24)
#define WM_PY_TPFLAGS_LIST     (1UL << 25)
#define WM_PY_TPFLAGS_TUPLE    (1UL << 26)
#define WM_PY_TPFLAGS_BYTES    (1UL << 27)
#define WM_PY_TPFLAGS_UNICODE  (1UL << 28)
#define WM_PY_TPFLAGS_DICT     (1UL << 29)
#define WM_PY_TPFLAGS_BASE_EXC (1UL << 30)

#endif /* WM_PYTHON_H */
