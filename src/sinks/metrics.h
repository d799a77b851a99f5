/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus metrics over HTTP (--metrics ADDR:PORT). The tracer's loop
 * copies the store's aggregates into a snapshot now and then; the HTTP
 * server (libmicrohttpd's own thread) renders only from the snapshot, so a
 * scrape never touches the store and never holds up the ring buffer beyond
 * a short mutex hold.
 */
#ifndef WM_METRICS_H
#define WM_METRICS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "util/buf.h"
#include "plan/func.h"
#include "store/store.h"

/*
 * Histogram bounds: le = 2^k - 1 ns for k = 10..34 (1.023 us .. 17.18 s).
 * 2^k is where a bucket of the store's log-linear histogram starts, so
 * "latency <= 2^k - 1 ns" is a whole number of store buckets and every
 * count is exact.
 */
#define WM_METRICS_LE_FIRST 10
#define WM_METRICS_NR_LE    25

/* The tracer's own figures, as of the last refresh. */
struct metrics_self {
	__u64 ring_size;   /* BPF ring buffer, bytes */
	__u64 records;	   /* records read from the ring (malformed ones too) */
	__u64 bad_records; /* of which malformed and ignored */
	__u64 cpu_us;	   /* user + system CPU time of the tracer */
	__u64 rss_bytes;   /* resident memory of the tracer */
};

struct metrics_snapshot;

/* Labels are escaped once, here; funcs need not outlive the snapshot. */
int metrics__snapshot_new(const struct wm_func *funcs, int nr_funcs, pid_t pid,
			  struct metrics_snapshot **out);
void metrics__snapshot_free(struct metrics_snapshot *snap);
/* Copy the store's aggregates (functions 0..nr_funcs-1) and self into snap. */
void metrics__snapshot_fill(struct metrics_snapshot *snap, const struct wm_store *store,
			    const struct metrics_self *self);
/*
 * Text exposition format 0.0.4 of snap: every metric but the scrape duration,
 * which only the server knows (metrics__render_scrape_duration).
 */
void metrics__render(const struct metrics_snapshot *snap, struct wm_buf *b);
void metrics__render_scrape_duration(struct wm_buf *b, __u64 ns);
/* Upper bound of histogram bucket i (0..WM_METRICS_NR_LE-1), in ns. */
__u64 metrics__le_ns(int i);

/*
 * "127.0.0.1:9464", "[::1]:9464", ":9464" (loopback), "localhost:9464",
 * "0.0.0.0:9464" (every interface: must be asked for). Numeric addresses
 * only; port 0 picks a free port. -EINVAL with a one-line reason in err.
 */
int metrics__parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err,
			size_t errsz);
bool metrics__is_loopback(const struct sockaddr_storage *ss);

struct metrics_opts {
	size_t sz;
	const struct sockaddr_storage *addr; /* from metrics__parse_addr */
	socklen_t addr_len;
	pid_t pid; /* the pid label */
	__u64 ring_size;
	unsigned int max_conns; /* open at once; one more evicts the oldest; 0: 128 */
	unsigned int timeout_s; /* limit on a connection's life (from accept), seconds; 0: 10 */
	bool verbose;		/* libmicrohttpd's messages on stderr */
	int extra_funcs; /* functions funcs has room for past nr_funcs (metrics__add_funcs()) */
};

struct wm_metrics;

/*
 * funcs (the array metrics__new() took) now holds nr_funcs, within its
 * extra_funcs: exported from the next metrics__update(). NULL-safe.
 */
int metrics__add_funcs(struct wm_metrics *m, const struct wm_func *funcs, int nr_funcs);

/*
 * Bind, listen and start serving (an empty snapshot until the first update).
 * A negative errno with a one-line reason and fix in err; nothing is left
 * open then.
 */
int metrics__new(const struct metrics_opts *opts, const struct wm_func *funcs, int nr_funcs,
		 struct wm_metrics **out, char *err, size_t errsz);
/* The address actually bound, e.g. "127.0.0.1:9464" or "[::1]:40123". */
const char *metrics__addr(const struct wm_metrics *m);
/* Refresh the snapshot from the store (the caller's thread owns the store). */
void metrics__update(struct wm_metrics *m, const struct wm_store *store, __u64 records,
		     __u64 bad_records);
/* Stop the server (waits for its thread) and free everything. NULL is fine. */
void metrics__free(struct wm_metrics *m);

#endif
