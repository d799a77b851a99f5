// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pyqual: 3.10's qualnames found from the function objects, on objects laid
 * out in this process's own memory as CPython 3.10 lays them out (a module's
 * globals, a class, a nested class, a staticmethod, code objects in code
 * objects' constants, a functools.wraps wrapper), read back through procmem
 * as from a target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lang/python/pyqual.h"
#include "lang/python/pyvalue.h"
#include "types/dwarf.h"
#include "wrapmon_py.h"

/* Room for any of the objects below; fields at CPython 3.10's offsets. */
struct obj {
	unsigned char b[512];
};

static void put(struct obj *o, size_t off, __u64 v)
{
	memcpy(o->b + off, &v, sizeof(v));
}

static __u64 addr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

struct world {
	struct obj t_function, t_type, t_static, t_int, t_code, t_str;
	struct obj names[8];		      /* str objects */
	struct obj funcs[8];		      /* functions */
	struct obj code[16];		      /* their code objects, and those made in them */
	struct obj cnames[16];		      /* the code objects' co_name */
	struct obj consts[16];		      /* their co_consts */
	struct obj lines[16];		      /* their co_linetable */
	struct obj file;		      /* the co_filename they share */
	struct obj fdict, fkeys, wrapped_key; /* a wrapper's __dict__: {"__wrapped__": ...} */
	struct obj t_property, t_cache, prop, cache, closure, cell;
	struct obj classes[2]; /* G, G.I */
	struct obj dicts[3];   /* globals, G's, G.I's */
	struct obj keys[3];
	struct obj wrapper; /* staticmethod(G.s) */
	struct obj number;  /* an int in the globals */
};

static void type_obj(struct obj *t, const char *name, __u64 flags)
{
	put(t, 24, addr(name));
	put(t, 168, flags);
}

static void str_obj(struct obj *s, const char *text, __u32 state)
{
	put(s, 16, strlen(text));
	memcpy(s->b + 32, &state, sizeof(state));
	memcpy(s->b + 48, text, strlen(text) + 1);
}

static void func_obj(struct world *w, int i, const char *qualname)
{
	str_obj(&w->names[i], qualname, 0x64);
	put(&w->funcs[i], 8, addr(&w->t_function));
	put(&w->funcs[i], 40, addr(&w->names[i]));
	put(&w->funcs[i], 48, addr(&w->code[i]));
}

/* Table k of size 8 (1-byte indices) with the given values; keys are any non-NULL. */
static void dict_obj(struct world *w, int k, const __u64 *values, int n)
{
	put(&w->dicts[k], 32, addr(&w->keys[k]));
	put(&w->keys[k], 8, 8);
	put(&w->keys[k], 32, n);
	for (int i = 0; i < n; i++) {
		put(&w->keys[k], 48 + 24 * i + 8, addr(&w->number)); /* key */
		put(&w->keys[k], 48 + 24 * i + 16, values[i]);
	}
}

/*
 * globals: {number, top, G}; G: {m, s (staticmethod), I}; G.I: {d}.
 * funcs: 0 top, 1 G.m, 2 G.s, 3 G.I.d, 4 added later.
 */
static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	__u64 g[] = { addr(&w->number), addr(&w->funcs[0]), addr(&w->classes[0]) };
	__u64 c[] = { addr(&w->funcs[1]), addr(&w->wrapper), addr(&w->classes[1]) };
	__u64 i[] = { addr(&w->funcs[3]) };

	assert_non_null(w);
	type_obj(&w->t_function, "function", 0);
	type_obj(&w->t_type, "type", 1UL << 31);
	type_obj(&w->t_static, "staticmethod", 0);
	type_obj(&w->t_int, "int", 0);
	put(&w->number, 8, addr(&w->t_int));
	func_obj(w, 0, "top");
	func_obj(w, 1, "G.m");
	func_obj(w, 2, "G.s");
	func_obj(w, 3, "G.I.d");
	func_obj(w, 4, "later");
	put(&w->wrapper, 8, addr(&w->t_static));
	put(&w->wrapper, 16, addr(&w->funcs[2]));
	for (int k = 0; k < 2; k++) {
		put(&w->classes[k], 8, addr(&w->t_type));
		put(&w->classes[k], 264, addr(&w->dicts[k + 1]));
	}
	dict_obj(w, 0, g, 3);
	dict_obj(w, 1, c, 3);
	dict_obj(w, 2, i, 1);
	return w;
}

/*
 * Code object i named name with co_flags flags, its constants the code
 * objects kids, in the lines first to last of the one file.
 */
static void code_obj(struct world *w, int i, const char *name, __u32 flags, const int *kids, int n,
		     int first, int last)
{
	put(&w->code[i], 8, addr(&w->t_code));
	memcpy(w->code[i].b + 0x24, &flags, sizeof(flags));
	memcpy(w->code[i].b + 40, &first, sizeof(first));
	str_obj(&w->cnames[i], name, 0x64);
	put(&w->code[i], 0x70, addr(&w->cnames[i]));
	put(&w->code[i], 0x38, addr(&w->consts[i]));
	put(&w->code[i], 0x68, addr(&w->file));
	/* A tuple: one that is no code object first, as a docstring or None would be. */
	put(&w->consts[i], 16, n + 1);
	put(&w->consts[i], 24, addr(&w->number));
	for (int k = 0; k < n; k++)
		put(&w->consts[i], 32 + 8 * k, addr(&w->code[kids[k]]));
	/* The line table: a line with none, then down a line and up to last. */
	put(&w->code[i], 120, addr(&w->lines[i]));
	put(&w->lines[i], 16, 6);
	memcpy(w->lines[i].b + 32,
	       (signed char[]){ 2, -128, 2, -1, 2, (signed char)(last - first + 1) }, 6);
}

static int new_finder(struct pyqual **q)
{
	struct wm_py_offsets off = { .code_consts = 0x38,
				     .code_flags = 0x24,
				     .code_firstlineno = 40,
				     .code_filename = 0x68,
				     .code_qualname = 0x70 };
	struct pyqual_offsets qo;

	pyvalue__str_offsets(NULL, 10, &off);
	assert_int_equal(pyqual__offsets(NULL, 10, &qo), -ENODATA);
	return pyqual__new(getpid(), &off, &qo, q);
}

static int find(struct pyqual *q, struct world *w, int code, char *out)
{
	return pyqual__find(q, addr(&w->dicts[0]), addr(&w->code[code]), out, 64);
}

static void test_functions_methods_and_nested_classes(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];
	const char *want[] = { "top", "G.m", "G.s", "G.I.d" };

	(void)state;
	assert_int_equal(new_finder(&q), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(find(q, w, i, out), 0);
		assert_string_equal(out, want[i]);
	}
	/* Not in the namespace (a nested function): not found. */
	assert_int_equal(find(q, w, 4, out), -ENOENT);
	pyqual__free(q);
	free(w);
}

static void test_names_added_later_are_read(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];

	(void)state;
	assert_int_equal(new_finder(&q), 0);
	assert_int_equal(find(q, w, 4, out), -ENOENT);
	/* A def after the first read: a fourth entry. */
	put(&w->keys[0], 48 + 24 * 3 + 8, addr(&w->number));
	put(&w->keys[0], 48 + 24 * 3 + 16, addr(&w->funcs[4]));
	put(&w->keys[0], 32, 4);
	assert_int_equal(find(q, w, 4, out), 0);
	assert_string_equal(out, "later");
	/* Still found from what was kept. */
	assert_int_equal(find(q, w, 1, out), 0);
	assert_string_equal(out, "G.m");
	pyqual__free(q);
	free(w);
}

static void test_gone_deleted_and_unreadable(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];

	(void)state;
	assert_int_equal(new_finder(&q), 0);
	assert_int_equal(find(q, w, 0, out), 0);
	/* The function kept now has another code object (freed, its memory reused). */
	put(&w->funcs[0], 48, addr(&w->code[5]));
	assert_int_equal(find(q, w, 0, out), -ENOENT);
	/* A qualname that is not compact (a legacy str: its characters elsewhere) is not read. */
	str_obj(&w->names[1], "G.m", 0x04);
	assert_int_equal(find(q, w, 1, out), -ENOENT);
	/* Too long for out. */
	assert_int_equal(pyqual__find(q, addr(&w->dicts[0]), addr(&w->code[2]), out, 3), -ENOENT);
	/* Unreadable globals, and no code object. */
	assert_int_equal(pyqual__find(q, 8, addr(&w->code[2]), out, sizeof(out)), -ENOENT);
	assert_int_equal(pyqual__find(q, addr(&w->dicts[0]), 0, out, sizeof(out)), -EINVAL);
	pyqual__free(q);
	free(w);

	/* A deleted entry (key and value NULL) is passed over. */
	w = world_new();
	assert_int_equal(new_finder(&q), 0);
	put(&w->keys[0], 48 + 24 * 1 + 8, 0);
	put(&w->keys[0], 48 + 24 * 1 + 16, 0);
	assert_int_equal(find(q, w, 0, out), -ENOENT);
	assert_int_equal(find(q, w, 1, out), 0);
	pyqual__free(q);
	pyqual__free(NULL);
	free(w);
}

/*
 * top's code object holds inner's, inner's a class body K's, K's a method
 * m; and a list comprehension holding a lambda: named as the compiler does.
 */
static void test_code_objects_made_in_functions(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];
	const int top[] = { 5, 8 }, inner[] = { 6 }, k[] = { 7 }, comp[] = { 9 };

	(void)state;
	type_obj(&w->t_code, "code", 0);
	code_obj(w, 0, "top", 0x3, top, 2, 1, 20);
	code_obj(w, 5, "inner", 0x13, inner, 1, 2, 10);
	code_obj(w, 6, "K", 0x0, k, 1, 3, 5);
	code_obj(w, 7, "m", 0x3, NULL, 0, 4, 4);
	code_obj(w, 8, "<listcomp>", 0x3, comp, 1, 20, 20);
	code_obj(w, 9, "<lambda>", 0x3, NULL, 0, 20, 20);
	/*
	 * A code object past the function's last line, or from another file,
	 * was not made by it: its constants are not where to look.
	 */
	code_obj(w, 13, "late", 0x3, NULL, 0, 21, 21);
	code_obj(w, 14, "elsewhere", 0x3, NULL, 0, 5, 5);
	put(&w->code[14], 0x68, addr(&w->number));
	put(&w->consts[9], 16, 3);
	put(&w->consts[9], 32, addr(&w->code[13]));
	put(&w->consts[9], 40, addr(&w->code[14]));
	assert_int_equal(new_finder(&q), 0);
	assert_int_equal(find(q, w, 13, out), -ENOENT);
	assert_int_equal(find(q, w, 14, out), -ENOENT);
	assert_int_equal(find(q, w, 7, out), 0);
	assert_string_equal(out, "top.<locals>.inner.<locals>.K.m");
	assert_int_equal(find(q, w, 6, out), 0);
	assert_string_equal(out, "top.<locals>.inner.<locals>.K");
	assert_int_equal(find(q, w, 5, out), 0);
	assert_string_equal(out, "top.<locals>.inner");
	assert_int_equal(find(q, w, 9, out), 0);
	assert_string_equal(out, "top.<locals>.<listcomp>.<lambda>");
	/* The function's own code object: still its __qualname__. */
	assert_int_equal(find(q, w, 0, out), 0);
	assert_string_equal(out, "top");
	/* Renamed later: read again each time, the part the compiler made kept. */
	str_obj(&w->names[0], "Top", 0x64);
	assert_int_equal(find(q, w, 5, out), 0);
	assert_string_equal(out, "Top.<locals>.inner");
	/* The function now has another code object: its old one's children are not its. */
	put(&w->funcs[0], 48, addr(&w->code[10]));
	assert_int_equal(find(q, w, 5, out), -ENOENT);
	pyqual__free(q);
	free(w);
}

/*
 * G.m is wrapped by functools.wraps: G's dict holds the wrapper (funcs[5],
 * code 11, its __qualname__ copied, "G.m"), whose __dict__ has
 * __wrapped__ = G.m; the wrapper's code object is made in deco's (funcs[6]).
 */
static void test_wraps_wrapper_and_what_it_wraps(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];
	const int deco[] = { 11 };

	(void)state;
	type_obj(&w->t_code, "code", 0);
	type_obj(&w->t_str, "str", 1UL << 28);
	str_obj(&w->wrapped_key, "__wrapped__", 0x64);
	put(&w->wrapped_key, 8, addr(&w->t_str));
	put(&w->fdict, 32, addr(&w->fkeys));
	put(&w->fkeys, 8, 8);
	put(&w->fkeys, 32, 1);
	put(&w->fkeys, 48 + 8, addr(&w->wrapped_key));
	put(&w->fkeys, 48 + 16, addr(&w->funcs[1]));
	func_obj(w, 5, "G.m");
	put(&w->funcs[5], 48, addr(&w->code[11]));
	put(&w->funcs[5], 88, addr(&w->fdict));
	code_obj(w, 11, "wrapper", 0x1f, NULL, 0, 31, 33);
	func_obj(w, 6, "deco");
	put(&w->funcs[6], 48, addr(&w->code[12]));
	code_obj(w, 12, "deco", 0x3, deco, 1, 30, 34);
	/* G.m's place in G's dict, and deco in the globals. */
	put(&w->keys[1], 48 + 16, addr(&w->funcs[5]));
	put(&w->keys[0], 48 + 16, addr(&w->funcs[6]));
	assert_int_equal(new_finder(&q), 0);
	/* The wrapped function names its own code object; the wrapper's is deco's. */
	assert_int_equal(find(q, w, 1, out), 0);
	assert_string_equal(out, "G.m");
	assert_int_equal(find(q, w, 11, out), 0);
	assert_string_equal(out, "deco.<locals>.wrapper");
	pyqual__free(q);
	free(w);
}

/* Qualnames of every kind of str: Latin-1, UCS-2, UCS-4, as UTF-8. */
static void test_names_not_ascii(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];
	const __u16 ucs2[] = { 0x6328, 0x62f6 };
	const __u32 ucs4[] = { 'G', '.', 0x20000 };
	const int kids[] = { 5 };

	(void)state;
	/* G.m as "G.maß": Latin-1, compact, not ASCII (kind 1). */
	put(&w->names[1], 16, 6);
	memcpy(w->names[1].b + 32, &(__u32){ 0x24 }, 4);
	memcpy(w->names[1].b + 72, "G.ma\xdf", 6);
	/* top as 挨拶 (kind 2), holding a code object named 内. */
	put(&w->names[0], 16, 2);
	memcpy(w->names[0].b + 32, &(__u32){ 0x28 }, 4);
	memcpy(w->names[0].b + 72, ucs2, sizeof(ucs2));
	type_obj(&w->t_code, "code", 0);
	code_obj(w, 0, "top", 0x3, kids, 1, 1, 9);
	code_obj(w, 5, "x", 0x3, NULL, 0, 5, 5);
	put(&w->cnames[5], 16, 1);
	memcpy(w->cnames[5].b + 32, &(__u32){ 0x28 }, 4);
	memcpy(w->cnames[5].b + 72, &(__u16){ 0x5185 }, 2);
	/* G.s as "G.\U00020000" (kind 4). */
	put(&w->names[2], 16, 3);
	memcpy(w->names[2].b + 32, &(__u32){ 0x30 }, 4);
	memcpy(w->names[2].b + 72, ucs4, sizeof(ucs4));
	assert_int_equal(new_finder(&q), 0);
	assert_int_equal(find(q, w, 1, out), 0);
	assert_string_equal(out, "G.ma\xc3\x9f");
	assert_int_equal(find(q, w, 0, out), 0);
	assert_string_equal(out, "\xe6\x8c\xa8\xe6\x8b\xb6");
	assert_int_equal(find(q, w, 5, out), 0);
	assert_string_equal(out, "\xe6\x8c\xa8\xe6\x8b\xb6.<locals>.\xe5\x86\x85");
	assert_int_equal(find(q, w, 2, out), 0);
	assert_string_equal(out, "G.\xf0\xa0\x80\x80");
	pyqual__free(q);
	free(w);
}

/*
 * The table agrees with the DWARF of a CPython 3.10 that pyenv built here
 * (found through $PYENV_ROOT or ~/.pyenv; none: nothing to compare), and
 * DWARF gives every offset.
 */
static void test_offsets_table_matches_dwarf(void **state)
{
	const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
	struct pyqual_offsets table, dw;
	char cmd[1200], path[1024] = "";
	struct wm_dwarf *d;
	FILE *p;
	int fd;

	(void)state;
	assert_int_equal(pyqual__offsets(NULL, 11, &table), -ENOTSUP);
	assert_int_equal(pyqual__offsets(NULL, 10, &table), -ENODATA);
	if (!root && !home)
		skip();
	snprintf(cmd, sizeof(cmd),
		 "ls -d %s%s/versions/3.10.*/lib/libpython3.10.so.1.0 2>/dev/null | tail -n 1",
		 root ? root : home, root ? "" : "/.pyenv");
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(path, sizeof(path), p))
		path[0] = '\0';
	pclose(p);
	path[strcspn(path, "\n")] = '\0';
	if (!path[0]) {
		print_message("no pyenv CPython 3.10: no DWARF compared\n");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dwarf__open(fd, &d), 0);
	assert_int_equal(pyqual__offsets(d, 10, &dw), 0);
	assert_memory_equal(&dw, &table, sizeof(dw));
	dwarf__free(d);
	close(fd);
}

/* The __dict__ {"__wrapped__": func} at w->fdict. */
static void wrapped_dict(struct world *w, __u64 func)
{
	type_obj(&w->t_str, "str", 1UL << 28);
	str_obj(&w->wrapped_key, "__wrapped__", 0x64);
	put(&w->wrapped_key, 8, addr(&w->t_str));
	put(&w->fdict, 32, addr(&w->fkeys));
	put(&w->fkeys, 8, 8);
	put(&w->fkeys, 32, 1);
	put(&w->fkeys, 48 + 8, addr(&w->wrapped_key));
	put(&w->fkeys, 48 + 16, func);
}

/*
 * Decorators that leave a function where the namespace does not hold it:
 * G.m behind a property, top in the closure of a wrapper that kept no
 * __wrapped__ (plain.<locals>.wrapper, in the globals in its place), and
 * funcs[6] behind a callable object with a __dict__ (as lru_cache makes).
 */
static void test_property_closure_and_callable_wrappers(void **state)
{
	struct world *w = world_new();
	struct pyqual *q;
	char out[64];

	(void)state;
	type_obj(&w->t_property, "property", 0);
	put(&w->prop, 8, addr(&w->t_property));
	put(&w->prop, 16, addr(&w->funcs[1]));
	put(&w->keys[1], 48 + 16, addr(&w->prop));
	func_obj(w, 5, "plain.<locals>.wrapper");
	put(&w->funcs[5], 72, addr(&w->closure));
	put(&w->closure, 16, 2);
	put(&w->closure, 24, addr(&w->cell));
	put(&w->closure, 32, 0);
	put(&w->cell, 16, addr(&w->funcs[0]));
	put(&w->keys[0], 48 + 24 + 16, addr(&w->funcs[5]));
	type_obj(&w->t_cache, "functools._lru_cache_wrapper", 0);
	put(&w->t_cache, 128, 0x1234); /* tp_call */
	put(&w->t_cache, 288, 40);     /* tp_dictoffset */
	put(&w->cache, 8, addr(&w->t_cache));
	put(&w->cache, 40, addr(&w->fdict));
	func_obj(w, 6, "cached");
	wrapped_dict(w, addr(&w->funcs[6]));
	put(&w->keys[0], 48 + 16, addr(&w->cache));
	assert_int_equal(new_finder(&q), 0);
	assert_int_equal(find(q, w, 1, out), 0);
	assert_string_equal(out, "G.m");
	assert_int_equal(find(q, w, 0, out), 0);
	assert_string_equal(out, "top");
	assert_int_equal(find(q, w, 5, out), 0);
	assert_string_equal(out, "plain.<locals>.wrapper");
	assert_int_equal(find(q, w, 6, out), 0);
	assert_string_equal(out, "cached");
	pyqual__free(q);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functions_methods_and_nested_classes),
		cmocka_unit_test(test_names_added_later_are_read),
		cmocka_unit_test(test_gone_deleted_and_unreadable),
		cmocka_unit_test(test_code_objects_made_in_functions),
		cmocka_unit_test(test_wraps_wrapper_and_what_it_wraps),
		cmocka_unit_test(test_names_not_ascii),
		cmocka_unit_test(test_property_closure_and_callable_wrappers),
		cmocka_unit_test(test_offsets_table_matches_dwarf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
