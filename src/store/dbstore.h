/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The persistent store: one tracing session into an SQLite database (schema
 * in wrapmon-trace(8), PERSISTENT STORE). Its sink only queues each call; a writer
 * thread turns them into rows in batched transactions, so a slow disk costs
 * calls the store did not keep, counted, never records lost in BPF.
 */
#ifndef WM_DBSTORE_H
#define WM_DBSTORE_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>
#include "plan/func.h"
#include "store/store.h"

/*
 * 2: calls.stack, aggregates.errors and .filtered. 3: calls.errno.
 * report reads 1 to 3.
 */
#define WM_DB_SCHEMA_VERSION 3
#define WM_DB_SCHEMA_OLDEST  1

struct wm_dbstore_opts {
	size_t sz;
	const char *command_line; /* the tracer's, for the sessions table */
	pid_t pid;		  /* target process */
	const char *exe;	  /* its executable */
	const char *version;	  /* wrapmon's, or NULL */
	__u64 start_ns;		  /* wall clock at start */
	size_t queue_calls;	  /* calls the queue holds at most (0: 262144) */
	mode_t mode;		  /* of the new file (0: WM_FILE_MODE, 0600) */
	/* Functions funcs has room for past nr_funcs, met while tracing (Python's). */
	int extra_funcs;
};

struct wm_dbstore_stats {
	__u64 seen;	/* calls given to the sink */
	__u64 not_kept; /* of those, calls that are not written (queue full, write failed) */
};

struct wm_dbstore;

/*
 * Create the database at path, which must not exist, nor its -wal, -shm
 * or -journal (all are created 0600, on a path no other user can steer:
 * util/safepath.h), with the session and its functions; start the writer.
 * On failure nothing it created is left. funcs must outlive the store.
 * err gets one line.
 */
int dbstore__new(const char *path, const struct wm_func *funcs, int nr_funcs,
		 const struct wm_dbstore_opts *opts, struct wm_dbstore **out, char *err,
		 size_t errsz);
/* The sink to add to the monitor store: it queues each call, never blocks. */
void dbstore__sink(struct wm_dbstore *db, struct wm_sink *sink);
/* Counters so far (from the thread that runs the sink). */
void dbstore__stats(const struct wm_dbstore *db, struct wm_dbstore_stats *st);
/* The writer's first error as one line, or NULL while all is well. */
const char *dbstore__error(const struct wm_dbstore *db);
/* Its cause alone ("No space left on device"), or NULL while all is well. */
const char *dbstore__cause(const struct wm_dbstore *db);
/*
 * Write what is still queued, the per-function aggregates from the monitor
 * store and the end of the session, then close the database as a single
 * file. err gets one line.
 */
int dbstore__finish(struct wm_dbstore *db, const struct wm_store *aggs, __u64 end_ns, char *err,
		    size_t errsz);
void dbstore__free(struct wm_dbstore *db);

#endif
