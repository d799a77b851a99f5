/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decoding of the records the BPF side writes into the ring buffer. */
#ifndef WM_RECORD_H
#define WM_RECORD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "wrapmon.h"

struct wm_call_view {
	struct wm_call hdr;	      /* copy of the fixed part */
	const char *str[WM_NR_SLOTS]; /* into the record; NULL unless str_len >= 0 */
	int str_len[WM_NR_SLOTS];     /* as hdr.str_len, validated */
	__u64 ts_real_ns;	      /* wall clock of entry, filled by the caller */
	/*
	 * WM_F_RAISED: the exception's type, demangled, raw target bytes
	 * (escape them); "?" when unknown. Filled by the caller; outlives
	 * every copy of the view (the consumer keeps the names to the end).
	 */
	const char *exc_type;
};

/*
 * Validate a record of size bytes and fill v. Checks kind, data_len against
 * size, each str_len (>= 0, or WM_STR_NONE / WM_STR_FAULT) and that the
 * string lengths add up to no more than data_len. -EINVAL when malformed.
 * v's string pointers point into data.
 */
int record__decode(const void *data, size_t size, struct wm_call_view *v);

#endif
