/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The mapped files of a process, from the text of /proc/PID/maps. */
#ifndef WM_PROCMAPS_H
#define WM_PROCMAPS_H

#include <limits.h>
#include <stdbool.h>

/* One mapped file, as listed in /proc/PID/maps. */
struct wm_mapping {
	unsigned long start, end, offset;
	unsigned long inode;
	unsigned int dev_major, dev_minor;
	bool exec;
	char path[PATH_MAX];
};

/*
 * Parse /proc/PID/maps text. Keeps only file-backed lines whose path starts
 * with '/' ("[vdso]", anonymous and "(deleted)" suffixes are handled: a
 * deleted file keeps its path without the suffix and deleted=true is not
 * needed). Returns the count (>= 0) and a malloc'ed array in *out, or a
 * negative errno (-EINVAL on a malformed line).
 */
int procmaps__parse(const char *text, struct wm_mapping **out);
/*
 * Also keep the executable mappings the kernel names in brackets ("[vdso]",
 * "[vsyscall]"), with that name as path: code runs there, though no file
 * backs it, and a stack can pass through it.
 */
#define PROCMAPS_PSEUDO_EXEC (1U << 0)
int procmaps__parse_flags(const char *text, unsigned int flags, struct wm_mapping **out);

#endif /* WM_PROCMAPS_H */
