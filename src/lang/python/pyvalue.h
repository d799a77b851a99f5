/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python values: the layout BPF needs to take a snapshot of a PyObject
 * (include/wm_python.h, bpf/pyvalue.bpf.h), and the snapshot rendered the
 * way Python's repr() prints it, or as JSON.
 *
 * Use:
 *	struct wm_py_layout L;
 *	pyvalue__layout(3, 12, &L);		   // by version ...
 *	pyvalue__layout_dwarf("/.../libpython3.12.so", &L); // ... then checked by DWARF
 *	// BPF: n = pyv_snap(&L, obj, dst, room, sleepable), at most WM_PYV_MAX bytes
 *	pyvalue__repr(&buf, bytes, n);		   // 'caaat', <re.Match object; ...>
 *	pyvalue__json(&buf, bytes, n);		   // "caaat", {"type":..,"repr":..}
 *
 * The renderers take any bytes (a record is outside input): they never read
 * past len, and show what is missing or malformed as "..." or <...>.
 */
#ifndef WM_PYVALUE_H
#define WM_PYVALUE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "wm_python.h"

struct wm_dwarf;
struct wm_py_offsets;

/*
 * The offsets of CPython major.minor on x86_64 (3.8 to 3.13). -ENOTSUP
 * for another version, with L zeroed (version 0: BPF takes no snapshot).
 */
int pyvalue__layout(int major, int minor, struct wm_py_layout *L);

/*
 * Check and correct L against the DWARF of the interpreter's object (the
 * python executable or libpython) for the structs whose layout it
 * describes. 0 when it had DWARF and L agrees with it now; -ENODATA when
 * it has none (L left as it was); another negative errno on a file it
 * cannot read. The objects of _sre (re.Match, re.Pattern) are left alone
 * when the object does not describe them.
 */
int pyvalue__layout_dwarf(const char *path, struct wm_py_layout *L);
/* The same with the object's DWARF already open (dwarf__open()). */
int pyvalue__layout_of_dwarf(struct wm_dwarf *d, struct wm_py_layout *L);
/*
 * Where a str's length, state and characters (compact ASCII, other
 * compact) are, into o's str_* (lang/python's one table of them, for
 * pyinterp's offsets too): 3.minor's, or d's where d (NULL: none)
 * describes PyASCIIObject and PyCompactUnicodeObject.
 */
void pyvalue__str_offsets(struct wm_dwarf *d, int minor, struct wm_py_offsets *o);

/*
 * The version an interpreter's file name says: "python3.12", "libpython3.11.so.1.0",
 * "libpython3.13d.so" (the last path component). 0 and *major, *minor set, or -ENOENT.
 */
int pyvalue__version_of(const char *path, int *major, int *minor);

/*
 * The CPython interpreter mapped by process pid (libpython3.X, else the
 * python3.X executable): its path into path (size bytes) and its layout
 * into L (pyvalue__layout(), then pyvalue__layout_dwarf()). -ENOENT when
 * it maps none, -ENOTSUP for a version without a layout, or a free-threaded
 * build (3.13t) without DWARF (path and L's version still say which),
 * another negative errno when /proc cannot be read. dw, when not NULL,
 * receives the interpreter's DWARF as opened for that check (NULL when it
 * has none), for pyinterp__find() to reuse; the caller frees it.
 */
int pyvalue__layout_of_pid(int pid, struct wm_py_layout *L, char *path, size_t size,
			   struct wm_dwarf **dw);

/* Whether a C type's spelling is a pointer to a Python object: "PyObject *", "struct _object *". */
bool pyvalue__is_pyobject(const char *c_type);

/*
 * The snapshot as repr() prints it: 'a\nb', b'\x00', 12, 1.5, True, None,
 * [1, 'x', ...], ValueError('bad'), <re.Match object; span=(1, 4),
 * match='aaa'>, <Foo object at 0x7f...>. Cut values end in "..." (a
 * string after its closing quote: 'abc'...). Only printable text is
 * written: what repr() escapes is escaped, and so is what it does not
 * escape but a terminal would act on (none for valid snapshots).
 * A subclass of a built-in type shows as Name(<the built-in's repr>).
 * Returns whether all of the value was there (no "..." cut). Where a type
 * has its own repr that the snapshot does not know, "<Name object at
 * 0x...>" stands for it (range(3), a class's __repr__): whole, not repr().
 */
bool pyvalue__repr(struct wm_buf *b, const void *snap, size_t len);

/*
 * An exception's snapshot as the parts of an error: its type's name (short,
 * as repr() shows it) into type, and str() of it into msg, as
 * BaseException.__str__ makes it: "" for no args, the one arg's text (a
 * str's characters, else its repr; KeyError: its repr), else the args'
 * repr. Subclasses with a __str__ of their own (OSError's "[Errno 2] ...")
 * get the generic one. msg is UTF-8, unescaped: escape it where it is
 * shown (type is already safe text).
 * A snapshot that is not an exception is read as the value an unnormalized
 * one of type raised (the name, dotted or not; NULL: none) was made from.
 * 0, or -EINVAL when the snapshot is not an exception; *whole says whether
 * nothing of it was cut (may be NULL).
 */
int pyvalue__exc(const void *snap, size_t len, const char *raised, struct wm_buf *type,
		 struct wm_buf *msg, bool *whole);

/*
 * The exception a call raised, as repr() of it shows: the snapshot's
 * repr when it is an exception, else (a value 3.11 and older had not made
 * an exception of yet, raised: the type's name) RaisedType(args).
 */
bool pyvalue__raised_repr(struct wm_buf *b, const void *snap, size_t len, const char *raised);

/*
 * A JSON string literal (n bytes, quotes included) as repr() prints the str
 * it holds: for values read back from --json (the report). Lone surrogates
 * (\udcff) stay themselves, as in Python; a byte that is not UTF-8 stands
 * for the code point of its value. "?" for anything but a string.
 */
void pyvalue__repr_json(struct wm_buf *b, const char *json, size_t n);

/*
 * The snapshot as one JSON value: str, int, float (finite), bool and None
 * as JSON natives; a cut str, bytes or int as {"type":..,"value":..,
 * "truncated":true} (bytes' value is its repr); anything else as
 * {"type":"<tp_name>","repr":"<as pyvalue__repr()>"}, with
 * "truncated":true when the repr misses a part.
 */
void pyvalue__json(struct wm_buf *b, const void *snap, size_t len);

#endif /* WM_PYVALUE_H */
