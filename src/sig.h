/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The type model: what wrapmon knows of a function's parameters and result,
 * whether it came from a C prototype, from DWARF, or from nothing at all.
 */
#ifndef WM_SIG_H
#define WM_SIG_H

#include <stdbool.h>
#include <stddef.h>

#define WM_SIG_MAX_PARAMS 16
#define WM_NAME_MAX 64
#define WM_TYPE_NAME_MAX 64

enum wm_type_kind {
	WM_T_VOID,	/* only as a result */
	WM_T_INT,	/* integer of size 1/2/4/8, signed or not (incl. enums) */
	WM_T_BOOL,
	WM_T_CHAR,	/* plain char / signed char / unsigned char */
	WM_T_PTR,	/* any pointer that is not a string; printed in hex */
	WM_T_STR,	/* char * / const char *: read as a NUL-terminated string */
	WM_T_FLOAT,	/* float/double/long double: not readable from a uprobe */
	WM_T_UNKNOWN,	/* raw register, printed in hex */
};

struct wm_type {
	enum wm_type_kind kind;
	unsigned char size;	/* bytes: 1, 2, 4, 8; 0 for void */
	bool is_signed;
	/* C spelling for output and JSON, e.g. "const char *", "size_t" */
	char name[WM_TYPE_NAME_MAX];
};

struct wm_param {
	char name[WM_NAME_MAX]; /* "" when unknown */
	struct wm_type type;
	/*
	 * Integer argument register (0..5) this parameter arrives in, or -1
	 * when it is not in one (float, or past the sixth integer argument).
	 * Set by sig__assign_regs().
	 */
	int reg;
};

enum wm_sig_source {
	WM_SIG_RAW,	/* nothing known: six registers in hex */
	WM_SIG_PROTO,	/* from a C prototype given with -f */
	WM_SIG_DWARF,	/* from the object's debug info */
};

struct wm_sig {
	enum wm_sig_source source;
	char name[256];		/* function name as written / found */
	struct wm_type ret;
	int nr_params;
	struct wm_param params[WM_SIG_MAX_PARAMS];
	bool variadic;
};

/* Map parameters to x86_64 SysV integer registers; floats take none. */
void sig__assign_regs(struct wm_sig *sig);
/* The signature used when nothing is known: six raw registers, raw result. */
void sig__init_raw(struct wm_sig *sig, const char *name);
/* Append s to the C string in buf, cutting it to fit: names are only for display. */
void sig__append(char *buf, size_t size, const char *s);
/* Render "int search(const char *pat, const char *s)" into buf. */
int sig__snprint(const struct wm_sig *sig, char *buf, size_t size);

#endif /* WM_SIG_H */
