// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The signature of each match is found as functable.c does for a -f
 * without a prototype: the object's debug info, else the prototype
 * database, else nothing (raw registers).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan/list.h"
#include "target/demangle.h"
#include "target/resolve.h"
#include "types/dwarf.h"
#include "types/proto.h"
#include "types/protodb.h"
#include "types/sig.h"
#include "util/escape.h"
#include "util/opts.h"

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
};

/* "libz", "z" or "libz.so.1" against a file name, as resolve.c matches LIB:. */
static bool lib_matches(const char *lib, const char *file)
{
	size_t n = strlen(lib);

	if (!strcmp(lib, file))
		return true;
	if (!strncmp(file, lib, n) && !strncmp(file + n, ".so", 3) &&
	    (!file[n + 3] || file[n + 3] == '.'))
		return true;
	return strncmp(lib, "lib", 3) && !strncmp(file, "lib", 3) && lib_matches(lib, file + 3) &&
	       strncmp(file + 3, "lib", 3);
}

/* The runtime object of LIB: "libz.so.1" rather than the linker's "libz.so". */
static int find_lib(const char *lib, char *path, size_t size)
{
	int best = 0;

	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		DIR *d = opendir(lib_dirs[i]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			/* A versioned name beats the bare ".so" (a linker script, sometimes). */
			int score = !lib_matches(lib, e->d_name) ? 0 :
				    strstr(e->d_name, ".so.")	 ? 2 :
								   1;

			if (score > best) {
				best = score;
				snprintf(path, size, "%s/%s", lib_dirs[i], e->d_name);
			}
		}
		closedir(d);
		if (best == 2)
			break;
	}
	return best ? 0 : -ENOENT;
}

/* "libz.so.1" -> "libz": how -f names the object. */
static void obj_name(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/'), *so;

	base = base ? base + 1 : path;
	so = strstr(base, ".so");
	snprintf(buf, size, "%.*s", (int)(so ? (size_t)(so - base) : strlen(base)), base);
}

struct lister {
	const struct wm_resolver *res;
	struct wm_dwarf **dwarf; /* per object; opened at its first match */
	bool *dwarf_tried;
	struct wm_protodb *db;
	bool db_tried;
	FILE *out;
};

static const char *match_sig(struct lister *l, const struct wm_match *m, struct wm_sig *sig)
{
	const char *text;
	int col;

	if (!l->dwarf_tried[m->obj]) {
		l->dwarf_tried[m->obj] = true;
		dwarf__open(resolver__obj_fd(l->res, m->obj), &l->dwarf[m->obj]);
	}
	if (l->dwarf[m->obj] && !dwarf__func_sig(l->dwarf[m->obj], m->sym, m->vaddr, sig))
		return "dwarf";
	if (!l->db_tried) {
		l->db_tried = true;
		protodb__open(NULL, &l->db);
	}
	text = protodb__find(l->db, resolver__obj_path(l->res, m->obj), m->sym);
	if (text && !proto__parse(text, sig, &col, NULL, 0)) {
		sig__set_name(sig, m->sym);
		return "protodb";
	}
	return "none";
}

static void print_match(struct lister *l, const struct wm_match *m)
{
	char obj[256], text[1024], name[512];
	struct wm_sig *sig = calloc(1, sizeof(*sig));
	const char *src = sig ? match_sig(l, m, sig) : "none";

	obj_name(resolver__obj_path(l->res, m->obj), obj, sizeof(obj));
	/*
	 * A GCC clone ("[clone .isra.0]") is no name -f takes when demangled:
	 * its symbol is, and a lambda or a static function may have no other copy.
	 */
	if (demangle(m->sym, name, sizeof(name)) == -EINVAL || strstr(name, " [clone "))
		snprintf(name, sizeof(name), "%s", m->sym);
	else if (sig) {
		/* As the calls show it: "ns::f", not "_ZN2ns1fEi". */
		char shown[sizeof(name)];

		snprintf(shown, sizeof(shown), "%.*s", (int)demangle__name_len(name), name);
		sig__set_name(sig, shown);
	}
	if (strcmp(src, "none"))
		sig__snprint(sig, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "?");
	fprintf(l->out, "%s:%s\t%s\t%s\n", ESC(obj), ESC(name), ESC(text), src);
	sig__free(sig);
	free(sig);
}

int list__print(const struct wm_list_opts *opts, char *err, size_t errsz)
{
	const char *pattern = OPTS_GET(opts, pattern, NULL), *colon, *path;
	struct lister l = { .out = OPTS_GET(opts, out, NULL) };
	char found[PATH_MAX], sel[PATH_MAX + 512];
	struct wm_resolver *res = NULL;
	struct wm_match *m = NULL;
	pid_t pid = OPTS_GET(opts, pid, 0);
	int n = 0, ret;

	if (!OPTS_VALID(opts) || !pattern || !l.out)
		return -EINVAL;
	colon = strchr(pattern, ':');
	if (pid) {
		ret = resolver__new_pid(pid, &res, err, errsz);
		if (ret)
			goto cleanup;
		snprintf(sel, sizeof(sel), "%s", pattern);
	} else {
		if (!colon) {
			snprintf(
				err, errsz,
				"--list '%s' without -p names no object: give -p PID, or "
				"LIB:PATTERN / /path/to/obj:PATTERN (e.g. --list 'libz:*inflate*')",
				ESC(pattern));
			ret = -EINVAL;
			goto cleanup;
		}
		if (pattern[0] == '/') {
			snprintf(found, sizeof(found), "%.*s", (int)(colon - pattern), pattern);
		} else {
			snprintf(sel, sizeof(sel), "%.*s", (int)(colon - pattern), pattern);
			if (find_lib(sel, found, sizeof(found))) {
				snprintf(
					err, errsz,
					"no library '%s' where the dynamic linker looks: give its "
					"path, e.g. --list /usr/lib/x86_64-linux-gnu/libz.so.1:'*'",
					ESC(sel));
				ret = -ENOENT;
				goto cleanup;
			}
		}
		path = found;
		ret = resolver__new_paths(&path, 1, NULL, &res, err, errsz);
		if (ret)
			goto cleanup;
		snprintf(sel, sizeof(sel), "%s:%s", found, colon + 1);
	}
	n = resolver__resolve(res, sel, &m, err, errsz);
	if (n < 0) {
		ret = n;
		goto cleanup;
	}
	l.res = res;
	l.dwarf = calloc(resolver__nr_objs(res), sizeof(*l.dwarf));
	l.dwarf_tried = calloc(resolver__nr_objs(res), sizeof(*l.dwarf_tried));
	if (!l.dwarf || !l.dwarf_tried) {
		ret = -ENOMEM;
		snprintf(err, errsz, "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < n; i++)
		print_match(&l, &m[i]);
	ret = n;
cleanup:
	for (int i = 0; l.dwarf && i < resolver__nr_objs(res); i++)
		dwarf__free(l.dwarf[i]);
	free(l.dwarf);
	free(l.dwarf_tried);
	protodb__free(l.db);
	free(m);
	resolver__free(res);
	return ret;
}
