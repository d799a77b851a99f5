// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signatures from DWARF. The test compiles its own fixture with the system
 * compiler, so what it checks is what a real toolchain emits.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dwarf.h"
#include "sig.h"

static const char fixture_a[] =
	"#include <stdarg.h>\n"
	"#include <stdbool.h>\n"
	"#include <stddef.h>\n"
	"#include <stdint.h>\n"
	"struct point { int x, y; };\n"
	"struct big { long a[4]; };\n"
	"enum color { RED, GREEN, BLUE };\n"
	"enum sign { NEG = -1, POS = 1 };\n"
	"typedef uint32_t my_u32;\n"
	"int f_ints(int a, unsigned int b, size_t n, long l, short s, unsigned long long ull)\n"
	"{ return a + b + n + l + s + ull; }\n"
	"int f_strs(const char *cs, char *s, char **pp, unsigned char *up, const void *v,\n"
	"           signed char *sc)\n"
	"{ return cs[0] + s[0] + (pp != 0) + (up != 0) + (v != 0) + (sc != 0); }\n"
	"struct point *f_ptrs(struct point *p, int **pp, void *v) { return p + (pp != v); }\n"
	"int f_misc(enum color c, bool flag, char ch, double d, int after_double, float f,\n"
	"           int after_float, enum sign sg)\n"
	"{ return c + flag + ch + d + after_double + f + after_float + sg; }\n"
	"long f_typedefs(my_u32 u, const uint32_t cu, int64_t i64, uint8_t u8, const size_t cs)\n"
	"{ return u + cu + i64 + u8 + cs; }\n"
	"int f_var(const char *fmt, ...)\n"
	"{ va_list ap; int r; va_start(ap, fmt); r = va_arg(ap, int); va_end(ap); return r; }\n"
	"__attribute__((used)) static long f_static(long x) { return x * 2; }\n"
	"void f_void(void) { }\n"
	"long f_many(int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8)\n"
	"{ return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8; }\n"
	"long f_byval(struct big b, int x) { return b.a[0] + x; }\n"
	"struct big f_retbig(int x) { struct big b = { { x } }; return b; }\n"
	"int f_fnptr(int (*cb)(const char *, int), void *arg) { return cb(arg, 1); }\n"
	"__attribute__((used)) static int dup_name(int x) { return x + 1; }\n"
	"typedef char gchar;\n"
	"int f_chars(int8_t i8, gchar *gs, const uint8_t *bytes, gchar g)\n"
	"{ return i8 + gs[0] + bytes[0] + g; }\n"
	"int main(void) { return 0; }\n";

/* The same static name in a second unit: only the address tells them apart. */
static const char fixture_b[] =
	"__attribute__((used)) static const char *dup_name(const char *s, long n)\n"
	"{ return s + n; }\n";

/*
 * Optimised: f_inl is inlined into its caller and also kept out of line, so
 * the out-of-line copy refers to an abstract instance for its parameters.
 */
static const char fixture_opt[] =
	"int f_inl(int a, const char *s) { return a * 3 + s[a]; }\n"
	"int f_caller(const char *s) { return f_inl(1, s) + f_inl(2, s); }\n";

struct fixture {
	char dir[PATH_MAX];
	char so[PATH_MAX + 32];	      /* shared object with DWARF */
	char exe[PATH_MAX + 32];      /* non-PIE executable with DWARF */
	char stripped[PATH_MAX + 32]; /* no DWARF anywhere */
	char sep[PATH_MAX + 32];      /* DWARF in a file named by .gnu_debuglink */
	char opt[PATH_MAX + 32];      /* built with -O2 */
	struct wm_dwarf *d;
	int fd;
};

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	if (ret)
		fprintf(stderr, "fixture command failed (%d): %s\n", ret, cmd);
	return ret;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

/*
 * st_value of a function symbol. With file set, only among the local
 * symbols that follow that STT_FILE entry, as static functions are listed.
 */
static unsigned long sym_addr(const char *path, const char *file, const char *name)
{
	unsigned long addr = 0;
	const char *cur_file = NULL;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn)) && !addr) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;
			GElf_Sym sym;

			if (!gelf_getsym(data, i, &sym))
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!s)
				continue;
			if (GELF_ST_TYPE(sym.st_info) == STT_FILE) {
				cur_file = s;
				continue;
			}
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || strcmp(s, name))
				continue;
			if (file && (GELF_ST_BIND(sym.st_info) != STB_LOCAL || !cur_file ||
				     strcmp(cur_file, file)))
				continue;
			addr = sym.st_value;
			break;
		}
	}
	elf_end(elf);
	close(fd);
	if (!addr)
		fail_msg("no symbol %s (%s) in %s", name, file ? file : "any file", path);
	return addr;
}

static int open_dwarf(const char *path, struct wm_dwarf **d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = dwarf__open(fd, d);
	/* The handle must not depend on the caller's descriptor. */
	close(fd);
	return err;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char a[PATH_MAX + 8], b[PATH_MAX + 8], c[PATH_MAX + 8];

	if (!fx)
		return -1;
	*state = fx;
	fx->fd = -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/wm-dwarf-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(a, sizeof(a), "%s/a.c", fx->dir);
	snprintf(b, sizeof(b), "%s/b.c", fx->dir);
	snprintf(c, sizeof(c), "%s/opt.c", fx->dir);
	snprintf(fx->opt, sizeof(fx->opt), "%s/libopt.so", fx->dir);
	snprintf(fx->so, sizeof(fx->so), "%s/libfix.so", fx->dir);
	snprintf(fx->exe, sizeof(fx->exe), "%s/prog", fx->dir);
	snprintf(fx->stripped, sizeof(fx->stripped), "%s/stripped/libfix.so", fx->dir);
	snprintf(fx->sep, sizeof(fx->sep), "%s/sep/libfix.so", fx->dir);
	if (write_file(a, fixture_a) || write_file(b, fixture_b) || write_file(c, fixture_opt))
		return -1;
	/* Unit names a.c and b.c, as the symbol table's STT_FILE entries. */
	if (run("cd '%s' && cc -g -O0 -fPIC -shared -o libfix.so a.c b.c", fx->dir) ||
	    run("cd '%s' && cc -g -O0 -no-pie -o prog a.c b.c", fx->dir) ||
	    run("cd '%s' && cc -g -O2 -fPIC -fno-semantic-interposition -shared -o libopt.so opt.c",
		fx->dir) ||
	    run("cd '%s' && mkdir stripped sep && strip --strip-debug -o stripped/libfix.so "
		"libfix.so",
		fx->dir) ||
	    run("cd '%s/sep' && objcopy --only-keep-debug ../libfix.so libfix.dbg && "
		"strip --strip-debug -o libfix.so ../libfix.so && "
		"objcopy --add-gnu-debuglink=libfix.dbg libfix.so",
		fx->dir))
		return -1;
	return open_dwarf(fx->so, &fx->d) ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (!fx)
		return 0;
	dwarf__free(fx->d);
	if (fx->dir[0] && getenv("WM_KEEP_FIXTURE") == NULL)
		run("rm -rf '%s'", fx->dir);
	free(fx);
	return 0;
}

static void get_sig(struct fixture *fx, const char *name, struct wm_sig *sig)
{
	int err = dwarf__func_sig(fx->d, name, sym_addr(fx->so, NULL, name), sig);

	if (err)
		fail_msg("dwarf__func_sig(%s) = %d", name, err);
	assert_int_equal(sig->source, WM_SIG_DWARF);
	assert_string_equal(sig->name, name);
}

static void check_type(const struct wm_type *t, enum wm_type_kind kind, int size, bool is_signed,
		       const char *name)
{
	if (strcmp(t->name, name))
		print_error("type name '%s', want '%s'\n", t->name, name);
	assert_string_equal(t->name, name);
	assert_int_equal(t->kind, kind);
	assert_int_equal(t->size, size);
	assert_int_equal(t->is_signed, is_signed);
}

static void check_param(const struct wm_param *p, const char *name, enum wm_type_kind kind,
			int size, bool is_signed, const char *type_name, int reg)
{
	assert_string_equal(p->name, name);
	check_type(&p->type, kind, size, is_signed, type_name);
	assert_int_equal(p->reg, reg);
}

static void test_integers(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_ints", &sig);
	check_type(&sig.ret, WM_T_INT, 4, true, "int");
	assert_int_equal(sig.nr_params, 6);
	assert_false(sig.variadic);
	check_param(&sig.params[0], "a", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[1], "b", WM_T_INT, 4, false, "unsigned int", 1);
	check_param(&sig.params[2], "n", WM_T_INT, 8, false, "size_t", 2);
	check_param(&sig.params[3], "l", WM_T_INT, 8, true, "long", 3);
	check_param(&sig.params[4], "s", WM_T_INT, 2, true, "short", 4);
	check_param(&sig.params[5], "ull", WM_T_INT, 8, false, "unsigned long long", 5);
}

static void test_strings(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_strs", &sig);
	assert_int_equal(sig.nr_params, 6);
	check_param(&sig.params[0], "cs", WM_T_STR, 8, false, "const char *", 0);
	check_param(&sig.params[1], "s", WM_T_STR, 8, false, "char *", 1);
	check_param(&sig.params[2], "pp", WM_T_PTR, 8, false, "char **", 2);
	check_param(&sig.params[3], "up", WM_T_PTR, 8, false, "unsigned char *", 3);
	check_param(&sig.params[4], "v", WM_T_PTR, 8, false, "const void *", 4);
	check_param(&sig.params[5], "sc", WM_T_STR, 8, false, "signed char *", 5);
}

static void test_pointers(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_ptrs", &sig);
	check_type(&sig.ret, WM_T_PTR, 8, false, "struct point *");
	assert_int_equal(sig.nr_params, 3);
	check_param(&sig.params[0], "p", WM_T_PTR, 8, false, "struct point *", 0);
	check_param(&sig.params[1], "pp", WM_T_PTR, 8, false, "int **", 1);
	check_param(&sig.params[2], "v", WM_T_PTR, 8, false, "void *", 2);

	get_sig(*state, "f_fnptr", &sig);
	check_param(&sig.params[0], "cb", WM_T_PTR, 8, false, "int (*)(const char *, int)", 0);
	check_param(&sig.params[1], "arg", WM_T_PTR, 8, false, "void *", 1);
}

static void test_misc_and_float_registers(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_misc", &sig);
	assert_int_equal(sig.nr_params, 8);
	/* GCC gives a non-negative enum an unsigned underlying type. */
	check_param(&sig.params[0], "c", WM_T_INT, 4, false, "enum color", 0);
	check_param(&sig.params[1], "flag", WM_T_BOOL, 1, false, "_Bool", 1);
	check_param(&sig.params[2], "ch", WM_T_CHAR, 1, true, "char", 2);
	check_param(&sig.params[3], "d", WM_T_FLOAT, 8, false, "double", -1);
	check_param(&sig.params[4], "after_double", WM_T_INT, 4, true, "int", 3);
	check_param(&sig.params[5], "f", WM_T_FLOAT, 4, false, "float", -1);
	check_param(&sig.params[6], "after_float", WM_T_INT, 4, true, "int", 4);
	check_param(&sig.params[7], "sg", WM_T_INT, 4, true, "enum sign", 5);
}

static void test_typedefs(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_typedefs", &sig);
	check_type(&sig.ret, WM_T_INT, 8, true, "long");
	assert_int_equal(sig.nr_params, 5);
	/* The outermost typedef names the type; the innermost gives its layout. */
	check_param(&sig.params[0], "u", WM_T_INT, 4, false, "my_u32", 0);
	check_param(&sig.params[1], "cu", WM_T_INT, 4, false, "const uint32_t", 1);
	check_param(&sig.params[2], "i64", WM_T_INT, 8, true, "int64_t", 2);
	check_param(&sig.params[3], "u8", WM_T_INT, 1, false, "uint8_t", 3);
	check_param(&sig.params[4], "cs", WM_T_INT, 8, false, "const size_t", 4);
}

static void test_char_typedefs(void **state)
{
	struct wm_sig sig;

	get_sig(*state, "f_chars", &sig);
	assert_int_equal(sig.nr_params, 4);
	/* int8_t is a number even though it is char underneath. */
	check_param(&sig.params[0], "i8", WM_T_INT, 1, true, "int8_t", 0);
	/* A typedef of char still points at text. */
	check_param(&sig.params[1], "gs", WM_T_STR, 8, false, "gchar *", 1);
	check_param(&sig.params[2], "bytes", WM_T_PTR, 8, false, "const uint8_t *", 2);
	check_param(&sig.params[3], "g", WM_T_CHAR, 1, true, "gchar", 3);
}

static void test_optimized(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig;

	assert_int_equal(open_dwarf(fx->opt, &d), 0);
	assert_int_equal(dwarf__func_sig(d, "f_inl", sym_addr(fx->opt, NULL, "f_inl"), &sig), 0);
	assert_int_equal(sig.nr_params, 2);
	check_param(&sig.params[0], "a", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[1], "s", WM_T_STR, 8, false, "const char *", 1);
	assert_int_equal(dwarf__func_sig(d, "f_caller", sym_addr(fx->opt, NULL, "f_caller"), &sig),
			 0);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "s", WM_T_STR, 8, false, "const char *", 0);
	dwarf__free(d);
}

static void test_variadic_void_static(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig;

	get_sig(fx, "f_var", &sig);
	assert_true(sig.variadic);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "fmt", WM_T_STR, 8, false, "const char *", 0);

	get_sig(fx, "f_void", &sig);
	check_type(&sig.ret, WM_T_VOID, 0, false, "void");
	assert_int_equal(sig.nr_params, 0);
	assert_false(sig.variadic);

	get_sig(fx, "f_static", &sig);
	check_type(&sig.ret, WM_T_INT, 8, true, "long");
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "x", WM_T_INT, 8, true, "long", 0);
}

static void test_register_limits(void **state)
{
	struct wm_sig sig;
	int i;

	get_sig(*state, "f_many", &sig);
	assert_int_equal(sig.nr_params, 8);
	for (i = 0; i < 6; i++)
		assert_int_equal(sig.params[i].reg, i);
	assert_int_equal(sig.params[6].reg, -1);
	assert_int_equal(sig.params[7].reg, -1);
	assert_string_equal(sig.params[7].name, "a8");

	/* A 32-byte struct goes on the stack; x still gets rdi. */
	get_sig(*state, "f_byval", &sig);
	check_param(&sig.params[0], "b", WM_T_UNKNOWN, 32, false, "struct big", -1);
	check_param(&sig.params[1], "x", WM_T_INT, 4, true, "int", 0);

	/* A 32-byte result is written through rdi, so x arrives in rsi. */
	get_sig(*state, "f_retbig", &sig);
	check_type(&sig.ret, WM_T_UNKNOWN, 32, false, "struct big");
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "int", 1);
}

static void test_same_name_by_address(void **state)
{
	struct fixture *fx = *state;
	unsigned long a = sym_addr(fx->so, "a.c", "dup_name");
	unsigned long b = sym_addr(fx->so, "b.c", "dup_name");
	struct wm_sig sig;

	assert_true(a != b);
	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", a, &sig), 0);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "int", 0);

	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", b, &sig), 0);
	check_type(&sig.ret, WM_T_STR, 8, false, "const char *");
	assert_int_equal(sig.nr_params, 2);
	check_param(&sig.params[0], "s", WM_T_STR, 8, false, "const char *", 0);
	check_param(&sig.params[1], "n", WM_T_INT, 8, true, "long", 1);

	/* Two candidates and no address match: refuse to guess. */
	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", 1, &sig), -ENOENT);
}

static void test_lookup_fallbacks(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig;

	/* One definition by that name: the address need not agree. */
	assert_int_equal(dwarf__func_sig(fx->d, "f_ints", 1, &sig), 0);
	assert_int_equal(sig.nr_params, 6);
	assert_int_equal(dwarf__func_sig(fx->d, "no_such_function", 0, &sig), -ENOENT);
	/* A type's name is not a function. */
	assert_int_equal(dwarf__func_sig(fx->d, "point", 0, &sig), -ENOENT);
	assert_int_equal(dwarf__func_sig(fx->d, "", 0, &sig), -ENOENT);
}

static void test_snprint(void **state)
{
	struct wm_sig sig;
	char buf[256];

	get_sig(*state, "f_strs", &sig);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf,
			    "int f_strs(const char *cs, char *s, char **pp, unsigned char *up, "
			    "const void *v, signed char *sc)");
}

static void test_executable(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig;

	assert_int_equal(open_dwarf(fx->exe, &d), 0);
	assert_int_equal(dwarf__func_sig(d, "f_ints", sym_addr(fx->exe, NULL, "f_ints"), &sig), 0);
	assert_int_equal(sig.nr_params, 6);
	assert_string_equal(sig.params[2].type.name, "size_t");
	assert_int_equal(dwarf__func_sig(d, "dup_name", sym_addr(fx->exe, "b.c", "dup_name"), &sig),
			 0);
	assert_int_equal(sig.nr_params, 2);
	dwarf__free(d);
}

static void test_stripped(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = (struct wm_dwarf *)1;

	assert_int_equal(open_dwarf(fx->stripped, &d), -ENODATA);
	assert_null(d);
}

static void test_debuglink(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig;

	assert_int_equal(open_dwarf(fx->sep, &d), 0);
	assert_int_equal(dwarf__func_sig(d, "f_misc", sym_addr(fx->sep, NULL, "f_misc"), &sig), 0);
	assert_int_equal(sig.nr_params, 8);
	check_param(&sig.params[4], "after_double", WM_T_INT, 4, true, "int", 3);
	dwarf__free(d);
}

static void test_not_elf(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX + 8];
	struct wm_dwarf *d = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/a.c", fx->dir);
	err = open_dwarf(path, &d);
	assert_true(err < 0);
	assert_null(d);
	assert_int_equal(dwarf__open(-1, &d), -EBADF);
	dwarf__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_misc_and_float_registers),
		cmocka_unit_test(test_typedefs),
		cmocka_unit_test(test_char_typedefs),
		cmocka_unit_test(test_optimized),
		cmocka_unit_test(test_variadic_void_static),
		cmocka_unit_test(test_register_limits),
		cmocka_unit_test(test_same_name_by_address),
		cmocka_unit_test(test_lookup_fallbacks),
		cmocka_unit_test(test_snprint),
		cmocka_unit_test(test_executable),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_not_elf),
	};

	/* Never reach out to debuginfod servers from a unit test. */
	unsetenv("DEBUGINFOD_URLS");
	return cmocka_run_group_tests(tests, setup, teardown);
}
