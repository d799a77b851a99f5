// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One raw tracepoint with CO-RE reads of task_struct and signal_struct:
 * the kernel's types come from corebtf's cache as for the native programs,
 * so the start costs a small file's read, not the kernel's whole BTF.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "probe/corebtf.h"
#include "probe/exitwatch.h"
#include "util/clock.h"
#include "exitwatch.skel.h"

/* *core_refused: a CO-RE read our kernel types could not resolve (corebtf__unresolved()). */
static int open_load(pid_t pid, const char *btf_path, struct exitwatch **out, bool *core_refused)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct exitwatch *sk = exitwatch__open_opts(&oo);
	int ret;

	*out = NULL;
	if (!sk)
		return -errno;
	sk->rodata->targ_tgid = pid;
	ret = exitwatch__load(sk);
	if (ret) {
		const struct bpf_program *p = sk->progs.wm_exit_watch;

		*core_refused = btf_path && corebtf__unresolved(bpf_program__insns(p),
								bpf_program__insn_cnt(p));
		exitwatch__destroy(sk);
		return ret;
	}
	*out = sk;
	return 0;
}

int exitwatch__start(pid_t pid, struct exitwatch **out)
{
	struct corebtf cb = { .fd = -1 };
	bool core_refused = false;
	const void *elf;
	size_t elf_sz;
	int ret;

	*out = NULL;
	elf = exitwatch__elf_bytes(&elf_sz);
	corebtf__get(elf, elf_sz, NULL, &cb);
	ret = open_load(pid, cb.fd >= 0 ? cb.path : NULL, out, &core_refused);
	/* Our kernel types lacked one (a cache file gone bad): libbpf's own, and the file goes. */
	if (core_refused) {
		corebtf__forget(&cb);
		ret = open_load(pid, NULL, out, &core_refused);
	}
	corebtf__close(&cb);
	if (!ret)
		ret = exitwatch__attach(*out);
	if (ret) {
		exitwatch__destroy(*out);
		*out = NULL;
	}
	return ret;
}

static void *start_thread(void *arg)
{
	struct exitwatch_start *st = arg;
	unsigned long long t0 = clock__ns(CLOCK_MONOTONIC);

	st->ret = exitwatch__start(st->pid, &st->w);
	st->ns = clock__ns(CLOCK_MONOTONIC) - t0;
	return NULL;
}

void exitwatch__begin(struct exitwatch_start *st, pid_t pid)
{
	*st = (struct exitwatch_start){ .pid = pid };
	st->started = !pthread_create(&st->thread, NULL, start_thread, st);
}

int exitwatch__end(struct exitwatch_start *st, struct exitwatch **out)
{
	unsigned long long t0 = clock__ns(CLOCK_MONOTONIC);

	if (st->started) {
		pthread_join(st->thread, NULL);
	} else {
		st->ret = exitwatch__start(st->pid, &st->w);
		st->ns = clock__ns(CLOCK_MONOTONIC) - t0;
	}
	*out = st->w;
	return st->ret;
}

bool exitwatch__status(const struct exitwatch *w, int *status)
{
	/* BPF writes the status, then sets the flag with an atomic add. */
	if (!w || !__atomic_load_n(&w->bss->targ_exited, __ATOMIC_ACQUIRE))
		return false;
	*status = (int)__atomic_load_n(&w->bss->targ_exit_status, __ATOMIC_RELAXED);
	return true;
}

void exitwatch__free(struct exitwatch *w)
{
	exitwatch__destroy(w);
}
