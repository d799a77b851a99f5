// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function symbols of one ELF object and their file offsets.
 *
 * Everything libelf hands out comes from the file, and the file may be
 * hostile or truncated: every index, offset and size is checked before use.
 * The symbols are copied out so the Elf handle lives only while parsing.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target/elfsym.h"
#include "util/grow.h"

#ifndef VERSYM_HIDDEN
#define VERSYM_HIDDEN 0x8000
#endif

struct load_seg {
	unsigned long vaddr, filesz, offset;
};

struct elf_obj {
	int fd;
	char *name;
	bool dyn;
	struct load_seg *segs;
	size_t nr_segs;
	struct wm_sym *syms;
	int nr_syms;
	char *strs; /* every symbol name, NUL-separated */
};

/* Symbols while collecting: names are offsets into a growing arena. */
struct sym_tmp {
	size_t name_off;
	unsigned long vaddr, size, file_off;
	bool global, from_dynsym, hidden, ifunc;
};

struct collect {
	struct sym_tmp *syms;
	size_t nr, cap;
	char *strs;
	size_t strs_len, strs_cap;
};

static int collect__add(struct collect *c, const char *name, const struct sym_tmp *s)
{
	size_t len = strlen(name) + 1;

	if (grow__array(&c->syms, &c->cap, c->nr + 1, sizeof(*c->syms)) ||
	    grow__array(&c->strs, &c->strs_cap, c->strs_len + len, 1))
		return -ENOMEM;
	memcpy(c->strs + c->strs_len, name, len);
	c->syms[c->nr] = *s;
	c->syms[c->nr].name_off = c->strs_len;
	c->strs_len += len;
	c->nr++;
	return 0;
}

int elf_obj__vaddr_to_off(const struct elf_obj *obj, unsigned long vaddr, unsigned long *off)
{
	size_t i;

	if (!obj || !off)
		return -EINVAL;
	for (i = 0; i < obj->nr_segs; i++) {
		const struct load_seg *s = &obj->segs[i];

		/* Subtract instead of adding: p_vaddr + p_filesz may wrap. */
		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_obj__off_to_vaddr(const struct elf_obj *obj, unsigned long off, unsigned long *vaddr)
{
	size_t i;

	if (!obj || !vaddr)
		return -EINVAL;
	for (i = 0; i < obj->nr_segs; i++) {
		const struct load_seg *s = &obj->segs[i];

		if (off >= s->offset && off - s->offset < s->filesz) {
			*vaddr = off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

static int read_segments(Elf *elf, struct elf_obj *obj)
{
	size_t phnum, i;

	if (elf_getphdrnum(elf, &phnum))
		return 0; /* no program headers (ET_REL): nothing is probeable */
	if (!phnum)
		return 0;
	obj->segs = calloc(phnum, sizeof(*obj->segs));
	if (!obj->segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		/* A segment reaching past 2^64 in the file is garbage. */
		if (ph.p_offset + ph.p_filesz < ph.p_offset)
			continue;
		obj->segs[obj->nr_segs].vaddr = ph.p_vaddr;
		obj->segs[obj->nr_segs].filesz = ph.p_filesz;
		obj->segs[obj->nr_segs].offset = ph.p_offset;
		obj->nr_segs++;
	}
	return 0;
}

/* The section's data, if it really is a table of symbols in the file. */
static Elf_Data *sym_data(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, size_t *count)
{
	size_t fsz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	Elf_Data *data;

	if (!fsz || (sh->sh_entsize && sh->sh_entsize != fsz))
		return NULL;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || data->d_type != ELF_T_SYM)
		return NULL;
	*count = data->d_size / fsz;
	return data;
}

static bool is_strtab(Elf *elf, size_t idx, size_t shnum)
{
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (idx == SHN_UNDEF || idx >= shnum)
		return false;
	scn = elf_getscn(elf, idx);
	return scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_STRTAB;
}

static int cmp_tmp_name(const void *a, const void *b, void *arg)
{
	const struct sym_tmp *x = a, *y = b;
	const char *strs = arg;
	int r = strcmp(strs + x->name_off, strs + y->name_off);

	if (r)
		return r;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	/* Among equal entries, the one kept: global, then from .symtab. */
	if (x->global != y->global)
		return (int)y->global - (int)x->global;
	return (int)x->from_dynsym - (int)y->from_dynsym;
}

static bool name_in(const struct collect *c, size_t nr, const char *name)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->strs + c->syms[mid].name_off, name);

		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Adds the function symbols of one table. For .dynsym, names already
 * collected from .symtab (the first nr_seen entries, sorted) are skipped.
 */
static int add_table(Elf *elf, struct elf_obj *obj, Elf_Scn *scn, const GElf_Shdr *sh,
		     Elf_Data *versym, size_t shnum, struct collect *c, size_t nr_seen)
{
	bool dynsym = sh->sh_type == SHT_DYNSYM;
	size_t count, i, nver = 0;
	Elf_Data *data;
	int err;

	data = sym_data(elf, scn, sh, &count);
	if (!data || !is_strtab(elf, sh->sh_link, shnum))
		return 0;
	if (versym && versym->d_buf && versym->d_type == ELF_T_HALF)
		nver = versym->d_size / sizeof(GElf_Versym);

	/* Entry 0 is the reserved null symbol. */
	for (i = 1; i < count; i++) {
		struct sym_tmp t = {};
		GElf_Versym ver;
		const char *name;
		unsigned char type;
		GElf_Sym sym;

		if (!gelf_getsym(data, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (dynsym && name_in(c, nr_seen, name))
			continue;
		t.vaddr = sym.st_value;
		/* Without a file offset there is nowhere to put a uprobe. */
		if (elf_obj__vaddr_to_off(obj, t.vaddr, &t.file_off))
			continue;
		t.size = sym.st_size;
		t.global = GELF_ST_BIND(sym.st_info) == STB_GLOBAL ||
			   GELF_ST_BIND(sym.st_info) == STB_WEAK;
		t.from_dynsym = dynsym;
		t.ifunc = type == STT_GNU_IFUNC;
		if (dynsym && i < nver && gelf_getversym(versym, i, &ver))
			t.hidden = ver & VERSYM_HIDDEN;
		err = collect__add(c, name, &t);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Sorts by (name, address) and drops exact duplicates. A name at several
 * addresses stays: that is what makes a selector ambiguous. In .dynsym, a
 * compatibility version (memcpy@GLIBC_2.2.5 next to memcpy@@GLIBC_2.14)
 * is no candidate when the default version of the name exists, since
 * nothing linked today can call it by that name.
 */
static void sort_dedup(struct collect *c)
{
	size_t i, j, k, n = 0;

	if (!c->nr)
		return;
	qsort_r(c->syms, c->nr, sizeof(*c->syms), cmp_tmp_name, c->strs);
	for (i = 0; i < c->nr; i = j) {
		const char *name = c->strs + c->syms[i].name_off;
		bool has_default = false;

		for (j = i; j < c->nr && !strcmp(c->strs + c->syms[j].name_off, name); j++)
			has_default |= !c->syms[j].hidden;
		for (k = i; k < j; k++) {
			if (has_default && c->syms[k].hidden)
				continue;
			if (n && c->syms[n - 1].vaddr == c->syms[k].vaddr &&
			    !strcmp(c->strs + c->syms[n - 1].name_off, name))
				continue;
			c->syms[n++] = c->syms[k];
		}
	}
	c->nr = n;
}

static int read_symbols(Elf *elf, struct elf_obj *obj)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr symtab_sh, dynsym_sh, sh;
	Elf_Data *versym = NULL;
	struct collect c = {};
	size_t shnum, i, nr_symtab;
	int err = 0;

	if (elf_getshdrnum(elf, &shnum))
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !symtab) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dynsym_sh = sh;
		} else if (sh.sh_type == SHT_GNU_versym && !versym) {
			versym = elf_getdata(scn, NULL);
		}
	}

	if (symtab) {
		err = add_table(elf, obj, symtab, &symtab_sh, NULL, shnum, &c, 0);
		if (err)
			goto cleanup;
		sort_dedup(&c);
	}
	nr_symtab = c.nr;
	if (dynsym) {
		err = add_table(elf, obj, dynsym, &dynsym_sh, versym, shnum, &c, nr_symtab);
		if (err)
			goto cleanup;
	}
	sort_dedup(&c);
	if (c.nr > INT32_MAX) {
		err = -E2BIG;
		goto cleanup;
	}

	obj->syms = calloc(c.nr ? c.nr : 1, sizeof(*obj->syms));
	if (!obj->syms) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < c.nr; i++) {
		struct wm_sym *s = &obj->syms[i];

		s->name = c.strs + c.syms[i].name_off;
		s->vaddr = c.syms[i].vaddr;
		s->size = c.syms[i].size;
		s->file_off = c.syms[i].file_off;
		s->global = c.syms[i].global;
		s->from_dynsym = c.syms[i].from_dynsym;
		s->ifunc = c.syms[i].ifunc;
	}
	obj->nr_syms = c.nr;
	obj->strs = c.strs;
	c.strs = NULL;

cleanup:
	free(c.syms);
	free(c.strs);
	return err;
}

int elf_obj__open_fd(int fd, const char *name, struct elf_obj **out)
{
	struct elf_obj *obj = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	int err;

	if (fd < 0 || !out)
		return -EINVAL;
	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;

	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->fd = -1;
	obj->name = strdup(name ? name : "");
	if (!obj->name) {
		err = -ENOMEM;
		goto cleanup;
	}

	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	obj->dyn = eh.e_type == ET_DYN;

	err = read_segments(elf, obj);
	if (err)
		goto cleanup;
	err = read_symbols(elf, obj);
	if (err)
		goto cleanup;

	obj->fd = fd;
	*out = obj;
	obj = NULL;

cleanup:
	elf_end(elf);
	elf_obj__free(obj);
	return err;
}

int elf_obj__open(const char *path, struct elf_obj **out)
{
	int fd, err;

	if (!path || !out)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = elf_obj__open_fd(fd, path, out);
	if (err)
		close(fd);
	return err;
}

void elf_obj__free(struct elf_obj *obj)
{
	if (!obj)
		return;
	if (obj->fd >= 0)
		close(obj->fd);
	free(obj->name);
	free(obj->segs);
	free(obj->syms);
	free(obj->strs);
	free(obj);
}

int elf_obj__syms(const struct elf_obj *obj, const struct wm_sym **syms)
{
	if (!obj || !syms)
		return -EINVAL;
	*syms = obj->syms;
	return obj->nr_syms;
}

bool elf_obj__is_pie_or_dso(const struct elf_obj *obj)
{
	return obj && obj->dyn;
}

int elf_obj__fd(const struct elf_obj *obj)
{
	if (!obj)
		return -EINVAL;
	return obj->fd >= 0 ? obj->fd : -EBADF;
}

void elf_obj__close_fd(struct elf_obj *obj)
{
	if (!obj || obj->fd < 0)
		return;
	close(obj->fd);
	obj->fd = -1;
}
