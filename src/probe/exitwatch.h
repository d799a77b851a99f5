/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exitwatch: the target's wait status, seen by BPF at its exit, where the
 * native programs (whose exit tracepoint sees it otherwise) are not loaded:
 * a session tracing Python functions only. The target is not ours to
 * wait for, so nothing else can say that a signal killed it.
 */
#ifndef WRAPMON_EXITWATCH_H
#define WRAPMON_EXITWATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct exitwatch;

/* Loaded and attached for process pid, or a negative errno and *out NULL. */
int exitwatch__start(pid_t pid, struct exitwatch **out);

/*
 * exitwatch__start() in a thread, so that the first start after a boot
 * (which makes the kernel types, ~0.1 s) overlaps the caller's own loading.
 */
struct exitwatch_start {
	pthread_t thread;
	bool started; /* else exitwatch__end() runs it */
	pid_t pid;
	int ret;
	struct exitwatch *w;
	unsigned long long ns; /* the start's own time, in its thread */
};

void exitwatch__begin(struct exitwatch_start *st, pid_t pid);
/* Its result, as exitwatch__start()'s; call once after each exitwatch__begin(). */
int exitwatch__end(struct exitwatch_start *st, struct exitwatch **out);
/* Whether the process has exited, and then its wait status. NULL-safe. */
bool exitwatch__status(const struct exitwatch *w, int *status);
/* Detach and free; NULL-safe. */
void exitwatch__free(struct exitwatch *w);

#endif
