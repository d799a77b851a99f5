// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How many calls a second the persistent store keeps: calls shaped like the
 * flood target's (two short strings and an int result) go through the real
 * monitor store and --store sink into a database in a temporary directory,
 * at a paced rate, or as fast as the sink takes them. Reports, never asserts.
 *
 *   bench-store [DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store/dbstore.h"
#include "types/proto.h"
#include "store/store.h"

static const struct wm_object app = { .path = "/usr/bin/app", .fd = -1 };

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* rate 0: as fast as the sink takes them. */
static int run(const char *dir, int round, __u64 n, __u64 rate, size_t queue)
{
	struct wm_dbstore_opts o = { .sz = sizeof(o),
				     .command_line = "bench-store",
				     .pid = 1,
				     .exe = "/bench",
				     .queue_calls = queue };
	static const char *pats[] = { "a", "fox", "needle", "zz" };
	static const char *texts[] = { "the quick brown fox", "a string to copy into every record",
				       "xxabcdef", "" };
	struct wm_dbstore_stats st;
	struct wm_store *ms = NULL;
	struct wm_dbstore *db = NULL;
	struct wm_call_view v;
	struct wm_sink sink;
	struct wm_func f;
	char path[4200], err[512], msg[128];
	__u64 t0, t1, t2;
	int col, ret = 1;

	memset(&f, 0, sizeof(f));
	if (proto__parse("int search(const char *pat, const char *s)", &f.sig, &col, msg,
			 sizeof(msg)))
		return 1;
	snprintf(f.name, sizeof(f.name), "search");
	f.object = &app;
	snprintf(path, sizeof(path), "%s/bench-%d.db", dir, round);
	unlink(path);
	if (store__new(&f, 1, NULL, &ms) || dbstore__new(path, &f, 1, &o, &db, err, sizeof(err))) {
		fprintf(stderr, "bench-store: %s\n", err);
		goto cleanup;
	}
	dbstore__sink(db, &sink);
	store__add_sink(ms, &sink);
	memset(&v, 0, sizeof(v));
	v.hdr.kind = WM_REC_CALL;
	v.hdr.pid = v.hdr.tid = 1234;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		v.str_len[i] = v.hdr.str_len[i] = WM_STR_NONE;
	t0 = now_ns();
	for (__u64 i = 0; i < n; i++) {
		const char *p = pats[i % 4], *s = texts[i / 4 % 4];

		if (rate)
			while ((now_ns() - t0) * rate < i * 1000000000ULL)
				;
		v.hdr.entry_ns = t0 + i * 1000;
		v.ts_real_ns = v.hdr.entry_ns + 1700000000000000000ULL;
		v.hdr.latency_ns = 800 + i % 1000;
		v.hdr.args[0] = 0x1000;
		v.hdr.args[1] = 0x2000;
		v.str[0] = p;
		v.str_len[0] = strlen(p);
		v.str[1] = s;
		v.str_len[1] = strlen(s);
		v.hdr.ret = i & 0xff;
		store__add(ms, &v);
	}
	t1 = now_ns();
	if (dbstore__finish(db, ms, 0, err, sizeof(err))) {
		fprintf(stderr, "bench-store: %s\n", err);
		goto cleanup;
	}
	t2 = now_ns();
	dbstore__stats(db, &st);
	printf("%-12s %9llu %12.0f %10llu %12.0f %8.2f s\n", rate ? "paced" : "unpaced",
	       (unsigned long long)n, n * 1e9 / (t1 - t0), (unsigned long long)st.not_kept,
	       (n - st.not_kept) * 1e9 / (t2 - t0), (t2 - t0) / 1e9);
	ret = 0;
cleanup:
	dbstore__free(db);
	store__free(ms);
	unlink(path);
	return ret;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	static const __u64 rates[] = { 200000, 300000, 400000 };

	printf("%-12s %9s %12s %10s %12s %10s\n", "MODE", "CALLS", "OFFERED/S", "NOT KEPT",
	       "KEPT/S", "WALL");
	/* The writer alone: the default queue holds all 250,000, filled as fast as possible. */
	for (int i = 0; i < 3; i++)
		if (run(dir, i, 250000, 0, 0))
			return 1;
	/* The default queue at a steady rate: what is kept in real use. */
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (run(dir, 10 + i, rates[i] * 3, rates[i], 0))
			return 1;
	return 0;
}
