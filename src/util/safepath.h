/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Paths wrapmon writes to as root (-o, --store). Other local users must not
 * be able to steer them: the path is walked one directory at a time, holding
 * each by fd, and a symbolic link is followed only where no one but root and
 * the invoking user could have placed it. "The invoking user" is the real
 * uid, or under root the user behind sudo (SUDO_UID, SUDO_GID).
 */
#ifndef WM_SAFEPATH_H
#define WM_SAFEPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct safepath_opts {
	size_t sz;
	/*
	 * The file will be opened again by name (SQLite does, and makes its
	 * -wal, -shm and -journal beside it): then no directory on the way
	 * may be replaceable by another user either, and the directory that
	 * holds the file must not let others plant or swap names in it.
	 */
	bool by_name;
};

struct safepath {
	int dirfd;		 /* O_PATH fd of the directory holding the file; -1: none */
	struct stat dir;	 /* that directory */
	char name[NAME_MAX + 2]; /* the last component, as given */
	uid_t uid;		 /* the invoking user */
	gid_t gid;
};

/*
 * Walk every directory of path and hold the one that holds its last
 * component in sp->dirfd (the last component itself is not looked at).
 * A symbolic link on the way is followed only if nobody but root and the
 * invoking user can replace it. Returns 0, or a negative errno with one
 * line in err: -EPERM for a path others could steer.
 */
int safepath__open_dir(const char *path, const struct safepath_opts *opts, struct safepath *sp,
		       char *err, size_t errsz);

/*
 * An existing file just opened at sp->name, st its fstat: refused (-EPERM,
 * one line) if it sits in a sticky directory or one others can write to
 * and belongs to another user, or has other hard links there.
 */
int safepath__check_file(const struct safepath *sp, const char *path, const struct stat *st,
			 char *err, size_t errsz);

/* The real path of sp's directory and name into out (no symlinks in it). */
int safepath__real_path(const struct safepath *sp, char *out, size_t outsz);

void safepath__close(struct safepath *sp);

#endif
