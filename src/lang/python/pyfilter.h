/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --filter on Python functions: an expression over a call's parameters by
 * name, its result, its latency and the exception it raised, checked in
 * userspace on each record from the value snapshots it carries
 * (include/wm_python.h). The native language (plan/expr.h) compiles to BPF
 * against a C signature; a Python call has names and values instead, known
 * only when its code object is first met, so the text is parsed once at
 * start and bound to each function's parameters when it is met.
 *
 *	struct pyfilter *f;
 *	pyfilter__parse("n > 100 and exc == \"Value*\"", &f, &col, err, sizeof(err));
 *	struct pyfilter_bound *b;
 *	pyfilter__bind(f, "mod.fn", params, nr, &b, err, sizeof(err)); // a name it lacks: -ENOENT
 *	pyfilter__eval(b, view);   // keep the call?
 *
 * Values compare as Python would where both sides have a value of a kind
 * that compares (numbers with numbers, str with str); anything else (a str
 * with a number, a value not captured or cut) makes a comparison false,
 * and != is always the negation of ==.
 */
#ifndef WM_PYFILTER_H
#define WM_PYFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/record.h"

struct pyfilter;
struct pyfilter_bound;

/*
 * Parse text. On error returns -EINVAL with *err_col the 1-based column and
 * a one-line message (no column) in err; -ENOMEM when memory runs out.
 */
int pyfilter__parse(const char *text, struct pyfilter **out, int *err_col, char *err, size_t errsz);
void pyfilter__free(struct pyfilter *f);

/* Does f read the parameters' or the result's values (snapshots must be taken)? */
bool pyfilter__needs_values(const struct pyfilter *f);
/* Does f read what only a call's end has: ret, latency, raised, exc, yielded? */
bool pyfilter__needs_return(const struct pyfilter *f);

/*
 * f for the function named func (for the message) whose parameters, in
 * binding order, are params ("*args", "**kwargs" are matched by args and
 * kwargs). A name the function does not have has no value in its calls,
 * as one not captured. 0 when it has every name f uses; else *out is made
 * all the same and err names the first missing one and the parameters
 * there are: 1 when it has some of f's names (a filter written for
 * several functions), -ENOENT when it has none (a slip, most likely).
 * -ENOMEM.
 */
int pyfilter__bind(const struct pyfilter *f, const char *func, const char *const *params,
		   int nr_params, struct pyfilter_bound **out, char *err, size_t errsz);
void pyfilter__unbind(struct pyfilter_bound *b);
/* The filter b was bound from. */
const struct pyfilter *pyfilter__of(const struct pyfilter_bound *b);

/*
 * Does the call c (a record of the bound function) pass? A call whose end
 * never came (WM_REC_UNFINISHED) has no result, latency or exception: what
 * reads them is false for it, as for a value not captured.
 */
bool pyfilter__eval(const struct pyfilter_bound *b, const struct wm_call_view *c);

#endif /* WM_PYFILTER_H */
