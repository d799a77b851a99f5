// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Debug info comes with the target's objects and is as hostile as they are. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dwarf.h"
#include "resolve.h"

#define MAX_FUNCS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wm_sym *syms;
	struct wm_dwarf *d = NULL;
	struct elf_obj *obj = NULL;
	struct wm_sig sig;
	char path[64];
	int fd, n, i;

	fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto cleanup;
	if (dwarf__open(fd, &d))
		goto cleanup;
	/* Symbols name the functions to look up, as the tracer does. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (elf_obj__open(path, &obj) == 0) {
		n = elf_obj__syms(obj, &syms);
		for (i = 0; i < n && i < MAX_FUNCS; i++) {
			if (dwarf__func_sig(d, syms[i].name, syms[i].vaddr, &sig) == 0 &&
			    (sig.nr_params < 0 || sig.nr_params > WM_SIG_MAX_PARAMS))
				abort();
		}
	}
	/* And names that are not symbols at all. */
	dwarf__func_sig(d, "main", 0, &sig);
cleanup:
	elf_obj__free(obj);
	dwarf__free(d);
	close(fd);
	return 0;
}
