// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The file is read whole once; each line is cut in place into its three
 * fields and the entries sorted by (key, name) for bsearch(). Lines that
 * are not three fields (comments, damage) are skipped: a prototype that
 * does not parse is found here and refused by the caller's parser.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target/resolve.h"
#include "types/protodb.h"
#include "util/opts.h"

struct entry {
	const char *key, *name, *proto;
};

struct wm_protodb {
	char *text;
	struct entry *e;
	size_t nr;
	char path[PATH_MAX];
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->name, y->name);
}

/* Next to the binary (the build tree), then ../share/wrapmon from it (installed). */
static int default_path(char *path, size_t size)
{
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(path, size, "%s/wrapmon-protos.txt", dir);
	if (!access(path, R_OK))
		return 0;
	snprintf(path, size, "%s/../share/wrapmon/protos.txt", dir);
	return access(path, R_OK) ? -ENOENT : 0;
}

static int index_lines(struct wm_protodb *db)
{
	size_t cap = 0;
	char *line, *next;

	for (line = db->text; *line; line = next) {
		char *tab1, *tab2, *nl = strchr(line, '\n');

		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (line[0] == '#' || !tab2 || tab1 == line || tab2 == tab1 + 1 || !tab2[1])
			continue;
		*tab1 = *tab2 = '\0';
		if (db->nr == cap) {
			struct entry *e;

			cap = cap ? cap * 2 : 1024;
			e = realloc(db->e, cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			db->e = e;
		}
		db->e[db->nr++] = (struct entry){ line, tab1 + 1, tab2 + 1 };
	}
	qsort(db->e, db->nr, sizeof(*db->e), entry_cmp);
	return 0;
}

int protodb__open(const struct wm_protodb_opts *opts, struct wm_protodb **out)
{
	const char *path = OPTS_GET(opts, path, NULL);
	struct wm_protodb *db;
	int ret;

	if (!out || (opts && !OPTS_VALID(opts)))
		return -EINVAL;
	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	if (path)
		snprintf(db->path, sizeof(db->path), "%s", path);
	else if ((ret = default_path(db->path, sizeof(db->path))))
		goto cleanup;
	ret = proc__read_file(db->path, &db->text);
	if (!ret)
		ret = index_lines(db);
	if (ret)
		goto cleanup;
	*out = db;
	db = NULL;
cleanup:
	protodb__free(db);
	return ret;
}

void protodb__free(struct wm_protodb *db)
{
	if (!db)
		return;
	free(db->e);
	free(db->text);
	free(db);
}

/* The library an object is: its file name up to ".so", as gen.py's keys. */
static void obj_key(const char *obj_path, char *key, size_t size)
{
	const char *base = strrchr(obj_path, '/'), *so;
	size_t n;

	base = base ? base + 1 : obj_path;
	so = strstr(base, ".so");
	n = so ? (size_t)(so - base) : strlen(base);
	snprintf(key, size, "%.*s", (int)n, base);
	/* Since glibc 2.34 libpthread is a stub; older ones share libc's headers. */
	if (!strcmp(key, "libpthread"))
		snprintf(key, size, "libc");
	else if (!strncmp(key, "libcurl-", 8))
		snprintf(key, size, "libcurl");
}

static const char *find(const struct wm_protodb *db, const char *key, const char *name)
{
	struct entry k = { key, name, NULL }, *e;

	e = bsearch(&k, db->e, db->nr, sizeof(*db->e), entry_cmp);
	return e ? e->proto : NULL;
}

const char *protodb__find(const struct wm_protodb *db, const char *obj_path, const char *name)
{
	char key[64];
	const char *p;

	if (!db || !obj_path || !name)
		return NULL;
	obj_key(obj_path, key, sizeof(key));
	p = find(db, key, name);
	/* Which of OpenSSL's headers declares a function does not say which library has it. */
	if (!p && !strcmp(key, "libssl"))
		p = find(db, "libcrypto", name);
	else if (!p && !strcmp(key, "libcrypto"))
		p = find(db, "libssl", name);
	return p;
}

const char *protodb__path(const struct wm_protodb *db)
{
	return db ? db->path : NULL;
}

size_t protodb__size(const struct wm_protodb *db)
{
	return db ? db->nr : 0;
}
