// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "run/procs.h"
#include "target/resolve.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/opts.h"

struct wm_procs {
	pid_t *pids;
	int *pidfds; /* -1: none (not watched, or closed once gone) */
	bool *gone;
	int nr;
	struct wm_launch *cmd; /* the command started, else NULL */
};

/* TASK_COMM_LEN - 1: what the kernel keeps of a command name. */
#define COMM_MAX 15

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static bool comm_is(pid_t pid, const char *name)
{
	char path[64], comm[COMM_MAX + 2] = "";
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strncmp(comm, name, COMM_MAX) && strlen(comm) == strnlen(name, COMM_MAX);
}

int procs__by_comm(const char *name, pid_t self, pid_t **pids)
{
	int nr = 0, cap = 0, ret = 0;
	struct dirent *de;
	DIR *d;

	*pids = NULL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == self || !comm_is(pid, name))
			continue;
		if (grow__array_int(pids, &cap, nr + 1, sizeof(**pids))) {
			ret = -ENOMEM;
			break;
		}
		(*pids)[nr++] = pid;
	}
	closedir(d);
	if (ret) {
		free(*pids);
		*pids = NULL;
		return ret;
	}
	if (nr)
		qsort(*pids, nr, sizeof(**pids), cmp_pid);
	return nr;
}

bool procs__maps_file(pid_t pid, dev_t dev, ino_t ino)
{
	unsigned int maj, min;
	unsigned long long inode;
	char path[64], *line = NULL;
	bool found = false;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* "start-end perms offset maj:min inode path" */
	while (!found && getline(&line, &cap, f) > 0)
		found = sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &inode) == 3 &&
			inode == ino && makedev(maj, min) == dev;
	free(line);
	fclose(f);
	return found;
}

/* -p's pids, then --pidof's not among them. */
static int add_given(struct wm_procs *p, const struct procs_opts *o, char *err, size_t errsz)
{
	pid_t *found = NULL;
	int n = 0;

	if (o->comm) {
		n = procs__by_comm(o->comm, getpid(), &found);
		if (n < 0) {
			snprintf(err, errsz, "cannot list the processes in /proc (%s)",
				 strerror(-n));
			return n;
		}
		if (!n) {
			snprintf(err, errsz, "no process named '%s' is running: see pgrep -x '%s'",
				 ESC(o->comm), ESC(o->comm));
			return -ESRCH;
		}
	}
	p->pids = calloc(o->nr_pids + n + 1, sizeof(*p->pids));
	if (!p->pids) {
		free(found);
		return -ENOMEM;
	}
	for (int i = 0; i < o->nr_pids; i++)
		p->pids[p->nr++] = o->pids[i];
	for (int i = 0; i < n; i++) {
		int k = 0;

		while (k < o->nr_pids && o->pids[k] != found[i])
			k++;
		if (k == o->nr_pids)
			p->pids[p->nr++] = found[i];
	}
	free(found);
	return 0;
}

int procs__open(const struct procs_opts *opts, struct wm_procs **out, int *exit_code, char *err,
		size_t errsz)
{
	struct launch_opts lo = { .sz = sizeof(lo) };
	struct wm_procs *p;
	int ret, status;

	*out = NULL;
	*exit_code = 1;
	snprintf(err, errsz, "out of memory");
	if (!opts || !OPTS_VALID(opts))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = add_given(p, opts, err, errsz);
	if (!ret && opts->cmd) {
		lo.user = opts->user;
		ret = launch__start(opts->cmd, &lo, &p->cmd, &status, err, errsz);
		/* Ended on its own (ld.so missing a library, say): its status is the answer. */
		if (ret && status >= 0 && launch__exit_code(status))
			*exit_code = launch__exit_code(status);
		if (!ret)
			p->pids[p->nr++] = launch__pid(p->cmd);
	}
	if (!ret && !p->nr) {
		snprintf(err, errsz, "no process to trace");
		ret = -EINVAL;
	}
	if (!ret) {
		p->pidfds = calloc(p->nr, sizeof(*p->pidfds));
		p->gone = calloc(p->nr, sizeof(*p->gone));
		ret = p->pidfds && p->gone ? 0 : -ENOMEM;
	}
	if (ret) {
		procs__free(p);
		return ret;
	}
	for (int i = 0; i < p->nr; i++)
		p->pidfds[i] = -1;
	*out = p;
	return 0;
}

void procs__free(struct wm_procs *p)
{
	if (!p)
		return;
	for (int i = 0; p->pidfds && i < p->nr; i++)
		if (p->pidfds[i] >= 0)
			close(p->pidfds[i]);
	/* Not let go (a failure before it ran), or not reaped: killed, so nothing is left. */
	launch__free(p->cmd);
	free(p->pids);
	free(p->pidfds);
	free(p->gone);
	free(p);
}

int procs__pids(const struct wm_procs *p, const pid_t **pids)
{
	*pids = p->pids;
	return p->nr;
}

bool procs__is_command(const struct wm_procs *p)
{
	return p && p->cmd;
}

int procs__check(const struct wm_procs *p, char *err, size_t errsz)
{
	struct wm_resolver *r;
	int ret;

	for (int i = 1; i < p->nr; i++) {
		ret = resolver__new_pid(p->pids[i], &r, err, errsz);
		if (ret)
			return ret;
		resolver__free(r);
	}
	return 0;
}

int procs__unmapped(const struct wm_procs *p, dev_t dev, ino_t ino, pid_t *first)
{
	int missing = 0;

	*first = 0;
	for (int i = 1; i < p->nr; i++)
		if (!procs__maps_file(p->pids[i], dev, ino) && !missing++)
			*first = p->pids[i];
	return missing;
}

void procs__watch(struct wm_procs *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nr; i++)
		if (p->pidfds[i] < 0)
			p->pidfds[i] = syscall(SYS_pidfd_open, p->pids[i], 0);
}

void procs__epoll_add(const struct wm_procs *p, int ep, unsigned int base)
{
	struct epoll_event ev = { .events = EPOLLIN };

	for (int i = 0; p && i < p->nr; i++) {
		ev.data.u32 = base + i;
		if (p->pidfds[i] >= 0 && !p->gone[i])
			epoll_ctl(ep, EPOLL_CTL_ADD, p->pidfds[i], &ev);
	}
}

void procs__on_event(struct wm_procs *p, int ep, unsigned int idx)
{
	if (idx >= (unsigned int)p->nr)
		return;
	/* Readable for good once it has ended: out of the set, or it would wake the loop on and on. */
	if (p->pidfds[idx] >= 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, p->pidfds[idx], NULL);
	p->gone[idx] = true;
}

/* Without a pidfd: the command, our child, has exited once it can be reaped; others by kill(). */
static bool exited(const struct wm_procs *p, int idx)
{
	siginfo_t si = {};

	if (p->cmd && p->pids[idx] == launch__pid(p->cmd))
		return !waitid(P_PID, p->pids[idx], &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid;
	return kill(p->pids[idx], 0) && errno == ESRCH;
}

bool procs__gone(struct wm_procs *p, int idx)
{
	struct pollfd pfd;

	if (!p)
		return false;
	pfd = (struct pollfd){ .fd = p->pidfds[idx], .events = POLLIN };
	if (!p->gone[idx])
		p->gone[idx] = p->pidfds[idx] >= 0 ? poll(&pfd, 1, 0) == 1 : exited(p, idx);
	return p->gone[idx];
}

bool procs__all_gone(struct wm_procs *p)
{
	bool all = true;

	if (!p)
		return false;
	/* Those with a pidfd are marked by procs__on_event(). */
	for (int i = 0; i < p->nr; i++) {
		if (!p->gone[i] && p->pidfds[i] < 0)
			p->gone[i] = exited(p, i);
		all &= p->gone[i];
	}
	return all;
}

void procs__forward(const struct wm_procs *p, const struct signalfd_siginfo *si)
{
	if (!p->cmd || si->ssi_code == SI_KERNEL ||
	    (si->ssi_code == SI_USER && getpgid(si->ssi_pid) == getpgrp()))
		return;
	kill(launch__pid(p->cmd), si->ssi_signo);
}

int procs__resume(struct wm_procs *p)
{
	return p && p->cmd ? launch__resume(p->cmd) : 0;
}

int procs__reap(struct wm_procs *p)
{
	return p->cmd ? launch__wait(p->cmd) : -ECHILD;
}
