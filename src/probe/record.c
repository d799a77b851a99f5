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
	const struct wm_call *hdr;
	size_t off = 0;
	int i, len;

	if (!data || !v || size < sizeof(*hdr))
		return -EINVAL;
	/*
	 * The ring buffer only promises 8-byte alignment: copy, don't cast.
	 * Copied once, straight into the view, and checked there.
	 */
	memcpy(&v->hdr, data, sizeof(v->hdr));
	hdr = &v->hdr;
	if (hdr->kind != WM_REC_CALL && hdr->kind != WM_REC_UNFINISHED &&
	    hdr->kind != WM_REC_EXEC && hdr->kind != WM_REC_EXC_TYPE)
		goto bad;
	if (hdr->data_len > size - sizeof(*hdr))
		goto bad;
	for (i = 0; i < WM_NR_SLOTS; i++) {
		len = hdr->str_len[i];
		v->str_len[i] = len;
		v->str[i] = NULL;
		if (len < 0) {
			if (len != WM_STR_NONE && len != WM_STR_FAULT)
				goto bad;
			continue;
		}
		if (off + len > hdr->data_len)
			goto bad;
		v->str[i] = strs + off;
		off += len;
	}
	v->ts_real_ns = 0;
	v->exc_type = NULL;
	return 0;
bad:
	memset(v, 0, sizeof(*v));
	return -EINVAL;
}
