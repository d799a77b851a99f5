// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The bounded queue between the ring-buffer thread and the store's writer. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "store/callq.h"

static void view_init(struct wm_call_view *v, __u32 func_id, __u64 latency)
{
	memset(v, 0, sizeof(*v));
	v->hdr.kind = WM_REC_CALL;
	v->hdr.func_id = func_id;
	v->hdr.latency_ns = latency;
	v->ts_real_ns = 1000 + latency;
	for (int i = 0; i < WM_NR_SLOTS; i++) {
		v->hdr.str_len[i] = WM_STR_NONE;
		v->str_len[i] = WM_STR_NONE;
	}
}

static void test_roundtrip_and_bounds(void **state)
{
	struct wm_callq_opts o = { .sz = sizeof(o), .max_calls = 3, .wake_calls = 2 };
	struct wm_callq_batch b = {};
	struct wm_callq *q;
	struct wm_call_view v, got;
	char s[] = "hello\0world";

	assert_int_equal(callq__new(&o, &q), 0);
	/* Nothing queued: a take times out empty. */
	assert_int_equal(callq__take(q, &b, 10), 0);
	assert_false(callq__next(&b, &got));

	view_init(&v, 1, 5);
	v.hdr.tid = 42;
	v.hdr.parent_entry_ns = 77;
	v.str[0] = s;
	v.str_len[0] = 11; /* embedded NUL kept */
	v.str_len[1] = WM_STR_FAULT;
	v.str[WM_VAL_RET] = "";
	v.str_len[WM_VAL_RET] = 0;
	assert_int_equal(callq__push(q, &v), 0);
	view_init(&v, 2, 6);
	assert_int_equal(callq__push(q, &v), 0);
	assert_int_equal(callq__push(q, &v), 0);
	assert_int_equal(callq__push(q, &v), -ENOSPC);
	/* Scribble over the caller's string: the queue copied it. */
	memset(s, 'X', sizeof(s));

	assert_int_equal(callq__take(q, &b, 1000), 3);
	assert_true(callq__next(&b, &got));
	assert_int_equal(got.hdr.func_id, 1);
	assert_int_equal(got.hdr.tid, 42);
	assert_int_equal(got.hdr.parent_entry_ns, 77);
	assert_int_equal(got.ts_real_ns, 1005);
	assert_int_equal(got.str_len[0], 11);
	assert_memory_equal(got.str[0], "hello\0world", 11);
	assert_int_equal(got.str_len[1], WM_STR_FAULT);
	assert_null(got.str[1]);
	assert_int_equal(got.str_len[WM_VAL_RET], 0);
	assert_non_null(got.str[WM_VAL_RET]);
	assert_true(callq__next(&b, &got));
	assert_int_equal(got.hdr.latency_ns, 6);
	assert_true(callq__next(&b, &got));
	assert_false(callq__next(&b, &got));
	/* Room again after the take. */
	assert_int_equal(callq__push(q, &v), 0);
	callq__close(q);
	assert_int_equal(callq__push(q, &v), -EPIPE);
	assert_int_equal(callq__take(q, &b, 1000), 1);
	assert_int_equal(callq__take(q, &b, 1000), -EPIPE);
	callq_batch__free(&b);
	callq__free(q);
	callq__free(NULL);
}

static void test_byte_bound(void **state)
{
	struct wm_callq_opts o = { .sz = sizeof(o), .max_bytes = 1024 };
	struct wm_callq *q;
	struct wm_call_view v;
	static char big[600];
	int ok = 0;

	assert_int_equal(callq__new(&o, &q), 0);
	view_init(&v, 0, 1);
	v.str[2] = big;
	v.str_len[2] = sizeof(big);
	while (callq__push(q, &v) == 0)
		ok++;
	assert_int_equal(ok, 1);
	callq__free(q);
}

struct consumer {
	struct wm_callq *q;
	__u64 taken, sum;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	struct wm_callq_batch b = {};
	struct wm_call_view v;

	while (callq__take(c->q, &b, 5) != -EPIPE) {
		while (callq__next(&b, &v)) {
			c->taken++;
			c->sum += v.hdr.latency_ns;
		}
	}
	callq_batch__free(&b);
	return NULL;
}

/* Every call pushed is either taken once or refused: none lost, none twice. */
static void test_threads(void **state)
{
	struct wm_callq_opts o = { .sz = sizeof(o), .max_calls = 64, .wake_calls = 16 };
	struct consumer c = {};
	struct wm_call_view v;
	__u64 pushed = 0, refused = 0, sum = 0;
	pthread_t t;

	assert_int_equal(callq__new(&o, &c.q), 0);
	assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
	for (__u64 i = 1; i <= 200000; i++) {
		view_init(&v, 0, i);
		if (callq__push(c.q, &v)) {
			refused++;
		} else {
			pushed++;
			sum += i;
		}
	}
	callq__close(c.q);
	pthread_join(t, NULL);
	assert_int_equal(c.taken, pushed);
	assert_int_equal(c.sum, sum);
	assert_int_equal(pushed + refused, 200000);
	callq__free(c.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_bounds),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
