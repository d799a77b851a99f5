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

unsigned int disasm__reg64(unsigned int zydis_reg)
{
	return ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, zydis_reg);
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

/* One instruction of code[*pos..len), advancing *pos past it; false when it does not decode. */
static bool next_insn(const ZydisDecoder *dec, const unsigned char *code, size_t len, size_t *pos,
		      ZydisDecodedInstruction *in, ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT])
{
	if (*pos >= len ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(dec, code + *pos, len - *pos, in, ops)))
		return false;
	*pos += in->length;
	return true;
}

int disasm__tls_ie_addr(const void *code, size_t len, __u64 addr, __u64 *got)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	ZydisDecoder dec;
	size_t pos = 0;
	ZyanU64 slot;

	if (!code || !got ||
	    ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
		return -EINVAL;
	if (!next_insn(&dec, code, len, &pos, &in, ops))
		return -ENOTSUP;
	if (in.mnemonic == ZYDIS_MNEMONIC_ENDBR64 && !next_insn(&dec, code, len, &pos, &in, ops))
		return -ENOTSUP;
	/* mov GOT(%rip), %rax: the slot the loader filled with the TP offset. */
	if (in.mnemonic != ZYDIS_MNEMONIC_MOV || in.operand_count_visible != 2 ||
	    ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER || ops[0].reg.value != ZYDIS_REGISTER_RAX ||
	    ops[1].type != ZYDIS_OPERAND_TYPE_MEMORY || ops[1].mem.base != ZYDIS_REGISTER_RIP ||
	    ops[1].mem.index != ZYDIS_REGISTER_NONE || ops[1].mem.segment != ZYDIS_REGISTER_DS ||
	    ops[1].size != 64 ||
	    ZYAN_FAILED(ZydisCalcAbsoluteAddress(&in, &ops[1], addr + pos - in.length, &slot)))
		return -ENOTSUP;
	/* add %fs:0, %rax: the thread pointer, which %fs:0 holds in glibc's TCB. */
	if (!next_insn(&dec, code, len, &pos, &in, ops) || in.mnemonic != ZYDIS_MNEMONIC_ADD ||
	    in.operand_count_visible != 2 || ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    ops[0].reg.value != ZYDIS_REGISTER_RAX || ops[1].type != ZYDIS_OPERAND_TYPE_MEMORY ||
	    ops[1].mem.segment != ZYDIS_REGISTER_FS || ops[1].mem.base != ZYDIS_REGISTER_NONE ||
	    ops[1].mem.index != ZYDIS_REGISTER_NONE || ops[1].mem.disp.value != 0)
		return -ENOTSUP;
	if (!next_insn(&dec, code, len, &pos, &in, ops) || in.mnemonic != ZYDIS_MNEMONIC_RET)
		return -ENOTSUP;
	*got = slot;
	return 0;
}

/* The DWARF number of a general register, by its 64-bit name; -1 for any other. */
static int dwarf_regno(ZydisRegister r)
{
	static const ZydisRegister order[] = {
		ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RBX,
		ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSP,
		ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9,	ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
		ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
	};
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == big)
			return (int)i;
	return -1;
}

/* Instructions a prologue is followed for, at most. */
#define PROLOGUE_MAX_INSNS 32

void disasm__prologue(const unsigned char *code, size_t n, struct wm_prologue *out)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	ZydisDecoder dec;
	int holds[16]; /* the register whose entry value each one holds, -1: none */
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 16; i++)
		holds[i] = i;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
		return;
	for (int k = 0; k < PROLOGUE_MAX_INSNS && pos < n; k++) {
		int dst, src;

		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code + pos, n - pos, &in, ops)))
			return;
		pos += in.length;
		if (in.meta.category == ZYDIS_CATEGORY_COND_BR ||
		    in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		    in.meta.category == ZYDIS_CATEGORY_CALL ||
		    in.meta.category == ZYDIS_CATEGORY_RET)
			return;
		dst = ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER ? dwarf_regno(ops[0].reg.value) :
								   -1;
		src = in.operand_count_visible > 1 && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER ?
			      dwarf_regno(ops[1].reg.value) :
			      -1;
		if (in.mnemonic == ZYDIS_MNEMONIC_ENDBR64 || in.mnemonic == ZYDIS_MNEMONIC_NOP)
			continue;
		if (in.mnemonic == ZYDIS_MNEMONIC_PUSH && dst >= 0) {
			out->sp_delta -= 8;
			continue;
		}
		if (in.mnemonic == ZYDIS_MNEMONIC_SUB && dst == 7 &&
		    ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			out->sp_delta -= (int)ops[1].imm.value.s;
			continue;
		}
		if (in.mnemonic == ZYDIS_MNEMONIC_MOV && dst >= 0 && src >= 0 &&
		    ops[0].size == 64 && ops[1].size == 64) {
			if (dst == 7)
				return;
			if (dst == 6 && src == 7) {
				out->fp_known = true;
				out->fp_delta = out->sp_delta;
				holds[6] = -1;
			} else {
				holds[dst] = holds[src];
			}
			continue;
		}
		if (in.mnemonic == ZYDIS_MNEMONIC_MOV && ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    src >= 0 && ops[0].mem.index == ZYDIS_REGISTER_NONE &&
		    (ops[0].mem.base == ZYDIS_REGISTER_RSP ||
		     (ops[0].mem.base == ZYDIS_REGISTER_RBP && out->fp_known))) {
			int slot = (ops[0].mem.base == ZYDIS_REGISTER_RSP ? out->sp_delta :
									    out->fp_delta) +
				   (int)ops[0].mem.disp.value;

			if (holds[src] >= 0 && out->nr_saves < WM_PROLOGUE_MAX_SAVES)
				out->saves[out->nr_saves++] = (struct wm_prologue_save){
					.slot = slot,
					.size = ops[1].size / 8,
					.reg = holds[src],
				};
			continue;
		}
		/* Anything else: its writes to registers forget what they held; to memory, stop. */
		for (int j = 0; j < in.operand_count; j++) {
			int r;

			if (!(ops[j].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
				continue;
			if (ops[j].type == ZYDIS_OPERAND_TYPE_MEMORY)
				return;
			if (ops[j].type != ZYDIS_OPERAND_TYPE_REGISTER)
				continue;
			r = dwarf_regno(ops[j].reg.value);
			if (r == 7)
				return;
			if (r >= 0)
				holds[r] = -1;
		}
	}
}

bool disasm__emulated(const unsigned char *code, size_t n)
{
	size_t i = 0;

	if (!code || !n)
		return false;
	/* nop, with operand-size prefixes; the long nops (0f 1f /0) too. */
	while (i < n && code[i] == 0x66)
		i++;
	if (i < n && code[i] == 0x90)
		return true;
	if (i + 1 < n && code[i] == 0x0f && code[i + 1] == 0x1f)
		return true;
	if (i)
		return false;
	/* push of a 64-bit general register (REX.B for r8-r15). */
	if ((code[0] & 0xf8) == 0x50)
		return true;
	if (n > 1 && code[0] == 0x41 && (code[1] & 0xf8) == 0x50)
		return true;
	/* call rel32, jmp rel32/rel8, jcc rel8/rel32: branches without prefixes. */
	if (code[0] == 0xe8 || code[0] == 0xe9 || code[0] == 0xeb || (code[0] & 0xf0) == 0x70)
		return true;
	return n > 1 && code[0] == 0x0f && (code[1] & 0xf0) == 0x80;
}

/* Instructions the entry probe may be moved past, at most. */
#define PLACE_MAX_INSNS 12
/* Code of a function swept for branches into its first instructions, at most. */
#define PLACE_MAX_CODE (1u << 20)

/*
 * Follow one instruction the probe would be moved past: false with why set
 * when it does more than write general registers, flags, vector registers
 * or the red zone below rsp. holds[] (pt_regs slots) follows which entry
 * value each register holds.
 */
static bool place_pass(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
		       signed char holds[WM_PLACE_REGS], char *why, size_t whysz)
{
	const char *mn = ZydisMnemonicGetString(in->mnemonic);

	switch (in->meta.category) {
	case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_CALL:
	case ZYDIS_CATEGORY_RET:
	case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_INTERRUPT:
	case ZYDIS_CATEGORY_SYSTEM:
	case ZYDIS_CATEGORY_IO:
	case ZYDIS_CATEGORY_STRINGOP:
		snprintf(why, whysz, "%s, which the kernel single-steps, comes first",
			 mn ? mn : "?");
		return false;
	default:
		break;
	}
	if (in->attributes & ZYDIS_ATTRIB_HAS_LOCK) {
		snprintf(why, whysz, "a locked %s comes first", mn ? mn : "?");
		return false;
	}
	/* A 64-bit register copy keeps the value, in its new place. */
	if (in->mnemonic == ZYDIS_MNEMONIC_MOV && in->operand_count_visible == 2 &&
	    ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER && ops[0].size == 64 && ops[1].size == 64) {
		int d = disasm__reg_slot(ops[0].reg.value), s = disasm__reg_slot(ops[1].reg.value);

		if (d >= 0 && s >= 0 && d != WM_PLACE_REGS - 1 && s != WM_PLACE_REGS - 1) {
			holds[d] = holds[s];
			return true;
		}
	}
	for (int j = 0; j < in->operand_count; j++) {
		const ZydisDecodedOperand *op = &ops[j];
		ZydisRegister big;
		int r;

		if (!(op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			/* Below rsp is the red zone: a store there changes nothing a caller gave. */
			if (op->mem.base == ZYDIS_REGISTER_RSP &&
			    op->mem.index == ZYDIS_REGISTER_NONE && op->mem.disp.has_displacement &&
			    op->mem.disp.value < 0)
				continue;
			snprintf(why, whysz, "%s stores to memory an argument may point to first",
				 mn ? mn : "?");
			return false;
		}
		if (op->type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, op->reg.value);
		/* Flags and the SSE control word: nothing a caller passed. */
		if (ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_FLAGS ||
		    op->reg.value == ZYDIS_REGISTER_MXCSR)
			continue;
		switch (ZydisRegisterGetClass(big)) {
		case ZYDIS_REGCLASS_GPR64:
			r = disasm__reg_slot(big);
			if (r == WM_PLACE_REGS - 1) {
				snprintf(why, whysz, "%s moves rsp first", mn ? mn : "?");
				return false;
			}
			if (r >= 0)
				holds[r] = -1;
			break;
		case ZYDIS_REGCLASS_FLAGS:
		case ZYDIS_REGCLASS_XMM:
		case ZYDIS_REGCLASS_YMM:
		case ZYDIS_REGCLASS_ZMM:
			break;
		default:
			snprintf(why, whysz, "%s writes %s first", mn ? mn : "?",
				 ZydisRegisterGetString(op->reg.value));
			return false;
		}
	}
	return true;
}

/* A register in needed whose entry value no register holds any more; -1: none. */
static int place_lost(const signed char holds[WM_PLACE_REGS], __u32 needed)
{
	for (int r = 0; r < WM_PLACE_REGS; r++) {
		bool kept = false;

		if (!(needed & (1u << r)))
			continue;
		for (int x = 0; x < WM_PLACE_REGS && !kept; x++)
			kept = holds[x] == r;
		if (!kept)
			return r;
	}
	return -1;
}

static const char *const pt_name[WM_PLACE_REGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",	 "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "?",	  "rip", "?",	"flags", "rsp",
};

/*
 * A branch of the function's code [entry, entry + size) into (from, to]:
 * control could reach the moved probe without a call. -ENOTSUP with why
 * set when there is one, or when the code cannot be swept.
 */
static int place_no_jump_in(ZydisDecoder *dec, __u64 entry, __u64 size, __u64 from, __u64 to,
			    const struct disasm_opts *o, char *why, size_t whysz)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	unsigned char *code;
	size_t pos = 0;
	ssize_t n;
	int ret = -ENOTSUP;

	if (!size || size > PLACE_MAX_CODE) {
		snprintf(why, whysz, "its size is %s: branches into its start cannot be ruled out",
			 size ? "too large" : "unknown");
		return -ENOTSUP;
	}
	code = malloc(size);
	if (!code)
		return -ENOMEM;
	n = o->read(o->ctx, entry, code, size);
	if (n != (ssize_t)size) {
		snprintf(why, whysz, "its code cannot be read");
		goto cleanup;
	}
	while (pos < size) {
		ZyanU64 t;

		if (ZYAN_FAILED(ZydisDecoderDecodeFull(dec, code + pos, size - pos, &in, ops))) {
			snprintf(why, whysz,
				 "bytes at 0x%llx do not decode: branches into its start cannot "
				 "be ruled out",
				 (unsigned long long)(entry + pos));
			goto cleanup;
		}
		if ((in.meta.category == ZYDIS_CATEGORY_COND_BR ||
		     in.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
		     in.meta.category == ZYDIS_CATEGORY_CALL) &&
		    in.operand_count_visible >= 1 && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[0], entry + pos, &t)) &&
		    t > from && t <= to) {
			snprintf(why, whysz,
				 "a branch at 0x%llx lands at 0x%llx, in what it passes",
				 (unsigned long long)(entry + pos), (unsigned long long)t);
			goto cleanup;
		}
		pos += in.length;
	}
	ret = 0;
cleanup:
	free(code);
	return ret;
}

static void place_note(char *buf, size_t sz, const char *mn)
{
	size_t len = strlen(buf);

	if (len < sz)
		snprintf(buf + len, sz - len, "%s%s", len ? "; " : "", mn);
}

int disasm__entry_place(__u64 entry, __u64 size, __u32 needed, const struct disasm_opts *opts,
			struct wm_entry_place *out)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	signed char holds[WM_PLACE_REGS];
	unsigned char code[96];
	size_t pos = 0, base;
	ZydisDecoder dec;
	int lost, ret;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	for (int r = 0; r < WM_PLACE_REGS; r++)
		out->now_in[r] = holds[r] = r;
	if (!opts || !opts->read)
		return -EINVAL;
	n = opts->read(opts->ctx, entry, code, sizeof(code));
	if (n <= 0)
		return -EIO;
	if (size && (__u64)n > size)
		n = size;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
		return -EINVAL;
	/* endbr64 changes nothing, and is single-stepped: always past it. */
	if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code, n, &in, ops)) &&
	    in.mnemonic == ZYDIS_MNEMONIC_ENDBR64) {
		pos = in.length;
		out->nr_past = 1;
		place_note(out->past, sizeof(out->past), "endbr64");
	}
	base = out->skip = pos;
	for (int k = 0; k <= PLACE_MAX_INSNS; k++) {
		const char *mn;

		if ((size_t)n <= pos ||
		    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code + pos, n - pos, &in, ops))) {
			snprintf(out->why, sizeof(out->why),
				 "its first instructions do not decode");
			return 0;
		}
		mn = ZydisMnemonicGetString(in.mnemonic);
		if (!k) {
			snprintf(out->first, sizeof(out->first), "%s", mn ? mn : "?");
			snprintf(out->at, sizeof(out->at), "%s", mn ? mn : "?");
		}
		if (disasm__emulated(code + pos, in.length))
			break;
		if (k == PLACE_MAX_INSNS) {
			snprintf(out->why, sizeof(out->why),
				 "no instruction the kernel emulates in its first %d",
				 PLACE_MAX_INSNS);
			return 0;
		}
		if (!place_pass(&in, ops, holds, out->why, sizeof(out->why)))
			return 0;
		lost = place_lost(holds, needed);
		if (lost >= 0) {
			snprintf(out->why, sizeof(out->why),
				 "%s overwrites %s, whose entry value is read, first",
				 mn ? mn : "?", pt_name[lost]);
			return 0;
		}
		pos += in.length;
	}
	if (pos == base) {
		out->emulated = true;
		return 0;
	}
	ret = place_no_jump_in(&dec, entry, size, entry + base, entry + pos, opts, out->why,
			       sizeof(out->why));
	if (ret)
		return ret == -ENOMEM ? ret : 0;
	/* Moved: name what was passed, and where each entry value now is. */
	for (size_t p = base; p < pos;) {
		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code + p, n - p, &in, ops)))
			break;
		place_note(out->past, sizeof(out->past), ZydisMnemonicGetString(in.mnemonic));
		out->nr_past++;
		p += in.length;
	}
	for (int r = 0; r < WM_PLACE_REGS; r++) {
		out->now_in[r] = holds[r] == r ? r : -1;
		for (int x = 0; x < WM_PLACE_REGS && out->now_in[r] < 0; x++)
			if (holds[x] == r)
				out->now_in[r] = x;
	}
	ZydisDecoderDecodeFull(&dec, code + pos, n - pos, &in, ops);
	snprintf(out->at, sizeof(out->at), "%s", ZydisMnemonicGetString(in.mnemonic) ?: "?");
	out->skip = pos;
	out->emulated = true;
	return 0;
}
