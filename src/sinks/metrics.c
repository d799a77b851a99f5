// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus metrics. Three snapshots of the same shape: the tracer's loop
 * fills "work" from the store without any lock, then copies it into
 * "shared" under the mutex; the HTTP thread copies "shared" into "render"
 * under the mutex and renders from that copy with no lock held. Either side
 * holds the mutex only for a memcpy of a few hundred bytes per function.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <microhttpd.h>
#include "util/clock.h"
#include "util/escape.h"
#include "util/opts.h"
#include "sinks/metrics.h"

/*
 * Slow clients cannot hold every slot: past this many, a new connection
 * makes the server close the one open longest (see on_connection()). Memory stays bounded: 32 KiB each at most.
 */
#define DEFAULT_MAX_CONNS 128
/* Evicted connections still hold libmicrohttpd's slots until it has closed them. */
#define EVICT_SPARE	  16
#define DEFAULT_TIMEOUT_S 10
/* Per connection: the request line and headers must fit (a scrape's take ~300 bytes). */
#define CONN_MEMORY_LIMIT (32 * 1024)
#define LISTEN_BACKLOG	  128
#define CONTENT_TYPE	  "text/plain; version=0.0.4; charset=utf-8"

struct func_snap {
	__u64 calls, unfinished, dropped, errors, lat_sum;
	__u64 timed;		    /* calls with a latency: all but --returns=none entries */
	__u64 le[WM_METRICS_NR_LE]; /* cumulative: calls with latency <= metrics__le_ns(i) */
};

struct metrics_snapshot {
	int nr_funcs;
	int cap_funcs; /* room in labels and f: functions met while tracing (Python's) */
	char **labels; /* function="...",object="...",pid="N" */
	bool own_labels;
	struct func_snap *f;
	struct metrics_self self;
	bool has_errors; /* some function has --error or raises: export wrapmon_errors_total */
};

/* A connection of the server's; only its thread reads or writes these. */
struct conn_slot {
	int fd;		/* -1: the slot is free */
	__u64 since_ns; /* accept */
	bool cut;	/* shut down by us: libmicrohttpd closes it on its next round */
};

/*
 * libmicrohttpd, opened only for --metrics: linked, it and the TLS stack it
 * pulls in (gnutls, nettle, gmp, p11-kit: 2.3 MB of pages, a third of the
 * dynamic loader's work) were in every run of the tracer.
 */
struct mhd_api {
	void *lib;
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_run) run;
	__typeof__(&MHD_get_timeout) get_timeout;
	__typeof__(&MHD_get_daemon_info) get_daemon_info;
	__typeof__(&MHD_get_connection_info) get_connection_info;
	__typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
	__typeof__(&MHD_add_response_header) add_response_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
};

#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif

static int mhd_open(struct mhd_api *api, char *err, size_t errsz)
{
	struct {
		const char *name;
		void **fn;
	} syms[] = {
		{ "MHD_start_daemon", (void **)&api->start_daemon },
		{ "MHD_stop_daemon", (void **)&api->stop_daemon },
		{ "MHD_run", (void **)&api->run },
		{ "MHD_get_timeout", (void **)&api->get_timeout },
		{ "MHD_get_daemon_info", (void **)&api->get_daemon_info },
		{ "MHD_get_connection_info", (void **)&api->get_connection_info },
		{ "MHD_create_response_from_buffer", (void **)&api->create_response_from_buffer },
		{ "MHD_add_response_header", (void **)&api->add_response_header },
		{ "MHD_queue_response", (void **)&api->queue_response },
		{ "MHD_destroy_response", (void **)&api->destroy_response },
	};

	api->lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		snprintf(err, errsz, "--metrics needs libmicrohttpd (%s): %s; install it",
			 MHD_SONAME, dlerror());
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].fn = dlsym(api->lib, syms[i].name);
		if (!*syms[i].fn) {
			snprintf(err, errsz, "--metrics: %s has no %s: a libmicrohttpd too old",
				 MHD_SONAME, syms[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

struct wm_metrics {
	struct mhd_api mhd;
	struct MHD_Daemon *daemon;
	pthread_t thread; /* runs libmicrohttpd and the deadlines */
	bool thread_running;
	int wake_fd;  /* eventfd: metrics__free() asks the thread to end */
	int epoll_fd; /* libmicrohttpd's */
	struct conn_slot *conns;
	unsigned int nr_slots;	/* max_conns + EVICT_SPARE */
	unsigned int max_conns; /* open and not cut */
	__u64 limit_ns;		/* per connection from accept, however busy the client keeps it */
	pthread_mutex_t lock;
	bool lock_ready;
	struct metrics_snapshot *work;	 /* the tracer's thread only */
	struct metrics_snapshot *shared; /* under lock */
	struct metrics_snapshot *render; /* the HTTP thread only */
	__u64 ring_size;
	bool verbose;
	pid_t pid;
	char addr[INET6_ADDRSTRLEN + 16];
};

__u64 metrics__le_ns(int i)
{
	return (1ULL << (WM_METRICS_LE_FIRST + i)) - 1;
}

/* ----------------------------------------------------------- snapshots */

static void snapshot_free_labels(struct metrics_snapshot *snap)
{
	if (!snap->own_labels || !snap->labels)
		return;
	for (int i = 0; i < snap->cap_funcs; i++)
		free(snap->labels[i]);
	free(snap->labels);
}

void metrics__snapshot_free(struct metrics_snapshot *snap)
{
	if (!snap)
		return;
	snapshot_free_labels(snap);
	free(snap->f);
	free(snap);
}

static struct metrics_snapshot *snapshot_alloc(int nr_funcs, int cap_funcs)
{
	struct metrics_snapshot *snap = calloc(1, sizeof(*snap));

	if (!snap)
		return NULL;
	snap->nr_funcs = nr_funcs;
	snap->cap_funcs = cap_funcs;
	snap->f = calloc(cap_funcs ? cap_funcs : 1, sizeof(*snap->f));
	if (!snap->f) {
		free(snap);
		return NULL;
	}
	return snap;
}

/* The labels of function i: function="...",object="...",pid="N". */
static int snapshot_label(struct metrics_snapshot *snap, const struct wm_func *f, int i, pid_t pid)
{
	struct wm_buf b = {};

	snap->has_errors |= (f->error_expr && f->error_expr[0]) || f->raises;
	buf__puts(&b, "function=\"");
	esc__prom(&b, f->name, strnlen(f->name, sizeof(f->name)));
	buf__puts(&b, "\",object=\"");
	esc__prom(&b, func__obj_path(f), strlen(func__obj_path(f)));
	buf__printf(&b, "\",pid=\"%d\"", (int)pid);
	if (!b.err)
		snap->labels[i] = strdup(b.p);
	buf__free(&b);
	return snap->labels[i] ? 0 : -ENOMEM;
}

static int snapshot_new(const struct wm_func *funcs, int nr_funcs, int cap_funcs, pid_t pid,
			struct metrics_snapshot **out)
{
	struct metrics_snapshot *snap;

	if (!out || nr_funcs < 0 || cap_funcs < nr_funcs || (nr_funcs && !funcs))
		return -EINVAL;
	*out = NULL;
	snap = snapshot_alloc(nr_funcs, cap_funcs);
	if (!snap)
		return -ENOMEM;
	snap->own_labels = true;
	snap->labels = calloc(cap_funcs ? cap_funcs : 1, sizeof(*snap->labels));
	if (!snap->labels)
		goto nomem;
	for (int i = 0; i < nr_funcs; i++)
		if (snapshot_label(snap, &funcs[i], i, pid))
			goto nomem;
	*out = snap;
	return 0;
nomem:
	metrics__snapshot_free(snap);
	return -ENOMEM;
}

int metrics__snapshot_new(const struct wm_func *funcs, int nr_funcs, pid_t pid,
			  struct metrics_snapshot **out)
{
	return snapshot_new(funcs, nr_funcs, nr_funcs, pid, out);
}

/* Same functions and labels (borrowed from src), counts zero. */
static struct metrics_snapshot *snapshot_twin(const struct metrics_snapshot *src)
{
	struct metrics_snapshot *snap = snapshot_alloc(src->nr_funcs, src->cap_funcs);

	if (snap)
		snap->labels = src->labels;
	return snap;
}

static void snapshot_copy(struct metrics_snapshot *dst, const struct metrics_snapshot *src)
{
	/* Twins: the same room; functions met since then are in the copy. */
	dst->nr_funcs = src->nr_funcs;
	memcpy(dst->f, src->f, src->nr_funcs * sizeof(*src->f));
	dst->self = src->self;
	dst->has_errors = src->has_errors;
}

/*
 * The store's histogram: values below 16 ns have a bucket each; from 16 on,
 * each power of two [2^e, 2^(e+1)) is split into 16 equal buckets, the
 * first of which is bucket (e - 3) * 16. So calls <= 2^k - 1 ns are exactly
 * those in buckets 0 .. (k - 3) * 16 - 1.
 */
static void fill_buckets(struct func_snap *fs, const struct wm_agg *a)
{
	unsigned int idx = 0, end;
	__u64 cum = 0;

	for (int i = 0; i < WM_METRICS_NR_LE; i++) {
		end = (WM_METRICS_LE_FIRST + i - 3) * WM_HIST_SUB;
		for (; idx < end && idx < WM_HIST_BUCKETS; idx++)
			cum += a->hist[idx];
		fs->le[i] = cum;
	}
}

void metrics__snapshot_fill(struct metrics_snapshot *snap, const struct wm_store *store,
			    const struct metrics_self *self)
{
	if (!snap)
		return;
	for (int i = 0; i < snap->nr_funcs; i++) {
		const struct wm_agg *a = store__agg(store, i);
		struct func_snap *fs = &snap->f[i];

		if (!a)
			continue;
		/* Only a new completed call changes the histogram: skip the walk otherwise. */
		if (a->timed != fs->timed)
			fill_buckets(fs, a);
		fs->calls = a->calls;
		fs->timed = a->timed;
		fs->unfinished = a->unfinished;
		fs->dropped = a->dropped;
		fs->errors = a->errors;
		fs->lat_sum = a->lat_sum;
	}
	if (self)
		snap->self = *self;
}

/* ----------------------------------------------------------- rendering */

/* ns as decimal seconds, exactly: "0.000001023", "2.5", "0". */
static void put_seconds(struct wm_buf *b, __u64 ns)
{
	char frac[16];
	int n;

	buf__printf(b, "%llu", (unsigned long long)(ns / 1000000000ULL));
	if (!(ns % 1000000000ULL))
		return;
	n = snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	while (n > 0 && frac[n - 1] == '0')
		n--;
	buf__putc(b, '.');
	buf__put(b, frac, n);
}

static void family(struct wm_buf *b, const char *name, const char *type, const char *help)
{
	buf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum func_field { F_CALLS, F_UNFINISHED, F_DROPPED, F_ERRORS };

static void func_counter(struct wm_buf *b, const struct metrics_snapshot *snap, const char *name,
			 const char *help, enum func_field field)
{
	family(b, name, "counter", help);
	for (int i = 0; i < snap->nr_funcs; i++) {
		const struct func_snap *fs = &snap->f[i];
		__u64 v = field == F_CALLS	? fs->calls :
			  field == F_UNFINISHED ? fs->unfinished :
			  field == F_ERRORS	? fs->errors :
						  fs->dropped;

		buf__printf(b, "%s{%s} %llu\n", name, snap->labels[i], (unsigned long long)v);
	}
}

static void func_histogram(struct wm_buf *b, const struct metrics_snapshot *snap)
{
	const char *name = "wrapmon_call_latency_seconds";

	family(b, name, "histogram",
	       "Latency of completed calls, entry to return. Bucket bounds are 2^k-1 ns, "
	       "so counts are exact. Present once a function has completed a call.");
	for (int i = 0; i < snap->nr_funcs; i++) {
		const struct func_snap *fs = &snap->f[i];
		const char *l = snap->labels[i];

		if (!fs->timed)
			continue;
		for (int j = 0; j < WM_METRICS_NR_LE; j++) {
			buf__printf(b, "%s_bucket{%s,le=\"", name, l);
			put_seconds(b, metrics__le_ns(j));
			buf__printf(b, "\"} %llu\n", (unsigned long long)fs->le[j]);
		}
		buf__printf(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, l,
			    (unsigned long long)fs->timed);
		buf__printf(b, "%s_sum{%s} ", name, l);
		put_seconds(b, fs->lat_sum);
		buf__printf(b, "\n%s_count{%s} %llu\n", name, l, (unsigned long long)fs->timed);
	}
}

static void self_value(struct wm_buf *b, const char *name, const char *type, const char *help,
		       __u64 v)
{
	family(b, name, type, help);
	buf__printf(b, "%s %llu\n", name, (unsigned long long)v);
}

void metrics__render(const struct metrics_snapshot *snap, struct wm_buf *b)
{
	const struct metrics_self *s = &snap->self;

	func_counter(b, snap, "wrapmon_calls_total", "Completed calls of the traced function.",
		     F_CALLS);
	func_counter(b, snap, "wrapmon_unfinished_total",
		     "Calls whose return never came (thread exit, longjmp, exec).", F_UNFINISHED);
	func_counter(b, snap, "wrapmon_dropped_total",
		     "Calls not recorded: BPF ring buffer full, or nested too deep.", F_DROPPED);
	if (snap->has_errors)
		func_counter(b, snap, "wrapmon_errors_total",
			     "Completed calls that --error marked as errors, or that a C++ "
			     "exception ended.",
			     F_ERRORS);
	func_histogram(b, snap);
	self_value(b, "wrapmon_ring_buffer_size_bytes", "gauge", "Size of the BPF ring buffer.",
		   s->ring_size);
	self_value(b, "wrapmon_records_total", "counter",
		   "Records read from the BPF ring buffer, malformed ones included.", s->records);
	self_value(b, "wrapmon_bad_records_total", "counter",
		   "Malformed records read from the ring buffer and ignored.", s->bad_records);
	family(b, "wrapmon_process_cpu_seconds_total", "counter",
	       "User and system CPU time of the tracer (getrusage).");
	buf__puts(b, "wrapmon_process_cpu_seconds_total ");
	put_seconds(b, s->cpu_us * 1000);
	buf__putc(b, '\n');
	self_value(b, "wrapmon_process_resident_memory_bytes", "gauge",
		   "Resident memory of the tracer (/proc/self/statm).", s->rss_bytes);
}

void metrics__render_scrape_duration(struct wm_buf *b, __u64 ns)
{
	family(b, "wrapmon_scrape_duration_seconds", "gauge",
	       "Time this scrape took to copy the snapshot and render everything above.");
	buf__puts(b, "wrapmon_scrape_duration_seconds ");
	put_seconds(b, ns);
	buf__putc(b, '\n');
}

/* ----------------------------------------------------------- addresses */

__attribute__((format(printf, 3, 4))) static int addr_error(char *err, size_t errsz,
							    const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int metrics__parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err,
			size_t errsz)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *port, *colon, *close;
	char host[INET6_ADDRSTRLEN];
	size_t hlen, plen;
	bool v6 = false;
	unsigned long p;
	char *end;

	if (!text || !ss || !len)
		return addr_error(err, errsz, "--metrics needs ADDR:PORT, e.g. 127.0.0.1:9464");
	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		close = strchr(text, ']');
		if (!close || close[1] != ':')
			return addr_error(err, errsz,
					  "--metrics '%s': write an IPv6 address as [ADDR]:PORT, "
					  "e.g. [::1]:9464",
					  ESC(text));
		v6 = true;
		hlen = close - text - 1;
		if (hlen >= sizeof(host))
			return addr_error(err, errsz, "--metrics '%s': not an IPv6 address",
					  ESC(text));
		memcpy(host, text + 1, hlen);
		port = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return addr_error(err, errsz,
					  "--metrics '%s' has no port: give ADDR:PORT, e.g. "
					  "127.0.0.1:9464 or :9464 (loopback)",
					  ESC(text));
		if (memchr(text, ':', colon - text))
			return addr_error(err, errsz,
					  "--metrics '%s': write an IPv6 address in brackets, e.g. "
					  "[::1]:9464",
					  ESC(text));
		hlen = colon - text;
		if (hlen >= sizeof(host))
			return addr_error(err, errsz,
					  "--metrics '%s': give a numeric address, e.g. "
					  "127.0.0.1:9464",
					  ESC(text));
		memcpy(host, text, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';

	plen = strlen(port);
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!plen || plen > 5 || *end || port[0] < '0' || port[0] > '9' || errno || p > 65535)
		return addr_error(err, errsz,
				  "--metrics '%s': the port must be a number from 0 to 65535 "
				  "(0: any free port)",
				  ESC(text));

	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return addr_error(
				err, errsz,
				"--metrics '%s': '%s' is not a numeric IPv6 address, e.g. "
				"[::1]:9464",
				ESC(text), ESC(host));
		*len = sizeof(*sin6);
		return 0;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(p);
	/* No address: loopback. Listening on every interface must be asked for by name. */
	if (!hlen || !strcmp(host, "localhost")) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
		return addr_error(err, errsz,
				  "--metrics '%s': '%s' is not a numeric IPv4 address (host names "
				  "are not looked up), e.g. 127.0.0.1:9464",
				  ESC(text), ESC(host));
	}
	*len = sizeof(*sin);
	return 0;
}

bool metrics__is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && sin6->sin6_addr.s6_addr[12] == 127;
}

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, outsz, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, outsz, "%s:%u", host, ntohs(sin->sin_port));
	}
}

/* ----------------------------------------------------------- the server */

static enum MHD_Result reply(const struct wm_metrics *m, struct MHD_Connection *conn,
			     unsigned int status, char *body, size_t len, bool must_free)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = m->mhd.create_response_from_buffer(
		len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	m->mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				   status == MHD_HTTP_OK ? CONTENT_TYPE :
							   "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		m->mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = m->mhd.queue_response(conn, status, resp);
	m->mhd.destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static char not_allowed[] = "only GET and HEAD are served\n";
	static char not_found[] = "not found: the metrics are at /metrics\n";
	struct wm_metrics *m = cls;
	struct wm_buf b = {};
	__u64 t0 = clock__ns(CLOCK_MONOTONIC);

	/* Answered on the first call: a request body, if any, is never read. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(m, conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
			     sizeof(not_allowed) - 1, false);
	if (strcmp(url, "/metrics"))
		return reply(m, conn, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, false);

	pthread_mutex_lock(&m->lock);
	snapshot_copy(m->render, m->shared);
	pthread_mutex_unlock(&m->lock);
	metrics__render(m->render, &b);
	metrics__render_scrape_duration(&b, clock__ns(CLOCK_MONOTONIC) - t0);
	if (b.err) {
		static char oom[] = "out of memory\n";

		buf__free(&b);
		return reply(m, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, oom, sizeof(oom) - 1, false);
	}
	return reply(m, conn, MHD_HTTP_OK, b.p, b.len, true);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct wm_metrics *m = cls;
	struct wm_buf b = {};
	char *line;
	int n;

	if (!m->verbose)
		return;
	n = vasprintf(&line, fmt, ap);
	if (n < 0)
		return;
	/* It may quote what a client sent: escaped, and one line like every other message. */
	while (n && line[n - 1] == '\n')
		n--;
	esc__text(&b, line, n);
	if (!b.err)
		fprintf(stderr, "wrapmon-trace: metrics: %s\n", b.p ? b.p : "");
	buf__free(&b);
	free(line);
}

/* ----------------------------------------------------------- connections */

/*
 * libmicrohttpd's timeout counts idle time only: a client sending a header
 * line a second keeps its connection for ever. So each connection has a hard
 * limit from accept (it carries one request: answering in the first call of
 * on_request() makes libmicrohttpd close it after the response), and when
 * max_conns are open a new connection evicts the one open longest: a scrape
 * takes milliseconds, so the oldest is a slow client. To end a connection
 * whose request never reached on_request() its API offers nothing, so we
 * shutdown() the socket and libmicrohttpd closes it on the hang-up. All of
 * this runs on the server's thread, and libmicrohttpd says CLOSED before it
 * closes the socket, so a shutdown() never reaches a reused descriptor.
 */
static void conn_cut(struct wm_metrics *m, struct conn_slot *c, const char *why)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
	if (m->verbose)
		fprintf(stderr, "wrapmon-trace: metrics: closed a connection %s\n", why);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_slot *slot = NULL, *oldest = NULL;
	struct wm_metrics *m = cls;
	unsigned int open = 0;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		slot = *socket_context;
		if (slot)
			slot->fd = -1;
		*socket_context = NULL;
		return;
	}
	ci = m->mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return;
	for (unsigned int i = 0; i < m->nr_slots; i++) {
		struct conn_slot *c = &m->conns[i];

		if (c->fd < 0) {
			slot = slot ?: c;
			continue;
		}
		if (c->cut)
			continue;
		open++;
		if (!oldest || c->since_ns < oldest->since_ns)
			oldest = c;
	}
	if (!slot) {
		/* libmicrohttpd takes at most nr_slots, so this cannot be: refuse it anyway. */
		shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	slot->fd = ci->connect_fd;
	slot->since_ns = clock__ns(CLOCK_MONOTONIC);
	slot->cut = false;
	*socket_context = slot;
	if (open >= m->max_conns && oldest)
		conn_cut(m, oldest, "to make room: every connection was taken");
}

/* Cut the connections past their limit; ms until the next one is due, -1 if none is open. */
static int conns_expire(struct wm_metrics *m)
{
	__u64 now = clock__ns(CLOCK_MONOTONIC), next = 0, due;

	for (unsigned int i = 0; i < m->nr_slots; i++) {
		struct conn_slot *c = &m->conns[i];

		if (c->fd < 0 || c->cut)
			continue;
		due = c->since_ns + m->limit_ns;
		if (due <= now)
			conn_cut(m, c, "open longer than the time limit");
		else if (!next || due < next)
			next = due;
	}
	if (!next)
		return -1;
	return (next - now + 999999) / 1000000;
}

/* The server's thread: libmicrohttpd's events, its idle timeouts, and our deadlines. */
static void *serve(void *arg)
{
	struct wm_metrics *m = arg;
	struct pollfd pfd[2] = {
		{ .fd = m->epoll_fd, .events = POLLIN },
		{ .fd = m->wake_fd, .events = POLLIN },
	};
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	int wait;

	for (;;) {
		m->mhd.run(m->daemon);
		wait = conns_expire(m);
		if (m->mhd.get_timeout(m->daemon, &mhd_ms) == MHD_YES &&
		    (wait < 0 || mhd_ms < (MHD_UNSIGNED_LONG_LONG)wait))
			wait = mhd_ms > INT_MAX ? INT_MAX : (int)mhd_ms;
		if (poll(pfd, 2, wait) < 0) {
			/* Only ENOMEM can get here (no signal reaches this thread): try again soon. */
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (pfd[1].revents)
			return NULL;
	}
}

static int errf(char *err, size_t errsz, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int bind_listen(const struct metrics_opts *o, struct wm_metrics *m, char *err, size_t errsz)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	char want[sizeof(m->addr)];
	int fd, one = 1, e;

	format_addr(o->addr, want, sizeof(want));
	fd = socket(o->addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errf(err, errsz, -errno, "cannot serve metrics on %s: %s", want,
			    strerror(errno));
	/* Restart at once after a previous run's connections in TIME_WAIT; never shares a port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)o->addr, o->addr_len) || listen(fd, LISTEN_BACKLOG)) {
		e = errno;
		close(fd);
		if (e == EADDRINUSE)
			return errf(err, errsz, -e,
				    "cannot serve metrics on %s: the port is in use; pick another "
				    "with --metrics ADDR:PORT",
				    want);
		if (e == EADDRNOTAVAIL)
			return errf(err, errsz, -e,
				    "cannot serve metrics on %s: no interface of this machine has "
				    "that address",
				    want);
		if (e == EACCES)
			return errf(err, errsz, -e,
				    "cannot serve metrics on %s: ports below 1024 need "
				    "CAP_NET_BIND_SERVICE; pick a port such as 9464",
				    want);
		return errf(err, errsz, -e, "cannot serve metrics on %s: %s", want, strerror(e));
	}
	if (!getsockname(fd, (struct sockaddr *)&got, &len))
		format_addr(&got, m->addr, sizeof(m->addr));
	else
		snprintf(m->addr, sizeof(m->addr), "%s", want);
	return fd;
}

int metrics__new(const struct metrics_opts *opts, const struct wm_func *funcs, int nr_funcs,
		 struct wm_metrics **out, char *err, size_t errsz)
{
	struct metrics_opts o = { .sz = sizeof(o) };
	const union MHD_DaemonInfo *info;
	struct wm_metrics *m;
	sigset_t all, old;
	unsigned int flags;
	int fd, ret;

	/* The address is the one option without a default. */
	if (!out || !opts || !OPTS_VALID(opts) || !OPTS_GET(opts, addr, NULL))
		return errf(err, errsz, -EINVAL, "metrics: bad options");
	*out = NULL;
	o.addr = opts->addr;
	o.addr_len = OPTS_GET(opts, addr_len, 0);
	o.pid = OPTS_GET(opts, pid, 0);
	o.ring_size = OPTS_GET(opts, ring_size, 0);
	o.max_conns = OPTS_GET(opts, max_conns, 0) ?: DEFAULT_MAX_CONNS;
	o.timeout_s = OPTS_GET(opts, timeout_s, 0) ?: DEFAULT_TIMEOUT_S;
	o.verbose = OPTS_GET(opts, verbose, false);

	m = calloc(1, sizeof(*m));
	if (!m)
		return errf(err, errsz, -ENOMEM, "out of memory");
	m->wake_fd = -1;
	m->ring_size = o.ring_size;
	m->verbose = o.verbose;
	m->pid = o.pid;
	ret = mhd_open(&m->mhd, err, errsz);
	if (ret) {
		metrics__free(m);
		return ret;
	}
	ret = snapshot_new(funcs, nr_funcs, nr_funcs + OPTS_GET(opts, extra_funcs, 0), o.pid,
			   &m->work);
	if (ret)
		goto nomem;
	m->shared = snapshot_twin(m->work);
	m->render = snapshot_twin(m->work);
	if (!m->shared || !m->render)
		goto nomem;
	m->shared->self.ring_size = o.ring_size;
	if (pthread_mutex_init(&m->lock, NULL))
		goto nomem;
	m->lock_ready = true;
	m->max_conns = o.max_conns;
	m->nr_slots = o.max_conns + EVICT_SPARE;
	m->limit_ns = o.timeout_s * 1000000000ULL;
	m->conns = calloc(m->nr_slots, sizeof(*m->conns));
	if (!m->conns)
		goto nomem;
	for (unsigned int i = 0; i < m->nr_slots; i++)
		m->conns[i].fd = -1;
	m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->wake_fd < 0) {
		ret = -errno;
		metrics__free(m);
		return errf(err, errsz, ret, "cannot serve metrics: eventfd: %s", strerror(-ret));
	}

	fd = bind_listen(&o, m, err, errsz);
	if (fd < 0) {
		metrics__free(m);
		return fd;
	}
	/*
	 * No internal thread: ours runs libmicrohttpd and the per-connection limit,
	 * so the connection table is one thread's alone.
	 */
	flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (o.addr->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->daemon = m->mhd.start_daemon(
		flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, m->nr_slots,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o.timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
		m, MHD_OPTION_END);
	if (!m->daemon) {
		/* Whether it closed fd is not documented: leave it, we are about to exit. */
		errf(err, errsz, -EIO, "cannot serve metrics on %s: libmicrohttpd did not start",
		     m->addr);
		metrics__free(m);
		return -EIO;
	}
	info = m->mhd.get_daemon_info(m->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	m->epoll_fd = info ? info->epoll_fd : -1;
	/* The server's thread must take no signal: SIGINT is the tracer's loop's to read. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = m->epoll_fd < 0 ? EINVAL : pthread_create(&m->thread, NULL, serve, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		errf(err, errsz, -ret, "cannot serve metrics on %s: no thread for it: %s", m->addr,
		     strerror(ret));
		metrics__free(m);
		return -ret;
	}
	m->thread_running = true;
	*out = m;
	return 0;
nomem:
	metrics__free(m);
	return errf(err, errsz, -ENOMEM, "out of memory");
}

const char *metrics__addr(const struct wm_metrics *m)
{
	return m ? m->addr : "";
}

/* Resident set from /proc/self/statm (its second field, in pages); 0 if unreadable. */
static __u64 rss_bytes(void)
{
	char buf[128];
	unsigned long size, res;
	ssize_t n;
	int fd;

	fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu", &size, &res) != 2)
		return 0;
	return (__u64)res * sysconf(_SC_PAGESIZE);
}

void metrics__update(struct wm_metrics *m, const struct wm_store *store, __u64 records,
		     __u64 bad_records)
{
	struct metrics_self self = {
		.ring_size = m ? m->ring_size : 0,
		.records = records,
		.bad_records = bad_records,
	};
	struct rusage ru;

	if (!m)
		return;
	if (!getrusage(RUSAGE_SELF, &ru))
		self.cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
			      ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	self.rss_bytes = rss_bytes();
	metrics__snapshot_fill(m->work, store, &self);
	pthread_mutex_lock(&m->lock);
	snapshot_copy(m->shared, m->work);
	pthread_mutex_unlock(&m->lock);
}

int metrics__add_funcs(struct wm_metrics *m, const struct wm_func *funcs, int nr_funcs)
{
	struct metrics_snapshot *w = m ? m->work : NULL;

	if (!w)
		return 0;
	if (nr_funcs > w->cap_funcs)
		return -EINVAL;
	/* Labels first: the HTTP thread sees the new count only through the next update's copy. */
	for (int i = w->nr_funcs; i < nr_funcs; i++)
		if (snapshot_label(w, &funcs[i], i, m->pid))
			return -ENOMEM;
	if (nr_funcs > w->nr_funcs)
		w->nr_funcs = nr_funcs;
	return 0;
}

void metrics__free(struct wm_metrics *m)
{
	if (!m)
		return;
	if (m->thread_running) {
		__u64 one = 1;

		/* Cannot fail (only we write it); if it did, the thread still runs: leave it all. */
		if (write(m->wake_fd, &one, sizeof(one)) != sizeof(one))
			return;
		pthread_join(m->thread, NULL);
	}
	/* Closes every connection, calling on_connection(): m->conns is still there. */
	if (m->daemon)
		m->mhd.stop_daemon(m->daemon);
	if (m->mhd.lib)
		dlclose(m->mhd.lib);
	if (m->wake_fd >= 0)
		close(m->wake_fd);
	free(m->conns);
	if (m->lock_ready)
		pthread_mutex_destroy(&m->lock);
	metrics__snapshot_free(m->render);
	metrics__snapshot_free(m->shared);
	metrics__snapshot_free(m->work);
	free(m);
}
