// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ringread: every record of a real BPF ring, in order and whole, the ones
 * that wrap past the end of the data included. A socket filter run with
 * BPF_PROG_TEST_RUN writes them: 40 bytes each (48 with the header), so
 * that records straddle the end of a 4 KiB ring every few turns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "probe/ringread.h"

#define REC_WORDS 5

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LD_MAP(d, fd) \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define MOV_K(d, k)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV_X(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU_K(op, d, k) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define STX(d, s, o)	INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define LDX(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST_W(d, o, k)	INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, k)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)

struct fixture {
	int counter_fd, ring_fd, prog_fd;
};

/* The words of record n: n, 3n, ~n, n + 7, 2n. */
static void expect(__u64 n, const __u64 *w)
{
	assert_int_equal(w[0], n);
	assert_int_equal(w[1], 3 * n);
	assert_int_equal(w[2], ~n);
	assert_int_equal(w[3], n + 7);
	assert_int_equal(w[4], 2 * n);
}

/* A ring of 4 KiB, its counter, and the program that writes the counter's records to it. */
static int fixture_open(struct fixture *f)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 0);

	f->counter_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 8, 1, NULL);
	f->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);
	if (f->counter_fd < 0 || f->ring_fd < 0)
		return -EPERM;
	{
		const struct bpf_insn insns[] = {
			ST_W(BPF_REG_10, -4, 0),
			MOV_X(BPF_REG_2, BPF_REG_10),
			ALU_K(BPF_ADD, BPF_REG_2, -4),
			LD_MAP(BPF_REG_1, f->counter_fd),
			CALL(BPF_FUNC_map_lookup_elem),
			INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 23, 0),
			LDX(BPF_REG_7, BPF_REG_0, 0),
			ALU_K(BPF_ADD, BPF_REG_7, 1),
			STX(BPF_REG_0, BPF_REG_7, 0),
			STX(BPF_REG_10, BPF_REG_7, -48),
			MOV_X(BPF_REG_8, BPF_REG_7),
			ALU_K(BPF_MUL, BPF_REG_8, 3),
			STX(BPF_REG_10, BPF_REG_8, -40),
			MOV_X(BPF_REG_8, BPF_REG_7),
			ALU_K(BPF_XOR, BPF_REG_8, -1),
			STX(BPF_REG_10, BPF_REG_8, -32),
			MOV_X(BPF_REG_8, BPF_REG_7),
			ALU_K(BPF_ADD, BPF_REG_8, 7),
			STX(BPF_REG_10, BPF_REG_8, -24),
			MOV_X(BPF_REG_8, BPF_REG_7),
			ALU_K(BPF_LSH, BPF_REG_8, 1),
			STX(BPF_REG_10, BPF_REG_8, -16),
			LD_MAP(BPF_REG_1, f->ring_fd),
			MOV_X(BPF_REG_2, BPF_REG_10),
			ALU_K(BPF_ADD, BPF_REG_2, -48),
			MOV_K(BPF_REG_3, REC_WORDS * 8),
			MOV_K(BPF_REG_4, 0),
			CALL(BPF_FUNC_ringbuf_output),
			MOV_K(BPF_REG_0, 0),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};

		f->prog_fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns,
					   sizeof(insns) / sizeof(insns[0]), &popts);
		if (f->prog_fd < 0)
			fail_msg("test program refused (%s): %s", strerror(errno), log);
	}
	return 0;
}

static void fixture_close(struct fixture *f)
{
	close(f->prog_fd);
	close(f->ring_fd);
	close(f->counter_fd);
}

static int setup(void **state)
{
	static struct fixture f;

	/* No BPF here (not root): the tests skip. */
	if (!fixture_open(&f))
		*state = &f;
	return 0;
}

static int teardown(void **state)
{
	if (*state)
		fixture_close(*state);
	return 0;
}

static void run_prog(struct fixture *f, int times)
{
	char pkt[64] = {}, out[64];
	/* data_out given: valgrind takes the kernel's NULL for unaddressable. */
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = times);

	assert_int_equal(bpf_prog_test_run_opts(f->prog_fd, &topts), 0);
}

struct seen {
	__u64 next;
	int n;
	int stop_after; /* return -EAGAIN after this many; 0: never */
};

static int on_rec(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;

	assert_int_equal(size, REC_WORDS * 8);
	expect(s->next++, data);
	s->n++;
	return s->stop_after && s->n == s->stop_after ? -EAGAIN : 0;
}

static void test_every_record_in_order_across_the_end(void **state)
{
	struct fixture *f = *state;
	struct seen s = { .next = 1 };
	struct epoll_event ev;
	struct ringread *r;

	if (!f)
		skip();
	assert_int_equal(ringread__new(&r), 0);
	assert_int_equal(ringread__add(r, f->ring_fd, on_rec, &s), 0);
	assert_int_equal(ringread__consume(r), 0);
	/* 4 KiB holds 85 records of 48 bytes: batches of 50 wrap every other one, mid-record. */
	for (int round = 0; round < 40; round++) {
		run_prog(f, 50);
		if (!round)
			assert_int_equal(epoll_wait(ringread__epoll_fd(r), &ev, 1, 0), 1);
		assert_int_equal(ringread__consume(r), 50);
	}
	assert_int_equal(s.n, 2000);

	/* A negative return stops the drain with its record consumed; the rest come next time. */
	run_prog(f, 30);
	s.n = 0;
	s.stop_after = 10;
	assert_int_equal(ringread__consume(r), -EAGAIN);
	assert_int_equal(s.n, 10);
	s.stop_after = 0;
	assert_int_equal(ringread__consume(r), 20);
	assert_int_equal(s.next, 2031);
	ringread__free(r);
	ringread__free(NULL);
}

/* A drain stopped in one ring starts at the next one next time: a busy ring starves no other. */
static void test_a_stopped_drain_resumes_at_the_next_ring(void **state)
{
	struct fixture *f = *state, g;
	struct seen a = { .next = 1 }, b = { .next = 1 };
	struct ringread *r;

	if (!f)
		skip();
	assert_int_equal(fixture_open(&g), 0);
	assert_int_equal(ringread__new(&r), 0);
	assert_int_equal(ringread__add(r, g.ring_fd, on_rec, &a), 0);
	assert_int_equal(ringread__add(r, f->ring_fd, on_rec, &b), 0);
	/* The fixture's ring goes on from its counter: other tests wrote to it before. */
	assert_int_equal(bpf_map_lookup_elem(f->counter_fd, &(__u32){ 0 }, &b.next), 0);
	b.next++;
	a.stop_after = 10;
	run_prog(&g, 30);
	run_prog(f, 30);
	assert_int_equal(ringread__consume(r), -EAGAIN);
	assert_int_equal(a.n, 10);
	assert_int_equal(b.n, 0);
	a.stop_after = 20;
	assert_int_equal(ringread__consume(r), -EAGAIN);
	assert_int_equal(b.n, 30);
	assert_int_equal(a.n, 20);
	a.stop_after = 0;
	assert_int_equal(ringread__consume(r), 10);
	assert_int_equal(a.n, 30);
	ringread__free(r);
	fixture_close(&g);
}

static void test_not_a_ring_refused(void **state)
{
	struct fixture *f = *state;
	struct ringread *r;

	if (!f)
		skip();
	assert_int_equal(ringread__new(&r), 0);
	assert_int_equal(ringread__add(r, f->counter_fd, on_rec, NULL), -EINVAL);
	assert_true(ringread__add(r, -1, on_rec, NULL) < 0);
	ringread__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_record_in_order_across_the_end),
		cmocka_unit_test(test_a_stopped_drain_resumes_at_the_next_ring),
		cmocka_unit_test(test_not_a_ring_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
