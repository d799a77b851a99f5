// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The prototype database: the loader and look-up, and the database the build made. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "types/proto.h"
#include "types/protodb.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct wm_protodb *open_path(const char *path)
{
	struct wm_protodb *db = NULL;

	assert_int_equal(
		protodb__open(&(struct wm_protodb_opts){ .sz = sizeof(struct wm_protodb_opts),
							 .path = path },
			      &db),
		0);
	return db;
}

static void test_lookup(void **state)
{
	char path[] = "/tmp/wm-protodb-XXXXXX";
	struct wm_protodb *db;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_file(path,
		   "# comment\tline\there\n"
		   "libc\twrite\tssize_t write(int fd, const void *buf[n], size_t n)\n"
		   "libz\tinflate\tint inflate(struct z_stream_s *strm, int flush)\n"
		   "broken line without tabs\n"
		   "libc\tempty\t\n"
		   "libcrypto\tEVP_MD_size\tint EVP_MD_size(const struct evp_md_st *md)\n"
		   "libssl\tSSL_read\tint SSL_read(struct ssl_st *ssl, void *buf[ret], int num)\n"
		   "libcurl\tcurl_easy_perform\tint curl_easy_perform(void *curl)\n"
		   "libc\tabort\tvoid abort(void)");
	db = open_path(path);
	assert_int_equal(protodb__size(db), 6);
	assert_string_equal(protodb__path(db), path);
	assert_string_equal(protodb__find(db, "/lib/x86_64-linux-gnu/libc.so.6", "write"),
			    "ssize_t write(int fd, const void *buf[n], size_t n)");
	/* The last line has no newline. */
	assert_non_null(protodb__find(db, "/lib/x86_64-linux-gnu/libc.so.6", "abort"));
	assert_non_null(protodb__find(db, "/usr/lib/libpthread.so.0", "write"));
	assert_non_null(protodb__find(db, "libz.so.1.2.13", "inflate"));
	assert_null(protodb__find(db, "/lib/libc.so.6", "inflate"));
	assert_null(protodb__find(db, "/lib/libzz.so.1", "inflate"));
	assert_null(protodb__find(db, "/lib/libc.so.6", "empty"));
	/* OpenSSL's two libraries look in each other's entries. */
	assert_non_null(protodb__find(db, "/lib/libssl.so.3", "EVP_MD_size"));
	assert_non_null(protodb__find(db, "/lib/libcrypto.so.3", "SSL_read"));
	assert_non_null(protodb__find(db, "/lib/libcurl-gnutls.so.4", "curl_easy_perform"));
	assert_null(protodb__find(db, NULL, "write"));
	assert_null(protodb__find(NULL, "/lib/libc.so.6", "write"));
	protodb__free(db);
	protodb__free(NULL);
	unlink(path);
	assert_int_equal(
		protodb__open(&(struct wm_protodb_opts){ .sz = sizeof(struct wm_protodb_opts),
							 .path = path },
			      &db),
		-ENOENT);
	assert_null(db);
	assert_int_equal(protodb__open(NULL, NULL), -EINVAL);
}

/* The build's database: what the headers gave parses, and the overlay wins. */
static void test_built(void **state)
{
	const char *fx = getenv("WM_FIXTURES");
	struct wm_protodb *db;
	char path[4096], err[256], line[1024];
	struct wm_sig sig = { 0 };
	size_t nr = 0, bad = 0;
	FILE *f;
	int col;

	(void)state;
	if (!fx)
		skip();
	snprintf(path, sizeof(path), "%s/../wrapmon-protos.txt", fx);
	db = open_path(path);
	assert_true(protodb__size(db) > 3000);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *proto = strrchr(line, '\t');

		if (line[0] == '#' || !proto)
			continue;
		proto[strcspn(proto, "\n")] = '\0';
		nr++;
		sig__free(&sig);
		if (proto__parse(proto + 1, &sig, &col, err, sizeof(err))) {
			bad++;
			print_message("does not parse: %s (%s)\n", proto + 1, err);
		}
	}
	fclose(f);
	assert_int_equal(nr, protodb__size(db));
	assert_true(bad * 100 <= nr);
	sig__free(&sig);
	assert_int_equal(proto__parse(protodb__find(db, "/lib/libc.so.6", "write"), &sig, &col, err,
				      sizeof(err)),
			 0);
	assert_int_equal(sig.nr_params, 3);
	assert_string_equal(sig.params[1].name, "buf");
	assert_int_equal(sig.params[1].type.len_param, 2);
	assert_string_equal(sig.ret.name, "ssize_t");
	/* glibc passes the address in a transparent union: the union is the pointer. */
	sig__free(&sig);
	assert_int_equal(proto__parse(protodb__find(db, "/lib/libc.so.6", "connect"), &sig, &col,
				      err, sizeof(err)),
			 0);
	assert_int_equal(sig.nr_params, 3);
	assert_int_equal(sig.params[1].type.kind, WM_T_PTR);
	assert_non_null(protodb__find(db, "/lib/libc.so.6", "accept4"));
	assert_non_null(protodb__find(db, "/lib/libz.so.1", "inflate"));
	assert_non_null(protodb__find(db, "/lib/libm.so.6", "cos"));
	assert_non_null(protodb__find(db, "/lib/libsqlite3.so.0", "sqlite3_exec"));
	assert_non_null(protodb__find(db, "/lib/libssl.so.3", "SSL_write"));
	assert_non_null(protodb__find(db, "/lib/libcurl.so.4", "curl_easy_perform"));
	assert_non_null(protodb__find(db, "/lib/libc.so.6", "pthread_create"));
	protodb__free(db);
	sig__free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
