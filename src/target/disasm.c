// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A function's return sites, found by decoding its x86-64 machine code.
 *
 * The decoder is Zydis (Debian's libzydis-dev 4.0), not Capstone: Zydis is
 * an x86-only decoder that gives each instruction's exact length, its
 * operands (register, memory with base/index, relative immediates) and
 * computes branch targets, allocates nothing and needs no handle to free,
 * and is fast (every function of libc, cold parts followed, in a fraction
 * of a second); Capstone 4 is multi-architecture, its x86 details come
 * through a generic API that allocates (cs_disasm mallocs every array).
 * We only need the decoder (no formatter), with instruction categories
 * (ret, jcc, jmp, call) to classify control flow.
 *
 * The algorithm:
 *  - The symbol's own range [entry, entry + size) is decoded linearly:
 *    jump-table targets live inside it, so every ret there is found even
 *    when no direct branch reaches it. Every instruction must decode and
 *    the last one must end inside the range.
 *  - A direct jmp/jcc whose target lies outside that range and is not the
 *    start of another function is a part of this function (GCC's
 *    NAME.cold, for which stripped objects have no symbol): it is decoded
 *    by following control flow from the target (each block until an
 *    unconditional terminator), and its extent recorded in ranges[].
 *    size == 0 (unknown extent) follows control flow from entry only.
 *  - Exits: ret (any prefix: rep ret, bnd ret) -> WM_SITE_RET; jmp or jcc
 *    to a function start (is_func, the entry itself, or code that looks
 *    like one: endbr64 or a PLT stub's `jmp *GOT(%rip)`) -> TAIL_JMP /
 *    TAIL_JCC; jmp through a register -> TAIL_JMP_REG (decided at run time:
 *    a tail call when the register points outside every range).
 *  - jmp through memory (a `notrack jmp *(%rax,%rdx,8)` jump table, or
 *    `jmp *x(%rip)`) cannot be followed: -ENOTSUP, and the caller keeps the
 *    trampoline. So does an indirect jmp when size is 0 (a jump table whose
 *    cases we cannot see), bytes that do not decode, a far branch, and a
 *    jump into the middle of an instruction of the symbol's range.
 *  - Calls are not exits, even to noreturn functions. In code reached
 *    outside the symbol, falling through past a call stops where what
 *    follows is someone else's: a symbol start (is_sym), the entry, code
 *    that looks like a function, or padding (nops: compilers align jump
 *    targets and functions, never a call's return point).
 *
 * Checked against objdump on Debian 12's libc, libstdc++, libcrypto and
 * python3.11: every ret objdump shows in a function that is not refused is
 * found; about 1% of functions are refused (jump tables of non-PIC code,
 * tail calls through the GOT, data in hand-written assembly).
 *
 * Limits (returns not found): rets reached only through an indirect jump
 * whose targets are outside the symbol (a jump-table case GCC moved to
 * NAME.cold: at run time that jmp looks like a tail call), and rets in code
 * reached only by the unwinder (a landing pad inside a .cold part for a
 * call made there; landing pads in the symbol's range are swept). A
 * stripped local function tail-called by a direct jmp is taken for a part
 * of this function (its rets are listed; the caller's pairing by stack
 * pointer keeps other callers' returns apart). Bytes of data inside a
 * symbol's range are decoded as if they were code. Each site must still
 * pass insn__uprobe_refused(): `notrack jmp *%rax` carries a DS prefix the
 * kernel refuses to probe.
 *
 * Register numbers (wm_site.reg) are the index of the register's 8-byte
 * slot in the kernel's struct pt_regs for x86-64
 * (arch/x86/include/uapi/asm/ptrace.h, !__i386__), so BPF can read
 * ((__u64 *)ctx)[reg]: r15=0, r14=1, r13=2, r12=3, rbp=4, rbx=5, r11=6,
 * r10=7, r9=8, r8=9, rax=10, rcx=11, rdx=12, rsi=13, rdi=14, (orig_rax=15,
 * rip=16, cs=17, eflags=18) rsp=19.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>
#include "target/disasm.h"

#define MAX_INSN_LEN 15

struct dctx {
	const struct disasm_opts *o;
	ZydisDecoder dec;
	__u64 entry, end; /* the symbol's range; end == entry when size is 0 */
	unsigned char *own;
	unsigned char *starts; /* bitmap: instruction starts in [entry, end) */
	__u64 *seen;	       /* open addressing, addr + 1, 0 empty: decoded outside */
	size_t seen_cap, seen_n;
	__u64 *work;
	size_t work_n, work_cap;
	size_t insns, max_insns;
	struct wm_sites *out;
	int sites_cap, ranges_cap;
};

static int fail(struct dctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct dctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->out->why_not, sizeof(c->out->why_not), fmt, ap);
	va_end(ap);
	return err;
}

static bool in_own(const struct dctx *c, __u64 a)
{
	return a >= c->entry && a < c->end;
}

static bool own_start(const struct dctx *c, __u64 a)
{
	__u64 off = a - c->entry;

	return c->starts[off / 8] & (1u << (off % 8));
}

static bool is_func(const struct dctx *c, __u64 a)
{
	return c->o->is_func && c->o->is_func(c->o->ctx, a);
}

static bool is_sym(const struct dctx *c, __u64 a)
{
	if (c->o->sz > offsetof(struct disasm_opts, is_sym) && c->o->is_sym)
		return c->o->is_sym(c->o->ctx, a);
	return is_func(c, a);
}

/* Has addr been decoded outside the symbol's range? Marks it when not. */
static int seen_add(struct dctx *c, __u64 addr, bool *was)
{
	size_t i, mask;

	if ((c->seen_n + 1) * 2 > c->seen_cap) {
		size_t cap = c->seen_cap ? c->seen_cap * 2 : 256;
		__u64 *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (i = 0; i < c->seen_cap; i++) {
			__u64 k = c->seen[i];
			size_t j;

			if (!k)
				continue;
			for (j = (k * 0x9e3779b97f4a7c15ull) >> 20 & (cap - 1); t[j];
			     j = (j + 1) & (cap - 1))
				;
			t[j] = k;
		}
		free(c->seen);
		c->seen = t;
		c->seen_cap = cap;
	}
	mask = c->seen_cap - 1;
	for (i = ((addr + 1) * 0x9e3779b97f4a7c15ull) >> 20 & mask; c->seen[i];
	     i = (i + 1) & mask) {
		if (c->seen[i] == addr + 1) {
			*was = true;
			return 0;
		}
	}
	c->seen[i] = addr + 1;
	c->seen_n++;
	*was = false;
	return 0;
}

static int push_work(struct dctx *c, __u64 addr)
{
	if (c->work_n == c->work_cap) {
		size_t cap = c->work_cap ? c->work_cap * 2 : 64;
		__u64 *t = realloc(c->work, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		c->work = t;
		c->work_cap = cap;
	}
	c->work[c->work_n++] = addr;
	return 0;
}

static int add_site(struct dctx *c, __u64 addr, const ZydisDecodedInstruction *in, int kind,
		    __u64 target, int cond, int reg)
{
	struct wm_sites *s = c->out;

	if (s->n == c->sites_cap) {
		int cap = c->sites_cap ? c->sites_cap * 2 : 16;
		struct wm_site *t = realloc(s->v, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->v = t;
		c->sites_cap = cap;
	}
	s->v[s->n++] = (struct wm_site){
		.addr = addr,
		.target = target,
		.kind = kind,
		.cond = cond,
		.reg = reg,
		.len = in->length,
	};
	return 0;
}

static int add_range(struct dctx *c, __u64 start, __u64 end)
{
	struct wm_sites *s = c->out;

	if (s->nr_ranges == c->ranges_cap) {
		int cap = c->ranges_cap ? c->ranges_cap * 2 : 8;
		struct wm_code_range *t = realloc(s->ranges, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->ranges = t;
		c->ranges_cap = cap;
	}
	s->ranges[s->nr_ranges++] = (struct wm_code_range){ start, end };
	return 0;
}

/*
 * Read and decode one instruction at addr, outside the symbol's bytes: 0,
 * the read's negative errno (-EIO when it read nothing), or -ENOTSUP when
 * the bytes do not decode. Failures are the caller's to report, or not.
 */
static int read_decode(struct dctx *c, __u64 addr, ZydisDecodedInstruction *in,
		       ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT])
{
	unsigned char buf[MAX_INSN_LEN];
	ssize_t n;

	n = c->o->read(c->o->ctx, addr, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	if ((size_t)n > sizeof(buf))
		n = sizeof(buf);
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&c->dec, buf, n, in, ops)))
		return -ENOTSUP;
	return 0;
}

/* Decode the instruction at addr, from the symbol's bytes or read outside them. */
static int decode(struct dctx *c, __u64 addr, ZydisDecodedInstruction *in,
		  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT])
{
	int ret;

	if (++c->insns > c->max_insns)
		return fail(c, -E2BIG, "more than %zu instructions from 0x%llx", c->max_insns,
			    (unsigned long long)c->entry);
	if (in_own(c, addr))
		ret = ZYAN_FAILED(ZydisDecoderDecodeFull(&c->dec, c->own + (addr - c->entry),
							 c->end - addr, in, ops)) ?
			      -ENOTSUP :
			      0;
	else
		ret = read_decode(c, addr, in, ops);
	if (ret == -ENOTSUP)
		return fail(c, ret, "bytes at 0x%llx do not decode as x86-64",
			    (unsigned long long)addr);
	if (ret)
		return fail(c, ret, "cannot read code at 0x%llx", (unsigned long long)addr);
	return 0;
}

/*
 * Does code at addr, reached by a direct jump from this function, look like
 * a function's start even without a symbol: endbr64 (only indirect-branch
 * targets carry it, never a cold part), or a PLT stub (`jmp *GOT(%rip)`)?
 */
static int looks_like_func(struct dctx *c, __u64 addr, bool *yes)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	int ret;

	*yes = false;
	ret = read_decode(c, addr, &in, ops);
	if (ret == -ENOTSUP)
		return 0; /* decode() will say so when it is followed */
	if (ret)
		return fail(c, ret, "cannot read code at 0x%llx", (unsigned long long)addr);
	if (in.mnemonic == ZYDIS_MNEMONIC_ENDBR64)
		*yes = true;
	else if (in.mnemonic == ZYDIS_MNEMONIC_JMP && ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		 ops[0].mem.base == ZYDIS_REGISTER_RIP && ops[0].mem.index == ZYDIS_REGISTER_NONE)
		*yes = true;
	return 0;
}

/*
 * Code followed outside the symbol's range, after a call at addr - its
 * length: is what follows someone else's (the call did not return)? It is
 * when a symbol starts there, when it looks like a function (endbr64, a
 * PLT stub), and when it is padding: a compiler aligns only a jump target
 * (reached, then, by its jump) or a function, never the return point of a
 * call, so nops after a call mean the call does not return.
 */
static int after_call_ends(struct dctx *c, __u64 addr, bool *yes)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;

	*yes = is_sym(c, addr);
	if (*yes)
		return 0;
	if (read_decode(c, addr, &in, ops))
		return 0; /* decode() will say so */
	*yes = in.mnemonic == ZYDIS_MNEMONIC_NOP || in.mnemonic == ZYDIS_MNEMONIC_ENDBR64;
	if (!*yes && in.mnemonic == ZYDIS_MNEMONIC_JMP)
		return looks_like_func(c, addr, yes); /* a PLT stub */
	return 0;
}

int disasm__reg_slot(int zydis_reg)
{
	ZydisRegister r = zydis_reg;

	switch (r) {
	case ZYDIS_REGISTER_R15:
		return 0;
	case ZYDIS_REGISTER_R14:
		return 1;
	case ZYDIS_REGISTER_R13:
		return 2;
	case ZYDIS_REGISTER_R12:
		return 3;
	case ZYDIS_REGISTER_RBP:
		return 4;
	case ZYDIS_REGISTER_RBX:
		return 5;
	case ZYDIS_REGISTER_R11:
		return 6;
	case ZYDIS_REGISTER_R10:
		return 7;
	case ZYDIS_REGISTER_R9:
		return 8;
	case ZYDIS_REGISTER_R8:
		return 9;
	case ZYDIS_REGISTER_RAX:
		return 10;
	case ZYDIS_REGISTER_RCX:
		return 11;
	case ZYDIS_REGISTER_RDX:
		return 12;
	case ZYDIS_REGISTER_RSI:
		return 13;
	case ZYDIS_REGISTER_RDI:
		return 14;
	case ZYDIS_REGISTER_RSP:
		return 19;
	default:
		return -1;
	}
}

/* The target of a relative branch at addr (xbegin's is not its first operand). */
static bool target_of(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, __u64 addr,
		      __u64 *target)
{
	ZyanU64 t;

	for (int i = 0; i < in->operand_count_visible; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !ops[i].imm.is_relative)
			continue;
		if (!ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(in, &ops[i], addr, &t)))
			return false;
		*target = t;
		return true;
	}
	return false;
}

static bool is_jcc(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_JB:
	case ZYDIS_MNEMONIC_JBE:
	case ZYDIS_MNEMONIC_JL:
	case ZYDIS_MNEMONIC_JLE:
	case ZYDIS_MNEMONIC_JNB:
	case ZYDIS_MNEMONIC_JNBE:
	case ZYDIS_MNEMONIC_JNL:
	case ZYDIS_MNEMONIC_JNLE:
	case ZYDIS_MNEMONIC_JNO:
	case ZYDIS_MNEMONIC_JNP:
	case ZYDIS_MNEMONIC_JNS:
	case ZYDIS_MNEMONIC_JNZ:
	case ZYDIS_MNEMONIC_JO:
	case ZYDIS_MNEMONIC_JP:
	case ZYDIS_MNEMONIC_JS:
	case ZYDIS_MNEMONIC_JZ:
		return true;
	default:
		return false;
	}
}

/*
 * A direct jmp (cond false) or conditional branch at addr to target: a
 * tail call when the target is a function, else code of this function
 * (queued: checked against the symbol's instructions, or followed).
 */
static int branch(struct dctx *c, __u64 addr, const ZydisDecodedInstruction *in, __u64 target,
		  bool cond)
{
	bool func = target == c->entry;
	int err;

	if (!func && !in_own(c, target)) {
		func = is_func(c, target);
		if (!func) {
			err = looks_like_func(c, target, &func);
			if (err)
				return err;
		}
	}
	if (!func)
		return push_work(c, target);
	if (!cond)
		return add_site(c, addr, in, WM_SITE_TAIL_JMP, target, 0, 0);
	if (!is_jcc(in->mnemonic))
		return fail(c, -ENOTSUP, "conditional branch to a function at 0x%llx",
			    (unsigned long long)addr);
	/* Jcc: 0x70-0x7f, or 0x0f 0x80-0x8f: the condition is the low nibble either way. */
	return add_site(c, addr, in, WM_SITE_TAIL_JCC, target, in->opcode & 0xf, 0);
}

/*
 * Classify the instruction at addr. *end: control does not fall through.
 * *call: it is a call (what follows may be another function's code).
 */
static int classify(struct dctx *c, __u64 addr, const ZydisDecodedInstruction *in,
		    const ZydisDecodedOperand *ops, bool *end, bool *call)
{
	__u64 target;
	int reg;

	*end = false;
	*call = false;
	/*
	 * Zydis files these with the branches: xend commits a transaction and
	 * goes on; xabort goes to the xbegin's handler (followed from there),
	 * or on when no transaction is running.
	 */
	if (in->mnemonic == ZYDIS_MNEMONIC_XEND || in->mnemonic == ZYDIS_MNEMONIC_XABORT)
		return 0;
	switch (in->meta.category) {
	case ZYDIS_CATEGORY_RET:
		if (in->mnemonic != ZYDIS_MNEMONIC_RET ||
		    in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
			return fail(c, -ENOTSUP, "far or system return at 0x%llx",
				    (unsigned long long)addr);
		*end = true;
		return add_site(c, addr, in, WM_SITE_RET, 0, 0, 0);
	case ZYDIS_CATEGORY_CALL:
		*call = true;
		if (in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
			return fail(c, -ENOTSUP, "far call at 0x%llx", (unsigned long long)addr);
		return 0;
	case ZYDIS_CATEGORY_UNCOND_BR:
		*end = true;
		if (in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
			return fail(c, -ENOTSUP, "far jmp at 0x%llx", (unsigned long long)addr);
		if (ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			if (!target_of(in, ops, addr, &target))
				return fail(c, -ENOTSUP, "jmp at 0x%llx has no target",
					    (unsigned long long)addr);
			return branch(c, addr, in, target, false);
		}
		if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (c->end == c->entry)
				return fail(c, -ENOTSUP,
					    "indirect jmp at 0x%llx in a function of unknown size",
					    (unsigned long long)addr);
			reg = disasm__reg_slot(ops[0].reg.value);
			if (reg < 0)
				return fail(c, -ENOTSUP, "jmp through an odd register at 0x%llx",
					    (unsigned long long)addr);
			return add_site(c, addr, in, WM_SITE_TAIL_JMP_REG, 0, 0, reg);
		}
		return fail(c, -ENOTSUP, "indirect jmp through memory at 0x%llx",
			    (unsigned long long)addr);
	case ZYDIS_CATEGORY_COND_BR:
		if (!target_of(in, ops, addr, &target))
			return fail(c, -ENOTSUP, "conditional branch at 0x%llx has no target",
				    (unsigned long long)addr);
		return branch(c, addr, in, target, true);
	default:
		break;
	}
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_HLT:
	case ZYDIS_MNEMONIC_UD0:
	case ZYDIS_MNEMONIC_UD1:
	case ZYDIS_MNEMONIC_UD2:
	case ZYDIS_MNEMONIC_INT3:
		*end = true;
		return 0;
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_SYSRET:
	case ZYDIS_MNEMONIC_SYSEXIT:
		return fail(c, -ENOTSUP, "system return at 0x%llx", (unsigned long long)addr);
	case ZYDIS_MNEMONIC_XBEGIN:
		/* The abort handler is a branch target. */
		if (target_of(in, ops, addr, &target))
			return branch(c, addr, in, target, true);
		return fail(c, -ENOTSUP, "xbegin at 0x%llx has no target",
			    (unsigned long long)addr);
	default:
		return 0;
	}
}

/* The symbol's own range, decoded instruction after instruction. */
static int sweep(struct dctx *c)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	__u64 size = c->end - c->entry, off;
	ssize_t n;
	bool end, call;
	int err;

	c->own = malloc(size);
	c->starts = calloc(size / 8 + 1, 1);
	if (!c->own || !c->starts)
		return -ENOMEM;
	for (off = 0; off < size; off += n) {
		n = c->o->read(c->o->ctx, c->entry + off, c->own + off, size - off);
		if (n <= 0)
			return fail(c, n < 0 ? (int)n : -EIO, "cannot read code at 0x%llx",
				    (unsigned long long)(c->entry + off));
	}
	for (off = 0; off < size; off += in.length) {
		err = decode(c, c->entry + off, &in, ops);
		if (err)
			return err;
		c->starts[off / 8] |= 1u << (off % 8);
		err = classify(c, c->entry + off, &in, ops, &end, &call);
		if (err)
			return err;
	}
	return 0;
}

/* Follow control flow from every queued target outside the symbol's range. */
static int traverse(struct dctx *c)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	bool end, call, was;
	__u64 a, start;
	int err;

	while (c->work_n) {
		a = c->work[--c->work_n];
		start = a;
		for (;;) {
			if (in_own(c, a)) {
				if (!own_start(c, a))
					return fail(c, -ENOTSUP,
						    "jump into an instruction at 0x%llx",
						    (unsigned long long)a);
				break;
			}
			err = seen_add(c, a, &was);
			if (err)
				return err;
			if (was)
				break;
			err = decode(c, a, &in, ops);
			if (err)
				return err;
			err = classify(c, a, &in, ops, &end, &call);
			if (err)
				return err;
			a += in.length;
			if (end)
				break;
			if (call && a == c->entry)
				break; /* the call did not return: that is our entry */
			if (call) {
				err = after_call_ends(c, a, &was);
				if (err)
					return err;
				if (was)
					break;
			}
			if (a == c->entry)
				return fail(c, -ENOTSUP,
					    "code at 0x%llx falls into the function's entry",
					    (unsigned long long)a - in.length);
		}
		if (a != start) {
			err = add_range(c, start, a);
			if (err)
				return err;
		}
	}
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct wm_code_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_site(const void *a, const void *b)
{
	const struct wm_site *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sort and merge the ranges; the one holding entry (the symbol's) first. */
static void finish(struct dctx *c)
{
	struct wm_sites *s = c->out;
	struct wm_code_range t;
	int i, n = 0;

	if (s->nr_ranges) {
		qsort(s->ranges, s->nr_ranges, sizeof(*s->ranges), cmp_range);
		for (i = 1; i < s->nr_ranges; i++) {
			if (s->ranges[i].start <= s->ranges[n].end) {
				if (s->ranges[i].end > s->ranges[n].end)
					s->ranges[n].end = s->ranges[i].end;
			} else {
				s->ranges[++n] = s->ranges[i];
			}
		}
		s->nr_ranges = n + 1;
		for (i = 0; i < s->nr_ranges; i++) {
			if (c->entry >= s->ranges[i].start && c->entry < s->ranges[i].end) {
				t = s->ranges[i];
				memmove(s->ranges + 1, s->ranges, i * sizeof(t));
				s->ranges[0] = t;
				break;
			}
		}
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_site);
}

int disasm__return_sites(__u64 entry, __u64 size, const struct disasm_opts *opts,
			 struct wm_sites *out)
{
	struct dctx c = { .o = opts, .entry = entry, .end = entry + size, .out = out };
	int err;

	memset(out, 0, sizeof(*out));
	if (!opts || !opts->read || opts->sz < offsetof(struct disasm_opts, max_insns) ||
	    entry + size < entry) {
		snprintf(out->why_not, sizeof(out->why_not), "bad arguments");
		return -EINVAL;
	}
	c.max_insns = opts->sz > offsetof(struct disasm_opts, max_insns) && opts->max_insns ?
			      opts->max_insns :
			      1 << 16;
	if (size > (__u64)c.max_insns * MAX_INSN_LEN) {
		err = fail(&c, -E2BIG, "function at 0x%llx is too large (%llu bytes)",
			   (unsigned long long)entry, (unsigned long long)size);
		goto out;
	}
	if (ZYAN_FAILED(
		    ZydisDecoderInit(&c.dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64))) {
		err = -EINVAL;
		goto out;
	}
	if (size) {
		err = add_range(&c, entry, entry + size);
		if (!err)
			err = sweep(&c);
	} else {
		err = push_work(&c, entry);
	}
	if (!err)
		err = traverse(&c);
	if (!err)
		finish(&c);
out:
	free(c.own);
	free(c.starts);
	free(c.seen);
	free(c.work);
	if (err) {
		free(out->v);
		free(out->ranges);
		out->v = NULL;
		out->ranges = NULL;
		out->n = out->nr_ranges = 0;
		if (!out->why_not[0])
			snprintf(out->why_not, sizeof(out->why_not), "%s", strerror(-err));
	}
	return err;
}

void disasm__sites_free(struct wm_sites *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->ranges);
	s->v = NULL;
	s->ranges = NULL;
	s->n = s->nr_ranges = 0;
}
