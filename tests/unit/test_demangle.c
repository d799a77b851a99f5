// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* C++ names: demangling, the name before the parameters, and which selectors are C++. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "target/demangle.h"

static void test_demangle(void **state)
{
	char out[256];

	assert_int_equal(demangle("_ZN2ns6Widget4drawEi", out, sizeof(out)), 0);
	assert_string_equal(out, "ns::Widget::draw(int)");
	assert_int_equal(demangle("_ZN2ns6Widget4drawEPKc", out, sizeof(out)), 0);
	assert_string_equal(out, "ns::Widget::draw(char const*)");
	assert_int_equal(demangle("_ZNK2ns6Widget4sizeEv", out, sizeof(out)), 0);
	assert_string_equal(out, "ns::Widget::size() const");
	/* C names and garbage are not C++. */
	assert_int_equal(demangle("strlen", out, sizeof(out)), -EINVAL);
	assert_int_equal(demangle("_Zgarbage", out, sizeof(out)), -EINVAL);
	assert_int_equal(demangle(NULL, out, sizeof(out)), -EINVAL);
	/* Cut short, but terminated. */
	assert_int_equal(demangle("_ZN2ns6Widget4drawEi", out, 8), -ENOSPC);
	assert_string_equal(out, "ns::Wid");
}

#define TYPE(s) s, sizeof(s) - 1

static void test_type(void **state)
{
	char out[64];

	assert_int_equal(demangle__type(TYPE("St13runtime_error"), out, sizeof(out)), 0);
	assert_string_equal(out, "std::runtime_error");
	assert_int_equal(demangle__type(TYPE("i"), out, sizeof(out)), 0);
	assert_string_equal(out, "int");
	assert_int_equal(demangle__type(TYPE("PKc"), out, sizeof(out)), 0);
	assert_string_equal(out, "char const*");
	assert_int_equal(demangle__type(TYPE("N2ns5ErrorE"), out, sizeof(out)), 0);
	assert_string_equal(out, "ns::Error");
	/* GCC's '*' before a local type's name is not part of it. */
	assert_int_equal(demangle__type(TYPE("*Z4mainE5Local"), out, sizeof(out)), 0);
	assert_string_equal(out, "main::Local");
	/* Bytes past a NUL the target left are not the name. */
	assert_int_equal(demangle__type("i\0garbage", 9, out, sizeof(out)), 0);
	assert_string_equal(out, "int");
	/* Not a type: kept as it is, for the caller to escape. */
	assert_int_equal(demangle__type(TYPE("St13runtime_err"), out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "St13runtime_err");
	assert_int_equal(demangle__type(TYPE("_ZN2ns1fEv"), out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "_ZN2ns1fEv");
	assert_int_equal(demangle__type("", 0, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(demangle__type(NULL, 0, out, sizeof(out)), -EINVAL);
	/* Cut short, but terminated, both ways. */
	assert_int_equal(demangle__type(TYPE("St13runtime_error"), out, 8), -ENOSPC);
	assert_string_equal(out, "std::ru");
	assert_int_equal(demangle__type(TYPE("xxxxxxxxxxxx"), out, 8), -EINVAL);
	assert_string_equal(out, "xxxxxxx");
}

static void test_name_len(void **state)
{
	static const struct {
		const char *in;
		size_t len;
	} cases[] = {
		{ "ns::Widget::draw(int)", 16 },
		{ "ns::f<int (*)(int)>(long) const", 19 },
		{ "ns::Widget::operator()(int)", 22 },
		{ "std::vector<int, std::allocator<int> >::push_back(int const&)", 49 },
		{ "operator<<(std::ostream&, int)", 10 },
		{ "plain", 5 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(demangle__name_len(cases[i].in), cases[i].len);
}

static void test_is_cxx_selector(void **state)
{
	assert_true(demangle__is_cxx_selector("ns::Widget::draw"));
	assert_true(demangle__is_cxx_selector("ns::Widget::*"));
	assert_true(demangle__is_cxx_selector("draw(int)"));
	assert_false(demangle__is_cxx_selector("search"));
	assert_false(demangle__is_cxx_selector("sqlite3_*"));
	assert_false(demangle__is_cxx_selector("_ZN2ns6Widget4drawEi"));
	assert_false(demangle__is_cxx_selector(NULL));
	/* Go: a dot before the parenthesis. */
	assert_false(demangle__is_cxx_selector("runtime.(*mheap).alloc"));
	assert_false(demangle__is_cxx_selector("net/http.(*Server).Serve"));
	assert_false(demangle__is_cxx_selector("main.fib"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_name_len),
		cmocka_unit_test(test_is_cxx_selector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
