// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls a function in a shared library. */
#include "common.h"

long lib_add(long a, long b);

int main(int argc, char **argv)
{
	target_start(argc, argv);
	for (long i = 0; i < 20; i++) {
		long r = lib_add(i, -3 * i + 1000000000000L);

		TLOG_BEGIN();
		fprintf(tlog, "%d lib_add %ld %ld %ld\n", gettid_(), i, -3 * i + 1000000000000L, r);
		TLOG_END();
	}
	return 0;
}
