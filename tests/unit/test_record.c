// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* record__decode must reject every malformed record and never read past size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "probe/record.h"

#define HDR sizeof(struct wm_call)

/* A buffer of exactly size bytes, so valgrind sees any read past it. */
static unsigned char *record_dup(const struct wm_call *hdr, const char *data, size_t data_n,
				 size_t size)
{
	unsigned char *p = calloc(1, size ? size : 1);

	assert_non_null(p);
	memcpy(p, hdr, size < HDR ? size : HDR);
	if (size > HDR)
		memcpy(p + HDR, data, data_n < size - HDR ? data_n : size - HDR);
	return p;
}

static void init_hdr(struct wm_call *h)
{
	int i;

	memset(h, 0, sizeof(*h));
	h->kind = WM_REC_CALL;
	h->func_id = 3;
	h->pid = 100;
	h->tid = 101;
	h->latency_ns = 1200;
	for (i = 0; i < WM_NR_SLOTS; i++)
		h->str_len[i] = WM_STR_NONE;
}

static int decode(const struct wm_call *h, const char *data, size_t data_n, size_t size,
		  struct wm_call_view *v)
{
	unsigned char *p = record_dup(h, data, data_n, size);
	int err = record__decode(p, size, v);

	free(p);
	return err;
}

static void test_valid_with_strings(void **state)
{
	static const char data[] = "axxabcdefresult";
	struct wm_call_view v;
	struct wm_call h;
	unsigned char *p;

	init_hdr(&h);
	h.str_len[0] = 1;
	h.str_len[1] = 8;
	h.str_len[2] = WM_STR_FAULT;
	h.str_len[3] = 0;
	h.str_len[WM_VAL_RET] = 6;
	h.data_len = 15;
	h.str_trunc = 1 << 1;
	h.args[0] = 0x1111;
	h.ret = 2;
	/* Ring buffer records are padded: size may exceed header + data_len. */
	p = record_dup(&h, data, 15, HDR + 16);
	assert_int_equal(record__decode(p, HDR + 16, &v), 0);
	assert_int_equal(v.hdr.func_id, 3);
	assert_int_equal(v.hdr.args[0], 0x1111);
	assert_int_equal(v.hdr.ret, 2);
	assert_int_equal(v.hdr.str_trunc, 2);
	assert_ptr_equal(v.str[0], p + HDR);
	assert_int_equal(v.str_len[0], 1);
	assert_ptr_equal(v.str[1], p + HDR + 1);
	assert_memory_equal(v.str[1], "xxabcdef", 8);
	assert_null(v.str[2]);
	assert_int_equal(v.str_len[2], WM_STR_FAULT);
	/* An empty string is still a string. */
	assert_ptr_equal(v.str[3], p + HDR + 9);
	assert_int_equal(v.str_len[3], 0);
	assert_null(v.str[4]);
	assert_int_equal(v.str_len[4], WM_STR_NONE);
	assert_null(v.str[5]);
	assert_ptr_equal(v.str[WM_VAL_RET], p + HDR + 9);
	assert_memory_equal(v.str[WM_VAL_RET], "result", 6);
	assert_int_equal(v.ts_real_ns, 0);
	free(p);
}

static void test_header_only(void **state)
{
	struct wm_call_view v;
	struct wm_call h;
	int i;

	init_hdr(&h);
	h.kind = WM_REC_UNFINISHED;
	h.flags = WM_F_THREAD_EXIT;
	assert_int_equal(decode(&h, NULL, 0, HDR, &v), 0);
	assert_int_equal(v.hdr.kind, WM_REC_UNFINISHED);
	assert_int_equal(v.hdr.flags, WM_F_THREAD_EXIT);
	for (i = 0; i < WM_NR_SLOTS; i++)
		assert_null(v.str[i]);
}

/* An exec notice: a header and the new image's name in slot 0. */
static void test_exec_notice(void **state)
{
	static const char name[] = "t_exec";
	struct wm_call_view v;
	struct wm_call h;
	unsigned char *p;

	init_hdr(&h);
	h.kind = WM_REC_EXEC;
	h.str_len[0] = 6;
	h.data_len = 6;
	p = record_dup(&h, name, 6, HDR + 6);
	assert_int_equal(record__decode(p, HDR + 6, &v), 0);
	assert_int_equal(v.hdr.kind, WM_REC_EXEC);
	assert_int_equal(v.str_len[0], 6);
	assert_memory_equal(v.str[0], "t_exec", 6);
	free(p);
	/* Cut short: the name's length is not trusted. */
	assert_int_equal(decode(&h, name, 6, HDR + 5, &v), -EINVAL);
}

static void test_short_size(void **state)
{
	struct wm_call_view v;
	struct wm_call h;
	size_t sz;

	init_hdr(&h);
	for (sz = 0; sz < HDR; sz++)
		assert_int_equal(decode(&h, NULL, 0, sz, &v), -EINVAL);
	assert_int_equal(record__decode(NULL, HDR, &v), -EINVAL);
}

static void test_bad_kind(void **state)
{
	static const unsigned short kinds[] = { 0, 5, 6, 0x100, 0xffff };
	struct wm_call_view v;
	struct wm_call h;
	size_t i;

	init_hdr(&h);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		h.kind = kinds[i];
		assert_int_equal(decode(&h, NULL, 0, HDR, &v), -EINVAL);
	}
}

static void test_data_len_too_big(void **state)
{
	struct wm_call_view v;
	struct wm_call h;

	init_hdr(&h);
	h.data_len = 1;
	assert_int_equal(decode(&h, NULL, 0, HDR, &v), -EINVAL);
	h.data_len = 8;
	assert_int_equal(decode(&h, "abcdefg", 7, HDR + 7, &v), -EINVAL);
	assert_int_equal(decode(&h, "abcdefgh", 8, HDR + 8, &v), 0);
	h.data_len = 0xffff;
	assert_int_equal(decode(&h, "abcdefgh", 8, HDR + 8, &v), -EINVAL);
}

static void test_str_len_sum_too_big(void **state)
{
	struct wm_call_view v;
	struct wm_call h;
	int i;

	init_hdr(&h);
	h.data_len = 10;
	h.str_len[0] = 6;
	h.str_len[WM_VAL_RET] = 5;
	assert_int_equal(decode(&h, "0123456789", 10, HDR + 10, &v), -EINVAL);
	h.str_len[WM_VAL_RET] = 4;
	assert_int_equal(decode(&h, "0123456789", 10, HDR + 10, &v), 0);
	/* A single length past data_len, even with room in size. */
	init_hdr(&h);
	h.data_len = 4;
	h.str_len[2] = 5;
	assert_int_equal(decode(&h, "0123456789", 10, HDR + 10, &v), -EINVAL);
	/* Lengths that only overflow when added up. */
	init_hdr(&h);
	h.data_len = 100;
	for (i = 0; i < WM_NR_SLOTS; i++)
		h.str_len[i] = 0x7fff;
	assert_int_equal(decode(&h, "", 0, HDR + 100, &v), -EINVAL);
}

static void test_bad_negative_lengths(void **state)
{
	static const short bad[] = { -3, -4, -100, -32768 };
	struct wm_call_view v;
	struct wm_call h;
	size_t i;
	int slot;

	for (slot = 0; slot < WM_NR_SLOTS; slot++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			init_hdr(&h);
			h.str_len[slot] = bad[i];
			assert_int_equal(decode(&h, NULL, 0, HDR, &v), -EINVAL);
		}
		init_hdr(&h);
		h.str_len[slot] = WM_STR_FAULT;
		assert_int_equal(decode(&h, NULL, 0, HDR, &v), 0);
		assert_null(v.str[slot]);
		assert_int_equal(v.str_len[slot], WM_STR_FAULT);
	}
}

static void test_unaligned(void **state)
{
	unsigned char *raw = malloc(HDR + 4 + 1);
	struct wm_call_view v;
	struct wm_call h;

	assert_non_null(raw);
	init_hdr(&h);
	h.str_len[1] = 4;
	h.data_len = 4;
	memcpy(raw + 1, &h, HDR);
	memcpy(raw + 1 + HDR, "abcd", 4);
	assert_int_equal(record__decode(raw + 1, HDR + 4, &v), 0);
	assert_ptr_equal(v.str[1], raw + 1 + HDR);
	free(raw);
}

/* Random and mutated records: decode must not crash or point outside the record. */
static void test_fuzz(void **state)
{
	unsigned int seed = 4242;
	struct wm_call_view v;
	struct wm_call h;
	unsigned char *p;
	size_t size, i;
	int round, slot, ok = 0;
	volatile unsigned char sink = 0;

	for (round = 0; round < 50000; round++) {
		size = rand_r(&seed) % (HDR + 64);
		p = malloc(size ? size : 1);
		assert_non_null(p);
		for (i = 0; i < size; i++)
			p[i] = rand_r(&seed);
		if (size >= HDR && rand_r(&seed) % 4) {
			/* Mostly-plausible headers reach the deeper checks. */
			memcpy(&h, p, HDR);
			h.kind = rand_r(&seed) % 3;
			h.data_len = rand_r(&seed) % 160;
			for (slot = 0; slot < WM_NR_SLOTS; slot++)
				h.str_len[slot] = (int)(rand_r(&seed) % 14) - 3;
			memcpy(p, &h, HDR);
		}
		if (record__decode(p, size, &v) == 0) {
			ok++;
			assert_true(size >= HDR);
			for (slot = 0; slot < WM_NR_SLOTS; slot++) {
				if (v.str_len[slot] < 0) {
					assert_null(v.str[slot]);
					continue;
				}
				assert_true((const unsigned char *)v.str[slot] >= p + HDR);
				assert_true((const unsigned char *)v.str[slot] + v.str_len[slot] <=
					    p + size);
				for (i = 0; i < (size_t)v.str_len[slot]; i++)
					sink += v.str[slot][i];
			}
		}
		free(p);
	}
	(void)sink;
	/* The generator must exercise the success path too. */
	assert_true(ok > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_with_strings),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_exec_notice),
		cmocka_unit_test(test_short_size),
		cmocka_unit_test(test_bad_kind),
		cmocka_unit_test(test_data_len_too_big),
		cmocka_unit_test(test_str_len_sum_too_big),
		cmocka_unit_test(test_bad_negative_lengths),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
