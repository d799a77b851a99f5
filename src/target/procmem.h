/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a traced process's memory from userspace. */
#ifndef WM_PROCMEM_H
#define WM_PROCMEM_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

/* n bytes at addr in pid into buf: 0, or -EFAULT (address 0, unmapped, or short). */
int procmem__read(pid_t pid, __u64 addr, void *buf, size_t n);

/* The 8 bytes at addr in pid; 0 when they cannot be read. */
__u64 procmem__u64(pid_t pid, __u64 addr);

#endif
