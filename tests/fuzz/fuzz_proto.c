// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -f prototypes are typed by the operator, but may be pasted from anywhere. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "types/proto.h"

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
		/* A buffer's count is another parameter or the result; places are registers. */
		for (int i = 0; i < sig.nr_params; i++) {
			const struct wm_param *p = &sig.params[i];

			if (p->type.kind == WM_T_BUF && p->type.len_param != WM_LEN_RET &&
			    (p->type.len_param < 0 || p->type.len_param >= sig.nr_params ||
			     p->type.len_param == i ||
			     sig.params[p->type.len_param].type.kind != WM_T_INT))
				abort();
			if (p->reg < -1 || p->reg + p->nr_regs > 6 || p->stack_off < -1)
				abort();
		}
		/* Members come only from structs the prototype defines, inside the pool. */
		if (sig.nr_enums || sig.nr_fields < 0 || sig.nr_fields > WM_SIG_MAX_FIELDS)
			abort();
		for (int i = -1; i < sig.nr_params; i++) {
			const struct wm_type *t = i < 0 ? &sig.ret : &sig.params[i].type;

			if (t->first_field + t->nr_fields > sig.nr_fields)
				abort();
		}
		sig__snprint(&sig, out, sizeof(out));
		sig__free(&sig);
	} else if (ret != -EINVAL || col < 1 || (size_t)col > strlen(text) + 1 || !err[0]) {
		/* An error always names a column inside the text and says something. */
		abort();
	} else {
		/* On one line, the text it quotes escaped: no control byte. */
		for (const char *c = err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
	}
	free(text);
	return 0;
}
