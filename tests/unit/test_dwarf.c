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

#include "types/dwarf.h"
#include "types/proto.h"
#include "types/sig.h"
#include "fixture.h"

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
	/* Defined again, differently, in b.c: lookups find this unit's, the first. */
	"struct twice { int a; long b; };\n"
	"long use_twice(struct twice *t) { return t->b; }\n"
	"int main(void) { return 0; }\n";

/*
 * Types for the layout tests. They are compiled into this test as well as
 * into the fixture, so member offsets and bitfield positions are checked
 * against the compiler itself, not only against numbers written here.
 */
#define FIXTURE_TYPES                                            \
	enum level { L_LOW = -2, L_MID = 0, L_HIGH = 7 };        \
	enum big { B_ONE = 1, B_HUGE = 0xffffffffffULL };        \
	struct inner {                                           \
		int a;                                           \
		char b;                                          \
	};                                                       \
	typedef struct inner inner_t;                            \
	struct flags {                                           \
		unsigned int ready : 1;                          \
		unsigned int mode : 3;                           \
		int delta : 5;                                   \
		unsigned char tag;                               \
		unsigned long long wide : 40;                    \
	};                                                       \
	union num {                                              \
		int i;                                           \
		double d;                                        \
		unsigned char bytes[8];                          \
	};                                                       \
	struct named {                                           \
		char name[16];                                   \
		short grid[2][3];                                \
		struct inner in;                                 \
		enum level lv;                                   \
		long count;                                      \
		int tail[];                                      \
	};                                                       \
	struct with_cb {                                         \
		int (*fn)(int);                                  \
		const char *label;                               \
		void *ctx;                                       \
		double ratio;                                    \
		_Bool on;                                        \
		struct inner *next;                              \
		char this_member_name_is_longer_than_thirty_one; \
	};                                                       \
	struct s8 {                                              \
		int a, b;                                        \
	};                                                       \
	struct s16 {                                             \
		long a, b;                                       \
	};                                                       \
	struct s24 {                                             \
		long a, b, c;                                    \
	};                                                       \
	struct fd {                                              \
		double x, y;                                     \
	};                                                       \
	struct wide {                                            \
		int WIDE_MEMBERS;                                \
	};                                                       \
	struct wide2 {                                           \
		int WIDE2_MEMBERS;                               \
	};                                                       \
	struct __attribute__((packed)) pk {                      \
		char c;                                          \
		unsigned x : 30;                                 \
		unsigned y : 2;                                  \
	};                                                       \
	struct __attribute__((packed)) pk2 {                     \
		char c;                                          \
		unsigned z : 4;                                  \
	};                                                       \
	struct hidden;

#define STR_(...) #__VA_ARGS__
#define STR(...)  STR_(__VA_ARGS__)
#define WIDE_MEMBERS                                                                              \
	w00, w01, w02, w03, w04, w05, w06, w07, w08, w09, w10, w11, w12, w13, w14, w15, w16, w17, \
		w18, w19, w20, w21, w22, w23, w24, w25, w26, w27, w28, w29, w30, w31, w32, w33,   \
		w34, w35, w36, w37, w38, w39
#define WIDE2_MEMBERS                                                                             \
	v00, v01, v02, v03, v04, v05, v06, v07, v08, v09, v10, v11, v12, v13, v14, v15, v16, v17, \
		v18, v19

FIXTURE_TYPES

static const char fixture_types[] =
	"#include <stddef.h>\n"
	"#include <stdbool.h>\n" STR(
		FIXTURE_TYPES) "\n"
			       "int t_flags(struct flags f, const struct flags *fp) { return "
			       "f.mode + fp->delta; }\n"
			       "double t_union(union num u, union num *up) { return u.d + up->i; "
			       "}\n"
			       "long t_named(struct named *n) { return n->count + n->tail[0]; }\n"
			       "long t_enum(enum level lv, enum level *lp, enum big b, const enum "
			       "level *clp)\n"
			       "{ return lv + *lp + b + *clp; }\n"
			       "int t_cb(int (*cb)(int), struct with_cb *w) { return cb(1) + "
			       "w->on; }\n"
			       "long t_sizes(struct s8 a, struct s16 b, struct s24 c, int x)\n"
			       "{ return a.a + b.b + c.c + x; }\n"
			       "long t_one_left(int a1, int a2, int a3, int a4, int a5, struct s16 "
			       "s, int x, long y)\n"
			       "{ return a1 + a2 + a3 + a4 + a5 + s.b + x + y; }\n"
			       "double t_mixed(double d0, int i0, float f1, long l1, struct fd fd, "
			       "int i2,\n"
			       "               long double q, int i3)\n"
			       "{ return d0 + i0 + f1 + l1 + fd.y + i2 + q + i3; }\n"
			       "int t_ptrs(int *ip, long *lp, size_t *sp, bool *bp, double *dp, "
			       "void **vpp,\n"
			       "           char **cpp, const int *cip, int (*arr)[4], const "
			       "inner_t *cin)\n"
			       "{ return *ip + *lp + *sp + *bp + *dp + (vpp != 0) + (cpp != 0) + "
			       "*cip + (*arr)[1]\n"
			       "         + cin->a; }\n"
			       "struct s24 t_ret24(int x) { struct s24 r = { x, x, x }; return r; "
			       "}\n"
			       "struct s16 t_ret16(int x) { struct s16 r = { x, x }; return r; }\n"
			       "int t_decl(struct hidden *h) { return h != 0; }\n"
			       "int t_packed(struct pk *p, struct pk2 *q) { return p->x + p->y + "
			       "q->z; }\n"
			       "int t_overflow(struct wide *w, struct wide2 *w2, enum level lv)\n"
			       "{ return w->w00 + w2->v00 + lv; }\n";

/* Member functions, references and this. */
static const char fixture_cxx[] =
	"struct P { int x; long y; };\n"
	"class C { int m; public: int get(int k); };\n"
	"int C::get(int k) { return m + k; }\n"
	"int by_ref(const P &p, P &q) { return p.x + (int)q.y; }\n"
	"template <typename A, typename B> struct LongPairName { A a; B b; };\n"
	"int long_arg(LongPairName<LongPairName<int, long>,\n"
	"             LongPairName<char, short> > *p) { return p->a.a; }\n";

/* A system call wrapper as glibc writes it: the assembler's DWARF names it, with no types. */
static const char fixture_sys[] = ".text\n.globl sys_like\n.type sys_like, @function\n"
				  "sys_like:\n\tret\n.size sys_like, .-sys_like\n"
				  ".section .note.GNU-stack,\"\",@progbits\n";

/* The same static name in a second unit: only the address tells them apart. */
static const char fixture_b[] =
	"__attribute__((used)) static const char *dup_name(const char *s, long n)\n"
	"{ return s + n; }\n"
	/* Defined here only: types.c has just a declaration. */
	"struct hidden { int secret; long more; };\n"
	"long use_hidden(struct hidden *h) { return h->secret + h->more; }\n"
	"struct twice { char pad[16]; long b; };\n"
	"long use_twice_b(struct twice *t) { return t->b; }\n";

/*
 * Optimised: f_inl is inlined into its caller and also kept out of line, so
 * the out-of-line copy refers to an abstract instance for its parameters.
 */
static const char fixture_opt[] =
	"int f_inl(int a, const char *s) { return a * 3 + s[a]; }\n"
	"int f_caller(const char *s) { return f_inl(1, s) + f_inl(2, s); }\n"
	/* As glibc's __SOCKADDR_ARG: GCC's DWARF gives the union no members. */
	"struct sa { int fam; };\n"
	"typedef union { struct sa *a; const char *s; } ARG __attribute__((transparent_union));\n"
	"int f_tu(int fd, ARG addr) { return fd + addr.a->fam; }\n";

/*
 * Assembled with -g, as glibc's syscall wrappers are: GNU as names the
 * function in a unit of its own with no parameters and no type.
 */
static const char fixture_asm[] = "\t.text\n"
				  "\t.globl asm_fn\n"
				  "\t.type asm_fn, @function\n"
				  "asm_fn:\n"
				  "\tmov %edi, %eax\n"
				  "\tret\n"
				  "\t.size asm_fn, .-asm_fn\n"
				  "\t.section .note.GNU-stack,\"\",@progbits\n";

struct fixture {
	char dir[PATH_MAX];
	char so[PATH_MAX + 32];	      /* shared object with DWARF */
	char exe[PATH_MAX + 32];      /* non-PIE executable with DWARF */
	char stripped[PATH_MAX + 32]; /* no DWARF anywhere */
	char sep[PATH_MAX + 32];      /* DWARF in a file named by .gnu_debuglink */
	char sepz[PATH_MAX + 32];     /* the same, its debug sections compressed (Debian's way) */
	char opt[PATH_MAX + 32];      /* built with -O2 */
	char types4[PATH_MAX + 32];   /* the layout fixture as DWARF 4 (old bitfields) */
	char cxx[PATH_MAX + 32];      /* C++ */
	struct wm_dwarf *d;
	int fd;
};

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
	char a[PATH_MAX + 8], b[PATH_MAX + 8], c[PATH_MAX + 8], t[PATH_MAX + 16], x[PATH_MAX + 16];
	char s[PATH_MAX + 16];

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
	snprintf(t, sizeof(t), "%s/types.c", fx->dir);
	snprintf(x, sizeof(x), "%s/cxx.cc", fx->dir);
	snprintf(s, sizeof(s), "%s/asm.S", fx->dir);
	snprintf(fx->types4, sizeof(fx->types4), "%s/libtypes4.so", fx->dir);
	snprintf(fx->cxx, sizeof(fx->cxx), "%s/libcxx.so", fx->dir);
	snprintf(fx->opt, sizeof(fx->opt), "%s/libopt.so", fx->dir);
	snprintf(fx->so, sizeof(fx->so), "%s/libfix.so", fx->dir);
	snprintf(fx->exe, sizeof(fx->exe), "%s/prog", fx->dir);
	snprintf(fx->stripped, sizeof(fx->stripped), "%s/stripped/libfix.so", fx->dir);
	snprintf(fx->sep, sizeof(fx->sep), "%s/sep/libfix.so", fx->dir);
	snprintf(fx->sepz, sizeof(fx->sepz), "%s/sepz/libfix.so", fx->dir);
	if (write_file(a, fixture_a) || write_file(b, fixture_b) || write_file(c, fixture_opt) ||
	    write_file(t, fixture_types) || write_file(x, fixture_cxx) ||
	    write_file(s, fixture_asm))
		return -1;
	snprintf(x, sizeof(x), "%s/sys.S", fx->dir);
	if (write_file(x, fixture_sys))
		return -1;
	/* Unit names a.c and b.c, as the symbol table's STT_FILE entries. */
	if (run("cd '%s' && cc -g -O0 -fPIC -shared -o libfix.so a.c b.c types.c", fx->dir) ||
	    run("cd '%s' && cc -gdwarf-4 -O0 -fPIC -shared -o libtypes4.so b.c types.c", fx->dir) ||
	    run("cd '%s' && c++ -g -O0 -fPIC -shared -o libcxx.so cxx.cc sys.S", fx->dir) ||
	    run("cd '%s' && cc -g -O0 -no-pie -o prog a.c b.c", fx->dir) ||
	    run("cd '%s' && cc -g -O2 -fPIC -fno-semantic-interposition -shared -o libopt.so opt.c "
		"asm.S",
		fx->dir) ||
	    run("cd '%s' && mkdir stripped sep && strip --strip-debug -o stripped/libfix.so "
		"libfix.so",
		fx->dir) ||
	    run("cd '%s/sep' && objcopy --only-keep-debug ../libfix.so libfix.dbg && "
		"strip --strip-debug -o libfix.so ../libfix.so && "
		"objcopy --add-gnu-debuglink=libfix.dbg libfix.so",
		fx->dir) ||
	    run("mkdir '%s/sepz' && cd '%s/sepz' && objcopy --only-keep-debug "
		"--compress-debug-sections=zlib ../libfix.so libfix.dbg && "
		"strip --strip-debug -o libfix.so ../libfix.so && "
		"objcopy --add-gnu-debuglink=libfix.dbg libfix.so",
		fx->dir, fx->dir))
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
	int err;

	sig__free(sig);
	err = dwarf__func_sig(fx->d, name, sym_addr(fx->so, NULL, name), sig);

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

static void check_loc(const struct wm_param *p, int reg, int nr_regs, int stack_off)
{
	if (p->reg != reg || p->nr_regs != nr_regs || p->stack_off != stack_off)
		print_error("%s: reg %d nr_regs %d stack_off %d, want %d %d %d\n", p->name, p->reg,
			    p->nr_regs, p->stack_off, reg, nr_regs, stack_off);
	assert_int_equal(p->reg, reg);
	assert_int_equal(p->nr_regs, nr_regs);
	assert_int_equal(p->stack_off, stack_off);
}

/* A member of t by name; fails the test when it is not there. */
static const struct wm_field *field_of(const struct wm_sig *sig, const struct wm_type *t,
				       const char *name)
{
	int i;

	assert_true(t->first_field + t->nr_fields <= sig->nr_fields);
	for (i = t->first_field; i < t->first_field + t->nr_fields; i++) {
		if (!strcmp(sig->fields[i].name, name))
			return &sig->fields[i];
	}
	fail_msg("no member '%s' in %s", name, t->name);
	return NULL;
}

static void check_field(const struct wm_field *f, unsigned int offset, enum wm_type_kind kind,
			int size, int count)
{
	if (f->offset != offset || f->type.kind != kind || f->type.size != size ||
	    f->count != count)
		print_error("member %s: offset %u kind %d size %d count %d\n", f->name, f->offset,
			    f->type.kind, f->type.size, f->count);
	assert_int_equal(f->offset, offset);
	assert_int_equal(f->type.kind, kind);
	assert_int_equal(f->type.size, size);
	assert_int_equal(f->count, count);
	if (!f->bit_size)
		assert_int_equal(f->bit_offset, 0);
}

/* The enumerators of an enum type or scalar, in order. */
static void check_enumvals(const struct wm_sig *sig, int first, int nr, const char *const *names,
			   const long long *values, int n)
{
	int i;

	assert_int_equal(nr, n);
	assert_true(first + nr <= sig->nr_enums);
	for (i = 0; i < n; i++) {
		assert_string_equal(sig->enums[first + i].name, names[i]);
		assert_true(sig->enums[first + i].value == values[i]);
	}
}

static void check_enum(const struct wm_sig *sig, const struct wm_type *t, const char *const *names,
		       const long long *values, int n)
{
	assert_int_equal(t->kind, WM_T_ENUM);
	check_enumvals(sig, t->first_enum, t->nr_enums, names, values, n);
}

/* Where the compiler put a bitfield: its first bit from the struct's start and its width. */
static void bits_set(const void *p, size_t n, int *first, int *width)
{
	const unsigned char *b = p;
	size_t i;

	*first = -1;
	*width = 0;
	for (i = 0; i < n * 8; i++) {
		if (!(b[i / 8] & (1u << (i % 8))))
			continue;
		if (*first < 0)
			*first = (int)i;
		(*width)++;
	}
}

#define COMPILER_BITS(T, m, first, width)                \
	do {                                             \
		T v_;                                    \
		memset(&v_, 0, sizeof(v_));              \
		v_.m = -1;                               \
		bits_set(&v_, sizeof(v_), first, width); \
	} while (0)

/*
 * A bitfield as the model describes it: reading type.size bytes at offset,
 * shifting by bit_offset and keeping bit_size bits must give the member,
 * which is where the compiler put it.
 */
static void check_bits(const struct wm_field *f, int want_first, int want_width,
		       unsigned int struct_size)
{
	if ((int)(f->offset * 8 + f->bit_offset) != want_first || f->bit_size != want_width)
		print_error(
			"bitfield %s: offset %u bit_offset %d bit_size %d, want bit %d width %d\n",
			f->name, f->offset, f->bit_offset, f->bit_size, want_first, want_width);
	assert_int_equal(f->offset * 8 + f->bit_offset, want_first);
	assert_int_equal(f->bit_size, want_width);
	assert_true(f->bit_offset + f->bit_size <= f->type.size * 8);
	assert_true(f->offset + f->type.size <= struct_size);
	assert_int_equal(f->count, 0);
}

static void test_integers(void **state)
{
	struct wm_sig sig = { 0 };

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
	sig__free(&sig);
}

static void test_strings(void **state)
{
	struct wm_sig sig = { 0 };

	get_sig(*state, "f_strs", &sig);
	assert_int_equal(sig.nr_params, 6);
	check_param(&sig.params[0], "cs", WM_T_STR, 8, false, "const char *", 0);
	check_param(&sig.params[1], "s", WM_T_STR, 8, false, "char *", 1);
	check_param(&sig.params[2], "pp", WM_T_PTR, 8, false, "char **", 2);
	check_param(&sig.params[3], "up", WM_T_PTR, 8, false, "unsigned char *", 3);
	check_param(&sig.params[4], "v", WM_T_PTR, 8, false, "const void *", 4);
	check_param(&sig.params[5], "sc", WM_T_STR, 8, false, "signed char *", 5);
	sig__free(&sig);
}

static void test_pointers(void **state)
{
	struct wm_sig sig = { 0 };

	get_sig(*state, "f_ptrs", &sig);
	check_type(&sig.ret, WM_T_PTR, 8, false, "struct point *");
	assert_int_equal(sig.nr_params, 3);
	check_param(&sig.params[0], "p", WM_T_PTR, 8, false, "struct point *", 0);
	check_param(&sig.params[1], "pp", WM_T_PTR, 8, false, "int **", 1);
	check_param(&sig.params[2], "v", WM_T_PTR, 8, false, "void *", 2);

	/* A struct pointer carries the struct's members; void * nothing to read. */
	assert_int_equal(sig.params[0].type.target.kind, WM_T_STRUCT);
	assert_int_equal(sig.params[0].type.struct_size, 8);
	assert_int_equal(sig.params[0].type.nr_fields, 2);
	check_field(field_of(&sig, &sig.params[0].type, "y"), 4, WM_T_INT, 4, 0);
	assert_int_equal(sig.ret.target.kind, WM_T_STRUCT);
	assert_int_equal(sig.ret.nr_fields, 2);
	assert_int_equal(sig.params[1].type.target.kind, WM_T_PTR);
	assert_int_equal(sig.params[1].type.target.size, 8);
	assert_int_equal(sig.params[2].type.target.kind, WM_T_VOID);

	get_sig(*state, "f_fnptr", &sig);
	check_param(&sig.params[0], "cb", WM_T_FUNCPTR, 8, false, "int (*)(const char *, int)", 0);
	check_param(&sig.params[1], "arg", WM_T_PTR, 8, false, "void *", 1);
	sig__free(&sig);
}

static void test_misc_and_float_registers(void **state)
{
	struct wm_sig sig = { 0 };

	get_sig(*state, "f_misc", &sig);
	assert_int_equal(sig.nr_params, 8);
	/* GCC gives a non-negative enum an unsigned underlying type. */
	check_param(&sig.params[0], "c", WM_T_ENUM, 4, false, "enum color", 0);
	check_param(&sig.params[1], "flag", WM_T_BOOL, 1, false, "_Bool", 1);
	check_param(&sig.params[2], "ch", WM_T_CHAR, 1, true, "char", 2);
	check_param(&sig.params[3], "d", WM_T_FLOAT, 8, false, "double", -1);
	check_param(&sig.params[4], "after_double", WM_T_INT, 4, true, "int", 3);
	check_param(&sig.params[5], "f", WM_T_FLOAT, 4, false, "float", -1);
	check_param(&sig.params[6], "after_float", WM_T_INT, 4, true, "int", 4);
	check_param(&sig.params[7], "sg", WM_T_ENUM, 4, true, "enum sign", 5);
	check_enum(&sig, &sig.params[0].type, (const char *[]){ "RED", "GREEN", "BLUE" },
		   (long long[]){ 0, 1, 2 }, 3);
	check_enum(&sig, &sig.params[7].type, (const char *[]){ "NEG", "POS" },
		   (long long[]){ -1, 1 }, 2);
	sig__free(&sig);
}

static void test_typedefs(void **state)
{
	struct wm_sig sig = { 0 };

	get_sig(*state, "f_typedefs", &sig);
	check_type(&sig.ret, WM_T_INT, 8, true, "long");
	assert_int_equal(sig.nr_params, 5);
	/* The outermost typedef names the type; the innermost gives its layout. */
	check_param(&sig.params[0], "u", WM_T_INT, 4, false, "my_u32", 0);
	check_param(&sig.params[1], "cu", WM_T_INT, 4, false, "const uint32_t", 1);
	check_param(&sig.params[2], "i64", WM_T_INT, 8, true, "int64_t", 2);
	check_param(&sig.params[3], "u8", WM_T_INT, 1, false, "uint8_t", 3);
	check_param(&sig.params[4], "cs", WM_T_INT, 8, false, "const size_t", 4);
	sig__free(&sig);
}

static void test_char_typedefs(void **state)
{
	struct wm_sig sig = { 0 };

	get_sig(*state, "f_chars", &sig);
	assert_int_equal(sig.nr_params, 4);
	/* int8_t is a number even though it is char underneath. */
	check_param(&sig.params[0], "i8", WM_T_INT, 1, true, "int8_t", 0);
	/* A typedef of char still points at text. */
	check_param(&sig.params[1], "gs", WM_T_STR, 8, false, "gchar *", 1);
	check_param(&sig.params[2], "bytes", WM_T_PTR, 8, false, "const uint8_t *", 2);
	check_param(&sig.params[3], "g", WM_T_CHAR, 1, true, "gchar", 3);
	sig__free(&sig);
}

static void test_optimized(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->opt, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_inl", sym_addr(fx->opt, NULL, "f_inl"), &sig), 0);
	assert_int_equal(sig.nr_params, 2);
	check_param(&sig.params[0], "a", WM_T_INT, 4, true, "int", 0);
	check_param(&sig.params[1], "s", WM_T_STR, 8, false, "const char *", 1);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_caller", sym_addr(fx->opt, NULL, "f_caller"), &sig),
			 0);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "s", WM_T_STR, 8, false, "const char *", 0);
	dwarf__free(d);
	sig__free(&sig);
}

/* An assembler's unit is no signature, so the prototype database gets its turn. */
static void test_assembler_unit(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->opt, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "asm_fn", sym_addr(fx->opt, NULL, "asm_fn"), &sig),
			 -ENOENT);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_inl", sym_addr(fx->opt, NULL, "f_inl"), &sig), 0);
	dwarf__free(d);
	sig__free(&sig);
}

/* A union DWARF gives no members is shown as the register it is passed in, not as "{}". */
static void test_memberless_union(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->opt, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_tu", sym_addr(fx->opt, NULL, "f_tu"), &sig), 0);
	assert_int_equal(sig.nr_params, 2);
	assert_string_equal(sig.params[1].type.name, "ARG");
	assert_int_equal(sig.params[1].type.kind, WM_T_UNKNOWN);
	assert_int_equal(sig.params[1].type.size, 8);
	dwarf__free(d);
	sig__free(&sig);
}

static void test_variadic_void_static(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig = { 0 };

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
	sig__free(&sig);
}

static void test_register_limits(void **state)
{
	struct wm_sig sig = { 0 };
	int i;

	get_sig(*state, "f_many", &sig);
	assert_int_equal(sig.nr_params, 8);
	for (i = 0; i < 6; i++)
		assert_int_equal(sig.params[i].reg, i);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], -1, 0, 8);
	assert_string_equal(sig.params[7].name, "a8");

	/* A 32-byte struct goes on the stack; x still gets rdi. */
	get_sig(*state, "f_byval", &sig);
	check_param(&sig.params[0], "b", WM_T_STRUCT, 32, false, "struct big", -1);
	check_loc(&sig.params[0], -1, 0, 0);
	check_param(&sig.params[1], "x", WM_T_INT, 4, true, "int", 0);
	/* long a[4]: one member, four elements. */
	assert_int_equal(sig.params[0].type.nr_fields, 1);
	check_field(field_of(&sig, &sig.params[0].type, "a"), 0, WM_T_INT, 8, 4);

	/* A 32-byte result is written through rdi, so x arrives in rsi. */
	get_sig(*state, "f_retbig", &sig);
	check_type(&sig.ret, WM_T_STRUCT, 32, false, "struct big");
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "int", 1);
	sig__free(&sig);
}

static void test_enums(void **state)
{
	static const char *const level_names[] = { "L_LOW", "L_MID", "L_HIGH" };
	static const long long level_values[] = { -2, 0, 7 };
	struct wm_sig sig = { 0 };

	get_sig(*state, "t_enum", &sig);
	assert_int_equal(sig.nr_params, 4);
	check_param(&sig.params[0], "lv", WM_T_ENUM, 4, true, "enum level", 0);
	check_enum(&sig, &sig.params[0].type, level_names, level_values, 3);
	/* 0xffffffffff does not fit an int: an 8-byte unsigned enum. */
	check_param(&sig.params[2], "b", WM_T_ENUM, 8, false, "enum big", 2);
	check_enum(&sig, &sig.params[2].type, (const char *[]){ "B_ONE", "B_HUGE" },
		   (long long[]){ 1, 0xffffffffffLL }, 2);

	/* Pointers to an enum: the same enumerators, shared in the pool, not copied. */
	check_param(&sig.params[1], "lp", WM_T_PTR, 8, false, "enum level *", 1);
	assert_int_equal(sig.params[1].type.target.kind, WM_T_ENUM);
	assert_int_equal(sig.params[1].type.target.size, 4);
	assert_true(sig.params[1].type.target.is_signed);
	assert_false(sig.params[1].type.target_const);
	check_enumvals(&sig, sig.params[1].type.target.first_enum,
		       sig.params[1].type.target.nr_enums, level_names, level_values, 3);
	assert_int_equal(sig.params[1].type.target.first_enum, sig.params[0].type.first_enum);
	check_param(&sig.params[3], "clp", WM_T_PTR, 8, false, "const enum level *", 3);
	assert_true(sig.params[3].type.target_const);
	assert_int_equal(sig.params[3].type.target.kind, WM_T_ENUM);
	assert_int_equal(sig.nr_enums, 5);
	sig__free(&sig);
}

static void test_struct_members(void **state)
{
	struct wm_sig sig = { 0 };
	const struct wm_type *t;
	const struct wm_field *f;

	get_sig(*state, "t_named", &sig);
	t = &sig.params[0].type;
	check_param(&sig.params[0], "n", WM_T_PTR, 8, false, "struct named *", 0);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_int_equal(t->target.size, sizeof(struct named));
	assert_int_equal(t->struct_size, sizeof(struct named));
	assert_false(t->is_union);
	assert_false(t->target_const);
	/* The flexible array member has no elements of its own: left out. */
	assert_int_equal(t->nr_fields, 5);
	assert_string_equal(sig.fields[t->first_field].name, "name");
	assert_string_equal(sig.fields[t->first_field + 4].name, "count");

	/* char name[16]: sixteen chars, which the output shows as a string. */
	f = field_of(&sig, t, "name");
	check_field(f, 0, WM_T_CHAR, 1, 16);
	assert_true(f->type.is_signed);
	/* short grid[2][3]: six shorts. */
	f = field_of(&sig, t, "grid");
	check_field(f, offsetof(struct named, grid), WM_T_INT, 2, 6);
	assert_int_equal(f->offset, 16);
	/* A nested struct is shown as {...}: its size only. */
	f = field_of(&sig, t, "in");
	check_field(f, offsetof(struct named, in), WM_T_STRUCT, sizeof(struct inner), 0);
	assert_int_equal(f->offset, 28);
	f = field_of(&sig, t, "lv");
	check_field(f, offsetof(struct named, lv), WM_T_ENUM, 4, 0);
	check_enumvals(&sig, f->type.first_enum, f->type.nr_enums,
		       (const char *[]){ "L_LOW", "L_MID", "L_HIGH" }, (long long[]){ -2, 0, 7 },
		       3);
	f = field_of(&sig, t, "count");
	check_field(f, offsetof(struct named, count), WM_T_INT, 8, 0);
	assert_int_equal(f->offset, 40);
	sig__free(&sig);
}

static void test_member_kinds(void **state)
{
	struct wm_sig sig = { 0 };
	const struct wm_type *t;
	const struct wm_field *f;

	get_sig(*state, "t_cb", &sig);
	check_param(&sig.params[0], "cb", WM_T_FUNCPTR, 8, false, "int (*)(int)", 0);
	t = &sig.params[1].type;
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_int_equal(t->nr_fields, 7);
	check_field(field_of(&sig, t, "fn"), offsetof(struct with_cb, fn), WM_T_FUNCPTR, 8, 0);
	check_field(field_of(&sig, t, "label"), offsetof(struct with_cb, label), WM_T_STR, 8, 0);
	check_field(field_of(&sig, t, "ctx"), offsetof(struct with_cb, ctx), WM_T_PTR, 8, 0);
	check_field(field_of(&sig, t, "ratio"), offsetof(struct with_cb, ratio), WM_T_FLOAT, 8, 0);
	check_field(field_of(&sig, t, "on"), offsetof(struct with_cb, on), WM_T_BOOL, 1, 0);
	check_field(field_of(&sig, t, "next"), offsetof(struct with_cb, next), WM_T_PTR, 8, 0);
	/* Names are cut to fit, never overflow. */
	f = &sig.fields[t->first_field + 6];
	assert_int_equal(strlen(f->name), WM_FIELD_NAME_MAX - 1);
	assert_memory_equal(f->name, "this_member_name_is_longer_than", WM_FIELD_NAME_MAX - 1);
	check_field(f, offsetof(struct with_cb, this_member_name_is_longer_than_thirty_one),
		    WM_T_CHAR, 1, 0);
	sig__free(&sig);
}

/* The bitfields of struct flags, in the model of a DWARF 5 or a DWARF 4 object. */
static void check_flags(const struct wm_sig *sig, const struct wm_type *t)
{
	int first, width;

	assert_int_equal(t->struct_size, sizeof(struct flags));
	assert_int_equal(t->nr_fields, 5);

	COMPILER_BITS(struct flags, ready, &first, &width);
	assert_int_equal(first, 0);
	check_bits(field_of(sig, t, "ready"), first, width, t->struct_size);
	assert_false(field_of(sig, t, "ready")->type.is_signed);
	COMPILER_BITS(struct flags, mode, &first, &width);
	assert_int_equal(first, 1);
	assert_int_equal(width, 3);
	check_bits(field_of(sig, t, "mode"), first, width, t->struct_size);
	COMPILER_BITS(struct flags, delta, &first, &width);
	assert_int_equal(first, 4);
	check_bits(field_of(sig, t, "delta"), first, width, t->struct_size);
	assert_true(field_of(sig, t, "delta")->type.is_signed);
	assert_int_equal(field_of(sig, t, "delta")->type.kind, WM_T_INT);
	/* An ordinary member between bitfields. */
	check_field(field_of(sig, t, "tag"), offsetof(struct flags, tag), WM_T_CHAR, 1, 0);
	assert_int_equal(field_of(sig, t, "tag")->bit_size, 0);
	COMPILER_BITS(struct flags, wide, &first, &width);
	assert_int_equal(first, 24);
	assert_int_equal(width, 40);
	check_bits(field_of(sig, t, "wide"), first, width, t->struct_size);
	assert_int_equal(field_of(sig, t, "wide")->type.size, 8);
}

/* Packed: storage units straddle, and may not even fit in the struct. */
static void check_packed(const struct wm_sig *sig)
{
	const struct wm_type *p = &sig->params[0].type, *q = &sig->params[1].type;
	int first, width;

	assert_int_equal(p->struct_size, 5);
	assert_int_equal(q->struct_size, 2);
	COMPILER_BITS(struct pk, x, &first, &width);
	assert_int_equal(first, 8);
	check_bits(field_of(sig, p, "x"), first, width, p->struct_size);
	COMPILER_BITS(struct pk, y, &first, &width);
	check_bits(field_of(sig, p, "y"), first, width, p->struct_size);
	COMPILER_BITS(struct pk2, z, &first, &width);
	assert_int_equal(first, 8);
	check_bits(field_of(sig, q, "z"), first, width, q->struct_size);
}

static void test_bitfields(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig = { 0 };

	get_sig(fx, "t_flags", &sig);
	/* By value, 8 bytes: one register. */
	check_param(&sig.params[0], "f", WM_T_STRUCT, 8, false, "struct flags", 0);
	check_loc(&sig.params[0], 0, 1, -1);
	check_flags(&sig, &sig.params[0].type);
	check_param(&sig.params[1], "fp", WM_T_PTR, 8, false, "const struct flags *", 1);
	assert_true(sig.params[1].type.target_const);
	check_flags(&sig, &sig.params[1].type);

	get_sig(fx, "t_packed", &sig);
	check_packed(&sig);

	/* GCC's DWARF 4 counts bit_offset from the storage unit's most significant bit. */
	assert_int_equal(open_dwarf(fx->types4, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "t_flags", sym_addr(fx->types4, NULL, "t_flags"), &sig),
			 0);
	check_flags(&sig, &sig.params[0].type);
	check_flags(&sig, &sig.params[1].type);
	/* Old-style bit_offset goes negative when the field straddles its unit. */
	sig__free(&sig);
	assert_int_equal(
		dwarf__func_sig(d, "t_packed", sym_addr(fx->types4, NULL, "t_packed"), &sig), 0);
	check_packed(&sig);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "t_named", sym_addr(fx->types4, NULL, "t_named"), &sig),
			 0);
	check_field(field_of(&sig, &sig.params[0].type, "grid"), 16, WM_T_INT, 2, 6);
	dwarf__free(d);
	sig__free(&sig);
}

static void test_unions(void **state)
{
	struct wm_sig sig = { 0 };
	const struct wm_type *t;

	get_sig(*state, "t_union", &sig);
	t = &sig.params[0].type;
	check_param(&sig.params[0], "u", WM_T_STRUCT, 8, false, "union num", 0);
	assert_true(t->is_union);
	assert_int_equal(t->nr_fields, 3);
	check_field(field_of(&sig, t, "i"), 0, WM_T_INT, 4, 0);
	check_field(field_of(&sig, t, "d"), 0, WM_T_FLOAT, 8, 0);
	check_field(field_of(&sig, t, "bytes"), 0, WM_T_CHAR, 1, 8);
	/* A double shares the eightbyte with integers: INTEGER class, so rdi. */
	check_loc(&sig.params[0], 0, 1, -1);

	t = &sig.params[1].type;
	check_param(&sig.params[1], "up", WM_T_PTR, 8, false, "union num *", 1);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_true(t->is_union);
	assert_int_equal(t->struct_size, 8);
	assert_int_equal(t->nr_fields, 3);
	sig__free(&sig);
}

static void test_scalar_pointers(void **state)
{
	static const struct {
		const char *name;
		enum wm_type_kind kind;
		int size;
		bool is_signed, is_const;
	} want[] = {
		{ "ip", WM_T_INT, 4, true, false },    { "lp", WM_T_INT, 8, true, false },
		{ "sp", WM_T_INT, 8, false, false },   { "bp", WM_T_BOOL, 1, false, false },
		{ "dp", WM_T_FLOAT, 8, false, false }, { "vpp", WM_T_PTR, 8, false, false },
		{ "cpp", WM_T_STR, 8, false, false },  { "cip", WM_T_INT, 4, true, true },
		{ "arr", WM_T_INT, 4, true, false },
	};
	struct wm_sig sig = { 0 };
	const struct wm_type *t;
	size_t i;

	get_sig(*state, "t_ptrs", &sig);
	assert_int_equal(sig.nr_params, 10);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = &sig.params[i].type;
		assert_string_equal(sig.params[i].name, want[i].name);
		assert_int_equal(t->kind, WM_T_PTR);
		if (t->target.kind != want[i].kind)
			print_error("%s: target kind %d\n", want[i].name, t->target.kind);
		assert_int_equal(t->target.kind, want[i].kind);
		assert_int_equal(t->target.size, want[i].size);
		assert_int_equal(t->target.is_signed, want[i].is_signed);
		assert_int_equal(t->target_const, want[i].is_const);
		assert_int_equal(t->nr_fields, 0);
	}
	/* int (*arr)[4]: a pointer to four ints. */
	assert_int_equal(sig.params[8].type.target_count, 4);
	assert_int_equal(sig.params[0].type.target_count, 0);
	/* Through a typedef to a const struct. */
	t = &sig.params[9].type;
	assert_string_equal(t->name, "const inner_t *");
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_true(t->target_const);
	check_field(field_of(&sig, t, "b"), offsetof(struct inner, b), WM_T_CHAR, 1, 0);
	check_loc(&sig.params[5], 5, 1, -1);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[9], -1, 0, 24);
	sig__free(&sig);
}

static void test_struct_locations(void **state)
{
	struct wm_sig sig = { 0 };

	/* 8 bytes: one register; 16: two; 24: memory, and x takes the next register. */
	get_sig(*state, "t_sizes", &sig);
	check_param(&sig.params[0], "a", WM_T_STRUCT, 8, false, "struct s8", 0);
	check_loc(&sig.params[0], 0, 1, -1);
	check_param(&sig.params[1], "b", WM_T_STRUCT, 16, false, "struct s16", 1);
	check_loc(&sig.params[1], 1, 2, -1);
	check_param(&sig.params[2], "c", WM_T_STRUCT, 24, false, "struct s24", -1);
	check_loc(&sig.params[2], -1, 0, 0);
	check_loc(&sig.params[3], 3, 1, -1);
	assert_int_equal(sig.params[2].type.nr_fields, 3);
	check_field(field_of(&sig, &sig.params[2].type, "c"), 16, WM_T_INT, 8, 0);

	/* 16 bytes with one register left: all of it to the stack, r9 left for x. */
	get_sig(*state, "t_one_left", &sig);
	check_loc(&sig.params[4], 4, 1, -1);
	check_loc(&sig.params[5], -1, 0, 0);
	check_loc(&sig.params[6], 5, 1, -1);
	check_loc(&sig.params[7], -1, 0, 16);

	/* Floats in SSE registers, struct fd in two of them, long double in memory. */
	get_sig(*state, "t_mixed", &sig);
	check_loc(&sig.params[0], -1, 0, -1);
	check_loc(&sig.params[1], 0, 1, -1);
	check_loc(&sig.params[2], -1, 0, -1);
	check_loc(&sig.params[3], 1, 1, -1);
	check_param(&sig.params[4], "fd", WM_T_STRUCT, 16, false, "struct fd", -1);
	check_loc(&sig.params[4], -1, 0, -1);
	check_loc(&sig.params[5], 2, 1, -1);
	check_param(&sig.params[6], "q", WM_T_FLOAT, 16, false, "long double", -1);
	check_loc(&sig.params[6], -1, 0, 0);
	check_loc(&sig.params[7], 3, 1, -1);

	/* Results: 24 bytes through a hidden pointer in rdi, 16 in rax:rdx. */
	get_sig(*state, "t_ret24", &sig);
	check_type(&sig.ret, WM_T_STRUCT, 24, false, "struct s24");
	assert_int_equal(sig.ret.nr_fields, 3);
	check_loc(&sig.params[0], 1, 1, -1);
	get_sig(*state, "t_ret16", &sig);
	check_type(&sig.ret, WM_T_STRUCT, 16, false, "struct s16");
	check_loc(&sig.params[0], 0, 1, -1);
	sig__free(&sig);
}

static void test_declaration_elsewhere(void **state)
{
	struct wm_sig sig = { 0 };
	const struct wm_type *t;

	/* types.c only declares struct hidden; b.c defines it. */
	get_sig(*state, "t_decl", &sig);
	t = &sig.params[0].type;
	check_param(&sig.params[0], "h", WM_T_PTR, 8, false, "struct hidden *", 0);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_int_equal(t->struct_size, 16);
	assert_int_equal(t->nr_fields, 2);
	check_field(field_of(&sig, t, "more"), 8, WM_T_INT, 8, 0);
	sig__free(&sig);
}

static void test_member_pool_full(void **state)
{
	struct wm_sig sig = { 0 };

	/* 40 + 20 members for a pool of 48: the second struct keeps the 8 that fit. */
	get_sig(*state, "t_overflow", &sig);
	assert_int_equal(sig.nr_fields, WM_SIG_MAX_FIELDS);
	assert_int_equal(sig.params[0].type.nr_fields, 40);
	assert_int_equal(sig.params[0].type.first_field, 0);
	check_field(field_of(&sig, &sig.params[0].type, "w39"), 39 * 4, WM_T_INT, 4, 0);
	assert_int_equal(sig.params[1].type.target.kind, WM_T_STRUCT);
	assert_int_equal(sig.params[1].type.struct_size, 80);
	assert_int_equal(sig.params[1].type.first_field, 40);
	assert_int_equal(sig.params[1].type.nr_fields, WM_SIG_MAX_FIELDS - 40);
	check_field(field_of(&sig, &sig.params[1].type, "v07"), 7 * 4, WM_T_INT, 4, 0);
	/* Enumerators have a pool of their own. */
	check_param(&sig.params[2], "lv", WM_T_ENUM, 4, true, "enum level", 2);
	sig__free(&sig);
}

static void test_cxx(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	const struct wm_type *t;
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->cxx, &d), 0);
	/* A reference is the object's address: a pointer to the struct. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "by_ref", 1, &sig), 0);
	assert_int_equal(sig.nr_params, 2);
	t = &sig.params[0].type;
	check_param(&sig.params[0], "p", WM_T_PTR, 8, false, "const struct P &", 0);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_true(t->target_const);
	assert_int_equal(t->nr_fields, 2);
	check_field(field_of(&sig, t, "y"), 8, WM_T_INT, 8, 0);
	assert_false(sig.params[1].type.target_const);
	assert_int_equal(sig.params[1].type.nr_fields, 2);

	/* this: a pointer to the class, its private member included. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "get", 1, &sig), 0);
	assert_int_equal(sig.nr_params, 2);
	t = &sig.params[0].type;
	assert_string_equal(sig.params[0].name, "this");
	assert_int_equal(t->kind, WM_T_PTR);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_false(t->target_const);
	assert_int_equal(t->nr_fields, 1);
	check_field(field_of(&sig, t, "m"), 0, WM_T_INT, 4, 0);
	check_loc(&sig.params[1], 1, 1, -1);

	/* A type's name too long to keep ends with "...", not mid-word. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "long_arg", 1, &sig), 0);
	assert_string_equal(sig.params[0].type.name,
			    "struct LongPairName<LongPairName<int, long int>, LongPairNam...");
	assert_int_equal(strlen(sig.params[0].type.name), WM_TYPE_NAME_MAX - 1);

	/* An assembler's function has no types in its DWARF: not "void sys_like(void)". */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "sys_like", 0, &sig), -ENOENT);
	dwarf__free(d);
	sig__free(&sig);
}

/* A prototype as -f gives it, then laid out from the fixture's debug info. */
static void proto_sig(struct wm_dwarf *d, const char *text, struct wm_sig *sig, int want)
{
	char err[256];
	int col, ret;

	sig__free(sig);
	if (proto__parse(text, sig, &col, err, sizeof(err)))
		fail_msg("'%s' does not parse at %d: %s", text, col, err);
	ret = dwarf__complete_sig(d, sig, err, sizeof(err));
	if (ret != want)
		fail_msg("dwarf__complete_sig('%s') = %d: %s", text, ret, err);
	assert_int_equal(sig->source, WM_SIG_PROTO);
	if (!ret)
		assert_string_equal(err, "");
}

static void test_complete_proto(void **state)
{
	struct fixture *fx = *state;
	const struct wm_type *t;
	struct wm_sig sig = { 0 };
	int nr_fields;

	/* Pointers: the same members DWARF's own signature has. */
	proto_sig(fx->d, "long t_named(struct named *n)", &sig, 0);
	t = &sig.params[0].type;
	assert_string_equal(t->name, "struct named *");
	assert_int_equal(t->kind, WM_T_PTR);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_int_equal(t->struct_size, sizeof(struct named));
	assert_int_equal(t->nr_fields, 5);
	check_field(field_of(&sig, t, "grid"), 16, WM_T_INT, 2, 6);
	assert_int_equal(field_of(&sig, t, "lv")->type.kind, WM_T_ENUM);

	/* By value and through a pointer to const, bitfields and all. */
	proto_sig(fx->d, "int t_flags(struct flags f, const struct flags *fp)", &sig, 0);
	check_param(&sig.params[0], "f", WM_T_STRUCT, 8, false, "struct flags", 0);
	check_loc(&sig.params[0], 0, 1, -1);
	check_flags(&sig, &sig.params[0].type);
	assert_true(sig.params[1].type.target_const);
	check_flags(&sig, &sig.params[1].type);
	check_loc(&sig.params[1], 1, 1, -1);
	/* Again: nothing changes, nothing is added to the pools. */
	nr_fields = sig.nr_fields;
	assert_int_equal(dwarf__complete_sig(fx->d, &sig, NULL, 0), 0);
	assert_int_equal(sig.nr_fields, nr_fields);
	assert_int_equal(sig.params[0].type.size, 8);

	/* Enums by value and behind a pointer; the size is the object's. */
	proto_sig(fx->d, "long t_enum(enum level lv, enum level *lp, enum big b)", &sig, 0);
	check_param(&sig.params[0], "lv", WM_T_ENUM, 4, true, "enum level", 0);
	check_enum(&sig, &sig.params[0].type, (const char *[]){ "L_LOW", "L_MID", "L_HIGH" },
		   (long long[]){ -2, 0, 7 }, 3);
	assert_int_equal(sig.params[1].type.target.kind, WM_T_ENUM);
	assert_int_equal(sig.params[1].type.target.first_enum, sig.params[0].type.first_enum);
	check_param(&sig.params[2], "b", WM_T_ENUM, 8, false, "enum big", 2);

	/* A union by value. */
	proto_sig(fx->d, "double t_union(union num u)", &sig, 0);
	check_param(&sig.params[0], "u", WM_T_STRUCT, 8, false, "union num", 0);
	assert_true(sig.params[0].type.is_union);
	assert_int_equal(sig.params[0].type.nr_fields, 3);

	/* Typedefs behind a pointer, const from the prototype; char typedefs read as text. */
	proto_sig(fx->d, "int f(const inner_t *cin, gchar *g, my_u32 *u, undefined_t *x)", &sig, 0);
	t = &sig.params[0].type;
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_true(t->target_const);
	check_field(field_of(&sig, t, "b"), offsetof(struct inner, b), WM_T_CHAR, 1, 0);
	check_param(&sig.params[1], "g", WM_T_STR, 8, false, "gchar *", 1);
	assert_int_equal(sig.params[2].type.target.kind, WM_T_INT);
	assert_int_equal(sig.params[2].type.target.size, 4);
	assert_false(sig.params[2].type.target.is_signed);
	assert_int_equal(sig.params[3].type.target.kind, WM_T_UNKNOWN);

	/* A buffer of structs, and a struct only declared where it is used. */
	proto_sig(fx->d, "int f(const struct inner *v[n], int n, struct hidden *h)", &sig, 0);
	t = &sig.params[0].type;
	assert_int_equal(t->kind, WM_T_BUF);
	assert_int_equal(t->len_param, 1);
	assert_int_equal(t->target.kind, WM_T_STRUCT);
	assert_int_equal(t->target.size, sizeof(struct inner));
	assert_int_equal(t->nr_fields, 2);
	assert_true(t->target_const);
	assert_int_equal(sig.params[2].type.nr_fields, 2);
	sig__free(&sig);
}

static void test_complete_proto_locations(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig = { 0 };
	char err[256];

	/* Until the struct's size is known, nothing from it on has a place; then all do. */
	assert_int_equal(proto__parse("long t_one_left(int a1, int a2, int a3, int a4, int a5, "
				      "struct s16 s, int x, long y)",
				      &sig, NULL, NULL, 0),
			 0);
	check_loc(&sig.params[5], -1, 0, -1);
	check_loc(&sig.params[6], -1, 0, -1);
	assert_int_equal(dwarf__complete_sig(fx->d, &sig, err, sizeof(err)), 0);
	check_loc(&sig.params[4], 4, 1, -1);
	check_loc(&sig.params[5], -1, 0, 0);
	check_loc(&sig.params[6], 5, 1, -1);
	check_loc(&sig.params[7], -1, 0, 16);

	/* A 24-byte result takes rdi. */
	proto_sig(fx->d, "struct s24 t_ret24(int x)", &sig, 0);
	check_type(&sig.ret, WM_T_STRUCT, 24, false, "struct s24");
	check_loc(&sig.params[0], 1, 1, -1);
	sig__free(&sig);
}

static void test_complete_proto_errors(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig = { 0 };
	char err[256];

	/* No such struct in the object: the parameter and those after it stay unplaced. */
	sig__free(&sig);
	assert_int_equal(proto__parse("int f(int a, struct nosuch s, int b)", &sig, NULL, NULL, 0),
			 0);
	assert_int_equal(dwarf__complete_sig(fx->d, &sig, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "parameter 's' is 'struct nosuch' by value, whose size only debug "
				 "info can give, and the object's debug info does not define it: "
				 "build the object with -g, or pass a pointer");
	check_loc(&sig.params[0], 0, 1, -1);
	check_loc(&sig.params[2], -1, 0, -1);

	/* No debug info at all. */
	sig__free(&sig);
	assert_int_equal(proto__parse("struct flags f(struct flags *p)", &sig, NULL, NULL, 0), 0);
	assert_int_equal(dwarf__complete_sig(NULL, &sig, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "the result is 'struct flags' by value, whose size only debug "
				 "info can give, and the object has no debug info: build the "
				 "object with -g, or pass a pointer");
	assert_int_equal(sig.params[0].type.target.kind, WM_T_UNKNOWN);

	/* Pointers and enums need no debug info: they stay as the prototype says. */
	proto_sig(NULL, "int f(struct flags *p, enum level lv, void *buf[ret])", &sig, 0);
	assert_int_equal(sig.params[0].type.kind, WM_T_PTR);
	assert_int_equal(sig.params[0].type.target.kind, WM_T_UNKNOWN);
	check_param(&sig.params[1], "lv", WM_T_INT, 4, true, "enum level", 1);
	assert_int_equal(sig.params[2].type.kind, WM_T_BUF);
	assert_int_equal(sig.nr_fields, 0);
	assert_int_equal(sig.nr_enums, 0);

	/* A struct by value named like an enum or a typedef is still not found. */
	proto_sig(fx->d, "int f(struct level s)", &sig, -ENOENT);
	proto_sig(fx->d, "int f(union inner s)", &sig, -ENOENT);
	sig__free(&sig);
}

static void test_same_name_by_address(void **state)
{
	struct fixture *fx = *state;
	unsigned long a = sym_addr(fx->so, "a.c", "dup_name");
	unsigned long b = sym_addr(fx->so, "b.c", "dup_name");
	struct wm_sig sig = { 0 };

	assert_true(a != b);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", a, &sig), 0);
	assert_int_equal(sig.nr_params, 1);
	check_param(&sig.params[0], "x", WM_T_INT, 4, true, "int", 0);

	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", b, &sig), 0);
	check_type(&sig.ret, WM_T_STR, 8, false, "const char *");
	assert_int_equal(sig.nr_params, 2);
	check_param(&sig.params[0], "s", WM_T_STR, 8, false, "const char *", 0);
	check_param(&sig.params[1], "n", WM_T_INT, 8, true, "long", 1);

	/* Two candidates and no address match: refuse to guess. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "dup_name", 1, &sig), -ENOENT);
	sig__free(&sig);
}

static void test_lookup_fallbacks(void **state)
{
	struct fixture *fx = *state;
	struct wm_sig sig = { 0 };

	/* One definition by that name: the address need not agree. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "f_ints", 1, &sig), 0);
	assert_int_equal(sig.nr_params, 6);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "no_such_function", 0, &sig), -ENOENT);
	/* A type's name is not a function. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "point", 0, &sig), -ENOENT);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, "", 0, &sig), -ENOENT);
	sig__free(&sig);
}

static void test_snprint(void **state)
{
	struct wm_sig sig = { 0 };
	char buf[256];

	get_sig(*state, "f_strs", &sig);
	sig__snprint(&sig, buf, sizeof(buf));
	assert_string_equal(buf,
			    "int f_strs(const char *cs, char *s, char **pp, unsigned char *up, "
			    "const void *v, signed char *sc)");
	sig__free(&sig);
}

static void test_executable(void **state)
{
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->exe, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_ints", sym_addr(fx->exe, NULL, "f_ints"), &sig), 0);
	assert_int_equal(sig.nr_params, 6);
	assert_string_equal(sig.params[2].type.name, "size_t");
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "dup_name", sym_addr(fx->exe, "b.c", "dup_name"), &sig),
			 0);
	assert_int_equal(sig.nr_params, 2);
	dwarf__free(d);
	sig__free(&sig);
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
	struct wm_sig sig = { 0 };

	assert_int_equal(open_dwarf(fx->sep, &d), 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(d, "f_misc", sym_addr(fx->sep, NULL, "f_misc"), &sig), 0);
	assert_int_equal(sig.nr_params, 8);
	check_param(&sig.params[4], "after_double", WM_T_INT, 4, true, "int", 3);
	dwarf__free(d);
	sig__free(&sig);
}

static void type_same(const struct wm_type *a, const struct wm_type *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->size, b->size);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->target.kind, b->target.kind);
	assert_int_equal(a->target.size, b->target.size);
	assert_int_equal(a->first_field, b->first_field);
	assert_int_equal(a->nr_fields, b->nr_fields);
	assert_int_equal(a->struct_size, b->struct_size);
	assert_int_equal(a->first_enum, b->first_enum);
	assert_int_equal(a->nr_enums, b->nr_enums);
}

/* Two signatures alike, pools and all: nothing read differs. */
static void sig_same(const struct wm_sig *a, const struct wm_sig *b)
{
	char ta[512], tb[512];

	sig__snprint(a, ta, sizeof(ta));
	sig__snprint(b, tb, sizeof(tb));
	assert_string_equal(ta, tb);
	type_same(&a->ret, &b->ret);
	assert_int_equal(a->nr_params, b->nr_params);
	assert_int_equal(a->nr_fields, b->nr_fields);
	assert_int_equal(a->nr_enums, b->nr_enums);
	for (int i = 0; i < a->nr_params; i++) {
		type_same(&a->params[i].type, &b->params[i].type);
		assert_int_equal(a->params[i].reg, b->params[i].reg);
		assert_int_equal(a->params[i].loc.state, b->params[i].loc.state);
		assert_int_equal(a->params[i].loc.nr_pieces, b->params[i].loc.nr_pieces);
	}
	for (int i = 0; i < a->nr_fields; i++) {
		assert_string_equal(a->fields[i].name, b->fields[i].name);
		assert_int_equal(a->fields[i].offset, b->fields[i].offset);
		assert_int_equal(a->fields[i].bit_offset, b->fields[i].bit_offset);
		assert_int_equal(a->fields[i].bit_size, b->fields[i].bit_size);
		assert_int_equal(a->fields[i].count, b->fields[i].count);
		assert_int_equal(a->fields[i].type.kind, b->fields[i].type.kind);
		assert_int_equal(a->fields[i].type.size, b->fields[i].type.size);
	}
	for (int i = 0; i < a->nr_enums; i++) {
		assert_string_equal(a->enums[i].name, b->enums[i].name);
		assert_int_equal(a->enums[i].value, b->enums[i].value);
	}
}

/*
 * Compressed debug sections: libdw reads its decompressed copies, and the
 * file's pages of them are paged out once indexed; every signature, with
 * its members and enumerators, reads as from the uncompressed file.
 */
static void test_compressed_debuglink(void **state)
{
	static const char *const names[] = { "f_misc", "t_flags", "t_packed", "t_named" };
	struct fixture *fx = *state;
	struct wm_dwarf *d = NULL;
	struct wm_sig want = { 0 }, got = { 0 };

	assert_int_equal(
		run("readelf -SW '%s/sepz/libfix.dbg' | grep -q 'debug_info.* C '", fx->dir), 0);
	assert_int_equal(open_dwarf(fx->sepz, &d), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned long a = sym_addr(fx->so, NULL, names[i]);

		sig__free(&want);
		sig__free(&got);
		assert_int_equal(dwarf__func_sig_at(fx->d, names[i], a, a, &want), 0);
		assert_int_equal(dwarf__func_sig_at(d, names[i], a, a, &got), 0);
		assert_true(want.nr_params > 0);
		sig_same(&want, &got);
	}
	dwarf__free(d);
	sig__free(&want);
	sig__free(&got);
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

/*
 * Offsets from the first unit that defines a type; by unit name, from that
 * unit's alone. libfix.so's units are a.c, b.c, types.c in that order.
 */
static void test_offsetof_by_unit(void **state)
{
	static const char *const unit_b[] = { "b.c", NULL }, *const none[] = { "zz.c", ".c", NULL };
	struct fixture *fx = *state;
	struct wm_dwarf *d;
	unsigned long v;

	/* A handle of its own: no earlier lookup has read any unit yet. */
	assert_int_equal(open_dwarf(fx->so, &d), 0);
	assert_int_equal(dwarf__offsetof_in(d, unit_b, "twice", "b", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(dwarf__offsetof(d, "twice", "b", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(dwarf__offsetof(d, "twice", NULL, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(dwarf__offsetof_in(d, unit_b, "twice", NULL, &v), 0);
	assert_int_equal(v, 24);
	/* Defined in b.c only, declared in types.c. */
	assert_int_equal(dwarf__offsetof(d, "hidden", "more", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(dwarf__offsetof_in(d, none, "twice", "b", &v), -ENOENT);
	assert_int_equal(dwarf__offsetof(d, "no_such_type", "b", &v), -ENOENT);
	assert_int_equal(dwarf__offsetof(d, "twice", "no_such_member", &v), -ENOENT);
	/* Every unit read now: the first unit's still. */
	assert_int_equal(dwarf__offsetof(d, "twice", "b", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(dwarf__offsetof_in(NULL, unit_b, "twice", "b", &v), -ENOENT);
	dwarf__free(d);
}

/* The handle names its object's file, whichever descriptor is open on it. */
static void test_is_of(void **state)
{
	struct fixture *fx = *state;
	int same = open(fx->so, O_RDONLY | O_CLOEXEC), other = open(fx->exe, O_RDONLY | O_CLOEXEC);

	assert_true(same >= 0 && other >= 0);
	assert_true(dwarf__is_of(fx->d, same));
	assert_false(dwarf__is_of(fx->d, other));
	assert_false(dwarf__is_of(NULL, same));
	assert_false(dwarf__is_of(fx->d, -1));
	close(same);
	close(other);
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
		cmocka_unit_test(test_assembler_unit),
		cmocka_unit_test(test_memberless_union),
		cmocka_unit_test(test_variadic_void_static),
		cmocka_unit_test(test_register_limits),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_struct_members),
		cmocka_unit_test(test_member_kinds),
		cmocka_unit_test(test_bitfields),
		cmocka_unit_test(test_unions),
		cmocka_unit_test(test_scalar_pointers),
		cmocka_unit_test(test_struct_locations),
		cmocka_unit_test(test_declaration_elsewhere),
		cmocka_unit_test(test_member_pool_full),
		cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_complete_proto),
		cmocka_unit_test(test_complete_proto_locations),
		cmocka_unit_test(test_complete_proto_errors),
		cmocka_unit_test(test_same_name_by_address),
		cmocka_unit_test(test_lookup_fallbacks),
		cmocka_unit_test(test_snprint),
		cmocka_unit_test(test_executable),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_compressed_debuglink),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_is_of),
		cmocka_unit_test(test_offsetof_by_unit),
	};

	/* Never reach out to debuginfod servers from a unit test. */
	unsetenv("DEBUGINFOD_URLS");
	return cmocka_run_group_tests(tests, setup, teardown);
}
