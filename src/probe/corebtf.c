// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe/corebtf.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/opts.h"

#define COREBTF_DIR "/run/wrapmon"
/* Files of other builds kept: every rebuild makes one, and /run is memory. */
#define COREBTF_KEEP 8
/* A temporary file this old is no writer's: a write takes milliseconds. */
#define COREBTF_TEMP_MAX_AGE 60
/* What libbpf puts in place of an instruction whose CO-RE relocation found no target. */
#define COREBTF_POISON 0xbad2310

/* The names wanted: a small open-addressed set of (essential name, kinds). */
struct want {
	const char *name;
	size_t len;
	unsigned kinds; /* 1 << BTF_KIND_STRUCT | 1 << BTF_KIND_UNION */
};

struct want_set {
	struct want *slots;
	size_t mask;
};

static size_t name_hash(const char *s, size_t len)
{
	size_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* A local flavor ("task_struct___old") matches the kernel's name without its suffix. */
static size_t essential_len(const char *name)
{
	const char *flavor = strstr(name, "___");

	return flavor ? (size_t)(flavor - name) : strlen(name);
}

static struct want *want_slot(struct want_set *ws, const char *name, size_t len)
{
	for (size_t i = name_hash(name, len) & ws->mask;; i = (i + 1) & ws->mask) {
		struct want *w = &ws->slots[i];

		if (!w->name || (w->len == len && !memcmp(w->name, name, len)))
			return w;
	}
}

struct maker {
	const struct btf *k;
	struct btf *m;
	__u32 *map; /* kernel type id -> its copy's id; 0: not copied yet */
	int void_ptr;
};

static int copy_type(struct maker *mk, __u32 id);

static int copy_composite(struct maker *mk, const struct btf_type *t)
{
	const struct btf_member *mem = btf_members(t);
	const char *name = btf__name_by_offset(mk->k, t->name_off);
	int n = btf_vlen(t), ret = 0, id;
	int *types;

	/* Members first: a struct's fields must follow it directly. Embedding has no cycles. */
	types = calloc(n ? n : 1, sizeof(*types));
	if (!types)
		return -ENOMEM;
	for (int i = 0; i < n && ret >= 0; i++)
		ret = types[i] = copy_type(mk, mem[i].type);
	if (ret < 0)
		goto cleanup;
	ret = id = btf_is_struct(t) ? btf__add_struct(mk->m, name, t->size) :
				      btf__add_union(mk->m, name, t->size);
	for (int i = 0; i < n && ret >= 0; i++)
		ret = btf__add_field(mk->m, btf__name_by_offset(mk->k, mem[i].name_off), types[i],
				     btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i));
	if (ret >= 0)
		ret = id;
cleanup:
	free(types);
	return ret;
}

static int copy_enum(struct maker *mk, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(mk->k, t->name_off);
	int id, ret, n = btf_vlen(t);

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		ret = id = btf__add_enum(mk->m, name, t->size);
		for (int i = 0; i < n && ret >= 0; i++)
			ret = btf__add_enum_value(mk->m, btf__name_by_offset(mk->k, e[i].name_off),
						  btf_kflag(t) ? (__s64)e[i].val :
								 (__s64)(__u32)e[i].val);
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		ret = id = btf__add_enum64(mk->m, name, t->size, btf_kflag(t));
		for (int i = 0; i < n && ret >= 0; i++)
			ret = btf__add_enum64_value(mk->m,
						    btf__name_by_offset(mk->k, e[i].name_off),
						    btf_enum64_value(&e[i]));
	}
	return ret < 0 ? ret : id;
}

static int copy_type(struct maker *mk, __u32 id)
{
	const struct btf_type *t;
	const struct btf_array *a;
	int ret, elem, idx;

	if (!id)
		return 0;
	if (mk->map[id])
		return mk->map[id];
	t = btf__type_by_id(mk->k, id);
	if (!t)
		return -EINVAL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		ret = btf__add_int(mk->m, btf__name_by_offset(mk->k, t->name_off), t->size,
				   btf_int_encoding(t));
		break;
	case BTF_KIND_PTR:
		/* CO-RE takes any pointer for any pointer; what one points to is another read's type. */
		if (!mk->void_ptr)
			mk->void_ptr = btf__add_ptr(mk->m, 0);
		ret = mk->void_ptr;
		break;
	case BTF_KIND_ARRAY:
		a = btf_array(t);
		elem = copy_type(mk, a->type);
		idx = copy_type(mk, a->index_type);
		ret = elem < 0 ? elem : idx < 0 ? idx : btf__add_array(mk->m, idx, elem, a->nelems);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		ret = copy_composite(mk, t);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		ret = copy_enum(mk, t);
		break;
	case BTF_KIND_FWD:
		ret = btf__add_fwd(mk->m, btf__name_by_offset(mk->k, t->name_off),
				   btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		break;
	case BTF_KIND_FLOAT:
		ret = btf__add_float(mk->m, btf__name_by_offset(mk->k, t->name_off), t->size);
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		/* CO-RE looks through these on both sides. */
		ret = copy_type(mk, t->type);
		break;
	default:
		/* Functions, variables, sections: never a member's type. */
		ret = 0;
		break;
	}
	if (ret > 0)
		mk->map[id] = ret;
	return ret;
}

int corebtf__make(const struct btf *local, const struct btf *kernel, struct btf **out)
{
	struct maker mk = { .k = kernel };
	struct want_set ws = {};
	__u32 nl = btf__type_cnt(local), nk = btf__type_cnt(kernel);
	size_t cap = 16;
	int ret = -ENOMEM;

	*out = NULL;
	while (cap < 4 * (size_t)nl)
		cap <<= 1;
	ws.slots = calloc(cap, sizeof(*ws.slots));
	ws.mask = cap - 1;
	mk.map = calloc(nk, sizeof(*mk.map));
	mk.m = btf__new_empty();
	if (!ws.slots || !mk.map || !mk.m)
		goto cleanup;
	for (__u32 id = 1; id < nl; id++) {
		const struct btf_type *t = btf__type_by_id(local, id);
		const char *name = btf__name_by_offset(local, t->name_off);
		struct want *w;

		if (!btf_is_composite(t) || !name || !*name)
			continue;
		w = want_slot(&ws, name, essential_len(name));
		w->name = name;
		w->len = essential_len(name);
		w->kinds |= 1u << btf_kind(t);
	}
	/* One pass over the kernel's types; every same-named candidate goes in, as libbpf would see it. */
	ret = 0;
	for (__u32 id = 1; id < nk && ret >= 0; id++) {
		const struct btf_type *t = btf__type_by_id(kernel, id);
		const char *name;
		struct want *w;

		if (!btf_is_composite(t) || !t->name_off)
			continue;
		name = btf__name_by_offset(kernel, t->name_off);
		w = want_slot(&ws, name, strlen(name));
		if (w->name && (w->kinds & (1u << btf_kind(t))))
			ret = copy_type(&mk, id);
	}
	if (ret >= 0) {
		*out = mk.m;
		mk.m = NULL;
		ret = 0;
	}
cleanup:
	btf__free(mk.m);
	free(mk.map);
	free(ws.slots);
	return ret;
}

/* Not a cryptographic hash: the cache is trusted by its owner and mode, the key only tells builds apart. */
static __u64 hash_image(const void *p, size_t n)
{
	const unsigned char *b = p;
	__u64 h = n * 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		__u64 w;

		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* "<release>-<boot id>-<object hash>.btf", with anything but [A-Za-z0-9._-] made '_'. */
static int cache_name(const void *elf, size_t elf_sz, char *buf, size_t sz)
{
	char boot[64] = "";
	struct utsname u;
	size_t n;
	int fd, len;

	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, boot, sizeof(boot) - 1);
	close(fd);
	if (len <= 0 || uname(&u))
		return -EINVAL;
	boot[strcspn(boot, "\n")] = '\0';
	n = snprintf(buf, sz, "core-%s-%s-%016llx.btf", u.release, boot,
		     (unsigned long long)hash_image(elf, elf_sz));
	if (n >= sz)
		return -ENAMETOOLONG;
	for (char *c = buf; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '.' && *c != '-')
			*c = '_';
	return 0;
}

/* Ours, and writable by no one else: what may be trusted in the cache. */
static bool owned(const struct stat *st, mode_t type)
{
	return (st->st_mode & S_IFMT) == type && st->st_uid == geteuid() &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache directory, made if missing; -errno when it cannot be trusted or made. */
static int cache_dir_fd(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !owned(&st, S_IFDIR)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int open_cached(int dfd, const char *name)
{
	struct stat st;
	/* Non-blocking: a FIFO put there would hold the open until a writer came. */
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !owned(&st, S_IFREG) || !st.st_size) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	for (const char *c = p; n;) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		c += w;
		n -= w;
	}
	return 0;
}

/* Written whole under a temporary name, then renamed: a reader never sees half a file. */
static int cache_write(int dfd, const char *name, const void *data, __u32 size)
{
	char tmp[300];
	int fd, ret;

	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, size);
	close(fd);
	if (!ret && renameat(dfd, tmp, dfd, name))
		ret = -errno;
	if (ret)
		unlinkat(dfd, tmp, 0);
	return ret ? ret : open_cached(dfd, name);
}

static int memfd_with(const void *data, __u32 size)
{
	int fd = memfd_create("wrapmon-corebtf", MFD_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, size);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

struct cached_file {
	char name[256];
	struct timespec mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct cached_file *)a)->mtime,
			      *y = &((const struct cached_file *)b)->mtime;

	return x->tv_sec != y->tv_sec ? (x->tv_sec > y->tv_sec) - (x->tv_sec < y->tv_sec) :
					(x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* The writer of a temporary file cache_write() names ".core-*.btf.PID"; 0 for any other name. */
static pid_t temp_writer(const char *name)
{
	size_t len = strlen(name), d = len;
	long pid = 0;

	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (strncmp(name, ".core-", 6) || d == len || len - d > 9 || d < 11 ||
	    strncmp(name + d - 5, ".btf.", 5))
		return 0;
	for (size_t i = d; i < len; i++)
		pid = pid * 10 + (name[i] - '0');
	return pid;
}

/*
 * Left by a run killed while writing it. Not a live writer's: that one
 * is a few milliseconds old and its pid alive; this process writes none
 * while it looks. Removing a live writer's anyway (a pid of another pid
 * namespace) only fails its rename: it keeps the types in memory.
 */
static bool temp_stale(pid_t writer, const struct stat *st, time_t now)
{
	time_t age = now - st->st_mtim.tv_sec;

	/* Far in the future too: the clock was set back since. */
	if (writer == getpid() || age > COREBTF_TEMP_MAX_AGE || age < -COREBTF_TEMP_MAX_AGE)
		return true;
	return kill(writer, 0) && errno == ESRCH;
}

/*
 * Every use of the directory removes the temporary files of killed
 * writers. A new file made (keep) also removes the oldest of the others,
 * COREBTF_KEEP left; a process that has one open keeps reading it (libbpf
 * opens /proc/self/fd/N).
 */
static void cache_tidy(int dfd, const char *keep)
{
	struct cached_file *files = NULL;
	size_t nr = 0, cap = 0;
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	/* Not dup(): that shares dfd's offset, left at the end by the last scan. */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		pid_t writer = temp_writer(de->d_name);

		if (writer) {
			if (!fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
			    owned(&st, S_IFREG) && temp_stale(writer, &st, now))
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (!keep || strncmp(de->d_name, "core-", 5) || len < 4 ||
		    len >= sizeof(files->name) || strcmp(de->d_name + len - 4, ".btf") ||
		    !strcmp(de->d_name, keep) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !owned(&st, S_IFREG))
			continue;
		if (grow__array(&files, &cap, nr + 1, sizeof(*files)))
			break;
		memcpy(files[nr].name, de->d_name, len + 1);
		files[nr++].mtime = st.st_mtim;
	}
	closedir(d);
	if (nr > COREBTF_KEEP) {
		qsort(files, nr, sizeof(*files), older_first);
		for (size_t i = 0; i < nr - COREBTF_KEEP; i++)
			unlinkat(dfd, files[i].name, 0);
	}
	free(files);
}

/* Made from the kernel's BTF and the object's own. */
static int build(const void *elf, size_t elf_sz, struct btf **out)
{
	struct bpf_object *obj;
	struct btf *kernel;
	int ret;

	*out = NULL;
	kernel = btf__load_vmlinux_btf();
	if (!kernel)
		return -errno;
	obj = bpf_object__open_mem(elf, elf_sz, NULL);
	ret = obj ? 0 : -errno;
	if (!ret && !bpf_object__btf(obj))
		ret = -ENOENT;
	if (!ret)
		ret = corebtf__make(bpf_object__btf(obj), kernel, out);
	btf__free(kernel);
	bpf_object__close(obj);
	return ret;
}

/*
 * build() in a child that writes the result to a memfd: the kernel's BTF
 * (7 MB at the peak) is never in the tracer's own RSS, which would
 * otherwise keep that high-water mark for the whole trace. The memfd, or
 * -errno; *forked false when no child could be made.
 */
static int build_apart(const void *elf, size_t elf_sz, bool *forked)
{
	int fd = memfd_create("wrapmon-corebtf", MFD_CLOEXEC), status = 0, ret;
	pid_t pid;

	*forked = false;
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (!pid) {
		struct btf *min;
		const void *data = NULL;
		__u32 size;

		/*
		 * No stdio here: another thread of the parent may have held a
		 * stream's lock at the fork, which nothing here would release.
		 * Errors go back as the exit status.
		 */
		libbpf_set_print(NULL);
		ret = build(elf, elf_sz, &min);
		if (!ret)
			data = btf__raw_data(min, &size);
		if (!ret)
			ret = data ? write_all(fd, data, size) : -ENOMEM;
		/* Not exit(): the parent's atexit handlers and stdio buffers are the parent's. */
		_exit(ret ? (-ret & 0xff ?: EIO) : 0);
	}
	*forked = true;
	/* ECHILD: SIGCHLD ignored, the child reaped for us once done; the parse tells. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ret = !WIFEXITED(status) ? -EINTR : -WEXITSTATUS(status);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* Made from the kernel's BTF and the object's own: into the cache, or into memory. */
static int make(const void *elf, size_t elf_sz, int dfd, const char *name, struct corebtf *cb)
{
	struct btf *min = NULL;
	char path[40];
	bool forked;
	const void *data;
	__u32 size;
	int ret, fd, built;

	built = build_apart(elf, elf_sz, &forked);
	if (!forked) {
		ret = build(elf, elf_sz, &min);
	} else if (built >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", built);
		min = btf__parse_raw(path);
		ret = min ? 0 : -errno;
	} else {
		ret = built;
	}
	if (ret)
		goto cleanup;
	data = btf__raw_data(min, &size);
	ret = data ? 0 : -ENOMEM;
	if (ret)
		goto cleanup;
	cb->nr_types = btf__type_cnt(min) - 1;
	fd = dfd >= 0 ? cache_write(dfd, name, data, size) : -1;
	cb->cached = fd >= 0;
	if (cb->cached)
		cache_tidy(dfd, name);
	if (fd < 0 && built >= 0) {
		fd = built;
		built = -1;
	}
	if (fd < 0)
		fd = memfd_with(data, size);
	ret = fd < 0 ? fd : 0;
	cb->fd = fd;
	cb->made = true;
cleanup:
	if (built >= 0)
		close(built);
	btf__free(min);
	return ret;
}

int corebtf__get(const void *elf, size_t elf_sz, const struct corebtf_opts *opts,
		 struct corebtf *cb)
{
	const char *dir = OPTS_GET(opts, cache_dir, NULL) ?: COREBTF_DIR;
	bool no_cache = OPTS_GET(opts, no_cache, false);
	char name[256];
	int dfd = -1, ret = 0;
	__u64 t0 = clock__ns(CLOCK_MONOTONIC);

	memset(cb, 0, sizeof(*cb));
	cb->fd = -1;
	if (!OPTS_VALID(opts))
		return -EINVAL;
	if (!no_cache && !cache_name(elf, elf_sz, name, sizeof(name)))
		dfd = cache_dir_fd(dir);
	if (dfd >= 0) {
		cache_tidy(dfd, NULL);
		cb->fd = open_cached(dfd, name);
		if (cb->fd >= 0) {
			struct btf *b;

			snprintf(cb->path, sizeof(cb->path), "/proc/self/fd/%d", cb->fd);
			b = btf__parse_raw(cb->path);
			cb->nr_types = b ? (int)btf__type_cnt(b) - 1 : 0;
			btf__free(b);
			/* Not BTF: made again, over it. */
			if (!b) {
				close(cb->fd);
				cb->fd = -1;
				unlinkat(dfd, name, 0);
			}
		}
	}
	if (cb->fd < 0)
		ret = make(elf, elf_sz, dfd, name, cb);
	if (dfd >= 0)
		close(dfd);
	if (ret) {
		corebtf__close(cb);
		return ret;
	}
	snprintf(cb->path, sizeof(cb->path), "/proc/self/fd/%d", cb->fd);
	if (!cb->made || cb->cached)
		snprintf(cb->file, sizeof(cb->file), "%s/%s", dir, name);
	cb->ns = clock__ns(CLOCK_MONOTONIC) - t0;
	return 0;
}

bool corebtf__unresolved(const struct bpf_insn *insns, size_t nr)
{
	for (size_t i = 0; insns && i < nr; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) && !insns[i].src_reg &&
		    insns[i].imm == COREBTF_POISON)
			return true;
	return false;
}

void corebtf__close(struct corebtf *cb)
{
	if (!cb || cb->fd < 0)
		return;
	close(cb->fd);
	cb->fd = -1;
	cb->path[0] = '\0';
}

void corebtf__forget(struct corebtf *cb)
{
	if (!cb)
		return;
	corebtf__close(cb);
	if (cb->file[0])
		unlink(cb->file);
	cb->file[0] = '\0';
}
