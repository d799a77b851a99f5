// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The monitor store. Aggregates are fixed-size per function; the only memory
 * that grows with traffic is the recent ring, and that is bounded by its
 * number of entries times the largest record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "util/opts.h"

#define WM_STORE_MAX_SINKS 8

struct wm_recent {
	struct wm_call_view v; /* str[] point into data */
	char *data;
	size_t data_cap;
};

struct wm_store {
	const struct wm_func *funcs;
	int nr_funcs;
	int cap_funcs; /* aggs (and prev) have room for this many */
	struct wm_agg *aggs;
	struct wm_sink sinks[WM_STORE_MAX_SINKS];
	int nr_sinks;
	struct wm_recent *recent;
	size_t recent_cap;
	size_t recent_len;
	size_t recent_head;  /* slot the next call goes into */
	struct wm_agg *prev; /* at the last interval, for store__interval() */
	bool show_errors, show_filtered;
};

int store__new(const struct wm_func *funcs, int nr_funcs, const struct wm_store_opts *opts,
	       struct wm_store **out)
{
	struct wm_store *s = NULL;
	size_t recent;
	int err;

	if (!out || nr_funcs < 0 || (nr_funcs && !funcs))
		return -EINVAL;
	*out = NULL;
	if (!OPTS_VALID(opts))
		return -EINVAL;
	recent = OPTS_GET(opts, recent, 0);

	err = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto cleanup;
	s->funcs = funcs;
	s->nr_funcs = nr_funcs;
	s->cap_funcs = nr_funcs + OPTS_GET(opts, extra_funcs, 0);
	s->show_errors = OPTS_GET(opts, show_errors, false);
	s->show_filtered = OPTS_GET(opts, show_filtered, false);
	s->aggs = calloc(s->cap_funcs ? s->cap_funcs : 1, sizeof(*s->aggs));
	if (!s->aggs)
		goto cleanup;
	if (recent) {
		s->recent = calloc(recent, sizeof(*s->recent));
		if (!s->recent)
			goto cleanup;
		s->recent_cap = recent;
	}
	*out = s;
	return 0;
cleanup:
	store__free(s);
	return err;
}

void store__free(struct wm_store *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->recent_cap; i++)
		free(s->recent[i].data);
	free(s->recent);
	free(s->aggs);
	free(s->prev);
	free(s);
}

int store__add_sink(struct wm_store *s, const struct wm_sink *sink)
{
	if (!s || !sink || !sink->on_call)
		return -EINVAL;
	if (s->nr_sinks >= WM_STORE_MAX_SINKS)
		return -E2BIG;
	s->sinks[s->nr_sinks++] = *sink;
	return 0;
}

/*
 * Log-linear bucket: values below 16 are exact; above, the exponent picks a
 * group of 16 and the 4 bits under the top bit pick the step, so a bucket is
 * never wider than 1/16 of its lower bound. 2^63..2^64-1 lands in 975.
 */
static unsigned int hist_bucket(__u64 v)
{
	unsigned int e;

	if (v < WM_HIST_SUB)
		return v;
	e = 63 - __builtin_clzll(v);
	return (e - 3) * WM_HIST_SUB + ((v >> (e - 4)) & (WM_HIST_SUB - 1));
}

/* Lower bound and width of bucket i (the inverse of hist_bucket). */
static __u64 hist_low(unsigned int i, __u64 *width)
{
	unsigned int e, sub;

	if (i < WM_HIST_SUB) {
		*width = 1;
		return i;
	}
	e = i / WM_HIST_SUB + 3;
	sub = i % WM_HIST_SUB;
	*width = 1ULL << (e - 4);
	return (__u64)(WM_HIST_SUB + sub) << (e - 4);
}

__u64 store__bucket_low(unsigned int i, __u64 *width)
{
	return hist_low(i, width);
}

static void agg_add_latency(struct wm_agg *a, __u64 ns)
{
	if (!a->timed || ns < a->lat_min)
		a->lat_min = ns;
	if (!a->timed || ns > a->lat_max)
		a->lat_max = ns;
	a->calls++;
	a->timed++;
	a->lat_sum += ns;
	a->hist[hist_bucket(ns)]++;
}

/* Deep-copy c into the oldest slot of the ring. */
static int store__keep(struct wm_store *s, const struct wm_call_view *c)
{
	struct wm_recent *r = &s->recent[s->recent_head];
	size_t need = 0, off = 0;
	char *data;
	int i;

	for (i = 0; i < WM_NR_SLOTS; i++)
		if (c->str_len[i] > 0 && c->str[i])
			need += c->str_len[i];
	/* Keep one byte so an empty string still has a non-NULL address. */
	if (need + 1 > r->data_cap) {
		data = realloc(r->data, need + 1);
		if (!data)
			return -ENOMEM;
		r->data = data;
		r->data_cap = need + 1;
	}
	r->v = *c;
	for (i = 0; i < WM_NR_SLOTS; i++) {
		if (c->str_len[i] < 0 || !c->str[i]) {
			r->v.str[i] = NULL;
			continue;
		}
		memcpy(r->data + off, c->str[i], c->str_len[i]);
		r->v.str[i] = r->data + off;
		off += c->str_len[i];
	}
	s->recent_head = (s->recent_head + 1) % s->recent_cap;
	if (s->recent_len < s->recent_cap)
		s->recent_len++;
	return 0;
}

int store__add(struct wm_store *s, const struct wm_call_view *c)
{
	const struct wm_func *f;
	struct wm_agg *a;
	int err = 0, i;

	if (!s || !c || c->hdr.func_id >= (__u32)s->nr_funcs)
		return -EINVAL;
	f = &s->funcs[c->hdr.func_id];
	a = &s->aggs[c->hdr.func_id];
	if (c->hdr.kind == WM_REC_CALL) {
		/* --returns=none: counted, but it has no latency. */
		if (c->hdr.flags & WM_F_ENTRY_ONLY)
			a->calls++;
		else
			agg_add_latency(a, c->hdr.latency_ns);
		if (c->hdr.flags & WM_F_ERROR)
			a->errors++;
		if (c->hdr.flags & WM_F_ERRNO)
			a->errnos[c->hdr.uerrno < WM_ERRNO_COUNTED ? c->hdr.uerrno : 0]++;
	} else if (c->hdr.kind == WM_REC_UNFINISHED)
		a->unfinished++;
	else
		return -EINVAL;
	if (s->recent_cap)
		err = store__keep(s, c);
	/* A call the ring could not keep is still shown. */
	for (i = 0; i < s->nr_sinks; i++)
		s->sinks[i].on_call(s->sinks[i].ctx, f, c);
	return err;
}

/*
 * Written only when it changed: the aggregates of functions never called
 * stay untouched zero pages, not 9 KiB of memory each (libc:* has 2,000).
 */
void store__set_dropped(struct wm_store *s, __u32 func_id, __u64 dropped)
{
	if (!s || func_id >= (__u32)s->nr_funcs || s->aggs[func_id].dropped == dropped)
		return;
	s->aggs[func_id].dropped = dropped;
}

void store__set_filtered(struct wm_store *s, __u32 func_id, __u64 filtered)
{
	if (!s || func_id >= (__u32)s->nr_funcs || s->aggs[func_id].filtered == filtered)
		return;
	s->aggs[func_id].filtered = filtered;
}

const struct wm_agg *store__agg(const struct wm_store *s, __u32 func_id)
{
	if (!s || func_id >= (__u32)s->nr_funcs)
		return NULL;
	return &s->aggs[func_id];
}

__u64 store__agg_percentile(const struct wm_agg *a, double p)
{
	__u64 rank, cum = 0, low, width, mid;
	double r;
	unsigned int i;

	if (!a || !a->timed)
		return 0;
	if (!(p > 0))
		return a->lat_min;
	if (p >= 100)
		return a->lat_max;
	/* rank = ceil(p% of calls), in 1..calls; no libm for one ceil(). */
	r = p * (double)a->timed / 100.0;
	rank = (__u64)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > a->timed)
		rank = a->timed;
	for (i = 0; i < WM_HIST_BUCKETS; i++) {
		cum += a->hist[i];
		if (cum >= rank)
			break;
	}
	if (i == WM_HIST_BUCKETS)
		return a->lat_max;
	low = hist_low(i, &width);
	mid = low + width / 2;
	if (mid < a->lat_min)
		mid = a->lat_min;
	if (mid > a->lat_max)
		mid = a->lat_max;
	return mid;
}

__u64 store__percentile(const struct wm_store *s, __u32 func_id, double p)
{
	return store__agg_percentile(store__agg(s, func_id), p);
}

size_t store__nr_recent(const struct wm_store *s)
{
	return s ? s->recent_len : 0;
}

const struct wm_call_view *store__recent(const struct wm_store *s, size_t i)
{
	size_t oldest;

	if (!s || i >= s->recent_len)
		return NULL;
	oldest = (s->recent_head + s->recent_cap - s->recent_len) % s->recent_cap;
	return &s->recent[(oldest + i) % s->recent_cap].v;
}

int store__set_agg(struct wm_store *s, __u32 func_id, const struct wm_func_agg *b)
{
	struct wm_agg *a;
	__u64 low;
	unsigned int i, l;

	if (!s || !b || func_id >= (__u32)s->nr_funcs)
		return -EINVAL;
	a = &s->aggs[func_id];
	a->calls = b->calls;
	a->timed = b->calls - b->entry_only;
	a->unfinished = b->unfinished;
	a->errors = b->errors;
	a->lat_sum = b->lat_sum;
	a->lat_min = a->timed ? b->lat_min : 0;
	a->lat_max = b->lat_max;
	memset(a->hist, 0, sizeof(a->hist));
	/* Each BPF bucket starts on an edge of ours: move its count to the bucket of its start. */
	for (i = 0; i < WM_AGG_BUCKETS; i++) {
		if (!b->hist[i])
			continue;
		l = i / WM_AGG_SUB;
		low = i < WM_AGG_SUB ? i : (__u64)(WM_AGG_SUB + i % WM_AGG_SUB) << (l - 3);
		a->hist[hist_bucket(low)] += b->hist[i];
	}
	return 0;
}

int store__add_funcs(struct wm_store *s, int nr_funcs)
{
	if (!s || nr_funcs < s->nr_funcs || nr_funcs > s->cap_funcs)
		return -EINVAL;
	s->nr_funcs = nr_funcs;
	return 0;
}

void store__view(const struct wm_store *s, struct wm_store_view *v)
{
	*v = (struct wm_store_view){};
	if (!s)
		return;
	v->funcs = s->funcs;
	v->aggs = s->aggs;
	v->nr_funcs = s->nr_funcs;
	v->show_errors = s->show_errors;
	v->show_filtered = s->show_filtered;
}

/*
 * What happened since the previous interval. Counts and histograms subtract
 * exactly; min and max do not, so they come from the interval's lowest and
 * highest buckets, kept within the session's true min and max.
 */
static void agg_delta(const struct wm_agg *now, const struct wm_agg *prev, struct wm_agg *d)
{
	unsigned int i, lo = WM_HIST_BUCKETS, hi = 0;
	__u64 width, low;

	d->calls = now->calls - prev->calls;
	d->timed = now->timed - prev->timed;
	d->unfinished = now->unfinished - prev->unfinished;
	d->dropped = now->dropped - prev->dropped;
	d->errors = now->errors - prev->errors;
	d->filtered = now->filtered - prev->filtered;
	d->lat_sum = now->lat_sum - prev->lat_sum;
	for (i = 0; i < WM_ERRNO_COUNTED; i++)
		d->errnos[i] = now->errnos[i] - prev->errnos[i];
	for (i = 0; i < WM_HIST_BUCKETS; i++) {
		d->hist[i] = now->hist[i] - prev->hist[i];
		if (d->hist[i]) {
			if (lo == WM_HIST_BUCKETS)
				lo = i;
			hi = i;
		}
	}
	d->lat_min = d->lat_max = 0;
	if (!d->timed || lo == WM_HIST_BUCKETS)
		return;
	d->lat_min = hist_low(lo, &width);
	if (d->lat_min < now->lat_min)
		d->lat_min = now->lat_min;
	low = hist_low(hi, &width);
	d->lat_max = low + width - 1;
	if (d->lat_max > now->lat_max)
		d->lat_max = now->lat_max;
}

int store__interval(struct wm_store *s, struct wm_agg *delta)
{
	int i;

	if (!s || !delta)
		return -EINVAL;
	if (!s->prev) {
		s->prev = calloc(s->cap_funcs ? s->cap_funcs : 1, sizeof(*s->prev));
		if (!s->prev)
			return -ENOMEM;
	}
	for (i = 0; i < s->nr_funcs; i++)
		agg_delta(&s->aggs[i], &s->prev[i], &delta[i]);
	memcpy(s->prev, s->aggs, s->nr_funcs * sizeof(*s->prev));
	return 0;
}
