// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The persistent store. The sink runs on the ring-buffer thread and only
 * copies each call into a bounded queue; the writer thread owns the SQLite
 * connection until dbstore__finish() joins it, so no statement is ever
 * shared between threads. WAL with synchronous=NORMAL makes each batch's
 * commit survive the tracer being killed; at the end the database goes back
 * to a rollback journal, so the file is complete on its own and can be
 * copied to another machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <sqlite3.h>
#include "util/buf.h"
#include "store/callq.h"
#include "store/dbstore.h"
#include "util/escape.h"
#include "util/json.h"
#include "util/opts.h"
#include "util/safepath.h"
#include "store/nest.h"
#include "sinks/format.h"

/* A trickle of calls is committed at least this often. */
#define COMMIT_MS 50

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" command_line TEXT NOT NULL,"
	" target_pid INTEGER NOT NULL,"
	" target_exe TEXT NOT NULL,"
	" host TEXT, kernel TEXT, wrapmon_version TEXT,"
	" start_ns INTEGER NOT NULL,"
	" end_ns INTEGER,"
	" calls INTEGER, not_kept INTEGER, dropped INTEGER);"
	"CREATE TABLE functions ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" name TEXT NOT NULL, object TEXT NOT NULL,"
	" signature TEXT NOT NULL, signature_source TEXT NOT NULL,"
	" params TEXT NOT NULL, result_type TEXT NOT NULL, result_kind TEXT NOT NULL);"
	"CREATE TABLE calls ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL REFERENCES sessions(id),"
	" function_id INTEGER NOT NULL REFERENCES functions(id),"
	" pid INTEGER NOT NULL, tid INTEGER NOT NULL,"
	" start_ns INTEGER NOT NULL, latency_ns INTEGER,"
	" depth INTEGER NOT NULL, parent_id INTEGER,"
	" args TEXT NOT NULL, result TEXT, unfinished TEXT,"
	" error INTEGER NOT NULL DEFAULT 0, error_text TEXT, stack TEXT, errno INTEGER);"
	"CREATE TABLE aggregates ("
	" function_id INTEGER PRIMARY KEY REFERENCES functions(id),"
	" calls INTEGER NOT NULL, unfinished INTEGER NOT NULL,"
	" dropped INTEGER NOT NULL, not_kept INTEGER NOT NULL,"
	" min_ns INTEGER, max_ns INTEGER, sum_ns INTEGER,"
	" p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER,"
	" histogram TEXT NOT NULL,"
	" errors INTEGER NOT NULL DEFAULT 0, filtered INTEGER NOT NULL DEFAULT 0);";

static const char insert_call_sql[] =
	"INSERT INTO calls (id, session_id, function_id, pid, tid, start_ns, latency_ns, depth,"
	" parent_id, args, result, unfinished, error, error_text, stack, errno)"
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* The database and the files SQLite makes beside it, by name. */
enum side { SIDE_DB, SIDE_WAL, SIDE_SHM, SIDE_JOURNAL, NR_SIDES };
static const char *const side_suffix[NR_SIDES] = { "", "-wal", "-shm", "-journal" };

struct wm_dbstore {
	char *path;
	mode_t mode;
	struct safepath sp;  /* the directory that holds path */
	unsigned int made;   /* 1 << side for each file this store created */
	struct stat journal; /* the -journal it made */
	bool discard;	     /* creation failed: remove what was made */
	sqlite3 *db;
	sqlite3_stmt *ins;
	const struct wm_func *funcs;
	int nr_funcs;
	/*
	 * Room for functions met while tracing (Python's): their rows are
	 * written with their first call, or at the end.
	 */
	int cap_funcs;
	sqlite3_int64 session_id;
	sqlite3_int64 *func_ids; /* functions.id per wm_func.id; 0: no row yet */
	struct wm_callq *q;
	struct wm_nest *nest;
	pthread_t writer;
	bool writer_started;
	/* The sink's, on the ring-buffer thread. */
	__u64 seen, not_kept;
	__u64 *func_not_kept;
	/* The writer's; read after it is joined, except the two atomics. */
	__u64 *func_lost; /* calls of a batch whose write failed */
	__u64 lost;	  /* atomic */
	int failed;	  /* atomic: errmsg and cause are set */
	char errmsg[256];
	char cause[128];
	struct wm_buf args, result, error, stack;
};

static int exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

/*
 * Why the last statement failed, in the system's words where it has some:
 * SQLite says "database or disk is full" and "disk I/O error" for ENOSPC.
 */
static const char *db_cause(sqlite3 *db)
{
	int e;

	if (!db)
		return "out of memory";
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_FULL:
		return strerror(ENOSPC);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		e = sqlite3_system_errno(db);
		if (e)
			return strerror(e);
		break;
	}
	return sqlite3_errmsg(db);
}

static const char *kind_name(const struct wm_type *t)
{
	switch (t->kind) {
	case WM_T_VOID:
		return "void";
	case WM_T_INT:
		return "int";
	case WM_T_BOOL:
		return "bool";
	case WM_T_CHAR:
		return "char";
	case WM_T_PTR:
		return "pointer";
	case WM_T_STR:
		return "string";
	case WM_T_FLOAT:
		return "float";
	case WM_T_ENUM:
		return "enum";
	case WM_T_FUNCPTR:
		return "funcptr";
	case WM_T_STRUCT:
		return t->is_union ? "union" : "struct";
	case WM_T_BUF:
		return "buffer";
	case WM_T_UNKNOWN:
	default:
		return "raw";
	}
}

static const char *source_name(enum wm_sig_source src)
{
	switch (src) {
	case WM_SIG_PROTO:
		return "prototype";
	case WM_SIG_DWARF:
		return "dwarf";
	case WM_SIG_GO:
		return "go";
	case WM_SIG_PY:
		return "python";
	case WM_SIG_RAW:
	default:
		return "raw";
	}
}

/* [{"name":"pat","type":"const char *","kind":"string"},...] */
/* Captured as a Python value (WM_CAP_PYOBJ): the report renders it as repr() does. */
static bool slot_is_py(const struct wm_func *f, int slot)
{
	return slot >= 0 && slot < WM_NR_SLOTS && f->plan.cfg.caps[slot].kind == WM_CAP_PYOBJ;
}

static void params_json(struct wm_buf *b, const struct wm_func *f)
{
	const struct wm_sig *sig = &f->sig;
	int i;

	buf__putc(b, '[');
	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		const struct wm_param *p = &sig->params[i];

		buf__puts(b, i ? ",{" : "{");
		if (p->name[0]) {
			buf__puts(b, "\"name\":");
			json__str(b, p->name, strnlen(p->name, sizeof(p->name)));
			buf__putc(b, ',');
		}
		buf__puts(b, "\"type\":");
		json__str(b, p->type.name, strnlen(p->type.name, sizeof(p->type.name)));
		buf__printf(b, ",\"kind\":\"%s\"}",
			    sig->source == WM_SIG_PY || slot_is_py(f, f->plan.entry_slot[i]) ?
				    "python" :
				    kind_name(&p->type));
	}
	buf__putc(b, ']');
}

/* Create path + side_suffix[side] in the store's directory, ours alone. */
static int make_side(struct wm_dbstore *s, enum side side)
{
	char name[sizeof(s->sp.name) + 16];
	int fd;

	snprintf(name, sizeof(name), "%s%s", s->sp.name, side_suffix[side]);
	fd = openat(s->sp.dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, s->mode);
	if (fd < 0)
		return -errno;
	s->made |= 1u << side;
	return fd;
}

static int stat_side(const struct wm_dbstore *s, enum side side, struct stat *st)
{
	char name[sizeof(s->sp.name) + 16];

	snprintf(name, sizeof(name), "%s%s", s->sp.name, side_suffix[side]);
	return fstatat(s->sp.dirfd, name, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/*
 * The file is ours alone: created here (never an existing file, never
 * through a path other users could steer), 0600 unless --file-mode says
 * otherwise, and still the same file once SQLite has it. SQLite opens its
 * -wal, -shm and -journal by name, so they are made first, by us: in a
 * sticky directory such as /tmp nobody else can then plant or swap them.
 */
static int create_file(struct wm_dbstore *s, char *err, size_t errsz)
{
	struct safepath_opts po = { .sz = sizeof(po), .by_name = true };
	char real[PATH_MAX];
	struct stat fst, pst;
	int fd, side, ret;

	ret = safepath__open_dir(s->path, &po, &s->sp, err, errsz);
	if (ret)
		return ret;
	fd = make_side(s, SIDE_DB);
	if (fd < 0) {
		if (fd == -EEXIST)
			err__set(err, errsz,
				 "%s already exists: wrapmon never overwrites or adds to a "
				 "file; choose a new --store file",
				 ESC(s->path));
		else
			err__set(err, errsz, "cannot create %s: %s", ESC(s->path), strerror(-fd));
		return fd;
	}
	for (side = SIDE_WAL; side < NR_SIDES; side++) {
		ret = make_side(s, side);
		if (ret == -EEXIST) {
			err__set(err, errsz,
				 "%s%s exists (left by a crashed writer?): remove it or "
				 "choose another --store file",
				 ESC(s->path), side_suffix[side]);
			goto cleanup;
		}
		if (ret < 0) {
			err__set(err, errsz, "cannot create %s%s: %s", ESC(s->path),
				 side_suffix[side], strerror(-ret));
			goto cleanup;
		}
		close(ret);
	}
	if (stat_side(s, SIDE_JOURNAL, &s->journal) ||
	    safepath__real_path(&s->sp, real, sizeof(real))) {
		err__set(err, errsz, "%s changed while it was being created: not writing to it",
			 ESC(s->path));
		ret = -EBUSY;
		goto cleanup;
	}
	/* The real path has no symlink in it: NOFOLLOW makes SQLite check that again. */
	ret = sqlite3_open_v2(real, &s->db,
			      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			      NULL);
	if (ret != SQLITE_OK) {
		err__set(err, errsz, "cannot open %s: %s", ESC(s->path), ESC(db_cause(s->db)));
		ret = -EIO;
		goto cleanup;
	}
	/* Make SQLite open the file now, then check it is the one we made. */
	if (exec_sql(s->db, "PRAGMA journal_mode=WAL")) {
		err__set(err, errsz, "cannot write to %s: %s", ESC(s->path), ESC(db_cause(s->db)));
		ret = -EIO;
		goto cleanup;
	}
	if (fstat(fd, &fst) || lstat(real, &pst) || fst.st_dev != pst.st_dev ||
	    fst.st_ino != pst.st_ino || !S_ISREG(pst.st_mode)) {
		err__set(err, errsz, "%s changed while it was being created: not writing to it",
			 ESC(s->path));
		ret = -EBUSY;
		goto cleanup;
	}
	/* SQLite removes the empty -journal of an empty database at first sight: take it back. */
	if (stat_side(s, SIDE_JOURNAL, &pst) == -ENOENT) {
		ret = make_side(s, SIDE_JOURNAL);
		if (ret >= 0) {
			close(ret);
			ret = stat_side(s, SIDE_JOURNAL, &s->journal);
		}
	} else {
		ret = pst.st_dev == s->journal.st_dev && pst.st_ino == s->journal.st_ino ? 0 :
											   -EEXIST;
	}
	if (ret) {
		err__set(err, errsz,
			 "%s-journal appeared while %s was being created: not writing to it",
			 ESC(s->path), ESC(s->path));
		ret = -EBUSY;
		goto cleanup;
	}
	ret = 0;
cleanup:
	close(fd);
	return ret;
}

/* The functions row of function i (once). */
static int insert_func(struct wm_dbstore *s, int i)
{
	const struct wm_func *f = &s->funcs[i];
	struct wm_buf params = {};
	sqlite3_stmt *st = NULL;
	char sig[1024];
	int ret = -EIO;

	if (s->func_ids[i])
		return 0;
	params_json(&params, f);
	if (params.err) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO functions (session_id, name, object, signature,"
			       " signature_source, params, result_type, result_kind)"
			       " VALUES (?,?,?,?,?,?,?,?)",
			       -1, &st, NULL))
		goto cleanup;
	sig__snprint(&f->sig, sig, sizeof(sig));
	sqlite3_bind_int64(st, 1, s->session_id);
	sqlite3_bind_text(st, 2, f->name, strnlen(f->name, sizeof(f->name)), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, func__obj_path(f), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, source_name(f->sig.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, params.p, params.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, f->sig.ret.kind == WM_T_VOID ? "void" : f->sig.ret.name, -1,
			  SQLITE_STATIC);
	/* A Python value is an object of any type: "python" tells the report so. */
	sqlite3_bind_text(st, 8,
			  f->sig.source == WM_SIG_PY || slot_is_py(f, f->plan.ret_slot) ?
				  "python" :
				  kind_name(&f->sig.ret),
			  -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto cleanup;
	s->func_ids[i] = sqlite3_last_insert_rowid(s->db);
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	buf__free(&params);
	return ret;
}

static int write_header(struct wm_dbstore *s, const struct wm_dbstore_opts *o, char *err,
			size_t errsz)
{
	const char *cmd = OPTS_GET(o, command_line, NULL), *exe = OPTS_GET(o, exe, NULL);
	const char *version = OPTS_GET(o, version, NULL);
	sqlite3_stmt *st = NULL;
	struct utsname u;
	char ver[16];
	int i, ret = -EIO;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	snprintf(ver, sizeof(ver), "%d", WM_DB_SCHEMA_VERSION);
	if (exec_sql(s->db, "PRAGMA synchronous=NORMAL; BEGIN") || exec_sql(s->db, schema_sql))
		goto cleanup;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO meta VALUES ('format','wrapmon'),"
			       "('schema_version',?)",
			       -1, &st, NULL))
		goto cleanup;
	sqlite3_bind_text(st, 1, ver, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto cleanup;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO sessions (command_line, target_pid, target_exe, host,"
			       " kernel, wrapmon_version, start_ns) VALUES (?,?,?,?,?,?,?)",
			       -1, &st, NULL))
		goto cleanup;
	sqlite3_bind_text(st, 1, cmd ? cmd : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, OPTS_GET(o, pid, 0));
	sqlite3_bind_text(st, 3, exe ? exe : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u.nodename, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, u.release, -1, SQLITE_STATIC);
	if (version)
		sqlite3_bind_text(st, 6, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)OPTS_GET(o, start_ns, 0));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto cleanup;
	s->session_id = sqlite3_last_insert_rowid(s->db);
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < s->nr_funcs; i++)
		if (insert_func(s, i))
			goto cleanup;
	if (exec_sql(s->db, "COMMIT"))
		goto cleanup;
	ret = 0;
cleanup:
	if (ret)
		err__set(err, errsz, "cannot write to %s: %s", ESC(s->path), ESC(db_cause(s->db)));
	sqlite3_finalize(st);
	return ret;
}

static int insert_call(struct wm_dbstore *s, const struct wm_call_view *c)
{
	const struct wm_func *f = &s->funcs[c->hdr.func_id];
	sqlite3_stmt *st = s->ins;
	bool done = c->hdr.kind == WM_REC_CALL;
	__u64 id, parent;
	int ret;

	/* A function met while tracing: its row comes with its first call. */
	ret = insert_func(s, c->hdr.func_id);
	if (ret)
		return ret;
	if (nest__link(s->nest, c->hdr.tid, c->hdr.depth, c->hdr.entry_ns, c->hdr.parent_entry_ns,
		       &id, &parent))
		return -ENOMEM;
	buf__reset(&s->args);
	buf__reset(&s->result);
	format__args_json(&s->args, f, c);
	/*
	 * No result to keep: the schema stays, the result column says why
	 * (a tail call's result is the callee's; --returns=none sees none; an
	 * exception ended the call: error_text names its type).
	 */
	if (done && (c->hdr.flags & WM_F_TAIL_CALL))
		buf__puts(&s->result, "{\"tail_call\":true}");
	else if (done && (c->hdr.flags & WM_F_RAISED))
		buf__puts(&s->result, "{\"raised\":true}");
	else if (done && (c->hdr.flags & WM_F_ENTRY_ONLY))
		buf__puts(&s->result, "{\"entry_only\":true}");
	else if (done)
		format__result_json(&s->result, f, c);
	if (s->args.err || s->result.err)
		return -ENOMEM;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, s->session_id);
	sqlite3_bind_int64(st, 3, s->func_ids[c->hdr.func_id]);
	sqlite3_bind_int64(st, 4, c->hdr.pid);
	sqlite3_bind_int64(st, 5, c->hdr.tid);
	sqlite3_bind_int64(st, 6, c->ts_real_ns);
	if (done && !(c->hdr.flags & WM_F_ENTRY_ONLY))
		sqlite3_bind_int64(st, 7, c->hdr.latency_ns);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, c->hdr.depth);
	if (parent)
		sqlite3_bind_int64(st, 9, parent);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, s->args.p, s->args.len, SQLITE_STATIC);
	if (done) {
		sqlite3_bind_text(st, 11, s->result.p, s->result.len, SQLITE_STATIC);
		sqlite3_bind_null(st, 12);
	} else {
		sqlite3_bind_null(st, 11);
		sqlite3_bind_text(st, 12, format__unfinished_name(c->hdr.flags), -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(st, 13, done && (c->hdr.flags & WM_F_ERROR));
	if (done && (c->hdr.flags & WM_F_ERROR)) {
		buf__reset(&s->error);
		format__error_json(&s->error, f, c);
		sqlite3_bind_text(st, 14, s->error.p, s->error.len, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 14);
	}
	if (f->plan.stack_slot >= 0) {
		buf__reset(&s->stack);
		format__stack_json(&s->stack, f, c);
		sqlite3_bind_text(st, 15, s->stack.p, s->stack.len, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 15);
	}
	/* The thread's errno a failing call left, when it was read. */
	if (done && (c->hdr.flags & WM_F_ERRNO))
		sqlite3_bind_int(st, 16, c->hdr.uerrno);
	else
		sqlite3_bind_null(st, 16);
	if (s->error.err || s->stack.err) {
		sqlite3_reset(st);
		return -ENOMEM;
	}
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_reset(st);
	return ret;
}

static void writer_fail(struct wm_dbstore *s, const char *what)
{
	if (__atomic_load_n(&s->failed, __ATOMIC_RELAXED))
		return;
	snprintf(s->cause, sizeof(s->cause), "%s", db_cause(s->db));
	snprintf(s->errmsg, sizeof(s->errmsg), "store %s: %s (%s): calls from now on are not kept",
		 ESC(s->path), what, ESC(s->cause));
	__atomic_store_n(&s->failed, 1, __ATOMIC_RELEASE);
}

/* Count a batch that is not written as calls not kept. */
static void batch_lost(struct wm_dbstore *s, struct wm_callq_batch *b)
{
	struct wm_call_view v;
	__u64 n = 0;

	b->pos = 0;
	while (callq__next(b, &v)) {
		if (v.hdr.func_id < (__u32)s->cap_funcs)
			s->func_lost[v.hdr.func_id]++;
		n++;
	}
	__atomic_add_fetch(&s->lost, n, __ATOMIC_RELAXED);
}

static void write_batch(struct wm_dbstore *s, struct wm_callq_batch *b)
{
	struct wm_call_view v;

	if (__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
		batch_lost(s, b);
		return;
	}
	if (exec_sql(s->db, "BEGIN")) {
		writer_fail(s, "cannot begin a transaction");
		batch_lost(s, b);
		return;
	}
	while (callq__next(b, &v)) {
		if (v.hdr.func_id >= (__u32)s->cap_funcs)
			continue;
		if (insert_call(s, &v)) {
			writer_fail(s, "cannot write a call");
			break;
		}
	}
	if (!__atomic_load_n(&s->failed, __ATOMIC_RELAXED) && exec_sql(s->db, "COMMIT"))
		writer_fail(s, "cannot commit");
	if (__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
		exec_sql(s->db, "ROLLBACK");
		batch_lost(s, b);
	}
}

static void *writer_main(void *arg)
{
	struct wm_dbstore *s = arg;
	struct wm_callq_batch b = {};
	int n;

	while ((n = callq__take(s->q, &b, COMMIT_MS)) != -EPIPE) {
		if (n > 0)
			write_batch(s, &b);
	}
	callq_batch__free(&b);
	return NULL;
}

static void sink_call(void *ctx, const struct wm_func *f, const struct wm_call_view *c)
{
	struct wm_dbstore *s = ctx;

	s->seen++;
	if (__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE) || callq__push(s->q, c)) {
		s->not_kept++;
		s->func_not_kept[c->hdr.func_id]++;
	}
}

int dbstore__new(const char *path, const struct wm_func *funcs, int nr_funcs,
		 const struct wm_dbstore_opts *opts, struct wm_dbstore **out, char *err,
		 size_t errsz)
{
	struct wm_callq_opts qopts = { .sz = sizeof(qopts) };
	struct wm_dbstore *s = NULL;
	int ret;

	if (!path || !out || nr_funcs < 0 || (nr_funcs && !funcs)) {
		err__set(err, errsz, "invalid arguments");
		return -EINVAL;
	}
	*out = NULL;
	if (!OPTS_VALID(opts)) {
		err__set(err, errsz, "invalid options");
		return -EINVAL;
	}
	qopts.max_calls = OPTS_GET(opts, queue_calls, 0);
	ret = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->sp.dirfd = -1;
	s->funcs = funcs;
	s->nr_funcs = nr_funcs;
	s->cap_funcs = nr_funcs + OPTS_GET(opts, extra_funcs, 0);
	s->mode = OPTS_GET(opts, mode, 0) ? opts->mode : 0600;
	s->path = strdup(path);
	s->func_ids = calloc(s->cap_funcs + 1, sizeof(*s->func_ids));
	s->func_not_kept = calloc(s->cap_funcs + 1, sizeof(*s->func_not_kept));
	s->func_lost = calloc(s->cap_funcs + 1, sizeof(*s->func_lost));
	if (!s->path || !s->func_ids || !s->func_not_kept || !s->func_lost)
		goto nomem;
	if (nest__new(1, &s->nest) || callq__new(&qopts, &s->q))
		goto nomem;

	ret = create_file(s, err, errsz);
	if (ret)
		goto cleanup;
	ret = write_header(s, opts, err, errsz);
	if (ret)
		goto cleanup;
	if (sqlite3_prepare_v3(s->db, insert_call_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->ins,
			       NULL)) {
		err__set(err, errsz, "cannot write to %s: %s", ESC(path), ESC(db_cause(s->db)));
		ret = -EIO;
		goto cleanup;
	}
	ret = -pthread_create(&s->writer, NULL, writer_main, s);
	if (ret) {
		err__set(err, errsz, "cannot start the store's writer thread: %s", strerror(-ret));
		goto cleanup;
	}
	s->writer_started = true;
	*out = s;
	return 0;
nomem:
	err__set(err, errsz, "out of memory");
cleanup:
	/* Files we created and could not set up are of no use to anyone, and would block a retry. */
	if (s)
		s->discard = true;
	dbstore__free(s);
	return ret;
}

void dbstore__sink(struct wm_dbstore *db, struct wm_sink *sink)
{
	sink->on_call = sink_call;
	sink->ctx = db;
}

void dbstore__stats(const struct wm_dbstore *db, struct wm_dbstore_stats *st)
{
	st->seen = db ? db->seen : 0;
	st->not_kept = db ? db->not_kept + __atomic_load_n(&db->lost, __ATOMIC_RELAXED) : 0;
}

const char *dbstore__error(const struct wm_dbstore *db)
{
	if (!db || !__atomic_load_n(&db->failed, __ATOMIC_ACQUIRE))
		return NULL;
	return db->errmsg;
}

const char *dbstore__cause(const struct wm_dbstore *db)
{
	if (!db || !__atomic_load_n(&db->failed, __ATOMIC_ACQUIRE))
		return NULL;
	return db->cause;
}

static void stop_writer(struct wm_dbstore *s)
{
	if (!s->writer_started)
		return;
	callq__close(s->q);
	pthread_join(s->writer, NULL);
	s->writer_started = false;
}

/* [[low_ns, high_ns, count], ...] of the non-empty buckets, high exclusive. */
static void histogram_json(struct wm_buf *b, const struct wm_agg *a)
{
	__u64 low, width;
	bool first = true;
	unsigned int i;

	buf__putc(b, '[');
	for (i = 0; i < WM_HIST_BUCKETS; i++) {
		if (!a->hist[i])
			continue;
		low = store__bucket_low(i, &width);
		buf__printf(b, "%s[%llu,%llu,%llu]", first ? "" : ",", (unsigned long long)low,
			    (unsigned long long)(low + width), (unsigned long long)a->hist[i]);
		first = false;
	}
	buf__putc(b, ']');
}

static int write_aggregates(struct wm_dbstore *s, const struct wm_store *aggs)
{
	struct wm_buf hist = {};
	sqlite3_stmt *st = NULL;
	int i, ret = -EIO;

	if (sqlite3_prepare_v2(
		    s->db,
		    "INSERT INTO aggregates (function_id, calls, unfinished, dropped, "
		    "not_kept, min_ns, max_ns, sum_ns, p50_ns, p90_ns, p99_ns, histogram, "
		    "errors, filtered) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    -1, &st, NULL))
		goto cleanup;
	for (i = 0; i < s->nr_funcs; i++) {
		const struct wm_agg *a = store__agg(aggs, i);

		if (!a)
			continue;
		/* Met while tracing, with no call written: its row now. */
		if (insert_func(s, i))
			goto cleanup;
		buf__reset(&hist);
		histogram_json(&hist, a);
		if (hist.err) {
			ret = -ENOMEM;
			goto cleanup;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, s->func_ids[i]);
		sqlite3_bind_int64(st, 2, a->calls);
		sqlite3_bind_int64(st, 3, a->unfinished);
		sqlite3_bind_int64(st, 4, a->dropped);
		sqlite3_bind_int64(st, 5, s->func_not_kept[i] + s->func_lost[i]);
		if (a->timed) {
			sqlite3_bind_int64(st, 6, a->lat_min);
			sqlite3_bind_int64(st, 7, a->lat_max);
			sqlite3_bind_int64(st, 8, a->lat_sum);
			sqlite3_bind_int64(st, 9, store__percentile(aggs, i, 50));
			sqlite3_bind_int64(st, 10, store__percentile(aggs, i, 90));
			sqlite3_bind_int64(st, 11, store__percentile(aggs, i, 99));
		}
		sqlite3_bind_text(st, 12, hist.p, hist.len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 13, a->errors);
		sqlite3_bind_int64(st, 14, a->filtered);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	buf__free(&hist);
	return ret;
}

int dbstore__finish(struct wm_dbstore *db, const struct wm_store *aggs, __u64 end_ns, char *err,
		    size_t errsz)
{
	struct wm_dbstore_stats sts;
	sqlite3_stmt *st = NULL;
	__u64 dropped = 0;
	int i, ret = -EIO;

	if (!db || !db->db)
		return -EINVAL;
	stop_writer(db);
	/* Functions met while tracing count too: the store has them all. */
	if (aggs) {
		struct wm_store_view v;

		store__view(aggs, &v);
		if (v.nr_funcs > db->nr_funcs && v.nr_funcs <= db->cap_funcs)
			db->nr_funcs = v.nr_funcs;
	}
	dbstore__stats(db, &sts);
	for (i = 0; i < db->nr_funcs; i++)
		dropped += store__agg(aggs, i) ? store__agg(aggs, i)->dropped : 0;
	if (exec_sql(db->db, "BEGIN"))
		goto cleanup;
	if (aggs && write_aggregates(db, aggs))
		goto cleanup;
	if (sqlite3_prepare_v2(db->db,
			       "UPDATE sessions SET end_ns = ?, calls = ?, not_kept = ?,"
			       " dropped = ? WHERE id = ?",
			       -1, &st, NULL))
		goto cleanup;
	sqlite3_bind_int64(st, 1, end_ns);
	sqlite3_bind_int64(st, 2, sts.seen);
	sqlite3_bind_int64(st, 3, sts.not_kept);
	sqlite3_bind_int64(st, 4, dropped);
	sqlite3_bind_int64(st, 5, db->session_id);
	if (sqlite3_step(st) != SQLITE_DONE || exec_sql(db->db, "COMMIT"))
		goto cleanup;
	/* One self-contained file: nothing left in a -wal beside it. */
	if (exec_sql(db->db, "PRAGMA journal_mode=DELETE"))
		goto cleanup;
	ret = 0;
cleanup:
	if (ret)
		err__set(err, errsz, "cannot finish %s: %s", ESC(db->path), ESC(db_cause(db->db)));
	sqlite3_finalize(st);
	return ret;
}

void dbstore__free(struct wm_dbstore *db)
{
	if (!db)
		return;
	stop_writer(db);
	sqlite3_finalize(db->ins);
	sqlite3_close(db->db);
	/* After the close: SQLite may write its -wal or -shm until then. */
	for (int side = 0; db->discard && side < NR_SIDES; side++) {
		char name[sizeof(db->sp.name) + 16];

		snprintf(name, sizeof(name), "%s%s", db->sp.name, side_suffix[side]);
		if (db->made & (1u << side))
			unlinkat(db->sp.dirfd, name, 0);
	}
	/* The empty -journal held for SQLite, if it is still there; an empty one is never hot. */
	if (!db->discard && (db->made & (1u << SIDE_JOURNAL))) {
		struct stat st;

		if (!stat_side(db, SIDE_JOURNAL, &st) && st.st_dev == db->journal.st_dev &&
		    st.st_ino == db->journal.st_ino && S_ISREG(st.st_mode) && !st.st_size) {
			char name[sizeof(db->sp.name) + 16];

			snprintf(name, sizeof(name), "%s-journal", db->sp.name);
			unlinkat(db->sp.dirfd, name, 0);
		}
	}
	safepath__close(&db->sp);
	callq__free(db->q);
	nest__free(db->nest);
	buf__free(&db->args);
	buf__free(&db->error);
	buf__free(&db->stack);
	buf__free(&db->result);
	free(db->func_ids);
	free(db->func_not_kept);
	free(db->func_lost);
	free(db->path);
	free(db);
}
