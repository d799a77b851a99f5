// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench-floor -p PID -f NAME [AT [RET]]: attach empty uprobe + uretprobe
 * programs to a function until SIGINT/SIGTERM. What any uprobe tracer must
 * pay at least. AT: the entry probe that many bytes into the function
 * (where a moved probe goes); RET: a plain uprobe that many bytes in (its
 * ret) instead of the uretprobe, the plan a probe moved past `sub $N,%rsp`
 * would need.
 *
 * bench-floor -p PID --python: the same empty program at each of the
 * interpreter hooks wrapmon-trace probes for Python calls (the RESUME
 * handlers, the frame clear, ...), found as wrapmon-trace finds them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "target/resolve.h"
#include "lang/python/pyinterp.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	stop = 1;
}

/* Every Python hook wrapmon-trace would probe, each with the empty entry program. */
static int attach_python(struct floor *skel, struct wm_resolver *r, pid_t pid,
			 struct bpf_link **link, char *err, size_t errsz)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, uopts);
	unsigned long offs[PY_MAX_HOOKS];
	struct py_interp *pi = NULL;
	char path[64];
	int ret;

	ret = pyinterp__find(r, pid, NULL, &pi, err, errsz);
	if (ret)
		return ret;
	for (int i = 0; i < pi->nr_hooks; i++)
		offs[i] = pi->hooks[i].file_off;
	uopts.offsets = offs;
	uopts.cnt = pi->nr_hooks;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pi->fd);
	*link = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL, &uopts);
	ret = *link ? 0 : -errno;
	if (ret)
		snprintf(err, errsz, "attach failed (%s)", strerror(-ret));
	else
		fprintf(stderr, "bench-floor: %d empty probes on the interpreter\n", pi->nr_hooks);
	pyinterp__free(pi);
	return ret;
}

/* The named function: the entry program AT bytes in, the return one at its return or RET. */
static int attach_native(struct floor *skel, struct wm_resolver *r, pid_t pid, const char *name,
			 unsigned long at, unsigned long ret_at, struct bpf_link **l1,
			 struct bpf_link **l2, char *err, size_t errsz)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, uopts);
	struct wm_match *m = NULL;
	unsigned long off;
	char path[64];
	int n, ret = 0;

	n = resolver__resolve(r, name, &m, err, errsz);
	if (n != 1) {
		if (n >= 0)
			snprintf(err, errsz, "%s", n ? "several matches" : "no match");
		ret = -ENOENT;
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", resolver__obj_fd(r, m[0].obj));
	off = m[0].file_off + at;
	uopts.offsets = &off;
	uopts.cnt = 1;
	*l1 = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL, &uopts);
	if (ret_at) {
		off = m[0].file_off + ret_at;
		*l2 = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL,
						       &uopts);
	} else {
		uopts.retprobe = true;
		*l2 = bpf_program__attach_uprobe_multi(skel->progs.floor_return, pid, path, NULL,
						       &uopts);
	}
	if (!*l1 || !*l2) {
		ret = -errno;
		snprintf(err, errsz, "attach failed (%s)", strerror(-ret));
	}
cleanup:
	free(m);
	return ret;
}

int main(int argc, char **argv)
{
	struct bpf_link *l1 = NULL, *l2 = NULL;
	struct wm_resolver *r = NULL;
	struct floor *skel = NULL;
	bool py = argc == 4 && !strcmp(argv[3], "--python");
	unsigned long at = 0, ret_at = 0;
	char err[WM_ERR_MAX] = "";
	int ret = 1;
	pid_t pid;

	if ((!py && (argc < 5 || argc > 7 || strcmp(argv[3], "-f"))) || strcmp(argv[1], "-p")) {
		fprintf(stderr, "usage: bench-floor -p PID -f NAME [AT [RET]]\n"
				"       bench-floor -p PID --python\n");
		return 2;
	}
	if (argc > 5)
		at = strtoul(argv[5], NULL, 0);
	if (argc > 6)
		ret_at = strtoul(argv[6], NULL, 0);
	pid = atoi(argv[2]);
	if (resolver__new_pid(pid, &r, err, sizeof(err))) {
		fprintf(stderr, "bench-floor: %s\n", err);
		goto cleanup;
	}
	skel = floor__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench-floor: cannot load the empty programs (%s)\n",
			strerror(errno));
		goto cleanup;
	}
	if (py ? attach_python(skel, r, pid, &l1, err, sizeof(err)) :
		 attach_native(skel, r, pid, argv[4], at, ret_at, &l1, &l2, err, sizeof(err))) {
		fprintf(stderr, "bench-floor: %s\n", err);
		goto cleanup;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	fprintf(stderr, "bench-floor: attached; Ctrl-C to end\n");
	while (!stop)
		pause();
	ret = 0;
cleanup:
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	floor__destroy(skel);
	resolver__free(r);
	return ret;
}
