// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Call ids and parent links from records that come children first. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "store/nest.h"
#include "wrapmon.h"

struct got {
	__u64 id, parent;
};

static struct got link(struct wm_nest *n, __u32 tid, __u32 depth, __u64 entry, __u64 pentry)
{
	struct got g;

	assert_int_equal(nest__link(n, tid, depth, entry, pentry, &g.id, &g.parent), 0);
	return g;
}

static void test_nesting_and_recursion(void **state)
{
	struct wm_nest *n;
	struct got in, out, leaf, f1, f2, f3;

	assert_int_equal(nest__new(100, &n), 0);
	/* outer (entry 10) calls inner (entry 20): inner's record comes first. */
	in = link(n, 7, 1, 20, 10);
	assert_int_equal(nest__nr_threads(n), 1);
	out = link(n, 7, 0, 10, 0);
	assert_int_equal(in.parent, out.id);
	assert_int_equal(out.parent, 0);
	assert_int_not_equal(in.id, out.id);
	assert_int_equal(nest__nr_threads(n), 0);
	/* A call with no traced children takes the next id and no memory. */
	leaf = link(n, 7, 0, 30, 0);
	assert_int_equal(leaf.parent, 0);
	assert_true(leaf.id >= 100 && leaf.id != in.id && leaf.id != out.id);
	assert_int_equal(nest__nr_threads(n), 0);
	/* f(3) -> f(2) -> f(1). */
	f1 = link(n, 7, 2, 60, 50);
	f2 = link(n, 7, 1, 50, 40);
	f3 = link(n, 7, 0, 40, 0);
	assert_int_equal(f1.parent, f2.id);
	assert_int_equal(f2.parent, f3.id);
	assert_int_equal(f3.parent, 0);
	assert_int_equal(nest__nr_threads(n), 0);
	nest__free(n);
	nest__free(NULL);
}

static void test_siblings_threads_and_lost_parent(void **state)
{
	struct wm_nest *n;
	struct got a1, a2, b1, pa, pb, c1, c2, c3, p2;

	assert_int_equal(nest__new(1, &n), 0);
	/* Two threads interleaved, each a parent with children. */
	a1 = link(n, 1, 1, 110, 100);
	b1 = link(n, 2, 1, 115, 105);
	a2 = link(n, 1, 1, 120, 100);
	pb = link(n, 2, 0, 105, 0);
	pa = link(n, 1, 0, 100, 0);
	assert_int_equal(a1.parent, pa.id);
	assert_int_equal(a2.parent, pa.id);
	assert_int_equal(b1.parent, pb.id);
	assert_int_not_equal(pa.id, pb.id);
	assert_int_equal(nest__nr_threads(n), 0);

	/* P (entry 200) is lost; P2 (entry 300) follows with its own child. */
	c1 = link(n, 1, 1, 210, 200);
	c2 = link(n, 1, 1, 220, 200);
	c3 = link(n, 1, 1, 310, 300);
	p2 = link(n, 1, 0, 300, 0);
	assert_int_equal(c1.parent, c2.parent);
	assert_int_equal(c3.parent, p2.id);
	assert_int_not_equal(c1.parent, p2.id);
	/* The lost parent's id is nobody's. */
	assert_int_not_equal(c1.parent, c1.id);
	assert_int_not_equal(c1.parent, c2.id);
	assert_int_not_equal(c1.parent, c3.id);
	assert_int_equal(nest__nr_threads(n), 0);
	/* No parent entry time: no link. */
	c1 = link(n, 3, 1, 400, 0);
	assert_int_equal(c1.parent, 0);
	assert_int_equal(nest__nr_threads(n), 0);
	assert_int_equal(nest__link(NULL, 1, 0, 1, 0, &c1.id, &c1.parent), -EINVAL);
	nest__free(n);
}

/* A random forest of calls per thread, emitted in post-order, threads interleaved. */
struct call {
	__u32 tid, depth;
	__u64 entry, pentry;
	int parent; /* index of the true parent, -1 */
	bool lost;
	__u64 id, got_parent;
};

static int gen(struct call *c, int max, int *nr, __u32 tid, __u32 depth, int parent, __u64 *clock,
	       unsigned int *seed)
{
	int self, kids;

	if (*nr >= max)
		return -1;
	self = (*nr)++;
	c[self].tid = tid;
	c[self].depth = depth;
	c[self].entry = ++*clock;
	c[self].pentry = parent >= 0 ? c[parent].entry : 0;
	c[self].parent = parent;
	c[self].lost = rand_r(seed) % 7 == 0;
	kids = depth < WM_MAX_DEPTH - 1 ? rand_r(seed) % (depth < 3 ? 4 : 2) : 0;
	for (int i = 0; i < kids; i++)
		gen(c, max, nr, tid, depth + 1, self, clock, seed);
	return self;
}

static void post_order(struct call *c, int nr, int i, int *order, int *k)
{
	for (int j = i + 1; j < nr; j++)
		if (c[j].parent == i)
			post_order(c, nr, j, order, k);
	order[(*k)++] = i;
}

static void test_random_forest_with_losses(void **state)
{
	enum { MAX = 6000, THREADS = 40 };
	struct call *c = calloc(MAX, sizeof(*c));
	int *order = calloc(MAX, sizeof(int)), *start = calloc(THREADS + 1, sizeof(int));
	int *pos = calloc(THREADS, sizeof(int)), *len = calloc(THREADS, sizeof(int));
	unsigned int seed = 7;
	struct wm_nest *n;
	__u64 clock = 1000;
	int nr = 0, k = 0, left;

	assert_non_null(c);
	/* Per thread, a run of top-level calls; post-order within each thread. */
	for (int t = 0; t < THREADS; t++) {
		int first = nr;

		start[t] = k;
		for (int roots = 0; roots < 20 && nr < MAX - 200; roots++)
			gen(c, MAX, &nr, 1000 + t * 17, 0, -1, &clock, &seed);
		for (int i = first; i < nr; i++)
			if (c[i].parent < 0)
				post_order(c, nr, i, order, &k);
		len[t] = k - start[t];
	}
	assert_int_equal(nest__new(1, &n), 0);
	/* Interleave the threads at random, each in its own order. */
	for (left = k; left;) {
		int t = rand_r(&seed) % THREADS;
		struct call *x;

		if (pos[t] == len[t])
			continue;
		x = &c[order[start[t] + pos[t]++]];
		left--;
		if (x->lost)
			continue;
		assert_int_equal(nest__link(n, x->tid, x->depth, x->entry, x->pentry, &x->id,
					    &x->got_parent),
				 0);
	}
	for (int i = 0; i < nr; i++) {
		if (c[i].lost)
			continue;
		if (c[i].parent < 0) {
			assert_int_equal(c[i].got_parent, 0);
		} else if (!c[c[i].parent].lost) {
			assert_int_equal(c[i].got_parent, c[c[i].parent].id);
		} else {
			/* A lost parent: an id no kept call has, shared by its children only. */
			for (int j = 0; j < nr; j++) {
				if (c[j].lost)
					continue;
				assert_int_not_equal(c[j].id, c[i].got_parent);
				if (c[j].parent != c[i].parent)
					assert_int_not_equal(c[j].got_parent, c[i].got_parent);
			}
		}
		for (int j = i + 1; j < nr; j++)
			if (!c[j].lost)
				assert_int_not_equal(c[i].id, c[j].id);
	}
	/* Only threads whose last top-level call was lost keep a reservation. */
	assert_true(nest__nr_threads(n) <= THREADS);
	nest__free(n);
	free(c);
	free(order);
	free(start);
	free(pos);
	free(len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_recursion),
		cmocka_unit_test(test_siblings_threads_and_lost_parent),
		cmocka_unit_test(test_random_forest_with_losses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
