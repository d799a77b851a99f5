/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --list PATTERN: the functions -f PATTERN would trace, each with the
 * signature wrapmon would use and where it comes from, one per line:
 *
 *   libz:inflate	int inflate(struct z_stream_s *strm, int flush)	protodb
 *
 * (the name as -f takes it, the signature or "?" when none is known, and
 * "dwarf", "protodb" or "none"), for people and for shell completion.
 */
#ifndef WM_LIST_H
#define WM_LIST_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct wm_list_opts {
	size_t sz;
	pid_t pid; /* the process whose objects are listed; 0: the object PATTERN names */
	/* -f's syntax: NAME-PATTERN, LIB:NAME-PATTERN, /path/to/obj:NAME-PATTERN */
	const char *pattern;
	FILE *out;
};

/*
 * Without a process, PATTERN must name its object: a path, or a library
 * found where the dynamic linker looks (/lib, /usr/lib and their
 * x86_64-linux-gnu and 64 directories, /usr/local/lib). The number of
 * functions listed, or a negative errno with a one-line message in err.
 */
int list__print(const struct wm_list_opts *opts, char *err, size_t errsz);

#endif
