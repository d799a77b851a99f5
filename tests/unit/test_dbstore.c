// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The persistent store's schema writer and the report's queries, on temporary files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "store/dbstore.h"
#include "types/proto.h"
#include "store/report.h"
#include "store/store.h"
#include "fixture.h"

/* 2026-11-21T12:00:00Z */
#define BASE_NS 1795262400000000000ULL

struct fx {
	char dir[64];
	char path[128];
	struct wm_func funcs[3];
	struct wm_store *store;
	struct wm_dbstore *db;
};

static void func_proto(struct wm_func *f, __u32 id, const char *proto, const char *obj)
{
	char msg[128];
	int col;

	memset(f, 0, sizeof(*f));
	f->id = id;
	assert_int_equal(proto__parse(proto, &f->sig, &col, msg, sizeof(msg)), 0);
	snprintf(f->name, sizeof(f->name), "%s", f->sig.name);
	f->object = test_object(obj);
	plan__build(&f->sig, NULL, &f->plan);
}

static struct fx *fx_new(size_t queue_calls)
{
	struct wm_dbstore_opts o = {
		.sz = sizeof(o),
		.command_line =
			"wrapmon-trace -p 42 -f 'int search(const char *pat, const char *s)'",
		.pid = 42,
		.exe = "/usr/bin/app",
		.version = "0.1",
		.start_ns = BASE_NS,
		.queue_calls = queue_calls,
	};
	struct fx *fx = calloc(1, sizeof(*fx));
	struct wm_sink sink;
	char err[256] = "";

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/wm-dbstore-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/calls.db", fx->dir);
	func_proto(&fx->funcs[0], 0, "int search(const char *pat, const char *s)", "/usr/bin/app");
	func_proto(&fx->funcs[1], 1, "int outer(int x)", "/usr/bin/app");
	memset(&fx->funcs[2], 0, sizeof(fx->funcs[2]));
	fx->funcs[2].id = 2;
	snprintf(fx->funcs[2].name, sizeof(fx->funcs[2].name), "blob");
	fx->funcs[2].object = test_object("/lib/libz.so.1");
	sig__init_raw(&fx->funcs[2].sig, "blob");
	plan__build(&fx->funcs[2].sig, NULL, &fx->funcs[2].plan);
	assert_int_equal(store__new(fx->funcs, 3, NULL, &fx->store), 0);
	assert_int_equal(dbstore__new(fx->path, fx->funcs, 3, &o, &fx->db, err, sizeof(err)), 0);
	dbstore__sink(fx->db, &sink);
	assert_int_equal(store__add_sink(fx->store, &sink), 0);
	return fx;
}

static void fx_free(struct fx *fx)
{
	char cmd[160];

	dbstore__free(fx->db);
	store__free(fx->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof(fx->funcs) / sizeof(fx->funcs[0]); i++)
		sig__free(&fx->funcs[i].sig);
	free(fx);
}

static void view_init(struct wm_call_view *v, __u32 func, __u32 tid, __u32 depth, __u64 entry,
		      __u64 pentry, __u64 latency)
{
	memset(v, 0, sizeof(*v));
	v->hdr.kind = WM_REC_CALL;
	v->hdr.func_id = func;
	v->hdr.pid = 42;
	v->hdr.tid = tid;
	v->hdr.depth = depth;
	v->hdr.entry_ns = entry;
	v->hdr.parent_entry_ns = pentry;
	v->hdr.latency_ns = latency;
	v->ts_real_ns = BASE_NS + entry;
	for (int i = 0; i < WM_NR_SLOTS; i++) {
		v->hdr.str_len[i] = WM_STR_NONE;
		v->str_len[i] = WM_STR_NONE;
	}
}

static void set_str(struct wm_call_view *v, int slot, __u64 ptr, const char *s)
{
	v->hdr.args[slot] = ptr;
	v->str[slot] = s;
	v->str_len[slot] = s ? (int)strlen(s) : WM_STR_FAULT;
}

/*
 * outer(7) on thread 10 calls search("a", "xxabc"); thread 11 exits inside
 * search("\x1b[2J", ...); blob() has no types; one search with a cut and an
 * unreadable string. Records come in return order, as from the ring.
 */
static void add_calls(struct fx *fx)
{
	struct wm_call_view v;

	view_init(&v, 0, 10, 1, 1000, 900, 500);
	set_str(&v, 0, 0x1000, "a");
	set_str(&v, 1, 0x2000, "xxabc");
	v.hdr.ret = 2;
	assert_int_equal(store__add(fx->store, &v), 0);
	view_init(&v, 1, 10, 0, 900, 0, 2000);
	v.hdr.args[0] = 7;
	v.hdr.ret = 21;
	assert_int_equal(store__add(fx->store, &v), 0);
	view_init(&v, 0, 11, 0, 3000, 0, 0);
	v.hdr.kind = WM_REC_UNFINISHED;
	v.hdr.flags = WM_F_THREAD_EXIT;
	set_str(&v, 0, 0x3000, "\x1b[2J");
	set_str(&v, 1, 0, NULL);
	v.str_len[1] = WM_STR_NONE;
	assert_int_equal(store__add(fx->store, &v), 0);
	view_init(&v, 2, 10, 0, 4000, 0, 100);
	v.hdr.args[0] = 0xabc;
	v.hdr.ret = 0xdead;
	assert_int_equal(store__add(fx->store, &v), 0);
	view_init(&v, 0, 12, 0, 5000, 0, 300000);
	set_str(&v, 0, 0x4000, "long");
	v.hdr.str_trunc = 1;
	set_str(&v, 1, 0x10, NULL);
	v.hdr.ret = (__u64)-1;
	/* The errno it left, read at its return. */
	v.hdr.flags = WM_F_ERRNO;
	v.hdr.uerrno = ENOENT;
	assert_int_equal(store__add(fx->store, &v), 0);
	store__set_dropped(fx->store, 0, 3);
}

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* All rows of a query, columns joined by '|', rows by '\n' (NULL as "-"). */
static char *q_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(f, "%s%s", i ? "|" : "", t ? (const char *)t : "-");
		}
		fputc('\n', f);
	}
	sqlite3_finalize(st);
	fclose(f);
	return p;
}

static void assert_rows(sqlite3 *db, const char *sql, const char *want)
{
	char *got = q_rows(db, sql);

	assert_string_equal(got, want);
	free(got);
}

static void test_schema_and_rows(void **state)
{
	struct fx *fx = fx_new(0);
	struct wm_dbstore_stats st;
	struct utsname u;
	struct stat sb;
	char err[256] = "", want[1024], side[160];
	sqlite3 *db;

	add_calls(fx);
	assert_int_equal(dbstore__finish(fx->db, fx->store, BASE_NS + 400000, err, sizeof(err)), 0);
	dbstore__stats(fx->db, &st);
	assert_int_equal(st.seen, 5);
	assert_int_equal(st.not_kept, 0);
	assert_null(dbstore__error(fx->db));
	dbstore__free(fx->db);
	fx->db = NULL;

	/* 0600, and one self-contained file. */
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(side, sizeof(side), "%s-wal", fx->path);
	assert_int_not_equal(access(side, F_OK), 0);

	db = db_open(fx->path);
	assert_rows(db, "PRAGMA journal_mode", "delete\n");
	assert_rows(db, "SELECT key, value FROM meta ORDER BY key",
		    "format|wrapmon\nschema_version|3\n");
	uname(&u);
	snprintf(want, sizeof(want),
		 "1|wrapmon-trace -p 42 -f 'int search(const char *pat, const char *s)'|42|"
		 "/usr/bin/app|%s|%s|0.1|%llu|%llu|5|0|3\n",
		 u.nodename, u.release, BASE_NS, BASE_NS + 400000);
	assert_rows(db, "SELECT * FROM sessions", want);
	assert_rows(db, "SELECT * FROM functions ORDER BY id",
		    "1|1|search|/usr/bin/app|int search(const char *pat, const char *s)|prototype|"
		    "[{\"name\":\"pat\",\"type\":\"const char *\",\"kind\":\"string\"},"
		    "{\"name\":\"s\",\"type\":\"const char *\",\"kind\":\"string\"}]|int|int\n"
		    "2|1|outer|/usr/bin/app|int outer(int x)|prototype|"
		    "[{\"name\":\"x\",\"type\":\"int\",\"kind\":\"int\"}]|int|int\n"
		    "3|1|blob|/lib/libz.so.1|long blob(long, long, long, long, long, long)|raw|"
		    "[{\"type\":\"long\",\"kind\":\"raw\"},{\"type\":\"long\",\"kind\":\"raw\"},"
		    "{\"type\":\"long\",\"kind\":\"raw\"},{\"type\":\"long\",\"kind\":\"raw\"},"
		    "{\"type\":\"long\",\"kind\":\"raw\"},{\"type\":\"long\",\"kind\":\"raw\"}]|"
		    "long|raw\n");
	/* Rows in time order; search's parent is the outer call that contains it. */
	assert_rows(
		db,
		"SELECT c.id, f.name, c.pid, c.tid, c.start_ns - 1795262400000000000, c.latency_ns,"
		" c.depth, c.parent_id, c.args, c.result, c.unfinished, c.error, c.error_text,"
		" c.errno FROM calls c JOIN functions f ON f.id = c.function_id ORDER BY "
		"c.start_ns",
		"2|outer|42|10|900|2000|0|-|[{\"name\":\"x\",\"type\":\"int\",\"value\":7}]|"
		"{\"type\":\"int\",\"value\":21}|-|0|-|-\n"
		"1|search|42|10|1000|500|1|2|[{\"name\":\"pat\",\"type\":\"const char *\","
		"\"value\":\"a\"},{\"name\":\"s\",\"type\":\"const char *\",\"value\":\"xxabc\"}]|"
		"{\"type\":\"int\",\"value\":2}|-|0|-|-\n"
		"3|search|42|11|3000|-|0|-|[{\"name\":\"pat\",\"type\":\"const char *\","
		"\"value\":\"\\u001b[2J\"},{\"name\":\"s\",\"type\":\"const char "
		"*\",\"value\":null}]|"
		"-|thread_exit|0|-|-\n"
		"4|blob|42|10|4000|100|0|-|[{\"type\":\"unknown\",\"value\":\"0xabc\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"},{\"type\":\"unknown\",\"value\":\"0x0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"},{\"type\":\"unknown\",\"value\":\"0x0\"},"
		"{\"type\":\"unknown\",\"value\":\"0x0\"}]|{\"type\":\"unknown\",\"value\":"
		"\"0xdead\"}|-|0|-|-\n"
		"5|search|42|12|5000|300000|0|-|[{\"name\":\"pat\",\"type\":\"const char *\","
		"\"value\":\"long\",\"truncated\":true},{\"name\":\"s\",\"type\":\"const char *\","
		"\"value\":null,\"pointer\":\"0x10\",\"error\":\"unreadable\"}]|"
		"{\"type\":\"int\",\"value\":-1,\"errno\":\"ENOENT\",\"errno_value\":2}|-|0|-|2\n");
	/* Aggregates count every call; the histogram holds each completed one. */
	assert_rows(db,
		    "SELECT function_id, calls, unfinished, dropped, not_kept, min_ns, max_ns,"
		    " sum_ns, p50_ns, p90_ns, p99_ns FROM aggregates ORDER BY function_id",
		    "1|2|1|3|0|500|300000|300500|504|300000|300000\n"
		    "2|1|0|0|0|2000|2000|2000|2000|2000|2000\n"
		    "3|1|0|0|0|100|100|100|100|100|100\n");
	assert_rows(db, "SELECT histogram FROM aggregates ORDER BY function_id",
		    "[[496,512,1],[294912,311296,1]]\n[[1984,2048,1]]\n[[100,104,1]]\n");
	assert_rows(db, "PRAGMA integrity_check", "ok\n");
	sqlite3_close(db);
	fx_free(fx);
}

static void test_refuses_existing_and_symlinks(void **state)
{
	struct wm_func f;
	struct wm_dbstore *db = NULL;
	char dir[] = "/tmp/wm-dbstore-XXXXXX", path[96], link[96], side[112], err[256];
	struct stat sb;
	int fd;

	assert_non_null(mkdtemp(dir));
	sig__init_raw(&f.sig, "f");
	f.id = 0;
	snprintf(f.name, sizeof(f.name), "f");
	f.object = test_object("/o");
	snprintf(path, sizeof(path), "%s/exists.db", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(dbstore__new(path, &f, 1, NULL, &db, err, sizeof(err)), -EEXIST);
	assert_null(db);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 4);

	/* A symlink, even to nowhere, is not followed and nothing is created at its target. */
	snprintf(link, sizeof(link), "%s/link.db", dir);
	snprintf(side, sizeof(side), "%s/target.db", dir);
	assert_int_equal(symlink(side, link), 0);
	assert_int_equal(dbstore__new(link, &f, 1, NULL, &db, err, sizeof(err)), -EEXIST);
	assert_int_not_equal(access(side, F_OK), 0);

	/* A stale -wal beside a new name would be replayed into it: refused. */
	snprintf(path, sizeof(path), "%s/new.db", dir);
	snprintf(side, sizeof(side), "%s-wal", path);
	fd = open(side, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(dbstore__new(path, &f, 1, NULL, &db, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "-wal exists"));
	assert_int_not_equal(access(path, F_OK), 0);

	/* So would a -journal; and what was made before the refusal is removed. */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	snprintf(side, sizeof(side), "%s-journal", path);
	fd = open(side, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(dbstore__new(path, &f, 1, NULL, &db, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "-journal exists"));
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(side, sizeof(side), "%s-wal", path);
	assert_int_not_equal(access(side, F_OK), 0);
	snprintf(side, sizeof(side), "%s-shm", path);
	assert_int_not_equal(access(side, F_OK), 0);
	snprintf(side, sizeof(side), "rm -rf '%s'", dir);
	assert_int_equal(system(side), 0);
	sig__free(&f.sig);
}

/* Each kind of parameter and result by its name in the functions table. */
static void test_kind_names(void **state)
{
	static const struct {
		const char *name, *type;
		enum wm_type_kind kind;
		bool is_union;
	} params[] = {
		{ "c", "enum color", WM_T_ENUM },    { "fn", "int (*)(int)", WM_T_FUNCPTR },
		{ "p", "struct pair", WM_T_STRUCT }, { "u", "union num", WM_T_STRUCT, true },
		{ "buf", "char *", WM_T_BUF },	     { "it", "struct item *", WM_T_PTR },
		{ "x", "unknown_t", WM_T_UNKNOWN },
	};
	char dir[] = "/tmp/wm-dbstore-XXXXXX", path[64], cmd[96], err[256];
	struct wm_dbstore *store = NULL;
	struct wm_func *f = calloc(1, sizeof(*f));
	sqlite3 *db;
	size_t i;

	assert_non_null(f);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kinds.db", dir);
	test_sig_full(&f->sig);
	f->sig.source = WM_SIG_DWARF;
	assert_int_equal(sig__set_name(&f->sig, "paint"), 0);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		struct wm_param *p = &f->sig.params[f->sig.nr_params++];

		snprintf(p->name, sizeof(p->name), "%s", params[i].name);
		snprintf(p->type.name, sizeof(p->type.name), "%s", params[i].type);
		p->type.kind = params[i].kind;
		p->type.is_union = params[i].is_union;
	}
	f->sig.ret = f->sig.params[0].type;
	snprintf(f->name, sizeof(f->name), "paint");
	f->object = test_object("/usr/bin/app");
	assert_int_equal(dbstore__new(path, f, 1, NULL, &store, err, sizeof(err)), 0);
	db = db_open(path);
	assert_rows(db, "SELECT params, result_type, result_kind FROM functions",
		    "[{\"name\":\"c\",\"type\":\"enum color\",\"kind\":\"enum\"},"
		    "{\"name\":\"fn\",\"type\":\"int (*)(int)\",\"kind\":\"funcptr\"},"
		    "{\"name\":\"p\",\"type\":\"struct pair\",\"kind\":\"struct\"},"
		    "{\"name\":\"u\",\"type\":\"union num\",\"kind\":\"union\"},"
		    "{\"name\":\"buf\",\"type\":\"char *\",\"kind\":\"buffer\"},"
		    "{\"name\":\"it\",\"type\":\"struct item *\",\"kind\":\"pointer\"},"
		    "{\"name\":\"x\",\"type\":\"unknown_t\",\"kind\":\"raw\"}]|"
		    "enum color|enum\n");
	sqlite3_close(db);
	dbstore__free(store);
	sig__free(&f->sig);
	free(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A full queue: calls not kept are counted, and the aggregates still count them. */
static void test_not_kept(void **state)
{
	struct fx *fx = fx_new(1);
	struct wm_dbstore_stats st;
	struct wm_call_view v;
	char err[256];
	sqlite3 *db;
	long long rows;

	for (int i = 0; i < 20000; i++) {
		view_init(&v, 1, 10, 0, 1000 + i * 10, 0, 5);
		assert_int_equal(store__add(fx->store, &v), 0);
	}
	assert_int_equal(dbstore__finish(fx->db, fx->store, BASE_NS + 1000000, err, sizeof(err)),
			 0);
	dbstore__stats(fx->db, &st);
	assert_int_equal(st.seen, 20000);
	assert_true(st.not_kept > 0);
	db = db_open(fx->path);
	rows = q_int(db, "SELECT count(*) FROM calls");
	assert_int_equal(rows + st.not_kept, 20000);
	assert_int_equal(q_int(db, "SELECT not_kept FROM sessions"), st.not_kept);
	assert_int_equal(q_int(db, "SELECT calls FROM sessions"), 20000);
	assert_int_equal(q_int(db, "SELECT calls FROM aggregates WHERE function_id = 2"), 20000);
	assert_int_equal(q_int(db, "SELECT not_kept FROM aggregates WHERE function_id = 2"),
			 st.not_kept);
	sqlite3_close(db);
	fx_free(fx);
}

static char *run_report(const char *path, const struct wm_report_opts *o, int *ret, char *err)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	assert_non_null(f);
	*ret = report__run(path, o, f, err, 256);
	fclose(f);
	return p;
}

static struct fx *finished_fx(void)
{
	struct fx *fx = fx_new(0);
	char err[256];

	add_calls(fx);
	assert_int_equal(dbstore__finish(fx->db, fx->store, BASE_NS + 400000, err, sizeof(err)), 0);
	dbstore__free(fx->db);
	fx->db = NULL;
	return fx;
}

static void test_report_text(void **state)
{
	struct fx *fx = finished_fx();
	struct wm_report_opts o = { .sz = sizeof(o), .top = 2 };
	struct utsname u;
	char err[256] = "", head[512], *out, *want;
	int ret;

	uname(&u);
	snprintf(head, sizeof(head),
		 "session 1: wrapmon-trace -p 42 -f 'int search(const char *pat, const char *s)'\n"
		 "  process 42 (/usr/bin/app) on %s, Linux %s, wrapmon 0.1\n"
		 "  2026-11-21T12:00:00.000000Z to 2026-11-21T12:00:00.000400Z (400.0 us): 5 "
		 "calls, 0 not kept, 3 dropped\n",
		 u.nodename, u.release);
	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	/* clang-format off */
	assert_true(asprintf(&want, "%s%s", head,
		"\n"
		"FUNCTION          CALLS  UNFINISHED  DROPPED  NOT KEPT       MIN       AVG       P50       P90       P99       MAX\n"
		"search                2           1        3         0    500 ns  150.2 us    504 ns  300.0 us  300.0 us  300.0 us\n"
		"outer                 1           0        0         0    2.0 us    2.0 us    2.0 us    2.0 us    2.0 us    2.0 us\n"
		"blob                  1           0        0         0    100 ns    100 ns    100 ns    100 ns    100 ns    100 ns\n"
		"\n"
		"SLOWEST 2 CALLS\n"
		"ID       TIME (UTC)                  TID CALL = RESULT  <LATENCY>\n"
		"5        2026-11-21T12:00:00.000005Z 12 search(pat=\"long\"..., s=0x10<unreadable>) = -1 ENOENT  <300.0 us>\n"
		"2        2026-11-21T12:00:00.000000Z 10 outer(x=7) = 21  <2.0 us>\n"
		"\n"
		"ERRORS\n"
		"none recorded\n") > 0);
	/* clang-format on */
	assert_string_equal(out, want);
	free(out);
	free(want);

	/* --function and --since list the matching calls, in time order, escaped. */
	o.top = 10;
	o.function = "search";
	o.since = "2026-11-21T12:00:00.000002Z";
	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out,
			       "\nCALLS\n"
			       "ID       TIME (UTC)                  TID CALL = RESULT  <LATENCY>\n"
			       "3        2026-11-21T12:00:00.000003Z 11 search(pat=\"\\x1b[2J\", "
			       "s=NULL) = ? <unfinished: thread_exit>\n"
			       "5        2026-11-21T12:00:00.000005Z 12 search(pat=\"long\"..., "
			       "s=0x10<unreadable>) = -1 ENOENT  <300.0 us>\n"));
	/* The slowest list obeys the same selection. */
	assert_null(strstr(out, "outer(x=7)"));
	free(out);
	/* A duration counts back from the end (400 us): 397 us before it is 3 us in. */
	o.since = "397us";
	o.function = NULL;
	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "\nCALLS\nID "));
	assert_non_null(strstr(out, "3        2026-11-21T12:00:00.000003Z 11 search("));
	/* Calls before that time are not listed: outer (0.9 us) and search (1 us). */
	assert_null(strstr(strstr(out, "\nCALLS\n"), "outer(x=7)"));
	assert_null(strstr(strstr(out, "\nCALLS\n"), "pat=\"a\""));
	free(out);
	o.since = "0.5s";
	o.function = "blob";
	out = run_report(fx->path, &o, &ret, err);
	assert_non_null(strstr(out, "blob(0xabc, 0x0, 0x0, 0x0, 0x0, 0x0) = 0xdead  <100 ns>\n"));
	free(out);
	fx_free(fx);
}

static void test_report_json(void **state)
{
	struct fx *fx = finished_fx();
	struct wm_report_opts o = { .sz = sizeof(o), .json = true, .function = "outer" };
	char err[256] = "", *out;
	sqlite3 *m;
	sqlite3_stmt *st;
	int ret;

	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	assert_int_equal(sqlite3_open(":memory:", &m), SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(m,
				   "SELECT json_valid(?1), json_extract(?1, '$.sessions[0].calls'),"
				   " json_extract(?1, '$.sessions[0].functions[0].latency_ns.p90'),"
				   " json_extract(?1, '$.sessions[0].slowest[0].function'),"
				   " json_extract(?1, '$.sessions[0].matches[0].args[0].value'),"
				   " json_extract(?1, '$.sessions[0].matches[0].result.value'),"
				   " json_array_length(?1, '$.sessions[0].matches'),"
				   " json_extract(?1, '$.sessions[0].complete'),"
				   " json_extract(?1, '$.sessions[0].end')",
				   -1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 5);
	assert_int_equal(sqlite3_column_int(st, 2), 300000);
	assert_string_equal(sqlite3_column_text(st, 3), "outer");
	assert_int_equal(sqlite3_column_int(st, 4), 7);
	assert_int_equal(sqlite3_column_int(st, 5), 21);
	assert_int_equal(sqlite3_column_int(st, 6), 1);
	assert_int_equal(sqlite3_column_int(st, 7), 1);
	assert_string_equal(sqlite3_column_text(st, 8), "2026-11-21T12:00:00.000400Z");
	sqlite3_finalize(st);
	sqlite3_close(m);
	free(out);
	fx_free(fx);
}

/* A file from before calls.errno (schema 2) reads as before: results without errno. */
static void test_report_schema_2(void **state)
{
	struct fx *fx = finished_fx();
	struct wm_report_opts o = { .sz = sizeof(o), .function = "search" };
	char err[256] = "", *out;
	sqlite3 *db;
	int ret;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "ALTER TABLE calls DROP COLUMN errno;"
				      "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "s=0x10<unreadable>) = -1  <300.0 us>\n"));
	free(out);
	fx_free(fx);
}

/* The tracer died: no aggregates, no end. The report works from the calls kept. */
static void test_report_unfinished_session(void **state)
{
	struct fx *fx = fx_new(0);
	struct wm_report_opts o = { .sz = sizeof(o) };
	char err[256] = "", *out;
	int ret;

	add_calls(fx);
	dbstore__free(fx->db);
	fx->db = NULL;
	out = run_report(fx->path, &o, &ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(
		strstr(out, "did not end cleanly; figures below are from the calls it kept"));
	/* Exact percentiles of the kept calls; dropped and not kept unknown. */
	assert_non_null(strstr(out,
			       "search                2           1        ?         ?    500 ns  "
			       "150.2 us    500 ns  300.0 us  300.0 us  300.0 us\n"));
	free(out);
	fx_free(fx);
}

static void test_report_bad_input(void **state)
{
	char dir[] = "/tmp/wm-report-XXXXXX", path[96], err[256] = "", *out;
	struct wm_report_opts o = { .sz = sizeof(o) };
	sqlite3 *db;
	FILE *f;
	int ret;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.db", dir);
	free(run_report(path, &o, &ret, err));
	assert_int_equal(ret, -ENOENT);
	assert_non_null(strstr(err, "missing.db: No such file or directory"));

	snprintf(path, sizeof(path), "%s/text.db", dir);
	f = fopen(path, "w");
	fputs("this is not a database, but it is long enough to look like one maybe\n", f);
	fclose(f);
	out = run_report(path, &o, &ret, err);
	assert_true(ret < 0);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "is not a wrapmon database"));
	free(out);

	snprintf(path, sizeof(path), "%s/other.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t (x); CREATE TABLE meta (key, value);"
				      "INSERT INTO meta VALUES ('format', 'other')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	free(run_report(path, &o, &ret, err));
	assert_true(ret < 0);
	assert_non_null(strstr(err, "is not a wrapmon database (no wrapmon marker)"));

	o.since = "yesterday";
	free(run_report(path, &o, &ret, err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "invalid --since 'yesterday'"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_parse_since(void **state)
{
	__u64 ns;

	assert_int_equal(report__parse_since("10s", 100000000000ULL, &ns), 0);
	assert_int_equal(ns, 90000000000ULL);
	assert_int_equal(report__parse_since("1.5m", 100000000000ULL, &ns), 0);
	assert_int_equal(ns, 10000000000ULL);
	assert_int_equal(report__parse_since("2", 100000000000ULL, &ns), 0);
	assert_int_equal(ns, 98000000000ULL);
	assert_int_equal(report__parse_since("250ms", 1000, &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(report__parse_since("2026-11-21T12:00:00Z", 0, &ns), 0);
	assert_int_equal(ns, BASE_NS);
	assert_int_equal(report__parse_since("2026-11-21 12:00:00.25", 0, &ns), 0);
	assert_int_equal(ns, BASE_NS + 250000000);
	assert_int_equal(report__parse_since("2026-11-21T12:00:00.123456789", 0, &ns), 0);
	assert_int_equal(ns, BASE_NS + 123456789);
	assert_int_equal(report__parse_since("10x", 0, &ns), -EINVAL);
	assert_int_equal(report__parse_since("-5s", 0, &ns), -EINVAL);
	assert_int_equal(report__parse_since("2026-13-01T00:00:00", 0, &ns), -EINVAL);
	assert_int_equal(report__parse_since("2026-11-21T12:00", 0, &ns), -EINVAL);
	assert_int_equal(report__parse_since("", 0, &ns), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_and_rows),
		cmocka_unit_test(test_report_schema_2),
		cmocka_unit_test(test_refuses_existing_and_symlinks),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_unfinished_session),
		cmocka_unit_test(test_report_bad_input),
		cmocka_unit_test(test_parse_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
