/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A command started for tracing (-c, --): forked, exec'd under ptrace and
 * held at its entry point, so that probes are in place before its first
 * instruction, then let go as an ordinary child.
 *
 * Why the entry point: right after execve() only the executable and the
 * dynamic loader are mapped; the libraries the program needs are mapped by
 * ld.so later. Held at AT_ENTRY (_start), every library is mapped and the
 * process's /proc/PID/maps resolves -f like a running process's, while none
 * of the program's own code (its constructors, main) has run. What ld.so
 * runs before the entry point (itself, the libraries' constructors) is not
 * traced.
 */
#ifndef WM_LAUNCH_H
#define WM_LAUNCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who the command runs as: set is false to run it as wrapmon runs. */
struct launch_user {
	bool set;
	uid_t uid;
	gid_t gid;
	char name[64]; /* for its groups (initgroups) and USER/LOGNAME */
	char home[PATH_MAX];
};

/*
 * -u NAME (a name or a number) into u: 0, or -ENOENT with err naming the
 * problem. NULL name: the invoking user of sudo (SUDO_UID, SUDO_GID) when
 * wrapmon runs as root under sudo, else u->set stays false.
 */
int launch__find_user(const char *name, struct launch_user *u, char *err, size_t errsz);

struct launch_opts {
	size_t sz;
	const struct launch_user *user; /* NULL or !set: as wrapmon runs */
};

struct wm_launch;

/*
 * Start argv (argv[0] searched in PATH) held at its entry point. err gets
 * one line: the command cannot be run (as execvp() says), or it ended
 * before its entry point (a library ld.so cannot find, a signal); then
 * *status has its wait status, else -1.
 */
int launch__start(char *const *argv, const struct launch_opts *opts, struct wm_launch **out,
		  int *status, char *err, size_t errsz);
pid_t launch__pid(const struct wm_launch *l);
/* Let it run from its entry point; from then on it is an ordinary child. */
int launch__resume(struct wm_launch *l);
/* Reap it (waiting for its end): its wait status, or a negative errno. */
int launch__wait(struct wm_launch *l);
/* A command not reaped yet is killed and reaped. NULL-safe. */
void launch__free(struct wm_launch *l);
/* The exit status a shell gives for a wait status: the code, or 128 + the signal. */
int launch__exit_code(int status);

#endif
