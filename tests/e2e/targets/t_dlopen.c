// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A library loaded after the tracer attached: t_dlopen LOG LIB opens LIB
 * twice. Each round: dlopen (its constructor calls dl_add(100, 1)), then
 * dl_add(10 * round + 1, 2); in round 0 a thread calls dl_block(), whose
 * callback ends the thread inside the library's call (a raw exit, no
 * unwinding: the call never returns); then dlclose, and whether LIB is
 * still mapped. Logs "I round result", "A tid a b r", "U tid x",
 * "M round mapped".
 */
#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include "common.h"

static long (*block_fn)(void (*)(long), long);

static void end_thread(long x)
{
	TLOG_BEGIN();
	fprintf(tlog, "U %d %ld\n", gettid_(), x);
	TLOG_END();
	/* The thread ends inside dl_block: its call is left in flight for good. */
	syscall(SYS_exit, 0);
}

static void *blocker(void *arg)
{
	block_fn(end_thread, 7);
	return NULL;
}

/* Whether the file lib is mapped: /proc/self/maps by inode. */
static int mapped(const char *lib)
{
	char line[PATH_MAX + 128];
	unsigned long ino;
	struct stat st;
	int found = 0;
	FILE *f;

	if (stat(lib, &st))
		return -1;
	f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %lu", &ino) == 1 && ino == st.st_ino)
			found = 1;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	long (*add)(long, long);
	pthread_t th;
	void *h;

	if (argc < 3)
		return 2;
	target_start(argc, argv);
	for (int round = 0; round < 2; round++) {
		h = dlopen(argv[2], RTLD_NOW);
		if (!h)
			return 4;
		fprintf(tlog, "I %d %ld\n", round, *(long *)dlsym(h, "dl_init_result"));
		add = (long (*)(long, long))dlsym(h, "dl_add");
		fprintf(tlog, "A %d %d 2 %ld\n", gettid_(), 10 * round + 1, add(10 * round + 1, 2));
		fflush(tlog);
		if (round == 0) {
			block_fn = (long (*)(void (*)(long), long))dlsym(h, "dl_block");
			if (pthread_create(&th, NULL, blocker, NULL))
				return 5;
			pthread_join(th, NULL);
		}
		dlclose(h);
		fprintf(tlog, "M %d %d\n", round, mapped(argv[2]));
		fflush(tlog);
	}
	return 0;
}
