// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "lang/python/pystack.h"
#include "lang/python/pytail.h"
#include "lang/python/pystr.h"
#include "lang/python/pytrace.h"
#include "probe/tracer.h"
#include "lang/python/pyqual.h"
#include "target/procmem.h"
#include "util/clock.h"
#include "util/opts.h"
#include "wm_python.h"
#include "python.skel.h"

/* Code objects userspace remembers, for the calls that come before BPF has the answer. */
#define CODES_BITS 16
#define CODES_SIZE (1u << CODES_BITS)
/* Type objects whose names are kept (the views point at them); the rest are "?". */
#define TYPES_BITS 12
#define TYPES_SIZE (1u << TYPES_BITS)
/* Longest type name read (tp_name). */
#define TYPE_NAME_MAX 96

struct code_entry {
	__u64 code, qualname; /* 0: empty; code first, for pytrace__code_slot() */
	__s32 id;	      /* function id, -1: not traced */
};

/* A type object's name, read once: the views of every call point at it. */
struct type_name {
	__u64 type; /* 0: empty */
	char *name;
};

/* A traced function by its full name: code objects of the same function share its id. */
struct named {
	char *name;
	int id;
};

struct pytrace {
	struct python *skel;
	struct bpf_link *links[PY_MAX_HOOKS];
	int nr_links;
	struct pytrace_opts o;
	const char *const *patterns;
	int *hits;
	struct code_entry *codes;
	struct named *named;
	int nr_named, cap_named;
	struct type_name *types;
	__u64 notices;
	struct pystack *stack;	 /* --stack */
	struct wm_buf stack_buf; /* the last view's frames (its stack slot points here) */
	struct tracer_phases ph;
	struct pyqual *qual; /* 3.10: code objects have no qualname, the functions do */
};

/*
 * The hooks' perf events, opened by a thread while the programs load: the
 * first uprobe a session registers waits for an RCU grace period (the
 * kernel's lock on every process's mappings), tens of ms with nothing to
 * do. Opened disabled: they count nothing before a program is on them.
 */
struct preopen {
	pthread_t thread;
	bool started;
	const struct py_interp *pi;
	pid_t pid;
	int fds[PY_MAX_HOOKS]; /* -1: not open, attached the usual way */
};

bool pytrace__is_python_name(const char *selector, const char **name)
{
	if (!strncmp(selector, "py:", 3)) {
		*name = selector + 3;
		return true;
	}
	*name = selector;
	/* LIB:NAME and /path:NAME are native; a dotted name is Python's module.qualname. */
	return !strchr(selector, ':') && !strchr(selector, '/') && strchr(selector, '.');
}

void *pytrace__code_slot(void *table, size_t elem, unsigned int bits, int probes, __u64 code)
{
	__u32 h = (__u32)((code >> 4) * 0x9E3779B97F4A7C15ULL >> (64 - bits));

	for (int i = 0; i < probes; i++) {
		char *e = (char *)table + ((h + i) & ((1u << bits) - 1)) * elem;
		__u64 c;

		memcpy(&c, e, sizeof(c));
		if (!c || c == code)
			return e;
	}
	return (char *)table + h * elem;
}

static struct code_entry *code_slot(struct pytrace *t, __u64 code)
{
	return pytrace__code_slot(t->codes, sizeof(*t->codes), CODES_BITS, 64, code);
}

/*
 * The name of a type object (its tp_name, a C string), read from the target
 * once and kept to the end of the session: views point at it. "?" when it
 * cannot be read; a type freed and another made at its address keeps the
 * first one's name (types rarely die).
 */
static const char *type_name(struct pytrace *t, __u64 type)
{
	__u32 h = (__u32)((type >> 4) * 0x9E3779B97F4A7C15ULL >> (64 - TYPES_BITS));
	char buf[TYPE_NAME_MAX + 1];
	struct type_name *e = NULL;
	__u64 name;

	if (!type)
		return NULL;
	for (int i = 0; i < 16; i++) {
		e = &t->types[(h + i) & (TYPES_SIZE - 1)];
		if (e->type == type)
			return e->name;
		if (!e->type)
			break;
		e = NULL;
	}
	if (!e)
		return "?";
	/* BPF kept it (the process may be gone by now); else from the target itself. */
	memset(buf, 0, sizeof(buf));
	if (bpf_map__lookup_elem(t->skel->maps.type_names, &type, sizeof(type), buf,
				 WM_PY_TYPE_NAME_MAX, 0) ||
	    !buf[0]) {
		if (procmem__read(t->o.pid, type + 24, &name, sizeof(name)) || !name)
			return "?";
		/* The string may end before the page does: read up to it. */
		for (size_t n = TYPE_NAME_MAX; n >= 8 && procmem__read(t->o.pid, name, buf, n);
		     n /= 2)
			memset(buf, 0, sizeof(buf));
	}
	if (!buf[0])
		return "?";
	e->name = strdup(buf);
	if (!e->name)
		return "?";
	e->type = type;
	return e->name;
}

/*
 * A call record's type objects as names, in the view's string slots; the
 * slots of a record with values hold their snapshots already.
 */
static void name_types(struct pytrace *t, struct wm_call_view *v)
{
	for (int i = 0; i <= WM_PY_MAX_PARAMS && !(v->hdr.flags & WM_F_PY_VALUES); i++) {
		const char *n = type_name(t, i < WM_PY_MAX_PARAMS ? v->hdr.args[i] : v->hdr.ret);

		v->str[i] = n;
		v->str_len[i] = v->hdr.str_len[i] = n ? (int)strlen(n) : WM_STR_NONE;
	}
	if (v->hdr.flags & WM_F_RAISED) {
		const char *n = type_name(t, v->hdr.ret);

		v->exc_type = n ? n : "?";
	}
}

/* A str's characters as UTF-8 (ASCII, Latin-1, UCS-2, UCS-4 as stored). */
void pytrace__name_utf8(const struct wm_py_name *n, char *out, size_t size)
{
	int len = n->len > WM_PY_NAME_MAX ? WM_PY_NAME_MAX : n->len;

	if (len < 0 || pystr__utf8(n->kind, n->s, len, out, size) == -EILSEQ)
		out[0] = '\0';
}

static int named_id(struct pytrace *t, const char *name)
{
	for (int i = 0; i < t->nr_named; i++)
		if (!strcmp(t->named[i].name, name))
			return t->named[i].id;
	return -1;
}

static int remember(struct pytrace *t, const char *name, int id)
{
	if (t->nr_named == t->cap_named) {
		int cap = t->cap_named ? 2 * t->cap_named : 16;
		struct named *p = realloc(t->named, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->named = p;
		t->cap_named = cap;
	}
	t->named[t->nr_named].name = strdup(name);
	if (!t->named[t->nr_named].name)
		return -ENOMEM;
	t->named[t->nr_named++].id = id;
	return 0;
}

/* The parameters in binding order: positional, keyword-only, *args, **kwargs. */
static void fill_params(const struct wm_py_notice *n, struct pyfunc_desc *d)
{
	int nr = n->argcount + n->kwonly, i;

	if (nr < 0)
		nr = 0;
	d->nr_params = 0;
	for (i = 0; i < nr && i < WM_PY_MAX_PARAMS + 2; i++)
		snprintf(d->params[d->nr_params++], sizeof(d->params[0]), "%.*s",
			 n->params[i].len > 0 ? n->params[i].len : 0, n->params[i].s);
	if ((n->flags & 0x4) && i < WM_PY_MAX_PARAMS + 2) {
		snprintf(d->params[d->nr_params++], sizeof(d->params[0]), "*%.*s",
			 n->params[i].len > 0 ? n->params[i].len : 0, n->params[i].s);
		i++;
	}
	if ((n->flags & 0x8) && i < WM_PY_MAX_PARAMS + 2)
		snprintf(d->params[d->nr_params++], sizeof(d->params[0]), "**%.*s",
			 n->params[i].len > 0 ? n->params[i].len : 0, n->params[i].s);
}

/*
 * Could a pattern match a method or a nested function of module mod
 * (mod.Class.name, mod.outer.<locals>.inner)? Only then is 3.10's qualname
 * looked for: the walk reads the module's namespace.
 */
static bool may_name_method(const struct pytrace *t, const char *mod)
{
	size_t n = strlen(mod);

	for (int i = 0; i < t->o.nr_patterns; i++) {
		const char *p = t->patterns[i];
		size_t lit = strcspn(p, "*?[");

		if (!strncmp(p, mod, lit < n ? lit : n) && (lit <= n || p[n] == '.'))
			return true;
	}
	return false;
}

/* A code object met: match its module.qualname, and write the answer for BPF. */
static void on_notice(struct pytrace *t, const struct wm_py_notice *n)
{
	char qual[4 * WM_PY_NAME_MAX + 8], mod[4 * WM_PY_NAME_MAX + 8],
		file[4 * WM_PY_NAME_MAX + 8];
	char full[sizeof(qual) + sizeof(mod) + 2], found[sizeof(qual)];
	struct wm_py_decision d = { .qualname = n->qualname_ptr, .firstlineno = n->firstlineno };
	struct pyfunc_desc desc = {};
	struct code_entry *e;
	int id = -1, pat = -1;

	t->notices++;
	pytrace__name_utf8(&n->qualname, qual, sizeof(qual));
	pytrace__name_utf8(&n->module, mod, sizeof(mod));
	pytrace__name_utf8(&n->filename, file, sizeof(file));
	if (t->qual && n->globals && may_name_method(t, mod) &&
	    !pyqual__find(t->qual, n->globals, n->code, found, sizeof(found)))
		memcpy(qual, found, sizeof(qual));
	snprintf(full, sizeof(full), "%s.%s", mod[0] ? mod : "?", qual);
	if (t->stack)
		pystack__note(t->stack, n->code, qual, mod, file, n->firstlineno);
	for (int i = 0; i < t->o.nr_patterns && pat < 0; i++)
		if (!fnmatch(t->patterns[i], full, 0))
			pat = i;
	if (pat >= 0) {
		id = named_id(t, full);
		if (id < 0) {
			desc.name = full;
			desc.filename = file;
			desc.firstlineno = n->firstlineno;
			desc.pattern = pat;
			fill_params(n, &desc);
			id = t->o.add_func(t->o.ctx, &desc);
			if (id >= 0 && !remember(t, full, id))
				t->hits[pat]++;
		}
	}
	d.state = id >= 0 ? WM_PYS_TRACED : WM_PYS_IGNORED;
	d.func_id = id >= 0 ? (__u32)id : WM_PY_PENDING;
	d.nr_params = n->argcount + n->kwonly + !!(n->flags & 0x4) + !!(n->flags & 0x8);
	if (d.nr_params > WM_PY_MAX_PARAMS)
		d.nr_params = WM_PY_MAX_PARAMS;
	bpf_map__update_elem(t->skel->maps.codes, &n->code, sizeof(n->code), &d, sizeof(d),
			     BPF_ANY);
	e = code_slot(t, n->code);
	e->code = n->code;
	e->qualname = n->qualname_ptr;
	e->id = id;
}

/*
 * Nesting BPF left unsure (a caller undecided at the entry): settled with
 * the answers known now, which came before the call's end in the ring.
 */
static void settle_nesting(struct pytrace *t, const struct wm_py_nest *n, struct wm_call *r)
{
	__u32 traced = 0, depth;

	r->parent_entry_ns = 0;
	for (__u32 i = 0; i < n->nr_anc && i < WM_PY_ANC; i++) {
		const struct code_entry *e = code_slot(t, n->anc[i].code);

		if (e->code != n->anc[i].code || e->qualname != n->anc[i].qualname || e->id < 0)
			continue;
		if (!traced++)
			r->parent_entry_ns = n->anc[i].entry_ns;
	}
	depth = n->base + traced;
	r->depth = depth < 255 ? depth : 255;
}

/* The call's frames, named, in the view's stack slot: valid to the next decode. */
static void put_stack(struct pytrace *t, const struct wm_py_stack *st, struct wm_call_view *v)
{
	pystack__render(t->stack, st, v->hdr.args[WM_PY_ARG_CODE], &t->stack_buf);
	if (t->stack_buf.err || !t->stack_buf.len || t->stack_buf.len > 0x7fff)
		return;
	v->str[WM_PY_STACK_SLOT] = t->stack_buf.p;
	v->str_len[WM_PY_STACK_SLOT] = (int)t->stack_buf.len;
	v->hdr.str_len[WM_PY_STACK_SLOT] = (__s16)t->stack_buf.len;
}

bool pytrace__is_notice(const void *data, size_t size)
{
	__u64 tag;

	if (size < sizeof(tag))
		return false;
	memcpy(&tag, data, sizeof(tag));
	return tag == WM_PY_NOTICE_TAG;
}

int pytrace__decode(struct pytrace *t, const void *data, size_t size, struct wm_call_view *v)
{
	struct wm_py_notice n;
	struct code_entry *e;

	if (pytrace__is_notice(data, size)) {
		if (size < sizeof(n))
			return -EINVAL;
		memcpy(&n, data, sizeof(n));
		on_notice(t, &n);
		return 0;
	}
	if (record__decode(data, size, v))
		return -EINVAL;
	if ((v->hdr.flags & WM_F_PY_UNSURE) && size >= WM_PY_NEST_AT + sizeof(struct wm_py_nest)) {
		struct wm_py_nest nest;

		memcpy(&nest, (const char *)data + WM_PY_NEST_AT, sizeof(nest));
		settle_nesting(t, &nest, &v->hdr);
	}
	if (v->hdr.func_id == WM_PY_PENDING) {
		/* Decided since it started: the notice came first in the ring. */
		e = code_slot(t, v->hdr.args[WM_PY_ARG_CODE]);
		if (e->code != v->hdr.args[WM_PY_ARG_CODE] ||
		    e->qualname != v->hdr.args[WM_PY_ARG_QUALNAME] || e->id < 0)
			return 0;
		v->hdr.func_id = e->id;
	}
	name_types(t, v);
	if (t->stack && size >= WM_PY_STACK_AT + sizeof(struct wm_py_stack)) {
		struct wm_py_stack st;

		memcpy(&st, (const char *)data + WM_PY_STACK_AT, sizeof(st));
		put_stack(t, &st, v);
	}
	return 1;
}

/* A call left in flight when the trace ends. */
struct left {
	struct wm_py_call_key key;
	struct wm_py_call call;
};

/* Innermost first, as records of finished calls come: children before parents. */
static int later_first(const void *a, const void *b)
{
	const struct left *x = a, *y = b;

	return x->call.entry_ns < y->call.entry_ns ? 1 :
	       x->call.entry_ns > y->call.entry_ns ? -1 :
						     0;
}

/* Whether a thread has exited: gone, or a zombie not reaped yet (a launched command's). */
static bool thread_gone(pid_t pid, __u32 tid)
{
	char path[64], buf[256], *p;
	bool gone = true;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%u/stat", (int)pid, tid);
	f = fopen(path, "r");
	if (!f)
		return true;
	/* The state follows the command name's closing parenthesis. */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return gone;
}

/* The function id of a call in flight, -1: not traced. */
static int call_func(struct pytrace *t, const struct wm_py_call *c)
{
	struct code_entry *e;

	if (c->func_id != WM_PY_PENDING)
		return c->func_id;
	e = code_slot(t, c->code);
	return e->code == c->code && e->qualname == c->qualname ? e->id : -1;
}

/* A call left in flight as an unfinished record (its snapshots kept): 1, 0 if not traced. */
static int unfinished_view(struct pytrace *t, const struct left *l, struct wm_call *r,
			   struct wm_call_view *v)
{
	const struct wm_py_call *c = &l->call;
	int id = call_func(t, c);

	if (id < 0)
		return 0;
	memset(r, 0, sizeof(*r));
	r->kind = WM_REC_UNFINISHED;
	r->func_id = id;
	r->pid = t->o.pid;
	r->tid = l->key.tid;
	r->entry_ns = c->entry_ns;
	r->depth = c->depth;
	r->parent_entry_ns = c->parent_entry_ns;
	if (!c->sure)
		settle_nesting(t, &c->nest, r);
	r->args[WM_PY_ARG_CODE] = c->code;
	r->args[WM_PY_ARG_QUALNAME] = c->qualname;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		r->str_len[i] = i < WM_PY_MAX_PARAMS ? c->str_len[i] : WM_STR_NONE;
	for (int i = 0; i < WM_PY_MAX_PARAMS; i++)
		r->args[i] = c->types[i];
	if (t->skel->rodata->values_on) {
		r->flags |= WM_F_PY_VALUES;
		r->data_len = c->data_len < WM_PY_VALUES_AREA ? c->data_len : WM_PY_VALUES_AREA;
		memcpy(r->data, c->data, r->data_len);
	}
	r->flags |= thread_gone(t->o.pid, l->key.tid) ? WM_F_THREAD_EXIT : WM_F_RUNNING;
	if (record__decode(r, sizeof(*r) + r->data_len, v))
		return 0;
	name_types(t, v);
	if (t->stack)
		put_stack(t, &c->stack, v);
	return 1;
}

int pytrace__unfinished(struct pytrace *t, int (*take)(void *ctx, struct wm_call_view *v),
			void *ctx)
{
	struct wm_py_call_key key;
	struct left *left = NULL;
	struct wm_call_view v;
	struct wm_call *r;
	int n = 0, cap = 0, ret = 0;

	if (!t)
		return 0;
	r = malloc(sizeof(*r) + WM_PY_VALUES_AREA);
	if (!r)
		return -ENOMEM;
	for (void *prev = NULL;
	     !bpf_map__get_next_key(t->skel->maps.calls, prev, &key, sizeof(key)); prev = &key) {
		if (n == cap) {
			struct left *p = realloc(left, (cap ? 2 * cap : 16) * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto cleanup;
			}
			left = p;
			cap = cap ? 2 * cap : 16;
		}
		left[n].key = key;
		if (!bpf_map__lookup_elem(t->skel->maps.calls, &key, sizeof(key), &left[n].call,
					  sizeof(left[n].call), 0))
			n++;
	}
	if (n)
		qsort(left, n, sizeof(*left), later_first);
	for (int i = 0; i < n && !ret; i++)
		if (unfinished_view(t, &left[i], r, &v))
			ret = take(ctx, &v);
cleanup:
	free(left);
	free(r);
	return ret;
}

/* The kernel's uprobe PMU, for perf_event_open(); negative when it has none. */
static int uprobe_pmu(void)
{
	char buf[16] = "";
	int fd = open("/sys/bus/event_source/devices/uprobe/type", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] >= '0' && buf[0] <= '9' ? atoi(buf) : -EINVAL;
}

static void *preopen_run(void *arg)
{
	struct preopen *p = arg;
	int type = uprobe_pmu();
	char path[64];

	if (type < 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p->pi->fd);
	for (int i = 0; i < p->pi->nr_hooks; i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = type,
			.config1 = (__u64)(unsigned long)path,
			.config2 = p->pi->hooks[i].file_off,
			.disabled = 1,
		};

		p->fds[i] =
			syscall(__NR_perf_event_open, &attr, p->pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return NULL;
}

static void preopen__start(struct preopen *p, const struct py_interp *pi, pid_t pid)
{
	p->pi = pi;
	p->pid = pid;
	for (int i = 0; i < PY_MAX_HOOKS; i++)
		p->fds[i] = -1;
	/* Without the thread every probe is attached the usual way. */
	p->started = !pthread_create(&p->thread, NULL, preopen_run, p);
}

/* The events opened, once the thread is done; those not taken are closed by preopen__free(). */
static void preopen__join(struct preopen *p)
{
	if (p->started)
		pthread_join(p->thread, NULL);
	p->started = false;
}

static void preopen__free(struct preopen *p)
{
	/* Not started: its fds were never set. */
	if (!p->pi)
		return;
	preopen__join(p);
	for (int i = 0; i < PY_MAX_HOOKS; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
}

/* A hook's program: on its event opened in advance, else as libbpf opens one. */
static struct bpf_link *attach_hook(struct pytrace *t, const struct py_hook *h, const char *path,
				    int *pfd)
{
	struct bpf_link *l;

	if (*pfd >= 0) {
		LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = h->cookie);

		l = bpf_program__attach_perf_event_opts(t->skel->progs.wm_py_hook, *pfd, &po);
		/* The link owns the event now, and closes it. */
		if (l) {
			*pfd = -1;
			return l;
		}
	}
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = h->cookie);
	return bpf_program__attach_uprobe_opts(t->skel->progs.wm_py_hook, t->o.pid, path,
					       h->file_off, &uo);
}

static int attach(struct pytrace *t, const struct py_interp *pi, struct preopen *pre, char *err,
		  size_t errsz)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", pi->fd);
	preopen__join(pre);
	for (int i = 0; i < pi->nr_hooks; i++) {
		struct bpf_link *l = attach_hook(t, &pi->hooks[i], path, &pre->fds[i]);

		if (!l) {
			int ret = -errno;

			snprintf(err, errsz, "cannot probe the interpreter (%s): %s",
				 pi->hooks[i].what, strerror(-ret));
			return ret;
		}
		t->links[t->nr_links++] = l;
	}
	return 0;
}

/*
 * The -f names' parts for BPF (wrapmon_py.h); 0 when BPF must ask about
 * every code object: a name with neither part plain, too many names, or
 * --stack, which names each frame from the notices. And 3.10: its code
 * objects have no qualname, BPF reads co_name, but the name matched is the
 * function's __qualname__ (pyqual), which a program may have set to end in
 * another word; and its module is read from a dict BPF does not walk here.
 */
static int sels_of(const struct pytrace *t, struct wm_py_sel sels[WM_PY_SELS_MAX])
{
	if (t->stack || t->qual || t->o.nr_patterns > WM_PY_SELS_MAX)
		return 0;
	for (int i = 0; i < t->o.nr_patterns; i++) {
		sels[i].head = pytail__part(t->patterns[i], WM_PY_PART_HEAD);
		sels[i].tail = pytail__part(t->patterns[i], WM_PY_PART_TAIL);
		if (sels[i].head == WM_PY_HASH_ANY && sels[i].tail == WM_PY_HASH_ANY)
			return 0;
	}
	return t->o.nr_patterns;
}

int pytrace__new(const struct py_interp *pi, const struct pytrace_opts *opts, struct pytrace **out,
		 char *err, size_t errsz)
{
	struct preopen pre = { .pi = NULL };
	struct wm_py_sel sels[WM_PY_SELS_MAX];
	struct pytrace *t;
	__u64 t0, cpu0;
	int ret, nr_sels;

	*out = NULL;
	if (!OPTS_VALID(opts) || !opts->add_func)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t0 = clock__ns(CLOCK_MONOTONIC);
	memcpy(&t->o, opts, sizeof(t->o) < opts->sz ? sizeof(t->o) : opts->sz);
	t->patterns = opts->patterns;
	t->hits = calloc(opts->nr_patterns ? opts->nr_patterns : 1, sizeof(*t->hits));
	t->codes = calloc(CODES_SIZE, sizeof(*t->codes));
	t->types = calloc(TYPES_SIZE, sizeof(*t->types));
	t->skel = python__open();
	if (!t->hits || !t->codes || !t->types || !t->skel) {
		ret = -ENOMEM;
		snprintf(err, errsz, "cannot open the Python BPF programs");
		goto cleanup;
	}
	t->skel->rodata->targ_tgid = opts->pid;
	t->skel->rodata->off = pi->off;
	t->skel->rodata->func_base = OPTS_GET(opts, func_base, 0);
	if (pi->off.minor == 10) {
		ret = pyqual__new(opts->pid, &pi->off, &pi->qual, &t->qual);
		if (ret) {
			snprintf(err, errsz, "out of memory");
			goto cleanup;
		}
	}
	/* Values as snapshots, where the interpreter's object layout is known. */
	if (OPTS_GET(opts, layout, NULL) && opts->layout->version) {
		t->skel->bss->py_layout = *opts->layout;
		t->skel->rodata->values_on = true;
	}
	/* --stack: the frames at each entry, named here. */
	if (OPTS_GET(opts, stack, false)) {
		ret = pystack__new(opts->pid, &pi->off, &t->stack);
		if (ret) {
			snprintf(err, errsz, "cannot keep Python stacks: %s", strerror(-ret));
			goto cleanup;
		}
		t->skel->rodata->stack_on = true;
	}
	nr_sels = sels_of(t, sels);
	t->skel->rodata->nr_sels = nr_sels;
	for (int i = 0; i < nr_sels; i++) {
		t->skel->rodata->sel_heads |= sels[i].head != WM_PY_HASH_ANY;
		t->skel->rodata->sel_tails |= sels[i].tail != WM_PY_HASH_ANY;
	}
	if (opts->ring_size) {
		bpf_map__set_max_entries(t->skel->maps.py_rb, opts->ring_size);
		/* Wake the consumer once an eighth of the ring is waiting, as for native calls. */
		t->skel->rodata->wakeup_bytes = opts->ring_size / 8;
	}
	preopen__start(&pre, pi, opts->pid);
	t->ph.open_ns = clock__ns(CLOCK_MONOTONIC) - t0;
	t0 = clock__ns(CLOCK_MONOTONIC);
	cpu0 = clock__ns(CLOCK_THREAD_CPUTIME_ID);
	ret = python__load(t->skel);
	t->ph.load_ns = clock__ns(CLOCK_MONOTONIC) - t0;
	t->ph.load_cpu_ns = clock__ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	if (ret) {
		snprintf(err, errsz,
			 "cannot load the Python BPF programs (%s): run with -vv for "
			 "the verifier's log",
			 strerror(-ret));
		goto cleanup;
	}
	tracer__count_verified(t->skel->obj, &t->ph);
	for (__u32 i = 0; i < (__u32)nr_sels; i++) {
		ret = bpf_map__update_elem(t->skel->maps.sels, &i, sizeof(i), &sels[i],
					   sizeof(sels[i]), BPF_ANY);
		if (ret) {
			snprintf(err, errsz, "cannot set up the Python names: %s", strerror(-ret));
			goto cleanup;
		}
	}
	t0 = clock__ns(CLOCK_MONOTONIC);
	ret = attach(t, pi, &pre, err, errsz);
	t->ph.attach_ns = clock__ns(CLOCK_MONOTONIC) - t0;
	if (ret)
		goto cleanup;
	preopen__free(&pre);
	*out = t;
	return 0;
cleanup:
	preopen__free(&pre);
	pytrace__free(t);
	return ret;
}

void pytrace__phases(const struct pytrace *t, struct tracer_phases *ph)
{
	*ph = t->ph;
}

void pytrace__detach(struct pytrace *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nr_links; i++)
		bpf_link__destroy(t->links[i]);
	t->nr_links = 0;
}

void pytrace__free(struct pytrace *t)
{
	if (!t)
		return;
	pytrace__detach(t);
	python__destroy(t->skel);
	pystack__free(t->stack);
	pyqual__free(t->qual);
	buf__free(&t->stack_buf);
	for (int i = 0; i < t->nr_named; i++)
		free(t->named[i].name);
	free(t->named);
	for (__u32 i = 0; t->types && i < TYPES_SIZE; i++)
		free(t->types[i].name);
	free(t->types);
	free(t->codes);
	free(t->hits);
	free(t);
}

int pytrace__ringbuf_fd(const struct pytrace *t)
{
	return bpf_map__fd(t->skel->maps.py_rb);
}

int pytrace__pattern_hits(const struct pytrace *t, int i)
{
	return t && i >= 0 && i < t->o.nr_patterns ? t->hits[i] : 0;
}

void pytrace__stats(const struct pytrace *t, __u64 *notices, __u64 *in_bpf, __u64 *dropped)
{
	*notices = t ? t->notices : 0;
	*in_bpf = t ? __atomic_load_n(&t->skel->bss->nr_sel_ignored, __ATOMIC_RELAXED) : 0;
	*dropped = t ? __atomic_load_n(&t->skel->bss->nr_dropped, __ATOMIC_RELAXED) : 0;
	for (int i = 0; t && i < WM_PY_FUNCS_MAX; i++)
		*dropped += pytrace__func_dropped(t, i);
}

__u64 pytrace__func_dropped(const struct pytrace *t, int i)
{
	if (!t || i < 0 || i >= WM_PY_FUNCS_MAX)
		return 0;
	return __atomic_load_n(&t->skel->bss->func_dropped[i], __ATOMIC_RELAXED);
}

void pytrace__lost(const struct pytrace *t, __u64 lost[WM_PY_LOST_NR])
{
	for (int i = 0; i < WM_PY_LOST_NR; i++)
		lost[i] = t ? __atomic_load_n(&t->skel->bss->nr_lost[i], __ATOMIC_RELAXED) : 0;
}
