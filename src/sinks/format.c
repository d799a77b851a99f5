// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One call as a terminal line or a JSON object. Every byte that comes from
 * the traced process or its object files (strings, but also symbol, object,
 * parameter and type names) goes through an escaper.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "target/demangle.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "sinks/format.h"
#include "lang/python/pyvalue.h"
#include "wrapmon_py.h"

/* The six registers and the raw result of a function we know nothing of. */
static const struct wm_type raw_type = { .kind = WM_T_UNKNOWN, .size = 8 };

static void put_esc_c(struct wm_buf *b, const char *s, size_t max)
{
	esc__c(b, s, strnlen(s, max));
}

static const char *func_name(const struct wm_func *f, size_t *len)
{
	if (!f) {
		*len = 1;
		return "?";
	}
	*len = strnlen(f->name, sizeof(f->name));
	if (*len)
		return f->name;
	*len = strlen(sig__name(&f->sig));
	return sig__name(&f->sig);
}

/*
 * The pieces of a line that depend on the function alone, made by the
 * put_*() below either in line or once into a cache entry (fmt_cache__get()):
 * P_NAME_TEXT  "search" (its name as the text line shows it)
 * P_HEAD_JSON  ,"function":"search","object":"/usr/bin/app","args":
 * P_RESULT_JSON  "type":"int" (of the result)
 * P_PARAMS + 2i  ", pat=" (text; no ", " for the first)
 * P_PARAMS + 2i + 1  ,{"name":"pat","type":"const char *" (JSON; "{" for the first)
 */
enum { P_NAME_TEXT, P_HEAD_JSON, P_RESULT_JSON, P_PARAMS };

/* Where each piece of an entry is: kept as offsets, as the text may move while it is made. */
struct fmt_piece {
	unsigned int off, len;
};

/* A parameter whose text comes straight from its register and slot (see value_is_plain()). */
struct fmt_direct {
	short val;  /* its index in wm_call.args, -1: through param_get() */
	short slot; /* its entry slot, -1: none */
};

/* The pieces of one function, made at its first call. */
struct fmt_entry {
	const struct wm_func *f; /* made for it; NULL: not made */
	struct wm_buf text;	 /* the pieces back to back */
	struct fmt_piece *pieces;
	int nr_pieces;
	struct fmt_direct *direct; /* by parameter */
};

struct wm_fmt_cache {
	struct fmt_entry *ents; /* by function id */
	size_t nr, cap;
};

/*
 * Pieces up to this long are copied PIECE_COPY bytes at once (a few moves,
 * not a call): the entry's text has that many more bytes after its last.
 */
#define PIECE_COPY 64

static inline void put_piece(struct wm_buf *b, const struct fmt_entry *e, int i)
{
	const struct fmt_piece *pc = &e->pieces[i];
	const char *s = e->text.p + pc->off;
	char *d;

	if (pc->len > PIECE_COPY) {
		buf__put(b, s, pc->len);
		return;
	}
	d = buf__room(b, PIECE_COPY);
	if (!d)
		return;
	memcpy(d, s, PIECE_COPY);
	buf__commit(b, pc->len);
}

static void put_text_name(struct wm_buf *b, const struct wm_func *f)
{
	size_t name_len;
	const char *name = func_name(f, &name_len);

	/* A C++ name's parameter types: the arguments that follow show them. */
	if (memchr(name, '(', name_len))
		name_len = demangle__name_len(name);
	esc__c(b, name, name_len);
}

static void put_json_head(struct wm_buf *b, const struct wm_func *f)
{
	size_t name_len;
	const char *name = func_name(f, &name_len);

	buf__puts(b, ",\"function\":");
	json__str(b, name, name_len);
	buf__puts(b, ",\"object\":");
	if (f)
		json__str(b, func__obj_path(f), strlen(func__obj_path(f)));
	else
		buf__puts(b, "null");
	buf__puts(b, ",\"args\":");
}

static void put_text_param(struct wm_buf *b, const struct wm_func *f, int i)
{
	const struct wm_param *p = &f->sig.params[i];

	if (i)
		buf__puts(b, ", ");
	if (p->name[0]) {
		put_esc_c(b, p->name, sizeof(p->name));
		buf__putc(b, '=');
	}
}

static void put_json_type(struct wm_buf *b, const struct wm_type *t);

static void put_json_param(struct wm_buf *b, const struct wm_func *f, int i)
{
	const struct wm_param *p = &f->sig.params[i];

	buf__puts(b, i ? ",{" : "{");
	if (p->name[0]) {
		buf__puts(b, "\"name\":");
		json__str(b, p->name, strnlen(p->name, sizeof(p->name)));
		buf__putc(b, ',');
	}
	put_json_type(b, &p->type);
}

static bool sig_is_raw(const struct wm_func *f)
{
	return !f || f->sig.source == WM_SIG_RAW;
}

/* Go's ABI is not decoded: no value is shown, rather than a wrong one. */
static bool sig_is_go(const struct wm_func *f)
{
	return f && f->sig.source == WM_SIG_GO;
}

static bool sig_is_py(const struct wm_func *f)
{
	return f && f->sig.source == WM_SIG_PY;
}

static void put_json_hex(struct wm_buf *b, __u64 raw);

/* Whether a Python call's slots hold value snapshots (else type names). */
static bool py_values(const struct wm_call_view *c)
{
	return c->hdr.flags & WM_F_PY_VALUES;
}

/*
 * A Python object of a record (string slot i): its value as repr() shows
 * it, or its type's name ("<str>") where values were not read; "..." for a
 * parameter that did not fit, "?" for a result that could not be read.
 */
static void put_py_obj_text(struct wm_buf *b, const struct wm_call_view *c, int i)
{
	if (i >= WM_NR_SLOTS || c->str_len[i] <= 0 || !c->str[i]) {
		buf__puts(b, i < WM_PY_MAX_PARAMS ? "..." : "?");
		return;
	}
	if (py_values(c)) {
		pyvalue__repr(b, c->str[i], c->str_len[i]);
		return;
	}
	buf__putc(b, '<');
	esc__c(b, c->str[i], c->str_len[i]);
	buf__putc(b, '>');
}

/* The same as a JSON member: "value":<the value> or "type":"<its type>". */
static void put_py_obj_json(struct wm_buf *b, const struct wm_call_view *c, int i)
{
	bool have = i < WM_NR_SLOTS && c->str_len[i] > 0 && c->str[i];

	if (py_values(c)) {
		struct wm_pyv_hdr h;

		buf__puts(b, "\"value\":");
		if (!have) {
			buf__puts(b, "null");
			return;
		}
		pyvalue__json(b, c->str[i], c->str_len[i]);
		/* The object, as for a C function's PyObject *: None is not a NULL. */
		if (c->str_len[i] >= (int)sizeof(h)) {
			memcpy(&h, c->str[i], sizeof(h));
			buf__puts(b, ",\"pointer\":");
			put_json_hex(b, h.addr);
		}
		return;
	}
	buf__puts(b, "\"type\":");
	if (have)
		json__str(b, c->str[i], c->str_len[i]);
	else
		buf__puts(b, "null");
}

/* Python's parameters by name, each with its value (or its type). */
static void put_py_args_text(struct wm_buf *b, const struct wm_func *f,
			     const struct wm_call_view *c)
{
	for (int i = 0; i < f->sig.nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		if (i)
			buf__puts(b, ", ");
		/* Past the ones a record carries: one "..." says there are more. */
		if (i == WM_PY_MAX_PARAMS) {
			buf__puts(b, "...");
			break;
		}
		put_esc_c(b, f->sig.params[i].name, sizeof(f->sig.params[i].name));
		buf__putc(b, '=');
		put_py_obj_text(b, c, i);
	}
}

static int sig_nr_params(const struct wm_sig *sig)
{
	if (sig->nr_params < 0)
		return 0;
	return sig->nr_params < WM_SIG_MAX_PARAMS ? sig->nr_params : WM_SIG_MAX_PARAMS;
}

/* The register truncated to the type's width and sign-extended if signed. */
static __u64 int_value(const struct wm_type *t, __u64 raw)
{
	unsigned int bits = 64;
	__u64 mask;

	if (t->size == 1 || t->size == 2 || t->size == 4)
		bits = t->size * 8;
	if (bits == 64)
		return raw;
	mask = (1ULL << bits) - 1;
	raw &= mask;
	if (t->is_signed && (raw >> (bits - 1)) & 1)
		raw |= ~mask;
	return raw;
}

static void put_int(struct wm_buf *b, const struct wm_type *t, __u64 raw)
{
	__u64 v = int_value(t, raw);

	if (t->is_signed)
		buf__s64(b, (long long)v);
	else
		buf__u64(b, v);
}

/* " 4243 ": the thread id between spaces. */
static void put_tid_text(struct wm_buf *b, __u32 tid)
{
	char *d = buf__room(b, 12);
	size_t n;

	if (!d)
		return;
	d[0] = ' ';
	n = buf__u64_at(d + 1, tid);
	d[n + 1] = ' ';
	buf__commit(b, n + 2);
}

static void put_hex(struct wm_buf *b, __u64 raw)
{
	buf__put(b, "0x", 2);
	buf__hex(b, raw);
}

/*
 * ns / unit with one decimal per tenth of step (step = unit / 10 or / 100),
 * as "%.Nf" prints the double ns / unit: exactly half a step is a tie in
 * decimal and, unless the double holds it exactly (1.75), not in binary:
 * printf rounds the double, which lies just above or below it; fma() says
 * which, without rounding the product.
 */
static inline __attribute__((always_inline)) void put_fixed(struct wm_buf *b, __u64 ns, double unit,
							    __u64 step, int decimals,
							    const char *suffix, size_t suffix_len)
{
	__u64 q = ns / step, r = ns % step, div = decimals == 1 ? 10 : 100, frac;
	size_t n;
	char *d;

	if (r * 2 == step) {
		double above = fma(ns / unit, unit, -(double)ns);

		/* An exact tie (1.75) goes to the even digit, as printf's does. */
		if (above > 0 || (above == 0 && (q & 1)))
			q++;
	} else if (r * 2 > step) {
		q++;
	}
	/* The digits, the point, the decimals and the unit in one piece. */
	d = buf__room(b, 20 + 1 + decimals + suffix_len);
	if (!d)
		return;
	frac = q % div;
	n = buf__u64_at(d, q / div);
	d[n] = '.';
	if (decimals == 1)
		d[n + 1] = '0' + frac;
	else
		buf__2digits(d + n + 1, frac);
	memcpy(d + n + 1 + decimals, suffix, suffix_len);
	buf__commit(b, n + 1 + decimals + suffix_len);
}

void format__duration(struct wm_buf *b, __u64 ns)
{
	/*
	 * Each unit takes over where the one below would round up to 1000.0,
	 * so 999999 ns reads "1.0 ms", not "1000.0 us".
	 */
	if (ns < 1000) {
		buf__u64(b, ns);
		buf__put(b, " ns", 3);
	} else if (ns < 999950ULL) {
		put_fixed(b, ns, 1e3, 100, 1, " us", 3);
	} else if (ns < 999950000ULL) {
		put_fixed(b, ns, 1e6, 100000, 1, " ms", 3);
	} else if (ns < 1ULL << 53) {
		put_fixed(b, ns, 1e9, 10000000, 2, " s", 2);
	} else {
		/* Beyond 2^53 ns (104 days) the double is not ns / 1e9 rounded once. */
		buf__printf(b, "%.2f s", ns / 1e9);
	}
}

static void put_char_text(struct wm_buf *b, unsigned char ch)
{
	char c = (char)ch;

	buf__putc(b, '\'');
	if (ch == '\'')
		buf__puts(b, "\\'");
	else if (ch == '"')
		buf__putc(b, '"');
	else
		esc__c(b, &c, 1);
	buf__putc(b, '\'');
}

void format__value_text(struct wm_buf *b, const struct wm_type *t, __u64 raw, const char *str,
			int str_len, bool trunc)
{
	switch (t->kind) {
	case WM_T_INT:
		put_int(b, t, raw);
		break;
	case WM_T_BOOL:
		buf__puts(b, raw & 0xff ? "true" : "false");
		break;
	case WM_T_CHAR:
		put_char_text(b, raw & 0xff);
		break;
	case WM_T_PTR:
		if (raw)
			put_hex(b, raw);
		else
			buf__puts(b, "NULL");
		break;
	case WM_T_STR:
		if (!raw) {
			buf__puts(b, "NULL");
		} else if (str_len >= 0 && str) {
			esc__c_quoted(b, str, str_len);
			if (trunc)
				buf__puts(b, "...");
		} else {
			put_hex(b, raw);
			buf__puts(b, "<unreadable>");
		}
		break;
	case WM_T_UNKNOWN:
		put_hex(b, raw);
		break;
	case WM_T_FLOAT:
	case WM_T_VOID:
	default:
		buf__putc(b, '?');
		break;
	}
}

const char *format__errno_name(long long e)
{
	if (e <= 0 || e > 4095)
		return NULL;
	return strerrorname_np((int)e);
}

/*
 * One value of a call: the register (or stack eightbyte) it arrived in, and
 * the bytes captured through it, if any.
 */
struct val {
	bool avail;	    /* raw is known */
	bool optimized_out; /* the debug info says it is not available at the probe */
	__u64 raw;
	const char *bytes; /* captured bytes, NULL when none */
	int len;	   /* bytes captured, or WM_STR_NONE / WM_STR_FAULT */
	bool trunc;
	bool py;		/* the bytes are a Python value's snapshot (WM_CAP_PYOBJ) */
	unsigned char regs[16]; /* a struct passed in registers, assembled */
	const struct wm_call_view *c;
	/* Read again at return: the entry's bytes, to know whether a member still points to the same string. */
	bool out;
	const char *entry_bytes;
	int entry_len;
};

/* The process a value was read from: code addresses are named in its own maps. */
static __u32 val_pid(const struct val *v)
{
	return v->c ? v->c->hdr.pid : 0;
}

static void slot_get(const struct wm_call_view *c, int slot, struct val *v)
{
	v->bytes = NULL;
	v->len = WM_STR_NONE;
	v->trunc = false;
	if (slot < 0 || slot >= WM_NR_SLOTS)
		return;
	v->len = c->str_len[slot];
	v->bytes = v->len >= 0 ? c->str[slot] : NULL;
	v->trunc = c->hdr.str_trunc >> slot & 1;
}

static bool slot_is_py(const struct wm_func *f, int slot)
{
	return slot >= 0 && slot < WM_NR_SLOTS && f->plan.cfg.caps[slot].kind == WM_CAP_PYOBJ;
}

static void param_get(const struct wm_func *f, const struct wm_call_view *c, int i, bool out,
		      struct val *v)
{
	const struct wm_param *p = &f->sig.params[i];
	int idx = f->plan.val[i];

	memset(v, 0, sizeof(*v));
	v->c = c;
	v->out = out;
	if (out && f->plan.entry_slot[i] >= 0 && c->str_len[f->plan.entry_slot[i]] >= 0) {
		v->entry_bytes = c->str[f->plan.entry_slot[i]];
		v->entry_len = c->str_len[f->plan.entry_slot[i]];
	}
	slot_get(c, out ? f->plan.out_slot[i] : f->plan.entry_slot[i], v);
	v->py = !out && slot_is_py(f, f->plan.entry_slot[i]);
	if (f->plan.loc[i].optimized_out) {
		v->optimized_out = true;
		return;
	}
	if (f->plan.loc[i].nr && p->type.kind != WM_T_BUF) {
		/* From its DWARF location: the pieces' bytes, in order. */
		const struct wm_plan_loc *pl = &f->plan.loc[i];

		for (int j = 0; j < pl->nr; j++)
			if (pl->p[j].val >= 0 && pl->p[j].val < WM_MAX_VALS &&
			    pl->p[j].at + pl->p[j].size <= sizeof(v->regs) && pl->p[j].size <= 8)
				memcpy(v->regs + pl->p[j].at, &c->hdr.args[pl->p[j].val],
				       pl->p[j].size);
		v->avail = true;
		memcpy(&v->raw, v->regs, 8);
		if (p->type.kind == WM_T_STRUCT && !out) {
			v->bytes = (const char *)v->regs;
			v->len = p->type.size < sizeof(v->regs) ? p->type.size : sizeof(v->regs);
		}
		return;
	}
	if (idx < 0 || idx >= WM_MAX_VALS) {
		/* A struct in the stack argument area: its bytes are all there is. */
		v->avail = v->bytes != NULL;
		return;
	}
	v->avail = true;
	v->raw = c->hdr.args[idx];
	if (p->type.kind == WM_T_STRUCT && !out) {
		/* A struct of up to 16 bytes in one or two registers: their bytes, in order. */
		unsigned int n = p->type.size < sizeof(v->regs) ? p->type.size : sizeof(v->regs);

		if (n > 8 && idx + 1 >= WM_MAX_ARGS) {
			v->avail = false;
			return;
		}
		memcpy(v->regs, &c->hdr.args[idx], 8);
		if (n > 8)
			memcpy(v->regs + 8, &c->hdr.args[idx + 1], 8);
		v->bytes = (const char *)v->regs;
		v->len = n;
	}
}

static void ret_get(const struct wm_func *f, const struct wm_call_view *c, struct val *v)
{
	memset(v, 0, sizeof(*v));
	v->c = c;
	v->avail = true;
	v->raw = c->hdr.ret;
	slot_get(c, f ? f->plan.ret_slot : -1, v);
	v->py = f && slot_is_py(f, f->plan.ret_slot);
}

/* Little-endian bytes to a number, zero-extended; size 1..8. */
static __u64 load_le(const unsigned char *p, unsigned int size)
{
	__u64 v = 0;

	for (unsigned int i = size > 8 ? 8 : size; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static const char *enum_name(const struct wm_sig *sig, unsigned int first, unsigned int nr,
			     long long value)
{
	for (unsigned int i = 0; i < nr; i++) {
		const struct wm_enumval *e;

		if (first + i >= WM_SIG_MAX_ENUMS || (int)(first + i) >= sig->nr_enums)
			break;
		e = &sig->enums[first + i];
		if (e->value == value && e->name[0])
			return e->name;
	}
	return NULL;
}

/*
 * Name a code address through the function's symbol hook: 0 when a symbol
 * covers it. A return address (ret_addr) is looked up inside its call.
 */
static int code_lookup(const struct wm_func *f, __u32 pid, __u64 addr, bool ret_addr,
		       const char **sym, unsigned long *off, const char **obj)
{
	*sym = *obj = NULL;
	*off = 0;
	if (!f || !f->syms || !f->syms->lookup)
		return -ENOENT;
	if (f->syms->lookup(f->syms->ctx, pid, addr, ret_addr, sym, off, obj))
		return -ENOENT;
	return *sym && (*sym)[0] ? 0 : -ENOENT;
}

/* A code address: "name", "name+0x4", or the number when nothing names it. */
static void put_code_text(struct wm_buf *b, const struct wm_func *f, __u32 pid, __u64 addr)
{
	const char *sym, *obj;
	unsigned long off;

	if (!addr) {
		buf__puts(b, "NULL");
		return;
	}
	if (!code_lookup(f, pid, addr, false, &sym, &off, &obj)) {
		put_esc_c(b, sym, 256);
		if (off)
			buf__printf(b, "+0x%lx", off);
		return;
	}
	put_hex(b, addr);
}

static void put_double(struct wm_buf *b, double d, bool json)
{
	if (json && (d != d || d - d != 0)) {
		buf__puts(b, "null");
		return;
	}
	buf__printf(b, "%.17g", d);
}

/*
 * A scalar stored in memory (a struct member, an array element, what a
 * pointer points to). Pointers inside it print as addresses: one level deep.
 */
static void put_scalar_mem(struct wm_buf *b, const struct wm_func *f, __u32 pid,
			   const struct wm_scalar *s, const unsigned char *p, unsigned int avail,
			   bool json)
{
	struct wm_type t = { .kind = s->kind, .size = s->size, .is_signed = s->is_signed };
	const char *en;
	__u64 raw;

	if (s->kind == WM_T_STRUCT) {
		buf__puts(b, json ? "\"{...}\"" : "{...}");
		return;
	}
	if (!s->size || s->size > avail) {
		buf__puts(b, json ? "null" : "?");
		return;
	}
	if (s->kind == WM_T_FLOAT) {
		if (s->size == 4) {
			float x;

			memcpy(&x, p, 4);
			put_double(b, x, json);
		} else if (s->size == 8) {
			double x;

			memcpy(&x, p, 8);
			put_double(b, x, json);
		} else {
			buf__puts(b, json ? "null" : "?");
		}
		return;
	}
	raw = load_le(p, s->size);
	switch (s->kind) {
	case WM_T_INT:
		put_int(b, &t, raw);
		break;
	case WM_T_ENUM:
		en = f ? enum_name(&f->sig, s->first_enum, s->nr_enums,
				   (long long)int_value(&t, raw)) :
			 NULL;
		if (en && json)
			json__str(b, en, strnlen(en, WM_FIELD_NAME_MAX));
		else if (en)
			put_esc_c(b, en, WM_FIELD_NAME_MAX);
		else
			put_int(b, &t, raw);
		break;
	case WM_T_BOOL:
		buf__puts(b, raw & 0xff ? "true" : "false");
		break;
	case WM_T_CHAR:
		if (json) {
			char ch = (char)raw;

			json__str(b, &ch, 1);
		} else {
			put_char_text(b, raw & 0xff);
		}
		break;
	case WM_T_FUNCPTR:
		if (json) {
			if (raw)
				buf__printf(b, "\"0x%llx\"", (unsigned long long)raw);
			else
				buf__puts(b, "null");
		} else {
			put_code_text(b, f, pid, raw);
		}
		break;
	case WM_T_PTR:
	case WM_T_STR:
	case WM_T_BUF:
		if (!raw)
			buf__puts(b, json ? "null" : "NULL");
		else if (json)
			buf__printf(b, "\"0x%llx\"", (unsigned long long)raw);
		else
			put_hex(b, raw);
		break;
	default:
		if (json)
			buf__printf(b, "\"0x%llx\"", (unsigned long long)raw);
		else
			put_hex(b, raw);
		break;
	}
}

/* count elements of s at p (avail bytes): a char array as a string, others as a list. */
static void put_array_mem(struct wm_buf *b, const struct wm_func *f, __u32 pid,
			  const struct wm_scalar *s, unsigned int count, const unsigned char *p,
			  unsigned int avail, bool trunc, bool json)
{
	unsigned int i, n;

	if (s->kind == WM_T_CHAR && s->size == 1) {
		n = count < avail ? count : avail;
		/* A C string in a char array ends at its NUL. */
		for (i = 0; i < n && p[i]; i++)
			;
		if (json) {
			json__str(b, (const char *)p, i);
			return;
		}
		esc__c_quoted(b, (const char *)p, i);
		if (i == n && (n < count || trunc))
			buf__puts(b, "...");
		return;
	}
	buf__putc(b, '[');
	for (i = 0; i < count; i++) {
		bool more = i == WM_ARRAY_SHOW || !s->size || (i + 1) * s->size > avail;

		/* JSON lists what there is; text says there is more. */
		if (more && json)
			break;
		if (i)
			buf__puts(b, json ? "," : ", ");
		if (more) {
			buf__puts(b, "...");
			break;
		}
		put_scalar_mem(b, f, pid, s, p + i * s->size, s->size, json);
	}
	if (!json && i == count && trunc && count)
		buf__puts(b, ", ...");
	buf__putc(b, ']');
}

static void put_field_name_json(struct wm_buf *b, const struct wm_field *fl)
{
	size_t n = strnlen(fl->name, sizeof(fl->name));

	if (n)
		json__str(b, fl->name, n);
	else
		buf__puts(b, "\"(anonymous)\"");
	buf__putc(b, ':');
}

/* A struct or union one level deep: "{x=1, y=2, name=\"a\"}" or a JSON object. */
/*
 * A "char *" member: the string BPF read through it at entry (slot), or, in
 * bytes read again at return, the same string while the pointer is unchanged.
 */
static bool put_member_string(struct wm_buf *b, const struct wm_func *f, const struct val *v,
			      unsigned int idx, const struct wm_field *fl, bool json)
{
	int slot = f->plan.field_slot[idx];
	const struct wm_call_view *c = v->c;
	__u64 raw, was;

	if (slot < 0 || slot >= WM_NR_SLOTS || !c || fl->offset + 8 > (unsigned int)v->len)
		return false;
	raw = load_le((const unsigned char *)v->bytes + fl->offset, 8);
	if (v->out) {
		if (!v->entry_bytes || fl->offset + 8 > (unsigned int)v->entry_len)
			return false;
		was = load_le((const unsigned char *)v->entry_bytes + fl->offset, 8);
		if (was != raw)
			return false;
	}
	if (!raw) {
		buf__puts(b, json ? "null" : "NULL");
		return true;
	}
	if (c->str_len[slot] < 0 || !c->str[slot])
		return false;
	if (json) {
		json__str(b, c->str[slot], c->str_len[slot]);
		return true;
	}
	esc__c_quoted(b, c->str[slot], c->str_len[slot]);
	if (c->hdr.str_trunc >> slot & 1)
		buf__puts(b, "...");
	return true;
}

static void put_struct_mem(struct wm_buf *b, const struct wm_func *f, const struct wm_type *t,
			   const struct val *v, bool json)
{
	const unsigned char *p = (const unsigned char *)v->bytes;
	unsigned int avail = v->len > 0 ? v->len : 0;
	const struct wm_sig *sig = &f->sig;
	bool trunc = v->trunc;
	/* Rust's own spelling, as its Debug prints it: Point { x: 1, y: 2 } */
	bool rs = sig->rust && !json && t->kind == WM_T_STRUCT;
	unsigned int i;

	if (rs) {
		put_esc_c(b, t->name, sizeof(t->name));
		buf__puts(b, t->nr_fields ? " { " : "");
	} else {
		buf__putc(b, '{');
	}
	for (i = 0; i < t->nr_fields; i++) {
		const struct wm_field *fl;
		unsigned int idx = t->first_field + i;

		if (idx >= WM_SIG_MAX_FIELDS || (int)idx >= sig->nr_fields)
			break;
		fl = &sig->fields[idx];
		if (i)
			buf__puts(b, json ? "," : ", ");
		if (json) {
			put_field_name_json(b, fl);
		} else if (fl->name[0]) {
			put_esc_c(b, fl->name, sizeof(fl->name));
			buf__puts(b, rs ? ": " : "=");
		}
		if (fl->offset >= avail) {
			buf__puts(b, json ? "null" : "?");
			continue;
		}
		if (fl->count) {
			/* Cut only where the bytes end: the struct's own "..." says the rest. */
			put_array_mem(b, f, val_pid(v), &fl->type, fl->count, p + fl->offset,
				      avail - fl->offset, false, json);
		} else if (fl->bit_size) {
			struct wm_type bt = { .kind = WM_T_INT,
					      .size = 8,
					      .is_signed = fl->type.is_signed };
			unsigned int nb = (fl->bit_offset + fl->bit_size + 7) / 8;
			__u64 raw;

			if (nb > 8 || fl->offset + nb > avail || fl->bit_size >= 64) {
				buf__puts(b, json ? "null" : "?");
				continue;
			}
			raw = load_le(p + fl->offset, nb) >> fl->bit_offset;
			raw &= (1ULL << fl->bit_size) - 1;
			if (bt.is_signed && (raw >> (fl->bit_size - 1)) & 1)
				raw |= ~((1ULL << fl->bit_size) - 1);
			if (fl->type.kind == WM_T_BOOL)
				buf__puts(b, raw ? "true" : "false");
			else
				put_int(b, &bt, raw);
		} else if (fl->type.kind != WM_T_STR ||
			   !put_member_string(b, f, v, idx, fl, json)) {
			put_scalar_mem(b, f, val_pid(v), &fl->type, p + fl->offset,
				       avail - fl->offset, json);
		}
	}
	if (!json && trunc)
		buf__puts(b, ", ...");
	if (!rs)
		buf__putc(b, '}');
	else if (t->nr_fields)
		buf__puts(b, " }");
}

/* The variant of a Rust enum its discriminant names: None, Some(3), Err("bad"). */
static void put_variant(struct wm_buf *b, const struct wm_func *f, const struct wm_type *t,
			const struct val *v, bool json)
{
	const unsigned char *p = (const unsigned char *)v->bytes;
	unsigned int avail = v->len > 0 ? v->len : 0, idx, pick = 0;
	const struct wm_sig *sig = &f->sig;
	const struct wm_field *fl = NULL;
	__u64 d, mask;
	int slot;

	if (t->discr_size < 1 || t->discr_size > 8 || t->discr_off + t->discr_size > avail) {
		buf__puts(b, json ? "null" : "?");
		return;
	}
	mask = t->discr_size == 8 ? ~0ULL : (1ULL << (8 * t->discr_size)) - 1;
	d = load_le(p + t->discr_off, t->discr_size);
	for (unsigned int k = 0; k < t->nr_fields; k++) {
		idx = t->first_field + k;
		if (idx >= WM_SIG_MAX_FIELDS || (int)idx >= sig->nr_fields)
			break;
		if (sig->fields[idx].variant == WM_VARIANT_DISCR &&
		    ((__u64)sig->fields[idx].discr & mask) == d) {
			fl = &sig->fields[idx];
			pick = idx;
			break;
		}
		if (sig->fields[idx].variant == WM_VARIANT_DEFAULT && !fl) {
			fl = &sig->fields[idx];
			pick = idx;
		}
	}
	if (!fl) {
		buf__puts(b, json ? "null" : "?");
		return;
	}
	if (json) {
		buf__puts(b, "{\"variant\":");
		json__str(b, fl->name, strnlen(fl->name, sizeof(fl->name)));
	} else {
		put_esc_c(b, fl->name, sizeof(fl->name));
	}
	if (fl->type.kind == WM_T_VOID) {
		if (json)
			buf__putc(b, '}');
		return;
	}
	buf__puts(b, json ? ",\"value\":" : "(");
	if (fl->type.kind == WM_T_BUF) {
		/* A &str: the bytes read through its pointer. */
		slot = f->plan.field_slot[pick];
		if (slot < 0 || slot >= WM_NR_SLOTS || !v->c || v->c->str_len[slot] < 0) {
			buf__puts(b, json ? "null" : "?");
		} else if (json) {
			json__str(b, v->c->str[slot], v->c->str_len[slot]);
		} else {
			esc__c_quoted(b, v->c->str[slot], v->c->str_len[slot]);
			if (v->c->hdr.str_trunc >> slot & 1)
				buf__puts(b, "...");
		}
	} else if (fl->offset < avail) {
		put_scalar_mem(b, f, val_pid(v), &fl->type, p + fl->offset, avail - fl->offset,
			       json);
	} else {
		buf__puts(b, json ? "null" : "?");
	}
	buf__putc(b, json ? '}' : ')');
}

/* What a pointer, buffer or struct's captured bytes show; false when they show nothing. */
static bool put_deref(struct wm_buf *b, const struct wm_func *f, const struct wm_type *t,
		      const struct val *v, bool json)
{
	const unsigned char *p = (const unsigned char *)v->bytes;
	unsigned int n = v->len > 0 ? v->len : 0;

	if (!v->bytes || v->len < 0)
		return false;
	switch (t->kind) {
	case WM_T_STRUCT:
		if (t->rust_enum)
			put_variant(b, f, t, v, json);
		else
			put_struct_mem(b, f, t, v, json);
		return true;
	case WM_T_PTR:
		if (t->target.kind == WM_T_STRUCT)
			put_struct_mem(b, f, t, v, json);
		else if (t->target_count)
			put_array_mem(b, f, val_pid(v), &t->target, t->target_count, p, n, v->trunc,
				      json);
		else
			put_scalar_mem(b, f, val_pid(v), &t->target, p, n, json);
		return true;
	case WM_T_BUF: {
		struct wm_scalar el = t->target;

		/* Rust's bytes (&[u8]) are numbers: only its str is text. */
		if (el.size <= 1 && (!f->sig.rust || el.kind == WM_T_CHAR)) {
			/* Bytes: escaped like a string, NULs and all. */
			if (json) {
				json__str(b, v->bytes, n);
			} else {
				esc__c_quoted(b, v->bytes, n);
				if (v->trunc)
					buf__puts(b, "...");
			}
			return true;
		}
		put_array_mem(b, f, val_pid(v), &el, n / el.size + (v->trunc ? 1 : 0), p, n,
			      v->trunc, json);
		return true;
	}
	default:
		return false;
	}
}

static void put_value_text(struct wm_buf *b, const struct wm_func *f, const struct wm_type *t,
			   const struct val *v)
{
	const char *en;

	if (v->optimized_out) {
		buf__puts(b, "<optimized out>");
		return;
	}
	if (!v->avail) {
		buf__putc(b, '?');
		return;
	}
	switch (t->kind) {
	case WM_T_ENUM:
		en = enum_name(&f->sig, t->first_enum, t->nr_enums,
			       (long long)int_value(t, v->raw));
		if (en)
			put_esc_c(b, en, WM_FIELD_NAME_MAX);
		else
			put_int(b, t, v->raw);
		return;
	case WM_T_FUNCPTR:
		put_code_text(b, f, val_pid(v), v->raw);
		return;
	case WM_T_STRUCT:
		if (!put_deref(b, f, t, v, false))
			buf__putc(b, '?');
		return;
	case WM_T_PTR:
	case WM_T_BUF:
		if (!v->raw) {
			buf__puts(b, "NULL");
		} else if (v->py && v->bytes && v->len > 0) {
			pyvalue__repr(b, v->bytes, v->len);
		} else if (!put_deref(b, f, t, v, false)) {
			put_hex(b, v->raw);
			if (v->len == WM_STR_FAULT)
				buf__puts(b, "<unreadable>");
		}
		return;
	default:
		format__value_text(b, t, v->raw, v->bytes, v->len, v->trunc);
		return;
	}
}

/* Kinds put_value_text() hands to format__value_text() as they are, once the value is known. */
static bool value_is_plain(enum wm_type_kind kind)
{
	return kind == WM_T_INT || kind == WM_T_BOOL || kind == WM_T_CHAR || kind == WM_T_STR ||
	       kind == WM_T_UNKNOWN;
}

/*
 * Such a value as param_get() or ret_get() leave it, from the register it
 * came in and its slot: the fields these kinds are shown from.
 */
static void plain_get(const struct wm_call_view *c, __u64 raw, int slot, struct val *v)
{
	v->avail = true;
	v->optimized_out = false;
	v->py = false;
	v->out = false;
	v->c = c;
	v->raw = raw;
	slot_get(c, slot, v);
}

static void put_plain_value_text(struct wm_buf *b, const struct wm_type *t, __u64 raw,
				 const struct wm_call_view *c, int slot)
{
	struct val v;

	slot_get(c, slot, &v);
	format__value_text(b, t, raw, v.bytes, v.len, v.trunc);
}

/*
 * Parameter i's value is what param_get() makes of its register alone: no
 * DWARF pieces, not optimized out, not a struct. Then it is shown straight
 * from the register and its entry slot.
 */
static void direct_make(const struct wm_func *f, int i, struct fmt_direct *d)
{
	int idx = f->plan.val[i];

	d->val = d->slot = -1;
	if (!value_is_plain(f->sig.params[i].type.kind) || f->plan.loc[i].optimized_out ||
	    f->plan.loc[i].nr || idx < 0 || idx >= WM_MAX_VALS)
		return;
	d->val = idx;
	d->slot = f->plan.entry_slot[i];
}

void format__signal(struct wm_buf *b, int sig)
{
	const char *abbrev = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		buf__printf(b, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		buf__printf(b, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		buf__printf(b, "signal %d", sig);
}

static void put_unfinished_text(struct wm_buf *b, const struct wm_call_view *c)
{
	__u16 flags = c->hdr.flags;

	if (flags & WM_F_KILLED) {
		buf__puts(b, "<unfinished: killed by ");
		format__signal(b, c->hdr.signo);
		buf__putc(b, '>');
	} else if (flags & WM_F_THREAD_EXIT) {
		buf__puts(b, "<unfinished: thread exited>");
	} else if (flags & WM_F_STACK_SWITCH) {
		buf__puts(b, "<unfinished: stack switched>");
	} else if (flags & WM_F_ABANDONED) {
		buf__puts(b, "<unfinished: abandoned (longjmp or stack switch)>");
	} else if (flags & WM_F_EXEC) {
		buf__puts(b, "<unfinished: exec>");
	} else if (flags & WM_F_RUNNING) {
		buf__puts(b, "<unfinished: still running>");
	} else {
		buf__puts(b, "<unfinished>");
	}
}

/* The out-parameters read again at return: " -> out=12, st={...}". */
static void put_outs_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	bool first = true;
	struct val v;
	int i;

	for (i = 0; i < sig_nr_params(&f->sig); i++) {
		const struct wm_param *p = &f->sig.params[i];

		if (f->plan.out_slot[i] < 0)
			continue;
		param_get(f, c, i, true, &v);
		if (!v.avail || !v.raw)
			continue;
		buf__puts(b, first ? " -> " : ", ");
		first = false;
		if (p->name[0]) {
			put_esc_c(b, p->name, sizeof(p->name));
			buf__putc(b, '=');
		} else {
			buf__printf(b, "arg%d=", i);
		}
		if (!put_deref(b, f, &p->type, &v, false))
			buf__puts(b, "<unreadable>");
	}
}

/*
 * The errno a -errno style result names: -2 reads ENOENT. -1 is left alone:
 * it is far more often "failed, see errno" than -EPERM.
 */
static const char *ret_errno(const struct wm_func *f, const struct wm_call_view *c)
{
	const struct wm_type *t = f ? &f->sig.ret : NULL;
	long long v;

	if (!t || !(c->hdr.flags & WM_F_ERROR))
		return NULL;
	if (t->kind == WM_T_UNKNOWN)
		v = (long long)c->hdr.ret;
	else if (t->kind == WM_T_INT && t->is_signed)
		v = (long long)int_value(t, c->hdr.ret);
	else
		return NULL;
	if (v > -2 || v < -4095)
		return NULL;
	return format__errno_name(-v);
}

/* The thread's errno a failing call left (WM_F_ERRNO), 0 when it was not read. */
static int call_errno(const struct wm_call_view *c)
{
	return c->hdr.kind == WM_REC_CALL && (c->hdr.flags & WM_F_ERRNO) ? c->hdr.uerrno : 0;
}

void format__errno_text(struct wm_buf *b, int e)
{
	const char *en = format__errno_name(e);

	if (e <= 0)
		return;
	if (en)
		buf__printf(b, " %s", en);
	else
		buf__printf(b, " errno=%d", e);
}

/* A raised call's exception type, escaped for the terminal. */
static void put_exc_type(struct wm_buf *b, const struct wm_call_view *c)
{
	const char *t = c->exc_type ? c->exc_type : "?";

	esc__c(b, t, strlen(t));
}

/* The command name BPF read (the kernel's, not NUL-terminated when full), escaped. */
static void put_comm(struct wm_buf *b, const struct wm_call *hdr)
{
	size_t n = strnlen(hdr->comm, sizeof(hdr->comm));

	if (n)
		esc__c(b, hdr->comm, n);
	else
		buf__putc(b, '?');
}

/* --stack's lines, when the function has them. */
static inline void put_stack_text(struct wm_buf *b, const struct wm_func *f,
				  const struct wm_call_view *c)
{
	if (f && f->plan.stack_slot >= 0)
		format__stack_text(b, f, c);
}

static void call_text(struct wm_buf *b, const struct fmt_entry *e, const struct wm_func *f,
		      const struct wm_call_view *c, const struct wm_fmt_opts *o,
		      struct wm_text_parts *parts)
{
	struct wm_text_parts dummy;
	const struct wm_param *p;
	size_t start = b->len;
	const char *en;
	struct val v;
	int i;

	if (!parts)
		parts = &dummy;
	timefmt__clock(b, c->ts_real_ns, o && o->utc, true);
	parts->ts_end = b->len - start;
	if (o && o->pid) {
		buf__putc(b, ' ');
		buf__u64(b, c->hdr.pid);
	}
	if (o && o->comm) {
		buf__putc(b, ' ');
		put_comm(b, &c->hdr);
	}
	put_tid_text(b, c->hdr.tid);
	parts->head_end = b->len - start;
	if (e)
		put_piece(b, e, P_NAME_TEXT);
	else
		put_text_name(b, f);
	parts->name_end = b->len - start;
	buf__putc(b, '(');
	if (sig_is_go(f)) {
		buf__puts(b, "...");
	} else if (sig_is_py(f)) {
		put_py_args_text(b, f, c);
	} else if (sig_is_raw(f)) {
		for (i = 0; i < WM_MAX_ARGS; i++) {
			if (i)
				buf__puts(b, ", ");
			put_hex(b, c->hdr.args[i]);
		}
	} else {
		for (i = 0; i < sig_nr_params(&f->sig); i++) {
			p = &f->sig.params[i];
			if (e)
				put_piece(b, e, P_PARAMS + 2 * i);
			else
				put_text_param(b, f, i);
			if (e && e->direct[i].val >= 0) {
				put_plain_value_text(b, &p->type, c->hdr.args[e->direct[i].val], c,
						     e->direct[i].slot);
				continue;
			}
			param_get(f, c, i, false, &v);
			put_value_text(b, f, &p->type, &v);
		}
	}
	buf__putc(b, ')');
	parts->args_end = b->len - start;

	if (c->hdr.kind == WM_REC_UNFINISHED) {
		buf__puts(b, " = ? ");
		put_unfinished_text(b, c);
		buf__putc(b, '\n');
		put_stack_text(b, f, c);
		return;
	}
	/* --returns=none: the entry is all there is. */
	if (c->hdr.flags & WM_F_ENTRY_ONLY) {
		if (c->hdr.flags & WM_F_ERROR)
			buf__puts(b, " [error]");
		buf__putc(b, '\n');
		put_stack_text(b, f, c);
		return;
	}
	/* Ended by an exception: no result; the type (a Python one's value: ValueError('bad')). */
	if (c->hdr.flags & WM_F_RAISED) {
		buf__puts(b, " raised ");
		if (sig_is_py(f) && py_values(c) && c->str_len[WM_PY_RES_SLOT] > 0 &&
		    c->str[WM_PY_RES_SLOT])
			pyvalue__raised_repr(b, c->str[WM_PY_RES_SLOT], c->str_len[WM_PY_RES_SLOT],
					     c->exc_type);
		else
			put_exc_type(b, c);
		buf__puts(b, "  <");
		format__duration(b, c->hdr.latency_ns);
		buf__puts(b, ">\n");
		put_stack_text(b, f, c);
		return;
	}
	/* Ended by a jump to another function: the result is the callee's. */
	if (c->hdr.flags & WM_F_TAIL_CALL) {
		buf__puts(b, " = <tail call>  <");
		format__duration(b, c->hdr.latency_ns);
		buf__puts(b, ">\n");
		put_stack_text(b, f, c);
		return;
	}
	if (sig_is_go(f)) {
		buf__puts(b, " = ?");
	} else if (sig_is_py(f) && (c->hdr.flags & WM_F_PY_YIELD)) {
		/* A generator's resume that ended in a yield: the value's type when it was read. */
		buf__puts(b, " yielded");
		if (c->str_len[WM_PY_RES_SLOT] >= 0) {
			buf__putc(b, ' ');
			put_py_obj_text(b, c, WM_PY_RES_SLOT);
		}
	} else if (sig_is_py(f)) {
		buf__puts(b, " = ");
		put_py_obj_text(b, c, WM_PY_RES_SLOT);
	} else if (sig_is_raw(f)) {
		buf__puts(b, " = ");
		put_hex(b, c->hdr.ret);
	} else if (value_is_plain(f->sig.ret.kind)) {
		buf__puts(b, " = ");
		put_plain_value_text(b, &f->sig.ret, c->hdr.ret, c, f->plan.ret_slot);
	} else if (f->sig.ret.kind != WM_T_VOID) {
		buf__puts(b, " = ");
		ret_get(f, c, &v);
		put_value_text(b, f, &f->sig.ret, &v);
	}
	en = ret_errno(f, c);
	if (en) {
		buf__putc(b, ' ');
		buf__puts(b, en);
	}
	format__errno_text(b, call_errno(c));
	if (c->hdr.flags & WM_F_ERROR)
		buf__puts(b, " [error]");
	if (!sig_is_raw(f))
		put_outs_text(b, f, c);
	buf__puts(b, "  <");
	format__duration(b, c->hdr.latency_ns);
	buf__puts(b, ">\n");
	put_stack_text(b, f, c);
}

void format__call_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c,
		       const struct wm_fmt_opts *o)
{
	call_text(b, NULL, f, c, o, NULL);
}

void format__call_text_parts(struct wm_buf *b, const struct wm_func *f,
			     const struct wm_call_view *c, const struct wm_fmt_opts *o,
			     struct wm_text_parts *parts)
{
	call_text(b, NULL, f, c, o, parts);
}

/* The frames of the --stack slot; the first is the traced function itself. */
static int stack_frames(const struct wm_func *f, const struct wm_call_view *c, const char **ips)
{
	int slot = f ? f->plan.stack_slot : -1;

	if (slot < 0 || slot >= WM_NR_SLOTS || c->str_len[slot] < 8 || !c->str[slot])
		return 0;
	__u64 ip = 0;
	int n = c->str_len[slot] / 8;

	*ips = c->str[slot];
	/* The kernel ends a short stack with zeros. */
	while (n > 0 && (memcpy(&ip, *ips + (n - 1) * 8, 8), !ip))
		n--;
	return n;
}

/*
 * The next frame of a Python call's stack slot (lang/python/pystack.h:
 * "function\0file\0line\0" each): false at the end.
 */
static bool py_frame(const struct wm_call_view *c, int *at, const char **fn, const char **file,
		     const char **line)
{
	const char *p = c->str[WM_PY_STACK_SLOT], *s[3];
	int n = c->str_len[WM_PY_STACK_SLOT];

	for (int k = 0; k < 3; k++) {
		const char *z = *at < n ? memchr(p + *at, '\0', n - *at) : NULL;

		if (!z)
			return false;
		s[k] = p + *at;
		*at = z - p + 1;
	}
	*fn = s[0];
	*file = s[1];
	*line = s[2];
	return true;
}

static bool py_stack(const struct wm_func *f, const struct wm_call_view *c)
{
	return sig_is_py(f) && f->plan.stack_slot == WM_PY_STACK_SLOT &&
	       c->str_len[WM_PY_STACK_SLOT] > 0 && c->str[WM_PY_STACK_SLOT];
}

void format__stack_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	const char *sym, *obj, *ips, *file, *line;
	unsigned long off;
	__u64 ip;
	int n = stack_frames(f, c, &ips), at = 0;

	if (py_stack(f, c)) {
		while (py_frame(c, &at, &sym, &file, &line)) {
			buf__puts(b, "    at ");
			put_esc_c(b, sym, 4096);
			buf__puts(b, " (");
			put_esc_c(b, file, 4096);
			if (line[0]) {
				buf__putc(b, ':');
				buf__puts(b, line);
			}
			buf__puts(b, ")\n");
		}
		return;
	}

	for (int i = 0; i < n; i++) {
		memcpy(&ip, ips + i * 8, sizeof(ip));
		buf__puts(b, "    at ");
		/* Frames past the first are return addresses. */
		if (!code_lookup(f, c->hdr.pid, ip, i > 0, &sym, &off, &obj)) {
			put_esc_c(b, sym, 256);
			if (off)
				buf__printf(b, "+0x%lx", off);
		} else {
			put_hex(b, ip);
		}
		buf__puts(b, " (");
		if (obj && obj[0])
			put_esc_c(b, obj, 4096);
		else
			buf__putc(b, '?');
		buf__puts(b, ")\n");
	}
}

void format__stack_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	const char *sym, *obj, *ips, *file, *line;
	unsigned long off;
	__u64 ip;
	int n = stack_frames(f, c, &ips), at = 0;

	buf__putc(b, '[');
	for (int i = 0; py_stack(f, c) && py_frame(c, &at, &sym, &file, &line); i++) {
		buf__puts(b, i ? ",{\"function\":" : "{\"function\":");
		json__str(b, sym, strlen(sym));
		buf__puts(b, ",\"file\":");
		json__str(b, file, strlen(file));
		if (line[0]) {
			buf__puts(b, ",\"line\":");
			buf__puts(b, line);
		}
		buf__putc(b, '}');
	}
	if (sig_is_py(f))
		n = 0;
	for (int i = 0; i < n; i++) {
		memcpy(&ip, ips + i * 8, sizeof(ip));
		buf__printf(b, "%s{\"addr\":\"0x%llx\"", i ? "," : "", (unsigned long long)ip);
		/* Frames past the first are return addresses. */
		if (!code_lookup(f, c->hdr.pid, ip, i > 0, &sym, &off, &obj)) {
			buf__puts(b, ",\"symbol\":");
			json__str(b, sym, strnlen(sym, 256));
			buf__printf(b, ",\"offset\":%lu", off);
		}
		if (obj && obj[0]) {
			buf__puts(b, ",\"object\":");
			json__str(b, obj, strnlen(obj, 4096));
		}
		buf__putc(b, '}');
	}
	buf__putc(b, ']');
}

/* A spelling for types the signature left unnamed. */
static const char *type_fallback_name(enum wm_type_kind kind)
{
	switch (kind) {
	case WM_T_VOID:
		return "void";
	case WM_T_INT:
		return "int";
	case WM_T_BOOL:
		return "_Bool";
	case WM_T_CHAR:
		return "char";
	case WM_T_PTR:
		return "void *";
	case WM_T_STR:
		return "char *";
	case WM_T_FLOAT:
		return "double";
	case WM_T_ENUM:
		return "enum";
	case WM_T_FUNCPTR:
		return "void (*)()";
	case WM_T_STRUCT:
		return "struct";
	case WM_T_BUF:
		return "void *";
	case WM_T_UNKNOWN:
	default:
		return "unknown";
	}
}

static void put_json_type(struct wm_buf *b, const struct wm_type *t)
{
	size_t n = strnlen(t->name, sizeof(t->name));

	buf__puts(b, "\"type\":");
	if (n)
		json__str(b, t->name, n);
	else
		json__str(b, type_fallback_name(t->kind), strlen(type_fallback_name(t->kind)));
}

static void put_json_hex(struct wm_buf *b, __u64 raw)
{
	buf__put(b, "\"0x", 3);
	buf__hex(b, raw);
	buf__putc(b, '"');
}

/* What follows the `"type":...` of a value: `,"value":...` and the markers some values need. */
static void put_json_value(struct wm_buf *b, const struct wm_func *f, const struct wm_type *t,
			   const struct val *v)
{
	const char *en;
	__u64 raw;
	char ch;

	if (v->optimized_out) {
		buf__puts(b, ",\"value\":null,\"optimized_out\":true");
		return;
	}
	if (!v->avail || t->kind == WM_T_FLOAT || t->kind == WM_T_VOID) {
		buf__puts(b, ",\"value\":null,\"unavailable\":true");
		return;
	}
	raw = v->raw;
	buf__puts(b, ",\"value\":");
	switch (t->kind) {
	case WM_T_INT:
		put_int(b, t, raw);
		break;
	case WM_T_ENUM:
		put_int(b, t, raw);
		en = enum_name(&f->sig, t->first_enum, t->nr_enums, (long long)int_value(t, raw));
		if (en) {
			buf__puts(b, ",\"enum\":");
			json__str(b, en, strnlen(en, WM_FIELD_NAME_MAX));
		}
		break;
	case WM_T_BOOL:
		buf__puts(b, raw & 0xff ? "true" : "false");
		break;
	case WM_T_CHAR:
		ch = (char)(raw & 0xff);
		json__str(b, &ch, 1);
		break;
	case WM_T_STRUCT:
		if (!put_deref(b, f, t, v, true))
			buf__puts(b, "null,\"unavailable\":true");
		break;
	case WM_T_FUNCPTR:
	case WM_T_PTR:
	case WM_T_BUF:
		if (!raw) {
			buf__puts(b, "null");
			break;
		}
		if (v->py && v->bytes && v->len > 0) {
			pyvalue__json(b, v->bytes, v->len);
			buf__puts(b, ",\"pointer\":");
			put_json_hex(b, raw);
			if (f->plan.py_snapshots) {
				buf__puts(b, ",\"snapshot\":\"");
				for (int i = 0; i < v->len; i++)
					buf__printf(b, "%02x", (unsigned char)v->bytes[i]);
				buf__putc(b, '"');
			}
			break;
		}
		put_json_hex(b, raw);
		if (t->kind == WM_T_FUNCPTR) {
			const char *sym, *obj;
			unsigned long off;

			if (!code_lookup(f, val_pid(v), raw, false, &sym, &off, &obj)) {
				buf__puts(b, ",\"symbol\":");
				json__str(b, sym, strnlen(sym, 256));
				if (off)
					buf__printf(b, ",\"offset\":%lu", off);
			}
		}
		if (v->bytes && v->len >= 0) {
			buf__puts(b, ",\"deref\":");
			put_deref(b, f, t, v, true);
			if (v->trunc)
				buf__puts(b, ",\"truncated\":true");
		} else if (v->len == WM_STR_FAULT) {
			buf__puts(b, ",\"error\":\"unreadable\"");
		}
		break;
	case WM_T_STR:
		if (!raw) {
			buf__puts(b, "null");
		} else if (v->len >= 0 && v->bytes) {
			json__str(b, v->bytes, v->len);
			if (v->trunc)
				buf__puts(b, ",\"truncated\":true");
		} else {
			buf__puts(b, "null,\"pointer\":");
			put_json_hex(b, raw);
			buf__puts(b, ",\"error\":\"unreadable\"");
		}
		break;
	case WM_T_UNKNOWN:
	default:
		put_json_hex(b, raw);
		break;
	}
}

const char *format__unfinished_name(__u16 flags)
{
	if (flags & WM_F_KILLED)
		return "killed";
	if (flags & WM_F_THREAD_EXIT)
		return "thread_exit";
	if (flags & WM_F_STACK_SWITCH)
		return "stack_switch";
	if (flags & WM_F_ABANDONED)
		return "abandoned";
	if (flags & WM_F_EXEC)
		return "exec";
	if (flags & WM_F_RUNNING)
		return "running";
	return "unknown";
}

static void args_json(struct wm_buf *b, const struct fmt_entry *e, const struct wm_func *f,
		      const struct wm_call_view *c)
{
	const struct wm_param *p;
	struct val v;
	int i;

	buf__putc(b, '[');
	if (sig_is_py(f)) {
		for (i = 0; i < sig_nr_params(&f->sig); i++) {
			p = &f->sig.params[i];
			buf__puts(b, i ? ",{\"name\":" : "{\"name\":");
			json__str(b, p->name, strnlen(p->name, sizeof(p->name)));
			buf__putc(b, ',');
			/* Not carried by the record: not null, which would read as None. */
			if (i >= WM_PY_MAX_PARAMS) {
				buf__puts(b, "\"not_captured\":true}");
				continue;
			}
			put_py_obj_json(b, c, i);
			buf__putc(b, '}');
		}
	} else if (sig_is_raw(f)) {
		for (i = 0; i < WM_MAX_ARGS; i++) {
			buf__puts(b, i ? ",{" : "{");
			put_json_type(b, &raw_type);
			buf__puts(b, ",\"value\":");
			put_json_hex(b, c->hdr.args[i]);
			buf__putc(b, '}');
		}
	} else {
		for (i = 0; i < sig_nr_params(&f->sig); i++) {
			p = &f->sig.params[i];
			if (e)
				put_piece(b, e, P_PARAMS + 2 * i + 1);
			else
				put_json_param(b, f, i);
			if (e && e->direct[i].val >= 0)
				plain_get(c, c->hdr.args[e->direct[i].val], e->direct[i].slot, &v);
			else
				param_get(f, c, i, false, &v);
			put_json_value(b, f, &p->type, &v);
			/* Read again at return: what the call left there. */
			if (c->hdr.kind == WM_REC_CALL && f->plan.out_slot[i] >= 0) {
				param_get(f, c, i, true, &v);
				if (v.avail && v.raw) {
					buf__puts(b, ",\"out\":");
					if (!put_deref(b, f, &p->type, &v, true))
						buf__puts(b, "null,\"out_error\":\"unreadable\"");
					else if (v.trunc)
						buf__puts(b, ",\"out_truncated\":true");
				}
			}
			buf__putc(b, '}');
		}
	}
	buf__putc(b, ']');
}

void format__args_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	args_json(b, NULL, f, c);
}

static void result_json(struct wm_buf *b, const struct fmt_entry *e, const struct wm_func *f,
			const struct wm_call_view *c)
{
	struct val v;

	buf__putc(b, '{');
	if (sig_is_py(f)) {
		put_py_obj_json(b, c, WM_PY_RES_SLOT);
	} else if (sig_is_raw(f)) {
		put_json_type(b, &raw_type);
		buf__puts(b, ",\"value\":");
		put_json_hex(b, c->hdr.ret);
	} else {
		if (e)
			put_piece(b, e, P_RESULT_JSON);
		else
			put_json_type(b, &f->sig.ret);
		if (value_is_plain(f->sig.ret.kind)) {
			plain_get(c, c->hdr.ret, f->plan.ret_slot, &v);
			put_json_value(b, f, &f->sig.ret, &v);
		} else if (f->sig.ret.kind != WM_T_VOID) {
			ret_get(f, c, &v);
			put_json_value(b, f, &f->sig.ret, &v);
		}
	}
	if (call_errno(c)) {
		const char *en = format__errno_name(call_errno(c));

		buf__puts(b, ",\"errno\":");
		if (en)
			json__str(b, en, strlen(en));
		else
			buf__puts(b, "null");
		buf__printf(b, ",\"errno_value\":%d", call_errno(c));
	}
	buf__putc(b, '}');
}

void format__result_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	result_json(b, NULL, f, c);
}

void format__error_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	const char *en = call_errno(c) ? format__errno_name(call_errno(c)) : ret_errno(f, c);

	/* A Python exception: its type, and str() of it where its value was read. */
	if (sig_is_py(f) && (c->hdr.flags & WM_F_RAISED)) {
		const char *t = c->exc_type ? c->exc_type : "?";
		struct wm_buf type = {}, msg = {};

		buf__puts(b, "{\"type\":");
		json__str(b, t, strlen(t));
		buf__puts(b, ",\"message\":");
		if (py_values(c) && c->str_len[WM_PY_RES_SLOT] > 0 && c->str[WM_PY_RES_SLOT] &&
		    !pyvalue__exc(c->str[WM_PY_RES_SLOT], c->str_len[WM_PY_RES_SLOT], c->exc_type,
				  &type, &msg, NULL) &&
		    !msg.err)
			json__str(b, msg.p ? msg.p : "", msg.len);
		else
			buf__puts(b, "null");
		buf__free(&type);
		buf__free(&msg);
		buf__putc(b, '}');
		return;
	}
	buf__puts(b, "{\"expr\":");
	/*
	 * One shape for every error: "expr" names the --error expression
	 * that matched (null: none did), "errno" the result's errno name,
	 * "type" the C++ exception that ended the call.
	 */
	if (c->hdr.flags & WM_F_RAISED) {
		const char *t = c->exc_type ? c->exc_type : "?";

		buf__puts(b, "null,\"type\":");
		json__str(b, t, strlen(t));
		buf__putc(b, '}');
		return;
	}
	if (f && f->error_expr && f->error_expr[0])
		json__str(b, f->error_expr, strlen(f->error_expr));
	else
		buf__puts(b, "null");
	if (en) {
		buf__puts(b, ",\"errno\":");
		json__str(b, en, strlen(en));
	}
	buf__putc(b, '}');
}

/* A literal key and v's digits, in one piece: ,"latency_ns":1200 */
#define put_key_u64(b, key, v) put_key_u64_n(b, key, sizeof(key) - 1, v)

static inline __attribute__((always_inline)) void put_key_u64_n(struct wm_buf *b, const char *key,
								size_t n, __u64 v)
{
	char *d = buf__room(b, n + 20);

	if (!d)
		return;
	memcpy(d, key, n);
	buf__commit(b, n + buf__u64_at(d + n, v));
}

static void put_latency_json(struct wm_buf *b, const struct wm_call_view *c)
{
	put_key_u64(b, ",\"latency_ns\":", c->hdr.latency_ns);
}

static void call_json(struct wm_buf *b, const struct fmt_entry *e, const struct wm_func *f,
		      const struct wm_call_view *c)
{
	buf__put(b, "{\"ts\":\"", 7);
	timefmt__iso(b, c->ts_real_ns, true, true);
	put_key_u64(b, "\",\"pid\":", c->hdr.pid);
	/* Only when BPF read it: processes not named in advance. */
	if (c->hdr.comm[0]) {
		buf__puts(b, ",\"comm\":");
		json__str(b, c->hdr.comm, strnlen(c->hdr.comm, sizeof(c->hdr.comm)));
	}
	put_key_u64(b, ",\"tid\":", c->hdr.tid);
	if (e)
		put_piece(b, e, P_HEAD_JSON);
	else
		put_json_head(b, f);
	args_json(b, e, f, c);
	if (c->hdr.kind == WM_REC_UNFINISHED) {
		buf__printf(b, ",\"unfinished\":\"%s\"", format__unfinished_name(c->hdr.flags));
		if (c->hdr.flags & WM_F_KILLED) {
			buf__puts(b, ",\"signal\":\"");
			format__signal(b, c->hdr.signo);
			buf__putc(b, '"');
		}
	} else if (c->hdr.flags & WM_F_ENTRY_ONLY) {
		/* --returns=none: no result, no latency. */
		buf__puts(b, ",\"entry_only\":true");
		if (c->hdr.flags & WM_F_ERROR) {
			buf__puts(b, ",\"error\":");
			format__error_json(b, f, c);
		}
	} else if (c->hdr.flags & WM_F_RAISED) {
		/* Ended by an exception: no result; the latency runs to the catch. */
		buf__puts(b, ",\"error\":");
		format__error_json(b, f, c);
		put_latency_json(b, c);
	} else if (c->hdr.flags & WM_F_TAIL_CALL) {
		/* The result is the callee's; the latency runs to the jump. */
		buf__printf(b, ",\"tail_call\":true,\"latency_ns\":%llu",
			    (unsigned long long)c->hdr.latency_ns);
	} else {
		if (sig_is_py(f) && (c->hdr.flags & WM_F_PY_YIELD))
			buf__puts(b, ",\"yield\":true");
		buf__puts(b, ",\"result\":");
		result_json(b, e, f, c);
		if (c->hdr.flags & WM_F_ERROR) {
			buf__puts(b, ",\"error\":");
			format__error_json(b, f, c);
		}
		put_latency_json(b, c);
	}
	if (f && f->plan.stack_slot >= 0) {
		buf__puts(b, ",\"stack\":");
		format__stack_json(b, f, c);
	}
	put_key_u64(b, ",\"depth\":", c->hdr.depth);
	buf__put(b, "}\n", 2);
}

void format__call_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	call_json(b, NULL, f, c);
}

/* Function ids past this are formatted without a cache entry: no id is near it. */
#define FMT_CACHE_MAX_ID (1U << 20)

int fmt_cache__new(struct wm_fmt_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void fmt_cache__free(struct wm_fmt_cache *fc)
{
	if (!fc)
		return;
	for (size_t i = 0; i < fc->nr; i++) {
		buf__free(&fc->ents[i].text);
		free(fc->ents[i].pieces);
		free(fc->ents[i].direct);
	}
	free(fc->ents);
	free(fc);
}

static int entry_make(struct fmt_entry *e, const struct wm_func *f)
{
	int nr = P_PARAMS + 2 * sig_nr_params(&f->sig), i;
	struct fmt_direct *d;
	struct fmt_piece *pc;
	size_t off;

	e->f = NULL;
	pc = realloc(e->pieces, nr * sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	e->pieces = pc;
	e->nr_pieces = nr;
	d = realloc(e->direct, (sig_nr_params(&f->sig) + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	e->direct = d;
	for (i = 0; i < sig_nr_params(&f->sig); i++)
		direct_make(f, i, &d[i]);
	buf__reset(&e->text);
	for (i = 0; i < nr; i++) {
		off = e->text.len;
		if (i == P_NAME_TEXT)
			put_text_name(&e->text, f);
		else if (i == P_HEAD_JSON)
			put_json_head(&e->text, f);
		else if (i == P_RESULT_JSON)
			put_json_type(&e->text, &f->sig.ret);
		else if ((i - P_PARAMS) % 2 == 0)
			put_text_param(&e->text, f, (i - P_PARAMS) / 2);
		else
			put_json_param(&e->text, f, (i - P_PARAMS) / 2);
		pc[i].off = off;
		pc[i].len = e->text.len - off;
	}
	buf__put(&e->text, (const char[PIECE_COPY]){ 0 }, PIECE_COPY);
	if (e->text.err || e->text.len > UINT_MAX)
		return -ENOMEM;
	e->f = f;
	return 0;
}

/* f's entry, made if it has none yet; NULL when it cannot be (the pieces are then made in line). */
static const struct fmt_entry *fmt_cache__get(struct wm_fmt_cache *fc, const struct wm_func *f)
{
	struct fmt_entry *e;

	if (!fc || !f)
		return NULL;
	if (f->id < fc->nr && fc->ents[f->id].f == f)
		return &fc->ents[f->id];
	if (f->id >= FMT_CACHE_MAX_ID)
		return NULL;
	if (f->id >= fc->nr) {
		if (grow__array(&fc->ents, &fc->cap, f->id + 1, sizeof(*fc->ents)))
			return NULL;
		memset(fc->ents + fc->nr, 0, (f->id + 1 - fc->nr) * sizeof(*fc->ents));
		fc->nr = f->id + 1;
	}
	e = &fc->ents[f->id];
	return entry_make(e, f) ? NULL : e;
}

void format__call_text_cached(struct wm_buf *b, struct wm_fmt_cache *fc, const struct wm_func *f,
			      const struct wm_call_view *c, const struct wm_fmt_opts *o)
{
	call_text(b, fmt_cache__get(fc, f), f, c, o, NULL);
}

void format__call_json_cached(struct wm_buf *b, struct wm_fmt_cache *fc, const struct wm_func *f,
			      const struct wm_call_view *c)
{
	call_json(b, fmt_cache__get(fc, f), f, c);
}
