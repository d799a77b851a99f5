/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython 3.10's code objects have no qualname: a method's is found in the
 * target's memory, from the function whose __code__ the code object is.
 */
#ifndef WM_PYQUAL_H
#define WM_PYQUAL_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

struct pyqual;

/* A finder for process pid (CPython 3.10's object layout only). */
int pyqual__new(pid_t pid, struct pyqual **out);
void pyqual__free(struct pyqual *q);

/*
 * The __qualname__ of the function in the module dict globals, or in a class
 * there (nested classes too, two levels), whose code object is code, into
 * out (ASCII only). 0, or -ENOENT: not found (a nested function, a
 * decorated one, a name that is not ASCII, memory gone). A namespace is read
 * once, then only the names added to it since.
 */
int pyqual__find(struct pyqual *q, __u64 globals, __u64 code, char *out, size_t size);

#endif
