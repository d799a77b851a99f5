/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python calls of a running CPython process: the BPF programs of
 * bpf/python.bpf.c on the interpreter's hooks (pyinterp.h), the decision
 * per code object, and the calls they send, as struct wm_call records.
 * Python functions become known while the process runs: each code object
 * whose module.qualname matches a -f name or pattern is announced with
 * add_func, which gives it a function id.
 */
#ifndef WM_PYTRACE_H
#define WM_PYTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "lang/python/pyinterp.h"
#include "probe/record.h"

/* A Python function met for the first time, for add_func. */
struct pyfunc_desc {
	const char *name;     /* "module.qualname", escaped nowhere: raw target text (UTF-8) */
	const char *filename; /* co_filename */
	int firstlineno;
	int pattern; /* index of the first -f that matched */
	int nr_params;
	/* "pattern", "*args", "**kwargs": in the order they bind. */
	char params[WM_PY_MAX_PARAMS + 2][WM_PY_PNAME_MAX + 2];
};

struct pytrace_opts {
	size_t sz;
	pid_t pid;
	size_t ring_size;	     /* bytes, power of two */
	const char *const *patterns; /* fnmatch patterns of "module.qualname" */
	int nr_patterns;
	/* A matching function met: its id (>= 0), or a negative errno to leave it out. */
	int (*add_func)(void *ctx, const struct pyfunc_desc *d);
	void *ctx;
	/* The interpreter's object layout (lang/python/pyvalue.h): values are snapshots; NULL: types only. */
	const struct wm_py_layout *layout;
	/* --stack: each call's Python call chain, in its view's WM_PY_STACK_SLOT (pystack.h). */
	bool stack;
	/* The id add_func() gives the first Python function (the native functions' count). */
	__u32 func_base;
};

struct pytrace;
struct wm_py_layout;

/* Load and attach; nothing stays attached on failure, err says why. */
int pytrace__new(const struct py_interp *pi, const struct pytrace_opts *opts, struct pytrace **out,
		 char *err, size_t errsz);
void pytrace__free(struct pytrace *t);
/* Where pytrace__new()'s time went: open, load (its CPU, the verifier's count), attach. */
struct tracer_phases;
void pytrace__phases(const struct pytrace *t, struct tracer_phases *ph);
/* Take the probes out; the ring stays readable. NULL-safe. */
void pytrace__detach(struct pytrace *t);
int pytrace__ringbuf_fd(const struct pytrace *t);
/*
 * One record of the Python ring. 1: v is a call of a traced function (its
 * exc_type set when it raised); 0: consumed here (a code object decided,
 * the call of one not traced); -EINVAL: malformed.
 */
int pytrace__decode(struct pytrace *t, const void *data, size_t size, struct wm_call_view *v);
/* Whether a record of the Python ring is a code object's notice (else a call's). */
bool pytrace__is_notice(const void *data, size_t size);
/*
 * The traced calls still in flight, once detached: each as an unfinished
 * record (WM_F_THREAD_EXIT when its thread is gone, WM_F_RUNNING
 * otherwise) to take(), innermost first; its result stops the walk.
 */
int pytrace__unfinished(struct pytrace *t, int (*take)(void *ctx, struct wm_call_view *v),
			void *ctx);
/* Functions pattern i matched so far. */
int pytrace__pattern_hits(const struct pytrace *t, int i);
/*
 * Code objects decided here, those BPF decided alone (no -f name could
 * match their module's and qualname's parts), and records BPF could not
 * send.
 */
void pytrace__stats(const struct pytrace *t, __u64 *notices, __u64 *in_bpf, __u64 *dropped);
/* Calls of Python function func_base + i the ring had no room for. */
__u64 pytrace__func_dropped(const struct pytrace *t, int i);
/* Calls BPF lost otherwise, by why (enum wm_py_lost); zeros without Python. */
void pytrace__lost(const struct pytrace *t, __u64 lost[WM_PY_LOST_NR]);

/*
 * Whether a -f selector means a Python function: "py:NAME" always; a
 * dotted name or pattern otherwise (the caller has found no native
 * symbol for it). *name is the part to match against "module.qualname".
 */
bool pytrace__is_python_name(const char *selector, const char **name);
/*
 * The slot of code object code in a cache of code objects: a table of
 * (1 << bits) elements of elem bytes, each starting with its code object's
 * address (0: empty), open addressing over probes slots. A full run gives
 * the first slot, to be overwritten: the tables are only caches.
 */
void *pytrace__code_slot(void *table, size_t elem, unsigned int bits, int probes, __u64 code);

/* A str's characters, as BPF read them (struct wm_py_name), in UTF-8. */
void pytrace__name_utf8(const struct wm_py_name *n, char *out, size_t size);

#endif
