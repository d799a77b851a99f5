// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * launch: a command for -c and --, started by wrapmon (no "go" handshake).
 * Usage: t_launch LOG MODE [N]. The first thing main does is call first(argc);
 * then, by MODE:
 *   cat       each line of stdin goes through line_len() and out to stdout
 *             as "LEN LINE"
 *   exit N    exits with status N
 *   wait      prints "waiting", waits for a signal and dies of it
 *   catch     prints "waiting", catches SIGINT, calls caught(signo), exits 0
 *   spawn N   forks N children; each execs this program as "child I", which
 *             calls child_work(I); the parent waits for them all
 * Logs "first ARGC", "line LEN", "caught SIGNO", "child PID I RET" as they
 * happen (the log is opened for appending: children and execs share it).
 */
#include <signal.h>
#include <sys/wait.h>
#include "common.h"

static volatile sig_atomic_t got;

__attribute__((noinline)) int first(int argc)
{
	asm volatile("");
	return argc * 2;
}

__attribute__((noinline)) int line_len(const char *s)
{
	asm volatile("");
	return (int)strlen(s);
}

__attribute__((noinline)) int caught(int signo)
{
	asm volatile("");
	return signo;
}

__attribute__((noinline)) int child_work(int i)
{
	asm volatile("");
	return i * 7;
}

static void on_sigint(int signo)
{
	got = signo;
}

static void cat(void)
{
	char line[256];

	while (fgets(line, sizeof(line), stdin)) {
		int n;

		line[strcspn(line, "\n")] = '\0';
		n = line_len(line);
		fprintf(tlog, "line %d\n", n);
		fflush(tlog);
		printf("%d %s\n", n, line);
	}
}

static void wait_signal(int handle)
{
	if (handle)
		signal(SIGINT, on_sigint);
	printf("waiting\n");
	fflush(stdout);
	while (!got)
		pause();
	fprintf(tlog, "caught %d\n", caught(got));
}

static int spawn(int n, const char *self, const char *logpath)
{
	int status, bad = 0;

	for (int i = 0; i < n; i++) {
		char arg[16];
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			snprintf(arg, sizeof(arg), "%d", i);
			execl(self, self, logpath, "child", arg, (char *)NULL);
			_exit(127);
		}
	}
	while (wait(&status) > 0)
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int r = first(argc);
	const char *mode = argc > 2 ? argv[2] : "";
	int n = argc > 3 ? atoi(argv[3]) : 0;

	if (argc < 3)
		return 2;
	tlog = fopen(argv[1], "a");
	if (!tlog)
		return 2;
	setvbuf(tlog, NULL, _IOLBF, 0);
	if (!strcmp(mode, "child")) {
		fprintf(tlog, "child %d %d %d\n", getpid(), n, child_work(n));
		return 0;
	}
	fprintf(tlog, "first %d %d\n", argc, r);
	if (!strcmp(mode, "cat"))
		cat();
	else if (!strcmp(mode, "exit"))
		return n;
	else if (!strcmp(mode, "wait") || !strcmp(mode, "catch"))
		wait_signal(!strcmp(mode, "catch"));
	else if (!strcmp(mode, "spawn"))
		return spawn(n, "/proc/self/exe", argv[1]);
	return 0;
}
