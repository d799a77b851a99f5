// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pyqual: 3.10's qualnames found from the function objects, on objects laid
 * out in this process's own memory as CPython 3.10 lays them out (a module's
 * globals, a class, a nested class, a staticmethod), read back through
 * procmem as from a target.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lang/python/pyqual.h"

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
	struct obj t_function, t_type, t_static, t_int;
	struct obj names[8];   /* str objects */
	struct obj funcs[8];   /* functions */
	struct obj code[8];    /* their code objects (only their addresses matter) */
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
	str_obj(&w->names[i], qualname, 0x60);
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
	assert_int_equal(pyqual__new(getpid(), &q), 0);
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
	assert_int_equal(pyqual__new(getpid(), &q), 0);
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
	assert_int_equal(pyqual__new(getpid(), &q), 0);
	assert_int_equal(find(q, w, 0, out), 0);
	/* The function kept now has another code object (freed, its memory reused). */
	put(&w->funcs[0], 48, addr(&w->code[5]));
	assert_int_equal(find(q, w, 0, out), -ENOENT);
	/* A qualname that is not compact ASCII is not read. */
	str_obj(&w->names[1], "G.m", 0x20);
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
	assert_int_equal(pyqual__new(getpid(), &q), 0);
	put(&w->keys[0], 48 + 24 * 1 + 8, 0);
	put(&w->keys[0], 48 + 24 * 1 + 16, 0);
	assert_int_equal(find(q, w, 0, out), -ENOENT);
	assert_int_equal(find(q, w, 1, out), 0);
	pyqual__free(q);
	pyqual__free(NULL);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functions_methods_and_nested_classes),
		cmocka_unit_test(test_names_added_later_are_read),
		cmocka_unit_test(test_gone_deleted_and_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
