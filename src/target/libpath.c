// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "target/libpath.h"
#include "target/resolve.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/opts.h"

/* Different files LIB may name, listed when there are several. */
#define LIBPATH_MAX 8

/*
 * glibc's cache format since 2.32 ("new" format alone, as ldconfig writes it
 * by default): a header, then entries whose strings are offsets from the
 * start of the file.
 */
#define CACHE_MAGIC "glibc-ld.so.cache1.1"

struct cache_hdr {
	char magic[20];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t ext_off;
	uint32_t unused[3];
};

struct cache_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

/* The entry's ABI (ldconfig's FLAG_* in bits 8-15): this machine's own only. */
#if defined(__x86_64__)
#define CACHE_ABI 0x0300
#elif defined(__aarch64__)
#define CACHE_ABI 0x0a00
#endif

static const char *const std_dirs[] = {
#if defined(__x86_64__)
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
#elif defined(__aarch64__)
	"/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu",
#endif
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
	NULL,
};

struct found {
	char path[LIBPATH_MAX][PATH_MAX];
	dev_t dev[LIBPATH_MAX];
	ino_t ino[LIBPATH_MAX];
	int n;
	bool more; /* past LIBPATH_MAX */
};

/* A regular file, once per inode (libz.so and libz.so.1 are one). */
static void found__add(struct found *f, const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	for (int i = 0; i < f->n; i++)
		if (f->dev[i] == st.st_dev && f->ino[i] == st.st_ino)
			return;
	if (f->n == LIBPATH_MAX) {
		f->more = true;
		return;
	}
	snprintf(f->path[f->n], sizeof(f->path[0]), "%s", path);
	f->dev[f->n] = st.st_dev;
	f->ino[f->n++] = st.st_ino;
}

static const char *cache_str(const char *buf, size_t size, uint32_t off)
{
	if (off >= size || !memchr(buf + off, '\0', size - off))
		return NULL;
	return buf + off;
}

static void search_cache(const char *file, const char *lib, struct found *f)
{
	const struct cache_hdr *h;
	char *buf = NULL;
	size_t size;
	struct stat st;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h) || st.st_size > (64 << 20))
		goto cleanup;
	size = st.st_size;
	buf = malloc(size);
	if (!buf || read(fd, buf, size) != (ssize_t)size)
		goto cleanup;
	h = (const struct cache_hdr *)buf;
	/* An older format, or a damaged file: the directories still answer. */
	if (memcmp(h->magic, CACHE_MAGIC, sizeof(h->magic)) ||
	    h->nlibs > (size - sizeof(*h)) / sizeof(struct cache_entry))
		goto cleanup;
	for (uint32_t i = 0; i < h->nlibs; i++) {
		struct cache_entry e;
		const char *key, *value;

		memcpy(&e, buf + sizeof(*h) + i * sizeof(e), sizeof(e));
#ifdef CACHE_ABI
		if ((e.flags & 0xff00) != CACHE_ABI)
			continue;
#endif
		key = cache_str(buf, size, e.key);
		value = cache_str(buf, size, e.value);
		if (key && value && resolver__lib_matches(lib, key))
			found__add(f, value);
	}
cleanup:
	free(buf);
	close(fd);
}

static void search_dir(const char *dir, const char *lib, struct found *f)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!resolver__lib_matches(lib, de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			found__add(f, path);
	}
	closedir(d);
}

int libpath__find(const char *lib, const struct libpath_opts *opts, char *path, size_t size,
		  char *err, size_t errsz)
{
	const char *const *dirs;
	struct found *f;
	struct wm_buf list = {};
	int ret = 0;

	if (!OPTS_VALID(opts) || !lib || !*lib || strchr(lib, '/')) {
		err__set(err, errsz, "libpath: a library name without '/' is needed");
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		err__set(err, errsz, "out of memory");
		return -ENOMEM;
	}
	search_cache(OPTS_GET(opts, cache, NULL) ?: "/etc/ld.so.cache", lib, f);
	/* As ld.so: the cache first; the directories only when it has no such library. */
	dirs = OPTS_GET(opts, dirs, NULL) ?: std_dirs;
	for (int i = 0; !f->n && dirs[i]; i++)
		search_dir(dirs[i], lib, f);
	if (!f->n) {
		err__set(err, errsz,
			 "no library '%s' in the system's library search (ld.so.cache, then /lib, "
			 "/usr/lib, ...): give its path, as /path/to/lib.so:NAME",
			 ESC(lib));
		ret = -ENOENT;
		goto cleanup;
	}
	if (f->n > 1) {
		for (int i = 0; i < f->n; i++)
			buf__printf(&list, "%s%s", i ? ", " : "", ESC(f->path[i]));
		err__set(err, errsz,
			 "'%s' names %d libraries (%s%s): give the one meant by its path", ESC(lib),
			 f->n, list.p ? list.p : "", f->more ? ", ..." : "");
		ret = -EEXIST;
		goto cleanup;
	}
	if (snprintf(path, size, "%s", f->path[0]) >= (int)size) {
		err__set(err, errsz, "the path of '%s' is too long", ESC(lib));
		ret = -ENAMETOOLONG;
	}
cleanup:
	buf__free(&list);
	free(f);
	return ret;
}

int libpath__is_shared_lib(int fd)
{
	bool pie = false, interp = false, soname = false;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t nph;
	Elf *e;
	int ret;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -ENOEXEC;
	ret = -ENOEXEC;
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph))
		goto cleanup;
	ret = 0;
	if (eh.e_type != ET_DYN)
		goto cleanup;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_INTERP)
			interp = true;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;

			if (!gelf_getdyn(d, i, &dyn))
				break;
			if (dyn.d_tag == DT_SONAME)
				soname = true;
			if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				pie = true;
		}
	}
	/*
	 * A program says it is one (DF_1_PIE); older ones without the flag have
	 * an interpreter and no soname. libc.so.6 runs too, but has a soname.
	 */
	ret = !pie && (soname || !interp);
cleanup:
	elf_end(e);
	return ret;
}
