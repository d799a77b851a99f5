// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include "target/ifunc.h"

struct find_ctx {
	dev_t dev;
	ino_t ino;
	char path[4096];
	unsigned long base;
	bool found;
};

static int find_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_ctx *c = arg;
	struct stat st;

	if (!info->dlpi_name || !*info->dlpi_name || stat(info->dlpi_name, &st))
		return 0;
	if (st.st_dev != c->dev || st.st_ino != c->ino)
		return 0;
	strncpy(c->path, info->dlpi_name, sizeof(c->path) - 1);
	c->base = info->dlpi_addr;
	c->found = true;
	return 1;
}

int ifunc__resolve(int obj_fd, const char *name, unsigned long *vaddr)
{
	struct find_ctx c = {};
	struct stat st;
	unsigned long addr;
	void *h;

	if (fstat(obj_fd, &st))
		return -errno;
	c.dev = st.st_dev;
	c.ino = st.st_ino;
	dl_iterate_phdr(find_loaded, &c);
	if (!c.found)
		return -ENOENT;
	/* RTLD_NOLOAD: never load (and run the constructors of) anything new. */
	h = dlopen(c.path, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return -ENOENT;
	addr = (unsigned long)dlsym(h, name);
	dlclose(h);
	if (!addr || addr < c.base)
		return -ENOENT;
	*vaddr = addr - c.base;
	return 0;
}
