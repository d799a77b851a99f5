// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Strings a hostile process would pass to a traced function: terminal
 * escape sequences, invalid UTF-8, C1 controls, bidi overrides, an embedded
 * NUL, a very long string, and one running into an unmapped page. Calls
 * take(i, s) for each and logs "i ptr hex-of-bytes-up-to-NUL" (or "fault").
 */
#include <sys/mman.h>
#include "common.h"

__attribute__((noinline)) int take(int i, const char *s)
{
	asm volatile("" : : "r"(s) : "memory");
	return i;
}

int main(int argc, char **argv)
{
	static const char *const fixed[] = {
		"\x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard",
		"\x1b[2J\x1b[H\x1b[31mred\x1b[0m",
		"\xff\xfe bad \xc0\xaf overlong \xed\xa0\x80 surrogate \xf4\x90\x80\x80 big",
		"c1 \xc2\x9b"
		"31m csi \xc2\x85 nel",
		"bidi \xe2\x80\xae"
		"evil\xe2\x80\xac \xe2\x81\xa6iso\xe2\x81\xa9",
		"nul\0hidden",
		"\r\b\t\v\f\x01\x7f",
	};
	long page = sysconf(_SC_PAGESIZE);
	int n = sizeof(fixed) / sizeof(fixed[0]), i;
	char *big, *edge;

	target_start(argc, argv);
	for (i = 0; i < n; i++) {
		take(i, fixed[i]);
		fprintf(tlog, "%d %lx ", i, (unsigned long)fixed[i]);
		log_hex(fixed[i]);
		fputc('\n', tlog);
	}
	/* 100 KB, far past any --string-size. */
	big = malloc(100000);
	memset(big, 'A', 99999);
	big[99999] = '\0';
	take(i, big);
	fprintf(tlog, "%d %lx long\n", i++, (unsigned long)big);
	/* No NUL before an unmapped page. */
	edge = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(edge + page, page);
	memset(edge, 'B', page);
	take(i, edge + page - 16);
	fprintf(tlog, "%d %lx fault\n", i++, (unsigned long)(edge + page - 16));
	fflush(tlog);
	return 0;
}
