/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tails of -f Python names (include/wrapmon_py.h): what BPF compares a
 * code object's qualname with before it asks userspace about it.
 */
#ifndef WM_PYTAIL_H
#define WM_PYTAIL_H

#include <linux/types.h>

/*
 * The hash of pattern's last dotted part into *hash. -EINVAL when that
 * part has a wildcard or the pattern a bracket or an escape (the part does
 * not then bound what it matches), or when it is not UTF-8.
 */
int pytail__of_pattern(const char *pattern, __u64 *hash);

#endif /* WM_PYTAIL_H */
