/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prototype database: C prototypes of common libraries that ship
 * without debug info (libc, libm, libz, OpenSSL, SQLite, curl), made at
 * build time from their headers by tools/protodb/gen.py, plus an overlay
 * for buffer lengths. A text file of "KEY<TAB>NAME<TAB>PROTOTYPE" lines,
 * KEY the library ("libc" for libc.so.6), found next to the binary
 * (wrapmon-protos.txt, the build tree) or in ../share/wrapmon/protos.txt
 * from it (installed).
 */
#ifndef WM_PROTODB_H
#define WM_PROTODB_H

#include <stddef.h>

struct wm_protodb;

struct wm_protodb_opts {
	size_t sz;
	const char *path; /* NULL: where the binary is, as above */
};

/* -ENOENT when there is no database; other negative errnos on a bad file. */
int protodb__open(const struct wm_protodb_opts *opts, struct wm_protodb **out);
void protodb__free(struct wm_protodb *db);
/*
 * The prototype of NAME in the object at obj_path, NULL when the database
 * has none for that library. The library is the file's name up to ".so"
 * (libc.so.6: libc; libpthread is libc's, libssl and libcrypto are looked
 * up together, libcurl-gnutls is libcurl). Valid while db lives.
 */
const char *protodb__find(const struct wm_protodb *db, const char *obj_path, const char *name);
/* Where the database was read from. */
const char *protodb__path(const struct wm_protodb *db);
/* Entries held: for tests. */
size_t protodb__size(const struct wm_protodb *db);

#endif
