/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which functions to probe: the ELF objects a process has mapped, their
 * function symbols, and "-f" selectors resolved to file offsets.
 */
#ifndef WM_RESOLVE_H
#define WM_RESOLVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define WM_ERR_MAX 512

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

struct stat;

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

/* An ELF object opened for symbol lookup. */
struct elf_obj;

struct wm_sym {
	const char *name;	 /* owned by the elf_obj */
	unsigned long vaddr;	 /* st_value */
	unsigned long size;
	unsigned long file_off;	 /* where the uprobe goes */
	bool global;		 /* STB_GLOBAL or STB_WEAK */
	bool from_dynsym;
	bool ifunc;		 /* STT_GNU_IFUNC: the address is the resolver's */
};

/* Takes ownership of fd on success. */
int elf_obj__open_fd(int fd, const char *name, struct elf_obj **out);
int elf_obj__open(const char *path, struct elf_obj **out);
void elf_obj__free(struct elf_obj *obj);
/*
 * Defined function symbols (STT_FUNC and STT_GNU_IFUNC, st_shndx defined,
 * st_value != 0): all of .symtab, then the .dynsym names not already seen.
 * Sorted by name. Valid until elf_obj__free().
 */
int elf_obj__syms(const struct elf_obj *obj, const struct wm_sym **syms);
/* Virtual address to file offset through the PT_LOAD headers; -ENOENT. */
int elf_obj__vaddr_to_off(const struct elf_obj *obj, unsigned long vaddr,
			  unsigned long *off);
/*
 * File offset to virtual address, the inverse: where code mapped from that
 * offset sits in the object's link-time layout (what the symbols use). -ENOENT
 * outside the file part of every PT_LOAD.
 */
int elf_obj__off_to_vaddr(const struct elf_obj *obj, unsigned long off, unsigned long *vaddr);
bool elf_obj__is_pie_or_dso(const struct elf_obj *obj); /* ET_DYN */
int elf_obj__fd(const struct elf_obj *obj); /* -EBADF once closed */
/*
 * The symbols and segments are copies: a user that needs no fd (a symbolizer
 * caching every object a process maps) closes it to keep its fd count low.
 */
void elf_obj__close_fd(struct elf_obj *obj);

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
#define wm_resolver_opts__last_field root

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
/* File offset of a link-time address in object idx; -ENOENT outside its PT_LOADs. */
int resolver__vaddr_to_off(const struct wm_resolver *r, int idx, unsigned long vaddr,
			   unsigned long *off);

struct wm_match {
	int obj;		/* index into the resolver's objects */
	char sym[256];
	unsigned long vaddr;
	unsigned long file_off;
	bool ifunc;		/* the symbol is an IFUNC: see ifunc.h */
};

/*
 * Resolve one selector:
 *   NAME or PATTERN          every object, executable first
 *   LIB:NAME                 objects whose base name is LIB, LIB.so, LIB.so.N,
 *                            libLIB.so... (e.g. "libc" and "c" both match libc.so.6)
 *   /path/to/obj:NAME        that object (as the process sees the path)
 * PATTERN uses shell wildcards (fnmatch: * ? [..]).
 * A plain NAME (no wildcard) defined in several objects is ambiguous
 * (-EEXIST, err lists the objects) unless one of them is the executable,
 * which then wins. A pattern matches in every object, each (object, address)
 * once. Aliases (several names at one address in one object) are one match
 * when they come from a pattern; the first name in sort order is kept.
 * Not found: -ENOENT with err naming the objects searched (or how many) and
 * up to 5 closest names by edit distance.
 * On success returns the number of matches (>= 1), *out is malloc'ed.
 */
int resolver__resolve(const struct wm_resolver *r, const char *selector,
		      struct wm_match **out, char *err, size_t errsz);

#endif /* WM_RESOLVE_H */
