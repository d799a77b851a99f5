// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Debug info comes with the target's objects and is as hostile as they are. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "plan/capture.h"
#include "types/dwarf.h"
#include "types/proto.h"
#include "target/elfsym.h"

#define MAX_FUNCS 64

/* Every index into the pools stays inside what the pools hold. */
static void scalar__check(const struct wm_sig *sig, const struct wm_scalar *s)
{
	if (s->kind == WM_T_ENUM && s->first_enum + s->nr_enums > sig->nr_enums)
		abort();
}

static void type__check(const struct wm_sig *sig, const struct wm_type *t)
{
	int i;

	if (t->first_field + t->nr_fields > sig->nr_fields)
		abort();
	if (t->kind == WM_T_ENUM && t->first_enum + t->nr_enums > sig->nr_enums)
		abort();
	scalar__check(sig, &t->target);
	for (i = t->first_field; i < t->first_field + t->nr_fields; i++) {
		const struct wm_field *f = &sig->fields[i];

		scalar__check(sig, &f->type);
		if (f->bit_size && f->bit_offset + f->bit_size > f->type.size * 8)
			abort();
		if (memchr(f->name, '\0', sizeof(f->name)) == NULL)
			abort();
	}
}

static void sig__check(const struct wm_sig *sig)
{
	int i;

	if (sig->nr_params < 0 || sig->nr_params > WM_SIG_MAX_PARAMS || sig->nr_fields < 0 ||
	    sig->nr_fields > WM_SIG_MAX_FIELDS || sig->nr_enums < 0 ||
	    sig->nr_enums > WM_SIG_MAX_ENUMS)
		abort();
	type__check(sig, &sig->ret);
	for (i = 0; i < sig->nr_params; i++) {
		const struct wm_param *p = &sig->params[i];

		type__check(sig, &p->type);
		if (p->reg < -1 || p->reg + p->nr_regs > 6 || p->stack_off < -1 ||
		    (p->reg >= 0 && p->stack_off >= 0))
			abort();
		if (p->loc.state > WM_LOC_OUT || p->loc.nr_pieces > WM_LOC_MAX_PIECES ||
		    (p->loc.state == WM_LOC_AT && !p->loc.nr_pieces))
			abort();
	}
}

/* Every value a plan reads is one BPF has, from a source it knows. */
static void plan__check(const struct wm_plan *plan)
{
	for (int i = 0; i < WM_SIG_MAX_PARAMS; i++) {
		if (plan->val[i] < -1 || plan->val[i] >= WM_MAX_VALS ||
		    plan->loc[i].nr > WM_LOC_MAX_PIECES)
			abort();
		for (int j = 0; j < plan->loc[i].nr; j++)
			if (plan->loc[i].p[j].val < 0 || plan->loc[i].p[j].val >= WM_MAX_VALS ||
			    plan->loc[i].p[j].size > 8)
				abort();
	}
	for (int k = 0; k < WM_MAX_VALS; k++)
		if (plan->cfg.vsrc[k].kind > WM_VS_CONST || plan->cfg.vsrc[k].reg >= WM_PT_NR ||
		    plan->cfg.vsrc[k].size > 8)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct wm_sym *syms;
	struct wm_dwarf *d = NULL;
	struct elf_obj *obj = NULL;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	char path[64], err[256];
	int fd, n, i;

	fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto cleanup;
	if (dwarf__open(fd, &d))
		goto cleanup;
	/* Symbols name the functions to look up, as the tracer does. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (elf_obj__open(path, &obj) == 0) {
		n = elf_obj__syms(obj, &syms);
		for (i = 0; i < n && i < MAX_FUNCS; i++) {
			if (dwarf__func_sig(d, syms[i].name, syms[i].vaddr, &sig) == 0)
				sig__check(&sig);
			sig__free(&sig);
			/* Each parameter's location at the probe, and the plan built on it. */
			if (dwarf__func_sig_at(d, syms[i].name, syms[i].vaddr, syms[i].vaddr + 4,
					       &sig) == 0) {
				sig__check(&sig);
				plan__build(&sig, NULL, &plan);
				plan__check(&plan);
			}
			sig__free(&sig);
		}
	}
	/* And names that are not symbols at all. */
	dwarf__func_sig(d, "main", 0, &sig);
	sig__free(&sig);
	/* A prototype's types laid out from this debug info, as the seed names them. */
	if (proto__parse("long f(struct flags *f, union num u, struct pair p, enum sign s, "
			 "struct point *pt, ulong_t *n, const enum colour *c, void *b[ret])",
			 &sig, NULL, NULL, 0) == 0) {
		dwarf__complete_sig(d, &sig, err, sizeof(err));
		sig__check(&sig);
		sig__free(&sig);
	}
cleanup:
	elf_obj__free(obj);
	dwarf__free(d);
	close(fd);
	return 0;
}
