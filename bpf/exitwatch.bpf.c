// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target's wait status where nothing else reads it: a session that
 * traces Python functions only loads no native programs, whose exit
 * tracepoint tells a target killed by a signal. The status is computed as
 * wrapmon.bpf.c's wm_thread_exit() does, as wait() would report it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 targ_tgid = 0;

/* targ_exited is set after the status: userspace reads the flag first. */
__u32 targ_exit_status = 0;
__u32 targ_exited = 0;

SEC("raw_tp/sched_process_exit")
int BPF_PROG(wm_exit_watch, struct task_struct *task)
{
	__u32 status;

	if (bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	/* The last thread out: live was decremented before the tracepoint. */
	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	status = BPF_CORE_READ(task, signal, group_exit_code);
	/* No group exit (every thread left by itself): the leader's status. */
	if (!status)
		status = BPF_CORE_READ(task, group_leader, exit_code);
	targ_exit_status = status;
	__sync_fetch_and_add(&targ_exited, 1);
	return 0;
}
