/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --stack for Python calls: the frames BPF kept at a call's entry (code
 * object, instruction, function: struct wm_py_stack) named from the
 * target's memory: module.qualname, file and line, each code object read
 * once.
 */
#ifndef WM_PYSTACK_H
#define WM_PYSTACK_H

#include <stddef.h>
#include <linux/types.h>
#include <sys/types.h>
#include "wrapmon_py.h"
#include "util/buf.h"

struct pystack;

int pystack__new(pid_t pid, const struct wm_py_offsets *off, struct pystack **out);
void pystack__free(struct pystack *s); /* NULL-safe */
/*
 * A code object BPF announced (its names read there, UTF-8): named before
 * its process may be gone when its calls' records are read.
 */
void pystack__note(struct pystack *s, __u64 code, const char *qual, const char *module,
		   const char *file, int firstline);
/*
 * The frames of st as "module.qualname\0file\0line\0" each, caller first,
 * into out (reset first); line is "" when unknown. code is the traced
 * call's own code object: frames whose object is not a code object (the C
 * stack's entry frames) are left out.
 */
void pystack__render(struct pystack *s, const struct wm_py_stack *st, __u64 code,
		     struct wm_buf *out);
/*
 * The line of the instruction idx (code units from the first) in a 3.11+
 * location table (co_linetable) of a code object starting at firstline;
 * -1: none or malformed.
 */
int pystack__line(const unsigned char *lt, size_t n, int firstline, long idx);

#endif
