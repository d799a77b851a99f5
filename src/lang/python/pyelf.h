/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A CPython interpreter's ELF file, as pyinterp and pyexits read it: its
 * link-time addresses, the pointers its data holds once loaded (through its
 * relocations in a PIE or shared object), its symbols and notes.
 */
#ifndef WM_PYELF_H
#define WM_PYELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>

/* The interpreter's file, as read here (eval and eval_size: the caller sets them). */
struct pyelf {
	Elf *elf;
	int fd;
	bool dyn; /* ET_DYN: pointers in data are relocations, not file bytes */
	/* R_X86_64_RELATIVE relocations, sorted by where they apply. */
	GElf_Rela *rel;
	size_t nr_rel;
	unsigned long eval, eval_size; /* _PyEval_EvalFrameDefault */
};

/*
 * Read the ELF headers of the file open at fd (not taken over): 0, or
 * -ENOTSUP when they cannot be read. e is freed with pyelf__free() either way.
 */
int pyelf__open(struct pyelf *e, int fd);
/* Load the R_X86_64_RELATIVE relocations (ET_DYN only): 0 or -ENOMEM. */
int pyelf__load_relocs(struct pyelf *e);
/* NULL-safe; frees what e holds, not e. */
void pyelf__free(struct pyelf *e);

/* The file offset of a link-time address: 0, or -ENOENT (-EINVAL: no headers). */
int pyelf__vaddr_off(const struct pyelf *e, unsigned long vaddr, unsigned long *off);
/* n bytes at a link-time address: 0, -ENOENT (not in the file) or -EIO. */
int pyelf__read_at(const struct pyelf *e, unsigned long vaddr, void *buf, size_t n);
/* The pointer stored at vaddr once the object is loaded (its bias left out): 0 or -ENOENT. */
int pyelf__ptr_at(const struct pyelf *e, unsigned long vaddr, unsigned long *val);
/* A defined symbol of .symtab, else .dynsym, by fnmatch pattern and type (STT_*). */
bool pyelf__find_sym(const struct pyelf *e, const char *pat, int type, GElf_Sym *out);
/* Whether it has a .symtab (not stripped). */
bool pyelf__has_symtab(const struct pyelf *e);
/* Its GNU build id in hex into out (41 bytes at least), "" if none. */
void pyelf__build_id(const struct pyelf *e, char *out);
/*
 * The executable section holding e->eval: its link-time range [*lo, *hi),
 * and its bytes as mapped (bytes NULL: not wanted; -EIO: not readable).
 * -ENOENT: none.
 */
int pyelf__text(const struct pyelf *e, unsigned long *lo, unsigned long *hi,
		const unsigned char **bytes);
/* Whether the dynamic relocation of the GOT slot at got binds it to the symbol name. */
bool pyelf__got_slot_is(const struct pyelf *e, unsigned long got, const char *name);

#endif
