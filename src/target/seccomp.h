/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether the uretprobe trampoline could get the target killed by its own
 * seccomp filter. On x86-64 from Linux 6.11 the trampoline returns through
 * a system call (uretprobe(2)) that a process's seccomp filter saw, and a
 * filter that refuses unknown calls killed the process (systemd#34615).
 * The kernel lets that call pass seccomp from 6.14, 6.13.3 and 6.12.14
 * ("seccomp: passthrough uretprobe systemcall without filtering"); 6.11.y
 * ended without it. --returns=auto keeps the trampoline away from a target
 * in seccomp filter mode on a kernel in between.
 */
#ifndef WM_SECCOMP_H
#define WM_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Is the kernel of uname's release and machine one whose trampoline makes
 * a syscall that seccomp filters see? Distribution kernels that backported
 * the fix under an older number are taken as affected: the safe side.
 */
bool seccomp__kernel_affected(const char *release, const char *machine);

/* The mode of a /proc/PID/status text's "Seccomp:" line (0, 1, 2); -1 without one. */
int seccomp__status_mode(const char *status);

/*
 * 1 with why set ("...") when the running kernel is affected and a thread
 * of pid is in seccomp filter mode, 0 when the trampoline is safe from
 * seccomp, a negative errno when the process cannot be read.
 */
int seccomp__trampoline_risk(int pid, char *why, size_t whysz);

#endif
