/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One call as a terminal line or as a JSON object. */
#ifndef WM_FORMAT_H
#define WM_FORMAT_H

#include <linux/types.h>
#include <stdbool.h>
#include "util/buf.h"
#include "plan/func.h"
#include "probe/record.h"

struct wm_fmt_opts {
	bool utc;  /* text timestamps in UTC instead of local time */
	bool pid;  /* the process id before the thread id: more than one process is traced */
	bool comm; /* and the process's command name after it (records carry it) */
};

/*
 * "12:00:01.123456 4243 search(pat=\"a\", s=\"xxabcdef\") = 2  <1.2 us>\n"; with pid,
 * "12:00:01.123456 4242 4243 search(...) ..."; with comm, "... 4242 app 4243 search(...)"
 * See wrapmon-trace(8), OUTPUT, for every rule.
 */
void format__call_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c,
		       const struct wm_fmt_opts *o);
/* Where the pieces of a text line end, as offsets into what was appended. */
struct wm_text_parts {
	size_t ts_end;	 /* the timestamp */
	size_t head_end; /* the pid and tid, with the space after them */
	size_t name_end; /* the function's name */
	size_t args_end; /* the closing ')' of the arguments */
};

/* format__call_text(), and where its parts end (for --tree); parts may be NULL. */
void format__call_text_parts(struct wm_buf *b, const struct wm_func *f,
			     const struct wm_call_view *c, const struct wm_fmt_opts *o,
			     struct wm_text_parts *parts);
/*
 * What every line of a function repeats (its name, its parameters' names
 * and types, its object's path), escaped and quoted once, at the function's
 * first call: for a sink that formats call after call. A function must not
 * change while a cache holds it (by its id and address).
 */
struct wm_fmt_cache;
int fmt_cache__new(struct wm_fmt_cache **out);
void fmt_cache__free(struct wm_fmt_cache *fc);
/* format__call_text() and format__call_json(), the same bytes, with fc's pieces (fc may be NULL). */
void format__call_text_cached(struct wm_buf *b, struct wm_fmt_cache *fc, const struct wm_func *f,
			      const struct wm_call_view *c, const struct wm_fmt_opts *o);
void format__call_json_cached(struct wm_buf *b, struct wm_fmt_cache *fc, const struct wm_func *f,
			      const struct wm_call_view *c);
/* One JSON object and '\n'. See wrapmon-trace(8), JSON OUTPUT. */
void format__call_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
/*
 * The parts of that object, for stores that keep them in columns: the
 * "args" array, the "result" object (of a call that returned), and the
 * "unfinished" reason ("thread_exit", "killed", "stack_switch", "abandoned",
 * "exec", "running").
 */
void format__args_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
void format__result_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
const char *format__unfinished_name(__u16 flags);
/* "SIGILL" for 4, "SIGRTMIN+2", or "signal 99" for a number with no name. */
void format__signal(struct wm_buf *b, int sig);
/* The "error" object of a call --error marked: {"expr":"ret < 0","errno":"ENOENT"}. */
void format__error_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
/* "ENOENT" for 2, NULL when the number has no name. */
const char *format__errno_name(long long e);
/*
 * The errno a failing call left, as it follows the result: " ENOENT" for 2,
 * " errno=N" for a number with no name, nothing for 0 (none read).
 */
void format__errno_text(struct wm_buf *b, int e);
/* --stack: the call's user stack, one "    at sym+0x1a (obj)" line per frame. */
void format__stack_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
/* The same as a JSON array of {"addr":..,"symbol":..,"offset":..,"object":..}. */
void format__stack_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c);
/* "850 ns", "1.2 us", "3.4 ms", "1.23 s" */
void format__duration(struct wm_buf *b, __u64 ns);
/* The value of one argument register / the result as text (no name). */
void format__value_text(struct wm_buf *b, const struct wm_type *t, __u64 raw, const char *str,
			int str_len, bool trunc);

#endif
