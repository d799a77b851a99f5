// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Files wrapmon writes: private by default, never through a symlink. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "sinks/outfile.h"

struct dir {
	char path[64];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	strcpy(d->path, "/tmp/wm-outfile-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	umask(022);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->path);
	if (system(cmd))
		return -1;
	free(d);
	return 0;
}

static void join(char *out, const struct dir *d, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", d->path, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file(const char *path, const char *want)
{
	char got[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, want);
}

static void test_new_file_private(void **state)
{
	char p[PATH_MAX], err[256];
	struct stat st;
	int fd;

	join(p, *state, "new");
	fd = outfile__open(p, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Blocking, and not inherited by children. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void test_mode_asked(void **state)
{
	struct outfile_opts o = { .sz = sizeof(o), .mode = 0640 };
	char p[PATH_MAX], err[256];
	struct stat st;
	int fd;

	join(p, *state, "shared");
	fd = outfile__open(p, &o, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	close(fd);
}

static void test_symlink_refused(void **state)
{
	char p[PATH_MAX], victim[PATH_MAX], err[256];

	join(victim, *state, "victim");
	join(p, *state, "link");
	write_file(victim, "keep");
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "is a symbolic link"));
	assert_file(victim, "keep");
	/* A dangling one must not create its target either. */
	join(p, *state, "dangling");
	join(victim, *state, "created-through-link");
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ELOOP);
	assert_int_equal(access(victim, F_OK), -1);
}

static void test_existing_truncated_excl_append(void **state)
{
	struct outfile_opts excl = { .sz = sizeof(excl), .excl = true };
	struct outfile_opts app = { .sz = sizeof(app), .append = true };
	char p[PATH_MAX], err[256];
	int fd;

	join(p, *state, "old");
	write_file(p, "old contents");
	assert_int_equal(outfile__open(p, &excl, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	assert_file(p, "old contents");

	fd = outfile__open(p, &app, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "+", 1), 1);
	close(fd);
	assert_file(p, "old contents+");

	fd = outfile__open(p, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new", 3), 3);
	close(fd);
	assert_file(p, "new");
}

static void test_special_files(void **state)
{
	char p[PATH_MAX], err[256];
	int fd;

	/* A FIFO nobody reads would block the tracer forever: refused at once. */
	join(p, *state, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ENXIO);
	assert_non_null(strstr(err, "FIFO nobody reads"));
	/* A directory, and an empty name. */
	assert_int_equal(outfile__open(((struct dir *)*state)->path, NULL, err, sizeof(err)),
			 -EISDIR);
	assert_int_equal(outfile__open("", NULL, err, sizeof(err)), -EINVAL);
	/* A character device is fine, and never truncated. */
	fd = outfile__open("/dev/null", NULL, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
}

/* The path is walked by hand: links, "..", "." and slashes must land where the kernel would. */
static void test_path_walk(void **state)
{
	const struct dir *d = *state;
	char p[PATH_MAX], q[PATH_MAX], err[256];
	int fd;

	join(p, d, "a");
	assert_int_equal(mkdir(p, 0700), 0);
	join(p, d, "a/b");
	assert_int_equal(mkdir(p, 0700), 0);
	join(p, d, "rel");
	assert_int_equal(symlink("a/./b", p), 0);
	join(p, d, "chain");
	assert_int_equal(symlink("rel/..//b", p), 0);
	join(p, d, "abs");
	join(q, d, "a");
	assert_int_equal(symlink(q, p), 0);
	join(p, d, "loop");
	assert_int_equal(symlink("loop", p), 0);
	join(p, d, "file");
	write_file(p, "x");

	join(p, d, "chain/../b//out1");
	fd = outfile__open(p, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	join(q, d, "a/b/out1");
	assert_int_equal(access(q, F_OK), 0);

	join(p, d, "abs/b/./out2");
	fd = outfile__open(p, NULL, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	join(q, d, "a/b/out2");
	assert_int_equal(access(q, F_OK), 0);

	join(p, d, "loop/out");
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ELOOP);
	join(p, d, "file/out");
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "Not a directory"));
	join(p, d, "missing/out");
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -ENOENT);
	/* A trailing slash means a directory: never a file named like it. */
	join(p, d, "a/new/");
	assert_true(outfile__open(p, NULL, err, sizeof(err)) < 0);
	join(q, d, "a/new");
	assert_int_equal(access(q, F_OK), -1);
	join(p, d, "rel/");
	assert_int_equal(outfile__open(p, NULL, err, sizeof(err)), -EISDIR);
}

static void test_parse_mode(void **state)
{
	mode_t m = 0;

	assert_int_equal(outfile__parse_mode("0640", &m), 0);
	assert_int_equal(m, 0640);
	assert_int_equal(outfile__parse_mode("600", &m), 0);
	assert_int_equal(m, 0600);
	assert_int_equal(outfile__parse_mode("0777", &m), 0);
	assert_int_equal(outfile__parse_mode("01777", &m), -EINVAL);
	assert_int_equal(outfile__parse_mode("0689", &m), -EINVAL);
	assert_int_equal(outfile__parse_mode("", &m), -EINVAL);
	assert_int_equal(outfile__parse_mode("-1", &m), -EINVAL);
	assert_int_equal(outfile__parse_mode("rw", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_truncated_excl_append, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_special_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_walk, setup, teardown),
		cmocka_unit_test(test_parse_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
