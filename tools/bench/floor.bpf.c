// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The benchmark's floor: empty entry and return programs on the same probes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe.multi")
int floor_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe.multi")
int floor_return(void *ctx)
{
	return 0;
}
