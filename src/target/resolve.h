/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which functions to probe: the ELF objects a process has mapped (read
 * with procmaps.h), their function symbols (elfsym.h), and "-f" selectors
 * resolved to file offsets.
 */
#ifndef WM_RESOLVE_H
#define WM_RESOLVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "target/elfsym.h"

#define WM_ERR_MAX 512

struct stat;
struct wm_mapping; /* target/procmaps.h */

/*
 * The ELF file behind a mapping of process pid, for reading: its path is
 * looked up as the process sees it, inside rootfd (an O_PATH fd on
 * /proc/PID/root; -1: as is) without a symlink ever leading out of it, and
 * the file must be the one mapped (same inode), else a deleted or replaced
 * file is opened through /proc/PID/map_files. Returns the fd and fills *st,
 * or a negative errno (-ENOEXEC: not a regular ELF file, -ESTALE).
 */
int mapping__open_elf(pid_t pid, int rootfd, const struct wm_mapping *m, struct stat *st);

/* Reads a whole file; /proc files have no size, so fstat() cannot size the read. */
int proc__read_file(const char *path, char **out);

/* A target process's objects. */
struct wm_resolver;

struct wm_resolver_opts {
	size_t sz;
	/*
	 * Open files as seen from this root directory (e.g. "/proc/PID/root"),
	 * never following a symlink out of it (openat2 RESOLVE_IN_ROOT).
	 * NULL or "" opens paths as they are.
	 */
	const char *root;
};

/* The process's executable first, then each mapped ELF object once. */
int resolver__new_pid(pid_t pid, struct wm_resolver **out, char *err, size_t errsz);
/* For tests: objects given as paths; the first one is the "executable". */
int resolver__new_paths(const char *const *paths, int n, const struct wm_resolver_opts *opts,
			struct wm_resolver **out, char *err, size_t errsz);
void resolver__free(struct wm_resolver *r);
int resolver__nr_objs(const struct wm_resolver *r);
/* Path as the process sees it, e.g. "/usr/lib/x86_64-linux-gnu/libc.so.6". */
const char *resolver__obj_path(const struct wm_resolver *r, int idx);
/* An fd open on the object, for uprobe attach through /proc/self/fd/N and for DWARF. */
int resolver__obj_fd(const struct wm_resolver *r, int idx);
/* The function symbols of object idx (elf_obj__syms()), sorted by name. */
int resolver__obj_syms(const struct wm_resolver *r, int idx, const struct wm_sym **syms);
/* File offset of a link-time address in object idx; -ENOENT outside its PT_LOADs. */
int resolver__vaddr_to_off(const struct wm_resolver *r, int idx, unsigned long vaddr,
			   unsigned long *off);

/*
 * The object part of a selector (LIB or /path before its ':', as resolving
 * reads it: "ns::f" has none) copied to scope: its length, 0 when none.
 */
size_t resolver__selector_scope(const char *selector, char *scope, size_t size);
/*
 * Whether selector names an object (LIB:NAME, /path:NAME) that no object of
 * r matches, such as a library the process has not loaded yet; the object
 * part is then copied to scope.
 */
bool resolver__scope_unmapped(const struct wm_resolver *r, const char *selector, char *scope,
			      size_t size);
/*
 * Add an object the process has not mapped (yet), by its path as the
 * process sees it, so that selectors can name it: its index (an object
 * already there: that one), or a negative errno with err set.
 */
int resolver__add_unmapped(struct wm_resolver *r, const char *path, char *err, size_t errsz);
/* Whether an object's path (or base name) is one LIB names in LIB:NAME (see below). */
bool resolver__lib_matches(const char *lib, const char *path);

struct wm_match {
	int obj; /* index into the resolver's objects */
	char sym[256];
	unsigned long vaddr;
	unsigned long file_off;
	unsigned long size; /* the symbol's st_size; 0: unknown */
	bool ifunc;	    /* the symbol is an IFUNC: see ifunc.h */
};

/*
 * Resolve one selector:
 *   NAME or PATTERN          every object, executable first
 *   LIB:NAME                 objects whose base name is LIB, LIB.so, LIB.so.N,
 *                            libLIB.so... (e.g. "libc" and "c" both match libc.so.6)
 *   /path/to/obj:NAME        that object (as the process sees the path)
 * PATTERN uses shell wildcards (fnmatch: * ? [..]; see demangle__is_pattern()).
 * A NAME is a symbol's own name first; else C++ and Rust functions by their
 * demangled names (demangle__match()): those it names whole, else those it
 * names from an inner scope. It may mean several functions of one object
 * (overloads, template instances): all are matched. A symbol's own name at
 * several addresses of one object (static functions) is ambiguous (-EEXIST).
 * A NAME defined in several objects is ambiguous (-EEXIST, err lists the
 * objects) unless one of them is the executable, which then wins. A pattern
 * matches symbols' own and demangled names in every object, each (object,
 * address) once. Aliases (several names at one address in one object) are one
 * match when they come from a pattern; the first name in sort order is kept.
 * Not found: -ENOENT with err naming the objects searched (or how many) and
 * up to 5 closest names (demangled when they are C++ or Rust), only those a
 * few edits away, fewest edits and longest common start first.
 * On success returns the number of matches (>= 1), *out is malloc'ed.
 */
int resolver__resolve(const struct wm_resolver *r, const char *selector, struct wm_match **out,
		      char *err, size_t errsz);

#endif /* WM_RESOLVE_H */
