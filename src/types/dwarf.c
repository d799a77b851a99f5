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
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "types/dwarf.h"
#include "util/grow.h"

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

/*
 * A named struct, union, enum or typedef defined at the top of a unit: the
 * first unit's of each name and tag.
 */
struct type_ent {
	const char *name; /* owned by libdw */
	int tag;
	unsigned int next; /* the bucket's next entry, index + 1; 0: none */
	Dwarf_Die die;
};

struct wm_dwarf {
	Dwfl *dwfl;
	Dwarf *dw; /* owned by dwfl */
	dev_t dev; /* the object's file, for dwarf__is_of() */
	ino_t ino;
	/* Function definitions sorted by name, built on first lookup. */
	struct func_ent *ents;
	size_t nr_ents, cap_ents;
	bool indexed;
	/*
	 * Type definitions by name (a hash), from the units read so far. Units
	 * are read in order only until the name looked up is in: a few types
	 * of an object whose every unit repeats the same headers (libpython)
	 * cost a few units, not all.
	 */
	struct type_ent *types;
	size_t nr_types, cap_types;
	unsigned int *heads;  /* each bucket's newest entry, index + 1 */
	size_t nr_heads;      /* a power of two */
	Dwarf_Off types_next; /* the next unit to read */
	bool types_done;
	Dwfl_Module *mod; /* d->dwfl's one module */
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
	free(d->types);
	free(d->heads);
	free(d);
}

/* Where libelf mapped the file with this device and inode (offset 0), or NULL. */
static char *mapped_at(dev_t dev, ino_t ino, size_t *len)
{
	unsigned long start, end, off, maj, min, inode;
	char line[512];
	char *at = NULL;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return NULL;
	while (!at && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx %lx:%lx %lu", &start, &end, &off, &maj, &min,
			   &inode) == 6 &&
		    !off && inode == ino && makedev(maj, min) == dev) {
			at = (char *)start;
			*len = end - start;
		}
	}
	fclose(f);
	return at;
}

/*
 * libdw decompresses every compressed debug section when it opens them
 * (Debian's debug files compress all of theirs) and reads only its copies
 * from then on: the compressed bytes it read through libelf's mapping, 4 MB
 * of libc's, need not stay resident while the functions are planned.
 * MADV_PAGEOUT keeps the contents (a page read again comes back); sections
 * still compressed in libdw's view, or never compressed, are left alone.
 */
static void dwarf__page_out_compressed(Dwfl_Module *mod, Dwarf *dw)
{
#ifdef MADV_PAGEOUT
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;
	const char *path = NULL;
	Elf *elf = dwarf_getelf(dw);
	Elf64_Ehdr eh;
	Elf64_Shdr rs;
	GElf_Shdr sh;
	struct stat st;
	size_t size = 0;
	char *raw;
	int fd;

	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &path);
	if (!elf || !path || gelf_getclass(elf) != ELFCLASS64)
		return;
	/* The file's own headers: libelf rewrites its (private) mapping's as it decompresses. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_shentsize != sizeof(rs))
		goto out;
	raw = mapped_at(st.st_dev, st.st_ino, &size);
	if (!raw || size < (size_t)st.st_size)
		goto out;
	size = st.st_size;
	for (size_t i = 1; i < eh.e_shnum; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);

		if (pread(fd, &rs, sizeof(rs), eh.e_shoff + i * sizeof(rs)) != sizeof(rs))
			break;
		/* Compressed in the file, no longer in libdw's view of it: decompressed. */
		if (!(rs.sh_flags & SHF_COMPRESSED) || !scn || !gelf_getshdr(scn, &sh) ||
		    (sh.sh_flags & SHF_COMPRESSED) || rs.sh_offset > size ||
		    rs.sh_size > size - rs.sh_offset)
			continue;
		start = ((uintptr_t)raw + rs.sh_offset + pg - 1) & ~(pg - 1);
		end = ((uintptr_t)raw + rs.sh_offset + rs.sh_size) & ~(pg - 1);
		if (end > start)
			madvise((void *)start, end - start, MADV_PAGEOUT);
	}
out:
	close(fd);
#endif
}

int dwarf__open(int fd, struct wm_dwarf **out)
{
	char link[64], path[PATH_MAX];
	struct wm_dwarf *d = NULL;
	const char *base;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct stat st;
	ssize_t n;
	int dfd, err;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (!fstat(fd, &st)) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
	}

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
	d->mod = mod;
	*out = d;
	return 0;
cleanup:
	dwarf__free(d);
	return err;
}

bool dwarf__is_of(const struct wm_dwarf *d, int fd)
{
	struct stat st;

	return d && !fstat(fd, &st) && st.st_dev == d->dev && st.st_ino == d->ino;
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

	if (grow__array(&d->ents, &d->cap_ents, d->nr_ents + 1, sizeof(*d->ents)))
		return -ENOMEM;
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
			if (!err)
				err = index__children(d, &child, depth + 1);
			if (err)
				return err;
			break;
		/* A local class's or a lambda's member functions are defined inside them. */
		case DW_TAG_lexical_block:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
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
		/*
		 * Partial units (dwz) hold only abstract, shared DIEs. An
		 * assembler's unit (glibc's syscall wrappers: execve, unlink)
		 * names its functions with no parameters or types: taking it as
		 * a signature would hide the prototype database's.
		 */
		if (dwarf_offdie(d->dw, off + hsize, &cu) &&
		    dwarf_tag(&cu) == DW_TAG_compile_unit &&
		    dwarf_srclang(&cu) != DW_LANG_Mips_Assembler) {
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
	/* The units are read now: libdw has its own copies of their sections. */
	dwarf__page_out_compressed(d->mod, d->dw);
	return 0;
}

/* Tags a lookup accepts: "struct" finds a C++ class too; TAG_NAMED any aggregate or typedef. */
#define TAG_NAMED (-1)

static bool tag__matches(int want, int tag)
{
	if (want == TAG_NAMED)
		return tag == DW_TAG_typedef || tag == DW_TAG_structure_type ||
		       tag == DW_TAG_class_type || tag == DW_TAG_union_type;
	if (want == DW_TAG_structure_type)
		return tag == DW_TAG_structure_type || tag == DW_TAG_class_type;
	return want == tag;
}

static size_t name__hash(const char *name)
{
	size_t h = 14695981039346656037ULL;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return h;
}

/* The entry of the units read so far for name, first in unit order among the tags accepted. */
static struct type_ent *types__find(const struct wm_dwarf *d, int tag, const char *name)
{
	struct type_ent *best = NULL;

	if (!d->nr_heads)
		return NULL;
	for (unsigned int i = d->heads[name__hash(name) & (d->nr_heads - 1)]; i;) {
		struct type_ent *e = &d->types[i - 1];

		if (tag__matches(tag, e->tag) && !strcmp(e->name, name) && (!best || e < best))
			best = e;
		i = e->next;
	}
	return best;
}

/* Buckets for twice the entries: rehashed as they double. */
static int types__rehash(struct wm_dwarf *d)
{
	size_t n = d->nr_heads ? 2 * d->nr_heads : 4096;
	unsigned int *heads = calloc(n, sizeof(*heads));

	if (!heads)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_types; i++) {
		struct type_ent *e = &d->types[i];
		size_t b = name__hash(e->name) & (n - 1);

		e->next = heads[b];
		heads[b] = i + 1;
	}
	free(d->heads);
	d->heads = heads;
	d->nr_heads = n;
	return 0;
}

static int types__add(struct wm_dwarf *d, const char *name, int tag, Dwarf_Die *die)
{
	size_t h = name__hash(name), b;
	struct type_ent *e;

	/* A later unit's copy of the same header's type is never the one found. */
	for (unsigned int i = d->nr_heads ? d->heads[h & (d->nr_heads - 1)] : 0; i;
	     i = d->types[i - 1].next)
		if (d->types[i - 1].tag == tag && !strcmp(d->types[i - 1].name, name))
			return 0;
	if (d->nr_types >= UINT_MAX - 1 ||
	    grow__array(&d->types, &d->cap_types, d->nr_types + 1, sizeof(*d->types)))
		return -ENOMEM;
	if (2 * (d->nr_types + 1) > d->nr_heads && types__rehash(d))
		return -ENOMEM;
	b = h & (d->nr_heads - 1);
	e = &d->types[d->nr_types++];
	e->name = name;
	e->tag = tag;
	e->die = *die;
	e->next = d->heads[b];
	d->heads[b] = d->nr_types;
	return 0;
}

/*
 * The next unit's named types at its top, declarations left out. Types
 * inside C++ namespaces are not: a prototype cannot spell them, and a bare
 * name would match the wrong one.
 */
static int types__read_unit(struct wm_dwarf *d)
{
	Dwarf_Off off = d->types_next, next;
	Dwarf_Die cu, child;
	size_t hsize;
	int err;

	if (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) || next <= off) {
		d->types_done = true;
		return 0;
	}
	d->types_next = next;
	if (!dwarf_offdie(d->dw, off + hsize, &cu) || dwarf_child(&cu, &child))
		return 0;
	do {
		int tag = dwarf_tag(&child);
		const char *name;

		if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type &&
		    tag != DW_TAG_union_type && tag != DW_TAG_enumeration_type &&
		    tag != DW_TAG_typedef)
			continue;
		name = dwarf_diename(&child);
		if (!name || die__flag(&child, DW_AT_declaration))
			continue;
		err = types__add(d, name, tag, &child);
		if (err)
			return err;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/* The definition of a named type: the first unit's that has one. */
static Dwarf_Die *dwarf__find_type(struct wm_dwarf *d, int tag, const char *name, Dwarf_Die *out)
{
	struct type_ent *e;

	if (!d || !name || !name[0])
		return NULL;
	while (!(e = types__find(d, tag, name)))
		if (d->types_done || types__read_unit(d))
			return NULL;
	*out = e->die;
	return out;
}

/* A typedef's or a qualifier's struct or union, through at most MAX_HOPS links. */
static Dwarf_Die *die__aggregate(struct wm_dwarf *d, Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Die cur = *die;

	for (int hops = 0; hops < MAX_HOPS; hops++) {
		int tag = dwarf_tag(&cur);

		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
		    tag == DW_TAG_class_type) {
			/* Declared here, defined in another unit (an opaque struct in a public header). */
			if (die__flag(&cur, DW_AT_declaration) &&
			    !dwarf__find_type(d, tag, dwarf_diename(&cur), &cur))
				return NULL;
			*out = cur;
			return out;
		}
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type)
			return NULL;
		if (!die__ref(&cur, DW_AT_type, &cur))
			return NULL;
	}
	return NULL;
}

/* member's offset in the type die names (see dwarf__offsetof()). */
static int die__offsetof(struct wm_dwarf *d, Dwarf_Die *die, const char *member, unsigned long *out)
{
	Dwarf_Die agg, child;
	Dwarf_Word off = 0, v;
	const char *p = member;

	if (!die__aggregate(d, die, &agg))
		return -ENOENT;
	if (!member) {
		int size = dwarf_bytesize(&agg);

		if (size < 0)
			return -ENOENT;
		*out = size;
		return 0;
	}
	/* One path component a step: "a.b" is member b of member a's struct. */
	while (*p) {
		size_t len = strcspn(p, ".");
		bool found = false;
		Dwarf_Attribute attr;

		if (dwarf_child(&agg, &child))
			return -ENOENT;
		do {
			const char *name = dwarf_diename(&child);

			if (dwarf_tag(&child) != DW_TAG_member || !name || strlen(name) != len ||
			    strncmp(name, p, len))
				continue;
			if (!dwarf_attr(&child, DW_AT_data_member_location, &attr) ||
			    dwarf_formudata(&attr, &v))
				return -ENOENT;
			off += v;
			found = true;
			break;
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			return -ENOENT;
		p += len;
		if (!*p)
			break;
		p++;
		if (!die__ref(&child, DW_AT_type, die) || !die__aggregate(d, die, &agg))
			return -ENOENT;
	}
	*out = off;
	return 0;
}

int dwarf__offsetof(struct wm_dwarf *d, const char *type, const char *member, unsigned long *out)
{
	Dwarf_Die die;

	/*
	 * A typedef, struct or union of that name, whichever the first unit
	 * has: looking for each kind in turn would read every unit for the
	 * kinds there are none of.
	 */
	if (!dwarf__find_type(d, TAG_NAMED, type, &die))
		return -ENOENT;
	return die__offsetof(d, &die, member, out);
}

/* Whether path is file or ends with "/" file: "./Modules/_sre/sre.c" is "_sre/sre.c"'s. */
static bool path__is(const char *path, const char *file)
{
	size_t n = strlen(path), k = strlen(file);

	return n >= k && !strcmp(path + n - k, file) && (n == k || path[n - k - 1] == '/');
}

int dwarf__offsetof_in(struct wm_dwarf *d, const char *const *units, const char *type,
		       const char *member, unsigned long *out)
{
	Dwarf_Off off = 0, next;
	Dwarf_Die cu, child;
	size_t hsize;

	if (!d)
		return -ENOENT;
	/* Only the units' own DIEs are read on the way: not their children. */
	for (; dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0 && next > off;
	     off = next) {
		const char *name;
		bool ours = false;

		if (!dwarf_offdie(d->dw, off + hsize, &cu) || !(name = dwarf_diename(&cu)))
			continue;
		for (int i = 0; units[i] && !ours; i++)
			ours = path__is(name, units[i]);
		if (!ours || dwarf_child(&cu, &child))
			continue;
		do {
			const char *n = dwarf_diename(&child);

			if (tag__matches(TAG_NAMED, dwarf_tag(&child)) && n && !strcmp(n, type) &&
			    !die__flag(&child, DW_AT_declaration))
				return die__offsetof(d, &child, member, out);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return -ENOENT;
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

/*
 * What one signature's types are decoded into: its member and enumerator
 * pools, and the debug info to find a struct's definition in when a unit
 * has only its declaration.
 */
struct layout {
	struct wm_dwarf *d; /* NULL: declarations stay opaque */
	struct wm_sig *sig;
};

static unsigned char clamp_u8(long long v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)v;
}

/* Does the chain up to the first type that is not a qualifier or typedef say const? */
static bool type__is_const(Dwarf_Die *die)
{
	Dwarf_Die cur;
	int hops;

	if (!die)
		return false;
	cur = *die;
	for (hops = 0; hops < MAX_HOPS; hops++) {
		switch (dwarf_tag(&cur)) {
		case DW_TAG_const_type:
			return true;
		case DW_TAG_typedef:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!die__ref(&cur, DW_AT_type, &cur))
				return false;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* An enum's signedness: its underlying type's, or signed when the compiler gives none. */
static bool enum__is_signed(Dwarf_Die *en)
{
	Dwarf_Die under, *u = type__peel(die__ref(en, DW_AT_type, &under), &under);

	return !u || die__encoding(u) != DW_ATE_unsigned;
}

/*
 * GCC and clang write negative enumerators as sdata and the others as
 * data1/2/4/8 or udata. DWARF lets a data form take its signedness from
 * the context, so another producer may write -1 as data4 0xffffffff: the
 * bits are the value at the enum's width, and a signed enum sign-extends
 * them from its own size, not from the form's (200 in data1 stays 200).
 */
static bool enumerator__value(Dwarf_Die *e, bool is_signed, int size, long long *v)
{
	Dwarf_Attribute attr;
	Dwarf_Sword sv;
	Dwarf_Word uv;

	if (!dwarf_attr(e, DW_AT_const_value, &attr))
		return false;
	if (dwarf_whatform(&attr) == DW_FORM_sdata ||
	    dwarf_whatform(&attr) == DW_FORM_implicit_const) {
		if (dwarf_formsdata(&attr, &sv))
			return false;
		*v = sv;
		return true;
	}
	if (dwarf_formudata(&attr, &uv))
		return false;
	if (is_signed && size > 0 && size < 8 && (uv & (1ULL << (size * 8 - 1))))
		uv |= ~0ULL << (size * 8);
	*v = (long long)uv;
	return true;
}

/*
 * Put an enum's enumerators in the signature's pool, or find them there
 * already (the same enum used twice). All or nothing: false when the enum
 * has none or they do not fit, and the caller shows it as an integer.
 */
static bool enum__collect(struct layout *l, Dwarf_Die *en, unsigned short *first,
			  unsigned short *nr)
{
	struct wm_enumval vals[WM_SIG_MAX_ENUMS];
	bool is_signed = enum__is_signed(en);
	int size = dwarf_bytesize(en);
	struct wm_sig *sig = l->sig;
	Dwarf_Die child;
	int n = 0, i;

	if (dwarf_child(en, &child) != 0)
		return false;
	do {
		const char *name;

		if (dwarf_tag(&child) != DW_TAG_enumerator)
			continue;
		if (n == WM_SIG_MAX_ENUMS)
			return false;
		if (!enumerator__value(&child, is_signed, size, &vals[n].value))
			continue;
		name = dwarf_diename(&child);
		snprintf(vals[n].name, sizeof(vals[n].name), "%s", name ? name : "");
		n++;
	} while (dwarf_siblingof(&child, &child) == 0);
	if (n == 0)
		return false;

	for (i = 0; i + n <= sig->nr_enums; i++) {
		int k;

		for (k = 0; k < n; k++) {
			if (sig->enums[i + k].value != vals[k].value ||
			    strcmp(sig->enums[i + k].name, vals[k].name))
				break;
		}
		if (k == n) {
			*first = i;
			*nr = n;
			return true;
		}
	}
	if (sig->nr_enums < 0 || sig->nr_enums + n > WM_SIG_MAX_ENUMS || sig__reserve_enums(sig, n))
		return false;
	memcpy(&sig->enums[sig->nr_enums], vals, n * sizeof(vals[0]));
	*first = sig->nr_enums;
	*nr = n;
	sig->nr_enums += n;
	return true;
}

/*
 * A struct's definition: the DIE itself, or for a declaration (a unit that
 * only saw "struct foo;") the C definition of that name in another unit.
 * C only: a C++ class's bare name may belong to another namespace.
 */
static Dwarf_Die *struct__definition(struct layout *l, Dwarf_Die *st, Dwarf_Die *out)
{
	Dwarf_Die cu;
	int lang;

	if (!die__flag(st, DW_AT_declaration)) {
		*out = *st;
		return out;
	}
	if (!l->d || !dwarf_diecu(st, &cu, NULL, NULL))
		return NULL;
	lang = dwarf_srclang(&cu);
	if (lang != DW_LANG_C89 && lang != DW_LANG_C && lang != DW_LANG_C99 && lang != DW_LANG_C11)
		return NULL;
	return dwarf__find_type(l->d, dwarf_tag(st), dwarf_diename(st), out);
}

/*
 * Elements of a fixed array, all dimensions together (int m[2][3] is six
 * ints), and the element type. 0 for a flexible or variable-length array.
 */
static unsigned long long array__count(Dwarf_Die *arr, Dwarf_Die *elem)
{
	unsigned long long total = 1;
	Dwarf_Die cur = *arr, sub, peeled;
	int hops;

	for (hops = 0; hops < MAX_HOPS; hops++) {
		bool any = false;

		if (dwarf_child(&cur, &sub) == 0) {
			do {
				Dwarf_Attribute attr;
				Dwarf_Word n, lo = 0;

				if (dwarf_tag(&sub) != DW_TAG_subrange_type)
					continue;
				any = true;
				if (dwarf_attr(&sub, DW_AT_count, &attr)) {
					if (dwarf_formudata(&attr, &n))
						return 0;
				} else if (dwarf_attr(&sub, DW_AT_upper_bound, &attr)) {
					/*
					 * An expression or a reference is a VLA's bound,
					 * not a constant; -1 is "a[]" from older GCC.
					 */
					if (dwarf_formudata(&attr, &n))
						return 0;
					if (dwarf_attr(&sub, DW_AT_lower_bound, &attr) &&
					    dwarf_formudata(&attr, &lo))
						return 0;
					if (n == (Dwarf_Word)-1 || n < lo)
						return 0;
					n = n - lo + 1;
				} else {
					return 0;
				}
				if (n == 0)
					return 0;
				total *= n;
				if (total > 0xffffffffULL)
					total = 0xffffffffULL;
			} while (dwarf_siblingof(&sub, &sub) == 0);
		}
		if (!any || !die__ref(&cur, DW_AT_type, elem))
			return 0;
		/* A typedef'd array inside an array: int m[2] of vec3. */
		if (!type__peel(elem, &peeled) || dwarf_tag(&peeled) != DW_TAG_array_type)
			return total;
		cur = peeled;
	}
	return 0;
}

/* A member's, pointee's or element's type (NULL for void), one level deep. */
static void scalar__map(struct layout *l, Dwarf_Die *die, struct wm_scalar *sc)
{
	Dwarf_Die peeled, under, *p, *u;
	struct wm_type t;
	int size;

	memset(sc, 0, sizeof(*sc));
	if (!die) {
		sc->kind = WM_T_VOID;
		return;
	}
	p = type__peel(die, &peeled);
	if (!p) {
		/* const void, or a chain too long to follow. */
		sc->kind = WM_T_VOID;
		return;
	}
	size = dwarf_bytesize(p);
	switch (dwarf_tag(p)) {
	case DW_TAG_base_type:
		memset(&t, 0, sizeof(t));
		type__map_base(p, &t);
		if (t.kind == WM_T_CHAR && type__is_int8_typedef(die))
			t.kind = WM_T_INT;
		sc->kind = t.kind;
		sc->size = clamp_u8(t.size);
		sc->is_signed = t.is_signed;
		return;
	case DW_TAG_pointer_type:
		sc->size = 8;
		u = die__ref(p, DW_AT_type, &under);
		if (u && type__peel(u, &peeled) && dwarf_tag(&peeled) == DW_TAG_subroutine_type)
			sc->kind = WM_T_FUNCPTR;
		else
			sc->kind = type__is_char(u) ? WM_T_STR : WM_T_PTR;
		return;
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type:
		sc->kind = WM_T_PTR;
		sc->size = 8;
		return;
	case DW_TAG_enumeration_type: {
		unsigned short first, nr;

		sc->size = size > 0 && size <= 8 ? size : 4;
		sc->is_signed = enum__is_signed(p);
		sc->kind = WM_T_INT;
		if (enum__collect(l, p, &first, &nr)) {
			sc->kind = WM_T_ENUM;
			sc->first_enum = first;
			sc->nr_enums = nr;
		}
		return;
	}
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		/* Nested: shown as {...}, so its own members are not needed. */
		sc->kind = size > 0 ? WM_T_STRUCT : WM_T_UNKNOWN;
		sc->size = clamp_u8(size);
		return;
	default:
		sc->kind = WM_T_UNKNOWN;
		sc->size = clamp_u8(size > 0 ? size : 8);
		return;
	}
}

/*
 * Where a bitfield's bits are: bit is its first bit from the start of the
 * struct, LSB first (x86_64 is little endian). The member is placed so
 * that reading f->type.size bytes at f->offset, shifting right by
 * bit_offset and keeping bit_size bits gives its value, and the bytes read
 * stay inside the struct (ssize bytes; 0 when unknown): offset is the start
 * of its storage unit, or in a packed struct the smallest window that holds
 * it. False when not even eight bytes do.
 */
static bool field__place_bits(struct wm_field *f, long long bit, long long bits, long long ssize)
{
	long long size = f->type.size, need, off;

	if (bit < 0 || bits <= 0 || bits > 64 || bit / 8 > 0xffffffffLL)
		return false;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		size = 8;
	off = bit / (size * 8) * size;
	if (bit - off * 8 + bits > size * 8 || (ssize > 0 && off + size > ssize)) {
		need = (bit % 8 + bits + 7) / 8;
		for (size = 1; size < need; size *= 2)
			;
		off = bit / 8;
		if (ssize >= size && off + size > ssize)
			off = ssize - size;
		if (size > 8 || bit - off * 8 + bits > size * 8)
			return false;
	}
	f->offset = (unsigned int)off;
	f->type.size = (unsigned char)size;
	f->bit_offset = (unsigned char)(bit - off * 8);
	f->bit_size = (unsigned char)bits;
	return true;
}

static bool attr__sdata(Dwarf_Die *die, unsigned int at, long long *v)
{
	Dwarf_Attribute attr;
	Dwarf_Sword sv;

	if (!dwarf_attr(die, at, &attr) || dwarf_formsdata(&attr, &sv))
		return false;
	*v = sv;
	return true;
}

/*
 * A member's byte offset: a constant, or the DWARF 2 form of the same
 * thing (DW_OP_plus_uconst alone). Absent means 0 (union members, and
 * bitfields placed by DW_AT_data_bit_offset). False for a real expression
 * (a virtual base): that member is left out.
 */
static bool member__offset(Dwarf_Die *m, unsigned long long *off)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t nops;
	Dwarf_Word v;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &attr))
		return true;
	if (dwarf_whatform(&attr) != DW_FORM_exprloc && dwarf_whatform(&attr) != DW_FORM_block &&
	    dwarf_whatform(&attr) != DW_FORM_block1 && dwarf_formudata(&attr, &v) == 0) {
		*off = v;
		return true;
	}
	if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_plus_uconst) {
		*off = ops[0].number;
		return true;
	}
	return false;
}

/* One DW_TAG_member of a struct of ssize bytes into f; false to leave it out. */
static bool field__map(struct layout *l, Dwarf_Die *m, long long ssize, struct wm_field *f)
{
	Dwarf_Die type, elem, peeled, *t;
	unsigned long long off, count;
	long long bits, bit, v, unit;
	const char *name;

	memset(f, 0, sizeof(*f));
	/* C++ static members (DWARF 4) are declarations, not storage. */
	if (die__flag(m, DW_AT_declaration) || die__flag(m, DW_AT_external))
		return false;
	if (!member__offset(m, &off) || off > 0xffffffffULL)
		return false;
	name = dwarf_diename(m);
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
	f->offset = (unsigned int)off;

	t = die__ref(m, DW_AT_type, &type);
	if (t && type__peel(t, &peeled) && dwarf_tag(&peeled) == DW_TAG_array_type) {
		/* Flexible and variable-length arrays have no elements to show. */
		count = array__count(&peeled, &elem);
		if (count == 0)
			return false;
		f->count = count > 0xffff ? 0xffff : (unsigned short)count;
		scalar__map(l, &elem, &f->type);
		return true;
	}
	scalar__map(l, t, &f->type);

	if (!attr__sdata(m, DW_AT_bit_size, &bits))
		return true;
	if (attr__sdata(m, DW_AT_data_bit_offset, &bit))
		return field__place_bits(f, bit, bits, ssize);
	/*
	 * DWARF 2/3 (and GCC's DWARF 4): the storage unit of byte_size bytes
	 * starts at the member's offset, and bit_offset counts from its most
	 * significant bit.
	 */
	if (!attr__sdata(m, DW_AT_bit_offset, &v))
		return field__place_bits(f, off * 8LL, bits, ssize);
	unit = dwarf_bytesize(m);
	if (unit <= 0)
		unit = f->type.size;
	return field__place_bits(f, off * 8LL + unit * 8 - v - bits, bits, ssize);
}

/*
 * A struct's or union's members, one level deep, appended to the
 * signature's pool. When the pool is full, the members that fit are kept
 * and the rest are not shown.
 */
static void struct__fields(struct layout *l, Dwarf_Die *st, struct wm_type *t)
{
	struct wm_sig *sig = l->sig;
	Dwarf_Die child;

	t->is_union = dwarf_tag(st) == DW_TAG_union_type;
	t->struct_size = dwarf_bytesize(st) > 0 ? dwarf_bytesize(st) : 0;
	t->first_field = sig->nr_fields;
	t->nr_fields = 0;
	if (dwarf_child(st, &child) != 0)
		return;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		if (sig->nr_fields < 0 || sig->nr_fields >= WM_SIG_MAX_FIELDS ||
		    sig__reserve_fields(sig, 1))
			return;
		if (!field__map(l, &child, t->struct_size, &sig->fields[sig->nr_fields]))
			continue;
		sig->nr_fields++;
		t->nr_fields++;
	} while (dwarf_siblingof(&child, &child) == 0);
}

/*
 * What a pointer (or reference, or buffer) points to: a struct's members,
 * a scalar, an array's elements. target stays WM_T_UNKNOWN for an opaque
 * struct and WM_T_VOID for void.
 */
static void ptr__map_target(struct layout *l, Dwarf_Die *pointee, struct wm_type *t)
{
	Dwarf_Die peeled, def, elem, *p;
	unsigned long long count;

	t->target_const = type__is_const(pointee);
	p = type__peel(pointee, &peeled);
	if (!p) {
		t->target.kind = WM_T_VOID;
		return;
	}
	switch (dwarf_tag(p)) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		if (!struct__definition(l, p, &def) || dwarf_bytesize(&def) <= 0) {
			t->target.kind = WM_T_UNKNOWN;
			return;
		}
		t->target.kind = WM_T_STRUCT;
		t->target.size = clamp_u8(dwarf_bytesize(&def));
		struct__fields(l, &def, t);
		return;
	case DW_TAG_array_type:
		/* int (*)[4]: four ints. */
		count = array__count(p, &elem);
		if (count == 0) {
			t->target.kind = WM_T_UNKNOWN;
			return;
		}
		scalar__map(l, &elem, &t->target);
		t->target_count = count > 0xffff ? 0xffff : (unsigned short)count;
		return;
	default:
		scalar__map(l, pointee, &t->target);
		return;
	}
}

/* The first pointer in a Rust struct, members first to last, nested ones followed: its offset. */
static bool rust__find_ptr(Dwarf_Die *st, unsigned long long base, int depth,
			   unsigned long long *off, Dwarf_Die *ptr)
{
	Dwarf_Die child, type, peeled, *p;
	unsigned long long o;

	if (depth > 8 || dwarf_child(st, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member || !member__offset(&child, &o))
			continue;
		p = type__peel(die__ref(&child, DW_AT_type, &type), &peeled);
		if (!p)
			continue;
		if (dwarf_tag(p) == DW_TAG_pointer_type) {
			*off = base + o;
			*ptr = *p;
			return true;
		}
		if (dwarf_tag(p) == DW_TAG_structure_type &&
		    rust__find_ptr(p, base + o, depth + 1, off, ptr))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* The child of st with this tag and name. */
static Dwarf_Die *die__child_named(Dwarf_Die *st, int tag, const char *name, Dwarf_Die *out)
{
	const char *n;

	if (dwarf_child(st, out) != 0)
		return NULL;
	do {
		n = die__string(out, DW_AT_name);
		if (dwarf_tag(out) == tag && n && !strcmp(n, name))
			return out;
	} while (dwarf_siblingof(out, out) == 0);
	return NULL;
}

/* A member of st by name, and its offset. */
static Dwarf_Die *rust__member(Dwarf_Die *st, const char *name, unsigned long long *off,
			       Dwarf_Die *out)
{
	if (!die__child_named(st, DW_TAG_member, name, out) || !member__offset(out, off))
		return NULL;
	return out;
}

/* The type of a generic struct's parameter T. */
static Dwarf_Die *rust__template_t(Dwarf_Die *st, Dwarf_Die *out)
{
	Dwarf_Die param;

	if (!die__child_named(st, DW_TAG_template_type_parameter, "T", &param))
		return NULL;
	return die__ref(&param, DW_AT_type, out);
}

/*
 * Rust's &str, &[T], String and Vec<T>: a pointer and a count in the value
 * itself, shown as the string or the elements they hold. False for any
 * other struct.
 */
static bool rust__buf(struct layout *l, Dwarf_Die *st, struct wm_type *t)
{
	const char *name = die__string(st, DW_AT_name);
	unsigned long long ptr_off, len_off, vec_off = 0;
	Dwarf_Die m, type, vec, ptr, elem, *p;
	bool str;

	if (!l->sig->rust || !name)
		return false;
	str = !strcmp(name, "&str") || !strcmp(name, "&mut str") || !strcmp(name, "String");
	if (!strcmp(name, "String")) {
		/* String { vec: Vec<u8> } */
		if (!rust__member(st, "vec", &vec_off, &m) ||
		    !type__peel(die__ref(&m, DW_AT_type, &type), &vec))
			return false;
		st = &vec;
		name = die__string(st, DW_AT_name);
		if (!name)
			return false;
	}
	if (!strncmp(name, "&[", 2) || !strncmp(name, "&mut [", 6) || !strcmp(name, "&str") ||
	    !strcmp(name, "&mut str")) {
		if (!rust__member(st, "data_ptr", &ptr_off, &m) ||
		    !rust__member(st, "length", &len_off, &m))
			return false;
		if (!rust__find_ptr(st, 0, 0, &ptr_off, &ptr))
			return false;
	} else if (!strncmp(name, "Vec<", 4)) {
		if (!rust__member(st, "len", &len_off, &m) ||
		    !rust__find_ptr(st, 0, 0, &ptr_off, &ptr))
			return false;
	} else {
		return false;
	}
	if (vec_off + ptr_off > 0xfff0 || vec_off + len_off > 0xfff0)
		return false;
	t->kind = WM_T_BUF;
	t->size = dwarf_bytesize(st) > 0 ? dwarf_bytesize(st) + vec_off : 16;
	t->len_param = WM_LEN_SELF;
	t->ptr_off = vec_off + ptr_off;
	t->len_off = vec_off + len_off;
	t->target_const = true;
	/* Vec's own pointer is to bytes (RawVec): its element type is its parameter T. */
	p = !strncmp(name, "Vec<", 4) ? rust__template_t(st, &elem) :
					die__ref(&ptr, DW_AT_type, &elem);
	if (str || !p) {
		t->target.kind = WM_T_CHAR;
		t->target.size = 1;
	} else {
		scalar__map(l, p, &t->target);
		if (!t->target.size)
			return false;
	}
	return true;
}

/* A variant's payload: its only member "__0", none (WM_T_VOID), or {...} for several. */
static void rust__payload(struct layout *l, Dwarf_Die *var, unsigned long long base,
			  struct wm_field *f)
{
	Dwarf_Die child, type, peeled, *p;
	struct wm_type buf = {};
	unsigned long long off;
	const char *n;
	int members = 0;

	f->type.kind = WM_T_VOID;
	if (dwarf_child(var, &child) != 0)
		return;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		if (++members > 1 || !member__offset(&child, &off)) {
			f->type.kind = WM_T_STRUCT;
			return;
		}
		f->offset = base + off;
		p = type__peel(die__ref(&child, DW_AT_type, &type), &peeled);
		if (p && dwarf_tag(p) == DW_TAG_structure_type && (n = dwarf_diename(p)) &&
		    (!strcmp(n, "&str") || !strcmp(n, "&mut str") || !strcmp(n, "String")) &&
		    rust__buf(l, p, &buf) && f->offset + buf.ptr_off <= 0xfff0 &&
		    f->offset + buf.len_off <= 0xfff0) {
			/* Text: read through its pointer, like a parameter that is one. */
			f->type.kind = WM_T_BUF;
			f->type.size = buf.size;
			f->ptr_off = f->offset + buf.ptr_off;
			f->len_off = f->offset + buf.len_off;
		} else {
			scalar__map(l, die__ref(&child, DW_AT_type, &type), &f->type);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/*
 * A Rust enum (a struct with a DW_TAG_variant_part): the discriminant's
 * place and each variant with its discriminant value and payload. Niche
 * layouts (Option<&T>: None is a null pointer) are DWARF's discriminant
 * too, with a default variant for the values no other one has.
 */
static bool rust__enum(struct layout *l, Dwarf_Die *st, struct wm_type *t)
{
	Dwarf_Die part, child, m, type, vt, *p;
	struct wm_sig *sig = l->sig;
	unsigned long long off;
	Dwarf_Attribute attr;
	bool found = false;

	if (!l->sig->rust || dwarf_child(st, &part) != 0)
		return false;
	do {
		if (dwarf_tag(&part) == DW_TAG_variant_part) {
			found = true;
			break;
		}
	} while (dwarf_siblingof(&part, &part) == 0);
	if (!found || !dwarf_attr(&part, DW_AT_discr, &attr) || !dwarf_formref_die(&attr, &m) ||
	    !member__offset(&m, &off) || off > 0xfff0)
		return false;
	p = type__peel(die__ref(&m, DW_AT_type, &type), &vt);
	if (!p || dwarf_bytesize(p) <= 0 || dwarf_bytesize(p) > 8)
		return false;
	t->kind = WM_T_STRUCT;
	t->size = dwarf_bytesize(st) > 0 ? dwarf_bytesize(st) : 0;
	t->struct_size = t->size;
	t->rust_enum = true;
	t->discr_off = off;
	t->discr_size = dwarf_bytesize(p);
	t->first_field = sig->nr_fields;
	t->nr_fields = 0;
	if (dwarf_child(&part, &child) != 0)
		return true;
	do {
		struct wm_field *f;
		Dwarf_Die vm, var;
		const char *n;
		Dwarf_Sword v;

		if (dwarf_tag(&child) != DW_TAG_variant || dwarf_child(&child, &vm) != 0)
			continue;
		if (sig->nr_fields < 0 || sig->nr_fields >= WM_SIG_MAX_FIELDS ||
		    sig__reserve_fields(sig, 1))
			return true;
		f = &sig->fields[sig->nr_fields];
		memset(f, 0, sizeof(*f));
		f->variant = WM_VARIANT_DEFAULT;
		if (dwarf_attr(&child, DW_AT_discr_value, &attr) &&
		    dwarf_formsdata(&attr, &v) == 0) {
			f->variant = WM_VARIANT_DISCR;
			f->discr = v;
		}
		n = die__string(&vm, DW_AT_name);
		snprintf(f->name, sizeof(f->name), "%s", n ? n : "");
		if (!member__offset(&vm, &off) ||
		    !type__peel(die__ref(&vm, DW_AT_type, &type), &var))
			continue;
		rust__payload(l, &var, off, f);
		sig->nr_fields++;
		t->nr_fields++;
	} while (dwarf_siblingof(&child, &child) == 0);
	return true;
}

/* The model of a type DIE (NULL for void), all but its name; t is zeroed. */
static void type__map_kind(struct layout *l, Dwarf_Die *die, struct wm_type *t)
{
	Dwarf_Die peeled, under, def, elem, *p, *u;
	unsigned long long count;
	int size;

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
		t->size = 8;
		u = die__ref(p, DW_AT_type, &under);
		if (u && type__peel(u, &def) && dwarf_tag(&def) == DW_TAG_subroutine_type) {
			t->kind = WM_T_FUNCPTR;
			return;
		}
		t->kind = type__is_char(u) ? WM_T_STR : WM_T_PTR;
		ptr__map_target(l, u, t);
		return;
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		/* Passed as the address of the object, like a pointer. */
		t->kind = WM_T_PTR;
		t->size = 8;
		ptr__map_target(l, die__ref(p, DW_AT_type, &under), t);
		return;
	case DW_TAG_array_type:
		t->kind = WM_T_PTR;
		t->size = 8;
		count = array__count(p, &elem);
		if (count) {
			scalar__map(l, &elem, &t->target);
			t->target_count = count > 0xffff ? 0xffff : (unsigned short)count;
		}
		return;
	case DW_TAG_enumeration_type:
		t->kind = WM_T_INT;
		t->size = size > 0 && size <= 8 ? size : 4;
		/* The underlying type says the signedness when the compiler gives it. */
		t->is_signed = enum__is_signed(p);
		if (enum__collect(l, p, &t->first_enum, &t->nr_enums))
			t->kind = WM_T_ENUM;
		return;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		if (rust__buf(l, p, t) || rust__enum(l, p, t))
			return;
		if (struct__definition(l, p, &def) && dwarf_bytesize(&def) > 0) {
			t->kind = WM_T_STRUCT;
			t->size = dwarf_bytesize(&def);
			struct__fields(l, &def, t);
			/*
			 * GCC gives a transparent union (glibc's __SOCKADDR_ARG:
			 * accept, bind, connect) no members: its register, not "{}".
			 */
			if (t->is_union && !t->nr_fields && t->size <= 8)
				t->kind = WM_T_UNKNOWN;
			return;
		}
		t->kind = WM_T_UNKNOWN;
		t->size = 8;
		return;
	default:
		t->kind = WM_T_UNKNOWN;
		t->size = size > 0 ? (size > 255 ? 255 : size) : 8;
		return;
	}
}

/* A type DIE (NULL for void) as wrapmon's type model. */
static void type__map(struct layout *l, Dwarf_Die *die, struct wm_type *t)
{
	char full[4 * WM_TYPE_NAME_MAX];
	int budget = NAME_BUDGET;
	size_t n;

	memset(t, 0, sizeof(*t));
	type__name(die, full, sizeof(full), 0, &budget);
	/* Rust names its types itself: "&str", "Option<i32>", "*const i8". */
	if (l->sig && l->sig->rust && die && dwarf_diename(die))
		snprintf(full, sizeof(full), "%s", dwarf_diename(die));
	/* A C++ template's name cut short says so, rather than end mid-word. */
	n = strlen(full);
	if (n >= sizeof(t->name))
		snprintf(t->name, sizeof(t->name), "%.*s...", (int)sizeof(t->name) - 4, full);
	else
		memcpy(t->name, full, n + 1);
	type__map_kind(l, die, t);
}

/*
 * The named type a prototype's spelling refers to, as proto.c spells it:
 * "const struct foo *" is struct foo behind one pointer, "foo_t *" the
 * typedef foo_t. False for anything else: a function pointer, a standard
 * type, a name that may have been cut to fit.
 */
static bool proto_name__parse(const char *name, int *tag, char *ident, size_t size, int *stars)
{
	static const char *const builtin[] = {
		"void",	  "char",   "short",	"int",	"long",	 "float",
		"double", "signed", "unsigned", "bool", "_Bool",
	};
	char buf[WM_TYPE_NAME_MAX], *words[3], *w, *save = NULL;
	size_t i;
	int n = 0;

	if (strlen(name) >= sizeof(buf) - 1 || strchr(name, '('))
		return false;
	snprintf(buf, sizeof(buf), "%s", name);
	*stars = 0;
	for (w = buf; *w; w++) {
		if (*w == '*') {
			(*stars)++;
			*w = ' ';
		}
	}
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (!strcmp(w, "const") || !strcmp(w, "volatile"))
			continue;
		if (n == 3)
			return false;
		words[n++] = w;
	}
	if (n == 2) {
		if (!strcmp(words[0], "struct"))
			*tag = DW_TAG_structure_type;
		else if (!strcmp(words[0], "union"))
			*tag = DW_TAG_union_type;
		else if (!strcmp(words[0], "enum"))
			*tag = DW_TAG_enumeration_type;
		else
			return false;
		snprintf(ident, size, "%s", words[1]);
		return true;
	}
	if (n != 1)
		return false;
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		if (!strcmp(words[0], builtin[i]))
			return false;
	}
	*tag = DW_TAG_typedef;
	snprintf(ident, size, "%s", words[0]);
	return true;
}

/*
 * Lay out one prototype type from debug info: a struct or union by value,
 * an enum by value, or what a single pointer (or buffer) to a struct,
 * union, enum or typedef points to. Types already complete are left
 * alone, so completing twice changes nothing. -ENOENT only for a struct
 * by value that stays without a size.
 */
static int type__complete(struct layout *l, struct wm_type *t)
{
	bool by_value = t->kind == WM_T_STRUCT && t->size == 0;
	char ident[WM_TYPE_NAME_MAX];
	struct wm_type full, keep;
	Dwarf_Die die, *dp;
	int tag, stars;

	if (!proto_name__parse(t->name, &tag, ident, sizeof(ident), &stars))
		return by_value ? -ENOENT : 0;
	if (stars == 0) {
		bool is_enum = tag == DW_TAG_enumeration_type && t->kind == WM_T_INT;

		if (!by_value && !is_enum)
			return 0;
		dp = dwarf__find_type(l->d, tag, ident, &die);
		memset(&full, 0, sizeof(full));
		if (dp)
			type__map_kind(l, dp, &full);
		if (full.kind != (by_value ? WM_T_STRUCT : WM_T_ENUM) &&
		    !(is_enum && full.kind == WM_T_INT))
			return by_value ? -ENOENT : 0;
		memcpy(full.name, t->name, sizeof(full.name));
		*t = full;
		return 0;
	}
	if (stars != 1 || (t->kind != WM_T_PTR && t->kind != WM_T_BUF))
		return 0;
	if (tag == DW_TAG_enumeration_type ? t->target.kind != WM_T_INT :
					     t->target.kind != WM_T_UNKNOWN)
		return 0;
	dp = dwarf__find_type(l->d, tag, ident, &die);
	if (!dp)
		return 0;

	/* The prototype's own say (const, counts, the buffer's length) stays. */
	keep = *t;
	memset(&t->target, 0, sizeof(t->target));
	ptr__map_target(l, dp, t);
	t->target_const = keep.target_const;
	if (keep.target_count)
		t->target_count = keep.target_count;
	if ((t->kind == WM_T_BUF || t->target_count) && t->target.kind == WM_T_VOID) {
		t->target.kind = WM_T_CHAR;
		t->target.size = 1;
	}
	/* A typedef of char ("gchar *") is text, as when DWARF gives the signature. */
	if (t->kind == WM_T_PTR && !t->target_count && type__is_char(dp))
		t->kind = WM_T_STR;
	return 0;
}

int dwarf__complete_sig(struct wm_dwarf *d, struct wm_sig *sig, char *err, size_t errsz)
{
	struct layout l = { .d = d, .sig = sig };
	const struct wm_type *bad = NULL;
	const char *who = NULL;
	int i;

	if (err && errsz)
		err[0] = '\0';
	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		if (type__complete(&l, &sig->params[i].type) && !bad) {
			bad = &sig->params[i].type;
			who = sig->params[i].name;
		}
	}
	/* The result last: parameters have the first claim on the pools. */
	if (type__complete(&l, &sig->ret) && !bad)
		bad = &sig->ret;
	sig__assign_regs(sig);
	if (!bad)
		return 0;
	if (err && errsz)
		snprintf(err, errsz,
			 "%s%s%s is '%s' by value, whose size only debug info can give, and %s: "
			 "build the object with -g, or pass a pointer",
			 bad == &sig->ret ? "the result" : "parameter '",
			 bad == &sig->ret ? "" : (who && who[0] ? who : "?"),
			 bad == &sig->ret ? "" : "'", bad->name,
			 d ? "the object's debug info does not define it" :
			     "the object has no debug info");
	return -ENOENT;
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

/* How a frame base (DW_AT_frame_base) is known: the CFA, or a register after the prologue. */
struct frame_base {
	bool cfa; /* DW_OP_call_frame_cfa: rsp + 8 at entry, all through the function */
	int reg;  /* else this register (-1: none known) plus off, once the prologue ran */
	long long off;
};

static void frame_base__get(Dwarf_Die *fn, struct frame_base *fb)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;

	fb->cfa = false;
	fb->reg = -1;
	fb->off = 0;
	if (!dwarf_attr(fn, DW_AT_frame_base, &attr) || dwarf_getlocation(&attr, &ops, &n) ||
	    n != 1)
		return;
	if (ops[0].atom == DW_OP_call_frame_cfa)
		fb->cfa = true;
	else if (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31)
		fb->reg = ops[0].atom - DW_OP_reg0;
	else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		fb->reg = ops[0].atom - DW_OP_breg0;
		fb->off = (Dwarf_Sword)ops[0].number;
	}
}

/*
 * DW_OP_entry_value(DW_OP_regN): the register's value when the function
 * was entered, which at a probe on its first instructions is the register
 * itself. -1 for any other entry value.
 */
static int entry_value__reg(Dwarf_Attribute *attr, Dwarf_Op *op)
{
	Dwarf_Attribute sub;
	Dwarf_Op *ops;
	size_t n;

	if (dwarf_getlocation_attr(attr, op, &sub) || dwarf_getlocation(&sub, &ops, &n) || n != 1)
		return -1;
	if (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31)
		return ops[0].atom - DW_OP_reg0;
	if (ops[0].atom == DW_OP_regx && ops[0].number < 256)
		return (int)ops[0].number;
	return -1;
}

/*
 * One location expression as pieces. False when it uses anything this
 * model cannot read at the probe (arithmetic on several registers, a
 * dereference, a piece left empty): the parameter is then optimized out
 * for us, rather than guessed.
 */
static bool loc__from_expr(Dwarf_Attribute *attr, Dwarf_Op *ops, size_t n,
			   const struct frame_base *fb, unsigned int size, bool single,
			   struct wm_loc *loc)
{
	struct wm_loc_piece cur = {};
	bool have = false, value = false;
	unsigned int at = 0;

	loc->nr_pieces = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned int a = ops[i].atom;

		if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_REG, .reg = a - DW_OP_reg0 };
		} else if (a == DW_OP_regx && ops[i].number < 256) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_REG, .reg = ops[i].number };
		} else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_MEM,
						     .reg = a - DW_OP_breg0,
						     .off = (Dwarf_Sword)ops[i].number };
			/* A single location's stack or frame pointer: what the prologue made it. */
			cur.body = single && (cur.reg == 7 || cur.reg == 6);
		} else if (a == DW_OP_fbreg) {
			/* The CFA is rsp + 8 at entry, all through the function. */
			if (fb->cfa)
				cur = (struct wm_loc_piece){ .kind = WM_PIECE_MEM,
							     .reg = 7,
							     .off = 8 + (Dwarf_Sword)ops[i].number,
							     .body = single,
							     .entry_sp = true };
			else if (fb->reg >= 0)
				cur = (struct wm_loc_piece){
					.kind = WM_PIECE_MEM,
					.reg = fb->reg,
					.off = fb->off + (Dwarf_Sword)ops[i].number,
					.body = single && (fb->reg == 7 || fb->reg == 6)
				};
			else
				return false;
		} else if (a == DW_OP_plus_uconst && have && cur.kind == WM_PIECE_MEM) {
			cur.off += ops[i].number;
			continue;
		} else if ((a == DW_OP_entry_value || a == DW_OP_GNU_entry_value) &&
			   entry_value__reg(attr, &ops[i]) >= 0 && i + 1 < n &&
			   ops[i + 1].atom == DW_OP_stack_value) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_REG,
						     .reg = entry_value__reg(attr, &ops[i]) };
			i++;
		} else if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_CONST,
						     .off = a - DW_OP_lit0 };
			value = true;
		} else if (a == DW_OP_const1u || a == DW_OP_const2u || a == DW_OP_const4u ||
			   a == DW_OP_const8u || a == DW_OP_constu) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_CONST, .off = ops[i].number };
			value = true;
		} else if (a == DW_OP_const1s || a == DW_OP_const2s || a == DW_OP_const4s ||
			   a == DW_OP_const8s || a == DW_OP_consts) {
			cur = (struct wm_loc_piece){ .kind = WM_PIECE_CONST,
						     .off = (Dwarf_Sword)ops[i].number };
			value = true;
		} else if (a == DW_OP_stack_value && have) {
			/* breg + off is the value, not where it is. */
			if (cur.kind == WM_PIECE_MEM)
				cur.kind = WM_PIECE_ADDR;
			else if (cur.kind != WM_PIECE_CONST)
				return false;
			value = false;
			continue;
		} else if (a == DW_OP_piece) {
			if (!have || value || !ops[i].number || ops[i].number > 255 ||
			    loc->nr_pieces >= WM_LOC_MAX_PIECES)
				return false;
			cur.at = at;
			cur.size = ops[i].number;
			at += cur.size;
			loc->pieces[loc->nr_pieces++] = cur;
			have = false;
			continue;
		} else {
			return false;
		}
		if (have)
			return false; /* two locations without a piece between: arithmetic */
		have = true;
	}
	if (value)
		return false;
	if (have) {
		/* Not in pieces: the whole parameter. A register holds at most 8 bytes of it. */
		if (loc->nr_pieces || !size || (cur.kind != WM_PIECE_MEM && size > 8))
			return false;
		cur.at = 0;
		cur.size = size > 255 ? 255 : size;
		loc->pieces[loc->nr_pieces++] = cur;
	}
	if (!loc->nr_pieces)
		return false;
	loc->state = WM_LOC_AT;
	return true;
}

/*
 * The location of a concrete parameter at pc. A location list says where
 * it is over each range: the one covering pc, or none (optimized out
 * there). A single expression holds over the whole function, but for a
 * stack slot only once the prologue has stored the register (body pieces,
 * mapped by plan__locs_at_entry()). No location at all: optimized out.
 */
static void param__loc(Dwarf_Die *param, const struct frame_base *fb, Dwarf_Addr pc,
		       unsigned int size, struct wm_loc *loc)
{
	Dwarf_Attribute attr;
	unsigned int form;
	Dwarf_Op *ops;
	bool single;
	size_t n;
	int r;

	memset(loc, 0, sizeof(*loc));
	loc->state = WM_LOC_OUT;
	if (!dwarf_attr(param, DW_AT_location, &attr)) {
		Dwarf_Sword v;

		if (dwarf_attr(param, DW_AT_const_value, &attr) && size && size <= 8 &&
		    dwarf_formsdata(&attr, &v) == 0) {
			loc->state = WM_LOC_AT;
			loc->nr_pieces = 1;
			loc->pieces[0] = (struct wm_loc_piece){ .kind = WM_PIECE_CONST,
								.size = size,
								.off = v };
		}
		return;
	}
	r = dwarf_getlocation_addr(&attr, pc, &ops, &n, 1);
	if (r <= 0)
		return;
	form = dwarf_whatform(&attr);
	single = form == DW_FORM_exprloc || form == DW_FORM_block || form == DW_FORM_block1 ||
		 form == DW_FORM_block2 || form == DW_FORM_block4;
	if (!loc__from_expr(&attr, ops, n, fb, size, single, loc)) {
		memset(loc, 0, sizeof(*loc));
		loc->state = WM_LOC_OUT;
	}
}

/*
 * A concrete instance (a clone: "f.isra.0") may list its parameters in
 * another order than the source: back in the order of the abstract
 * ones they stand for (keys: their DIE offsets).
 */
static void params__source_order(struct wm_sig *sig, Dwarf_Off *key)
{
	for (int i = 1; i < sig->nr_params; i++) {
		for (int j = i; j > 0 && key[j - 1] > key[j]; j--) {
			struct wm_param tp = sig->params[j];
			Dwarf_Off tk = key[j];

			sig->params[j] = sig->params[j - 1];
			sig->params[j - 1] = tp;
			key[j] = key[j - 1];
			key[j - 1] = tk;
		}
	}
}

static void sig__fill_params(struct layout *l, Dwarf_Die *fn, Dwarf_Die *concrete, Dwarf_Addr pc)
{
	Dwarf_Off key[WM_SIG_MAX_PARAMS];
	struct wm_sig *sig = l->sig;
	Dwarf_Die child, type, origin;
	struct frame_base fb;
	Dwarf_Attribute attr;
	const char *name;

	if (dwarf_child(fn, &child) != 0)
		return;
	frame_base__get(concrete, &fb);
	do {
		struct wm_param *p;

		switch (dwarf_tag(&child)) {
		case DW_TAG_unspecified_parameters:
			sig->variadic = true;
			break;
		case DW_TAG_formal_parameter:
			/* Beyond the model's limit, the first ones still decode right. */
			if (sig->nr_params == WM_SIG_MAX_PARAMS || sig__reserve_params(sig, 1))
				break;
			key[sig->nr_params] = dwarf_attr(&child, DW_AT_abstract_origin, &attr) &&
							      dwarf_formref_die(&attr, &origin) ?
						      dwarf_dieoffset(&origin) :
						      dwarf_dieoffset(&child);
			p = &sig->params[sig->nr_params++];
			name = die__string(&child, DW_AT_name);
			snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
			type__map(l, die__ref(&child, DW_AT_type, &type), &p->type);
			/* Locations are the concrete instance's own, not an abstract origin's. */
			/* Floats are in SSE registers, which a uprobe cannot read: unavailable, as before. */
			if (pc && fn->addr == concrete->addr && p->type.kind != WM_T_FLOAT)
				param__loc(&child, &fb, pc, p->type.size, &p->loc);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	params__source_order(sig, key);
}

static void sig__from_die(struct wm_dwarf *d, struct wm_sig *sig, const char *name, Dwarf_Die *die,
			  Dwarf_Addr pc)
{
	struct layout l = { .d = d, .sig = sig };
	Dwarf_Die fn = *die, origin, type, cu;
	int hops;

	memset(sig, 0, sizeof(*sig));
	sig->source = WM_SIG_DWARF;
	sig__set_name(sig, name);
	sig->rust = dwarf_diecu(die, &cu, NULL, NULL) && dwarf_srclang(&cu) == DW_LANG_Rust;

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
	/* Parameters first: they have the first claim on the member pool. */
	sig__fill_params(&l, &fn, die, pc);
	type__map(&l, die__ref(die, DW_AT_type, &type), &sig->ret);
	sig__assign_regs(sig);
}

int dwarf__func_sig(struct wm_dwarf *d, const char *name, unsigned long vaddr, struct wm_sig *sig)
{
	return dwarf__func_sig_at(d, name, vaddr, 0, sig);
}

/*
 * A clone the compiler made ("f.constprop.0", "f.isra.0"): its DWARF is
 * the instance of f at its address.
 */
static struct func_ent *ents__clone(struct wm_dwarf *d, const char *name, unsigned long vaddr)
{
	const char *dot = strchr(name, '.');
	struct func_ent *found = NULL;

	for (size_t i = 0; dot && dot > name && vaddr && i < d->nr_ents; i++) {
		if (!d->ents[i].has_pc || d->ents[i].pc != vaddr ||
		    strncmp(d->ents[i].name, name, dot - name) || d->ents[i].name[dot - name])
			continue;
		if (found && found->die.addr != d->ents[i].die.addr)
			return NULL;
		found = &d->ents[i];
	}
	return found;
}

int dwarf__func_sig_at(struct wm_dwarf *d, const char *name, unsigned long vaddr, unsigned long pc,
		       struct wm_sig *sig)
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
	if (!e) {
		e = ents__clone(d, name, vaddr);
		if (!e)
			return -ENOENT;
		sig__from_die(d, sig, name, &e->die, pc);
		return 0;
	}
	end = d->ents + d->nr_ents;
	for (lo = e; lo > d->ents && !strcmp(lo[-1].name, name); lo--)
		;
	for (hi = e + 1; hi < end && !strcmp(hi->name, name); hi++)
		;

	for (e = lo; e < hi; e++) {
		if (e->has_pc && e->pc == vaddr) {
			sig__from_die(d, sig, name, &e->die, pc);
			return 0;
		}
	}
	/* The address disagrees (prelink, odd toolchains): trust a unique name, not its locations. */
	if (hi - lo == 1) {
		sig__from_die(d, sig, name, &lo->die, 0);
		return 0;
	}
	return -ENOENT;
}
