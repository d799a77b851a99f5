// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench-pyfloor -p PID: an empty program at each interpreter hook
 * wrapmon-trace probes for Python calls (the RESUME handlers, the frame
 * clear, the yield, ...), found as wrapmon-trace finds them, until
 * SIGINT/SIGTERM: what any tracer hooked there pays at least, for every
 * Python call of the process (tools/bench/pycall.py's floor).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lang/python/pyinterp.h"
#include "target/resolve.h"
#include "floor.skel.h"

/* Every hook of the interpreter, one link: the entry program, which does nothing. */
static int attach_hooks(struct floor *skel, const struct py_interp *pi, pid_t pid,
			struct bpf_link **link, char *err, size_t errsz)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, uopts);
	unsigned long offs[PY_MAX_HOOKS];
	char path[64];
	int ret;

	for (int i = 0; i < pi->nr_hooks; i++)
		offs[i] = pi->hooks[i].file_off;
	uopts.offsets = offs;
	uopts.cnt = pi->nr_hooks;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pi->fd);
	*link = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL, &uopts);
	ret = *link ? 0 : -errno;
	if (ret)
		snprintf(err, errsz, "attach failed (%s)", strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	struct wm_resolver *r = NULL;
	struct py_interp *pi = NULL;
	struct bpf_link *link = NULL;
	struct floor *skel = NULL;
	char err[WM_ERR_MAX] = "";
	int ret = 1, sig;
	sigset_t ends;
	pid_t pid;

	if (argc != 3 || strcmp(argv[1], "-p")) {
		fprintf(stderr, "usage: bench-pyfloor -p PID\n");
		return 2;
	}
	pid = atoi(argv[2]);
	if (resolver__new_pid(pid, &r, err, sizeof(err)) ||
	    pyinterp__find(r, pid, NULL, &pi, err, sizeof(err))) {
		fprintf(stderr, "bench-pyfloor: %s\n", err);
		goto cleanup;
	}
	skel = floor__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench-pyfloor: cannot load the empty programs (%s)\n",
			strerror(errno));
		goto cleanup;
	}
	if (attach_hooks(skel, pi, pid, &link, err, sizeof(err))) {
		fprintf(stderr, "bench-pyfloor: %s\n", err);
		goto cleanup;
	}
	/* Blocked, then waited for: the probes stay until one comes. */
	sigemptyset(&ends);
	sigaddset(&ends, SIGINT);
	sigaddset(&ends, SIGTERM);
	sigprocmask(SIG_BLOCK, &ends, NULL);
	fprintf(stderr, "bench-pyfloor: %d empty probes on the interpreter; Ctrl-C to end\n",
		pi->nr_hooks);
	ret = sigwait(&ends, &sig) ? 1 : 0;
cleanup:
	bpf_link__destroy(link);
	floor__destroy(skel);
	pyinterp__free(pi);
	resolver__free(r);
	return ret;
}
