/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The CPython interpreter a process runs: which mapped object it is, its
 * version and build, where its calls start and end (the hooks) and the
 * offsets of the objects BPF reads (frames, code objects, functions).
 */
#ifndef WM_PYINTERP_H
#define WM_PYINTERP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "lang/python/pyqual.h"
#include "wrapmon_py.h"

struct wm_dwarf;
struct wm_resolver;

#define PY_MAX_HOOKS 16

struct py_hook {
	unsigned long file_off; /* where its uprobe goes in the interpreter's file */
	__u64 cookie;		/* WM_PY_COOKIE() */
	char what[256];		/* for -v: "RESUME (151): je at +0x8629, frame in rbx" */
};

struct py_interp {
	int obj;	  /* the resolver's index of the interpreter object */
	const char *path; /* the resolver's */
	int fd;		  /* the resolver's */
	int minor, micro;
	char version_how[64];
	char build_id[41];
	bool has_symtab; /* not stripped */
	char offsets_how[64];
	struct wm_py_offsets off;
	struct pyqual_offsets qual; /* 3.10: what its namespaces' qualnames are read with */
	bool qual_dwarf;	    /* all of qual from its DWARF (else some from the table) */
	struct py_hook hooks[PY_MAX_HOOKS];
	int nr_hooks;
};

/*
 * Find the interpreter process pid runs among the resolver's objects.
 * -ENOENT: none (not a CPython process), err says what was looked for.
 * -ENOTSUP: one was found that cannot be traced; err is one line naming
 * what was found and what is missing. 0: *out filled. dw: the DWARF
 * already open on the interpreter's file (pyvalue__layout_of_pid()), used
 * when it is that file's (dwarf__is_of()), or NULL; not taken over.
 */
int pyinterp__find(const struct wm_resolver *res, pid_t pid, struct wm_dwarf *dw,
		   struct py_interp **out, char *err, size_t errsz);
/*
 * The same for an interpreter file (fd open on it, path as the process sees
 * it; both must outlive *out). pid 0: no process (the thread state's
 * address stays link-time), for tests.
 */
int pyinterp__open(const char *path, int fd, pid_t pid, struct wm_dwarf *dw, struct py_interp **out,
		   char *err, size_t errsz);
void pyinterp__free(struct py_interp *pi);
/* "3.12.1", "3.10" (micro unknown), "3.?". */
void pyinterp__version(const struct py_interp *pi, char *buf, size_t size);

#endif
