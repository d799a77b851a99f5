// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `report FILE` reads a database written on another machine, by anyone:
 * every byte of the file is outside data. The input is the file; its first
 * byte also picks the report's options, and a --since value is parsed from
 * the text at its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const since[] = { NULL, "10s", "2026-11-21T12:00:00.5Z", "1h" };
	struct wm_report_opts o = { .sz = sizeof(o) };
	char path[] = "/tmp/wm-fuzz-report-XXXXXX", err[512], text[64];
	FILE *out;
	__u64 ns;
	int fd;

	/* The --since parser on the input's last bytes, as text. */
	if (size) {
		size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

		memcpy(text, data + size - n, n);
		text[n] = '\0';
		report__parse_since(text, 1795262401ULL * 1000000000ULL, &ns);
	}
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		goto cleanup;
	out = fopen("/dev/null", "w");
	if (!out)
		goto cleanup;
	o.json = size && (data[0] & 1);
	o.top = size ? data[0] >> 4 : 10;
	o.function = size && (data[0] & 2) ? "search" : NULL;
	o.since = since[size ? (data[0] >> 2) & 3 : 0];
	report__run(path, &o, out, err, sizeof(err));
	fclose(out);
cleanup:
	close(fd);
	unlink(path);
	return 0;
}
