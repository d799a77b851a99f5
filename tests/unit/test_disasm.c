// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Return sites found by decoding: against hand-made code, and against the
 * ELF fixtures (tests/fixtures/fd_*.c, built with -O2 through $WM_FIXTURES)
 * whose every `ret` is checked with what `objdump -d` says.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "target/disasm.h"
#include "target/elfsym.h"

/* ---- hand-made code at a fixed address ---- */

#define BASE 0x1000ull

struct mem {
	const unsigned char *code;
	size_t n;
	__u64 funcs[4]; /* function starts */
	__u64 syms[4];	/* other symbol starts (parts) */
};

static ssize_t mem_read(void *ctx, __u64 addr, void *buf, size_t n)
{
	struct mem *m = ctx;

	if (addr < BASE || addr >= BASE + m->n)
		return -EIO;
	if (n > BASE + m->n - addr)
		n = BASE + m->n - addr;
	memcpy(buf, m->code + (addr - BASE), n);
	return n;
}

static bool mem_is_func(void *ctx, __u64 addr)
{
	struct mem *m = ctx;

	for (int i = 0; i < 4; i++)
		if (m->funcs[i] && m->funcs[i] == addr)
			return true;
	return false;
}

static bool mem_is_sym(void *ctx, __u64 addr)
{
	struct mem *m = ctx;

	for (int i = 0; i < 4; i++)
		if (m->syms[i] && m->syms[i] == addr)
			return true;
	return mem_is_func(ctx, addr);
}

static int mem_sites(struct mem *m, __u64 size, struct wm_sites *out)
{
	struct disasm_opts o = {
		.sz = sizeof(o),
		.read = mem_read,
		.is_func = mem_is_func,
		.is_sym = mem_is_sym,
		.ctx = m,
	};

	return disasm__return_sites(BASE, size, &o, out);
}

#define MEM(...)                                              \
	static const unsigned char code_[] = { __VA_ARGS__ }; \
	struct mem m = { .code = code_, .n = sizeof(code_) }; \
	(void)m

static void expect_site(const struct wm_sites *s, int i, __u64 addr, int kind, int len)
{
	assert_true(i < s->n);
	assert_int_equal(s->v[i].addr, addr);
	assert_int_equal(s->v[i].kind, kind);
	assert_int_equal(s->v[i].len, len);
}

static void test_rets(void **state)
{
	struct wm_sites s;

	MEM(0x85, 0xff,	      /* 0: test %edi,%edi */
	    0x74, 0x03,	      /* 2: je 7 */
	    0xf3, 0xc3,	      /* 4: rep ret */
	    0x90,	      /* 6: nop */
	    0x83, 0xff, 0x01, /* 7: cmp $1,%edi */
	    0x75, 0x02,	      /* a: jne e */
	    0xf2, 0xc3,	      /* c: bnd ret */
	    0xc2, 0x08, 0x00, /* e: ret $8 */
	    0x0f, 0x0b);      /* 11: ud2 */
	assert_int_equal(mem_sites(&m, sizeof(code_), &s), 0);
	assert_int_equal(s.n, 3);
	expect_site(&s, 0, BASE + 4, WM_SITE_RET, 2);
	expect_site(&s, 1, BASE + 0xc, WM_SITE_RET, 2);
	expect_site(&s, 2, BASE + 0xe, WM_SITE_RET, 3);
	assert_int_equal(s.nr_ranges, 1);
	assert_int_equal(s.ranges[0].start, BASE);
	assert_int_equal(s.ranges[0].end, BASE + sizeof(code_));
	assert_string_equal(s.why_not, "");
	disasm__sites_free(&s);

	/* Unknown size: the same from control flow (the nop is unreachable, ud2 ends). */
	assert_int_equal(mem_sites(&m, 0, &s), 0);
	assert_int_equal(s.n, 3);
	expect_site(&s, 2, BASE + 0xe, WM_SITE_RET, 3);
	assert_int_equal(s.nr_ranges, 2);
	assert_int_equal(s.ranges[0].start, BASE);
	assert_int_equal(s.ranges[0].end, BASE + 6);
	assert_int_equal(s.ranges[1].start, BASE + 7);
	assert_int_equal(s.ranges[1].end, BASE + 0x11);
	disasm__sites_free(&s);
}

static void test_tails(void **state)
{
	struct wm_sites s;

	MEM(0x85, 0xff,				/* 0: test %edi,%edi */
	    0x0f, 0x84, 0x0f, 0x00, 0x00, 0x00, /* 2: je 0x17 (a function) */
	    0x78, 0x0c,				/* 8: js 0x16 (a function) */
	    0x41, 0xff, 0xe3,			/* a: jmp *%r11 */
	    0xe9, 0x04, 0x00, 0x00, 0x00,	/* d: jmp 0x16 */
	    0xcc, 0xcc, 0xcc, 0xcc,		/* 12: padding */
	    0xc3,				/* 16: ret (another function) */
	    0xc3);				/* 17: ret (another function) */
	m.funcs[0] = BASE + 0x16;
	m.funcs[1] = BASE + 0x17;
	assert_int_equal(mem_sites(&m, 0x12, &s), 0);
	assert_int_equal(s.n, 4);
	expect_site(&s, 0, BASE + 2, WM_SITE_TAIL_JCC, 6);
	assert_int_equal(s.v[0].cond, 0x4); /* je */
	assert_int_equal(s.v[0].target, BASE + 0x17);
	expect_site(&s, 1, BASE + 8, WM_SITE_TAIL_JCC, 2);
	assert_int_equal(s.v[1].cond, 0x8); /* js */
	expect_site(&s, 2, BASE + 0xa, WM_SITE_TAIL_JMP_REG, 3);
	assert_int_equal(s.v[2].reg, 6); /* r11 in struct pt_regs */
	expect_site(&s, 3, BASE + 0xd, WM_SITE_TAIL_JMP, 5);
	assert_int_equal(s.v[3].target, BASE + 0x16);
	disasm__sites_free(&s);

	/* An indirect jmp with no known extent: its targets cannot be known. */
	assert_int_equal(mem_sites(&m, 0, &s), -ENOTSUP);
	assert_non_null(strstr(s.why_not, "0x100a"));
	assert_null(s.v);
}

/*
 * A function [0, 0xb) with a part at 0x14 that calls, then either jumps
 * back (jmp at 0x1d: its last byte is patched) or calls a function that
 * does not return, after which comes another function's part (0x24).
 */
#define COLD_CODE(back)                                                           \
	0x85, 0xff,				    /* 0: test %edi,%edi */       \
		0x0f, 0x88, 0x0c, 0x00, 0x00, 0x00, /* 2: js 0x14 (the part) */   \
		0x31, 0xc0,			    /* 8: xor %eax,%eax */        \
		0xc3,				    /* a: ret */                  \
		0x0f, 0x1f, 0x40, 0x00,		    /* b: nop padding */          \
		0xe8, 0x00, 0x00, 0x00, 0x00,	    /* f: another function */     \
		0xe8, 0xf6, 0xff, 0xff, 0xff,	    /* 14: call 0xf */            \
		0x85, 0xc0,			    /* 19: test %eax,%eax */      \
		0x75, 0x02,			    /* 1b: jne 0x1f */            \
		0xeb, (back),			    /* 1d: jmp back */            \
		0xe8, 0xeb, 0xff, 0xff, 0xff,	    /* 1f: call 0xf (noreturn) */ \
		0xc3,				    /* 24: ret: another part */   \
		0xc3				    /* 25: ret: unreachable */

static void test_cold_part(void **state)
{
	struct wm_sites s;

	{
		/* jmp 0x4 lands inside the js: not an instruction of the function. */
		MEM(COLD_CODE(0xe5));
		assert_int_equal(mem_sites(&m, 0xb, &s), -ENOTSUP);
		assert_non_null(strstr(s.why_not, "0x1004"));
	}
	{
		/* jmp 0x8: back into the function. */
		MEM(COLD_CODE(0xe9));
		m.syms[0] = BASE + 0x24;
		assert_int_equal(mem_sites(&m, 0xb, &s), 0);
		assert_int_equal(s.n, 1);
		expect_site(&s, 0, BASE + 0xa, WM_SITE_RET, 1);
		assert_int_equal(s.nr_ranges, 2);
		assert_int_equal(s.ranges[1].start, BASE + 0x14);
		assert_int_equal(s.ranges[1].end, BASE + 0x24);
		disasm__sites_free(&s);

		/* Without that symbol the next part is taken for this one's (a known limit). */
		m.syms[0] = 0;
		assert_int_equal(mem_sites(&m, 0xb, &s), 0);
		assert_int_equal(s.n, 2);
		expect_site(&s, 1, BASE + 0x24, WM_SITE_RET, 1);
		disasm__sites_free(&s);

		/* A function there: the part stops before it. */
		m.funcs[0] = BASE + 0x24;
		assert_int_equal(mem_sites(&m, 0xb, &s), 0);
		assert_int_equal(s.n, 1);
		disasm__sites_free(&s);
	}
}

static void test_transactions(void **state)
{
	struct wm_sites s;

	MEM(0xc7, 0xf8, 0x05, 0x00, 0x00, 0x00, /* 0: xbegin 0xb (the abort handler) */
	    0x0f, 0x01, 0xd5,			/* 6: xend: goes on */
	    0xc3,				/* 9: ret */
	    0x90,				/* a: nop */
	    0xc6, 0xf8, 0xff,			/* b: xabort $0xff: goes on outside one */
	    0xc3);				/* e: ret */
	assert_int_equal(mem_sites(&m, 0, &s), 0);
	assert_int_equal(s.n, 2);
	expect_site(&s, 0, BASE + 9, WM_SITE_RET, 1);
	expect_site(&s, 1, BASE + 0xe, WM_SITE_RET, 1);
	disasm__sites_free(&s);
}

/* Padding after a call in a part: the call did not return, what follows is not ours. */
static void test_padding_after_call(void **state)
{
	struct wm_sites s;

	MEM(0x85, 0xff,				      /* 0: test %edi,%edi */
	    0x0f, 0x88, 0x08, 0x00, 0x00, 0x00,	      /* 2: js 0x10 (the part) */
	    0xc3,				      /* 8: ret */
	    0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00, /* 9: nopl */
	    0xe8, 0xeb, 0xff, 0xff, 0xff,	      /* 10: call 0 */
	    0x66, 0x90,				      /* 15: xchg %ax,%ax */
	    0xc3);				      /* 17: ret: another function's */
	assert_int_equal(mem_sites(&m, 9, &s), 0);
	assert_int_equal(s.n, 1);
	expect_site(&s, 0, BASE + 8, WM_SITE_RET, 1);
	assert_int_equal(s.nr_ranges, 2);
	assert_int_equal(s.ranges[1].start, BASE + 0x10);
	assert_int_equal(s.ranges[1].end, BASE + 0x15);
	disasm__sites_free(&s);
}

static void test_refusals(void **state)
{
	struct wm_sites s;

	{
		MEM(0x3e, 0xff, 0x24, 0xc5, 0x00, 0x20, 0x40,
		    0x00); /* notrack jmp *0x402000(,%rax,8) */
		assert_int_equal(mem_sites(&m, sizeof(code_), &s), -ENOTSUP);
		assert_non_null(strstr(s.why_not, "memory at 0x1000"));
	}
	{
		MEM(0x90, 0xff, 0x25, 0x10, 0x00, 0x00, 0x00); /* jmp *0x10(%rip) */
		assert_int_equal(mem_sites(&m, sizeof(code_), &s), -ENOTSUP);
		assert_non_null(strstr(s.why_not, "0x1001"));
	}
	{
		MEM(0x90, 0x06); /* nop; push %es, no instruction in 64-bit mode */
		assert_int_equal(mem_sites(&m, sizeof(code_), &s), -ENOTSUP);
		assert_non_null(strstr(s.why_not, "0x1001"));
		assert_int_equal(mem_sites(&m, 0, &s), -ENOTSUP);
	}
	{
		MEM(0x90, 0x48, 0xb8, 1, 2, 3); /* movabs cut by the symbol's end */
		assert_int_equal(mem_sites(&m, sizeof(code_), &s), -ENOTSUP);
	}
	{
		MEM(0x90, 0xe9, 0x00, 0x10, 0x00, 0x00); /* jmp outside what can be read */
		assert_int_equal(mem_sites(&m, sizeof(code_), &s), -EIO);
		assert_int_equal(mem_sites(&m, 0x100, &s), -EIO);
	}
	{
		MEM(0x90, 0xeb, 0xfe); /* nop; jmp . (loops, never returns) */
		assert_int_equal(mem_sites(&m, 0, &s), 0);
		assert_int_equal(s.n, 0);
		disasm__sites_free(&s);
	}
	{
		struct disasm_opts o = { .sz = sizeof(o), .read = mem_read, .max_insns = 3 };
		MEM(0x90, 0x90, 0x90, 0x90, 0xc3);

		o.ctx = &m;
		assert_int_equal(disasm__return_sites(BASE, sizeof(code_), &o, &s), -E2BIG);
		o.max_insns = 5;
		assert_int_equal(disasm__return_sites(BASE, sizeof(code_), &o, &s), 0);
		assert_int_equal(s.n, 1);
		disasm__sites_free(&s);
		/* An older caller's smaller opts: no is_sym, default bound. */
		o.sz = offsetof(struct disasm_opts, is_sym);
		assert_int_equal(disasm__return_sites(BASE, 0, &o, &s), 0);
		assert_int_equal(s.n, 1);
		disasm__sites_free(&s);
	}
}

/* ---- the ELF fixtures ---- */

struct obj {
	struct elf_obj *elf;
	const struct wm_sym *syms;
	int n;
	char path[512];
};

static ssize_t obj_read(void *ctx, __u64 addr, void *buf, size_t n)
{
	struct obj *o = ctx;
	unsigned long off;
	ssize_t r;

	if (elf_obj__vaddr_to_off(o->elf, addr, &off))
		return -EIO;
	r = pread(elf_obj__fd(o->elf), buf, n, off);
	return r < 0 ? -errno : r;
}

static bool is_part(const char *name)
{
	return strstr(name, ".cold") != NULL;
}

static bool obj_is_func(void *ctx, __u64 addr)
{
	struct obj *o = ctx;

	for (int i = 0; i < o->n; i++)
		if (o->syms[i].vaddr == addr && !is_part(o->syms[i].name))
			return true;
	return false;
}

static bool obj_is_sym(void *ctx, __u64 addr)
{
	struct obj *o = ctx;

	for (int i = 0; i < o->n; i++)
		if (o->syms[i].vaddr == addr)
			return true;
	return false;
}

static void obj_open(struct obj *o, const char *name)
{
	const char *dir = getenv("WM_FIXTURES");

	if (!dir)
		fail_msg("WM_FIXTURES is not set: run through `make test-unit`");
	snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
	assert_int_equal(elf_obj__open(o->path, &o->elf), 0);
	o->n = elf_obj__syms(o->elf, &o->syms);
	assert_true(o->n > 0);
}

static const struct wm_sym *obj_sym(struct obj *o, const char *name)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->syms[i].name, name))
			return &o->syms[i];
	return NULL;
}

static int obj_sites(struct obj *o, __u64 entry, __u64 size, struct wm_sites *out)
{
	struct disasm_opts opts = {
		.sz = sizeof(opts),
		.read = obj_read,
		.is_func = obj_is_func,
		.is_sym = obj_is_sym,
		.ctx = o,
	};

	return disasm__return_sites(entry, size, &opts, out);
}

/*
 * The addresses of every `ret` objdump shows in [start, end); *n of them.
 * objdump decodes each symbol linearly, as the sweep does.
 */
static __u64 *objdump_rets(const char *path, __u64 start, __u64 end, int *n)
{
	char cmd[1024], line[512];
	__u64 *v = NULL, a;
	FILE *f;
	int cap = 0;

	*n = 0;
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn -w '%s' | "
		 "awk -F'\\t' '$2 ~ /^((rep[z]?|bnd) )?ret[q]?( |$)/ { sub(/:$/, \"\", $1); print "
		 "$1 }'",
		 path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		a = strtoull(line, NULL, 16);
		if (a < start || a >= end)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[(*n)++] = a;
	}
	assert_int_equal(pclose(f), 0);
	return v;
}

static int count_kind(const struct wm_sites *s, int kind)
{
	int n = 0;

	for (int i = 0; i < s->n; i++)
		n += s->v[i].kind == kind;
	return n;
}

static bool has_site(const struct wm_sites *s, __u64 addr, int kind)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].addr == addr && s->v[i].kind == kind)
			return true;
	return false;
}

/* Exactly objdump's rets in [start, end) are RET sites there. */
static void expect_rets(const char *path, const struct wm_sites *s, __u64 start, __u64 end, int min)
{
	int n, found = 0;
	__u64 *rets = objdump_rets(path, start, end, &n);

	assert_true(n >= min);
	for (int i = 0; i < n; i++) {
		if (!has_site(s, rets[i], WM_SITE_RET))
			fail_msg("%s: ret at 0x%llx not found", path, (unsigned long long)rets[i]);
	}
	for (int i = 0; i < s->n; i++)
		found += s->v[i].kind == WM_SITE_RET && s->v[i].addr >= start && s->v[i].addr < end;
	assert_int_equal(found, n);
	free(rets);
}

static void test_multi_ret(void **state)
{
	struct obj o;
	struct wm_sites s, s0;
	const struct wm_sym *f;

	obj_open(&o, "libfd.so");
	f = obj_sym(&o, "fd_multi_ret");
	assert_non_null(f);
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	expect_rets(o.path, &s, f->vaddr, f->vaddr + f->size, 2);
	assert_int_equal(count_kind(&s, WM_SITE_RET), s.n);
	assert_int_equal(s.nr_ranges, 1);

	/* Unknown size: control flow from the entry reaches the same rets. */
	assert_int_equal(obj_sites(&o, f->vaddr, 0, &s0), 0);
	assert_int_equal(s0.n, s.n);
	for (int i = 0; i < s.n; i++)
		assert_int_equal(s0.v[i].addr, s.v[i].addr);
	disasm__sites_free(&s0);
	disasm__sites_free(&s);
	elf_obj__free(o.elf);
}

static void test_jump_table(void **state)
{
	struct obj o;
	struct wm_sites s;
	const struct wm_sym *f, *cold;

	/* PIC: the table's entry is added to its base, then `jmp *%rax`. */
	obj_open(&o, "libfd.so");
	f = obj_sym(&o, "fd_switch");
	cold = obj_sym(&o, "fd_switch.cold");
	assert_non_null(f);
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	expect_rets(o.path, &s, f->vaddr, f->vaddr + f->size, 10);
	assert_int_equal(count_kind(&s, WM_SITE_TAIL_JMP_REG), 1);
	/* The default case went to fd_switch.cold, with its own ret. */
	if (cold) {
		expect_rets(o.path, &s, cold->vaddr, cold->vaddr + cold->size, 1);
		assert_int_equal(s.nr_ranges, 2);
		assert_int_equal(s.ranges[1].start, cold->vaddr);
		assert_int_equal(s.ranges[1].end, cold->vaddr + cold->size);
	}
	disasm__sites_free(&s);
	/* Unknown size: the table's cases cannot be reached. */
	assert_int_equal(obj_sites(&o, f->vaddr, 0, &s), -ENOTSUP);
	elf_obj__free(o.elf);

	/* Not PIC: `jmp *table(,%rdi,8)` through memory is refused, naming where. */
	obj_open(&o, "fd_nopie");
	f = obj_sym(&o, "fd_switch");
	assert_non_null(f);
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), -ENOTSUP);
	{
		const char *at = strstr(s.why_not, "indirect jmp through memory at 0x");
		unsigned char b[2];
		__u64 a;

		/* The address named is the jmp's: ff /4, maybe after notrack (3e). */
		assert_non_null(at);
		a = strtoull(at + strlen("indirect jmp through memory at "), NULL, 16);
		assert_true(a >= f->vaddr && a < f->vaddr + f->size);
		assert_int_equal(obj_read(&o, a, b, 2), 2);
		assert_int_equal(b[0] == 0x3e ? b[1] : b[0], 0xff);
	}
	elf_obj__free(o.elf);
}

static void check_cold(struct obj *o, __u64 entry, __u64 size, __u64 cold_start, __u64 cold_end,
		       struct wm_sites *s)
{
	assert_int_equal(obj_sites(o, entry, size, s), 0);
	expect_rets(o->path, s, entry, entry + size, 1);
	expect_rets(o->path, s, cold_start, cold_end, 1);
	assert_int_equal(s->nr_ranges, 2);
	assert_int_equal(s->ranges[0].start, entry);
	assert_int_equal(s->ranges[0].end, entry + size);
	assert_int_equal(s->ranges[1].start, cold_start);
	/* The part's bytes up to its last instruction (not its padding). */
	assert_true(s->ranges[1].end <= cold_end);
	assert_int_equal(count_kind(s, WM_SITE_RET), s->n);
}

static void test_cold(void **state)
{
	struct obj o, st;
	struct wm_sites s, s2;
	const struct wm_sym *f, *cold, *f2;

	obj_open(&o, "libfd.so");
	f = obj_sym(&o, "fd_cold");
	cold = obj_sym(&o, "fd_cold.cold");
	assert_non_null(f);
	assert_non_null(cold); /* GCC really split it */
	assert_true(cold->vaddr < f->vaddr || cold->vaddr >= f->vaddr + f->size);
	check_cold(&o, f->vaddr, f->size, cold->vaddr, cold->vaddr + cold->size, &s);

	/* Stripped: no fd_cold.cold symbol, the part is still followed. */
	obj_open(&st, "libfdstrip.so");
	assert_null(obj_sym(&st, "fd_cold.cold"));
	f2 = obj_sym(&st, "fd_cold");
	assert_non_null(f2);
	assert_true(f2->from_dynsym);
	assert_int_equal(f2->vaddr, f->vaddr);
	assert_int_equal(obj_sites(&st, f2->vaddr, f2->size, &s2), 0);
	assert_int_equal(s2.n, s.n);
	for (int i = 0; i < s.n; i++) {
		assert_int_equal(s2.v[i].addr, s.v[i].addr);
		assert_int_equal(s2.v[i].kind, s.v[i].kind);
	}
	assert_int_equal(s2.nr_ranges, s.nr_ranges);
	assert_int_equal(s2.ranges[1].start, s.ranges[1].start);
	assert_int_equal(s2.ranges[1].end, s.ranges[1].end);
	disasm__sites_free(&s2);

	/* Unknown size (a stripped object's symbol without one): the same from the entry. */
	assert_int_equal(obj_sites(&st, f2->vaddr, 0, &s2), 0);
	assert_int_equal(s2.n, s.n);
	for (int i = 0; i < s.n; i++)
		assert_int_equal(s2.v[i].addr, s.v[i].addr);
	assert_int_equal(s2.nr_ranges, 2);
	assert_int_equal(s2.ranges[0].start, f->vaddr);
	assert_int_equal(s2.ranges[1].start, cold->vaddr);
	disasm__sites_free(&s2);
	disasm__sites_free(&s);
	elf_obj__free(st.elf);
	elf_obj__free(o.elf);
}

static void test_tail_calls(void **state)
{
	struct obj o;
	struct wm_sites s;
	const struct wm_sym *f, *g;

	obj_open(&o, "libfd.so");

	/* Direct: jmp fd_other. */
	f = obj_sym(&o, "fd_tail");
	g = obj_sym(&o, "fd_other");
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].kind, WM_SITE_TAIL_JMP);
	assert_int_equal(s.v[0].target, g->vaddr);
	assert_int_equal(s.v[0].len, 5);
	disasm__sites_free(&s);

	/* Through the PLT: no symbol there, a stub's `jmp *GOT(%rip)` says it is one. */
	f = obj_sym(&o, "fd_tail_plt");
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].kind, WM_SITE_TAIL_JMP);
	assert_false(obj_is_sym(&o, s.v[0].target));
	assert_int_equal(s.nr_ranges, 1);
	disasm__sites_free(&s);

	/* Through a register: `jmp *%rax`, rax is slot 10 of struct pt_regs. */
	f = obj_sym(&o, "fd_via_reg");
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].kind, WM_SITE_TAIL_JMP_REG);
	assert_int_equal(s.v[0].reg, 10);
	assert_int_equal(s.v[0].len, 2);
	disasm__sites_free(&s);

	/* Through memory: `jmp *(%rax)`, refused, naming the instruction. */
	f = obj_sym(&o, "fd_via_mem");
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), -ENOTSUP);
	assert_non_null(strstr(s.why_not, "indirect jmp through memory at 0x"));
	assert_null(s.v);
	elf_obj__free(o.elf);
}

static void test_cond_tail_call(void **state)
{
	struct obj o;
	struct wm_sites s;
	const struct wm_sym *f, *g;
	unsigned char b[2];

	obj_open(&o, "libfdc.so");
	f = obj_sym(&o, "fdc_ctail");
	g = obj_sym(&o, "fdc_other");
	assert_non_null(f);
	assert_non_null(g);
	assert_int_equal(obj_sites(&o, f->vaddr, f->size, &s), 0);
	assert_int_equal(count_kind(&s, WM_SITE_TAIL_JCC), 1);
	expect_rets(o.path, &s, f->vaddr, f->vaddr + f->size, 1);
	for (int i = 0; i < s.n; i++) {
		if (s.v[i].kind != WM_SITE_TAIL_JCC)
			continue;
		assert_int_equal(s.v[i].target, g->vaddr);
		/* The condition is the opcode's low nibble (jge: 0x0f 0x8d). */
		assert_int_equal(obj_read(&o, s.v[i].addr, b, 2), 2);
		assert_int_equal(s.v[i].cond, (b[0] == 0x0f ? b[1] : b[0]) & 0xf);
	}
	disasm__sites_free(&s);
	elf_obj__free(o.elf);
}

/* Every function of every fixture: each ret objdump shows in its range is found. */
static void test_every_ret(void **state)
{
	static const char *const files[] = { "libfd.so",   "libfdstrip.so", "fd_nopie",
					     "libfdc.so",  "fx_pie",	    "fx_nopie",
					     "libfx.so.1", "libfy.so",	    "libfv.so" };
	int ok = 0, refused = 0;

	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		struct obj o;

		obj_open(&o, files[k]);
		for (int i = 0; i < o.n; i++) {
			const struct wm_sym *f = &o.syms[i];
			struct wm_sites s;
			int err;

			if (!f->size || f->ifunc)
				continue;
			err = obj_sites(&o, f->vaddr, f->size, &s);
			if (err == -ENOTSUP) {
				refused++;
				assert_true(s.why_not[0]);
				continue;
			}
			if (err)
				fail_msg("%s: %s: %d %s", o.path, f->name, err, s.why_not);
			expect_rets(o.path, &s, f->vaddr, f->vaddr + f->size, 0);
			assert_true(s.nr_ranges >= 1);
			assert_int_equal(s.ranges[0].start, f->vaddr);
			for (int j = 1; j < s.n; j++)
				assert_true(s.v[j - 1].addr < s.v[j].addr);
			disasm__sites_free(&s);
			ok++;
		}
		elf_obj__free(o.elf);
	}
	assert_true(ok > 40);
	assert_true(refused >= 3); /* fd_via_mem (three times), fd_switch in fd_nopie */
}

/* glibc's __errno_location: the GOT slot that holds errno's offset from the thread pointer. */
static void test_tls_ie(void **state)
{
	/* Debian 12's libc.so.6 at 0x27660: mov 0x1ab779(%rip),%rax; add %fs:0x0,%rax; ret */
	static const unsigned char glibc[] = { 0x48, 0x8b, 0x05, 0x79, 0xb7, 0x1a, 0x00, 0x64,
					       0x48, 0x03, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00,
					       0xc3, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00 };
	/* The same built with CET: endbr64 first. */
	static const unsigned char cet[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x05,
					     0x10, 0x00, 0x00, 0x00, 0x64, 0x48, 0x03,
					     0x04, 0x25, 0x00, 0x00, 0x00, 0x00, 0xc3 };
	/* A static binary's local-exec errno: mov $-0x58,%rax; add %fs:0x0,%rax; ret */
	static const unsigned char local_exec[] = { 0x48, 0xc7, 0xc0, 0xa8, 0xff, 0xff,
						    0xff, 0x64, 0x48, 0x03, 0x04, 0x25,
						    0x00, 0x00, 0x00, 0x00, 0xc3 };
	/* musl's: mov %fs:0x0,%rax; add $0x34,%rax; ret */
	static const unsigned char musl[] = { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00,
					      0x00, 0x00, 0x48, 0x83, 0xc0, 0x34, 0xc3 };
	unsigned char other[sizeof(glibc)];
	__u64 got = 0;

	assert_int_equal(disasm__tls_ie_addr(glibc, sizeof(glibc), 0x27660, &got), 0);
	assert_int_equal(got, 0x1d2de0);
	assert_int_equal(disasm__tls_ie_addr(cet, sizeof(cet), 0x1000, &got), 0);
	assert_int_equal(got, 0x1000 + 11 + 0x10);
	assert_int_equal(disasm__tls_ie_addr(local_exec, sizeof(local_exec), 0x1000, &got),
			 -ENOTSUP);
	assert_int_equal(disasm__tls_ie_addr(musl, sizeof(musl), 0x1000, &got), -ENOTSUP);
	/* %gs instead of %fs, rcx instead of rax, no ret, cut short: not it. */
	memcpy(other, glibc, sizeof(other));
	other[7] = 0x65;
	assert_int_equal(disasm__tls_ie_addr(other, sizeof(other), 0x27660, &got), -ENOTSUP);
	memcpy(other, glibc, sizeof(other));
	other[2] = 0x0d;
	assert_int_equal(disasm__tls_ie_addr(other, sizeof(other), 0x27660, &got), -ENOTSUP);
	memcpy(other, glibc, sizeof(other));
	other[16] = 0x90;
	assert_int_equal(disasm__tls_ie_addr(other, sizeof(other), 0x27660, &got), -ENOTSUP);
	assert_int_equal(disasm__tls_ie_addr(glibc, 10, 0x27660, &got), -ENOTSUP);
	assert_int_equal(disasm__tls_ie_addr(NULL, 0, 0, &got), -EINVAL);
}

/* ---- where the entry probe goes ---- */

/* Registers as pt_regs slots, as disasm__entry_place() takes and gives them. */
enum { PT_R10 = 7, PT_RAX = 10, PT_RSI = 13, PT_RDI = 14 };
#define ARGS2 ((1u << PT_RDI) | (1u << PT_RSI))

static int place(struct mem *m, __u64 size, __u32 needed, struct wm_entry_place *pl)
{
	struct disasm_opts o = { .sz = sizeof(o), .read = mem_read, .ctx = m };

	return disasm__entry_place(BASE, size, needed, &o, pl);
}

static void test_emulated(void **state)
{
	(void)state;
	static const unsigned char yes[][5] = {
		{ 0x90 },		/* nop */
		{ 0x66, 0x90 },		/* xchg %ax,%ax */
		{ 0x0f, 0x1f, 0x44 },	/* nopl 0x0(%rax,%rax,1) */
		{ 0x53 },		/* push %rbx */
		{ 0x41, 0x54 },		/* push %r12 */
		{ 0xe8, 0, 0, 0, 0 },	/* call rel32 */
		{ 0xe9, 0, 0, 0, 0 },	/* jmp rel32 */
		{ 0xeb, 0x10 },		/* jmp rel8 */
		{ 0x74, 0x10 },		/* je rel8 */
		{ 0x0f, 0x84, 0, 0, 0 } /* je rel32 */
	};
	static const unsigned char no[][5] = {
		{ 0x48, 0x83, 0xec, 0x10 }, /* sub $0x10,%rsp */
		{ 0x48, 0x89, 0xe5 },	    /* mov %rsp,%rbp */
		{ 0xc3 },		    /* ret */
		{ 0xff, 0xe0 },		    /* jmp *%rax */
		{ 0xf3, 0x0f, 0x1e, 0xfa }, /* endbr64 */
		{ 0x66, 0xe8, 0, 0, 0 },    /* call with a prefix */
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(disasm__emulated(yes[i], sizeof(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(disasm__emulated(no[i], sizeof(no[i])));
	assert_false(disasm__emulated(NULL, 0));
}

static void test_place_stays(void **state)
{
	(void)state;
	struct wm_entry_place pl;

	{
		MEM(0x53, 0x5b, 0xc3); /* push %rbx; pop %rbx; ret */
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_true(pl.emulated);
		assert_string_equal(pl.at, "push");
	}
	{
		MEM(0xf3, 0x0f, 0x1e, 0xfa, 0x53, 0x5b, 0xc3); /* endbr64; push %rbx; ... */
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 4);
		assert_true(pl.emulated);
		assert_string_equal(pl.past, "endbr64");
	}
	{
		/* sub $0x18,%rsp; push %rbx: rsp moves, the return address is no longer at [rsp]. */
		MEM(0x48, 0x83, 0xec, 0x18, 0x53, 0x5b, 0x48, 0x83, 0xc4, 0x18, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_false(pl.emulated);
		assert_string_equal(pl.first, "sub");
		assert_non_null(strstr(pl.why, "moves rsp"));
	}
	{
		/* xor %edi,%edi; push %rbx: the first argument is gone before the push. */
		MEM(0x31, 0xff, 0x53, 0x5b, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_false(pl.emulated);
		assert_non_null(strstr(pl.why, "rdi"));
		/* Not read (a function of no arguments): passed. */
		assert_int_equal(place(&m, sizeof(code_), 0, &pl), 0);
		assert_int_equal(pl.skip, 2);
	}
	{
		/*
		 * 0: mov %rdi,%rax   3: push %rbx   4: pop %rbx   5: jmp 3 (eb fc)   7: ret
		 * The loop comes back to the push: a probe there would fire per turn.
		 */
		MEM(0x48, 0x89, 0xf8, 0x53, 0x5b, 0xeb, 0xfc, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_non_null(strstr(pl.why, "lands at 0x1003"));
		/* Without the symbol's size, branches cannot be ruled out. */
		assert_int_equal(place(&m, 0, ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_non_null(strstr(pl.why, "unknown"));
	}
	{
		/* mov %rax,(%rdi); push %rbx: a store where an argument may point. */
		MEM(0x48, 0x89, 0x07, 0x53, 0x5b, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_non_null(strstr(pl.why, "stores"));
	}
	{
		/* ret first: single-stepped, and nothing after it is this call's. */
		MEM(0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 0);
		assert_false(pl.emulated);
		assert_string_equal(pl.first, "ret");
	}
}

static void test_place_moves(void **state)
{
	(void)state;
	struct wm_entry_place pl;

	{
		/*
		 * 0: endbr64   4: mov %rsi,%r10   7: xor %esi,%esi   9: push %rbx
		 * 10: pop %rbx   11: ret. The second argument is in r10 at the push.
		 */
		MEM(0xf3, 0x0f, 0x1e, 0xfa, 0x49, 0x89, 0xf2, 0x31, 0xf6, 0x53, 0x5b, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 9);
		assert_true(pl.emulated);
		assert_string_equal(pl.past, "endbr64; mov; xor");
		assert_string_equal(pl.at, "push");
		assert_int_equal(pl.now_in[PT_RSI], PT_R10);
		assert_int_equal(pl.now_in[PT_RDI], PT_RDI);
		assert_int_equal(pl.now_in[PT_R10], -1);
	}
	{
		/* lea 0x100(%rip),%rax; push %rbx; pop %rbx; ret */
		MEM(0x48, 0x8d, 0x05, 0x00, 0x01, 0x00, 0x00, 0x53, 0x5b, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 7);
		assert_string_equal(pl.past, "lea");
		assert_int_equal(pl.now_in[PT_RAX], -1);
	}
	{
		/* mov %rdi,-0x8(%rsp) (the red zone); cmp $1,%rdi; je +0: moved to the je. */
		MEM(0x48, 0x89, 0x7c, 0x24, 0xf8, 0x48, 0x83, 0xff, 0x01, 0x74, 0x00, 0xc3);
		assert_int_equal(place(&m, sizeof(code_), ARGS2, &pl), 0);
		assert_int_equal(pl.skip, 9);
		assert_string_equal(pl.at, "jz");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rets),	     cmocka_unit_test(test_tls_ie),
		cmocka_unit_test(test_tails),	     cmocka_unit_test(test_cold_part),
		cmocka_unit_test(test_transactions), cmocka_unit_test(test_padding_after_call),
		cmocka_unit_test(test_refusals),     cmocka_unit_test(test_multi_ret),
		cmocka_unit_test(test_jump_table),   cmocka_unit_test(test_cold),
		cmocka_unit_test(test_tail_calls),   cmocka_unit_test(test_cond_tail_call),
		cmocka_unit_test(test_every_ret),    cmocka_unit_test(test_emulated),
		cmocka_unit_test(test_place_stays),  cmocka_unit_test(test_place_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
