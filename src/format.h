/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One call as a terminal line or as a JSON object. */
#ifndef WM_FORMAT_H
#define WM_FORMAT_H

#include <linux/types.h>
#include <stdbool.h>
#include "buf.h"
#include "record.h"
#include "sig.h"

/* A traced function: what the store, the formatters and the sinks know of it. */
struct wm_func {
	__u32 id;		/* BPF cookie, index into the function table */
	char name[256];		/* symbol name */
	char obj[4096];		/* object path as the process sees it */
	struct wm_sig sig;
};

struct wm_fmt_opts {
	bool utc;		/* text timestamps in UTC instead of local time */
};

/*
 * "12:00:01.123456 4243 search(pat=\"a\", s=\"xxabcdef\") = 2  <1.2 us>\n"
 * See README "Output" for every rule.
 */
void format__call_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c,
		       const struct wm_fmt_opts *o);
/* One JSON object and '\n'. See README "JSON schema". */
void format__call_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
/*
 * The parts of that object, for stores that keep them in columns: the
 * "args" array, the "result" object (of a call that returned), and the
 * "unfinished" reason ("thread_exit", "abandoned").
 */
void format__args_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
void format__result_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
const char *format__unfinished_name(__u16 flags);
/* "850 ns", "1.2 us", "3.4 ms", "1.23 s" */
void format__duration(struct wm_buf *b, __u64 ns);
/* The value of one argument register / the result as text (no name). */
void format__value_text(struct wm_buf *b, const struct wm_type *t, __u64 raw, const char *str,
			int str_len, bool trunc);

#endif
