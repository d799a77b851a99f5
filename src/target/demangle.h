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
 * Length of the qualified name before the parameter list of a demangled
 * function name: "ns::f<int (*)(int)>(long) const" -> 24 ("ns::f<int (*)(int)>").
 * The whole length when there is no parameter list.
 */
size_t demangle__name_len(const char *demangled);

/* Does a -f selector name a C++ function ("ns::f", "ns::f(int)", "ns::Widget::*")? */
bool demangle__is_cxx_selector(const char *name);

#endif
