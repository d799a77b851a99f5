/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --per-process: the summary's counts split by process (pid and command
 * name), fed by the store as a sink and printed after the summary.
 */
#ifndef WM_PERPROC_H
#define WM_PERPROC_H

#include <stdbool.h>
#include <stdio.h>
#include "plan/func.h"
#include "store/store.h"

struct wm_perproc;

/* funcs must outlive it; nr_funcs indexes wm_func.id. */
int perproc__new(const struct wm_func *funcs, int nr_funcs, struct wm_perproc **out);
void perproc__free(struct wm_perproc *p);
/* Fill sink (for store__add_sink()) so that each call is counted under its process. */
void perproc__sink(struct wm_perproc *p, struct wm_sink *sink);
/*
 * One row per function and process, by function then pid: a text table, or
 * {"per_process":[{"function":...,"pid":N,"comm":...,...}]}\n.
 */
void perproc__print(const struct wm_perproc *p, FILE *out, bool json);

#endif
