// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Two threads call search() with known strings, including hostile and long ones. */
#include "common.h"

__attribute__((noinline)) int search(const char *pat, const char *s)
{
	const char *hit = strstr(s, pat);

	asm volatile("");
	return hit ? (int)(hit - s) : -1;
}

static const char *const texts[] = {
	"xxabcdef",
	"the quick brown fox",
	"tab\there, newline\nthere, bell\a, esc\x1b[2J, del\x7f",
	"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
	"0123456789012345678901234567890123456789012345678901234567890123456789 long",
	"",
};
static const char *const pats[] = { "a", "fox", "\x1b[2J", "\xe6\x97\xa5", "long", "zz" };

static void *worker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 60; i++) {
		const char *p = pats[(i + id) % 6], *s = texts[(i / 6 + id) % 6];
		int r = search(p, s);

		TLOG_BEGIN();
		fprintf(tlog, "%d search ", gettid_());
		log_hex(p);
		fputc(' ', tlog);
		log_hex(s);
		fprintf(tlog, " %d %lx %lx\n", r, (unsigned long)p, (unsigned long)s);
		TLOG_END();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	target_start(argc, argv);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
