// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The demo target: two threads search patterns in strings through search(),
 * a few times a second, until they are told to stop.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int search(const char *pat, const char *s)
{
	const char *hit = strstr(s, pat);

	asm volatile("");
	return hit ? (int)(hit - s) : -1;
}

static const char *const texts[] = {
	"xxabcdef",
	"the quick brown fox",
	"jumps over the lazy dog",
	"wrapmon\tsees\x1b[31mall",
};
static const char *const pats[] = { "a", "fox", "lazy", "zzz", "\x1b[31m" };

static void *worker(void *arg)
{
	long id = (long)arg;
	unsigned int i = id;

	for (;;) {
		search(pats[i % 5], texts[(i / 2) % 4]);
		i += 2;
		usleep(150000 + 50000 * id);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	printf("%d\n", getpid());
	fflush(stdout);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_join(t[0], NULL);
	return 0;
}
