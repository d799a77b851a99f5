// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls into libc that fail with known errors, and some that succeed after
 * a failure (errno still set, but no failure to show): each logged as
 * "TID FUNC RESULT ERRNO", ERRNO the name the call left in errno when it
 * failed, "-" when it did not. Then threads failing at once with different
 * errors: errno is per thread.
 *
 * EACCES for real: root opens any file, so the process becomes nobody
 * (after "go"), then opens a file of mode 000 it made while it was root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <sys/stat.h>
#include "common.h"

#define NR_THREADS 4
#define PER_THREAD 20

static char missing[4200], locked[4200], here[4096];
static int pipe_fd[2];
static pthread_barrier_t start;

static void log_call(const char *fn, long r, bool failed, int e)
{
	TLOG_BEGIN();
	fprintf(tlog, "%d %s %ld %s\n", gettid_(), fn, r, failed ? strerrorname_np(e) : "-");
	TLOG_END();
}

static void try_open(const char *path)
{
	int fd = open(path, O_RDONLY), e = errno;

	log_call("open", fd, fd < 0, e);
	if (fd >= 0) {
		fd = close(fd);
		e = errno;
		log_call("close", fd, fd < 0, e);
	}
}

static void try_read(void)
{
	char buf[16];
	ssize_t n = read(pipe_fd[0], buf, sizeof(buf));
	int e = errno;

	log_call("read", n, n < 0, e);
}

static void try_opendir(const char *path)
{
	DIR *d = opendir(path);
	int e = errno;

	log_call("opendir", d ? 1 : 0, !d, e);
	if (d)
		closedir(d);
}

static void *worker(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&start);
	for (int k = 0; k < PER_THREAD; k++) {
		if (i % 2)
			try_read();
		else
			try_open(missing);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NR_THREADS];
	char path[4096];
	int fd, r, e;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s", argv[1]);
	snprintf(here, sizeof(here), "%s", dirname(path));
	snprintf(missing, sizeof(missing), "%s/missing", here);
	snprintf(locked, sizeof(locked), "%s/locked", here);
	fd = open(locked, O_WRONLY | O_CREAT | O_TRUNC, 0);
	if (fd < 0 || close(fd) || chmod(here, 0711) || pipe2(pipe_fd, O_NONBLOCK))
		return 2;
	target_start(argc, argv);
	if (!geteuid() && setresuid(65534, 65534, 65534))
		return 2;

	try_open(missing);
	try_open(locked);
	try_read();
	/* Succeeds with errno still EAGAIN from the read: nothing to show. */
	try_open(argv[1]);
	try_opendir(missing);
	try_opendir("/");
	r = close(-1);
	e = errno;
	log_call("close", r, r < 0, e);

	pthread_barrier_init(&start, NULL, NR_THREADS);
	for (long i = 0; i < NR_THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	return 0;
}
