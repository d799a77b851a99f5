// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --stack under functions without a frame-pointer prologue: leaf_plain and
 * leaf_cet (leaf_nofp.c) and framed, which pushes %rbp, are each called from
 * caller_a, caller_b and lib_caller in a library opened after "go". Logs the
 * first code bytes of each function (read before the probes go in), where
 * each caller is, and for every call its number, the caller and the
 * caller's own return address (the callee's is the return probe's).
 */
#include <dlfcn.h>
#include <limits.h>
#include "common.h"

int leaf_plain(int n);
int leaf_cet(int n);

__attribute__((noinline)) int helper(int n)
{
	asm volatile("");
	return n + 7;
}

/* Not a leaf: built with frame pointers, it starts with push %rbp. */
__attribute__((noinline)) int framed(int n)
{
	int r = helper(n);

	asm volatile("");
	return r * 3;
}

__attribute__((noinline)) int caller_a(int (*fn)(int), int n, void **ra)
{
	int r = fn(n);

	*ra = __builtin_return_address(0);
	return r + 1;
}

__attribute__((noinline)) int caller_b(int (*fn)(int), int n, void **ra)
{
	int r = fn(n);

	*ra = __builtin_return_address(0);
	return r - 1;
}

typedef int (*caller_fn)(int (*)(int), int, void **);

static const struct {
	const char *name;
	int (*fn)(int);
} funcs[] = { { "leaf_plain", leaf_plain }, { "leaf_cet", leaf_cet }, { "framed", framed } };

int main(int argc, char **argv)
{
	struct {
		const char *name;
		caller_fn fn;
	} callers[3] = { { "caller_a", caller_a },
			 { "caller_b", caller_b },
			 { "lib_caller", NULL } };
	unsigned char code[3][8];
	char lib[PATH_MAX], *slash;
	void *h, *ra;
	ssize_t len;
	int n = 1;

	for (int i = 0; i < 3; i++)
		memcpy(code[i], (const void *)funcs[i].fn, sizeof(code[i]));
	target_start(argc, argv);

	len = readlink("/proc/self/exe", lib, sizeof(lib) - 32);
	if (len < 0)
		return 4;
	lib[len] = 0;
	slash = strrchr(lib, '/');
	strcpy(slash + 1, "libwmt_leaf.so");
	h = dlopen(lib, RTLD_NOW);
	if (!h)
		return 5;
	callers[2].fn = (caller_fn)dlsym(h, "lib_caller");
	if (!callers[2].fn)
		return 6;

	TLOG_BEGIN();
	for (int i = 0; i < 3; i++) {
		fprintf(tlog, "code %s ", funcs[i].name);
		for (int j = 0; j < 8; j++)
			fprintf(tlog, "%02x", code[i][j]);
		fputc('\n', tlog);
	}
	for (int c = 0; c < 3; c++)
		fprintf(tlog, "at %s %p\n", callers[c].name, (void *)callers[c].fn);
	TLOG_END();

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++) {
			for (int c = 0; c < 3; c++) {
				callers[c].fn(funcs[i].fn, n, &ra);
				TLOG_BEGIN();
				fprintf(tlog, "call %s %d %s %p\n", funcs[i].name, n++,
					callers[c].name, ra);
				TLOG_END();
			}
		}
	}
	return 0;
}
