// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer records, of any length and content, through the whole
 * consumer: decode, store, text and JSON formatting, summary. The kernel
 * writes these, but a decoder that trusts them turns one BPF bug into a
 * userspace memory error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/format.h"
#include "types/proto.h"
#include "probe/record.h"
#include "sinks/summary.h"
#include "store/store.h"

#define NR_FUNCS 7

static struct wm_func funcs[NR_FUNCS];
static const struct wm_object obj = { .path = "/fuzz/obj", .fd = -1 };
static struct wm_store *store;
static FILE *devnull;

/*
 * Names code addresses by their bits, so the records pick every answer:
 * a symbol with or without an offset, an object alone, hostile names,
 * success without a symbol, failure.
 */
static int fake_lookup(void *ctx, __u32 pid, __u64 addr, bool ret_addr, const char **sym,
		       unsigned long *off, const char **obj)
{
	switch (addr % 6) {
	case 0:
		return -1;
	case 1:
		*sym = "twice";
		*off = addr >> 60;
		*obj = "/fuzz/obj";
		return 0;
	case 2:
		*sym = "ev\x1b[2Jil\n\xff";
		*off = ret_addr;
		*obj = "/tmp/\x07\"x";
		return 0;
	case 3:
		*sym = "";
		*obj = "/lib/libc.so.6";
		return 0;
	case 4:
		*sym = NULL;
		*obj = NULL;
		return 0;
	default:
		*sym = "s";
		*obj = "";
		return 0;
	}
}

static const struct wm_sym_hook hook = { .lookup = fake_lookup };

static struct wm_param *param(struct wm_sig *sig, const char *name, enum wm_type_kind kind,
			      unsigned int size, bool is_signed, int reg, int stack_off)
{
	struct wm_param *p = &sig->params[sig->nr_params++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->type.name, sizeof(p->type.name), "t_%s", name);
	p->type.kind = kind;
	p->type.size = size;
	p->type.is_signed = is_signed;
	p->reg = reg;
	p->nr_regs = reg >= 0;
	p->stack_off = stack_off;
	return p;
}

static struct wm_field *field(struct wm_sig *sig, struct wm_type *t, const char *name,
			      unsigned int off, enum wm_type_kind kind, unsigned char size,
			      bool is_signed)
{
	struct wm_field *f = &sig->fields[sig->nr_fields];

	if (!t->nr_fields)
		t->first_field = sig->nr_fields;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->offset = off;
	f->type.kind = kind;
	f->type.size = size;
	f->type.is_signed = is_signed;
	sig->nr_fields++;
	t->nr_fields++;
	return f;
}

/* enum color { RED = 1, GREEN = 2, BLUE = -4 } into the pool: its first enumerator. */
static unsigned short color_enum(struct wm_sig *sig)
{
	static const struct wm_enumval colors[] = { { 1, "RED" },
						    { 2, "GREEN" },
						    { -4, "BLUE\x1b" } };
	unsigned short first = sig->nr_enums;

	memcpy(&sig->enums[first], colors, sizeof(colors));
	sig->nr_enums += 3;
	return first;
}

static void struct_of(struct wm_type *t, unsigned int size, bool is_union)
{
	t->target.kind = WM_T_STRUCT;
	t->target.size = size > 255 ? 255 : size;
	t->struct_size = size;
	t->is_union = is_union;
}

/*
 * int fill(struct item *it, enum color *c, union num *u, int *out,
 * char (*arr)[12], int (*)[3]): a struct of every member kind, a char *
 * member among them, read at entry and again at return (out-parameters),
 * with --stack.
 */
static void sig_fill(struct wm_sig *sig)
{
	struct wm_field *f;
	struct wm_param *p;
	unsigned short e = color_enum(sig);

	sig->source = WM_SIG_DWARF;
	p = param(sig, "it", WM_T_PTR, 8, false, 0, -1);
	struct_of(&p->type, 112, false);
	field(sig, &p->type, "id", 0, WM_T_INT, 4, true);
	f = field(sig, &p->type, "c", 4, WM_T_ENUM, 4, true);
	f->type.first_enum = e;
	f->type.nr_enums = 3;
	field(sig, &p->type, "on", 8, WM_T_BOOL, 1, false);
	field(sig, &p->type, "mark", 9, WM_T_CHAR, 1, true);
	field(sig, &p->type, "tag", 10, WM_T_CHAR, 1, true)->count = 6;
	field(sig, &p->type, "v", 16, WM_T_INT, 4, true)->count = 10;
	field(sig, &p->type, "a", 56, WM_T_INT, 4, false)->bit_size = 3;
	f = field(sig, &p->type, "b", 56, WM_T_INT, 4, true);
	f->bit_offset = 3;
	f->bit_size = 29;
	f = field(sig, &p->type, "c2", 60, WM_T_BOOL, 1, false);
	f->bit_offset = 7;
	f->bit_size = 1;
	field(sig, &p->type, "inner", 64, WM_T_STRUCT, 16, false);
	field(sig, &p->type, "ptr", 80, WM_T_PTR, 8, false);
	field(sig, &p->type, "name", 88, WM_T_STR, 8, false);
	field(sig, &p->type, "fn", 96, WM_T_FUNCPTR, 8, false);
	field(sig, &p->type, "d", 104, WM_T_FLOAT, 8, true);
	field(sig, &p->type, "", 100, WM_T_FLOAT, 4, true);
	field(sig, &p->type, "ld", 96, WM_T_FLOAT, 16, true);
	field(sig, &p->type, "big", 40, WM_T_INT, 16, true);
	field(sig, &p->type, "raw", 104, WM_T_UNKNOWN, 8, false);
	p = param(sig, "c", WM_T_PTR, 8, false, 1, -1);
	p->type.target = (struct wm_scalar){
		.kind = WM_T_ENUM, .size = 4, .is_signed = true, .nr_enums = 3, .first_enum = e
	};
	p = param(sig, "u", WM_T_PTR, 8, false, 2, -1);
	struct_of(&p->type, 4, true);
	field(sig, &p->type, "i", 0, WM_T_INT, 4, true);
	field(sig, &p->type, "s", 0, WM_T_INT, 2, true)->count = 2;
	field(sig, &p->type, "name", 0, WM_T_STR, 8, false);
	p = param(sig, "out", WM_T_PTR, 8, false, 3, -1);
	p->type.target = (struct wm_scalar){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	p = param(sig, "arr", WM_T_PTR, 8, false, 4, -1);
	p->type.target = (struct wm_scalar){ .kind = WM_T_CHAR, .size = 1 };
	p->type.target_count = 12;
	/* Unnamed: int v[3], shown as "arg5=" at return. */
	p = param(sig, "", WM_T_PTR, 8, false, 5, -1);
	p->type.target = (struct wm_scalar){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	p->type.target_count = 3;
	sig->ret.kind = WM_T_INT;
	sig->ret.size = 4;
	sig->ret.is_signed = true;
}

/*
 * enum color mix(struct pair p, struct sm s, long c, long d, struct pair
 * half, struct big b, long g, enum color k): structs by value in two and
 * one registers and on the stack, stack values.
 */
static void sig_mix(struct wm_sig *sig)
{
	struct wm_param *p;
	unsigned short e = color_enum(sig);

	sig->source = WM_SIG_DWARF;
	p = param(sig, "p", WM_T_STRUCT, 16, false, 0, -1);
	p->nr_regs = 2;
	p->type.struct_size = 16;
	field(sig, &p->type, "a", 0, WM_T_INT, 8, true);
	field(sig, &p->type, "name", 8, WM_T_STR, 8, false);
	p = param(sig, "s", WM_T_STRUCT, 8, false, 2, -1);
	p->type.struct_size = 8;
	field(sig, &p->type, "x", 0, WM_T_INT, 4, true);
	field(sig, &p->type, "y", 4, WM_T_INT, 2, true);
	field(sig, &p->type, "c", 6, WM_T_CHAR, 1, true);
	field(sig, &p->type, "ok", 7, WM_T_BOOL, 1, false);
	param(sig, "c", WM_T_INT, 8, true, 3, -1);
	param(sig, "d", WM_T_INT, 8, true, 4, -1);
	/* The last register holds only half of a pair: formatted as unknown. */
	p = param(sig, "half", WM_T_STRUCT, 16, false, 5, -1);
	p->nr_regs = 2;
	p->type.struct_size = 16;
	field(sig, &p->type, "a", 0, WM_T_INT, 8, true);
	p = param(sig, "b", WM_T_STRUCT, 24, false, -1, 0);
	p->type.struct_size = 24;
	field(sig, &p->type, "a", 0, WM_T_INT, 8, true);
	field(sig, &p->type, "t", 8, WM_T_CHAR, 1, true)->count = 16;
	param(sig, "g", WM_T_INT, 8, true, -1, 24);
	/* Past the stack values kept: unknown. */
	p = param(sig, "k", WM_T_ENUM, 4, true, -1, 32);
	p->type.first_enum = e;
	p->type.nr_enums = 3;
	sig->ret = p->type;
}

/*
 * long read_like(int fd, char *buf, size_t count, const int *v, size_t n,
 * int (*fn)(int)): buffers counted by the result and by a parameter, a
 * function pointer, an --error expression.
 */
static void sig_buffers(struct wm_sig *sig)
{
	struct wm_param *p;

	sig->source = WM_SIG_PROTO;
	param(sig, "fd", WM_T_INT, 4, true, 0, -1);
	p = param(sig, "buf", WM_T_BUF, 8, false, 1, -1);
	p->type.target = (struct wm_scalar){ .kind = WM_T_CHAR, .size = 1 };
	p->type.len_param = WM_LEN_RET;
	param(sig, "count", WM_T_INT, 8, false, 2, -1);
	p = param(sig, "v", WM_T_BUF, 8, false, 3, -1);
	p->type.target = (struct wm_scalar){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	p->type.target_const = true;
	p->type.len_param = 4;
	param(sig, "n", WM_T_INT, 8, false, 4, -1);
	param(sig, "fn", WM_T_FUNCPTR, 8, false, 5, -1);
	p = param(sig, "w", WM_T_BUF, 8, false, -1, 0);
	p->type.target = (struct wm_scalar){ .kind = WM_T_INT, .size = 2 };
	p->type.len_param = 4;
	p = param(sig, "raw", WM_T_BUF, 8, false, -1, 8);
	p->type.target_const = true;
	p->type.len_param = 2;
	sig->ret.kind = WM_T_INT;
	sig->ret.size = 8;
	sig->ret.is_signed = true;
}

/* struct node *next(const struct node *n): a struct pointer result, an unsigned --error. */
static void sig_node(struct wm_sig *sig)
{
	struct wm_param *p;

	sig->source = WM_SIG_DWARF;
	p = param(sig, "n", WM_T_PTR, 8, false, 0, -1);
	struct_of(&p->type, 24, false);
	p->type.target_const = true;
	field(sig, &p->type, "next", 0, WM_T_PTR, 8, false);
	field(sig, &p->type, "key", 8, WM_T_STR, 8, false);
	field(sig, &p->type, "val", 16, WM_T_INT, 8, false);
	sig->ret.kind = WM_T_PTR;
	sig->ret.size = 8;
	struct_of(&sig->ret, 24, false);
	field(sig, &sig->ret, "next", 0, WM_T_PTR, 8, false);
	field(sig, &sig->ret, "key", 8, WM_T_STR, 8, false);
}

static void sink(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_fmt_opts o = { .utc = true };
	struct wm_buf *b = ctx;

	buf__reset(b);
	format__call_text(b, f, c, &o);
	format__call_json(b, f, c);
	/* The parts the database store keeps in columns. */
	format__args_json(b, f, c);
	format__result_json(b, f, c);
	format__error_json(b, f, c);
	format__stack_json(b, f, c);
}

static void setup(void)
{
	static const char *const protos[] = {
		"char *f0(const char *a, int b, const char *c, unsigned long d, char e, void *g)",
		"_Bool f1(short a, const char *b, double c, long long d, unsigned char e, ...)",
	};
	static struct wm_buf b;
	struct wm_store_opts o = { .sz = sizeof(o), .recent = 4 };
	struct wm_sink s = { .on_call = sink, .ctx = &b };
	/* Plans as main() builds them: string size, out-parameters, --stack for some. */
	struct wm_plan_opts po = { .str_cap = 32, .out_params = true };
	struct wm_plan_opts po_stack = { .str_cap = 16, .out_params = true, .stack = true };
	struct wm_plan_opts po_noout = { .str_cap = 8, .out_params = false, .stack = true };
	char err[256];
	int i, col;

	for (i = 0; i < 2; i++)
		if (proto__parse(protos[i], &funcs[i].sig, &col, err, sizeof(err)))
			abort();
	sig__init_raw(&funcs[2].sig, "raw");
	/* Filled in place below, as fixed arrays were: room for the model's limits. */
	for (i = 3; i < NR_FUNCS; i++)
		if (sig__reserve_params(&funcs[i].sig, WM_SIG_MAX_PARAMS) ||
		    sig__reserve_fields(&funcs[i].sig, WM_SIG_MAX_FIELDS) ||
		    sig__reserve_enums(&funcs[i].sig, WM_SIG_MAX_ENUMS))
			abort();
	sig_fill(&funcs[3].sig);
	sig_mix(&funcs[4].sig);
	sig_buffers(&funcs[5].sig);
	sig_node(&funcs[6].sig);
	for (i = 0; i < NR_FUNCS; i++) {
		funcs[i].id = i;
		snprintf(funcs[i].name, sizeof(funcs[i].name), "f%d", i);
		funcs[i].object = &obj;
		plan__build(&funcs[i].sig,
			    i == 3 || i == 5 ? &po_stack :
			    i == 6	     ? &po_noout :
					       &po,
			    &funcs[i].plan);
	}
	snprintf(funcs[2].name, sizeof(funcs[2].name), "raw");
	funcs[4].syms = funcs[5].syms = funcs[3].syms = &hook;
	funcs[5].error_expr = (char *)"ret < 0 && fd != \"\x1b\"";
	funcs[6].error_expr = (char *)"ret == NULL";
	if (store__new(funcs, NR_FUNCS, &o, &store) || store__add_sink(store, &s))
		abort();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_call_view v;
	uint8_t *copy;

	if (!store)
		setup();
	/* An exact-size copy, so any read past the record is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (record__decode(copy, size, &v) == 0) {
		v.hdr.func_id %= NR_FUNCS;
		v.ts_real_ns = v.hdr.entry_ns;
		/*
		 * Notices (exec, a thrown type) carry no call: the store must
		 * refuse them, and take every call, finished or not.
		 */
		if ((store__add(store, &v) == 0) !=
		    (v.hdr.kind == WM_REC_CALL || v.hdr.kind == WM_REC_UNFINISHED))
			abort();
		summary__print(store, devnull, size & 1, v.hdr.latency_ns);
	}
	free(copy);
	return 0;
}
