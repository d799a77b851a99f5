// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "probe/ringread.h"
#include "util/grow.h"

struct ring {
	ringread_fn fn;
	void *ctx;
	unsigned long *consumer_pos; /* the page we write */
	unsigned long *producer_pos; /* the kernel's page, followed by the data */
	unsigned char *data;
	size_t size;	       /* of the data: a power of two */
	unsigned char *bounce; /* a record that wraps, put together */
	size_t bounce_sz;
};

struct ringread {
	struct ring *rings;
	int nr, cap;
	int next; /* the ring the next drain starts at: the one after a stopped drain's */
	int epfd;
	size_t page;
};

int ringread__new(struct ringread **out)
{
	struct ringread *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->page = sysconf(_SC_PAGESIZE);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		int ret = -errno;

		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int ringread__add(struct ringread *r, int map_fd, ringread_fn fn, void *ctx)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	struct ring *g;
	void *p;

	if (bpf_map_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	if (grow__array_int(&r->rings, &r->cap, r->nr + 1, sizeof(*r->rings)))
		return -ENOMEM;
	g = &r->rings[r->nr];
	memset(g, 0, sizeof(*g));
	g->fn = fn;
	g->ctx = ctx;
	g->size = info.max_entries;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	g->consumer_pos = p;
	/* The producer's page and the data, once: not the second copy libbpf maps. */
	p = mmap(NULL, r->page + g->size, PROT_READ, MAP_SHARED, map_fd, r->page);
	if (p == MAP_FAILED) {
		int ret = -errno;

		munmap(g->consumer_pos, r->page);
		return ret;
	}
	g->producer_pos = p;
	g->data = (unsigned char *)p + r->page;
	ev.data.u32 = r->nr;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, map_fd, &ev)) {
		int ret = -errno;

		munmap(g->producer_pos, r->page + g->size);
		munmap(g->consumer_pos, r->page);
		return ret;
	}
	r->nr++;
	return 0;
}

/* Where the record of size bytes at off (within the data) can be read whole. */
static void *record_at(struct ring *g, size_t off, size_t size)
{
	size_t first = g->size - off;

	if (size <= first)
		return g->data + off;
	if (g->bounce_sz < size) {
		void *b = realloc(g->bounce, size);

		if (!b)
			return NULL;
		g->bounce = b;
		g->bounce_sz = size;
	}
	memcpy(g->bounce, g->data + off, first);
	memcpy(g->bounce + first, g->data, size - first);
	return g->bounce;
}

/* The kernel's record header (BPF_RINGBUF_HDR_SZ): length and flags, then its page offset. */
static int consume_ring(struct ring *g)
{
	unsigned long cons = __atomic_load_n(g->consumer_pos, __ATOMIC_ACQUIRE), prod;
	size_t mask = g->size - 1;
	int cnt = 0, err;

	for (;;) {
		bool got = false;

		prod = __atomic_load_n(g->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			__u32 *hdr = (__u32 *)(g->data + (cons & mask));
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE), size;
			void *rec;

			if (len & BPF_RINGBUF_BUSY_BIT)
				return cnt;
			got = true;
			size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			/* Headers are 8-byte aligned in a data area of whole pages: never split. */
			rec = record_at(g, (cons + BPF_RINGBUF_HDR_SZ) & mask, size);
			cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = rec ? g->fn(g->ctx, rec, size) : -ENOMEM;
				if (err < 0) {
					__atomic_store_n(g->consumer_pos, cons, __ATOMIC_RELEASE);
					return err;
				}
				cnt++;
			}
			__atomic_store_n(g->consumer_pos, cons, __ATOMIC_RELEASE);
		}
		if (!got)
			return cnt;
	}
}

/*
 * A drain that fn stops (a batch's end) resumes at the next ring: always
 * from the first, a busy native ring would keep the Python ring from ever
 * being read, and its calls dropped.
 */
int ringread__consume(struct ringread *r)
{
	int total = 0;

	for (int k = 0; k < r->nr; k++) {
		int i = (r->next + k) % r->nr;
		int n = consume_ring(&r->rings[i]);

		if (n < 0) {
			r->next = (i + 1) % r->nr;
			return n;
		}
		total += n;
	}
	return total;
}

int ringread__epoll_fd(const struct ringread *r)
{
	return r->epfd;
}

void ringread__free(struct ringread *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nr; i++) {
		struct ring *g = &r->rings[i];

		munmap(g->producer_pos, r->page + g->size);
		munmap(g->consumer_pos, r->page);
		free(g->bounce);
	}
	free(r->rings);
	close(r->epfd);
	free(r);
}
