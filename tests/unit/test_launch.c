// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A command held at its entry point, then let go; the processes of --pidof. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "run/launch.h"
#include "run/procs.h"

/* The state letter of /proc/PID/stat: 't' is a ptrace stop. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

/* The path of the libc this test runs with. */
static const char *libc_path(char *path, size_t n)
{
	char line[4096], *p;
	FILE *f = fopen("/proc/self/maps", "r");

	path[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		p = strchr(line, '/');
		if (p && strstr(p, "/libc.so")) {
			p[strcspn(p, "\n")] = '\0';
			snprintf(path, n, "%s", p);
			break;
		}
	}
	if (f)
		fclose(f);
	return path;
}

static void held_at_entry_with_its_libraries_mapped(void **state)
{
	char *argv[] = { "sh", "-c", "exit 5", NULL };
	struct launch_opts o = { .sz = sizeof(o) };
	struct wm_launch *l = NULL;
	char err[256] = "", path[4096];
	struct stat st;
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(launch__start(argv, &o, &l, &status, err, sizeof(err)), 0);
	pid = launch__pid(l);
	assert_true(pid > 0);
	assert_int_equal(proc_state(pid), 't');
	/* ld.so has run: the shell's libc (ours too) is mapped. */
	assert_int_equal(stat(libc_path(path, sizeof(path)), &st), 0);
	assert_true(procs__maps_file(pid, st.st_dev, st.st_ino));
	assert_int_equal(launch__resume(l), 0);
	status = launch__wait(l);
	assert_true(WIFEXITED(status));
	assert_int_equal(launch__exit_code(status), 5);
	launch__free(l);
}

static void missing_command_is_one_line_and_no_child(void **state)
{
	char *argv[] = { "wm-no-such-command-here", NULL };
	struct wm_launch *l = (void *)1;
	char err[256] = "";
	int status;

	(void)state;
	assert_int_equal(launch__start(argv, NULL, &l, &status, err, sizeof(err)), -ENOENT);
	assert_null(l);
	assert_int_equal(status, -1);
	assert_string_equal(err, "command 'wm-no-such-command-here' not found: give a program "
				 "in PATH or a path");
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void freed_before_resume_kills_it(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct wm_launch *l = NULL;
	char err[256] = "";
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(launch__start(argv, NULL, &l, &status, err, sizeof(err)), 0);
	pid = launch__pid(l);
	launch__free(l);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void exit_codes_as_a_shell_gives_them(void **state)
{
	(void)state;
	assert_int_equal(launch__exit_code(3 << 8), 3);
	assert_int_equal(launch__exit_code(SIGINT), 130);
	assert_int_equal(launch__exit_code(SIGKILL | 0x80), 137);
}

static void users_by_name_number_and_sudo(void **state)
{
	struct launch_user u;
	char err[256] = "";

	(void)state;
	assert_int_equal(launch__find_user("root", &u, err, sizeof(err)), 0);
	assert_true(u.set);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(launch__find_user("0", &u, err, sizeof(err)), 0);
	assert_string_equal(u.name, "root");
	assert_int_equal(launch__find_user("wm-nobody-here", &u, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no user 'wm-nobody-here'"));
	setenv("SUDO_UID", "4321", 1);
	setenv("SUDO_GID", "4322", 1);
	assert_int_equal(launch__find_user(NULL, &u, err, sizeof(err)), 0);
	/* Only root under sudo changes user. */
	assert_int_equal(u.set, geteuid() == 0);
	if (u.set) {
		assert_int_equal(u.uid, 4321);
		assert_int_equal(u.gid, 4322);
	}
	unsetenv("SUDO_UID");
	assert_int_equal(launch__find_user(NULL, &u, err, sizeof(err)), 0);
	assert_false(u.set);
	unsetenv("SUDO_GID");
}

static void pidof_finds_a_child_by_comm(void **state)
{
	pid_t child, *pids = NULL;
	int n, found = 0;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* Until the exec, its comm is ours. */
	for (int i = 0; i < 200 && !found; i++) {
		usleep(10000);
		n = procs__by_comm("sleep", getpid(), &pids);
		assert_true(n >= 0);
		for (int k = 0; k < n; k++)
			found |= pids[k] == child;
		for (int k = 1; k < n; k++)
			assert_true(pids[k - 1] < pids[k]);
		free(pids);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_true(found);
	assert_int_equal(procs__by_comm("wm-no-such-comm", 0, &pids), 0);
	free(pids);
}

static void procs_of_a_command_end_with_it(void **state)
{
	char *argv[] = { "sh", "-c", "exit 9", NULL };
	struct procs_opts o = { .sz = sizeof(o), .cmd = argv };
	struct wm_procs *p = NULL;
	const pid_t *pids;
	char err[256] = "";
	int code, status;

	(void)state;
	assert_int_equal(procs__open(&o, &p, &code, err, sizeof(err)), 0);
	assert_true(procs__is_command(p));
	assert_int_equal(procs__pids(p, &pids), 1);
	procs__watch(p);
	assert_false(procs__gone(p, 0));
	assert_int_equal(procs__resume(p), 0);
	for (int i = 0; i < 500 && !procs__gone(p, 0); i++)
		usleep(10000);
	assert_true(procs__gone(p, 0));
	status = procs__reap(p);
	assert_int_equal(launch__exit_code(status), 9);
	procs__free(p);
}

static void procs_by_pid_and_comm_each_once(void **state)
{
	pid_t self = getpid(), given[] = { self };
	struct procs_opts o = { .sz = sizeof(o), .pids = given, .nr_pids = 1 };
	struct wm_procs *p = NULL;
	const pid_t *pids;
	char err[256] = "";
	int code;

	(void)state;
	assert_int_equal(procs__open(&o, &p, &code, err, sizeof(err)), 0);
	assert_false(procs__is_command(p));
	assert_int_equal(procs__pids(p, &pids), 1);
	assert_int_equal(pids[0], self);
	assert_int_equal(procs__check(p, err, sizeof(err)), 0);
	procs__watch(p);
	assert_false(procs__all_gone(p));
	procs__free(p);
	o.comm = "wm-no-such-comm";
	assert_int_equal(procs__open(&o, &p, &code, err, sizeof(err)), -ESRCH);
	assert_null(p);
	assert_int_equal(code, 1);
	assert_string_equal(err, "no process named 'wm-no-such-comm' is running: see pgrep -x "
				 "'wm-no-such-comm'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_at_entry_with_its_libraries_mapped),
		cmocka_unit_test(missing_command_is_one_line_and_no_child),
		cmocka_unit_test(freed_before_resume_kills_it),
		cmocka_unit_test(exit_codes_as_a_shell_gives_them),
		cmocka_unit_test(users_by_name_number_and_sudo),
		cmocka_unit_test(pidof_finds_a_child_by_comm),
		cmocka_unit_test(procs_of_a_command_end_with_it),
		cmocka_unit_test(procs_by_pid_and_comm_each_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
