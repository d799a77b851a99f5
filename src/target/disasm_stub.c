// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Until src/target/disasm.c is merged: no return sites anywhere. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "target/disasm.h"

__attribute__((weak)) int disasm__return_sites(__u64 entry, __u64 size,
					       const struct disasm_opts *opts, struct wm_sites *out)
{
	(void)entry;
	(void)size;
	(void)opts;
	memset(out, 0, sizeof(*out));
	snprintf(out->why_not, sizeof(out->why_not), "this build has no return-site finder");
	return -ENOTSUP;
}

__attribute__((weak)) void disasm__sites_free(struct wm_sites *s)
{
	(void)s;
}
