// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
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
	/* The second's text each way, "HH:MM:SS" and "YYYY-MM-DDTHH:MM:SS". */
	char clock[48], iso[64];
	int clock_len, iso_len;
};

static __thread struct tm_memo memo;

/* Bytes of the second's text copied at once: both texts fit, and their arrays hold more. */
#define TIME_COPY 24

/* The memo, holding the second of ns: printf once a second, not once a record. */
static const struct tm_memo *to_tm(__u64 ns, bool utc)
{
	time_t sec = ns / NSEC_PER_SEC;
	struct tm tm;
	int n;

	if (memo.valid && memo.sec == sec && memo.utc == utc)
		return &memo;
	if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(memo.clock, sizeof(memo.clock), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
		     tm.tm_sec);
	memo.clock_len = n < 0 ? 0 : n;
	n = snprintf(memo.iso, sizeof(memo.iso), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memo.iso_len = n < 0 ? 0 : n;
	memo.sec = sec;
	memo.utc = utc;
	memo.valid = true;
	return &memo;
}

/* The second's text (len bytes), then ".123456" with usec: one piece. */
static void put_time(struct wm_buf *b, const char *text, int len, __u64 ns, bool usec)
{
	unsigned int us = ns % NSEC_PER_SEC / 1000;
	char *d = buf__room(b, (len > TIME_COPY ? len : TIME_COPY) + 7);

	if (!d)
		return;
	/* A copy of constant size is a few moves, not a call: the bytes past len are overwritten or left past the end. */
	if (len <= TIME_COPY)
		memcpy(d, text, TIME_COPY);
	else
		memcpy(d, text, len);
	if (!usec) {
		buf__commit(b, len);
		return;
	}
	d += len;
	d[0] = '.';
	buf__2digits(d + 1, us / 10000);
	buf__2digits(d + 3, us / 100 % 100);
	buf__2digits(d + 5, us % 100);
	buf__commit(b, len + 7);
}

void timefmt__clock(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	const struct tm_memo *m = to_tm(ns, utc);

	put_time(b, m->clock, m->clock_len, ns, usec);
}

void timefmt__iso(struct wm_buf *b, __u64 ns, bool utc, bool usec)
{
	const struct tm_memo *m = to_tm(ns, utc);

	put_time(b, m->iso, m->iso_len, ns, usec);
	if (utc)
		buf__putc(b, 'Z');
}
