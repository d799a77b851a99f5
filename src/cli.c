// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "sinks/metrics.h"
#include "sinks/outfile.h"
#include "types/proto.h"
#include "util/escape.h"
#include "util/usage.h"
#include "wrapmon.h"

#define MAX_SPECS 256
/* -p processes at most: beyond that, --pidof or --follow. */
#define MAX_PIDS 4096

const char *argp_program_version = "wrapmon-trace " WM_VERSION;

/* Every example is one whole line, to be pasted as it is. */
static const char doc[] =
	"Trace every call of functions in running processes, or in a command it starts, with typed "
	"arguments, result and latency.\n"
	"\v"
	"FUNC is NAME, a shell pattern (e.g. 'sqlite3_*'), LIB:NAME (e.g. libc:strlen),\n"
	"/path/to/obj:NAME, or a C prototype, optionally after LIB:, e.g.\n"
	"'int search(const char *pat, const char *s)'. In a CPython 3.10-3.13 process,\n"
	"MODULE.QUALNAME names a Python function (re.search, 'app.handlers.*');\n"
	"py:NAME means Python where a native symbol has the same name.\n\n"
	"A command (-c or after --) starts held at its entry point, so its first call\n"
	"is seen; its standard input and output stay its own, and the calls go to\n"
	"standard error (or -o). Ctrl-C reaches the command as from a shell; the trace\n"
	"ends when it exits, and wrapmon-trace exits with its status. Under sudo it\n"
	"runs as the invoking user (SUDO_UID, SUDO_GID and that user's groups), or as\n"
	"-u USER.\n\n"
	"Without -p, --pidof or a command, each -f names an object\n"
	"(/path/to/obj:NAME, or LIB:NAME found as the dynamic loader finds it), and\n"
	"every process that runs it, now or started later, is traced until Ctrl-C\n"
	"or -d; calls show each pid and command name. A shared library (libc, ...)\n"
	"needs --system-wide: every process calling it then pays for the probe.\n\n"
	"Calls kept with --store are read back with\n"
	"  wrapmon-trace report FILE [OPTIONS]\n"
	"('wrapmon-trace report --help' lists its options).\n\n"
	"Examples:\n"
	"  wrapmon-trace -p 4242 -f search\n"
	"  wrapmon-trace -p 4242 -f re.search -f 'app.handlers.*'\n"
	"  wrapmon-trace -p 4242,4243 --follow -f search\n"
	"  wrapmon-trace --pidof nginx -f 'ngx_http_*'\n"
	"  sudo wrapmon-trace -f sqlite3_prepare_v2 -- sqlite3 :memory: 'select 1'\n"
	"  wrapmon-trace -f /usr/sbin/nginx:ngx_http_process_request_line --per-process\n"
	"  wrapmon-trace --system-wide -f libsqlite3:sqlite3_prepare_v2 -d 10\n"
	"  wrapmon-trace -p 4242 -f 'int sqlite3_open(const char *path, void **db)'\n"
	"  wrapmon-trace -p 4242 -f search -f libc:strlen --json > calls.ndjson\n"
	"  wrapmon-trace -p 4242 -f search --store calls.db\n"
	"  wrapmon-trace report calls.db\n"
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
	OPT_USAGE,
	OPT_RETURNS,
	OPT_ENTRY_ONLY,
	OPT_PIDOF,
	OPT_NO_MOVE_ENTRY,
	OPT_SYSTEM_WIDE,
	OPT_PER_PROCESS,
	OPT_TREE,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Process to trace (repeatable, or PID,PID,...)", 0 },
	{ "pidof", OPT_PIDOF, "NAME", 0,
	  "Trace every process whose command name (comm) is NAME, at the start", 0 },
	{ "comm", OPT_PIDOF, "NAME", OPTION_ALIAS, NULL, 0 },
	{ "follow", 'F', NULL, 0,
	  "Also trace the processes they fork, from the moment they exist (then every process "
	  "that maps a traced file takes its breakpoints, and BPF keeps the traced ones' calls)",
	  0 },
	{ "system-wide", OPT_SYSTEM_WIDE, NULL, 0,
	  "Without -p or a command, allow -f on a shared library (LIB:NAME, e.g. libc:write): "
	  "every process on the system that calls it is traced and pays for it, about 2 us a "
	  "call on an idle machine and up to 8 us on a loaded one (a breakpoint, the return "
	  "trampoline, the BPF program, a record), against nanoseconds for a small function",
	  0 },
	{ "per-process", OPT_PER_PROCESS, NULL, 0,
	  "Split the summary by process as well (pid and command name)", 0 },
	{ "command", 'c', "CMD", 0,
	  "Start CMD (split into words as a shell would, no pipes) and trace it; the same as "
	  "'-- CMD ARGS...'",
	  0 },
	{ "user", 'u', "USER", 0, "Run the command as USER (default under sudo: the invoking user)",
	  0 },
	{ "function", 'f', "FUNC", 0, "Function to trace (repeatable); see below", 0 },
	{ "list", 'l', "PATTERN", 0,
	  "List the functions -f PATTERN would trace, with their types and where these come "
	  "from (dwarf, protodb, none), and exit; without -p, PATTERN names its object "
	  "(LIB:PATTERN, /path:PATTERN)",
	  0 },
	{ "json", OPT_JSON, NULL, 0,
	  "One JSON object per call (on stdout, or stderr with a command)", 0 },
	{ "tree", OPT_TREE, NULL, 0,
	  "Calls in entry order, indented by depth per thread (held until the outermost returns, "
	  "at most 1 s); with --json: \"id\" and \"parent\" in each object",
	  0 },
	{ "string-size", OPT_STRSZ, "BYTES", 0, "Bytes of each string to copy (1-1024, default 64)",
	  0 },
	{ "ring-size", OPT_RING, "SIZE", 0,
	  "BPF ring buffer size, e.g. 512K, 16M (default 4M; 256K for native calls with "
	  "--summary-only)",
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
	{ "returns", OPT_RETURNS, "MODE", 0,
	  "How calls' ends are caught: auto (default: return sites where exceptions, coroutines "
	  "or Go would trip on the trampoline), trampoline (a uretprobe), sites (uprobes on the "
	  "return instructions), none (entries only); placed like --filter",
	  0 },
	{ "entry-only", OPT_ENTRY_ONLY, NULL, 0,
	  "--returns=none: one record per entry, with the arguments, no result or latency", 0 },
	{ "no-move-entry", OPT_NO_MOVE_ENTRY, NULL, 0,
	  "Keep each entry probe on the function's first instruction (past endbr64), even where "
	  "the kernel single-steps it",
	  0 },
	{ "no-out-params", OPT_NO_OUT, NULL, 0,
	  "Do not read non-const pointer arguments again at return", 0 },
	{ "stack", OPT_STACK, NULL, 0, "Show the user stack of each call (frame pointers)", 0 },
	{ "no-multi", OPT_NO_MULTI, NULL, OPTION_HIDDEN, "Attach one link per function", 0 },
	{ "no-sleepable", OPT_NO_SLEEPABLE, NULL, OPTION_HIDDEN,
	  "Do not use sleepable probes (strings on pages not yet touched read as unreadable)", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose output (libbpf messages)", 0 },
	/*
	 * argp's own --help/--usage/--version, made ours: its errors are off
	 * (ARGP_NO_ERRS, they echo the argument raw over two lines), which
	 * would mute its help too.
	 */
	{ "help", '?', NULL, 0, "Give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ "version", 'V', NULL, 0, "Print program version", -1 },
	{},
};

/* The -f arguments as given, and which --filter / --error goes with each. */
struct args {
	struct cli_env *env;
	const char *cmd_text; /* -c */
	const char *user;     /* -u */
	const char *specs[MAX_SPECS];
	/* --filter / --error after a -f: that -f's; before any: every function's. */
	const char *spec_filter[MAX_SPECS];
	const char *spec_error[MAX_SPECS];
	const char *all_filter;
	const char *all_error;
	/* --returns, placed the same way; 0: not given. */
	int spec_returns[MAX_SPECS];
	int all_returns;
	int nr_specs;
};

/* Bad usage: one line naming the problem and the fix, exit 2; nothing is attached yet. */
#define usage_error(fmt, ...)             \
	do {                              \
		elog(fmt, ##__VA_ARGS__); \
		exit(2);                  \
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
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A whole number in [min, max], or -EINVAL. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* --filter or --error: for the -f just given, or for all when none was. */
static void set_expr(struct args *a, int key, char *arg)
{
	bool filter = key == OPT_FILTER;
	const char **slot;

	if (a->nr_specs)
		slot = filter ? &a->spec_filter[a->nr_specs - 1] : &a->spec_error[a->nr_specs - 1];
	else
		slot = filter ? &a->all_filter : &a->all_error;
	if (*slot)
		usage_error("two --%s expressions for the same functions: join them with && or ||",
			    filter ? "filter" : "error");
	*slot = arg;
}

/* --returns MODE (or --entry-only, arg NULL): for the -f just given, or for all. */
static void set_returns(struct args *a, const char *arg)
{
	static const char *const names[] = { "auto", "trampoline", "sites", "none" };
	int mode = -1, *slot;

	if (!arg)
		mode = WM_RETURNS_NONE;
	for (int i = 0; arg && i < 4; i++)
		if (!strcmp(arg, names[i]))
			mode = i;
	if (mode < 0)
		usage_error("bad --returns '%s': auto, trampoline, sites or none", ESC(arg));
	slot = a->nr_specs ? &a->spec_returns[a->nr_specs - 1] : &a->all_returns;
	if (*slot)
		usage_error("two --returns (or --entry-only) for the same functions");
	/* Stored + 1: 0 is "not given". */
	*slot = mode + 1;
}

/* The options that take a number or a size. */
static void parse_number(struct cli_env *env, int key, char *arg)
{
	char *end;
	long v;

	switch (key) {
	case OPT_STRSZ:
		if (parse_long(arg, 1, WM_STR_MAX, &env->string_size))
			usage_error("--string-size %s is out of range: use 1 to %d", ESC(arg),
				    WM_STR_MAX);
		break;
	case OPT_RING:
		if (parse_size(arg, &v) || v < 4096 || v > (1L << 30))
			usage_error("--ring-size %s is out of range: use 4K to 1G, e.g. 16M",
				    ESC(arg));
		/* The kernel wants a power of two. */
		while (v & (v - 1))
			v += v & -v;
		env->ring_size = v;
		break;
	case 'd':
		env->duration = strtod(arg, &end);
		if (*end || !(env->duration > 0))
			usage_error("invalid duration '%s': give seconds, e.g. -d 5", ESC(arg));
		break;
	case OPT_INTERVAL:
		env->interval = strtod(arg, &end);
		if (*end || !(env->interval >= 0.1) || env->interval > 86400)
			usage_error("invalid --interval '%s': give seconds from 0.1 to 86400, e.g. "
				    "--interval 5",
				    ESC(arg));
		break;
	case OPT_STORE_QUEUE:
		if (parse_long(arg, 1, LONG_MAX, &env->store_queue))
			usage_error("--store-queue %s: give a number of calls", ESC(arg));
		break;
	}
}

/* The options that take a word: a file, a mode, an address. */
static void parse_word(struct cli_env *env, int key, char *arg)
{
	char msg[256];

	switch (key) {
	case 'o':
		env->output = arg;
		break;
	case OPT_STORE:
		env->store = arg;
		break;
	case OPT_FILE_MODE:
		if (outfile__parse_mode(arg, &env->file_mode) || !(env->file_mode & 0200))
			usage_error("invalid --file-mode '%s': give an octal mode the owner can "
				    "write, e.g. 0640",
				    ESC(arg));
		break;
	case OPT_METRICS:
		if (metrics__parse_addr(arg, &env->metrics_addr, &env->metrics_addr_len, msg,
					sizeof(msg)))
			usage_error("%s", msg);
		env->metrics = arg;
		break;
	}
}

/* -p PID[,PID...]: added in order, each once. */
static void add_pids(struct cli_env *env, char *arg)
{
	char *rest = arg, *tok;
	long v;
	int i;

	/* An empty one ("-p $A,$B" with B unset) is an error, not one process fewer. */
	while ((tok = strsep(&rest, ","))) {
		if (!*tok)
			usage_error("-p with an empty PID (a leading, trailing or doubled comma): "
				    "give process ids as 4242,4243");
		if (parse_long(tok, 1, INT_MAX, &v))
			usage_error("invalid PID '%s': give a process id such as 4242, or several "
				    "as 4242,4243",
				    ESC(tok));
		for (i = 0; i < env->nr_pids && env->pids[i] != v; i++)
			;
		if (i < env->nr_pids)
			continue;
		if (env->nr_pids >= MAX_PIDS)
			usage_error("too many -p processes (max %d): use --pidof NAME", MAX_PIDS);
		if (!env->pids) {
			env->pids = calloc(MAX_PIDS, sizeof(*env->pids));
			if (!env->pids)
				usage_error("out of memory");
		}
		env->pids[env->nr_pids++] = v;
	}
}

/* -c's words, as a shell would split them; no command substitution. */
static void split_command(struct cli_env *env, const char *text)
{
	int ret = wordexp(text, &env->cmd_words, WRDE_NOCMD);

	if (ret == WRDE_NOSPACE)
		usage_error("out of memory");
	if (ret)
		usage_error(
			"cannot split -c '%s' into words (%s): for pipes, redirections or $(...), "
			"use -- sh -c '...'",
			ESC(text),
			ret == WRDE_BADCHAR ? "a | & ; < > ( ) { } or newline" :
			ret == WRDE_CMDSUB  ? "a command substitution" :
					      "bad quoting");
	env->has_words = true;
	if (!env->cmd_words.we_wordc)
		usage_error("-c '%s' names no command: e.g. -c 'sqlite3 :memory: \"select 1\"'",
			    ESC(text));
	env->cmd = env->cmd_words.we_wordv;
}

/* --list: one process at most, nothing to trace. */
static void check_list(struct args *a)
{
	struct cli_env *env = a->env;

	if (a->nr_specs || a->cmd_text || env->cmd || env->pidof || env->nr_pids > 1)
		usage_error("--list looks into one process (-p PID) or one object: without -f, "
			    "--pidof, a command or more -p");
	if (env->nr_pids)
		env->pid = env->pids[0];
}

/* What is traced, once every option is in: one process source, and what goes with it. */
static void check_targets(struct args *a)
{
	struct cli_env *env = a->env;
	char err[256];

	if (a->cmd_text && env->cmd)
		usage_error("two commands: give -c 'CMD ARGS' or -- CMD ARGS, not both");
	if ((env->nr_pids || env->pidof) && (a->cmd_text || env->cmd))
		usage_error("-p/--pidof and a command together: trace running processes or start "
			    "one, not both");
	if (env->follow && !env->nr_pids && !env->pidof && !a->cmd_text && !env->cmd)
		usage_error("--follow needs processes to follow: add -p PID, --pidof NAME or a "
			    "command (-c CMD, or -- CMD ARGS)");
	/* No process: the objects each -f names are traced in every process (main checks them). */
	env->any_process = !env->nr_pids && !env->pidof && !a->cmd_text && !env->cmd;
	if (env->system_wide && !env->any_process)
		usage_error("--system-wide is for tracing objects in every process: drop it with "
			    "-p, --pidof or a command");
	if (env->per_process && env->summary_only)
		usage_error("--per-process splits the calls wrapmon reads, and --summary-only "
			    "reads none: drop one of them");
	if (a->user && !a->cmd_text && !env->cmd)
		usage_error("-u USER is who a started command runs as: give the command too "
			    "(-c CMD, or -- CMD ARGS)");
	if (a->cmd_text)
		split_command(env, a->cmd_text);
	if (env->nr_pids)
		env->pid = env->pids[0];
	if ((a->cmd_text || env->cmd) && launch__find_user(a->user, &env->user, err, sizeof(err)))
		usage_error("%s", err);
}

/* The switch an option sets, NULL when it is none. */
static bool *flag_of(struct cli_env *env, int key)
{
	switch (key) {
	case OPT_NO_OUT:
		return &env->no_out_params;
	case OPT_NO_MOVE_ENTRY:
		return &env->no_move_entry;
	case OPT_STACK:
		return &env->stack;
	case OPT_NO_SLEEPABLE:
		return &env->no_sleepable;
	case OPT_JSON:
		return &env->json;
	case OPT_TREE:
		return &env->tree;
	case OPT_UTC:
		return &env->utc;
	case OPT_SUMMARY_ONLY:
		return &env->summary_only;
	case OPT_HIST:
		return &env->hist;
	case OPT_NO_MULTI:
		return &env->no_multi;
	case 'F':
		return &env->follow;
	case OPT_SYSTEM_WIDE:
		return &env->system_wide;
	case OPT_PER_PROCESS:
		return &env->per_process;
	}
	return NULL;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char msg[256];
	bool *flag;

	switch (key) {
	case 'f':
		if (a->nr_specs >= MAX_SPECS)
			usage_error("too many -f options (max %d): use a pattern", MAX_SPECS);
		a->specs[a->nr_specs++] = arg;
		break;
	case OPT_RETURNS:
		set_returns(a, arg);
		break;
	case OPT_ENTRY_ONLY:
		set_returns(a, NULL);
		break;
	case OPT_FILTER:
	case OPT_ERROR:
		set_expr(a, key, arg);
		break;
	case 'p':
		add_pids(a->env, arg);
		break;
	case OPT_PIDOF:
		if (a->env->pidof)
			usage_error("two --pidof names: give one, and -p for more processes");
		if (!*arg || strchr(arg, '/'))
			usage_error(
				"invalid --pidof '%s': give a command name as ps -o comm shows it",
				ESC(arg));
		a->env->pidof = arg;
		break;
	case 'l':
		if (a->env->list)
			usage_error("two --list patterns: give one");
		a->env->list = arg;
		break;
	case 'c':
		if (a->cmd_text)
			usage_error("two -c commands: give one");
		a->cmd_text = arg;
		break;
	case 'u':
		a->user = arg;
		break;
	case OPT_STRSZ:
	case OPT_RING:
	case 'd':
	case OPT_INTERVAL:
	case OPT_STORE_QUEUE:
		parse_number(a->env, key, arg);
		break;
	case 'o':
	case OPT_STORE:
	case OPT_FILE_MODE:
	case OPT_METRICS:
		parse_word(a->env, key, arg);
		break;
	case ARGP_KEY_ARG:
		/*
		 * Right after "--" (ARGP_IN_ORDER: argv is not reordered, and
		 * state->next is past arg): the command and its arguments.
		 */
		if (state->next < 2 || strcmp(state->argv[state->next - 2], "--"))
			usage_error("unexpected argument '%s': functions go after -f, a command "
				    "after --",
				    ESC(arg));
		a->env->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		/* "--" last: a command was meant, and none came (not "no process given"). */
		if (!a->env->cmd && state->argc > 1 && !strcmp(state->argv[state->argc - 1], "--"))
			usage_error("'--' is followed by no command: give it after '--', e.g. "
				    "-- sqlite3 :memory: 'select 1'");
		if (a->env->list) {
			check_list(a);
			break;
		}
		check_targets(a);
		if (!a->nr_specs && a->env->any_process)
			usage_error(
				"nothing to trace: give processes (-p PID, --pidof NAME, -- CMD) "
				"and -f NAME, or -f /path/to/obj:NAME alone for every process "
				"running it");
		if (!a->nr_specs)
			usage_error("no function given: add -f NAME (e.g. -f search)");
		break;
	case 'v':
		a->env->verbose++;
		break;
	case '?':
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, "wrapmon-trace");
		exit(0);
	case OPT_USAGE:
		argp_help(state->root_argp, stdout, ARGP_HELP_USAGE, "wrapmon-trace");
		exit(0);
	case 'V':
		printf("%s\n", argp_program_version);
		exit(0);
	case ARGP_KEY_ERROR:
		if (!usage__refused(opts, state->argc, state->argv, msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "bad usage");
		usage_error("%s: see 'wrapmon-trace --help'", msg);
		break;
	default:
		flag = flag_of(a->env, key);
		if (!flag)
			return ARGP_ERR_UNKNOWN;
		*flag = true;
	}
	return 0;
}

/*
 * "gl(int)", "max<int>(int, int)", "operator<<(Vec, int)": a C++ name with
 * its parameter list, not a C prototype, which starts with a return type.
 */
static bool cxx_with_params(const char *body)
{
	size_t n = strcspn(body, "("), i = strspn(body, " \t");

	while (n > i && isspace((unsigned char)body[n - 1]))
		n--;
	if (memchr(body, '<', n) || memmem(body, n, "operator", 8))
		return true;
	for (; i < n; i++)
		if (isspace((unsigned char)body[i]) || body[i] == '*' || body[i] == '&')
			return false;
	return true;
}

/* One -f argument split into its object selector, name or pattern, and prototype. */
static int parse_spec(const char *text, struct wm_spec *sp)
{
	const char *colon = NULL, *body = text;
	char msg[256];
	size_t plen = 0;
	int col = 0;

	memset(sp, 0, sizeof(*sp));
	/* An object prefix ends at the first ':' that is not C++'s '::', before any '(' or blank. */
	for (const char *p = text; *p && *p != '(' && *p != ' ' && *p != '\t'; p++) {
		/* "lib:::f": the object, then a name anchored at the global scope. */
		if (*p == ':' && p[1] == ':' && p[2] != ':') {
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
	/*
	 * C++ names ("ns::Widget::draw(int)") and Go names, which have a dot
	 * before any parenthesis ("main.(*T).M", "net/http.(*Server).Serve"),
	 * are selectors, not C prototypes.
	 */
	if (!proto__is_prototype(body) || strstr(body, "::") || cxx_with_params(body) ||
	    memchr(body, '.', strcspn(body, "("))) {
		/* "py:" is no library: its example is a Python name. */
		if (!*body && plen == 2 && !strncmp(text, "py", 2)) {
			elog("-f '%s' names no function: write py:MODULE.NAME, e.g. py:re.search",
			     ESC(text));
			return -EINVAL;
		}
		if (!*body) {
			elog("-f '%s' names no function: write LIB:NAME, e.g. libc:strlen",
			     ESC(text));
			return -EINVAL;
		}
		snprintf(sp->selector, sizeof(sp->selector), "%s", text);
		return 0;
	}
	if (proto__parse(body, &sp->sig, &col, msg, sizeof(msg))) {
		elog("malformed prototype at column %d of -f '%s': %s", (int)(col + (body - text)),
		     ESC(text), msg);
		return -EINVAL;
	}
	sp->has_proto = true;
	snprintf(sp->selector, sizeof(sp->selector), "%.*s%s%s", (int)plen, text, colon ? ":" : "",
		 sig__name(&sp->sig));
	return 0;
}

int cli__parse(int argc, char **argv, struct cli_env *env)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .args_doc = "[-- CMD [ARGS...]]", .doc = doc
	};
	struct args *a;
	int ret = 0;

	*env = (struct cli_env){ .string_size = 64 };
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->env = env;
	if (argp_parse(&argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_HELP | ARGP_IN_ORDER, NULL, a)) {
		ret = -EINVAL;
		goto cleanup;
	}
	/*
	 * --summary-only sends no native calls through the ring, only execs
	 * and the like: a small one, since all of it is mapped (twice) and
	 * counts in the tracer's memory. Python calls still go through theirs
	 * (their latency, their filter), and so do the calls of functions not
	 * yet decided: a burst of them while the consumer waits for a CPU
	 * would overflow 256K, so that ring keeps the full size.
	 */
	env->py_ring_size = env->ring_size ? env->ring_size : 4 << 20;
	if (!env->ring_size)
		env->ring_size = env->summary_only ? 256 << 10 : 4 << 20;
	env->specs = calloc(a->nr_specs, sizeof(*env->specs));
	if (!env->specs) {
		ret = -ENOMEM;
		goto cleanup;
	}
	env->nr_specs = a->nr_specs;
	for (int i = 0; i < a->nr_specs && !ret; i++) {
		ret = parse_spec(a->specs[i], &env->specs[i]);
		env->specs[i].filter = a->spec_filter[i] ? a->spec_filter[i] : a->all_filter;
		env->specs[i].error = a->spec_error[i] ? a->spec_error[i] : a->all_error;
		env->specs[i].returns = a->spec_returns[i] ? a->spec_returns[i] - 1 :
					a->all_returns	   ? a->all_returns - 1 :
							     WM_RETURNS_AUTO;
	}
cleanup:
	free(a);
	return ret;
}

void cli__free(struct cli_env *env)
{
	if (env->has_words)
		wordfree(&env->cmd_words);
	env->has_words = false;
	env->cmd = NULL;
	free(env->pids);
	env->pids = NULL;
	env->nr_pids = 0;
	for (int i = 0; env->specs && i < env->nr_specs; i++)
		sig__free(&env->specs[i].sig);
	free(env->specs);
	env->specs = NULL;
	env->nr_specs = 0;
}

void cli__quote_args(struct wm_buf *b, int argc, char **argv)
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
