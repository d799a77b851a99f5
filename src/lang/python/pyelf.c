// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The interpreter's ELF file (pyelf.h): libelf for its headers, sections,
 * symbols and relocations, pread() for its bytes.
 */
#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <linux/types.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lang/python/pyelf.h"
#include "util/grow.h"

void pyelf__free(struct pyelf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	free(e->rel);
}

int pyelf__open(struct pyelf *e, int fd)
{
	GElf_Ehdr eh;

	*e = (struct pyelf){ .fd = fd };
	elf_version(EV_CURRENT);
	e->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || !gelf_getehdr(e->elf, &eh))
		return -ENOTSUP;
	e->dyn = eh.e_type == ET_DYN;
	return 0;
}

/* File offset of a link-time address, through the PT_LOAD headers. */
int pyelf__vaddr_off(const struct pyelf *e, unsigned long vaddr, unsigned long *off)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int pyelf__read_at(const struct pyelf *e, unsigned long vaddr, void *buf, size_t n)
{
	unsigned long off;

	if (pyelf__vaddr_off(e, vaddr, &off))
		return -ENOENT;
	return pread(e->fd, buf, n, off) == (ssize_t)n ? 0 : -EIO;
}

static int rel_cmp(const void *a, const void *b)
{
	const GElf_Rela *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

/* The pointer stored at vaddr once the object is loaded (its bias left out). */
int pyelf__ptr_at(const struct pyelf *e, unsigned long vaddr, unsigned long *val)
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
	if (pyelf__read_at(e, vaddr, &v, sizeof(v)))
		return -ENOENT;
	*val = v;
	return 0;
}

int pyelf__load_relocs(struct pyelf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t cap = 0;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		/* Room for the whole section at once: most of a PIE's are relative. */
		if (d && grow__array(&e->rel, &cap, e->nr_rel + sh.sh_size / sh.sh_entsize,
				     sizeof(*e->rel)))
			return -ENOMEM;
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;

			if (!gelf_getrela(d, i, &r) || GELF_R_TYPE(r.r_info) != R_X86_64_RELATIVE)
				continue;
			e->rel[e->nr_rel++] = r;
		}
	}
	qsort(e->rel, e->nr_rel, sizeof(*e->rel), rel_cmp);
	return 0;
}

/* A symbol of .symtab (or .dynsym) by exact name or fnmatch pattern, with its type. */
bool pyelf__find_sym(const struct pyelf *e, const char *pat, int type, GElf_Sym *out)
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

bool pyelf__has_symtab(const struct pyelf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return true;
	return false;
}

void pyelf__build_id(const struct pyelf *e, char *out)
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

int pyelf__text(const struct pyelf *e, unsigned long *lo, unsigned long *hi,
		const unsigned char **bytes)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    e->eval < sh.sh_addr || e->eval >= sh.sh_addr + sh.sh_size)
			continue;
		if (bytes) {
			d = elf_getdata(scn, NULL);
			if (!d || !d->d_buf || d->d_size != sh.sh_size)
				return -EIO;
			*bytes = d->d_buf;
		}
		*lo = sh.sh_addr;
		*hi = sh.sh_addr + sh.sh_size;
		return 0;
	}
	return -ENOENT;
}

/* Whether the dynamic relocation of a GOT slot binds it to the symbol name. */
bool pyelf__got_slot_is(const struct pyelf *e, unsigned long got, const char *name)
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
