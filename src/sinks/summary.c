// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Summaries are built in one buffer and written with one fwrite(), so a
 * table is never interleaved with a call line from another writer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/format.h"
#include "sinks/summary.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/json.h"
#include "util/timefmt.h"

/* Width of the function column in the summary unless a name is longer. */
#define SUMMARY_NAME_WIDTH 16
/* Past this many functions (a pattern), rows with nothing to say are folded into one line. */
#define SUMMARY_ALL_ROWS 20

static void put_duration_col(struct wm_buf *line, struct wm_buf *tmp, bool have, __u64 ns)
{
	buf__reset(tmp);
	if (have)
		format__duration(tmp, ns);
	else
		buf__putc(tmp, '-');
	buf__printf(line, "%10s", tmp->err ? "?" : tmp->p);
}

static bool row_shown(const struct wm_store_view *v, const struct wm_agg *aggs, int i)
{
	const struct wm_agg *a = &aggs[i];

	return v->nr_funcs <= SUMMARY_ALL_ROWS || a->calls || a->unfinished || a->dropped ||
	       a->filtered;
}

static void put_name(struct wm_buf *b, const struct wm_func *f)
{
	esc__c(b, f->name, strnlen(f->name, sizeof(f->name)));
}

struct errno_count {
	int e;
	__u64 n;
};

static int cmp_errno_count(const void *pa, const void *pb)
{
	const struct errno_count *a = pa, *b = pb;

	if (a->n != b->n)
		return a->n < b->n ? 1 : -1;
	/* Then by number, those past the table last. */
	return (a->e ? a->e : WM_ERRNO_COUNTED) - (b->e ? b->e : WM_ERRNO_COUNTED);
}

/* A function's errnos, most frequent first (e 0: the ones past WM_ERRNO_COUNTED); how many. */
static int errno_counts(const struct wm_agg *a, struct errno_count *out)
{
	int n = 0;

	for (int e = 0; e < WM_ERRNO_COUNTED; e++)
		if (a->errnos[e])
			out[n++] = (struct errno_count){ e, a->errnos[e] };
	qsort(out, n, sizeof(*out), cmp_errno_count);
	return n;
}

/* "ENOENT", the number of one with no name, or "other" for those past the table. */
static void put_errno_key(struct wm_buf *b, int e)
{
	const char *en = format__errno_name(e);

	if (en)
		buf__puts(b, en);
	else if (e)
		buf__printf(b, "%d", e);
	else
		buf__puts(b, "other");
}

/* Under the table, for each function whose failures left errno: "open: ENOENT 41, EACCES 1". */
static void errnos_text(const struct wm_store_view *v, const struct wm_agg *aggs, struct wm_buf *b)
{
	struct errno_count c[WM_ERRNO_COUNTED];
	int i, k, n;

	for (i = 0; i < v->nr_funcs; i++) {
		n = errno_counts(&aggs[i], c);
		if (!n)
			continue;
		put_name(b, &v->funcs[i]);
		buf__puts(b, ": errno");
		for (k = 0; k < n; k++) {
			buf__puts(b, k ? ", " : " ");
			put_errno_key(b, c[k].e);
			buf__printf(b, " %llu", (unsigned long long)c[k].n);
		}
		buf__putc(b, '\n');
	}
}

/* Return sites the kernel single-steps: ret, jmp through a register (direct jumps it emulates). */
static bool sites_sstep(const struct wm_probe_plan *pp)
{
	if (pp->ret_mode != WM_RET_SITES)
		return false;
	for (int i = 0; i < pp->nr_sites; i++)
		if (pp->sites[i].kind == WM_CK_RET || pp->sites[i].kind == WM_CK_TAIL_JMP_REG)
			return true;
	return false;
}

/*
 * The latency footnote: timed functions whose probes the kernel
 * single-steps out of line (~10x a probe the kernel emulates, several µs on
 * a VM), the first instruction or, with return sites, each ret.
 */
static void sstep_text(const struct wm_store_view *v, const struct wm_agg *aggs, struct wm_buf *b)
{
	static const char *const what[] = { "the first instruction", "the returns" };

	for (int k = 0; k < 2; k++) {
		int n = 0;

		for (int i = 0; i < v->nr_funcs; i++) {
			const struct wm_probe_plan *pp = &v->funcs[i].probe;
			bool hit = k ? sites_sstep(pp) : pp->entry_sstep;

			if (!hit || !aggs[i].timed)
				continue;
			if (!n)
				buf__printf(
					b,
					"note: latencies include the kernel single-stepping out "
					"of line (a few µs a call; -v says why) %s of ",
					what[k]);
			if (n < 4) {
				buf__puts(b, n ? ", " : "");
				put_name(b, &v->funcs[i]);
				if (!k && pp->entry_insn[0])
					buf__printf(b, " (%s)", pp->entry_insn);
			}
			n++;
		}
		if (n > 4)
			buf__printf(b, " and %d more", n - 4);
		if (n)
			buf__putc(b, '\n');
	}
}

static void summary_text(const struct wm_store_view *v, const struct wm_agg *aggs, struct wm_buf *b,
			 bool notes)
{
	struct wm_buf name = {}, tmp = {};
	const struct wm_agg *a;
	int width = SUMMARY_NAME_WIDTH;
	int i, hidden = 0;
	bool have;

	for (i = 0; i < v->nr_funcs; i++) {
		if (!row_shown(v, aggs, i))
			continue;
		buf__reset(&name);
		put_name(&name, &v->funcs[i]);
		if ((int)name.len > width)
			width = name.len;
	}
	buf__printf(b, "%-*s %6s%12s%9s", width, "FUNCTION", "CALLS", "UNFINISHED", "DROPPED");
	if (v->show_errors)
		buf__printf(b, "%8s", "ERRORS");
	if (v->show_filtered)
		buf__printf(b, "%10s", "FILTERED");
	buf__printf(b, "%10s%10s%10s%10s%10s\n", "MIN", "AVG", "P50", "P99", "MAX");
	for (i = 0; i < v->nr_funcs; i++) {
		if (!row_shown(v, aggs, i)) {
			hidden++;
			continue;
		}
		a = &aggs[i];
		have = a->timed > 0;
		buf__reset(&name);
		put_name(&name, &v->funcs[i]);
		buf__printf(b, "%-*s %6llu%12llu%9llu", width, name.len ? name.p : "",
			    (unsigned long long)a->calls, (unsigned long long)a->unfinished,
			    (unsigned long long)a->dropped);
		if (v->show_errors)
			buf__printf(b, "%8llu", (unsigned long long)a->errors);
		if (v->show_filtered)
			buf__printf(b, "%10llu", (unsigned long long)a->filtered);
		put_duration_col(b, &tmp, have, a->lat_min);
		put_duration_col(b, &tmp, have, have ? a->lat_sum / a->timed : 0);
		put_duration_col(b, &tmp, have, store__agg_percentile(a, 50));
		put_duration_col(b, &tmp, have, store__agg_percentile(a, 99));
		put_duration_col(b, &tmp, have, a->lat_max);
		buf__putc(b, '\n');
	}
	if (hidden)
		buf__printf(b, "(%d more function%s traced, with no calls)\n", hidden,
			    hidden == 1 ? "" : "s");
	errnos_text(v, aggs, b);
	if (notes)
		sstep_text(v, aggs, b);
	if (name.err || tmp.err)
		b->err = b->err ? b->err : -ENOMEM;
	buf__free(&name);
	buf__free(&tmp);
}

/* The members after the caller's `{"summary":{` or `{"interval":{"ts":...,`. */
static void summary_json(const struct wm_store_view *v, const struct wm_agg *aggs, struct wm_buf *b,
			 __u64 duration_ns)
{
	struct errno_count c[WM_ERRNO_COUNTED];
	const struct wm_agg *a;
	const struct wm_func *f;
	int i, k, n;

	buf__printf(b, "\"duration_ns\":%llu,\"functions\":[", (unsigned long long)duration_ns);
	for (i = 0; i < v->nr_funcs; i++) {
		f = &v->funcs[i];
		a = &aggs[i];
		buf__puts(b, i ? ",{\"function\":" : "{\"function\":");
		json__str(b, f->name, strnlen(f->name, sizeof(f->name)));
		buf__puts(b, ",\"object\":");
		json__str(b, func__obj_path(f), strlen(func__obj_path(f)));
		buf__printf(b,
			    ",\"calls\":%llu,\"unfinished\":%llu,\"dropped\":%llu,\"errors\":%llu,"
			    "\"filtered\":%llu",
			    (unsigned long long)a->calls, (unsigned long long)a->unfinished,
			    (unsigned long long)a->dropped, (unsigned long long)a->errors,
			    (unsigned long long)a->filtered);
		/* Only when some failure left errno: {"ENOENT":41,"EACCES":1}. */
		n = errno_counts(a, c);
		for (k = 0; k < n; k++) {
			buf__puts(b, k ? ",\"" : ",\"errnos\":{\"");
			put_errno_key(b, c[k].e);
			buf__printf(b, "\":%llu%s", (unsigned long long)c[k].n,
				    k == n - 1 ? "}" : "");
		}
		buf__puts(b, ",\"latency_ns\":");
		if (!a->timed) {
			buf__puts(b, "null}");
			continue;
		}
		buf__printf(
			b, "{\"min\":%llu,\"avg\":%llu,\"p50\":%llu,\"p99\":%llu,\"max\":%llu}}",
			(unsigned long long)a->lat_min, (unsigned long long)(a->lat_sum / a->timed),
			(unsigned long long)store__agg_percentile(a, 50),
			(unsigned long long)store__agg_percentile(a, 99),
			(unsigned long long)a->lat_max);
	}
	buf__puts(b, "]}}\n");
}

/* Whole or nothing: a table cut short by a failed allocation would mislead. */
static void write_out(struct wm_buf *b, FILE *out)
{
	if (!b->err && b->len)
		fwrite(b->p, 1, b->len, out);
	buf__free(b);
}

void summary__print(const struct wm_store *s, FILE *out, bool json, __u64 duration_ns)
{
	struct wm_store_view v;
	struct wm_buf b = {};

	if (!s || !out)
		return;
	store__view(s, &v);
	if (json) {
		buf__puts(&b, "{\"summary\":{");
		summary_json(&v, v.aggs, &b, duration_ns);
	} else {
		summary_text(&v, v.aggs, &b, true);
	}
	write_out(&b, out);
}

int summary__print_interval(struct wm_store *s, FILE *out, bool json, bool utc, __u64 ts_real_ns,
			    __u64 interval_ns)
{
	struct wm_store_view v;
	struct wm_agg *delta;
	struct wm_buf b = {};
	int err;

	if (!s || !out)
		return -EINVAL;
	store__view(s, &v);
	delta = calloc(v.nr_funcs ? v.nr_funcs : 1, sizeof(*delta));
	if (!delta)
		return -ENOMEM;
	err = store__interval(s, delta);
	if (err)
		goto cleanup;
	if (json) {
		buf__puts(&b, "{\"interval\":{\"ts\":\"");
		timefmt__iso(&b, ts_real_ns, utc, false);
		buf__puts(&b, "\",");
		summary_json(&v, delta, &b, interval_ns);
	} else {
		buf__putc(&b, '\n');
		timefmt__clock(&b, ts_real_ns, utc, false);
		buf__printf(&b, "  last %.1f s\n", interval_ns / 1e9);
		summary_text(&v, delta, &b, false);
	}
	write_out(&b, out);
cleanup:
	free(delta);
	return err;
}

/* log2 bucket of a latency: 0 for 0 and 1, else floor(log2(v)). */
static unsigned int log2_bucket(__u64 v)
{
	return v < 2 ? 0 : 63 - __builtin_clzll(v);
}

void summary__print_hist(const struct wm_store *s, FILE *out)
{
	struct wm_store_view v;
	__u64 log2[64], max;
	struct wm_buf b = {}, name = {};
	const struct wm_agg *a;
	unsigned int i, lo, hi;
	__u64 width;
	int f, bar;

	if (!s || !out)
		return;
	store__view(s, &v);
	for (f = 0; f < v.nr_funcs; f++) {
		a = &v.aggs[f];
		if (!a->timed)
			continue;
		memset(log2, 0, sizeof(log2));
		/* Every log-linear bucket lies inside one power of two. */
		for (i = 0; i < WM_HIST_BUCKETS; i++)
			if (a->hist[i])
				log2[log2_bucket(store__bucket_low(i, &width))] += a->hist[i];
		for (lo = 0; !log2[lo]; lo++)
			;
		for (hi = 63; !log2[hi]; hi--)
			;
		for (max = 0, i = lo; i <= hi; i++)
			max = log2[i] > max ? log2[i] : max;
		buf__reset(&name);
		put_name(&name, &v.funcs[f]);
		buf__printf(&b, "\n%s: %llu calls\n%25s : %-10s %-42s\n", name.len ? name.p : "",
			    (unsigned long long)a->timed, "nsecs", "count", "distribution");
		for (i = lo; i <= hi; i++) {
			__u64 from = i ? 1ULL << i : 0, to = i == 63 ? ~0ULL : (2ULL << i) - 1;

			bar = (int)(log2[i] * 40 / max);
			buf__printf(&b, "%11llu -> %-11llu : %-10llu |%.*s%*s|\n",
				    (unsigned long long)from, (unsigned long long)to,
				    (unsigned long long)log2[i], bar,
				    "****************************************", 40 - bar, "");
		}
	}
	write_out(&b, out);
	buf__free(&name);
}
