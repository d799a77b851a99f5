// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "run/launch.h"
#include "util/escape.h"
#include "util/opts.h"

#define MAX_GROUPS 1024

struct wm_launch {
	pid_t pid;
	bool reaped;
};

/* What the child tells the parent when it cannot exec: the step and its errno. */
enum { STEP_USER, STEP_PTRACE, STEP_EXEC };
struct child_msg {
	int step;
	int err;
};

static int fill_user(const struct passwd *pw, struct launch_user *u)
{
	u->set = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir ? pw->pw_dir : "");
	return 0;
}

static int parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > 0xfffffffeUL ? -EINVAL : 0;
}

int launch__find_user(const char *name, struct launch_user *u, char *err, size_t errsz)
{
	const struct passwd *pw;
	unsigned long uid, gid;

	memset(u, 0, sizeof(*u));
	if (name) {
		pw = parse_id(name, &uid) ? getpwnam(name) : getpwuid(uid);
		if (!pw) {
			snprintf(err, errsz,
				 "no user '%s': give -u a user name or uid from the user database "
				 "(getent passwd)",
				 ESC(name));
			return -ENOENT;
		}
		return fill_user(pw, u);
	}
	/* Under sudo, the command is the invoking user's, as it would be without wrapmon. */
	if (geteuid() || parse_id(getenv("SUDO_UID"), &uid) || parse_id(getenv("SUDO_GID"), &gid))
		return 0;
	pw = getpwuid(uid);
	if (pw)
		fill_user(pw, u);
	u->set = true;
	u->uid = uid;
	u->gid = gid;
	return 0;
}

pid_t launch__pid(const struct wm_launch *l)
{
	return l->pid;
}

int launch__exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* In the child: become the user, ask to be traced, exec. Only returns through _exit(). */
static void child_exec(char *const *argv, const struct launch_user *u, const gid_t *groups,
		       int nr_groups, int errfd)
{
	struct child_msg m = { .step = STEP_USER };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (u && u->set) {
		if (setgroups(nr_groups, groups) || setgid(u->gid) || setuid(u->uid))
			goto fail;
		if (u->name[0]) {
			setenv("USER", u->name, 1);
			setenv("LOGNAME", u->name, 1);
		}
		if (u->home[0])
			setenv("HOME", u->home, 1);
	}
	m.step = STEP_PTRACE;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		goto fail;
	m.step = STEP_EXEC;
	execvp(argv[0], argv);
fail:
	m.err = errno;
	if (write(errfd, &m, sizeof(m)) < 0)
		_exit(127);
	_exit(127);
}

static int wait_stop(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The entry point the kernel gave the new image (AT_ENTRY), or 0. */
static unsigned long entry_point(pid_t pid)
{
	unsigned long aux[2], entry = 0;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, aux, sizeof(aux)) == sizeof(aux) && aux[0] != AT_NULL)
		if (aux[0] == AT_ENTRY)
			entry = aux[1];
	close(fd);
	return entry;
}

/*
 * Continue the stopped tracee until it traps at addr (its int3 executed),
 * passing on the signals it gets on the way, as they would have come
 * without us; stop signals are not passed on (no job control in between).
 */
static int run_to(struct wm_launch *l, unsigned long addr, int *status)
{
	struct user_regs_struct regs;
	int sig = 0, ret;

	for (;;) {
		if (ptrace(PTRACE_CONT, l->pid, NULL, (void *)(long)sig))
			return -errno;
		ret = wait_stop(l->pid, status);
		if (ret)
			return ret;
		if (!WIFSTOPPED(*status)) {
			l->reaped = true;
			return -ECHILD;
		}
		sig = WSTOPSIG(*status);
		if (sig == SIGTRAP && !ptrace(PTRACE_GETREGS, l->pid, NULL, &regs) &&
		    regs.rip == addr + 1)
			return 0;
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			sig = 0;
	}
}

/* From the exec stop to the entry point, with an int3 there, taken out again. */
static int hold_at_entry(struct wm_launch *l, int *status, char *err, size_t errsz)
{
	struct user_regs_struct regs;
	unsigned long entry;
	long word;
	int ret;

	entry = entry_point(l->pid);
	errno = 0;
	word = entry ? ptrace(PTRACE_PEEKTEXT, l->pid, (void *)entry, NULL) : -1;
	if (!entry || errno ||
	    ptrace(PTRACE_POKETEXT, l->pid, (void *)entry, (void *)((word & ~0xffL) | 0xcc))) {
		ret = entry ? -errno : -ENOEXEC;
		snprintf(err, errsz, "cannot set a breakpoint at the command's entry point (%s)",
			 strerror(-ret));
		return ret;
	}
	ret = run_to(l, entry, status);
	if (ret == -ECHILD) {
		snprintf(err, errsz, "the command ended before its entry point (%s %d)",
			 WIFSIGNALED(*status) ? "signal" : "exit status",
			 WIFSIGNALED(*status) ? WTERMSIG(*status) : WEXITSTATUS(*status));
		return ret;
	}
	if (!ret && (ptrace(PTRACE_POKETEXT, l->pid, (void *)entry, (void *)word) ||
		     ptrace(PTRACE_GETREGS, l->pid, NULL, &regs)))
		ret = -errno;
	if (!ret) {
		regs.rip = entry;
		if (ptrace(PTRACE_SETREGS, l->pid, NULL, &regs))
			ret = -errno;
	}
	if (ret)
		snprintf(err, errsz, "cannot hold the command at its entry point (%s)",
			 strerror(-ret));
	return ret;
}

/* The child's report of a failed exec, in one line. */
static int exec_failed(const struct child_msg *m, char *const *argv, const struct launch_user *u,
		       char *err, size_t errsz)
{
	if (m->step == STEP_USER)
		snprintf(err, errsz, "cannot run the command as user %s (uid %u): %s",
			 u && u->name[0] ? ESC(u->name) : "?", u ? (unsigned)u->uid : 0,
			 strerror(m->err));
	else if (m->step == STEP_PTRACE)
		snprintf(err, errsz,
			 "cannot hold the command at its start: ptrace refused (%s); see "
			 "kernel.yama.ptrace_scope",
			 strerror(m->err));
	else if (m->err == ENOENT)
		snprintf(err, errsz, "command '%s' not found: give a program in PATH or a path",
			 ESC(argv[0]));
	else
		snprintf(err, errsz, "cannot run '%s': %s", ESC(argv[0]), strerror(m->err));
	return -m->err;
}

int launch__start(char *const *argv, const struct launch_opts *opts, struct wm_launch **out,
		  int *status, char *err, size_t errsz)
{
	const struct launch_user *u = opts && OPTS_VALID(opts) ? opts->user : NULL;
	struct child_msg m;
	struct wm_launch *l;
	gid_t *groups = NULL;
	int fds[2], nr_groups = MAX_GROUPS, ret, dead;
	ssize_t n;

	*out = NULL;
	*status = -1;
	snprintf(err, errsz, "out of memory");
	l = calloc(1, sizeof(*l));
	groups = calloc(MAX_GROUPS, sizeof(*groups));
	if (!l || !groups) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* Looked up before fork: the child only makes system calls. */
	if (u && u->set) {
		if (!u->name[0] || getgrouplist(u->name, u->gid, groups, &nr_groups) < 0) {
			groups[0] = u->gid;
			nr_groups = 1;
		}
	}
	if (pipe2(fds, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errsz, "cannot start the command: %s", strerror(-ret));
		goto cleanup;
	}
	fflush(NULL);
	l->pid = fork();
	if (l->pid < 0) {
		ret = -errno;
		snprintf(err, errsz, "cannot start the command: %s", strerror(-ret));
		close(fds[0]);
		close(fds[1]);
		goto cleanup;
	}
	if (!l->pid) {
		close(fds[0]);
		child_exec(argv, u, groups, nr_groups, fds[1]);
	}
	close(fds[1]);
	/* EOF: the exec closed the pipe, so it succeeded. */
	do
		n = read(fds[0], &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == sizeof(m)) {
		/* Our failure, not the command's: its status (127) is not passed on. */
		wait_stop(l->pid, &dead);
		l->reaped = true;
		ret = exec_failed(&m, argv, u, err, errsz);
		goto cleanup;
	}
	/* The exec stop (SIGTRAP), after signals that came first. */
	for (;;) {
		ret = wait_stop(l->pid, status);
		if (ret || !WIFSTOPPED(*status) || WSTOPSIG(*status) == SIGTRAP)
			break;
		ptrace(PTRACE_CONT, l->pid, NULL, (void *)(long)WSTOPSIG(*status));
	}
	if (ret || !WIFSTOPPED(*status)) {
		l->reaped = !ret;
		ret = ret ? ret : -ECHILD;
		snprintf(err, errsz, "the command ended before it started");
		goto cleanup;
	}
	/* Should wrapmon die before letting it go, it dies too. */
	ptrace(PTRACE_SETOPTIONS, l->pid, NULL, (void *)PTRACE_O_EXITKILL);
	ret = hold_at_entry(l, status, err, errsz);
	if (ret)
		goto cleanup;
	*status = -1;
	*out = l;
	l = NULL;
cleanup:
	free(groups);
	launch__free(l);
	return ret;
}

int launch__resume(struct wm_launch *l)
{
	return ptrace(PTRACE_DETACH, l->pid, NULL, NULL) ? -errno : 0;
}

int launch__wait(struct wm_launch *l)
{
	int status, ret;

	if (l->reaped)
		return -ECHILD;
	ret = wait_stop(l->pid, &status);
	if (ret)
		return ret;
	l->reaped = true;
	return status;
}

void launch__free(struct wm_launch *l)
{
	int status;

	if (!l)
		return;
	if (l->pid > 0 && !l->reaped) {
		kill(l->pid, SIGKILL);
		wait_stop(l->pid, &status);
	}
	free(l);
}
