/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* C++ names: the Itanium ABI demangler of libstdc++, and the parts of a demangled name. */
#ifndef WM_DEMANGLE_H
#define WM_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * "_ZN2ns6Widget4drawEi" -> "ns::Widget::draw(int)" into out. Returns 0,
 * -EINVAL when sym is not a mangled C++ name (or cannot be demangled), or
 * -ENOSPC when out is too small (out then holds the name cut short).
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
 * function name: "ns::f<int (*)(int)>(long) const" -> 24 ("ns::f<int (*)(int)>").
 * The whole length when there is no parameter list.
 */
size_t demangle__name_len(const char *demangled);

/* Does a -f selector name a C++ function ("ns::f", "ns::f(int)", "ns::Widget::*")? */
bool demangle__is_cxx_selector(const char *name);

#endif
