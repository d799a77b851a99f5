/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One-line usage errors with argp. Under ARGP_NO_ERRS (which keeps argp's
 * own two-line messages out), argp_parse() reports only that getopt refused
 * an argument, not which one or why.
 */
#ifndef WM_USAGE_H
#define WM_USAGE_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Read argv again as getopt does with these options (and ARGP_NO_HELP: none
 * of argp's own) and describe the first argument it refuses in msg:
 * "bad option '--bogus'", "unknown option -x" or "--since needs a value".
 * false when every argument is acceptable.
 */
bool usage__refused(const struct argp_option *opts, int argc, char **argv, char *msg, size_t n);

#endif
