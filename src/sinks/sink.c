// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls to a stdio stream: one line built in a buffer, then one fwrite(). */
#include "sinks/sink.h"

static void sink_text(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_out_sink *o = ctx;

	buf__reset(&o->line);
	format__call_text(&o->line, f, c, &o->fmt);
	fwrite(o->line.p, 1, o->line.len, o->out);
}

static void sink_json(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_out_sink *o = ctx;

	buf__reset(&o->line);
	format__call_json(&o->line, f, c);
	fwrite(o->line.p, 1, o->line.len, o->out);
}

void out_sink__init(struct wm_out_sink *o, FILE *out, bool json, const struct wm_fmt_opts *fmt,
		    struct wm_sink *sink)
{
	o->out = out;
	o->fmt = *fmt;
	o->line = (struct wm_buf){};
	sink->on_call = json ? sink_json : sink_text;
	sink->ctx = o;
}

void out_sink__free(struct wm_out_sink *o)
{
	buf__free(&o->line);
}
