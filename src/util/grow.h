/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_GROW_H
#define WM_GROW_H

#include <stddef.h>

/*
 * Room for `need` elements of `elem` bytes in the array whose pointer is at
 * `arrp` and whose allocated count is *cap: capacity doubles (from 16), so
 * filling an array one element at a time copies it O(log n) times, and the
 * byte count is checked for overflow. On failure (-ENOMEM) the array and
 * *cap are left as they were. New elements are not cleared.
 */
int grow__array(void *arrp, size_t *cap, size_t need, size_t elem);

/* The same for a count kept in an int (negative `need` is -EINVAL). */
int grow__array_int(void *arrp, int *cap, int need, size_t elem);

#endif
