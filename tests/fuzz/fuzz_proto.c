// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -f prototypes are typed by the operator, but may be pasted from anywhere. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256], out[1024];
	struct wm_sig sig;
	int col = 0, ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	proto__is_prototype(text);
	ret = proto__parse(text, &sig, &col, err, sizeof(err));
	if (ret == 0) {
		if (sig.nr_params < 0 || sig.nr_params > WM_SIG_MAX_PARAMS)
			abort();
		sig__snprint(&sig, out, sizeof(out));
	} else if (ret != -EINVAL || col < 1 || (size_t)col > strlen(text) + 1 || !err[0]) {
		/* An error always names a column inside the text and says something. */
		abort();
	}
	free(text);
	return 0;
}
