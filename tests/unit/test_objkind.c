// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * objkind: what --returns=auto reads from an object. Each case is built
 * here with the compiler: a plain C program, one that imports swapcontext,
 * a C++ one that throws, one with a .go.buildinfo section, and a library
 * that defines (not imports) swapcontext, as libc does.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/objkind.h"
#include "fixture.h"

static char dir[] = "/tmp/wm-objkind-XXXXXX";

/* Compile src (C, or C++ when cxx) with flags into dir/name; objkind__read() it. */
static void kind_of(const char *name, bool cxx, const char *flags, const char *src,
		    struct wm_objkind *k)
{
	char path[256], cpath[256];
	FILE *f;
	int fd;

	snprintf(cpath, sizeof(cpath), "%s/%s.%s", dir, name, cxx ? "cpp" : "c");
	f = fopen(cpath, "w");
	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(run("%s -O2 %s %s -o %s", cxx ? "g++" : "cc", flags, cpath, path), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(objkind__read(fd, path, k), 0);
	close(fd);
}

static void test_plain_c(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("plain", false, "",
		"#include <stdio.h>\nint main(void) { puts(\"x\"); return 0; }\n", &k);
	assert_false(k.switches_stacks);
	assert_false(k.cxx_throws);
	assert_false(k.go);
}

static void test_imports_swapcontext(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("coro", false, "",
		"#include <ucontext.h>\nucontext_t a, b;\n"
		"int main(void) { return swapcontext(&a, &b); }\n",
		&k);
	assert_true(k.switches_stacks);
	assert_false(k.cxx_throws);
	assert_string_equal(k.sym, "swapcontext");
}

static void test_cxx_throws(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("throws", true, "",
		"#include <stdexcept>\nint main(int c, char **) {\n"
		"  if (c > 5) throw std::runtime_error(\"x\");\n  return 0;\n}\n",
		&k);
	assert_true(k.cxx_throws);
	assert_false(k.switches_stacks);
	assert_string_equal(k.sym, "__cxa_throw");
}

static void test_go_section(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("gobin", false, "",
		"__attribute__((section(\".go.buildinfo\"), used)) static const char bi[16] = "
		"\"\\xff Go buildinf:\";\nint main(void) { return 0; }\n",
		&k);
	assert_true(k.go);
	assert_string_equal(k.sym, ".go.buildinfo");
}

/* libc defines swapcontext: defining it is no sign of switching stacks. */
static void test_defines_is_not_imports(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("libdef.so", false, "-shared -fPIC",
		"int swapcontext(void *a, void *b) { return a == b; }\n", &k);
	assert_false(k.switches_stacks);
}

/* greenlet switches stacks with its own assembly: its file name or slp_switch tells. */
static void test_greenlet_module(void **state)
{
	struct wm_objkind k;

	(void)state;
	kind_of("_greenlet.cpython-311-x86_64-linux-gnu.so", false, "-shared -fPIC",
		"int f(int x) { return x + 1; }\n", &k);
	assert_true(k.switches_stacks);
	assert_string_equal(k.sym, "_greenlet*");
	kind_of("libslp.so", false, "-shared -fPIC",
		"void __cxa_throw(void *, void *, void (*)(void *));\n"
		"int slp_switch(void) { return 0; }\n"
		"void g(void) { __cxa_throw(0, 0, 0); }\n",
		&k);
	assert_true(k.switches_stacks);
	assert_true(k.cxx_throws);
	assert_string_equal(k.sym, "slp_switch");
	/* The same name anywhere but the start of the file name is no sign. */
	kind_of("libnot_greenlet.so", false, "-shared -fPIC", "int f(int x) { return x; }\n", &k);
	assert_false(k.switches_stacks);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return run("rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_c),
		cmocka_unit_test(test_imports_swapcontext),
		cmocka_unit_test(test_cxx_throws),
		cmocka_unit_test(test_go_section),
		cmocka_unit_test(test_defines_is_not_imports),
		cmocka_unit_test(test_greenlet_module),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
