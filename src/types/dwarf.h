/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_DWARF_H
#define WM_DWARF_H

#include "types/sig.h"

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
 * Whether d was opened on the file fd is open on (same device and inode):
 * one handle then serves every reader of that object's debug info, whose
 * type index takes a while to build on a large object.
 */
bool dwarf__is_of(const struct wm_dwarf *d, int fd);

/*
 * The signature of the function defined at vaddr (link-time address, as in
 * st_value) with this name. Returns 0 and fills sig (source WM_SIG_DWARF,
 * registers assigned), or -ENOENT.
 */
int dwarf__func_sig(struct wm_dwarf *d, const char *name, unsigned long vaddr, struct wm_sig *sig);

/*
 * The same, with each parameter's location at pc (the probe's link-time
 * address) in params[].loc: pieces in registers, in memory, or constants;
 * WM_LOC_OUT where the debug info says it is not available there. Pieces
 * in the body's stack frame (body) hold only after the prologue: map them
 * with plan__locs_at_entry(). A compiler's clone ("f.isra.0") is found
 * as the instance of f at its address.
 */
int dwarf__func_sig_at(struct wm_dwarf *d, const char *name, unsigned long vaddr, unsigned long pc,
		       struct wm_sig *sig);

/*
 * Lay out the named types of a prototype's signature (source
 * WM_SIG_PROTO) from this object's debug info: structs and unions by
 * value, enums by value with their enumerators, and what a single pointer
 * to a struct, union, enum or typedef points to (members one level deep),
 * found by tag and name in any unit. Registers are then assigned again.
 * d may be NULL (no debug info): pointers then stay plain addresses.
 * Returns -ENOENT, with a one-line message in err, when a struct passed by
 * value is still without a layout: its parameter and every later one have
 * no known location. Completing a signature twice changes nothing.
 */
int dwarf__complete_sig(struct wm_dwarf *d, struct wm_sig *sig, char *err, size_t errsz);

/*
 * The byte offset of member in the struct or union named type (a typedef's
 * name, or a struct's tag), found in any unit: member may be a dotted path
 * through nested structs ("long_value.lv_tag"); NULL gives the type's size.
 * For the layouts of a runtime's objects (lang/python/pyvalue.c). 0 and
 * *out, or -ENOENT when the object does not describe it.
 */
int dwarf__offsetof(struct wm_dwarf *d, const char *type, const char *member, unsigned long *out);
/*
 * The same for a type private to one source file (a module's own struct),
 * looked for only in the units of the source files named (NULL ended;
 * "dir/file.c" names any unit whose path ends with it), so that finding it
 * does not read every unit before its own.
 */
int dwarf__offsetof_in(struct wm_dwarf *d, const char *const *units, const char *type,
		       const char *member, unsigned long *out);

#endif
