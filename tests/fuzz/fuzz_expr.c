// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --filter / --error expressions are typed by the operator, but may be
 * pasted from anywhere. Whatever compiles must validate, print back to a
 * text that compiles to the very same program, and evaluate without fault.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plan/expr.h"
#include "types/proto.h"

static struct wm_sig sigs[2];
static struct wm_call_view views[3];
static const char strs[] = "abcdefgh*\"\\\x01\xff";

static void setup(void)
{
	char err[128];
	int col, i, v;

	if (proto__parse("char *f(const char *pat, const char *s, size_t n, char c, bool flag, "
			 "int16_t h, void *p)",
			 &sigs[0], &col, err, sizeof(err)))
		abort();
	sig__init_raw(&sigs[1], "raw");
	for (v = 0; v < 3; v++) {
		struct wm_call_view *c = &views[v];

		c->hdr.kind = WM_REC_CALL;
		c->hdr.latency_ns = v == 0 ? 0 : v == 1 ? 1500000 : UINT64_MAX;
		c->hdr.ret = v == 0 ? 0 : 0x7ffd0000;
		for (i = 0; i < WM_MAX_ARGS; i++)
			c->hdr.args[i] = v == 0 ? 0 :
					 v == 1 ? 0xdeadbeef00000000ull | i :
						  UINT64_MAX;
		for (i = 0; i < WM_NR_SLOTS; i++) {
			/* none; strings of every length, some cut; unreadable */
			c->str_len[i] = v == 0 ? WM_STR_NONE : v == 1 ? i : WM_STR_FAULT;
			c->str[i] = v == 1 ? strs : NULL;
		}
		c->hdr.str_trunc = v == 1 ? 0x55 : 0;
	}
}

/* A message may quote the text, escaped: no control byte reaches the terminal. */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void check(const char *text, const struct wm_sig *sig)
{
	static char out[16384], err[256];
	struct wm_expr e, again;
	int col = 0, ret, n;

	ret = expr__parse(text, sig, 64, &e, &col, err, sizeof(err));
	if (ret) {
		/* An error names a column inside the text and says something, on one line. */
		if (ret != -EINVAL || col < 1 || (size_t)col > strlen(text) + 1 || !err[0] ||
		    has_control(err) || e.nr_ops)
			abort();
		return;
	}
	if (expr__validate(&e) || !e.nr_ops || e.max_depth > WM_EXPR_MAX_OPS / 2 + 1)
		abort();
	n = expr__snprint(&e, sig, out, sizeof(out));
	if (n < 0 || (size_t)n >= sizeof(out))
		abort();
	if (expr__parse(out, sig, 64, &again, &col, err, sizeof(err)))
		abort();
	if (again.nr_ops != e.nr_ops || again.str_used != e.str_used ||
	    memcmp(again.ops, e.ops, e.nr_ops * sizeof(e.ops[0])) ||
	    memcmp(again.pool, e.pool, e.str_used))
		abort();
	for (int v = 0; v < 3; v++) {
		if (expr__eval(&e, &views[v], NULL) != expr__eval(&again, &views[v], NULL))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *text = malloc(size + 1);

	if (!ready) {
		setup();
		ready = 1;
	}
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check(text, &sigs[0]);
	check(text, &sigs[1]);
	check(text, NULL);
	free(text);
	return 0;
}
