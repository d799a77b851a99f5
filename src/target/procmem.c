// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sys/uio.h>
#include "target/procmem.h"

int procmem__read(pid_t pid, __u64 addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)addr, n };

	if (!addr)
		return -EFAULT;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -EFAULT;
}

__u64 procmem__u64(pid_t pid, __u64 addr)
{
	__u64 v = 0;

	return procmem__read(pid, addr, &v, sizeof(v)) ? 0 : v;
}
