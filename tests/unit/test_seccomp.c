// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * seccomp: which kernels' uretprobe trampoline makes a syscall a seccomp
 * filter sees (x86-64, 6.11 up to the passthrough fix of 6.14, 6.13.3 and
 * 6.12.14), and the Seccomp: line of /proc/PID/status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/seccomp.h"

static void test_kernel_versions(void **state)
{
	static const struct {
		const char *rel;
		bool affected;
	} v[] = {
		{ "5.15.0-91-generic", false },
		{ "6.10.14", false },
		{ "6.11", true },
		{ "6.11.0-rc3", true },
		{ "6.11.11", true },
		{ "6.12.0", true },
		{ "6.12.13-amd64", true },
		{ "6.12.14", false },
		{ "6.12.57+deb13-amd64", false },
		{ "6.13.2", true },
		{ "6.13.3-arch1-1", false },
		{ "6.14.0-rc7", false },
		{ "6.14", false },
		{ "6.18.44-fc-v1272", false },
		{ "7.0.1", false },
		{ "garbage", false },
		{ "", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (seccomp__kernel_affected(v[i].rel, "x86_64") != v[i].affected)
			fail_msg("%s: want %d", v[i].rel, v[i].affected);
		/* Only x86-64's trampoline makes the syscall. */
		assert_false(seccomp__kernel_affected(v[i].rel, "aarch64"));
	}
}

static void test_status_mode(void **state)
{
	(void)state;
	assert_int_equal(seccomp__status_mode("Name:\tx\nNoNewPrivs:\t1\nSeccomp:\t2\n"
					      "Seccomp_filters:\t1\n"),
			 2);
	assert_int_equal(seccomp__status_mode("Seccomp:\t0\nSeccomp_filters:\t0\n"), 0);
	assert_int_equal(seccomp__status_mode("Name:\tx\nSeccomp:\t1"), 1);
	/* Seccomp_filters alone is not the mode; no line, or junk: -1. */
	assert_int_equal(seccomp__status_mode("Name:\tx\nSeccomp_filters:\t2\n"), -1);
	assert_int_equal(seccomp__status_mode("Seccomp:\tlots\n"), -1);
	assert_int_equal(seccomp__status_mode(""), -1);
	/* A process name that looks like the line is not it. */
	assert_int_equal(seccomp__status_mode("Name:\tSeccomp: 2\nSeccomp:\t0\n"), 0);
}

/* This process has no filter: never a risk, whatever the kernel. */
static void test_own_process(void **state)
{
	char why[160];

	(void)state;
	assert_int_equal(seccomp__trampoline_risk(getpid(), why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_true(seccomp__trampoline_risk(-5, why, sizeof(why)) <= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_versions),
		cmocka_unit_test(test_status_mode),
		cmocka_unit_test(test_own_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
