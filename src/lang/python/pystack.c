// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lang/python/pystack.h"
#include "lang/python/pystr.h"
#include "lang/python/pytrace.h"
#include "target/procmem.h"

/* Code objects named so far, by address. */
#define NAMES_BITS 12
#define NAMES_SIZE (1u << NAMES_BITS)
/* The longest location table read: a code object's of many thousand lines. */
#define LINETABLE_MAX (64 << 10)

struct code_name {
	__u64 code;	   /* 0: empty; first, for pytrace__code_slot() */
	char *qual, *file; /* NULL qual: not a code object */
	char *module;	   /* its function's, the first time; NULL: unknown */
	unsigned char *lt;
	size_t lt_len;
	int firstline;
};

struct pystack {
	pid_t pid;
	struct wm_py_offsets off;
	__u64 code_type; /* the type of code objects, from the traced call's own */
	struct code_name *names;
};

int pystack__new(pid_t pid, const struct wm_py_offsets *off, struct pystack **out)
{
	struct pystack *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->names = calloc(NAMES_SIZE, sizeof(*s->names));
	if (!s->names) {
		free(s);
		return -ENOMEM;
	}
	s->pid = pid;
	s->off = *off;
	*out = s;
	return 0;
}

static void name_clear(struct code_name *e)
{
	free(e->qual);
	free(e->file);
	free(e->module);
	free(e->lt);
	memset(e, 0, sizeof(*e));
}

void pystack__free(struct pystack *s)
{
	if (!s)
		return;
	for (__u32 i = 0; i < NAMES_SIZE; i++)
		name_clear(&s->names[i]);
	free(s->names);
	free(s);
}

/* A str object of the target as UTF-8 (malloc'd; a long one cut); NULL when unreadable. */
static char *read_str(struct pystack *s, __u64 str)
{
	char out[4 * WM_PY_NAME_MAX + 8];
	int ret = pystr__read(s->pid, &s->off, str, out, sizeof(out));

	return ret >= 0 || ret == -ENAMETOOLONG ? strdup(out) : NULL;
}

/* A bytes object's contents (malloc'd), up to max bytes. */
static unsigned char *read_bytes(struct pystack *s, __u64 obj, size_t max, size_t *n)
{
	unsigned char *p;
	__s64 len = 0;

	*n = 0;
	if (!obj || procmem__read(s->pid, obj + 16, &len, sizeof(len)) || len <= 0)
		return NULL;
	*n = (size_t)len < max ? (size_t)len : max;
	p = malloc(*n);
	/* PyBytesObject.ob_sval follows the header and the hash. */
	if (p && procmem__read(s->pid, obj + 32, p, *n)) {
		free(p);
		p = NULL;
	}
	if (!p)
		*n = 0;
	return p;
}

static struct code_name *name_slot(struct pystack *s, __u64 code)
{
	return pytrace__code_slot(s->names, sizeof(*s->names), NAMES_BITS, 8, code);
}

static void read_linetable(struct pystack *s, struct code_name *e)
{
	if (s->off.code_linetable)
		e->lt = read_bytes(s, procmem__u64(s->pid, e->code + s->off.code_linetable),
				   LINETABLE_MAX, &e->lt_len);
}

void pystack__note(struct pystack *s, __u64 code, const char *qual, const char *module,
		   const char *file, int firstline)
{
	struct code_name *e = name_slot(s, code);

	name_clear(e);
	e->code = code;
	e->qual = strdup(qual);
	e->file = strdup(file);
	e->module = strdup(module);
	e->firstline = firstline;
	read_linetable(s, e);
}

/* What the code object at code is called, read once. NULL when it is no code object. */
static const struct code_name *code_name(struct pystack *s, __u64 code, __u64 func)
{
	struct code_name *e = name_slot(s, code);
	__u64 qp = 0, type;
	__s32 first = 0;

	/*
	 * Named already: a code object freed and another made at its address
	 * is announced (pystack__note()) when it first runs, which is before
	 * it can be a caller, and its notice comes first in the ring.
	 */
	if (e->code == code)
		return e->qual ? e : NULL;
	/* A frame begun before the trace: read from the process, while it lives. */
	if (procmem__read(s->pid, code + 8, &type, sizeof(type)) || type != s->code_type)
		return NULL;
	qp = procmem__u64(s->pid, code + s->off.code_qualname);
	name_clear(e);
	e->code = code;
	e->qual = read_str(s, qp);
	e->file = read_str(s, procmem__u64(s->pid, code + s->off.code_filename));
	procmem__read(s->pid, code + s->off.code_firstlineno, &first, sizeof(first));
	e->firstline = first;
	/* Functions sharing a code object share its module. */
	if (func && s->off.frame_func != 0xffff)
		e->module = read_str(s, procmem__u64(s->pid, func + s->off.func_module));
	read_linetable(s, e);
	return e->qual ? e : NULL;
}

/* One variable-length number of the location table: six bits a byte, bit 6 continues. */
static unsigned long varint(const unsigned char *lt, size_t n, size_t *i)
{
	unsigned long v = 0;
	unsigned int shift = 0;
	unsigned char b;

	do {
		if (*i >= n || shift > 60)
			return 0;
		b = lt[(*i)++];
		v |= (unsigned long)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	return v;
}

static long svarint(const unsigned char *lt, size_t n, size_t *i)
{
	unsigned long v = varint(lt, n, i);

	return v & 1 ? -(long)(v >> 1) : (long)(v >> 1);
}

/*
 * The 3.11+ format (CPython's Objects/locations.md): each entry starts with
 * a byte 1CCCCLLL, covering LLL+1 code units, its code C saying what
 * follows: 15 no location, 14 the long form (line delta, end line, columns),
 * 13 a line delta alone, 10-12 the line + C-10 and two column bytes, 0-9
 * the same line and one column byte.
 */
int pystack__line(const unsigned char *lt, size_t n, int firstline, long idx)
{
	long line = firstline, addr = 0;
	size_t i = 0;

	while (i < n && idx >= 0) {
		unsigned char b = lt[i++];
		int code = (b >> 3) & 15, len = (b & 7) + 1;
		bool known = true;

		if (!(b & 0x80))
			return -1;
		if (code == 15) {
			known = false;
		} else if (code == 14) {
			line += svarint(lt, n, &i);
			for (int k = 0; k < 3; k++)
				varint(lt, n, &i);
		} else if (code == 13) {
			line += svarint(lt, n, &i);
		} else if (code >= 10) {
			line += code - 10;
			i += 2;
		} else {
			i += 1;
		}
		if (idx < addr + len)
			return known && line > 0 ? (int)line : -1;
		addr += len;
	}
	return -1;
}

void pystack__render(struct pystack *s, const struct wm_py_stack *st, __u64 code,
		     struct wm_buf *out)
{
	buf__reset(out);
	if (!s->code_type)
		s->code_type = procmem__u64(s->pid, code + 8);
	for (__u32 i = 0; i < st->nr && i < WM_PY_STACK_MAX; i++) {
		const struct wm_py_stack_frame *fr = &st->fr[i];
		const struct code_name *e = code_name(s, fr->code, fr->func);
		__u64 start = fr->code + s->off.code_adaptive;
		int line = -1;

		if (!e)
			continue;
		if (e->lt && s->off.code_adaptive && fr->instr >= start)
			line = pystack__line(e->lt, e->lt_len, e->firstline,
					     (long)((fr->instr - start) / 2));
		if (e->module && e->module[0]) {
			buf__puts(out, e->module);
			buf__putc(out, '.');
		}
		buf__puts(out, e->qual);
		buf__putc(out, '\0');
		buf__puts(out, e->file ? e->file : "?");
		buf__putc(out, '\0');
		if (line > 0)
			buf__u64(out, line);
		buf__putc(out, '\0');
	}
}
