/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The monitor store: per-function aggregates and a bounded ring of the most
 * recent calls, with sinks that see every call (terminal, JSON, and later
 * persistent stores and exporters) without touching BPF or ring-buffer code.
 */
#ifndef WM_STORE_H
#define WM_STORE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include "plan/func.h"
#include "probe/record.h"

/* Log-linear latency histogram: 64 powers of two, 16 linear steps each. */
#define WM_HIST_SUB	16
#define WM_HIST_BUCKETS (64 * WM_HIST_SUB)
/* Linux's errno numbers end at 133 (EHWPOISON); wm_agg.errnos[] counts each below this. */
#define WM_ERRNO_COUNTED 134

struct wm_agg {
	__u64 calls;	  /* completed calls, with --returns=none entries */
	__u64 timed;	  /* the calls with a latency (all but --returns=none entries) */
	__u64 unfinished; /* entries whose return never came */
	__u64 dropped;	  /* records lost in BPF (ring full, too deep) */
	__u64 errors;	  /* completed calls --error marked */
	__u64 filtered;	  /* calls seen that --filter left out (counted in BPF) */
	__u64 lat_min, lat_max, lat_sum;
	__u64 hist[WM_HIST_BUCKETS];
	/*
	 * Failing calls by the errno they left (WM_F_ERRNO): [e] for each
	 * e < WM_ERRNO_COUNTED, [0] for any larger one (0 is never read).
	 */
	__u64 errnos[WM_ERRNO_COUNTED];
};

struct wm_sink {
	void (*on_call)(void *ctx, const struct wm_func *f, const struct wm_call_view *c);
	void *ctx;
};

struct wm_store_opts {
	size_t sz;
	size_t recent;	    /* calls kept in the recent ring (0: none) */
	bool show_errors;   /* an ERRORS column in the text summary (--error given) */
	bool show_filtered; /* a FILTERED column (--filter given) */
	/* Functions that may be added while tracing (store__add_funcs()), Python's. */
	int extra_funcs;
};

struct wm_store;

/* funcs must outlive the store; nr_funcs indexes wm_func.id. */
int store__new(const struct wm_func *funcs, int nr_funcs, const struct wm_store_opts *opts,
	       struct wm_store **out);
void store__free(struct wm_store *s);
/*
 * The function array (the one store__new() took, which had room for them)
 * now holds nr_funcs: functions met while tracing. -EINVAL past the room.
 */
int store__add_funcs(struct wm_store *s, int nr_funcs);
/* Up to 8 sinks, called in order for every call added. */
int store__add_sink(struct wm_store *s, const struct wm_sink *sink);
/* Aggregate one decoded record (call or unfinished), keep it, pass it to sinks. -EINVAL for a bad func id. */
int store__add(struct wm_store *s, const struct wm_call_view *c);
/* Drops are counted in BPF; this sets the absolute figure for a function. */
void store__set_dropped(struct wm_store *s, __u32 func_id, __u64 dropped);
/* The same for calls --filter left out in BPF. */
void store__set_filtered(struct wm_store *s, __u32 func_id, __u64 filtered);
const struct wm_agg *store__agg(const struct wm_store *s, __u32 func_id);
/* Latency at percentile p (0..100) of completed calls; 0 when none. Within 1/16 of the true value. */
__u64 store__percentile(const struct wm_store *s, __u32 func_id, double p);
/* The same for any aggregate (an interval's, say); a may be NULL. */
__u64 store__agg_percentile(const struct wm_agg *a, double p);
/* Bucket i of wm_agg.hist holds latencies in [low, low + *width). */
__u64 store__bucket_low(unsigned int i, __u64 *width);
/* Recent calls, oldest first: i in [0, store__nr_recent()). Strings are owned by the store. */
size_t store__nr_recent(const struct wm_store *s);
const struct wm_call_view *store__recent(const struct wm_store *s, size_t i);

/* --summary-only: set a function's aggregates (not dropped) from its BPF ones. */
int store__set_agg(struct wm_store *s, __u32 func_id, const struct wm_func_agg *b);

/* What the summary printers (sinks/summary.h) read; valid while the store lives. */
struct wm_store_view {
	const struct wm_func *funcs;
	const struct wm_agg *aggs; /* indexed like funcs */
	int nr_funcs;
	bool show_errors; /* as in wm_store_opts */
	bool show_filtered;
};
void store__view(const struct wm_store *s, struct wm_store_view *v);
/*
 * What happened since the previous call (or the start) into delta, one
 * wm_agg per function. Counts subtract exactly; an interval's min and max
 * are histogram bucket bounds (within 1/16), kept inside the session's true
 * min and max.
 */
int store__interval(struct wm_store *s, struct wm_agg *delta);

#endif
