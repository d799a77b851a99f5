/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output sink: every call the store sees, written to a stdio stream as a
 * text line or a JSON object. Used by wrapmon-trace for stdout and by the
 * consumer benchmark, so both format and write exactly alike.
 */
#ifndef WM_SINK_H
#define WM_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "util/buf.h"
#include "sinks/format.h"
#include "store/store.h"

struct wm_out_sink {
	FILE *out;
	struct wm_fmt_opts fmt;
	struct wm_buf line; /* the lines not yet given to out */
	struct wm_fmt_cache *cache;
};

/*
 * Fill sink (for store__add_sink()) so that each call is written to out, as
 * JSON when json is set, else as text formatted with fmt. o must outlive
 * the store. Write errors are left in out's error flag, as with fwrite().
 * Lines reach out in batches: out_sink__flush() before anything else is
 * written to out or out is flushed.
 */
void out_sink__init(struct wm_out_sink *o, FILE *out, bool json, const struct wm_fmt_opts *fmt,
		    struct wm_sink *sink);
/* The lines still held, to out (fwrite(), not fflush()). */
void out_sink__flush(struct wm_out_sink *o);
/* Drops the lines still held: flush first. NULL-safe. */
void out_sink__free(struct wm_out_sink *o);

/*
 * Where wrapmon-trace's output goes: a stdio stream whose bytes a thread of
 * its own writes to fd with blocking writes. Whoever fills the stream
 * never waits on the reader: a stdout pipe nobody reads must not keep the
 * tracer from its signals, and an inherited stdout is shared with the
 * shell, so it is never made non-blocking. On a failed write the thread
 * stops; what it was given from then on is counted as lost, and a regular
 * file is cut back to its last whole line.
 */
struct wm_output;

struct wm_output_opts {
	size_t sz;
	int fd;
	size_t max_pending; /* bytes waiting before output__full() (0: 1 MiB) */
};

struct wm_output_stats {
	__u64 written;	  /* bytes */
	__u64 lost;	  /* bytes not written: after a failure, or given up */
	__u64 lost_lines; /* newlines among them */
};

int output__new(const struct wm_output_opts *opts, struct wm_output **out);
/* The stream to write to: fully buffered; bytes reach the writer on output__flush(). */
FILE *output__file(struct wm_output *o);
/* Hand what the stream holds to the writer. Never blocks. */
void output__flush(struct wm_output *o);
/* Enough is waiting that whoever produces output should pause. */
bool output__full(struct wm_output *o);
/* Everything handed over is written. */
bool output__idle(struct wm_output *o);
/* The errno of the write that failed, 0 while all is well. */
int output__error(struct wm_output *o);
/* Wait up to timeout_ms for output__idle(); true when it is, false on a failure or timeout. */
bool output__wait(struct wm_output *o, int timeout_ms);
/* Stop writing: what waits is dropped and counted as lost, and so is all that comes later. */
void output__abandon(struct wm_output *o);
bool output__abandoned(struct wm_output *o);
void output__stats(struct wm_output *o, struct wm_output_stats *st);
/*
 * Never waits for the reader: whatever is still waiting is lost (wait with
 * output__wait() first), and a write blocked on it is cancelled.
 */
void output__free(struct wm_output *o);

#endif
