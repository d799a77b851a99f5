/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Processes by name, and whether a process maps a file: what -p's many forms need. */
#ifndef WM_PROCS_H
#define WM_PROCS_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Every process whose comm is name (compared as the kernel keeps it, cut to
 * 15 bytes), in ascending pid order, except self: the count (0: none), or a
 * negative errno. *pids is malloc'ed.
 */
int procs__by_comm(const char *name, pid_t self, pid_t **pids);
/* Whether pid maps the file dev:ino (false as well when its maps are unreadable). */
bool procs__maps_file(pid_t pid, dev_t dev, ino_t ino);

#endif
