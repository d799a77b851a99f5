/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the monitor store has aggregated, printed for people or machines:
 * the summary table at the end, the one of each --interval, and the --hist
 * histograms. The store keeps the figures; this only reads them.
 */
#ifndef WM_SUMMARY_H
#define WM_SUMMARY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include "store/store.h"

/* The summary table (text) or {"summary":{...}}\n (json). Functions with no calls are listed too. */
void summary__print(const struct wm_store *s, FILE *out, bool json, __u64 duration_ns);
/*
 * The summary of what happened since the previous call (or the start), as
 * a table under a time line, or {"interval":{"ts":...,"duration_ns":...,
 * "functions":[...]}}\n. Interval MIN/MAX are histogram bucket bounds
 * (within 1/16), kept inside the session's true min and max.
 */
int summary__print_interval(struct wm_store *s, FILE *out, bool json, bool utc, __u64 ts_real_ns,
			    __u64 interval_ns);
/* funclatency-style log2 latency histogram of every function with calls. */
void summary__print_hist(const struct wm_store *s, FILE *out);

#endif
