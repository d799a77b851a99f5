// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

int grow__array(void *arrp, size_t *cap, size_t need, size_t elem)
{
	size_t want = *cap ? *cap : 16;
	void *arr, *p;

	if (need <= *cap)
		return 0;
	if (!elem)
		return -EINVAL;
	while (want < need) {
		if (want > SIZE_MAX / 2)
			return -ENOMEM;
		want *= 2;
	}
	if (want > SIZE_MAX / elem)
		return -ENOMEM;
	/* The pointer is read and written as bytes: arrp may point to any T *. */
	memcpy(&arr, arrp, sizeof(arr));
	p = realloc(arr, want * elem);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = want;
	return 0;
}

int grow__array_int(void *arrp, int *cap, int need, size_t elem)
{
	size_t c = *cap > 0 ? (size_t)*cap : 0;
	int err;

	if (need < 0)
		return -EINVAL;
	err = grow__array(arrp, &c, (size_t)need, elem);
	if (err)
		return err;
	if (c > INT_MAX)
		c = INT_MAX;
	if ((size_t)need > c)
		return -ENOMEM;
	*cap = (int)c;
	return 0;
}
