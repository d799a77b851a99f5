// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * C++ exceptions through traced functions: thrown by thrower(), caught one
 * frame up (catch1), three frames up (catch3 -> mid2 -> mid1 -> thrower),
 * and caught then rethrown (rethrow, caught by main). Normal returns of the
 * same functions in between. Logs what really happened:
 * "tid thrower x ret" for a normal return, "tid caught where x" for a catch,
 * "tid mid1 x ret" ..., and "done" at the end.
 */
#include <stdexcept>
#include "common.h"

extern "C" {
__attribute__((noinline)) int thrower(int x)
{
	asm volatile("");
	if (x < 0)
		throw std::runtime_error("negative");
	TLOG_BEGIN();
	fprintf(tlog, "%d thrower %d %d\n", gettid_(), x, x * 10);
	TLOG_END();
	return x * 10;
}

__attribute__((noinline)) int mid1(int x)
{
	int r = thrower(x) + 1;

	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d mid1 %d %d\n", gettid_(), x, r);
	TLOG_END();
	return r;
}

__attribute__((noinline)) int mid2(int x)
{
	int r = mid1(x) + 1;

	asm volatile("");
	TLOG_BEGIN();
	fprintf(tlog, "%d mid2 %d %d\n", gettid_(), x, r);
	TLOG_END();
	return r;
}

/* Catches what thrower() throws, one frame up. */
__attribute__((noinline)) int catch1(int x)
{
	try {
		return thrower(x);
	} catch (const std::exception &e) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught catch1 %d\n", gettid_(), x);
		TLOG_END();
		return -1;
	}
}

/* Catches it three frames up: mid2 -> mid1 -> thrower. */
__attribute__((noinline)) int catch3(int x)
{
	try {
		return mid2(x);
	} catch (const std::exception &e) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught catch3 %d\n", gettid_(), x);
		TLOG_END();
		return -3;
	}
}

/* Catches, logs, and throws it on. */
__attribute__((noinline)) int rethrow(int x)
{
	try {
		return mid1(x);
	} catch (...) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught rethrow %d\n", gettid_(), x);
		TLOG_END();
		throw;
	}
}
}

int main(int argc, char **argv)
{
	int r;

	target_start(argc, argv);
	for (int round = 0; round < 2; round++) {
		r = catch1(1);
		r += catch1(-1);
		r += catch3(2);
		r += catch3(-2);
		try {
			r += rethrow(3);
			r += rethrow(-3);
		} catch (const std::exception &e) {
			TLOG_BEGIN();
			fprintf(tlog, "%d caught main %d\n", gettid_(), round);
			TLOG_END();
		}
		TLOG_BEGIN();
		fprintf(tlog, "round %d %d\n", round, r);
		TLOG_END();
	}
	TLOG_BEGIN();
	fprintf(tlog, "done\n");
	TLOG_END();
	return 0;
}
