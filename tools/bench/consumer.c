// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench-consumer text|json N FILE: the userspace half of wrapmon-trace
 * alone, on one CPU. N synthetic records of search(pat, s), laid out as the
 * BPF side writes them (header, strings back to back, the fixed reserved
 * size), each through record__decode(), store__add() and the same output
 * sink wrapmon-trace uses, into FILE, flushed every 65,536 records as the
 * tracer flushes after a full drain. No kernel and no ring buffer reads.
 * Prints "RECORDS WALL_S CPU_S BYTES".
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sinks/format.h"
#include "plan/capture.h"
#include "types/proto.h"
#include "probe/record.h"
#include "sinks/sink.h"
#include "store/store.h"

#define STR_CAP	    64
#define FLUSH_EVERY 65536
#define NR_SHAPES   4
/* As tracer.c sizes it for a function with two string arguments. */
#define REC_SIZE (sizeof(struct wm_call) + 2 * (STR_CAP + 2))

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One record as BPF leaves it in the ring: the header, then pat and s. */
static void make_record(unsigned char *raw, const char *pat, const char *s, int ret)
{
	struct wm_call h = {};
	size_t np = strlen(pat), ns = strlen(s);

	h.kind = WM_REC_CALL;
	h.pid = 4242;
	h.tid = 4243;
	h.args[0] = 0x55d0c0de1000;
	h.args[1] = 0x55d0c0de2000;
	h.ret = (__u64)(long)ret;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		h.str_len[i] = WM_STR_NONE;
	h.str_len[0] = np;
	h.str_len[1] = ns;
	h.data_len = np + ns;
	memset(raw, 0, REC_SIZE);
	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), pat, np);
	memcpy(raw + sizeof(h) + np, s, ns);
}

int main(int argc, char **argv)
{
	static const char text[] = "the quick brown fox jumps over the lazy dog";
	static const char *const pats[NR_SHAPES] = { "fox", "lazy", "zz", "a" };
	static const int rets[NR_SHAPES] = { 16, 35, -1, 36 };
	static unsigned char raw[NR_SHAPES][REC_SIZE] __attribute__((aligned(8)));
	/* As wrapmon-trace opens it: no ring of recent calls. */
	struct wm_store_opts sopts = { .sz = sizeof(sopts) };
	struct wm_fmt_opts fopts = {};
	struct wm_store *store = NULL;
	struct wm_out_sink out = {};
	struct wm_func fn = {};
	struct wm_sink sink;
	char err[128];
	double w0, w1, c0, c1;
	__u64 mono_to_real, entry;
	cpu_set_t cpus;
	long n, bytes;
	int col, ret = 1;
	bool json;
	FILE *f;

	if (argc != 4 || (strcmp(argv[1], "text") && strcmp(argv[1], "json"))) {
		fprintf(stderr, "usage: bench-consumer text|json N FILE\n");
		return 2;
	}
	json = !strcmp(argv[1], "json");
	n = atol(argv[2]);
	/* One core: the CPU we started on. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		perror("bench-consumer: sched_setaffinity");

	if (proto__parse("int search(const char *pat, const char *s)", &fn.sig, &col, err,
			 sizeof(err))) {
		fprintf(stderr, "bench-consumer: %s\n", err);
		return 1;
	}
	snprintf(fn.name, sizeof(fn.name), "search");
	/* The slots as the tracer plans them: pat in 0, s in 1, nothing at return. */
	plan__build(&fn.sig, &(struct wm_plan_opts){ .str_cap = STR_CAP, .out_params = true },
		    &fn.plan);
	fn.object = &(struct wm_object){ .path = "/usr/local/bin/bench-hot", .fd = -1 };
	for (int i = 0; i < NR_SHAPES; i++)
		make_record(raw[i], pats[i], text, rets[i]);

	f = fopen(argv[3], "w");
	if (!f) {
		fprintf(stderr, "bench-consumer: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	if (store__new(&fn, 1, &sopts, &store)) {
		fprintf(stderr, "bench-consumer: cannot create the store\n");
		goto cleanup;
	}
	out_sink__init(&out, f, json, &fopts, &sink);
	store__add_sink(store, &sink);

	mono_to_real = (__u64)((now_s(CLOCK_REALTIME) - now_s(CLOCK_MONOTONIC)) * 1e9);
	entry = (__u64)(now_s(CLOCK_MONOTONIC) * 1e9);
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < n; i++) {
		unsigned char *r = raw[i & (NR_SHAPES - 1)];
		/* Latencies spread over 1-5 us, so the histogram is exercised. */
		__u64 lat = 1000 + (i * 37) % 4000;
		struct wm_call_view v;

		entry += 2000;
		memcpy(r + offsetof(struct wm_call, entry_ns), &entry, sizeof(entry));
		memcpy(r + offsetof(struct wm_call, latency_ns), &lat, sizeof(lat));
		if (record__decode(r, REC_SIZE, &v)) {
			fprintf(stderr, "bench-consumer: record rejected\n");
			goto cleanup;
		}
		v.ts_real_ns = v.hdr.entry_ns + mono_to_real;
		store__add(store, &v);
		if ((i + 1) % FLUSH_EVERY == 0) {
			out_sink__flush(&out);
			fflush(f);
		}
	}
	out_sink__flush(&out);
	fflush(f);
	w1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_THREAD_CPUTIME_ID);
	bytes = ftell(f);
	if (ferror(f)) {
		fprintf(stderr, "bench-consumer: write error on %s\n", argv[3]);
		goto cleanup;
	}
	printf("%ld %.6f %.6f %ld\n", n, w1 - w0, c1 - c0, bytes);
	ret = 0;
cleanup:
	store__free(store);
	out_sink__free(&out);
	fclose(f);
	return ret;
}
