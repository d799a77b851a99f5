// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Parent links by reservation. Per thread, one slot per depth holds the id
 * given to the call at that depth whose children have been seen. Calls at
 * one depth of one thread never overlap, and a call's record comes after
 * all of its children's, so when a call at depth d arrives every reservation
 * at depth d or deeper is either its own or one for a call whose record was
 * lost: both are done with. A thread with no reservation left takes no
 * memory, so the table holds only threads with a traced call in flight (or
 * a lost one).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "store/nest.h"
#include "wrapmon.h"

struct slot {
	__u64 entry_ns; /* 0: empty */
	__u64 id;
};

struct thread {
	__u32 tid;     /* 0: free entry */
	__u32 nr_used; /* slots with a reservation */
	struct slot slot[WM_MAX_DEPTH];
};

struct wm_nest {
	__u64 next_id;
	struct thread *tab; /* open addressing, linear probing */
	__u32 cap;	    /* power of two */
	__u32 nr;
};

int nest__new(__u64 first_id, struct wm_nest **out)
{
	struct wm_nest *n;

	if (!out)
		return -EINVAL;
	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->next_id = first_id ? first_id : 1;
	*out = n;
	return 0;
}

void nest__free(struct wm_nest *n)
{
	if (!n)
		return;
	free(n->tab);
	free(n);
}

__u32 nest__nr_threads(const struct wm_nest *n)
{
	return n ? n->nr : 0;
}

static __u32 tid_hash(__u32 tid)
{
	return tid * 2654435761u;
}

static struct thread *find(const struct wm_nest *n, __u32 tid)
{
	__u32 i;

	if (!n->cap)
		return NULL;
	for (i = tid_hash(tid) & (n->cap - 1);; i = (i + 1) & (n->cap - 1)) {
		if (n->tab[i].tid == tid)
			return &n->tab[i];
		if (!n->tab[i].tid)
			return NULL;
	}
}

static int grow(struct wm_nest *n)
{
	__u32 cap = n->cap ? n->cap * 2 : 16, i, j;
	struct thread *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (i = 0; i < n->cap; i++) {
		if (!n->tab[i].tid)
			continue;
		for (j = tid_hash(n->tab[i].tid) & (cap - 1); tab[j].tid; j = (j + 1) & (cap - 1))
			;
		tab[j] = n->tab[i];
	}
	free(n->tab);
	n->tab = tab;
	n->cap = cap;
	return 0;
}

static struct thread *add(struct wm_nest *n, __u32 tid)
{
	__u32 i;

	if ((n->nr + 1) * 2 > n->cap && grow(n))
		return NULL;
	for (i = tid_hash(tid) & (n->cap - 1); n->tab[i].tid; i = (i + 1) & (n->cap - 1))
		;
	memset(&n->tab[i], 0, sizeof(n->tab[i]));
	n->tab[i].tid = tid;
	n->nr++;
	return &n->tab[i];
}

/* Backward-shift deletion: later entries of the probe run move up, no tombstones. */
static void del(struct wm_nest *n, struct thread *t)
{
	__u32 mask = n->cap - 1, i = t - n->tab, j = i, home;

	for (;;) {
		n->tab[i].tid = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!n->tab[j].tid) {
				n->nr--;
				return;
			}
			home = tid_hash(n->tab[j].tid) & mask;
			/* Movable when its home is not cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		n->tab[i] = n->tab[j];
		i = j;
	}
}

int nest__link(struct wm_nest *n, __u32 tid, __u32 depth, __u64 entry_ns, __u64 parent_entry_ns,
	       __u64 *id, __u64 *parent_id)
{
	struct thread *t;
	struct slot *s;
	__u32 d;

	if (!n || !id || !parent_id)
		return -EINVAL;
	*id = 0;
	*parent_id = 0;
	if (depth >= WM_MAX_DEPTH) {
		*id = n->next_id++;
		return 0;
	}
	t = find(n, tid);
	if (t && t->slot[depth].entry_ns && t->slot[depth].entry_ns == entry_ns)
		*id = t->slot[depth].id;
	else
		*id = n->next_id++;
	for (d = depth; t && d < WM_MAX_DEPTH; d++) {
		if (t->slot[d].entry_ns) {
			t->slot[d].entry_ns = 0;
			t->nr_used--;
		}
	}
	if (depth && parent_entry_ns) {
		if (!t) {
			t = add(n, tid);
			if (!t) {
				*id = 0;
				return -ENOMEM;
			}
		}
		s = &t->slot[depth - 1];
		if (s->entry_ns != parent_entry_ns) {
			/* An older reservation here was for a call that was lost. */
			if (!s->entry_ns)
				t->nr_used++;
			s->entry_ns = parent_entry_ns;
			s->id = n->next_id++;
		}
		*parent_id = s->id;
	}
	if (t && !t->nr_used)
		del(n, t);
	return 0;
}
