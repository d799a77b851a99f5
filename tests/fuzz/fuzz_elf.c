// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Whole ELF files through the symbol reader and the resolver: the target's
 * owner controls every byte of the objects it maps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "target/elfsym.h"
#include "target/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[1];
	struct wm_resolver *r = NULL;
	struct wm_match *m = NULL;
	const struct wm_sym *syms;
	struct elf_obj *obj = NULL;
	char path[64], err[WM_ERR_MAX];
	unsigned long off;
	int fd, n, i;

	fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto cleanup;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (elf_obj__open(path, &obj) == 0) {
		n = elf_obj__syms(obj, &syms);
		for (i = 0; i < n; i++) {
			if (!syms[i].name)
				abort();
			elf_obj__vaddr_to_off(obj, syms[i].vaddr, &off);
		}
		elf_obj__is_pie_or_dso(obj);
		elf_obj__free(obj);
	}

	paths[0] = path;
	if (resolver__new_paths(paths, 1, NULL, &r, err, sizeof(err)) == 0) {
		n = resolver__resolve(r, "*", &m, err, sizeof(err));
		free(m);
		m = NULL;
		n = resolver__resolve(r, "main", &m, err, sizeof(err));
		if (n > 0)
			resolver__vaddr_to_off(r, m[0].obj, m[0].vaddr, &off);
		free(m);
		m = NULL;
		resolver__resolve(r, "no_such_fn", &m, err, sizeof(err));
		free(m);
	}
cleanup:
	resolver__free(r);
	close(fd);
	return 0;
}
