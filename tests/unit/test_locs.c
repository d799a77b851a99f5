// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parameters where the debug info says they are at the probe: DWARF
 * locations from a fixture built with gcc -O2 here, the prologue's stores
 * that explain a body's stack slots, and the capture plan's value sources.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plan/capture.h"
#include "target/disasm.h"
#include "types/dwarf.h"
#include "fixture.h"

/*
 * scale() is cloned (scale.constprop.0 or scale.isra.0): its "unused"
 * parameter is gone, so x arrives in the second register, not the third
 * the C ABI gives it; keep_val() holds v in a callee-saved register after
 * its first instructions.
 */
static const char fixture_src[] =
	"#include <stdio.h>\n"
	"struct cfg { int factor; int bias; };\n"
	"static __attribute__((noinline)) int scale(const struct cfg *c, int unused, int x)\n"
	"{ printf(\"%d %d\\n\", c->factor, x); return c->factor * x; }\n"
	"__attribute__((noinline)) int keep_val(int v)\n"
	"{ printf(\"%d\\n\", v); printf(\"%d\\n\", v); return v + 1; }\n"
	"struct big { long a[4]; };\n"
	"__attribute__((noinline)) long big_sum(struct big b, int x) { return b.a[0] + b.a[3] + x; "
	"}\n"
	"int drive(int n)\n"
	"{ struct cfg c = { n, 1 }; int s = 0;\n"
	"  for (int i = 0; i < n; i++) s += scale(&c, i, i + 10);\n"
	"  return s; }\n";

struct fixture {
	char dir[PATH_MAX];
	char so[PATH_MAX + 16], so0[PATH_MAX + 16];
	struct wm_dwarf *d, *d0;
	int fd, fd0;
};

/* The address and name of the first symbol whose name starts with prefix (nm). */
static unsigned long sym_find(const char *path, const char *prefix, char *name, size_t size)
{
	char cmd[PATH_MAX + 32], line[512], n[256], type;
	unsigned long addr = 0, a;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm '%s'", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %255s", &a, &type, n) == 3 && !addr &&
		    !strncmp(n, prefix, strlen(prefix))) {
			addr = a;
			snprintf(name, size, "%s", n);
		}
	pclose(f);
	return addr;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char src[PATH_MAX + 16];
	FILE *f;

	if (!fx)
		return -1;
	*state = fx;
	fx->fd = fx->fd0 = -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/wm-locs-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(src, sizeof(src), "%s/o2.c", fx->dir);
	snprintf(fx->so, sizeof(fx->so), "%s/libo2.so", fx->dir);
	snprintf(fx->so0, sizeof(fx->so0), "%s/libo0.so", fx->dir);
	f = fopen(src, "w");
	if (!f || fputs(fixture_src, f) < 0 || fclose(f))
		return -1;
	if (run("cd '%s' && cc -g -O2 -fPIC -fno-semantic-interposition -shared -o libo2.so o2.c",
		fx->dir) ||
	    run("cd '%s' && cc -g -O0 -fPIC -shared -o libo0.so o2.c", fx->dir))
		return -1;
	fx->fd = open(fx->so, O_RDONLY | O_CLOEXEC);
	fx->fd0 = open(fx->so0, O_RDONLY | O_CLOEXEC);
	if (fx->fd < 0 || dwarf__open(fx->fd, &fx->d) || fx->fd0 < 0 ||
	    dwarf__open(fx->fd0, &fx->d0))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	dwarf__free(fx->d);
	dwarf__free(fx->d0);
	if (fx->fd >= 0)
		close(fx->fd);
	if (fx->fd0 >= 0)
		close(fx->fd0);
	run("rm -rf '%s'", fx->dir);
	free(fx);
	return 0;
}

/* The signature of the first function whose name starts with prefix, at its entry. */
static unsigned long sig_of(struct wm_dwarf *d, const char *so, const char *prefix,
			    struct wm_sig *sig)
{
	char name[256];
	unsigned long a = sym_find(so, prefix, name, sizeof(name));

	assert_true(a != 0);
	assert_int_equal(dwarf__func_sig_at(d, name, a, a, sig), 0);
	return a;
}

static int param_index(const struct wm_sig *sig, const char *name)
{
	for (int i = 0; i < sig->nr_params; i++)
		if (!strcmp(sig->params[i].name, name))
			return i;
	fail_msg("no parameter %s", name);
	return -1;
}

/* A clone is found by its address; x is in rsi (DWARF 4), where the C ABI says rdx. */
static void test_clone_register(void **state)
{
	struct fixture *fx = *state;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	unsigned long a;
	char name[256];
	int x, u, c;

	a = sym_find(fx->so, "scale.", name, sizeof(name));
	assert_true(a != 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig_at(fx->d, name, a, a, &sig), 0);
	x = param_index(&sig, "x");
	u = param_index(&sig, "unused");
	c = param_index(&sig, "c");
	assert_int_equal(sig.params[x].loc.state, WM_LOC_AT);
	assert_int_equal(sig.params[x].loc.nr_pieces, 1);
	assert_int_equal(sig.params[x].loc.pieces[0].kind, WM_PIECE_REG);
	assert_int_equal(sig.params[x].loc.pieces[0].reg, 4);
	assert_int_equal(sig.params[c].loc.pieces[0].reg, 5);
	assert_int_equal(sig.params[u].loc.state, WM_LOC_OUT);

	plan__build(&sig, NULL, &plan);
	/* rsi is the ABI's second register: value 1, and no sources needed for it. */
	assert_int_equal(plan.val[x], 1);
	assert_int_equal(plan.val[c], 0);
	assert_true(plan.loc[u].optimized_out);
	assert_false(plan.loc[x].optimized_out);
	assert_int_equal(plan.cfg.flags & WM_FC_LOCS, 0);
	/* Without a pc: the C ABI, as before. */
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig(fx->d, name, a, &sig), 0);
	assert_int_equal(sig.params[x].loc.state, WM_LOC_ABI);
	sig__free(&sig);
}

/*
 * A location list, probed past the move: somewhere after its entry,
 * keep_val's v is in a callee-saved register, read through a value source.
 */
static void test_list_after_move(void **state)
{
	struct fixture *fx = *state;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	unsigned long a, pc;
	char name[256];
	bool moved = false;

	a = sym_find(fx->so, "keep_val", name, sizeof(name));
	assert_true(a != 0);
	sig__free(&sig);
	assert_int_equal(dwarf__func_sig_at(fx->d, "keep_val", a, a, &sig), 0);
	assert_int_equal(sig.params[0].loc.pieces[0].kind, WM_PIECE_REG);
	assert_int_equal(sig.params[0].loc.pieces[0].reg, 5);
	for (pc = a + 1; pc < a + 48 && !moved; pc++) {
		const struct wm_loc_piece *p;

		sig__free(&sig);
		assert_int_equal(dwarf__func_sig_at(fx->d, "keep_val", a, pc, &sig), 0);
		p = &sig.params[0].loc.pieces[0];
		if (sig.params[0].loc.state != WM_LOC_AT || p->kind != WM_PIECE_REG || p->reg == 5)
			continue;
		moved = true;
		plan__build(&sig, NULL, &plan);
		assert_true(plan.cfg.flags & WM_FC_LOCS);
		assert_true(plan.val[0] >= 0);
		assert_int_equal(plan.cfg.vsrc[plan.val[0]].kind, WM_VS_REG);
		/* rbx and r12..r15 as struct pt_regs words: bx=5, r12..r15 = 3..0 */
		assert_true(plan.cfg.vsrc[plan.val[0]].reg <= 5);
	}
	assert_true(moved);
	sig__free(&sig);
}

/* A struct the caller passed in memory: read from the stack arguments, no value sources. */
static void test_struct_in_stack_args(void **state)
{
	struct fixture *fx = *state;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	int slot;

	sig_of(fx->d, fx->so, "big_sum", &sig);
	assert_int_equal(sig.params[0].loc.pieces[0].kind, WM_PIECE_MEM);
	assert_int_equal(sig.params[0].loc.pieces[0].reg, 7);
	assert_int_equal(sig.params[0].loc.pieces[0].off, 8);
	/* Above the return address: there at entry, whatever the prologue does. */
	plan__locs_at_entry(&sig, &(struct wm_prologue){ .sp_delta = -24 });
	assert_false(sig.params[0].loc.pieces[0].body);
	plan__build(&sig, NULL, &plan);
	slot = plan.entry_slot[0];
	assert_true(slot >= 0);
	assert_int_equal(plan.cfg.caps[slot].src, WM_SRC_STACK);
	assert_int_equal(plan.cfg.caps[slot].off, 0);
	assert_int_equal(plan.cfg.caps[slot].size, 32);
	assert_int_equal(plan.val[1], 0);
	assert_int_equal(plan.cfg.flags & WM_FC_LOCS, 0);
	sig__free(&sig);
}

/*
 * gcc -O0: every parameter in a stack slot below the CFA (DW_OP_fbreg -N),
 * which holds it only once the prologue (push %rbp; mov %rsp,%rbp; mov
 * %edi,-N(%rbp)) stored it: at entry it is that register, never the slot.
 */
static void test_o0_slots_are_the_registers_at_entry(void **state)
{
	struct fixture *fx = *state;
	unsigned char code[96];
	struct wm_prologue pr;
	struct wm_plan plan;
	struct wm_sig sig = { 0 };
	unsigned long a;
	ssize_t n;

	a = sig_of(fx->d0, fx->so0, "keep_val", &sig);
	assert_int_equal(sig.params[0].loc.pieces[0].kind, WM_PIECE_MEM);
	assert_true(sig.params[0].loc.pieces[0].body);
	assert_true(sig.params[0].loc.pieces[0].off < 0);
	/* A shared object's code is at its address in the file. */
	n = pread(fx->fd0, code, sizeof(code), a);
	assert_true(n > 0);
	disasm__prologue(code, n, &pr);
	assert_true(pr.fp_known);
	plan__locs_at_entry(&sig, &pr);
	assert_int_equal(sig.params[0].loc.state, WM_LOC_AT);
	assert_int_equal(sig.params[0].loc.pieces[0].kind, WM_PIECE_REG);
	assert_int_equal(sig.params[0].loc.pieces[0].reg, 5);
	plan__build(&sig, NULL, &plan);
	assert_int_equal(plan.val[0], 0);
	assert_int_equal(plan.cfg.flags & WM_FC_LOCS, 0);
	sig__free(&sig);
}

/* A single location DW_OP_fbreg off, frame base rsp: a stack slot of the body. */
static struct wm_loc body_slot(long long off, unsigned char size)
{
	return (struct wm_loc){
		.state = WM_LOC_AT,
		.nr_pieces = 1,
		.pieces = { { .kind = WM_PIECE_MEM,
			      .reg = 7,
			      .size = size,
			      .off = off,
			      .body = true } },
	};
}

/*
 * rustc -O's prologue: "sub $0x28,%rsp; mov %rdi,0x8(%rsp); mov %rsi,0x10(%rsp);
 * lea 0x8(%rsp),%rax; call": a &str at DW_OP_fbreg +8 (frame base rsp) is rdi
 * and rsi at entry.
 */
static void test_prologue_slots(void **state)
{
	static const unsigned char code[] = {
		0x48, 0x83, 0xec, 0x28,	      /* sub $0x28,%rsp */
		0x48, 0x89, 0x7c, 0x24, 0x08, /* mov %rdi,0x8(%rsp) */
		0x48, 0x89, 0x74, 0x24, 0x10, /* mov %rsi,0x10(%rsp) */
		0x89, 0x14, 0x24,	      /* mov %edx,(%rsp) */
		0x48, 0x8d, 0x44, 0x24, 0x08, /* lea 0x8(%rsp),%rax */
		0x48, 0x89, 0x44, 0x24, 0x18, /* mov %rax,0x18(%rsp): not an entry value */
		0xe8, 0,    0,	  0,	0,    /* call */
		0x48, 0x89, 0x4c, 0x24, 0x20, /* mov %rcx,0x20(%rsp): past the call */
	};
	struct wm_prologue pr;
	struct wm_sig sig = { 0 };
	struct wm_plan plan;

	(void)state;
	test_sig_full(&sig);
	sig.source = WM_SIG_DWARF;
	sig.nr_params = 3;
	sig.rust = true;
	disasm__prologue(code, sizeof(code), &pr);
	assert_int_equal(pr.sp_delta, -0x28);
	assert_int_equal(pr.nr_saves, 3);
	assert_int_equal(pr.saves[0].slot, -0x20);
	assert_int_equal(pr.saves[0].reg, 5);
	assert_int_equal(pr.saves[1].slot, -0x18);
	assert_int_equal(pr.saves[1].reg, 4);
	assert_int_equal(pr.saves[2].slot, -0x28);
	assert_int_equal(pr.saves[2].size, 4);
	assert_int_equal(pr.saves[2].reg, 1);

	/* s: &str at fbreg +8, 16 bytes; n: i32 at fbreg +0; z: at fbreg +0x18 (never an entry value). */
	sig.params[0].type = (struct wm_type){ .kind = WM_T_STRUCT, .size = 16 };
	sig.params[0].loc = (struct wm_loc){
		.state = WM_LOC_AT,
		.nr_pieces = 1,
		.pieces = { { .kind = WM_PIECE_MEM,
			      .reg = 7,
			      .size = 16,
			      .off = 8,
			      .body = true } },
	};
	sig.params[1].type = (struct wm_type){ .kind = WM_T_INT, .size = 4, .is_signed = true };
	sig.params[1].loc = body_slot(0, 4);
	sig.params[2].type = sig.params[1].type;
	sig.params[2].loc = body_slot(0x18, 8);
	plan__locs_at_entry(&sig, &pr);
	assert_int_equal(sig.params[0].loc.nr_pieces, 2);
	assert_int_equal(sig.params[0].loc.pieces[0].kind, WM_PIECE_REG);
	assert_int_equal(sig.params[0].loc.pieces[0].reg, 5);
	assert_int_equal(sig.params[0].loc.pieces[1].reg, 4);
	assert_int_equal(sig.params[0].loc.pieces[1].at, 8);
	assert_int_equal(sig.params[1].loc.pieces[0].reg, 1);
	/* Rust: what the prologue does not explain is optimized out, not the ABI's guess. */
	assert_int_equal(sig.params[2].loc.state, WM_LOC_OUT);

	plan__build(&sig, NULL, &plan);
	assert_int_equal(plan.loc[0].nr, 2);
	assert_int_equal(plan.loc[0].p[0].val, 0); /* rdi */
	assert_int_equal(plan.loc[0].p[1].val, 1); /* rsi */
	/* rdx (DWARF 1) holds the second parameter: the ABI's third register, value 2. */
	assert_int_equal(plan.loc[1].p[0].val, 2);
	assert_int_equal(plan.cfg.flags & WM_FC_LOCS, 0);
	assert_true(plan.loc[2].optimized_out);

	/* C keeps the ABI for a slot the prologue does not explain. */
	sig.rust = false;
	sig.params[2].loc = body_slot(0x18, 8);
	plan__locs_at_entry(&sig, &pr);
	assert_int_equal(sig.params[2].loc.state, WM_LOC_ABI);
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_register),
		cmocka_unit_test(test_list_after_move),
		cmocka_unit_test(test_struct_in_stack_args),
		cmocka_unit_test(test_o0_slots_are_the_registers_at_entry),
		cmocka_unit_test(test_prologue_slots),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
