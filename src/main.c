// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wrapmon-trace: attach to a running process and stream every call of the
 * named functions, keeping them in the monitor store.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "store/dbstore.h"
#include "target/demangle.h"
#include "types/dwarf.h"
#include "util/escape.h"
#include "plan/expr.h"
#include "sinks/format.h"
#include "target/ifunc.h"
#include "target/insn.h"
#include "sinks/metrics.h"
#include "sinks/outfile.h"
#include "types/proto.h"
#include "probe/record.h"
#include "store/report.h"
#include "target/resolve.h"
#include "sinks/sink.h"
#include "store/store.h"
#include "target/symbolize.h"
#include "probe/tracer.h"

#define MAX_SPECS 256
#define POLL_MS 25
/* The metrics snapshot is refreshed at most this often while tracing. */
#define METRICS_REFRESH_NS (250 * 1000000ULL)
/*
 * Records handled per drain: under a flood the ring never empties, and an
 * unbounded drain would keep signals, the target's exit and the drop
 * warnings waiting.
 */
#define DRAIN_BATCH 65536
#define DRAIN_MORE (-EAGAIN)

/* The CLI environment: the only global state. */
static struct env {
	pid_t pid;
	const char *specs[MAX_SPECS];
	/* --filter / --error after a -f: that -f's; before any: every function's. */
	const char *spec_filter[MAX_SPECS];
	const char *spec_error[MAX_SPECS];
	const char *all_filter;
	const char *all_error;
	int nr_specs;
	bool no_out_params;	/* do not read pointees again at return */
	bool stack;		/* --stack */
	bool no_sleepable;	/* --no-sleepable (hidden) */
	bool json;
	bool utc;
	bool no_multi;
	const char *output;	/* -o: calls and summary go here instead of stdout */
	mode_t file_mode;	/* for files wrapmon creates; 0: WM_FILE_MODE */
	bool summary_only;	/* count in BPF, no per-call records */
	bool hist;		/* log2 latency histograms after the summary */
	double interval;	/* seconds between interval summaries; 0: none */
	int verbose;
	long string_size;
	long ring_size;
	double duration;
	const char *store;
	long store_queue;
	const char *metrics;	/* --metrics ADDR:PORT as given */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
} env = {
	.string_size = 64,
	.ring_size = 4 << 20,
};

#define WM_VERSION "0.1"
const char *argp_program_version = "wrapmon-trace " WM_VERSION;
static const char doc[] =
	"Trace every call of functions in a running process, with typed arguments, result and "
	"latency.\n"
	"\v"
	"FUNC is NAME, a shell pattern (e.g. 'sqlite3_*'), LIB:NAME (e.g. libc:strlen), "
	"/path/to/obj:NAME, or a C prototype, optionally after LIB: "
	"('int search(const char *pat, const char *s)').\n\n"
	"Examples:\n"
	"  wrapmon-trace -p 4242 -f search\n"
	"  wrapmon-trace -p 4242 -f 'int sqlite3_prepare_v2(void *db, const char *sql, int n, "
	"void **stmt, const char **tail)'\n"
	"  wrapmon-trace -p 4242 -f search -f libc:strlen --json > calls.ndjson\n"
	"  wrapmon-trace -p 4242 -f search --store calls.db; wrapmon-trace report calls.db\n"
	"  wrapmon-trace -p 4242 -f 'sqlite3_*' --metrics :9464 > /dev/null\n";

enum {
	OPT_JSON = 1000,
	OPT_STRSZ,
	OPT_RING,
	OPT_UTC,
	OPT_NO_MULTI,
	OPT_FILE_MODE,
	OPT_SUMMARY_ONLY,
	OPT_INTERVAL,
	OPT_HIST,
	OPT_STORE,
	OPT_STORE_QUEUE,
	OPT_METRICS,
	OPT_FILTER,
	OPT_ERROR,
	OPT_NO_OUT,
	OPT_STACK,
	OPT_NO_SLEEPABLE,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Process to trace", 0 },
	{ "function", 'f', "FUNC", 0, "Function to trace (repeatable); see below", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON object per call on stdout", 0 },
	{ "string-size", OPT_STRSZ, "BYTES", 0, "Bytes of each string to copy (1-1024, default 64)",
	  0 },
	{ "ring-size", OPT_RING, "SIZE", 0, "BPF ring buffer size, e.g. 512K, 16M (default 4M)",
	  0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this many seconds", 0 },
	{ "output", 'o', "FILE", 0,
	  "Write calls and summary to FILE (created mode 0600; a symlink is refused)", 0 },
	{ "file-mode", OPT_FILE_MODE, "MODE", 0, "Mode of files wrapmon creates (default 0600)",
	  0 },
	{ "utc", OPT_UTC, NULL, 0, "Print times in UTC rather than local time", 0 },
	{ "summary-only", OPT_SUMMARY_ONLY, NULL, 0,
	  "Count calls and latencies in the kernel; print no calls, only summaries", 0 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0,
	  "Print the summary of the last SECONDS every SECONDS", 0 },
	{ "hist", OPT_HIST, NULL, 0, "Print a log2 latency histogram per function at the end", 0 },
	{ "store", OPT_STORE, "FILE", 0,
	  "Also keep every call in a new SQLite database (see 'wrapmon-trace report --help')", 0 },
	{ "store-queue", OPT_STORE_QUEUE, "CALLS", OPTION_HIDDEN, "Calls the store queues at most",
	  0 },
	{ "metrics", OPT_METRICS, "ADDR:PORT", 0,
	  "Serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. :9464, loopback)", 0 },
	{ "filter", OPT_FILTER, "EXPR", 0,
	  "Keep only the calls where EXPR holds, decided in the kernel (e.g. 'n > 100 && ret < 0', "
	  "'pat == \"a*\"', 'latency > 1ms'); applies to the -f before it, or to all when given "
	  "before any -f",
	  0 },
	{ "error", OPT_ERROR, "EXPR", 0,
	  "Mark the calls where EXPR holds as errors (e.g. 'ret < 0', 'ret == NULL'); placed like "
	  "--filter",
	  0 },
	{ "no-out-params", OPT_NO_OUT, NULL, 0,
	  "Do not read non-const pointer arguments again at return", 0 },
	{ "stack", OPT_STACK, NULL, 0, "Show the user stack of each call (frame pointers)", 0 },
	{ "no-multi", OPT_NO_MULTI, NULL, OPTION_HIDDEN, "Attach one link per function", 0 },
	{ "no-sleepable", OPT_NO_SLEEPABLE, NULL, OPTION_HIDDEN,
	  "Do not use sleepable probes (strings on pages not yet touched read as unreadable)", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose output (libbpf messages)", 0 },
	{},
};

#define elog(fmt, ...) fprintf(stderr, "wrapmon-trace: " fmt "\n", ##__VA_ARGS__)
#define vlog(fmt, ...)                                                           \
	do {                                                                     \
		if (env.verbose)                                                 \
			fprintf(stderr, "wrapmon-trace: " fmt "\n", ##__VA_ARGS__); \
	} while (0)
/* Bad usage: one line naming the problem and the fix, exit 2; nothing is attached yet. */
#define usage_error(state, fmt, ...)            \
	do {                                    \
		elog(fmt, ##__VA_ARGS__);       \
		exit(2);                        \
	} while (0)

static int parse_size(const char *s, long *out)
{
	char *end;
	long v = 0;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;
	long v;

	switch (key) {
	case 'p':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v <= 0 || v > INT_MAX)
			usage_error(state, "invalid PID '%s': give a process id such as 4242", arg);
		env.pid = v;
		break;
	case 'f':
		if (env.nr_specs >= MAX_SPECS)
			usage_error(state, "too many -f options (max %d): use a pattern", MAX_SPECS);
		env.specs[env.nr_specs++] = arg;
		break;
	case OPT_FILTER:
	case OPT_ERROR: {
		const char **slot;

		if (env.nr_specs)
			slot = key == OPT_FILTER ? &env.spec_filter[env.nr_specs - 1] :
						   &env.spec_error[env.nr_specs - 1];
		else
			slot = key == OPT_FILTER ? &env.all_filter : &env.all_error;
		if (*slot)
			usage_error(state,
				    "two --%s expressions for the same functions: join them with "
				    "&& or ||",
				    key == OPT_FILTER ? "filter" : "error");
		*slot = arg;
		break;
	}
	case OPT_NO_OUT:
		env.no_out_params = true;
		break;
	case OPT_STACK:
		env.stack = true;
		break;
	case OPT_NO_SLEEPABLE:
		env.no_sleepable = true;
		break;
	case OPT_JSON:
		env.json = true;
		break;
	case OPT_STRSZ:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1 || v > WM_STR_MAX)
			usage_error(state, "--string-size %s is out of range: use 1 to %d", arg,
				   WM_STR_MAX);
		env.string_size = v;
		break;
	case OPT_RING:
		if (parse_size(arg, &v) || v < 4096 || v > (1L << 30))
			usage_error(state, "--ring-size %s is out of range: use 4K to 1G, e.g. 16M",
				   arg);
		/* The kernel wants a power of two. */
		while (v & (v - 1))
			v += v & -v;
		env.ring_size = v;
		break;
	case 'd':
		env.duration = strtod(arg, &end);
		if (*end || !(env.duration > 0))
			usage_error(state, "invalid duration '%s': give seconds, e.g. -d 5", arg);
		break;
	case OPT_UTC:
		env.utc = true;
		break;
	case 'o':
		env.output = arg;
		break;
	case OPT_SUMMARY_ONLY:
		env.summary_only = true;
		break;
	case OPT_HIST:
		env.hist = true;
		break;
	case OPT_INTERVAL:
		env.interval = strtod(arg, &end);
		if (*end || !(env.interval >= 0.1) || env.interval > 86400)
			usage_error(state,
				    "invalid --interval '%s': give seconds from 0.1 to 86400, e.g. "
				    "--interval 5",
				    arg);
		break;
	case OPT_FILE_MODE:
		if (outfile__parse_mode(arg, &env.file_mode) || !(env.file_mode & 0200))
			usage_error(state,
				    "invalid --file-mode '%s': give an octal mode the owner can "
				    "write, e.g. 0640",
				    arg);
		break;
	case OPT_NO_MULTI:
		env.no_multi = true;
		break;
	case OPT_STORE:
		env.store = arg;
		break;
	case OPT_STORE_QUEUE:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1)
			usage_error(state, "--store-queue %s: give a number of calls", arg);
		env.store_queue = v;
		break;
	case OPT_METRICS: {
		char msg[256];

		if (metrics__parse_addr(arg, &env.metrics_addr, &env.metrics_addr_len, msg,
					sizeof(msg)))
			usage_error(state, "%s", msg);
		env.metrics = arg;
		break;
	}
	case 'v':
		env.verbose++;
		break;
	case ARGP_KEY_ARG:
		usage_error(state, "unexpected argument '%s': functions go after -f", arg);
		break;
	case ARGP_KEY_END:
		if (!env.pid)
			usage_error(state, "no process given: add -p PID (e.g. -p $(pidof app))");
		if (!env.nr_specs)
			usage_error(state, "no function given: add -f NAME (e.g. -f search)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && env.verbose < 2)
		return 0;
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * CAP_SYS_ADMIN, or both CAP_BPF and CAP_PERFMON, in the effective set. Not
 * the uid: root in a container may well lack them, and then the first
 * failure would be a confusing EPERM from deep inside libbpf.
 */
static bool have_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = (__u64)data[1].effective << 32 | data[0].effective;
	return (eff & (1ULL << CAP_SYS_ADMIN)) ||
	       ((eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_PERFMON)));
}

static int check_kernel(void)
{
	if (access("/sys/bus/event_source/devices/uprobe/type", F_OK)) {
		elog("this kernel has no uprobes: wrapmon needs a kernel built with "
		     "CONFIG_UPROBE_EVENTS");
		return -EOPNOTSUPP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		elog("this kernel exposes no BTF (/sys/kernel/btf/vmlinux): wrapmon needs "
		     "CONFIG_DEBUG_INFO_BTF");
		return -EOPNOTSUPP;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) <= 0) {
		elog("this kernel has no BPF ring buffer: wrapmon needs Linux 5.8 or later");
		return -EOPNOTSUPP;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* "a, b, c, ..." of the first five names, for one-line notes. */
static void name_list_add(struct wm_buf *b, int *count, const char *name)
{
	if (*count < 5)
		buf__printf(b, "%s%s", *count ? ", " : "", name);
	else if (*count == 5)
		buf__puts(b, ", ...");
	(*count)++;
}

/* One -f argument split into its object selector, name or pattern, and prototype. */
struct spec {
	char selector[512];
	bool has_proto;
	struct wm_sig sig;
	const char *filter; /* --filter for these functions, NULL: none */
	const char *error;  /* --error */
};

static int parse_spec(const char *text, struct spec *sp)
{
	const char *colon = NULL, *body = text;
	char msg[256];
	size_t plen = 0;
	int col = 0;

	memset(sp, 0, sizeof(*sp));
	/* An object prefix ends at the first ':' that is not C++'s '::', before any '(' or blank. */
	for (const char *p = text; *p && *p != '(' && *p != ' ' && *p != '\t'; p++) {
		if (*p == ':' && p[1] == ':') {
			p++;
			continue;
		}
		if (*p == ':') {
			colon = p;
			break;
		}
	}
	if (colon) {
		plen = colon - text;
		body = colon + 1;
	}
	/* C++ names ("ns::Widget::draw(int)") are selectors, not C prototypes. */
	if (!proto__is_prototype(body) || strstr(body, "::")) {
		if (!*body) {
			elog("-f '%s' names no function: write LIB:NAME, e.g. libc:strlen", text);
			return -EINVAL;
		}
		snprintf(sp->selector, sizeof(sp->selector), "%s", text);
		return 0;
	}
	if (proto__parse(body, &sp->sig, &col, msg, sizeof(msg))) {
		elog("malformed prototype at column %d of -f '%s': %s", (int)(col + (body - text)),
		     text, msg);
		return -EINVAL;
	}
	sp->has_proto = true;
	snprintf(sp->selector, sizeof(sp->selector), "%.*s%s%s", (int)plen, text, colon ? ":" : "",
		 sp->sig.name);
	return 0;
}

struct session {
	struct wm_resolver *res;
	struct wm_dwarf **dwarf;	/* per object, opened lazily */
	bool *dwarf_tried;
	struct wm_object *objs;	/* per object, for its functions */
	struct wm_func *funcs;
	struct wm_probe *probes;
	struct wm_expr *exprs;	/* per function: --filter, then --error */
	/* Names code addresses (function pointers, --stack) for the formatters. */
	struct wm_symbolizer *syms;
	pthread_mutex_t syms_lock; /* the store's writer thread formats too */
	struct wm_sym_hook sym_hook;
	bool *from_pattern;	/* per function: matched a pattern, not a name */
	int nr_funcs;
	struct tracer *tracer;
	struct wm_store *store;
	struct wm_dbstore *db;
	__u64 db_not_kept; /* warned about so far */
	bool db_err_shown;
	struct wm_metrics *metrics;	/* --metrics, else NULL */
	struct ring_buffer *rb;
	struct wm_out_sink out;
	__u64 mono_to_real;
	struct wm_func_stats *seen;	/* BPF counters at the last poll */
	__u64 last_interval;		/* CLOCK_MONOTONIC of the last --interval summary */
	int stdout_err;
	int batch;
	__u64 records;		/* read from the ring, malformed ones included */
	__u64 bad_records;
};

static struct wm_dwarf *obj_dwarf(struct session *s, int obj)
{
	if (!s->dwarf_tried[obj]) {
		s->dwarf_tried[obj] = true;
		dwarf__open(resolver__obj_fd(s->res, obj), &s->dwarf[obj]);
	}
	return s->dwarf[obj];
}

static int func_sig(struct session *s, int obj, const struct wm_match *m, struct wm_sig *sig)
{
	if (obj_dwarf(s, obj) && !dwarf__func_sig(s->dwarf[obj], m->sym, m->vaddr, sig))
		return 0;
	sig__init_raw(sig, m->sym);
	return -ENOENT;
}

/*
 * An IFUNC's symbol is its resolver: probe the implementation the resolver
 * picks instead. A named IFUNC we cannot resolve is an error; one that came
 * from a pattern is skipped with a note.
 */
static int resolve_ifunc(struct session *s, struct wm_match *m, bool from_pattern)
{
	const char *obj = resolver__obj_path(s->res, m->obj);
	const char *base = base_name(obj);
	unsigned long vaddr, off;

	if (!ifunc__resolve(resolver__obj_fd(s->res, m->obj), m->sym, &vaddr) &&
	    !resolver__vaddr_to_off(s->res, m->obj, vaddr, &off)) {
		m->vaddr = vaddr;
		m->file_off = off;
		return 0;
	}
	if (from_pattern) {
		if (env.verbose)
			elog("note: skipping %s in %s: an IFUNC whose implementation is unknown",
			     m->sym, base);
		return -ENOENT;
	}
	elog("%s in %s is an IFUNC chosen at run time, and wrapmon cannot tell which "
	     "implementation: trace the implementations by name, e.g. -f '%s:*%s*'",
	     m->sym, base, base, m->sym);
	return -EINVAL;
}

/*
 * Look at the function's first instructions: move the probe past an
 * endbr64, and tell whether the kernel would refuse a probe there at all.
 */
static bool place_probe(struct session *s, struct wm_match *m)
{
	unsigned char code[32];
	ssize_t n = pread(resolver__obj_fd(s->res, m->obj), code, sizeof(code), m->file_off);
	size_t skip;

	if (n <= 0)
		return false;
	skip = insn__probe_skip(code, n);
	m->file_off += skip;
	return insn__uprobe_refused(code + skip, n - skip);
}

static bool is_pattern(const char *sel)
{
	return strpbrk(sel, "*?[") != NULL;
}

/* One expression of a spec, compiled against one function's signature. */
static int compile_expr(const char *what, const char *text, const struct wm_func *f,
			struct wm_expr *out)
{
	char msg[256];
	int col = 0;

	if (!text)
		return 0;
	if (!expr__parse(text, &f->sig, env.string_size, out, &col, msg, sizeof(msg)))
		return 0;
	elog("--%s '%s' for %s: %s (column %d)", what, text, f->name, msg, col);
	return -EINVAL;
}

static int compile_exprs(const struct spec *sp, struct wm_func *f, struct wm_expr *e,
			 struct wm_func_cfg *cfg)
{
	int ret;

	ret = compile_expr("filter", sp->filter, f, &e[0]);
	if (!ret)
		ret = compile_expr("error", sp->error, f, &e[1]);
	if (ret)
		return ret;
	if (e[0].nr_ops)
		cfg->flags |= WM_FC_FILTER | (expr__needs_return(&e[0]) ? 0 : WM_FC_FILTER_ENTRY);
	if (e[1].nr_ops) {
		cfg->flags |= WM_FC_ERROR;
		if (expr__snprint(&e[1], &f->sig, f->error_expr, sizeof(f->error_expr)) < 0)
			f->error_expr[0] = '\0';
	}
	return 0;
}

static int add_funcs(struct session *s, const struct spec *sp, struct wm_match *m, int n)
{
	char raw_name[256] = "", raw_obj[256] = "";
	struct wm_buf refused_names = {};
	int nr_raw = 0, nr_refused = 0, ret = 0;

	for (int i = 0; i < n; i++) {
		struct wm_func *f, *nf;
		struct wm_probe *p, *np;
		struct wm_expr *ne;
		bool dup = false, *nb;
		int err;

		if (m[i].ifunc) {
			err = resolve_ifunc(s, &m[i], is_pattern(sp->selector));
			if (err == -ENOENT)
				continue;
			if (err) {
				ret = err;
				goto cleanup;
			}
		}
		if (place_probe(s, &m[i])) {
			if (!is_pattern(sp->selector)) {
				elog("the kernel cannot put a uprobe on %s (its first instruction has "
				     "a lock or segment prefix): trace its callers or callees instead",
				     m[i].sym);
				ret = -ENOTSUP;
				goto cleanup;
			}
			name_list_add(&refused_names, &nr_refused, m[i].sym);
			continue;
		}
		for (int j = 0; j < s->nr_funcs && !dup; j++)
			dup = s->probes[j].obj_fd == resolver__obj_fd(s->res, m[i].obj) &&
			      s->probes[j].file_off == m[i].file_off;
		if (dup)
			continue;
		nf = realloc(s->funcs, (s->nr_funcs + 1) * sizeof(*nf));
		if (!nf) {
			ret = -ENOMEM;
			goto cleanup;
		}
		s->funcs = nf;
		np = realloc(s->probes, (s->nr_funcs + 1) * sizeof(*np));
		if (!np) {
			ret = -ENOMEM;
			goto cleanup;
		}
		s->probes = np;
		nb = realloc(s->from_pattern, (s->nr_funcs + 1) * sizeof(*nb));
		if (!nb) {
			ret = -ENOMEM;
			goto cleanup;
		}
		s->from_pattern = nb;
		ne = realloc(s->exprs, 2 * (s->nr_funcs + 1) * sizeof(*ne));
		if (!ne) {
			ret = -ENOMEM;
			goto cleanup;
		}
		s->exprs = ne;
		memset(&s->exprs[2 * s->nr_funcs], 0, 2 * sizeof(*ne));
		s->from_pattern[s->nr_funcs] = is_pattern(sp->selector);
		f = &s->funcs[s->nr_funcs];
		p = &s->probes[s->nr_funcs];
		memset(f, 0, sizeof(*f));
		memset(p, 0, sizeof(*p));
		f->id = s->nr_funcs;
		/* C++: shown as written in the source, "ns::Widget::draw(int)". */
		if (demangle(m[i].sym, f->name, sizeof(f->name)) == -EINVAL)
			snprintf(f->name, sizeof(f->name), "%s", m[i].sym);
		f->object = &s->objs[m[i].obj];
		if (sp->has_proto) {
			char msg[256];

			f->sig = sp->sig;
			snprintf(f->sig.name, sizeof(f->sig.name), "%s", m[i].sym);
			/* The prototype's structs and enums, laid out from the object's debug info. */
			if (dwarf__complete_sig(obj_dwarf(s, m[i].obj), &f->sig, msg, sizeof(msg)) ==
			    -ENOENT) {
				elog("%s", msg);
				ret = -EINVAL;
				goto cleanup;
			}
		} else if (func_sig(s, m[i].obj, &m[i], &f->sig)) {
			if (!nr_raw++) {
				snprintf(raw_name, sizeof(raw_name), "%s", f->name);
				snprintf(raw_obj, sizeof(raw_obj), "%.*s", (int)sizeof(raw_obj) - 1,
					 base_name(f->object->path));
			}
		}
		p->func_id = f->id;
		p->obj_fd = resolver__obj_fd(s->res, m[i].obj);
		p->file_off = m[i].file_off;
		plan__build(&f->sig,
			    &(struct wm_plan_opts){
				    .str_cap = env.string_size,
				    .out_params = !env.no_out_params && !env.summary_only,
				    .stack = env.stack && !env.summary_only,
			    },
			    &f->plan);
		p->cfg = f->plan.cfg;
		p->data_max = f->plan.data_max;
		ret = compile_exprs(sp, f, &s->exprs[2 * f->id], &p->cfg);
		if (ret)
			goto cleanup;
		/* Nobody will print them: copy only what an expression compares. */
		if (env.summary_only && !(p->cfg.flags & (WM_FC_FILTER | WM_FC_ERROR)))
			p->cfg.nr_caps = p->cfg.nr_entry_caps = 0;
		s->nr_funcs++;
	}
	if (nr_refused)
		elog("note: %d function%s of '%s' left out: the kernel cannot probe their first "
		     "instruction (%s)",
		     nr_refused, nr_refused == 1 ? "" : "s", sp->selector,
		     refused_names.len ? refused_names.p : "");
	if (nr_raw == 1)
		fprintf(stderr,
			"hint: no debug info for %s in %s: showing raw registers; give its C "
			"prototype for typed output, e.g. -f 'int %s(const char *s, long n)'\n",
			raw_name, raw_obj, raw_name);
	else if (nr_raw > 1)
		fprintf(stderr,
			"hint: no debug info for %d functions of '%s' (%s in %s, ...): showing raw "
			"registers; a C prototype in -f gives typed output\n",
			nr_raw, sp->selector, raw_name, raw_obj);
cleanup:
	buf__free(&refused_names);
	return ret;
}

/* Functions the kernel would not probe: fatal when named, a note when from a pattern. */
static int report_skipped(struct session *s)
{
	struct wm_buf names = {};
	const __u32 *ids;
	int n = tracer__skipped(s->tracer, &ids), count = 0, ret = 0;

	for (int i = 0; i < n; i++) {
		const struct wm_func *f = &s->funcs[ids[i]];

		if (!s->from_pattern[f->id]) {
			elog("the kernel cannot put a uprobe on %s in %s (its first instruction "
			     "is not supported): trace its callers or callees instead",
			     f->name, f->object->path);
			ret = -ENOTSUP;
			goto cleanup;
		}
		name_list_add(&names, &count, f->name);
	}
	if (n == s->nr_funcs) {
		elog("the kernel cannot put a uprobe on any of the matching functions");
		ret = -ENOTSUP;
	} else if (n) {
		elog("note: %d function%s the kernel cannot probe left out: %s", n,
		     n == 1 ? "" : "s", names.len ? names.p : "");
	}
cleanup:
	buf__free(&names);
	return ret;
}

static void flush_stdout(struct session *s)
{
	if (fflush(stdout) && !s->stdout_err)
		s->stdout_err = errno ? errno : EIO;
}

/*
 * The probes are on files, so they outlive exec: the new image's calls into
 * files it maps again (libc, the same executable) are still traced, and
 * its other objects are not. Say which, once per exec.
 */
static void note_exec(struct session *s, const struct wm_call_view *v)
{
	char proc[64], exe[PATH_MAX];
	struct wm_buf name = {};
	const char *base;
	ssize_t n;

	flush_stdout(s);
	/* The full path when the process still runs that file; else the name BPF saw. */
	snprintf(proc, sizeof(proc), "/proc/%d/exe", env.pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	base = strrchr(exe, '/');
	if (n > 0 && base && v->str_len[0] == (int)strlen(base + 1) &&
	    !memcmp(base + 1, v->str[0], v->str_len[0]))
		esc__c(&name, exe, n);
	else if (v->str_len[0] > 0)
		esc__c(&name, v->str[0], v->str_len[0]);
	elog("note: process %d called exec (thread %u), now running %s: calls into the objects "
	     "it maps again are still traced, others are not",
	     env.pid, v->hdr.tid, name.len ? name.p : "?");
	buf__free(&name);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	struct wm_call_view v;

	s->records++;
	if (record__decode(data, size, &v)) {
		s->bad_records++;
		return 0;
	}
	if (v.hdr.kind == WM_REC_EXEC) {
		note_exec(s, &v);
		return 0;
	}
	if (v.hdr.func_id >= (__u32)s->nr_funcs) {
		s->bad_records++;
		return 0;
	}
	v.ts_real_ns = v.hdr.entry_ns + s->mono_to_real;
	store__add(s->store, &v);
	/* Negative stops the drain; libbpf has already consumed this record. */
	return ++s->batch >= DRAIN_BATCH ? DRAIN_MORE : 0;
}

/* Drain one batch; true when records are still waiting. */
static bool drain(struct session *s)
{
	s->batch = 0;
	return ring_buffer__consume(s->rb) == DRAIN_MORE;
}

/* The store's troubles, once a poll at most: calls it could not keep, a failed write. */
static void poll_db(struct session *s, bool warn)
{
	struct wm_dbstore_stats st;
	const char *msg = dbstore__error(s->db);

	if (!s->db || !warn)
		return;
	if (msg && !s->db_err_shown) {
		elog("%s", msg);
		s->db_err_shown = true;
	}
	dbstore__stats(s->db, &st);
	if (st.not_kept > s->db_not_kept && !msg)
		elog("warning: %llu calls not kept in %s: the store cannot keep up (the summary "
		     "still counts them)",
		     (unsigned long long)(st.not_kept - s->db_not_kept), env.store);
	s->db_not_kept = st.not_kept;
}

/* The command line as a shell would take it back, for the sessions table. */
static void quote_args(struct wm_buf *b, int argc, char **argv)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_=+:,./@%";

	for (int i = 0; i < argc; i++) {
		if (i)
			buf__putc(b, ' ');
		if (argv[i][0] && !argv[i][strspn(argv[i], plain)]) {
			buf__puts(b, argv[i]);
			continue;
		}
		buf__putc(b, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				buf__puts(b, "'\\''");
			else
				buf__putc(b, *p);
		}
		buf__putc(b, '\'');
	}
}

static int open_db(struct session *s, int argc, char **argv, __u64 start_real_ns)
{
	struct wm_dbstore_opts o = { .sz = sizeof(o) };
	struct wm_buf cmd = {};
	struct wm_sink sink;
	char err[WM_ERR_MAX] = "";
	int ret;

	quote_args(&cmd, argc, argv);
	if (cmd.err) {
		elog("out of memory");
		return cmd.err;
	}
	o.command_line = cmd.p;
	o.pid = env.pid;
	o.exe = resolver__obj_path(s->res, 0);
	o.version = WM_VERSION;
	o.start_ns = start_real_ns;
	o.queue_calls = env.store_queue;
	o.mode = env.file_mode;
	ret = dbstore__new(env.store, s->funcs, s->nr_funcs, &o, &s->db, err, sizeof(err));
	buf__free(&cmd);
	if (ret) {
		elog("%s", err);
		return ret;
	}
	dbstore__sink(s->db, &sink);
	return store__add_sink(s->store, &sink);
}

/* Fold the BPF drop counters into the store; warn about new drops, by cause. */
static void poll_drops(struct session *s, bool warn)
{
	for (int i = 0; i < s->nr_funcs; i++) {
		struct wm_func_stats st;
		__u64 deep, full;

		if (tracer__func_stats(s->tracer, i, &st))
			continue;
		deep = st.overflow - s->seen[i].overflow;
		full = st.dropped - s->seen[i].dropped - deep;
		if (warn && full)
			elog("warning: %llu calls of %s dropped (ring buffer full): raise --ring-size "
			     "or lower --string-size",
			     (unsigned long long)full, s->funcs[i].name);
		if (warn && deep)
			elog("warning: %llu calls of %s not recorded: nested deeper than %d traced "
			     "calls in one thread; trace fewer of the recursive functions",
			     (unsigned long long)deep, s->funcs[i].name, WM_MAX_DEPTH);
		s->seen[i] = st;
		store__set_dropped(s->store, i, st.dropped);
		store__set_filtered(s->store, i, st.filtered);
	}
	poll_db(s, warn);
}

/* --summary-only: the kernel's aggregates into the store, so summaries see them. */
static void fetch_aggs(struct session *s)
{
	struct wm_func_agg *a;

	if (!env.summary_only)
		return;
	a = malloc(sizeof(*a));
	if (!a)
		return;
	for (int i = 0; i < s->nr_funcs; i++)
		if (!tracer__func_agg(s->tracer, i, a))
			store__set_agg(s->store, i, a);
	free(a);
}

static void print_interval(struct session *s, __u64 now, __u64 *last)
{
	fetch_aggs(s);
	poll_drops(s, true);
	store__print_interval(s->store, stdout, env.json, env.utc, now + s->mono_to_real,
			      now - *last);
	flush_stdout(s);
	*last = now;
}

/* wm_sym_hook.lookup over the session's symbolizer. */
static int session__sym_lookup(void *ctx, __u64 addr, bool ret_addr, const char **sym,
			       unsigned long *off, const char **obj)
{
	struct session *s = ctx;
	struct wm_symloc loc = {};
	int ret;

	pthread_mutex_lock(&s->syms_lock);
	ret = ret_addr ? symbolizer__lookup_ret(s->syms, addr, &loc) :
			 symbolizer__lookup(s->syms, addr, &loc);
	pthread_mutex_unlock(&s->syms_lock);
	*sym = loc.sym;
	*off = loc.sym_off;
	*obj = loc.obj ? base_name(loc.obj) : NULL;
	return ret;
}

static void session__free(struct session *s)
{
	symbolizer__free(s->syms);
	/* First: its thread serves until stopped, from a snapshot of its own. */
	metrics__free(s->metrics);
	ring_buffer__free(s->rb);
	tracer__free(s->tracer);
	/* Before the functions it reads go: this stops its writer. */
	dbstore__free(s->db);
	store__free(s->store);
	for (int i = 0; s->dwarf && i < resolver__nr_objs(s->res); i++)
		dwarf__free(s->dwarf[i]);
	free(s->dwarf);
	free(s->dwarf_tried);
	free(s->objs);
	resolver__free(s->res);
	free(s->funcs);
	free(s->exprs);
	free(s->probes);
	free(s->from_pattern);
	free(s->seen);
	out_sink__free(&s->out);
}

static int finish_db(struct session *s)
{
	struct wm_dbstore_stats st;
	char err[WM_ERR_MAX] = "";
	const char *msg;
	int ret;

	ret = dbstore__finish(s->db, s->store, now_ns(CLOCK_REALTIME), err, sizeof(err));
	msg = dbstore__error(s->db);
	if (msg && !s->db_err_shown)
		elog("%s", msg);
	if (ret)
		elog("%s", err);
	dbstore__stats(s->db, &st);
	if (st.not_kept)
		elog("warning: %llu of %llu calls not kept in %s: the store could not keep up",
		     (unsigned long long)st.not_kept, (unsigned long long)st.seen, env.store);
	else if (!ret)
		elog("stored %llu calls in %s", (unsigned long long)st.seen, env.store);
	return ret || msg ? -EIO : 0;
}

static int run_loop(struct session *s, int pidfd, int sigfd, __u64 t_start)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	__u64 deadline = env.duration > 0 ? t_start + (__u64)(env.duration * 1e9) : 0;
	__u64 last_stats = t_start, last_metrics = 0;
	__u64 every = (__u64)(env.interval * 1e9);
	int ep, ret = 0, timeout = POLL_MS;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	ev.data.u32 = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(s->rb), &ev);
	ev.data.u32 = 1;
	if (pidfd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, sigfd, &ev);

	for (;;) {
		bool stop = false;
		__u64 now;
		int n;

		n = epoll_wait(ep, evs, 4, timeout);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 1) {
				stop = true;
			} else if (evs[i].data.u32 == 2) {
				struct signalfd_siginfo si;
				sigset_t set;

				if (read(sigfd, &si, sizeof(si)) < 0)
					continue;
				/* A second Ctrl-C now ends us at once; fd links detach themselves. */
				sigemptyset(&set);
				sigaddset(&set, SIGINT);
				sigaddset(&set, SIGTERM);
				sigprocmask(SIG_UNBLOCK, &set, NULL);
				stop = true;
			}
		}
		if (pidfd < 0 && kill(env.pid, 0) && errno == ESRCH)
			stop = true;
		timeout = drain(s) ? 0 : POLL_MS;
		flush_stdout(s);
		now = now_ns(CLOCK_MONOTONIC);
		if (every && now - s->last_interval >= every)
			print_interval(s, now, &s->last_interval);
		if (now - last_stats >= 1000000000ULL) {
			poll_drops(s, true);
			last_stats = now;
		}
		if (s->metrics && now - last_metrics >= METRICS_REFRESH_NS) {
			fetch_aggs(s);
			metrics__update(s->metrics, s->store, s->records, s->bad_records);
			last_metrics = now;
		}
		if (deadline && now >= deadline)
			stop = true;
		if (s->stdout_err)
			stop = true;
		if (stop)
			break;
	}
	close(ep);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = doc };
	struct wm_store_opts sopts = { .sz = sizeof(sopts), .recent = 1024 };
	struct tracer_opts topts = { .sz = sizeof(topts) };
	struct wm_symbolizer_opts symopts = { .sz = sizeof(symopts), .demangle = true };
	bool need_syms;
	struct spec *specs = NULL;
	struct session s = {};
	struct wm_sink sink;
	char err[WM_ERR_MAX] = "";
	int pidfd = -1, sigfd = -1, ret;
	__u64 t_start, t_resolved, t_attached;
	sigset_t set;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return report__main(argc - 1, argv + 1);
	ret = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (ret)
		return 2;
	/* Debug info comes from local files only: no network lookups at start-up. */
	unsetenv("DEBUGINFOD_URLS");
	libbpf_set_print(libbpf_print);

	/* Syntax first: a typo needs no privileges to be reported. */
	specs = calloc(env.nr_specs, sizeof(*specs));
	if (!specs) {
		elog("out of memory");
		return 1;
	}
	for (int i = 0; i < env.nr_specs; i++) {
		if (parse_spec(env.specs[i], &specs[i])) {
			ret = 2;
			goto cleanup;
		}
		specs[i].filter = env.spec_filter[i] ? env.spec_filter[i] : env.all_filter;
		specs[i].error = env.spec_error[i] ? env.spec_error[i] : env.all_error;
		sopts.show_filtered |= specs[i].filter != NULL;
		sopts.show_errors |= specs[i].error != NULL;
	}
	if (!have_privileges()) {
		elog("tracing needs root (CAP_SYS_ADMIN), or CAP_BPF and CAP_PERFMON: run it with "
		     "sudo, or grant both capabilities");
		ret = 1;
		goto cleanup;
	}
	if (check_kernel()) {
		ret = 1;
		goto cleanup;
	}

	t_start = now_ns(CLOCK_MONOTONIC);
	ret = resolver__new_pid(env.pid, &s.res, err, sizeof(err));
	if (ret) {
		elog("%s", err);
		ret = 1;
		goto cleanup;
	}
	pthread_mutex_init(&s.syms_lock, NULL);
	s.dwarf = calloc(resolver__nr_objs(s.res), sizeof(*s.dwarf));
	s.dwarf_tried = calloc(resolver__nr_objs(s.res), sizeof(*s.dwarf_tried));
	s.objs = calloc(resolver__nr_objs(s.res), sizeof(*s.objs));
	for (int i = 0; s.objs && i < resolver__nr_objs(s.res); i++)
		s.objs[i] = (struct wm_object){ resolver__obj_path(s.res, i), resolver__obj_fd(s.res, i) };
	if (!s.dwarf || !s.dwarf_tried || !s.objs) {
		elog("out of memory");
		ret = 1;
		goto cleanup;
	}
	for (int i = 0; i < env.nr_specs; i++) {
		struct wm_match *m = NULL;
		int n;

		n = resolver__resolve(s.res, specs[i].selector, &m, err, sizeof(err));
		if (n < 0) {
			elog("%s", err);
			ret = 1;
			goto cleanup;
		}
		ret = add_funcs(&s, &specs[i], m, n);
		free(m);
		if (ret) {
			if (ret == -ENOMEM)
				elog("out of memory");
			ret = ret == -EINVAL ? 2 : 1;
			goto cleanup;
		}
	}

	if (!s.nr_funcs) {
		elog("nothing left to trace: every match was left out (see the notes above)");
		ret = 1;
		goto cleanup;
	}
	/*
	 * Code addresses are named only for --stack and function pointers:
	 * no other trace reads the maps again. Without a symbolizer they print
	 * as numbers, which is not worth failing for.
	 */
	need_syms = env.stack && !env.summary_only;
	for (int i = 0; i < s.nr_funcs && !env.summary_only; i++)
		need_syms |= sig__has_funcptr(&s.funcs[i].sig);
	if (need_syms && !symbolizer__new(env.pid, &symopts, &s.syms)) {
		s.sym_hook.lookup = session__sym_lookup;
		s.sym_hook.ctx = &s;
		for (int i = 0; i < s.nr_funcs; i++)
			s.funcs[i].syms = &s.sym_hook;
	}
	vlog("resolved %d functions in %.1f ms", s.nr_funcs,
	     (now_ns(CLOCK_MONOTONIC) - t_start) / 1e6);
	/* Bound before -o truncates anything and before attaching: a port in use ends us here. */
	if (env.metrics) {
		struct metrics_opts mo = {
			.sz = sizeof(mo),
			.addr = &env.metrics_addr,
			.addr_len = env.metrics_addr_len,
			.pid = env.pid,
			.ring_size = env.ring_size,
			.verbose = env.verbose > 0,
		};

		if (metrics__new(&mo, s.funcs, s.nr_funcs, &s.metrics, err, sizeof(err))) {
			elog("%s", err);
			ret = 1;
			goto cleanup;
		}
	}
	/*
	 * After every check that needs no attaching, so that a typo does not
	 * truncate the last trace, and before attaching, so that a bad path
	 * leaves nothing attached.
	 */
	if (env.output) {
		struct outfile_opts oo = { .sz = sizeof(oo), .mode = env.file_mode };
		int fd = outfile__open(env.output, &oo, err, sizeof(err));

		if (fd < 0) {
			elog("%s", err);
			ret = 1;
			goto cleanup;
		}
		fflush(stdout);
		if (dup2(fd, STDOUT_FILENO) < 0) {
			elog("cannot write %s: %s", env.output, strerror(errno));
			close(fd);
			ret = 1;
			goto cleanup;
		}
		close(fd);
	}
	/* Before attaching, so that no signal can leave a half-made session. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0) {
		elog("cannot watch for signals (%s)", strerror(errno));
		ret = 1;
		goto cleanup;
	}
	signal(SIGPIPE, SIG_IGN);
	pidfd = syscall(SYS_pidfd_open, env.pid, 0);

	t_resolved = now_ns(CLOCK_MONOTONIC);
	topts.pid = env.pid;
	topts.str_cap = env.string_size;
	topts.ring_size = env.ring_size;
	topts.no_multi = env.no_multi;
	topts.summary_only = env.summary_only;
	topts.no_sleepable = env.no_sleepable;
	/* Now that the arrays no longer move. */
	for (int i = 0; i < s.nr_funcs; i++) {
		s.probes[i].filter = s.exprs[2 * i].nr_ops ? &s.exprs[2 * i] : NULL;
		s.probes[i].error = s.exprs[2 * i + 1].nr_ops ? &s.exprs[2 * i + 1] : NULL;
	}
	ret = tracer__new(&topts, s.probes, s.nr_funcs, &s.tracer, err, sizeof(err));
	if (ret) {
		elog("%s", err);
		ret = 1;
		goto cleanup;
	}
	t_attached = now_ns(CLOCK_MONOTONIC);
	vlog("loaded and attached in %.1f ms (%s, %s)", (t_attached - t_resolved) / 1e6,
	     tracer__multi(s.tracer) ? "uprobe_multi" : "one link per function",
	     tracer__sleepable(s.tracer) ? "sleepable" : "not sleepable");
	ret = report_skipped(&s);
	if (ret) {
		ret = 1;
		goto cleanup;
	}
	if (!tracer__multi(s.tracer) && !env.no_multi)
		elog("note: this kernel has no uprobe_multi links; attached one link per function");

	s.seen = calloc(s.nr_funcs, sizeof(*s.seen));
	ret = store__new(s.funcs, s.nr_funcs, &sopts, &s.store);
	if (ret || !s.seen) {
		elog("cannot create the monitor store (%s)", strerror(ret ? -ret : ENOMEM));
		ret = 1;
		goto cleanup;
	}
	out_sink__init(&s.out, stdout, env.json, &(struct wm_fmt_opts){ .utc = env.utc }, &sink);
	if (!env.summary_only)
		store__add_sink(s.store, &sink);
	s.rb = ring_buffer__new(tracer__ringbuf_fd(s.tracer), on_record, &s, NULL);
	if (!s.rb) {
		elog("cannot open the ring buffer (%s)", strerror(errno));
		ret = 1;
		goto cleanup;
	}
	s.mono_to_real = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	if (env.store && open_db(&s, argc, argv, t_start + s.mono_to_real)) {
		ret = 1;
		goto cleanup;
	}

	/* Whole chunks to the file, flushed after every batch: live, but not a write per line. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (s.metrics) {
		metrics__update(s.metrics, s.store, 0, 0);
		elog("serving metrics at http://%s/metrics%s", metrics__addr(s.metrics),
		     metrics__is_loopback(&env.metrics_addr) ?
			     "" :
			     " (not loopback: anyone who can reach it can read them)");
	}
	fprintf(stderr, "wrapmon-trace: tracing %d function%s in process %d (%s) in %.1f ms; "
			"Ctrl-C to end\n",
		s.nr_funcs, s.nr_funcs == 1 ? "" : "s", env.pid, resolver__obj_path(s.res, 0),
		(t_attached - t_start) / 1e6);
	if (env.summary_only)
		elog("summary only: calls are counted in the kernel and not printed; summaries "
		     "come %s",
		     env.interval ? "every --interval and at the end" : "at the end");
	else if (!env.json)
		printf("%-15s %s %s\n", "TIME", "TID", "CALL = RESULT  <LATENCY>");
	flush_stdout(&s);
	s.last_interval = now_ns(CLOCK_MONOTONIC);

	ret = run_loop(&s, pidfd, sigfd, t_start);
	/* However the loop ended, Ctrl-C from now on ends us at once. */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/*
	 * Whatever is still in the ring is part of the session. Bounded: a
	 * target still flooding after Ctrl-C must not keep us here.
	 */
	for (int i = 0; i < 64 && drain(&s); i++)
		;
	/* The last, partial interval: the intervals then add up to the whole session. */
	if (env.interval)
		print_interval(&s, now_ns(CLOCK_MONOTONIC), &s.last_interval);
	fetch_aggs(&s);
	poll_drops(&s, true);
	/* The final figures stay served while the summary is written. */
	metrics__update(s.metrics, s.store, s.records, s.bad_records);
	if (s.bad_records)
		elog("warning: %llu malformed records ignored", (unsigned long long)s.bad_records);
	if (env.verbose) {
		__u64 made, freed;

		tracer__tstates(s.tracer, &made, &freed);
		vlog("per-thread states: %llu made, %llu freed with their threads, %llu live",
		     (unsigned long long)made, (unsigned long long)freed,
		     (unsigned long long)(made - freed));
	}
	if (env.json) {
		store__print_summary(s.store, stdout, true, now_ns(CLOCK_MONOTONIC) - t_start);
		flush_stdout(&s);
		store__print_summary(s.store, stderr, false, now_ns(CLOCK_MONOTONIC) - t_start);
	} else {
		putchar('\n');
		store__print_summary(s.store, stdout, false, now_ns(CLOCK_MONOTONIC) - t_start);
		if (env.hist)
			store__print_hist(s.store, stdout);
		flush_stdout(&s);
	}
	ret = ret ? 1 : 0;
	if (s.db && finish_db(&s))
		ret = 1;
cleanup:
	session__free(&s);
	free(specs);
	if (pidfd >= 0)
		close(pidfd);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
