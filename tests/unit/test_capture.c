// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capture plans of signatures built by hand: which bytes BPF reads, when,
 * and into which slot. The formatters find each parameter's bytes by these
 * slot numbers, and BPF fills its heap in this order, so both sides depend
 * on every number checked here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "plan/capture.h"

#define STR_CAP 64

static void sig_reset(struct wm_sig *sig)
{
	test_sig_full(sig);
	sig->source = WM_SIG_PROTO;
	sig->ret.kind = WM_T_VOID;
}

/* A parameter in register reg (-1: none), or at stack_off in the stack arguments (-1: none). */
static struct wm_param *param(struct wm_sig *sig, const char *name, enum wm_type_kind kind,
			      unsigned int size, int reg, int stack_off)
{
	struct wm_param *p = &sig->params[sig->nr_params++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type.kind = kind;
	p->type.size = size;
	p->reg = reg;
	p->nr_regs = reg >= 0;
	p->stack_off = stack_off;
	return p;
}

/* A pointer to one scalar (kind and size), const or not. */
static void ptr_to(struct wm_type *t, enum wm_type_kind kind, unsigned int size, bool is_const)
{
	t->target.kind = kind;
	t->target.size = size;
	t->target_const = is_const;
}

/* A member of the struct t is (by value, or what t points to); its pool index. */
static int field(struct wm_sig *sig, struct wm_type *t, unsigned int offset, enum wm_type_kind kind,
		 unsigned char size)
{
	struct wm_field *f = &sig->fields[sig->nr_fields];

	assert_true(sig->nr_fields < WM_SIG_MAX_FIELDS);
	if (!t->nr_fields)
		t->first_field = sig->nr_fields;
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "m%d", sig->nr_fields);
	f->offset = offset;
	f->type.kind = kind;
	f->type.size = size;
	t->nr_fields++;
	return sig->nr_fields++;
}

/* Make t (WM_T_PTR) a pointer to a struct of size bytes, members added with field(). */
static void ptr_to_struct(struct wm_type *t, unsigned int size, bool is_const)
{
	t->target.kind = WM_T_STRUCT;
	t->target.size = size > 255 ? 255 : size;
	t->target_const = is_const;
	t->struct_size = size;
}

static void build(const struct wm_sig *sig, int str_cap, bool out_params, bool stack,
		  struct wm_plan *plan)
{
	struct wm_plan_opts o = { .str_cap = str_cap, .out_params = out_params, .stack = stack };

	plan__build(sig, &o, plan);
}

/* One capture, whole. */
static void check_cap(const struct wm_plan *plan, int slot, __u8 kind, __u8 src, bool at_return,
		      __u8 len_src, __u16 size, __u16 elem_size, __u32 off, __u16 ind_off)
{
	const struct wm_cap *c;

	assert_true(slot >= 0 && slot < plan->cfg.nr_caps);
	c = &plan->cfg.caps[slot];
	if (c->kind != kind || c->src != src || c->at_return != at_return ||
	    c->len_src != len_src || c->size != size || c->elem_size != elem_size ||
	    c->off != off || c->ind_off != ind_off)
		print_error(
			"slot %d: kind %u src %u at_return %u len_src %u size %u elem %u off %u "
			"ind_off %u\n",
			slot, c->kind, c->src, c->at_return, c->len_src, c->size, c->elem_size,
			c->off, c->ind_off);
	assert_int_equal(c->kind, kind);
	assert_int_equal(c->src, src);
	assert_int_equal(c->at_return, at_return);
	assert_int_equal(c->len_src, len_src);
	assert_int_equal(c->size, size);
	assert_int_equal(c->elem_size, elem_size);
	assert_int_equal(c->off, off);
	assert_int_equal(c->ind_off, ind_off);
}

static void check_str(const struct wm_plan *plan, int slot, __u8 src, bool at_return)
{
	check_cap(plan, slot, WM_CAP_STR, src, at_return, WM_LEN_FIXED, 0, 0, 0, WM_IND_NONE);
}

static void check_mem(const struct wm_plan *plan, int slot, __u8 src, bool at_return, __u16 size)
{
	check_cap(plan, slot, WM_CAP_MEM, src, at_return, WM_LEN_FIXED, size, 0, 0, WM_IND_NONE);
}

static void check_val_slots(const struct wm_plan *plan, const int *want)
{
	for (int i = 0; i <= WM_MAX_VALS; i++)
		assert_int_equal(plan->cfg.val_slot[i], want[i] < 0 ? 0xff : want[i]);
}

/*
 * int f(const char *a, struct s *p, int *out, const char *b) returning a
 * string, struct s { int x; const char *name; const char *tag; }: the stack,
 * then what is read at entry in parameter order (each struct followed by its
 * member strings), then what is read at return, the result last.
 */
static void order_sig(struct wm_sig *sig, int *name, int *tag)
{
	struct wm_param *p;

	sig_reset(sig);
	param(sig, "a", WM_T_STR, 8, 0, -1);
	p = param(sig, "p", WM_T_PTR, 8, 1, -1);
	ptr_to_struct(&p->type, 24, false);
	field(sig, &p->type, 0, WM_T_INT, 4);
	*name = field(sig, &p->type, 8, WM_T_STR, 8);
	*tag = field(sig, &p->type, 16, WM_T_STR, 8);
	p = param(sig, "out", WM_T_PTR, 8, 2, -1);
	ptr_to(&p->type, WM_T_INT, 4, false);
	param(sig, "b", WM_T_STR, 8, 3, -1);
	sig->ret.kind = WM_T_STR;
	sig->ret.size = 8;
}

static void test_order(void **state)
{
	int vals[WM_MAX_VALS + 1];
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int name, tag, i;

	order_sig(&sig, &name, &tag);
	build(&sig, STR_CAP, true, true, &plan);
	assert_int_equal(plan.cfg.nr_caps, 9);
	assert_int_equal(plan.stack_slot, 0);
	assert_true(plan.cfg.flags & WM_FC_STACK);
	check_cap(&plan, 0, WM_CAP_STACK, 0, false, WM_LEN_FIXED, WM_STACK_MAX * 8, 0, 0,
		  WM_IND_NONE);
	check_str(&plan, 1, 0, false);
	check_mem(&plan, 2, 1, false, 24);
	check_cap(&plan, 3, WM_CAP_STR, 1, false, WM_LEN_FIXED, 0, 0, 0, 8);
	check_cap(&plan, 4, WM_CAP_STR, 1, false, WM_LEN_FIXED, 0, 0, 0, 16);
	check_str(&plan, 5, 3, false);
	check_mem(&plan, 6, 1, true, 24);
	check_mem(&plan, 7, 2, true, 4);
	check_str(&plan, 8, WM_VAL_RET, true);

	assert_int_equal(plan.entry_slot[0], 1);
	assert_int_equal(plan.entry_slot[1], 2);
	assert_int_equal(plan.entry_slot[2], -1);
	assert_int_equal(plan.entry_slot[3], 5);
	assert_int_equal(plan.out_slot[0], -1);
	assert_int_equal(plan.out_slot[1], 6);
	assert_int_equal(plan.out_slot[2], 7);
	assert_int_equal(plan.out_slot[3], -1);
	assert_int_equal(plan.field_slot[name], 3);
	assert_int_equal(plan.field_slot[tag], 4);
	for (i = 0; i < WM_SIG_MAX_FIELDS; i++)
		if (i != name && i != tag)
			assert_int_equal(plan.field_slot[i], -1);
	assert_int_equal(plan.ret_slot, 8);
	for (i = 0; i < 4; i++)
		assert_int_equal(plan.val[i], i);
	assert_int_equal(plan.cfg.nr_stack, 0);
	assert_int_equal(plan.data_max, WM_STACK_MAX * 8 + 5 * STR_CAP + 2 * 24 + 4);
	assert_int_equal(plan.nr_dropped, 0);
	/* Expressions compare the strings of values 0, 3 and the result; never a member's. */
	for (i = 0; i <= WM_MAX_VALS; i++)
		vals[i] = -1;
	vals[0] = 1;
	vals[3] = 5;
	vals[WM_VAL_RET] = 8;
	check_val_slots(&plan, vals);

	/* Without --stack, the same one slot earlier. */
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 8);
	assert_int_equal(plan.stack_slot, -1);
	assert_false(plan.cfg.flags & WM_FC_STACK);
	check_str(&plan, 0, 0, false);
	check_mem(&plan, 1, 1, false, 24);
	check_cap(&plan, 2, WM_CAP_STR, 1, false, WM_LEN_FIXED, 0, 0, 0, 8);
	check_mem(&plan, 5, 1, true, 24);
	check_str(&plan, 7, WM_VAL_RET, true);
	assert_int_equal(plan.field_slot[tag], 3);
	assert_int_equal(plan.ret_slot, 7);
	assert_int_equal(plan.data_max, 5 * STR_CAP + 2 * 24 + 4);

	/* No out-parameters: nothing read at return but the result. */
	build(&sig, STR_CAP, false, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 7);
	check_mem(&plan, 1, 1, false, 24);
	check_mem(&plan, 4, 2, false, 4);
	check_str(&plan, 5, 3, false);
	check_str(&plan, 6, WM_VAL_RET, true);
	for (i = 0; i < 4; i++)
		assert_int_equal(plan.out_slot[i], -1);
	assert_int_equal(plan.entry_slot[2], 4);

	/* NULL options: the defaults (64-byte strings, out-parameters, no stack). */
	plan__build(&sig, NULL, &plan);
	assert_int_equal(plan.cfg.nr_caps, 8);
	assert_int_equal(plan.out_slot[2], 6);
	assert_int_equal(plan.data_max, 5 * 64 + 2 * 24 + 4);
	sig__free(&sig);
}

/* Nothing known: nothing read, and no value is a parameter's. */
static void test_raw(void **state)
{
	int vals[WM_MAX_VALS + 1];
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int i;

	sig__init_raw(&sig, "blob");
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 0);
	assert_int_equal(plan.cfg.nr_stack, 0);
	assert_int_equal(plan.ret_slot, -1);
	assert_int_equal(plan.data_max, 0);
	for (i = 0; i < WM_SIG_MAX_PARAMS; i++) {
		assert_int_equal(plan.val[i], -1);
		assert_int_equal(plan.entry_slot[i], -1);
		assert_int_equal(plan.out_slot[i], -1);
	}
	for (i = 0; i <= WM_MAX_VALS; i++)
		vals[i] = -1;
	check_val_slots(&plan, vals);
	/* --stack still takes its slot. */
	build(&sig, STR_CAP, true, true, &plan);
	assert_int_equal(plan.cfg.nr_caps, 1);
	assert_int_equal(plan.stack_slot, 0);
	assert_int_equal(plan.data_max, WM_STACK_MAX * 8);
	sig__free(&sig);
}

static void test_pointers(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };

	sig_reset(&sig);
	p = param(&sig, "cs", WM_T_PTR, 8, 0, -1); /* const struct s * (12 bytes) */
	ptr_to_struct(&p->type, 12, true);
	field(&sig, &p->type, 0, WM_T_INT, 4);
	p = param(&sig, "ci", WM_T_PTR, 8, 1, -1); /* const int * */
	ptr_to(&p->type, WM_T_INT, 4, true);
	p = param(&sig, "v", WM_T_PTR, 8, 2, -1); /* void * */
	ptr_to(&p->type, WM_T_VOID, 0, false);
	p = param(&sig, "o", WM_T_PTR, 8, 3, -1); /* struct opaque * */
	ptr_to(&p->type, WM_T_UNKNOWN, 0, false);
	p = param(&sig, "arr", WM_T_PTR, 8, 4, -1); /* short v[4] */
	ptr_to(&p->type, WM_T_INT, 2, false);
	p->type.target_count = 4;
	p = param(&sig, "big", WM_T_PTR, 8, 5, -1); /* struct big * (2000 bytes) */
	ptr_to_struct(&p->type, 2000, false);
	field(&sig, &p->type, 0, WM_T_INT, 8);
	p = param(&sig, "e", WM_T_PTR, 8, -1, 0); /* enum e * on the stack */
	ptr_to(&p->type, WM_T_ENUM, 4, false);

	build(&sig, STR_CAP, true, false, &plan);
	/* Entry: the const ones, the array, the struct (clamped). Return: the non-const ones. */
	assert_int_equal(plan.cfg.nr_caps, 7);
	check_mem(&plan, 0, 0, false, 12);
	check_mem(&plan, 1, 1, false, 4);
	check_mem(&plan, 2, 4, false, 8);
	check_mem(&plan, 3, 5, false, WM_MEM_MAX);
	check_mem(&plan, 4, 4, true, 8);
	check_mem(&plan, 5, 5, true, WM_MEM_MAX);
	check_mem(&plan, 6, WM_MAX_ARGS, true, 4);
	assert_int_equal(plan.entry_slot[0], 0);
	assert_int_equal(plan.out_slot[0], -1);
	assert_int_equal(plan.entry_slot[1], 1);
	assert_int_equal(plan.out_slot[1], -1);
	assert_int_equal(plan.entry_slot[2], -1);
	assert_int_equal(plan.out_slot[2], -1);
	assert_int_equal(plan.entry_slot[3], -1);
	assert_int_equal(plan.out_slot[3], -1);
	assert_int_equal(plan.entry_slot[4], 2);
	assert_int_equal(plan.out_slot[4], 4);
	assert_int_equal(plan.entry_slot[5], 3);
	assert_int_equal(plan.out_slot[5], 5);
	assert_int_equal(plan.entry_slot[6], -1);
	assert_int_equal(plan.out_slot[6], 6);
	assert_int_equal(plan.val[6], WM_MAX_ARGS);
	assert_int_equal(plan.cfg.nr_stack, 1);
	assert_int_equal(plan.nr_dropped, 0);

	/* Without out-parameters every pointee is read at entry, once. */
	build(&sig, STR_CAP, false, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 5);
	check_mem(&plan, 4, WM_MAX_ARGS, false, 4);
	assert_int_equal(plan.entry_slot[6], 4);
	for (int i = 0; i < sig.nr_params; i++)
		assert_int_equal(plan.out_slot[i], -1);

	/* The pointee's bytes, alone. */
	assert_int_equal(plan__pointee_bytes(&sig.params[0].type), 12);
	assert_int_equal(plan__pointee_bytes(&sig.params[2].type), 0);
	assert_int_equal(plan__pointee_bytes(&sig.params[4].type), 8);
	assert_int_equal(plan__pointee_bytes(&sig.params[5].type), WM_MEM_MAX);
	sig.params[0].type.kind = WM_T_STR;
	assert_int_equal(plan__pointee_bytes(&sig.params[0].type), 0);
	sig__free(&sig);
}

/* A struct pointer result is read at return; an int * result too. */
static void test_result(void **state)
{
	struct wm_plan plan;
	struct wm_sig sig = { 0 };

	sig_reset(&sig);
	param(&sig, "n", WM_T_INT, 4, 0, -1);
	sig.ret.kind = WM_T_PTR;
	sig.ret.size = 8;
	ptr_to_struct(&sig.ret, 40, false);
	field(&sig, &sig.ret, 0, WM_T_INT, 4);
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 1);
	check_mem(&plan, 0, WM_VAL_RET, true, 40);
	assert_int_equal(plan.ret_slot, 0);
	assert_int_equal(plan.cfg.val_slot[WM_VAL_RET], 0xff);

	sig.ret.kind = WM_T_VOID;
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 0);
	assert_int_equal(plan.ret_slot, -1);
	sig__free(&sig);
}

/* Buffers with a length: how many elements, of how many bytes, read when. */
static void test_buffers(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };

	sig_reset(&sig);
	/* 0: const unsigned char *data counted by n (1) */
	p = param(&sig, "data", WM_T_BUF, 8, 0, -1);
	ptr_to(&p->type, WM_T_CHAR, 1, true);
	p->type.len_param = 1;
	param(&sig, "n", WM_T_INT, 8, 1, -1);
	/* 2: char *buf counted by the result */
	p = param(&sig, "buf", WM_T_BUF, 8, 2, -1);
	ptr_to(&p->type, WM_T_CHAR, 1, false);
	p->type.len_param = WM_LEN_RET;
	/* 3: int *v counted by cnt (7, on the stack: value 7) */
	p = param(&sig, "v", WM_T_BUF, 8, 3, -1);
	ptr_to(&p->type, WM_T_INT, 4, false);
	p->type.len_param = 7;
	/* 4: const void *raw counted by n: elements of one byte */
	p = param(&sig, "raw", WM_T_BUF, 8, 4, -1);
	ptr_to(&p->type, WM_T_VOID, 0, true);
	p->type.len_param = 1;
	/* 5: a count that is no parameter: nothing to read by */
	p = param(&sig, "bad", WM_T_BUF, 8, 5, -1);
	ptr_to(&p->type, WM_T_CHAR, 1, true);
	p->type.len_param = 12;
	param(&sig, "pad", WM_T_INT, 8, -1, 0);
	param(&sig, "cnt", WM_T_INT, 8, -1, 8);

	build(&sig, 128, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 4);
	check_cap(&plan, 0, WM_CAP_MEM, 0, false, 1, 128, 1, 0, WM_IND_NONE);
	check_cap(&plan, 1, WM_CAP_MEM, 4, false, 1, 128, 1, 0, WM_IND_NONE);
	check_cap(&plan, 2, WM_CAP_MEM, 2, true, WM_VAL_RET, 128, 1, 0, WM_IND_NONE);
	check_cap(&plan, 3, WM_CAP_MEM, 3, true, WM_MAX_ARGS + 1, 128, 4, 0, WM_IND_NONE);
	assert_int_equal(plan.entry_slot[0], 0);
	assert_int_equal(plan.entry_slot[4], 1);
	assert_int_equal(plan.entry_slot[2], -1);
	assert_int_equal(plan.out_slot[2], 2);
	assert_int_equal(plan.out_slot[3], 3);
	assert_int_equal(plan.entry_slot[5], -1);
	assert_int_equal(plan.out_slot[5], -1);
	assert_int_equal(plan.cfg.nr_stack, 2);
	assert_int_equal(plan.data_max, 4 * 128);

	/* Without out-parameters a buffer counted by a parameter is read at entry. */
	build(&sig, 128, false, false, &plan);
	check_cap(&plan, 1, WM_CAP_MEM, 3, false, WM_MAX_ARGS + 1, 128, 4, 0, WM_IND_NONE);
	check_cap(&plan, 2, WM_CAP_MEM, 4, false, 1, 128, 1, 0, WM_IND_NONE);
	check_cap(&plan, 3, WM_CAP_MEM, 2, true, WM_VAL_RET, 128, 1, 0, WM_IND_NONE);
	assert_int_equal(plan.entry_slot[3], 1);
	assert_int_equal(plan.out_slot[3], -1);
	assert_int_equal(plan.out_slot[2], 3);

	/* The count parameter where no value holds it: nothing to read by. */
	sig.params[7].stack_off = 4;
	build(&sig, 128, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 3);
	assert_int_equal(plan.out_slot[3], -1);
	sig__free(&sig);
}

/* Arguments past the sixth register: stack eightbytes read as values 6..9. */
static void test_stack_values(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
	int vals[WM_MAX_VALS + 1];
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int i;

	sig_reset(&sig);
	for (i = 0; i < 6; i++)
		param(&sig, names[i], WM_T_INT, 8, i, -1);
	param(&sig, "g", WM_T_INT, 8, -1, 0);
	param(&sig, "h", WM_T_INT, 4, -1, 8);
	param(&sig, "s", WM_T_STR, 8, -1, 24);
	param(&sig, "far", WM_T_INT, 8, -1, 32);   /* past the four kept */
	param(&sig, "odd", WM_T_INT, 8, -1, 12);   /* not an eightbyte */
	param(&sig, "x", WM_T_FLOAT, 8, -1, -1);   /* in an SSE register */
	param(&sig, "ld", WM_T_FLOAT, 16, -1, 40); /* long double: two eightbytes */
	build(&sig, STR_CAP, true, false, &plan);
	for (i = 0; i < 6; i++)
		assert_int_equal(plan.val[i], i);
	assert_int_equal(plan.val[6], WM_MAX_ARGS);
	assert_int_equal(plan.val[7], WM_MAX_ARGS + 1);
	assert_int_equal(plan.val[8], WM_MAX_ARGS + 3);
	assert_int_equal(plan.val[9], -1);
	assert_int_equal(plan.val[10], -1);
	assert_int_equal(plan.val[11], -1);
	assert_int_equal(plan.val[12], -1);
	assert_int_equal(plan.cfg.nr_stack, 4);
	assert_int_equal(plan.cfg.nr_caps, 1);
	check_str(&plan, 0, WM_MAX_ARGS + 3, false);
	assert_int_equal(plan.entry_slot[8], 0);
	for (i = 0; i <= WM_MAX_VALS; i++)
		vals[i] = -1;
	vals[WM_MAX_ARGS + 3] = 0;
	check_val_slots(&plan, vals);
	assert_int_equal(plan__param_val(&sig.params[7]), WM_MAX_ARGS + 1);
	assert_int_equal(plan__param_val(&sig.params[9]), -1);

	/* Only as many eightbytes as the last one used. */
	sig.nr_params = 8;
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_stack, 2);
	sig.nr_params = 6;
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_stack, 0);
	sig__free(&sig);
}

/* Structs by value: in registers the values hold them; in memory a slot does. */
static void test_struct_by_value(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };

	sig_reset(&sig);
	p = param(&sig, "pair", WM_T_STRUCT, 16, 0, -1);
	p->nr_regs = 2;
	p->type.struct_size = 16;
	field(&sig, &p->type, 0, WM_T_INT, 8);
	field(&sig, &p->type, 8, WM_T_STR, 8); /* a string member of a struct by value: not read */
	p = param(&sig, "big", WM_T_STRUCT, 24, -1, 0);
	p->type.struct_size = 24;
	p = param(&sig, "huge", WM_T_STRUCT, 3000, -1, 24);
	p->type.struct_size = 3000;
	param(&sig, "after", WM_T_INT, 4, 2, -1);
	p = param(&sig, "lost", WM_T_STRUCT, 24, -1, -1); /* nowhere known */
	p->type.struct_size = 24;
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.val[0], 0);
	assert_int_equal(plan.val[1], -1);
	assert_int_equal(plan.val[2], -1);
	assert_int_equal(plan.val[3], 2);
	assert_int_equal(plan.val[4], -1);
	assert_int_equal(plan.cfg.nr_caps, 2);
	check_cap(&plan, 0, WM_CAP_MEM, WM_SRC_STACK, false, WM_LEN_FIXED, 24, 0, 0, WM_IND_NONE);
	check_cap(&plan, 1, WM_CAP_MEM, WM_SRC_STACK, false, WM_LEN_FIXED, WM_MEM_MAX, 0, 24,
		  WM_IND_NONE);
	assert_int_equal(plan.entry_slot[0], -1);
	assert_int_equal(plan.entry_slot[1], 0);
	assert_int_equal(plan.entry_slot[2], 1);
	assert_int_equal(plan.entry_slot[4], -1);
	assert_int_equal(plan.field_slot[1], -1);
	/* Structs in memory are slots, not stack values. */
	assert_int_equal(plan.cfg.nr_stack, 0);
	assert_int_equal(plan.data_max, 24 + WM_MEM_MAX);
	sig__free(&sig);
}

/* A struct's "char *" members: read through the argument's pointer at entry. */
static void test_member_strings(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int name, arr, bits, tail, late, val;

	sig_reset(&sig);
	param(&sig, "n", WM_T_INT, 4, 0, -1);
	p = param(&sig, "p", WM_T_PTR, 8, 1, -1);
	ptr_to_struct(&p->type, 32, true);
	name = field(&sig, &p->type, 0, WM_T_STR, 8);
	arr = field(&sig, &p->type, 8, WM_T_STR, 8); /* char *v[1]: an array, its address */
	sig.fields[arr].count = 1;
	bits = field(&sig, &p->type, 16, WM_T_STR, 8); /* nonsense, but never a string */
	sig.fields[bits].bit_size = 3;
	late = field(&sig, &p->type, 20, WM_T_INT, 4);
	tail = field(&sig, &p->type, 28, WM_T_STR, 8); /* past the struct's end */
	/* A second struct, through a pointer on the stack, read again at return. */
	p = param(&sig, "q", WM_T_PTR, 8, -1, 0);
	ptr_to_struct(&p->type, 16, false);
	field(&sig, &p->type, 0, WM_T_INT, 4);
	val = field(&sig, &p->type, 8, WM_T_STR, 8);
	build(&sig, STR_CAP, true, false, &plan);

	assert_int_equal(plan.cfg.nr_caps, 5);
	check_mem(&plan, 0, 1, false, 32);
	check_cap(&plan, 1, WM_CAP_STR, 1, false, WM_LEN_FIXED, 0, 0, 0, 0);
	check_mem(&plan, 2, WM_MAX_ARGS, false, 16);
	check_cap(&plan, 3, WM_CAP_STR, WM_MAX_ARGS, false, WM_LEN_FIXED, 0, 0, 0, 8);
	/* Read again at return: the struct, not its strings. */
	check_mem(&plan, 4, WM_MAX_ARGS, true, 16);
	assert_int_equal(plan.field_slot[name], 1);
	assert_int_equal(plan.field_slot[arr], -1);
	assert_int_equal(plan.field_slot[bits], -1);
	assert_int_equal(plan.field_slot[late], -1);
	assert_int_equal(plan.field_slot[tail], -1);
	assert_int_equal(plan.field_slot[val], 3);
	/* The parameters' own slots are the structs'. */
	assert_int_equal(plan.entry_slot[1], 0);
	assert_int_equal(plan.entry_slot[2], 2);
	assert_int_equal(plan.out_slot[2], 4);
	/* A member's string is no value's string. */
	assert_int_equal(plan.cfg.val_slot[1], 0xff);
	assert_int_equal(plan.cfg.val_slot[WM_MAX_ARGS], 0xff);
	sig__free(&sig);
}

/* C++'s this is the pointer it is: the object is not read. */
static void test_this(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };

	sig_reset(&sig);
	p = param(&sig, "this", WM_T_PTR, 8, 0, -1);
	ptr_to_struct(&p->type, 16, false);
	field(&sig, &p->type, 8, WM_T_STR, 8);
	param(&sig, "s", WM_T_STR, 8, 1, -1);
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.val[0], 0);
	assert_int_equal(plan.entry_slot[0], -1);
	assert_int_equal(plan.out_slot[0], -1);
	assert_int_equal(plan.field_slot[0], -1);
	assert_int_equal(plan.cfg.nr_caps, 1);
	check_str(&plan, 0, 1, false);
	/* Only that name: "self" is an argument like any other. */
	snprintf(sig.params[0].name, sizeof(sig.params[0].name), "self");
	build(&sig, STR_CAP, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, 4);
	assert_int_equal(plan.entry_slot[0], 0);
	assert_int_equal(plan.field_slot[0], 1);
	assert_int_equal(plan.out_slot[0], 3);
	sig__free(&sig);
}

/* More captures than slots: the first ones are kept, the others counted. */
static void test_slot_limit(void **state)
{
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int i;

	sig_reset(&sig);
	/* struct many { char *s[0..15] } *p: the struct, 16 strings, the struct again. */
	p = param(&sig, "p", WM_T_PTR, 8, 0, -1);
	ptr_to_struct(&p->type, 16 * 8, false);
	for (i = 0; i < 16; i++)
		field(&sig, &p->type, i * 8, WM_T_STR, 8);
	param(&sig, "name", WM_T_STR, 8, 1, -1);
	/* A struct on the stack with no room left: the last kept capture stays as it was. */
	p = param(&sig, "big", WM_T_STRUCT, 24, -1, 16);
	p->type.struct_size = 24;
	sig.ret.kind = WM_T_STR;
	sig.ret.size = 8;
	build(&sig, 16, true, false, &plan);
	assert_int_equal(plan.cfg.nr_caps, WM_NR_SLOTS);
	check_mem(&plan, 0, 0, false, 128);
	for (i = 0; i < WM_NR_SLOTS - 1; i++) {
		check_cap(&plan, i + 1, WM_CAP_STR, 0, false, WM_LEN_FIXED, 0, 0, 0, i * 8);
		assert_int_equal(plan.field_slot[i], i + 1);
	}
	for (; i < 16; i++)
		assert_int_equal(plan.field_slot[i], -1);
	assert_int_equal(plan.entry_slot[1], -1);
	assert_int_equal(plan.out_slot[0], -1);
	assert_int_equal(plan.ret_slot, -1);
	assert_int_equal(plan.cfg.val_slot[1], 0xff);
	assert_int_equal(plan.cfg.val_slot[WM_VAL_RET], 0xff);
	assert_int_equal(plan.entry_slot[2], -1);
	/* 16 - 11 member strings, name, big, the struct at return, the result. */
	assert_int_equal(plan.nr_dropped, 5 + 1 + 1 + 1 + 1);
	assert_int_equal(plan.data_max, 128 + (WM_NR_SLOTS - 1) * 16);

	/* --stack takes one more. */
	build(&sig, 16, true, true, &plan);
	assert_int_equal(plan.cfg.nr_caps, WM_NR_SLOTS);
	assert_int_equal(plan.stack_slot, 0);
	assert_int_equal(plan.entry_slot[0], 1);
	assert_int_equal(plan.field_slot[WM_NR_SLOTS - 3], WM_NR_SLOTS - 1);
	assert_int_equal(plan.field_slot[WM_NR_SLOTS - 2], -1);
	assert_int_equal(plan.nr_dropped, 6 + 1 + 1 + 1 + 1);
	sig__free(&sig);
}

/* More bytes than a record carries: what does not fit is left out, what does is kept. */
static void test_byte_budget(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e" };
	struct wm_param *p;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int i;

	sig_reset(&sig);
	for (i = 0; i < 5; i++)
		param(&sig, names[i], WM_T_STR, 8, i, -1);
	p = param(&sig, "out", WM_T_PTR, 8, 5, -1);
	ptr_to(&p->type, WM_T_INT, 4, false);
	build(&sig, WM_STR_MAX, true, false, &plan);
	/* Four strings of 1024 fill 4096 bytes: the fifth and the int are left out. */
	assert_int_equal(plan.cfg.nr_caps, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(plan.entry_slot[i], i);
	assert_int_equal(plan.entry_slot[4], -1);
	assert_int_equal(plan.out_slot[5], -1);
	assert_int_equal(plan.cfg.val_slot[4], 0xff);
	assert_int_equal(plan.nr_dropped, 2);
	assert_int_equal(plan.data_max, 4 * WM_STR_MAX);

	/* With the stack three fit; the int still does, in the next slot. */
	build(&sig, WM_STR_MAX, true, true, &plan);
	assert_int_equal(plan.cfg.nr_caps, 5);
	assert_int_equal(plan.entry_slot[2], 3);
	assert_int_equal(plan.entry_slot[3], -1);
	assert_int_equal(plan.out_slot[5], 4);
	check_mem(&plan, 4, 5, true, 4);
	assert_int_equal(plan.nr_dropped, 2);
	assert_int_equal(plan.data_max, WM_STACK_MAX * 8 + 3 * WM_STR_MAX + 4);

	/* Small strings: everything fits. */
	build(&sig, 100, true, true, &plan);
	assert_int_equal(plan.cfg.nr_caps, 7);
	assert_int_equal(plan.nr_dropped, 0);
	assert_int_equal(plan.data_max, WM_STACK_MAX * 8 + 5 * 100 + 4);
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_stack_values),
		cmocka_unit_test(test_struct_by_value),
		cmocka_unit_test(test_member_strings),
		cmocka_unit_test(test_this),
		cmocka_unit_test(test_slot_limit),
		cmocka_unit_test(test_byte_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
