/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `wrapmon-trace report FILE`: what a --store database holds, for people or machines. */
#ifndef WM_REPORT_H
#define WM_REPORT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct wm_report_opts {
	size_t sz;
	int top;	      /* slowest calls shown (default 10) */
	const char *function; /* list the calls of this function */
	const char *since; /* list the calls from this time: "10s" (before the end) or UTC date */
	bool json;
};

/* Print the report on path to out. err gets one line. */
int report__run(const char *path, const struct wm_report_opts *opts, FILE *out, char *err,
		size_t errsz);
/*
 * Parse a --since value: a duration before ref_ns ("500ms", "10s", "5m",
 * "2h", plain seconds) or a UTC time "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z]".
 * Nanoseconds since the epoch into *out; -EINVAL when it is neither.
 */
int report__parse_since(const char *s, __u64 ref_ns, __u64 *out);
/* The subcommand: argv[0] is "report". Returns the exit code. */
int report__main(int argc, char **argv);

#endif
