// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The C prototype parser and the signature helpers it relies on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "types/proto.h"
#include "types/sig.h"
#include "fixture.h"

static void parse_ok(const char *text, struct wm_sig *sig)
{
	char err[128] = "";
	int col = -1;
	int ret;

	sig__free(sig);
	ret = proto__parse(text, sig, &col, err, sizeof(err));
	if (ret)
		print_error("parse of '%s' failed at column %d: %s\n", text, col, err);
	assert_int_equal(ret, 0);
	assert_int_equal(sig->source, WM_SIG_PROTO);
}

static void parse_err(const char *text, int want_col, const char *want_msg)
{
	struct wm_sig sig = { 0 };
	char err[128] = "";
	int col = -1;

	assert_int_equal(proto__parse(text, &sig, &col, err, sizeof(err)), -EINVAL);
	if (col != want_col || strcmp(err, want_msg))
		print_error("'%s': got column %d '%s'\n", text, col, err);
	assert_int_equal(col, want_col);
	assert_string_equal(err, want_msg);
	sig__free(&sig);
}

static void check_param(const struct wm_param *p, const char *name, enum wm_type_kind kind,
			int size, bool is_signed, const char *type_name, int reg)
{
	assert_string_equal(p->name, name);
	assert_int_equal(p->type.kind, kind);
	assert_int_equal(p->type.size, size);
	assert_int_equal(p->type.is_signed, is_signed);
	assert_string_equal(p->type.name, type_name);
	assert_int_equal(p->reg, reg);
}

static void test_sqlite(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("int sqlite3_prepare_v2(void *db, const char *sql, int n, void **stmt, "
		 "const char **tail)",
		 &sig);
	assert_string_equal(sig.name, "sqlite3_prepare_v2");
	assert_int_equal(sig.ret.kind, WM_T_INT);
	assert_int_equal(sig.ret.size, 4);
	assert_true(sig.ret.is_signed);
	assert_string_equal(sig.ret.name, "int");
	assert_int_equal(sig.nr_params, 5);
	assert_false(sig.variadic);
	check_param(&sig.params[0], "db", WM_T_PTR, 8, false, "void *", 0);
	check_param(&sig.params[1], "sql", WM_T_STR, 8, false, "const char *", 1);
	check_param(&sig.params[2], "n", WM_T_INT, 4, true, "int", 2);
	check_param(&sig.params[3], "stmt", WM_T_PTR, 8, false, "void **", 3);
	check_param(&sig.params[4], "tail", WM_T_PTR, 8, false, "const char **", 4);
	sig__free(&sig);
}

static void test_trailing_semicolon_and_storage(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("extern int close(int fd);", &sig);
	assert_string_equal(sig.name, "close");
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "fd", WM_T_INT, 4, true, "int", 0);

	parse_ok("static inline unsigned f(int x) ;", &sig);
	assert_string_equal(sig.ret.name, "unsigned int");
	assert_false(sig.ret.is_signed);
	sig__free(&sig);
}

struct int_case {
	const char *spelling;
	int size;
	bool is_signed;
	const char *name;
};

static void test_integer_spellings(void **state)
{
	static const struct int_case cases[] = {
		{ "int", 4, true, "int" },
		{ "signed", 4, true, "int" },
		{ "signed int", 4, true, "int" },
		{ "unsigned", 4, false, "unsigned int" },
		{ "unsigned int", 4, false, "unsigned int" },
		{ "int unsigned", 4, false, "unsigned int" },
		{ "short", 2, true, "short" },
		{ "short int", 2, true, "short" },
		{ "signed short", 2, true, "short" },
		{ "unsigned short", 2, false, "unsigned short" },
		{ "unsigned short int", 2, false, "unsigned short" },
		{ "long", 8, true, "long" },
		{ "long int", 8, true, "long" },
		{ "signed long", 8, true, "long" },
		{ "unsigned long", 8, false, "unsigned long" },
		{ "long unsigned int", 8, false, "unsigned long" },
		{ "long long", 8, true, "long long" },
		{ "long long int", 8, true, "long long" },
		{ "unsigned long long", 8, false, "unsigned long long" },
		{ "unsigned long long int", 8, false, "unsigned long long" },
		{ "size_t", 8, false, "size_t" },
		{ "ssize_t", 8, true, "ssize_t" },
		{ "off_t", 8, true, "off_t" },
		{ "pid_t", 4, true, "pid_t" },
		{ "int8_t", 1, true, "int8_t" },
		{ "uint8_t", 1, false, "uint8_t" },
		{ "int16_t", 2, true, "int16_t" },
		{ "uint16_t", 2, false, "uint16_t" },
		{ "int32_t", 4, true, "int32_t" },
		{ "uint32_t", 4, false, "uint32_t" },
		{ "int64_t", 8, true, "int64_t" },
		{ "uint64_t", 8, false, "uint64_t" },
		{ "intptr_t", 8, true, "intptr_t" },
		{ "uintptr_t", 8, false, "uintptr_t" },
		{ "enum color", 4, true, "enum color" },
		{ "const int", 4, true, "const int" },
		{ "const size_t", 8, false, "const size_t" },
	};
	char text[128];
	struct wm_sig sig = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "void f(%s v)", cases[i].spelling);
		parse_ok(text, &sig);
		assert_int_equal(sig.nr_params, 1);
		check_param(&sig.params[0], "v", WM_T_INT, cases[i].size, cases[i].is_signed,
			    cases[i].name, 0);

		/* The same spelling works as a result type. */
		snprintf(text, sizeof(text), "%s g(void)", cases[i].spelling);
		parse_ok(text, &sig);
		assert_int_equal(sig.ret.kind, WM_T_INT);
		assert_int_equal(sig.ret.size, cases[i].size);
		assert_int_equal(sig.ret.is_signed, cases[i].is_signed);
		assert_string_equal(sig.ret.name, cases[i].name);
	}
	sig__free(&sig);
}

static void test_chars_and_bools(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("void f(char a, signed char b, unsigned char c, bool d, _Bool e)", &sig);
	check_param(&sig.params[0], "a", WM_T_CHAR, 1, true, "char", 0);
	check_param(&sig.params[1], "b", WM_T_CHAR, 1, true, "signed char", 1);
	check_param(&sig.params[2], "c", WM_T_CHAR, 1, false, "unsigned char", 2);
	check_param(&sig.params[3], "d", WM_T_BOOL, 1, false, "bool", 3);
	check_param(&sig.params[4], "e", WM_T_BOOL, 1, false, "_Bool", 4);
	sig__free(&sig);
}

static void test_strings_and_pointers(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("char *f(char *a, const char *b, char const *c, signed char *d, "
		 "unsigned char *e, char **g, const char *const h, struct foo *i, "
		 "union u *j, enum e *k, foo_t *l, int ***m)",
		 &sig);
	assert_int_equal(sig.ret.kind, WM_T_STR);
	assert_string_equal(sig.ret.name, "char *");
	assert_int_equal(sig.nr_params, 12);
	check_param(&sig.params[0], "a", WM_T_STR, 8, false, "char *", 0);
	check_param(&sig.params[1], "b", WM_T_STR, 8, false, "const char *", 1);
	check_param(&sig.params[2], "c", WM_T_STR, 8, false, "const char *", 2);
	check_param(&sig.params[3], "d", WM_T_STR, 8, false, "signed char *", 3);
	check_param(&sig.params[4], "e", WM_T_PTR, 8, false, "unsigned char *", 4);
	check_param(&sig.params[5], "g", WM_T_PTR, 8, false, "char **", 5);
	check_param(&sig.params[6], "h", WM_T_STR, 8, false, "const char *", -1);
	check_param(&sig.params[7], "i", WM_T_PTR, 8, false, "struct foo *", -1);
	check_param(&sig.params[8], "j", WM_T_PTR, 8, false, "union u *", -1);
	check_param(&sig.params[9], "k", WM_T_PTR, 8, false, "enum e *", -1);
	check_param(&sig.params[10], "l", WM_T_PTR, 8, false, "foo_t *", -1);
	check_param(&sig.params[11], "m", WM_T_PTR, 8, false, "int ***", -1);
	sig__free(&sig);
}

static void test_star_placement(void **state)
{
	static const char *const texts[] = {
		"char *strdup(const char *s)",
		"char* strdup(const char* s)",
		"char * strdup ( const char * s ) ;",
		"char*strdup(const char*s)",
	};
	struct wm_sig sig = { 0 };
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &sig);
		assert_string_equal(sig.name, "strdup");
		assert_int_equal(sig.ret.kind, WM_T_STR);
		assert_string_equal(sig.ret.name, "char *");
		assert_int_equal(sig.nr_params, 1);
		check_param(&sig.params[0], "s", WM_T_STR, 8, false, "const char *", 0);
	}
	sig__free(&sig);
}

static void test_floats_take_no_register(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("int f(double a, int b, float c, long d)", &sig);
	check_param(&sig.params[0], "a", WM_T_FLOAT, 8, false, "double", -1);
	check_param(&sig.params[1], "b", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[2], "c", WM_T_FLOAT, 4, false, "float", -1);
	check_param(&sig.params[3], "d", WM_T_INT, 8, true, "long", 1);

	parse_ok("long double g(long double x, int y)", &sig);
	assert_int_equal(sig.ret.kind, WM_T_FLOAT);
	assert_int_equal(sig.ret.size, 16);
	check_param(&sig.params[0], "x", WM_T_FLOAT, 16, false, "long double", -1);
	check_param(&sig.params[1], "y", WM_T_INT, 4, true, "int", 0);
	sig__free(&sig);
}

static void test_registers_run_out(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	parse_ok("void f(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8)", &sig);
	assert_int_equal(sig.nr_params, 8);
	for (i = 0; i < 6; i++)
		assert_int_equal(sig.params[i].reg, i);
	assert_int_equal(sig.params[6].reg, -1);
	assert_int_equal(sig.params[7].reg, -1);

	/* A float past the sixth integer still leaves the others' numbering alone. */
	parse_ok("void f(double x, long a, long b, long c, double y, long d, long e, long f, "
		 "long g)",
		 &sig);
	assert_int_equal(sig.params[0].reg, -1);
	assert_int_equal(sig.params[3].reg, 2);
	assert_int_equal(sig.params[4].reg, -1);
	assert_int_equal(sig.params[7].reg, 5);
	assert_int_equal(sig.params[8].reg, -1);
	sig__free(&sig);
}

static void test_no_params(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("void f(void)", &sig);
	assert_int_equal(sig.ret.kind, WM_T_VOID);
	assert_int_equal(sig.ret.size, 0);
	assert_string_equal(sig.ret.name, "void");
	assert_int_equal(sig.nr_params, 0);
	assert_false(sig.variadic);

	parse_ok("int getpid()", &sig);
	assert_int_equal(sig.nr_params, 0);
	assert_false(sig.variadic);

	parse_ok("void *malloc_stats(void);", &sig);
	assert_int_equal(sig.ret.kind, WM_T_PTR);
	assert_string_equal(sig.ret.name, "void *");
	sig__free(&sig);
}

static void test_variadic(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("int printf(const char *restrict fmt, ...)", &sig);
	assert_true(sig.variadic);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "fmt", WM_T_STR, 8, false, "const char *", 0);

	parse_ok("int open(const char *path, int flags, ...);", &sig);
	assert_true(sig.variadic);
	assert_int_equal(sig.nr_params, 2);
	sig__free(&sig);
}

static void test_unnamed_params(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("int f(int, const char *, struct foo *, unsigned long)", &sig);
	assert_int_equal(sig.nr_params, 4);
	check_param(&sig.params[0], "", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[1], "", WM_T_STR, 8, false, "const char *", 1);
	check_param(&sig.params[2], "", WM_T_PTR, 8, false, "struct foo *", 2);
	check_param(&sig.params[3], "", WM_T_INT, 8, false, "unsigned long", 3);
	sig__free(&sig);
}

static void test_qualifiers(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("const volatile int *f(volatile int v, int *restrict p, "
		 "const void *__restrict q, char *const r, int const c, void *volatile w)",
		 &sig);
	assert_string_equal(sig.ret.name, "const volatile int *");
	check_param(&sig.params[0], "v", WM_T_INT, 4, true, "volatile int", 0);
	check_param(&sig.params[1], "p", WM_T_PTR, 8, false, "int *", 1);
	check_param(&sig.params[2], "q", WM_T_PTR, 8, false, "const void *", 2);
	check_param(&sig.params[3], "r", WM_T_STR, 8, false, "char *", 3);
	check_param(&sig.params[4], "c", WM_T_INT, 4, true, "const int", 4);
	check_param(&sig.params[5], "w", WM_T_PTR, 8, false, "void *", 5);
	sig__free(&sig);
}

static void test_arrays_decay(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("void f(int a[], char s[16], const char name[static 8], int m[3][4], "
		 "char *argv[])",
		 &sig);
	check_param(&sig.params[0], "a", WM_T_PTR, 8, false, "int *", 0);
	check_param(&sig.params[1], "s", WM_T_STR, 8, false, "char *", 1);
	check_param(&sig.params[2], "name", WM_T_STR, 8, false, "const char *", 2);
	check_param(&sig.params[3], "m", WM_T_PTR, 8, false, "int *", 3);
	check_param(&sig.params[4], "argv", WM_T_PTR, 8, false, "char **", 4);
	sig__free(&sig);
}

static void check_target(const struct wm_type *t, enum wm_type_kind kind, int size, bool is_signed,
			 bool is_const, int count)
{
	if (t->target.kind != kind || t->target.size != size || t->target_const != is_const)
		print_error("'%s': target kind %d size %d const %d\n", t->name, t->target.kind,
			    t->target.size, t->target_const);
	assert_int_equal(t->target.kind, kind);
	assert_int_equal(t->target.size, size);
	assert_int_equal(t->target.is_signed, is_signed);
	assert_int_equal(t->target_const, is_const);
	assert_int_equal(t->target_count, count);
}

static void test_pointer_targets(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("void f(int *a, const int *b, char **c, void **d, char *const *e, "
		 "const char **g, double *h, size_t *i, struct foo *j, enum e *k, foo_t *l, "
		 "bool *m, const void *n, unsigned char *o)",
		 &sig);
	check_target(&sig.params[0].type, WM_T_INT, 4, true, false, 0);
	check_target(&sig.params[1].type, WM_T_INT, 4, true, true, 0);
	check_target(&sig.params[2].type, WM_T_STR, 8, false, false, 0);
	check_target(&sig.params[3].type, WM_T_PTR, 8, false, false, 0);
	/* The char pointer pointed to is const; what it points to does not matter here. */
	check_target(&sig.params[4].type, WM_T_STR, 8, false, true, 0);
	check_target(&sig.params[5].type, WM_T_STR, 8, false, false, 0);
	check_target(&sig.params[6].type, WM_T_FLOAT, 8, false, false, 0);
	check_target(&sig.params[7].type, WM_T_INT, 8, false, false, 0);
	/* Layouts come from debug info (dwarf__complete_sig), if at all. */
	check_target(&sig.params[8].type, WM_T_UNKNOWN, 0, false, false, 0);
	check_target(&sig.params[9].type, WM_T_INT, 4, true, false, 0);
	check_target(&sig.params[10].type, WM_T_UNKNOWN, 0, false, false, 0);
	check_target(&sig.params[11].type, WM_T_BOOL, 1, false, false, 0);
	check_target(&sig.params[12].type, WM_T_VOID, 0, false, true, 0);
	check_target(&sig.params[13].type, WM_T_CHAR, 1, false, false, 0);
	assert_int_equal(sig.params[13].type.kind, WM_T_PTR);

	parse_ok("const char *getenv(const char *name)", &sig);
	check_target(&sig.ret, WM_T_CHAR, 1, true, true, 0);

	/* A pointer to a function pointer. */
	parse_ok("void f(int (**pp)(int), int (*p)(int))", &sig);
	check_param(&sig.params[0], "pp", WM_T_PTR, 8, false, "int (*)(int)", 0);
	check_target(&sig.params[0].type, WM_T_FUNCPTR, 8, false, false, 0);
	check_param(&sig.params[1], "p", WM_T_FUNCPTR, 8, false, "int (*)(int)", 1);
	sig__free(&sig);
}

static void test_struct_by_value(void **state)
{
	struct wm_sig sig = { 0 };

	/* Accepted, size unknown until debug info gives it: nothing after it has a place. */
	parse_ok("int f(int a, const struct foo s, union u v, int b)", &sig);
	check_param(&sig.params[0], "a", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[1], "s", WM_T_STRUCT, 0, false, "const struct foo", -1);
	assert_false(sig.params[1].type.is_union);
	assert_int_equal(sig.params[1].stack_off, -1);
	check_param(&sig.params[2], "v", WM_T_STRUCT, 0, false, "union u", -1);
	assert_true(sig.params[2].type.is_union);
	check_param(&sig.params[3], "b", WM_T_INT, 4, true, "int", -1);
	assert_int_equal(sig.params[3].stack_off, -1);

	/* A struct result may take rdi for itself: no parameter has a place either. */
	parse_ok("struct foo f(int x)", &sig);
	assert_int_equal(sig.ret.kind, WM_T_STRUCT);
	assert_int_equal(sig.ret.size, 0);
	assert_string_equal(sig.ret.name, "struct foo");
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "int", -1);

	/* An enum by value stays an int without debug info. */
	parse_ok("int f(enum e x)", &sig);
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "enum e", 0);
	sig__free(&sig);
}

static void check_buf(const struct wm_param *p, const char *name, int len_param,
		      enum wm_type_kind elem, int elem_size, bool is_signed, bool is_const)
{
	assert_string_equal(p->name, name);
	assert_int_equal(p->type.kind, WM_T_BUF);
	assert_int_equal(p->type.size, 8);
	assert_int_equal(p->type.len_param, len_param);
	check_target(&p->type, elem, elem_size, is_signed, is_const, 0);
}

static void test_buffers(void **state)
{
	struct wm_sig sig = { 0 };
	char buf[256];

	parse_ok("ssize_t read(int fd, void *buf[ret], size_t count)", &sig);
	check_buf(&sig.params[1], "buf", WM_LEN_RET, WM_T_CHAR, 1, false, false);
	assert_string_equal(sig.params[1].type.name, "void *");
	assert_int_equal(sig.params[1].reg, 1);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf, "ssize_t read(int fd, void *buf, size_t count)");

	/* The count may come before or after the buffer. */
	parse_ok("ssize_t write(int fd, const void *buf[count], size_t count)", &sig);
	check_buf(&sig.params[1], "buf", 2, WM_T_CHAR, 1, false, true);
	parse_ok("int sum(int n, const int *v[n])", &sig);
	check_buf(&sig.params[1], "v", 0, WM_T_INT, 4, true, true);
	parse_ok("int f(unsigned char *b[len], unsigned long len, uint8_t *c[len])", &sig);
	check_target(&sig.params[0].type, WM_T_CHAR, 1, false, false, 0);
	assert_int_equal(sig.params[0].type.len_param, 1);
	check_buf(&sig.params[2], "c", 1, WM_T_INT, 1, false, false);

	/* A C array parameter with a parameter as its bound is a buffer too. */
	parse_ok("int f(char s[n], int n)", &sig);
	assert_int_equal(sig.params[0].type.kind, WM_T_BUF);
	assert_int_equal(sig.params[0].type.len_param, 1);
	/* But its bound may be a macro from a header: then it is the pointer C makes. */
	parse_ok("int f(char path[PATH_MAX], int v[N])", &sig);
	check_param(&sig.params[0], "path", WM_T_STR, 8, false, "char *", 0);
	check_param(&sig.params[1], "v", WM_T_PTR, 8, false, "int *", 1);
	check_target(&sig.params[1].type, WM_T_INT, 4, true, false, 0);

	/* A parameter called ret is the count, not the result. */
	parse_ok("long f(long ret, char *b[ret])", &sig);
	assert_int_equal(sig.params[1].type.len_param, 0);

	/* Inside a function pointer's parameters. */
	parse_ok("void f(int (*cb)(const char *s[n], int n), int k)", &sig);
	check_param(&sig.params[0], "cb", WM_T_FUNCPTR, 8, false, "int (*)(const char *s, int n)",
		    0);
	sig__free(&sig);
}

static void test_fixed_counts(void **state)
{
	struct wm_sig sig = { 0 };

	parse_ok("void f(int *a[4], int b[3], char *c[16], const void *d[0x10], double *e[2u])",
		 &sig);
	check_param(&sig.params[0], "a", WM_T_PTR, 8, false, "int *", 0);
	check_target(&sig.params[0].type, WM_T_INT, 4, true, false, 4);
	check_param(&sig.params[1], "b", WM_T_PTR, 8, false, "int *", 1);
	check_target(&sig.params[1].type, WM_T_INT, 4, true, false, 3);
	/* Sixteen chars: an array, not a string read up to its NUL. */
	check_param(&sig.params[2], "c", WM_T_PTR, 8, false, "char *", 2);
	check_target(&sig.params[2].type, WM_T_CHAR, 1, true, false, 16);
	check_target(&sig.params[3].type, WM_T_CHAR, 1, false, true, 16);
	check_target(&sig.params[4].type, WM_T_FLOAT, 8, false, false, 2);

	/* What read as C before still does. */
	parse_ok("int main(int argc, char *argv[], char s[16], int m[3][4], int *pm[3][4], "
		 "const char n[static 8], int big[100000])",
		 &sig);
	check_param(&sig.params[1], "argv", WM_T_PTR, 8, false, "char **", 1);
	assert_int_equal(sig.params[1].type.target_count, 0);
	check_param(&sig.params[2], "s", WM_T_STR, 8, false, "char *", 2);
	assert_int_equal(sig.params[2].type.target_count, 0);
	check_param(&sig.params[3], "m", WM_T_PTR, 8, false, "int *", 3);
	check_param(&sig.params[4], "pm", WM_T_PTR, 8, false, "int **", 4);
	check_param(&sig.params[5], "n", WM_T_STR, 8, false, "const char *", 5);
	check_param(&sig.params[6], "big", WM_T_PTR, 8, false, "int *", -1);
	assert_int_equal(sig.params[6].type.target_count, 0);
	sig__free(&sig);
}

static void test_buffer_errors(void **state)
{
	parse_err("int f(void *b[nn], size_t n, int flags)", 15,
		  "no parameter 'nn' to count the elements of 'b': parameters are b, n, flags, "
		  "or 'ret' for the result");
	parse_err("int f(void *b[n])", 15,
		  "no parameter 'n' to count the elements of 'b': parameters are b, or 'ret' "
		  "for the result");
	parse_err("int f(void *b[len], int, char *ret2)", 15,
		  "no parameter 'len' to count the elements of 'b': parameters are b, ret2, or "
		  "'ret' for the result");
	parse_err("void f(void *b[ret])", 16,
		  "'[ret]': the function returns void, so the result cannot count the elements");
	parse_err("char *f(void *b[ret])", 17,
		  "'ret' is 'char *': an element count must be an integer");
	parse_err("int f(void *b[p], const char *p)", 15,
		  "'p' is 'const char *': an element count must be an integer");
	parse_err("int f(void *b[d], double d)", 15,
		  "'d' is 'double': an element count must be an integer");
	parse_err("int f(int *v[0])", 14,
		  "an element count must be a number from 1 to 65535 or the name of a parameter");
	parse_err("int f(int *v[65536])", 14,
		  "an element count must be a number from 1 to 65535 or the name of a parameter");
	parse_err("int f(int *v[4x])", 14,
		  "an element count must be a number from 1 to 65535 or the name of a parameter");
}

static void test_header_noise(void **state)
{
	struct wm_sig sig = { 0 };

	/* As glibc's headers spell it. */
	parse_ok("extern void qsort (void *__base, size_t __nmemb, size_t __size, "
		 "int (*__compar)(const void *, const void *)) __nonnull ((1, 4));",
		 &sig);
	assert_string_equal(sig.name, "qsort");
	assert_int_equal(sig.nr_params, 4);
	check_param(&sig.params[3], "__compar", WM_T_FUNCPTR, 8, false,
		    "int (*)(const void *, const void *)", 3);

	parse_ok("int sqlite3_open(\n  const char *filename,   /* Database filename (UTF-8) */\n"
		 "  sqlite3 **ppDb          // OUT: SQLite db handle\n)",
		 &sig);
	assert_int_equal(sig.nr_params, 2);
	check_param(&sig.params[0], "filename", WM_T_STR, 8, false, "const char *", 0);
	check_param(&sig.params[1], "ppDb", WM_T_PTR, 8, false, "sqlite3 **", 1);

	parse_ok("extern int printf (const char *__restrict __format, ...) "
		 "__attribute__ ((__format__ (__printf__, 1, 2)));",
		 &sig);
	assert_true(sig.variadic);
	assert_string_equal(sig.params[0].name, "__format");
	sig__free(&sig);
}

static void test_max_params(void **state)
{
	char text[512] = "void f(";
	struct wm_sig sig = { 0 };
	int i;

	for (i = 0; i < WM_SIG_MAX_PARAMS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sint p%d",
			 i ? ", " : "", i);
	strcat(text, ")");
	parse_ok(text, &sig);
	assert_int_equal(sig.nr_params, WM_SIG_MAX_PARAMS);
	assert_string_equal(sig.params[15].name, "p15");
	assert_int_equal(sig.params[15].reg, -1);
	sig__free(&sig);
}

static void test_errors(void **state)
{
	char text[512] = "void f(";
	int i;

	parse_err("int f(int a int b)", 13, "expected ')' or ','");
	parse_err("int f(int a, int b", 19, "expected ')' or ','");
	parse_err("int f(strnig s)", 7,
		  "unknown type 'strnig': use a pointer or a standard integer type");
	parse_err("int f(int a, foo_t x)", 14,
		  "unknown type 'foo_t': use a pointer or a standard integer type");
	parse_err("foo_t make(void)", 1,
		  "unknown type 'foo_t': use a pointer or a standard integer type");
	parse_err("", 1, "empty prototype");
	parse_err("   ", 4, "empty prototype");
	parse_err("strlen(const char *s)", 1, "expected the return type before 'strlen'");
	parse_err("int (int a)", 5, "expected the function name");
	parse_err("int f int a)", 7, "expected '(' after the function name");
	parse_err("int f(int a,)", 13, "expected a parameter type");
	parse_err("int f(unsigned double x)", 16, "'double' cannot be combined with 'unsigned'");
	parse_err("int f(long long long x)", 17, "too many 'long'");
	parse_err("int f(short char c)", 13, "'char' cannot be combined with 'short'");
	parse_err("int f(int a, void)", 14, "'void' must be the only parameter");
	parse_err("int f(int a) extra", 14, "unexpected 'extra' after the prototype");
	parse_err("int f(int a);;", 14, "unexpected ';' after the prototype");
	parse_err("int f(int &a)", 11, "unexpected character '&'");
	parse_err("int f(int x[)", 13, "expected ']' to match '[' at 12");
	parse_err("int f(..., int a)", 10, "expected ')' after '...'");
	parse_err("int f(int a /* unterminated", 13, "unterminated comment");

	for (i = 0; i <= WM_SIG_MAX_PARAMS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sint p%d",
			 i ? "," : "", i);
	strcat(text, ")");
	/* "void f(" is 7 columns, then "int pN," per parameter: 7 or 8 wide. */
	parse_err(text, 8 + 10 * 7 + 6 * 8, "too many parameters (max 16)");
}

static void test_error_outputs_optional(void **state)
{
	struct wm_sig sig = { 0 };

	assert_int_equal(proto__parse("int f(", &sig, NULL, NULL, 0), -EINVAL);
	assert_int_equal(proto__parse(NULL, &sig, NULL, NULL, 0), -EINVAL);
	sig__free(&sig);
}

static void test_is_prototype(void **state)
{
	assert_true(proto__is_prototype("int f(void)"));
	assert_true(proto__is_prototype("f("));
	assert_false(proto__is_prototype("malloc"));
	assert_false(proto__is_prototype("libc:str*"));
	assert_false(proto__is_prototype(NULL));
}

static void test_snprint(void **state)
{
	struct wm_sig sig = { 0 };
	char buf[256];
	int n;

	parse_ok("int search(const char *pat, const char *s)", &sig);
	n = sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf, "int search(const char *pat, const char *s)");
	assert_int_equal(n, (int)strlen(buf));

	parse_ok("char* f(int, ...)", &sig);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf, "char *f(int, ...)");

	parse_ok("void f(void)", &sig);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf, "void f(void)");

	parse_ok("void qsort(void *b, size_t n, size_t s, int (*cmp)(const void *, const void *))",
		 &sig);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf, "void qsort(void *b, size_t n, size_t s, "
				 "int (*cmp)(const void *, const void *))");

	/* Truncation still reports the full length, like snprintf. */
	parse_ok("int search(const char *pat, const char *s)", &sig);
	n = sig__snprint(&sig, buf, 8);
	assert_string_equal(buf, "int sea");
	assert_int_equal(n, (int)strlen("int search(const char *pat, const char *s)"));
	sig__free(&sig);
}

static void test_raw(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	memset(&sig, 0x55, sizeof(sig));
	sig__init_raw(&sig, "mystery");
	assert_int_equal(sig.source, WM_SIG_RAW);
	assert_string_equal(sig.name, "mystery");
	assert_int_equal(sig.ret.kind, WM_T_UNKNOWN);
	assert_int_equal(sig.ret.size, 8);
	assert_int_equal(sig.nr_params, 6);
	assert_false(sig.variadic);
	for (i = 0; i < 6; i++) {
		assert_string_equal(sig.params[i].name, "");
		assert_int_equal(sig.params[i].type.kind, WM_T_UNKNOWN);
		assert_int_equal(sig.params[i].type.size, 8);
		assert_int_equal(sig.params[i].reg, i);
	}
	sig__free(&sig);
}

static void test_assign_regs_aggregates(void **state)
{
	struct wm_sig sig = { 0 };

	/* As DWARF describes them: a 16-byte struct takes two registers, a 32-byte one none. */
	test_sig_full(&sig);
	sig.nr_params = 4;
	sig.params[0].type = (struct wm_type){ .kind = WM_T_UNKNOWN, .size = 16 };
	sig.params[1].type = (struct wm_type){ .kind = WM_T_UNKNOWN, .size = 32 };
	sig.params[2].type = (struct wm_type){ .kind = WM_T_INT, .size = 4 };
	sig.params[3].type = (struct wm_type){ .kind = WM_T_UNKNOWN, .size = 8 };
	sig__assign_regs(&sig);
	assert_int_equal(sig.params[0].reg, 0);
	assert_int_equal(sig.params[1].reg, -1);
	assert_int_equal(sig.params[2].reg, 2);
	assert_int_equal(sig.params[3].reg, 3);

	/* A large result is returned through a hidden pointer in rdi. */
	sig.ret = (struct wm_type){ .kind = WM_T_UNKNOWN, .size = 24 };
	sig__assign_regs(&sig);
	assert_int_equal(sig.params[0].reg, 1);
	assert_int_equal(sig.params[2].reg, 3);
	assert_int_equal(sig.params[3].reg, 4);
	sig__free(&sig);
}

/* Structs defined in the prototype: laid out as the C ABI does, used again by name. */
static void test_inline_struct(void **state)
{
	const struct wm_field *f;
	struct wm_sig sig = { 0 };

	(void)state;
	parse_ok("int move(struct pt { char c; int x; long l; const char *name; char tag[3]; } *p, "
		 "struct pt *q, union u { int i; short s[2]; double d; } v)",
		 &sig);
	assert_int_equal(sig.nr_params, 3);
	assert_int_equal(sig.params[0].type.kind, WM_T_PTR);
	assert_int_equal(sig.params[0].type.target.kind, WM_T_STRUCT);
	assert_string_equal(sig.params[0].type.name, "struct pt *");
	assert_int_equal(sig.params[0].type.nr_fields, 5);
	assert_int_equal(sig.params[0].type.struct_size, 32);
	f = &sig.fields[sig.params[0].type.first_field];
	assert_string_equal(f[0].name, "c");
	assert_int_equal(f[0].offset, 0);
	assert_int_equal(f[1].offset, 4);
	assert_int_equal(f[2].offset, 8);
	assert_int_equal(f[2].type.size, 8);
	assert_int_equal(f[3].offset, 16);
	assert_int_equal(f[3].type.kind, WM_T_STR);
	assert_int_equal(f[4].offset, 24);
	assert_int_equal(f[4].count, 3);
	assert_int_equal(f[4].type.kind, WM_T_CHAR);
	/* The same struct again, by its name. */
	assert_int_equal(sig.params[1].type.target.kind, WM_T_STRUCT);
	assert_int_equal(sig.params[1].type.first_field, sig.params[0].type.first_field);
	/* A union by value: every member at 0, as large as the largest. */
	assert_int_equal(sig.params[2].type.kind, WM_T_STRUCT);
	assert_true(sig.params[2].type.is_union);
	assert_int_equal(sig.params[2].type.size, 8);
	assert_int_equal(sig.fields[sig.params[2].type.first_field + 2].offset, 0);
	assert_int_equal(sig.params[2].reg, 2);

	/* A struct defined inside another: both laid out, the outer's members together. */
	parse_ok("int f(struct o { char c; struct in { long a; int b; } i; int last; } *p)", &sig);
	assert_int_equal(sig.params[0].type.nr_fields, 3);
	assert_int_equal(sig.params[0].type.struct_size, 32);
	f = &sig.fields[sig.params[0].type.first_field];
	assert_string_equal(f[1].name, "i");
	assert_int_equal(f[1].offset, 8);
	assert_int_equal(f[1].type.kind, WM_T_STRUCT);
	assert_string_equal(f[2].name, "last");
	assert_int_equal(f[2].offset, 24);

	parse_err("int f(struct a { FILE *f; struct b x; } *p)", 36,
		  "member 'x' has a type of unknown size: use a pointer, an integer type, or "
		  "define its struct inline too");
	parse_err("int f(struct a { int x } *p)", 24, "expected ';' after the member");
	parse_err("int f(struct a { } *p)", 18, "a struct defined here needs members");
	parse_err("int f(struct a { int v[n]; } *p)", 24,
		  "an array member needs a number of elements");
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_trailing_semicolon_and_storage),
		cmocka_unit_test(test_integer_spellings),
		cmocka_unit_test(test_chars_and_bools),
		cmocka_unit_test(test_strings_and_pointers),
		cmocka_unit_test(test_star_placement),
		cmocka_unit_test(test_floats_take_no_register),
		cmocka_unit_test(test_registers_run_out),
		cmocka_unit_test(test_no_params),
		cmocka_unit_test(test_variadic),
		cmocka_unit_test(test_unnamed_params),
		cmocka_unit_test(test_qualifiers),
		cmocka_unit_test(test_arrays_decay),
		cmocka_unit_test(test_pointer_targets),
		cmocka_unit_test(test_struct_by_value),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_fixed_counts),
		cmocka_unit_test(test_buffer_errors),
		cmocka_unit_test(test_header_noise),
		cmocka_unit_test(test_max_params),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_outputs_optional),
		cmocka_unit_test(test_is_prototype),
		cmocka_unit_test(test_snprint),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_assign_regs_aggregates),
		cmocka_unit_test(test_inline_struct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
