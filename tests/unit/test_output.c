// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The output writer: in order, failures kept, whole lines, never held by a reader. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "sinks/sink.h"

static struct wm_output *new_output(int fd)
{
	struct wm_output_opts o = { .sz = sizeof(o), .fd = fd, .max_pending = 4096 };
	struct wm_output *out = NULL;

	assert_int_equal(output__new(&o, &out), 0);
	return out;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_lines_arrive_in_order(void **state)
{
	struct wm_output_stats st;
	struct wm_output *o;
	char tmpl[] = "/tmp/wm-output-XXXXXX", want[32], line[32];
	FILE *f;
	int fd;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	o = new_output(fd);
	for (int i = 0; i < 20000; i++) {
		fprintf(output__file(o), "line %d\n", i);
		if (i % 1000 == 0)
			output__flush(o);
	}
	assert_true(output__wait(o, 10000));
	assert_true(output__idle(o));
	assert_int_equal(output__error(o), 0);
	output__stats(o, &st);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.written, lseek(fd, 0, SEEK_CUR));
	output__free(o);
	f = fdopen(fd, "r");
	rewind(f);
	for (int i = 0; i < 20000; i++) {
		snprintf(want, sizeof(want), "line %d\n", i);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_string_equal(line, want);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
}

static void test_full_device_fails_and_counts_lost(void **state)
{
	struct wm_output_stats st;
	struct wm_output *o;
	int fd = open("/dev/full", O_WRONLY);

	assert_true(fd >= 0);
	o = new_output(fd);
	fputs("one\ntwo\n", output__file(o));
	assert_false(output__wait(o, 10000));
	assert_int_equal(output__error(o), ENOSPC);
	/* What comes after the failure is counted, never written. */
	fputs("three\n", output__file(o));
	output__flush(o);
	output__stats(o, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.lost, 14);
	assert_int_equal(st.lost_lines, 3);
	output__free(o);
	close(fd);
}

/* A file that cannot grow past 100 bytes (RLIMIT_FSIZE: EFBIG), as on a full disk. */
static void test_regular_file_ends_in_a_whole_line(void **state)
{
	struct rlimit old, lim = { .rlim_cur = 100 };
	struct wm_output_stats st;
	char tmpl[] = "/tmp/wm-output-XXXXXX", buf[256];
	struct wm_output *o;
	ssize_t n;
	int fd;

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	o = new_output(fd);
	/* 13 bytes a line: the 8th is cut at byte 100. */
	for (int i = 0; i < 20; i++)
		fprintf(output__file(o), "line %07d\n", i);
	assert_false(output__wait(o, 10000));
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(output__error(o), EFBIG);
	output__stats(o, &st);
	assert_int_equal(st.lost_lines, 13);
	output__free(o);
	n = pread(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 7 * 13);
	assert_int_equal(buf[n - 1], '\n');
	assert_memory_equal(buf + 6 * 13, "line 0000006\n", 13);
	close(fd);
}

/* A pipe nobody reads: nothing waits on it, and giving it up does not hang. */
static void test_stalled_reader_never_holds_the_caller(void **state)
{
	struct wm_output_stats st;
	struct wm_output *o;
	char chunk[1000];
	int p[2];
	double t0;

	assert_int_equal(pipe(p), 0);
	memset(chunk, 'x', sizeof(chunk));
	chunk[sizeof(chunk) - 1] = '\n';
	o = new_output(p[1]);
	t0 = now_s();
	/* Far more than the pipe holds: the writer blocks, the caller does not. */
	for (int i = 0; i < 200; i++) {
		fwrite(chunk, 1, sizeof(chunk), output__file(o));
		output__flush(o);
	}
	assert_true(output__full(o));
	assert_false(output__wait(o, 100));
	assert_int_equal(output__error(o), 0);
	output__abandon(o);
	assert_true(output__abandoned(o));
	assert_true(now_s() - t0 < 5);
	output__stats(o, &st);
	assert_int_equal(st.written + st.lost, 200 * sizeof(chunk));
	assert_true(st.lost_lines >= 100);
	/* Given up: more is counted as lost, and freeing does not wait. */
	fwrite(chunk, 1, sizeof(chunk), output__file(o));
	output__flush(o);
	output__stats(o, &st);
	assert_int_equal(st.written + st.lost, 201 * sizeof(chunk));
	output__free(o);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_arrive_in_order),
		cmocka_unit_test(test_full_device_fails_and_counts_lost),
		cmocka_unit_test(test_regular_file_ends_in_a_whole_line),
		cmocka_unit_test(test_stalled_reader_never_holds_the_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
