// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Each held call keeps its text line, formatted when it came (the record's
 * bytes do not outlive the sink's call), and where the line's parts end.
 * A thread's calls are written sorted by entry time, which for calls that
 * nest is their order in the tree; a caller whose "{" was written before
 * (it was still running at a forced write) sorts by its return instead, so
 * that it closes after the children it holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/tree.h"
#include "store/nest.h"
#include "util/buf.h"
#include "util/grow.h"
#include "util/opts.h"
#include "util/timefmt.h"
#include "wrapmon.h"

#define DEF_HOLD_NS   1000000000ULL
#define DEF_MAX_CALLS 4096

struct held {
	__u64 entry_ns, end_ns, parent_entry_ns, ts_real_ns;
	__u64 key; /* sort key: entry, or end for a caller already opened */
	__u32 depth;
	bool closer; /* its "{" was written at a forced write */
	char *text;
	size_t len;
	struct wm_text_parts parts;
};

struct thread {
	__u32 tid;
	__u32 nr_open; /* depths 0..nr_open-1 have a "... {" written */
	struct held *calls;
	int nr, cap;
	__u64 oldest_end; /* CLOCK_MONOTONIC return of the first held call */
};

struct wm_tree {
	struct wm_tree_opts o;
	struct thread *threads;
	int nr_threads, cap_threads;
	struct wm_nest *nest; /* JSON ids */
	struct wm_buf line;
};

int tree__new(const struct wm_tree_opts *opts, struct wm_tree **out)
{
	struct wm_tree *t;
	int ret;

	if (!out || !OPTS_VALID(opts) || !OPTS_GET(opts, out, NULL))
		return -EINVAL;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o.out = opts->out;
	t->o.json = OPTS_GET(opts, json, false);
	t->o.fmt = OPTS_GET(opts, fmt, (struct wm_fmt_opts){});
	t->o.max_hold_ns = OPTS_GET(opts, max_hold_ns, 0) ?: DEF_HOLD_NS;
	t->o.max_calls = OPTS_GET(opts, max_calls, 0) ?: DEF_MAX_CALLS;
	ret = nest__new(1, &t->nest);
	if (ret) {
		free(t);
		return ret;
	}
	*out = t;
	return 0;
}

static struct thread *thread_get(struct wm_tree *t, __u32 tid)
{
	struct thread *th;

	for (int i = 0; i < t->nr_threads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	if (grow__array_int(&t->threads, &t->cap_threads, t->nr_threads + 1, sizeof(*t->threads)))
		return NULL;
	th = &t->threads[t->nr_threads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	return th;
}

static void indent(struct wm_buf *b, __u32 depth)
{
	for (__u32 i = 0; i < depth; i++)
		buf__puts(b, "  ");
}

/* The timestamp and ids of a line, at the call's return. */
static void head_at_end(struct wm_tree *t, const struct held *h)
{
	timefmt__clock(&t->line, h->ts_real_ns + (h->end_ns - h->entry_ns), t->o.fmt.utc, true);
	buf__put(&t->line, h->text + h->parts.ts_end, h->parts.head_end - h->parts.ts_end);
}

static size_t first_line_end(const struct held *h)
{
	const char *nl = memchr(h->text + h->parts.args_end, '\n', h->len - h->parts.args_end);

	return nl ? (size_t)(nl - h->text) : h->len;
}

static void put_leaf(struct wm_tree *t, const struct held *h)
{
	buf__put(&t->line, h->text, h->parts.head_end);
	indent(&t->line, h->depth);
	buf__put(&t->line, h->text + h->parts.head_end, h->len - h->parts.head_end);
}

static void put_open(struct wm_tree *t, const struct held *h)
{
	buf__put(&t->line, h->text, h->parts.head_end);
	indent(&t->line, h->depth);
	buf__put(&t->line, h->text + h->parts.head_end, h->parts.args_end - h->parts.head_end);
	buf__puts(&t->line, " {\n");
}

/* "} = 3  <6.0 us>  / * name * /" then the call's other lines (--stack). */
static void put_close(struct wm_tree *t, const struct held *h)
{
	size_t eol = first_line_end(h);

	head_at_end(t, h);
	indent(&t->line, h->depth);
	buf__putc(&t->line, '}');
	buf__put(&t->line, h->text + h->parts.args_end, eol - h->parts.args_end);
	buf__puts(&t->line, "  /* ");
	buf__put(&t->line, h->text + h->parts.head_end, h->parts.name_end - h->parts.head_end);
	buf__puts(&t->line, " */");
	buf__put(&t->line, h->text + eol, h->len - eol);
}

/* A caller whose "{" was written before its children: "} name(args) = ret". */
static void put_late_close(struct wm_tree *t, const struct held *h)
{
	head_at_end(t, h);
	indent(&t->line, h->depth);
	buf__puts(&t->line, "} ");
	buf__put(&t->line, h->text + h->parts.head_end, h->len - h->parts.head_end);
}

/* Callers still running: "... {" under the timestamp's width of blanks. */
static void put_running(struct wm_tree *t, const struct held *h, __u32 depth)
{
	for (size_t i = 0; i < h->parts.ts_end; i++)
		buf__putc(&t->line, ' ');
	buf__put(&t->line, h->text + h->parts.ts_end, h->parts.head_end - h->parts.ts_end);
	indent(&t->line, depth);
	buf__puts(&t->line, "... {\n");
}

static int held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/* Write what th holds; its callers still running stay open (nr_open). */
static void thread_write(struct wm_tree *t, struct thread *th)
{
	struct held **open = NULL;
	int nr_open = 0, i;

	for (i = 0; i < th->nr; i++) {
		struct held *h = &th->calls[i];

		h->closer = h->depth < th->nr_open;
		h->key = h->closer ? h->end_ns : h->entry_ns;
	}
	qsort(th->calls, th->nr, sizeof(*th->calls), held_cmp);
	open = calloc(th->nr ? th->nr : 1, sizeof(*open));
	for (i = 0; i < th->nr; i++) {
		struct held *h = &th->calls[i], *next = i + 1 < th->nr ? &th->calls[i + 1] : NULL;

		buf__reset(&t->line);
		while (nr_open && open[nr_open - 1]->depth >= h->depth)
			put_close(t, open[--nr_open]);
		if (h->closer) {
			put_late_close(t, h);
			th->nr_open = h->depth;
		} else {
			/* Its callers, still running, opened once: they close at their return. */
			while (!nr_open && th->nr_open < h->depth)
				put_running(t, h, th->nr_open++);
			if (open && next && !next->closer && next->depth > h->depth &&
			    next->parent_entry_ns == h->entry_ns) {
				put_open(t, h);
				open[nr_open++] = h;
			} else {
				put_leaf(t, h);
			}
		}
		fwrite(t->line.p, 1, t->line.len, t->o.out);
	}
	buf__reset(&t->line);
	while (nr_open)
		put_close(t, open[--nr_open]);
	fwrite(t->line.p, 1, t->line.len, t->o.out);
	free(open);
	for (i = 0; i < th->nr; i++)
		free(th->calls[i].text);
	th->nr = 0;
}

static void thread_drop_if_idle(struct wm_tree *t, struct thread *th)
{
	if (th->nr || th->nr_open)
		return;
	free(th->calls);
	*th = t->threads[--t->nr_threads];
}

static void on_json(struct wm_tree *t, const struct wm_func *f, const struct wm_call_view *c)
{
	__u64 id, parent;

	nest__link(t->nest, c->hdr.tid, c->hdr.depth, c->hdr.entry_ns, c->hdr.parent_entry_ns, &id,
		   &parent);
	buf__reset(&t->line);
	format__call_json(&t->line, f, c);
	/* The object ends in "}\n": the ids go in before. */
	if (t->line.len >= 2 && !t->line.err) {
		t->line.len -= 2;
		buf__printf(&t->line, ",\"id\":%llu,\"parent\":%llu}\n", (unsigned long long)id,
			    (unsigned long long)parent);
	}
	fwrite(t->line.p, 1, t->line.len, t->o.out);
}

static void on_call(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_tree *t = ctx;
	struct thread *th;
	struct held *h;

	if (t->o.json) {
		on_json(t, f, c);
		return;
	}
	buf__reset(&t->line);
	th = thread_get(t, c->hdr.tid);
	if (!th || grow__array_int(&th->calls, &th->cap, th->nr + 1, sizeof(*th->calls))) {
		/* No memory to hold it: the line as it is, in return order. */
		format__call_text(&t->line, f, c, &t->o.fmt);
		fwrite(t->line.p, 1, t->line.len, t->o.out);
		return;
	}
	h = &th->calls[th->nr];
	memset(h, 0, sizeof(*h));
	format__call_text_parts(&t->line, f, c, &t->o.fmt, &h->parts);
	h->text = malloc(t->line.len + 1);
	if (!h->text || t->line.err) {
		free(h->text);
		fwrite(t->line.p, 1, t->line.len, t->o.out);
		return;
	}
	memcpy(h->text, t->line.p, t->line.len);
	h->len = t->line.len;
	h->entry_ns = c->hdr.entry_ns;
	h->end_ns = c->hdr.entry_ns + c->hdr.latency_ns;
	h->parent_entry_ns = c->hdr.parent_entry_ns;
	h->ts_real_ns = c->ts_real_ns;
	h->depth = c->hdr.depth;
	if (!th->nr++)
		th->oldest_end = h->end_ns;
	/* Its outermost call returned: the tree is whole. */
	if (!h->depth || (__u32)th->nr >= t->o.max_calls) {
		thread_write(t, th);
		thread_drop_if_idle(t, th);
	}
}

void tree__sink(struct wm_tree *t, struct wm_sink *sink)
{
	sink->on_call = on_call;
	sink->ctx = t;
}

void tree__tick(struct wm_tree *t, __u64 now)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_threads; i++) {
		struct thread *th = &t->threads[i];

		if (!th->nr || now < th->oldest_end || now - th->oldest_end < t->o.max_hold_ns)
			continue;
		thread_write(t, th);
		/* Idle threads are swapped with the last one: look at this slot again. */
		if (!th->nr_open) {
			thread_drop_if_idle(t, th);
			i--;
		}
	}
}

void tree__flush(struct wm_tree *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_threads; i++)
		if (t->threads[i].nr)
			thread_write(t, &t->threads[i]);
}

void tree__free(struct wm_tree *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_threads; i++) {
		for (int j = 0; j < t->threads[i].nr; j++)
			free(t->threads[i].calls[j].text);
		free(t->threads[i].calls);
	}
	free(t->threads);
	nest__free(t->nest);
	buf__free(&t->line);
	free(t);
}
