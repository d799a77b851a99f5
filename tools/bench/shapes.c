// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's real entry instructions. Prints "ready PID", then after
 * "go" on stdin makes N calls and prints "NS_PER_CALL SUM" it measured:
 *   bench-shapes SHAPE N   shape_SHAPE(pat, s): the same body, search()'s,
 *                          behind a first instruction of each kind real
 *                          code starts with: push (the kernel emulates it),
 *                          sub $N,%rsp, mov and a RIP-relative lea (each
 *                          single-stepped when probed there);
 *   bench-shapes sqlite N  sqlite3_prepare_v2() of one statement and its
 *                          sqlite3_finalize(), on an in-memory database:
 *                          a library function nobody here wrote.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const pats[] = { "fox", "lazy", "zz", "a" };
static const char text[] = "the quick brown fox jumps over the lazy dog";

long shape_push(const char *pat, const char *s);
long shape_sub(const char *pat, const char *s);
long shape_mov(const char *pat, const char *s);
long shape_lea(const char *pat, const char *s);

/* What the lea of shape_lea points at. */
const long shape_tbl[1] = { 0 };

__attribute__((noinline, used)) long shape_body(const char *pat, const char *s)
{
	const char *hit = strstr(s, pat);

	asm volatile("");
	return hit ? hit - s : -1;
}

/*
 * Each keeps rsp 16-byte aligned at the call. shape_sub's push after the
 * sub is where a probe moved past the sub would be emulated (rsp moved).
 */
#define SHAPE(name, body)                                                                      \
	".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n" body ".size " #name \
	", .-" #name "\n"

__asm__(SHAPE(shape_push, "push %rbx\n"
			  "call shape_body\n"
			  "pop %rbx\n"
			  "ret\n"));
__asm__(SHAPE(shape_sub, "sub $0x10,%rsp\n"
			 "push %rbx\n"
			 "call shape_body\n"
			 "pop %rbx\n"
			 "add $0x10,%rsp\n"
			 "ret\n"));
__asm__(SHAPE(shape_mov, "mov %rdi,%rax\n"
			 "push %rbx\n"
			 "call shape_body\n"
			 "pop %rbx\n"
			 "ret\n"));
__asm__(SHAPE(shape_lea, "lea shape_tbl(%rip),%rax\n"
			 "push %rbx\n"
			 "call shape_body\n"
			 "pop %rbx\n"
			 "ret\n"));

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int run_sqlite(long n)
{
	sqlite3_stmt *st;
	double t0, t1;
	sqlite3 *db;
	long sum = 0;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 4;
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		sum += sqlite3_prepare_v2(db, "SELECT 1", -1, &st, NULL);
		sqlite3_finalize(st);
	}
	t1 = now_ns();
	sqlite3_close(db);
	printf("%.1f %ld\n", (t1 - t0) / n, sum);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		long (*fn)(const char *, const char *);
	} shapes[] = {
		{ "push", shape_push },
		{ "sub", shape_sub },
		{ "mov", shape_mov },
		{ "lea", shape_lea },
	};
	long n = argc > 2 ? atol(argv[2]) : 0, sum = 0;
	char line[16];
	double t0, t1;

	if (argc != 3 || n <= 0) {
		fprintf(stderr, "usage: bench-shapes push|sub|mov|lea|sqlite N\n");
		return 2;
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	if (!strcmp(argv[1], "sqlite"))
		return run_sqlite(n);
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		if (strcmp(argv[1], shapes[k].name))
			continue;
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			sum += shapes[k].fn(pats[i & 3], text);
		t1 = now_ns();
		printf("%.1f %ld\n", (t1 - t0) / n, sum);
		return 0;
	}
	fprintf(stderr, "bench-shapes: no shape '%s'\n", argv[1]);
	return 2;
}
