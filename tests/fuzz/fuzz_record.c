// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer records, of any length and content, through the whole
 * consumer: decode, store, text and JSON formatting, summary. The kernel
 * writes these, but a decoder that trusts them turns one BPF bug into a
 * userspace memory error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "proto.h"
#include "record.h"
#include "store.h"

static struct wm_func funcs[3];
static struct wm_store *store;
static FILE *devnull;

static void sink(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_fmt_opts o = { .utc = true };
	struct wm_buf *b = ctx;

	buf__reset(b);
	format__call_text(b, f, c, &o);
	format__call_json(b, f, c);
}

static void setup(void)
{
	static const char *const protos[] = {
		"char *f0(const char *a, int b, const char *c, unsigned long d, char e, void *g)",
		"_Bool f1(short a, const char *b, double c, long long d, unsigned char e, ...)",
	};
	static struct wm_buf b;
	struct wm_store_opts o = { .sz = sizeof(o), .recent = 4 };
	struct wm_sink s = { .on_call = sink, .ctx = &b };
	char err[256];
	int i, col;

	for (i = 0; i < 2; i++) {
		funcs[i].id = i;
		if (proto__parse(protos[i], &funcs[i].sig, &col, err, sizeof(err)))
			abort();
		snprintf(funcs[i].name, sizeof(funcs[i].name), "f%d", i);
		snprintf(funcs[i].obj, sizeof(funcs[i].obj), "/fuzz/obj");
	}
	funcs[2].id = 2;
	sig__init_raw(&funcs[2].sig, "raw");
	snprintf(funcs[2].name, sizeof(funcs[2].name), "raw");
	if (store__new(funcs, 3, &o, &store) || store__add_sink(store, &s))
		abort();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_call_view v;
	uint8_t *copy;

	if (!store)
		setup();
	/* An exact-size copy, so any read past the record is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (record__decode(copy, size, &v) == 0) {
		v.hdr.func_id %= 3;
		v.ts_real_ns = v.hdr.entry_ns;
		/* Exec notices carry no call: the store must refuse them, and take every call. */
		if ((store__add(store, &v) == 0) != (v.hdr.kind != WM_REC_EXEC))
			abort();
		store__print_summary(store, devnull, size & 1, v.hdr.latency_ns);
	}
	free(copy);
	return 0;
}
