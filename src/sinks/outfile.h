/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Files wrapmon writes. It runs as root and the path may sit in a directory
 * others can write to, so the last component is never followed if it is a
 * symlink, a link on the way only if no other user could have placed it,
 * another user's file in such a directory is not written into, and new
 * files get a private mode unless the operator asks.
 */
#ifndef WM_OUTFILE_H
#define WM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define WM_FILE_MODE 0600

struct outfile_opts {
	size_t sz;
	mode_t mode; /* for a new file; 0: WM_FILE_MODE */
	bool excl;   /* refuse an existing file instead of truncating it */
	bool append; /* keep an existing file's contents (not with excl) */
};

/*
 * Open path for writing: O_NOFOLLOW, O_CLOEXEC, created with opts->mode.
 * Only a regular file, a FIFO or a character device (e.g. /dev/null) is
 * accepted. Returns the fd, or a negative errno with a one-line reason
 * and fix in err: -ELOOP for a symlink, -EEXIST with excl, -EINVAL for
 * another file type, -EPERM for a path other users could steer
 * (util/safepath.h).
 */
int outfile__open(const char *path, const struct outfile_opts *opts, char *err, size_t errsz);

/* "0640" -> 0640; -EINVAL unless it is an octal mode within 0777. */
int outfile__parse_mode(const char *text, mode_t *mode);

#endif
