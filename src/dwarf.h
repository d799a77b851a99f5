/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_DWARF_H
#define WM_DWARF_H

#include "sig.h"

struct wm_dwarf;

/*
 * Open the debug info of an ELF object (fd is not taken over; it is dup'ed).
 * Looks in the object itself, then in a separate debug file found by
 * build-id or .gnu_debuglink under /usr/lib/debug. -ENODATA when there is
 * no debug info.
 */
int dwarf__open(int fd, struct wm_dwarf **out);
void dwarf__free(struct wm_dwarf *d);

/*
 * The signature of the function defined at vaddr (link-time address, as in
 * st_value) with this name. Returns 0 and fills sig (source WM_SIG_DWARF,
 * registers assigned), or -ENOENT.
 */
int dwarf__func_sig(struct wm_dwarf *d, const char *name, unsigned long vaddr, struct wm_sig *sig);

#endif
