/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What kind of code an ELF object holds, as far as ending calls goes: does
 * it switch stacks, can it throw C++ exceptions, is it Go. --returns=auto
 * reads it to keep the uretprobe trampoline away from code that would trip
 * on it.
 */
#ifndef WM_OBJKIND_H
#define WM_OBJKIND_H

#include <stdbool.h>

struct wm_objkind {
	bool switches_stacks; /* imports swapcontext, makecontext, setcontext or sigaltstack;
			       * or is greenlet's (file _greenlet*, or defines slp_switch) */
	bool cxx_throws;      /* imports __cxa_throw or _Unwind_RaiseException */
	bool go;	      /* has .go.buildinfo or .note.go.buildid */
	char sym[32];	      /* the symbol (or section) that told */
};

/* Read fd's dynamic symbols and section names, and path's file name (may
 * be NULL); 0 or a negative errno. */
int objkind__read(int fd, const char *path, struct wm_objkind *out);

#endif
