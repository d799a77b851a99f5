// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/python/pyqual.h"
#include "lang/python/pystr.h"
#include "target/procmem.h"
#include "types/dwarf.h"
#include "util/grow.h"
#include "wrapmon_py.h"

/* The type of a class (type, or a metaclass) says so in its flags: Py_TPFLAGS_TYPE_SUBCLASS. */
#define TPFLAGS_TYPE_SUB (1UL << 31)
/* co_flags of a function's code (and a comprehension's), not a class body's or a module's. */
#define CO_OPTIMIZED 0x1

/* Entries of a namespace looked at: a module's globals are rarely more. */
#define ENTRIES_MAX 4096
#define CLASS_DEPTH 2
/* Namespaces kept; past it the oldest is read again when asked. */
#define SPACES_MAX 256
/* Types told apart in one read of a namespace. */
#define KINDS_MAX 64
/* Entries of a function's __dict__ looked through for __wrapped__. */
#define FUNC_DICT_MAX 32
/* Cells of a function's closure looked into for the function a decorator wrapped. */
#define CLOSURE_MAX 16
/* Wrappers of wrappers followed (a stack of decorators). */
#define WRAPPED_DEPTH 8
/* Code objects in code objects followed (def in def in class in def ...). */
#define CONSTS_DEPTH 8
/* Constants of one code object looked at. */
#define CONSTS_MAX 256
/* The longest qualname made. */
#define QUAL_MAX 512
/*
 * Functions whose code objects could hold one not found, looked at (the
 * nearest before it first): a namespace's functions do not nest, but for
 * one a factory made.
 */
#define CANDIDATES_MAX 3
/* The longest line table read; a longer one is taken to cover every later line. */
#define LINETABLE_MAX 4096
/* Reads one walk may make: bounds what a huge namespace costs. */
#define READS_MAX (8 * ENTRIES_MAX)

enum kind {
	K_OTHER,
	K_FUNCTION,
	K_STATICMETHOD,
	K_CLASSMETHOD,
	K_PROPERTY,
	K_CLASS,
	K_CODE,
	K_STR,
	K_CALLABLE_DICT, /* a callable object with a __dict__ (functools.lru_cache's wrapper) */
};

/*
 * A code object named: by the function whose __qualname__ it takes (the
 * function's own code object), or what follows that qualname (a code
 * object found in its code object's constants).
 */
struct pair {
	__u64 code;
	__u64 func;	 /* the function whose __qualname__ starts the name */
	__u64 func_code; /* its code object when read: the function still has it, or is gone */
	char *suffix;	 /* NULL: code is func_code; else ".<locals>.inner" */
	/*
	 * A function's own code object, once one was not found: its file, and
	 * the lines it spans (first 0: not read yet, -1: unreadable); whether
	 * its constants were read.
	 */
	__u64 file;
	int first, last;
	bool walked;
};

/* A module's globals, as last read: its table, and how many of its entries. */
struct space {
	__u64 globals, keys, nentries;
	struct pair *pairs;
	int nr_pairs, cap_pairs;
};

struct pyqual {
	pid_t pid;
	struct wm_py_offsets off;
	struct pyqual_offsets o;
	struct space spaces[SPACES_MAX];
	int next; /* the slot a new namespace takes */
};

/* One read of a namespace: what each type met is. */
struct walk {
	struct pyqual *q;
	struct space *sp;
	__u64 types[KINDS_MAX];
	enum kind kinds[KINDS_MAX];
	__s64 dictoffs[KINDS_MAX]; /* K_CALLABLE_DICT: where its instances' __dict__ is */
	int nr_types;
	int reads;
};

/* CPython 3.10's layout (Include/cpython/{dictobject,funcobject,object}.h, Objects/dict-common.h). */
static const struct pyqual_offsets offsets_310 = {
	.ob_type = 8,
	.var_size = 16,
	.tp_name = 24,
	.tp_flags = 168,
	.tp_dict = 264,
	.dict_keys = 32,
	.dict_values = 40,
	.dk_size = 8,
	.dk_nentries = 32,
	.dk_indices = 40,
	.dk_entry = 24,
	.func_qualname = 40,
	.func_code = 48,
	.func_dict = 88,
	.func_closure = 72,
	.cell_ref = 16,
	.tp_call = 128,
	.tp_dictoffset = 288,
	.prop_get = 16,
	.prop_set = 24,
	.prop_del = 32,
	.sm_callable = 16,
	.cm_callable = 16,
	.tuple_items = 24,
	.bytes_data = 32,
	.code_linetable = 120,
};

/* Each offset where DWARF has it: the struct, its member (NULL: its size), its source file. */
static const struct {
	size_t at;
	const char *type, *member, *unit;
} dw_fields[] = {
#define F(field, type, member, unit)                                       \
	{                                                                  \
		offsetof(struct pyqual_offsets, field), type, member, unit \
	}
	F(ob_type, "PyObject", "ob_type", NULL),
	F(var_size, "PyVarObject", "ob_size", NULL),
	F(tp_name, "PyTypeObject", "tp_name", NULL),
	F(tp_flags, "PyTypeObject", "tp_flags", NULL),
	F(tp_dict, "PyTypeObject", "tp_dict", NULL),
	F(dict_keys, "PyDictObject", "ma_keys", NULL),
	F(dict_values, "PyDictObject", "ma_values", NULL),
	F(dk_size, "PyDictKeysObject", "dk_size", NULL),
	F(dk_nentries, "PyDictKeysObject", "dk_nentries", NULL),
	F(dk_indices, "PyDictKeysObject", "dk_indices", NULL),
	F(dk_entry, "PyDictKeyEntry", NULL, NULL),
	F(func_qualname, "PyFunctionObject", "func_qualname", NULL),
	F(func_code, "PyFunctionObject", "func_code", NULL),
	F(func_dict, "PyFunctionObject", "func_dict", NULL),
	F(func_closure, "PyFunctionObject", "func_closure", NULL),
	F(cell_ref, "PyCellObject", "ob_ref", NULL),
	F(tp_call, "PyTypeObject", "tp_call", NULL),
	F(tp_dictoffset, "PyTypeObject", "tp_dictoffset", NULL),
	/* property is private to descrobject.c. */
	F(prop_get, "propertyobject", "prop_get", "Objects/descrobject.c"),
	F(prop_set, "propertyobject", "prop_set", "Objects/descrobject.c"),
	F(prop_del, "propertyobject", "prop_del", "Objects/descrobject.c"),
	/* staticmethod and classmethod are private to funcobject.c. */
	F(sm_callable, "staticmethod", "sm_callable", "Objects/funcobject.c"),
	F(cm_callable, "classmethod", "cm_callable", "Objects/funcobject.c"),
	F(tuple_items, "PyTupleObject", "ob_item", NULL),
	F(bytes_data, "PyBytesObject", "ob_sval", NULL),
	F(code_linetable, "PyCodeObject", "co_linetable", NULL),
#undef F
};

int pyqual__offsets(struct wm_dwarf *d, int minor, struct pyqual_offsets *o)
{
	int ret = 0;

	memset(o, 0, sizeof(*o));
	if (minor != 10)
		return -ENOTSUP;
	*o = offsets_310;
	for (size_t i = 0; i < sizeof(dw_fields) / sizeof(dw_fields[0]); i++) {
		const char *units[] = { dw_fields[i].unit, NULL };
		unsigned long v;
		__u16 x;

		if (!d ||
		    (dw_fields[i].unit ?
			     dwarf__offsetof_in(d, units, dw_fields[i].type, dw_fields[i].member,
						&v) :
			     dwarf__offsetof(d, dw_fields[i].type, dw_fields[i].member, &v)) ||
		    v > 0xfffe) {
			ret = -ENODATA;
			continue;
		}
		x = v;
		memcpy((char *)o + dw_fields[i].at, &x, sizeof(x));
	}
	return ret;
}

static int read_at(struct walk *w, __u64 addr, void *buf, size_t n)
{
	if (++w->reads > READS_MAX)
		return -EFAULT;
	return procmem__read(w->q->pid, addr, buf, n);
}

static __u64 ptr_at(struct walk *w, __u64 addr)
{
	__u64 v = 0;

	return read_at(w, addr, &v, sizeof(v)) ? 0 : v;
}

static int str_at(struct walk *w, __u64 str, char *out, size_t size)
{
	/* A header and the characters. */
	w->reads += 2;
	if (w->reads > READS_MAX)
		return -EFAULT;
	return pystr__read(w->q->pid, &w->q->off, str, out, size);
}

/*
 * The 8 bytes at base + at[i] for each of n fields, in one read where they
 * lie near each other (a type's, a function's, a code object's), into v.
 * w: the walk whose reads count, or NULL.
 */
static int read_near(struct pyqual *q, struct walk *w, __u64 base, const size_t *at, int n,
		     __u64 *v)
{
	size_t lo = at[0], hi = at[0];
	unsigned char buf[512];

	for (int i = 1; i < n; i++) {
		lo = at[i] < lo ? at[i] : lo;
		hi = at[i] > hi ? at[i] : hi;
	}
	hi += 8;
	if (hi - lo > sizeof(buf)) {
		for (int i = 0; i < n; i++)
			if (w ? read_at(w, base + at[i], &v[i], sizeof(v[i])) :
				procmem__read(q->pid, base + at[i], &v[i], sizeof(v[i])))
				return -EFAULT;
		return 0;
	}
	if (w ? read_at(w, base + lo, buf, hi - lo) :
		procmem__read(q->pid, base + lo, buf, hi - lo))
		return -EFAULT;
	for (int i = 0; i < n; i++)
		memcpy(&v[i], buf + at[i] - lo, sizeof(v[i]));
	return 0;
}

/* What objects of type type are; *dictoff: where their __dict__ is, for K_CALLABLE_DICT. */
static enum kind type_kind(struct walk *w, __u64 type, __s64 *dictoff)
{
	const struct pyqual_offsets *o = &w->q->o;
	const size_t at[4] = { o->tp_name, o->tp_flags, o->tp_call, o->tp_dictoffset };
	char name[16] = "";
	enum kind k = K_OTHER;
	__u64 v[4];

	*dictoff = 0;
	for (int i = 0; i < w->nr_types; i++)
		if (w->types[i] == type) {
			*dictoff = w->dictoffs[i];
			return w->kinds[i];
		}
	if (!type || read_near(w->q, w, type, at, 4, v))
		return K_OTHER;
	if (v[0] && !read_at(w, v[0], name, sizeof(name) - 1)) {
		if (!strcmp(name, "function"))
			k = K_FUNCTION;
		else if (!strcmp(name, "staticmethod"))
			k = K_STATICMETHOD;
		else if (!strcmp(name, "classmethod"))
			k = K_CLASSMETHOD;
		else if (!strcmp(name, "property"))
			k = K_PROPERTY;
		else if (!strcmp(name, "code"))
			k = K_CODE;
		else if (!strcmp(name, "str"))
			k = K_STR;
	}
	if (k == K_OTHER && (v[1] & TPFLAGS_TYPE_SUB))
		k = K_CLASS;
	/* Callable, with a __dict__ at a fixed place: may hold __wrapped__. */
	if (k == K_OTHER && v[2] && (__s64)v[3] > 0 && (__s64)v[3] < 0x10000) {
		k = K_CALLABLE_DICT;
		*dictoff = (__s64)v[3];
	}
	if (w->nr_types < KINDS_MAX) {
		w->types[w->nr_types] = type;
		w->dictoffs[w->nr_types] = *dictoff;
		w->kinds[w->nr_types++] = k;
	}
	return k;
}

static enum kind kind_of(struct walk *w, __u64 obj)
{
	__s64 dictoff;

	return obj ? type_kind(w, ptr_at(w, obj + w->q->o.ob_type), &dictoff) : K_OTHER;
}

static void clear_pairs(struct space *sp)
{
	for (int i = 0; i < sp->nr_pairs; i++)
		free(sp->pairs[i].suffix);
	sp->nr_pairs = 0;
}

/* suffix: taken over (freed here on failure). */
static int add_pair(struct space *sp, __u64 code, __u64 func, __u64 func_code, char *suffix)
{
	if (grow__array_int(&sp->pairs, &sp->cap_pairs, sp->nr_pairs + 1, sizeof(*sp->pairs))) {
		free(suffix);
		return -ENOMEM;
	}
	sp->pairs[sp->nr_pairs++] = (struct pair){
		.code = code, .func = func, .func_code = func_code, .suffix = suffix
	};
	return 0;
}

/* A 3.10 table's entries start after its indices, 1 to 8 bytes each as its size needs. */
static __u64 entries_at(const struct pyqual_offsets *o, __u64 keys, __u64 size)
{
	__u64 ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffULL ? 4 : 8;

	return keys + o->dk_indices + size * ix;
}

/* The value of "__wrapped__" in a function's __dict__ (functools.wraps put it there); 0: none. */
static __u64 wrapped_of(struct walk *w, __u64 dict)
{
	const struct pyqual_offsets *o = &w->q->o;
	__u64 keys, size, n, ent[3], at;
	char key[16];

	if (!dict || ptr_at(w, dict + o->dict_values))
		return 0;
	keys = ptr_at(w, dict + o->dict_keys);
	if (!keys || read_at(w, keys + o->dk_size, &size, sizeof(size)) ||
	    read_at(w, keys + o->dk_nentries, &n, sizeof(n)) || n > size || n > FUNC_DICT_MAX)
		return 0;
	at = entries_at(o, keys, size);
	for (__u64 i = 0; i < n; i++) {
		if (read_at(w, at + o->dk_entry * i, ent, sizeof(ent)))
			return 0;
		if (ent[1] && ent[2] && kind_of(w, ent[1]) == K_STR &&
		    str_at(w, ent[1], key, sizeof(key)) >= 0 && !strcmp(key, "__wrapped__"))
			return ent[2];
	}
	return 0;
}

static int add_function(struct walk *w, __u64 func, int depth);

/*
 * The functions in a closure's cells: what a decorator that kept no
 * __wrapped__ wraps (its own __qualname__ names its code object).
 */
static int add_closure(struct walk *w, __u64 func, __u64 closure, int depth)
{
	const struct pyqual_offsets *o = &w->q->o;
	__u64 cells[CLOSURE_MAX];
	__s64 n = 0;
	int ret;

	if (!closure || depth >= WRAPPED_DEPTH ||
	    read_at(w, closure + o->var_size, &n, sizeof(n)) || n <= 0)
		return 0;
	if (n > CLOSURE_MAX)
		n = CLOSURE_MAX;
	if (read_at(w, closure + o->tuple_items, cells, n * sizeof(cells[0])))
		return 0;
	for (__s64 i = 0; i < n; i++) {
		__u64 f = cells[i] ? ptr_at(w, cells[i] + o->cell_ref) : 0;

		/* A nested function that calls itself holds itself. */
		if (!f || f == func || kind_of(w, f) != K_FUNCTION)
			continue;
		ret = add_function(w, f, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A function of the namespace. One that functools.wraps made has the
 * wrapped one's __qualname__, not its code object's: the wrapped function
 * names its own code object, and the wrapper's is named from its
 * decorator's constants.
 */
static int add_function(struct walk *w, __u64 func, int depth)
{
	const struct pyqual_offsets *o = &w->q->o;
	const size_t at[3] = { o->func_code, o->func_dict, o->func_closure };
	__u64 v[3], code, dict, closure, wrapped;
	int ret;

	if (read_near(w->q, w, func, at, 3, v))
		return 0;
	code = v[0];
	dict = v[1];
	closure = v[2];
	wrapped = wrapped_of(w, dict);
	if (wrapped) {
		if (depth < WRAPPED_DEPTH && kind_of(w, wrapped) == K_FUNCTION)
			return add_function(w, wrapped, depth + 1);
		return 0;
	}
	ret = code ? add_pair(w->sp, code, func, code, NULL) : 0;
	return ret ? ret : add_closure(w, func, closure, depth);
}

static int walk_dict(struct walk *w, __u64 dict, int depth);

/* One value of a namespace: a function to keep, or a class to look into. */
static int walk_value(struct walk *w, __u64 obj, int depth)
{
	const struct pyqual_offsets *o = &w->q->o;
	__s64 dictoff;
	enum kind k = type_kind(w, ptr_at(w, obj + o->ob_type), &dictoff);
	__u64 acc[3], f;
	int ret;

	if (k == K_STATICMETHOD || k == K_CLASSMETHOD) {
		obj = ptr_at(w, obj + (k == K_CLASSMETHOD ? o->cm_callable : o->sm_callable));
		k = kind_of(w, obj);
		if (k != K_FUNCTION)
			return 0;
	}
	if (k == K_FUNCTION)
		return add_function(w, obj, 0);
	/* A property's getter, setter and deleter: their own functions. */
	if (k == K_PROPERTY) {
		acc[0] = ptr_at(w, obj + o->prop_get);
		acc[1] = ptr_at(w, obj + o->prop_set);
		acc[2] = ptr_at(w, obj + o->prop_del);
		for (int i = 0; i < 3; i++) {
			ret = kind_of(w, acc[i]) == K_FUNCTION ? add_function(w, acc[i], 0) : 0;
			if (ret)
				return ret;
		}
		return 0;
	}
	/* functools.lru_cache's wrapper and the like: what its __wrapped__ holds. */
	if (k == K_CALLABLE_DICT) {
		f = wrapped_of(w, ptr_at(w, obj + dictoff));
		return kind_of(w, f) == K_FUNCTION ? add_function(w, f, 1) : 0;
	}
	if (k == K_CLASS && depth < CLASS_DEPTH)
		return walk_dict(w, ptr_at(w, obj + o->tp_dict), depth + 1);
	return 0;
}

/* Entries [from, nentries) of the table keys; nentries < 0: all it has. */
static int walk_keys(struct walk *w, __u64 keys, __u64 from, __s64 nentries, int depth)
{
	const struct pyqual_offsets *o = &w->q->o;
	__u64 size, n, ent[3], at;
	int ret;

	if (!keys || read_at(w, keys + o->dk_size, &size, sizeof(size)) ||
	    read_at(w, keys + o->dk_nentries, &n, sizeof(n)))
		return 0;
	if (nentries >= 0 && (__u64)nentries < n)
		n = nentries;
	/* Unreadable, or not a table: nothing in it is found. */
	if (n > size || n > ENTRIES_MAX)
		return 0;
	at = entries_at(o, keys, size);
	for (__u64 i = from; i < n; i++) {
		if (read_at(w, at + o->dk_entry * i, ent, sizeof(ent)))
			return 0;
		if (!ent[1] || !ent[2])
			continue; /* deleted */
		ret = walk_value(w, ent[2], depth);
		if (ret)
			return ret;
	}
	return 0;
}

static int walk_dict(struct walk *w, __u64 dict, int depth)
{
	const struct pyqual_offsets *o = &w->q->o;

	/* A split table (instances' dicts) is no namespace. */
	if (!dict || ptr_at(w, dict + o->dict_values))
		return 0;
	return walk_keys(w, ptr_at(w, dict + o->dict_keys), 0, -1, depth);
}

/*
 * Whether the code objects made in code object code are its locals: a
 * function's and a lambda's are (outer.<locals>.inner), a class body's are
 * not (C.method), nor a comprehension's (f.<locals>.<listcomp>.<lambda>),
 * as CPython's compiler_set_qualname() names them.
 */
static bool has_locals(struct walk *w, __u64 code, const char *name)
{
	__u32 flags = 0;

	if (read_at(w, code + w->q->off.code_flags, &flags, sizeof(flags)) ||
	    !(flags & CO_OPTIMIZED))
		return false;
	return strcmp(name, "<listcomp>") && strcmp(name, "<setcomp>") &&
	       strcmp(name, "<dictcomp>") && strcmp(name, "<genexpr>");
}

/*
 * The code objects among code's constants, named suffix + ".<locals>." or
 * "." + their co_name, and theirs in turn: of the function func, whose code
 * object was func_code when read.
 */
static int walk_consts(struct walk *w, __u64 func, __u64 func_code, __u64 code, const char *suffix,
		       bool locals, int depth)
{
	const struct wm_py_offsets *off = &w->q->off;
	const struct pyqual_offsets *o = &w->q->o;
	__u64 consts = ptr_at(w, code + off->code_consts), items[CONSTS_MAX];
	char name[QUAL_MAX], sub[QUAL_MAX];
	__s64 n = 0;
	int ret;

	if (!consts || read_at(w, consts + o->var_size, &n, sizeof(n)) || n <= 0)
		return 0;
	if (n > CONSTS_MAX)
		n = CONSTS_MAX;
	if (read_at(w, consts + o->tuple_items, items, n * sizeof(items[0])))
		return 0;
	for (__s64 i = 0; i < n; i++) {
		char *copy;

		if (kind_of(w, items[i]) != K_CODE ||
		    str_at(w, ptr_at(w, items[i] + off->code_qualname), name, sizeof(name)) <= 0 ||
		    snprintf(sub, sizeof(sub), "%s%s%s", suffix, locals ? ".<locals>." : ".",
			     name) >= (int)sizeof(sub))
			continue;
		copy = strdup(sub);
		if (!copy)
			return -ENOMEM;
		ret = add_pair(w->sp, items[i], func, func_code, copy);
		if (!ret && depth < CONSTS_DEPTH)
			ret = walk_consts(w, func, func_code, items[i], sub,
					  has_locals(w, items[i], name), depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The last line a code object has instructions for: the most its first
 * line plus the line deltas of its table reach (3.10's co_linetable:
 * {bytecode delta, line delta} byte pairs, a line delta of -128 for none).
 */
static int last_line(struct walk *w, __u64 code, int first)
{
	const struct pyqual_offsets *o = &w->q->o;
	__u64 lt = ptr_at(w, code + o->code_linetable);
	signed char t[LINETABLE_MAX];
	int line = first, last = first;
	__s64 n = 0;

	if (!lt || read_at(w, lt + o->var_size, &n, sizeof(n)) || n < 0)
		return -1;
	if (n > LINETABLE_MAX)
		return 0x7fffffff;
	if (n && read_at(w, lt + o->bytes_data, t, n))
		return -1;
	for (__s64 i = 1; i < n; i += 2) {
		if (t[i] == -128)
			continue;
		line += t[i];
		if (line > last)
			last = line;
	}
	return last;
}

/* Where code object code is: its file and first line. */
static int code_place(struct pyqual *q, struct walk *w, __u64 code, __u64 *file, int *first)
{
	const size_t at[2] = { q->off.code_filename, q->off.code_firstlineno };
	__u64 v[2];

	if (read_near(q, w, code, at, 2, v))
		return -EFAULT;
	*file = v[0];
	*first = (__s32)v[1]; /* an int */
	return *file && *first > 0 ? 0 : -ENOENT;
}

/* Candidates (indices of sp's pairs), the latest first line first. */
static int later_first(const void *a, const void *b, void *sp)
{
	const struct pair *pairs = ((struct space *)sp)->pairs;
	const struct pair *x = &pairs[*(const int *)a], *y = &pairs[*(const int *)b];

	return x->first < y->first ? 1 : x->first > y->first ? -1 : 0;
}

/*
 * Read the constants of the functions whose code could have made code:
 * in its file, spanning its first line (a def, class, lambda or
 * comprehension is an instruction of the code that makes it), the nearest
 * before it first. Each function's once: the code objects found are kept.
 * *walked: whether any was read.
 */
static int walk_enclosing(struct pyqual *q, struct space *sp, __u64 code, bool *walked)
{
	struct walk w = { .q = q, .sp = sp };
	int *cand, nr = 0, ret = 0, end = sp->nr_pairs, line;
	char name[QUAL_MAX];
	__u64 file;

	*walked = false;
	if (code_place(q, NULL, code, &file, &line))
		return 0;
	cand = malloc(sizeof(*cand) * (end ? end : 1));
	if (!cand)
		return -ENOMEM;
	for (int i = 0; i < end; i++) {
		struct pair *p = &sp->pairs[i];

		if (p->suffix)
			continue;
		if (!p->first && code_place(q, &w, p->code, &p->file, &p->first))
			p->first = -1;
		if (p->file == file && p->first > 0 && p->first <= line)
			cand[nr++] = i;
	}
	qsort_r(cand, nr, sizeof(*cand), later_first, sp);
	for (int k = 0; k < nr && k < CANDIDATES_MAX && !ret; k++) {
		struct pair *p = &sp->pairs[cand[k]];
		struct pair r;
		bool seen = false;

		if (!p->last)
			p->last = last_line(&w, p->code, p->first);
		if (p->walked || p->last < line)
			continue;
		p->walked = true;
		/* A code object shared by two functions (an alias): its constants once. */
		for (int j = 0; j < end && !seen; j++)
			seen = j != cand[k] && sp->pairs[j].walked && !sp->pairs[j].suffix &&
			       sp->pairs[j].code == p->code;
		if (seen || str_at(&w, procmem__u64(q->pid, p->code + q->off.code_qualname), name,
				   sizeof(name)) <= 0)
			continue;
		*walked = true;
		r = *p; /* walk_consts() adds pairs: p may move */
		ret = walk_consts(&w, r.func, r.code, r.code, "", has_locals(&w, r.code, name), 1);
	}
	free(cand);
	return ret;
}

int pyqual__new(pid_t pid, const struct wm_py_offsets *off, const struct pyqual_offsets *qo,
		struct pyqual **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->pid = pid;
	(*out)->off = *off;
	(*out)->o = *qo;
	return 0;
}

void pyqual__free(struct pyqual *q)
{
	if (!q)
		return;
	for (int i = 0; i < SPACES_MAX; i++) {
		clear_pairs(&q->spaces[i]);
		free(q->spaces[i].pairs);
	}
	free(q);
}

/*
 * The namespace at globals (NULL: unreadable). Only the entries added since
 * it was last read are read (a module's grow as it is imported), all of them
 * when its table was replaced; a class whose methods change later is not
 * read again.
 */
static struct space *space_of(struct pyqual *q, __u64 globals)
{
	const struct pyqual_offsets *o = &q->o;
	struct walk w = { .q = q };
	struct space *sp = NULL;
	__u64 keys, nentries, from = 0;

	keys = procmem__u64(q->pid, globals + o->dict_keys);
	if (!keys || procmem__read(q->pid, keys + o->dk_nentries, &nentries, sizeof(nentries)) ||
	    procmem__u64(q->pid, globals + o->dict_values))
		return NULL;
	for (int i = 0; i < SPACES_MAX && !sp; i++)
		if (q->spaces[i].globals == globals)
			sp = &q->spaces[i];
	if (sp && sp->keys == keys && sp->nentries == nentries)
		return sp;
	if (!sp) {
		sp = &q->spaces[q->next];
		q->next = (q->next + 1) % SPACES_MAX;
		sp->keys = 0;
	}
	if (sp->keys == keys && sp->nentries < nentries)
		from = sp->nentries;
	else
		clear_pairs(sp);
	sp->globals = globals;
	sp->keys = keys;
	sp->nentries = nentries;
	w.sp = sp;
	if (walk_keys(&w, keys, from, nentries, 0)) {
		sp->globals = 0;
		return NULL;
	}
	return sp;
}

/* Code's name from the pairs kept: a function's own first, then one made in another's code. */
static int name_from(struct pyqual *q, struct space *sp, __u64 code, char *out, size_t size)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < sp->nr_pairs; i++) {
			const struct pair *p = &sp->pairs[i];
			int n;

			if (p->code != code || !p->suffix != !pass)
				continue;
			/* The function may be gone since the namespace was read: still its code? */
			if (procmem__u64(q->pid, p->func + q->o.func_code) != p->func_code)
				continue;
			/* Read now: a function's __qualname__ can be set after it was made. */
			n = pystr__read(q->pid, &q->off,
					procmem__u64(q->pid, p->func + q->o.func_qualname), out,
					size);
			if (n <= 0)
				return -ENOENT;
			if (p->suffix &&
			    snprintf(out + n, size - n, "%s", p->suffix) >= (int)(size - n)) {
				out[0] = '\0';
				return -ENOENT;
			}
			return 0;
		}
	}
	return -ENOENT;
}

int pyqual__find(struct pyqual *q, __u64 globals, __u64 code, char *out, size_t size)
{
	struct space *sp;
	bool walked;

	if (!q || !globals || !code || !out || !size)
		return -EINVAL;
	out[0] = '\0';
	sp = space_of(q, globals);
	if (!sp)
		return -ENOENT;
	if (!name_from(q, sp, code, out, size))
		return 0;
	/* Not a function of the namespace: one made in one of theirs, if any. */
	if (walk_enclosing(q, sp, code, &walked) || !walked)
		return -ENOENT;
	return name_from(q, sp, code, out, size);
}
