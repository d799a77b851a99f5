/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wrapmon-trace's command line: the options, the -f specs and sizes, all
 * checked before anything needs privileges or is attached.
 */
#ifndef WM_CLI_H
#define WM_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <wordexp.h>
#include "plan/functable.h"
#include "run/launch.h"
#include "util/buf.h"

#define WM_VERSION "0.1"

#define elog(fmt, ...) fprintf(stderr, "wrapmon-trace: " fmt "\n", ##__VA_ARGS__)

/* The CLI environment: what the command line asked for. */
struct cli_env {
	/*
	 * The process functions are resolved in: the first -p, the lowest
	 * --pidof match, or the command started (main() sets it then).
	 */
	pid_t pid;
	pid_t *pids; /* every -p, in order, each once (--pidof is looked up by main()) */
	int nr_pids;
	const char *pidof; /* --pidof / --comm NAME */
	bool follow;	   /* -F: children of traced processes are traced */
	/*
	 * No process named (no -p, --pidof or command): every process that
	 * runs the objects -f names (/path/obj:NAME, LIB:NAME) is traced.
	 */
	bool any_process;
	bool system_wide; /* --system-wide: any_process may name shared libraries */
	bool per_process; /* --per-process: the summary split by process too */
	char **cmd;	  /* the command to start (-c split into words, or after --), else NULL */
	wordexp_t cmd_words;
	bool has_words;
	struct launch_user user; /* -u, else the invoking user under sudo (user.set) */
	struct wm_spec *specs;	 /* each -f, with the --filter / --error that applies to it */
	int nr_specs;
	bool no_out_params; /* do not read pointees again at return */
	bool no_move_entry; /* --no-move-entry: entry probes at the first instruction */
	bool stack;	    /* --stack */
	bool no_sleepable;  /* --no-sleepable (hidden) */
	bool json;
	bool tree;	  /* --tree: entry order by depth (sinks/tree.h) */
	const char *list; /* -l PATTERN: list the functions (plan/list.h) and exit */
	bool utc;
	bool no_multi;
	const char *output; /* -o: calls and summary go here instead of stdout */
	mode_t file_mode;   /* for files wrapmon creates; 0: WM_FILE_MODE */
	bool summary_only;  /* count in BPF, no per-call records */
	bool hist;	    /* log2 latency histograms after the summary */
	double interval;    /* seconds between interval summaries; 0: none */
	int verbose;
	long string_size;
	long ring_size;
	long py_ring_size; /* Python's ring: --ring-size, or 4M even with --summary-only */
	double duration;
	const char *store;
	long store_queue;
	const char *metrics; /* --metrics ADDR:PORT as given */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
};

/*
 * Parse the tracing command line (main() hands "report" to report__main()
 * first) into env: 0, -EINVAL after one line on stderr naming the problem
 * (bad usage: exit 2), or -ENOMEM. As usual with argp, a bad option,
 * --help and --version end the process there.
 */
int cli__parse(int argc, char **argv, struct cli_env *env);
void cli__free(struct cli_env *env);

/* The command line as a shell would take it back, for the sessions table. */
void cli__quote_args(struct wm_buf *b, int argc, char **argv);

#endif
