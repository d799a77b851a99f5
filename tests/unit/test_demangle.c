// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* C++ and Rust names: demangling, the parts of a name, and how -f selectors match them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
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
		{ "main::{lambda(int)#1}::operator()(int) const", 33 },
		{ "(anonymous namespace)::f(int)", 24 },
		{ "f(int)::L::g()", 12 },
		{ "operator new(unsigned long)", 12 },
		{ "Foo::operator int() const", 17 },
		{ "std::operator<< <std::char_traits<char> >(std::ostream&, char const*)", 41 },
		{ "<app::Vec as core::ops::Add>::add", 33 },
		{ "app::f::<fn(i32) -> i32>", 24 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(demangle__name_len(cases[i].in), cases[i].len);
}

/* C++ less a template instance's return type; Rust legacy and v0 without the hash. */
static void test_demangle_names(void **state)
{
	static const struct {
		const char *sym, *want;
		enum wm_lang lang;
	} cases[] = {
		{ "_Z2gli", "gl(int)", WM_LANG_CXX },
		{ "_Z3maxIiET_S0_S0_", "max<int>(int, int)", WM_LANG_CXX },
		{ "_Z3maxIjET_S0_S0_", "max<unsigned int>(unsigned int, unsigned int)",
		  WM_LANG_CXX },
		{ "_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc",
		  "std::operator<< <std::char_traits<char> >(std::basic_ostream<char, "
		  "std::char_traits<char> >&, char const*)",
		  WM_LANG_CXX },
		{ "_ZN12_GLOBAL__N_11fEi", "(anonymous namespace)::f(int)", WM_LANG_CXX },
		{ "_ZZ4mainENKUliE_clEi", "main::{lambda(int)#1}::operator()(int) const",
		  WM_LANG_CXX },
		{ "_Znwm", "operator new(unsigned long)", WM_LANG_CXX },
		{ "_ZN3app1m6helper17h0123456789abcdefE", "app::m::helper", WM_LANG_RUST },
		{ "_ZN3app1m6helper17h0123456789abcdefE.llvm.42", "app::m::helper", WM_LANG_RUST },
		{ "_RNvNtCsbVXqutUjNVO_3app1n6helper", "app::n::helper", WM_LANG_RUST },
		{ "_RNvMCsbVXqutUjNVO_3appNtB2_3Acc3add", "app::Acc::add", WM_LANG_RUST },
	};
	enum wm_lang lang;
	char *d;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = demangle__alloc(cases[i].sym, &lang);
		if (!d || strcmp(d, cases[i].want) || lang != cases[i].lang)
			fail_msg("%s: '%s' (%d), want '%s'", cases[i].sym, d ? d : "(null)", lang,
				 cases[i].want);
		free(d);
	}
	assert_null(demangle__alloc("strlen", &lang));
	assert_int_equal(lang, WM_LANG_NONE);
	assert_null(demangle__alloc("_Rgarbage", &lang));
	assert_null(demangle__alloc(NULL, NULL));
	assert_true(demangle__is_mangled("_RNv"));
	assert_false(demangle__is_mangled("main"));
}

static void test_scopes(void **state)
{
	size_t st[4];

	assert_int_equal(demangle__scopes("a::b<c::d>::f(x::y)", st, 4), 3);
	assert_int_equal(st[0], 0);
	assert_int_equal(st[1], 3);
	assert_int_equal(st[2], 12);
	assert_int_equal(demangle__scopes("main::{lambda(int)#1}::operator()(int)", st, 4), 3);
	assert_int_equal(st[2], 23);
	assert_int_equal(demangle__scopes("plain", st, 4), 1);
	/* More than max: the count, and the first max of them. */
	assert_int_equal(demangle__scopes("a::b::c::d::e", st, 2), 5);
	assert_int_equal(st[1], 3);
}

/* The selector rules, on names as demangle__alloc() gives them. */
static void test_match(void **state)
{
	static const struct {
		const char *sel, *name;
		enum wm_lang lang;
		enum wm_name_match want;
	} cases[] = {
		{ "gl", "gl(int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "::gl", "gl(int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "gl(int)", "gl(int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "gl(long)", "gl(int)", WM_LANG_CXX, WM_NM_NONE },
		{ "gl", "ns::gl(int)", WM_LANG_CXX, WM_NM_INNER },
		{ "::gl", "ns::gl(int)", WM_LANG_CXX, WM_NM_NONE },
		{ "gl", "gl(int) [clone .constprop.0]", WM_LANG_CXX, WM_NM_NONE },
		/* libstdc++'s strings as users write them, in either ABI. */
		{ "greet(std::string const&, int)",
		  "greet(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> > const&, int)",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "ns::cat(std::string, std::string)",
		  "ns::cat(std::basic_string<char, std::char_traits<char>, std::allocator<char> >, "
		  "std::basic_string<char, std::char_traits<char>, std::allocator<char> >)",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "look(std::string_view)",
		  "look(std::basic_string_view<char, std::char_traits<char> >)", WM_LANG_CXX,
		  WM_NM_WHOLE },
		{ "greet(std::string const&)",
		  "greet(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> > const&, int)",
		  WM_LANG_CXX, WM_NM_NONE },
		{ "greet(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> > const&, int)",
		  "greet(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> > const&, int)",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "max", "max<int>(int, int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "max<int>", "max<int>(int, int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "max<long>", "max<int>(int, int)", WM_LANG_CXX, WM_NM_NONE },
		{ "max(int,int)", "max<int>(int, int)", WM_LANG_CXX, WM_NM_WHOLE },
		{ "Foo::bar", "ns::Foo<int>::bar(int)", WM_LANG_CXX, WM_NM_INNER },
		{ "Vec::operator+", "Vec::operator+(Vec const&) const", WM_LANG_CXX, WM_NM_WHOLE },
		{ "Vec::operator+(Vec const&)", "Vec::operator+(Vec const&) const", WM_LANG_CXX,
		  WM_NM_WHOLE },
		{ "Vec::operator", "Vec::operator+(Vec const&) const", WM_LANG_CXX, WM_NM_NONE },
		{ "operator()", "main::{lambda(int)#1}::operator()(int) const", WM_LANG_CXX,
		  WM_NM_INNER },
		{ "f", "(anonymous namespace)::f(int)", WM_LANG_CXX, WM_NM_INNER },
		{ "m::helper", "app::m::helper", WM_LANG_RUST, WM_NM_INNER },
		{ "app::m::helper", "app::m::helper", WM_LANG_RUST, WM_NM_WHOLE },
		{ "max", "app::max::<i32>", WM_LANG_RUST, WM_NM_INNER },
		{ "add", "<app::Vec as core::ops::Add>::add", WM_LANG_RUST, WM_NM_INNER },
		{ "elper", "app::m::helper", WM_LANG_RUST, WM_NM_NONE },
		/* std::string as users write it, for the C++11 ABI's long spelling. */
		{ "over(std::string)",
		  "over(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> >)",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "S::d(std::string const&, std::string)",
		  "S::d(std::__cxx11::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> > const&, std::__cxx11::basic_string<char, "
		  "std::char_traits<char>, std::allocator<char> >) const",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "over(std::string)",
		  "over(std::basic_string<char, std::char_traits<char>, "
		  "std::allocator<char> >)",
		  WM_LANG_CXX, WM_NM_WHOLE },
		{ "over(std::string)",
		  "over(std::__cxx11::basic_string<wchar_t, "
		  "std::char_traits<wchar_t>, std::allocator<wchar_t> >)",
		  WM_LANG_CXX, WM_NM_NONE },
	};
	static const struct {
		const char *pat, *name;
		enum wm_lang lang;
		bool match;
	} pats[] = {
		{ "m::*", "app::m::helper", WM_LANG_RUST, true },
		{ "m::*", "ns::m::f(int)", WM_LANG_CXX, false },
		{ "ns::*", "ns::m::f(int)", WM_LANG_CXX, true },
		{ "*::helper", "app::m::helper", WM_LANG_RUST, true },
		{ "m::*", "app::x::m::helper", WM_LANG_RUST, false },
		{ "ns::f(*)", "ns::f(int)", WM_LANG_CXX, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum wm_name_match got =
			demangle__match(cases[i].sel, false, cases[i].name, cases[i].lang);

		if (got != cases[i].want)
			fail_msg("'%s' on '%s': %d, want %d", cases[i].sel, cases[i].name, got,
				 cases[i].want);
	}
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		bool got = demangle__match(pats[i].pat, true, pats[i].name, pats[i].lang) !=
			   WM_NM_NONE;

		if (got != pats[i].match)
			fail_msg("pattern '%s' on '%s': %d", pats[i].pat, pats[i].name, got);
	}
	assert_int_equal(demangle__match(NULL, false, "gl(int)", WM_LANG_CXX), WM_NM_NONE);
	assert_int_equal(demangle__match("", false, "gl(int)", WM_LANG_CXX), WM_NM_NONE);
}

static void test_is_pattern(void **state)
{
	static const struct {
		const char *sel;
		bool pattern;
	} cases[] = {
		{ "sqlite3_*", true },
		{ "[s]earch", true },
		{ "ns::*", true },
		{ "*::helper", true },
		/* An operator's own symbols, a pointer among the parameters. */
		{ "Vec::operator*", false },
		{ "Vec::operator*=(int)", false },
		{ "operator[]", false },
		{ "ns::Widget::draw(char const*)", false },
		{ "gl", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (demangle__is_pattern(cases[i].sel) != cases[i].pattern)
			fail_msg("'%s': pattern %d", cases[i].sel, !cases[i].pattern);
	assert_false(demangle__is_pattern(NULL));
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
	assert_true(demangle__is_cxx_selector("operator<<"));
	assert_true(demangle__is_cxx_selector("max<int>"));
	assert_false(demangle__is_cxx_selector("operators"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),       cmocka_unit_test(test_type),
		cmocka_unit_test(test_name_len),       cmocka_unit_test(test_is_cxx_selector),
		cmocka_unit_test(test_demangle_names), cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_match),	       cmocka_unit_test(test_is_pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
