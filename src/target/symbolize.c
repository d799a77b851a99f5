// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Addresses of a traced process to symbols: mapping, then file offset,
 * then link-time address through the object's PT_LOAD headers, then the
 * function symbol covering it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "target/demangle.h"
#include "util/escape.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/opts.h"
#include "target/elfsym.h"
#include "target/procmaps.h"
#include "target/resolve.h"
#include "target/symbolize.h"

#define REFRESH_MS_DEFAULT 100
/*
 * Distinct objects remembered over the symbolizer's life. A process that
 * keeps dlopen()ing new files would otherwise grow the cache for ever;
 * past the cap, new objects are named by nothing ("?").
 */
#define MAX_OBJS 4096
/* A [vdso] is two to four pages; anything much larger is not one. */
#define MAX_PSEUDO_SIZE (1UL << 20)
#define DEMANGLE_MAX	1024
/* Symbols looked at, nearest first, for one covering an address. */
#define MAX_WALK 256

struct sym_obj {
	char *path; /* as the process sees it, or "[vdso]" */
	unsigned long inode;
	unsigned int dev_major, dev_minor;
	bool tried;	     /* opened, or failed to: never retried */
	struct elf_obj *elf; /* NULL: gone, unreadable or no ELF */
	const struct wm_sym **by_addr;
	unsigned long *max_end; /* highest end among by_addr[0..i] */
	char **demangled;	/* lazily, per by_addr entry */
	int nr_syms;
};

struct sym_map {
	unsigned long start, end, offset;
	int obj; /* index into objs, -1: none */
};

struct wm_symbolizer {
	pid_t pid;
	int rootfd;
	bool demangle;
	unsigned long long refresh_ns;
	unsigned long long last_read_ns;
	struct sym_map *maps;
	int nr_maps;
	struct sym_obj *objs;
	int nr_objs, cap_objs;
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

static void sym_obj__fini(struct sym_obj *o)
{
	int i;

	if (o->demangled) {
		for (i = 0; i < o->nr_syms; i++)
			if (o->demangled[i] != o->by_addr[i]->name)
				free(o->demangled[i]);
	}
	free(o->demangled);
	free(o->by_addr);
	free(o->max_end);
	elf_obj__free(o->elf);
	free(o->path);
}

/* The object of a mapping, the one already known for the same file if any. */
static int obj_index(struct wm_symbolizer *s, const struct wm_mapping *m)
{
	struct sym_obj *o;
	int i;

	for (i = 0; i < s->nr_objs; i++) {
		o = &s->objs[i];
		if (o->inode == m->inode && o->dev_major == m->dev_major &&
		    o->dev_minor == m->dev_minor && !strcmp(o->path, m->path))
			return i;
	}
	if (s->nr_objs == MAX_OBJS)
		return -1;
	if (grow__array_int(&s->objs, &s->cap_objs, s->nr_objs + 1, sizeof(*s->objs)))
		return -1;
	o = &s->objs[s->nr_objs];
	memset(o, 0, sizeof(*o));
	o->path = strdup(m->path);
	if (!o->path)
		return -1;
	o->inode = m->inode;
	o->dev_major = m->dev_major;
	o->dev_minor = m->dev_minor;
	return s->nr_objs++;
}

static int cmp_map(const void *a, const void *b)
{
	const struct sym_map *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Re-reads /proc/PID/maps. Any failure (the process has exited, the text
 * is garbage) keeps the maps read before: they still describe the code
 * the stacks already captured ran in.
 */
static int read_maps(struct wm_symbolizer *s)
{
	struct wm_mapping *maps = NULL;
	struct sym_map *sm = NULL;
	char path[64], *text = NULL;
	int n, i, err;

	s->last_read_ns = clock__ns(CLOCK_MONOTONIC);
	snprintf(path, sizeof(path), "/proc/%d/maps", s->pid);
	err = proc__read_file(path, &text);
	if (err)
		goto cleanup;
	if (!*text) {
		err = -ESRCH;
		goto cleanup;
	}
	n = procmaps__parse_flags(text, PROCMAPS_PSEUDO_EXEC, &maps);
	if (n < 0) {
		err = n;
		goto cleanup;
	}
	sm = calloc(n ? n : 1, sizeof(*sm));
	if (!sm) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		sm[i].start = maps[i].start;
		sm[i].end = maps[i].end;
		sm[i].offset = maps[i].offset;
		/* Data mappings of an object hold no code to name. */
		sm[i].obj = maps[i].exec ? obj_index(s, &maps[i]) : -1;
	}
	/* The kernel lists them in order; the search below must not depend on it. */
	qsort(sm, n, sizeof(*sm), cmp_map);
	free(s->maps);
	s->maps = sm;
	s->nr_maps = n;

cleanup:
	free(maps);
	free(text);
	return err;
}

static const struct sym_map *find_map(const struct wm_symbolizer *s, unsigned long addr)
{
	int lo = 0, hi = s->nr_maps;

	/* The last mapping starting at or before addr. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= s->maps[lo - 1].end)
		return NULL;
	return &s->maps[lo - 1];
}

static unsigned int leading_underscores(const char *name)
{
	unsigned int n = 0;

	while (name[n] == '_')
		n++;
	return n;
}

/*
 * By address; at one address the preferred name sorts last, where the
 * backward search in find_sym() meets it first: global, fewest leading
 * underscores ("getpid" over "__getpid"), shortest, then by name.
 */
static int cmp_sym_addr(const void *a, const void *b)
{
	const struct wm_sym *x = *(const struct wm_sym *const *)a;
	const struct wm_sym *y = *(const struct wm_sym *const *)b;
	unsigned int ux, uy;
	size_t lx, ly;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (x->global != y->global)
		return x->global ? 1 : -1;
	ux = leading_underscores(x->name);
	uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? 1 : -1;
	lx = strlen(x->name);
	ly = strlen(y->name);
	if (lx != ly)
		return lx < ly ? 1 : -1;
	return -strcmp(x->name, y->name);
}

static int index_syms(struct sym_obj *o)
{
	const struct wm_sym *syms;
	unsigned long end, max = 0;
	int n, i;

	n = elf_obj__syms(o->elf, &syms);
	if (n <= 0)
		return n;
	o->by_addr = calloc(n, sizeof(*o->by_addr));
	o->max_end = calloc(n, sizeof(*o->max_end));
	if (!o->by_addr || !o->max_end)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		o->by_addr[i] = &syms[i];
	qsort(o->by_addr, n, sizeof(*o->by_addr), cmp_sym_addr);
	for (i = 0; i < n; i++) {
		/* A forged size must not wrap around to a small end. */
		end = o->by_addr[i]->vaddr + o->by_addr[i]->size;
		if (end < o->by_addr[i]->vaddr)
			end = ULONG_MAX;
		if (end > max)
			max = end;
		o->max_end[i] = max;
	}
	o->nr_syms = n;
	return 0;
}

/*
 * A pseudo-file's ELF image is in the process's memory only: [vdso] is a
 * whole ELF file, laid out so that file offsets are its addresses.
 */
static int open_pseudo(const struct wm_symbolizer *s, const struct sym_map *m)
{
	size_t len = m->end - m->start;
	char path[64];
	void *img = NULL;
	int mem = -1, fd = -1, err;
	ssize_t n;

	if (!len || len > MAX_PSEUDO_SIZE)
		return -E2BIG;
	img = malloc(len);
	if (!img)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/mem", s->pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		err = -errno;
		goto cleanup;
	}
	n = pread(mem, img, len, m->start);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -EIO;
		goto cleanup;
	}
	fd = memfd_create("wm-pseudo", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	if (write(fd, img, len) != (ssize_t)len) {
		err = -EIO;
		goto cleanup;
	}
	err = fd;
	fd = -1;

cleanup:
	if (fd >= 0)
		close(fd);
	if (mem >= 0)
		close(mem);
	free(img);
	return err;
}

/* First use of an object: its symbols, indexed by address. Failures stick. */
static void open_obj(const struct wm_symbolizer *s, struct sym_obj *o, const struct sym_map *m)
{
	struct wm_mapping wm = {};
	struct stat st;
	int fd;

	o->tried = true;
	if (o->path[0] == '[') {
		fd = open_pseudo(s, m);
	} else {
		wm.start = m->start;
		wm.end = m->end;
		wm.offset = m->offset;
		wm.inode = o->inode;
		wm.dev_major = o->dev_major;
		wm.dev_minor = o->dev_minor;
		wm.exec = true;
		snprintf(wm.path, sizeof(wm.path), "%s", o->path);
		fd = mapping__open_elf(s->pid, s->rootfd, &wm, &st);
	}
	if (fd < 0)
		return;
	if (elf_obj__open_fd(fd, o->path, &o->elf)) {
		close(fd);
		return;
	}
	elf_obj__close_fd(o->elf);
	if (index_syms(o)) {
		/* Out of memory: the object is named, its symbols are not. */
		free(o->by_addr);
		free(o->max_end);
		o->by_addr = NULL;
		o->max_end = NULL;
		o->nr_syms = 0;
	}
}

static int find_sym(const struct sym_obj *o, unsigned long vaddr)
{
	int lo = 0, hi = o->nr_syms, i;
	unsigned long start;

	/* lo: how many symbols start at or before vaddr. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (o->by_addr[mid]->vaddr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	/*
	 * The innermost sized symbol holding vaddr, walking back until no
	 * earlier symbol reaches vaddr. One forged huge size would make every
	 * walk run to it: the walk is capped, which real nesting never hits.
	 */
	for (i = lo - 1; i >= 0 && i >= lo - MAX_WALK && o->max_end[i] > vaddr; i--) {
		const struct wm_sym *sym = o->by_addr[i];

		if (sym->size && vaddr - sym->vaddr < sym->size)
			return i;
	}
	/* Else the nearest symbol before, if it has no size to say where it ends. */
	start = o->by_addr[lo - 1]->vaddr;
	for (i = lo - 1; i >= 0 && o->by_addr[i]->vaddr == start; i--)
		if (!o->by_addr[i]->size)
			return i;
	return -1;
}

static const char *sym_name(const struct wm_symbolizer *s, struct sym_obj *o, int idx)
{
	const char *name = o->by_addr[idx]->name;
	char buf[DEMANGLE_MAX];
	int err;

	if (!s->demangle || !demangle__is_mangled(name))
		return name;
	if (!o->demangled) {
		o->demangled = calloc(o->nr_syms, sizeof(*o->demangled));
		if (!o->demangled)
			return name;
	}
	if (o->demangled[idx])
		return o->demangled[idx];
	err = demangle(name, buf, sizeof(buf));
	/* A name cut short (-ENOSPC) still reads better than the mangled one. */
	o->demangled[idx] = err && err != -ENOSPC ? NULL : strdup(buf);
	if (!o->demangled[idx])
		o->demangled[idx] = (char *)name;
	return o->demangled[idx];
}

static int lookup(struct wm_symbolizer *s, unsigned long addr, struct wm_symloc *out)
{
	const struct sym_map *m;
	struct sym_obj *o;
	unsigned long off, vaddr;
	int idx;

	m = find_map(s, addr);
	if (!m && clock__ns(CLOCK_MONOTONIC) - s->last_read_ns >= s->refresh_ns) {
		read_maps(s);
		m = find_map(s, addr);
	}
	if (!m || m->obj < 0)
		return -ENOENT;

	o = &s->objs[m->obj];
	if (!o->tried)
		open_obj(s, o, m);
	off = addr - m->start + m->offset;
	out->obj = o->path;
	out->obj_off = off;
	if (!o->elf || elf_obj__off_to_vaddr(o->elf, off, &vaddr))
		return -ENOENT;
	out->obj_off = vaddr;
	idx = find_sym(o, vaddr);
	if (idx < 0)
		return -ENOENT;
	out->sym = sym_name(s, o, idx);
	out->sym_off = vaddr - o->by_addr[idx]->vaddr;
	return 0;
}

int symbolizer__lookup(struct wm_symbolizer *s, unsigned long addr, struct wm_symloc *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	return lookup(s, addr, out);
}

int symbolizer__lookup_ret(struct wm_symbolizer *s, unsigned long addr, struct wm_symloc *out)
{
	int err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	/* No call instruction ends at address 0: nothing returns there. */
	if (!addr)
		return -ENOENT;
	err = lookup(s, addr - 1, out);
	if (out->obj)
		out->obj_off++;
	if (out->sym)
		out->sym_off++;
	return err;
}

void symloc__format(const struct wm_symloc *loc, unsigned long addr, struct wm_buf *b)
{
	const char *base;

	if (!loc || !loc->obj) {
		buf__printf(b, "0x%lx (?)", addr);
		return;
	}
	base = base_name(loc->obj);
	if (loc->sym) {
		esc__c(b, loc->sym, strlen(loc->sym));
		if (loc->sym_off)
			buf__printf(b, "+0x%lx", loc->sym_off);
		buf__puts(b, " (");
		esc__c(b, base, strlen(base));
		buf__putc(b, ')');
		return;
	}
	buf__printf(b, "0x%lx (", addr);
	esc__c(b, base, strlen(base));
	buf__printf(b, "+0x%lx)", loc->obj_off);
}

void symbolizer__format(struct wm_symbolizer *s, unsigned long addr, struct wm_buf *b)
{
	struct wm_symloc loc;

	symbolizer__lookup(s, addr, &loc);
	symloc__format(&loc, addr, b);
}

void symbolizer__format_ret(struct wm_symbolizer *s, unsigned long addr, struct wm_buf *b)
{
	struct wm_symloc loc;

	symbolizer__lookup_ret(s, addr, &loc);
	symloc__format(&loc, addr, b);
}

int symbolizer__new(pid_t pid, const struct wm_symbolizer_opts *opts, struct wm_symbolizer **out)
{
	struct wm_symbolizer *s = NULL;
	unsigned int refresh_ms;
	char path[64];
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (pid <= 0)
		return -EINVAL;
	if (!OPTS_VALID(opts))
		return -EINVAL;
	refresh_ms = OPTS_GET(opts, refresh_ms, 0);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pid = pid;
	s->rootfd = -1;
	s->demangle = OPTS_GET(opts, demangle, false);
	s->refresh_ns =
		(unsigned long long)(refresh_ms ? refresh_ms : REFRESH_MS_DEFAULT) * 1000000ULL;

	/* Object paths are the process's: look them up inside its root (a container's). */
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	s->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		err = errno == ENOENT ? -ESRCH : -errno;
		goto cleanup;
	}
	err = read_maps(s);
	if (err == -ENOENT)
		err = -ESRCH;
	if (err)
		goto cleanup;
	*out = s;
	s = NULL;

cleanup:
	symbolizer__free(s);
	return err;
}

void symbolizer__free(struct wm_symbolizer *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nr_objs; i++)
		sym_obj__fini(&s->objs[i]);
	free(s->objs);
	free(s->maps);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s);
}
