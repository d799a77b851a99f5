/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --tree: calls in entry order, indented by their depth per thread, like
 * uftrace. Records come at return, children first, so a thread's calls
 * are held until its outermost traced call returns; then its whole tree is
 * written at once: a call with children as "name(args) {", its children,
 * then "} = ret  <latency>  /" "* name *" "/" at its return time; a call
 * without children as the usual one line.
 *
 * The delay is bounded: a thread whose oldest held call returned more than
 * max_hold_ns ago (or that holds max_calls calls) has what it holds written
 * now. Its callers still running then show as a "... {" line, and each one,
 * at its return, as "} name(args) = ret  <latency>" closing it.
 *
 * JSON is not held: records stay in return order, each with "id" and
 * "parent" (the id of the enclosing traced call, 0 at depth 0).
 */
#ifndef WM_TREE_H
#define WM_TREE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "sinks/format.h"
#include "store/store.h"

struct wm_tree_opts {
	size_t sz;
	FILE *out;
	bool json;
	struct wm_fmt_opts fmt;
	__u64 max_hold_ns; /* 0: 1 s */
	__u32 max_calls;   /* per thread; 0: 4096 */
};

struct wm_tree;

int tree__new(const struct wm_tree_opts *opts, struct wm_tree **out);
/* Every call passed to this sink is written to opts->out, in time. */
void tree__sink(struct wm_tree *t, struct wm_sink *sink);
/* Write what has been held too long; now is CLOCK_MONOTONIC. */
void tree__tick(struct wm_tree *t, __u64 now);
/* Write everything held (the end of the trace). */
void tree__flush(struct wm_tree *t);
void tree__free(struct wm_tree *t);

#endif
