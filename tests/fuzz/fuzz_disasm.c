// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Random machine code through the return-site finder: a target's objects
 * hold whatever bytes their owner wrote. It must never crash, read outside
 * the code, loop, or return sites it did not decode: every site lies in one
 * of the ranges it reports, sorted, and a failure leaves no arrays.
 *
 * Input: 4 control bytes (the symbol's size, 0 for unknown; the entry's
 * offset; every how many bytes a function starts), then the code, mapped at
 * BASE.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "target/disasm.h"

#define BASE 0x400000ull

struct code {
	const uint8_t *p;
	size_t n;
	unsigned int func_every;
};

static ssize_t code_read(void *ctx, __u64 addr, void *buf, size_t n)
{
	const struct code *c = ctx;

	if (addr < BASE || addr >= BASE + c->n)
		return -EIO;
	if (n > BASE + c->n - addr)
		n = BASE + c->n - addr;
	memcpy(buf, c->p + (addr - BASE), n);
	return n;
}

static bool code_is_func(void *ctx, __u64 addr)
{
	const struct code *c = ctx;

	return c->func_every && addr >= BASE && (addr - BASE) % c->func_every == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct code c;
	struct disasm_opts o = {
		.sz = sizeof(o),
		.read = code_read,
		.is_func = code_is_func,
		.ctx = &c,
		.max_insns = 4096,
	};
	struct wm_sites s;
	__u64 entry, len;
	int err;

	if (size < 4)
		return 0;
	len = data[0] | (data[1] & 0x0f) << 8;
	c.func_every = data[2] >> 3;
	c.p = data + 4;
	c.n = size - 4;
	entry = BASE + (c.n ? data[3] % c.n : 0);
	if (entry + len > BASE + c.n)
		len = BASE + c.n - entry;
	err = disasm__return_sites(entry, len, &o, &s);
	if (err) {
		if (s.v || s.ranges || s.n || s.nr_ranges || !s.why_not[0])
			abort();
		if (err != -ENOTSUP && err != -E2BIG && err != -EIO && err != -ENOMEM)
			abort();
		return 0;
	}
	if (s.nr_ranges < 1 && len)
		abort();
	for (int i = 0; i < s.n; i++) {
		bool in = false;

		if (i && s.v[i - 1].addr >= s.v[i].addr)
			abort();
		if (!s.v[i].len || s.v[i].len > 15 || s.v[i].kind < WM_SITE_RET ||
		    s.v[i].kind > WM_SITE_TAIL_JMP_REG)
			abort();
		for (int j = 0; j < s.nr_ranges; j++)
			in |= s.v[i].addr >= s.ranges[j].start &&
			      s.v[i].addr + s.v[i].len <= s.ranges[j].end;
		if (!in)
			abort();
	}
	disasm__sites_free(&s);
	return 0;
}
