// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "run/procs.h"
#include "util/grow.h"

/* TASK_COMM_LEN - 1: what the kernel keeps of a command name. */
#define COMM_MAX 15

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static bool comm_is(pid_t pid, const char *name)
{
	char path[64], comm[COMM_MAX + 2] = "";
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strncmp(comm, name, COMM_MAX) && strlen(comm) == strnlen(name, COMM_MAX);
}

int procs__by_comm(const char *name, pid_t self, pid_t **pids)
{
	int nr = 0, cap = 0, ret = 0;
	struct dirent *de;
	DIR *d;

	*pids = NULL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == self || !comm_is(pid, name))
			continue;
		if (grow__array_int(pids, &cap, nr + 1, sizeof(**pids))) {
			ret = -ENOMEM;
			break;
		}
		(*pids)[nr++] = pid;
	}
	closedir(d);
	if (ret) {
		free(*pids);
		*pids = NULL;
		return ret;
	}
	if (nr)
		qsort(*pids, nr, sizeof(**pids), cmp_pid);
	return nr;
}

bool procs__maps_file(pid_t pid, dev_t dev, ino_t ino)
{
	unsigned int maj, min;
	unsigned long long inode;
	char path[64], *line = NULL;
	bool found = false;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* "start-end perms offset maj:min inode path" */
	while (!found && getline(&line, &cap, f) > 0)
		found = sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &inode) == 3 &&
			inode == ino && makedev(maj, min) == dev;
	free(line);
	fclose(f);
	return found;
}
