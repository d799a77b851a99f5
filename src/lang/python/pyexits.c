// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exit sites of _PyEval_EvalFrameDefault's calls (pyexits.h), from a
 * decoding of its body: backwards from each ret over the epilogue (3.10),
 * or over a flow graph of the body and its .cold part (frames entered from
 * C).
 */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>
#include "lang/python/pyexits.h"
#include "target/disasm.h"

struct py_branch {
	unsigned long from, to;
	bool jmp; /* unconditional: whatever runs at its target came from it */
};

void pyexits__body_free(struct py_eval_body *b)
{
	if (!b)
		return;
	free(b->code);
	free(b->insn);
	free(b->branches);
	free(b->rets);
}

static int branch_cmp(const void *a, const void *b)
{
	const struct py_branch *x = a, *y = b;

	return x->to < y->to ? -1 : x->to > y->to;
}

/* The first of the branches to a, or the end. */
static int branches_to(const struct py_eval_body *b, unsigned long a)
{
	int lo = 0, hi = b->nr_branches;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (b->branches[mid].to < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int decode_at(const struct pyelf *e, const struct py_eval_body *b, unsigned long a,
		     ZydisDecodedInstruction *in, ZydisDecodedOperand *ops)
{
	ZydisDecoder dec;
	unsigned long off = a - e->eval;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (off >= e->eval_size ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, b->code + off, e->eval_size - off, in, ops)))
		return -ENOEXEC;
	return 0;
}

/*
 * A linear sweep of the body (GCC puts no data in .text): its instructions
 * and the targets of its direct branches. Indirect jumps (the opcode
 * dispatch) land on handlers' labels only.
 */
int pyexits__body_read(const struct pyelf *e, struct py_eval_body *b)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	size_t cap = e->eval_size / 2 + 16;
	unsigned long a = e->eval;

	memset(b, 0, sizeof(*b));
	b->code = malloc(e->eval_size);
	b->insn = malloc(cap * sizeof(*b->insn));
	b->branches = malloc(cap * sizeof(*b->branches));
	b->rets = malloc(cap * sizeof(*b->rets));
	if (!b->code || !b->insn || !b->branches || !b->rets)
		return -ENOMEM;
	if (pyelf__read_at(e, e->eval, b->code, e->eval_size))
		return -EIO;
	while (a < e->eval + e->eval_size) {
		if (decode_at(e, b, a, &in, ops) || (size_t)b->nr_insn == cap)
			return -ENOEXEC;
		if (in.meta.category == ZYDIS_CATEGORY_RET)
			b->rets[b->nr_rets++] = b->nr_insn;
		b->insn[b->nr_insn++] = a;
		if ((in.meta.category == ZYDIS_CATEGORY_COND_BR ||
		     in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		     in.meta.category == ZYDIS_CATEGORY_CALL) &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			unsigned long t = a + in.length + ops[0].imm.value.s;

			if ((t < e->eval || t >= e->eval + e->eval_size) &&
			    in.meta.category != ZYDIS_CATEGORY_CALL)
				b->nr_out++;
			if (t >= e->eval && t < e->eval + e->eval_size)
				b->branches[b->nr_branches++] =
					(struct py_branch){ .from = a,
							    .to = t,
							    .jmp = in.meta.category ==
								   ZYDIS_CATEGORY_UNCOND_BR };
		}
		a += in.length;
	}
	qsort(b->branches, b->nr_branches, sizeof(*b->branches), branch_cmp);
	return 0;
}

/* Whether a call to target reaches the function name: directly, or by its PLT stub. */
static bool calls_sym(const struct pyelf *e, unsigned long target, const char *name)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	unsigned char buf[16];
	GElf_Sym s;

	if (pyelf__find_sym(e, name, STT_FUNC, &s) && s.st_value == target)
		return true;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	/* A stub: an endbr64 maybe, then jmp *GOT(%rip). */
	for (int i = 0; i < 2; i++) {
		if (pyelf__read_at(e, target, buf, sizeof(buf)) ||
		    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, buf, sizeof(buf), &in, ops)))
			return false;
		if (in.mnemonic == ZYDIS_MNEMONIC_ENDBR64) {
			target += in.length;
			continue;
		}
		if (in.mnemonic != ZYDIS_MNEMONIC_JMP || ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    ops[0].mem.base != ZYDIS_REGISTER_RIP ||
		    ops[0].mem.index != ZYDIS_REGISTER_NONE)
			return false;
		return pyelf__got_slot_is(e, target + in.length + ops[0].mem.disp.value, name);
	}
	return false;
}

/* Instructions an epilogue window may hold between its hook and the ret. */
#define EPILOGUE_MAX 12

/*
 * The ends of 3.10 calls at the ret at index i, up to max of them. 3.10
 * ends every call with `return _Py_CheckFunctionResult(tstate, NULL, retval,
 * __func__)`: that call, followed by nothing but the epilogue, is emulated
 * where the ret is single-stepped (17.6 us a hit against 0.5 us, measured on
 * this kind of VM). The result is its third argument, and what the epilogue
 * pops gives the ret's stack pointer. Paths that skip the call (a failed
 * recursion check) jump into the epilogue, their result in rax: their
 * jmps end calls too. A conditional branch into it would fire whichever
 * way it goes: then the ret is the hook.
 */
static int exit_sites(const struct pyelf *e, const struct py_eval_body *b, int i,
		      const char *callee, struct py_exit_site *sites, int max)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	int delta = 0, n = 0;

	for (int j = i - 1; callee && j >= 0 && i - j <= EPILOGUE_MAX; j--) {
		for (int k = branches_to(b, b->insn[j + 1]);
		     k < b->nr_branches && b->branches[k].to == b->insn[j + 1]; k++) {
			if (!b->branches[k].jmp || n == max - 1)
				goto stepped;
			sites[n++] = (struct py_exit_site){ .at = b->branches[k].from,
							    .rreg = PY_REG_AX,
							    .sp_delta = delta,
							    .jmp = true };
		}
		if (decode_at(e, b, b->insn[j], &in, ops))
			goto stepped;
		if (in.mnemonic == ZYDIS_MNEMONIC_POP &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].size == 64 &&
		    ops[0].reg.value != ZYDIS_REGISTER_RAX &&
		    ops[0].reg.value != ZYDIS_REGISTER_RSP) {
			delta += 8;
		} else if (in.mnemonic == ZYDIS_MNEMONIC_ADD &&
			   ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   ops[0].reg.value == ZYDIS_REGISTER_RSP &&
			   ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[1].imm.value.s >= 0 &&
			   ops[1].imm.value.s < 4096) {
			delta += ops[1].imm.value.s;
		} else if (in.mnemonic == ZYDIS_MNEMONIC_CALL &&
			   ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
			   calls_sym(e, b->insn[j] + in.length + ops[0].imm.value.s, callee)) {
			sites[n++] = (struct py_exit_site){ .at = b->insn[j],
							    .rreg = PY_REG_DX,
							    .sp_delta = delta };
			return n;
		} else {
			break;
		}
	}
stepped:
	sites[0] = (struct py_exit_site){ .at = b->insn[i], .rreg = PY_REG_AX, .stepped = true };
	return 1;
}

/*
 * Where _PyEval_EvalFrameDefault's calls end: at each ret, or before it
 * where exit_sites() finds a call to callee (NULL: at the rets).
 */
int pyexits__eval(const struct pyelf *e, const char *callee, struct py_exit_site *sites, int max)
{
	struct py_eval_body b;
	int n = 0, ret;

	ret = pyexits__body_read(e, &b);
	/*
	 * A body that jumps out (GCC's .cold split) may be jumped back into
	 * anywhere, past the call too: its rets alone are sure.
	 */
	if (b.nr_out)
		callee = NULL;
	for (int i = 0; !ret && i < b.nr_rets; i++) {
		if (n == max)
			ret = -E2BIG;
		else
			n += exit_sites(e, &b, b.rets[i], callee, sites + n, max - n);
	}
	pyexits__body_free(&b);
	return ret ? ret : n;
}

/*
 * Where frames entered from C end, before the ret (the kernel single-steps
 * a ret: ~19 us a hit, against ~0.5 us for the branches it emulates).
 *
 * A flow graph of _PyEval_EvalFrameDefault, its body and its .cold part
 * (reached by direct branches, no symbol in a stripped build), gives the
 * instructions every path from which reaches a ret with nothing but the
 * epilogue on the way: no branch out, the result register kept (a mov into
 * the one the ret returns moves it back), the stack pointer changed only
 * by pops and adds (the hook's stack pointer plus that is the ret's, which
 * WM_PYH_ENTRY_RET keys the frame by). Each way into that set from outside
 * it gets a hook at its first branch or call, which the kernel emulates and
 * from which the ret is certain: every end is seen (at least once: a later
 * hook on the same path finds the frame's key gone), and nothing but an end.
 * Anything the analysis cannot account for (an indirect jump other than the
 * opcode dispatch, a ret in the cold part, a way in without such a branch)
 * leaves the hook on the ret.
 */

/* Instructions of the cold part decoded at most (Debian's 3.11 has ~3,000). */
#define COLD_MAX_INSNS 32768
/* Instructions back from an indirect jmp to the load of its target. */
#define DISPATCH_MAX 16

enum flow_kind {
	FK_PLAIN, /* falls through */
	FK_JMP,	  /* direct jmp */
	FK_JCC,	  /* direct conditional branch */
	FK_CALL,  /* a call, direct or not: its callee returns */
	FK_RET,
	FK_IJMP, /* an indirect jmp (the opcode dispatch) */
	FK_END,	 /* no successor: ud2, hlt, int3 */
};

struct flow_insn {
	unsigned long at, target; /* target: a direct branch's */
	unsigned char len, kind;
	bool exits;	     /* every path from it reaches a ret, as above */
	bool indirect;	     /* an opcode handler's label: the dispatch jumps to it */
	ZydisRegister rreg;  /* exits: the register holding the result there */
	int delta;	     /* exits: the ret's stack pointer less the one there */
	int ft, tg;	     /* indices of the fall-through and the branch target, -1: none */
	int npred, pred_off; /* into flow.preds */
};

struct flow {
	struct flow_insn *in;
	int nr, cap;
	unsigned long *keys; /* open addressing: address + 1 -> index */
	int *vals, mask;
	int *preds;
	unsigned long lo, hi;	   /* the executable section */
	const unsigned char *text; /* its bytes */
};

static void flow__free(struct flow *f)
{
	free(f->in);
	free(f->keys);
	free(f->vals);
	free(f->preds);
}

static int flow__find(const struct flow *f, unsigned long a)
{
	for (unsigned long h = (a * 0x9e3779b97f4a7c15ULL) >> 32;; h++) {
		unsigned long k = f->keys[h & f->mask];

		if (!k)
			return -1;
		if (k == a + 1)
			return f->vals[h & f->mask];
	}
}

/* From the section's bytes as mapped: a read a cold instruction would cost ~10 ms in all. */
static int flow__decode(const struct flow *f, unsigned long a, ZydisDecodedInstruction *in,
			ZydisDecodedOperand *ops)
{
	ZydisDecoder dec;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (a < f->lo || a >= f->hi ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, f->text + (a - f->lo), f->hi - a, in, ops)))
		return -ENOEXEC;
	return 0;
}

/*
 * Decode and add the instruction at a; its index, or negative. Without its
 * operands (a relative branch's target is in its raw immediate): most of
 * the attach's time went to decoding every operand of the body.
 */
static int flow__add(struct flow *f, unsigned long a)
{
	ZydisDecoder dec;
	ZydisDecoderContext ctx;
	ZydisDecodedInstruction in;
	struct flow_insn *x;
	unsigned long h;

	if (f->nr == f->cap)
		return -E2BIG;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (a < f->lo || a >= f->hi ||
	    ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, &ctx, f->text + (a - f->lo), f->hi - a,
						      &in)))
		return -ENOEXEC;
	x = &f->in[f->nr];
	*x = (struct flow_insn){ .at = a, .len = in.length, .kind = FK_PLAIN, .ft = -1, .tg = -1 };
	if (in.meta.category == ZYDIS_CATEGORY_RET) {
		x->kind = FK_RET;
	} else if (in.meta.category == ZYDIS_CATEGORY_CALL) {
		x->kind = FK_CALL;
	} else if (in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		   in.meta.category == ZYDIS_CATEGORY_COND_BR) {
		if (!in.raw.imm[0].is_relative) {
			x->kind = FK_IJMP;
		} else {
			x->kind = in.meta.category == ZYDIS_CATEGORY_COND_BR ? FK_JCC : FK_JMP;
			x->target = a + in.length + in.raw.imm[0].value.s;
		}
	} else if (in.mnemonic == ZYDIS_MNEMONIC_UD2 || in.mnemonic == ZYDIS_MNEMONIC_HLT ||
		   in.mnemonic == ZYDIS_MNEMONIC_INT3) {
		x->kind = FK_END;
	}
	for (h = (a * 0x9e3779b97f4a7c15ULL) >> 32; f->keys[h & f->mask]; h++)
		;
	f->keys[h & f->mask] = a + 1;
	f->vals[h & f->mask] = f->nr;
	return f->nr++;
}

/*
 * The body, then the cold part: decoded from each direct branch target
 * outside the body (and each handler label there) up to a jmp, a ret or
 * code decoded already.
 */
static int flow__read(struct flow *f, const struct pyelf *e, unsigned long table, char *why,
		      size_t whysz)
{
	unsigned long *todo, t;
	int nr_todo = 0, size = 1, ret = 0;

	/* As pyexits__body_read(): an instruction is a byte at least, hardly ever two. */
	f->cap = e->eval_size / 2 + 16 + COLD_MAX_INSNS;
	while (size < 2 * f->cap)
		size *= 2;
	f->mask = size - 1;
	f->in = calloc(f->cap, sizeof(*f->in));
	f->keys = calloc(size, sizeof(*f->keys));
	f->vals = calloc(size, sizeof(*f->vals));
	/* Each decoded instruction adds one target at most. */
	todo = calloc(f->cap + 256, sizeof(*todo));
	if (!f->in || !f->keys || !f->vals || !todo) {
		free(todo);
		return -ENOMEM;
	}
	/* The body by a linear sweep (GCC puts no data in .text), as pyexits__body_read(). */
	for (unsigned long a = e->eval; a < e->eval + e->eval_size; a += f->in[f->nr - 1].len) {
		int k = flow__add(f, a);

		if (k < 0) {
			snprintf(why, whysz, "the body undecodable at 0x%lx", a);
			free(todo);
			return k;
		}
		if ((f->in[k].kind == FK_JMP || f->in[k].kind == FK_JCC) &&
		    (f->in[k].target < e->eval || f->in[k].target >= e->eval + e->eval_size))
			todo[nr_todo++] = f->in[k].target;
	}
	for (int i = 0; i < 256; i++)
		if (!pyelf__ptr_at(e, table + 8 * i, &t) &&
		    (t < e->eval || t >= e->eval + e->eval_size))
			todo[nr_todo++] = t;
	while (!ret && nr_todo) {
		unsigned long a = todo[--nr_todo];

		while (flow__find(f, a) < 0) {
			int k;

			/* Not an instruction of the body (they are all decoded), nor of the code. */
			if (a < f->lo || a >= f->hi ||
			    (a >= e->eval && a < e->eval + e->eval_size)) {
				snprintf(why, whysz, "a branch to 0x%lx, not an instruction", a);
				ret = -ENOEXEC;
				break;
			}
			k = flow__add(f, a);
			if (k < 0) {
				if (k == -E2BIG)
					snprintf(why, whysz, "a cold part of over %d instructions",
						 COLD_MAX_INSNS);
				else
					snprintf(why, whysz, "the cold part undecodable at 0x%lx",
						 a);
				ret = k;
				break;
			}
			if (f->in[k].kind == FK_JMP || f->in[k].kind == FK_JCC)
				todo[nr_todo++] = f->in[k].target;
			if (f->in[k].kind == FK_JMP || f->in[k].kind == FK_RET ||
			    f->in[k].kind == FK_IJMP || f->in[k].kind == FK_END)
				break;
			a += f->in[k].len;
		}
	}
	free(todo);
	return ret;
}

/* Successors and predecessors; -ENOEXEC: a branch into the middle of an instruction. */
static int flow__link(struct flow *f, char *why, size_t whysz)
{
	int n = 0;

	for (int i = 0; i < f->nr; i++) {
		struct flow_insn *x = &f->in[i];

		if (x->kind != FK_JMP && x->kind != FK_RET && x->kind != FK_IJMP &&
		    x->kind != FK_END) {
			x->ft = flow__find(f, x->at + x->len);
			if (x->ft < 0) {
				snprintf(why, whysz, "no instruction after 0x%lx", x->at);
				return -ENOEXEC;
			}
			f->in[x->ft].npred++;
		}
		if (x->kind == FK_JMP || x->kind == FK_JCC) {
			x->tg = flow__find(f, x->target);
			if (x->tg < 0) {
				snprintf(why, whysz, "a branch at 0x%lx into an instruction",
					 x->at);
				return -ENOEXEC;
			}
			f->in[x->tg].npred++;
		}
	}
	for (int i = 0; i < f->nr; i++) {
		f->in[i].pred_off = n;
		n += f->in[i].npred;
		f->in[i].npred = 0;
	}
	f->preds = malloc((n + 1) * sizeof(*f->preds));
	if (!f->preds)
		return -ENOMEM;
	for (int i = 0; i < f->nr; i++) {
		const struct flow_insn *x = &f->in[i];

		if (x->ft >= 0)
			f->preds[f->in[x->ft].pred_off + f->in[x->ft].npred++] = i;
		if (x->tg >= 0)
			f->preds[f->in[x->tg].pred_off + f->in[x->tg].npred++] = i;
	}
	return 0;
}

/*
 * Whether every way into instruction j has register r last written by a
 * load from the opcode table (table + 8 * opcode: a non-PIE build's), a
 * few instructions back at most.
 */
static bool table_loaded(const struct flow *f, const struct pyelf *e, unsigned long table, int j,
			 ZydisRegister r, int depth, int *budget)
{
	const struct flow_insn *x = &f->in[j];
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	if (depth > DISPATCH_MAX || --*budget < 0 || x->indirect || !x->npred || x->at == e->eval)
		return false;
	for (int k = 0; k < x->npred; k++) {
		int p = f->preds[x->pred_off + k];
		bool wrote = false;

		if (flow__decode(f, f->in[p].at, &in, ops))
			return false;
		for (int i = 0; i < in.operand_count; i++)
			wrote |= ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
				 (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) &&
				 disasm__reg64(ops[i].reg.value) == r;
		if (!wrote) {
			if (!table_loaded(f, e, table, p, r, depth + 1, budget))
				return false;
			continue;
		}
		if (in.mnemonic != ZYDIS_MNEMONIC_MOV || ops[0].size != 64 ||
		    ops[1].type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    ops[1].mem.base != ZYDIS_REGISTER_NONE || ops[1].mem.scale != 8 ||
		    (unsigned long)ops[1].mem.disp.value != table)
			return false;
	}
	return true;
}

/*
 * Every indirect jmp is the opcode dispatch (table_loaded()): then the
 * handlers' labels are its only targets.
 */
static int flow__check_dispatch(struct flow *f, const struct pyelf *e, unsigned long table,
				char *why, size_t whysz)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	/* Labels first: a way in through one is no load of the table. */
	for (int i = 0; i < 256; i++) {
		unsigned long t;
		int k;

		if (pyelf__ptr_at(e, table + 8 * i, &t))
			continue;
		k = flow__find(f, t);
		if (k < 0) {
			snprintf(why, whysz, "a handler label 0x%lx not at an instruction", t);
			return -ENOEXEC;
		}
		f->in[k].indirect = true;
	}
	for (int i = 0; i < f->nr; i++) {
		int budget = 256;

		if (f->in[i].kind != FK_IJMP)
			continue;
		if (flow__decode(f, f->in[i].at, &in, ops) ||
		    ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !table_loaded(f, e, table, i, disasm__reg64(ops[0].reg.value), 0, &budget)) {
			snprintf(why, whysz,
				 "an indirect jmp at 0x%lx other than the opcode dispatch",
				 f->in[i].at);
			return -ENOTSUP;
		}
	}
	return 0;
}

static bool callee_saved(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_RBX || r == ZYDIS_REGISTER_RBP || r == ZYDIS_REGISTER_R12 ||
	       r == ZYDIS_REGISTER_R13 || r == ZYDIS_REGISTER_R14 || r == ZYDIS_REGISTER_R15;
}

/*
 * The state before a plain instruction from the one after it: false where
 * it writes the stack pointer other than by a pop or an add, or the result
 * register other than by a mov from another register.
 */
static bool step_back(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
		      ZydisRegister *r, int *delta)
{
	if (in->mnemonic == ZYDIS_MNEMONIC_POP && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[0].size == 64 && disasm__reg64(ops[0].reg.value) != *r &&
	    disasm__reg64(ops[0].reg.value) != ZYDIS_REGISTER_RSP) {
		*delta += 8;
		return true;
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_ADD && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[0].reg.value == ZYDIS_REGISTER_RSP && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
	    ops[1].imm.value.s >= 0 && ops[1].imm.value.s < 4096) {
		*delta += ops[1].imm.value.s;
		return true;
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_MOV && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[0].reg.value == *r && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[1].size == 64 && ops[1].reg.value != ZYDIS_REGISTER_RSP) {
		*r = ops[1].reg.value;
		return true;
	}
	for (int i = 0; i < in->operand_count; i++) {
		ZydisRegister w;

		if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		w = disasm__reg64(ops[i].reg.value);
		if (w == *r || w == ZYDIS_REGISTER_RSP)
			return false;
	}
	return true;
}

/* Whether x joins the set, from its successors' states (flow comment above). */
static bool flow__eval(const struct flow *f, struct flow_insn *x)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const struct flow_insn *s = x->ft >= 0 ? &f->in[x->ft] : NULL,
			       *t = x->tg >= 0 ? &f->in[x->tg] : NULL;
	ZydisRegister r;
	int delta;

	switch (x->kind) {
	case FK_JMP:
		if (!t->exits)
			return false;
		s = t;
		break;
	case FK_JCC:
		if (!s->exits || !t->exits || s->rreg != t->rreg || s->delta != t->delta)
			return false;
		break;
	case FK_CALL:
		if (!s->exits || !callee_saved(s->rreg))
			return false;
		break;
	case FK_PLAIN:
		if (!s->exits)
			return false;
		r = s->rreg;
		delta = s->delta;
		if (flow__decode(f, x->at, &in, ops) || !step_back(&in, ops, &r, &delta))
			return false;
		x->exits = true;
		x->rreg = r;
		x->delta = delta;
		return true;
	default:
		return false;
	}
	x->exits = true;
	x->rreg = s->rreg;
	x->delta = s->delta;
	return true;
}

/*
 * Whether no other decoded instruction overlaps the one at index i: a uprobe
 * on a misaligned decoding (code run into past a call that never returns)
 * would corrupt the instruction it lands in.
 */
static bool flow__aligned(const struct flow *f, int i)
{
	const struct flow_insn *x = &f->in[i];

	for (int off = 1; off < x->len; off++)
		if (flow__find(f, x->at + off) >= 0)
			return false;
	for (int back = 1; back < 15 && back <= (int)(x->at - f->lo); back++) {
		int k = flow__find(f, x->at - back);

		if (k >= 0 && f->in[k].len > back)
			return false;
	}
	return true;
}

/* A branch or call the kernel emulates (no prefix, a relative target), by its bytes. */
static bool emulated(const struct pyelf *e, unsigned long a)
{
	unsigned char c[2];

	return !pyelf__read_at(e, a, c, sizeof(c)) && disasm__emulated(c, sizeof(c));
}

/*
 * The sites ending frames entered from C, before the ret: their number,
 * or negative with why (then the ret is the hook).
 */
int pyexits__entry(const struct pyelf *e, unsigned long table, struct py_exit_site *sites, int max,
		   char *why, size_t whysz)
{
	struct flow f = { 0 };
	int *work = NULL, nr_work = 0, n = 0, ret;

	ret = pyelf__text(e, &f.lo, &f.hi, &f.text);
	if (ret) {
		snprintf(why, whysz, "no code section");
		goto cleanup;
	}
	ret = flow__read(&f, e, table, why, whysz);
	if (!ret)
		ret = flow__link(&f, why, whysz);
	if (!ret)
		ret = flow__check_dispatch(&f, e, table, why, whysz);
	if (ret)
		goto cleanup;
	work = malloc(f.nr * sizeof(*work));
	if (!work) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < f.nr; i++) {
		struct flow_insn *x = &f.in[i];

		if (x->kind != FK_RET)
			continue;
		if (x->at < e->eval || x->at >= e->eval + e->eval_size) {
			snprintf(why, whysz, "a ret at 0x%lx in the cold part", x->at);
			ret = -ENOTSUP;
			goto cleanup;
		}
		x->exits = true;
		x->rreg = ZYDIS_REGISTER_RAX;
		work[nr_work++] = i;
	}
	/* Each instruction joins once: the work list never holds more than all of them. */
	while (nr_work) {
		const struct flow_insn *y = &f.in[work[--nr_work]];

		for (int k = 0; k < y->npred; k++) {
			int p = f.preds[y->pred_off + k];

			if (!f.in[p].exits && flow__eval(&f, &f.in[p]))
				work[nr_work++] = p;
		}
	}
	for (int i = 0; i < f.nr; i++) {
		const struct flow_insn *y = &f.in[i], *h;
		bool entry = y->indirect || y->at == e->eval || !y->npred, dup = false;

		for (int k = 0; y->exits && !entry && k < y->npred; k++)
			entry = !f.in[f.preds[y->pred_off + k]].exits;
		if (!y->exits || !entry)
			continue;
		/* Its first branch or call: every path from the way in runs it. */
		for (h = y; h->kind == FK_PLAIN; h = &f.in[h->ft])
			;
		if (h->kind == FK_RET || !emulated(e, h->at) || !flow__aligned(&f, h - f.in) ||
		    disasm__reg_slot(h->rreg) < 0) {
			snprintf(why, whysz, "no emulated branch from 0x%lx to the ret", y->at);
			ret = -ENOENT;
			goto cleanup;
		}
		for (int k = 0; k < n; k++)
			dup |= sites[k].at == h->at;
		if (dup)
			continue;
		if (n == max) {
			snprintf(why, whysz, "more than %d ways to the ret", max);
			ret = -E2BIG;
			goto cleanup;
		}
		sites[n++] = (struct py_exit_site){ .at = h->at,
						    .rreg = disasm__reg_slot(h->rreg),
						    .sp_delta = h->delta,
						    .jmp = h->kind != FK_CALL };
	}
	ret = n ? n : -ENOENT;
	if (!n)
		snprintf(why, whysz, "no way to the ret");
cleanup:
	free(work);
	flow__free(&f);
	return ret;
}
