// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The path is walked with openat(O_PATH | O_NOFOLLOW) one component at a
 * time, so what is checked is what is used: a directory, once held, cannot
 * be swapped under us, and a link's owner and target are read from the link
 * itself. The kernel's fs.protected_symlinks and fs.protected_regular make
 * the same promises only when they are on, and not for directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/buf.h"
#include "util/opts.h"
#include "util/escape.h"
#include "util/safepath.h"

/* As the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40

/* Only root may chown, so a trusted owner also made the entry. */
static bool trusted(const struct safepath *sp, uid_t uid)
{
	return uid == 0 || uid == sp->uid;
}

/*
 * Group write counts unless the group is root's or the invoking user's own
 * (a user private group): its other members would be other users.
 */
static bool shared(const struct safepath *sp, const struct stat *dir)
{
	return !trusted(sp, dir->st_uid) || (dir->st_mode & S_IWOTH) ||
	       ((dir->st_mode & S_IWGRP) && dir->st_gid != 0 && dir->st_gid != sp->gid);
}

/*
 * Whether another user could remove or rename an entry owned by owner in
 * dir and put their own in its place. A sticky directory lets only the
 * entry's owner, the directory's owner and root do that.
 */
static bool replaceable(const struct safepath *sp, const struct stat *dir, uid_t owner)
{
	if (!shared(sp, dir))
		return false;
	return !(dir->st_mode & S_ISVTX) || !trusted(sp, dir->st_uid) || !trusted(sp, owner);
}

static void invoker(struct safepath *sp)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	unsigned long v;
	char *end;

	sp->uid = getuid();
	sp->gid = getgid();
	/* Only root's environment is believed: anyone else could name any user. */
	if (sp->uid != 0 || !u || !*u)
		return;
	errno = 0;
	v = strtoul(u, &end, 10);
	if (errno || *end || v >= (uid_t)-1)
		return;
	sp->uid = (uid_t)v;
	if (!g || !*g)
		return;
	errno = 0;
	v = strtoul(g, &end, 10);
	if (!errno && !*end && v < (gid_t)-1)
		sp->gid = (gid_t)v;
}

/* The path of a held directory, as the kernel has it now. */
static int fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

static const char *dir_name(int fd, char *buf, size_t size)
{
	return fd_path(fd, buf, size) ? "its directory" : buf;
}

int safepath__open_dir(const char *path, const struct safepath_opts *opts, struct safepath *sp,
		       char *err, size_t errsz)
{
	char rest[PATH_MAX], target[PATH_MAX], where[PATH_MAX];
	bool by_name = OPTS_GET(opts, by_name, false);
	char *p, *comp, *end, *next;
	int dirfd = -1, fd = -1, links = 0, ret;
	struct stat st;
	size_t len;
	ssize_t n;

	sp->dirfd = -1;
	if (!OPTS_VALID(opts)) {
		err__set(err, errsz, "invalid options");
		return -EINVAL;
	}
	if (!path || !*path) {
		err__set(err, errsz, "no file name given");
		return -EINVAL;
	}
	invoker(sp);
	rest[0] = '\0';
	/* By name, SQLite starts from the root: so do the checks. */
	if (by_name && path[0] != '/' && (!getcwd(rest, sizeof(rest) - 1) || !strcat(rest, "/")))
		goto sys_err;
	if (strlen(rest) + strlen(path) >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		goto sys_err;
	}
	strcat(rest, path);
	dirfd = open(rest[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		goto sys_err;
	p = rest;
	for (;;) {
		if (fstat(dirfd, &sp->dir))
			goto sys_err;
		while (*p == '/')
			p++;
		comp = p;
		end = strchrnul(p, '/');
		next = end;
		while (*next == '/')
			next++;
		if (!*next)
			break;
		*end = '\0';
		if (!strcmp(comp, "."))
			goto advance;
		fd = openat(dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st))
			goto sys_err;
		if (S_ISLNK(st.st_mode)) {
			/*
			 * A link another user owns proves they could write there,
			 * whatever the mode bits say (an ACL grants write access the
			 * bits do not show).
			 */
			if (!trusted(sp, st.st_uid) || replaceable(sp, &sp->dir, st.st_uid)) {
				err__set(err, errsz,
					 "refusing %s: it goes through the symbolic link %s in %s, "
					 "which other users can write to; give the real path",
					 ESC(path), ESC(comp),
					 ESC(dir_name(dirfd, where, sizeof(where))));
				ret = -EPERM;
				goto cleanup;
			}
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				goto sys_err;
			}
			n = readlinkat(fd, "", target, sizeof(target));
			if (n < 0)
				goto sys_err;
			len = strlen(next);
			if ((size_t)n >= sizeof(target) || (size_t)n + 1 + len >= sizeof(rest)) {
				errno = ENAMETOOLONG;
				goto sys_err;
			}
			/* The link's target takes its place in what is left to walk. */
			memmove(rest + n + 1, next, len + 1);
			memcpy(rest, target, n);
			rest[n] = '/';
			p = rest;
			close(fd);
			fd = -1;
			if (rest[0] == '/') {
				close(dirfd);
				dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dirfd < 0)
					goto sys_err;
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto sys_err;
		}
		/* SQLite opens the path again by name: nobody may swap a directory on it. */
		if (by_name && strcmp(comp, "..") && replaceable(sp, &sp->dir, st.st_uid)) {
			err__set(err, errsz,
				 "refusing %s: other users can write to %s and could replace %s in "
				 "it; choose a directory only root and you can write to",
				 ESC(path), ESC(dir_name(dirfd, where, sizeof(where))), ESC(comp));
			ret = -EPERM;
			goto cleanup;
		}
		close(dirfd);
		dirfd = fd;
		fd = -1;
advance:
		p = next;
	}
	len = strlen(comp);
	if (len >= sizeof(sp->name)) {
		errno = ENAMETOOLONG;
		goto sys_err;
	}
	/* A trailing slash stays: the open then fails with "Is a directory". */
	strcpy(sp->name, len ? comp : ".");
	/*
	 * The store's -wal, -shm and -journal are made by name beside the
	 * file: only a sticky directory keeps others from replacing them.
	 */
	if (by_name && replaceable(sp, &sp->dir, 0)) {
		err__set(
			err, errsz,
			"refusing %s: other users can write to %s and could plant or replace the "
			"store's -wal or -journal file there; choose a directory only root and you "
			"can write to, or a sticky one such as /tmp",
			ESC(path), ESC(dir_name(dirfd, where, sizeof(where))));
		ret = -EPERM;
		goto cleanup;
	}
	sp->dirfd = dirfd;
	return 0;
sys_err:
	ret = -errno;
	err__set(err, errsz, "cannot write %s: %s", ESC(path), strerror(-ret));
cleanup:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

int safepath__check_file(const struct safepath *sp, const char *path, const struct stat *st,
			 char *err, size_t errsz)
{
	char where[PATH_MAX];

	if (!shared(sp, &sp->dir) && !(sp->dir.st_mode & S_ISVTX))
		return 0;
	if (!trusted(sp, st->st_uid)) {
		err__set(err, errsz,
			 "refusing %s: it belongs to uid %u and other users can write to %s; "
			 "remove it or choose another name",
			 ESC(path), (unsigned int)st->st_uid,
			 ESC(dir_name(sp->dirfd, where, sizeof(where))));
		return -EPERM;
	}
	/* A link to another file (another user may have made it) would write there. */
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		err__set(err, errsz,
			 "refusing %s: it has %lu hard links and other users can write to %s; "
			 "remove it or choose another name",
			 ESC(path), (unsigned long)st->st_nlink,
			 ESC(dir_name(sp->dirfd, where, sizeof(where))));
		return -EPERM;
	}
	return 0;
}

int safepath__real_path(const struct safepath *sp, char *out, size_t outsz)
{
	char dir[PATH_MAX];
	int n;

	if (sp->dirfd < 0)
		return -EBADF;
	n = fd_path(sp->dirfd, dir, sizeof(dir));
	if (n)
		return n;
	n = snprintf(out, outsz, "%s/%s", strcmp(dir, "/") ? dir : "", sp->name);
	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

void safepath__close(struct safepath *sp)
{
	if (sp && sp->dirfd >= 0) {
		close(sp->dirfd);
		sp->dirfd = -1;
	}
}
