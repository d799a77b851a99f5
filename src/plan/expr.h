/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The expression language of --filter and --error: comparisons of a
 * function's arguments, result and latency with literals, joined by &&, ||
 * and !, compiled against the function's signature into the fixed-size
 * postfix program of include/wrapmon.h (struct wm_expr) that BPF evaluates
 * at return time. expr__eval() is the reference evaluator with the exact
 * semantics the BPF one must have.
 */
#ifndef WM_EXPR_H
#define WM_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/record.h"
#include "types/sig.h"
#include "wrapmon.h"

/*
 * Parse text against sig into out. string_size is --string-size (0: the
 * largest, WM_STR_MAX): a string constant longer than it could never match
 * and is refused. On error returns -EINVAL, sets *err_col to the 1-based
 * column of the problem and writes a one-line message (without the column)
 * into err; out is then zeroed.
 */
int expr__parse(const char *text, const struct wm_sig *sig, int string_size, struct wm_expr *out,
		int *err_col, char *err, size_t errsz);

/*
 * Is e a program an evaluator may run: known codes, operands, sizes and
 * comparisons, constants inside the pool, and a stack that never underflows
 * and ends with exactly one value? 0 or -EINVAL. nr_ops == 0 is valid (no
 * expression).
 */
int expr__validate(const struct wm_expr *e);

/*
 * Evaluate e on a call that returned. val_slot maps a string operand's
 * value to its slot (wm_func_cfg.val_slot); NULL: the value index is the
 * slot. A program that is not valid, and the empty program, give true (a
 * filter that keeps everything).
 */
bool expr__eval(const struct wm_expr *e, const struct wm_call_view *c, const __u8 *val_slot);

/* Does e read the result or the latency (so it can only be decided at return)? */
bool expr__needs_return(const struct wm_expr *e);

/*
 * Write e back as a canonical expression ("ret < 0 && pat == \"ab*\""),
 * which expr__parse() compiles to the same program. sig (may be NULL)
 * gives the parameter names; without one, operands are arg0..arg5.
 * Returns the length the whole text needs, as snprintf does, or -EINVAL
 * for an invalid program.
 */
int expr__snprint(const struct wm_expr *e, const struct wm_sig *sig, char *buf, size_t size);

#endif
