// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where each argument arrives (x86_64 SysV), on signatures built by hand.
 * The expected locations were checked against GCC's code for the same C.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "types/sig.h"

static void sig__reset(struct wm_sig *sig)
{
	test_sig_full(sig);
	sig->ret.kind = WM_T_INT;
	sig->ret.size = 4;
}

static struct wm_param *add(struct wm_sig *sig, enum wm_type_kind kind, unsigned int size)
{
	struct wm_param *p = &sig->params[sig->nr_params++];

	memset(p, 0, sizeof(*p));
	p->type.kind = kind;
	p->type.size = size;
	return p;
}

static void add_field(struct wm_sig *sig, struct wm_type *t, unsigned int offset,
		      enum wm_type_kind kind, unsigned char size, unsigned short count)
{
	struct wm_field *f = &sig->fields[sig->nr_fields];

	if (!t->nr_fields)
		t->first_field = sig->nr_fields;
	memset(f, 0, sizeof(*f));
	f->offset = offset;
	f->count = count;
	f->type.kind = kind;
	f->type.size = size;
	sig->nr_fields++;
	t->nr_fields++;
}

/* A by-value struct of n members of one kind and size, packed one after another. */
static struct wm_param *add_struct(struct wm_sig *sig, int n, enum wm_type_kind kind,
				   unsigned char size)
{
	struct wm_param *p = add(sig, WM_T_STRUCT, n * size);
	int i;

	p->type.struct_size = p->type.size;
	for (i = 0; i < n; i++)
		add_field(sig, &p->type, i * size, kind, size, 0);
	return p;
}

static void check_loc(const struct wm_param *p, int reg, int nr_regs, int stack_off)
{
	if (p->reg != reg || p->nr_regs != nr_regs || p->stack_off != stack_off)
		print_error("got reg %d nr_regs %d stack_off %d, want %d %d %d\n", p->reg,
			    p->nr_regs, p->stack_off, reg, nr_regs, stack_off);
	assert_int_equal(p->reg, reg);
	assert_int_equal(p->nr_regs, nr_regs);
	assert_int_equal(p->stack_off, stack_off);
}

static void test_ints_then_stack(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	sig__reset(&sig);
	for (i = 0; i < 8; i++)
		add(&sig, i % 2 ? WM_T_INT : WM_T_PTR, i % 2 ? 4 : 8);
	sig__assign_regs(&sig);
	for (i = 0; i < 6; i++)
		check_loc(&sig.params[i], i, 1, -1);
	/* Each stack argument takes an eightbyte, whatever its own size. */
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], -1, 0, 8);
	sig__free(&sig);
}

static void test_every_integer_kind_takes_a_register(void **state)
{
	static const enum wm_type_kind kinds[] = {
		WM_T_INT, WM_T_BOOL, WM_T_CHAR, WM_T_PTR, WM_T_STR, WM_T_ENUM,
	};
	struct wm_sig sig = { 0 };
	size_t i;

	sig__reset(&sig);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		add(&sig, kinds[i], kinds[i] == WM_T_PTR || kinds[i] == WM_T_STR ? 8 : 1);
	add(&sig, WM_T_FUNCPTR, 8);
	add(&sig, WM_T_BUF, 8);
	add(&sig, WM_T_UNKNOWN, 8);
	sig__assign_regs(&sig);
	for (i = 0; i < 6; i++)
		check_loc(&sig.params[i], i, 1, -1);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], -1, 0, 8);
	check_loc(&sig.params[8], -1, 0, 16);
	sig__free(&sig);
}

static void test_floats_and_ints(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	/* f(double, int, float, long, ... nine doubles in all ..., int) */
	sig__reset(&sig);
	add(&sig, WM_T_FLOAT, 8);
	add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_FLOAT, 4);
	add(&sig, WM_T_INT, 8);
	for (i = 0; i < 7; i++)
		add(&sig, WM_T_FLOAT, 8);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, -1);
	check_loc(&sig.params[1], 0, 1, -1);
	check_loc(&sig.params[2], -1, 0, -1);
	check_loc(&sig.params[3], 1, 1, -1);
	for (i = 4; i < 10; i++)
		check_loc(&sig.params[i], -1, 0, -1);
	/* The ninth floating-point argument: xmm0-7 are taken. */
	check_loc(&sig.params[10], -1, 0, 0);
	check_loc(&sig.params[11], 2, 1, -1);
	sig__free(&sig);
}

static void test_struct_sizes(void **state)
{
	struct wm_sig sig = { 0 };

	/* s8, s16, s24 by value, then an int: 1 register, 2 registers, memory. */
	sig__reset(&sig);
	add_struct(&sig, 2, WM_T_INT, 4);
	add_struct(&sig, 2, WM_T_INT, 8);
	add_struct(&sig, 3, WM_T_INT, 8);
	add(&sig, WM_T_INT, 4);
	add_struct(&sig, 3, WM_T_INT, 8);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);
	check_loc(&sig.params[1], 1, 2, -1);
	check_loc(&sig.params[2], -1, 0, 0);
	check_loc(&sig.params[3], 3, 1, -1);
	check_loc(&sig.params[4], -1, 0, 24);

	/* A 12-byte struct is two eightbytes, and on the stack takes 16 bytes. */
	sig__reset(&sig);
	add_struct(&sig, 3, WM_T_INT, 4);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 2, -1);
	check_loc(&sig.params[1], 2, 1, -1);
	sig__free(&sig);
}

static void test_struct_with_one_register_left(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	/* f(int a1..a5, struct { long a, b; } s, int x, long y): s goes whole to memory. */
	sig__reset(&sig);
	for (i = 0; i < 5; i++)
		add(&sig, WM_T_INT, 4);
	add_struct(&sig, 2, WM_T_INT, 8);
	add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_INT, 8);
	sig__assign_regs(&sig);
	check_loc(&sig.params[4], 4, 1, -1);
	check_loc(&sig.params[5], -1, 0, 0);
	/* The register it could not use stays free for the next argument. */
	check_loc(&sig.params[6], 5, 1, -1);
	check_loc(&sig.params[7], -1, 0, 16);

	/* __int128 alike, and 16-aligned on the stack. */
	sig__reset(&sig);
	for (i = 0; i < 5; i++)
		add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_UNKNOWN, 16);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[5], 5, 1, -1);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], -1, 0, 16);
	check_loc(&sig.params[8], -1, 0, 32);

	/* With two registers left, __int128 takes both. */
	sig__reset(&sig);
	for (i = 0; i < 4; i++)
		add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_UNKNOWN, 16);
	sig__assign_regs(&sig);
	check_loc(&sig.params[4], 4, 2, -1);
	sig__free(&sig);
}

static void test_float_structs(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_param *p;
	int i;

	/* struct { double x, y; }: xmm0 and xmm1; the int after it still gets rdi. */
	sig__reset(&sig);
	add_struct(&sig, 2, WM_T_FLOAT, 8);
	add(&sig, WM_T_INT, 4);
	add_struct(&sig, 4, WM_T_FLOAT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, -1);
	check_loc(&sig.params[1], 0, 1, -1);
	check_loc(&sig.params[2], -1, 0, -1);

	/* struct { double d; long l; }: xmm0 and rdi; x follows in rsi. */
	sig__reset(&sig);
	p = add(&sig, WM_T_STRUCT, 16);
	add_field(&sig, &p->type, 0, WM_T_FLOAT, 8, 0);
	add_field(&sig, &p->type, 8, WM_T_INT, 8, 0);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, -1);
	check_loc(&sig.params[1], 1, 1, -1);

	/* union { double d; long l; } is INTEGER. */
	sig__reset(&sig);
	p = add(&sig, WM_T_STRUCT, 8);
	p->type.is_union = true;
	add_field(&sig, &p->type, 0, WM_T_FLOAT, 8, 0);
	add_field(&sig, &p->type, 0, WM_T_INT, 8, 0);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);

	/* float v[4] fills two SSE eightbytes; with one SSE register left, memory. */
	sig__reset(&sig);
	for (i = 0; i < 7; i++)
		add(&sig, WM_T_FLOAT, 8);
	p = add(&sig, WM_T_STRUCT, 16);
	add_field(&sig, &p->type, 0, WM_T_FLOAT, 4, 4);
	add(&sig, WM_T_FLOAT, 8);
	sig__assign_regs(&sig);
	check_loc(&sig.params[7], -1, 0, 0);
	check_loc(&sig.params[8], -1, 0, -1);
	sig__free(&sig);
}

static void test_memory_class(void **state)
{
	struct wm_sig sig = { 0 };
	struct wm_param *p;

	/* long double: memory, 16-aligned, even with every register free. */
	sig__reset(&sig);
	add(&sig, WM_T_FLOAT, 16);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, 0);
	check_loc(&sig.params[1], 0, 1, -1);

	/* f(int x6, int s0, long double q, int s2): q at 16, as GCC places it. */
	sig__reset(&sig);
	for (int i = 0; i < 7; i++)
		add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_FLOAT, 16);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], -1, 0, 16);
	check_loc(&sig.params[8], -1, 0, 32);

	/* A struct with a long double member, and a packed struct with an unaligned int. */
	sig__reset(&sig);
	p = add(&sig, WM_T_STRUCT, 16);
	add_field(&sig, &p->type, 0, WM_T_FLOAT, 16, 0);
	p = add(&sig, WM_T_STRUCT, 5);
	add_field(&sig, &p->type, 0, WM_T_CHAR, 1, 0);
	add_field(&sig, &p->type, 1, WM_T_INT, 4, 0);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, 0);
	check_loc(&sig.params[1], -1, 0, 16);
	check_loc(&sig.params[2], 0, 1, -1);

	/* Bitfields of a packed struct are not unaligned members. */
	sig__reset(&sig);
	p = add(&sig, WM_T_STRUCT, 4);
	add_field(&sig, &p->type, 0, WM_T_INT, 4, 0);
	sig.fields[0].bit_offset = 3;
	sig.fields[0].bit_size = 5;
	add_field(&sig, &p->type, 1, WM_T_INT, 4, 0);
	sig.fields[1].bit_size = 9;
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);
	sig__free(&sig);
}

static void test_hidden_result_pointer(void **state)
{
	struct wm_sig sig = { 0 };

	sig__reset(&sig);
	add(&sig, WM_T_INT, 4);
	sig.ret = (struct wm_type){ .kind = WM_T_STRUCT, .size = 24, .struct_size = 24 };
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 1, 1, -1);

	sig.ret = (struct wm_type){ .kind = WM_T_UNKNOWN, .size = 32 };
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 1, 1, -1);

	/* 16 bytes come back in rax:rdx, long double in st0: rdi stays the first argument. */
	sig.ret = (struct wm_type){ .kind = WM_T_STRUCT, .size = 16, .struct_size = 16 };
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);
	sig.ret = (struct wm_type){ .kind = WM_T_FLOAT, .size = 16 };
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);
	sig__free(&sig);
}

static void test_unknown_layout(void **state)
{
	struct wm_sig sig = { 0 };

	/* A struct by value of unknown size: it and everything after it are unknown. */
	sig__reset(&sig);
	add(&sig, WM_T_INT, 4);
	add(&sig, WM_T_STRUCT, 0);
	add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], 0, 1, -1);
	check_loc(&sig.params[1], -1, 0, -1);
	check_loc(&sig.params[2], -1, 0, -1);

	/* An unknown result may or may not take rdi. */
	sig__reset(&sig);
	add(&sig, WM_T_INT, 4);
	sig.ret = (struct wm_type){ .kind = WM_T_STRUCT, .size = 0 };
	sig__assign_regs(&sig);
	check_loc(&sig.params[0], -1, 0, -1);
	sig__free(&sig);
}

static void test_raw_and_reassign(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	sig__init_raw(&sig, "f");
	assert_int_equal(sig.nr_params, 6);
	for (i = 0; i < 6; i++)
		check_loc(&sig.params[i], i, 1, -1);

	/* Assigning twice gives the same answer: nothing is left over from the first. */
	sig__reset(&sig);
	for (i = 0; i < 7; i++)
		add(&sig, WM_T_INT, 4);
	sig__assign_regs(&sig);
	sig__assign_regs(&sig);
	check_loc(&sig.params[5], 5, 1, -1);
	check_loc(&sig.params[6], -1, 0, 0);
	sig__free(&sig);
}

/*
 * Pools are sized to what is reserved, cleared when reserved; a copy owns
 * its own; a name is cut where the fixed array cut it; frees are NULL-safe
 * and repeatable.
 */
static void test_pools(void **state)
{
	struct wm_sig sig = { 0 }, copy;
	char long_name[400];

	(void)state;
	assert_int_equal(sig__reserve_params(&sig, 2), 0);
	assert_int_equal(sig.params[0].reg, 0);
	assert_string_equal(sig.params[1].name, "");
	snprintf(sig.params[0].name, sizeof(sig.params[0].name), "a");
	sig.nr_params = 1;
	/* Room past the count only: what is counted stays. */
	assert_int_equal(sig__reserve_params(&sig, 1), 0);
	assert_string_equal(sig.params[0].name, "a");
	assert_string_equal(sig.params[1].name, "");
	assert_int_equal(sig__reserve_fields(&sig, 1), 0);
	snprintf(sig.fields[0].name, sizeof(sig.fields[0].name), "x");
	sig.nr_fields = 1;
	assert_int_equal(sig__reserve_enums(&sig, 1), 0);
	sig.enums[0].value = -4;
	sig.nr_enums = 1;
	assert_int_equal(sig__reserve_enums(&sig, -1), -EINVAL);
	assert_string_equal(sig__name(&sig), "");
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(sig__set_name(&sig, long_name), 0);
	assert_int_equal(strlen(sig__name(&sig)), WM_SIG_NAME_MAX);

	assert_int_equal(sig__copy(&copy, &sig), 0);
	assert_ptr_not_equal(copy.params, sig.params);
	assert_ptr_not_equal(copy.fields, sig.fields);
	assert_ptr_not_equal(copy.enums, sig.enums);
	assert_ptr_not_equal(copy.name, sig.name);
	snprintf(copy.params[0].name, sizeof(copy.params[0].name), "b");
	assert_string_equal(sig.params[0].name, "a");
	assert_string_equal(copy.fields[0].name, "x");
	assert_int_equal(copy.enums[0].value, -4);
	assert_string_equal(copy.name, sig.name);
	sig__free(&copy);
	assert_null(copy.params);
	assert_int_equal(copy.nr_params, 0);
	sig__free(&copy);
	sig__free(NULL);
	sig__free(&sig);
}

/* Only signatures that can show a code address need the symbolizer. */
static void test_has_funcptr(void **state)
{
	struct wm_sig sig = { 0 };

	(void)state;
	test_sig_full(&sig);
	sig.nr_params = 2;
	sig.params[0].type.kind = WM_T_PTR;
	sig.params[1].type.kind = WM_T_INT;
	assert_false(sig__has_funcptr(&sig));
	sig.params[1].type.kind = WM_T_FUNCPTR;
	assert_true(sig__has_funcptr(&sig));
	sig.params[1].type.kind = WM_T_INT;
	sig.params[0].type.target.kind = WM_T_FUNCPTR; /* int (**)(int) */
	assert_true(sig__has_funcptr(&sig));
	sig.params[0].type.target.kind = WM_T_STRUCT;
	sig.nr_fields = 1;
	sig.fields[0].type.kind = WM_T_FUNCPTR; /* a callback member */
	assert_true(sig__has_funcptr(&sig));
	sig.fields[0].type.kind = WM_T_INT;
	sig.ret.kind = WM_T_FUNCPTR;
	assert_true(sig__has_funcptr(&sig));
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints_then_stack),
		cmocka_unit_test(test_has_funcptr),
		cmocka_unit_test(test_every_integer_kind_takes_a_register),
		cmocka_unit_test(test_floats_and_ints),
		cmocka_unit_test(test_struct_sizes),
		cmocka_unit_test(test_struct_with_one_register_left),
		cmocka_unit_test(test_float_structs),
		cmocka_unit_test(test_memory_class),
		cmocka_unit_test(test_hidden_result_pointer),
		cmocka_unit_test(test_unknown_layout),
		cmocka_unit_test(test_raw_and_reassign),
		cmocka_unit_test(test_pools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
