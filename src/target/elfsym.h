/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The function symbols of one ELF object and where they sit in its file. */
#ifndef WM_ELFSYM_H
#define WM_ELFSYM_H

#include <stdbool.h>

/* An ELF object opened for symbol lookup. */
struct elf_obj;

struct wm_sym {
	const char *name;    /* owned by the elf_obj */
	unsigned long vaddr; /* st_value */
	unsigned long size;
	unsigned long file_off; /* where the uprobe goes */
	bool global;		/* STB_GLOBAL or STB_WEAK */
	bool from_dynsym;
	bool ifunc; /* STT_GNU_IFUNC: the address is the resolver's */
};

/* Takes ownership of fd on success. */
int elf_obj__open_fd(int fd, const char *name, struct elf_obj **out);
int elf_obj__open(const char *path, struct elf_obj **out);
void elf_obj__free(struct elf_obj *obj);
/*
 * Defined function symbols (STT_FUNC and STT_GNU_IFUNC, st_shndx defined,
 * st_value != 0): all of .symtab, then the .dynsym names not already seen.
 * Sorted by name. Valid until elf_obj__free().
 */
int elf_obj__syms(const struct elf_obj *obj, const struct wm_sym **syms);
/* Virtual address to file offset through the PT_LOAD headers; -ENOENT. */
int elf_obj__vaddr_to_off(const struct elf_obj *obj, unsigned long vaddr, unsigned long *off);
/*
 * File offset to virtual address, the inverse: where code mapped from that
 * offset sits in the object's link-time layout (what the symbols use). -ENOENT
 * outside the file part of every PT_LOAD.
 */
int elf_obj__off_to_vaddr(const struct elf_obj *obj, unsigned long off, unsigned long *vaddr);
bool elf_obj__is_pie_or_dso(const struct elf_obj *obj); /* ET_DYN */
int elf_obj__fd(const struct elf_obj *obj);		/* -EBADF once closed */
/*
 * The symbols and segments are copies: a user that needs no fd (a symbolizer
 * caching every object a process maps) closes it to keep its fd count low.
 */
void elf_obj__close_fd(struct elf_obj *obj);

#endif /* WM_ELFSYM_H */
