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
 * a frame member.
 */
#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <Zydis/Zydis.h>
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

/* pt_regs slots (disasm__reg_slot()) of the argument and result registers used. */
#define REG_DI 14
#define REG_SI 13
#define REG_DX 12
#define REG_AX 10

/*
 * Measured on CPython's own headers of each version (and checked against
 * the DWARF of builds that have it); the same within a minor version.
 */
/* 3.10: frames are PyFrameObjects, code objects have no qualname (co_name stands in). */
#define OFFSETS_310                                                                               \
	{                                                                                         \
		.frame_code = 0x20, .frame_func = 0xffff, .frame_globals = 0x30,                  \
		.frame_locals = 0x160, .code_flags = 0x24, .code_argcount = 0x10,                 \
		.code_kwonly = 0x18, .code_firstlineno = 0x28, .code_names = 0x48,                \
		.code_filename = 0x68, .code_qualname = 0x70, .tstate_exc = 0x58,                 \
		.exc_is_type = 1, .minor = 10, .op_return_const = { 0xff, 0xff },                 \
		.code_consts = 0x38, .code_nlocals = 28, .code_cellvars = 88, .code_cell2arg = 96 \
	}

/* 3.11: _PyInterpreterFrame, the function in f_func, the exception as a type. */
#define OFFSETS_311                                                                               \
	{                                                                                         \
		.frame_code = 0x20, .frame_func = 0x00, .frame_instr = 0x38,                      \
		.frame_stacktop = 0x40, .frame_locals = 0x48, .code_consts = 0x18,                \
		.code_flags = 0x30, .code_argcount = 0x38, .code_kwonly = 0x40,                   \
		.code_firstlineno = 0x48, .code_names = 0x60, .code_filename = 0x70,              \
		.code_qualname = 0x80, .func_module = 0x68, .tstate_exc = 0x60, .exc_is_type = 1, \
		.minor = 11, .op_return_const = { 0xff, 0xff }, .code_kinds = 0x68,               \
		.tstate_stack_top = 0x130, .frame_previous = 0x30, .code_linetable = 0x88,        \
		.code_adaptive = 0xb8                                                             \
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
		.clear_freg = REG_DI,
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
		.clear_freg = REG_SI,
		.clear_treg = REG_DI,
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
		.clear_freg = REG_SI,
		.clear_treg = REG_DI,
		.off = OFFSETS_312(13, 0x70, 103, 240, 176, 200, 32, 48, 247),
	},
};

/* The interpreter's file, as this module reads it. */
struct pyelf {
	Elf *elf;
	int fd;
	bool dyn; /* ET_DYN: pointers in data are relocations, not file bytes */
	/* R_X86_64_RELATIVE relocations, sorted by where they apply. */
	GElf_Rela *rel;
	size_t nr_rel;
	unsigned long eval, eval_size; /* _PyEval_EvalFrameDefault */
};

static void pyelf__free(struct pyelf *e)
{
	if (e->elf)
		elf_end(e->elf);
	free(e->rel);
}

/* File offset of a link-time address, through the PT_LOAD headers. */
static int vaddr_off(Elf *elf, unsigned long vaddr, unsigned long *off)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int read_at(const struct pyelf *e, unsigned long vaddr, void *buf, size_t n)
{
	unsigned long off;

	if (vaddr_off(e->elf, vaddr, &off))
		return -ENOENT;
	return pread(e->fd, buf, n, off) == (ssize_t)n ? 0 : -EIO;
}

static int rel_cmp(const void *a, const void *b)
{
	const GElf_Rela *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

/* The pointer stored at vaddr once the object is loaded (its bias left out). */
static int ptr_at(const struct pyelf *e, unsigned long vaddr, unsigned long *val)
{
	GElf_Rela key = { .r_offset = vaddr }, *r;
	__u64 v;

	if (e->dyn) {
		r = bsearch(&key, e->rel, e->nr_rel, sizeof(key), rel_cmp);
		if (r) {
			*val = r->r_addend;
			return 0;
		}
	}
	if (read_at(e, vaddr, &v, sizeof(v)))
		return -ENOENT;
	*val = v;
	return 0;
}

static int load_relocs(struct pyelf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t cap = 0;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;

			if (!gelf_getrela(d, i, &r) || GELF_R_TYPE(r.r_info) != R_X86_64_RELATIVE)
				continue;
			if (e->nr_rel == cap) {
				GElf_Rela *p =
					realloc(e->rel, (cap = cap ? 2 * cap : 4096) * sizeof(*p));

				if (!p)
					return -ENOMEM;
				e->rel = p;
			}
			e->rel[e->nr_rel++] = r;
		}
	}
	qsort(e->rel, e->nr_rel, sizeof(*e->rel), rel_cmp);
	return 0;
}

/* A symbol of .symtab (or .dynsym) by exact name or fnmatch pattern, with its type. */
static bool find_sym(const struct pyelf *e, const char *pat, int type, GElf_Sym *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	for (int pass = 0; pass < 2; pass++) {
		while ((scn = elf_nextscn(e->elf, scn))) {
			Elf_Data *d;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) || !sh.sh_entsize)
				continue;
			d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym s;
				const char *name;

				if (!gelf_getsym(d, i, &s) || GELF_ST_TYPE(s.st_info) != type ||
				    s.st_shndx == SHN_UNDEF || !s.st_value)
					continue;
				name = elf_strptr(e->elf, sh.sh_link, s.st_name);
				if (name && !fnmatch(pat, name, 0)) {
					*out = s;
					return true;
				}
			}
		}
	}
	return false;
}

static bool has_symtab(const struct pyelf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return true;
	return false;
}

static void read_build_id(const struct pyelf *e, char *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	out[0] = '\0';
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_descsz > 20)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				sprintf(out + 2 * i, "%02x",
					((unsigned char *)d->d_buf)[desc_off + i]);
			return;
		}
	}
}

/* The version: Py_Version (3.11+), else the soname or file name "libpython3.N". */
static int read_version(const struct pyelf *e, const char *path, struct py_interp *pi)
{
	const char *base = strrchr(path, '/');
	unsigned int hex;
	GElf_Sym s;
	int minor;

	if (find_sym(e, "Py_Version", STT_OBJECT, &s) && !read_at(e, s.st_value, &hex, 4) &&
	    hex >> 24 == 3) {
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

/* The executable section that holds the eval loop. */
static int text_range(const struct pyelf *e, unsigned long *lo, unsigned long *hi)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    e->eval < sh.sh_addr || e->eval >= sh.sh_addr + sh.sh_size)
			continue;
		*lo = sh.sh_addr;
		*hi = sh.sh_addr + sh.sh_size;
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

	if (find_sym(e, "opcode_targets*", STT_OBJECT, &s) && s.st_size == 256 * 8) {
		*table = s.st_value;
		*how = "symbol";
		return 0;
	}
	if (text_range(e, &lo, &hi))
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
				ptr_at(e, a, &v);
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

static ZydisRegister reg64(ZydisRegister r)
{
	return ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
}

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
	return reg64(ops[0].mem.base);
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

		if (read_at(e, addr, buf, sizeof(buf)) ||
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
			if (freg != ZYDIS_REGISTER_NONE && reg64(op->reg.value) == freg) {
				/*
				 * A yield's frame = frame->previous: the frame is
				 * looked for in the store that unlinks it.
				 */
				if ((how & AH_YIELD) && !h->moved && !h->unlinked &&
				    o->frame_previous && in.mnemonic == ZYDIS_MNEMONIC_MOV &&
				    ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY &&
				    reg64(ops[1].mem.base) == freg &&
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
			if (reg64(op->reg.value) == old)
				old = ZYDIS_REGISTER_NONE;
			slot = disasm__reg_slot(reg64(op->reg.value));
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
		if (read_at(e, addr, buf, sizeof(buf)) ||
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

/* Where a call ends at a ret, or at an emulated instruction before it. */
struct exit_site {
	unsigned long at;
	int rreg;     /* the register holding the result there */
	int sp_delta; /* what the ret's stack pointer is more than the one there */
	bool stepped; /* a ret: the kernel single-steps it */
	bool jmp;     /* a jmp into the epilogue, not the call */
};

struct branch {
	unsigned long from, to;
	bool jmp; /* unconditional: whatever runs at its target came from it */
};

/* _PyEval_EvalFrameDefault's body, read once for the sweeps over it. */
struct eval_body {
	unsigned char *code;
	unsigned long *insn;	 /* instruction addresses in order */
	struct branch *branches; /* direct branches to inside it, sorted by target */
	int *rets;		 /* indices of its ret instructions */
	int nr_insn, nr_branches, nr_rets;
};

static void eval_body__free(struct eval_body *b)
{
	free(b->code);
	free(b->insn);
	free(b->branches);
	free(b->rets);
}

static int branch_cmp(const void *a, const void *b)
{
	const struct branch *x = a, *y = b;

	return x->to < y->to ? -1 : x->to > y->to;
}

/* The first of the branches to a, or the end. */
static int branches_to(const struct eval_body *b, unsigned long a)
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

static int decode_at(const struct pyelf *e, const struct eval_body *b, unsigned long a,
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
static int eval_body__read(const struct pyelf *e, struct eval_body *b)
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
	if (read_at(e, e->eval, b->code, e->eval_size))
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

			if (t >= e->eval && t < e->eval + e->eval_size)
				b->branches[b->nr_branches++] =
					(struct branch){ .from = a,
							 .to = t,
							 .jmp = in.meta.category ==
								ZYDIS_CATEGORY_UNCOND_BR };
		}
		a += in.length;
	}
	qsort(b->branches, b->nr_branches, sizeof(*b->branches), branch_cmp);
	return 0;
}

/* Whether the dynamic relocation of a GOT slot binds it to the symbol name. */
static bool got_slot_is(const struct pyelf *e, unsigned long got, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Scn *symscn;
		GElf_Shdr symsh;
		Elf_Data *d, *syms;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		symscn = elf_getscn(e->elf, sh.sh_link);
		if (!symscn || !gelf_getshdr(symscn, &symsh) || symsh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		syms = elf_getdata(symscn, NULL);
		for (size_t i = 0; d && syms && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *n;
			GElf_Rela r;
			GElf_Sym s;

			if (!gelf_getrela(d, i, &r) || r.r_offset != got)
				continue;
			if (!gelf_getsym(syms, GELF_R_SYM(r.r_info), &s))
				return false;
			n = elf_strptr(e->elf, symsh.sh_link, s.st_name);
			return n && !strcmp(n, name);
		}
	}
	return false;
}

/* Whether a call to target reaches the function name: directly, or by its PLT stub. */
static bool calls_sym(const struct pyelf *e, unsigned long target, const char *name)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	unsigned char buf[16];
	GElf_Sym s;

	if (find_sym(e, name, STT_FUNC, &s) && s.st_value == target)
		return true;
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	/* A stub: an endbr64 maybe, then jmp *GOT(%rip). */
	for (int i = 0; i < 2; i++) {
		if (read_at(e, target, buf, sizeof(buf)) ||
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
		return got_slot_is(e, target + in.length + ops[0].mem.disp.value, name);
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
static int exit_sites(const struct pyelf *e, const struct eval_body *b, int i, const char *callee,
		      struct exit_site *sites, int max)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	int delta = 0, n = 0;

	for (int j = i - 1; callee && j >= 0 && i - j <= EPILOGUE_MAX; j--) {
		for (int k = branches_to(b, b->insn[j + 1]);
		     k < b->nr_branches && b->branches[k].to == b->insn[j + 1]; k++) {
			if (!b->branches[k].jmp || n == max - 1)
				goto stepped;
			sites[n++] = (struct exit_site){ .at = b->branches[k].from,
							 .rreg = REG_AX,
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
			sites[n++] = (struct exit_site){ .at = b->insn[j],
							 .rreg = REG_DX,
							 .sp_delta = delta };
			return n;
		} else {
			break;
		}
	}
stepped:
	sites[0] = (struct exit_site){ .at = b->insn[i], .rreg = REG_AX, .stepped = true };
	return 1;
}

/*
 * Where _PyEval_EvalFrameDefault's calls end: at each ret, or before it
 * where exit_sites() finds a call to callee (NULL: at the rets).
 */
static int eval_exits(const struct pyelf *e, const char *callee, struct exit_site *sites, int max)
{
	struct eval_body b;
	int n = 0, ret;

	ret = eval_body__read(e, &b);
	for (int i = 0; !ret && i < b.nr_rets; i++) {
		if (n == max)
			ret = -E2BIG;
		else
			n += exit_sites(e, &b, b.rets[i], callee, sites + n, max - n);
	}
	eval_body__free(&b);
	return ret ? ret : n;
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
	if (vaddr_off(e->elf, vaddr, &h->file_off))
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
	if (vaddr_off(e->elf, vaddr, &off))
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

/* A hook at each of _PyEval_EvalFrameDefault's exit sites (eval_exits()). */
static int exit_hooks(struct py_interp *pi, const struct pyelf *e, const char *callee, int kind,
		      const char *label)
{
	struct exit_site sites[PY_MAX_HOOKS];
	char what[128];
	int n, ret = 0;

	n = eval_exits(e, callee, sites, PY_MAX_HOOKS - pi->nr_hooks);
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

/* The executable section holding the eval loop: its range and its bytes. */
static int text_bytes(const struct pyelf *e, unsigned long *lo, unsigned long *hi,
		      const unsigned char **bytes)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    e->eval < sh.sh_addr || e->eval >= sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size != sh.sh_size)
			return -EIO;
		*lo = sh.sh_addr;
		*hi = sh.sh_addr + sh.sh_size;
		*bytes = d->d_buf;
		return 0;
	}
	return -ENOENT;
}

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

	/* As eval_body__read(): an instruction is a byte at least, hardly ever two. */
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
	/* The body by a linear sweep (GCC puts no data in .text), as eval_body__read(). */
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
		if (!ptr_at(e, table + 8 * i, &t) && (t < e->eval || t >= e->eval + e->eval_size))
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
				 reg64(ops[i].reg.value) == r;
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

		if (ptr_at(e, table + 8 * i, &t))
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
		    !table_loaded(f, e, table, i, reg64(ops[0].reg.value), 0, &budget)) {
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
	    ops[0].size == 64 && reg64(ops[0].reg.value) != *r &&
	    reg64(ops[0].reg.value) != ZYDIS_REGISTER_RSP) {
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
		w = reg64(ops[i].reg.value);
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

/* A branch or call the kernel emulates: no prefix, a relative target. */
static bool emulated(const struct pyelf *e, unsigned long a, bool call)
{
	unsigned char c[2];

	if (read_at(e, a, c, sizeof(c)))
		return false;
	if (call)
		return c[0] == 0xe8;
	return c[0] == 0xe9 || c[0] == 0xeb || (c[0] >= 0x70 && c[0] <= 0x7f) ||
	       (c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f);
}

/*
 * The sites ending frames entered from C, before the ret: their number,
 * or negative with why (then the ret is the hook).
 */
static int entry_exits(const struct pyelf *e, unsigned long table, struct exit_site *sites, int max,
		       char *why, size_t whysz)
{
	struct flow f = { 0 };
	int *work = NULL, nr_work = 0, n = 0, ret;

	ret = text_bytes(e, &f.lo, &f.hi, &f.text);
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
		if (h->kind == FK_RET || !emulated(e, h->at, h->kind == FK_CALL) ||
		    !flow__aligned(&f, h - f.in) || disasm__reg_slot(h->rreg) < 0) {
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
		sites[n++] = (struct exit_site){ .at = h->at,
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

/*
 * Without a _PyFrame_Clear symbol the build clears frames entered from C
 * inline: _PyEval_EvalFrameDefault's entry notes the frame it runs, and
 * its calls end where entry_exits() finds, else at its ret instructions.
 */
static int entry_frame_hooks(struct py_interp *pi, const struct pyelf *e, unsigned long table)
{
	struct exit_site sites[PY_MAX_HOOKS];
	char what[256], why[128] = "";
	int ret, n;

	snprintf(what, sizeof(what),
		 "entry from C (and by throw()): _PyEval_EvalFrameDefault at 0x%lx, frame in rsi",
		 e->eval);
	ret = add_hook(pi, e, e->eval, WM_PY_COOKIE(WM_PYH_ENTRY_FRAME, REG_SI, REG_DI), what);
	if (ret)
		return ret;
	/* The clear hook still to come. */
	n = entry_exits(e, table, sites, PY_MAX_HOOKS - pi->nr_hooks - 1, why, sizeof(why));
	if (n <= 0) {
		struct eval_body b;

		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(n ? -n : ENOENT));

		ret = eval_body__read(e, &b);
		for (int i = 0; !ret && i < b.nr_rets; i++) {
			snprintf(what, sizeof(what),
				 "exit to C: ret at 0x%lx in _PyEval_EvalFrameDefault "
				 "(single-stepped: %s)",
				 b.insn[b.rets[i]], why);
			ret = add_hook(pi, e, b.insn[b.rets[i]],
				       WM_PY_COOKIE_RET(WM_PYH_ENTRY_RET, REG_AX, 0), what);
		}
		if (!ret && !b.nr_rets)
			ret = -ENOENT;
		eval_body__free(&b);
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
	ret = add_hook(pi, e, e->eval, WM_PY_COOKIE(WM_PYH_EVAL, REG_SI, REG_DI), what);
	return ret ? ret : exit_hooks(pi, e, "_Py_CheckFunctionResult", WM_PYH_EVAL_RET, "exit");
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

	if (ptr_at(e, table + 8 * op, &target))
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
		if (ptr_at(e, table + 8 * v->resume_ops[i], &target))
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
	if (find_sym(e, v->clear_sym, STT_FUNC, &s)) {
		clear = s.st_value;
		/* Where entry_frame_hooks() are not, throw() needs its own hook there. */
		snprintf(what, sizeof(what),
			 "entry by throw(): _PyEval_EvalFrameDefault at 0x%lx with throwflag, "
			 "frame in rsi",
			 e->eval);
		ret = add_hook(pi, e, e->eval, WM_PY_COOKIE(WM_PYH_THROW, REG_SI, WM_PY_REG_NONE),
			       what);
		if (ret)
			return ret;
		snprintf(what, sizeof(what), "exit: %s at 0x%lx (symbol)", v->clear_sym, clear);
	} else if (v->minor == 11 && !ptr_at(e, table + 8 * v->return_value, &target) &&
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
		if (!find_sym(e, "_PyRuntime", STT_OBJECT, &s) ||
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
	DWF(frame_code, "_frame", "f_code"),
	DWF(frame_globals, "_frame", "f_globals"),
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
	GElf_Ehdr eh;
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
	elf_version(EV_CURRENT);
	e.fd = pi->fd;
	e.elf = elf_begin(e.fd, ELF_C_READ_MMAP, NULL);
	if (!e.elf || !gelf_getehdr(e.elf, &eh)) {
		snprintf(why, sizeof(why), "its ELF headers");
		ret = -ENOTSUP;
		goto unreadable;
	}
	e.dyn = eh.e_type == ET_DYN;
	pi->has_symtab = has_symtab(&e);
	read_build_id(&e, pi->build_id);
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
	if (!find_sym(&e, "_PyEval_EvalFrameDefault", STT_FUNC, &s) || !s.st_size) {
		snprintf(why, sizeof(why), "the size of _PyEval_EvalFrameDefault");
		ret = -ENOTSUP;
		goto unreadable;
	}
	e.eval = s.st_value;
	e.eval_size = s.st_size;
	ret = e.dyn ? load_relocs(&e) : 0;
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
