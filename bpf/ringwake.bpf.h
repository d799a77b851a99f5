/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * When a ring buffer record wakes its consumer. Waking on every record
 * costs the traced thread an interrupt per call (irq_work: a self-IPI, a VM
 * exit on a guest); the consumer polls on a short timer anyway and drains
 * the ring to empty each time it runs. So the record that takes the backlog
 * across the mark wakes it: one wake-up per batch, and none while a consumer
 * that is behind catches up (it is awake then). A record committed late by
 * another CPU can leave the backlog past the mark with no crossing to come:
 * the consumer's timer drains it.
 *
 * Past four times the mark (half the ring, for a mark at an eighth), the
 * consumer is far behind, and every record wakes it again: the interrupts
 * slow the traced threads, which is what keeps the ring from filling (on a
 * busy machine, where the consumer waits for a CPU, the crossing alone let
 * 1-12 % of the calls of a sustained run be dropped).
 */
#ifndef RINGWAKE_BPF_H
#define RINGWAKE_BPF_H

/*
 * The flags for bpf_ringbuf_submit() of a record reserved on ring rb, which
 * took span bytes of it (RINGWAKE_SPAN()): BPF_RB_FORCE_WAKEUP when the
 * waiting bytes, this record's with them, have just reached mark, or are
 * past four times it.
 */
static __always_inline __u64 ringwake_flags(void *rb, __u64 mark, __u64 span)
{
	__u64 avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);

	if (avail >= mark * 4)
		return BPF_RB_FORCE_WAKEUP;
	return avail >= mark && avail < mark + span ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* What a record of size bytes takes of a ring: its size and 8-byte header, rounded up to 8. */
#define RINGWAKE_SPAN(size) (((size) + 8 + 7) / 8 * 8)

#endif /* RINGWAKE_BPF_H */
