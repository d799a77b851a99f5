/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For unit tests that build their fixtures (objects, libraries) with the
 * compiler, or that make up the functions a store or formatter is given.
 */
#ifndef WM_TEST_FIXTURE_H
#define WM_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan/func.h"

/* Run a shell command built like printf; its exit status, said on stderr when not 0. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));

static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	if (ret)
		fprintf(stderr, "fixture command failed (%d): %s\n", ret, cmd);
	return ret;
}

/*
 * The object entry of a made-up function, one per path as in a real
 * function table; path must live as long as the test (a string literal).
 */
static const struct wm_object *test_object(const char *path) __attribute__((unused));

static const struct wm_object *test_object(const char *path)
{
	static struct wm_object objs[16];
	static int nr;

	for (int i = 0; i < nr; i++)
		if (!strcmp(objs[i].path, path))
			return &objs[i];
	if (nr == 16)
		abort();
	objs[nr] = (struct wm_object){ .path = path, .fd = -1 };
	return &objs[nr++];
}

/*
 * sig (cleared or filled) made a cleared signature whose pools have room for the model's limits, so a
 * test can fill them in place as it could fixed arrays, keeping pointers
 * into them; sig__free() ends it.
 */
static void test_sig_full(struct wm_sig *sig) __attribute__((unused));

static void test_sig_full(struct wm_sig *sig)
{
	sig__free(sig);
	if (sig__reserve_params(sig, WM_SIG_MAX_PARAMS) ||
	    sig__reserve_fields(sig, WM_SIG_MAX_FIELDS) ||
	    sig__reserve_enums(sig, WM_SIG_MAX_ENUMS))
		abort();
}

#endif
