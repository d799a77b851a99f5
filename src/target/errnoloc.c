// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "target/disasm.h"
#include "target/errnoloc.h"
#include "target/procmaps.h"
#include "target/procmem.h"
#include "target/resolve.h"
#include "util/buf.h"
#include "util/escape.h"

/* endbr64 + mov + add + ret, and room to spare. */
#define CODE_MAX 32
/*
 * x86-64 puts static TLS below the thread pointer; libc's block sits in the
 * first few KiB of it. Anything else is not an offset we read from.
 */
#define TP_OFF_MIN (-(1L << 20))

static const struct wm_sym *find_sym(const struct wm_sym *syms, int n, const char *name)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(syms[mid].name, name);

		if (!c)
			return &syms[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Where file offset off of the object behind fd is mapped in process pid; 0 when nowhere. */
static unsigned long mapped_at(pid_t pid, int fd, unsigned long off)
{
	struct wm_mapping *maps = NULL;
	unsigned long addr = 0;
	char path[64], *text = NULL;
	struct stat st;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (fstat(fd, &st) || proc__read_file(path, &text) < 0)
		goto cleanup;
	n = procmaps__parse(text, &maps);
	for (int i = 0; i < n && !addr; i++) {
		const struct wm_mapping *m = &maps[i];

		if (m->inode == (unsigned long)st.st_ino &&
		    makedev(m->dev_major, m->dev_minor) == st.st_dev && off >= m->offset &&
		    off - m->offset < m->end - m->start)
			addr = m->start + (off - m->offset);
	}
cleanup:
	free(maps);
	free(text);
	return addr;
}

int errnoloc__tp_off(const struct wm_resolver *r, pid_t pid, long *off, char *why, size_t whysz)
{
	const struct wm_sym *syms, *s = NULL;
	unsigned char code[CODE_MAX];
	unsigned long code_off, got_off, got_addr;
	const char *path = "";
	__u64 got;
	long val;
	ssize_t len;
	int i, n, fd;

	/* The executable first: a static one's own errno is the one in use. */
	for (i = 0; i < resolver__nr_objs(r); i++) {
		n = resolver__obj_syms(r, i, &syms);
		s = n > 0 ? find_sym(syms, n, "__errno_location") : NULL;
		if (s)
			break;
	}
	if (!s || !s->global) {
		err__set(why, whysz, "no object defines __errno_location (no libc?)");
		return -ENOENT;
	}
	path = resolver__obj_path(r, i);
	fd = resolver__obj_fd(r, i);
	if (resolver__vaddr_to_off(r, i, s->vaddr, &code_off) ||
	    (len = pread(fd, code, sizeof(code), code_off)) <= 0) {
		err__set(why, whysz, "cannot read __errno_location in %s", ESC(path));
		return -EIO;
	}
	if (disasm__tls_ie_addr(code, len, s->vaddr, &got)) {
		err__set(why, whysz,
			 "__errno_location in %s is not glibc's initial-exec TLS access "
			 "(a static binary, or another libc)",
			 ESC(path));
		return -ENOTSUP;
	}
	got_addr = 0;
	if (!resolver__vaddr_to_off(r, i, got, &got_off))
		got_addr = mapped_at(pid, fd, got_off);
	if (procmem__read(pid, got_addr, &val, sizeof(val))) {
		err__set(why, whysz, "cannot read errno's TLS offset in %s's GOT", ESC(path));
		return -EIO;
	}
	/* Negative, below the thread pointer, and an int's alignment. */
	if (val >= 0 || val < TP_OFF_MIN || val % 4) {
		err__set(why, whysz, "errno's TLS offset in %s reads %ld: not one glibc would use",
			 ESC(path), val);
		return -ERANGE;
	}
	*off = val;
	return 0;
}
