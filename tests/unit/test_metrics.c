// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus metrics: rendering from a store built by hand, exact histogram
 * buckets, label escaping, ADDR:PORT parsing, and the HTTP server itself on
 * a loopback port (GET, HEAD, 404, 405, a stalled client, a port in use, the
 * per-request time limit, eviction when every connection is taken).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "util/buf.h"
#include "util/escape.h"
#include "sinks/metrics.h"
#include "store/store.h"
#include "fixture.h"

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

static void view_init(struct wm_call_view *v, __u32 func_id, __u16 kind, __u64 latency)
{
	memset(v, 0, sizeof(*v));
	v->hdr.func_id = func_id;
	v->hdr.kind = kind;
	v->hdr.latency_ns = latency;
	for (int i = 0; i < WM_NR_SLOTS; i++) {
		v->hdr.str_len[i] = WM_STR_NONE;
		v->str_len[i] = WM_STR_NONE;
	}
}

static void add_call(struct wm_store *s, __u32 func_id, __u64 latency)
{
	struct wm_call_view v;

	view_init(&v, func_id, WM_REC_CALL, latency);
	assert_int_equal(store__add(s, &v), 0);
}

static void add_unfinished(struct wm_store *s, __u32 func_id)
{
	struct wm_call_view v;

	view_init(&v, func_id, WM_REC_UNFINISHED, 0);
	v.hdr.flags = WM_F_THREAD_EXIT;
	assert_int_equal(store__add(s, &v), 0);
}

/* Render funcs/store into a NUL-terminated string the caller frees. */
static char *render(const struct wm_func *funcs, int n, const struct wm_store *s, pid_t pid,
		    const struct metrics_self *self)
{
	struct metrics_snapshot *snap;
	struct wm_buf b = {};

	assert_int_equal(metrics__snapshot_new(funcs, n, pid, &snap), 0);
	metrics__snapshot_fill(snap, s, self);
	metrics__render(snap, &b);
	metrics__snapshot_free(snap);
	assert_int_equal(b.err, 0);
	return b.p;
}

static void assert_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return;
	fail_msg("line not found: %s\nin:\n%s", line, text);
}

static int count_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	int count = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		count += !strncmp(p, prefix, n);
	return count;
}

static void test_counters_and_self(void **state)
{
	struct metrics_self self = { .ring_size = 4 << 20,
				     .records = 12,
				     .bad_records = 1,
				     .cpu_us = 1500000,
				     .rss_bytes = 15056896 };
	struct wm_func funcs[2];
	struct wm_store *s;
	char *text;

	func_init(&funcs[0], 0, "search", "/usr/bin/app");
	func_init(&funcs[1], 1, "idle", "/usr/lib/libx.so.1");
	assert_int_equal(store__new(funcs, 2, NULL, &s), 0);
	add_call(s, 0, 100);
	add_call(s, 0, 2000);
	add_call(s, 0, 3000000000ULL);
	add_unfinished(s, 0);
	add_unfinished(s, 0);
	store__set_dropped(s, 0, 7);
	text = render(funcs, 2, s, 4242, &self);

	assert_has_line(text, "# HELP wrapmon_calls_total Completed calls of the traced function.");
	assert_has_line(text, "# TYPE wrapmon_calls_total counter");
	assert_has_line(
		text,
		"wrapmon_calls_total{function=\"search\",object=\"/usr/bin/app\",pid=\"4242\"} 3");
	assert_has_line(text, "wrapmon_calls_total{function=\"idle\",object=\"/usr/lib/libx.so.1\","
			      "pid=\"4242\"} 0");
	assert_has_line(text, "# TYPE wrapmon_unfinished_total counter");
	assert_has_line(text,
			"wrapmon_unfinished_total{function=\"search\",object=\"/usr/bin/app\","
			"pid=\"4242\"} 2");
	assert_has_line(text, "# TYPE wrapmon_dropped_total counter");
	assert_has_line(text, "wrapmon_dropped_total{function=\"search\",object=\"/usr/bin/app\","
			      "pid=\"4242\"} 7");
	assert_has_line(text,
			"wrapmon_dropped_total{function=\"idle\",object=\"/usr/lib/libx.so.1\","
			"pid=\"4242\"} 0");
	/* No error classification exists yet: no errors counter rather than a misleading 0. */
	assert_null(strstr(text, "wrapmon_errors"));
	assert_has_line(text, "# TYPE wrapmon_call_latency_seconds histogram");
	assert_has_line(text, "wrapmon_call_latency_seconds_sum{function=\"search\",object=\"/usr/"
			      "bin/app\",pid=\"4242\"} 3.0000021");
	assert_has_line(text,
			"wrapmon_call_latency_seconds_count{function=\"search\",object=\"/usr/"
			"bin/app\",pid=\"4242\"} 3");
	/* A function without a completed call has counters but no histogram yet. */
	assert_int_equal(
		count_prefix(text, "wrapmon_call_latency_seconds_bucket{function=\"idle\""), 0);
	assert_int_equal(
		count_prefix(text, "wrapmon_call_latency_seconds_bucket{function=\"search\""),
		WM_METRICS_NR_LE + 1);

	assert_has_line(text, "# TYPE wrapmon_ring_buffer_size_bytes gauge");
	assert_has_line(text, "wrapmon_ring_buffer_size_bytes 4194304");
	assert_has_line(text, "# TYPE wrapmon_records_total counter");
	assert_has_line(text, "wrapmon_records_total 12");
	assert_has_line(text, "wrapmon_bad_records_total 1");
	assert_has_line(text, "# TYPE wrapmon_process_cpu_seconds_total counter");
	assert_has_line(text, "wrapmon_process_cpu_seconds_total 1.5");
	assert_has_line(text, "# TYPE wrapmon_process_resident_memory_bytes gauge");
	assert_has_line(text, "wrapmon_process_resident_memory_bytes 15056896");
	free(text);
	store__free(s);
}

/* Calls a C++ exception ended are errors: the counter is exported for functions that raise. */
static void test_raised_are_errors(void **state)
{
	struct wm_func funcs[1];
	struct wm_call_view v;
	struct wm_store *s;
	char *text;

	func_init(&funcs[0], 0, "thrower", "/usr/bin/app");
	funcs[0].raises = true;
	assert_int_equal(store__new(funcs, 1, NULL, &s), 0);
	add_call(s, 0, 100);
	view_init(&v, 0, WM_REC_CALL, 3100);
	v.hdr.flags = WM_F_RAISED | WM_F_ERROR;
	v.exc_type = "std::runtime_error";
	assert_int_equal(store__add(s, &v), 0);
	text = render(funcs, 1, s, 4242, &(struct metrics_self){ 0 });
	assert_has_line(text, "# TYPE wrapmon_errors_total counter");
	assert_has_line(text, "wrapmon_errors_total{function=\"thrower\",object=\"/usr/bin/app\","
			      "pid=\"4242\"} 1");
	assert_has_line(text, "wrapmon_calls_total{function=\"thrower\",object=\"/usr/bin/app\","
			      "pid=\"4242\"} 2");
	free(text);
	store__free(s);
}

/*
 * Every line is a comment or NAME[{LABELS}] VALUE; every family has its
 * HELP then TYPE before its samples, and appears once.
 */
static void test_exposition_shape(void **state)
{
	struct wm_func funcs[3];
	struct metrics_self self = {};
	struct wm_store *s;
	struct wm_buf b = {};
	char *text, *line, *save = NULL, typed[64] = "";
	int families = 0;

	func_init(&funcs[0], 0, "a", "/x");
	func_init(&funcs[1], 1, "b", "/x");
	func_init(&funcs[2], 2, "c", "/y");
	assert_int_equal(store__new(funcs, 3, NULL, &s), 0);
	for (int i = 0; i < 100; i++)
		add_call(s, i % 3, 1000 + 997 * i * i);
	text = render(funcs, 3, s, 1, &self);
	buf__puts(&b, text);
	metrics__render_scrape_duration(&b, 12345);
	free(text);
	assert_true(b.len > 0 && b.p[b.len - 1] == '\n');
	assert_has_line(b.p, "wrapmon_scrape_duration_seconds 0.000012345");
	for (line = strtok_r(b.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (!strncmp(line, "# HELP ", 7)) {
			families++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%63s", typed), 1);
			continue;
		}
		assert_true(line[0] != '#');
		assert_int_equal(sscanf(line, "%127[a-z_]", name), 1);
		/* A sample belongs to the family last typed (histograms add suffixes). */
		assert_int_equal(strncmp(name, typed, strlen(typed)), 0);
		assert_non_null(strrchr(line, ' '));
	}
	/* calls, unfinished, dropped, latency, ring, records, bad, cpu, rss, scrape */
	assert_int_equal(families, 10);
	buf__free(&b);
	store__free(s);
}

static __u64 bucket_value(const char *text, const char *fn, const char *le)
{
	char prefix[256];
	const char *p;
	size_t n;

	n = snprintf(prefix, sizeof(prefix),
		     "wrapmon_call_latency_seconds_bucket{function=\"%s\",object=\"/o\",pid=\"1\","
		     "le=\"%s\"} ",
		     fn, le);
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return strtoull(p + n, NULL, 10);
	fail_msg("no bucket le=%s for %s", le, fn);
	return 0;
}

/* Latencies on both sides of every bound, and far outside them: each count exact. */
static void test_histogram_exact(void **state)
{
	static const char *const les[WM_METRICS_NR_LE] = {
		"0.000001023", "0.000002047", "0.000004095", "0.000008191", "0.000016383",
		"0.000032767", "0.000065535", "0.000131071", "0.000262143", "0.000524287",
		"0.001048575", "0.002097151", "0.004194303", "0.008388607", "0.016777215",
		"0.033554431", "0.067108863", "0.134217727", "0.268435455", "0.536870911",
		"1.073741823", "2.147483647", "4.294967295", "8.589934591", "17.179869183",
	};
	__u64 lat[4 * WM_METRICS_NR_LE + 8];
	struct metrics_self self = {};
	struct wm_func f;
	struct wm_store *s;
	__u64 sum = 0, want;
	char *text, sumline[256];
	int n = 0;

	func_init(&f, 0, "h", "/o");
	assert_int_equal(store__new(&f, 1, NULL, &s), 0);
	for (int i = 0; i < WM_METRICS_NR_LE; i++) {
		__u64 le = metrics__le_ns(i);

		assert_int_equal(le, (1ULL << (10 + i)) - 1);
		lat[n++] = le;		 /* on the bound: in */
		lat[n++] = le + 1;	 /* just above: out */
		lat[n++] = le - le / 33; /* inside the last store bucket below */
		lat[n++] = le;
	}
	lat[n++] = 0;
	lat[n++] = 1;
	lat[n++] = 15;
	lat[n++] = 1022;
	lat[n++] = 1ULL << 40; /* past the last bound: only in +Inf */
	lat[n++] = ~0ULL >> 2;
	for (int i = 0; i < n; i++) {
		add_call(s, 0, lat[i]);
		sum += lat[i];
	}
	text = render(&f, 1, s, 1, &self);
	for (int i = 0; i < WM_METRICS_NR_LE; i++) {
		want = 0;
		for (int j = 0; j < n; j++)
			want += lat[j] <= metrics__le_ns(i);
		if (bucket_value(text, "h", les[i]) != want)
			fail_msg("le=%s: got %llu, want %llu", les[i],
				 (unsigned long long)bucket_value(text, "h", les[i]),
				 (unsigned long long)want);
	}
	assert_int_equal(bucket_value(text, "h", "+Inf"), n);
	snprintf(sumline, sizeof(sumline),
		 "wrapmon_call_latency_seconds_count{function=\"h\",object=\"/o\",pid=\"1\"} %d",
		 n);
	assert_has_line(text, sumline);
	snprintf(sumline, sizeof(sumline),
		 "wrapmon_call_latency_seconds_sum{function=\"h\",object=\"/o\",pid=\"1\"} "
		 "%llu.%09llu",
		 (unsigned long long)(sum / 1000000000ULL),
		 (unsigned long long)(sum % 1000000000ULL));
	/* The exact decimal of sum ns, trailing zeros dropped. */
	while (sumline[strlen(sumline) - 1] == '0')
		sumline[strlen(sumline) - 1] = '\0';
	assert_has_line(text, sumline);

	/* A refresh after more calls: the buckets follow, cumulative and monotonic. */
	{
		struct metrics_snapshot *snap;
		struct wm_buf b = {};

		__u64 le1 = bucket_value(text, "h", les[0]), le2 = bucket_value(text, "h", les[1]);

		assert_int_equal(metrics__snapshot_new(&f, 1, 1, &snap), 0);
		metrics__snapshot_fill(snap, s, &self);
		add_call(s, 0, 1500);
		metrics__snapshot_fill(snap, s, &self);
		metrics__render(snap, &b);
		assert_int_equal(bucket_value(b.p, "h", les[0]), le1);
		assert_int_equal(bucket_value(b.p, "h", les[1]), le2 + 1);
		assert_int_equal(bucket_value(b.p, "h", "+Inf"), n + 1);
		for (int i = 1; i < WM_METRICS_NR_LE; i++)
			assert_true(bucket_value(b.p, "h", les[i - 1]) <=
				    bucket_value(b.p, "h", les[i]));
		buf__free(&b);
		metrics__snapshot_free(snap);
	}
	free(text);
	store__free(s);
}

static void test_label_escaping(void **state)
{
	struct metrics_self self = {};
	struct wm_func f;
	struct wm_store *s;
	struct wm_buf b = {};
	char *text;

	/* Quotes, backslashes and newlines as the format defines; the rest made inert. */
	func_init(&f, 0, "op\"er\\ator\nx",
		  "/tmp/a \"b\"\\c\x1b[31m\xff\xc2\x85\xe2\x80\xae\xc3\xa9");
	assert_int_equal(store__new(&f, 1, NULL, &s), 0);
	add_call(s, 0, 10);
	text = render(&f, 1, s, 7, &self);
	assert_has_line(text, "wrapmon_calls_total{function=\"op\\\"er\\\\ator\\nx\","
			      "object=\"/tmp/a \\\"b\\\"\\\\c\\\\x1b[31m\\\\xff\\\\u{0085}"
			      "\\\\u{202E}\xc3\xa9\",pid=\"7\"} 1");
	free(text);
	store__free(s);

	esc__prom(&b, "plain/path-1.so", 15);
	assert_string_equal(b.p, "plain/path-1.so");
	buf__reset(&b);
	esc__prom(&b, "a\0b", 3);
	assert_string_equal(b.p, "a\\\\x00b");
	buf__reset(&b);
	/* A truncated UTF-8 sequence at the end is bytes, not swallowed. */
	esc__prom(&b, "\xe2\x82", 2);
	assert_string_equal(b.p, "\\\\xe2\\\\x82");
	buf__free(&b);
}

static void expect_addr(const char *text, int family, const char *host, int port, bool loopback)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char err[256] = "", got[INET6_ADDRSTRLEN];

	if (metrics__parse_addr(text, &ss, &len, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		assert_int_equal(len, sizeof(*sin));
		inet_ntop(AF_INET, &sin->sin_addr, got, sizeof(got));
		assert_int_equal(ntohs(sin->sin_port), port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		assert_int_equal(len, sizeof(*sin6));
		inet_ntop(AF_INET6, &sin6->sin6_addr, got, sizeof(got));
		assert_int_equal(ntohs(sin6->sin6_port), port);
	}
	assert_string_equal(got, host);
	assert_int_equal(metrics__is_loopback(&ss), loopback);
}

static void expect_bad_addr(const char *text, const char *msg)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char err[256] = "";

	assert_int_equal(metrics__parse_addr(text, &ss, &len, err, sizeof(err)), -EINVAL);
	if (!strstr(err, msg))
		fail_msg("%s: '%s' lacks '%s'", text, err, msg);
	assert_null(strchr(err, '\n'));
}

static void test_parse_addr(void **state)
{
	char err[256];
	socklen_t len;

	expect_addr("127.0.0.1:9464", AF_INET, "127.0.0.1", 9464, true);
	expect_addr(":9464", AF_INET, "127.0.0.1", 9464, true);
	expect_addr("localhost:80", AF_INET, "127.0.0.1", 80, true);
	expect_addr("127.1.2.3:1", AF_INET, "127.1.2.3", 1, true);
	expect_addr("0.0.0.0:9464", AF_INET, "0.0.0.0", 9464, false);
	expect_addr("192.168.1.20:65535", AF_INET, "192.168.1.20", 65535, false);
	expect_addr(":0", AF_INET, "127.0.0.1", 0, true);
	expect_addr("[::1]:9464", AF_INET6, "::1", 9464, true);
	expect_addr("[::]:9464", AF_INET6, "::", 9464, false);
	expect_addr("[::ffff:127.0.0.1]:9", AF_INET6, "::ffff:127.0.0.1", 9, true);
	expect_addr("[fe80::1]:9464", AF_INET6, "fe80::1", 9464, false);

	expect_bad_addr("9464", "has no port: give ADDR:PORT");
	expect_bad_addr("", "has no port");
	expect_bad_addr("127.0.0.1", "has no port");
	expect_bad_addr("127.0.0.1:", "the port must be a number from 0 to 65535");
	expect_bad_addr("127.0.0.1:65536", "the port must be a number");
	expect_bad_addr("127.0.0.1:-1", "the port must be a number");
	expect_bad_addr("127.0.0.1:+1", "the port must be a number");
	expect_bad_addr("127.0.0.1: 1", "the port must be a number");
	expect_bad_addr("127.0.0.1:9464x", "the port must be a number");
	expect_bad_addr("127.0.0.1:000009464", "the port must be a number");
	expect_bad_addr("::1:9464", "in brackets, e.g. [::1]:9464");
	expect_bad_addr("[::1]9464", "as [ADDR]:PORT");
	expect_bad_addr("[::1", "as [ADDR]:PORT");
	expect_bad_addr("[127.0.0.1]:1", "not a numeric IPv6 address");
	expect_bad_addr("[fe80::1%eth0]:1", "not a numeric IPv6 address");
	expect_bad_addr("[0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef]:1",
			"not an IPv6 address");
	expect_bad_addr("example.org:9464",
			"not a numeric IPv4 address (host names are not looked up)");
	expect_bad_addr("1.2.3:9464", "not a numeric IPv4 address");
	expect_bad_addr("0123456789012345678901234567890123456789012345678901234567890123456789:1",
			"give a numeric address");
	assert_int_equal(metrics__parse_addr(NULL, NULL, &len, err, sizeof(err)), -EINVAL);
}

/* ---------------------------------------------------------------- HTTP */

static int connect_to(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char host[64];
	int fd, port;

	assert_int_equal(sscanf(addr, "%63[^:]:%d", host, &port), 2);
	sin.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, host, &sin.sin_addr), 1);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Send req, read the whole reply (the server closes or we time out after 5 s). */
static char *http(const char *addr, const char *req)
{
	struct wm_buf b = {};
	char chunk[4096];
	int fd = connect_to(addr);

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			fail_msg("no reply to %s", req);
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf__put(&b, chunk, n);
		/* A complete reply: headers and Content-Length bytes of body. */
		{
			char *end = strstr(b.p, "\r\n\r\n"),
			     *cl = strcasestr(b.p, "Content-Length: ");

			if (end && cl && cl < end &&
			    b.len - (end + 4 - b.p) >= strtoul(cl + 16, NULL, 10) &&
			    strncmp(req, "HEAD", 4))
				break;
			if (end && !strncmp(req, "HEAD", 4))
				break;
		}
	}
	close(fd);
	assert_non_null(b.p);
	return b.p;
}

static void test_http_server(void **state)
{
	struct sockaddr_storage ss;
	struct metrics_opts mo = { .sz = sizeof(mo), .addr = &ss, .pid = 99, .ring_size = 65536 };
	struct wm_metrics *m, *m2;
	struct wm_func f;
	struct wm_store *s;
	char err[256], *r, *body;
	int stall;

	func_init(&f, 0, "srv", "/bin/srv");
	assert_int_equal(store__new(&f, 1, NULL, &s), 0);
	assert_int_equal(metrics__parse_addr("127.0.0.1:0", &ss, &mo.addr_len, err, sizeof(err)),
			 0);
	assert_int_equal(metrics__new(&mo, &f, 1, &m, err, sizeof(err)), 0);
	assert_true(strncmp(metrics__addr(m), "127.0.0.1:", 10) == 0);
	assert_true(atoi(metrics__addr(m) + 10) > 0);

	/* Before any update: zero counters, already valid. */
	r = http(metrics__addr(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200", 12));
	assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "wrapmon_calls_total{function=\"srv\",object=\"/bin/srv\","
				  "pid=\"99\"} 0\n"));
	free(r);

	/* A client that connects and says nothing must not hold up the others. */
	stall = connect_to(metrics__addr(m));
	assert_int_equal(write(stall, "GET /metr", 9), 9);
	for (int i = 0; i < 5; i++)
		add_call(s, 0, 3000);
	metrics__update(m, s, 6, 1);
	r = http(metrics__addr(m), "GET /metrics HTTP/1.0\r\n\r\n");
	body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "wrapmon_calls_total{function=\"srv\",object=\"/bin/srv\","
				     "pid=\"99\"} 5\n"));
	assert_non_null(strstr(body, "le=\"0.000004095\"} 5\n"));
	assert_non_null(strstr(body, "wrapmon_records_total 6\n"));
	assert_non_null(strstr(body, "wrapmon_bad_records_total 1\n"));
	assert_non_null(strstr(body, "wrapmon_ring_buffer_size_bytes 65536\n"));
	assert_non_null(strstr(body, "wrapmon_scrape_duration_seconds "));
	free(r);

	r = http(metrics__addr(m), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200", 12));
	assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n");
	free(r);
	r = http(metrics__addr(m), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 404", 12));
	free(r);
	r = http(metrics__addr(m), "GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 404", 12));
	free(r);
	r = http(metrics__addr(m),
		 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
	assert_true(!strncmp(r, "HTTP/1.1 405", 12));
	assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
	free(r);
	/*
	 * Garbage instead of HTTP (a TLS hello): whatever becomes of that
	 * connection (an error, a close, the idle timeout), the next scrape is
	 * answered at once.
	 */
	{
		int junk = connect_to(metrics__addr(m));
		struct timespec t0, t1;

		assert_int_equal(write(junk, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n", 13),
				 13);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = http(metrics__addr(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_true(!strncmp(r, "HTTP/1.1 200", 12));
		assert_true(t1.tv_sec - t0.tv_sec < 2);
		free(r);
		close(junk);
	}
	/* Headers larger than the per-connection memory limit are refused. */
	{
		struct wm_buf big = {};

		buf__puts(&big, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
		for (int i = 0; i < 64 * 1024; i++)
			buf__putc(&big, 'a');
		buf__puts(&big, "\r\n\r\n");
		r = http(metrics__addr(m), big.p);
		assert_true(!r[0] || !strncmp(r, "HTTP/1.1 431", 12) ||
			    !strncmp(r, "HTTP/1.1 414", 12) || !strncmp(r, "HTTP/1.1 413", 12));
		free(r);
		buf__free(&big);
	}

	/* The same port again: one clear line, -EADDRINUSE, nothing to free. */
	{
		struct sockaddr_storage again;
		char addr[64];

		snprintf(addr, sizeof(addr), "%s", metrics__addr(m));
		assert_int_equal(metrics__parse_addr(addr, &again, &mo.addr_len, err, sizeof(err)),
				 0);
		mo.addr = &again;
		m2 = (struct wm_metrics *)0x1;
		assert_int_equal(metrics__new(&mo, &f, 1, &m2, err, sizeof(err)), -EADDRINUSE);
		assert_null(m2);
		assert_non_null(
			strstr(err, "the port is in use; pick another with --metrics ADDR:PORT"));
		assert_non_null(strstr(err, addr));
	}
	close(stall);
	metrics__free(m);
	metrics__free(NULL);
	store__free(s);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether the server has closed fd (EOF or a reset), waiting up to ms for it. */
static bool closed_by_server(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c[256];

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(fd, c, sizeof(c)) <= 0;
}

static struct wm_metrics *serve_with(struct wm_func *f, unsigned int max_conns,
				     unsigned int timeout_s, struct sockaddr_storage *ss)
{
	struct metrics_opts mo = { .sz = sizeof(mo), .addr = ss, .pid = 7 };
	struct wm_metrics *m;
	char err[256];

	mo.max_conns = max_conns;
	mo.timeout_s = timeout_s;
	assert_int_equal(metrics__parse_addr("127.0.0.1:0", ss, &mo.addr_len, err, sizeof(err)), 0);
	assert_int_equal(metrics__new(&mo, f, 1, &m, err, sizeof(err)), 0);
	return m;
}

/*
 * The time limit holds for the whole request, not only idle time, and slow
 * clients cannot take every connection: the one open longest makes room.
 */
static void test_http_limits(void **state)
{
	struct sockaddr_storage ss;
	struct wm_metrics *m;
	double t0, cut[4], t;
	struct wm_func f;
	int fds[8];
	char *r;

	func_init(&f, 0, "srv", "/bin/srv");
	/* 1 s a request; each client sends a header line every 100 ms, so is never idle. */
	m = serve_with(&f, 4, 1, &ss);
	t0 = now_s();
	for (int i = 0; i < 4; i++) {
		fds[i] = connect_to(metrics__addr(m));
		assert_int_equal(write(fds[i], "GET /metrics HTTP/1.1\r\n", 23), 23);
		cut[i] = 0;
	}
	for (bool open = true; open && now_s() - t0 < 4;) {
		open = false;
		for (int i = 0; i < 4; i++) {
			if (cut[i])
				continue;
			if (closed_by_server(fds[i], 0) ||
			    send(fds[i], "X-A: b\r\n", 8, MSG_NOSIGNAL) != 8)
				cut[i] = now_s() - t0;
			else
				open = true;
		}
		usleep(100000);
	}
	for (int i = 0; i < 4; i++) {
		if (!cut[i])
			fail_msg("trickling client %d still open after 4 s, limit 1 s", i);
		if (cut[i] < 0.9 || cut[i] > 2.5)
			fail_msg("trickling client %d cut after %.2f s, limit 1 s", i, cut[i]);
		close(fds[i]);
	}
	r = http(metrics__addr(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200", 12));
	free(r);
	metrics__free(m);

	/* 4 connections, a long limit: each new stalled client evicts the oldest. */
	m = serve_with(&f, 4, 30, &ss);
	for (int i = 0; i < 8; i++) {
		fds[i] = connect_to(metrics__addr(m));
		assert_int_equal(write(fds[i], "GET /metr", 9), 9);
		usleep(20000);
	}
	for (int i = 0; i < 4; i++)
		assert_true(closed_by_server(fds[i], 2000));
	for (int i = 4; i < 8; i++)
		assert_false(closed_by_server(fds[i], 100));
	t = now_s();
	r = http(metrics__addr(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200", 12));
	assert_true(now_s() - t < 2);
	free(r);
	assert_true(closed_by_server(fds[4], 2000));
	for (int i = 5; i < 8; i++)
		assert_false(closed_by_server(fds[i], 100));
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	metrics__free(m);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_self), cmocka_unit_test(test_raised_are_errors),
		cmocka_unit_test(test_exposition_shape),  cmocka_unit_test(test_histogram_exact),
		cmocka_unit_test(test_label_escaping),	  cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_http_server),	  cmocka_unit_test(test_http_limits),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
