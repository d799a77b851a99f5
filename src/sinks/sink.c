// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls to a stdio stream: lines built in a buffer, then one fwrite() per batch.
 * And the output writer behind wrapmon-trace's stream.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sinks/sink.h"
#include "util/opts.h"

/* Lines gather in one buffer and go out a batch at a time: one fwrite() for many calls. */
#define OUT_SINK_BATCH (32 << 10)

void out_sink__flush(struct wm_out_sink *o)
{
	if (o->line.len)
		fwrite(o->line.p, 1, o->line.len, o->out);
	buf__reset(&o->line);
	/* A line that ran out of memory went out as far as it got; the next starts afresh. */
	if (o->line.err)
		buf__free(&o->line);
}

static void sink_text(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_out_sink *o = ctx;

	format__call_text_cached(&o->line, o->cache, f, c, &o->fmt);
	if (o->line.len >= OUT_SINK_BATCH || o->line.err)
		out_sink__flush(o);
}

static void sink_json(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_out_sink *o = ctx;

	format__call_json_cached(&o->line, o->cache, f, c);
	if (o->line.len >= OUT_SINK_BATCH || o->line.err)
		out_sink__flush(o);
}

void out_sink__init(struct wm_out_sink *o, FILE *out, bool json, const struct wm_fmt_opts *fmt,
		    struct wm_sink *sink)
{
	o->out = out;
	o->fmt = *fmt;
	o->line = (struct wm_buf){};
	/* Without it (no memory), each line is made whole: the same bytes. */
	if (fmt_cache__new(&o->cache))
		o->cache = NULL;
	sink->on_call = json ? sink_json : sink_text;
	sink->ctx = o;
}

void out_sink__free(struct wm_out_sink *o)
{
	if (!o)
		return;
	buf__free(&o->line);
	fmt_cache__free(o->cache);
	o->cache = NULL;
}

/*
 * The output writer. The stream's buffer is copied into a chunk on every
 * flush and queued; the thread writes chunks in order. Only the write()
 * may be cancelled, and the thread holds no lock there, so output__free()
 * can always take a blocked writer down.
 */
#define OUT_MAX_PENDING (1 << 20)
#define OUT_BUF_SIZE	(1 << 16)

struct out_chunk {
	struct out_chunk *next;
	size_t len;
	size_t off; /* written so far: the thread's until it is done */
	char data[];
};

struct wm_output {
	int fd;
	bool regular;
	FILE *f;
	size_t max_pending;
	pthread_t thread;
	bool joined;
	pthread_mutex_t lock;
	pthread_cond_t work; /* a chunk to write, or closing */
	pthread_cond_t done; /* a chunk written, or a failure */
	/* Under lock: head is being written; the writer alone frees it. */
	struct out_chunk *head, *tail;
	size_t pending; /* bytes queued; also read without the lock */
	bool closing, abandoned;
	int err;
	__u64 written, lost, lost_lines;
	/* The writer's: bytes written since the last newline. */
	size_t line_tail;
};

static void out_lose(struct wm_output *o, const char *p, size_t n)
{
	const char *end = p + n;

	o->lost += n;
	while ((p = memchr(p, '\n', end - p))) {
		o->lost_lines++;
		p++;
	}
}

static void out_drop_queue(struct wm_output *o, struct out_chunk *c)
{
	struct out_chunk *next;

	for (; c; c = next) {
		next = c->next;
		out_lose(o, c->data + c->off, c->len - c->off);
		free(c);
	}
}

/*
 * A full disk leaves half a line at the end of a file: cut it, so that the
 * file holds whole lines only. Only when the file ends where our writes
 * did: bytes someone else appended are not ours to cut.
 */
static void out_cut_partial_line(struct wm_output *o)
{
	struct stat st;
	off_t end;

	if (!o->regular || !o->line_tail)
		return;
	end = lseek(o->fd, 0, SEEK_CUR);
	if (end < (off_t)o->line_tail || fstat(o->fd, &st) || st.st_size != end)
		return;
	if (!ftruncate(o->fd, end - o->line_tail))
		o->line_tail = 0;
}

static void out_wrote(struct wm_output *o, const char *p, size_t n)
{
	const char *nl = memrchr(p, '\n', n);

	o->line_tail = nl ? (size_t)(p + n - nl - 1) : o->line_tail + n;
	__atomic_add_fetch(&o->written, n, __ATOMIC_RELAXED);
}

/* c from c->off on: 0, or a negative errno with c->off where it stopped. */
static int out_write_chunk(struct wm_output *o, struct out_chunk *c)
{
	ssize_t n;
	int err;

	while (c->off < c->len) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		n = write(o->fd, c->data + c->off, c->len - c->off);
		err = n < 0 ? errno : 0;
		/* Made non-blocking by whoever shares it: wait as a blocking write would. */
		if (err == EAGAIN)
			poll(&(struct pollfd){ .fd = o->fd, .events = POLLOUT }, 1, -1);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (err == EINTR || err == EAGAIN)
			continue;
		if (n <= 0)
			return n < 0 ? -err : -EIO;
		out_wrote(o, c->data + c->off, n);
		c->off += n;
	}
	return 0;
}

static void *out_writer(void *arg)
{
	struct wm_output *o = arg;
	struct out_chunk *c;
	int ret;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&o->lock);
	for (;;) {
		while (!o->head && !o->closing)
			pthread_cond_wait(&o->work, &o->lock);
		c = o->head;
		if (!c)
			break;
		pthread_mutex_unlock(&o->lock);
		ret = out_write_chunk(o, c);
		pthread_mutex_lock(&o->lock);
		if (ret) {
			/* Nothing more is written: a failure is not retried with later bytes. */
			o->err = -ret;
			out_cut_partial_line(o);
			out_drop_queue(o, c);
			o->head = o->tail = NULL;
			__atomic_store_n(&o->pending, 0, __ATOMIC_RELAXED);
		} else {
			o->head = c->next;
			if (!o->head)
				o->tail = NULL;
			__atomic_sub_fetch(&o->pending, c->len, __ATOMIC_RELAXED);
			free(c);
		}
		pthread_cond_broadcast(&o->done);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* The stream's bytes: queued, never written here. Always "all taken", so the stream never errs. */
static ssize_t out_cookie_write(void *cookie, const char *p, size_t n)
{
	struct wm_output *o = cookie;
	struct out_chunk *c = malloc(sizeof(*c) + n);

	pthread_mutex_lock(&o->lock);
	if (!c && !o->err)
		o->err = ENOMEM;
	if (o->err || o->abandoned) {
		out_lose(o, p, n);
		pthread_mutex_unlock(&o->lock);
		free(c);
		return n;
	}
	memcpy(c->data, p, n);
	c->len = n;
	c->off = 0;
	c->next = NULL;
	if (o->tail)
		o->tail->next = c;
	else
		o->head = c;
	o->tail = c;
	__atomic_add_fetch(&o->pending, n, __ATOMIC_RELAXED);
	pthread_cond_signal(&o->work);
	pthread_mutex_unlock(&o->lock);
	return n;
}

int output__new(const struct wm_output_opts *opts, struct wm_output **out)
{
	cookie_io_functions_t io = { .write = out_cookie_write };
	struct wm_output *o;
	sigset_t all, old;
	struct stat st;
	int ret;

	if (!OPTS_VALID(opts) || !OPTS_HAS(opts, fd))
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = opts->fd;
	o->regular = !fstat(o->fd, &st) && S_ISREG(st.st_mode);
	o->max_pending = OPTS_GET(opts, max_pending, 0) ?: OUT_MAX_PENDING;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->work, NULL);
	pthread_cond_init(&o->done, NULL);
	o->f = fopencookie(o, "w", io);
	if (!o->f || setvbuf(o->f, NULL, _IOFBF, OUT_BUF_SIZE)) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Signals are the main thread's (a signalfd): never this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&o->thread, NULL, out_writer, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto fail;
	*out = o;
	return 0;
fail:
	o->joined = true;
	if (o->f)
		fclose(o->f);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->work);
	pthread_cond_destroy(&o->done);
	free(o);
	return ret;
}

FILE *output__file(struct wm_output *o)
{
	return o->f;
}

void output__flush(struct wm_output *o)
{
	fflush(o->f);
}

bool output__full(struct wm_output *o)
{
	return __atomic_load_n(&o->pending, __ATOMIC_RELAXED) >= o->max_pending;
}

bool output__idle(struct wm_output *o)
{
	bool idle;

	pthread_mutex_lock(&o->lock);
	idle = !o->head;
	pthread_mutex_unlock(&o->lock);
	return idle;
}

int output__error(struct wm_output *o)
{
	int err;

	pthread_mutex_lock(&o->lock);
	err = o->err;
	pthread_mutex_unlock(&o->lock);
	return err;
}

bool output__wait(struct wm_output *o, int timeout_ms)
{
	struct timespec ts;
	bool ok;

	fflush(o->f);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->lock);
	while (o->head && !o->err)
		if (pthread_cond_clockwait(&o->done, &o->lock, CLOCK_MONOTONIC, &ts))
			break;
	ok = !o->head && !o->err && !o->abandoned;
	pthread_mutex_unlock(&o->lock);
	return ok;
}

void output__abandon(struct wm_output *o)
{
	bool busy;

	pthread_mutex_lock(&o->lock);
	if (o->joined) {
		pthread_mutex_unlock(&o->lock);
		return;
	}
	o->abandoned = o->closing = true;
	/* The head is the writer's until it is joined; the rest goes now. */
	if (o->head) {
		out_drop_queue(o, o->head->next);
		o->head->next = NULL;
		o->tail = o->head;
	}
	busy = o->head != NULL;
	pthread_cond_broadcast(&o->work);
	pthread_mutex_unlock(&o->lock);
	/* Blocked on a reader that may never read: only a cancel ends that write. */
	if (busy)
		pthread_cancel(o->thread);
	pthread_join(o->thread, NULL);
	pthread_mutex_lock(&o->lock);
	o->joined = true;
	out_drop_queue(o, o->head);
	o->head = o->tail = NULL;
	__atomic_store_n(&o->pending, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&o->lock);
	/* What the stream still holds is lost as well. */
	fflush(o->f);
}

bool output__abandoned(struct wm_output *o)
{
	bool ret;

	pthread_mutex_lock(&o->lock);
	ret = o->abandoned;
	pthread_mutex_unlock(&o->lock);
	return ret;
}

void output__stats(struct wm_output *o, struct wm_output_stats *st)
{
	pthread_mutex_lock(&o->lock);
	st->written = __atomic_load_n(&o->written, __ATOMIC_RELAXED);
	st->lost = o->lost;
	st->lost_lines = o->lost_lines;
	pthread_mutex_unlock(&o->lock);
}

void output__free(struct wm_output *o)
{
	if (!o)
		return;
	output__abandon(o);
	fclose(o->f);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->work);
	pthread_cond_destroy(&o->done);
	free(o);
}
