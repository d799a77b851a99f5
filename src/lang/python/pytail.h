/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parts of -f Python names (include/wrapmon_py.h): what BPF compares a
 * code object's module and qualname with before it asks userspace.
 */
#ifndef WM_PYTAIL_H
#define WM_PYTAIL_H

#include <linux/types.h>
#include "wrapmon_py.h"

/*
 * The hash of pattern's part (WM_PY_PART_TAIL: after its last '.';
 * WM_PY_PART_HEAD: before its first), or WM_PY_HASH_ANY when that part
 * has a wildcard, the pattern a bracket or an escape anywhere (the part
 * does not then bound what it matches), or the part is not UTF-8.
 */
__u64 pytail__part(const char *pattern, int part);

#endif /* WM_PYTAIL_H */
