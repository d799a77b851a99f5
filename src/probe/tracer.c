// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe/corebtf.h"
#include "probe/tracer.h"
#include "util/clock.h"
#include "util/opts.h"
#include "util/grow.h"
#include "wm_python.h"
#include "wrapmon.skel.h"

/* The kernel's own "operation not supported" (not in userspace errno.h). */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

struct tracer {
	struct wrapmon *skel;
	struct bpf_link **links;
	int nr_links, cap_links;
	bool multi;
	bool sleepable;			 /* the sleepable programs are loaded */
	struct bpf_program *entry, *ret; /* the pair in use */
	struct bpf_program *site;	 /* return sites, with them */
	int nr_cpus;
	__u32 *skipped;
	int nr_skipped, cap_skipped;
	__u64 attached_ns;   /* CLOCK_MONOTONIC once every probe was attached */
	pid_t attach_pid;    /* of the links being made: a process, or -1 for every one */
	struct corebtf core; /* the kernel's types CO-RE needs, until the load is done */
	struct tracer_phases ph;
};

/*
 * Asked of the kernel, not of its BTF: parsing vmlinux's BTF here would
 * double what libbpf parses again at load (tens of ms). A two-instruction
 * program of the uprobe_multi attach type loads only where the link type
 * exists, and a link asked for on a directory fails with EBADF only past the
 * checks of a kernel that has it.
 */
bool tracer__kernel_has_uprobe_multi(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_UPROBE_MULTI);
	unsigned long off = 0;
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .uprobe_multi.path = "/",
		    .uprobe_multi.offsets = &off, .uprobe_multi.cnt = 1);
	int prog_fd, link_fd, err;

	prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &popts);
	if (prog_fd < 0)
		return false;
	link_fd = bpf_link_create(prog_fd, -1, BPF_TRACE_UPROBE_MULTI, &lopts);
	err = link_fd < 0 ? -errno : 0;
	if (link_fd >= 0)
		close(link_fd);
	close(prog_fd);
	return err == -EBADF;
}

/* Links closed at once: each close waits out an RCU grace period in the kernel. */
#define DETACH_THREADS 8

struct link_closer {
	struct bpf_link **links;
	int first, n, step;
};

static void *close_links(void *arg)
{
	struct link_closer *c = arg;

	for (int i = c->first; i < c->n; i += c->step)
		bpf_link__destroy(c->links[i]);
	return NULL;
}

void tracer__detach(struct tracer *t)
{
	struct link_closer c[DETACH_THREADS];
	pthread_t th[DETACH_THREADS];
	bool started[DETACH_THREADS] = {};
	int nr;
	__u64 t0;

	if (!t || !t->nr_links)
		return;
	t0 = clock__ns(CLOCK_MONOTONIC);
	/*
	 * No new frame from here on, so the order the links go in no longer
	 * matters: a return probe gone while its entry still fired would
	 * have left frames no return ever pops.
	 */
	if (t->skel && t->skel->bss)
		__atomic_store_n(&t->skel->bss->detaching, 1, __ATOMIC_RELEASE);
	nr = t->nr_links < DETACH_THREADS ? t->nr_links : DETACH_THREADS;
	for (int i = 0; i < nr; i++) {
		c[i] = (struct link_closer){
			.links = t->links, .first = i, .n = t->nr_links, .step = nr
		};
		if (i)
			started[i] = !pthread_create(&th[i], NULL, close_links, &c[i]);
	}
	close_links(&c[0]);
	for (int i = 1; i < nr; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			close_links(&c[i]);
	}
	t->nr_links = 0;
	t->ph.detach_ns = clock__ns(CLOCK_MONOTONIC) - t0;
}

void tracer__free(struct tracer *t)
{
	if (!t)
		return;
	tracer__detach(t);
	free(t->links);
	free(t->skipped);
	corebtf__close(&t->core);
	wrapmon__destroy(t->skel);
	free(t);
}

static int add_link(struct tracer *t, struct bpf_link *link)
{
	if (grow__array_int(&t->links, &t->cap_links, t->nr_links + 1, sizeof(*t->links))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	t->links[t->nr_links++] = link;
	return 0;
}

static int skip(struct tracer *t, __u32 id)
{
	/* Refused for one process, refused for all: said once. */
	for (int i = 0; i < t->nr_skipped; i++)
		if (t->skipped[i] == id)
			return 0;
	if (grow__array_int(&t->skipped, &t->cap_skipped, t->nr_skipped + 1, sizeof(*t->skipped)))
		return -ENOMEM;
	t->skipped[t->nr_skipped++] = id;
	return 0;
}

/* Destroy the links made since there were n. */
static void drop_links(struct tracer *t, int n)
{
	while (t->nr_links > n)
		bpf_link__destroy(t->links[--t->nr_links]);
}

static bool refused(int err)
{
	return err == -ENOTSUPP || err == -EINVAL || err == -EOPNOTSUPP;
}

/* One multi-link of prog on path, or none when cnt is 0. */
static int link_multi(struct tracer *t, struct bpf_program *prog, const struct tracer_opts *opts,
		      const char *path, unsigned long *offs, __u64 *cookies, int cnt, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, uopts, .offsets = offs, .cookies = cookies, .cnt = cnt,
		    .retprobe = retprobe);
	struct bpf_link *link;

	if (!cnt)
		return 0;
	link = bpf_program__attach_uprobe_multi(prog, t->attach_pid, path, NULL, &uopts);
	if (!link)
		return -errno;
	return add_link(t, link);
}

/*
 * The links of probes p[0..cnt), all in one object: a uretprobe link for
 * those with the trampoline, a return-site link for those with sites, then
 * the entry link. The kernel takes a multi-link whole or not at all, and
 * refuses it if any one probe cannot carry a uprobe: then halve the set
 * until the culprits stand alone, and skip them.
 */
static int attach_range(struct tracer *t, const struct tracer_opts *opts, const char *path,
			const struct wm_probe **p, int cnt, char *err, size_t errsz)
{
	int nr_ret = 0, nr_sites = 0, nr_entry = 0, first = t->nr_links, ret, half;
	unsigned long *roffs = NULL, *soffs = NULL, *eoffs = NULL;
	__u64 *rcookies = NULL, *scookies = NULL, *ecookies = NULL;

	for (int i = 0; i < cnt; i++)
		nr_sites += p[i]->cfg.ret_mode == WM_RET_SITES ? p[i]->nr_sites : 0;
	roffs = calloc(cnt, sizeof(*roffs));
	eoffs = calloc(cnt, sizeof(*eoffs));
	rcookies = calloc(cnt, sizeof(*rcookies));
	ecookies = calloc(cnt, sizeof(*ecookies));
	soffs = calloc(nr_sites ? nr_sites : 1, sizeof(*soffs));
	scookies = calloc(nr_sites ? nr_sites : 1, sizeof(*scookies));
	ret = -ENOMEM;
	if (!roffs || !eoffs || !rcookies || !ecookies || !soffs || !scookies)
		goto cleanup;
	nr_sites = 0;
	for (int i = 0; i < cnt; i++) {
		eoffs[nr_entry] = p[i]->file_off;
		ecookies[nr_entry++] = p[i]->func_id;
		if (p[i]->cfg.ret_mode == WM_RET_TRAMPOLINE) {
			roffs[nr_ret] = p[i]->file_off;
			rcookies[nr_ret++] = p[i]->func_id;
		} else if (p[i]->cfg.ret_mode == WM_RET_SITES) {
			for (int k = 0; k < p[i]->nr_sites; k++) {
				soffs[nr_sites] = p[i]->site_offs[k];
				scookies[nr_sites++] = p[i]->site_cookies[k];
			}
		}
	}
	/*
	 * Returns first: an entry probe without its return probes would leave
	 * a frame no return ever pops. A return without a frame is ignored.
	 */
	ret = link_multi(t, t->ret, opts, path, roffs, rcookies, nr_ret, true);
	if (!ret)
		ret = link_multi(t, t->site, opts, path, soffs, scookies, nr_sites, false);
	if (!ret)
		ret = link_multi(t, t->entry, opts, path, eoffs, ecookies, nr_entry, false);
	if (!ret || ret == -ENOMEM)
		goto cleanup;
	drop_links(t, first);
	if (!refused(ret)) {
		snprintf(err, errsz, "cannot attach probes (%s): run with -v for libbpf's reason",
			 strerror(-ret));
		goto cleanup;
	}
	if (cnt == 1) {
		ret = skip(t, p[0]->func_id);
		goto cleanup;
	}
	half = cnt / 2;
	ret = attach_range(t, opts, path, p, half, err, errsz);
	if (!ret)
		ret = attach_range(t, opts, path, p + half, cnt - half, err, errsz);
cleanup:
	free(roffs);
	free(soffs);
	free(eoffs);
	free(rcookies);
	free(scookies);
	free(ecookies);
	return ret;
}

static int cmp_probe_fd(const void *a, const void *b)
{
	const struct wm_probe *pa = *(const struct wm_probe *const *)a;
	const struct wm_probe *pb = *(const struct wm_probe *const *)b;

	if (pa->obj_fd != pb->obj_fd)
		return pa->obj_fd - pb->obj_fd;
	return pa->func_id < pb->func_id ? -1 : pa->func_id > pb->func_id;
}

/* At most three links per object (returns, return sites, entries), each carrying every offset. */
static int attach_multi(struct tracer *t, const struct tracer_opts *opts,
			const struct wm_probe *probes, int n, char *err, size_t errsz)
{
	const struct wm_probe **sorted;
	int i, j, ret = 0;

	sorted = calloc(n, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &probes[i];
	qsort(sorted, n, sizeof(*sorted), cmp_probe_fd);

	for (i = 0; i < n; i = j) {
		char path[64];

		for (j = i; j < n && sorted[j]->obj_fd == sorted[i]->obj_fd; j++)
			;
		/* The fd's magic link: the kernel probes exactly the inode we resolved. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", sorted[i]->obj_fd);
		ret = attach_range(t, opts, path, sorted + i, j - i, err, errsz);
		if (ret)
			break;
	}
	free(sorted);
	return ret;
}

/* One link of prog at off, or NULL with errno set. */
static struct bpf_link *link_single(struct tracer *t, struct bpf_program *prog,
				    const struct tracer_opts *opts, const char *path,
				    unsigned long off, __u64 cookie, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe, .bpf_cookie = cookie);

	return bpf_program__attach_uprobe_opts(prog, t->attach_pid, path, off, &uopts);
}

static int attach_single(struct tracer *t, const struct tracer_opts *opts,
			 const struct wm_probe *probes, int n, char *err, size_t errsz)
{
	for (int i = 0; i < n; i++) {
		const struct wm_probe *p = &probes[i];
		int first = t->nr_links, ret = 0, nr_ret;
		struct bpf_link *link;
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", p->obj_fd);
		/* Returns first, as in attach_range(). */
		nr_ret = p->cfg.ret_mode == WM_RET_TRAMPOLINE ? 1 :
			 p->cfg.ret_mode == WM_RET_SITES      ? p->nr_sites :
								0;
		for (int k = 0; k < nr_ret && !ret; k++) {
			if (p->cfg.ret_mode == WM_RET_TRAMPOLINE)
				link = link_single(t, t->ret, opts, path, p->file_off, p->func_id,
						   true);
			else
				link = link_single(t, t->site, opts, path, p->site_offs[k],
						   p->site_cookies[k], false);
			if (!link) {
				ret = -errno;
				break;
			}
			ret = add_link(t, link);
			if (ret)
				return ret;
		}
		if (ret) {
			drop_links(t, first);
			if (!refused(ret)) {
				snprintf(err, errsz,
					 "cannot attach a return probe for offset 0x%lx (%s)",
					 p->file_off, strerror(-ret));
				return ret;
			}
			ret = skip(t, p->func_id);
			if (ret)
				return ret;
			continue;
		}
		link = link_single(t, t->entry, opts, path, p->file_off, p->func_id, false);
		if (!link) {
			ret = -errno;
			snprintf(err, errsz, "cannot attach an entry probe at offset 0x%lx (%s)",
				 p->file_off, strerror(-ret));
			return ret;
		}
		ret = add_link(t, link);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The C++ runtime's probes, before the functions': a call's frame never
 * exists without them, so no exception ends one unseen. A runtime entry the
 * kernel refuses leaves raised calls reported as abandoned, nothing worse.
 */
static int attach_hooks(struct tracer *t, const struct tracer_opts *opts, char *err, size_t errsz)
{
	for (int i = 0; i < opts->nr_hooks && opts->hooks; i++) {
		const struct wm_hook *h = &opts->hooks[i];
		unsigned long off = h->file_off;
		__u64 cookie = h->cookie;
		struct bpf_link *link;
		char path[64];
		int ret;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", h->obj_fd);
		if (t->multi) {
			ret = link_multi(t, t->site, opts, path, &off, &cookie, 1, false);
		} else {
			link = link_single(t, t->site, opts, path, off, cookie, false);
			ret = link ? add_link(t, link) : -errno;
		}
		if (ret && !refused(ret)) {
			snprintf(err, errsz, "cannot probe the C++ runtime at offset 0x%lx (%s)",
				 off, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void tracer__count_verified(const struct bpf_object *obj, struct tracer_phases *ph)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog))
			continue;
		ph->nr_progs++;
		if (!bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			ph->verified_insns += info.verified_insns;
	}
}

/* What the traced functions use, over them all: what the load leaves out. */
struct tracer_needs {
	__u32 rec_data_max;
	__u32 fc; /* the OR of their cfg.flags */
	bool caps, stack_args, ret_none, sites, py;
};

static void tracer__needs(const struct wm_probe *probes, int n, struct tracer_needs *nd)
{
	memset(nd, 0, sizeof(*nd));
	nd->rec_data_max = 8;
	for (int i = 0; i < n; i++) {
		const struct wm_func_cfg *cfg = &probes[i].cfg;

		if (probes[i].data_max > nd->rec_data_max)
			nd->rec_data_max = probes[i].data_max;
		nd->fc |= cfg->flags;
		nd->caps |= cfg->nr_caps > 0;
		nd->stack_args |= cfg->nr_stack > 0;
		nd->ret_none |= cfg->ret_mode == WM_RET_NONE;
		nd->sites |= cfg->ret_mode == WM_RET_SITES;
		for (int k = 0; k < cfg->nr_caps && k < WM_NR_SLOTS; k++)
			nd->py |= cfg->caps[k].kind == WM_CAP_PYOBJ;
	}
	/* A multiple of 8, so records stay aligned; within what one record may carry. */
	nd->rec_data_max = (nd->rec_data_max + 7) & ~7u;
}

/* Open, size and load the BPF object, with the sleepable programs or the others. */
static int tracer__load(struct tracer *t, const struct tracer_opts *opts, int n,
			const struct tracer_needs *nd, bool sleepable)
{
	bool has_exprs = nd->fc & (WM_FC_FILTER | WM_FC_ERROR), has_sites = nd->sites,
	     has_go = nd->fc & WM_FC_GO, has_py = nd->py;
	LIBBPF_OPTS(bpf_object_open_opts, oopts,
		    .btf_custom_path = t->core.path[0] ? t->core.path : NULL);
	struct bpf_program *prog;
	struct wrapmon *sk;
	__u64 t0 = clock__ns(CLOCK_MONOTONIC), cpu0;
	int ret;

	t->skel = sk = wrapmon__open_opts(&oopts);
	if (!sk)
		return -errno;
	sk->rodata->targ_tgid = opts->pid;
	sk->rodata->str_cap = opts->str_cap;
	sk->rodata->rec_data_max = nd->rec_data_max;
	sk->rodata->used_fc = nd->fc;
	sk->rodata->used_caps = nd->caps;
	sk->rodata->used_stack_args = nd->stack_args;
	sk->rodata->used_ret_none = nd->ret_none;
	/* Wake the consumer once an eighth of the ring is waiting. */
	sk->rodata->wakeup_bytes = opts->ring_size / 8;
	sk->rodata->summary_only = opts->summary_only;
	sk->rodata->many_tgids = opts->follow || opts->nr_pids > 1;
	sk->rodata->follow = opts->follow;
	sk->rodata->errno_tp_off = OPTS_GET(opts, errno_tp_off, 0);
	/* Python values only where a capture asks: else the verifier skips their code. */
	if (opts->py_layout && has_py) {
		sk->bss->py_layout = *opts->py_layout;
		sk->rodata->py_on = opts->py_layout->version != 0;
	}
	sk->rodata->all_tgids = opts->any_process;
	/* Itself excluded: wrapmon's own calls into a traced library would feed the ring. */
	if (opts->any_process)
		sk->rodata->targ_tgid = getpid();

	bpf_map__set_max_entries(sk->maps.rb, opts->ring_size);
	bpf_map__set_max_entries(sk->maps.funcs, n);
	bpf_map__set_max_entries(sk->maps.stats, n);
	if (has_exprs)
		bpf_map__set_max_entries(sk->maps.exprs, 2 * n);
	if (opts->summary_only)
		bpf_map__set_max_entries(sk->maps.aggs, n);
	if (opts->follow || opts->nr_pids > 1)
		bpf_map__set_max_entries(sk->maps.tgids, opts->follow ?
								 WM_FOLLOW_MAX + opts->nr_pids :
								 opts->nr_pids);
	/* Go's per-goroutine frames (6 MiB, preallocated): only for Go. */
	if (!has_go)
		bpf_map__set_max_entries(sk->maps.gstates, 1);
	if (t->multi) {
		t->entry = sleepable ? sk->progs.wm_entry_multi_s : sk->progs.wm_entry_multi;
		t->ret = sleepable ? sk->progs.wm_return_multi_s : sk->progs.wm_return_multi;
		t->site = sleepable ? sk->progs.wm_site_multi_s : sk->progs.wm_site_multi;
	} else {
		t->entry = sleepable ? sk->progs.wm_entry_single_s : sk->progs.wm_entry_single;
		t->ret = sleepable ? sk->progs.wm_return_single_s : sk->progs.wm_return_single;
		t->site = sleepable ? sk->progs.wm_site_single_s : sk->progs.wm_site_single;
	}
	bpf_object__for_each_program(prog, sk->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		bool probe = !strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9);

		bpf_program__set_autoload(prog, !probe || prog == t->entry || prog == t->ret ||
							(prog == t->site && has_sites));
	}
	/* Every fork on the system runs it: only when children are followed. */
	bpf_program__set_autoload(sk->progs.wm_fork, opts->follow);
	t->ph.open_ns += clock__ns(CLOCK_MONOTONIC) - t0;
	t0 = clock__ns(CLOCK_MONOTONIC);
	cpu0 = clock__ns(CLOCK_THREAD_CPUTIME_ID);
	ret = wrapmon__load(sk);
	t->ph.load_ns += clock__ns(CLOCK_MONOTONIC) - t0;
	t->ph.load_cpu_ns += clock__ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->sleepable = !ret && sleepable;
	if (!ret)
		tracer__count_verified(t->skel->obj, &t->ph);
	return ret;
}

/*
 * The kernel's types for CO-RE, cached once per boot: else libbpf reads and
 * searches all of the kernel's BTF at every start. Without them (no cache,
 * no memfd), libbpf reads it as it always did.
 */
static void core_types(struct tracer *t)
{
	size_t elf_sz;
	const void *elf = wrapmon__elf_bytes(&elf_sz);

	t->ph.core_err = corebtf__get(elf, elf_sz, NULL, &t->core);
	t->ph.core_ns = t->core.ns;
	t->ph.core_made = t->core.made;
	t->ph.core_cached = t->core.cached;
	t->ph.core_types = t->core.nr_types;
	snprintf(t->ph.core_file, sizeof(t->ph.core_file), "%s", t->core.file);
}

/* A CO-RE read of a program the load took that our kernel types could not resolve. */
static bool core_unresolved(const struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		if (bpf_program__autoload(prog) &&
		    corebtf__unresolved(bpf_program__insns(prog), bpf_program__insn_cnt(prog)))
			return true;
	}
	return false;
}

/*
 * Sleepable programs first; a kernel that refuses them gets the others.
 * *core_refused: our kernel types lacked what a read names, which the
 * others would lack too.
 */
static int tracer__load_any(struct tracer *t, const struct tracer_opts *opts, int n,
			    const struct tracer_needs *nd, bool *core_refused)
{
	int ret = -EINVAL;

	*core_refused = false;
	for (int sleepable = !opts->no_sleepable; sleepable >= 0; sleepable--) {
		ret = tracer__load(t, opts, n, nd, sleepable);
		if (!ret)
			break;
		*core_refused = t->skel && t->core.fd >= 0 && core_unresolved(t->skel->obj);
		wrapmon__destroy(t->skel);
		t->skel = NULL;
		if (*core_refused)
			break;
	}
	return ret;
}

bool tracer__sleepable(const struct tracer *t)
{
	return t->sleepable;
}

/* One link set on the objects for every process (pid -1), BPF choosing the traced ones. */
static bool one_set(const struct tracer_opts *opts)
{
	return opts->follow || opts->any_process;
}

void tracer__phases(const struct tracer *t, struct tracer_phases *ph)
{
	*ph = t->ph;
}

int tracer__new(const struct tracer_opts *opts, const struct wm_probe *probes, int n,
		struct tracer **out, char *err, size_t errsz)
{
	struct tracer_needs nd;
	bool core_refused;
	struct tracer *t;
	__u64 t0;
	int ret;

	*out = NULL;
	snprintf(err, errsz, "out of memory");
	/* The pid is required, so opts are too. */
	if (!opts || !OPTS_VALID(opts)) {
		snprintf(err, errsz,
			 "tracer_opts: missing, sz not set, or unknown fields non-zero");
		return -EINVAL;
	}
	if (n <= 0) {
		snprintf(err, errsz, "no function to trace");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->core.fd = -1;
	t->nr_cpus = libbpf_num_possible_cpus();
	if (t->nr_cpus <= 0) {
		ret = t->nr_cpus ? t->nr_cpus : -EINVAL;
		snprintf(err, errsz, "cannot count the possible CPUs (%s)", strerror(-ret));
		goto cleanup;
	}
	t0 = clock__ns(CLOCK_MONOTONIC);
	t->multi = !opts->no_multi && tracer__kernel_has_uprobe_multi();
	t->ph.probe_ns = clock__ns(CLOCK_MONOTONIC) - t0;

	tracer__needs(probes, n, &nd);
	core_types(t);
	ret = tracer__load_any(t, opts, n, &nd, &core_refused);
	/*
	 * Our kernel types lacked one (a cache file gone bad): libbpf's own,
	 * and the file goes. Any other failure is not theirs: the file stays
	 * and the error is told once.
	 */
	if (core_refused) {
		corebtf__forget(&t->core);
		t->ph.core_err = ret;
		ret = tracer__load_any(t, opts, n, &nd, &core_refused);
	}
	corebtf__close(&t->core);
	if (ret) {
		snprintf(err, errsz,
			 "cannot load the BPF programs (%s): the kernel needs BTF, ring buffers, "
			 "task storage and bpf_loop (Linux >= 5.17); run with -vv for the verifier "
			 "log",
			 strerror(-ret));
		goto cleanup;
	}
	t0 = clock__ns(CLOCK_MONOTONIC);
	for (int i = 0; i < n; i++) {
		__u32 key = probes[i].func_id;

		ret = bpf_map__update_elem(t->skel->maps.funcs, &key, sizeof(key), &probes[i].cfg,
					   sizeof(probes[i].cfg), BPF_ANY);
		for (int k = 0; k < 2 && !ret; k++) {
			const struct wm_expr *e = k ? probes[i].error : probes[i].filter;
			__u32 ekey = 2 * key + k;

			if (e)
				ret = bpf_map__update_elem(t->skel->maps.exprs, &ekey, sizeof(ekey),
							   e, sizeof(*e), BPF_ANY);
		}
		if (ret) {
			snprintf(err, errsz, "cannot configure function %u (%s)", key,
				 strerror(-ret));
			goto cleanup;
		}
	}
	for (int i = 0; i < opts->nr_pids && (opts->follow || opts->nr_pids > 1); i++) {
		__u32 key = opts->pids[i];
		__u8 one = 1;

		ret = bpf_map__update_elem(t->skel->maps.tgids, &key, sizeof(key), &one,
					   sizeof(one), BPF_ANY);
		if (ret) {
			snprintf(err, errsz, "cannot add process %u to the traced ones (%s)", key,
				 strerror(-ret));
			goto cleanup;
		}
	}
	t->ph.config_ns = clock__ns(CLOCK_MONOTONIC) - t0;
	t0 = clock__ns(CLOCK_MONOTONIC);
	/* Thread exits, execs and forks first, so an unfinished call or a child is never missed. */
	ret = wrapmon__attach(t->skel);
	if (ret) {
		snprintf(err, errsz,
			 "cannot attach the thread-exit, exec and fork tracepoints (%s)",
			 strerror(-ret));
		goto cleanup;
	}
	t->ph.tp_ns = clock__ns(CLOCK_MONOTONIC) - t0;
	t0 = clock__ns(CLOCK_MONOTONIC);
	/* One link set per process, or one for all (follow, any process): BPF decides then. */
	for (int i = 0; i < (one_set(opts) || opts->nr_pids < 1 ? 1 : opts->nr_pids); i++) {
		t->attach_pid = one_set(opts) ? -1 : opts->nr_pids < 1 ? opts->pid : opts->pids[i];
		ret = attach_hooks(t, opts, err, errsz);
		if (ret)
			goto cleanup;
		if (t->multi)
			ret = attach_multi(t, opts, probes, n, err, errsz);
		else
			ret = attach_single(t, opts, probes, n, err, errsz);
		if (ret)
			goto cleanup;
	}
	t->attached_ns = clock__ns(CLOCK_MONOTONIC);
	t->ph.attach_ns = t->attached_ns - t0;
	*out = t;
	return 0;
cleanup:
	tracer__free(t);
	return ret;
}

int tracer__skipped(const struct tracer *t, const __u32 **ids)
{
	*ids = t->skipped;
	return t->nr_skipped;
}

int tracer__ringbuf_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.rb);
}

__u64 tracer__probes_ns(const struct tracer *t)
{
	return t->ph.attach_ns;
}

bool tracer__multi(const struct tracer *t)
{
	return t->multi;
}

int tracer__func_stats(const struct tracer *t, __u32 func_id, struct wm_func_stats *sum)
{
	struct wm_func_stats vals[t->nr_cpus];
	int ret;

	memset(sum, 0, sizeof(*sum));
	ret = bpf_map__lookup_elem(t->skel->maps.stats, &func_id, sizeof(func_id), vals,
				   sizeof(vals), 0);
	if (ret)
		return ret;
	for (int i = 0; i < t->nr_cpus; i++) {
		sum->dropped += vals[i].dropped;
		sum->overflow += vals[i].overflow;
		sum->filtered += vals[i].filtered;
	}
	return 0;
}

bool tracer__target_exit(const struct tracer *t, int *status)
{
	/* BPF writes the status, then sets the flag with an atomic add. */
	if (!__atomic_load_n(&t->skel->bss->targ_exited, __ATOMIC_ACQUIRE))
		return false;
	*status = (int)__atomic_load_n(&t->skel->bss->targ_exit_status, __ATOMIC_RELAXED);
	return true;
}

bool tracer__exited_after_attach(const struct tracer *t)
{
	if (!__atomic_load_n(&t->skel->bss->targ_exited, __ATOMIC_ACQUIRE))
		return false;
	return __atomic_load_n(&t->skel->bss->targ_exit_ns, __ATOMIC_RELAXED) > t->attached_ns;
}

__u64 tracer__unfollowed(const struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->nr_unfollowed, __ATOMIC_RELAXED);
}

void tracer__tstates(const struct tracer *t, __u64 *created, __u64 *freed)
{
	/* Written by BPF with atomic adds; a plain read is a consistent snapshot of each. */
	*created = __atomic_load_n(&t->skel->bss->nr_tstates_created, __ATOMIC_RELAXED);
	*freed = __atomic_load_n(&t->skel->bss->nr_tstates_freed, __ATOMIC_RELAXED);
}

int tracer__func_agg(const struct tracer *t, __u32 func_id, struct wm_func_agg *sum)
{
	struct wm_func_agg *vals;
	int ret;

	memset(sum, 0, sizeof(*sum));
	/* 4 KB per CPU: on the heap, not the stack. */
	vals = calloc(t->nr_cpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(t->skel->maps.aggs, &func_id, sizeof(func_id), vals,
				   t->nr_cpus * sizeof(*vals), 0);
	for (int i = 0; !ret && i < t->nr_cpus; i++) {
		const struct wm_func_agg *v = &vals[i];

		sum->calls += v->calls;
		sum->entry_only += v->entry_only;
		sum->unfinished += v->unfinished;
		sum->errors += v->errors;
		sum->lat_sum += v->lat_sum;
		if (v->lat_min && (!sum->lat_min || v->lat_min < sum->lat_min))
			sum->lat_min = v->lat_min;
		if (v->lat_max > sum->lat_max)
			sum->lat_max = v->lat_max;
		for (int b = 0; b < WM_AGG_BUCKETS; b++)
			sum->hist[b] += v->hist[b];
	}
	free(vals);
	return ret;
}
