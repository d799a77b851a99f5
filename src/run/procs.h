/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The processes a session traces: given (-p, --pidof) or started (-c, --),
 * watched until they end; and the look-ups that need: processes by name,
 * whether a process maps a file.
 */
#ifndef WM_PROCS_H
#define WM_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include "run/launch.h"

struct procs_opts {
	size_t sz;
	const pid_t *pids; /* -p, in order, each once */
	int nr_pids;
	const char *comm;		/* --pidof: every process with this comm, added after */
	char *const *cmd;		/* a command to start (then no pids, no comm); NULL: none */
	const struct launch_user *user; /* who the command runs as */
};

/*
 * No processes (objects traced in every process) is NULL: then nothing is
 * watched, nothing ends, none is gone, and there is no command.
 */
struct wm_procs;

/*
 * The processes, the first being where functions are resolved: a command
 * is started and held at its entry point (launch.h). 0, or a negative
 * errno with err naming the problem and *exit_code the status to exit
 * with: 1, or a command's own when it ended before its entry point.
 */
int procs__open(const struct procs_opts *opts, struct wm_procs **out, int *exit_code, char *err,
		size_t errsz);
void procs__free(struct wm_procs *p);
/* The processes given, first the one functions are resolved in; never changes. */
int procs__pids(const struct wm_procs *p, const pid_t **pids);
/* Whether the processes are one command started by procs__open(). */
bool procs__is_command(const struct wm_procs *p);
/* Each process after the first checked as the resolver checks one: 0, or err says why. */
int procs__check(const struct wm_procs *p, char *err, size_t errsz);
/* How many processes do not map the file dev:ino, and the first of them in *first. */
int procs__unmapped(const struct wm_procs *p, dev_t dev, ino_t ino, pid_t *first);

/* Open a pidfd on each, so that their ends wake an epoll loop. */
void procs__watch(struct wm_procs *p);
/* Their pidfds into ep, with data base + the process's index. */
void procs__epoll_add(const struct wm_procs *p, int ep, unsigned int base);
/* Event data from procs__epoll_add(): that process has ended; out of ep. */
void procs__on_event(struct wm_procs *p, int ep, unsigned int idx);
/* Whether process idx has exited (a zombie has: it runs no more code). */
bool procs__gone(struct wm_procs *p, int idx);
/* Whether every one has. */
bool procs__all_gone(struct wm_procs *p);

/*
 * A signal wrapmon got, passed on to the command, unless the command has
 * it already: from the kernel (the terminal signals the whole foreground
 * group) or from a process in our own process group.
 */
void procs__forward(const struct wm_procs *p, const struct signalfd_siginfo *si);
/* Let the held command run. */
int procs__resume(struct wm_procs *p);
/* Reap the command once procs__gone(p, 0): its wait status, or a negative errno. */
int procs__reap(struct wm_procs *p);

/*
 * Every process whose comm is name (compared as the kernel keeps it, cut to
 * 15 bytes), in ascending pid order, except self: the count (0: none), or a
 * negative errno. *pids is malloc'ed.
 */
int procs__by_comm(const char *name, pid_t self, pid_t **pids);
/* Whether pid maps the file dev:ino (false as well when its maps are unreadable). */
bool procs__maps_file(pid_t pid, dev_t dev, ino_t ino);

#endif
