// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The type model shared by the prototype parser and the DWARF reader:
 * where each parameter arrives, and how a signature reads back as C.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/sig.h"

#define NR_INT_REGS 6
#define NR_SSE_REGS 8

/* How a value travels, from the SysV classification of its eightbytes. */
enum arg_class {
	C_NONE,	   /* void: takes nothing */
	C_REGS,	   /* nr_int integer and nr_sse SSE registers, memory when they run out */
	C_MEMORY,  /* always on the stack */
	C_UNKNOWN, /* a struct whose layout we do not have: nothing after it is certain */
};

struct arg_loc {
	enum arg_class cls;
	int nr_int, nr_sse;
	unsigned int size;  /* bytes on the stack */
	unsigned int align; /* stack alignment, 8 or 16 */
};

static unsigned int roundup8(unsigned int n)
{
	return (n + 7) & ~7u;
}

/*
 * A struct, eightbyte by eightbyte: SSE when only float/double members
 * overlap it, INTEGER otherwise. Members that are themselves structs are
 * counted as integers (their own members are not in the model), and so is
 * an eightbyte no member covers (the signature's member pool ran out),
 * which is right for every struct without floats. Over 16 bytes, or with a
 * long double or an unaligned member, it is passed in memory.
 */
static void struct__classify(const struct wm_sig *sig, const struct wm_type *t, struct arg_loc *loc)
{
	bool has_int[2] = { false, false }, has_sse[2] = { false, false };
	unsigned int i, n = (t->size + 7) / 8;

	loc->cls = t->size > 16 ? C_MEMORY : C_REGS;
	if (t->first_field + t->nr_fields > WM_SIG_MAX_FIELDS)
		goto count;
	for (i = t->first_field; i < (unsigned int)t->first_field + t->nr_fields; i++) {
		const struct wm_field *f = &sig->fields[i];
		unsigned int elem = f->type.size ? f->type.size : 1;
		unsigned int end = f->offset + elem * (f->count ? f->count : 1);
		unsigned int e;

		/* A 16-byte member is long double (memory) or __int128: 16-aligned. */
		if (f->type.kind != WM_T_STRUCT && elem == 16) {
			loc->align = 16;
			if (f->type.kind == WM_T_FLOAT)
				loc->cls = C_MEMORY;
		}
		/* Packed: a member that is not naturally aligned puts it in memory. */
		if (!f->bit_size && f->type.kind != WM_T_STRUCT && elem <= 16 &&
		    (elem & (elem - 1)) == 0 && f->offset % elem)
			loc->cls = C_MEMORY;
		for (e = f->offset / 8; e < n && e < 2 && e * 8 < end; e++) {
			if (f->type.kind == WM_T_FLOAT && !f->bit_size)
				has_sse[e] = true;
			else
				has_int[e] = true;
		}
	}
count:
	if (loc->cls == C_MEMORY)
		return;
	for (i = 0; i < n; i++) {
		if (has_sse[i] && !has_int[i])
			loc->nr_sse++;
		else
			loc->nr_int++;
	}
}

static void type__classify(const struct wm_sig *sig, const struct wm_type *t, struct arg_loc *loc)
{
	memset(loc, 0, sizeof(*loc));
	loc->size = roundup8(t->size ? t->size : 8);
	loc->align = 8;
	switch (t->kind) {
	case WM_T_VOID:
		loc->cls = C_NONE;
		return;
	case WM_T_FLOAT:
		/* long double (x87) and complex long double always go to memory. */
		if (t->size > 8) {
			loc->cls = C_MEMORY;
			loc->align = 16;
			return;
		}
		loc->cls = C_REGS;
		loc->nr_sse = 1;
		return;
	case WM_T_STRUCT:
		if (t->size == 0) {
			loc->cls = C_UNKNOWN;
			return;
		}
		struct__classify(sig, t, loc);
		return;
	case WM_T_UNKNOWN:
		/* Kept raw by size: __int128 takes two registers, anything larger memory. */
		if (t->size > 16) {
			loc->cls = C_MEMORY;
			return;
		}
		loc->cls = C_REGS;
		loc->nr_int = t->size > 8 ? 2 : 1;
		if (t->size > 8)
			loc->align = 16;
		return;
	default:
		loc->cls = C_REGS;
		loc->nr_int = 1;
		loc->size = 8;
		return;
	}
}

void sig__assign_regs(struct wm_sig *sig)
{
	int next_int = 0, next_sse = 0;
	unsigned int stack = 0;
	bool lost = false;
	struct arg_loc loc;
	int i;

	/* A result returned in memory is written through a hidden pointer in rdi. */
	type__classify(sig, &sig->ret, &loc);
	if ((sig->ret.kind == WM_T_STRUCT || sig->ret.kind == WM_T_UNKNOWN) && loc.cls == C_MEMORY)
		next_int = 1;
	/* Nor can we tell whether the rdi is taken when the result's size is unknown. */
	if (loc.cls == C_UNKNOWN)
		lost = true;

	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		struct wm_param *p = &sig->params[i];

		p->reg = -1;
		p->nr_regs = 0;
		p->stack_off = -1;
		type__classify(sig, &p->type, &loc);
		if (loc.cls == C_UNKNOWN)
			lost = true;
		if (lost || loc.cls == C_NONE)
			continue;
		/*
		 * A value that does not fit whole in the registers left goes to
		 * the stack, but those registers stay free for later arguments.
		 */
		if (loc.cls == C_REGS && next_int + loc.nr_int <= NR_INT_REGS &&
		    next_sse + loc.nr_sse <= NR_SSE_REGS) {
			/*
			 * Only a value wholly in integer registers has a reg: the
			 * consumer reads it from there. Floats and structs with
			 * a float eightbyte are in SSE registers, out of reach.
			 */
			if (loc.nr_sse == 0) {
				p->reg = next_int;
				p->nr_regs = loc.nr_int;
			}
			next_int += loc.nr_int;
			next_sse += loc.nr_sse;
			continue;
		}
		stack = (stack + loc.align - 1) & ~(loc.align - 1);
		p->stack_off = (int)stack;
		stack += loc.size;
	}
}

/* Pools are sized exactly: a traced function keeps its signature for the whole run. */
static int pool__reserve(void *poolp, int nr, int n, size_t elem)
{
	void **pool = poolp;
	char *p;

	if (nr < 0 || n < 0)
		return -EINVAL;
	if (!n)
		return 0;
	p = realloc(*pool, ((size_t)nr + n) * elem);
	if (!p)
		return -ENOMEM;
	memset(p + (size_t)nr * elem, 0, (size_t)n * elem);
	*pool = p;
	return 0;
}

int sig__reserve_params(struct wm_sig *sig, int n)
{
	return pool__reserve(&sig->params, sig->nr_params, n, sizeof(*sig->params));
}

int sig__reserve_fields(struct wm_sig *sig, int n)
{
	return pool__reserve(&sig->fields, sig->nr_fields, n, sizeof(*sig->fields));
}

int sig__reserve_enums(struct wm_sig *sig, int n)
{
	return pool__reserve(&sig->enums, sig->nr_enums, n, sizeof(*sig->enums));
}

int sig__set_name(struct wm_sig *sig, const char *name)
{
	char *p = strndup(name ? name : "", WM_SIG_NAME_MAX);

	if (!p)
		return -ENOMEM;
	free(sig->name);
	sig->name = p;
	return 0;
}

void sig__free(struct wm_sig *sig)
{
	if (!sig)
		return;
	free(sig->name);
	free(sig->params);
	free(sig->fields);
	free(sig->enums);
	memset(sig, 0, sizeof(*sig));
}

/* A copy of n elements of src, NULL for none; *err set on failure. */
static void *pool__dup(const void *src, int n, size_t elem, int *err)
{
	void *p;

	if (!src || n <= 0)
		return NULL;
	p = malloc((size_t)n * elem);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	return memcpy(p, src, (size_t)n * elem);
}

int sig__copy(struct wm_sig *dst, const struct wm_sig *src)
{
	int err = 0;

	*dst = *src;
	dst->name = src->name ? strdup(src->name) : NULL;
	if (src->name && !dst->name)
		err = -ENOMEM;
	dst->params = pool__dup(src->params, src->nr_params, sizeof(*src->params), &err);
	dst->fields = pool__dup(src->fields, src->nr_fields, sizeof(*src->fields), &err);
	dst->enums = pool__dup(src->enums, src->nr_enums, sizeof(*src->enums), &err);
	if (err)
		sig__free(dst);
	return err;
}

void sig__init_go(struct wm_sig *sig, const char *name)
{
	memset(sig, 0, sizeof(*sig));
	sig->source = WM_SIG_GO;
	sig__set_name(sig, name);
	sig->ret.kind = WM_T_VOID;
	snprintf(sig->ret.name, sizeof(sig->ret.name), "?");
}

void sig__init_raw(struct wm_sig *sig, const char *name)
{
	int i;

	memset(sig, 0, sizeof(*sig));
	sig->source = WM_SIG_RAW;
	sig__set_name(sig, name);
	sig->ret.kind = WM_T_UNKNOWN;
	sig->ret.size = 8;
	snprintf(sig->ret.name, sizeof(sig->ret.name), "long");
	/* Out of memory: no parameters shown, rather than none of the function. */
	if (sig__reserve_params(sig, NR_INT_REGS))
		return;
	sig->nr_params = NR_INT_REGS;
	for (i = 0; i < NR_INT_REGS; i++) {
		struct wm_type *t = &sig->params[i].type;

		t->kind = WM_T_UNKNOWN;
		t->size = 8;
		snprintf(t->name, sizeof(t->name), "long");
	}
	sig__assign_regs(sig);
}

/* Append to buf like snprintf, keeping count of what would have been written. */
static void sbuf__add(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len < size) {
		size_t room = size - *len - 1;

		memcpy(buf + *len, s, n < room ? n : room);
		buf[*len + (n < room ? n : room)] = '\0';
	}
	*len += n;
}

/* "const char *" + "s" reads "const char *s", "int" + "n" reads "int n". */
static void sbuf__add_decl(char *buf, size_t size, size_t *len, const char *type, const char *name)
{
	const char *fp = strstr(type, "(*)");
	size_t tl = strlen(type);
	char head[WM_TYPE_NAME_MAX];

	if (fp && name && name[0] && (size_t)(fp - type) + 2 < sizeof(head)) {
		/* A function pointer: the name goes inside, "int (*cmp)(int)". */
		memcpy(head, type, fp - type + 2);
		head[fp - type + 2] = '\0';
		sbuf__add(buf, size, len, head);
		sbuf__add(buf, size, len, name);
		sbuf__add(buf, size, len, fp + 2);
		return;
	}
	sbuf__add(buf, size, len, type[0] ? type : "?");
	if (!name || !name[0])
		return;
	if (tl == 0 || type[tl - 1] != '*')
		sbuf__add(buf, size, len, " ");
	sbuf__add(buf, size, len, name);
}

int sig__snprint(const struct wm_sig *sig, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	if (size)
		buf[0] = '\0';
	if (sig->source == WM_SIG_GO) {
		sbuf__add(buf, size, &len, sig__name(sig));
		sbuf__add(buf, size, &len, "(...) (Go's ABI, not decoded)");
		return (int)len;
	}
	/* Python: "def re.search(pattern, string, flags)". */
	if (sig->source == WM_SIG_PY) {
		sbuf__add(buf, size, &len, "def ");
		sbuf__add(buf, size, &len, sig__name(sig));
		sbuf__add(buf, size, &len, "(");
		for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
			if (i)
				sbuf__add(buf, size, &len, ", ");
			sbuf__add(buf, size, &len, sig->params[i].name);
		}
		sbuf__add(buf, size, &len, ")");
		return (int)len;
	}
	sbuf__add_decl(buf, size, &len, sig->ret.kind == WM_T_VOID ? "void" : sig->ret.name,
		       sig__name(sig));
	sbuf__add(buf, size, &len, "(");
	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		if (i)
			sbuf__add(buf, size, &len, ", ");
		sbuf__add_decl(buf, size, &len, sig->params[i].type.name, sig->params[i].name);
	}
	if (sig->variadic)
		sbuf__add(buf, size, &len, sig->nr_params ? ", ..." : "...");
	else if (sig->nr_params == 0)
		sbuf__add(buf, size, &len, "void");
	sbuf__add(buf, size, &len, ")");
	return (int)len;
}

void sig__append(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(buf, size);
	size_t n = strlen(s);

	if (!size || len >= size)
		return;
	if (len + n >= size)
		n = size - len - 1;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
}

bool sig__has_funcptr(const struct wm_sig *sig)
{
	int i;

	if (sig->ret.kind == WM_T_FUNCPTR || sig->ret.target.kind == WM_T_FUNCPTR)
		return true;
	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++)
		if (sig->params[i].type.kind == WM_T_FUNCPTR ||
		    sig->params[i].type.target.kind == WM_T_FUNCPTR)
			return true;
	for (i = 0; i < sig->nr_fields && i < WM_SIG_MAX_FIELDS; i++)
		if (sig->fields[i].type.kind == WM_T_FUNCPTR)
			return true;
	return false;
}
