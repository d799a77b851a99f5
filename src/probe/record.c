// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer record decoding. The bytes come from BPF, but a bug there (or
 * a mismatched build) must not turn into an out-of-bounds read here, so no
 * length in the record is trusted before it is checked against size.
 */
#include <errno.h>
#include <string.h>
#include "probe/record.h"

int record__decode(const void *data, size_t size, struct wm_call_view *v)
{
	const char *strs = (const char *)data + sizeof(struct wm_call);
	struct wm_call hdr;
	size_t off = 0;
	int i, len;

	if (!data || !v || size < sizeof(hdr))
		return -EINVAL;
	/* The ring buffer only promises 8-byte alignment; copy, don't cast. */
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.kind != WM_REC_CALL && hdr.kind != WM_REC_UNFINISHED && hdr.kind != WM_REC_EXEC &&
	    hdr.kind != WM_REC_EXC_TYPE)
		return -EINVAL;
	if (hdr.data_len > size - sizeof(hdr))
		return -EINVAL;
	for (i = 0; i < WM_NR_SLOTS; i++) {
		len = hdr.str_len[i];
		if (len < 0 && len != WM_STR_NONE && len != WM_STR_FAULT)
			return -EINVAL;
		if (len >= 0) {
			off += len;
			if (off > hdr.data_len)
				return -EINVAL;
		}
	}

	memset(v, 0, sizeof(*v));
	v->hdr = hdr;
	off = 0;
	for (i = 0; i < WM_NR_SLOTS; i++) {
		len = hdr.str_len[i];
		v->str_len[i] = len;
		if (len < 0)
			continue;
		v->str[i] = strs + off;
		off += len;
	}
	return 0;
}
