// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/format.h"
#include "sinks/perproc.h"
#include "util/buf.h"
#include "util/escape.h"
#include "util/json.h"

struct row {
	__u32 func_id;
	__u32 pid; /* 0: a free slot (no process has pid 0) */
	char comm[WM_COMM_LEN + 1];
	__u64 calls, timed, unfinished, errors, lat_sum, lat_max;
};

/* Open addressing, at most half full: a call finds its row in a probe or two. */
struct wm_perproc {
	const struct wm_func *funcs;
	int nr_funcs;
	struct row *rows;
	size_t cap, nr;
	bool oom; /* a row could not be made: the table says it is incomplete */
};

int perproc__new(const struct wm_func *funcs, int nr_funcs, struct wm_perproc **out)
{
	struct wm_perproc *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->funcs = funcs;
	p->nr_funcs = nr_funcs;
	p->cap = 64;
	p->rows = calloc(p->cap, sizeof(*p->rows));
	if (!p->rows) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void perproc__free(struct wm_perproc *p)
{
	if (!p)
		return;
	free(p->rows);
	free(p);
}

static size_t slot_of(const struct row *rows, size_t cap, __u32 func_id, __u32 pid)
{
	size_t i = ((size_t)func_id * 0x9e3779b1u ^ pid * 0x85ebca6bu) & (cap - 1);

	while (rows[i].pid && (rows[i].pid != pid || rows[i].func_id != func_id))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct wm_perproc *p)
{
	size_t cap = p->cap * 2;
	struct row *rows = calloc(cap, sizeof(*rows));

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < p->cap; i++)
		if (p->rows[i].pid)
			rows[slot_of(rows, cap, p->rows[i].func_id, p->rows[i].pid)] = p->rows[i];
	free(p->rows);
	p->rows = rows;
	p->cap = cap;
	return 0;
}

/* The comm BPF sent; else (processes named in advance) the process's own, while it runs. */
static void set_comm(struct row *r, const struct wm_call *hdr)
{
	char path[64];
	FILE *f;

	if (hdr->comm[0]) {
		memcpy(r->comm, hdr->comm, WM_COMM_LEN);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", hdr->pid);
	f = fopen(path, "re");
	if (f && fgets(r->comm, sizeof(r->comm), f))
		r->comm[strcspn(r->comm, "\n")] = '\0';
	if (f)
		fclose(f);
}

static void on_call(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_perproc *p = ctx;
	struct row *r;
	size_t i;

	if (!c->hdr.pid)
		return;
	if (2 * (p->nr + 1) > p->cap && grow(p)) {
		p->oom = true;
		return;
	}
	i = slot_of(p->rows, p->cap, c->hdr.func_id, c->hdr.pid);
	r = &p->rows[i];
	if (!r->pid) {
		r->pid = c->hdr.pid;
		r->func_id = c->hdr.func_id;
		set_comm(r, &c->hdr);
		p->nr++;
	}
	/* Counted as the store counts them. */
	if (c->hdr.kind == WM_REC_UNFINISHED) {
		r->unfinished++;
		return;
	}
	r->calls++;
	if (c->hdr.flags & WM_F_ERROR)
		r->errors++;
	if (c->hdr.flags & WM_F_ENTRY_ONLY)
		return;
	r->timed++;
	r->lat_sum += c->hdr.latency_ns;
	if (c->hdr.latency_ns > r->lat_max)
		r->lat_max = c->hdr.latency_ns;
}

void perproc__sink(struct wm_perproc *p, struct wm_sink *sink)
{
	sink->on_call = on_call;
	sink->ctx = p;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	if (x->func_id != y->func_id)
		return x->func_id < y->func_id ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static const char *func_name(const struct wm_perproc *p, __u32 id, size_t *len)
{
	const char *name = id < (__u32)p->nr_funcs ? p->funcs[id].name : "?";

	*len = strnlen(name, id < (__u32)p->nr_funcs ? sizeof(p->funcs[id].name) : 1);
	return name;
}

static void row_text(const struct wm_perproc *p, const struct row *r, int width, struct wm_buf *b,
		     struct wm_buf *tmp)
{
	size_t len;
	const char *name = func_name(p, r->func_id, &len);

	buf__reset(tmp);
	esc__c(tmp, name, len);
	buf__printf(b, "%-*s %8u ", width, tmp->p ? tmp->p : "", r->pid);
	buf__reset(tmp);
	esc__c(tmp, r->comm[0] ? r->comm : "?", r->comm[0] ? strlen(r->comm) : 1);
	buf__printf(b, "%-16s %8llu %11llu %7llu", tmp->p ? tmp->p : "",
		    (unsigned long long)r->calls, (unsigned long long)r->unfinished,
		    (unsigned long long)r->errors);
	for (int k = 0; k < 2; k++) {
		buf__reset(tmp);
		if (r->timed)
			format__duration(tmp, k ? r->lat_max : r->lat_sum / r->timed);
		else
			buf__putc(tmp, '-');
		buf__printf(b, "%10s", tmp->err ? "?" : tmp->p);
	}
	buf__putc(b, '\n');
}

static void row_json(const struct wm_perproc *p, const struct row *r, bool first, struct wm_buf *b)
{
	size_t len;
	const char *name = func_name(p, r->func_id, &len);

	buf__puts(b, first ? "{\"function\":" : ",{\"function\":");
	json__str(b, name, len);
	buf__printf(b, ",\"pid\":%u,\"comm\":", r->pid);
	json__str(b, r->comm, strlen(r->comm));
	buf__printf(b, ",\"calls\":%llu,\"unfinished\":%llu,\"errors\":%llu,\"latency_ns\":",
		    (unsigned long long)r->calls, (unsigned long long)r->unfinished,
		    (unsigned long long)r->errors);
	if (r->timed)
		buf__printf(b, "{\"avg\":%llu,\"max\":%llu}}",
			    (unsigned long long)(r->lat_sum / r->timed),
			    (unsigned long long)r->lat_max);
	else
		buf__puts(b, "null}");
}

void perproc__print(const struct wm_perproc *p, FILE *out, bool json)
{
	struct wm_buf b = {}, tmp = {};
	const struct row **sorted;
	int width = 16;
	size_t n = 0, len;

	if (!p || !out)
		return;
	sorted = calloc(p->nr ? p->nr : 1, sizeof(*sorted));
	if (!sorted)
		return;
	for (size_t i = 0; i < p->cap; i++)
		if (p->rows[i].pid)
			sorted[n++] = &p->rows[i];
	qsort(sorted, n, sizeof(*sorted), cmp_row);
	if (json) {
		buf__puts(&b, "{\"per_process\":[");
		for (size_t i = 0; i < n; i++)
			row_json(p, sorted[i], !i, &b);
		buf__puts(&b, "]}\n");
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *name = func_name(p, sorted[i]->func_id, &len);

			buf__reset(&tmp);
			esc__c(&tmp, name, len);
			if ((int)tmp.len > width)
				width = tmp.len;
		}
		buf__printf(&b, "\n%-*s %8s %-16s %8s %11s %7s%10s%10s\n", width, "FUNCTION", "PID",
			    "COMM", "CALLS", "UNFINISHED", "ERRORS", "AVG", "MAX");
		for (size_t i = 0; i < n; i++)
			row_text(p, sorted[i], width, &b, &tmp);
		if (p->oom)
			buf__puts(&b, "(out of memory: some processes are missing)\n");
	}
	/* Whole or nothing, as the summary. */
	if (!b.err && !tmp.err && b.len)
		fwrite(b.p, 1, b.len, out);
	buf__free(&b);
	buf__free(&tmp);
	free(sorted);
}
