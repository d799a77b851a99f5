/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WRAPMON_RINGREAD_H
#define WRAPMON_RINGREAD_H

#include <stddef.h>

/*
 * The consumer side of BPF ring buffers, with each ring's data mapped once.
 * libbpf's ring_buffer maps the data twice, end to end, so that a record
 * that wraps reads in place: the whole of a 4 MiB ring then counts twice
 * (8 MiB) in the tracer's resident memory. Here a record that wraps, rare,
 * is copied into a buffer of the reader's instead. Records are handed out
 * in order, as libbpf's are, and fn may not keep the pointer.
 */
struct ringread;

/* As libbpf's ring_buffer_sample_fn: negative stops the drain (the record is consumed). */
typedef int (*ringread_fn)(void *ctx, void *data, size_t size);

int ringread__new(struct ringread **out);
/* The ring of the BPF_MAP_TYPE_RINGBUF map_fd, its records to fn. */
int ringread__add(struct ringread *r, int map_fd, ringread_fn fn, void *ctx);
/*
 * Every record waiting in every ring: how many went to fn, or fn's
 * negative return that stopped it. The next call starts at the ring after
 * the one stopped, so that no ring waits on another's backlog.
 */
int ringread__consume(struct ringread *r);
/* Readable when a ring has records (for the caller's own epoll). */
int ringread__epoll_fd(const struct ringread *r);
void ringread__free(struct ringread *r);

#endif
