/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * C++ and Rust names: symbols demangled (libstdc++'s Itanium ABI demangler,
 * libiberty's Rust demangler), the parts of a demangled name, and -f
 * selectors matched against them.
 */
#ifndef WM_DEMANGLE_H
#define WM_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

enum wm_lang {
	WM_LANG_NONE, /* not a mangled name: C, Go, assembly */
	WM_LANG_CXX,
	WM_LANG_RUST,
};

/* Could sym be a mangled C++ or Rust name ("_Z...", "_R...")? Cheap: no demangling. */
bool demangle__is_mangled(const char *sym);

/*
 * A function's name as users write it, malloc'ed: C++ as the demangler
 * prints it, less a template instance's return type ("_Z3maxIiET_S0_S0_" ->
 * "max<int>(int, int)", not "int max<int>(int, int)"); Rust (legacy
 * "_ZN...17h<hash>E" and v0 "_R...") without the hash and with an inherent
 * impl's brackets dropped ("<x::Foo>::bar" -> "x::Foo::bar", as legacy
 * symbols print it). *lang (may be NULL) tells which. NULL when sym is not
 * a mangled name (or is malformed), or out of memory.
 */
char *demangle__alloc(const char *sym, enum wm_lang *lang);

/*
 * demangle__alloc() into out. Returns 0, -EINVAL when sym is not a mangled
 * C++ or Rust name (or cannot be demangled), or -ENOSPC when out is too
 * small (out then holds the name cut short).
 */
int demangle(const char *sym, char *out, size_t outsz);

/*
 * The type a C++ exception was thrown with, from the name its std::type_info
 * holds (what __cxa_throw's second argument points to: the name pointer sits
 * at offset 8 and names the type mangled, without "_Z"): "St13runtime_error"
 * -> "std::runtime_error", "i" -> "int", "PKc" -> "char const*". A leading
 * '*' (GCC's mark for a type compared by address, a local class) is not part
 * of the name. name is the target's bytes, len of them, not NUL-terminated:
 * untrusted. Returns 0, -EINVAL when they are not a type's mangled name (out
 * then holds them as they are, cut to fit, for the caller to escape), or
 * -ENOSPC when out is too small (out then holds the name cut short).
 */
int demangle__type(const char *name, size_t len, char *out, size_t outsz);

/*
 * Length of the qualified name before the parameter list of a demangled
 * function name: "ns::f<int (*)(int)>(long) const" -> 19 ("ns::f<int (*)(int)>").
 * Parentheses that belong to the name are kept: "(anonymous namespace)::f",
 * "main::{lambda(int)#1}::operator()", a local entity's "f(int)::L::g".
 * The whole length when there is no parameter list.
 */
size_t demangle__name_len(const char *demangled);

/*
 * Where the scopes of a demangled name start, outside template arguments
 * and parameter lists: "a::b<c::d>::f(int)" -> 0, 3, 12. Fills at most max
 * starts; returns how many there are.
 */
int demangle__scopes(const char *demangled, size_t *starts, int max);

/* Does a -f selector name a C++ or Rust function ("ns::f", "f(int)", "operator<<")? */
bool demangle__is_cxx_selector(const char *name);

/*
 * Is a -f selector a pattern? Shell wildcards (* ? [...]); in a C++ name
 * only * and ?, and never an operator's own symbols ("Vec::operator*",
 * "operator[]").
 */
bool demangle__is_pattern(const char *sel);

enum wm_name_match {
	WM_NM_NONE,
	WM_NM_WHOLE, /* the whole qualified name ("ns::f" for ns::f(int)) */
	WM_NM_INNER, /* its tail after a scope ("f" or "Widget::f" for ns::Widget::f) */
};

/*
 * Does selector sel (no object prefix) name the function whose demangled
 * name (demangle__alloc()) is name? Without a parameter list sel is
 * compared with the name before it, with one with the whole name, blanks
 * aside, a member function's trailing qualifiers ("const") optional. A
 * leading "::" anchors sel at the global scope; otherwise a plain name
 * also matches the tail after any scope (WM_NM_INNER), and a pattern
 * matches from the start, or for Rust after the crate's name ("m::*" for
 * "app::m::helper"). GCC's clones ("[clone .constprop.0]") never match:
 * their arguments are not the function's.
 */
enum wm_name_match demangle__match(const char *sel, bool pattern, const char *name,
				   enum wm_lang lang);

#endif
