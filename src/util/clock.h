/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A clock's time in nanoseconds: the one reading every module takes for
 * its timings (CLOCK_MONOTONIC, the thread's or process's CPU time).
 */
#ifndef WM_UTIL_CLOCK_H
#define WM_UTIL_CLOCK_H

#include <linux/types.h>
#include <time.h>

static inline __u64 clock__ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

#endif
