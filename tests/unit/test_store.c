// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The monitor store: aggregates, percentiles, the recent ring, sinks and the summary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util/buf.h"
#include "sinks/summary.h"
#include "store/store.h"
#include "fixture.h"

struct fixture {
	struct wm_func funcs[3];
	struct wm_store *s;
};

static void func_init(struct wm_func *f, __u32 id, const char *name, const char *obj)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->object = test_object(obj);
	f->sig.source = WM_SIG_RAW;
	f->sig.name = (char *)name; /* a literal: nothing here frees the signature */
	f->sig.ret.kind = WM_T_UNKNOWN;
	f->sig.ret.size = 8;
}

static struct fixture *fixture_new(size_t recent)
{
	struct wm_store_opts opts = { .sz = sizeof(opts), .recent = recent };
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	func_init(&fx->funcs[0], 0, "search", "/usr/bin/app");
	func_init(&fx->funcs[1], 1, "a_function_with_a_long_name", "/usr/lib/libx.so.1");
	func_init(&fx->funcs[2], 2, "idle", "/usr/bin/app");
	assert_int_equal(store__new(fx->funcs, 3, &opts, &fx->s), 0);
	assert_non_null(fx->s);
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	store__free(fx->s);
	free(fx);
}

/* A decoded view whose strings live in a caller buffer (not a packed record). */
static void view_init(struct wm_call_view *v, __u32 func_id, __u16 kind, __u64 latency)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->hdr.func_id = func_id;
	v->hdr.kind = kind;
	v->hdr.latency_ns = latency;
	for (i = 0; i < WM_NR_SLOTS; i++) {
		v->hdr.str_len[i] = WM_STR_NONE;
		v->str_len[i] = WM_STR_NONE;
	}
}

static int add_call(struct wm_store *s, __u32 func_id, __u64 latency)
{
	struct wm_call_view v;

	view_init(&v, func_id, WM_REC_CALL, latency);
	return store__add(s, &v);
}

static void test_new_and_opts(void **state)
{
	struct {
		struct wm_store_opts o;
		__u64 future;
	} big = { .o = { .sz = sizeof(big) } };
	struct wm_store_opts opts = { .sz = sizeof(opts), .recent = 4 };
	struct wm_func f;
	struct wm_store *s = (struct wm_store *)0x1;

	func_init(&f, 0, "f", "/o");
	assert_int_equal(store__new(&f, 1, NULL, &s), 0);
	assert_int_equal(store__nr_recent(s), 0);
	store__free(s);
	assert_int_equal(store__new(&f, -1, &opts, &s), -EINVAL);
	assert_int_equal(store__new(NULL, 1, &opts, &s), -EINVAL);
	/* Fields from a newer caller are accepted only when zero. */
	assert_int_equal(store__new(&f, 1, &big.o, &s), 0);
	store__free(s);
	big.future = 1;
	assert_int_equal(store__new(&f, 1, &big.o, &s), -EINVAL);
	assert_int_equal(store__new(NULL, 0, &opts, &s), 0);
	store__free(s);
	store__free(NULL);
}

static void test_aggregate(void **state)
{
	struct fixture *fx = fixture_new(0);
	const struct wm_agg *a;
	struct wm_call_view v;

	assert_int_equal(add_call(fx->s, 0, 300), 0);
	assert_int_equal(add_call(fx->s, 0, 100), 0);
	assert_int_equal(add_call(fx->s, 0, 200), 0);
	view_init(&v, 0, WM_REC_UNFINISHED, 0);
	v.hdr.flags = WM_F_THREAD_EXIT;
	assert_int_equal(store__add(fx->s, &v), 0);
	assert_int_equal(add_call(fx->s, 1, 5000), 0);
	store__set_dropped(fx->s, 0, 7);
	store__set_dropped(fx->s, 0, 9);
	store__set_dropped(fx->s, 99, 1);

	a = store__agg(fx->s, 0);
	assert_non_null(a);
	assert_int_equal(a->calls, 3);
	assert_int_equal(a->unfinished, 1);
	assert_int_equal(a->dropped, 9);
	assert_int_equal(a->lat_min, 100);
	assert_int_equal(a->lat_max, 300);
	assert_int_equal(a->lat_sum, 600);
	assert_int_equal(a->lat_sum / a->calls, 200);
	a = store__agg(fx->s, 1);
	assert_int_equal(a->calls, 1);
	assert_int_equal(a->lat_min, 5000);
	assert_int_equal(a->lat_max, 5000);
	a = store__agg(fx->s, 2);
	assert_int_equal(a->calls, 0);
	assert_int_equal(a->lat_min, 0);
	assert_null(store__agg(fx->s, 3));
	/* Bad ids and kinds are refused without touching anything. */
	assert_int_equal(add_call(fx->s, 3, 1), -EINVAL);
	view_init(&v, 0, 7, 1);
	assert_int_equal(store__add(fx->s, &v), -EINVAL);
	/* An exec notice is not a call of any function. */
	view_init(&v, 0, WM_REC_EXEC, 1);
	assert_int_equal(store__add(fx->s, &v), -EINVAL);
	assert_int_equal(store__agg(fx->s, 0)->calls, 3);
	fixture_free(fx);
}

/* The value of rank ceil(p% * n) among sorted values. */
static __u64 true_percentile(const __u64 *sorted, size_t n, double p)
{
	size_t rank = (size_t)(p * n / 100.0);

	if ((double)rank < p * n / 100.0)
		rank++;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void check_percentiles(struct wm_store *s, __u32 id, __u64 *vals, size_t n)
{
	static const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100 };
	__u64 want, got, diff;
	size_t i;

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		want = true_percentile(vals, n, ps[i]);
		got = store__percentile(s, id, ps[i]);
		diff = got > want ? got - want : want - got;
		/* diff <= want / 16, without overflow for huge values */
		if (diff > want / 16)
			fail_msg("p%g: got %llu, want %llu (n=%zu)", ps[i], (unsigned long long)got,
				 (unsigned long long)want, n);
	}
}

static void test_percentile_small(void **state)
{
	struct fixture *fx = fixture_new(0);
	__u64 i;

	assert_int_equal(store__percentile(fx->s, 0, 50), 0);
	assert_int_equal(store__percentile(fx->s, 42, 50), 0);
	/* 1..100: p50 and p99 close to 50 and 99. */
	for (i = 1; i <= 100; i++)
		add_call(fx->s, 0, i);
	assert_in_range(store__percentile(fx->s, 0, 50), 47, 53);
	assert_in_range(store__percentile(fx->s, 0, 99), 93, 105);
	assert_int_equal(store__percentile(fx->s, 0, 0), 1);
	assert_int_equal(store__percentile(fx->s, 0, 100), 100);
	/* Below 16 every value has its own bucket: exact. */
	for (i = 0; i < 16; i++)
		add_call(fx->s, 1, 15 - i);
	for (i = 0; i < 16; i++)
		assert_int_equal(store__percentile(fx->s, 1, (i + 1) * 100.0 / 16), i);
	assert_int_equal(store__percentile(fx->s, 1, 50), 7);
	/* One value: every percentile is that value. */
	add_call(fx->s, 2, 123456789);
	assert_int_equal(store__percentile(fx->s, 2, 1), 123456789);
	assert_int_equal(store__percentile(fx->s, 2, 50), 123456789);
	assert_int_equal(store__percentile(fx->s, 2, 99), 123456789);
	fixture_free(fx);
}

static void test_percentile_distributions(void **state)
{
	const size_t n = 20000;
	__u64 *vals = calloc(n, sizeof(*vals));
	unsigned int seed = 99;
	struct fixture *fx;
	size_t i;
	int dist;

	assert_non_null(vals);
	for (dist = 0; dist < 5; dist++) {
		fx = fixture_new(0);
		for (i = 0; i < n; i++) {
			__u64 r = (__u64)rand_r(&seed) << 31 ^ rand_r(&seed);

			switch (dist) {
			case 0: /* uniform over a wide range */
				vals[i] = 1000 + r % 1000000;
				break;
			case 1: /* log-uniform across all 64 bits */
				vals[i] = r >> (rand_r(&seed) % 62) |
					  ((__u64)rand_r(&seed) << 33 >> (rand_r(&seed) % 64));
				break;
			case 2: /* bimodal: fast hits and slow misses */
				vals[i] = i % 10 ? 800 + r % 100 : 2000000 + r % 500000;
				break;
			case 3: /* the top of the range */
				vals[i] = UINT64_MAX - r % 1000;
				break;
			default: /* powers of two and their neighbours: bucket edges */
				vals[i] = (1ULL << (i % 64)) + (int)(i % 3) - 1;
				break;
			}
			add_call(fx->s, 0, vals[i]);
		}
		assert_int_equal(store__agg(fx->s, 0)->calls, n);
		check_percentiles(fx->s, 0, vals, n);
		fixture_free(fx);
	}
	free(vals);
}

static void test_histogram_covers_u64(void **state)
{
	struct fixture *fx = fixture_new(0);
	const struct wm_agg *a;
	__u64 sum = 0;
	int i;

	for (i = 0; i < 64; i++) {
		add_call(fx->s, 0, 1ULL << i);
		add_call(fx->s, 0, (1ULL << i) - 1);
		add_call(fx->s, 0, ~0ULL >> i);
	}
	a = store__agg(fx->s, 0);
	for (i = 0; i < WM_HIST_BUCKETS; i++)
		sum += a->hist[i];
	assert_int_equal(sum, a->calls);
	assert_int_equal(a->lat_max, UINT64_MAX);
	assert_int_equal(a->lat_min, 0);
	add_call(fx->s, 1, UINT64_MAX);
	assert_int_equal(store__percentile(fx->s, 1, 50), UINT64_MAX);
	fixture_free(fx);
}

static void test_recent_ring(void **state)
{
	struct fixture *fx = fixture_new(3);
	const struct wm_call_view *r;
	struct wm_call_view v;
	char a[32], ret[32], want_a[32], want_ret[32];
	int i;

	assert_int_equal(store__nr_recent(fx->s), 0);
	assert_null(store__recent(fx->s, 0));
	for (i = 0; i < 5; i++) {
		view_init(&v, i % 2, i == 3 ? WM_REC_UNFINISHED : WM_REC_CALL, 100 + i);
		v.hdr.tid = 1000 + i;
		snprintf(a, sizeof(a), "arg-%d", i);
		snprintf(ret, sizeof(ret), "result-%d", i);
		v.str[0] = a;
		v.str_len[0] = strlen(a);
		v.str_len[1] = WM_STR_FAULT;
		v.str[2] = "";
		v.str_len[2] = 0;
		v.str[WM_VAL_RET] = ret;
		v.str_len[WM_VAL_RET] = strlen(ret);
		assert_int_equal(store__add(fx->s, &v), 0);
		/* The store must have copied: scribble over the caller's strings. */
		memset(a, 'X', sizeof(a));
		memset(ret, 'Y', sizeof(ret));
		assert_int_equal(store__nr_recent(fx->s), i < 3 ? i + 1 : 3);
	}
	/* Expected strings go to other buffers: a and ret stay scribbled over. */
	for (i = 0; i < 3; i++) {
		r = store__recent(fx->s, i);
		assert_non_null(r);
		snprintf(want_a, sizeof(want_a), "arg-%d", i + 2);
		snprintf(want_ret, sizeof(want_ret), "result-%d", i + 2);
		assert_int_equal(r->hdr.tid, 1002 + i);
		assert_int_equal(r->hdr.latency_ns, 102 + i);
		assert_int_equal(r->hdr.kind, i == 1 ? WM_REC_UNFINISHED : WM_REC_CALL);
		assert_int_equal(r->str_len[0], strlen(want_a));
		assert_memory_equal(r->str[0], want_a, strlen(want_a));
		assert_null(r->str[1]);
		assert_int_equal(r->str_len[1], WM_STR_FAULT);
		assert_non_null(r->str[2]);
		assert_int_equal(r->str_len[2], 0);
		assert_null(r->str[3]);
		assert_int_equal(r->str_len[WM_VAL_RET], strlen(want_ret));
		assert_memory_equal(r->str[WM_VAL_RET], want_ret, strlen(want_ret));
	}
	assert_null(store__recent(fx->s, 3));
	/* Many more calls: still the newest three, oldest first. */
	for (i = 5; i < 1000; i++) {
		view_init(&v, 0, WM_REC_CALL, i);
		snprintf(a, sizeof(a), "%d", i);
		v.str[3] = a;
		v.str_len[3] = strlen(a);
		store__add(fx->s, &v);
	}
	assert_int_equal(store__nr_recent(fx->s), 3);
	for (i = 0; i < 3; i++) {
		r = store__recent(fx->s, i);
		snprintf(want_a, sizeof(want_a), "%d", 997 + i);
		assert_int_equal(r->hdr.latency_ns, 997 + i);
		assert_null(r->str[0]);
		assert_int_equal(r->str_len[3], strlen(want_a));
		assert_memory_equal(r->str[3], want_a, strlen(want_a));
	}
	fixture_free(fx);
}

struct sink_log {
	struct wm_buf b;
};

static void sink_a(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct sink_log *log = ctx;

	buf__printf(&log->b, "A:%s:%u:%llu;", f->name, c->hdr.kind,
		    (unsigned long long)c->hdr.latency_ns);
}

static void sink_b(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct sink_log *log = ctx;

	buf__printf(&log->b, "B:%u;", f->id);
}

static void test_sinks(void **state)
{
	struct fixture *fx = fixture_new(0);
	struct sink_log log = {};
	struct wm_sink a = { .on_call = sink_a, .ctx = &log };
	struct wm_sink b = { .on_call = sink_b, .ctx = &log };
	struct wm_sink none = { .on_call = NULL };
	struct wm_call_view v;
	int i;

	assert_int_equal(store__add_sink(fx->s, &a), 0);
	assert_int_equal(store__add_sink(fx->s, &b), 0);
	assert_int_equal(store__add_sink(fx->s, &none), -EINVAL);
	add_call(fx->s, 0, 10);
	view_init(&v, 1, WM_REC_UNFINISHED, 0);
	store__add(fx->s, &v);
	add_call(fx->s, 5, 10);
	assert_string_equal(log.b.p, "A:search:1:10;B:0;A:a_function_with_a_long_name:2:0;B:1;");
	/* Room for eight in all. */
	for (i = 2; i < 8; i++)
		assert_int_equal(store__add_sink(fx->s, &b), 0);
	assert_int_equal(store__add_sink(fx->s, &b), -E2BIG);
	buf__reset(&log.b);
	add_call(fx->s, 2, 1);
	assert_string_equal(log.b.p, "A:idle:1:1;B:2;B:2;B:2;B:2;B:2;B:2;B:2;");
	buf__free(&log.b);
	fixture_free(fx);
}

static char *summary(struct wm_store *s, bool json, __u64 duration)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	assert_non_null(f);
	summary__print(s, f, json, duration);
	fclose(f);
	return p;
}

static void fill_summary_case(struct fixture *fx)
{
	struct wm_call_view v;

	/*
	 * search: 850, 1000, 1200, 1300, 12000 ns; one unfinished; 4 dropped.
	 * p50 is the midpoint of 1200's bucket [1152, 1216): 1184.
	 */
	add_call(fx->s, 0, 1200);
	add_call(fx->s, 0, 850);
	add_call(fx->s, 0, 12000);
	add_call(fx->s, 0, 1000);
	add_call(fx->s, 0, 1300);
	view_init(&v, 0, WM_REC_UNFINISHED, 0);
	store__add(fx->s, &v);
	store__set_dropped(fx->s, 0, 4);
	/* the long name: only an unfinished call. */
	view_init(&v, 1, WM_REC_UNFINISHED, 0);
	store__add(fx->s, &v);
	/* idle: exactly 5 ms twice. */
	add_call(fx->s, 2, 5000000);
	add_call(fx->s, 2, 5000000);
}

static void test_summary_text(void **state)
{
	struct fixture *fx = fixture_new(0);
	char *out;

	fill_summary_case(fx);
	out = summary(fx->s, false, 1000000000);
	/* clang-format off */
	assert_string_equal(out,
		"FUNCTION                     CALLS  UNFINISHED  DROPPED       MIN       AVG       P50       P99       MAX\n"
		"search                           5           1        4    850 ns    3.3 us    1.2 us   12.0 us   12.0 us\n"
		"a_function_with_a_long_name      0           1        0         -         -         -         -         -\n"
		"idle                             2           0        0    5.0 ms    5.0 ms    5.0 ms    5.0 ms    5.0 ms\n");
	/* clang-format on */
	free(out);
	fixture_free(fx);

	/* Short names keep the 16-column minimum of the summary table. */
	fx = fixture_new(0);
	snprintf(fx->funcs[1].name, sizeof(fx->funcs[1].name), "b");
	add_call(fx->s, 0, 850);
	out = summary(fx->s, false, 0);
	/* clang-format off */
	assert_string_equal(out,
		"FUNCTION          CALLS  UNFINISHED  DROPPED       MIN       AVG       P50       P99       MAX\n"
		"search                1           0        0    850 ns    850 ns    850 ns    850 ns    850 ns\n"
		"b                     0           0        0         -         -         -         -         -\n"
		"idle                  0           0        0         -         -         -         -         -\n");
	/* clang-format on */
	free(out);
	fixture_free(fx);
}

/* A pattern's many idle functions fold into one line; active ones stay. */
static void test_summary_many_functions(void **state)
{
	struct wm_func funcs[30];
	struct wm_store *st;
	char name[16], *out;

	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		func_init(&funcs[i], i, name, "/lib/libz.so");
	}
	assert_int_equal(store__new(funcs, 30, NULL, &st), 0);
	add_call(st, 7, 900);
	store__set_dropped(st, 21, 3);
	out = summary(st, false, 0);
	/* clang-format off */
	assert_string_equal(out,
		"FUNCTION          CALLS  UNFINISHED  DROPPED       MIN       AVG       P50       P99       MAX\n"
		"f07                   1           0        0    900 ns    900 ns    900 ns    900 ns    900 ns\n"
		"f21                   0           0        3         -         -         -         -         -\n"
		"(28 more functions traced, with no calls)\n");
	/* clang-format on */
	free(out);
	store__free(st);
}

static void test_summary_json(void **state)
{
	struct fixture *fx = fixture_new(0);
	char *out;
	FILE *p;

	fill_summary_case(fx);
	fx->funcs[2].object = test_object("/tmp/we\"ird\n");
	out = summary(fx->s, true, 1500000000);
	assert_string_equal(
		out,
		"{\"summary\":{\"duration_ns\":1500000000,\"functions\":["
		"{\"function\":\"search\",\"object\":\"/usr/bin/app\",\"calls\":5,\"unfinished\":1,"
		"\"dropped\":4,\"errors\":0,\"filtered\":0,\"latency_ns\":{\"min\":850,\"avg\":"
		"3270,\"p50\":1184,\"p99\":12000,"
		"\"max\":12000}},"
		"{\"function\":\"a_function_with_a_long_name\",\"object\":\"/usr/lib/libx.so.1\","
		"\"calls\":0,\"unfinished\":1,\"dropped\":0,\"errors\":0,\"filtered\":0,\"latency_"
		"ns\":null},"
		"{\"function\":\"idle\",\"object\":\"/tmp/"
		"we\\\"ird\\n\",\"calls\":2,\"unfinished\":0,"
		"\"dropped\":0,\"errors\":0,\"filtered\":0,\"latency_ns\":{\"min\":5000000,\"avg\":"
		"5000000,\"p50\":5000000,"
		"\"p99\":5000000,\"max\":5000000}}]}}\n");
	p = popen("python3 -c 'import json,sys; d = json.load(sys.stdin); "
		  "assert d[\"summary\"][\"functions\"][2][\"object\"] == \"/tmp/we\\\"ird\\n\"'",
		  "w");
	assert_non_null(p);
	fputs(out, p);
	assert_int_equal(pclose(p), 0);
	free(out);
	fixture_free(fx);
}

static char *interval(struct wm_store *s, bool json);

/* A failing call that left errno e. */
static void add_failed(struct wm_store *s, __u32 func_id, int e)
{
	struct wm_call_view v;

	view_init(&v, func_id, WM_REC_CALL, 1000);
	v.hdr.flags = WM_F_ERRNO;
	v.hdr.uerrno = e;
	assert_int_equal(store__add(s, &v), 0);
}

/* Failures by errno, most frequent first, under the table and in JSON; intervals subtract. */
static void test_summary_errnos(void **state)
{
	struct fixture *fx = fixture_new(0);
	char *out;

	add_failed(fx->s, 0, EACCES);
	for (int i = 0; i < 3; i++)
		add_failed(fx->s, 0, ENOENT);
	add_failed(fx->s, 0, 4000);
	add_failed(fx->s, 0, 41);
	add_failed(fx->s, 2, EAGAIN);
	/* A call that succeeded, and an unfinished one, flagged or not, count for nothing. */
	add_call(fx->s, 2, 1000);
	out = summary(fx->s, false, 0);
	/* clang-format off */
	assert_non_null(strstr(out,
		"idle                             2           0        0    1.0 us    1.0 us    1.0 us    1.0 us    1.0 us\n"
		"search: errno ENOENT 3, EACCES 1, 41 1, other 1\n"
		"idle: errno EAGAIN 1\n"));
	/* clang-format on */
	free(out);
	out = summary(fx->s, true, 0);
	assert_non_null(strstr(out, "\"filtered\":0,\"errnos\":{\"ENOENT\":3,\"EACCES\":1,"
				    "\"41\":1,\"other\":1},\"latency_ns\":{"));
	assert_non_null(strstr(out, "\"filtered\":0,\"errnos\":{\"EAGAIN\":1},\"latency_ns\":{"));
	/* No errno: no member. */
	assert_non_null(strstr(out, "\"unfinished\":0,\"dropped\":0,\"errors\":0,\"filtered\":0,"
				    "\"latency_ns\":null}"));
	free(out);
	out = interval(fx->s, false);
	free(out);
	add_failed(fx->s, 0, ENOENT);
	out = interval(fx->s, true);
	assert_non_null(strstr(out, "\"errnos\":{\"ENOENT\":1},"));
	assert_null(strstr(out, "EAGAIN"));
	free(out);
	fixture_free(fx);
}

/* The BPF histogram's bucket of v, as bpf/wrapmon.bpf.c computes it. */
static unsigned int bpf_bucket(__u64 v)
{
	unsigned int l;

	if (v < WM_AGG_SUB)
		return v;
	l = 63 - __builtin_clzll(v);
	return l * WM_AGG_SUB + ((v >> (l - 3)) & (WM_AGG_SUB - 1));
}

/* --summary-only: aggregates made in BPF give the same summary as the calls would. */
static void test_set_agg_from_bpf(void **state)
{
	static const __u64 lat[] = { 3, 850, 1000, 1200, 1300, 12000, 5000000000ULL };
	struct fixture *fx = fixture_new(0), *ref = fixture_new(0);
	struct wm_func_agg *b = calloc(1, sizeof(*b));
	size_t i;

	assert_non_null(b);
	for (i = 0; i < sizeof(lat) / sizeof(lat[0]); i++) {
		b->calls++;
		b->lat_sum += lat[i];
		b->hist[bpf_bucket(lat[i])]++;
		assert_int_equal(add_call(ref->s, 0, lat[i]), 0);
	}
	b->lat_min = 3;
	b->lat_max = 5000000000ULL;
	b->unfinished = 2;
	assert_int_equal(store__set_agg(fx->s, 0, b), 0);
	assert_int_equal(store__agg(fx->s, 0)->calls, 7);
	assert_int_equal(store__agg(fx->s, 0)->unfinished, 2);
	assert_int_equal(store__agg(fx->s, 0)->lat_sum, store__agg(ref->s, 0)->lat_sum);
	/* Coarser buckets (8 steps, not 16): within 1/8 of the exact percentile. */
	for (i = 1; i <= 99; i += 7) {
		__u64 want = store__percentile(ref->s, 0, i), got = store__percentile(fx->s, 0, i);

		assert_true(got * 8 >= want * 7 && got * 8 <= want * 9);
	}
	assert_int_equal(store__set_agg(fx->s, 3, b), -EINVAL);
	free(b);
	fixture_free(fx);
	fixture_free(ref);
}

static char *interval(struct wm_store *s, bool json)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	assert_non_null(f);
	/* 2026-11-21T12:00:01Z */
	assert_int_equal(
		summary__print_interval(s, f, json, true, 1795262401ULL * 1000000000ULL, 500000000),
		0);
	fclose(f);
	return p;
}

static void test_intervals_are_deltas(void **state)
{
	struct fixture *fx = fixture_new(0);
	char *out;

	assert_int_equal(add_call(fx->s, 0, 1000), 0);
	assert_int_equal(add_call(fx->s, 0, 1000), 0);
	out = interval(fx->s, true);
	assert_non_null(
		strstr(out, "{\"interval\":{\"ts\":\"2026-11-21T12:00:01Z\","
			    "\"duration_ns\":500000000,\"functions\":[{\"function\":\"search\""));
	assert_non_null(
		strstr(out, "\"calls\":2,\"unfinished\":0,\"dropped\":0,\"errors\":0,\"filtered\":"
			    "0,\"latency_ns\":"
			    "{\"min\":1000,\"avg\":1000,\"p50\":1000,\"p99\":1000,\"max\":1000}"));
	free(out);

	/* Only what came since: one slower call; min/max from its bucket, within the truth. */
	assert_int_equal(add_call(fx->s, 0, 50000), 0);
	store__set_dropped(fx->s, 0, 3);
	out = interval(fx->s, true);
	assert_non_null(strstr(
		out, "\"calls\":1,\"unfinished\":0,\"dropped\":3,\"errors\":0,\"filtered\":0,"
		     "\"latency_ns\":"
		     "{\"min\":49152,\"avg\":50000,\"p50\":50000,\"p99\":50000,\"max\":50000}"));
	free(out);

	/* Nothing since: zero calls, no latency. */
	out = interval(fx->s, false);
	assert_non_null(strstr(out, "\n12:00:01  last 0.5 s\nFUNCTION"));
	assert_non_null(
		strstr(out, "\nsearch                           0           0        0         -"));
	free(out);
	/* The session's summary is still the whole of it. */
	assert_int_equal(store__agg(fx->s, 0)->calls, 3);
	fixture_free(fx);
}

static void test_hist_log2(void **state)
{
	struct fixture *fx = fixture_new(0);
	char *p = NULL;
	size_t n = 0;
	FILE *f;
	int i;

	/* 1000 ns x3 (512..1023), 1500 x1 (1024..2047), 1e6 x2 (524288..1048575). */
	for (i = 0; i < 3; i++)
		assert_int_equal(add_call(fx->s, 0, 1000), 0);
	assert_int_equal(add_call(fx->s, 0, 1500), 0);
	assert_int_equal(add_call(fx->s, 0, 1000000), 0);
	assert_int_equal(add_call(fx->s, 0, 1000000), 0);
	f = open_memstream(&p, &n);
	assert_non_null(f);
	summary__print_hist(fx->s, f);
	fclose(f);
	assert_non_null(strstr(p, "\nsearch: 6 calls\n"));
	assert_non_null(strstr(p, "        512 -> 1023        : 3          "
				  "|****************************************|\n"));
	assert_non_null(strstr(p, "       1024 -> 2047        : 1          |*************          "
				  "                 |\n"));
	assert_non_null(strstr(p, "       2048 -> 4095        : 0          |                       "
				  "                 |\n"));
	assert_non_null(strstr(p, "     524288 -> 1048575     : 2          "
				  "|**************************              |\n"));
	/* Nothing past the last bucket with calls, and no section for idle functions. */
	assert_null(strstr(p, "1048576 ->"));
	assert_null(strstr(p, "idle"));
	free(p);
	fixture_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_opts),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_percentile_small),
		cmocka_unit_test(test_percentile_distributions),
		cmocka_unit_test(test_histogram_covers_u64),
		cmocka_unit_test(test_recent_ring),
		cmocka_unit_test(test_sinks),
		cmocka_unit_test(test_summary_text),
		cmocka_unit_test(test_summary_many_functions),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_summary_errnos),
		cmocka_unit_test(test_set_agg_from_bpf),
		cmocka_unit_test(test_intervals_are_deltas),
		cmocka_unit_test(test_hist_log2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
