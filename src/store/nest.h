/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Call ids and parent links. Records arrive at return time, so a thread's
 * calls come innermost first: a child before its parent. The parent's id is
 * therefore handed out when its first child arrives, keyed by the parent's
 * entry time that the child's record carries, and the parent takes that id
 * when its own record comes.
 */
#ifndef WM_NEST_H
#define WM_NEST_H

#include <linux/types.h>

struct wm_nest;

/* Ids are handed out from first_id up. */
int nest__new(__u64 first_id, struct wm_nest **out);
void nest__free(struct wm_nest *n);
/*
 * The id of the call (tid, depth, entry_ns) and of its parent (0 at depth 0,
 * or when the record says nothing of it). A parent whose record never comes
 * (lost in BPF, not kept, or still running at the end) keeps the id its
 * children name, and no call row will have it. -ENOMEM leaves both ids 0.
 */
int nest__link(struct wm_nest *n, __u32 tid, __u32 depth, __u64 entry_ns, __u64 parent_entry_ns,
	       __u64 *id, __u64 *parent_id);
/* Threads with ids handed out to parents not seen yet: for tests. */
__u32 nest__nr_threads(const struct wm_nest *n);

#endif
