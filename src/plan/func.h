/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The model: a traced function, as the function table builds it and as the
 * store, the database, the metrics and the formatters read it.
 */
#ifndef WM_FUNC_H
#define WM_FUNC_H

#include <linux/types.h>
#include <stdbool.h>
#include "plan/capture.h"
#include "types/sig.h"

struct wm_expr;

/*
 * Names code addresses of the traced process (function pointers, --stack):
 * sym is "" when no symbol covers addr, obj "" when no mapping does. A
 * return address (ret_addr) is looked up one byte back, inside its call.
 */
struct wm_sym_hook {
	/* addr in process pid (each lays its code out differently). */
	int (*lookup)(void *ctx, __u32 pid, __u64 addr, bool ret_addr, const char **sym,
		      unsigned long *off, const char **obj);
	void *ctx;
};

/*
 * An object file traced functions live in: one entry per object, which all
 * of its functions point to, so that its path is kept once.
 */
struct wm_object {
	const char *path; /* as the process sees it */
	int fd;		  /* open on the file, for the probes; -1: none */
};

/* What -f / --returns asked for; the plan's ret_mode is what it resolved to. */
enum wm_returns {
	WM_RETURNS_AUTO = 0,
	WM_RETURNS_TRAMPOLINE,
	WM_RETURNS_SITES,
	WM_RETURNS_NONE, /* --entry-only */
};

/* One return site of a probe plan. */
struct wm_plan_site {
	unsigned long file_off; /* where its uprobe goes */
	__u64 cookie;		/* WM_SITE_COOKIE(): id, kind, condition, register, offset */
	__u8 kind;		/* WM_CK_* (= enum wm_site_kind) */
	char target[64];	/* tail calls: the callee's name, or its address; else "" */
};

/*
 * The probe plan: how one function is probed and its calls paired and
 * shown. The seam every language front-end fills in its own way (Python:
 * pairing by frame, Go: by goroutine and its own ABI); C fills it here.
 */
struct wm_probe_plan {
	unsigned long entry_off; /* the entry probe's file offset */
	/* The instruction it is on ("push"), and whether the kernel single-steps it. */
	char entry_insn[32];
	bool entry_sstep;
	unsigned int entry_moved;   /* bytes it was moved on past its first instruction */
	__u8 ret_mode;		    /* enum wm_ret_mode: resolved, never "auto" */
	const char *pair;	    /* the pairing key of entry and return: "thread+sp" */
	const char *render;	    /* how values are read: "C" (the C ABI) */
	__u32 code_size;	    /* bytes of its own code from its first byte */
	struct wm_plan_site *sites; /* WM_RET_SITES: where calls end */
	int nr_sites;
	/* The same, as the tracer takes them. */
	unsigned long *site_offs;
	__u64 *site_cookies;
};

/* A traced function: what the store, the formatters and the sinks know of it. */
struct wm_func {
	__u32 id;	   /* BPF cookie, index into the function table */
	bool from_pattern; /* matched a pattern, not a name: may be left out with a note */
	char name[256];	   /* symbol name, demangled */
	const struct wm_object *object;
	unsigned long file_off; /* its probe's offset in the object's file */
	struct wm_sig sig;
	struct wm_plan plan; /* where each parameter's captured bytes are (plan__build()) */
	/* Compiled for this function's signature; NULL: none. */
	struct wm_expr *filter;
	struct wm_expr *error;
	const struct wm_sym_hook *syms; /* NULL: addresses stay numbers */
	char *error_expr;		/* --error as written back (owned), NULL when none */
	/*
	 * A C++ exception can end its calls and they are reported as raised
	 * (errors): return sites in an object that throws, the runtime probed.
	 */
	bool raises;
	struct wm_probe_plan probe; /* how it is probed (functable) */
};

/* The object's path, "" when the function has none (a test's). */
static inline const char *func__obj_path(const struct wm_func *f)
{
	return f->object && f->object->path ? f->object->path : "";
}

#endif
