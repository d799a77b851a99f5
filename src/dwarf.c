// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function signatures from an object's DWARF, in its own sections or in a
 * separate debug file. libdwfl does the debug file search (build-id under
 * /usr/lib/debug, then .gnu_debuglink next to the object, in .debug/ and
 * under /usr/lib/debug) and resolves dwz alternate files.
 */
/*
 * The DW_* constants, from elfutils' <dwarf.h>: spelled through elfutils/
 * because -Isrc makes a plain <dwarf.h> find our own header.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf.h"

/* Type chains and origin links are followed this far, and no further. */
#define MAX_HOPS 16
/* Total DIEs one type name may visit: bounds fan-out through prototypes. */
#define NAME_BUDGET 256

struct func_ent {
	const char *name; /* owned by libdw */
	Dwarf_Addr pc;
	bool has_pc;
	Dwarf_Die die;
};

struct wm_dwarf {
	Dwfl *dwfl;
	Dwarf *dw; /* owned by dwfl */
	/* Function definitions sorted by name, built on first lookup. */
	struct func_ent *ents;
	size_t nr_ents, cap_ents;
	bool indexed;
};

/*
 * dwfl keeps a pointer to its callbacks. A NULL debuginfo_path means the
 * default ":.debug:/usr/lib/debug".
 */
static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

void dwarf__free(struct wm_dwarf *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->ents);
	free(d);
}

int dwarf__open(int fd, struct wm_dwarf **out)
{
	char link[64], path[PATH_MAX];
	struct wm_dwarf *d = NULL;
	const char *base;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	ssize_t n;
	int dfd, err;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;

	/* The path only serves the .gnu_debuglink search next to the object. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;

	d->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!d->dwfl) {
		err = -ENOMEM;
		goto cleanup;
	}
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* dwfl owns dfd from here on, and closes it even when this fails. */
	mod = dwfl_report_offline(d->dwfl, base[0] ? base : "object", path[0] ? path : base, dfd);
	if (!mod) {
		err = -EINVAL;
		goto cleanup;
	}
	if (dwfl_report_end(d->dwfl, NULL, NULL)) {
		err = -EINVAL;
		goto cleanup;
	}
	/*
	 * DWARF addresses stay as linked; the bias dwfl applied to its own
	 * layout of the module does not concern them.
	 */
	d->dw = dwfl_module_getdwarf(mod, &bias);
	if (!d->dw) {
		err = -ENODATA;
		goto cleanup;
	}
	*out = d;
	return 0;
cleanup:
	dwarf__free(d);
	return err;
}

static Dwarf_Die *die__ref(Dwarf_Die *die, unsigned int at, Dwarf_Die *out)
{
	Dwarf_Attribute attr;

	if (!dwarf_attr_integrate(die, at, &attr))
		return NULL;
	return dwarf_formref_die(&attr, out);
}

static const char *die__string(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute attr;

	if (!dwarf_attr_integrate(die, at, &attr))
		return NULL;
	return dwarf_formstring(&attr);
}

static bool die__flag(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute attr;
	bool v = false;

	if (!dwarf_attr(die, at, &attr))
		return false;
	return dwarf_formflag(&attr, &v) == 0 && v;
}

/* The address a probe on this definition would use. */
static bool die__entry(Dwarf_Die *die, Dwarf_Addr *pc)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off;

	if (dwarf_lowpc(die, pc) == 0 || dwarf_entrypc(die, pc) == 0)
		return true;
	/* Split hot/cold functions: the first range starts the function. */
	off = dwarf_ranges(die, 0, &base, &start, &end);
	if (off > 0) {
		*pc = start;
		return true;
	}
	return false;
}

static int index__add(struct wm_dwarf *d, const char *name, Dwarf_Die *die, Dwarf_Addr pc,
		      bool has_pc)
{
	struct func_ent *e;

	if (d->nr_ents == d->cap_ents) {
		size_t cap = d->cap_ents ? d->cap_ents * 2 : 256;

		e = realloc(d->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		d->ents = e;
		d->cap_ents = cap;
	}
	e = &d->ents[d->nr_ents++];
	e->name = name;
	e->pc = pc;
	e->has_pc = has_pc;
	e->die = *die;
	return 0;
}

/* Definitions only: declarations and abstract inline instances have no code. */
static int index__subprogram(struct wm_dwarf *d, Dwarf_Die *die)
{
	const char *name, *linkage;
	Dwarf_Addr pc = 0;
	bool has_pc;
	int err;

	if (die__flag(die, DW_AT_declaration))
		return 0;
	has_pc = die__entry(die, &pc);
	if (!has_pc)
		return 0;
	name = die__string(die, DW_AT_name);
	linkage = die__string(die, DW_AT_linkage_name);
	if (!linkage)
		linkage = die__string(die, DW_AT_MIPS_linkage_name);
	if (name) {
		err = index__add(d, name, die, pc, has_pc);
		if (err)
			return err;
	}
	/* C++ symbols carry the mangled name. */
	if (linkage && (!name || strcmp(name, linkage)))
		return index__add(d, linkage, die, pc, has_pc);
	return 0;
}

static int index__children(struct wm_dwarf *d, Dwarf_Die *parent, int depth)
{
	Dwarf_Die child;
	int err, r;

	if (depth > MAX_HOPS || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			err = index__subprogram(d, &child);
			if (err)
				return err;
			break;
		case DW_TAG_namespace:
			err = index__children(d, &child, depth + 1);
			if (err)
				return err;
			break;
		default:
			break;
		}
		r = dwarf_siblingof(&child, &child);
	} while (r == 0);
	return 0;
}

static int func_ent__cmp(const void *a, const void *b)
{
	const struct func_ent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int dwarf__index(struct wm_dwarf *d)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	int err;

	if (d->indexed)
		return 0;
	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		/* Partial units (dwz) hold only abstract, shared DIEs. */
		if (dwarf_offdie(d->dw, off + hsize, &cu) &&
		    dwarf_tag(&cu) == DW_TAG_compile_unit) {
			err = index__children(d, &cu, 0);
			if (err)
				return err;
		}
		if (next <= off)
			break;
		off = next;
	}
	if (d->nr_ents)
		qsort(d->ents, d->nr_ents, sizeof(*d->ents), func_ent__cmp);
	d->indexed = true;
	return 0;
}

/* GCC spells "long unsigned int"; show what people write. */
static const char *base_name__normalize(const char *name)
{
	static const char *const map[][2] = {
		{ "long int", "long" },
		{ "long unsigned int", "unsigned long" },
		{ "short int", "short" },
		{ "short unsigned int", "unsigned short" },
		{ "long long int", "long long" },
		{ "long long unsigned int", "unsigned long long" },
		{ "__int128 unsigned", "unsigned __int128" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(name, map[i][0]))
			return map[i][1];
	}
	return name;
}


/* Append the pointer star the C way: "int *", "int **", "char *const *". */
static void str__append_star(char *buf, size_t size)
{
	size_t len = strlen(buf);

	sig__append(buf, size, len && buf[len - 1] == '*' ? "*" : " *");
}

static void type__name(Dwarf_Die *die, char *buf, size_t size, int hops, int *budget);

/* "int (*)(const void *, const void *)" for a pointer to this subroutine type. */
static void type__func_ptr_name(Dwarf_Die *fn, char *buf, size_t size, int hops, int *budget)
{
	char part[WM_TYPE_NAME_MAX];
	Dwarf_Die child, type;
	bool first = true;
	size_t len;

	type__name(die__ref(fn, DW_AT_type, &type), buf, size, hops + 1, budget);
	len = strlen(buf);
	sig__append(buf, size, len && buf[len - 1] == '*' ? "(*)(" : " (*)(");
	if (dwarf_child(fn, &child) == 0) {
		do {
			int tag = dwarf_tag(&child);

			if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
				continue;
			if (!first)
				sig__append(buf, size, ", ");
			first = false;
			if (tag == DW_TAG_unspecified_parameters) {
				sig__append(buf, size, "...");
				continue;
			}
			type__name(die__ref(&child, DW_AT_type, &type), part, sizeof(part),
				   hops + 1, budget);
			sig__append(buf, size, part);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	if (first && die__flag(fn, DW_AT_prototyped))
		sig__append(buf, size, "void");
	sig__append(buf, size, ")");
}

/* The C spelling of a type DIE; NULL stands for void. */
static void type__name(Dwarf_Die *die, char *buf, size_t size, int hops, int *budget)
{
	char inner[WM_TYPE_NAME_MAX];
	Dwarf_Die next, *nd;
	const char *name;
	const char *kw;

	buf[0] = '\0';
	if (hops > MAX_HOPS || --*budget < 0) {
		sig__append(buf, size, "?");
		return;
	}
	if (!die) {
		sig__append(buf, size, "void");
		return;
	}
	name = dwarf_diename(die);
	nd = die__ref(die, DW_AT_type, &next);
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
		sig__append(buf, size, name ? base_name__normalize(name) : "?");
		return;
	case DW_TAG_typedef:
		sig__append(buf, size, name ? name : "?");
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		kw = dwarf_tag(die) == DW_TAG_const_type ? "const" : "volatile";
		type__name(nd, inner, sizeof(inner), hops + 1, budget);
		/* The pointer itself is qualified: "char *const". */
		if (nd && dwarf_tag(nd) == DW_TAG_pointer_type) {
			sig__append(buf, size, inner);
			sig__append(buf, size, kw);
			return;
		}
		sig__append(buf, size, kw);
		sig__append(buf, size, " ");
		sig__append(buf, size, inner);
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		type__name(nd, buf, size, hops + 1, budget);
		return;
	case DW_TAG_pointer_type:
		if (nd && dwarf_tag(nd) == DW_TAG_subroutine_type) {
			type__func_ptr_name(nd, buf, size, hops + 1, budget);
			return;
		}
		type__name(nd, buf, size, hops + 1, budget);
		str__append_star(buf, size);
		return;
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		type__name(nd, buf, size, hops + 1, budget);
		sig__append(buf, size, dwarf_tag(die) == DW_TAG_reference_type ? " &" : " &&");
		return;
	case DW_TAG_array_type:
		type__name(nd, buf, size, hops + 1, budget);
		sig__append(buf, size, "[]");
		return;
	case DW_TAG_structure_type:
		kw = "struct ";
		break;
	case DW_TAG_union_type:
		kw = "union ";
		break;
	case DW_TAG_enumeration_type:
		kw = "enum ";
		break;
	case DW_TAG_class_type:
		kw = "class ";
		break;
	case DW_TAG_subroutine_type:
		sig__append(buf, size, "function");
		return;
	default:
		sig__append(buf, size, name ? name : "?");
		return;
	}
	sig__append(buf, size, kw);
	sig__append(buf, size, name ? name : "<anonymous>");
}

/* Skip typedefs and qualifiers; NULL for void or a chain too long. */
static Dwarf_Die *type__peel(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Die cur;
	int hops;

	if (!die)
		return NULL;
	cur = *die;
	for (hops = 0; hops < MAX_HOPS; hops++) {
		switch (dwarf_tag(&cur)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!die__ref(&cur, DW_AT_type, &cur))
				return NULL;
			break;
		default:
			*out = cur;
			return out;
		}
	}
	return NULL;
}

static int die__encoding(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;

	if (!dwarf_attr(die, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &v))
		return -1;
	return (int)v;
}

/* Is this pointed-to type a C character, through typedefs and qualifiers? */
static bool type__is_char(Dwarf_Die *pointee)
{
	Dwarf_Die peeled, *p = type__peel(pointee, &peeled);
	const char *name;
	int enc;

	if (!p || dwarf_tag(p) != DW_TAG_base_type || dwarf_bytesize(p) != 1)
		return false;
	enc = die__encoding(p);
	name = dwarf_diename(p);
	/* Plain char is unsigned on some ABIs; "unsigned char *" is bytes, not text. */
	return enc == DW_ATE_signed_char ||
	       (enc == DW_ATE_unsigned_char && name && !strcmp(name, "char"));
}

static void type__map_base(Dwarf_Die *die, struct wm_type *t)
{
	int size = dwarf_bytesize(die);
	int enc = die__encoding(die);

	t->size = size > 0 ? (size > 255 ? 255 : size) : 8;
	switch (enc) {
	case DW_ATE_boolean:
		t->kind = WM_T_BOOL;
		return;
	case DW_ATE_signed_char:
	case DW_ATE_unsigned_char:
		if (size == 1) {
			t->kind = WM_T_CHAR;
			t->is_signed = enc == DW_ATE_signed_char;
			return;
		}
		break;
	case DW_ATE_float:
	case DW_ATE_complex_float:
		t->kind = WM_T_FLOAT;
		return;
	case DW_ATE_signed:
	case DW_ATE_unsigned:
	case DW_ATE_UTF:
		break;
	default:
		t->kind = WM_T_UNKNOWN;
		return;
	}
	t->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	/* __int128 travels in two registers: kept raw, by size. */
	t->kind = (size == 1 || size == 2 || size == 4 || size == 8) ? WM_T_INT : WM_T_UNKNOWN;
}

/*
 * int8_t and uint8_t are char underneath, but they hold numbers: the
 * prototype parser reads them as integers too.
 */
static bool type__is_int8_typedef(Dwarf_Die *die)
{
	Dwarf_Die cur = *die;
	int hops;

	for (hops = 0; hops < MAX_HOPS; hops++) {
		int tag = dwarf_tag(&cur);
		const char *name = dwarf_diename(&cur);

		if (tag == DW_TAG_typedef && name && strstr(name, "int8_t"))
			return true;
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type)
			return false;
		if (!die__ref(&cur, DW_AT_type, &cur))
			return false;
	}
	return false;
}

/* A type DIE (NULL for void) as wrapmon's type model. */
static void type__map(Dwarf_Die *die, struct wm_type *t)
{
	Dwarf_Die peeled, under, *p, *u;
	int budget = NAME_BUDGET;
	int size;

	memset(t, 0, sizeof(*t));
	type__name(die, t->name, sizeof(t->name), 0, &budget);
	if (!die) {
		t->kind = WM_T_VOID;
		return;
	}
	p = type__peel(die, &peeled);
	if (!p) {
		/* "const void" or a broken chain: all we have is the register. */
		t->kind = WM_T_UNKNOWN;
		t->size = 8;
		return;
	}
	size = dwarf_bytesize(p);
	switch (dwarf_tag(p)) {
	case DW_TAG_base_type:
		type__map_base(p, t);
		if (t->kind == WM_T_CHAR && type__is_int8_typedef(die))
			t->kind = WM_T_INT;
		return;
	case DW_TAG_pointer_type:
		t->kind = type__is_char(die__ref(p, DW_AT_type, &under)) ? WM_T_STR : WM_T_PTR;
		t->size = 8;
		return;
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_array_type:
		t->kind = WM_T_PTR;
		t->size = 8;
		return;
	case DW_TAG_enumeration_type:
		t->kind = WM_T_INT;
		t->size = size > 0 && size <= 8 ? size : 4;
		/* The underlying type says the signedness when the compiler gives it. */
		u = type__peel(die__ref(p, DW_AT_type, &under), &under);
		t->is_signed = !u || die__encoding(u) != DW_ATE_unsigned;
		return;
	default:
		/* Structs and unions by value: decoding them is later work. */
		t->kind = WM_T_UNKNOWN;
		t->size = size > 0 ? (size > 255 ? 255 : size) : 8;
		return;
	}
}

/* Does this subprogram DIE list its parameters itself? */
static bool die__has_params(Dwarf_Die *die)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child) != 0)
		return false;
	do {
		int tag = dwarf_tag(&child);

		if (tag == DW_TAG_formal_parameter || tag == DW_TAG_unspecified_parameters)
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

static void sig__fill_params(struct wm_sig *sig, Dwarf_Die *fn)
{
	Dwarf_Die child, type;
	const char *name;

	if (dwarf_child(fn, &child) != 0)
		return;
	do {
		struct wm_param *p;

		switch (dwarf_tag(&child)) {
		case DW_TAG_unspecified_parameters:
			sig->variadic = true;
			break;
		case DW_TAG_formal_parameter:
			/* Beyond the model's limit, the first ones still decode right. */
			if (sig->nr_params == WM_SIG_MAX_PARAMS)
				break;
			p = &sig->params[sig->nr_params++];
			name = die__string(&child, DW_AT_name);
			snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
			type__map(die__ref(&child, DW_AT_type, &type), &p->type);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static void sig__from_die(struct wm_sig *sig, const char *name, Dwarf_Die *die)
{
	Dwarf_Die fn = *die, origin, type;
	int hops;

	memset(sig, 0, sizeof(*sig));
	sig->source = WM_SIG_DWARF;
	snprintf(sig->name, sizeof(sig->name), "%s", name);
	type__map(die__ref(die, DW_AT_type, &type), &sig->ret);

	/*
	 * A definition may leave its parameters to the declaration or the
	 * abstract instance it refers to.
	 */
	for (hops = 0; hops < MAX_HOPS && !die__has_params(&fn); hops++) {
		Dwarf_Attribute attr;

		if (!dwarf_attr(&fn, DW_AT_abstract_origin, &attr) &&
		    !dwarf_attr(&fn, DW_AT_specification, &attr))
			break;
		if (!dwarf_formref_die(&attr, &origin))
			break;
		fn = origin;
	}
	sig__fill_params(sig, &fn);
	sig__assign_regs(sig);
}

int dwarf__func_sig(struct wm_dwarf *d, const char *name, unsigned long vaddr, struct wm_sig *sig)
{
	struct func_ent key = { .name = name }, *e, *lo, *hi, *end;
	int err;

	if (!d || !name)
		return -ENOENT;
	err = dwarf__index(d);
	if (err)
		return err;
	if (!d->nr_ents)
		return -ENOENT;
	e = bsearch(&key, d->ents, d->nr_ents, sizeof(*e), func_ent__cmp);
	if (!e)
		return -ENOENT;
	end = d->ents + d->nr_ents;
	for (lo = e; lo > d->ents && !strcmp(lo[-1].name, name); lo--)
		;
	for (hi = e + 1; hi < end && !strcmp(hi->name, name); hi++)
		;

	for (e = lo; e < hi; e++) {
		if (e->has_pc && e->pc == vaddr) {
			sig__from_die(sig, name, &e->die);
			return 0;
		}
	}
	/* The address disagrees (prelink, odd toolchains): trust a unique name. */
	if (hi - lo == 1) {
		sig__from_die(sig, name, &lo->die);
		return 0;
	}
	return -ENOENT;
}
