/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython 3.10's code objects have no qualname: it is found in the
 * target's memory, the way the compiler made it. A function of a module's
 * namespace (or of a class there) names its own code object with its
 * __qualname__; a function that functools.wraps made names none (its
 * __qualname__ is the wrapped one's), the function in its __wrapped__ does;
 * and a code object among the constants of a code object named Q is
 * Q.<locals>.NAME (Q.NAME when Q is a class body or a comprehension).
 */
#ifndef WM_PYQUAL_H
#define WM_PYQUAL_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

struct pyqual;
struct wm_dwarf;
struct wm_py_offsets;

/* Where 3.10's namespaces, types and functions keep what pyqual reads. */
struct pyqual_offsets {
	__u16 ob_type;	/* PyObject.ob_type */
	__u16 var_size; /* PyVarObject.ob_size (a tuple's length) */
	__u16 tp_name, tp_flags, tp_dict;
	__u16 dict_keys;   /* PyDictObject.ma_keys */
	__u16 dict_values; /* .ma_values: non-NULL for a split table */
	__u16 dk_size;	   /* PyDictKeysObject.dk_size */
	__u16 dk_nentries; /* entries used: appended, one a name added */
	__u16 dk_indices;  /* the indices, then the entries */
	__u16 dk_entry;	   /* sizeof(PyDictKeyEntry): {hash, key, value} */
	__u16 func_qualname, func_code, func_dict, func_closure;
	__u16 cell_ref;	     /* PyCellObject.ob_ref: what a closure's cell holds */
	__u16 tp_call;	     /* non-NULL: the type's instances are callable */
	__u16 tp_dictoffset; /* where its instances' __dict__ is (> 0: from their start) */
	__u16 prop_get, prop_set, prop_del; /* a property's functions */
	__u16 sm_callable;		    /* staticmethod's function */
	__u16 cm_callable;		    /* classmethod's */
	__u16 tuple_items;		    /* PyTupleObject.ob_item */
	__u16 bytes_data;		    /* PyBytesObject.ob_sval */
	__u16 code_linetable;		    /* PyCodeObject.co_linetable (3.10's own format) */
};

/*
 * The offsets for CPython 3.minor: its table, then each that d (NULL:
 * none) describes from d. 0 when d gave them all, -ENODATA when some came
 * from the table, -ENOTSUP (o zeroed) for a version pyqual does not read
 * (only 3.10 needs it).
 */
int pyqual__offsets(struct wm_dwarf *d, int minor, struct pyqual_offsets *o);

/* A finder for process pid; off: the interpreter's (its strs' and code objects'). */
int pyqual__new(pid_t pid, const struct wm_py_offsets *off, const struct pyqual_offsets *qo,
		struct pyqual **out);
void pyqual__free(struct pyqual *q);

/*
 * The qualname of code object code, whose functions' globals are the dict
 * globals, into out (UTF-8): 0, or -ENOENT when not found (made by exec()
 * or a class statement at run time, a function whose name was declared
 * global in its parent, a name too long for out, memory gone). The
 * namespace is read once, then only the names added to it since; the
 * constants of a function's code object once, when a code object not
 * found otherwise starts in its file and lines.
 */
int pyqual__find(struct pyqual *q, __u64 globals, __u64 code, char *out, size_t size);

#endif
