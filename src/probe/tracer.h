/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The BPF side's lifecycle: open, size, load, attach, read counters, free. */
#ifndef WM_TRACER_H
#define WM_TRACER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "wrapmon.h"
#include "wm_python.h"

struct wm_probe {
	__u32 func_id; /* cookie: index into the function table */
	int obj_fd;    /* open fd of the object (attached via /proc/self/fd/N) */
	unsigned long file_off;
	struct wm_func_cfg cfg;
	__u32 data_max;		      /* slot bytes its records may carry (wm_plan.data_max) */
	const struct wm_expr *filter; /* --filter, NULL: none */
	const struct wm_expr *error;  /* --error, NULL: none */
	/* How its calls end (cfg.ret_mode): a return probe, return sites, or nothing. */
	/* WM_RET_SITES: the file offsets of its return sites, and their cookies. */
	const unsigned long *site_offs;
	const __u64 *site_cookies;
	int nr_sites;
};

/*
 * A probe of the C++ runtime (__cxa_throw, ...) on the return-site program:
 * cookie is WM_SITE_COOKIE(0, WM_CK_CXA_..., 0, 0, 0).
 */
struct wm_hook {
	int obj_fd;
	unsigned long file_off;
	__u64 cookie;
};

/* Room for the children --follow adds; each leaves the map when it exits. */
#define WM_FOLLOW_MAX 32768

struct tracer_opts {
	size_t sz;
	pid_t pid;
	__u32 str_cap;	   /* --string-size */
	size_t ring_size;  /* bytes, power of two */
	bool no_multi;	   /* force one link per function (the fallback path) */
	bool summary_only; /* aggregate in BPF (tracer__func_agg), send no call records */
	bool no_sleepable; /* do not try the sleepable programs */
	/* Attached before the functions, only with return sites; NULL: none. */
	const struct wm_hook *hooks;
	int nr_hooks;
	/*
	 * Several processes (pid first among them): filtered in BPF by a map of
	 * their tgids, with one link set per process; follow: their children
	 * join the map at fork, and the probes are on every process that maps
	 * the objects (pid -1), the map deciding. NULL or one pid without
	 * follow: pid alone, filtered by the kernel.
	 */
	const pid_t *pids;
	int nr_pids;
	bool follow;
	/*
	 * glibc's errno from the thread pointer (errnoloc__tp_off()), read at
	 * the returns cfg.errno_ret asks for; 0: unknown, errno not read.
	 */
	long errno_tp_off;
	/* The interpreter's layout, for WM_CAP_PYOBJ captures; NULL: none. */
	const struct wm_py_layout *py_layout;
	/*
	 * No process named: the probes are on the objects, so every process
	 * that maps one is traced (but wrapmon), its records with its comm.
	 * pid and pids are unused.
	 */
	bool any_process;
};

struct tracer;

/* Where tracer__new()'s time went (ns), for -v. */
struct tracer_phases {
	__u64 probe_ns;	      /* asking the kernel for uprobe_multi */
	__u64 open_ns;	      /* opening and sizing the skeleton */
	__u64 load_ns;	      /* libbpf's load: kernel BTF, relocations, maps, the verifier */
	__u64 load_cpu_ns;    /* ... of it on our CPU (the rest: waiting for one) */
	__u64 config_ns;      /* filling the maps of functions and processes */
	__u64 tp_ns;	      /* attaching the exit, exec and fork tracepoints */
	__u64 attach_ns;      /* attaching the probes */
	__u64 detach_ns;      /* tracer__detach(): taking them out */
	__u64 core_ns;	      /* finding or making the kernel's types for CO-RE (corebtf.h) */
	int core_err;	      /* ... its error: libbpf read all of the kernel's BTF instead */
	bool core_made;	      /* made from the kernel's BTF now, not found in the cache */
	bool core_cached;     /* made now and written to the cache */
	char core_file[320];  /* its cache file, or "" */
	int core_types;	      /* types in it */
	int nr_progs;	      /* programs loaded */
	__u64 verified_insns; /* instructions the verifier walked, over them all */
};

/*
 * Load the BPF programs and attach entry and return probes to every probe
 * (a uretprobe, return-site uprobes, or none, as its cfg.ret_mode says).
 * Nothing stays attached on failure. err gets one line naming the fix.
 */
int tracer__new(const struct tracer_opts *opts, const struct wm_probe *probes, int nr_probes,
		struct tracer **out, char *err, size_t errsz);
void tracer__free(struct tracer *t);
int tracer__ringbuf_fd(const struct tracer *t);
bool tracer__multi(const struct tracer *t);
/* How long making the probes' links took (after loading): what more processes may cost. */
__u64 tracer__probes_ns(const struct tracer *t);
/* Whether the sleepable programs (which may fault pages in) are the ones attached. */
bool tracer__sleepable(const struct tracer *t);
void tracer__phases(const struct tracer *t, struct tracer_phases *ph);
struct bpf_object;
/* The programs obj loaded and the instructions the verifier walked, added to ph's. */
void tracer__count_verified(const struct bpf_object *obj, struct tracer_phases *ph);
/* Sum of the per-CPU counters of one function. */
int tracer__func_stats(const struct tracer *t, __u32 func_id, struct wm_func_stats *sum);
/*
 * Functions the kernel refused a probe on (e.g. a first instruction uprobes
 * cannot handle), left out so that the others could attach.
 */
int tracer__skipped(const struct tracer *t, const __u32 **ids);
/* --summary-only: the per-CPU aggregates of one function, summed. */
int tracer__func_agg(const struct tracer *t, __u32 func_id, struct wm_func_agg *sum);
/* --follow: children left untraced because the map of traced processes was full. */
__u64 tracer__unfollowed(const struct tracer *t);
/* Per-thread BPF states made so far, and freed with their threads. */
void tracer__tstates(const struct tracer *t, __u64 *created, __u64 *freed);
/*
 * Whether the target's last thread has exited since the BPF programs were
 * attached; if so, its wait status (as waitpid() gives it) in *status.
 */
bool tracer__target_exit(const struct tracer *t, int *status);
/* Whether the target exited after every probe was attached (a whole trace), not during it. */
bool tracer__exited_after_attach(const struct tracer *t);
/*
 * Take every probe out of the target; the ring and the maps stay readable,
 * for the records and figures already made.
 */
void tracer__detach(struct tracer *t);
/* Whether this kernel has uprobe_multi links (probed through its BTF). */
bool tracer__kernel_has_uprobe_multi(void);

#endif
