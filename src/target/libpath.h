/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Objects named without a process: LIB found as the dynamic loader finds
 * it for a program (ld.so.cache, then the standard directories), and
 * whether an ELF file is a shared library (mapped by many programs) or a
 * program of its own.
 */
#ifndef WM_LIBPATH_H
#define WM_LIBPATH_H

#include <stddef.h>

struct libpath_opts {
	size_t sz;
	const char *cache;	 /* NULL: /etc/ld.so.cache */
	const char *const *dirs; /* searched after the cache; NULL: the standard ones */
};

/*
 * The file LIB names (matched as resolve.h's LIB:NAME: "c", "libc",
 * "libc.so.6"): its path in path. Several different files (libssl.so.3
 * and libssl.so.1.1): -EEXIST, err lists them. None: -ENOENT. err names
 * the fix.
 */
int libpath__find(const char *lib, const struct libpath_opts *opts, char *path, size_t size,
		  char *err, size_t errsz);

/*
 * 1 when the ELF file open at fd is a shared library (ET_DYN, not a
 * position-independent program), 0 for a program, a negative errno when it
 * cannot be read.
 */
int libpath__is_shared_lib(int fd);

#endif
