// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "target/seccomp.h"

bool seccomp__kernel_affected(const char *release, const char *machine)
{
	int maj = 0, min = 0, patch = 0;

	/* Only x86-64's trampoline makes the uretprobe syscall. */
	if (strcmp(machine, "x86_64"))
		return false;
	/* "6.12.3-amd64", "6.13", "6.14.0-rc1": a missing patch level is 0. */
	if (sscanf(release, "%d.%d.%d", &maj, &min, &patch) < 2)
		return false;
	if (maj != 6)
		return false;
	if (min == 11)
		return true;
	if (min == 12)
		return patch < 14;
	if (min == 13)
		return patch < 3;
	return false;
}

int seccomp__status_mode(const char *status)
{
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, "Seccomp:", 8)) {
			char *end;
			long v = strtol(p + 8, &end, 10);

			return end == p + 8 || v < 0 || v > 2 ? -1 : (int)v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* The Seccomp: mode of one /proc status file; -errno when it cannot be read. */
static int file_mode(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return seccomp__status_mode(buf);
}

int seccomp__trampoline_risk(int pid, char *why, size_t whysz)
{
	struct utsname u;
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	why[0] = '\0';
	if (uname(&u) || !seccomp__kernel_affected(u.release, u.machine))
		return 0;
	/* Filters are per thread: any thread in filter mode may make the call. */
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", pid, de->d_name);
		if (file_mode(path) == 2) {
			snprintf(why, whysz,
				 "a seccomp filter (thread %.16s) sees the syscall of kernel "
				 "%.32s's trampoline",
				 de->d_name, u.release);
			ret = 1;
			break;
		}
	}
	closedir(d);
	return ret;
}
