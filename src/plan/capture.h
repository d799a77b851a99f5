/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The capture plan of a function: from its signature, which bytes BPF reads
 * from the process (strings, structs, buffers, stack arguments, out-
 * parameters, the user stack), when, and into which record slot, so that
 * the formatters find each parameter's bytes again.
 */
#ifndef WM_CAPTURE_H
#define WM_CAPTURE_H

#include <linux/types.h>
#include <stdbool.h>
#include "types/sig.h"
#include "wrapmon.h"

struct wm_plan_opts {
	int str_cap;	 /* --string-size: bytes kept of a string or buffer */
	bool out_params; /* read non-const pointees again at return */
	bool stack;	 /* --stack: the user stack in slot 0 */
	/* The target runs CPython: a PyObject * is captured as a Python value (WM_CAP_PYOBJ). */
	bool python;
	/*
	 * JSON shows each Python value's snapshot bytes too ("snapshot", in
	 * hex): how tools/pyvalue-fixtures.py records the unit tests' fixtures.
	 */
	bool py_snapshots;
};

struct wm_plan {
	struct wm_func_cfg cfg;		   /* for BPF; flags are the filter's and error's to add */
	int val[WM_SIG_MAX_PARAMS];	   /* value index of the parameter (its first), -1: none */
	int entry_slot[WM_SIG_MAX_PARAMS]; /* slot read at entry, -1: none */
	int out_slot[WM_SIG_MAX_PARAMS];   /* slot read again at return, -1: none */
	int ret_slot;			   /* the result's slot, -1: none */
	int stack_slot;			   /* --stack, -1: none */
	/* A "char *" member of a struct an argument points to: its string's slot, -1: none. */
	int field_slot[WM_SIG_MAX_FIELDS];
	unsigned int data_max; /* slot bytes a record may carry */
	int nr_dropped;	       /* captures left out: no slot or no room */
	bool py_snapshots;     /* wm_plan_opts.py_snapshots */
};

/* Build the plan of sig. Never fails: what does not fit is left out (nr_dropped). */
void plan__build(const struct wm_sig *sig, const struct wm_plan_opts *o, struct wm_plan *plan);

/* The value index a parameter arrives in: 0..5 a register, 6.. a stack eightbyte; -1 none. */
int plan__param_val(const struct wm_param *p);

/* Bytes through a pointer of this type worth reading (0: print it as an address). */
unsigned int plan__pointee_bytes(const struct wm_type *t);

#endif
