// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <time.h>
#include "util/timefmt.h"

#define NSEC_PER_SEC 1000000000ULL

/*
 * The broken-down time of the last second asked for, per thread: a stream of
 * records converts the same second thousands of times, and localtime_r()
 * (which checks the time zone each call) was a fifth of the consumer's time.
 * A second is converted the same way wherever it is asked for (DST changes
 * fall on second boundaries), so this only remembers a pure function's answer.
 */
struct tm_memo {
	time_t sec;
	bool utc;
	bool valid;
	struct tm tm;
};

static __thread struct tm_memo memo;

static void to_tm(__u64 ns, bool utc, struct tm *tm)
{
	time_t sec = ns / NSEC_PER_SEC;

	if (memo.valid && memo.sec == sec && memo.utc == utc) {
		*tm = memo.tm;
		return;
	}
	if (!(utc ? gmtime_r(&sec, tm) : localtime_r(&sec, tm)))
		memset(tm, 0, sizeof(*tm));
	memo.sec = sec;
	memo.utc = utc;
	memo.tm = *tm;
	memo.valid = true;
}

static void put_2(struct wm_buf *b, int v, char sep)
{
	char d[3] = { sep };

	if (v < 0 || v > 99) {
		/* Not a field localtime_r() returns: print what printf would. */
		buf__putc(b, sep);
		buf__printf(b, "%02d", v);
		return;
	}
	d[1] = '0' + v / 10;
	d[2] = '0' + v % 10;
	buf__put(b, d, sizeof(d));
}

static void put_usec(struct wm_buf *b, __u64 ns, bool usec)
{
	if (!usec)
		return;
	buf__putc(b, '.');
	buf__u64_pad(b, ns % NSEC_PER_SEC / 1000, 6);
}

void timefmt__clock(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	struct tm tm;

	to_tm(ns, utc, &tm);
	if (tm.tm_hour >= 0 && tm.tm_hour <= 99) {
		buf__putc(b, '0' + tm.tm_hour / 10);
		buf__putc(b, '0' + tm.tm_hour % 10);
	} else {
		buf__printf(b, "%02d", tm.tm_hour);
	}
	put_2(b, tm.tm_min, ':');
	put_2(b, tm.tm_sec, ':');
	put_usec(b, ns, usec);
}

void timefmt__iso(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	struct tm tm;

	to_tm(ns, utc, &tm);
	if (tm.tm_year + 1900 >= 0)
		buf__u64_pad(b, tm.tm_year + 1900, 4);
	else
		buf__printf(b, "%04d", tm.tm_year + 1900);
	put_2(b, tm.tm_mon + 1, '-');
	put_2(b, tm.tm_mday, '-');
	put_2(b, tm.tm_hour, 'T');
	put_2(b, tm.tm_min, ':');
	put_2(b, tm.tm_sec, ':');
	put_usec(b, ns, usec);
	if (utc)
		buf__putc(b, 'Z');
}
