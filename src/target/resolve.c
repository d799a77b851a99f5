// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A target's ELF objects and "-f" selectors resolved to uprobe offsets. */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/opts.h"
#include "target/demangle.h"
#include "target/elfsym.h"
#include "target/procmaps.h"
#include "target/resolve.h"

/* include/linux/sched.h: not exported to user space. */
#define WM_PF_KTHREAD  0x00200000
#define DELETED_SUFFIX " (deleted)"
#define MAX_CLOSEST    5
/* Names longer than this get no spelling suggestion. */
#define MAX_SUGGEST_LEN 255
/* Room for a list of objects inside a WM_ERR_MAX message. */
#define LIST_MAX 240

struct wm_obj {
	char *path;
	struct elf_obj *elf;
	dev_t dev;
	ino_t ino;
	/*
	 * The demangled name of each symbol (NULL: not C++ or Rust) and its
	 * language, made the first time a selector needs them.
	 */
	char **dem;
	unsigned char *lang;
};

struct wm_resolver {
	pid_t pid;  /* 0 when built from paths */
	int rootfd; /* -1: paths are opened as they are */
	struct wm_obj *objs;
	int nr_objs, cap_objs;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * What RESOLVE_IN_ROOT does, for kernels before 5.6 and for seccomp
 * filters (or valgrind) that refuse openat2: one component at a time,
 * symlinks expanded here, "/" and ".." never above rootfd. ".." pops our
 * own stack of directory fds instead of opening "..", so renaming
 * directories under our feet cannot walk us out of the root.
 */
#define MAX_LINKS 40

static int walk_in_root(int rootfd, const char *path)
{
	char *work = NULL, *rest, *comp, *tmp, link[PATH_MAX];
	int *stack = NULL, depth = 0, cap = 0, links = 0, fd = -1, ret;
	struct stat st;
	ssize_t n;

	work = strdup(path);
	if (!work)
		return -ENOMEM;
	rest = work;
	for (;;) {
		int cur = depth ? stack[depth - 1] : rootfd;
		bool last;

		while (*rest == '/')
			rest++;
		if (!*rest) {
			/* Ends at a directory (or the root itself). */
			ret = openat(cur, ".", O_PATH | O_CLOEXEC);
			if (ret < 0)
				ret = -errno;
			goto cleanup;
		}
		comp = rest;
		rest = strchrnul(rest, '/');
		if (*rest)
			*rest++ = '\0';
		last = !rest[strspn(rest, "/")];
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (depth)
				close(stack[--depth]);
			continue;
		}

		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			ret = -errno;
			goto cleanup;
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlinkat(fd, "", link, sizeof(link) - 1);
			if (n < 0) {
				ret = -errno;
				goto cleanup;
			}
			link[n] = '\0';
			close(fd);
			fd = -1;
			if (++links > MAX_LINKS) {
				ret = -ELOOP;
				goto cleanup;
			}
			if (asprintf(&tmp, "%s/%s", link, rest) < 0) {
				ret = -ENOMEM;
				goto cleanup;
			}
			free(work);
			work = rest = tmp;
			if (link[0] == '/')
				while (depth)
					close(stack[--depth]);
			continue;
		}
		if (last) {
			ret = fd;
			fd = -1;
			goto cleanup;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret = -ENOTDIR;
			goto cleanup;
		}
		ret = grow__array_int(&stack, &cap, depth + 1, sizeof(*stack));
		if (ret)
			goto cleanup;
		stack[depth++] = fd;
		fd = -1;
	}

cleanup:
	if (fd >= 0)
		close(fd);
	while (depth)
		close(stack[--depth]);
	free(stack);
	free(work);
	return ret;
}

/*
 * An O_PATH fd: the path is looked up inside rootfd without ever leaving
 * it, even through an absolute or ".." symlink planted by the target.
 */
static int open_path_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (rootfd < 0) {
		fd = open(path, O_PATH | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return walk_in_root(rootfd, path);
	return fd < 0 ? -errno : fd;
}

/*
 * Opens a regular file for reading and checks it is ELF. The lookup is
 * done with O_PATH first: opening a device or FIFO that happens to sit at
 * a mapped path for reading could block or have side effects.
 * Returns the fd, -ENOEXEC for anything that is not an ELF file.
 */
static int open_elf_fd(int rootfd, const char *path, struct stat *st)
{
	char proc[64], magic[SELFMAG];
	int pfd, fd = -1, err;

	pfd = open_path_in_root(rootfd, path);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st->st_mode)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	if (pread(fd, magic, SELFMAG, 0) != SELFMAG || memcmp(magic, ELFMAG, SELFMAG)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	err = fd;
	fd = -1;

cleanup:
	if (fd >= 0)
		close(fd);
	close(pfd);
	return err;
}

static int resolver__add(struct wm_resolver *r, const char *path, int fd, const struct stat *st)
{
	struct elf_obj *elf = NULL;
	struct wm_obj *o;
	char *copy;
	int err;

	if (grow__array_int(&r->objs, &r->cap_objs, r->nr_objs + 1, sizeof(*r->objs)))
		return -ENOMEM;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	err = elf_obj__open_fd(fd, path, &elf);
	if (err) {
		free(copy);
		return err;
	}
	o = &r->objs[r->nr_objs++];
	memset(o, 0, sizeof(*o));
	o->path = copy;
	o->elf = elf;
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	return 0;
}

static struct wm_resolver *resolver__alloc(pid_t pid)
{
	struct wm_resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pid = pid;
	r->rootfd = -1;
	return r;
}

void resolver__free(struct wm_resolver *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->nr_objs; i++) {
		struct wm_obj *o = &r->objs[i];

		if (o->dem) {
			const struct wm_sym *syms;
			int n = elf_obj__syms(o->elf, &syms);

			while (n > 0)
				free(o->dem[--n]);
		}
		free(o->dem);
		free(o->lang);
		elf_obj__free(o->elf);
		free(o->path);
	}
	free(r->objs);
	if (r->rootfd >= 0)
		close(r->rootfd);
	free(r);
}

int resolver__nr_objs(const struct wm_resolver *r)
{
	return r ? r->nr_objs : 0;
}

const char *resolver__obj_path(const struct wm_resolver *r, int idx)
{
	if (!r || idx < 0 || idx >= r->nr_objs)
		return NULL;
	return r->objs[idx].path;
}

int resolver__obj_fd(const struct wm_resolver *r, int idx)
{
	if (!r || idx < 0 || idx >= r->nr_objs)
		return -EINVAL;
	return elf_obj__fd(r->objs[idx].elf);
}

/* ---- Building from a process ---------------------------------------- */

int proc__read_file(const char *path, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		/* Room to read a byte more and the NUL. */
		err = grow__array(&buf, &cap, len + 2, 1);
		if (err)
			goto cleanup;
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;

cleanup:
	free(buf);
	close(fd);
	return err;
}

static bool is_access_err(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* Checks the process is alive and a user-space one; -ESRCH otherwise. */
static int check_process(pid_t pid, char *err, size_t errsz)
{
	char path[64], *stat = NULL, *p, state;
	unsigned int flags;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	ret = proc__read_file(path, &stat);
	if (ret == -ENOENT || ret == -ESRCH) {
		err__set(err, errsz, "process %d does not exist: check the PID (ps -p %d)", pid,
			 pid);
		return -ESRCH;
	}
	if (ret) {
		err__set(err, errsz, "cannot read %s: %s", ESC(path), strerror(-ret));
		return ret;
	}
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2) {
		err__set(err, errsz, "cannot parse %s", ESC(path));
		ret = -EINVAL;
		goto cleanup;
	}
	if (state == 'Z' || state == 'X') {
		err__set(err, errsz,
			 "process %d is a zombie: it has exited and waits for its parent to reap "
			 "it, there is no code left to trace",
			 pid);
		ret = -ESRCH;
		goto cleanup;
	}
	if (flags & WM_PF_KTHREAD) {
		err__set(err, errsz,
			 "process %d is a kernel thread: wrapmon traces user-space processes", pid);
		ret = -ESRCH;
	}

cleanup:
	free(stat);
	return ret;
}

/*
 * A process that shows no executable or no mappings: gone (check_process()
 * says so), or else a kernel thread. Always an error.
 */
static int no_user_code(pid_t pid, char *err, size_t errsz)
{
	int ret = check_process(pid, err, errsz);

	if (ret)
		return ret;
	err__set(err, errsz, "process %d is a kernel thread: wrapmon traces user-space processes",
		 pid);
	return -ESRCH;
}

static void set_access_err(pid_t pid, const char *what, int ret, char *err, size_t errsz)
{
	if (geteuid())
		err__set(err, errsz, "cannot read %s of process %d: %s; run wrapmon as root", what,
			 pid, strerror(-ret));
	else
		err__set(
			err, errsz,
			"cannot read %s of process %d: %s; even root needs CAP_SYS_PTRACE over the "
			"target (check the container's capabilities and kernel.yama.ptrace_scope)",
			what, pid, strerror(-ret));
}

static void strip_deleted(char *path)
{
	size_t len = strlen(path), sl = strlen(DELETED_SUFFIX);

	if (len > sl && !strcmp(path + len - sl, DELETED_SUFFIX))
		path[len - sl] = '\0';
}

static bool same_file(const struct wm_mapping *a, const struct wm_mapping *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

/*
 * The executable. By path first, as the process sees it; but a deleted
 * or upgraded executable is no longer (or no longer the same file) at its
 * path, while /proc/PID/exe always opens the very file the process runs.
 */
static int add_exe(struct wm_resolver *r, const char *exe, char *err, size_t errsz)
{
	struct stat want, st;
	char proc[64];
	int fd, ret;

	snprintf(proc, sizeof(proc), "/proc/%d/exe", r->pid);
	if (stat(proc, &want)) {
		ret = -errno;
		err__set(err, errsz, "cannot open the executable of process %d (%s): %s", r->pid,
			 ESC(exe), strerror(-ret));
		return ret == -ENOENT ? -ESRCH : ret;
	}
	fd = open_elf_fd(r->rootfd, exe, &st);
	if (fd >= 0 && (st.st_dev != want.st_dev || st.st_ino != want.st_ino)) {
		close(fd);
		fd = -ESTALE;
	}
	if (fd < 0 && fd != -ENOEXEC)
		fd = open_elf_fd(-1, proc, &st);
	if (fd < 0) {
		if (fd == -ENOEXEC)
			err__set(err, errsz, "the executable of process %d (%s) is not an ELF file",
				 r->pid, ESC(exe));
		else
			err__set(err, errsz, "cannot open the executable of process %d (%s): %s",
				 r->pid, ESC(exe), strerror(-fd));
		return fd;
	}
	ret = resolver__add(r, exe, fd, &st);
	if (ret) {
		close(fd);
		err__set(err, errsz, "cannot read the symbols of %s (process %d): %s", ESC(exe),
			 r->pid, strerror(-ret));
	}
	return ret;
}

/*
 * Checked to be the file mapped: after an upgrade, the path holds a new
 * file while the process still runs the deleted old one, which only
 * /proc/PID/map_files can still open (that needs CAP_SYS_ADMIN).
 */
int mapping__open_elf(pid_t pid, int rootfd, const struct wm_mapping *m, struct stat *st)
{
	char proc[96];
	int fd;

	if (!m || !st)
		return -EINVAL;
	fd = open_elf_fd(rootfd, m->path, st);
	if (fd >= 0 && (unsigned long)st->st_ino == m->inode)
		return fd;
	if (fd >= 0)
		close(fd);
	snprintf(proc, sizeof(proc), "/proc/%d/map_files/%lx-%lx", pid, m->start, m->end);
	fd = open_elf_fd(-1, proc, st);
	if (fd >= 0 && (unsigned long)st->st_ino != m->inode) {
		close(fd);
		fd = -ESTALE;
	}
	return fd;
}

int resolver__new_pid(pid_t pid, struct wm_resolver **out, char *err, size_t errsz)
{
	struct wm_mapping *maps = NULL;
	struct wm_resolver *r = NULL;
	char path[64], exe[PATH_MAX], *text = NULL;
	int nr_maps = 0, i, j, ret, fd;
	ssize_t n;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (pid <= 0) {
		err__set(err, errsz, "invalid PID %d: give the positive PID of a running process",
			 pid);
		return -EINVAL;
	}
	ret = check_process(pid, err, errsz);
	if (ret)
		return ret;

	r = resolver__alloc(pid);
	if (!r) {
		err__set(err, errsz, "out of memory");
		return -ENOMEM;
	}

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0) {
		ret = -errno;
		if (is_access_err(ret)) {
			set_access_err(pid, "the executable", ret, err, errsz);
		} else if (ret == -ENOENT) {
			/* Gone in the meantime, or a kernel thread with no executable. */
			ret = no_user_code(pid, err, errsz);
		} else {
			err__set(err, errsz, "cannot read %s: %s", ESC(path), strerror(-ret));
		}
		goto cleanup;
	}
	exe[n] = '\0';
	strip_deleted(exe);

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	ret = proc__read_file(path, &text);
	if (ret) {
		if (is_access_err(ret))
			set_access_err(pid, "the memory map", ret, err, errsz);
		else if (ret == -ENOENT || ret == -ESRCH)
			err__set(err, errsz, "process %d exited while being inspected", pid);
		else
			err__set(err, errsz, "cannot read %s: %s", ESC(path), strerror(-ret));
		if (ret == -ENOENT)
			ret = -ESRCH;
		goto cleanup;
	}
	if (!*text) {
		/* An exited process that still has /proc entries maps nothing either. */
		ret = no_user_code(pid, err, errsz);
		goto cleanup;
	}
	nr_maps = procmaps__parse(text, &maps);
	if (nr_maps < 0) {
		ret = nr_maps;
		err__set(err, errsz, "cannot parse %s: %s", ESC(path), strerror(-ret));
		goto cleanup;
	}

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	r->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0) {
		ret = -errno;
		if (is_access_err(ret))
			set_access_err(pid, "the root directory", ret, err, errsz);
		else
			err__set(err, errsz, "cannot open %s: %s", ESC(path), strerror(-ret));
		if (ret == -ENOENT)
			ret = -ESRCH;
		goto cleanup;
	}

	ret = add_exe(r, exe, err, errsz);
	if (ret)
		goto cleanup;

	/*
	 * Then each other file with code, once. Only executable mappings
	 * count: a process may also map ELF files as plain data, and a
	 * uprobe fires only where code runs.
	 */
	for (i = 0; i < nr_maps; i++) {
		const struct wm_mapping *m = &maps[i];
		struct stat st;
		bool seen = false;

		if (!m->exec || !strcmp(m->path, exe))
			continue;
		if ((unsigned long)r->objs[0].ino == m->inode &&
		    r->objs[0].dev == makedev(m->dev_major, m->dev_minor))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = maps[j].exec && same_file(&maps[j], m);
		if (seen)
			continue;

		/* Gone or not ELF (a font, a JIT's memfd...): nothing to probe. */
		fd = mapping__open_elf(r->pid, r->rootfd, m, &st);
		if (fd < 0)
			continue;
		if (resolver__add(r, m->path, fd, &st))
			close(fd);
	}

	*out = r;
	r = NULL;
	ret = 0;

cleanup:
	free(maps);
	free(text);
	resolver__free(r);
	return ret;
}

int resolver__new_paths(const char *const *paths, int n, const struct wm_resolver_opts *opts,
			struct wm_resolver **out, char *err, size_t errsz)
{
	struct wm_resolver *r = NULL;
	const char *root;
	int i, fd, ret = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!OPTS_VALID(opts)) {
		err__set(err, errsz,
			 "wm_resolver_opts: sz is not set, or unknown fields are non-zero");
		return -EINVAL;
	}
	root = OPTS_GET(opts, root, NULL);
	if (!paths || n <= 0) {
		err__set(err, errsz, "no objects given");
		return -EINVAL;
	}

	r = resolver__alloc(0);
	if (!r) {
		err__set(err, errsz, "out of memory");
		return -ENOMEM;
	}
	if (root && *root) {
		r->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->rootfd < 0) {
			ret = -errno;
			err__set(err, errsz, "cannot open root directory %s: %s", ESC(root),
				 strerror(-ret));
			goto cleanup;
		}
	}

	for (i = 0; i < n; i++) {
		struct stat st;

		if (!paths[i] || !*paths[i]) {
			err__set(err, errsz, "object %d has an empty path", i);
			ret = -EINVAL;
			goto cleanup;
		}
		fd = open_elf_fd(r->rootfd, paths[i], &st);
		if (fd < 0) {
			ret = fd;
			if (ret == -ENOEXEC)
				err__set(err, errsz, "%s is not an ELF object", ESC(paths[i]));
			else
				err__set(err, errsz, "cannot open %s%s%s: %s", ESC(paths[i]),
					 r->rootfd >= 0 ? " in " : "",
					 r->rootfd >= 0 ? ESC(root) : "", strerror(-ret));
			goto cleanup;
		}
		ret = resolver__add(r, paths[i], fd, &st);
		if (ret) {
			close(fd);
			err__set(err, errsz, "cannot read the symbols of %s: %s", ESC(paths[i]),
				 strerror(-ret));
			goto cleanup;
		}
	}

	*out = r;
	r = NULL;

cleanup:
	resolver__free(r);
	return ret;
}

/* ---- Resolving ------------------------------------------------------- */

/*
 * Text that must fit a WM_ERR_MAX message: once full, further appends are
 * dropped and the text ends with "...".
 */
struct sbuf {
	char buf[LIST_MAX];
	size_t len;
	bool full;
};

/* Items are the target's names and paths: escaped, as on every line wrapmon prints. */
static void sbuf__item(struct sbuf *b, const char *s)
{
	const char *sep = b->len ? ", " : "";
	char item[LIST_MAX];
	size_t need;

	if (b->full)
		return;
	need = esc__text_cut(item, sizeof(item), s, strlen(s)) < strlen(s) ?
		       sizeof(b->buf) :
		       strlen(sep) + strlen(item);
	/* Keep room for ", ..." */
	if (b->len + need + 6 > sizeof(b->buf)) {
		snprintf(b->buf + b->len, sizeof(b->buf) - b->len, "%s...", sep);
		b->full = true;
		return;
	}
	snprintf(b->buf + b->len, sizeof(b->buf) - b->len, "%s%s", sep, item);
	b->len += need;
}

/* The first object by its full path, the others by base name. */
static void list_objs(const struct wm_resolver *r, const bool *sel, struct sbuf *b)
{
	int i;

	for (i = 0; i < r->nr_objs; i++) {
		if (sel && !sel[i])
			continue;
		sbuf__item(b, b->len ? base_name(r->objs[i].path) : r->objs[i].path);
	}
}

/*
 * A version suffix after the library name: "", ".so", ".so.6",
 * "-2.31.so", ".so.1.2.3", or ".1" after a name ending in ".so".
 */
static bool lib_suffix_ok(const char *s)
{
	if (*s == '-') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s) || *s == '.') {
			if (!strncmp(s, ".so", 3) && (s[3] == '\0' || s[3] == '.'))
				break;
			s++;
		}
	}
	if (!strncmp(s, ".so", 3))
		s += 3;
	while (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

static bool lib_matches(const char *lib, const char *path)
{
	const char *base = base_name(path);
	size_t len = strlen(lib);

	if (!strcmp(lib, base))
		return true;
	if (!strncmp(base, lib, len) && lib_suffix_ok(base + len))
		return true;
	return !strncmp(base, "lib", 3) && !strncmp(base + 3, lib, len) &&
	       lib_suffix_ok(base + 3 + len);
}

bool resolver__lib_matches(const char *lib, const char *path)
{
	return lib && path && lib_matches(lib, path);
}

int resolver__add_unmapped(struct wm_resolver *r, const char *path, char *err, size_t errsz)
{
	struct stat st;
	int fd, ret;

	fd = open_elf_fd(r->rootfd, path, &st);
	if (fd < 0) {
		err__set(err, errsz, "cannot open %s: %s", ESC(path),
			 fd == -ENOEXEC ? "not an ELF object" : strerror(-fd));
		return fd;
	}
	for (int i = 0; i < r->nr_objs; i++) {
		if (r->objs[i].dev == st.st_dev && r->objs[i].ino == st.st_ino) {
			close(fd);
			return i;
		}
	}
	ret = resolver__add(r, path, fd, &st);
	if (ret) {
		close(fd);
		err__set(err, errsz, "cannot read the symbols of %s: %s", ESC(path),
			 strerror(-ret));
		return ret;
	}
	return r->nr_objs - 1;
}

/* Objects named by "/path/obj": the path as mapped, else the same file. */
static int select_path(const struct wm_resolver *r, const char *path, bool *sel)
{
	struct stat st;
	int i, fd, n = 0;

	for (i = 0; i < r->nr_objs; i++) {
		sel[i] = !strcmp(r->objs[i].path, path);
		n += sel[i];
	}
	if (n)
		return n;
	/* Another name of a mapped file, e.g. /lib/... for /usr/lib/... */
	fd = open_path_in_root(r->rootfd, path);
	if (fd < 0)
		return 0;
	if (!fstat(fd, &st)) {
		for (i = 0; i < r->nr_objs; i++) {
			sel[i] = r->objs[i].dev == st.st_dev && r->objs[i].ino == st.st_ino;
			n += sel[i];
		}
	}
	close(fd);
	return n;
}

/*
 * The demangled names of object obj's symbols, parallel to elf_obj__syms()
 * (NULL where a name is not C++ or Rust), made once. NULL when out of memory.
 */
static char **obj_demangled(const struct wm_resolver *r, int obj, const unsigned char **lang)
{
	struct wm_obj *o = &r->objs[obj];
	const struct wm_sym *syms;
	int i, n;

	n = elf_obj__syms(o->elf, &syms);
	if (!o->dem && n > 0) {
		enum wm_lang l;

		o->dem = calloc(n, sizeof(*o->dem));
		o->lang = calloc(n, sizeof(*o->lang));
		if (!o->dem || !o->lang) {
			free(o->dem);
			free(o->lang);
			o->dem = NULL;
			o->lang = NULL;
			return NULL;
		}
		for (i = 0; i < n; i++) {
			/* Out of memory here only leaves the name unmatched. */
			o->dem[i] = demangle__alloc(syms[i].name, &l);
			o->lang[i] = l;
		}
	}
	*lang = o->lang;
	return o->dem;
}

/*
 * Edits from a to b (la and lb bytes): insertions, deletions, substitutions
 * and swaps of two neighbours ("serach"), each one. UINT_MAX past cutoff.
 */
static unsigned int edit_distance(const char *a, unsigned int la, const char *b, unsigned int lb,
				  unsigned int cutoff)
{
	unsigned int rows[3][MAX_SUGGEST_LEN + 1], i, j;
	unsigned int *prev2 = rows[0], *prev = rows[1], *row = rows[2], *t, prev_best = 0;

	if (la > MAX_SUGGEST_LEN || lb > MAX_SUGGEST_LEN)
		return UINT_MAX;
	if ((la > lb ? la - lb : lb - la) > cutoff)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int best;

		row[0] = best = i;
		for (j = 1; j <= lb; j++) {
			unsigned int v = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			row[j] = v;
			if (v < best)
				best = v;
		}
		/* Below, a cell costs at least this row's best or the one before's plus a swap. */
		if (best > cutoff && prev_best >= cutoff)
			return UINT_MAX;
		prev_best = best;
		t = prev2;
		prev2 = prev;
		prev = row;
		row = t;
	}
	return prev[lb];
}

static unsigned int common_prefix(const char *a, const char *b, size_t len)
{
	unsigned int n = 0;

	while (n < len && a[n] && a[n] == b[n])
		n++;
	return n;
}

/* The closest names offered for one that matched nothing, best first. */
struct closest {
	const char *name[MAX_CLOSEST];
	unsigned int dist[MAX_CLOSEST];
	unsigned int prefix[MAX_CLOSEST];
	int n;
};

/* Fewer edits first, then a longer common start, then the name: output stays stable. */
static bool closest__before(const struct closest *c, int i, unsigned int d, unsigned int prefix,
			    const char *name)
{
	if (c->dist[i] != d)
		return c->dist[i] < d;
	if (c->prefix[i] != prefix)
		return c->prefix[i] > prefix;
	return strcmp(c->name[i], name) < 0;
}

/* shown is offered when want is close enough to len bytes of like. */
static void closest__consider(struct closest *c, const char *want, const char *shown,
			      const char *like, size_t len, unsigned int limit)
{
	unsigned int cutoff = c->n == MAX_CLOSEST ? c->dist[MAX_CLOSEST - 1] : limit;
	unsigned int d, prefix;
	int i, pos;

	d = edit_distance(want, strlen(want), like, len, cutoff);
	if (d > cutoff)
		return;
	prefix = common_prefix(want, like, len);
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->name[i], shown))
			continue;
		if (closest__before(c, i, d, prefix, shown))
			return;
		/* The same name, closer through another scope: taken out, put back below. */
		memmove(&c->name[i], &c->name[i + 1], (c->n - i - 1) * sizeof(c->name[0]));
		memmove(&c->dist[i], &c->dist[i + 1], (c->n - i - 1) * sizeof(c->dist[0]));
		memmove(&c->prefix[i], &c->prefix[i + 1], (c->n - i - 1) * sizeof(c->prefix[0]));
		c->n--;
		break;
	}
	for (pos = c->n; pos > 0 && !closest__before(c, pos - 1, d, prefix, shown); pos--)
		;
	if (pos >= MAX_CLOSEST)
		return;
	if (c->n < MAX_CLOSEST)
		c->n++;
	for (i = c->n - 1; i > pos; i--) {
		c->name[i] = c->name[i - 1];
		c->dist[i] = c->dist[i - 1];
		c->prefix[i] = c->prefix[i - 1];
	}
	c->name[pos] = shown;
	c->dist[pos] = d;
	c->prefix[pos] = prefix;
}

/*
 * A demangled name as a suggestion, compared from each of its scopes
 * ("m::helpr" is one edit from app::m::helper), with its parameter list
 * only when want has one.
 */
static void closest__demangled(struct closest *c, const char *want, const char *dem,
			       unsigned int limit)
{
	size_t starts[8], len;
	bool params;
	int i, n;

	/* A clone is never matched by its demangled name: not worth offering. */
	if (strstr(dem, " [clone "))
		return;
	if (!strncmp(want, "::", 2))
		want += 2;
	params = want[demangle__name_len(want)] == '(';
	len = params ? strlen(dem) : demangle__name_len(dem);
	n = demangle__scopes(dem, starts, 8);
	for (i = 0; i < n && i < 8; i++)
		closest__consider(c, want, dem, dem + starts[i], len - starts[i], limit);
}

/* Edits a name may be off by: a slip of the fingers, never others, to fill the list. */
static unsigned int slip_limit(size_t len)
{
	return (len + 1) / 4 > 1 ? (len + 1) / 4 : 1;
}

/*
 * A GCC clone ("f(int) [clone .isra.0]") the name would match but for its
 * clone suffix: never matched by a demangled name (its parameters are not
 * the function's), so the error names its symbol, the way to trace it.
 */
static void clone_matches(struct sbuf *b, const char *name, bool pattern, const char *sym,
			  const char *dem, unsigned char lang)
{
	const char *cut = dem ? strstr(dem, " [clone ") : NULL;
	char *plain;

	if (!cut)
		return;
	plain = strndup(dem, cut - dem);
	if (!plain)
		return;
	if (demangle__match(name, pattern, plain, lang) != WM_NM_NONE)
		sbuf__item(b, sym);
	free(plain);
}

static int not_found(const struct wm_resolver *r, const bool *sel, const char *name, bool pattern,
		     char *err, size_t errsz)
{
	unsigned int limit = slip_limit(strlen(name)), bare_limit;
	struct sbuf objs = {}, names = {}, clones = {};
	char where[64] = "", bare[MAX_SUGGEST_LEN + 1];
	struct closest c = {};
	int i, j, nsel = 0, total = 0;

	/* "search(int)" in C: the name alone is compared with names that have no parameters. */
	snprintf(bare, sizeof(bare), "%.*s",
		 (int)(demangle__is_cxx_selector(name) ? demangle__name_len(name) : strlen(name)),
		 name);
	bare_limit = slip_limit(strlen(bare));

	for (i = 0; i < r->nr_objs; i++) {
		const unsigned char *lang;
		const struct wm_sym *syms;
		char **dem;
		int n;

		if (!sel[i])
			continue;
		nsel++;
		n = elf_obj__syms(r->objs[i].elf, &syms);
		total += n > 0 ? n : 0;
		/* A wildcard is not a slip: nothing is offered for a pattern (clones aside). */
		dem = obj_demangled(r, i, &lang);
		for (j = 0; j < n; j++) {
			clone_matches(&clones, name, pattern, syms[j].name, dem ? dem[j] : NULL,
				      lang ? lang[j] : WM_LANG_NONE);
			if (pattern)
				continue;
			if (dem && dem[j])
				closest__demangled(&c, name, dem[j], limit);
			else
				closest__consider(&c, bare, syms[j].name, syms[j].name,
						  strlen(syms[j].name), bare_limit);
		}
	}
	list_objs(r, sel, &objs);
	for (i = 0; i < c.n; i++)
		sbuf__item(&names, c.name[i]);

	if (r->pid)
		snprintf(where, sizeof(where), " of process %d", r->pid);
	if (clones.len) {
		err__set(err, errsz,
			 "%s '%s' matches only GCC clones in %d object%s%s (%s), whose parameters "
			 "are not the function's: to trace one anyway, give its symbol: %s",
			 pattern ? "pattern" : "symbol", ESC(name), nsel, nsel == 1 ? "" : "s",
			 where, objs.buf, clones.buf);
		return -ENOENT;
	}
	err__set(err, errsz, "%s '%s' %s %d object%s%s (%s)%s%s", pattern ? "pattern" : "symbol",
		 ESC(name), pattern ? "matches no function in" : "not found in", nsel,
		 nsel == 1 ? "" : "s", where, objs.buf,
		 c.n ? "; closest: " : (total ? "" : "; they have no function symbols"),
		 c.n ? names.buf : "");
	return -ENOENT;
}

struct cand {
	unsigned long vaddr;
	int idx;
};

static int cmp_cand_addr(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->idx - y->idx;
}

static int cmp_cand_idx(const void *a, const void *b)
{
	return ((const struct cand *)a)->idx - ((const struct cand *)b)->idx;
}

struct matches {
	struct wm_match *m;
	int n, cap;
};

static int matches__add(struct matches *ms, int obj, const struct wm_sym *s)
{
	struct wm_match *m;

	if (grow__array_int(&ms->m, &ms->cap, ms->n + 1, sizeof(*ms->m)))
		return -ENOMEM;
	m = &ms->m[ms->n++];
	memset(m, 0, sizeof(*m));
	m->obj = obj;
	/* Longer (C++) names are cut: the offset, not the name, places the probe. */
	snprintf(m->sym, sizeof(m->sym), "%s", s->name);
	m->vaddr = s->vaddr;
	m->file_off = s->file_off;
	m->size = s->size;
	m->ifunc = s->ifunc;
	return 0;
}

/* Every name matching the pattern, one per address, in name order. */
static int match_pattern(const struct wm_resolver *r, int obj, const char *pat, struct matches *ms)
{
	const struct wm_sym *syms;
	struct cand *c = NULL;
	int i, n, nc = 0, kept = 0, ret = 0;

	n = elf_obj__syms(r->objs[obj].elf, &syms);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (fnmatch(pat, syms[i].name, 0))
			continue;
		if (!c) {
			c = malloc((n - i) * sizeof(*c));
			if (!c)
				return -ENOMEM;
		}
		c[nc].vaddr = syms[i].vaddr;
		c[nc].idx = i;
		nc++;
	}
	if (!nc)
		goto cleanup;
	/* Aliases: of the names at one address, keep the first in sort order. */
	qsort(c, nc, sizeof(*c), cmp_cand_addr);
	for (i = 0; i < nc; i++)
		if (!kept || c[i].vaddr != c[kept - 1].vaddr)
			c[kept++] = c[i];
	qsort(c, kept, sizeof(*c), cmp_cand_idx);
	for (i = 0; i < kept && !ret; i++)
		ret = matches__add(ms, obj, &syms[c[i].idx]);

cleanup:
	free(c);
	return ret;
}

static int match_name(const struct wm_resolver *r, int obj, const char *name, struct matches *ms)
{
	const struct wm_sym *syms;
	int lo = 0, hi, n, ret = 0;

	n = elf_obj__syms(r->objs[obj].elf, &syms);
	if (n <= 0)
		return 0;
	hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && !strcmp(syms[lo].name, name) && !ret; lo++)
		ret = matches__add(ms, obj, &syms[lo]);
	return ret;
}

/*
 * A plain name must mean one function. Several objects: the executable
 * wins, else the user has to say which object. Several addresses in one
 * object: static functions of the same name in different files.
 */
static int check_ambiguous(const struct wm_resolver *r, const char *name, struct matches *ms,
			   bool copies_ok, char *err, size_t errsz)
{
	struct sbuf list = {};
	int i, nobjs = 0, last = -1;
	char addr[32], first[2] = { name[0] };

	if (ms->m[0].obj == 0) {
		for (i = 0; i < ms->n && ms->m[i].obj == 0; i++)
			;
		ms->n = i;
	}
	for (i = 0; i < ms->n; i++) {
		if (ms->m[i].obj != last)
			nobjs++;
		last = ms->m[i].obj;
	}
	if (nobjs > 1) {
		for (i = 0, last = -1; i < ms->n; i++) {
			if (ms->m[i].obj != last)
				sbuf__item(&list, r->objs[ms->m[i].obj].path);
			last = ms->m[i].obj;
		}
		err__set(err, errsz,
			 "symbol '%s' is ambiguous, %d objects define it: %s; pick one with "
			 "LIB:%s or /path/to/obj:%s",
			 ESC(name), nobjs, list.buf, ESC(name), ESC(name));
		return -EEXIST;
	}
	/*
	 * A demangled name may mean several functions (overloads, constructor
	 * variants): every one is traced. A symbol's own name twice is a
	 * static function in several files: the user picks.
	 */
	if (ms->n > 1 && !copies_ok) {
		for (i = 0; i < ms->n; i++) {
			snprintf(addr, sizeof(addr), "0x%lx", ms->m[i].vaddr);
			sbuf__item(&list, addr);
		}
		err__set(err, errsz,
			 "symbol '%s' is ambiguous, %s defines it %d times (at %s), e.g. static "
			 "functions in different files; the pattern '[%s]%s' traces every copy",
			 ESC(name), ESC(r->objs[ms->m[0].obj].path), ms->n, list.buf, ESC(first),
			 ESC(name + 1));
		return -EEXIST;
	}
	return 0;
}

/*
 * The ':' ending an object prefix. C++'s "::" never is one. A path may hold
 * ':' itself, so for a path it is the last single ':'; a library name may
 * not, so otherwise it is the first.
 */
static const char *scope_colon(const char *sel)
{
	const char *p, *found = NULL;

	for (p = sel; *p; p++) {
		/* "lib:::f": the object, then a name anchored at the global scope. */
		if (p[0] == ':' && p[1] == ':' && p[2] != ':') {
			p++;
			continue;
		}
		if (*p != ':')
			continue;
		found = p;
		if (sel[0] != '/')
			break;
	}
	return found;
}

/*
 * A pattern, or a name that means itself: Go's methods spell '*' in their
 * names ("runtime.(*mheap).alloc"), so a symbol of exactly that name wins.
 */
static int match_glob(const struct wm_resolver *r, int obj, const char *pat, struct matches *ms)
{
	int n0 = ms->n, ret = match_name(r, obj, pat, ms);

	if (ret || ms->n > n0)
		return ret;
	return match_pattern(r, obj, pat, ms);
}

/* Is address vaddr of object obj matched already? */
static bool matches__has(const struct matches *ms, int obj, unsigned long vaddr)
{
	for (int i = 0; i < ms->n; i++)
		if (ms->m[i].obj == obj && ms->m[i].vaddr == vaddr)
			return true;
	return false;
}

/*
 * C++ and Rust functions by their demangled names (demangle__match()):
 * each address once. A pattern takes every match, a name those of kind
 * want.
 */
static int match_demangled(const struct wm_resolver *r, int obj, const char *sel, bool pattern,
			   enum wm_name_match want, struct matches *ms)
{
	const unsigned char *lang;
	const struct wm_sym *syms;
	enum wm_name_match got;
	char **dem;
	int i, n, ret = 0;

	n = elf_obj__syms(r->objs[obj].elf, &syms);
	if (n <= 0)
		return 0;
	dem = obj_demangled(r, obj, &lang);
	if (!dem)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		if (!dem[i])
			continue;
		got = demangle__match(sel, pattern, dem[i], lang[i]);
		if (pattern ? got == WM_NM_NONE : got != want)
			continue;
		if (!matches__has(ms, obj, syms[i].vaddr))
			ret = matches__add(ms, obj, &syms[i]);
	}
	return ret;
}

/*
 * A name: a symbol of that very name, else the C++ and Rust functions whose
 * whole qualified name it is, else those it names from an inner scope
 * ("helper" for app::m::helper). Matches of the first kind found, in every
 * selected object.
 */
static int match_by_name(const struct wm_resolver *r, const bool *sel, const char *name,
			 struct matches *ms, bool *demangled)
{
	static const enum wm_name_match kinds[] = { WM_NM_WHOLE, WM_NM_INNER };
	int i, k, ret = 0;

	*demangled = false;
	for (i = 0; i < r->nr_objs && !ret; i++)
		if (sel[i])
			ret = match_name(r, i, name, ms);
	for (k = 0; k < 2 && !ret && !ms->n; k++) {
		*demangled = true;
		for (i = 0; i < r->nr_objs && !ret; i++)
			if (sel[i])
				ret = match_demangled(r, i, name, false, kinds[k], ms);
	}
	return ret;
}

/*
 * A pattern: symbols by their own names and C++ and Rust functions by
 * their demangled ones, each address of each object once.
 */
static int match_by_pattern(const struct wm_resolver *r, const bool *sel, const char *pat,
			    struct matches *ms)
{
	bool cxx = demangle__is_cxx_selector(pat);
	int i, ret = 0;

	for (i = 0; i < r->nr_objs && !ret; i++) {
		if (!sel[i])
			continue;
		/* "ns::*" or "operator[]*" cannot be a symbol's own name. */
		if (!cxx)
			ret = match_glob(r, i, pat, ms);
		if (!ret)
			ret = match_demangled(r, i, pat, true, WM_NM_NONE, ms);
	}
	return ret;
}

int resolver__resolve(const struct wm_resolver *r, const char *selector, struct wm_match **out,
		      char *err, size_t errsz)
{
	struct matches ms = {};
	const char *name = selector, *colon = NULL;
	char *scope = NULL;
	bool *sel = NULL, pattern, demangled = false;
	int i, nsel = 0, ret = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!r || !selector || !*selector) {
		err__set(err, errsz, "empty function selector: give NAME, PATTERN or LIB:NAME");
		return -EINVAL;
	}

	colon = scope_colon(selector);
	if (selector[0] == '/' && !colon) {
		err__set(err, errsz, "selector '%s' names an object but no function: use %s:NAME",
			 ESC(selector), ESC(selector));
		return -EINVAL;
	}
	if (colon) {
		name = colon + 1;
		if (colon == selector || !*name) {
			err__set(err, errsz,
				 "selector '%s' lacks the %s: use LIB:NAME, e.g. libc:malloc",
				 ESC(selector),
				 !*name ? "function name after ':'" : "object before ':'");
			return -EINVAL;
		}
		scope = strndup(selector, colon - selector);
		if (!scope) {
			ret = -ENOMEM;
			goto cleanup;
		}
	}
	pattern = demangle__is_pattern(name);

	sel = calloc(r->nr_objs ? r->nr_objs : 1, sizeof(*sel));
	if (!sel) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (!scope) {
		for (i = 0; i < r->nr_objs; i++)
			sel[i] = true;
		nsel = r->nr_objs;
	} else if (scope[0] == '/') {
		nsel = select_path(r, scope, sel);
	} else {
		for (i = 0; i < r->nr_objs; i++) {
			sel[i] = lib_matches(scope, r->objs[i].path);
			nsel += sel[i];
		}
	}
	if (!nsel) {
		struct sbuf list = {};
		char who[64] = "the process";

		for (i = 0; i < r->nr_objs; i++)
			sbuf__item(&list,
				   scope[0] == '/' ? r->objs[i].path : base_name(r->objs[i].path));
		if (r->pid)
			snprintf(who, sizeof(who), "process %d", r->pid);
		/*
		 * A library the system's search finds is armed before this is
		 * reached; one it does not (Python's extension modules) can be
		 * armed by its path.
		 */
		err__set(err, errsz, "no object matching '%s' is mapped by %s; mapped: %s%s%s%s",
			 ESC(scope), who, list.buf,
			 r->pid && scope[0] != '/' ? "; one loaded later (dlopen) is named by its "
						     "path: -f /path/to/" :
						     "",
			 r->pid && scope[0] != '/' ? ESC(scope) : "",
			 r->pid && scope[0] != '/' ? ".so:NAME" : "");
		ret = -ENOENT;
		goto cleanup;
	}

	if (pattern)
		ret = match_by_pattern(r, sel, name, &ms);
	else
		ret = match_by_name(r, sel, name, &ms, &demangled);
	if (ret)
		goto cleanup;
	if (!ms.n) {
		ret = not_found(r, sel, name, pattern, err, errsz);
		goto cleanup;
	}
	/* One demangled name may mean several functions (overloads): all are traced. */
	if (!pattern) {
		ret = check_ambiguous(r, name, &ms, demangled, err, errsz);
		if (ret)
			goto cleanup;
	}

	*out = ms.m;
	ms.m = NULL;
	ret = ms.n;

cleanup:
	if (ret == -ENOMEM)
		err__set(err, errsz, "out of memory");
	free(ms.m);
	free(scope);
	free(sel);
	return ret;
}

size_t resolver__selector_scope(const char *selector, char *scope, size_t size)
{
	const char *colon = selector ? scope_colon(selector) : NULL;

	if (!colon || colon == selector || (size_t)(colon - selector) >= size)
		return 0;
	snprintf(scope, size, "%.*s", (int)(colon - selector), selector);
	return colon - selector;
}

bool resolver__scope_unmapped(const struct wm_resolver *r, const char *selector, char *scope,
			      size_t size)
{
	bool *sel;
	int n = 0;

	if (!r || !resolver__selector_scope(selector, scope, size))
		return false;
	if (scope[0] != '/') {
		for (int i = 0; i < r->nr_objs; i++)
			n += lib_matches(scope, r->objs[i].path);
		return !n;
	}
	sel = calloc(r->nr_objs ? r->nr_objs : 1, sizeof(*sel));
	/* Out of memory: not said here; resolving the selector says it. */
	if (!sel)
		return false;
	n = select_path(r, scope, sel);
	free(sel);
	return !n;
}

int resolver__obj_syms(const struct wm_resolver *r, int idx, const struct wm_sym **syms)
{
	if (idx < 0 || idx >= r->nr_objs)
		return -EINVAL;
	return elf_obj__syms(r->objs[idx].elf, syms);
}

int resolver__vaddr_to_off(const struct wm_resolver *r, int idx, unsigned long vaddr,
			   unsigned long *off)
{
	if (!r || idx < 0 || idx >= r->nr_objs)
		return -EINVAL;
	return elf_obj__vaddr_to_off(r->objs[idx].elf, vaddr, off);
}
