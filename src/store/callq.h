/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded queue of calls from the ring-buffer thread to a writer thread.
 * Pushing copies the call and never blocks: a full queue refuses it, so a
 * slow writer costs calls it did not keep, never records lost in BPF.
 */
#ifndef WM_CALLQ_H
#define WM_CALLQ_H

#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "probe/record.h"

struct wm_callq_opts {
	size_t sz;
	size_t max_calls;  /* calls queued at most (0: 262144) */
	size_t max_bytes;  /* bytes queued at most (0: 64 MiB) */
	size_t wake_calls; /* wake the taker once this many are queued (0: 4096) */
};

struct wm_callq;

/* A batch taken out of the queue; read with callq__next(). */
struct wm_callq_batch {
	struct wm_buf buf;
	size_t pos;
	size_t nr;
};

int callq__new(const struct wm_callq_opts *opts, struct wm_callq **out);
void callq__free(struct wm_callq *q);
/* Copy c in. -ENOSPC when full, -EPIPE once closed. */
int callq__push(struct wm_callq *q, const struct wm_call_view *c);
/*
 * Wait up to timeout_ms for calls, then move every queued call into b
 * (whose earlier contents are dropped). The number of calls taken, 0 on
 * timeout, -EPIPE when the queue is closed and empty.
 */
int callq__take(struct wm_callq *q, struct wm_callq_batch *b, int timeout_ms);
/* The next call of b into v (pointing into b); false at the end. */
bool callq__next(struct wm_callq_batch *b, struct wm_call_view *v);
void callq_batch__free(struct wm_callq_batch *b);
/* No more pushes; the taker gets what is left, then -EPIPE. */
void callq__close(struct wm_callq *q);

#endif
