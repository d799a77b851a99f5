// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan/expr.h"
#include "plan/functable.h"
#include "target/demangle.h"
#include "target/ifunc.h"
#include "target/disasm.h"
#include "target/insn.h"
#include "target/objkind.h"
#include "types/dwarf.h"
#include "types/proto.h"
#include "types/protodb.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/opts.h"

/* One object of the process: the entry its functions point to, and its debug info. */
struct ft_obj {
	struct wm_object obj;
	struct wm_dwarf *dwarf;
	bool dwarf_tried; /* opened on first need, once */
	struct wm_objkind kind;
	bool kind_read;
	unsigned long *func_addrs; /* where its function symbols start, sorted */
	int nr_func_addrs;	   /* -1: not read yet */
};

struct wm_functable {
	const struct wm_resolver *res;
	struct wm_functable_opts o;
	struct ft_obj *objs; /* one per resolver object, never moved */
	int nr_objs;
	struct wm_func *funcs;
	int nr_funcs, cap_funcs;
	struct wm_probe *probes;   /* functable__probes() */
	bool go_noted;		   /* the note that Go's values are not shown, said once */
	struct wm_hook hooks[3];   /* functable__cxa_hooks() */
	struct wm_protodb *protos; /* opened at the first function without debug info */
	bool protos_tried;
	/* Python functions' source files, their "object" (functable__add_python()). */
	struct wm_object **py_objs;
	int nr_py_objs, cap_py_objs;
};

/* What one -f left out, said once its matches are all in. */
struct left_out {
	struct wm_buf refused; /* the first names the kernel would refuse */
	int nr_refused;
	int nr_raw; /* functions without debug info, the first named below */
	char raw_name[256], raw_obj[256];
	size_t skipped;		/* bytes place_probe() moved the last match's probe */
	struct wm_buf no_sites; /* the first names --returns=sites cannot trace */
	int nr_no_sites;
	char no_sites_why[128];
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_pattern(const char *sel)
{
	return demangle__is_pattern(sel);
}

__attribute__((format(printf, 3, 4))) static void note(const struct wm_functable *t,
						       enum wm_note_kind kind, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int n;

	if (!t->o.note)
		return;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->o.note(t->o.note_ctx, kind, line);
	free(line);
}

/* "a, b, c, ..." of the first five names, for one-line notes; the target's names escaped. */
static void name_list_add(struct wm_buf *b, int *count, const char *name)
{
	if (*count < 5) {
		buf__puts(b, *count ? ", " : "");
		esc__text(b, name, strlen(name));
	} else if (*count == 5)
		buf__puts(b, ", ...");
	(*count)++;
}

int functable__new(const struct wm_resolver *res, const struct wm_functable_opts *opts,
		   struct wm_functable **out)
{
	struct wm_functable *t;

	if (!out || !res || !OPTS_VALID(opts))
		return -EINVAL;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->res = res;
	t->o.plan = OPTS_GET(opts, plan, (struct wm_plan_opts){});
	t->o.summary_only = OPTS_GET(opts, summary_only, false);
	t->o.verbose = OPTS_GET(opts, verbose, false);
	t->o.no_move_entry = OPTS_GET(opts, no_move_entry, false);
	t->o.note = OPTS_GET(opts, note, NULL);
	t->o.note_ctx = OPTS_GET(opts, note_ctx, NULL);
	t->o.seccomp_why = OPTS_GET(opts, seccomp_why, NULL);
	t->nr_objs = resolver__nr_objs(res);
	t->objs = calloc(t->nr_objs ? t->nr_objs : 1, sizeof(*t->objs));
	if (!t->objs) {
		functable__free(t);
		return -ENOMEM;
	}
	for (int i = 0; i < t->nr_objs; i++) {
		t->objs[i].obj.path = resolver__obj_path(res, i);
		t->objs[i].obj.fd = resolver__obj_fd(res, i);
		t->objs[i].nr_func_addrs = -1;
	}
	*out = t;
	return 0;
}

void functable__free(struct wm_functable *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_funcs; i++) {
		free(t->funcs[i].filter);
		free(t->funcs[i].error);
		free(t->funcs[i].error_expr);
		sig__free(&t->funcs[i].sig);
		free(t->funcs[i].probe.sites);
		free(t->funcs[i].probe.site_offs);
		free(t->funcs[i].probe.site_cookies);
	}
	protodb__free(t->protos);
	for (int i = 0; i < t->nr_objs; i++) {
		dwarf__free(t->objs[i].dwarf);
		free(t->objs[i].func_addrs);
	}
	for (int i = 0; i < t->nr_py_objs; i++)
		free(t->py_objs[i]);
	free(t->py_objs);
	free(t->objs);
	free(t->funcs);
	free(t->probes);
	free(t);
}

void functable__release(struct wm_functable *t)
{
	if (!t)
		return;
	/* What opened fine opens again on a later need (a process that execs). */
	for (int i = 0; i < t->nr_objs; i++) {
		if (!t->objs[i].dwarf)
			continue;
		dwarf__free(t->objs[i].dwarf);
		t->objs[i].dwarf = NULL;
		t->objs[i].dwarf_tried = false;
	}
	if (t->protos) {
		protodb__free(t->protos);
		t->protos = NULL;
		t->protos_tried = false;
	}
}

static struct wm_dwarf *obj_dwarf(struct wm_functable *t, int obj)
{
	struct ft_obj *o = &t->objs[obj];

	if (!o->dwarf_tried) {
		o->dwarf_tried = true;
		dwarf__open(o->obj.fd, &o->dwarf);
	}
	return o->dwarf;
}

/*
 * An IFUNC's symbol is its resolver: probe the implementation the resolver
 * picks instead. A named IFUNC we cannot resolve is an error; one that came
 * from a pattern is skipped (-ENOENT) with a note.
 */
static int resolve_ifunc(struct wm_functable *t, struct wm_match *m, bool from_pattern, char *err,
			 size_t errsz)
{
	const char *base = base_name(t->objs[m->obj].obj.path);
	unsigned long vaddr, off;

	if (!ifunc__resolve(t->objs[m->obj].obj.fd, m->sym, &vaddr) &&
	    !resolver__vaddr_to_off(t->res, m->obj, vaddr, &off)) {
		m->vaddr = vaddr;
		m->file_off = off;
		return 0;
	}
	if (from_pattern) {
		if (t->o.verbose)
			note(t, WM_NOTE,
			     "note: skipping %s in %s: an IFUNC whose implementation is unknown",
			     ESC(m->sym), ESC(base));
		return -ENOENT;
	}
	snprintf(err, errsz,
		 "%s in %s is an IFUNC chosen at run time, and wrapmon cannot tell which "
		 "implementation: trace the implementations by name, e.g. -f '%s:*%s*'",
		 ESC(m->sym), ESC(base), ESC(base), ESC(m->sym));
	return -EINVAL;
}

/*
 * Look at the function's first instructions: move the probe past an
 * endbr64, and tell whether the kernel would refuse a probe there at all.
 */
static bool place_probe(struct wm_functable *t, struct wm_match *m, size_t *skipped)
{
	unsigned char code[32];
	ssize_t n = pread(t->objs[m->obj].obj.fd, code, sizeof(code), m->file_off);
	size_t skip;

	*skipped = 0;
	if (n <= 0)
		return false;
	*skipped = skip = insn__probe_skip(code, n);
	m->file_off += skip;
	return insn__uprobe_refused(code + skip, n - skip);
}

/* One expression of a spec, compiled against one function's signature; NULL text: none. */
static int compile_expr(const struct wm_functable *t, const char *what, const char *text,
			const struct wm_func *f, struct wm_expr **out, char *err, size_t errsz)
{
	char msg[256];
	int col = 0;

	*out = NULL;
	if (!text)
		return 0;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	if (expr__parse(text, &f->sig, t->o.plan.str_cap, *out, &col, msg, sizeof(msg))) {
		snprintf(err, errsz, "--%s '%s' for %s: %s (column %d)", what, ESC(text),
			 ESC(f->name), msg, col);
		return -EINVAL;
	}
	/* An expression with nothing to test is no expression. */
	if (!(*out)->nr_ops) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static int compile_exprs(const struct wm_functable *t, const struct wm_spec *sp, struct wm_func *f,
			 char *err, size_t errsz)
{
	char text[256];
	int ret;

	ret = compile_expr(t, "filter", sp->filter, f, &f->filter, err, errsz);
	if (!ret)
		ret = compile_expr(t, "error", sp->error, f, &f->error, err, errsz);
	if (ret)
		return ret;
	if (!f->error || expr__snprint(f->error, &f->sig, text, sizeof(text)) < 0 || !text[0])
		return 0;
	f->error_expr = strdup(text);
	if (!f->error_expr) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* What kind of code the object holds (objkind), read on first need. */
static const struct wm_objkind *obj_kind(struct wm_functable *t, int obj)
{
	struct ft_obj *o = &t->objs[obj];

	if (!o->kind_read) {
		o->kind_read = true;
		objkind__read(o->obj.fd, o->obj.path, &o->kind);
	}
	return &o->kind;
}

/*
 * The prototype's or the debug info's signature; raw registers (counted in
 * lo) without. A Go function's values are not read at all: Go passes them
 * in its own registers (ABIInternal), and its debug info describes Go
 * types; the C ABI would show wrong values.
 */
/*
 * The member functions of a lambda or a local class have no linkage name
 * in GCC's DWARF: found by their own name ("operator()") at their address.
 */
static int dwarf_sig_local(struct wm_dwarf *d, struct wm_func *f, const struct wm_match *m,
			   unsigned long pc)
{
	size_t starts[16], len = demangle__name_len(f->name);
	int n = demangle__scopes(f->name, starts, 16);
	char own[sizeof(f->name)];
	enum wm_lang lang;
	char *dem;

	dem = demangle__alloc(m->sym, &lang);
	free(dem);
	if (!d || lang != WM_LANG_CXX || n < 2 || n > 16)
		return -ENOENT;
	snprintf(own, sizeof(own), "%.*s", (int)(len - starts[n - 1]), f->name + starts[n - 1]);
	return dwarf__func_sig_at(d, own, m->vaddr, pc, &f->sig);
}

/*
 * A -f prototype's pointer to a struct or union that neither the prototype
 * nor the object's debug info lays out would print as an address while
 * looking typed: refused, with the ways to give its layout.
 */
static int opaque_struct(const struct wm_func *f, bool has_dwarf, char *err, size_t errsz)
{
	const struct wm_type *t = NULL;
	const char *who = "the result";
	char tag[WM_TYPE_NAME_MAX];
	size_t n;

	for (int i = -1; i < f->sig.nr_params && !t; i++) {
		const struct wm_type *c = i < 0 ? &f->sig.ret : &f->sig.params[i].type;
		const char *star = strchr(c->name, '*');

		if (c->kind != WM_T_PTR || c->target.kind != WM_T_UNKNOWN || !star ||
		    strchr(star + 1, '*') ||
		    (strncmp(c->name, "struct ", 7) && strncmp(c->name, "union ", 6) &&
		     strncmp(c->name, "const struct ", 13) && strncmp(c->name, "const union ", 12)))
			continue;
		t = c;
		if (i >= 0)
			who = f->sig.params[i].name[0] ? f->sig.params[i].name : "?";
	}
	if (!t)
		return 0;
	n = strchr(t->name, '*') - t->name;
	while (n && t->name[n - 1] == ' ')
		n--;
	snprintf(tag, sizeof(tag), "%.*s", (int)n, t->name);
	snprintf(err, errsz,
		 "%s%s%s points to '%s', whose members wrapmon does not know (%s %s): give them "
		 "in the prototype ('%s { int a; char *name; } *'), write 'void *' for the "
		 "address alone, or install the object's debug info",
		 t == &f->sig.ret ? "" : "parameter '", ESC(who), t == &f->sig.ret ? "" : "'",
		 ESC(tag), ESC(base_name(f->object->path)),
		 has_dwarf ? "does not define it in its debug info" : "has no debug info",
		 ESC(tag));
	return -EINVAL;
}

/*
 * Without debug info: the prototype database's signature for the symbol in
 * its library. -ENOENT when it has none (or none that parses: the note
 * under -v says which).
 */
static int db_sig(struct wm_functable *t, const struct wm_match *m, struct wm_func *f)
{
	const char *text;
	char msg[256];
	int col;

	if (!t->protos_tried) {
		t->protos_tried = true;
		if (protodb__open(NULL, &t->protos) && t->o.verbose)
			note(t, WM_NOTE, "note: no prototype database next to wrapmon-trace");
	}
	text = protodb__find(t->protos, f->object->path, m->sym);
	if (!text)
		return -ENOENT;
	if (proto__parse(text, &f->sig, &col, msg, sizeof(msg))) {
		if (t->o.verbose)
			note(t, WM_NOTE, "note: the prototype database's '%s' does not parse: %s",
			     ESC(text), msg);
		return -ENOENT;
	}
	if (sig__set_name(&f->sig, m->sym)) {
		sig__free(&f->sig);
		return -ENOMEM;
	}
	f->sig.from_db = true;
	return 0;
}

static int func_sig(struct wm_functable *t, const struct wm_spec *sp, const struct wm_match *m,
		    struct wm_func *f, struct left_out *lo, char *err, size_t errsz)
{
	struct wm_dwarf *d;
	char msg[256];

	if (obj_kind(t, m->obj)->go) {
		if (sp->has_proto || sp->filter || sp->error) {
			snprintf(err, errsz,
				 "%s is Go: Go's ABI is not decoded yet, so %s cannot apply; "
				 "trace it by name alone",
				 ESC(f->name),
				 sp->has_proto ? "a C prototype" :
				 sp->filter    ? "--filter" :
						 "--error");
			return -EINVAL;
		}
		sig__init_go(&f->sig, m->sym);
		return 0;
	}
	d = obj_dwarf(t, m->obj);
	if (sp->has_proto) {
		if (sig__copy(&f->sig, &sp->sig)) {
			snprintf(err, errsz, "out of memory");
			return -ENOMEM;
		}
		if (sig__set_name(&f->sig, m->sym)) {
			snprintf(err, errsz, "out of memory");
			return -ENOMEM;
		}
		/* The prototype's structs and enums, laid out from the object's debug info. */
		if (dwarf__complete_sig(d, &f->sig, msg, sizeof(msg)) == -ENOENT) {
			snprintf(err, errsz, "%s", msg);
			return -EINVAL;
		}
		return opaque_struct(f, d != NULL, err, errsz);
	}
	if (d && (!dwarf__func_sig_at(d, m->sym, m->vaddr, m->vaddr + lo->skipped, &f->sig) ||
		  !dwarf_sig_local(d, f, m, m->vaddr + lo->skipped))) {
		unsigned char code[96];
		struct wm_prologue pr;
		ssize_t n;

		/* Stack slots the body's locations name: what the prologue stored there. */
		n = pread(f->object->fd, code, sizeof(code), m->file_off - lo->skipped);
		disasm__prologue(code, n > 0 ? n : 0, &pr);
		plan__locs_at_entry(&f->sig, &pr);
		return 0;
	}
	if (!db_sig(t, m, f))
		return 0;
	sig__init_raw(&f->sig, m->sym);
	if (!lo->nr_raw++) {
		snprintf(lo->raw_name, sizeof(lo->raw_name), "%s", f->name);
		snprintf(lo->raw_obj, sizeof(lo->raw_obj), "%.*s", (int)sizeof(lo->raw_obj) - 1,
			 base_name(f->object->path));
	}
	return 0;
}

static bool is_dup(const struct wm_functable *t, const struct wm_match *m)
{
	for (int j = 0; j < t->nr_funcs; j++)
		if (t->funcs[j].object == &t->objs[m->obj].obj &&
		    t->funcs[j].file_off - t->funcs[j].probe.entry_moved == m->file_off)
			return true;
	return false;
}

/*
 * The probe plan's return side. C and C++ here: the pairing key is the
 * thread and the stack pointer at entry, values are read with the C ABI.
 */
_Static_assert(WM_CK_RET == WM_SITE_RET && WM_CK_TAIL_JMP == WM_SITE_TAIL_JMP &&
		       WM_CK_TAIL_JCC == WM_SITE_TAIL_JCC &&
		       WM_CK_TAIL_JMP_REG == WM_SITE_TAIL_JMP_REG,
	       "cookie kinds are the disassembler's");

struct func_addr {
	unsigned long vaddr;
	const char *name;
};

struct dis_ctx {
	struct wm_functable *t;
	int obj;
};

static int cmp_func_addr(const void *a, const void *b)
{
	const struct func_addr *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* The object's function symbols by address, read on first need. */
static void load_func_addrs(struct wm_functable *t, int obj)
{
	struct ft_obj *o = &t->objs[obj];
	const struct wm_sym *syms;
	struct func_addr *v;
	int n;

	if (o->nr_func_addrs >= 0)
		return;
	o->nr_func_addrs = 0;
	n = resolver__obj_syms(t->res, obj, &syms);
	if (n <= 0)
		return;
	v = malloc(n * sizeof(*v));
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		v[i] = (struct func_addr){ syms[i].vaddr, syms[i].name };
	qsort(v, n, sizeof(*v), cmp_func_addr);
	o->func_addrs = (unsigned long *)v;
	o->nr_func_addrs = n;
}

static const struct func_addr *func_at(const struct wm_functable *t, int obj, __u64 addr)
{
	const struct ft_obj *o = &t->objs[obj];
	struct func_addr key = { addr, NULL };

	if (o->nr_func_addrs <= 0)
		return NULL;
	return bsearch(&key, o->func_addrs, o->nr_func_addrs, sizeof(key), cmp_func_addr);
}

static ssize_t dis_read(void *ctx, __u64 addr, void *buf, size_t n)
{
	struct dis_ctx *c = ctx;
	unsigned long off;
	ssize_t r;

	if (resolver__vaddr_to_off(c->t->res, c->obj, addr, &off))
		return -EIO;
	r = pread(c->t->objs[c->obj].obj.fd, buf, n, off);
	return r < 0 ? -errno : r;
}

/* A function starts there; GCC's NAME.cold parts are their function's code, not functions. */
static bool dis_is_func(void *ctx, __u64 addr)
{
	struct dis_ctx *c = ctx;
	const struct func_addr *fa = func_at(c->t, c->obj, addr);

	return fa && !strstr(fa->name, ".cold");
}

static bool dis_is_sym(void *ctx, __u64 addr)
{
	struct dis_ctx *c = ctx;

	return func_at(c->t, c->obj, addr) != NULL;
}

/* What in the object makes auto want return sites; "" when nothing does. */
static void obj_reason(const struct wm_objkind *k, char *buf, size_t n)
{
	buf[0] = '\0';
	if (k->go)
		snprintf(buf, n, "a Go binary (%s)", k->sym);
	else if (!strcmp(k->sym, "_greenlet*") || !strcmp(k->sym, "slp_switch"))
		snprintf(buf, n, "greenlet's module (%s: switches stacks)", k->sym);
	else if (k->switches_stacks)
		snprintf(buf, n, "its object imports %s (switches stacks)", k->sym);
	else if (k->cxx_throws)
		snprintf(buf, n, "its object imports %s (C++ exceptions unwind through calls)",
			 k->sym);
}

/*
 * Why a function is probed as it is, for -v (note_plan()): made while it is
 * planned and said then, not kept with every function.
 */
struct plan_text {
	char entry_skipped
		[96];	     /* what the entry probe was moved past ("endbr64; mov; lea"), or "" */
	char entry_why[128]; /* it single-steps: why it was not moved on, or "" */
	char why[160];	     /* why its return mode */
};

/*
 * A single-stepped first instruction costs ~10x the probe: move the entry
 * probe on to the first instruction of the entry block the kernel emulates
 * when what it passes leaves rsp and every value the plan reads in some
 * register (the plan then reads them there). Go is left alone: its values
 * are not read, and its stack check is the function's first branch.
 */
static int place_entry(struct wm_functable *t, const struct wm_match *m, struct wm_func *f,
		       const struct left_out *lo, struct plan_text *tx)
{
	struct wm_probe_plan *pp = &f->probe;
	struct dis_ctx c = { t, m->obj };
	struct disasm_opts o = { .sz = sizeof(o), .read = dis_read, .ctx = &c };
	struct wm_entry_place pl;
	int ret;

	snprintf(tx->entry_skipped, sizeof(tx->entry_skipped), "%s", lo->skipped ? "endbr64" : "");
	/* An IFUNC's implementation has its resolver's size: its extent is unknown. */
	ret = disasm__entry_place(m->vaddr, m->ifunc ? 0 : m->size,
				  plan__regs_read(&f->sig, &f->plan), &o, &pl);
	if (ret == -ENOMEM)
		return ret;
	if (ret || pl.skip < lo->skipped)
		return 0;
	snprintf(pp->entry_insn, sizeof(pp->entry_insn), "%s", pl.at);
	pp->entry_sstep = !pl.emulated;
	if (pl.skip == lo->skipped) {
		snprintf(tx->entry_why, sizeof(tx->entry_why), "%s", pl.why);
		return 0;
	}
	if (t->o.no_move_entry || f->sig.source == WM_SIG_GO) {
		snprintf(tx->entry_why, sizeof(tx->entry_why), "%s",
			 t->o.no_move_entry ? "--no-move-entry" : "Go");
		snprintf(pp->entry_insn, sizeof(pp->entry_insn), "%s", pl.first);
		pp->entry_sstep = true;
		return 0;
	}
	plan__regs_moved(&f->plan, pl.now_in);
	pp->entry_moved = pl.skip - lo->skipped;
	f->file_off += pp->entry_moved;
	snprintf(tx->entry_skipped, sizeof(tx->entry_skipped), "%s", pl.past);
	return 0;
}

/* The return sites of m into f's plan; -ENOTSUP with why set when they cannot stand in. */
static int find_sites(struct wm_functable *t, const struct wm_match *m, struct wm_func *f,
		      char *why, size_t whysz)
{
	struct dis_ctx c = { t, m->obj };
	struct disasm_opts o = {
		.sz = sizeof(o),
		.read = dis_read,
		.is_func = dis_is_func,
		.is_sym = dis_is_sym,
		.ctx = &c,
	};
	struct wm_probe_plan *pp = &f->probe;
	struct wm_sites ws = {};
	int ret;

	load_func_addrs(t, m->obj);
	ret = disasm__return_sites(m->vaddr, m->size, &o, &ws);
	if (ret) {
		snprintf(why, whysz, "%s",
			 ws.why_not[0]	 ? ws.why_not :
			 ret == -E2BIG	 ? "too much code to follow" :
			 ret == -ENOTSUP ? "its code cannot be followed" :
					   "its code cannot be read");
		disasm__sites_free(&ws);
		return ret == -ENOMEM ? ret : -ENOTSUP;
	}
	pp->code_size = ws.nr_ranges ? ws.ranges[0].end - ws.ranges[0].start : m->size;
	/*
	 * Go: the jump back to its own start after runtime.morestack is not
	 * a tail call but the same call going on, on its grown (moved) stack;
	 * the entry probe sees it again and BPF keeps the first entry.
	 */
	if (obj_kind(t, m->obj)->go) {
		int n = 0;

		for (int i = 0; i < ws.n; i++)
			if (!(ws.v[i].kind == WM_SITE_TAIL_JMP && ws.v[i].target == m->vaddr))
				ws.v[n++] = ws.v[i];
		ws.n = n;
	}
	pp->sites = calloc(ws.n ? ws.n : 1, sizeof(*pp->sites));
	pp->site_offs = calloc(ws.n ? ws.n : 1, sizeof(*pp->site_offs));
	pp->site_cookies = calloc(ws.n ? ws.n : 1, sizeof(*pp->site_cookies));
	ret = -ENOMEM;
	if (!pp->sites || !pp->site_offs || !pp->site_cookies)
		goto fail;
	ret = -ENOTSUP;
	for (int i = 0; i < ws.n; i++) {
		const struct wm_site *w = &ws.v[i];
		struct wm_plan_site *ps = &pp->sites[i];
		__u64 rel = w->addr - m->vaddr;
		unsigned char code[16];
		ssize_t n;

		if (resolver__vaddr_to_off(t->res, m->obj, w->addr, &ps->file_off)) {
			snprintf(why, whysz, "a return site at 0x%llx is outside the object's code",
				 (unsigned long long)w->addr);
			goto fail;
		}
		if (ps->file_off == m->file_off) {
			snprintf(why, whysz, "its first instruction already leaves it");
			goto fail;
		}
		n = pread(t->objs[m->obj].obj.fd, code, sizeof(code), ps->file_off);
		if (n > 0 && insn__uprobe_refused(code, n)) {
			snprintf(why, whysz,
				 "the kernel cannot probe its return site at 0x%llx (a prefix "
				 "uprobes refuse, e.g. notrack)",
				 (unsigned long long)w->addr);
			goto fail;
		}
		/*
		 * BPF tells a jump table's dispatch from a tail call by the target
		 * being inside [entry, entry + code_size): the register must fit
		 * the cookie's 4 bits, and the function be in one piece.
		 */
		if (w->kind == WM_SITE_TAIL_JMP_REG && (w->reg > 14 || ws.nr_ranges > 1)) {
			snprintf(why, whysz,
				 "a jump through a register at 0x%llx it cannot tell from a "
				 "tail call",
				 (unsigned long long)w->addr);
			goto fail;
		}
		if (w->kind == WM_SITE_TAIL_JMP_REG && (w->addr < m->vaddr || rel > 0xffff)) {
			snprintf(why, whysz, "an indirect jump at 0x%llx far from its entry",
				 (unsigned long long)w->addr);
			goto fail;
		}
		ps->kind = w->kind;
		ps->cookie = WM_SITE_COOKIE(f->id, w->kind, w->cond, w->reg,
					    w->addr >= m->vaddr && rel <= 0xffff ? rel : 0);
		if (w->kind == WM_SITE_TAIL_JMP || w->kind == WM_SITE_TAIL_JCC) {
			const struct func_addr *fa = func_at(t, m->obj, w->target);

			if (fa && demangle(fa->name, ps->target, sizeof(ps->target)) == -EINVAL)
				snprintf(ps->target, sizeof(ps->target), "%s", fa->name);
			else if (!fa)
				snprintf(ps->target, sizeof(ps->target), "0x%llx",
					 (unsigned long long)w->target);
		}
		pp->site_offs[i] = ps->file_off;
		pp->site_cookies[i] = ps->cookie;
	}
	pp->nr_sites = ws.n;
	disasm__sites_free(&ws);
	return 0;
fail:
	disasm__sites_free(&ws);
	free(pp->sites);
	free(pp->site_offs);
	free(pp->site_cookies);
	pp->sites = NULL;
	pp->site_offs = NULL;
	pp->site_cookies = NULL;
	pp->nr_sites = 0;
	return ret;
}

/* 0, 1 when a pattern's function is left out (lo says why), or a negative errno with err. */
static int plan_returns(struct wm_functable *t, const struct wm_spec *sp, const struct wm_match *m,
			struct wm_func *f, struct left_out *lo, struct plan_text *tx, char *err,
			size_t errsz)
{
	struct wm_probe_plan *pp = &f->probe;
	struct ft_obj *o = &t->objs[m->obj];
	char reason[160], why[128] = "";
	bool seccomp = false;
	int ret;

	pp->entry_off = f->file_off;
	pp->pair = "thread+sp";
	obj_reason(obj_kind(t, m->obj), reason, sizeof(reason));
	if (o->kind.go) {
		pp->pair = "goroutine+stack offset";
		pp->render = "none(Go's ABI is not decoded yet)";
	} else if (f->plan.cfg.flags & WM_FC_LOCS && f->sig.source != WM_SIG_DWARF) {
		/* The C ABI's values, from where the moved entry probe finds them. */
		pp->render = "C, moved";
	} else if (f->plan.cfg.flags & WM_FC_LOCS) {
		/* Some value is not where the C ABI puts it. */
		pp->render = "DWARF locations";
	} else {
		pp->render = "C";
	}
	if (!reason[0] && t->o.seccomp_why && t->o.seccomp_why[0]) {
		seccomp = true;
		snprintf(reason, sizeof(reason), "%s", t->o.seccomp_why);
	}
	switch (sp->returns) {
	case WM_RETURNS_NONE:
		pp->ret_mode = WM_RET_NONE;
		snprintf(tx->why, sizeof(tx->why), "asked");
		if ((f->filter && expr__needs_return(f->filter)) ||
		    (f->error && expr__needs_return(f->error))) {
			snprintf(
				err, errsz,
				"--%s for %s tests the result or the latency, which "
				"--returns=none (--entry-only) never sees: test only the arguments",
				f->filter && expr__needs_return(f->filter) ? "filter" : "error",
				ESC(f->name));
			return -EINVAL;
		}
		return 0;
	case WM_RETURNS_TRAMPOLINE:
		/* Go moves and unwinds its stacks: the trampoline kills it (SIGILL). */
		if (o->kind.go) {
			snprintf(
				err, errsz,
				"--returns=trampoline cannot trace %s: it is Go, whose stacks move "
				"and would meet the trampoline; use --returns=auto or sites",
				ESC(f->name));
			return -ENOTSUP;
		}
		pp->ret_mode = WM_RET_TRAMPOLINE;
		snprintf(tx->why, sizeof(tx->why), "asked");
		return 0;
	case WM_RETURNS_AUTO:
		if (!reason[0]) {
			pp->ret_mode = WM_RET_TRAMPOLINE;
			snprintf(tx->why, sizeof(tx->why),
				 "auto: nothing in its object unwinds or switches stacks");
			return 0;
		}
		break;
	default:
		break;
	}
	ret = find_sites(t, m, f, why, sizeof(why));
	if (ret == -ENOMEM)
		return ret;
	if (!ret) {
		pp->ret_mode = WM_RET_SITES;
		if (sp->returns == WM_RETURNS_AUTO)
			snprintf(tx->why, sizeof(tx->why), "auto: %s", reason);
		else
			snprintf(tx->why, sizeof(tx->why), "asked");
		return 0;
	}
	if (sp->returns == WM_RETURNS_AUTO) {
		/*
		 * The trampoline would kill a Go program, and one whose filter
		 * refuses its syscall at the first return: entries are all they
		 * can have.
		 */
		pp->ret_mode = o->kind.go || seccomp ? WM_RET_NONE : WM_RET_TRAMPOLINE;
		snprintf(tx->why, sizeof(tx->why), "auto: %s, but no return sites: %s", reason,
			 why);
		return 0;
	}
	if (!f->from_pattern && o->kind.go) {
		snprintf(err, errsz,
			 "--returns=sites cannot trace %s: %s; use --returns=none for its entries "
			 "only",
			 ESC(f->name), why);
		return -ENOTSUP;
	}
	if (!f->from_pattern) {
		snprintf(
			err, errsz,
			"--returns=sites cannot trace %s: %s; use --returns=trampoline if no "
			"exception, coroutine or Go stack passes through it, or --returns=none for "
			"its entries only",
			ESC(f->name), why);
		return -ENOTSUP;
	}
	if (!lo->nr_no_sites)
		snprintf(lo->no_sites_why, sizeof(lo->no_sites_why), "%s", why);
	name_list_add(&lo->no_sites, &lo->nr_no_sites, f->name);
	return 1;
}

static const char *const site_word[] = { "?", "ret", "tail", "tail-jcc", "tail-reg" };

/* -v: "plan: search entry=0x1139 (past endbr64) returns=sites(3: ret@0x1150, ...) ..." */
static void note_plan(const struct wm_functable *t, const struct wm_func *f,
		      const struct plan_text *tx)
{
	const struct wm_probe_plan *pp = &f->probe;
	struct wm_buf b = {};

	buf__puts(&b, "plan: ");
	esc__text(&b, f->name, strlen(f->name));
	buf__printf(&b, " entry=0x%lx", pp->entry_off);
	if (tx->entry_skipped[0])
		buf__printf(&b, " (past %s)", tx->entry_skipped);
	if (pp->ret_mode == WM_RET_SITES) {
		buf__printf(&b, " returns=sites(%d%s", pp->nr_sites, pp->nr_sites ? ": " : "");
		for (int i = 0; i < pp->nr_sites && i < 8; i++) {
			const struct wm_plan_site *ps = &pp->sites[i];

			buf__printf(&b, "%s%s@0x%lx", i ? ", " : "",
				    site_word[ps->kind < 5 ? ps->kind : 0], ps->file_off);
			if (ps->target[0]) {
				buf__puts(&b, " -> ");
				esc__text(&b, ps->target, strlen(ps->target));
			}
		}
		buf__puts(&b, pp->nr_sites > 8 ? ", ...)" : ")");
	} else {
		buf__printf(&b, " returns=%s", pp->ret_mode == WM_RET_NONE ? "none" : "trampoline");
	}
	buf__printf(&b, " [%s] pair=%s render=%s", tx->why, pp->pair, pp->render);
	if (pp->entry_sstep)
		buf__printf(&b, "; entry single-steps %s%s%s%s", pp->entry_insn,
			    tx->entry_why[0] ? " (stays: " : "", tx->entry_why,
			    tx->entry_why[0] ? ")" : "");
	else if (pp->entry_insn[0])
		buf__printf(&b, "; entry on %s (emulated)", pp->entry_insn);
	note(t, WM_NOTE, "%s", b.len ? b.p : "");
	buf__free(&b);
}

/* Fill the table's next entry from m; it counts only once complete. */
static int add_func(struct wm_functable *t, const struct wm_spec *sp, const struct wm_match *m,
		    struct left_out *lo, char *err, size_t errsz)
{
	struct plan_text tx = {};
	struct wm_func *f;
	int ret;

	if (grow__array_int(&t->funcs, &t->cap_funcs, t->nr_funcs + 1, sizeof(*t->funcs)))
		return -ENOMEM;
	f = &t->funcs[t->nr_funcs];
	memset(f, 0, sizeof(*f));
	f->id = t->nr_funcs;
	f->from_pattern = is_pattern(sp->selector);
	/* C++: shown as written in the source, "ns::Widget::draw(int)". */
	if (demangle(m->sym, f->name, sizeof(f->name)) == -EINVAL)
		snprintf(f->name, sizeof(f->name), "%s", m->sym);
	f->object = &t->objs[m->obj].obj;
	f->file_off = m->file_off;
	ret = func_sig(t, sp, m, f, lo, err, errsz);
	if (ret) {
		sig__free(&f->sig);
		return ret;
	}
	plan__build(&f->sig, &t->o.plan, &f->plan);
	ret = place_entry(t, m, f, lo, &tx);
	if (!ret)
		ret = compile_exprs(t, sp, f, err, errsz);
	if (!ret)
		ret = plan_returns(t, sp, m, f, lo, &tx, err, errsz);
	if (ret) {
		free(f->filter);
		free(f->error);
		free(f->error_expr);
		sig__free(&f->sig);
		return ret;
	}
	t->nr_funcs++;
	if (t->o.verbose)
		note_plan(t, f, &tx);
	return 0;
}

/* An IFUNC resolved and the probe placed; 1: left out, with the note's due. */
static int check_match(struct wm_functable *t, const struct wm_spec *sp, struct wm_match *m,
		       struct left_out *lo, char *err, size_t errsz)
{
	bool pattern = is_pattern(sp->selector);
	int ret;

	if (m->ifunc) {
		ret = resolve_ifunc(t, m, pattern, err, errsz);
		if (ret)
			return ret == -ENOENT ? 1 : ret;
	}
	if (!place_probe(t, m, &lo->skipped))
		return is_dup(t, m);
	if (!pattern) {
		snprintf(
			err, errsz,
			"the kernel cannot put a uprobe on %s (its first instruction has a lock or "
			"segment prefix, or is VEX/EVEX-encoded): trace its callers or callees "
			"instead",
			ESC(m->sym));
		return -ENOTSUP;
	}
	name_list_add(&lo->refused, &lo->nr_refused, m->sym);
	return 1;
}

static void note_left_out(const struct wm_functable *t, const struct wm_spec *sp,
			  const struct left_out *lo)
{
	if (lo->nr_refused)
		note(t, WM_NOTE,
		     "note: %d function%s of '%s' left out: the kernel cannot probe their first "
		     "instruction (%s)",
		     lo->nr_refused, lo->nr_refused == 1 ? "" : "s", ESC(sp->selector),
		     lo->refused.len ? lo->refused.p : "");
	if (lo->nr_no_sites)
		note(t, WM_NOTE,
		     "note: %d function%s of '%s' left out: --returns=sites cannot find where "
		     "their calls end (%s: %s); --returns=auto traces them with the trampoline",
		     lo->nr_no_sites, lo->nr_no_sites == 1 ? "" : "s", ESC(sp->selector),
		     lo->no_sites.len ? lo->no_sites.p : "", lo->no_sites_why);
	if (lo->nr_raw == 1 && strstr(lo->raw_name, "::"))
		/* A prototype names a function in the global scope only. */
		note(t, WM_HINT,
		     "hint: no debug info for %s in %s: showing raw registers; build it with "
		     "debug info (-g) for typed output",
		     ESC(lo->raw_name), ESC(lo->raw_obj));
	else if (lo->nr_raw == 1)
		note(t, WM_HINT,
		     "hint: no debug info for %s in %s: showing raw registers; give its C "
		     "prototype in -f for typed output, or install the object's debug info",
		     ESC(lo->raw_name), ESC(lo->raw_obj));
	else if (lo->nr_raw > 1)
		note(t, WM_HINT,
		     "hint: no debug info for %d functions of '%s' (%s in %s, ...): showing raw "
		     "registers; a C prototype in -f gives typed output",
		     lo->nr_raw, ESC(sp->selector), ESC(lo->raw_name), ESC(lo->raw_obj));
}

/*
 * A name that means several functions (C++ overloads, a template's
 * instances) traces them all, as a debugger would: say which, and how to
 * pick one. Copies of one function (constructor variants) are one.
 */
static void note_several(const struct wm_functable *t, const struct wm_spec *sp, int first)
{
	struct wm_buf list = {};
	int i, j, count = 0;

	if (is_pattern(sp->selector))
		return;
	for (i = first; i < t->nr_funcs; i++) {
		for (j = first; j < i; j++)
			if (!strcmp(t->funcs[j].name, t->funcs[i].name))
				break;
		if (j == i)
			name_list_add(&list, &count, t->funcs[i].name);
	}
	if (count > 1)
		note(t, WM_NOTE,
		     "note: '%s' names %d functions, each traced: %s; give the parameter list to "
		     "trace one, e.g. -f '%s'",
		     ESC(sp->selector), count, list.len ? list.p : "",
		     ESC(t->funcs[t->nr_funcs - 1].name));
	buf__free(&list);
}

int functable__add(struct wm_functable *t, const struct wm_spec *sp, struct wm_match *m, int n,
		   char *err, size_t errsz)
{
	struct left_out lo = {};
	int ret = 0, first = t->nr_funcs;

	for (int i = 0; i < n && !ret; i++) {
		ret = check_match(t, sp, &m[i], &lo, err, errsz);
		if (!ret)
			ret = add_func(t, sp, &m[i], &lo, err, errsz);
		if (ret == 1)
			ret = 0;
	}
	if (!ret) {
		note_several(t, sp, first);
		note_left_out(t, sp, &lo);
	}
	if (ret == -ENOMEM)
		snprintf(err, errsz, "out of memory");
	buf__free(&lo.refused);
	buf__free(&lo.no_sites);
	return ret;
}

int functable__reserve(struct wm_functable *t, int n)
{
	return grow__array_int(&t->funcs, &t->cap_funcs, t->nr_funcs + n, sizeof(*t->funcs)) ?
		       -ENOMEM :
		       0;
}

/* A source file, once for all of its functions. */
static const struct wm_object *py_object(struct wm_functable *t, const char *path)
{
	struct wm_object *o;

	for (int i = 0; i < t->nr_py_objs; i++)
		if (!strcmp(t->py_objs[i]->path, path))
			return t->py_objs[i];
	if (grow__array_int(&t->py_objs, &t->cap_py_objs, t->nr_py_objs + 1, sizeof(*t->py_objs)))
		return NULL;
	o = malloc(sizeof(*o) + strlen(path) + 1);
	if (!o)
		return NULL;
	o->path = strcpy((char *)(o + 1), path);
	o->fd = -1;
	t->py_objs[t->nr_py_objs++] = o;
	return o;
}

int functable__add_python(struct wm_functable *t, const struct wm_py_func *pf)
{
	struct wm_func *f;
	int n = pf->nr_params < WM_SIG_MAX_PARAMS ? pf->nr_params : WM_SIG_MAX_PARAMS;

	/* Only into room reserved before the store took the array. */
	if (t->nr_funcs >= t->cap_funcs)
		return -ENOSPC;
	f = &t->funcs[t->nr_funcs];
	memset(f, 0, sizeof(*f));
	f->id = t->nr_funcs;
	f->from_pattern = true;
	snprintf(f->name, sizeof(f->name), "%s", pf->name);
	f->object = py_object(t, pf->file);
	if (!f->object)
		return -ENOMEM;
	f->sig.source = WM_SIG_PY;
	if (sig__set_name(&f->sig, pf->name))
		return -ENOMEM;
	f->sig.ret.kind = WM_T_UNKNOWN;
	snprintf(f->sig.ret.name, sizeof(f->sig.ret.name), "object");
	if (sig__reserve_params(&f->sig, n))
		return -ENOMEM;
	f->sig.nr_params = n;
	for (int i = 0; i < n; i++) {
		snprintf(f->sig.params[i].name, sizeof(f->sig.params[i].name), "%s", pf->params[i]);
		f->sig.params[i].type.kind = WM_T_UNKNOWN;
		snprintf(f->sig.params[i].type.name, sizeof(f->sig.params[i].type.name), "object");
		f->sig.params[i].reg = f->sig.params[i].stack_off = -1;
	}
	for (int i = 0; i < WM_SIG_MAX_PARAMS; i++)
		f->plan.val[i] = f->plan.entry_slot[i] = f->plan.out_slot[i] = -1;
	for (int i = 0; i < WM_SIG_MAX_FIELDS; i++)
		f->plan.field_slot[i] = -1;
	f->plan.ret_slot = f->plan.stack_slot = -1;
	f->probe.pair = "thread+frame";
	f->probe.render = "python";
	f->raises = true;
	t->nr_funcs++;
	return f->id;
}

int functable__funcs(struct wm_functable *t, struct wm_func **funcs)
{
	*funcs = t->funcs;
	return t->nr_funcs;
}

/*
 * Which results say "failed, see errno" (enum wm_errno_ret): -1 of an int,
 * long or ssize_t, a NULL pointer; for a result of unknown type, only the
 * calls --error marks. Not a function pointer: signal() fails with SIG_ERR.
 */
static __u8 errno_ret(const struct wm_func *f, bool summary_only)
{
	const struct wm_type *t = &f->sig.ret;

	if (summary_only || f->sig.source == WM_SIG_GO || f->probe.ret_mode == WM_RET_NONE)
		return WM_ERRNO_NO;
	if (f->sig.source == WM_SIG_RAW || t->kind == WM_T_UNKNOWN)
		return f->error ? WM_ERRNO_ON_ERROR : WM_ERRNO_NO;
	switch (t->kind) {
	case WM_T_INT:
		return t->size == 4 ? WM_ERRNO_M1_32 : t->size == 8 ? WM_ERRNO_M1_64 : WM_ERRNO_NO;
	case WM_T_PTR:
	case WM_T_STR:
	case WM_T_BUF:
		return WM_ERRNO_NULL;
	default:
		return WM_ERRNO_NO;
	}
}

int functable__probes(struct wm_functable *t, const struct wm_probe **probes)
{
	struct wm_probe *p;

	p = realloc(t->probes, (t->nr_funcs ? t->nr_funcs : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->probes = p;
	for (int i = 0; i < t->nr_funcs; i++, p++) {
		const struct wm_func *f = &t->funcs[i];

		*p = (struct wm_probe){
			.func_id = f->id,
			.obj_fd = f->object->fd,
			.file_off = f->file_off,
			.cfg = f->plan.cfg,
			.data_max = f->plan.data_max,
			.filter = f->filter,
			.error = f->error,
			.site_offs = f->probe.site_offs,
			.site_cookies = f->probe.site_cookies,
			.nr_sites = f->probe.nr_sites,
		};
		p->cfg.ret_mode = f->probe.ret_mode;
		/* Said once, when every -f has been taken: an error stays one line. */
		if (f->sig.source == WM_SIG_GO && !t->go_noted) {
			t->go_noted = true;
			note(t, WM_NOTE,
			     "note: %s is Go: Go's ABI is not decoded yet: its calls are counted "
			     "and timed, their arguments and results shown as '?'",
			     ESC(f->name));
		}
		if (f->sig.source == WM_SIG_GO)
			p->cfg.flags = WM_FC_GO;
		p->cfg.code_size = f->probe.code_size;
		if (f->filter)
			p->cfg.flags |= WM_FC_FILTER |
					(expr__needs_return(f->filter) ? 0 : WM_FC_FILTER_ENTRY);
		if (f->error)
			p->cfg.flags |= WM_FC_ERROR;
		p->cfg.errno_ret = errno_ret(f, t->o.summary_only);
		/* Nobody will print them: copy only what an expression compares. */
		if (t->o.summary_only && !(p->cfg.flags & (WM_FC_FILTER | WM_FC_ERROR)))
			p->cfg.nr_caps = p->cfg.nr_entry_caps = 0;
	}
	*probes = t->probes;
	return t->nr_funcs;
}

int functable__cxa_hooks(struct wm_functable *t, const struct wm_hook **hooks)
{
	static const struct {
		const char *name;
		__u32 kind;
	} rt[] = {
		{ "__cxa_throw", WM_CK_CXA_THROW },
		{ "__cxa_rethrow", WM_CK_CXA_RETHROW },
		{ "__cxa_begin_catch", WM_CK_CXA_CATCH },
	};
	bool need = false;
	int n = 0, have = 0;

	*hooks = t->hooks;
	/*
	 * Only return sites need them: the trampoline kills the target at the
	 * first exception, and --returns=none has no frame to end.
	 */
	for (int i = 0; i < t->nr_funcs; i++) {
		struct wm_func *f = &t->funcs[i];

		f->raises = false;
		for (int k = 0; k < t->nr_objs; k++)
			if (f->object == &t->objs[k].obj && t->objs[k].kind.cxx_throws &&
			    f->probe.ret_mode == WM_RET_SITES)
				f->raises = need = true;
	}
	if (!need)
		return 0;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		struct wm_match *m = NULL;
		char err[256];
		size_t skipped;
		int nm;

		/* Not defined by any loaded object (static libstdc++ stripped): go without. */
		nm = resolver__resolve(t->res, rt[i].name, &m, err, sizeof(err));
		if (nm == -ENOMEM)
			return -ENOMEM;
		if (nm <= 0)
			continue;
		if (place_probe(t, &m[0], &skipped)) {
			free(m);
			continue;
		}
		t->hooks[n++] = (struct wm_hook){
			.obj_fd = t->objs[m[0].obj].obj.fd,
			.file_off = m[0].file_off,
			.cookie = WM_SITE_COOKIE(0, rt[i].kind, 0, 0, 0),
		};
		free(m);
	}
	/* Without the throw or the catch, nothing can be told: leave the calls abandoned. */
	for (int i = 0; i < n; i++)
		have |= 1 << (WM_COOKIE_KIND(t->hooks[i].cookie) - WM_CK_CXA_THROW);
	if ((have & 5) != 5) {
		for (int i = 0; i < t->nr_funcs; i++)
			t->funcs[i].raises = false;
		n = 0;
	}
	return n;
}

int functable__left_out(struct wm_functable *t, const __u32 *ids, int n, char *err, size_t errsz)
{
	struct wm_buf names = {};
	int count = 0, ret = 0;

	for (int i = 0; i < n; i++) {
		const struct wm_func *f = &t->funcs[ids[i]];

		if (!f->from_pattern) {
			snprintf(
				err, errsz,
				"the kernel cannot put a uprobe on %s in %s (its first instruction "
				"is not supported): trace its callers or callees instead",
				ESC(f->name), ESC(f->object->path));
			ret = -ENOTSUP;
			goto cleanup;
		}
		name_list_add(&names, &count, f->name);
	}
	if (n == t->nr_funcs) {
		snprintf(err, errsz,
			 "the kernel cannot put a uprobe on any of the matching functions");
		ret = -ENOTSUP;
	} else if (n) {
		note(t, WM_NOTE, "note: %d function%s the kernel cannot probe left out: %s", n,
		     n == 1 ? "" : "s", names.len ? names.p : "");
	}
cleanup:
	buf__free(&names);
	return ret;
}
