/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_OPTS_H
#define WM_OPTS_H

/*
 * Every `struct X_opts` starts with `size_t sz`, set by the caller to
 * sizeof() of the struct it was built with, as in libbpf. One meaning
 * everywhere:
 *   - opts may be NULL: every field takes its default;
 *   - sz below sizeof(sz) is a caller bug: -EINVAL;
 *   - bytes past the end of the struct this build knows must be zero (a
 *     newer caller's option this code would silently ignore): -EINVAL;
 *   - a field past sz (an older, shorter caller) takes its default.
 */
#include <stdbool.h>
#include <stddef.h>

bool opts__valid(const void *opts, size_t known);

#define OPTS_VALID(opts) opts__valid((opts), sizeof(*(opts)))

#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

#define OPTS_GET(opts, field, def) (OPTS_HAS(opts, field) ? (opts)->field : (def))

#endif
