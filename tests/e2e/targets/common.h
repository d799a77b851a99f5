/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the end-to-end targets: each waits for "go" on stdin (so the
 * tracer can attach first), makes a known sequence of calls, logs each call
 * as it really happened to the file named by argv[1], and exits.
 */
#ifndef WM_TARGET_COMMON_H
#define WM_TARGET_COMMON_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static FILE *tlog;
static pthread_mutex_t tlog_lock __attribute__((unused)) = PTHREAD_MUTEX_INITIALIZER;

static inline int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

/* Strings are logged in hex so any byte survives the log. */
static inline void log_hex(const char *s)
{
	if (!s) {
		fputs("NULL", tlog);
		return;
	}
	fputc('x', tlog);
	for (; *s; s++)
		fprintf(tlog, "%02x", (unsigned char)*s);
}

#define TLOG_BEGIN() pthread_mutex_lock(&tlog_lock)
#define TLOG_END()                                \
	do {                                      \
		fflush(tlog);                     \
		pthread_mutex_unlock(&tlog_lock); \
	} while (0)

static inline void target_start(int argc, char **argv)
{
	char line[64];

	if (argc < 2) {
		fprintf(stderr, "usage: %s LOGFILE\n", argv[0]);
		exit(2);
	}
	tlog = fopen(argv[1], "w");
	if (!tlog)
		exit(2);
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(3);
}

#endif
