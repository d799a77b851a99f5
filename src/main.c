// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wrapmon-trace: attach to a running process and stream every call of the
 * named functions, keeping them in the monitor store. This file is the
 * lifecycle: open, load, attach, run, summarize, clean up; the command line
 * is cli.c's, the table of traced functions plan/functable.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "lang/python/pyfilter.h"
#include "lang/python/pyinterp.h"
#include "lang/python/pystack.h"
#include "lang/python/pytrace.h"
#include "plan/expr.h"
#include "lang/python/pyvalue.h"
#include "plan/functable.h"
#include "plan/list.h"
#include "probe/exitwatch.h"
#include "probe/record.h"
#include "probe/ringread.h"
#include "probe/tracer.h"
#include "run/launch.h"
#include "run/procs.h"
#include "sinks/format.h"
#include "sinks/metrics.h"
#include "sinks/outfile.h"
#include "sinks/perproc.h"
#include "sinks/sink.h"
#include "sinks/summary.h"
#include "sinks/tree.h"
#include "store/dbstore.h"
#include "store/report.h"
#include "store/store.h"
#include "target/demangle.h"
#include "target/errnoloc.h"
#include "target/libpath.h"
#include "target/resolve.h"
#include "target/seccomp.h"
#include "target/symbolize.h"
#include "types/dwarf.h"
#include "util/clock.h"
#include "util/escape.h"

#define POLL_MS 25
/*
 * A Python function just matched: its calls' records do not wake the
 * reader (only a backlog does), so its first one is polled for this often,
 * for this long, rather than left waiting up to POLL_MS.
 */
#define FIRST_POLL_MS 1
#define FIRST_POLL_NS (500 * 1000000ULL)
/* The metrics snapshot is refreshed at most this often while tracing. */
#define METRICS_REFRESH_NS (250 * 1000000ULL)
/*
 * Records handled per drain: under a flood the ring never empties, and an
 * unbounded drain would keep signals, the target's exit and the drop
 * warnings waiting.
 */
#define DRAIN_BATCH 65536
#define DRAIN_MORE  (-EAGAIN)
/*
 * After the first SIGINT or SIGTERM, how long a stalled reader of the
 * output is waited for before what it did not read is given up.
 */
#define OUTPUT_GRACE_NS (500 * 1000000ULL)
/* Room for the table's errors, which quote a whole --filter or object path. */
#define TABLE_ERR_MAX 4096
/* Execs said one by one; the rest are not listed. */
#define EXEC_NOTES_MAX 16
/* The exit status when the trace ran but a signal killed the target. */
#define EXIT_TARGET_KILLED 3

/* The CLI environment: the only global state. */
static struct cli_env env;

#define vlog(fmt, ...)                                                              \
	do {                                                                        \
		if (env.verbose)                                                    \
			fprintf(stderr, "wrapmon-trace: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

/*
 * One tracing session. The steps below return 0, or the exit status once
 * they have said why: 2 for a command line to fix, 1 for anything else.
 */
/* A thrown type seen in the target, by the address of its mangled name there. */
struct exc_type {
	struct exc_type *next;
	__u64 addr;
	char name[];
};

/*
 * Python functions met while tracing, at most: the table, the store and the
 * sinks keep room for them from the start (a pattern on a real service meets
 * hundreds). Their arrays are left untouched until a function is met, so the
 * room costs address space, not memory.
 */
#define PY_FUNCS_MAX WM_PY_FUNCS_MAX

/* More distinct thrown types than this: the rest are shown as "?". */
#define EXC_TYPES_MAX 4096

/* A process's symbolizer (NULL: its maps could not be read). */
struct proc_syms {
	pid_t pid;
	struct wm_symbolizer *syms;
};

/* Processes whose symbolizers are kept at once. */
#define SYMS_MAX 64

struct session {
	char seccomp_why[160]; /* why auto avoids the trampoline; the table points to it */
	struct wm_resolver *res;
	int *armed; /* objects of the resolver not mapped at the start (arm_objects()) */
	int nr_armed;
	/*
	 * Thrown types, never freed before the session: the views of raised
	 * calls point at their names, and sinks' threads may hold copies.
	 */
	struct exc_type *exc_types;
	int nr_exc_types;
	const struct wm_hook *hooks; /* the C++ runtime's probes (the table's) */
	int nr_hooks;
	struct wm_functable *table;
	/* The target's CPython layout: its PyObject * values are shown as Python values. */
	struct wm_py_layout py_layout;
	struct wm_func *funcs; /* the table's, once it is complete */
	int nr_funcs;	       /* grows as Python functions are met */
	int nr_native;	       /* the functions of the native tracer: ids below this */
	/* Python: the interpreter, its tracer, and the -f names that mean Python functions. */
	struct py_interp *py;
	/* The interpreter's DWARF, open from session__python() to find_python(). */
	struct wm_dwarf *py_dw;
	char py_err[WM_ERR_MAX]; /* why the interpreter cannot be traced, when it cannot */
	bool py_tried;		 /* looked for (find_python()) */
	struct pytrace *pyt;
	const char **py_names;
	struct pyfilter **py_filters;	  /* --filter of each Python name, NULL: none */
	struct pyfilter_bound **py_bound; /* per Python function: its -f's filter, bound */
	__u64 *py_filtered;		  /* per Python function: calls --filter left out */
	int nr_py_names;
	bool py_full_noted;
	/* Name code addresses (function pointers, --stack) for the formatters, per process. */
	struct proc_syms *psyms; /* SYMS_MAX of them; NULL: nothing to name */
	int nr_psyms, next_psym;
	pthread_mutex_t syms_lock; /* the store's writer thread formats too */
	struct wm_sym_hook sym_hook;
	struct tracer *tracer;
	struct wm_store *store;
	struct wm_perproc *perproc; /* --per-process, else NULL */
	struct wm_dbstore *db;
	__u64 db_not_kept; /* warned about so far */
	bool db_err_shown;
	struct wm_metrics *metrics; /* --metrics, else NULL */
	struct ringread *rb;
	struct wm_out_sink out;
	struct wm_tree *tree; /* --tree: the sink instead of out */
	/* Calls and summaries go to outf; output writes them to stdout. */
	struct wm_output *output;
	FILE *outf;
	bool out_behind; /* the output was full since the last poll_drops() */
	__u64 mono_to_real;
	struct wm_func_stats *seen; /* BPF counters at the last poll */
	__u64 last_interval;	    /* CLOCK_MONOTONIC of the last --interval summary */
	int batch;
	__u64 records; /* read from the ring, malformed ones included */
	__u64 bad_records;
	int sigfd; /* SIGINT and SIGTERM; SIGTERM and SIGHUP with a command */
	sigset_t sigs;
	/* The processes given (-p, --pidof) or the command started; env.pid first. */
	struct wm_procs *procs;
	const pid_t *pids; /* procs' */
	int nr_pids;
	int cmd_status;	    /* the command's wait status once reaped, else -1 */
	int out_fd;	    /* where calls and summaries go: stdout, -o, or stderr with -c */
	int nr_execs;	    /* execs seen in traced processes */
	bool target_killed; /* a signal killed the target: said, and the exit status says so */
	struct exitwatch *exitwatch; /* the target's end, where no native programs see it */
	__u64 t_start, t_attached;   /* CLOCK_MONOTONIC */
	__u64 t_end;		     /* the probes' removal began: the session's span ends */
	__u64 cpu_start;	     /* CLOCK_PROCESS_CPUTIME_ID at t_start */
	__u64 first_poll_until;	     /* a Python function matched, no call of it taken yet */
	__u64 t_signal; /* of the first SIGINT or SIGTERM (the probes' removal, once done), else 0 */
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && env.verbose < 2)
		return 0;
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
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

/* Every process given: -p's in order, --pidof's, or the command started and held. */
static int find_processes(struct session *s)
{
	struct procs_opts o = {
		.sz = sizeof(o),
		.pids = env.pids,
		.nr_pids = env.nr_pids,
		.comm = env.pidof,
		.cmd = env.cmd,
		.user = &env.user,
	};
	char err[WM_ERR_MAX] = "";
	int code;

	/* None named: the objects are, and every process running them is traced. */
	if (env.any_process)
		return 0;
	if (procs__open(&o, &s->procs, &code, err, sizeof(err))) {
		elog("%s", err);
		return code;
	}
	s->nr_pids = procs__pids(s->procs, &s->pids);
	env.pid = s->pids[0];
	/* The processes after the first are checked as it is, before any function is looked up. */
	if (procs__check(s->procs, err, sizeof(err))) {
		elog("%s", err);
		return 1;
	}
	return 0;
}

/* More than one process may be traced: records then show their pid. */
static bool many_processes(const struct session *s)
{
	return s->nr_pids > 1 || env.follow || env.any_process;
}

/* Whether the probe's object is one armed by arm_objects(). */
static bool probe_armed(const struct session *s, const struct wm_probe *p)
{
	for (int k = 0; k < s->nr_armed; k++)
		if (resolver__obj_fd(s->res, s->armed[k]) == p->obj_fd)
			return true;
	return false;
}

/*
 * Functions are resolved in env.pid; the other processes are traced where
 * they map the same files. Those that do not are said, by file.
 */
static void note_unmapped(struct session *s)
{
	char path[PATH_MAX], link[64];
	const struct wm_probe *probes;
	int n, missing;
	struct stat st;
	ssize_t len;
	pid_t first;

	if (!s->procs)
		return;
	n = functable__probes(s->table, &probes);
	for (int k = 0; k < n; k++) {
		/* An armed object: said already. */
		bool seen = probe_armed(s, &probes[k]);

		for (int j = 0; j < k && !seen; j++)
			seen = probes[j].obj_fd == probes[k].obj_fd;
		if (seen || fstat(probes[k].obj_fd, &st))
			continue;
		missing = procs__unmapped(s->procs, st.st_dev, st.st_ino, &first);
		if (!missing)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", probes[k].obj_fd);
		len = readlink(link, path, sizeof(path) - 1);
		path[len > 0 ? len : 0] = '\0';
		elog("note: %d of the %d processes do%s not map %s (process %d does not): "
		     "their calls into it are not traced",
		     missing, s->nr_pids, missing == 1 ? "es" : "", ESC(path), first);
	}
}

/* The table's notes go out as they come; a hint has no program name before it. */
static void print_note(void *ctx, enum wm_note_kind kind, const char *line)
{
	if (kind == WM_HINT)
		fprintf(stderr, "%s\n", line);
	else
		elog("%s", line);
}

/* A -f that names Python functions: "py:NAME", or a dotted name no native symbol has. */
static int add_py_name(struct session *s, const struct wm_spec *sp, const char *name, bool forced)
{
	if (!s->py) {
		if (s->py_err[0])
			elog("%s", s->py_err);
		else
			elog("%s is a Python name, but process %d runs no CPython interpreter%s",
			     ESC(sp->selector), env.pid,
			     forced ? "" : " (and no native symbol has it)");
		return 1;
	}
	if (sp->has_proto || sp->error) {
		elog("%s: a prototype or --error does not apply to Python functions (a raised call "
		     "is an error already)",
		     ESC(sp->selector));
		return 2;
	}
	if (sp->filter) {
		/* Checked in userspace on each call, bound to a function's names when it is met. */
		char err[WM_ERR_MAX] = "";
		int col = 0, ret;

		ret = pyfilter__parse(sp->filter, &s->py_filters[s->nr_py_names], &col, err,
				      sizeof(err));
		if (ret == -ENOMEM) {
			elog("out of memory");
			return 1;
		}
		if (ret) {
			elog("--filter %s for Python function %s: %s (column %d)", ESC(sp->filter),
			     ESC(sp->selector), err, col);
			return 2;
		}
	}
	s->py_names[s->nr_py_names++] = name;
	return 0;
}

/*
 * The interpreter, looked for the first time a -f may name Python
 * functions (its DWARF takes a while): whether the process runs one, even
 * one that cannot be traced (py_err says why).
 */
static bool find_python(struct session *s)
{
	if (!s->py_tried) {
		s->py_tried = true;
		if (pyinterp__find(s->res, env.pid, s->py_dw, &s->py, s->py_err,
				   sizeof(s->py_err)) == -ENOENT)
			s->py_err[0] = '\0';
	}
	return s->py || s->py_err[0];
}

static int add_spec(struct session *s, const struct wm_spec *sp)
{
	char err[WM_ERR_MAX] = "", msg[TABLE_ERR_MAX] = "";
	struct wm_match *m = NULL;
	const char *py_name;
	bool py = pytrace__is_python_name(sp->selector, &py_name);
	int n, ret;

	if (py && py_name != sp->selector) {
		find_python(s);
		return add_py_name(s, sp, py_name, true);
	}
	n = resolver__resolve(s->res, sp->selector, &m, err, sizeof(err));
	if (n == -ENOENT && py && find_python(s))
		return add_py_name(s, sp, py_name, false);
	if (n < 0) {
		elog("%s", err);
		return 1;
	}
	ret = functable__add(s->table, sp, m, n, msg, sizeof(msg));
	free(m);
	if (ret) {
		elog("%s", msg);
		return ret == -EINVAL ? 2 : 1;
	}
	return 0;
}

/* -v: what was found of the interpreter, and how. */
static void describe_python(const struct session *s)
{
	char ver[32];

	if (!env.verbose)
		return;
	pyinterp__version(s->py, ver, sizeof(ver));
	vlog("python: CPython %s in %s (%s, build-id %s); version from %s, offsets from %s", ver,
	     ESC(s->py->path), s->py->has_symtab ? "with symbols" : "stripped",
	     s->py->build_id[0] ? s->py->build_id : "none", s->py->version_how, s->py->offsets_how);
	for (int i = 0; i < s->py->nr_hooks; i++)
		vlog("python: %s", s->py->hooks[i].what);
}

/*
 * Whether the target runs a CPython whose objects wrapmon can read; -v
 * says which, or why not.
 */
static bool session__python(struct session *s)
{
	char path[PATH_MAX] = "";
	int ret = pyvalue__layout_of_pid(env.pid, &s->py_layout, path, sizeof(path), &s->py_dw);

	if (ret == -ENOENT)
		return false;
	if (ret)
		vlog("python: %s (%d.%d): its values are shown as addresses (%s)", ESC(path),
		     s->py_layout.version >> 8, s->py_layout.version & 0xff, strerror(-ret));
	else
		vlog("python: %s (%d.%d): PyObject * values are shown as Python values", ESC(path),
		     s->py_layout.version >> 8, s->py_layout.version & 0xff);
	if (ret)
		memset(&s->py_layout, 0, sizeof(s->py_layout));
	return !ret;
}

/*
 * LIB of -f LIB:NAME found as ld.so finds it, the selector then rewritten
 * to "/its/path:NAME", so that the resolver names exactly that file. 0, or
 * -1 once said.
 */
static int spec_find_lib(struct wm_spec *sp, const char *lib, char *path, size_t size)
{
	struct libpath_opts o = { .sz = sizeof(o) };
	char err[WM_ERR_MAX] = "";
	size_t plen, llen = strlen(lib);

	if (libpath__find(lib, &o, path, size, err, sizeof(err))) {
		elog("%s", err);
		return -1;
	}
	plen = strlen(path);
	if (plen + strlen(sp->selector + llen) >= sizeof(sp->selector)) {
		elog("the path of '%s' is too long for a selector", ESC(lib));
		return -1;
	}
	memmove(sp->selector + plen, sp->selector + llen, strlen(sp->selector + llen) + 1);
	memcpy(sp->selector, path, plen);
	return 0;
}

/*
 * The object of -f SEL without a process: "/path:NAME", or "LIB:NAME" with
 * LIB found as ld.so finds it, the selector then rewritten to its path. 0,
 * or the exit status once said.
 */
static int spec_object(struct wm_spec *sp, char *path, size_t size)
{
	char lib[256];
	int fd, ret;

	/* As the resolver reads it: "ns::f" is a C++ name, not LIB:NAME. */
	if (!resolver__selector_scope(sp->selector, path, size)) {
		elog("-f '%s' names no object, and no process is given: name its object "
		     "(/path/to/app:NAME or LIB:NAME), or the processes (-p PID, --pidof NAME, "
		     "-- CMD)",
		     ESC(sp->selector));
		return 2;
	}
	if (path[0] != '/') {
		snprintf(lib, sizeof(lib), "%s", path);
		if (spec_find_lib(sp, lib, path, size))
			return 2;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		elog("cannot open %s (%s): give the path of an ELF object", ESC(path),
		     strerror(errno));
		return 2;
	}
	ret = libpath__is_shared_lib(fd);
	close(fd);
	if (ret < 0) {
		elog("%s is not an ELF object: give a program or a library", ESC(path));
		return 2;
	}
	/* Every process that calls it pays for the probe: said in --help. */
	if (ret && !env.system_wide) {
		elog("%s is a shared library: every process on the system that calls it would be "
		     "traced and pay for it (see --system-wide in --help); add --system-wide to "
		     "mean it, or name the processes (-p PID, --pidof NAME, -- CMD)",
		     ESC(path));
		return 2;
	}
	return 0;
}

/* No process: a resolver over the objects the -f's name, each once. */
static int open_objects(struct session *s)
{
	struct wm_resolver_opts ro = { .sz = sizeof(ro) };
	char err[WM_ERR_MAX] = "", (*paths)[PATH_MAX];
	const char **list;
	int n = 0, ret = 0;

	paths = calloc(env.nr_specs, sizeof(*paths));
	list = calloc(env.nr_specs, sizeof(*list));
	if (!paths || !list) {
		elog("out of memory");
		ret = 1;
		goto cleanup;
	}
	for (int i = 0; i < env.nr_specs && !ret; i++) {
		int k;

		ret = spec_object(&env.specs[i], paths[n], sizeof(paths[n]));
		for (k = 0; !ret && k < n && strcmp(list[k], paths[n]); k++)
			;
		if (!ret && k == n) {
			list[n] = paths[n];
			n++;
		}
	}
	if (!ret && resolver__new_paths(list, n, &ro, &s->res, err, sizeof(err))) {
		elog("%s", err);
		ret = 1;
	}
cleanup:
	free(paths);
	free(list);
	return ret;
}

/* Whether the system's library search has one file or more for LIB. */
static bool lib_known(const char *lib)
{
	struct libpath_opts o = { .sz = sizeof(o) };
	char path[PATH_MAX];

	return libpath__find(lib, &o, path, sizeof(path), NULL, 0) != -ENOENT;
}

/*
 * -f LIB:NAME or /path:NAME naming an object the process has not mapped
 * (yet): the file is added to the resolver and its functions resolved in
 * it, so that the probes are on the file before the process maps it. The
 * kernel puts a file's probes into a process as it maps the file, before
 * any of its code (constructors included) can run.
 */
static int arm_objects(struct session *s)
{
	char scope[PATH_MAX], path[PATH_MAX], err[WM_ERR_MAX] = "",
					      sel[sizeof(env.specs[0].selector)];
	int idx, k;

	for (int i = 0; i < env.nr_specs; i++) {
		struct wm_spec *sp = &env.specs[i];

		if (!resolver__scope_unmapped(s->res, sp->selector, scope, sizeof(scope)))
			continue;
		snprintf(sel, sizeof(sel), "%s", sp->selector);
		if (scope[0] == '/')
			snprintf(path, sizeof(path), "%s", scope);
		else if (!lib_known(scope))
			/* Not on the system either: the resolver's error lists what is mapped. */
			continue;
		else if (spec_find_lib(sp, scope, path, sizeof(path)))
			return 1;
		idx = resolver__add_unmapped(s->res, path, err, sizeof(err));
		if (idx < 0) {
			elog("%s (named by -f '%s')", err, ESC(sel));
			return 1;
		}
		for (k = 0; k < s->nr_armed && s->armed[k] != idx; k++)
			;
		if (k < s->nr_armed)
			continue;
		s->armed[s->nr_armed++] = idx;
	}
	return 0;
}

/* Once every -f resolved: a bad one is the only line then. */
static void note_armed(const struct session *s)
{
	for (int k = 0; k < s->nr_armed; k++)
		elog("note: process %d has not mapped %s (yet): its functions are armed, traced "
		     "from the moment it is mapped (dlopen)",
		     env.pid, ESC(resolver__obj_path(s->res, s->armed[k])));
}

/* At the end: an armed object none of whose functions was seen called, in one line. */
static void note_armed_unseen(const struct session *s)
{
	for (int k = 0; k < s->nr_armed; k++) {
		const char *path = resolver__obj_path(s->res, s->armed[k]);
		const struct wm_agg *a;
		__u64 seen = 0;

		for (int i = 0; i < s->nr_funcs; i++) {
			a = store__agg(s->store, s->funcs[i].id);
			if (a && !strcmp(func__obj_path(&s->funcs[i]), path))
				seen += a->calls + a->unfinished + a->dropped;
		}
		if (!seen)
			elog("note: no call into %s was seen: armed, it was never mapped, or its "
			     "functions were not called",
			     ESC(path));
	}
}

/* Every -f resolved in the process and added to the table. */
/*
 * Hand the pages of what was freed back to the kernel: glibc keeps the
 * freed middle of its heap (the debug info, libbpf's BTF) resident, and
 * tracing runs for long after both are gone.
 */
static void give_back_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static int build_table(struct session *s)
{
	struct wm_functable_opts o = {
		.sz = sizeof(o),
		.plan = {
			.str_cap = env.string_size,
			.out_params = !env.no_out_params && !env.summary_only,
			.stack = env.stack && !env.summary_only,
			/* For tools/pyvalue-fixtures.py, not for users: see wrapmon-trace(8). */
			.py_snapshots = getenv("WRAPMON_PY_SNAPSHOTS") != NULL,
		},
		.summary_only = env.summary_only,
		.no_move_entry = env.no_move_entry,
		.verbose = env.verbose > 0,
		.note = print_note,
	};
	char err[WM_ERR_MAX] = "";
	struct utsname u;
	int ret;

	if (env.any_process) {
		ret = open_objects(s);
		if (ret)
			return ret;
		/* Any process may run them, filtered or not: auto keeps to the safe side. */
		if (!uname(&u) && seccomp__kernel_affected(u.release, u.machine)) {
			snprintf(s->seccomp_why, sizeof(s->seccomp_why),
				 "on this kernel the trampoline's system call meets seccomp "
				 "filters, and any process running the objects may have one");
			o.seccomp_why = s->seccomp_why;
		}
	} else if (seccomp__trampoline_risk(env.pid, s->seccomp_why, sizeof(s->seccomp_why)) > 0) {
		/* Unreadable: the resolver, next, says why in its own words. */
		o.seccomp_why = s->seccomp_why;
	}
	o.plan.python = !env.any_process && session__python(s);
	if (!s->res && resolver__new_pid(env.pid, &s->res, err, sizeof(err))) {
		elog("%s", err);
		return 1;
	}
	/* Before the table, which takes the resolver's objects as they are then. */
	s->armed = calloc(env.nr_specs, sizeof(*s->armed));
	if (!s->armed) {
		elog("out of memory");
		return 1;
	}
	if (!env.any_process) {
		ret = arm_objects(s);
		if (ret)
			return ret;
	}
	if (functable__new(s->res, &o, &s->table)) {
		elog("out of memory");
		return 1;
	}
	s->py_names = calloc(env.nr_specs ? env.nr_specs : 1, sizeof(*s->py_names));
	s->py_filters = calloc(env.nr_specs ? env.nr_specs : 1, sizeof(*s->py_filters));
	s->py_bound = calloc(PY_FUNCS_MAX + 1, sizeof(*s->py_bound));
	s->py_filtered = calloc(PY_FUNCS_MAX + 1, sizeof(*s->py_filtered));
	if (!s->py_names || !s->py_filters || !s->py_bound || !s->py_filtered) {
		elog("out of memory");
		return 1;
	}
	for (int i = 0; i < env.nr_specs; i++) {
		ret = add_spec(s, &env.specs[i]);
		if (ret)
			return ret;
	}
	dwarf__free(s->py_dw);
	s->py_dw = NULL;
	/* Before the BPF load, whose BTF is the next peak of memory. */
	functable__release(s->table);
	give_back_heap();
	s->nr_native = s->nr_funcs = functable__funcs(s->table, &s->funcs);
	if (s->nr_py_names) {
		if (functable__reserve(s->table, PY_FUNCS_MAX)) {
			elog("out of memory");
			return 1;
		}
		functable__funcs(s->table, &s->funcs);
		describe_python(s);
	}
	if (!s->nr_funcs && !s->nr_py_names) {
		elog("nothing left to trace: every match was left out (see the notes above)");
		return 1;
	}
	note_armed(s);
	return 0;
}

/*
 * The symbolizer of process pid (its own maps: each process lays out its
 * code differently), made at its first lookup; NULL when its maps cannot be
 * read (gone already), which is remembered. At most SYMS_MAX are kept, the
 * oldest made first to go. Under syms_lock.
 */
static struct wm_symbolizer *proc_syms(struct session *s, pid_t pid)
{
	struct wm_symbolizer_opts o = { .sz = sizeof(o), .demangle = true };
	struct proc_syms *e;
	int i;

	for (i = 0; i < s->nr_psyms; i++)
		if (s->psyms[i].pid == pid)
			return s->psyms[i].syms;
	if (s->nr_psyms < SYMS_MAX) {
		i = s->nr_psyms++;
	} else {
		i = s->next_psym;
		s->next_psym = (s->next_psym + 1) % SYMS_MAX;
	}
	e = &s->psyms[i];
	symbolizer__free(e->syms);
	e->pid = pid;
	if (symbolizer__new(pid, &o, &e->syms))
		e->syms = NULL;
	return e->syms;
}

/* An exec lays the process's code out anew: its next lookup reads its maps again. */
static void forget_syms(struct session *s, pid_t pid)
{
	if (!s->psyms)
		return;
	pthread_mutex_lock(&s->syms_lock);
	for (int i = 0; i < s->nr_psyms; i++) {
		if (s->psyms[i].pid == pid) {
			symbolizer__free(s->psyms[i].syms);
			s->psyms[i].syms = NULL;
			/* Not a pid any more: made again at the next lookup. */
			s->psyms[i].pid = 0;
		}
	}
	pthread_mutex_unlock(&s->syms_lock);
}

/* wm_sym_hook.lookup over the symbolizer of the call's process. */
static int session__sym_lookup(void *ctx, __u32 pid, __u64 addr, bool ret_addr, const char **sym,
			       unsigned long *off, const char **obj)
{
	struct session *s = ctx;
	struct wm_symloc loc = {};
	struct wm_symbolizer *syms;
	int ret = -ENOENT;

	pthread_mutex_lock(&s->syms_lock);
	syms = pid ? proc_syms(s, pid) : NULL;
	if (syms)
		ret = ret_addr ? symbolizer__lookup_ret(syms, addr, &loc) :
				 symbolizer__lookup(syms, addr, &loc);
	pthread_mutex_unlock(&s->syms_lock);
	*sym = loc.sym;
	*off = loc.sym_off;
	*obj = loc.obj ? base_name(loc.obj) : NULL;
	return ret;
}

/*
 * Code addresses are named only for --stack and function pointers: no
 * other trace reads the maps again. Without a symbolizer they print as
 * numbers, which is not worth failing for. The first process's is made
 * now; others' (several processes, --follow, objects) at their first
 * lookup, while they run.
 */
static void open_symbolizer(struct session *s)
{
	bool need = env.stack && !env.summary_only;

	for (int i = 0; i < s->nr_funcs && !env.summary_only; i++)
		need |= sig__has_funcptr(&s->funcs[i].sig);
	if (!need)
		return;
	s->psyms = calloc(SYMS_MAX, sizeof(*s->psyms));
	if (!s->psyms)
		return;
	if (env.pid)
		proc_syms(s, env.pid);
	s->sym_hook.lookup = session__sym_lookup;
	s->sym_hook.ctx = s;
	for (int i = 0; i < s->nr_funcs; i++)
		s->funcs[i].syms = &s->sym_hook;
}

/* Bound before -o truncates anything and before attaching: a port in use ends us here. */
static int open_metrics(struct session *s)
{
	struct metrics_opts o = {
		.sz = sizeof(o),
		.addr = &env.metrics_addr,
		.addr_len = env.metrics_addr_len,
		.pid = env.pid,
		.ring_size = env.ring_size,
		.verbose = env.verbose > 0,
		.extra_funcs = s->nr_py_names ? PY_FUNCS_MAX : 0,
	};
	char err[WM_ERR_MAX] = "";

	if (!env.metrics)
		return 0;
	if (metrics__new(&o, s->funcs, s->nr_funcs, &s->metrics, err, sizeof(err))) {
		elog("%s", err);
		return 1;
	}
	return 0;
}

/*
 * After every check that needs no attaching, so that a typo does not
 * truncate the last trace, and before attaching, so that a bad path
 * leaves nothing attached.
 */
static int open_output(struct session *s)
{
	struct outfile_opts o = { .sz = sizeof(o), .mode = env.file_mode };
	char err[WM_ERR_MAX] = "";

	/* A command's standard output is its own. */
	s->out_fd = env.cmd ? STDERR_FILENO : STDOUT_FILENO;
	if (!env.output)
		return 0;
	s->out_fd = outfile__open(env.output, &o, err, sizeof(err));
	if (s->out_fd < 0) {
		elog("%s", err);
		return 1;
	}
	return 0;
}

/*
 * Before attaching, so that no signal can leave a half-made session. With a
 * command, as a shell waiting for its foreground job: Ctrl-C and Ctrl-\ reach
 * the command (same process group) and are not ours; SIGTERM and SIGHUP
 * sent to wrapmon alone are passed on to it.
 */
static int watch_signals(struct session *s)
{
	sigemptyset(&s->sigs);
	if (procs__is_command(s->procs)) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		sigaddset(&s->sigs, SIGHUP);
	} else {
		sigaddset(&s->sigs, SIGINT);
	}
	sigaddset(&s->sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &s->sigs, NULL);
	s->sigfd = signalfd(-1, &s->sigs, SFD_CLOEXEC);
	if (s->sigfd < 0) {
		elog("cannot watch for signals (%s)", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	procs__watch(s->procs);
	return 0;
}

/* Everything that needs no BPF: the checks, the table, and where the output goes. */
static int session__open(struct session *s)
{
	int ret;

	if (!have_privileges()) {
		elog("tracing needs root (CAP_SYS_ADMIN), or CAP_BPF and CAP_PERFMON: run it with "
		     "sudo, or grant both capabilities");
		return 1;
	}
	if (check_kernel())
		return 1;
	s->t_start = clock__ns(CLOCK_MONOTONIC);
	s->cpu_start = clock__ns(CLOCK_PROCESS_CPUTIME_ID);
	ret = find_processes(s);
	if (!ret)
		ret = build_table(s);
	if (ret)
		return ret;
	note_unmapped(s);
	open_symbolizer(s);
	/* Before the metrics and the store: it tells them which functions raise (errors). */
	s->nr_hooks = functable__cxa_hooks(s->table, &s->hooks);
	if (s->nr_hooks < 0) {
		elog("out of memory");
		return 1;
	}
	if (s->nr_hooks)
		vlog("plan: C++ exceptions: %d probe%s on the C++ runtime (__cxa_throw, "
		     "__cxa_rethrow, __cxa_begin_catch) report the calls they end as raised",
		     s->nr_hooks, s->nr_hooks == 1 ? "" : "s");
	vlog("resolved %d function%s in %.1f ms (%.1f ms of CPU)", s->nr_funcs,
	     s->nr_funcs == 1 ? "" : "s", (clock__ns(CLOCK_MONOTONIC) - s->t_start) / 1e6,
	     (clock__ns(CLOCK_PROCESS_CPUTIME_ID) - s->cpu_start) / 1e6);
	if (open_metrics(s) || open_output(s))
		return 1;
	return watch_signals(s);
}

/* Whether the process functions are resolved in has exited. */
static bool target_gone(const struct session *s)
{
	return procs__gone(s->procs, 0);
}

/*
 * glibc's errno, for the functions whose failures set it: without it (no
 * libc, a static binary, musl) their results show as they are, and only
 * -v says why.
 */
static void find_errno(struct session *s, const struct wm_probe *probes, int n, long *off)
{
	char why[WM_ERR_MAX] = "";
	bool need = false;

	for (int i = 0; i < n && !need; i++)
		need = probes[i].cfg.errno_ret != WM_ERRNO_NO;
	if (!need)
		return;
	if (errnoloc__tp_off(s->res, env.pid, off, why, sizeof(why)))
		vlog("plan: errno is not read: %s", why);
	else
		vlog("plan: errno read at failing returns, %ld bytes from the thread pointer",
		     *off);
}

/* A Python function met: into the table, and the store's view of it. */
static int add_py_func(void *ctx, const struct pyfunc_desc *d)
{
	struct session *s = ctx;
	const char *params[WM_PY_MAX_PARAMS + 2];
	struct wm_py_func pf = {
		.name = d->name, .file = d->filename, .params = params, .nr_params = d->nr_params
	};
	int id;

	for (int i = 0; i < d->nr_params; i++)
		params[i] = d->params[i];
	id = functable__add_python(s->table, &pf);
	if (id == -ENOSPC && !s->py_full_noted) {
		elog("note: more than %d Python functions matched: %s and later ones are left out",
		     PY_FUNCS_MAX, ESC(d->name));
		s->py_full_noted = true;
	}
	if (id < 0)
		return id;
	if (env.stack && !env.summary_only)
		s->funcs[id].plan.stack_slot = WM_PY_STACK_SLOT;
	if (s->py_filters[d->pattern] && id >= s->nr_native && id - s->nr_native < PY_FUNCS_MAX) {
		char err[WM_ERR_MAX] = "";
		int ret = pyfilter__bind(s->py_filters[d->pattern], d->name, params, d->nr_params,
					 &s->py_bound[id - s->nr_native], err, sizeof(err));

		/*
		 * Once per function. A filter that names parameters of several functions
		 * lacks some in each: only one that has none of them is likely a slip.
		 */
		if (ret == -ENOENT)
			elog("warning: --filter: %s: comparisons on it are false, != true", err);
		else if (ret == 1)
			vlog("python: --filter: %s: comparisons on it are false, != true", err);
		else if (ret)
			elog("warning: out of memory: --filter is not applied to %s", ESC(d->name));
	}
	s->nr_funcs = id + 1;
	s->first_poll_until = clock__ns(CLOCK_MONOTONIC) + FIRST_POLL_NS;
	store__add_funcs(s->store, s->nr_funcs);
	metrics__add_funcs(s->metrics, s->funcs, s->nr_funcs);
	vlog("python: %s (%s:%d) is traced function %d", ESC(d->name), ESC(d->filename),
	     d->firstlineno, id);
	return id;
}

/* Does a Python --filter read parameters or results (their snapshots must be taken)? */
static bool py_filter_values(const struct session *s)
{
	for (int i = 0; i < s->nr_py_names; i++) {
		if (pyfilter__needs_values(s->py_filters[i]))
			return true;
	}
	return false;
}

/* The Python programs on the interpreter's hooks, when a -f names Python functions. */
static int attach_python(struct session *s, __u64 t_resolved)
{
	struct pytrace_opts o = {
		.sz = sizeof(o),
		.pid = env.pid,
		.ring_size = env.py_ring_size,
		.func_base = s->nr_native,
		.patterns = s->py_names,
		.nr_patterns = s->nr_py_names,
		.add_func = add_py_func,
		.ctx = s,
		/* --summary-only prints no call: its values are read only for a filter on them. */
		.layout = s->py_layout.version && (!env.summary_only || py_filter_values(s)) ?
				  &s->py_layout :
				  NULL,
		.stack = env.stack && !env.summary_only,
	};
	struct exitwatch_start ew;
	char err[WM_ERR_MAX] = "";
	int ret;

	if (!s->nr_py_names)
		return 0;
	/* No native programs: their exit tracepoint is what says a signal killed the target. */
	if (!s->tracer)
		exitwatch__begin(&ew, env.pid);
	ret = pytrace__new(s->py, &o, &s->pyt, err, sizeof(err));
	if (!s->tracer && exitwatch__end(&ew, &s->exitwatch) && !ret)
		elog("note: cannot watch process %d's exit (%s): a signal that kills it "
		     "will not be said",
		     env.pid, strerror(-ew.ret));
	if (ret) {
		elog("%s", err);
		return 1;
	}
	if (target_gone(s)) {
		elog("process %d exited while wrapmon was attaching", env.pid);
		return 1;
	}
	/* Not silence where a chain was asked for: 3.10's calls carry none (man page). */
	if (o.stack && s->py->minor == 10)
		elog("note: --stack: Python 3.10 calls show no Python call chain (3.11 and later "
		     "do)");
	s->t_attached = clock__ns(CLOCK_MONOTONIC);
	vlog("python: attached %d probes to the interpreter in %.1f ms", s->py->nr_hooks,
	     (s->t_attached - t_resolved) / 1e6);
	if (env.verbose) {
		struct tracer_phases ph;

		pytrace__phases(s->pyt, &ph);
		vlog("  open %.1f ms, load %.1f ms (%.1f ms of CPU; %d program, %llu instructions "
		     "verified), probes %.1f ms",
		     ph.open_ns / 1e6, ph.load_ns / 1e6, ph.load_cpu_ns / 1e6, ph.nr_progs,
		     (unsigned long long)ph.verified_insns, ph.attach_ns / 1e6);
		if (s->exitwatch)
			vlog("  the target's exit watched: %.1f ms, in a thread beside the load",
			     ew.ns / 1e6);
	}
	return 0;
}

/* Load the BPF programs and attach every probe; what the kernel refused is said. */
static int session__attach(struct session *s)
{
	struct tracer_opts o = {
		.sz = sizeof(o),
		.pid = env.pid,
		.pids = s->pids,
		.nr_pids = s->nr_pids,
		.follow = env.follow,
		.any_process = env.any_process,
		.str_cap = env.string_size,
		.ring_size = env.ring_size,
		.no_multi = env.no_multi,
		.summary_only = env.summary_only,
		.no_sleepable = env.no_sleepable,
		.py_layout = s->py_layout.version ? &s->py_layout : NULL,
	};
	char err[TABLE_ERR_MAX] = "";
	__u64 t_resolved = clock__ns(CLOCK_MONOTONIC);
	const struct wm_probe *probes;
	const __u32 *skipped;
	int n, ret;

	n = functable__probes(s->table, &probes);
	o.hooks = s->hooks;
	o.nr_hooks = s->nr_hooks;
	if (n < 0) {
		elog("out of memory");
		return 1;
	}
	if (!n)
		return attach_python(s, t_resolved);
	find_errno(s, probes, n, &o.errno_tp_off);
	/*
	 * A target gone by the end makes any failure on the way (ESRCH from
	 * the kernel, most often) beside the point; once attached, it would
	 * leave a trace of nothing that looks like a quiet process.
	 */
	ret = tracer__new(&o, probes, n, &s->tracer, err, sizeof(err));
	/* Gone once every probe was in: a short trace, ended by the run loop. */
	if (ret || (target_gone(s) && !tracer__exited_after_attach(s->tracer))) {
		if (target_gone(s))
			elog("process %d exited while wrapmon was attaching", env.pid);
		else
			elog("%s", err);
		return 1;
	}
	s->t_attached = clock__ns(CLOCK_MONOTONIC);
	/* libbpf's copies of the kernel's BTF (11 MB) are freed by now. */
	give_back_heap();
	vlog("loaded and attached in %.1f ms, the probes in %.2f ms (%s, %s)",
	     (s->t_attached - t_resolved) / 1e6, tracer__probes_ns(s->tracer) / 1e6,
	     tracer__multi(s->tracer) ? "uprobe_multi" : "one link per function",
	     tracer__sleepable(s->tracer) ? "sleepable" : "not sleepable");
	if (env.verbose) {
		struct tracer_phases ph;

		tracer__phases(s->tracer, &ph);
		if (ph.core_err)
			vlog("  kernel types for CO-RE: none (%s): libbpf reads all of the "
			     "kernel's BTF",
			     strerror(-ph.core_err));
		else
			vlog("  kernel types for CO-RE: %d, %s in %.1f ms%s%s%s", ph.core_types,
			     !ph.core_made  ? "from the cache" :
			     ph.core_cached ? "made from the kernel's BTF and cached" :
					      "made from the kernel's BTF (not cached)",
			     ph.core_ns / 1e6, ph.core_file[0] ? " (" : "", ph.core_file,
			     ph.core_file[0] ? ")" : "");
		vlog("  uprobe_multi probe %.1f ms, open %.1f ms, load %.1f ms (%.1f ms of CPU; %d "
		     "programs, %llu instructions verified), maps %.1f ms, tracepoints %.1f ms, "
		     "probes %.1f ms",
		     ph.probe_ns / 1e6, ph.open_ns / 1e6, ph.load_ns / 1e6, ph.load_cpu_ns / 1e6,
		     ph.nr_progs, (unsigned long long)ph.verified_insns, ph.config_ns / 1e6,
		     ph.tp_ns / 1e6, ph.attach_ns / 1e6);
	}
	n = tracer__skipped(s->tracer, &skipped);
	if (functable__left_out(s->table, skipped, n, err, sizeof(err))) {
		elog("%s", err);
		return 1;
	}
	if (!tracer__multi(s->tracer) && !env.no_multi)
		elog("note: this kernel has no uprobe_multi links; attached one link per function");
	return attach_python(s, t_resolved);
}

static const char *output_name(void)
{
	return env.output ? env.output : "standard output";
}

/* To the output's writer: never waits for the reader. */
static void flush_output(struct session *s)
{
	out_sink__flush(&s->out);
	output__flush(s->output);
}

/*
 * The probes are on files, so they outlive exec: the new image's calls into
 * files it maps again (libc, the same executable) are still traced, and
 * its other objects are not. Say which, once per exec, for the first
 * EXEC_NOTES_MAX of them: followed children may exec by the thousand.
 */
static void note_exec(struct session *s, const struct wm_call_view *v)
{
	char proc[64], exe[PATH_MAX];
	struct wm_buf name = {};
	const char *base;
	ssize_t n;

	forget_syms(s, v->hdr.pid);
	if (++s->nr_execs > EXEC_NOTES_MAX) {
		if (s->nr_execs == EXEC_NOTES_MAX + 1)
			elog("note: more execs follow; they are not listed");
		return;
	}

	/* After the calls before it, when the reader keeps up; not worth more than a moment. */
	flush_output(s);
	output__wait(s->output, 100);
	/* The full path when the process still runs that file; else the name BPF saw. */
	snprintf(proc, sizeof(proc), "/proc/%u/exe", v->hdr.pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	base = strrchr(exe, '/');
	if (n > 0 && base && v->str_len[0] == (int)strlen(base + 1) &&
	    !memcmp(base + 1, v->str[0], v->str_len[0]))
		esc__c(&name, exe, n);
	else if (v->str_len[0] > 0)
		esc__c(&name, v->str[0], v->str_len[0]);
	elog("note: process %u called exec (thread %u), now running %s: calls into the objects "
	     "it maps again are still traced, others are not",
	     v->hdr.pid, v->hdr.tid, name.len ? name.p : "?");
	buf__free(&name);
}

/* WM_REC_EXC_TYPE: keep the type's name (demangled) under its address, once. */
static void note_exc_type(struct session *s, const struct wm_call_view *v)
{
	char name[WM_EXC_NAME_MAX * 4];
	struct exc_type *e;

	for (e = s->exc_types; e; e = e->next)
		if (e->addr == v->hdr.ret)
			return;
	if (s->nr_exc_types >= EXC_TYPES_MAX || v->str_len[0] < 0)
		return;
	demangle__type(v->str[0], v->str_len[0], name, sizeof(name));
	e = malloc(sizeof(*e) + strlen(name) + 1);
	if (!e)
		return;
	e->addr = v->hdr.ret;
	strcpy(e->name, name);
	e->next = s->exc_types;
	s->exc_types = e;
	s->nr_exc_types++;
}

static const char *exc_type_name(const struct session *s, __u64 addr)
{
	for (const struct exc_type *e = s->exc_types; e; e = e->next)
		if (e->addr == addr)
			return e->name;
	return "?";
}

static int take_call(struct session *s, struct wm_call_view *v);

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
	if (v.hdr.kind == WM_REC_EXC_TYPE) {
		note_exc_type(s, &v);
		return 0;
	}
	if (v.hdr.flags & WM_F_RAISED)
		v.exc_type = exc_type_name(s, v.hdr.ret);
	return take_call(s, &v);
}

/* A record of the Python ring: a code object to decide, or a call. */
static int on_py_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	struct wm_call_view v;
	int ret;

	s->records++;
	ret = pytrace__decode(s->pyt, data, size, &v);
	if (ret < 0)
		s->bad_records++;
	if (ret <= 0)
		return 0;
	return take_call(s, &v);
}

/*
 * Does a Python call pass its --filter? One whose end never came is kept
 * when the filter reads what only the end has (as for native functions).
 */
static bool py_keep(const struct session *s, const struct wm_call_view *v)
{
	__u32 i = v->hdr.func_id - s->nr_native;
	const struct pyfilter_bound *b = i < PY_FUNCS_MAX ? s->py_bound[i] : NULL;

	if (!b)
		return true;
	if (v->hdr.kind == WM_REC_UNFINISHED && pyfilter__needs_return(pyfilter__of(b)))
		return true;
	return pyfilter__eval(b, v);
}

/* A decoded call into the store. */
static int take_call(struct session *s, struct wm_call_view *v)
{
	const struct wm_func *f;

	if (v->hdr.func_id >= (__u32)s->nr_funcs) {
		s->bad_records++;
		return 0;
	}
	f = &s->funcs[v->hdr.func_id];
	/* Python's --filter runs here: BPF sends every call of a traced function. */
	if (f->sig.source == WM_SIG_PY && !py_keep(s, v)) {
		__u32 i = v->hdr.func_id - s->nr_native;

		store__set_filtered(s->store, v->hdr.func_id, ++s->py_filtered[i]);
		return 0;
	}
	v->ts_real_ns = v->hdr.entry_ns + s->mono_to_real;
	s->first_poll_until = 0;
	store__add(s->store, v);
	/*
	 * Negative stops the drain; libbpf has already consumed this record.
	 * A reader that falls behind pauses the drain: the calls then wait in
	 * the ring, and what does not fit is counted there as dropped.
	 */
	return ++s->batch >= DRAIN_BATCH || output__full(s->output) ? DRAIN_MORE : 0;
}

/* The target's wait status once it has exited, from whichever programs saw it. */
static bool target_status(const struct session *s, int *status)
{
	if (s->tracer)
		return tracer__target_exit(s->tracer, status);
	return exitwatch__status(s->exitwatch, status);
}

static int take_py_unfinished(void *ctx, struct wm_call_view *v)
{
	struct session *s = ctx;
	int status;

	/* Its thread went with the process a signal killed: said so, as native calls are. */
	if ((v->hdr.flags & WM_F_THREAD_EXIT) && target_status(s, &status) && (status & 0x7f)) {
		v->hdr.flags |= WM_F_KILLED;
		v->hdr.signo = status & 0x7f;
	}
	return take_call(ctx, v);
}

/* Drain one batch; true when records are still waiting. */
static bool drain(struct session *s)
{
	s->batch = 0;
	return ringread__consume(s->rb) == DRAIN_MORE;
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
		     (unsigned long long)(st.not_kept - s->db_not_kept), ESC(env.store));
	s->db_not_kept = st.not_kept;
}

/* Fold the BPF drop counters into the store; warn about new drops, by cause. */
static void poll_drops(struct session *s, bool warn)
{
	for (int i = 0; i < s->nr_native; i++) {
		struct wm_func_stats st;
		__u64 deep, full;

		if (tracer__func_stats(s->tracer, i, &st))
			continue;
		deep = st.overflow - s->seen[i].overflow;
		full = st.dropped - s->seen[i].dropped - deep;
		if (warn && full && (s->out_behind || output__full(s->output)))
			elog("warning: %llu calls of %s dropped (ring buffer full): %s is not "
			     "read as fast as calls come",
			     (unsigned long long)full, ESC(s->funcs[i].name), ESC(output_name()));
		else if (warn && full)
			elog("warning: %llu calls of %s dropped (ring buffer full): raise "
			     "--ring-size "
			     "or lower --string-size",
			     (unsigned long long)full, ESC(s->funcs[i].name));
		if (warn && deep)
			elog("warning: %llu calls of %s not recorded: nested deeper than %d traced "
			     "calls in one thread; trace fewer of the recursive functions",
			     (unsigned long long)deep, ESC(s->funcs[i].name), WM_MAX_DEPTH);
		s->seen[i] = st;
		store__set_dropped(s->store, i, st.dropped);
		store__set_filtered(s->store, i, st.filtered);
	}
	/* Python's: warned of at the end, with the calls not yet any function's. */
	for (int i = s->nr_native; i < s->nr_funcs; i++)
		store__set_dropped(s->store, i, pytrace__func_dropped(s->pyt, i - s->nr_native));
	s->out_behind = output__full(s->output);
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
	for (int i = 0; i < s->nr_native; i++)
		if (!tracer__func_agg(s->tracer, i, a))
			store__set_agg(s->store, i, a);
	free(a);
}

static void print_interval(struct session *s, __u64 now, __u64 *last)
{
	fetch_aggs(s);
	poll_drops(s, true);
	/* After the calls of the interval. */
	flush_output(s);
	summary__print_interval(s->store, s->outf, env.json, env.utc, now + s->mono_to_real,
				now - *last);
	flush_output(s);
	*last = now;
}

static int open_db(struct session *s, int argc, char **argv)
{
	struct wm_dbstore_opts o = { .sz = sizeof(o) };
	struct wm_buf cmd = {};
	struct wm_sink sink;
	char err[WM_ERR_MAX] = "";
	int ret;

	cli__quote_args(&cmd, argc, argv);
	if (cmd.err) {
		elog("out of memory");
		return 1;
	}
	o.command_line = cmd.p;
	o.pid = env.pid;
	o.exe = resolver__obj_path(s->res, 0);
	o.version = WM_VERSION;
	o.start_ns = s->t_start + s->mono_to_real;
	o.queue_calls = env.store_queue;
	o.extra_funcs = s->nr_py_names ? PY_FUNCS_MAX : 0;
	o.mode = env.file_mode;
	ret = dbstore__new(env.store, s->funcs, s->nr_funcs, &o, &s->db, err, sizeof(err));
	buf__free(&cmd);
	if (ret) {
		elog("%s", err);
		return 1;
	}
	dbstore__sink(s->db, &sink);
	return store__add_sink(s->store, &sink) ? 1 : 0;
}

/* The monitor store and what it feeds: stdout, the ring buffer's reader, --store. */
static int open_store(struct session *s, int argc, char **argv)
{
	struct wm_store_opts o = {
		.sz = sizeof(o),
		.extra_funcs = s->nr_py_names ? PY_FUNCS_MAX : 0,
	};
	struct wm_sink sink;
	int ret;

	for (int i = 0; i < env.nr_specs; i++) {
		o.show_filtered |= env.specs[i].filter != NULL;
		o.show_errors |= env.specs[i].error != NULL;
	}
	/* Calls a C++ or Python exception ends are errors: show the column they count in. */
	for (int i = 0; i < s->nr_funcs; i++)
		o.show_errors |= s->funcs[i].raises;
	o.show_errors |= s->nr_py_names > 0;
	for (int i = 0; i < s->nr_py_names; i++)
		o.show_filtered |= s->py_filters[i] != NULL;
	s->seen = calloc(s->nr_native ? s->nr_native : 1, sizeof(*s->seen));
	ret = store__new(s->funcs, s->nr_funcs, &o, &s->store);
	if (ret || !s->seen) {
		elog("cannot create the monitor store (%s)", strerror(ret ? -ret : ENOMEM));
		return 1;
	}
	ret = output__new(
		&(struct wm_output_opts){ .sz = sizeof(struct wm_output_opts), .fd = s->out_fd },
		&s->output);
	if (ret) {
		elog("cannot start the output writer (%s)", strerror(-ret));
		return 1;
	}
	s->outf = output__file(s->output);
	out_sink__init(&s->out, s->outf, env.json,
		       &(struct wm_fmt_opts){
			       .utc = env.utc, .pid = many_processes(s), .comm = env.any_process },
		       &sink);
	if (env.tree) {
		ret = tree__new(&(struct wm_tree_opts){ .sz = sizeof(struct wm_tree_opts),
							.out = s->outf,
							.json = env.json,
							.fmt = s->out.fmt },
				&s->tree);
		if (ret) {
			elog("cannot start --tree (%s)", strerror(-ret));
			return 1;
		}
		tree__sink(s->tree, &sink);
	}
	if (!env.summary_only)
		store__add_sink(s->store, &sink);
	if (env.per_process) {
		ret = perproc__new(s->funcs, s->nr_funcs, &s->perproc);
		if (ret) {
			elog("out of memory");
			return 1;
		}
		perproc__sink(s->perproc, &sink);
		store__add_sink(s->store, &sink);
	}
	ret = ringread__new(&s->rb);
	if (!ret && s->tracer)
		ret = ringread__add(s->rb, tracer__ringbuf_fd(s->tracer), on_record, s);
	if (!ret && s->pyt)
		ret = ringread__add(s->rb, pytrace__ringbuf_fd(s->pyt), on_py_record, s);
	if (ret) {
		elog("cannot open the ring buffer (%s)", strerror(-ret));
		return 1;
	}
	s->mono_to_real = clock__ns(CLOCK_REALTIME) - clock__ns(CLOCK_MONOTONIC);
	if (env.store)
		return open_db(s, argc, argv);
	return 0;
}

/* The processes traced, named in advance. */
static void start_line(const struct session *s)
{
	fprintf(stderr, "wrapmon-trace: tracing %d function%s in %s %d", s->nr_funcs,
		s->nr_funcs == 1 ? "" : "s", procs__is_command(s->procs) ? "command" : "process",
		env.pid);
	if (s->nr_pids > 1)
		fprintf(stderr, " and %d other%s", s->nr_pids - 1, s->nr_pids == 2 ? "" : "s");
	fprintf(stderr, " (%s)%s in %.1f ms; %s\n", ESC(resolver__obj_path(s->res, 0)),
		!env.follow    ? "" :
		s->nr_pids > 1 ? " and their children" :
				 " and its children",
		(s->t_attached - s->t_start) / 1e6,
		procs__is_command(s->procs) ? "it runs now, and the trace ends with it" :
					      "Ctrl-C to end");
}

/* What the user sees before the first call. */
static void session__start(struct session *s)
{
	if (s->metrics) {
		metrics__update(s->metrics, s->store, 0, 0);
		elog("serving metrics at http://%s/metrics%s", metrics__addr(s->metrics),
		     metrics__is_loopback(&env.metrics_addr) ?
			     "" :
			     " (not loopback: anyone who can reach it can read them)");
	}
	if (env.any_process)
		fprintf(stderr,
			"wrapmon-trace: tracing %d function%s in every process running %s%s, now "
			"or later (attached in %.1f ms); Ctrl-C to end\n",
			s->nr_funcs, s->nr_funcs == 1 ? "" : "s",
			ESC(resolver__obj_path(s->res, 0)),
			resolver__nr_objs(s->res) > 1 ? " (and the other objects named)" : "",
			(s->t_attached - s->t_start) / 1e6);
	else if (s->nr_py_names)
		fprintf(stderr,
			"wrapmon-trace: tracing %d function%s and %d Python name%s in %s %d "
			"(%s) in %.1f ms; %s\n",
			s->nr_native, s->nr_native == 1 ? "" : "s", s->nr_py_names,
			s->nr_py_names == 1 ? "" : "s",
			procs__is_command(s->procs) ? "command" : "process", env.pid,
			ESC(resolver__obj_path(s->res, 0)), (s->t_attached - s->t_start) / 1e6,
			procs__is_command(s->procs) ? "it runs now, and the trace ends with it" :
						      "Ctrl-C to end");
	else
		start_line(s);
	if (env.summary_only)
		elog("summary only: calls are counted in the kernel and not printed; summaries "
		     "come %s",
		     env.interval ? "every --interval and at the end" : "at the end");
	else if (!env.json)
		fprintf(s->outf, "%-15s %s%s%s %s\n", "TIME", many_processes(s) ? "PID " : "",
			env.any_process ? "COMM " : "", "TID", "CALL = RESULT  <LATENCY>");
	flush_output(s);
	s->last_interval = clock__ns(CLOCK_MONOTONIC);
}

/* The first SIGINT or SIGTERM: the session ends, and a second one ends us at once. */
static void on_signal(struct session *s)
{
	if (!s->t_signal)
		s->t_signal = clock__ns(CLOCK_MONOTONIC);
	/* Unblocked, the next one takes its default action; fd links detach themselves. */
	sigprocmask(SIG_UNBLOCK, &s->sigs, NULL);
}

/*
 * A signal waiting on the signalfd, taken without blocking; true if it ends
 * the session (a command's end does instead).
 */
static bool poll_signal(struct session *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->sigfd, .events = POLLIN };
	struct signalfd_siginfo si;

	if (poll(&p, 1, timeout_ms) <= 0 || read(s->sigfd, &si, sizeof(si)) < 0)
		return false;
	/* SIGTERM or SIGHUP for a command: its own end ends the session. */
	if (procs__is_command(s->procs) && s->cmd_status < 0) {
		procs__forward(s->procs, &si);
		return false;
	}
	on_signal(s);
	return true;
}

/* epoll's data for the pidfd of process i (EV_PROC + i), the signalfd, the ring. */
#define EV_RING 0
#define EV_SIG	2
#define EV_PROC 16

/*
 * What woke the loop: true when the session ends (every process given
 * exited, or a signal came). An exited process leaves the epoll set.
 */
static bool on_events(struct session *s, int ep, const struct epoll_event *evs, int n)
{
	bool stop = false;

	for (int i = 0; i < n; i++) {
		__u32 d = evs[i].data.u32;

		if (d >= EV_PROC)
			procs__on_event(s->procs, ep, d - EV_PROC);
		else if (d == EV_SIG && poll_signal(s, 0))
			stop = true;
	}
	return stop || procs__all_gone(s->procs);
}

/* The loop's periodic work: --interval summaries, drop warnings, the metrics snapshot. */
static void on_tick(struct session *s, __u64 now, __u64 *last_stats, __u64 *last_metrics)
{
	__u64 every = (__u64)(env.interval * 1e9);

	if (every && now - s->last_interval >= every)
		print_interval(s, now, &s->last_interval);
	tree__tick(s->tree, now);
	if (now - *last_stats >= 1000000000ULL) {
		poll_drops(s, true);
		*last_stats = now;
	}
	if (s->metrics && now - *last_metrics >= METRICS_REFRESH_NS) {
		fetch_aggs(s);
		metrics__update(s->metrics, s->store, s->records, s->bad_records);
		*last_metrics = now;
	}
}

static int epoll_open(const struct session *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	ev.data.u32 = EV_RING;
	epoll_ctl(ep, EPOLL_CTL_ADD, ringread__epoll_fd(s->rb), &ev);
	procs__epoll_add(s->procs, ep, EV_PROC);
	ev.data.u32 = EV_SIG;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->sigfd, &ev);
	return ep;
}

/*
 * While the output's reader is behind, the ring is left alone: it would
 * stay readable and wake the loop at once, over and over.
 */
static void pause_ring(const struct session *s, int ep, bool pause)
{
	struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.u32 = EV_RING };

	epoll_ctl(ep, EPOLL_CTL_MOD, ringread__epoll_fd(s->rb), &ev);
}

static int run_loop(struct session *s)
{
	__u64 deadline = env.duration > 0 ? s->t_start + (__u64)(env.duration * 1e9) : 0;
	__u64 last_stats = s->t_start, last_metrics = 0, now;
	int ep, n, ret = 0, timeout = POLL_MS;
	struct epoll_event evs[4];
	bool stop, more, full, paused = false;

	ep = epoll_open(s);
	if (ep < 0)
		return ep;
	do {
		n = epoll_wait(ep, evs, 4, timeout);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		stop = on_events(s, ep, evs, n);
		more = !output__full(s->output) && drain(s);
		flush_output(s);
		full = output__full(s->output);
		if (full != paused)
			pause_ring(s, ep, full);
		paused = full;
		s->out_behind |= full;
		/*
		 * The output's writer is behind: go on as soon as it has written
		 * what waits (or after POLL_MS, a reader that does not read), not
		 * after a blind POLL_MS. Calls fill the ring in about that long
		 * (4 MiB at 500,000 calls a second): the records waiting there
		 * were dropped while the writer sat idle.
		 */
		if (full)
			output__wait(s->output, POLL_MS);
		now = clock__ns(CLOCK_MONOTONIC);
		timeout = more || full ? 0 : now < s->first_poll_until ? FIRST_POLL_MS : POLL_MS;
		on_tick(s, now, &last_stats, &last_metrics);
		/* A failed write ends the session: the rest could not be written either. */
		if ((deadline && now >= deadline) || output__error(s->output))
			stop = true;
	} while (!stop);
	close(ep);
	return ret;
}

/* Tracing ended when the probes began to go: their removal (~0.1 s each) is no part of it. */
static __u64 session_end(const struct session *s)
{
	return s->t_end ? s->t_end : clock__ns(CLOCK_MONOTONIC);
}

static int finish_db(struct session *s)
{
	struct wm_dbstore_stats st;
	char err[WM_ERR_MAX] = "";
	const char *msg;
	int ret;

	ret = dbstore__finish(s->db, s->store, session_end(s) + s->mono_to_real, err, sizeof(err));
	msg = dbstore__error(s->db);
	if (msg && !s->db_err_shown)
		elog("%s", msg);
	if (ret)
		elog("%s", err);
	dbstore__stats(s->db, &st);
	/* After a failed write the calls were lost to that error, not to a slow disk. */
	if (st.not_kept && msg)
		elog("warning: %llu of %llu calls not kept in %s: the store stopped at a write "
		     "error (%s)",
		     (unsigned long long)st.not_kept, (unsigned long long)st.seen, ESC(env.store),
		     ESC(dbstore__cause(s->db)));
	else if (st.not_kept)
		elog("warning: %llu of %llu calls not kept in %s: the store could not keep up",
		     (unsigned long long)st.not_kept, (unsigned long long)st.seen, ESC(env.store));
	else if (!ret)
		elog("stored %llu calls in %s", (unsigned long long)st.seen, ESC(env.store));
	return ret || msg ? -EIO : 0;
}

static void write_summary(struct session *s, FILE *f, bool json)
{
	__u64 elapsed = session_end(s) - s->t_start;

	if (!json)
		fputc('\n', f);
	summary__print(s->store, f, json, elapsed);
	perproc__print(s->perproc, f, json);
	if (!json && env.hist)
		summary__print_hist(s->store, f);
	fflush(f);
}

/*
 * After the calls when they were all written (to_output); else on stderr,
 * where the text summary of --json goes anyway.
 */
static void print_summary(struct session *s, bool to_output)
{
	__u64 made, freed;

	if (s->bad_records)
		elog("warning: %llu malformed records ignored", (unsigned long long)s->bad_records);
	if (s->tracer && tracer__unfollowed(s->tracer))
		elog("warning: %llu forked children not traced: more than %d processes were "
		     "followed at once",
		     (unsigned long long)tracer__unfollowed(s->tracer), WM_FOLLOW_MAX);
	if (env.verbose && s->tracer) {
		tracer__tstates(s->tracer, &made, &freed);
		vlog("per-thread states: %llu made, %llu freed with their threads, %llu live",
		     (unsigned long long)made, (unsigned long long)freed,
		     (unsigned long long)(made - freed));
	}
	if (to_output) {
		flush_output(s);
		write_summary(s, s->outf, env.json);
	}
	if (env.json)
		summary__print(s->store, stderr, false, session_end(s) - s->t_start);
	else if (!to_output)
		write_summary(s, stderr, false);
}

/*
 * Wait for the output's reader: for room, or (all) for everything to be
 * written. A reader that does not read keeps us at most OUTPUT_GRACE_NS
 * past the first signal: then what it did not take is given up. False
 * when the output failed or was given up.
 */
static bool wait_output(struct session *s, bool all)
{
	flush_output(s);
	for (;;) {
		if (output__error(s->output) || output__abandoned(s->output))
			return false;
		if (all ? output__idle(s->output) : !output__full(s->output))
			return true;
		if (s->t_signal && clock__ns(CLOCK_MONOTONIC) >= s->t_signal + OUTPUT_GRACE_NS) {
			output__abandon(s->output);
			return false;
		}
		if (all)
			output__wait(s->output, POLL_MS);
		poll_signal(s, all ? 0 : POLL_MS);
	}
}

/*
 * A target killed by a signal is said, between its last calls and the
 * summary: it is not ours to wait for, so BPF saw its status at the exit.
 */
static void note_target_exit(struct session *s)
{
	struct wm_buf sig = {};
	int status;

	if (!target_status(s, &status) || !(status & 0x7f))
		return;
	format__signal(&sig, status & 0x7f);
	elog("%s %d was killed by %s%s", procs__is_command(s->procs) ? "command" : "process",
	     env.pid, sig.err ? "a signal" : sig.p, status & 0x80 ? " (core dumped)" : "");
	buf__free(&sig);
	s->target_killed = true;
}

/* One line when output was lost: a failed write, or a reader given up on. 1 then, else 0. */
static int report_output(struct session *s)
{
	struct wm_output_stats st;
	int err = output__error(s->output);
	unsigned long long n;

	output__stats(s->output, &st);
	n = st.lost_lines;
	/* Its reader left, as `| head` does: what it did not want is not an error. */
	if (err == EPIPE)
		return 0;
	if (err)
		elog("writing %s: %s (%llu line%s of output lost)", ESC(output_name()),
		     strerror(err), n, n == 1 ? "" : "s");
	else if (output__abandoned(s->output))
		elog("%s was not read for %.1f s after the signal: %llu line%s of output lost",
		     ESC(output_name()), OUTPUT_GRACE_NS / 1e9, n, n == 1 ? "" : "s");
	return err || output__abandoned(s->output);
}

/* Python calls BPF could not record other than for the ring: how many, and why. */
static void note_py_lost(const struct session *s)
{
	static const char *const why[WM_PY_LOST_NR] = {
		[WM_PY_LOST_UNREAD] = "entries whose code object could not be read",
		[WM_PY_LOST_NO_ROOM] = "entries the table of calls in flight refused",
		[WM_PY_LOST_NO_END] = "calls whose end was missed",
	};
	__u64 lost[WM_PY_LOST_NR], total = 0;
	char parts[256];
	size_t n = 0;

	pytrace__lost(s->pyt, lost);
	parts[0] = '\0';
	for (int i = 0; i < WM_PY_LOST_NR; i++) {
		if (!lost[i])
			continue;
		total += lost[i];
		if (n < sizeof(parts))
			n += snprintf(parts + n, sizeof(parts) - n, "%s%llu %s", n ? ", " : "",
				      (unsigned long long)lost[i], why[i]);
	}
	if (total)
		elog("warning: %llu Python call%s lost: %s", (unsigned long long)total,
		     total == 1 ? "" : "s", parts);
}

/* A Python name is matched while the process runs: one that never was is a note, not an error. */
static void note_py_never_called(const struct session *s)
{
	__u64 notices, in_bpf, dropped;

	for (int i = 0; i < s->nr_py_names; i++)
		if (!pytrace__pattern_hits(s->pyt, i))
			/* Said for a call in progress at the start too: it began before the probes. */
			elog("note: %s: never called (no call of a Python function of that name "
			     "began while tracing; one already running is not seen)",
			     ESC(s->py_names[i]));
	pytrace__stats(s->pyt, &notices, &in_bpf, &dropped);
	if (dropped)
		elog("warning: %llu Python calls or code objects lost (ring buffer full): raise "
		     "--ring-size",
		     (unsigned long long)dropped);
	note_py_lost(s);
	if (s->pyt)
		vlog("python: %llu code objects decided, and %llu more in BPF (no -f name "
		     "could match their module's first part and qualname's last)",
		     (unsigned long long)notices, (unsigned long long)in_bpf);
}

/* After the loop: the rest of the ring, the last figures, the summary, the database. */
static int session__finish(struct session *s)
{
	bool ok;
	int ret;

	/*
	 * Nothing more is traced: the probes leave the target first, so that it
	 * never pays for a reader that takes its time with what is left.
	 */
	s->t_end = clock__ns(CLOCK_MONOTONIC);
	if (s->tracer)
		tracer__detach(s->tracer);
	pytrace__detach(s->pyt);
	/*
	 * The reader's grace runs from here: taking the probes out can outlast
	 * it, and the reader is not to blame for that.
	 */
	if (s->t_signal)
		s->t_signal = clock__ns(CLOCK_MONOTONIC);
	if (env.verbose && s->tracer) {
		struct tracer_phases ph;

		tracer__phases(s->tracer, &ph);
		vlog("probes taken out in %.1f ms", ph.detach_ns / 1e6);
	}
	/*
	 * Whatever is still in the ring is part of the session, to the last
	 * record: the probes are out, so nothing refills it and the loop ends
	 * (a count of rounds could leave calls neither shown nor counted when
	 * a slow reader lets few through a round). A reader behind is waited
	 * for, or given up after a signal; given up, the calls are still
	 * counted.
	 */
	for (;;) {
		if (output__full(s->output)) {
			s->out_behind = true;
			wait_output(s, false);
		}
		if (!drain(s))
			break;
	}
	/* Python calls still running: their probes are gone, so they end here. */
	pytrace__unfinished(s->pyt, take_py_unfinished, s);
	/* Calls still held by --tree: their callers show as running. */
	tree__flush(s->tree);
	/* The last, partial interval: the intervals then add up to the whole session. */
	if (env.interval)
		print_interval(s, session_end(s), &s->last_interval);
	fetch_aggs(s);
	poll_drops(s, true);
	/* The final figures stay served while the summary is written. */
	metrics__update(s->metrics, s->store, s->records, s->bad_records);
	ok = wait_output(s, true);
	/* After the last calls are written, before the summary. */
	note_target_exit(s);
	note_armed_unseen(s);
	note_py_never_called(s);
	print_summary(s, ok);
	/* The summary itself not written: the text one is still wanted somewhere. */
	if (ok && !wait_output(s, true) && !env.json)
		write_summary(s, stderr, false);
	ret = report_output(s);
	/* However the session ended, Ctrl-C from now on ends us at once. */
	poll_signal(s, 0);
	sigprocmask(SIG_UNBLOCK, &s->sigs, NULL);
	if (s->db && finish_db(s))
		ret = 1;
	return ret;
}

/*
 * The command's end: reaped (waited for, when the trace ended first, as a
 * shell waits for its foreground job), its status is wrapmon's: the exit
 * code, or 128 + the signal; a failure of wrapmon's only when it succeeded.
 */
static int reap_command(struct session *s, int ret)
{
	int status;

	/* Still running: SIGTERM and SIGHUP go on being passed to it. */
	sigprocmask(SIG_BLOCK, &s->sigs, NULL);
	while (!procs__gone(s->procs, 0))
		poll_signal(s, POLL_MS);
	status = procs__reap(s->procs);
	if (status < 0) {
		elog("cannot wait for the command (%s)", strerror(-status));
		return 1;
	}
	s->cmd_status = status;
	return launch__exit_code(status) ? launch__exit_code(status) : ret;
}

/* Attached: the command let go, the loop, the end. */
static int run_session(struct session *s)
{
	int ret = procs__resume(s->procs);

	if (ret) {
		elog("cannot let the command run (%s)", strerror(-ret));
		return 1;
	}
	ret = run_loop(s) ? 1 : 0;
	if (session__finish(s))
		ret = 1;
	if (procs__is_command(s->procs)) {
		if (!procs__gone(s->procs, 0))
			elog("the trace ended; waiting for command %d to exit", env.pid);
		return reap_command(s, ret);
	}
	if (!ret && s->target_killed)
		ret = EXIT_TARGET_KILLED;
	return ret;
}

static void session__free(struct session *s)
{
	for (int i = 0; i < s->nr_psyms; i++)
		symbolizer__free(s->psyms[i].syms);
	free(s->psyms);
	/* First: its thread serves until stopped, from a snapshot of its own. */
	metrics__free(s->metrics);
	ringread__free(s->rb);
	tracer__free(s->tracer);
	/* Before the functions it reads go: this stops its writer. */
	dbstore__free(s->db);
	store__free(s->store);
	perproc__free(s->perproc);
	/* After the store: raised calls' views point at its exception names. */
	pytrace__free(s->pyt);
	exitwatch__free(s->exitwatch);
	pyinterp__free(s->py);
	dwarf__free(s->py_dw);
	free(s->py_names);
	for (int i = 0; s->py_bound && i < PY_FUNCS_MAX; i++)
		pyfilter__unbind(s->py_bound[i]);
	free(s->py_bound);
	for (int i = 0; s->py_filters && i < s->nr_py_names; i++)
		pyfilter__free(s->py_filters[i]);
	free(s->py_filters);
	free(s->py_filtered);
	functable__free(s->table);
	resolver__free(s->res);
	free(s->armed);
	free(s->seen);
	out_sink__free(&s->out);
	tree__free(s->tree);
	/* After the store: its sink writes to the stream. */
	output__free(s->output);
	/* Last of what sinks read: raised calls' views point at these names. */
	while (s->exc_types) {
		struct exc_type *e = s->exc_types;

		s->exc_types = e->next;
		free(e);
	}
	if (s->out_fd > STDERR_FILENO)
		close(s->out_fd);
	procs__free(s->procs);
	if (s->sigfd >= 0)
		close(s->sigfd);
}

static int list_functions(void)
{
	char err[512] = "";
	int ret = list__print(&(struct wm_list_opts){ .sz = sizeof(struct wm_list_opts),
						      .pid = env.pid,
						      .pattern = env.list,
						      .out = stdout },
			      err, sizeof(err));

	if (ret < 0)
		elog("%s", err[0] ? err : strerror(-ret));
	return ret < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct session s = { .sigfd = -1, .out_fd = -1, .cmd_status = -1 };
	int ret;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return report__main(argc - 1, argv + 1);
	/* Syntax first: a typo needs no privileges to be reported. */
	ret = cli__parse(argc, argv, &env);
	if (ret) {
		if (ret == -ENOMEM)
			elog("out of memory");
		return ret == -EINVAL ? 2 : 1;
	}
	/* Debug info comes from local files only: no network lookups at start-up. */
	unsetenv("DEBUGINFOD_URLS");
	if (env.list)
		return list_functions();
	libbpf_set_print(libbpf_print);
	pthread_mutex_init(&s.syms_lock, NULL);

	ret = session__open(&s);
	if (!ret)
		ret = session__attach(&s);
	if (!ret)
		ret = open_store(&s, argc, argv);
	if (!ret) {
		session__start(&s);
		ret = run_session(&s);
	}
	session__free(&s);
	cli__free(&env);
	return ret;
}
