/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * GNU IFUNC symbols (glibc's strlen, memcpy, strstr, ...) point at a
 * resolver that runs once, at relocation time; a probe there sees no calls.
 * The implementation the target really calls is what the resolver returns.
 */
#ifndef WM_IFUNC_H
#define WM_IFUNC_H

/*
 * Run the resolver of IFUNC `name` in our own copy of the object open on
 * obj_fd, if this process has loaded the very same file (same device and
 * inode: libc, and the libraries wrapmon links). On the same CPU it picks
 * the same implementation the target did. Gives its link-time address.
 * -ENOENT when we have not loaded that file or the name is not there.
 */
int ifunc__resolve(int obj_fd, const char *name, unsigned long *vaddr);

#endif
