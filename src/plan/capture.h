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

/* A piece of a parameter with a DWARF location: its bytes [at, at + size) are value val's. */
struct wm_plan_piece {
	signed char val;
	unsigned char at, size;
};

struct wm_plan_loc {
	bool optimized_out; /* the debug info says it is not available at the probe */
	unsigned char nr;   /* pieces; 0: read as the C ABI says (val[]) */
	struct wm_plan_piece p[WM_LOC_MAX_PIECES];
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
	/* Parameters read where their DWARF location says (cfg.vsrc[], WM_FC_LOCS). */
	struct wm_plan_loc loc[WM_SIG_MAX_PARAMS];
	unsigned int data_max; /* slot bytes a record may carry */
	int nr_dropped;	       /* captures left out: no slot or no room */
	bool py_snapshots;     /* wm_plan_opts.py_snapshots */
};

/* Build the plan of sig. Never fails: what does not fit is left out (nr_dropped). */
void plan__build(const struct wm_sig *sig, const struct wm_plan_opts *o, struct wm_plan *plan);

struct wm_prologue;

/*
 * Pieces of sig's DWARF locations that are stack slots of the body (they
 * hold once the prologue stored the register) as what they are at entry:
 * that register, or the incoming stack arguments. A piece the prologue
 * does not explain leaves its parameter to the C ABI (C, C++: the ABI is
 * the language's) or optimized out (Rust, whose ABI is its compiler's).
 */
void plan__locs_at_entry(struct wm_sig *sig, const struct wm_prologue *pr);

/*
 * The value index a parameter arrives in: 0..5 a register, 6.. a stack
 * eightbyte; -1 none (also when its DWARF location at the probe is
 * elsewhere, or nowhere: optimized out).
 */
int plan__param_val(const struct wm_param *p);

/* Bytes through a pointer of this type worth reading (0: print it as an address). */
unsigned int plan__pointee_bytes(const struct wm_type *t);

/*
 * The registers (bit r: pt_regs slot r, WM_PT_*) whose values at entry the
 * plan reads: the C ABI's it uses, or its value sources'.
 */
__u32 plan__regs_read(const struct wm_sig *sig, const struct wm_plan *plan);

/*
 * For an entry probe moved past instructions that left rsp alone: read
 * each register's entry value where it is now, now_in[r] (-1: gone, read
 * as 0; only registers plan__regs_read() did not name may be gone).
 */
void plan__regs_moved(struct wm_plan *plan, const signed char now_in[WM_PT_NR]);

#endif
