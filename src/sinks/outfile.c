// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sinks/outfile.h"
#include "util/escape.h"
#include "util/opts.h"
#include "util/safepath.h"

int outfile__open(const char *path, const struct outfile_opts *opts, char *err, size_t errsz)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	mode_t mode = WM_FILE_MODE;
	struct safepath sp;
	struct stat st;
	int fd, ret;

	if (!path || !*path) {
		snprintf(err, errsz, "no output file name given");
		return -EINVAL;
	}
	if (!OPTS_VALID(opts)) {
		snprintf(err, errsz, "invalid options");
		return -EINVAL;
	}
	if (OPTS_GET(opts, mode, 0))
		mode = opts->mode;
	if (OPTS_GET(opts, excl, false))
		flags |= O_EXCL;
	else if (OPTS_GET(opts, append, false))
		flags |= O_APPEND;
	ret = safepath__open_dir(path, NULL, &sp, err, errsz);
	if (ret)
		return ret;
	/* Not O_TRUNC yet: a FIFO or device must not be truncated, nor a file we then refuse. */
	fd = openat(sp.dirfd, sp.name, flags | O_NONBLOCK, mode);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP)
			snprintf(err, errsz,
				 "%s is a symbolic link: wrapmon does not write through links; "
				 "give the real path",
				 ESC(path));
		else if (ret == -EEXIST)
			snprintf(err, errsz, "%s already exists: give a new file name", ESC(path));
		else if (ret == -ENXIO)
			snprintf(err, errsz, "%s is a FIFO nobody reads: start its reader first",
				 ESC(path));
		else
			snprintf(err, errsz, "cannot write %s: %s", ESC(path), strerror(-ret));
		goto cleanup;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errsz, "cannot write %s: %s", ESC(path), strerror(-ret));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errsz, "%s is not a regular file: give a file name", ESC(path));
		goto fail;
	}
	ret = safepath__check_file(&sp, path, &st, err, errsz);
	if (ret)
		goto fail;
	if (S_ISREG(st.st_mode) && !(flags & (O_APPEND | O_EXCL)) && ftruncate(fd, 0)) {
		ret = -errno;
		snprintf(err, errsz, "cannot truncate %s: %s", ESC(path), strerror(-ret));
		goto fail;
	}
	/* Blocking writes from now on: output must not be lost to EAGAIN. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		ret = -errno;
		snprintf(err, errsz, "cannot write %s: %s", ESC(path), strerror(-ret));
		goto fail;
	}
	ret = fd;
	goto cleanup;
fail:
	close(fd);
cleanup:
	safepath__close(&sp);
	return ret;
}

int outfile__parse_mode(const char *text, mode_t *mode)
{
	char *end;
	long v;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 8);
	if (errno || *end || v < 0 || v > 0777)
		return -EINVAL;
	*mode = (mode_t)v;
	return 0;
}
