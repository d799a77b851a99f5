// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names a hostile process controls, which wrapmon prints on stderr: the
 * build renames hook() to "hook\e]52;c;QUFB\a" (an OSC 52 clipboard write)
 * in the symbol table. "memfd" runs this program again from a memfd named
 * "wm\e[2J\nfake", so the executable's path holds ESC and a newline;
 * "lib PATH" dlopen()s PATH first (the test names a copy of a library
 * "lib\e[31mevil\a.so"). Then calls work(i) and hook(i) three times and logs
 * "i".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include "common.h"

extern char **environ;

__attribute__((noinline, noclone)) int work(int x)
{
	asm volatile("" : : "r"(x) : "memory");
	return x + 1;
}

__attribute__((noinline, noclone)) int hook(int x)
{
	asm volatile("" : : "r"(x) : "memory");
	return x * 2;
}

/* The same program, run again from a memfd whose name holds ESC and a newline. */
static void exec_from_memfd(char **argv)
{
	char *args[] = { argv[0], argv[1], "run", NULL };
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int fd = memfd_create("wm\x1b[2J\nfake", 0);
	struct stat st;

	if (in < 0 || fd < 0 || fstat(in, &st) ||
	    sendfile(fd, in, NULL, st.st_size) != (ssize_t)st.st_size)
		exit(4);
	close(in);
	fexecve(fd, args, environ);
	exit(5);
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 2 && !strcmp(argv[2], "memfd"))
		exec_from_memfd(argv);
	if (argc > 3 && !strcmp(argv[2], "lib") && !dlopen(argv[3], RTLD_NOW)) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(4);
	}
	target_start(argc, argv);
	for (i = 0; i < 3; i++) {
		work(i);
		hook(i);
		fprintf(tlog, "%d\n", i);
	}
	fflush(tlog);
	return 0;
}
