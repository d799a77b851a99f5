// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The monitor store. Aggregates are fixed-size per function; the only memory
 * that grows with traffic is the recent ring, and that is bounded by its
 * number of entries times the largest record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util/buf.h"
#include "util/escape.h"
#include "store/store.h"
#include "sinks/format.h"

#define WM_STORE_MAX_SINKS 8
/* Width of the function column in the summary unless a name is longer. */
#define SUMMARY_NAME_WIDTH 16

struct wm_recent {
	struct wm_call_view v; /* str[] point into data */
	char *data;
	size_t data_cap;
};

struct wm_store {
	const struct wm_func *funcs;
	int nr_funcs;
	struct wm_agg *aggs;
	struct wm_sink sinks[WM_STORE_MAX_SINKS];
	int nr_sinks;
	struct wm_recent *recent;
	size_t recent_cap;
	size_t recent_len;
	size_t recent_head; /* slot the next call goes into */
	struct wm_agg *prev; /* at the last interval, for store__print_interval() */
	bool show_errors, show_filtered;
};

int store__new(const struct wm_func *funcs, int nr_funcs, const struct wm_store_opts *opts,
	       struct wm_store **out)
{
	size_t known = offsetof(struct wm_store_opts, recent) + sizeof(opts->recent);
	struct wm_store *s = NULL;
	bool show_errors = false, show_filtered = false;
	size_t recent = 0, i;
	int err;

	if (!out || nr_funcs < 0 || (nr_funcs && !funcs))
		return -EINVAL;
	*out = NULL;
	if (opts) {
		if (opts->sz < sizeof(opts->sz))
			return -EINVAL;
		/* A newer caller's fields we do not know must be left zero. */
		for (i = sizeof(*opts); i < opts->sz; i++)
			if (((const char *)opts)[i])
				return -EINVAL;
		if (opts->sz >= known)
			recent = opts->recent;
		if (opts->sz >= offsetof(struct wm_store_opts, show_filtered) + sizeof(bool)) {
			show_errors = opts->show_errors;
			show_filtered = opts->show_filtered;
		}
	}

	err = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto cleanup;
	s->funcs = funcs;
	s->nr_funcs = nr_funcs;
	s->show_errors = show_errors;
	s->show_filtered = show_filtered;
	s->aggs = calloc(nr_funcs ? nr_funcs : 1, sizeof(*s->aggs));
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
	if (!a->calls || ns < a->lat_min)
		a->lat_min = ns;
	if (!a->calls || ns > a->lat_max)
		a->lat_max = ns;
	a->calls++;
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
		agg_add_latency(a, c->hdr.latency_ns);
		if (c->hdr.flags & WM_F_ERROR)
			a->errors++;
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

void store__set_dropped(struct wm_store *s, __u32 func_id, __u64 dropped)
{
	if (!s || func_id >= (__u32)s->nr_funcs)
		return;
	s->aggs[func_id].dropped = dropped;
}

void store__set_filtered(struct wm_store *s, __u32 func_id, __u64 filtered)
{
	if (!s || func_id >= (__u32)s->nr_funcs)
		return;
	s->aggs[func_id].filtered = filtered;
}

const struct wm_agg *store__agg(const struct wm_store *s, __u32 func_id)
{
	if (!s || func_id >= (__u32)s->nr_funcs)
		return NULL;
	return &s->aggs[func_id];
}

static __u64 agg_percentile(const struct wm_agg *a, double p)
{
	__u64 rank, cum = 0, low, width, mid;
	double r;
	unsigned int i;

	if (!a || !a->calls)
		return 0;
	if (!(p > 0))
		return a->lat_min;
	if (p >= 100)
		return a->lat_max;
	/* rank = ceil(p% of calls), in 1..calls; no libm for one ceil(). */
	r = p * (double)a->calls / 100.0;
	rank = (__u64)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > a->calls)
		rank = a->calls;
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
	return agg_percentile(store__agg(s, func_id), p);
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

static void put_duration_col(struct wm_buf *line, struct wm_buf *tmp, bool have, __u64 ns)
{
	buf__reset(tmp);
	if (have)
		format__duration(tmp, ns);
	else
		buf__putc(tmp, '-');
	buf__printf(line, "%10s", tmp->err ? "?" : tmp->p);
}

/* Past this many functions (a pattern), rows with nothing to say are folded into one line. */
#define SUMMARY_ALL_ROWS 20

static bool row_shown(const struct wm_store *s, const struct wm_agg *aggs, int i)
{
	const struct wm_agg *a = &aggs[i];

	return s->nr_funcs <= SUMMARY_ALL_ROWS || a->calls || a->unfinished || a->dropped ||
	       a->filtered;
}

static void summary_text(const struct wm_store *s, const struct wm_agg *aggs, struct wm_buf *b)
{
	struct wm_buf name = {}, tmp = {};
	const struct wm_agg *a;
	const struct wm_func *f;
	int width = SUMMARY_NAME_WIDTH;
	int i, hidden = 0;
	bool have;

	for (i = 0; i < s->nr_funcs; i++) {
		if (!row_shown(s, aggs, i))
			continue;
		buf__reset(&name);
		f = &s->funcs[i];
		esc__c(&name, f->name, strnlen(f->name, sizeof(f->name)));
		if ((int)name.len > width)
			width = name.len;
	}
	buf__printf(b, "%-*s %6s%12s%9s", width, "FUNCTION", "CALLS", "UNFINISHED", "DROPPED");
	if (s->show_errors)
		buf__printf(b, "%8s", "ERRORS");
	if (s->show_filtered)
		buf__printf(b, "%10s", "FILTERED");
	buf__printf(b, "%10s%10s%10s%10s%10s\n", "MIN", "AVG", "P50", "P99", "MAX");
	for (i = 0; i < s->nr_funcs; i++) {
		if (!row_shown(s, aggs, i)) {
			hidden++;
			continue;
		}
		f = &s->funcs[i];
		a = &aggs[i];
		have = a->calls > 0;
		buf__reset(&name);
		esc__c(&name, f->name, strnlen(f->name, sizeof(f->name)));
		buf__printf(b, "%-*s %6llu%12llu%9llu", width, name.len ? name.p : "",
			    (unsigned long long)a->calls, (unsigned long long)a->unfinished,
			    (unsigned long long)a->dropped);
		if (s->show_errors)
			buf__printf(b, "%8llu", (unsigned long long)a->errors);
		if (s->show_filtered)
			buf__printf(b, "%10llu", (unsigned long long)a->filtered);
		put_duration_col(b, &tmp, have, a->lat_min);
		put_duration_col(b, &tmp, have, have ? a->lat_sum / a->calls : 0);
		put_duration_col(b, &tmp, have, agg_percentile(a, 50));
		put_duration_col(b, &tmp, have, agg_percentile(a, 99));
		put_duration_col(b, &tmp, have, a->lat_max);
		buf__putc(b, '\n');
	}
	if (hidden)
		buf__printf(b, "(%d more function%s traced, with no calls)\n", hidden,
			    hidden == 1 ? "" : "s");
	if (name.err || tmp.err)
		b->err = b->err ? b->err : -ENOMEM;
	buf__free(&name);
	buf__free(&tmp);
}

/* key: "summary" or "interval"; ts: "ts" member's value, or NULL for none. */
static void summary_json(const struct wm_store *s, const struct wm_agg *aggs, struct wm_buf *b,
			 const char *key, const char *ts, __u64 duration_ns)
{
	const struct wm_agg *a;
	const struct wm_func *f;
	int i;

	buf__printf(b, "{\"%s\":{", key);
	if (ts)
		buf__printf(b, "\"ts\":\"%s\",", ts);
	buf__printf(b, "\"duration_ns\":%llu,\"functions\":[", (unsigned long long)duration_ns);
	for (i = 0; i < s->nr_funcs; i++) {
		f = &s->funcs[i];
		a = &aggs[i];
		buf__puts(b, i ? ",{\"function\":\"" : "{\"function\":\"");
		esc__json(b, f->name, strnlen(f->name, sizeof(f->name)));
		buf__puts(b, "\",\"object\":\"");
		esc__json(b, func__obj_path(f), strlen(func__obj_path(f)));
		buf__printf(
			b,
			"\",\"calls\":%llu,\"unfinished\":%llu,\"dropped\":%llu,\"errors\":%llu,"
			"\"filtered\":%llu,\"latency_ns\":",
			(unsigned long long)a->calls, (unsigned long long)a->unfinished,
			(unsigned long long)a->dropped, (unsigned long long)a->errors,
			(unsigned long long)a->filtered);
		if (!a->calls) {
			buf__puts(b, "null}");
			continue;
		}
		buf__printf(
			b, "{\"min\":%llu,\"avg\":%llu,\"p50\":%llu,\"p99\":%llu,\"max\":%llu}}",
			(unsigned long long)a->lat_min, (unsigned long long)(a->lat_sum / a->calls),
			(unsigned long long)agg_percentile(a, 50),
			(unsigned long long)agg_percentile(a, 99),
			(unsigned long long)a->lat_max);
	}
	buf__puts(b, "]}}\n");
}

void store__print_summary(const struct wm_store *s, FILE *out, bool json, __u64 duration_ns)
{
	struct wm_buf b = {};

	if (!s || !out)
		return;
	if (json)
		summary_json(s, s->aggs, &b, "summary", NULL, duration_ns);
	else
		summary_text(s, s->aggs, &b);
	if (!b.err && b.len)
		fwrite(b.p, 1, b.len, out);
	buf__free(&b);
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
	a->unfinished = b->unfinished;
	a->errors = b->errors;
	a->lat_sum = b->lat_sum;
	a->lat_min = b->calls ? b->lat_min : 0;
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
	d->unfinished = now->unfinished - prev->unfinished;
	d->dropped = now->dropped - prev->dropped;
	d->errors = now->errors - prev->errors;
	d->filtered = now->filtered - prev->filtered;
	d->lat_sum = now->lat_sum - prev->lat_sum;
	for (i = 0; i < WM_HIST_BUCKETS; i++) {
		d->hist[i] = now->hist[i] - prev->hist[i];
		if (d->hist[i]) {
			if (lo == WM_HIST_BUCKETS)
				lo = i;
			hi = i;
		}
	}
	d->lat_min = d->lat_max = 0;
	if (!d->calls || lo == WM_HIST_BUCKETS)
		return;
	d->lat_min = hist_low(lo, &width);
	if (d->lat_min < now->lat_min)
		d->lat_min = now->lat_min;
	low = hist_low(hi, &width);
	d->lat_max = low + width - 1;
	if (d->lat_max > now->lat_max)
		d->lat_max = now->lat_max;
}

int store__print_interval(struct wm_store *s, FILE *out, bool json, bool utc, __u64 ts_real_ns,
			  __u64 interval_ns)
{
	struct wm_agg *delta = NULL;
	struct wm_buf b = {};
	time_t sec = ts_real_ns / 1000000000ULL;
	struct tm tm;
	int i;

	if (!s || !out)
		return -EINVAL;
	if (!s->prev) {
		s->prev = calloc(s->nr_funcs ? s->nr_funcs : 1, sizeof(*s->prev));
		if (!s->prev)
			return -ENOMEM;
	}
	delta = calloc(s->nr_funcs ? s->nr_funcs : 1, sizeof(*delta));
	if (!delta)
		return -ENOMEM;
	for (i = 0; i < s->nr_funcs; i++)
		agg_delta(&s->aggs[i], &s->prev[i], &delta[i]);
	if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
		memset(&tm, 0, sizeof(tm));
	if (json) {
		char ts[40];

		snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, utc ? "Z" : "");
		summary_json(s, delta, &b, "interval", ts, interval_ns);
	} else {
		buf__printf(&b, "\n%02d:%02d:%02d  last %.1f s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
			    interval_ns / 1e9);
		summary_text(s, delta, &b);
	}
	if (!b.err && b.len)
		fwrite(b.p, 1, b.len, out);
	memcpy(s->prev, s->aggs, s->nr_funcs * sizeof(*s->prev));
	buf__free(&b);
	free(delta);
	return 0;
}

/* log2 bucket of a latency: 0 for 0 and 1, else floor(log2(v)). */
static unsigned int log2_bucket(__u64 v)
{
	return v < 2 ? 0 : 63 - __builtin_clzll(v);
}

void store__print_hist(const struct wm_store *s, FILE *out)
{
	__u64 log2[64], max;
	struct wm_buf b = {}, name = {};
	const struct wm_agg *a;
	unsigned int i, lo, hi;
	__u64 width;
	int f, bar;

	if (!s || !out)
		return;
	for (f = 0; f < s->nr_funcs; f++) {
		a = &s->aggs[f];
		if (!a->calls)
			continue;
		memset(log2, 0, sizeof(log2));
		/* Every log-linear bucket lies inside one power of two. */
		for (i = 0; i < WM_HIST_BUCKETS; i++)
			if (a->hist[i])
				log2[log2_bucket(hist_low(i, &width))] += a->hist[i];
		for (lo = 0; !log2[lo]; lo++)
			;
		for (hi = 63; !log2[hi]; hi--)
			;
		for (max = 0, i = lo; i <= hi; i++)
			max = log2[i] > max ? log2[i] : max;
		buf__reset(&name);
		esc__c(&name, s->funcs[f].name, strnlen(s->funcs[f].name, sizeof(s->funcs[f].name)));
		buf__printf(&b, "\n%s: %llu calls\n%25s : %-10s %-42s\n", name.len ? name.p : "",
			    (unsigned long long)a->calls, "nsecs", "count", "distribution");
		for (i = lo; i <= hi; i++) {
			__u64 from = i ? 1ULL << i : 0, to = i == 63 ? ~0ULL : (2ULL << i) - 1;

			bar = (int)(log2[i] * 40 / max);
			buf__printf(&b, "%11llu -> %-11llu : %-10llu |%.*s%*s|\n",
				    (unsigned long long)from, (unsigned long long)to,
				    (unsigned long long)log2[i], bar,
				    "****************************************", 40 - bar, "");
		}
	}
	if (!b.err && b.len)
		fwrite(b.p, 1, b.len, out);
	buf__free(&b);
	buf__free(&name);
}
