// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include "target/objkind.h"

static const char *const stack_syms[] = { "swapcontext", "makecontext", "setcontext",
					  "sigaltstack" };
static const char *const throw_syms[] = { "__cxa_throw", "_Unwind_RaiseException" };

static bool in(const char *name, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, v[i]))
			return true;
	return false;
}

/*
 * greenlet switches C stacks with its own assembly (slp_switch, copying
 * stack slices to the heap), so its modules import no swapcontext. Debian's
 * module is stripped and has no soname: its file name tells, and slp_switch
 * when a build exports it.
 */
static void greenlet(struct wm_objkind *k, const char *why)
{
	if (k->switches_stacks)
		return;
	k->switches_stacks = true;
	snprintf(k->sym, sizeof(k->sym), "%s", why);
}

static void dynsyms(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct wm_objkind *k)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n;

	if (!d || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym s;
		const char *name;

		if (!gelf_getsym(d, i, &s))
			break;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		/* greenlet's own stack switch, in builds that export it. */
		if (s.st_shndx != SHN_UNDEF && !strcmp(name, "slp_switch")) {
			greenlet(k, name);
			continue;
		}
		/* Imports only: libc defines swapcontext, and does not switch stacks for it. */
		if (s.st_shndx != SHN_UNDEF)
			continue;
		if (!k->switches_stacks && in(name, stack_syms, 4)) {
			k->switches_stacks = true;
			if (!k->sym[0])
				snprintf(k->sym, sizeof(k->sym), "%s", name);
		}
		if (!k->cxx_throws && in(name, throw_syms, 2)) {
			k->cxx_throws = true;
			if (!k->sym[0])
				snprintf(k->sym, sizeof(k->sym), "%s", name);
		}
	}
}

int objkind__read(int fd, const char *path, struct wm_objkind *out)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;

	memset(out, 0, sizeof(*out));
	base = base ? base + 1 : path;
	if (base && !strncmp(base, "_greenlet", 9))
		greenlet(out, "_greenlet*");
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -EINVAL;
	if (elf_getshdrstrndx(e, &shstrndx)) {
		elf_end(e);
		return -EINVAL;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".note.go.buildid"))) {
			out->go = true;
			snprintf(out->sym, sizeof(out->sym), "%s", name);
		}
		if (sh.sh_type == SHT_DYNSYM)
			dynsyms(e, scn, &sh, out);
	}
	elf_end(e);
	return 0;
}
