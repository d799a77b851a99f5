// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A target in seccomp filter mode (Seccomp: 2) before the tracer attaches:
 * its filter allows every call, so only wrapmon's choice of return mode is
 * under test, not the filter's verdict. Logs "tid square x ret" and "done".
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include "common.h"

__attribute__((noinline)) int square(int x)
{
	asm volatile("");
	return x * x;
}

int main(int argc, char **argv)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		perror("seccomp");
		return 2;
	}
	target_start(argc, argv);
	for (int i = 1; i <= 3; i++) {
		int r = square(i);

		fprintf(tlog, "%d square %d %d\n", gettid_(), i, r);
	}
	fprintf(tlog, "done\n");
	fclose(tlog);
	return 0;
}
