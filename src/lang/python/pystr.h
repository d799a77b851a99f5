/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python str objects of a traced process, as UTF-8: lang/python's one
 * reader of them. Compact strs only (every identifier, qualname and file
 * name is one): ASCII, Latin-1 and the other UCS-1, UCS-2 and UCS-4, at
 * the interpreter's own offsets (struct wm_py_offsets: its DWARF's, else
 * its version's table, pyvalue__str_offsets()).
 *
 * Each returns the UTF-8 length written to out (NUL-terminated), or:
 * -ENAMETOOLONG when out holds only a prefix (cut at a character's end),
 * -EINVAL when the object is not a compact str (or its length is bad),
 * -EILSEQ for a character past U+10FFFF, -EFAULT when it cannot be read.
 * out is "" on every error but -ENAMETOOLONG.
 */
#ifndef WM_PYSTR_H
#define WM_PYSTR_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

struct wm_py_offsets;

/* Characters read at most, whatever out's size. */
#define PYSTR_CHARS_MAX 1024

/* The str object at addr in process pid. */
int pystr__read(pid_t pid, const struct wm_py_offsets *off, __u64 addr, char *out, size_t size);

/* The same from a copy of the object's bytes (obj, n of them: header and characters). */
int pystr__decode(const struct wm_py_offsets *off, const void *obj, size_t n, char *out,
		  size_t size);

/* n bytes of characters kind (1, 2 or 4) bytes wide, as stored, to UTF-8. */
int pystr__utf8(int kind, const void *data, size_t n, char *out, size_t size);

#endif
