/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where CPython's _PyEval_EvalFrameDefault calls end, from its machine
 * code: 3.10's calls (its ret instructions, or the call to
 * _Py_CheckFunctionResult before each) and the frames a build without a
 * frame-clear symbol enters from C (Debian's 3.11: a flow graph of the body
 * and its .cold part). A site the kernel emulates costs ~0.5 us a hit, a
 * ret, which it single-steps, ~18 us: the sites are before the rets where
 * the analysis can show that nothing but the epilogue follows.
 */
#ifndef WM_PYEXITS_H
#define WM_PYEXITS_H

#include <stdbool.h>
#include <stddef.h>
#include "lang/python/pyelf.h"

/* pt_regs slots (disasm__reg_slot()) of the argument and result registers used. */
#define PY_REG_DI 14
#define PY_REG_SI 13
#define PY_REG_DX 12
#define PY_REG_AX 10

struct py_branch;

/* Where a call ends at a ret, or at an emulated instruction before it. */
struct py_exit_site {
	unsigned long at;
	int rreg;     /* the register holding the result there */
	int sp_delta; /* what the ret's stack pointer is more than the one there */
	bool stepped; /* a ret: the kernel single-steps it */
	bool jmp;     /* a jmp into the epilogue, not the call */
};

/* _PyEval_EvalFrameDefault's body, read once for the sweeps over it. */
struct py_eval_body {
	unsigned char *code;
	unsigned long *insn;	    /* instruction addresses in order */
	struct py_branch *branches; /* direct branches to inside it, sorted by target */
	int *rets;		    /* indices of its ret instructions */
	int nr_insn, nr_branches, nr_rets;
	int nr_out; /* jumps out of it (to a .cold part, which may jump back anywhere) */
};

/*
 * Decode e->eval's body (e->eval_size bytes): its instructions, rets and
 * direct branches. Negative errno: b may be partly filled, free it still.
 */
int pyexits__body_read(const struct pyelf *e, struct py_eval_body *b);
/* NULL-safe; frees what b holds, not b. */
void pyexits__body_free(struct py_eval_body *b);

/*
 * 3.10: where the eval loop's calls end, up to max sites: before each ret
 * at the call to callee with nothing but the epilogue after it (and the
 * jmps into that epilogue), else at the ret (callee NULL: the rets). Their
 * number, or negative errno (-E2BIG: more than max).
 */
int pyexits__eval(const struct pyelf *e, const char *callee, struct py_exit_site *sites, int max);

/*
 * Where the frames entered from C end, before the ret, up to max sites:
 * their number, or negative errno with why (one line) saying what the
 * analysis could not account for (then the rets are the hooks). table: the
 * opcode_targets table's link-time address.
 */
int pyexits__entry(const struct pyelf *e, unsigned long table, struct py_exit_site *sites, int max,
		   char *why, size_t whysz);

#endif
