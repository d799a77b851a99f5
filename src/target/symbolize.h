/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Code addresses of a traced process as "symbol+0xoff (object)": for user
 * stack traces and for function pointers passed as arguments.
 *
 * Objects are opened lazily, the first time an address lands in them, and
 * kept (symbols only, no fd) until symbolizer__free(). The memory map is
 * re-read when an address falls outside every known mapping (a library
 * dlopen()ed after the start), at most once per refresh interval; once the
 * process has exited, the last map read stays in use.
 *
 * Names come from the target's files and memory map: untrusted. The text
 * forms are escaped for the terminal; struct wm_symloc holds them raw.
 * Not thread-safe: one symbolizer per consumer thread.
 */
#ifndef WM_SYMBOLIZE_H
#define WM_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "util/buf.h"

struct wm_symbolizer;

struct wm_symbolizer_opts {
	size_t sz;
	bool demangle;		 /* C++ names as "ns::f(int)" */
	unsigned int refresh_ms; /* least time between two map re-reads; 0: 100 */
};

struct wm_symloc {
	const char *sym;       /* NULL: no symbol covers the address */
	unsigned long sym_off; /* from the symbol's start */
	/*
	 * The mapped file as the process sees its path, or a pseudo-file
	 * such as "[vdso]"; NULL when no mapping of code holds the address
	 * (anonymous memory, [stack], JIT code, nothing mapped).
	 */
	const char *obj;
	/*
	 * Link-time address in obj, what objdump, addr2line and gdb take
	 * (the load bias removed); the file offset when obj could not be
	 * read. For the code of a usual shared object both are the same.
	 */
	unsigned long obj_off;
};

/*
 * -ESRCH when the process does not exist, -EACCES/-EPERM when its memory
 * map cannot be read. Reads the map once; objects are opened later.
 */
int symbolizer__new(pid_t pid, const struct wm_symbolizer_opts *opts, struct wm_symbolizer **out);
void symbolizer__free(struct wm_symbolizer *s);

/*
 * Fills *out for the code address addr. Returns 0 when a symbol covers it,
 * -ENOENT otherwise (out->obj and obj_off still set when addr is mapped),
 * -EINVAL. Strings in *out stay valid until symbolizer__free().
 *
 * The symbol is the function symbol whose [start, start + size) holds the
 * address (the innermost if several do; among aliases, a global name, then
 * the one with the fewest leading underscores); else the nearest one before
 * it when that one has no size (hand-written assembly).
 */
int symbolizer__lookup(struct wm_symbolizer *s, unsigned long addr, struct wm_symloc *out);

/*
 * The same for a return address, as every stack frame but the innermost
 * holds: it points after the call, which may be past the caller's last
 * byte (a call to a noreturn function ends it), so the symbol is the one
 * covering addr - 1. Offsets are still those of addr itself.
 */
int symbolizer__lookup_ret(struct wm_symbolizer *s, unsigned long addr, struct wm_symloc *out);

/*
 * Appends the text form of a lookup result, escaped (esc__c()):
 *   "search+0x1a (t_search)"        symbol, object's base name
 *   "search (t_search)"             at the symbol's very start
 *   "0x7f12a02a3f0 (libc.so.6+0x2a3f0)"  mapped, no symbol
 *   "0x1234 (?)"                    not mapped code
 */
void symloc__format(const struct wm_symloc *loc, unsigned long addr, struct wm_buf *b);

/* Lookup and text form in one. */
void symbolizer__format(struct wm_symbolizer *s, unsigned long addr, struct wm_buf *b);
void symbolizer__format_ret(struct wm_symbolizer *s, unsigned long addr, struct wm_buf *b);

#endif /* WM_SYMBOLIZE_H */
