/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_PROTO_H
#define WM_PROTO_H

#include <stddef.h>
#include "types/sig.h"

/* Does this -f argument look like a C prototype (has a '(')? */
bool proto__is_prototype(const char *text);

/*
 * Parse a C prototype such as
 *   "int sqlite3_prepare_v2(void *db, const char *sql, int n, void **stmt, const char **tail)"
 * into sig (source WM_SIG_PROTO, registers assigned). On error returns
 * -EINVAL, sets *err_col to the 1-based column of the problem and writes a
 * one-line message (without the column) into err.
 */
int proto__parse(const char *text, struct wm_sig *sig, int *err_col, char *err, size_t errsz);

#endif
