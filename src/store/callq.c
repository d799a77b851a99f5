// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two buffers swapped under a mutex: the pusher appends to one while the
 * taker works through the other, so neither allocates in steady state and
 * the lock is held only for a copy or a swap. Calls are stored in the ring
 * buffer's own layout, re-validated by record__decode() on the way out.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/callq.h"
#include "util/opts.h"

struct item {
	__u64 ts_real_ns;
	__u32 size; /* of the record that follows */
	__u32 pad;
	const char *exc_type; /* the view's: names that outlive the queue */
};

struct wm_callq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct wm_buf pending;
	size_t nr;
	size_t max_calls, max_bytes, wake_calls;
	bool closed;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int callq__new(const struct wm_callq_opts *opts, struct wm_callq **out)
{
	struct wm_callq *q;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!OPTS_VALID(opts))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->max_calls = OPTS_GET(opts, max_calls, 0) ?: 262144;
	q->max_bytes = OPTS_GET(opts, max_bytes, 0) ?: 64 << 20;
	q->wake_calls = OPTS_GET(opts, wake_calls, 0) ?: 4096;
	if (q->wake_calls > q->max_calls)
		q->wake_calls = q->max_calls;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	*out = q;
	return 0;
}

void callq__free(struct wm_callq *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	buf__free(&q->pending);
	free(q);
}

int callq__push(struct wm_callq *q, const struct wm_call_view *c)
{
	struct item it = { .ts_real_ns = c->ts_real_ns, .exc_type = c->exc_type };
	struct wm_call hdr = c->hdr;
	size_t data_len = 0, need, start;
	int i, err = 0;

	for (i = 0; i < WM_NR_SLOTS; i++) {
		/* A length without a string would make the copy read nothing as something. */
		hdr.str_len[i] = c->str_len[i] >= 0 && !c->str[i] ? WM_STR_NONE : c->str_len[i];
		if (hdr.str_len[i] > 0)
			data_len += hdr.str_len[i];
	}
	if (data_len > 0xffff)
		return -EINVAL;
	hdr.data_len = data_len;
	it.size = sizeof(hdr) + data_len;
	need = align8(sizeof(it) + it.size);

	pthread_mutex_lock(&q->lock);
	if (q->closed) {
		err = -EPIPE;
		goto unlock;
	}
	if (q->nr >= q->max_calls || q->pending.len + need > q->max_bytes) {
		err = -ENOSPC;
		goto unlock;
	}
	start = q->pending.len;
	buf__put(&q->pending, (const char *)&it, sizeof(it));
	buf__put(&q->pending, (const char *)&hdr, sizeof(hdr));
	for (i = 0; i < WM_NR_SLOTS; i++)
		if (hdr.str_len[i] > 0)
			buf__put(&q->pending, c->str[i], hdr.str_len[i]);
	while (q->pending.len < start + need)
		buf__putc(&q->pending, 0);
	if (q->pending.err) {
		/* Keep what was queued before: an allocation failure costs this call only. */
		q->pending.err = 0;
		q->pending.len = start;
		err = -ENOMEM;
		goto unlock;
	}
	if (++q->nr == q->wake_calls)
		pthread_cond_signal(&q->cond);
unlock:
	pthread_mutex_unlock(&q->lock);
	return err;
}

int callq__take(struct wm_callq *q, struct wm_callq_batch *b, int timeout_ms)
{
	struct wm_buf tmp;
	struct timespec ts;
	int nr;

	buf__reset(&b->buf);
	b->buf.err = 0;
	b->pos = 0;
	b->nr = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q->lock);
	while (q->nr < q->wake_calls && !q->closed) {
		if (pthread_cond_clockwait(&q->cond, &q->lock, CLOCK_MONOTONIC, &ts))
			break;
	}
	if (!q->nr && q->closed) {
		pthread_mutex_unlock(&q->lock);
		return -EPIPE;
	}
	tmp = q->pending;
	q->pending = b->buf;
	b->buf = tmp;
	b->nr = q->nr;
	q->nr = 0;
	pthread_mutex_unlock(&q->lock);
	nr = b->nr;
	return nr;
}

bool callq__next(struct wm_callq_batch *b, struct wm_call_view *v)
{
	struct item it;

	while (b->pos + sizeof(it) <= b->buf.len) {
		memcpy(&it, b->buf.p + b->pos, sizeof(it));
		if (it.size > b->buf.len - b->pos - sizeof(it))
			return false;
		if (record__decode(b->buf.p + b->pos + sizeof(it), it.size, v)) {
			b->pos += align8(sizeof(it) + it.size);
			continue;
		}
		v->ts_real_ns = it.ts_real_ns;
		v->exc_type = it.exc_type;
		b->pos += align8(sizeof(it) + it.size);
		return true;
	}
	return false;
}

void callq_batch__free(struct wm_callq_batch *b)
{
	if (b)
		buf__free(&b->buf);
}

void callq__close(struct wm_callq *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}
