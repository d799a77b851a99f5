// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libc's write() on /dev/null with known bytes, for types from the
 * prototype database. Logs "write FD N RET HEX" for each, after all of
 * them (the log's own writes go to another fd).
 */
#include <fcntl.h>
#include "common.h"

int main(int argc, char **argv)
{
	static const char *const msgs[] = { "hello", "wrapmon\n", "a\tb", "" };
	ssize_t r[4];
	int fd;

	target_start(argc, argv);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	for (int i = 0; i < 4; i++)
		r[i] = write(fd, msgs[i], strlen(msgs[i]));
	for (int i = 0; i < 4; i++) {
		fprintf(tlog, "write %d %zu %zd ", fd, strlen(msgs[i]), r[i]);
		log_hex(msgs[i]);
		fputc('\n', tlog);
	}
	fflush(tlog);
	close(fd);
	return 0;
}
