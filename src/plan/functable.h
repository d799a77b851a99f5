/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The table of traced functions: one struct wm_func per function each -f
 * matched, with its IFUNC resolved to the implementation, its probe placed,
 * its signature (prototype, debug info, or raw registers), its capture plan
 * and its compiled --filter / --error. What cannot be traced is refused when
 * it was named, and left out with a note when a pattern matched it.
 */
#ifndef WM_FUNCTABLE_H
#define WM_FUNCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "plan/capture.h"
#include "plan/func.h"
#include "probe/tracer.h"
#include "target/resolve.h"
#include "types/sig.h"

/* One -f argument, split into the selector the resolver takes and a prototype. */
struct wm_spec {
	char selector[512]; /* "search", "libc:strlen", "sqlite3_*" */
	bool has_proto;
	struct wm_sig sig;	 /* the prototype, when has_proto */
	const char *filter;	 /* --filter for these functions, NULL: none */
	const char *error;	 /* --error, NULL: none */
	enum wm_returns returns; /* --returns for these functions */
};

/* What the table says besides errors: a function left out, or how to get more. */
enum wm_note_kind {
	WM_NOTE, /* "note: 2 functions of 'a*' left out: ..." */
	WM_HINT, /* "hint: no debug info for search in app: ..." */
};

struct wm_functable_opts {
	size_t sz;
	struct wm_plan_opts plan; /* its str_cap is also the strings' size in expressions */
	/* --summary-only: nothing is printed, so capture only what an expression compares. */
	bool summary_only;
	bool verbose; /* also note each IFUNC a pattern skips */
	/* Entry probes stay on the first instruction (past endbr64): see disasm__entry_place(). */
	bool no_move_entry;
	/*
	 * Set (seccomp__trampoline_risk()): the trampoline's syscall could get
	 * the target killed by its seccomp filter; auto takes return sites
	 * (or entries only) for every function, and says this why.
	 */
	const char *seccomp_why;
	/* One line each, its kind's word first ("note: ..."), no '\n'; NULL: stay quiet. */
	void (*note)(void *ctx, enum wm_note_kind kind, const char *line);
	void *note_ctx;
};

struct wm_functable;

/* res must outlive the table: the functions point to its objects' paths and fds. */
int functable__new(const struct wm_resolver *res, const struct wm_functable_opts *opts,
		   struct wm_functable **out);
/*
 * Free the debug info and prototype database read while adding functions:
 * every wm_func holds its own copy of what the formatters show, and for
 * `-f 'libc:*'` these were most of the heap for the whole session. A later
 * functable__add() reopens them.
 */
void functable__release(struct wm_functable *t);
void functable__free(struct wm_functable *t);

/*
 * Add the n functions sp's selector resolved to (resolver__resolve()), each
 * (object, probe offset) once over the whole table. Returns 0 or a negative
 * errno with err set: -EINVAL when sp does not fit a function it named (a
 * run-time IFUNC, a prototype's unknown type, an expression that does not
 * compile for its signature), -ENOTSUP when the kernel cannot probe a
 * named function, -ENOMEM.
 */
int functable__add(struct wm_functable *t, const struct wm_spec *sp, struct wm_match *m, int n,
		   char *err, size_t errsz);

/*
 * Room for n more functions, so that functable__add_python() never moves
 * the array: the store and the sinks keep pointers into it.
 */
int functable__reserve(struct wm_functable *t, int n);

/* A Python function, met while the process runs (lang/python). */
struct wm_py_func {
	const char *name; /* "module.qualname" */
	const char *file; /* its source file: the function's object */
	const char *const *params;
	int nr_params;
};

/*
 * Append a Python function into the reserved room: its id, -ENOSPC when
 * the room is used up, -ENOMEM.
 */
int functable__add_python(struct wm_functable *t, const struct wm_py_func *pf);

/* The functions, indexed by wm_func.id; valid until the next functable__add(). */
int functable__funcs(struct wm_functable *t, struct wm_func **funcs);

/*
 * The tracer's view of the table, one probe per function: valid until
 * functable__free(). Returns the count, or -ENOMEM.
 */
int functable__probes(struct wm_functable *t, const struct wm_probe **probes);

/*
 * The C++ runtime's entries to probe so that calls an exception ends are
 * reported as raised: when a function with return sites is in an object
 * that imports __cxa_throw, __cxa_throw, __cxa_rethrow and __cxa_begin_catch
 * wherever the process defines them. Valid until functable__free().
 * Returns the count (0: none needed or none found), or -ENOMEM.
 */
int functable__cxa_hooks(struct wm_functable *t, const struct wm_hook **hooks);

/*
 * The n functions (ids) the kernel refused a probe on when attaching:
 * -ENOTSUP with err set when one of them was named, or when none is left;
 * else a note lists them and 0 is returned.
 */
int functable__left_out(struct wm_functable *t, const __u32 *ids, int n, char *err, size_t errsz);

#endif
