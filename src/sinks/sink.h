/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output sink: every call the store sees, written to a stdio stream as a
 * text line or a JSON object. Used by wrapmon-trace for stdout and by the
 * consumer benchmark, so both format and write exactly alike.
 */
#ifndef WM_SINK_H
#define WM_SINK_H

#include <stdbool.h>
#include <stdio.h>
#include "util/buf.h"
#include "sinks/format.h"
#include "store/store.h"

struct wm_out_sink {
	FILE *out;
	struct wm_fmt_opts fmt;
	struct wm_buf line; /* reused for every call */
};

/*
 * Fill sink (for store__add_sink()) so that each call is written to out, as
 * JSON when json is set, else as text formatted with fmt. o must outlive
 * the store. Write errors are left in out's error flag, as with fwrite().
 */
void out_sink__init(struct wm_out_sink *o, FILE *out, bool json, const struct wm_fmt_opts *fmt,
		    struct wm_sink *sink);
void out_sink__free(struct wm_out_sink *o);

#endif
