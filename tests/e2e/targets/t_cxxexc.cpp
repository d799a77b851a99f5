// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * C++ exceptions through traced functions: thrown by thrower(), caught one
 * frame up (catch1), three frames up (catch3 -> mid2 -> mid1 -> thrower),
 * and caught then rethrown (rethrow, caught by main). Normal returns of the
 * same functions in between. x == -2 throws std::out_of_range, other
 * negative x std::runtime_error, so each end must name its own exception.
 *
 * Logs how every call of a traced function really ended:
 * "tid ret FN x result" when it returned, "tid raised FN x TYPE" when an
 * exception unwound through it (an Ends guard's destructor, run by the
 * unwinder: a cleanup, so _Unwind_Resume runs too), TYPE the thrown object's
 * typeid, demangled. "tid caught where x" for a catch, and "done" at the end.
 */
#include <cxxabi.h>
#include <exception>
#include <stdexcept>
#include <typeinfo>
#include "common.h"

/* The type of the exception this thread threw last: what a rethrow carries on. */
static thread_local char inflight[128];

template <typename E> [[noreturn]] static void throw_logged(const E &e)
{
	int status = 0;
	char *d = abi::__cxa_demangle(typeid(e).name(), NULL, NULL, &status);

	snprintf(inflight, sizeof(inflight), "%s", d && !status ? d : typeid(e).name());
	free(d);
	throw e;
}

/* Logs the call's end when an exception, not a return, ends it. */
struct Ends {
	const char *fn;
	int x, n;
	Ends(const char *f, int v) : fn(f), x(v), n(std::uncaught_exceptions())
	{
	}
	~Ends()
	{
		if (std::uncaught_exceptions() > n) {
			TLOG_BEGIN();
			fprintf(tlog, "%d raised %s %d %s\n", gettid_(), fn, x, inflight);
			TLOG_END();
		}
	}
};

static int ret_logged(const char *fn, int x, int r)
{
	TLOG_BEGIN();
	fprintf(tlog, "%d ret %s %d %d\n", gettid_(), fn, x, r);
	TLOG_END();
	return r;
}

extern "C" {
__attribute__((noinline)) int thrower(int x)
{
	Ends e("thrower", x);

	asm volatile("");
	if (x == -2)
		throw_logged(std::out_of_range("minus two"));
	if (x < 0)
		throw_logged(std::runtime_error("negative"));
	return ret_logged("thrower", x, x * 10);
}

__attribute__((noinline)) int mid1(int x)
{
	Ends e("mid1", x);
	int r = thrower(x) + 1;

	asm volatile("");
	return ret_logged("mid1", x, r);
}

__attribute__((noinline)) int mid2(int x)
{
	Ends e("mid2", x);
	int r = mid1(x) + 1;

	asm volatile("");
	return ret_logged("mid2", x, r);
}

/* Catches what thrower() throws, one frame up. */
__attribute__((noinline)) int catch1(int x)
{
	Ends e("catch1", x);
	int r;

	try {
		r = thrower(x);
	} catch (const std::exception &ex) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught catch1 %d\n", gettid_(), x);
		TLOG_END();
		r = -1;
	}
	return ret_logged("catch1", x, r);
}

/* Catches it three frames up: mid2 -> mid1 -> thrower. */
__attribute__((noinline)) int catch3(int x)
{
	Ends e("catch3", x);
	int r;

	try {
		r = mid2(x);
	} catch (const std::exception &ex) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught catch3 %d\n", gettid_(), x);
		TLOG_END();
		r = -3;
	}
	return ret_logged("catch3", x, r);
}

/* Catches, logs, and throws it on. */
__attribute__((noinline)) int rethrow(int x)
{
	Ends e("rethrow", x);
	int r;

	try {
		r = mid1(x);
	} catch (...) {
		TLOG_BEGIN();
		fprintf(tlog, "%d caught rethrow %d\n", gettid_(), x);
		TLOG_END();
		throw;
	}
	return ret_logged("rethrow", x, r);
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
