// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench-floor -p PID -f NAME [AT [RET]]: attach empty uprobe + uretprobe
 * programs to a function until SIGINT/SIGTERM. What any uprobe tracer must
 * pay at least. AT: the entry probe that many bytes into the function
 * (where a moved probe goes); RET: a plain uprobe that many bytes in (its
 * ret) instead of the uretprobe, the plan a probe moved past `sub $N,%rsp`
 * would need.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "target/resolve.h"
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, uopts);
	struct bpf_link *l1 = NULL, *l2 = NULL;
	struct wm_resolver *r = NULL;
	struct wm_match *m = NULL;
	struct floor *skel = NULL;
	char err[WM_ERR_MAX], path[64];
	unsigned long off, at = 0, ret_at = 0;
	int n, ret = 1;
	pid_t pid;

	if (argc < 5 || argc > 7 || strcmp(argv[1], "-p") || strcmp(argv[3], "-f")) {
		fprintf(stderr, "usage: bench-floor -p PID -f NAME [AT [RET]]\n");
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
	n = resolver__resolve(r, argv[4], &m, err, sizeof(err));
	if (n != 1) {
		fprintf(stderr, "bench-floor: %s\n", n < 0 ? err : "several matches");
		goto cleanup;
	}
	skel = floor__open_and_load();
	if (!skel)
		goto cleanup;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", resolver__obj_fd(r, m[0].obj));
	off = m[0].file_off + at;
	uopts.offsets = &off;
	uopts.cnt = 1;
	l1 = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL, &uopts);
	if (ret_at) {
		off = m[0].file_off + ret_at;
		l2 = bpf_program__attach_uprobe_multi(skel->progs.floor_entry, pid, path, NULL,
						      &uopts);
	} else {
		uopts.retprobe = true;
		l2 = bpf_program__attach_uprobe_multi(skel->progs.floor_return, pid, path, NULL,
						      &uopts);
	}
	if (!l1 || !l2) {
		fprintf(stderr, "bench-floor: attach failed (%s)\n", strerror(errno));
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
	free(m);
	resolver__free(r);
	return ret;
}
