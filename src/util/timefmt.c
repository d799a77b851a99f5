// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <time.h>
#include "util/timefmt.h"

#define NSEC_PER_SEC 1000000000ULL

static void to_tm(__u64 ns, bool utc, struct tm *tm)
{
	time_t sec = ns / NSEC_PER_SEC;

	if (!(utc ? gmtime_r(&sec, tm) : localtime_r(&sec, tm)))
		memset(tm, 0, sizeof(*tm));
}

static void put_usec(struct wm_buf *b, __u64 ns, bool usec)
{
	if (usec)
		buf__printf(b, ".%06u", (unsigned int)(ns % NSEC_PER_SEC / 1000));
}

void timefmt__clock(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	struct tm tm;

	to_tm(ns, utc, &tm);
	buf__printf(b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	put_usec(b, ns, usec);
}

void timefmt__iso(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	struct tm tm;

	to_tm(ns, utc, &tm);
	buf__printf(b, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	put_usec(b, ns, usec);
	if (utc)
		buf__putc(b, 'Z');
}
