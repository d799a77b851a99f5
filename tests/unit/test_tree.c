// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --tree on hand-made calls of one function f(int x) -> int, given in
 * return order as BPF sends them: whole trees at the outermost return, and
 * a caller still running when its children are written (held too long).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sinks/tree.h"
#include "fixture.h"

/* 1970-01-01T00:00:01Z on the real clock is mono 1000 ns. */
#define REAL0 1000000000ULL

struct ctx {
	struct wm_func f;
	char *out;
	size_t len;
	FILE *fp;
	struct wm_tree *tree;
	struct wm_sink sink;
};

static void ctx_init(struct ctx *c, __u64 max_hold_ns)
{
	struct wm_param *p;

	memset(c, 0, sizeof(*c));
	test_sig_full(&c->f.sig);
	snprintf(c->f.name, sizeof(c->f.name), "f");
	c->f.object = test_object("/usr/bin/app");
	c->f.sig.source = WM_SIG_PROTO;
	c->f.sig.ret = (struct wm_type){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	snprintf(c->f.sig.ret.name, sizeof(c->f.sig.ret.name), "int");
	p = &c->f.sig.params[c->f.sig.nr_params++];
	snprintf(p->name, sizeof(p->name), "x");
	p->type = c->f.sig.ret;
	p->reg = 0;
	p->stack_off = -1;
	plan__build(&c->f.sig, NULL, &c->f.plan);
	c->fp = open_memstream(&c->out, &c->len);
	assert_non_null(c->fp);
	assert_int_equal(tree__new(&(struct wm_tree_opts){ .sz = sizeof(struct wm_tree_opts),
							   .out = c->fp,
							   .fmt = { .utc = true },
							   .max_hold_ns = max_hold_ns },
				   &c->tree),
			 0);
	tree__sink(c->tree, &c->sink);
}

/* A call of f(x) = x + 1 in thread tid, entered at entry, returned at end (mono us). */
static void call(struct ctx *c, __u32 tid, __u8 depth, __u64 entry, __u64 end, __u64 parent, int x)
{
	struct wm_call_view v = {};

	v.hdr.kind = WM_REC_CALL;
	v.hdr.pid = 100;
	v.hdr.tid = tid;
	v.hdr.depth = depth;
	v.hdr.entry_ns = entry * 1000;
	v.hdr.latency_ns = (end - entry) * 1000;
	v.hdr.parent_entry_ns = parent * 1000;
	v.hdr.args[0] = x;
	v.hdr.ret = x + 1;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		v.str_len[i] = v.hdr.str_len[i] = WM_STR_NONE;
	v.ts_real_ns = REAL0 + entry * 1000;
	c->sink.on_call(c->sink.ctx, &c->f, &v);
}

static const char *output(struct ctx *c)
{
	fflush(c->fp);
	return c->out ? c->out : "";
}

static void ctx_free(struct ctx *c)
{
	tree__free(c->tree);
	fclose(c->fp);
	free(c->out);
	sig__free(&c->f.sig);
}

static void test_whole_tree(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	/* f(1) { f(2) { f(3) } f(4) } in thread 7; f(9) alone in thread 8, in between. */
	call(&c, 7, 2, 3, 4, 2, 3);
	call(&c, 7, 1, 2, 5, 1, 2);
	call(&c, 8, 0, 1, 2, 0, 9);
	call(&c, 7, 1, 6, 7, 1, 4);
	assert_string_equal(output(&c), "00:00:01.000001 8 f(x=9) = 10  <1.0 us>\n");
	call(&c, 7, 0, 1, 8, 0, 1);
	assert_string_equal(output(&c), "00:00:01.000001 8 f(x=9) = 10  <1.0 us>\n"
					"00:00:01.000001 7 f(x=1) {\n"
					"00:00:01.000002 7   f(x=2) {\n"
					"00:00:01.000003 7     f(x=3) = 4  <1.0 us>\n"
					"00:00:01.000005 7   } = 3  <3.0 us>  /* f */\n"
					"00:00:01.000006 7   f(x=4) = 5  <1.0 us>\n"
					"00:00:01.000008 7 } = 2  <7.0 us>  /* f */\n");
	ctx_free(&c);
}

static void test_held_too_long(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 100000);
	/* f(1) runs from 1 to 1000; f(2) { f(3) } returns at 5. */
	call(&c, 7, 2, 3, 4, 2, 3);
	call(&c, 7, 1, 2, 5, 1, 2);
	tree__tick(c.tree, 50000);
	assert_string_equal(output(&c), "");
	tree__tick(c.tree, 200000);
	assert_string_equal(output(&c), "                7 ... {\n"
					"00:00:01.000002 7   f(x=2) {\n"
					"00:00:01.000003 7     f(x=3) = 4  <1.0 us>\n"
					"00:00:01.000005 7   } = 3  <3.0 us>  /* f */\n");
	/* Its last child, then its own return: it closes the "... {". */
	call(&c, 7, 1, 600, 700, 1, 4);
	call(&c, 7, 0, 1, 1000, 0, 1);
	assert_string_equal(output(&c), "                7 ... {\n"
					"00:00:01.000002 7   f(x=2) {\n"
					"00:00:01.000003 7     f(x=3) = 4  <1.0 us>\n"
					"00:00:01.000005 7   } = 3  <3.0 us>  /* f */\n"
					"00:00:01.000600 7   f(x=4) = 5  <100.0 us>\n"
					"00:00:01.001000 7 } f(x=1) = 2  <999.0 us>\n");
	ctx_free(&c);
}

static void test_flush_at_end(void **state)
{
	struct ctx c;

	(void)state;
	ctx_init(&c, 0);
	call(&c, 7, 1, 2, 5, 1, 2);
	tree__flush(c.tree);
	assert_string_equal(output(&c), "                7 ... {\n"
					"00:00:01.000002 7   f(x=2) = 3  <3.0 us>\n");
	ctx_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_tree),
		cmocka_unit_test(test_held_too_long),
		cmocka_unit_test(test_flush_at_end),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
