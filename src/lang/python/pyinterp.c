// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Finding a CPython interpreter's hooks from its machine code. The opcode
 * handlers have no symbols: the table of their addresses (opcode_targets,
 * a local symbol in builds that keep .symtab) gives them, and on a stripped
 * build a scan for 256 pointers into _PyEval_EvalFrameDefault finds the
 * table. A uprobe on a handler's first instruction would single-step it
 * (a mov or lea: ~10 us a hit), so each handler is probed at its first
 * branch, which the kernel emulates; the register holding the frame there
 * is read from the handler's own code, as the base of its first access to
 * a frame member. The file is read through pyelf; where the eval loop's
 * calls end (3.10's, and frames entered from C) is pyexits' analysis.
 */
#include <errno.h>
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>
#include "lang/python/pyelf.h"
#include "lang/python/pyexits.h"
#include "lang/python/pyinterp.h"
#include "lang/python/pyvalue.h"
#include "target/disasm.h"
#include "target/procmaps.h"
#include "types/dwarf.h"
#include "target/resolve.h"
#include "util/escape.h"

/* Handlers' code decoded before their first branch: they are short. */
#define HANDLER_MAX_INSNS 32

/* What one version needs: its opcodes and the offsets of its objects. */
struct py_version {
	int minor;
	int resume_ops[3]; /* RESUME and its variants; -1: none */
	const char *resume_names[3];
	int return_value; /* RETURN_VALUE: its handler calls the clear (3.11) */
	int yield_ops[2]; /* YIELD_VALUE and its instrumented form; -1: none */
	const char *yield_names[2];
	const char *clear_sym;	    /* the frame-clear function */
	int clear_freg, clear_treg; /* its frame and thread state arguments */
	struct wm_py_offsets off;
	unsigned long runtime_tstate; /* _PyRuntime's current thread state, 0: an argument has it */
};

/*
 * Measured on CPython's own headers of each version (and checked against
 * the DWARF of builds that have it); the same within a minor version.
 */
/* 3.10: frames are PyFrameObjects, code objects have no qualname (co_name stands in). */
#define OFFSETS_310                                                                         \
	{                                                                                   \
		.frame_code = 0x20, .frame_func = 0xffff, .frame_globals = 0x30,            \
		.frame_state = 0x6c, .frame_locals = 0x160, .code_flags = 0x24,             \
		.code_argcount = 0x10, .code_kwonly = 0x18, .code_firstlineno = 0x28,       \
		.code_names = 0x48, .code_filename = 0x68, .code_qualname = 0x70,           \
		.tstate_exc = 0x58, .exc_is_type = 1, .minor = 10,                          \
		.op_return_const = { 0xff, 0xff }, .code_consts = 0x38, .code_nlocals = 28, \
		.code_cellvars = 88, .code_cell2arg = 96                                    \
	}

/* 3.11: _PyInterpreterFrame, the function in f_func, the exception as a type. */
#define OFFSETS_311                                                                               \
	{                                                                                         \
		.frame_code = 0x20, .frame_func = 0x00, .frame_instr = 0x38,                      \
		.frame_stacktop = 0x40, .frame_locals = 0x48, .code_consts = 0x18,                \
		.code_flags = 0x30, .code_argcount = 0x38, .code_kwonly = 0x40,                   \
		.code_firstlineno = 0x48, .code_names = 0x60, .code_filename = 0x70,              \
		.code_qualname = 0x80, .func_module = 0x68, .tstate_exc = 0x60, .exc_is_type = 1, \
		.frame_globals = 0x08, .minor = 11, .op_return_const = { 0xff, 0xff },            \
		.code_kinds = 0x68, .tstate_stack_top = 0x130, .frame_previous = 0x30,            \
		.code_linetable = 0x88, .code_adaptive = 0xb8                                     \
	}

/*
 * 3.12 and 3.13 lay out frames, code objects, functions and strings alike;
 * the thread state's exception and the RETURN_CONST opcodes differ.
 */
#define OFFSETS_312(minor_, exc, return_const, instrumented_return_const, monitoring, adaptive, \
		    lines, per_instr, instr_instruction)                                        \
	{                                                                                       \
		.frame_code = 0x00, .frame_func = 0x10, .frame_instr = 0x38,                    \
		.frame_stacktop = 0x40, .frame_locals = 0x48, .code_consts = 0x18,              \
		.code_flags = 0x30, .code_argcount = 0x34, .code_kwonly = 0x3c,                 \
		.code_firstlineno = 0x44, .code_names = 0x60, .code_filename = 0x70,            \
		.code_qualname = 0x80, .func_module = 0x68, .tstate_exc = (exc),                \
		.minor = (minor_),                                                              \
		.op_return_const = { (return_const), (instrumented_return_const) },             \
		.code_monitoring = (monitoring), .code_adaptive = (adaptive),                   \
		.mon_lines = (lines), .mon_per_instr = (per_instr), .op_instr_line = 254,       \
		.op_instr_instruction = (instr_instruction), .code_kinds = 0x68,                \
		.frame_previous = 0x08, .code_linetable = 0x88, .frame_owner = 0x46             \
	}

static const struct py_version versions[] = {
	{
		/* One _PyEval_EvalFrameDefault call per Python call: no opcode handlers needed. */
		.minor = 10,
		.resume_ops = { -1, -1, -1 },
		.yield_ops = { -1, -1 },
		.off = OFFSETS_310,
	},
	{
		.minor = 11,
		.resume_ops = { 151, 150, -1 },
		.resume_names = { "RESUME", "RESUME_QUICK" },
		.return_value = 83,
		.yield_ops = { 86, -1 },
		.yield_names = { "YIELD_VALUE" },
		.clear_sym = "_PyFrame_Clear",
		.clear_freg = PY_REG_DI,
		.clear_treg = WM_PY_REG_NONE,
		.runtime_tstate = 0x240,
		.off = OFFSETS_311,
	},
	{
		.minor = 12,
		.resume_ops = { 151, 240, -1 },
		.resume_names = { "RESUME", "INSTRUMENTED_RESUME" },
		.return_value = 83,
		.yield_ops = { 150, 243 },
		.yield_names = { "YIELD_VALUE", "INSTRUMENTED_YIELD_VALUE" },
		.clear_sym = "_PyEvalFrameClearAndPop",
		.clear_freg = PY_REG_SI,
		.clear_treg = PY_REG_DI,
		.off = OFFSETS_312(12, 0x60, 121, 247, 168, 192, 40, 56, 253),
	},
	{
		.minor = 13,
		.resume_ops = { 149, 207, 236 },
		.resume_names = { "RESUME", "RESUME_CHECK", "INSTRUMENTED_RESUME" },
		.return_value = 36,
		.yield_ops = { 118, 241 },
		.yield_names = { "YIELD_VALUE", "INSTRUMENTED_YIELD_VALUE" },
		.clear_sym = "_PyEval_FrameClearAndPop",
		.clear_freg = PY_REG_SI,
		.clear_treg = PY_REG_DI,
		.off = OFFSETS_312(13, 0x70, 103, 240, 176, 200, 32, 48, 247),
	},
};

/* The version: Py_Version (3.11+), else the soname or file name "libpython3.N". */
static int read_version(const struct pyelf *e, const char *path, struct py_interp *pi)
{
	const char *base = strrchr(path, '/');
	unsigned int hex;
	GElf_Sym s;
	int minor;

	if (pyelf__find_sym(e, "Py_Version", STT_OBJECT, &s) &&
	    !pyelf__read_at(e, s.st_value, &hex, 4) && hex >> 24 == 3) {
		pi->minor = (hex >> 16) & 0xff;
		pi->micro = (hex >> 8) & 0xff;
		snprintf(pi->version_how, sizeof(pi->version_how), "Py_Version 0x%08x", hex);
		return 0;
	}
	base = base ? base + 1 : path;
	if (sscanf(base, "libpython3.%d", &minor) == 1) {
		pi->minor = minor;
		pi->micro = -1;
		snprintf(pi->version_how, sizeof(pi->version_how), "file name");
		return 0;
	}
	return -ENOENT;
}

/*
 * The opcode_targets table: its local symbol, else the one run of 256
 * pointers into _PyEval_EvalFrameDefault in the read-only data.
 */
static int find_targets(const struct pyelf *e, unsigned long *table, const char **how)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	unsigned long lo, hi;
	GElf_Sym s;
	int found = 0;

	if (pyelf__find_sym(e, "opcode_targets*", STT_OBJECT, &s) && s.st_size == 256 * 8) {
		*table = s.st_value;
		*how = "symbol";
		return 0;
	}
	if (pyelf__text(e, &lo, &hi, NULL))
		return -ENOENT;
	/*
	 * Exactly 256 pointers into the code, most of them into the eval loop
	 * (the others go to its .cold part, which has no symbol).
	 */
	while ((scn = elf_nextscn(e->elf, scn))) {
		unsigned long a, v, run = 0, in_eval = 0;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) ||
		    (sh.sh_addr & 7) || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		/* From the section's bytes in memory: a read per word would take seconds. */
		for (a = sh.sh_addr; a + 8 <= sh.sh_addr + sh.sh_size + 8; a += 8) {
			bool end =
				a + 8 > sh.sh_addr + sh.sh_size || a - sh.sh_addr + 8 > d->d_size;

			if (!end)
				memcpy(&v, (char *)d->d_buf + (a - sh.sh_addr), 8);
			if (!end && e->dyn && !v)
				pyelf__ptr_at(e, a, &v);
			if (!end && v >= lo && v < hi) {
				run++;
				in_eval += v >= e->eval && v < e->eval + e->eval_size;
				continue;
			}
			if (run == 256 && in_eval >= 128) {
				*table = a - 256 * 8;
				found++;
			}
			run = in_eval = 0;
		}
	}
	*how = "scan of the read-only data";
	return found == 1 ? 0 : -ENOENT;
}

struct handler {
	unsigned long branch; /* link-time address of the first branch; 0: none usable */
	const char *insn;     /* its mnemonic */
	int freg;	      /* pt_regs slot of the frame register there */
	/* The frame register at the handler's label (-1: unknown), for a probe there. */
	int freg_label;
	bool stacktop_stored; /* the handler stored frame->stacktop before the branch */
	/*
	 * A yield's frame register had become the caller's frame by the branch
	 * (frame = frame->previous): freg is instead the base of the store
	 * gen_frame->previous = NULL, at this address (0: not so).
	 */
	unsigned long unlinked;
	unsigned long moved; /* where the frame register became the caller's frame */
	int old_freg;	     /* that register's pt_regs slot */
};

/* What analyse_handler() accepts on the way to the probe's place. */
enum {
	AH_YIELD = 1, /* a yield: the caller's frame loaded, and a call, are no end */
};

/* A store of the constant 0 to base + disp, base a plain register: no index, not rsp or rip. */
static ZydisRegister zero_store_base(const ZydisDecodedInstruction *in,
				     const ZydisDecodedOperand *ops, ZyanI64 disp)
{
	if (in->mnemonic != ZYDIS_MNEMONIC_MOV || in->operand_count_visible != 2 ||
	    ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY ||
	    ops[1].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || ops[1].imm.value.u ||
	    ops[0].size != 64 || ops[0].mem.index != ZYDIS_REGISTER_NONE ||
	    ops[0].mem.disp.value != disp || ops[0].mem.base == ZYDIS_REGISTER_RSP ||
	    ops[0].mem.base == ZYDIS_REGISTER_RIP || ops[0].mem.base == ZYDIS_REGISTER_NONE)
		return ZYDIS_REGISTER_NONE;
	return disasm__reg64(ops[0].mem.base);
}

/*
 * Decode a handler up to its first branch: the frame register is the base
 * of its first access to the frame's code or instruction pointer member,
 * and must still hold the frame there. A register written before that
 * access did not hold the frame at the label.
 *
 * A yield (AH_YIELD) may end on a call, which the kernel emulates as well,
 * and its frame register may become the caller's frame before the branch
 * (3.12: frame = frame->previous, loaded into the same register). The
 * handler then sets gen_frame->previous = NULL, and the base of that store
 * of 0 holds the generator's frame: it stands in for the frame register if
 * nothing writes it again before the branch.
 */
static int analyse_handler(const struct pyelf *e, unsigned long addr, const struct wm_py_offsets *o,
			   unsigned int how, struct handler *h)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisRegister freg = ZYDIS_REGISTER_NONE, old = ZYDIS_REGISTER_NONE;
	unsigned long long written = 0; /* pt_regs slots written so far */
	unsigned char buf[16];
	bool found = false; /* the frame register is known (it may have been lost since) */

	memset(h, 0, sizeof(*h));
	h->freg = h->freg_label = h->old_freg = -1;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (int n = 0; n < HANDLER_MAX_INSNS; n++) {
		bool call;

		if (pyelf__read_at(e, addr, buf, sizeof(buf)) ||
		    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, buf, sizeof(buf), &in, ops)))
			return -ENOEXEC;
		call = in.meta.category == ZYDIS_CATEGORY_CALL;
		/* An indirect jmp or a ret: the handler ends, the next one's code follows. */
		if (in.meta.category == ZYDIS_CATEGORY_RET ||
		    (in.meta.category == ZYDIS_CATEGORY_UNCOND_BR &&
		     ops[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE))
			return -ENOENT;
		if (in.meta.category == ZYDIS_CATEGORY_COND_BR ||
		    ((in.meta.category == ZYDIS_CATEGORY_UNCOND_BR || (call && (how & AH_YIELD))) &&
		     ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)) {
			if (freg == ZYDIS_REGISTER_NONE)
				return -ENOENT;
			h->branch = addr;
			h->insn = ZydisMnemonicGetString(in.mnemonic);
			h->freg = disasm__reg_slot(freg);
			return h->freg < 0 ? -ENOENT : 0;
		}
		if (call)
			return -ENOENT;
		for (int i = 0; i < in.operand_count; i++) {
			const ZydisDecodedOperand *op = &ops[i];

			/* Through the register that holds the generator's frame, not the caller's. */
			if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.base == freg &&
			    freg != ZYDIS_REGISTER_NONE && !h->moved &&
			    op->mem.disp.value == o->frame_stacktop &&
			    (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
				h->stacktop_stored = true;
			if (!found && op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    op->mem.index == ZYDIS_REGISTER_NONE &&
			    op->mem.base != ZYDIS_REGISTER_RSP &&
			    op->mem.base != ZYDIS_REGISTER_RIP &&
			    op->mem.base != ZYDIS_REGISTER_NONE &&
			    (op->mem.disp.value == o->frame_code ||
			     op->mem.disp.value == o->frame_instr)) {
				int slot = disasm__reg_slot(op->mem.base);

				freg = op->mem.base;
				found = true;
				if (slot >= 0 && !(written & (1ULL << slot)))
					h->freg_label = slot;
			}
		}
		/* gen_frame->previous = NULL, once the frame register is the caller's frame. */
		if (h->moved && freg == ZYDIS_REGISTER_NONE && o->frame_previous) {
			ZydisRegister base = zero_store_base(&in, ops, o->frame_previous);

			if (base != ZYDIS_REGISTER_NONE && base != old) {
				freg = base;
				h->unlinked = addr;
			}
		}
		for (int i = 0; i < in.operand_count; i++) {
			const ZydisDecodedOperand *op = &ops[i];
			int slot;

			if (op->type != ZYDIS_OPERAND_TYPE_REGISTER ||
			    !(op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
				continue;
			if (freg != ZYDIS_REGISTER_NONE && disasm__reg64(op->reg.value) == freg) {
				/*
				 * A yield's frame = frame->previous: the frame is
				 * looked for in the store that unlinks it.
				 */
				if ((how & AH_YIELD) && !h->moved && !h->unlinked &&
				    o->frame_previous && in.mnemonic == ZYDIS_MNEMONIC_MOV &&
				    ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
				    disasm__reg64(ops[1].mem.base) == freg &&
				    ops[1].mem.index == ZYDIS_REGISTER_NONE &&
				    ops[1].mem.disp.value == o->frame_previous) {
					h->moved = addr;
					h->old_freg = disasm__reg_slot(freg);
					old = freg;
					freg = ZYDIS_REGISTER_NONE;
					continue;
				}
				/* The frame register overwritten: what follows is not the frame. */
				return -ENOENT;
			}
			if (disasm__reg64(op->reg.value) == old)
				old = ZYDIS_REGISTER_NONE;
			slot = disasm__reg_slot(disasm__reg64(op->reg.value));
			if (slot >= 0)
				written |= 1ULL << slot;
		}
		addr += in.length;
	}
	return -E2BIG;
}

/* The target of the first call in a handler (RETURN_VALUE's is the frame clear). */
static int first_call(const struct pyelf *e, unsigned long addr, unsigned long *target)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	unsigned char buf[16];
	ZyanU64 t;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (int n = 0; n < 4 * HANDLER_MAX_INSNS; n++) {
		if (pyelf__read_at(e, addr, buf, sizeof(buf)) ||
		    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, buf, sizeof(buf), &in, ops)))
			return -ENOEXEC;
		if (in.meta.category == ZYDIS_CATEGORY_CALL &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[0], addr, &t))) {
			*target = t;
			return 0;
		}
		/* Follow the jmp RETURN_VALUE shares its tail through. */
		if (in.meta.category == ZYDIS_CATEGORY_UNCOND_BR &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[0], addr, &t))) {
			addr = t;
			continue;
		}
		if (in.meta.category == ZYDIS_CATEGORY_RET)
			return -ENOENT;
		addr += in.length;
	}
	return -E2BIG;
}

static const char *reg_name(int slot)
{
	static const char *const names[] = { "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10",
					     "r9",  "r8",  "rax", "rcx", "rdx", "rsi", "rdi" };

	return slot >= 0 && slot < 15 ? names[slot] : "?";
}

static int add_hook(struct py_interp *pi, const struct pyelf *e, unsigned long vaddr, __u64 cookie,
		    const char *what)
{
	struct py_hook *h;

	if (pi->nr_hooks >= PY_MAX_HOOKS)
		return -E2BIG;
	h = &pi->hooks[pi->nr_hooks];
	if (pyelf__vaddr_off(e, vaddr, &h->file_off))
		return -ENOENT;
	h->cookie = cookie;
	snprintf(h->what, sizeof(h->what), "%s", what);
	pi->nr_hooks++;
	return 0;
}

/* The runtime address of a link-time one in the process's mapping of the file. */
static int runtime_addr(pid_t pid, const struct py_interp *pi, const struct pyelf *e,
			unsigned long vaddr, unsigned long *out)
{
	char path[64], *text = NULL;
	struct wm_mapping *maps = NULL;
	unsigned long off;
	int n, ret = -ENOENT;

	if (!e->dyn || !pid) {
		*out = vaddr;
		return 0;
	}
	if (pyelf__vaddr_off(e, vaddr, &off))
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (proc__read_file(path, &text) < 0)
		return -EIO;
	n = procmaps__parse(text, &maps);
	for (int i = 0; i < n; i++) {
		if (strcmp(maps[i].path, pi->path) || off < maps[i].offset ||
		    off >= maps[i].offset + (maps[i].end - maps[i].start))
			continue;
		*out = maps[i].start + (off - maps[i].offset);
		ret = 0;
		break;
	}
	free(maps);
	free(text);
	return ret;
}

/* A hook at each of _PyEval_EvalFrameDefault's exit sites (pyexits__eval()). */
static int exit_hooks(struct py_interp *pi, const struct pyelf *e, const char *callee, int kind,
		      const char *label)
{
	struct py_exit_site sites[PY_MAX_HOOKS];
	char what[128];
	int n, ret = 0;

	n = pyexits__eval(e, callee, sites, PY_MAX_HOOKS - pi->nr_hooks);
	if (n <= 0)
		return n ? n : -ENOENT;
	for (int i = 0; !ret && i < n; i++) {
		if (sites[i].stepped)
			snprintf(what, sizeof(what),
				 "%s: ret at 0x%lx in _PyEval_EvalFrameDefault (single-stepped)",
				 label, sites[i].at);
		else
			snprintf(what, sizeof(what),
				 "%s: %s %s at 0x%lx, result in %s, ret's stack +%d", label,
				 sites[i].jmp ? "jmp past the call to" : "call", callee,
				 sites[i].at, reg_name(sites[i].rreg), sites[i].sp_delta);
		ret = add_hook(pi, e, sites[i].at,
			       WM_PY_COOKIE_RET(kind, sites[i].rreg, sites[i].sp_delta), what);
	}
	return ret;
}

/*
 * Without a _PyFrame_Clear symbol the build clears frames entered from C
 * inline: _PyEval_EvalFrameDefault's entry notes the frame it runs, and
 * its calls end where pyexits__entry() finds, else at its ret instructions.
 */
static int entry_frame_hooks(struct py_interp *pi, const struct pyelf *e, unsigned long table)
{
	struct py_exit_site sites[PY_MAX_HOOKS];
	char what[256], why[128] = "";
	int ret, n;

	snprintf(what, sizeof(what),
		 "entry from C (and by throw()): _PyEval_EvalFrameDefault at 0x%lx, frame in rsi",
		 e->eval);
	ret = add_hook(pi, e, e->eval, WM_PY_COOKIE(WM_PYH_ENTRY_FRAME, PY_REG_SI, PY_REG_DI),
		       what);
	if (ret)
		return ret;
	/* The clear hook still to come. */
	n = pyexits__entry(e, table, sites, PY_MAX_HOOKS - pi->nr_hooks - 1, why, sizeof(why));
	if (n <= 0) {
		struct py_eval_body b;

		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(n ? -n : ENOENT));

		ret = pyexits__body_read(e, &b);
		for (int i = 0; !ret && i < b.nr_rets; i++) {
			snprintf(what, sizeof(what),
				 "exit to C: ret at 0x%lx in _PyEval_EvalFrameDefault "
				 "(single-stepped: %s)",
				 b.insn[b.rets[i]], why);
			ret = add_hook(pi, e, b.insn[b.rets[i]],
				       WM_PY_COOKIE_RET(WM_PYH_ENTRY_RET, PY_REG_AX, 0), what);
		}
		if (!ret && !b.nr_rets)
			ret = -ENOENT;
		pyexits__body_free(&b);
		return ret;
	}
	for (int i = 0; !ret && i < n; i++) {
		snprintf(what, sizeof(what),
			 "exit to C: %s at 0x%lx (emulated), result in %s, ret's stack +%d",
			 sites[i].jmp ? "branch" : "call", sites[i].at, reg_name(sites[i].rreg),
			 sites[i].sp_delta);
		ret = add_hook(pi, e, sites[i].at,
			       WM_PY_COOKIE_RET(WM_PYH_ENTRY_RET, sites[i].rreg, sites[i].sp_delta),
			       what);
	}
	return ret;
}

/* 3.10: a call is a _PyEval_EvalFrameDefault call, from its entry to its return. */
static int eval_hooks(struct py_interp *pi, const struct pyelf *e)
{
	char what[128];
	int ret;

	snprintf(what, sizeof(what), "entry: _PyEval_EvalFrameDefault at 0x%lx, frame in rsi",
		 e->eval);
	ret = add_hook(pi, e, e->eval, WM_PY_COOKIE(WM_PYH_EVAL, PY_REG_SI, PY_REG_DI), what);
	return ret ? ret : exit_hooks(pi, e, "_Py_CheckFunctionResult", WM_PYH_EVAL_RET, "exit");
}

/* Instructions followed from the eval loop's entry to its throwflag test, and on its taken side. */
#define THROW_MAX_INSNS 96

/* Registers known to hold a value: a set of 64-bit Zydis registers. */
struct regset {
	ZydisRegister r[8];
	int n;
};

static bool regset__has(const struct regset *s, ZydisRegister r)
{
	for (int i = 0; i < s->n; i++)
		if (s->r[i] == r)
			return true;
	return false;
}

static void regset__del(struct regset *s, ZydisRegister r)
{
	for (int i = 0; i < s->n; i++)
		if (s->r[i] == r)
			s->r[i--] = s->r[--s->n];
}

static void regset__add(struct regset *s, ZydisRegister r)
{
	if (!regset__has(s, r) && s->n < (int)(sizeof(s->r) / sizeof(s->r[0])))
		s->r[s->n++] = r;
}

/*
 * One instruction's effect on the sets: a register-to-register mov copies
 * membership (a 32-bit one keeps only a 32-bit value: the flag's, not the
 * frame's), any other write of a register takes it out.
 */
static void regsets__step(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
			  struct regset *flag, struct regset *frame)
{
	ZydisRegister dst, src;

	if (in->mnemonic == ZYDIS_MNEMONIC_MOV && ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		dst = disasm__reg64(ops[0].reg.value);
		src = disasm__reg64(ops[1].reg.value);
		regset__del(flag, dst);
		regset__del(frame, dst);
		if (regset__has(flag, src))
			regset__add(flag, dst);
		if (regset__has(frame, src) && ops[0].size == 64)
			regset__add(frame, dst);
		return;
	}
	for (int i = 0; i < in->operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		dst = disasm__reg64(ops[i].reg.value);
		regset__del(flag, dst);
		regset__del(frame, dst);
	}
}

/*
 * Where a generator resumed by throw() or close() enters: the eval loop
 * tests its throwflag (the third argument) near its start, `if (throwflag)
 * goto resume_with_error`, and the first emulated branch on the taken side
 * runs for those alone. Probed there rather than at the function's entry,
 * no other call C makes into the eval loop pays a trap for it. Followed
 * straight from the entry (branches not taken) to a `test F,F; jnz` of a
 * register still holding the flag, then from its target (a `jz`: from what
 * follows it) to the first instruction the kernel emulates
 * (disasm__emulated()), a register still holding the frame (the second
 * argument) there. 0, or -ENOENT: then the entry it is.
 */
static int throw_path(const struct pyelf *e, unsigned long *at, int *freg)
{
	struct regset flag = { { ZYDIS_REGISTER_RDX }, 1 }, frame = { { ZYDIS_REGISTER_RSI }, 1 };
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction in;
	ZydisDecoder dec;
	unsigned long addr = e->eval;
	unsigned char buf[16];
	bool taken = false, tested = false;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (int n = 0; n < THROW_MAX_INSNS; n++) {
		if (pyelf__read_at(e, addr, buf, sizeof(buf)) ||
		    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, buf, sizeof(buf), &in, ops)))
			return -ENOEXEC;
		if (taken && disasm__emulated(buf, in.length)) {
			if (!frame.n)
				return -ENOENT;
			*at = addr;
			*freg = disasm__reg_slot(frame.r[0]);
			return *freg < 0 ? -ENOENT : 0;
		}
		/* A branch the kernel would single-step (a prefixed one): no hook past it. */
		if (taken && in.meta.category == ZYDIS_CATEGORY_COND_BR)
			return -ENOENT;
		/* jnz: the throw side is its target; jz: what follows it. */
		if (!taken && tested && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    (in.mnemonic == ZYDIS_MNEMONIC_JNZ || in.mnemonic == ZYDIS_MNEMONIC_JZ)) {
			addr += in.length;
			if (in.mnemonic == ZYDIS_MNEMONIC_JNZ)
				addr += ops[0].imm.value.s;
			taken = true;
			continue;
		}
		tested = !taken && in.mnemonic == ZYDIS_MNEMONIC_TEST &&
			 ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			 ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			 ops[0].reg.value == ops[1].reg.value &&
			 regset__has(&flag, disasm__reg64(ops[0].reg.value));
		/* A call, a ret or a jump on the straight path: the flag is not followed further. */
		if (in.meta.category == ZYDIS_CATEGORY_CALL ||
		    in.meta.category == ZYDIS_CATEGORY_RET ||
		    in.meta.category == ZYDIS_CATEGORY_UNCOND_BR)
			return -ENOENT;
		regsets__step(&in, ops, &flag, &frame);
		if (!flag.n && !taken)
			return -ENOENT;
		addr += in.length;
	}
	return -ENOENT;
}

/*
 * A YIELD_VALUE handler: at its first branch (or call) when a register
 * still holds the frame there, else at its label (single-stepped: every
 * yield of every generator of the process pays for it; 3.13's, which ends
 * in an indirect jmp with no register left holding the frame). Without it
 * a generator's resumes would run together. INSTRUMENTED_YIELD_VALUE's
 * first call is the PY_YIELD event's: the resume ends there, before the
 * callbacks run (one that raises makes the generator raise instead of
 * yield, which the end then misses: shown as a yield).
 */
static int yield_hook(struct py_interp *pi, const struct pyelf *e, const struct py_version *v,
		      unsigned long table, int i)
{
	int op = v->yield_ops[i], freg, flags = 0;
	unsigned long target, at;
	struct handler h;
	char what[256], how[128] = "";

	if (pyelf__ptr_at(e, table + 8 * op, &target))
		return 0;
	if (!analyse_handler(e, target, &v->off, AH_YIELD, &h)) {
		at = h.branch;
		freg = h.freg;
		flags = h.stacktop_stored ? WM_PYF_VALUE : 0;
		if (h.unlinked)
			snprintf(how, sizeof(how),
				 " (%s is the caller's frame from +%lu; %s is the base of "
				 "gen_frame->previous = NULL at +%lu)",
				 reg_name(h.old_freg), h.moved - target, reg_name(freg),
				 h.unlinked - target);
		snprintf(what, sizeof(what), "yield: %s (%d) at 0x%lx: %s at +%lu, frame in %s%s%s",
			 v->yield_names[i], op, target, h.insn, at - target, reg_name(freg), how,
			 flags ? "" : ", value not stored yet");
	} else if (h.freg_label >= 0) {
		at = target;
		freg = h.freg_label;
		snprintf(what, sizeof(what),
			 "yield: %s (%d) at 0x%lx: at its label, frame in %s (no branch or call "
			 "with the frame in a register: single-stepped)",
			 v->yield_names[i], op, target, reg_name(freg));
	} else {
		/* Generators then run as one call from first resume to the end. */
		return 0;
	}
	return add_hook(pi, e, at, WM_PY_COOKIE_F(WM_PYH_YIELD, freg, WM_PY_REG_NONE, flags), what);
}

static int find_hooks(pid_t pid, struct py_interp *pi, const struct pyelf *e,
		      const struct py_version *v, char *err, size_t errsz)
{
	unsigned long table, target, clear = 0;
	const char *how;
	struct handler h;
	char what[128];
	GElf_Sym s;
	int ret;

	if (v->minor == 10) {
		if (eval_hooks(pi, e)) {
			snprintf(err, errsz, "the ret instructions of _PyEval_EvalFrameDefault");
			return -ENOTSUP;
		}
		return 0;
	}
	if (find_targets(e, &table, &how)) {
		snprintf(err, errsz,
			 "no opcode_targets table (no symbol, and no single run of 256 "
			 "pointers into _PyEval_EvalFrameDefault)");
		return -ENOTSUP;
	}
	for (int i = 0; i < 3 && v->resume_ops[i] >= 0; i++) {
		if (pyelf__ptr_at(e, table + 8 * v->resume_ops[i], &target))
			continue;
		ret = analyse_handler(e, target, &v->off, 0, &h);
		if (ret) {
			/* RESUME itself is required; its variants are not. */
			if (i == 0) {
				snprintf(err, errsz,
					 "no branch with the frame in a register in the "
					 "RESUME handler at 0x%lx",
					 target);
				return -ENOTSUP;
			}
			continue;
		}
		snprintf(what, sizeof(what),
			 "entry: %s (%d) at 0x%lx: %s at +%lu, frame in %s (%s)",
			 v->resume_names[i], v->resume_ops[i], target, h.insn, h.branch - target,
			 reg_name(h.freg), how);
		ret = add_hook(pi, e, h.branch, WM_PY_COOKIE(WM_PYH_RESUME, h.freg, WM_PY_REG_NONE),
			       what);
		if (ret)
			return ret;
	}
	for (int i = 0; i < 2 && v->yield_ops[i] >= 0; i++) {
		ret = yield_hook(pi, e, v, table, i);
		if (ret)
			return ret;
	}
	if (pyelf__find_sym(e, v->clear_sym, STT_FUNC, &s)) {
		clear = s.st_value;
		unsigned long at;
		int freg;

		/* Where entry_frame_hooks() are not, throw() needs its own hook. */
		if (!throw_path(e, &at, &freg)) {
			snprintf(what, sizeof(what),
				 "entry by throw(): the throwflag's branch in "
				 "_PyEval_EvalFrameDefault at 0x%lx, frame in %s",
				 at, reg_name(freg));
			ret = add_hook(
				pi, e, at,
				WM_PY_COOKIE_F(WM_PYH_THROW, freg, WM_PY_REG_NONE, WM_PYF_THROWN),
				what);
		} else {
			snprintf(what, sizeof(what),
				 "entry by throw(): _PyEval_EvalFrameDefault at 0x%lx with "
				 "throwflag, frame in rsi",
				 e->eval);
			ret = add_hook(pi, e, e->eval,
				       WM_PY_COOKIE(WM_PYH_THROW, PY_REG_SI, WM_PY_REG_NONE), what);
		}
		if (ret)
			return ret;
		snprintf(what, sizeof(what), "exit: %s at 0x%lx (symbol)", v->clear_sym, clear);
	} else if (v->minor == 11 && !pyelf__ptr_at(e, table + 8 * v->return_value, &target) &&
		   !first_call(e, target, &clear)) {
		snprintf(what, sizeof(what), "exit: %s at 0x%lx (the call in RETURN_VALUE)",
			 v->clear_sym, clear);
		ret = entry_frame_hooks(pi, e, table);
		if (ret) {
			snprintf(err, errsz, "the ret instructions of _PyEval_EvalFrameDefault");
			return -ENOTSUP;
		}
	}
	if (!clear) {
		snprintf(err, errsz, "no %s (the frame-clear function)", v->clear_sym);
		return -ENOTSUP;
	}
	ret = add_hook(pi, e, clear, WM_PY_COOKIE(WM_PYH_CLEAR, v->clear_freg, v->clear_treg),
		       what);
	if (ret)
		return ret;
	if (v->runtime_tstate) {
		if (!pyelf__find_sym(e, "_PyRuntime", STT_OBJECT, &s) ||
		    runtime_addr(pid, pi, e, s.st_value, &target)) {
			snprintf(err, errsz, "no _PyRuntime (for the thread state)");
			return -ENOTSUP;
		}
		pi->off.tstate_addr = target + v->runtime_tstate;
	}
	return 0;
}

/* One offset BPF reads, where the interpreter's DWARF has it: struct, then member names to try. */
struct dw_field {
	size_t at; /* offsetof(struct wm_py_offsets, ...) */
	int since; /* the first minor version that has it */
	const char *type;
	const char *members[2]; /* NULL member: the struct's size */
};

#define DWF(field, type, ...)                                    \
	{                                                        \
		offsetof(struct wm_py_offsets, field), 10, type, \
		{                                                \
			__VA_ARGS__                              \
		}                                                \
	}
#define DWF11(field, type, ...)                                  \
	{                                                        \
		offsetof(struct wm_py_offsets, field), 11, type, \
		{                                                \
			__VA_ARGS__                              \
		}                                                \
	}
#define DWF12(field, type, ...)                                  \
	{                                                        \
		offsetof(struct wm_py_offsets, field), 12, type, \
		{                                                \
			__VA_ARGS__                              \
		}                                                \
	}

static const struct dw_field dw_fields[] = {
	DWF(frame_code, "_PyInterpreterFrame", "f_code", "f_executable"),
	DWF(frame_func, "_PyInterpreterFrame", "f_func", "f_funcobj"),
	DWF(frame_instr, "_PyInterpreterFrame", "prev_instr", "instr_ptr"),
	DWF(frame_stacktop, "_PyInterpreterFrame", "stacktop"),
	DWF(frame_locals, "_PyInterpreterFrame", "localsplus"),
	DWF(frame_globals, "_PyInterpreterFrame", "f_globals"),
	DWF(frame_code, "_frame", "f_code"),
	DWF(frame_globals, "_frame", "f_globals"),
	DWF(frame_state, "_frame", "f_state"),
	DWF(frame_locals, "_frame", "f_localsplus"),
	DWF(code_consts, "PyCodeObject", "co_consts"),
	DWF(code_flags, "PyCodeObject", "co_flags"),
	DWF(code_argcount, "PyCodeObject", "co_argcount"),
	DWF(code_kwonly, "PyCodeObject", "co_kwonlyargcount"),
	DWF(code_firstlineno, "PyCodeObject", "co_firstlineno"),
	DWF(code_names, "PyCodeObject", "co_localsplusnames", "co_varnames"),
	DWF(code_filename, "PyCodeObject", "co_filename"),
	DWF(code_qualname, "PyCodeObject", "co_qualname", "co_name"),
	DWF(func_module, "PyFunctionObject", "func_module"),
	DWF(tstate_exc, "_ts", "curexc_type", "current_exception"),
	DWF12(code_monitoring, "PyCodeObject", "_co_monitoring"),
	DWF11(code_kinds, "PyCodeObject", "co_localspluskinds"),
	DWF11(tstate_stack_top, "_ts", "datastack_top"),
	DWF11(frame_previous, "_PyInterpreterFrame", "previous"),
	DWF11(code_adaptive, "PyCodeObject", "co_code_adaptive"),
	DWF11(code_linetable, "PyCodeObject", "co_linetable"),
	DWF12(frame_owner, "_PyInterpreterFrame", "owner"),
	DWF12(mon_lines, "_PyCoMonitoringData", "lines"),
	DWF12(mon_per_instr, "_PyCoMonitoringData", "per_instruction_opcodes"),
};

/*
 * The offsets from the interpreter's own debug info, where it has any and
 * they are all there; the table of its version otherwise. Returns whether
 * DWARF gave them.
 */
static bool dwarf_offsets(struct py_interp *pi, struct wm_dwarf *shared)
{
	struct wm_py_offsets o = pi->off;
	struct wm_dwarf *d = NULL;
	bool ok = true;

	/* Its type index is most of the cost: build it once for both readers. */
	if (dwarf__is_of(shared, pi->fd))
		d = shared;
	else if (dwarf__open(pi->fd, &d))
		return false;
	for (size_t i = 0; ok && i < sizeof(dw_fields) / sizeof(dw_fields[0]); i++) {
		const struct dw_field *f = &dw_fields[i];
		__u16 *field = (__u16 *)((char *)&o + f->at);
		unsigned long v;
		int ret = -ENOENT;

		/* Frames are 3.10's struct _frame, or 3.11+'s _PyInterpreterFrame. */
		if (!strcmp(f->type, pi->minor == 10 ? "_PyInterpreterFrame" : "_frame") ||
		    pi->minor < f->since)
			continue;
		for (int m = 0; m < 2 && ret; m++)
			if (f->members[m] || !m)
				ret = dwarf__offsetof(d, f->type, f->members[m], &v);
		/* 3.10's functions are not read (no frame member holds one). */
		if (ret && f->at == offsetof(struct wm_py_offsets, frame_func))
			continue;
		if (ret || v > 0xfffe)
			ok = false;
		else
			*field = v;
	}
	if (ok)
		pyvalue__str_offsets(d, pi->minor, &o);
	/* 3.10's namespaces: each offset DWARF has, whatever the others. */
	if (pi->minor == 10)
		pi->qual_dwarf = !pyqual__offsets(d, pi->minor, &pi->qual);
	if (d != shared)
		dwarf__free(d);
	if (ok)
		pi->off = o;
	return ok;
}

/* The resolver's object that is the interpreter: it defines _PyEval_EvalFrameDefault. */
static int find_obj(const struct wm_resolver *res)
{
	for (int i = 0; i < resolver__nr_objs(res); i++) {
		const struct wm_sym *syms;
		int n = resolver__obj_syms(res, i, &syms), lo = 0, hi = n - 1;

		while (lo <= hi) {
			int mid = (lo + hi) / 2,
			    c = strcmp(syms[mid].name, "_PyEval_EvalFrameDefault");

			if (!c)
				return i;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	}
	return -1;
}

int pyinterp__find(const struct wm_resolver *res, pid_t pid, struct wm_dwarf *dw,
		   struct py_interp **out, char *err, size_t errsz)
{
	int obj = find_obj(res), ret;

	*out = NULL;
	if (obj < 0) {
		snprintf(err, errsz,
			 "no CPython interpreter in process %d (no object defines "
			 "_PyEval_EvalFrameDefault)",
			 pid);
		return -ENOENT;
	}
	ret = pyinterp__open(resolver__obj_path(res, obj), resolver__obj_fd(res, obj), pid, dw, out,
			     err, errsz);
	if (!ret)
		(*out)->obj = obj;
	return ret;
}

int pyinterp__open(const char *path, int fd, pid_t pid, struct wm_dwarf *dw, struct py_interp **out,
		   char *err, size_t errsz)
{
	struct pyelf e = { .fd = -1 };
	const struct py_version *v = NULL;
	struct py_interp *pi;
	char why[256] = "", ver[32];
	GElf_Sym s;
	int ret;

	*out = NULL;
	pi = calloc(1, sizeof(*pi));
	if (!pi)
		return -ENOMEM;
	pi->minor = pi->micro = -1;
	pi->obj = -1;
	pi->path = path;
	pi->fd = fd;
	ret = pyelf__open(&e, pi->fd);
	if (ret) {
		snprintf(why, sizeof(why), "its ELF headers");
		goto unreadable;
	}
	pi->has_symtab = pyelf__has_symtab(&e);
	pyelf__build_id(&e, pi->build_id);
	if (read_version(&e, pi->path, pi)) {
		snprintf(why, sizeof(why), "its version (no Py_Version, no libpython3.N name)");
		ret = -ENOTSUP;
		goto unreadable;
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i].minor == pi->minor)
			v = &versions[i];
	if (!v) {
		snprintf(why, sizeof(why), "support for 3.%d (wrapmon reads CPython 3.10 to 3.13)",
			 pi->minor);
		ret = -ENOTSUP;
		goto unreadable;
	}
	pi->off = v->off;
	pyvalue__str_offsets(NULL, pi->minor, &pi->off);
	pyqual__offsets(NULL, pi->minor, &pi->qual);
	if (pi->has_symtab && dwarf_offsets(pi, dw))
		snprintf(pi->offsets_how, sizeof(pi->offsets_how), "its DWARF");
	else
		snprintf(pi->offsets_how, sizeof(pi->offsets_how), "wrapmon's table for 3.%d",
			 v->minor);
	if (pi->minor == 10) {
		size_t n = strlen(pi->offsets_how);

		snprintf(pi->offsets_how + n, sizeof(pi->offsets_how) - n, "; namespaces' from %s",
			 pi->qual_dwarf ? "its DWARF" : "the table");
	}
	if (!pyelf__find_sym(&e, "_PyEval_EvalFrameDefault", STT_FUNC, &s) || !s.st_size) {
		snprintf(why, sizeof(why), "the size of _PyEval_EvalFrameDefault");
		ret = -ENOTSUP;
		goto unreadable;
	}
	e.eval = s.st_value;
	e.eval_size = s.st_size;
	ret = e.dyn ? pyelf__load_relocs(&e) : 0;
	if (ret)
		goto cleanup;
	ret = find_hooks(pid, pi, &e, v, why, sizeof(why));
	if (ret)
		goto unreadable;
	*out = pi;
	pi = NULL;
	ret = 0;
	goto cleanup;
unreadable:
	pyinterp__version(pi, ver, sizeof(ver));
	snprintf(err, errsz,
		 "process %d runs CPython %s (%s, %s, build-id %s), but wrapmon cannot trace it: "
		 "missing %s",
		 pid, ver, ESC(pi->path), pi->has_symtab ? "with symbols" : "stripped",
		 pi->build_id[0] ? pi->build_id : "none", why);
cleanup:
	pyelf__free(&e);
	free(pi);
	return ret;
}

void pyinterp__version(const struct py_interp *pi, char *buf, size_t size)
{
	if (pi->minor < 0)
		snprintf(buf, size, "3.?");
	else if (pi->micro < 0)
		snprintf(buf, size, "3.%d", pi->minor);
	else
		snprintf(buf, size, "3.%d.%d", pi->minor, pi->micro);
}

void pyinterp__free(struct py_interp *pi)
{
	free(pi);
}
