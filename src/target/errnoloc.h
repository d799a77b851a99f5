/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a process's errno is: glibc keeps it in initial-exec TLS, at a
 * fixed offset from each thread's thread pointer (x86-64: fsbase), which
 * the loader wrote into libc's GOT when the process started.
 */
#ifndef WM_ERRNOLOC_H
#define WM_ERRNOLOC_H

#include <stddef.h>
#include <sys/types.h>

struct wm_resolver;

/*
 * The offset of errno from the thread pointer in process pid, whose
 * objects r lists: libc's __errno_location is decoded (it must be
 * `mov GOT(%rip),%rax; add %fs:0,%rax; ret`) and the GOT slot it loads is
 * read from the process's memory. 0 with *off set, or a negative errno with
 * why saying what did not fit: -ENOENT when no object defines
 * __errno_location (no libc), -ENOTSUP for other code (a static binary's
 * local-exec errno, musl), -EIO when the memory cannot be read, -ERANGE
 * for an offset no glibc would use.
 */
int errnoloc__tp_off(const struct wm_resolver *r, pid_t pid, long *off, char *why, size_t whysz);

#endif
