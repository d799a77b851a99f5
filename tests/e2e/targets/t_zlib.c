// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls the system's zlib: crc32() of a few strings, each logged "tid len crc". */
#include <zlib.h>
#include "common.h"

int main(int argc, char **argv)
{
	static const char *const words[] = { "a", "wrapmon", "system library" };

	target_start(argc, argv);
	for (int i = 0; i < 3; i++) {
		unsigned long crc = crc32(0, (const Bytef *)words[i], strlen(words[i]));

		fprintf(tlog, "%d %zu %lu\n", gettid_(), strlen(words[i]), crc);
	}
	return 0;
}
