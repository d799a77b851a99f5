/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* For unit tests that build their fixtures (objects, libraries) with the compiler. */
#ifndef WM_TEST_FIXTURE_H
#define WM_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
