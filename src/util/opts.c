// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/opts.h"

bool opts__valid(const void *opts, size_t known)
{
	const char *p = opts;
	size_t sz, i;

	if (!opts)
		return true;
	sz = *(const size_t *)opts;
	if (sz < sizeof(sz))
		return false;
	for (i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}
