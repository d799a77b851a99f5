/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wall-clock times as wrapmon prints them, from nanoseconds since the epoch.
 * A time the C library cannot convert prints as all zeros rather than
 * failing: a line is never lost to its timestamp.
 */
#ifndef WM_TIMEFMT_H
#define WM_TIMEFMT_H

#include <linux/types.h>
#include <stdbool.h>
#include "util/buf.h"

/* "12:00:01" or, with usec, "12:00:01.123456"; local time unless utc. */
void timefmt__clock(struct wm_buf *b, __u64 ns, bool utc, bool usec);

/*
 * ISO 8601: "2026-11-21T12:00:01" then ".123456" with usec, then "Z" when
 * utc (local time carries no zone).
 */
void timefmt__iso(struct wm_buf *b, __u64 ns, bool utc, bool usec);

#endif
