// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lang/python/pyqual.h"
#include "target/procmem.h"
#include "util/grow.h"

/* CPython 3.10's layout (Include/cpython/{dictobject,funcobject,object}.h, Objects/dict-common.h). */
#define DICT_KEYS	 32 /* PyDictObject.ma_keys: replaced when the table grows */
#define DICT_VALUES	 40 /* .ma_values: a split table (instances' dicts), not a namespace */
#define KEYS_SIZE	 8  /* PyDictKeysObject.dk_size */
#define KEYS_NENTRIES	 32 /* .dk_nentries: entries are appended, a name added each */
#define KEYS_INDICES	 40 /* .dk_indices, then the entries {hash, key, value} */
#define OB_TYPE		 8
#define TYPE_NAME	 24  /* tp_name */
#define TYPE_FLAGS	 168 /* tp_flags */
#define TYPE_DICT	 264 /* tp_dict */
#define TPFLAGS_TYPE_SUB (1UL << 31)
#define FUNC_QUALNAME	 40
#define FUNC_CODE	 48
#define WRAPPED_CALLABLE 16 /* staticmethod's and classmethod's function */
#define STR_LENGTH	 16
#define STR_STATE	 32
#define STR_ASCII_DATA	 48

/* Entries of a namespace looked at: a module's globals are rarely more. */
#define ENTRIES_MAX 4096
#define CLASS_DEPTH 2
/* Namespaces kept; past it the oldest is read again when asked. */
#define SPACES_MAX 256
/* Types told apart in one read of a namespace. */
#define KINDS_MAX 64

enum kind { K_OTHER, K_FUNCTION, K_WRAPPER, K_CLASS };

/* A function found: its code object, itself. */
struct pair {
	__u64 code, func;
};

/* A module's globals, as last read: its table, and how many of its entries. */
struct space {
	__u64 globals, keys, nentries;
	struct pair *pairs;
	int nr_pairs, cap_pairs;
};

struct pyqual {
	pid_t pid;
	struct space spaces[SPACES_MAX];
	int next; /* the slot a new namespace takes */
};

/* One read of a namespace: what each type met is. */
struct walk {
	struct pyqual *q;
	struct space *sp;
	__u64 types[KINDS_MAX];
	enum kind kinds[KINDS_MAX];
	int nr_types;
	int reads; /* bounds the work a huge namespace costs */
};

static int read_at(struct walk *w, __u64 addr, void *buf, size_t n)
{
	if (++w->reads > 8 * ENTRIES_MAX)
		return -EFAULT;
	return procmem__read(w->q->pid, addr, buf, n);
}

static __u64 ptr_at(struct walk *w, __u64 addr)
{
	__u64 v = 0;

	return read_at(w, addr, &v, sizeof(v)) ? 0 : v;
}

static enum kind type_kind(struct walk *w, __u64 type)
{
	char name[16] = "";
	__u64 p, flags = 0;
	enum kind k = K_OTHER;

	for (int i = 0; i < w->nr_types; i++)
		if (w->types[i] == type)
			return w->kinds[i];
	p = ptr_at(w, type + TYPE_NAME);
	if (p && !read_at(w, p, name, sizeof(name) - 1)) {
		if (!strcmp(name, "function"))
			k = K_FUNCTION;
		else if (!strcmp(name, "staticmethod") || !strcmp(name, "classmethod"))
			k = K_WRAPPER;
	}
	/* The type of a class (type, or a metaclass) says so in its flags. */
	if (k == K_OTHER && !read_at(w, type + TYPE_FLAGS, &flags, sizeof(flags)) &&
	    (flags & TPFLAGS_TYPE_SUB))
		k = K_CLASS;
	if (w->nr_types < KINDS_MAX) {
		w->types[w->nr_types] = type;
		w->kinds[w->nr_types++] = k;
	}
	return k;
}

static int add_pair(struct space *sp, __u64 code, __u64 func)
{
	if (grow__array_int(&sp->pairs, &sp->cap_pairs, sp->nr_pairs + 1, sizeof(*sp->pairs)))
		return -ENOMEM;
	sp->pairs[sp->nr_pairs++] = (struct pair){ code, func };
	return 0;
}

static int walk_dict(struct walk *w, __u64 dict, int depth);

/* One value of a namespace: a function to keep, or a class to look into. */
static int walk_value(struct walk *w, __u64 obj, int depth)
{
	enum kind k = type_kind(w, ptr_at(w, obj + OB_TYPE));
	__u64 code;

	if (k == K_WRAPPER) {
		obj = ptr_at(w, obj + WRAPPED_CALLABLE);
		k = obj ? type_kind(w, ptr_at(w, obj + OB_TYPE)) : K_OTHER;
		if (k != K_FUNCTION)
			return 0;
	}
	if (k == K_FUNCTION) {
		code = ptr_at(w, obj + FUNC_CODE);
		return code ? add_pair(w->sp, code, obj) : 0;
	}
	if (k == K_CLASS && depth < CLASS_DEPTH)
		return walk_dict(w, ptr_at(w, obj + TYPE_DICT), depth + 1);
	return 0;
}

/* Entries [from, nentries) of the table keys; nentries < 0: all it has. */
static int walk_keys(struct walk *w, __u64 keys, __u64 from, __s64 nentries, int depth)
{
	__u64 size, n, ix, ent[3];
	int ret;

	if (!keys || read_at(w, keys + KEYS_SIZE, &size, sizeof(size)) ||
	    read_at(w, keys + KEYS_NENTRIES, &n, sizeof(n)))
		return 0;
	if (nentries >= 0 && (__u64)nentries < n)
		n = nentries;
	/* Unreadable, or not a table: nothing in it is found. */
	if (n > size || n > ENTRIES_MAX)
		return 0;
	ix = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffULL ? 4 : 8;
	for (__u64 i = from; i < n; i++) {
		if (read_at(w, keys + KEYS_INDICES + size * ix + sizeof(ent) * i, ent, sizeof(ent)))
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
	/* A split table (instances' dicts) is no namespace. */
	if (!dict || ptr_at(w, dict + DICT_VALUES))
		return 0;
	return walk_keys(w, ptr_at(w, dict + DICT_KEYS), 0, -1, depth);
}

int pyqual__new(pid_t pid, struct pyqual **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->pid = pid;
	return 0;
}

void pyqual__free(struct pyqual *q)
{
	if (!q)
		return;
	for (int i = 0; i < SPACES_MAX; i++)
		free(q->spaces[i].pairs);
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
	struct walk w = { .q = q };
	struct space *sp = NULL;
	__u64 keys, nentries, from = 0;

	keys = procmem__u64(q->pid, globals + DICT_KEYS);
	if (!keys || procmem__read(q->pid, keys + KEYS_NENTRIES, &nentries, sizeof(nentries)) ||
	    procmem__u64(q->pid, globals + DICT_VALUES))
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
		sp->nr_pairs = 0;
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

int pyqual__find(struct pyqual *q, __u64 globals, __u64 code, char *out, size_t size)
{
	struct space *sp;
	__u64 len, str;
	__u32 state;

	if (!q || !globals || !code || !out || !size)
		return -EINVAL;
	sp = space_of(q, globals);
	for (int i = 0; sp && i < sp->nr_pairs; i++) {
		/* The function may be gone since the namespace was read: still its code? */
		if (sp->pairs[i].code != code ||
		    procmem__u64(q->pid, sp->pairs[i].func + FUNC_CODE) != code)
			continue;
		/* Read now: a function's __qualname__ can be set after it was made. */
		if (procmem__read(q->pid, sp->pairs[i].func + FUNC_QUALNAME, &str, sizeof(str)) ||
		    procmem__read(q->pid, str + STR_LENGTH, &len, sizeof(len)) ||
		    procmem__read(q->pid, str + STR_STATE, &state, sizeof(state)))
			return -ENOENT;
		/* compact (bit 5) and ascii (bit 6) */
		if ((state & 0x60) != 0x60 || !len || len >= size ||
		    procmem__read(q->pid, str + STR_ASCII_DATA, out, len))
			return -ENOENT;
		out[len] = '\0';
		return 0;
	}
	return -ENOENT;
}
