// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The report reads a --store database read-only and depends on nothing of
 * the machine that wrote it: times are printed in UTC, and arguments are
 * rendered from the stored JSON and the kinds in the functions table, not
 * from the traced objects. Everything read from the file goes through an
 * escaper, as the tracer's own output does: the file may come from anywhere.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "util/buf.h"
#include "store/dbstore.h"
#include "target/demangle.h"
#include "util/escape.h"
#include "util/grow.h"
#include "util/json.h"
#include "util/opts.h"
#include "util/timefmt.h"
#include "util/usage.h"
#include "sinks/format.h"
#include "store/report.h"
#include "lang/python/pyvalue.h"

#define NSEC_PER_SEC 1000000000ULL
#define DEFAULT_TOP  10
#define MAX_KINDS    16
/*
 * A damaged file can make a query return rows without end (a loop in its
 * b-tree): no session has more functions or settings than these.
 */
#define MAX_FUNCS     65536
#define MAX_META_ROWS 1024

struct func_row {
	sqlite3_int64 id;
	char *name, *object, *signature;
	__u64 calls, unfinished;
	__s64 dropped, not_kept; /* -1: unknown (the session did not end) */
	__u64 min, max, sum, p50, p90, p99;
	bool timed; /* its calls have latencies (not --returns=none) */
};

/* One function's parameter kinds, to render values from JSON. */
struct kinds {
	sqlite3_int64 id;
	int nr;
	char param[MAX_KINDS][16];
	char result[16];
};

struct report {
	const char *path;
	const struct wm_report_opts *o;
	sqlite3 *db;
	FILE *out;
	struct wm_buf b; /* output, written once at the end */
	struct wm_buf tmp;
	sqlite3_stmt *each; /* elements of a JSON array */
	sqlite3_stmt *val;  /* the parts of one value object */
	sqlite3_stmt *exc;  /* an exception's type and message in a call's error text */
	struct kinds *kinds;
	int ver; /* the file's schema version */
	int nr_kinds;
	int cap_kinds;
	char *err;
	size_t errsz;
};

static int db_err(struct report *r)
{
	/* SQLite's message may quote the file's own schema: anyone could have written it. */
	err__set(r->err, r->errsz, "cannot read %s: %s", ESC(r->path), ESC(sqlite3_errmsg(r->db)));
	return -EIO;
}

static int bad_since(struct report *r)
{
	err__set(r->err, r->errsz,
		 "invalid --since '%s': give a duration before the end (e.g. 10s, 500ms, 5m) or a "
		 "UTC time (e.g. 2026-11-21T12:00:00)",
		 ESC(r->o->since));
	return -EINVAL;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static void put_c(struct wm_buf *b, const char *s)
{
	esc__c(b, s, strlen(s));
}

static void put_msg(struct wm_buf *b, const char *s)
{
	esc__text(b, s, strlen(s));
}

static int parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "ns", 1 },   { "us", 1e3 },   { "ms", 1e6 }, { "s", 1e9 },
		      { "m", 60e9 }, { "h", 3600e9 }, { "", 1e9 } };
	char *end;
	double v;

	if (!isdigit((unsigned char)*s) && *s != '.')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !(v >= 0) || v > 1e10)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*ns = (__u64)(v * units[i].mult);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_date(const char *s, __u64 *ns)
{
	struct tm tm = {};
	unsigned int frac = 0, digits = 0;
	int n = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
		return -EINVAL;
	s += n;
	if (*s != 'T' && *s != ' ')
		return -EINVAL;
	s++;
	if (sscanf(s, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 3 || n != 8)
		return -EINVAL;
	s += n;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*s - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*s == 'Z')
		s++;
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ns = (__u64)t * NSEC_PER_SEC + frac;
	return 0;
}

int report__parse_since(const char *s, __u64 ref_ns, __u64 *out)
{
	__u64 d;

	if (!s || !out)
		return -EINVAL;
	if (!parse_date(s, out))
		return 0;
	if (parse_duration(s, &d))
		return -EINVAL;
	*out = d < ref_ns ? ref_ns - d : 0;
	return 0;
}

static int open_db(struct report *r)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int fd, ret = -EINVAL, ver = 0;
	bool wrapmon = false;

	if (stat(r->path, &sb)) {
		ret = -errno;
		err__set(r->err, r->errsz, "cannot open %s: %s", ESC(r->path), strerror(-ret));
		return ret;
	}
	if (S_ISDIR(sb.st_mode)) {
		err__set(r->err, r->errsz, "%s is a directory: give the file --store wrote",
			 ESC(r->path));
		return -EISDIR;
	}
	if (!S_ISREG(sb.st_mode)) {
		err__set(r->err, r->errsz, "%s is not a file", ESC(r->path));
		return -EINVAL;
	}
	/* SQLite opens lazily and then only says "unable to open database file": ask first. */
	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err__set(r->err, r->errsz, "cannot open %s: %s", ESC(r->path), strerror(-ret));
		return ret;
	}
	close(fd);
	if (sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		err__set(r->err, r->errsz, "cannot open %s: %s", ESC(r->path),
			 r->db ? ESC(sqlite3_errmsg(r->db)) : "out of memory");
		return -EIO;
	}
	if (sqlite3_prepare_v2(r->db, "SELECT key, value FROM meta", -1, &st, NULL) != SQLITE_OK)
		goto cleanup;
	for (int rows = 0; rows < MAX_META_ROWS && sqlite3_step(st) == SQLITE_ROW; rows++) {
		if (!strcmp(col_text(st, 0), "format") && !strcmp(col_text(st, 1), "wrapmon"))
			wrapmon = true;
		if (!strcmp(col_text(st, 0), "schema_version"))
			ver = atoi(col_text(st, 1));
	}
	if (!wrapmon)
		goto cleanup;
	if (ver < WM_DB_SCHEMA_OLDEST || ver > WM_DB_SCHEMA_VERSION) {
		err__set(r->err, r->errsz,
			 "%s has schema version %d; this wrapmon reads versions %d to %d",
			 ESC(r->path), ver, WM_DB_SCHEMA_OLDEST, WM_DB_SCHEMA_VERSION);
		ret = -EPROTO;
		goto done;
	}
	r->ver = ver;
	ret = 0;
	goto done;
cleanup:
	err__set(r->err, r->errsz, "%s is not a wrapmon database (%s)", ESC(r->path),
		 sqlite3_errcode(r->db) == SQLITE_OK || sqlite3_errcode(r->db) == SQLITE_DONE ||
				 sqlite3_errcode(r->db) == SQLITE_ROW ?
			 "no wrapmon marker" :
			 ESC(sqlite3_errmsg(r->db)));
done:
	sqlite3_finalize(st);
	return ret;
}

/*
 * Room for one more of a session's function rows in the array at arrp (n in
 * use, *cap allocated), and never past MAX_FUNCS.
 */
static int grow_func_rows(struct report *r, void *arrp, int n, int *cap, size_t size)
{
	if (n >= MAX_FUNCS) {
		err__set(r->err, r->errsz,
			 "%s: more than %d functions in one session: the file is damaged",
			 ESC(r->path), MAX_FUNCS);
		return -EINVAL;
	}
	return grow__array_int(arrp, cap, n + 1, size);
}

static int load_kinds(struct report *r, sqlite3_int64 session)
{
	sqlite3_stmt *st = NULL, *k = NULL;
	int ret = -EIO;

	if (sqlite3_prepare_v2(r->db,
			       "SELECT id, params, result_kind FROM functions"
			       " WHERE session_id = ?",
			       -1, &st, NULL) ||
	    sqlite3_prepare_v2(r->db, "SELECT json_extract(value, '$.kind') FROM json_each(?)", -1,
			       &k, NULL))
		goto cleanup;
	sqlite3_bind_int64(st, 1, session);
	r->nr_kinds = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct kinds *kd;

		ret = grow_func_rows(r, &r->kinds, r->nr_kinds, &r->cap_kinds, sizeof(*r->kinds));
		if (ret)
			goto cleanup;
		ret = -EIO;
		kd = &r->kinds[r->nr_kinds++];
		memset(kd, 0, sizeof(*kd));
		kd->id = sqlite3_column_int64(st, 0);
		snprintf(kd->result, sizeof(kd->result), "%s", col_text(st, 2));
		sqlite3_reset(k);
		sqlite3_bind_text(k, 1, col_text(st, 1), -1, SQLITE_TRANSIENT);
		while (sqlite3_step(k) == SQLITE_ROW && kd->nr < MAX_KINDS)
			snprintf(kd->param[kd->nr++], sizeof(kd->param[0]), "%s", col_text(k, 0));
	}
	ret = 0;
cleanup:
	if (ret == -EIO)
		db_err(r);
	sqlite3_finalize(st);
	sqlite3_finalize(k);
	return ret;
}

static const struct kinds *kinds_of(const struct report *r, sqlite3_int64 func_id)
{
	for (int i = 0; i < r->nr_kinds; i++)
		if (r->kinds[i].id == func_id)
			return &r->kinds[i];
	return NULL;
}

/*
 * One value object ({"type":..,"value":..,...}) as the tracer prints it.
 * Only the stored kind tells a string from a pointer: both are JSON strings.
 */
/*
 * A Python value as --json stored it (kind "python"): a str as repr()
 * quotes it, other natives as Python spells them, anything else its repr.
 */
static void put_python_text(struct report *r, sqlite3_stmt *v, const char *type)
{
	/* A str from its JSON text: json_extract() would stop at a NUL in it. */
	const char *json = col_text(v, 6);

	if (!strcmp(type, "null")) {
		/* None; a NULL PyObject * has no pointer and prints as NULL before this. */
		buf__puts(&r->b, "None");
	} else if (!strcmp(type, "text")) {
		pyvalue__repr_json(&r->b, json, strlen(json));
	} else if (!strcmp(type, "true") || !strcmp(type, "false")) {
		buf__puts(&r->b, !strcmp(type, "true") ? "True" : "False");
	} else if (!strcmp(type, "integer") || !strcmp(type, "real")) {
		/* The number as JSON wrote it: repr()'s digits, not SQLite's. */
		put_c(&r->b, json);
	} else if (sqlite3_column_type(v, 7) != SQLITE_NULL) {
		esc__text(&r->b, col_text(v, 7), strlen(col_text(v, 7)));
	} else if (sqlite3_column_type(v, 8) != SQLITE_NULL) {
		/* A cut str: its text, then what repr() would have gone on with. */
		pyvalue__repr_json(&r->b, col_text(v, 9), strlen(col_text(v, 9)));
		buf__puts(&r->b, "...");
	} else {
		buf__putc(&r->b, '?');
	}
}

/*
 * The stored JSON of a value read back as the tracer wrote it: a cursor over
 * the text, false at the first thing the tracer would not have written (the
 * file is anyone's). Depth is bounded: the tracer nests a struct's members
 * and a variant's payload, not more.
 */
struct jtext {
	const char *s;
	const char *end;
	int depth;
};

static void jt_ws(struct jtext *j)
{
	while (j->s < j->end && isspace((unsigned char)*j->s))
		j->s++;
}

static bool jt_lit(struct jtext *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n))
		return false;
	j->s += n;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* JSON's one-letter escapes, each followed by the byte it stands for. */
#define JSON_ESC "b\bf\fn\nr\rt\t\"\"\\\\//"

/* A JSON string's bytes into out: \u00XX is the byte the tracer escaped. */
static bool jt_str(struct jtext *j, struct wm_buf *out)
{
	const char *hit;

	if (j->s >= j->end || *j->s != '"')
		return false;
	j->s++;
	while (j->s < j->end && *j->s != '"') {
		char c = *j->s++;
		unsigned int u = 0;

		if (c != '\\') {
			buf__putc(out, c);
			continue;
		}
		if (j->s >= j->end)
			return false;
		c = *j->s++;
		if (c == 'u') {
			for (int k = 0; k < 4; k++) {
				int h = j->s < j->end ? hexval(*j->s++) : -1;

				if (h < 0)
					return false;
				u = u << 4 | h;
			}
			/* Bytes only: a character past U+00FF is not the tracer's. */
			if (u > 0xff)
				return false;
			buf__putc(out, (char)u);
		} else if (c && (hit = strchr(JSON_ESC, c)) && !((hit - JSON_ESC) & 1)) {
			buf__putc(out, hit[1]);
		} else {
			return false;
		}
	}
	if (j->s >= j->end)
		return false;
	j->s++;
	return true;
}

static bool is_addr(const char *s, size_t n)
{
	if (n < 3 || s[0] != '0' || s[1] != 'x')
		return false;
	for (size_t i = 2; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static bool jt_value(struct jtext *j, struct wm_buf *b, struct wm_buf *tmp);

/* After a member or element: 1 when another follows, 0 at close, -1 on anything else. */
static int jt_more(struct jtext *j, char close)
{
	jt_ws(j);
	if (j->s < j->end && *j->s == close) {
		j->s++;
		return 0;
	}
	if (!jt_lit(j, ","))
		return -1;
	jt_ws(j);
	return 1;
}

/*
 * An object: a Rust enum's {"variant":V,"value":X} as V(X), any other
 * (a struct's members) as {name=value, ...}, as the tracer prints them.
 */
static bool jt_object(struct jtext *j, struct wm_buf *b, struct wm_buf *tmp)
{
	bool first = true, variant = false;
	int more;

	j->s++;
	jt_ws(j);
	if (j->s < j->end && *j->s == '}') {
		j->s++;
		buf__puts(b, "{}");
		return true;
	}
	while (j->s < j->end) {
		buf__reset(tmp);
		if (!jt_str(j, tmp))
			return false;
		jt_ws(j);
		if (!jt_lit(j, ":"))
			return false;
		jt_ws(j);
		if (first && !strcmp(tmp->p ? tmp->p : "", "variant")) {
			variant = true;
			buf__reset(tmp);
			if (!jt_str(j, tmp))
				return false;
			esc__c(b, tmp->p, tmp->len);
		} else if (variant && !strcmp(tmp->p ? tmp->p : "", "value")) {
			buf__putc(b, '(');
			if (!jt_value(j, b, tmp))
				return false;
			buf__putc(b, ')');
		} else if (variant) {
			return false;
		} else {
			buf__puts(b, first ? "{" : ", ");
			/* An anonymous member prints without a name, as live. */
			if (strcmp(tmp->p ? tmp->p : "", "(anonymous)")) {
				esc__c(b, tmp->p, tmp->len);
				buf__putc(b, '=');
			}
			if (!jt_value(j, b, tmp))
				return false;
		}
		first = false;
		more = jt_more(j, '}');
		if (more <= 0) {
			if (!more && !variant)
				buf__putc(b, '}');
			return !more;
		}
	}
	return false;
}

static bool jt_array(struct jtext *j, struct wm_buf *b, struct wm_buf *tmp)
{
	bool first = true;
	int more;

	j->s++;
	buf__putc(b, '[');
	jt_ws(j);
	if (jt_lit(j, "]")) {
		buf__putc(b, ']');
		return true;
	}
	while (j->s < j->end) {
		if (!first)
			buf__puts(b, ", ");
		if (!jt_value(j, b, tmp))
			return false;
		first = false;
		more = jt_more(j, ']');
		if (more <= 0) {
			if (!more)
				buf__putc(b, ']');
			return !more;
		}
	}
	return false;
}

/*
 * One JSON value in the tracer's text: strings quoted and escaped, but an
 * address ("0x...") and a nested struct ("{...}") bare, as printed; null
 * (a member that could not be read) as '?'.
 */
static bool jt_value(struct jtext *j, struct wm_buf *b, struct wm_buf *tmp)
{
	const char *start;
	bool ok;

	jt_ws(j);
	if (j->s >= j->end || j->depth > 8)
		return false;
	switch (*j->s) {
	case '{':
	case '[':
		j->depth++;
		ok = *j->s == '{' ? jt_object(j, b, tmp) : jt_array(j, b, tmp);
		j->depth--;
		return ok;
	case '"':
		buf__reset(tmp);
		if (!jt_str(j, tmp))
			return false;
		if ((tmp->len == 5 && !memcmp(tmp->p, "{...}", 5)) || is_addr(tmp->p, tmp->len)) {
			buf__put(b, tmp->p, tmp->len);
		} else {
			buf__putc(b, '"');
			esc__c(b, tmp->p ? tmp->p : "", tmp->len);
			buf__putc(b, '"');
		}
		return true;
	case 'n':
		if (!jt_lit(j, "null"))
			return false;
		buf__putc(b, '?');
		return true;
	case 't':
	case 'f':
		start = j->s;
		if (!jt_lit(j, "true") && !jt_lit(j, "false"))
			return false;
		buf__put(b, start, j->s - start);
		return true;
	default:
		start = j->s;
		while (j->s < j->end && (isdigit((unsigned char)*j->s) || strchr("+-.eE", *j->s)))
			j->s++;
		if (j->s == start)
			return false;
		buf__put(b, start, j->s - start);
		return true;
	}
}

/* json (a struct, a variant, an array, a buffer's text) as the tracer prints it; else escaped. */
static void put_json_text(struct report *r, const char *json)
{
	struct jtext j = { .s = json, .end = json + strlen(json) };
	size_t len = r->b.len;

	if (jt_value(&j, &r->b, &r->tmp) && (jt_ws(&j), j.s == j.end) && !r->b.err)
		return;
	r->b.len = len;
	if (r->b.cap)
		r->b.p[len] = '\0';
	put_c(&r->b, json);
}

static void put_value_text(struct report *r, const char *kind, const char *json)
{
	sqlite3_stmt *v = r->val;
	const char *type, *text;

	sqlite3_reset(v);
	sqlite3_bind_text(v, 1, json, -1, SQLITE_STATIC);
	if (sqlite3_step(v) != SQLITE_ROW) {
		buf__putc(&r->b, '?');
		return;
	}
	if (sqlite3_column_type(v, 0) != SQLITE_NULL) {
		put_c(&r->b, col_text(v, 0));
		buf__putc(&r->b, '=');
	}
	text = col_text(v, 1);
	type = col_text(v, 2);
	if (sqlite3_column_int(v, 10)) {
		buf__puts(&r->b, "<optimized out>");
	} else if (!strcmp(kind, "python") && *type &&
		   (strcmp(type, "null") || sqlite3_column_type(v, 4) != SQLITE_NULL)) {
		/* First: its objects, booleans and text are Python's, not C's. */
		put_python_text(r, v, type);
	} else if (sqlite3_column_type(v, 11) != SQLITE_NULL && strcmp(kind, "python")) {
		/* What a pointer points to, as the tracer shows it instead of the address. */
		if (!strcmp(col_text(v, 12), "text")) {
			/* Quoted even when it looks like an address: it is the bytes. */
			struct jtext j = { .s = col_text(v, 11) };

			j.end = j.s + strlen(j.s);
			buf__reset(&r->tmp);
			if (jt_str(&j, &r->tmp) && !r->tmp.err) {
				buf__putc(&r->b, '"');
				esc__c(&r->b, r->tmp.p ? r->tmp.p : "", r->tmp.len);
				buf__putc(&r->b, '"');
			} else {
				put_c(&r->b, col_text(v, 11));
			}
		} else {
			put_json_text(r, col_text(v, 11));
		}
		if (sqlite3_column_int(v, 3))
			buf__puts(&r->b, "...");
	} else if (!strcmp(type, "object") || !strcmp(type, "array")) {
		put_json_text(r, col_text(v, 6));
	} else if (sqlite3_column_type(v, 14) != SQLITE_NULL) {
		/* An enum's value by its enumerator's name, a function pointer by its symbol. */
		put_c(&r->b, col_text(v, 14));
	} else if (sqlite3_column_type(v, 15) != SQLITE_NULL) {
		put_c(&r->b, col_text(v, 15));
		if (sqlite3_column_int64(v, 16) > 0)
			buf__printf(&r->b, "+0x%llx",
				    (unsigned long long)sqlite3_column_int64(v, 16));
	} else if (!strcmp(type, "true") || !strcmp(type, "false")) {
		buf__puts(&r->b, type);
	} else if (!strcmp(type, "null") || !*type) {
		if (sqlite3_column_type(v, 4) != SQLITE_NULL) {
			put_c(&r->b, col_text(v, 4));
			buf__puts(&r->b, "<unreadable>");
		} else if (sqlite3_column_int(v, 5)) {
			buf__putc(&r->b, '?');
		} else {
			buf__puts(&r->b, "NULL");
		}
	} else if (!strcmp(type, "text") && !strcmp(kind, "string")) {
		buf__putc(&r->b, '"');
		put_c(&r->b, text);
		buf__putc(&r->b, '"');
		if (sqlite3_column_int(v, 3))
			buf__puts(&r->b, "...");
	} else if (!strcmp(type, "text") && !strcmp(kind, "char")) {
		buf__putc(&r->b, '\'');
		put_c(&r->b, text);
		buf__putc(&r->b, '\'');
	} else {
		put_c(&r->b, text);
	}
}

/* The out-parameters read again at return, as the tracer prints them: " -> out=12". */
static void put_outs_text(struct report *r, const char *args)
{
	bool first = true;

	sqlite3_reset(r->each);
	sqlite3_bind_text(r->each, 1, args, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(r->each) == SQLITE_ROW) {
		sqlite3_stmt *v = r->val;

		sqlite3_reset(v);
		sqlite3_bind_text(v, 1, col_text(r->each, 0), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(v) != SQLITE_ROW || sqlite3_column_type(v, 13) == SQLITE_NULL)
			continue;
		buf__puts(&r->b, first ? " -> " : ", ");
		first = false;
		if (sqlite3_column_type(v, 0) != SQLITE_NULL) {
			put_c(&r->b, col_text(v, 0));
			buf__putc(&r->b, '=');
		}
		put_json_text(r, col_text(v, 13));
	}
}

static void put_duration_col(struct report *r, bool have, __u64 ns)
{
	buf__reset(&r->tmp);
	if (have)
		format__duration(&r->tmp, ns);
	else
		buf__putc(&r->tmp, '-');
	buf__printf(&r->b, "%10s", r->tmp.err ? "?" : r->tmp.p);
}

/* The columns every call query selects, in this order. */
#define CALL_COLS                                                                          \
	"c.id, c.start_ns, c.pid, c.tid, f.name, f.object, c.depth, c.parent_id, c.args, " \
	"c.result, c.latency_ns, c.unfinished, c.error, c.error_text, c.function_id"
enum {
	C_ID,
	C_START,
	C_PID,
	C_TID,
	C_NAME,
	C_OBJ,
	C_DEPTH,
	C_PARENT,
	C_ARGS,
	C_RESULT,
	C_LAT,
	C_UNF,
	C_ERR,
	C_ERRTEXT,
	C_FUNC
};
/* After CALL_COLS: json_valid() of the args and the result, then calls.errno (3 on). */
#define C_ERRNO (C_FUNC + 3)

/*
 * " raised TYPE: MESSAGE" from a raised call's error text, the last line of
 * a Python traceback: the store keeps str() of the exception, not its repr
 * (a KeyError's str is already its key's repr), escaped as a message is:
 * control bytes, not the backslashes a repr holds. False when the text names
 * no type (then it follows as "error:").
 */
static bool put_raised_text(struct report *r, const char *err)
{
	sqlite3_stmt *e = r->exc;
	bool named = false;

	buf__puts(&r->b, " raised");
	sqlite3_reset(e);
	sqlite3_bind_text(e, 1, err, -1, SQLITE_STATIC);
	if (sqlite3_step(e) == SQLITE_ROW && sqlite3_column_type(e, 0) == SQLITE_TEXT) {
		buf__putc(&r->b, ' ');
		put_msg(&r->b, col_text(e, 0));
		if (sqlite3_column_type(e, 1) == SQLITE_TEXT && *col_text(e, 1)) {
			buf__puts(&r->b, ": ");
			put_msg(&r->b, col_text(e, 1));
		}
		named = true;
	}
	sqlite3_reset(e);
	return named;
}

static void put_call_text(struct report *r, sqlite3_stmt *st)
{
	const struct kinds *k = kinds_of(r, sqlite3_column_int64(st, C_FUNC));
	bool raised = false;
	const char *name;
	int i = 0;

	buf__printf(&r->b, "%-8lld ", (long long)sqlite3_column_int64(st, C_ID));
	timefmt__iso(&r->b, sqlite3_column_int64(st, C_START), true, true);
	buf__printf(&r->b, " %lld ", (long long)sqlite3_column_int64(st, C_TID));
	name = col_text(st, C_NAME);
	/* A C++ name's parameter types: the arguments that follow show them, as live. */
	esc__c(&r->b, name, strchr(name, '(') ? demangle__name_len(name) : strlen(name));
	buf__putc(&r->b, '(');
	sqlite3_reset(r->each);
	sqlite3_bind_text(r->each, 1, col_text(st, C_ARGS), -1, SQLITE_TRANSIENT);
	while (sqlite3_step(r->each) == SQLITE_ROW) {
		if (i)
			buf__puts(&r->b, ", ");
		put_value_text(r, k && i < k->nr ? k->param[i] : "raw", col_text(r->each, 0));
		i++;
	}
	buf__putc(&r->b, ')');
	if (sqlite3_column_type(st, C_UNF) != SQLITE_NULL) {
		buf__puts(&r->b, " = ? <unfinished: ");
		put_c(&r->b, col_text(st, C_UNF));
		buf__putc(&r->b, '>');
	} else if (sqlite3_column_type(st, C_LAT) == SQLITE_NULL) {
		/* --returns=none: the entry is all there is. */
	} else {
		if (!strcmp(col_text(st, C_RESULT), "{\"tail_call\":true}"))
			buf__puts(&r->b, " = <tail call>");
		else if (!strcmp(col_text(st, C_RESULT), "{\"raised\":true}"))
			raised = put_raised_text(r, col_text(st, C_ERRTEXT));
		else if (!k || strcmp(k->result, "void")) {
			buf__puts(&r->b, " = ");
			put_value_text(r, k ? k->result : "raw", col_text(st, C_RESULT));
		}
		/* The errno a failing call left, as the trace printed it. */
		if (sqlite3_column_type(st, C_ERRNO) == SQLITE_INTEGER)
			format__errno_text(&r->b, sqlite3_column_int(st, C_ERRNO));
		put_outs_text(r, col_text(st, C_ARGS));
		buf__puts(&r->b, "  <");
		format__duration(&r->b, sqlite3_column_int64(st, C_LAT));
		buf__putc(&r->b, '>');
	}
	/* An exception said it all after "raised"; other errors say what made them one. */
	if (sqlite3_column_int(st, C_ERR) && !raised) {
		buf__puts(&r->b, "  error: ");
		put_json_text(r, col_text(st, C_ERRTEXT));
	}
	buf__putc(&r->b, '\n');
}

/* Stored JSON is ours, but the file may not be: pass it on only if SQLite agrees it is JSON. */
static void put_stored_json(struct wm_buf *b, sqlite3_stmt *st, int col, bool valid)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL || !valid)
		buf__puts(b, "null");
	else
		buf__puts(b, col_text(st, col));
}

static void put_call_json(struct report *r, sqlite3_stmt *st, bool first)
{
	struct wm_buf *b = &r->b;

	buf__puts(b, first ? "{" : ",{");
	buf__printf(b, "\"id\":%lld,\"ts\":\"", (long long)sqlite3_column_int64(st, C_ID));
	timefmt__iso(b, sqlite3_column_int64(st, C_START), true, true);
	buf__printf(b, "\",\"start_ns\":%lld,\"pid\":%lld,\"tid\":%lld,\"function\":",
		    (long long)sqlite3_column_int64(st, C_START),
		    (long long)sqlite3_column_int64(st, C_PID),
		    (long long)sqlite3_column_int64(st, C_TID));
	json__cstr(b, col_text(st, C_NAME));
	buf__puts(b, ",\"object\":");
	json__cstr(b, col_text(st, C_OBJ));
	buf__printf(b,
		    ",\"depth\":%lld,\"parent_id\":", (long long)sqlite3_column_int64(st, C_DEPTH));
	if (sqlite3_column_type(st, C_PARENT) == SQLITE_NULL)
		buf__puts(b, "null");
	else
		buf__printf(b, "%lld", (long long)sqlite3_column_int64(st, C_PARENT));
	buf__puts(b, ",\"args\":");
	put_stored_json(b, st, C_ARGS, sqlite3_column_int(st, C_FUNC + 1));
	if (sqlite3_column_type(st, C_UNF) != SQLITE_NULL) {
		buf__puts(b, ",\"unfinished\":");
		json__cstr(b, col_text(st, C_UNF));
	} else {
		buf__puts(b, ",\"result\":");
		put_stored_json(b, st, C_RESULT, sqlite3_column_int(st, C_FUNC + 2));
		if (sqlite3_column_type(st, C_LAT) == SQLITE_NULL)
			buf__puts(b, ",\"latency_ns\":null");
		else
			buf__printf(b, ",\"latency_ns\":%lld",
				    (long long)sqlite3_column_int64(st, C_LAT));
	}
	buf__printf(b, ",\"error\":%s,\"error_text\":",
		    sqlite3_column_int(st, C_ERR) ? "true" : "false");
	if (sqlite3_column_type(st, C_ERRTEXT) == SQLITE_NULL)
		buf__puts(b, "null");
	else
		json__cstr(b, col_text(st, C_ERRTEXT));
	buf__putc(b, '}');
}

/* Run a call query (bound by the caller) and print its rows under a title. */
static int print_calls(struct report *r, sqlite3_stmt *st, const char *title, const char *key,
		       const char *none)
{
	int n = 0, rc;

	if (r->o->json) {
		buf__printf(&r->b, ",\"%s\":[", key);
	} else {
		buf__printf(&r->b, "\n%s\n", title);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->o->json) {
			put_call_json(r, st, !n);
		} else {
			if (!n)
				buf__printf(&r->b, "%-8s %-27s %s %s\n", "ID", "TIME (UTC)", "TID",
					    "CALL = RESULT  <LATENCY>");
			put_call_text(r, st);
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		return db_err(r);
	if (r->o->json)
		buf__putc(&r->b, ']');
	else if (!n)
		buf__printf(&r->b, "%s\n", none);
	return 0;
}

static void func_rows_free(struct func_row *f, int n)
{
	for (int i = 0; f && i < n; i++) {
		free(f[i].name);
		free(f[i].object);
		free(f[i].signature);
	}
	free(f);
}

/* Nearest-rank percentile of the kept calls, for sessions that never wrote aggregates. */
static __u64 kept_percentile(struct report *r, sqlite3_int64 func, __u64 n, int p)
{
	sqlite3_stmt *st = NULL;
	__u64 rank = (n * p + 99) / 100, v = 0;

	if (!rank)
		rank = 1;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT latency_ns FROM calls WHERE function_id = ?"
			       " AND latency_ns IS NOT NULL ORDER BY latency_ns"
			       " LIMIT 1 OFFSET ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, func);
		sqlite3_bind_int64(st, 2, rank - 1);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

static int load_funcs(struct report *r, sqlite3_int64 session, bool ended, struct func_row **out,
		      int *nr)
{
	/* Aggregates when the session ended; else what the kept calls say. */
	static const char agg_sql[] =
		"SELECT f.id, f.name, f.object, f.signature, a.calls, a.unfinished, a.dropped,"
		" a.not_kept, a.min_ns, a.max_ns, a.sum_ns, a.p50_ns, a.p90_ns, a.p99_ns"
		" FROM functions f LEFT JOIN aggregates a ON a.function_id = f.id"
		" WHERE f.session_id = ? ORDER BY f.id";
	static const char kept_sql[] =
		"SELECT f.id, f.name, f.object, f.signature,"
		" count(c.latency_ns), count(c.id) - count(c.latency_ns), -1, -1,"
		" min(c.latency_ns), max(c.latency_ns), sum(c.latency_ns), 0, 0, 0"
		" FROM functions f LEFT JOIN calls c ON c.function_id = f.id"
		" WHERE f.session_id = ? GROUP BY f.id ORDER BY f.id";
	struct func_row *rows = NULL;
	sqlite3_stmt *st = NULL;
	int n = 0, cap = 0, ret = -EIO, rc;

	if (sqlite3_prepare_v2(r->db, ended ? agg_sql : kept_sql, -1, &st, NULL))
		goto cleanup;
	sqlite3_bind_int64(st, 1, session);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct func_row *f;

		ret = grow_func_rows(r, &rows, n, &cap, sizeof(*rows));
		if (ret)
			goto cleanup;
		ret = -EIO;
		f = &rows[n++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(st, 0);
		f->name = strdup(col_text(st, 1));
		f->object = strdup(col_text(st, 2));
		f->signature = strdup(col_text(st, 3));
		if (!f->name || !f->object || !f->signature) {
			ret = -ENOMEM;
			goto cleanup;
		}
		f->calls = sqlite3_column_int64(st, 4);
		f->unfinished = sqlite3_column_int64(st, 5);
		f->dropped = sqlite3_column_int64(st, 6);
		f->not_kept = sqlite3_column_int64(st, 7);
		f->timed = f->calls && sqlite3_column_type(st, 8) != SQLITE_NULL;
		f->min = sqlite3_column_int64(st, 8);
		f->max = sqlite3_column_int64(st, 9);
		f->sum = sqlite3_column_int64(st, 10);
		f->p50 = sqlite3_column_int64(st, 11);
		f->p90 = sqlite3_column_int64(st, 12);
		f->p99 = sqlite3_column_int64(st, 13);
		if (!ended && f->timed) {
			f->p50 = kept_percentile(r, f->id, f->calls, 50);
			f->p90 = kept_percentile(r, f->id, f->calls, 90);
			f->p99 = kept_percentile(r, f->id, f->calls, 99);
		}
	}
	if (rc != SQLITE_DONE)
		goto cleanup;
	*out = rows;
	*nr = n;
	rows = NULL;
	ret = 0;
cleanup:
	if (ret == -EIO)
		db_err(r);
	else if (ret == -ENOMEM)
		err__set(r->err, r->errsz, "out of memory");
	sqlite3_finalize(st);
	func_rows_free(rows, n);
	return ret;
}

static void print_funcs(struct report *r, const struct func_row *f, int n)
{
	int width = 16;

	if (r->o->json) {
		buf__puts(&r->b, ",\"functions\":[");
		for (int i = 0; i < n; i++) {
			buf__puts(&r->b, i ? ",{\"function\":" : "{\"function\":");
			json__cstr(&r->b, f[i].name);
			buf__puts(&r->b, ",\"object\":");
			json__cstr(&r->b, f[i].object);
			buf__puts(&r->b, ",\"signature\":");
			json__cstr(&r->b, f[i].signature);
			buf__printf(&r->b, ",\"calls\":%llu,\"unfinished\":%llu",
				    (unsigned long long)f[i].calls,
				    (unsigned long long)f[i].unfinished);
			if (f[i].dropped < 0)
				buf__puts(&r->b, ",\"dropped\":null,\"not_kept\":null");
			else
				buf__printf(&r->b, ",\"dropped\":%lld,\"not_kept\":%lld",
					    (long long)f[i].dropped, (long long)f[i].not_kept);
			if (!f[i].timed) {
				buf__puts(&r->b, ",\"latency_ns\":null}");
				continue;
			}
			buf__printf(&r->b,
				    ",\"latency_ns\":{\"min\":%llu,\"avg\":%llu,\"p50\":%llu,"
				    "\"p90\":%llu,\"p99\":%llu,\"max\":%llu}}",
				    (unsigned long long)f[i].min,
				    (unsigned long long)(f[i].sum / f[i].calls),
				    (unsigned long long)f[i].p50, (unsigned long long)f[i].p90,
				    (unsigned long long)f[i].p99, (unsigned long long)f[i].max);
		}
		buf__putc(&r->b, ']');
		return;
	}
	for (int i = 0; i < n; i++) {
		buf__reset(&r->tmp);
		put_c(&r->tmp, f[i].name);
		if ((int)r->tmp.len > width)
			width = r->tmp.len;
	}
	buf__printf(&r->b, "\n%-*s %6s%12s%9s%10s%10s%10s%10s%10s%10s%10s\n", width, "FUNCTION",
		    "CALLS", "UNFINISHED", "DROPPED", "NOT KEPT", "MIN", "AVG", "P50", "P90", "P99",
		    "MAX");
	for (int i = 0; i < n; i++) {
		bool have = f[i].timed;

		buf__reset(&r->tmp);
		put_c(&r->tmp, f[i].name);
		buf__printf(&r->b, "%-*s %6llu%12llu", width, r->tmp.len ? r->tmp.p : "",
			    (unsigned long long)f[i].calls, (unsigned long long)f[i].unfinished);
		if (f[i].dropped < 0)
			buf__printf(&r->b, "%9s%10s", "?", "?");
		else
			buf__printf(&r->b, "%9lld%10lld", (long long)f[i].dropped,
				    (long long)f[i].not_kept);
		put_duration_col(r, have, f[i].min);
		put_duration_col(r, have, have ? f[i].sum / f[i].calls : 0);
		put_duration_col(r, have, f[i].p50);
		put_duration_col(r, have, f[i].p90);
		put_duration_col(r, have, f[i].p99);
		put_duration_col(r, have, f[i].max);
		buf__putc(&r->b, '\n');
	}
}

/* One list of calls in a session's report. */
struct call_list {
	const char *where; /* which calls (SQL) */
	const char *order; /* SQL */
	const char *key;   /* the JSON member */
	const char *none;  /* the text when there are none */
};

static const struct call_list slowest_calls = { "c.latency_ns IS NOT NULL",
						"c.latency_ns DESC, c.id", "slowest", "none" };
static const struct call_list error_calls = { "c.error != 0", "c.start_ns, c.id", "errors",
					      "none recorded" };
static const struct call_list matching_calls = { "1", "c.start_ns, c.id", "matches", "none" };

/*
 * Print the calls of session l selects, narrowed by --function and --since,
 * at most limit of them (-1: all), under title.
 */
static int list_calls(struct report *r, const struct call_list *l, sqlite3_int64 session,
		      __u64 since, long long limit, const char *title)
{
	sqlite3_stmt *st = NULL;
	char sql[1024];
	int ret;

	snprintf(sql, sizeof(sql),
		 "SELECT " CALL_COLS ", json_valid(c.args), json_valid(c.result), %s"
		 " FROM calls c JOIN functions f ON f.id = c.function_id"
		 " WHERE c.session_id = ?1 AND (?2 IS NULL OR f.name = ?2)"
		 " AND (?3 IS NULL OR c.start_ns >= ?3) AND %s ORDER BY %s LIMIT ?4",
		 r->ver >= 3 ? "c.errno" : "NULL", l->where, l->order);
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL))
		return db_err(r);
	sqlite3_bind_int64(st, 1, session);
	if (r->o->function)
		sqlite3_bind_text(st, 2, r->o->function, -1, SQLITE_STATIC);
	if (r->o->since)
		sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, limit);
	ret = print_calls(r, st, title, l->key, l->none);
	sqlite3_finalize(st);
	return ret;
}

static int report_session(struct report *r, sqlite3_stmt *ss, bool first)
{
	sqlite3_int64 id = sqlite3_column_int64(ss, 0);
	bool ended = sqlite3_column_type(ss, 8) != SQLITE_NULL;
	__u64 start = sqlite3_column_int64(ss, 7), end = sqlite3_column_int64(ss, 8), since = 0;
	const struct wm_report_opts *o = r->o;
	sqlite3_stmt *st = NULL;
	struct func_row *funcs = NULL;
	int nr_funcs = 0, ret;
	bool select = o->function || o->since;
	char title[32];

	ret = load_kinds(r, id);
	if (ret)
		goto cleanup;
	if (!ended) {
		/* The last call kept stands for the end a crashed session never wrote. */
		ret = -EIO;
		if (sqlite3_prepare_v2(r->db,
				       "SELECT max(start_ns + coalesce(latency_ns, 0))"
				       " FROM calls WHERE session_id = ?",
				       -1, &st, NULL))
			goto dberr;
		sqlite3_bind_int64(st, 1, id);
		end = sqlite3_step(st) == SQLITE_ROW ? (__u64)sqlite3_column_int64(st, 0) : 0;
		if (end < start)
			end = start;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (o->since && report__parse_since(o->since, end, &since)) {
		ret = bad_since(r);
		goto cleanup;
	}
	ret = load_funcs(r, id, ended, &funcs, &nr_funcs);
	if (ret)
		goto cleanup;

	if (o->json) {
		buf__printf(&r->b, "%s{\"id\":%lld,\"command_line\":", first ? "" : ",",
			    (long long)id);
		json__cstr(&r->b, col_text(ss, 1));
		buf__printf(&r->b, ",\"target_pid\":%lld,\"target_exe\":",
			    (long long)sqlite3_column_int64(ss, 2));
		json__cstr(&r->b, col_text(ss, 3));
		buf__puts(&r->b, ",\"host\":");
		json__cstr(&r->b, col_text(ss, 4));
		buf__puts(&r->b, ",\"kernel\":");
		json__cstr(&r->b, col_text(ss, 5));
		buf__puts(&r->b, ",\"wrapmon_version\":");
		json__cstr(&r->b, col_text(ss, 6));
		buf__puts(&r->b, ",\"start\":\"");
		timefmt__iso(&r->b, start, true, true);
		buf__printf(&r->b, "\",\"start_ns\":%llu,\"end\":", (unsigned long long)start);
		if (ended) {
			buf__putc(&r->b, '"');
			timefmt__iso(&r->b, end, true, true);
			buf__printf(&r->b,
				    "\",\"end_ns\":%llu,\"calls\":%lld,\"not_kept\":%lld,"
				    "\"dropped\":%lld,\"complete\":true",
				    (unsigned long long)end, (long long)sqlite3_column_int64(ss, 9),
				    (long long)sqlite3_column_int64(ss, 10),
				    (long long)sqlite3_column_int64(ss, 11));
		} else {
			buf__puts(&r->b, "null,\"end_ns\":null,\"calls\":null,\"not_kept\":null,"
					 "\"dropped\":null,\"complete\":false");
		}
	} else {
		buf__printf(&r->b, "%ssession %lld: ", first ? "" : "\n", (long long)id);
		put_c(&r->b, col_text(ss, 1));
		buf__printf(&r->b, "\n  process %lld (", (long long)sqlite3_column_int64(ss, 2));
		put_c(&r->b, col_text(ss, 3));
		buf__puts(&r->b, ") on ");
		put_c(&r->b, col_text(ss, 4));
		buf__puts(&r->b, ", Linux ");
		put_c(&r->b, col_text(ss, 5));
		buf__puts(&r->b, ", wrapmon ");
		put_c(&r->b, col_text(ss, 6));
		buf__puts(&r->b, "\n  ");
		timefmt__iso(&r->b, start, true, true);
		buf__puts(&r->b, " to ");
		timefmt__iso(&r->b, end, true, true);
		buf__puts(&r->b, " (");
		format__duration(&r->b, end - start);
		if (ended)
			buf__printf(&r->b, "): %lld calls, %lld not kept, %lld dropped\n",
				    (long long)sqlite3_column_int64(ss, 9),
				    (long long)sqlite3_column_int64(ss, 10),
				    (long long)sqlite3_column_int64(ss, 11));
		else
			buf__puts(&r->b, "): did not end cleanly; figures below are from the "
					 "calls it kept\n");
	}
	print_funcs(r, funcs, nr_funcs);

	snprintf(title, sizeof(title), "SLOWEST %d CALLS", o->top);
	ret = list_calls(r, &slowest_calls, id, since, o->top, title);
	if (!ret)
		ret = list_calls(r, &error_calls, id, since, -1, "ERRORS");
	if (!ret && select)
		ret = list_calls(r, &matching_calls, id, since, -1, "CALLS");
	if (ret)
		goto cleanup;
	if (o->json)
		buf__putc(&r->b, '}');
	ret = 0;
	goto cleanup;
dberr:
	db_err(r);
cleanup:
	sqlite3_finalize(st);
	func_rows_free(funcs, nr_funcs);
	return ret;
}

int report__run(const char *path, const struct wm_report_opts *opts, FILE *out, char *err,
		size_t errsz)
{
	struct wm_report_opts o = { .top = DEFAULT_TOP };
	struct report r = { .path = path, .out = out, .err = err, .errsz = errsz, .o = &o };
	sqlite3_stmt *ss = NULL;
	int ret, rc, n = 0;

	if (!path || !out) {
		err__set(err, errsz, "invalid arguments");
		return -EINVAL;
	}
	if (!OPTS_VALID(opts)) {
		err__set(err, errsz, "invalid options");
		return -EINVAL;
	}
	o.function = OPTS_GET(opts, function, NULL);
	o.since = OPTS_GET(opts, since, NULL);
	o.json = OPTS_GET(opts, json, false);
	if (OPTS_GET(opts, top, 0) > 0)
		o.top = opts->top;
	/* Checked once before the file is opened: a bad value is the same for every session. */
	if (o.since && report__parse_since(o.since, NSEC_PER_SEC, &(__u64){ 0 }))
		return bad_since(&r);
	ret = open_db(&r);
	if (ret)
		goto cleanup;
	ret = -EIO;
	if (sqlite3_prepare_v2(
		    r.db,
		    "SELECT json_extract(?1, '$.name'), json_extract(?1, '$.value'),"
		    " json_type(?1, '$.value'), json_extract(?1, '$.truncated'),"
		    " json_extract(?1, '$.pointer'), json_extract(?1, '$.unavailable'),"
		    " ?1 -> '$.value', json_extract(?1, '$.value.repr'),"
		    " json_extract(?1, '$.value.value'), ?1 -> '$.value.value',"
		    " json_extract(?1, '$.optimized_out'), ?1 -> '$.deref',"
		    " json_type(?1, '$.deref'), ?1 -> '$.out', json_extract(?1, '$.enum'),"
		    " json_extract(?1, '$.symbol'), json_extract(?1, '$.offset')",
		    -1, &r.val, NULL) ||
	    sqlite3_prepare_v2(r.db, "SELECT value FROM json_each(?) ORDER BY key", -1, &r.each,
			       NULL) ||
	    sqlite3_prepare_v2(
		    r.db,
		    "SELECT CASE WHEN json_valid(?1) THEN json_extract(?1, '$.type') END,"
		    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.message') END",
		    -1, &r.exc, NULL) ||
	    sqlite3_prepare_v2(r.db,
			       "SELECT id, command_line, target_pid, target_exe, host, kernel,"
			       " wrapmon_version, start_ns, end_ns, calls, not_kept, dropped"
			       " FROM sessions ORDER BY id",
			       -1, &ss, NULL)) {
		db_err(&r);
		goto cleanup;
	}
	if (o.json)
		buf__puts(&r.b, "{\"sessions\":[");
	while ((rc = sqlite3_step(ss)) == SQLITE_ROW) {
		ret = report_session(&r, ss, !n++);
		if (ret)
			goto cleanup;
	}
	if (rc != SQLITE_DONE) {
		ret = db_err(&r);
		goto cleanup;
	}
	if (o.json)
		buf__puts(&r.b, "]}\n");
	else if (!n)
		buf__puts(&r.b, "no sessions\n");
	if (r.b.err || r.tmp.err) {
		err__set(err, errsz, "out of memory");
		ret = -ENOMEM;
		goto cleanup;
	}
	if (fwrite(r.b.p, 1, r.b.len, out) != r.b.len || fflush(out)) {
		err__set(err, errsz, "cannot write the report: %s", strerror(errno));
		ret = -EIO;
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(ss);
	sqlite3_finalize(r.val);
	sqlite3_finalize(r.exc);
	sqlite3_finalize(r.each);
	sqlite3_close(r.db);
	free(r.kinds);
	buf__free(&r.b);
	buf__free(&r.tmp);
	return ret;
}

#define rlog(fmt, ...) fprintf(stderr, "wrapmon-trace report: " fmt "\n", ##__VA_ARGS__)

enum {
	ROPT_TOP = 1000,
	ROPT_SINCE,
	ROPT_HELP,
};

static const char report_doc[] =
	"Print what a --store database holds: each session, the summary per function, the slowest "
	"calls, the errors, and with --function/--since the calls that match."
	"\v"
	"Examples:\n"
	"  wrapmon-trace report calls.db\n"
	"  wrapmon-trace report calls.db --function search --since 10s\n"
	"  wrapmon-trace report calls.db --json --top 5 > report.json\n";

static const struct argp_option report_opts[] = {
	{ "top", ROPT_TOP, "N", 0, "Slowest calls shown (default 10)", 0 },
	{ "function", 'f', "NAME", 0, "Only calls of this function (in every call list)", 0 },
	{ "since", ROPT_SINCE, "TIME", 0,
	  "Only calls that started at TIME or later: a duration before the end of the session "
	  "(10s, 500ms, 5m, 2h) or a UTC time (2026-11-21T12:00:00, fractions and a trailing Z "
	  "allowed)",
	  0 },
	{ "json", 'j', NULL, 0, "One JSON object for machines", 0 },
	{ "help", ROPT_HELP, NULL, 0, "Give this help list", -1 },
	{},
};

struct report_args {
	struct wm_report_opts o;
	const char *path;
	bool help;   /* --help given: the help is out, stop */
	bool failed; /* a usage error is out already */
};

static void usage_error(const struct argp_state *state)
{
	char msg[256];

	if (!usage__refused(report_opts, state->argc, state->argv, msg, sizeof(msg)))
		snprintf(msg, sizeof(msg), "bad usage");
	rlog("%s: see 'wrapmon-trace report --help'", msg);
}

static error_t report_parse(int key, char *arg, struct argp_state *state)
{
	static char name[] = "wrapmon-trace report";
	struct report_args *a = state->input;
	char *end;
	long v;

	switch (key) {
	case ROPT_TOP:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || v < 1 || v > INT_MAX) {
			rlog("invalid --top '%s': give a number of calls, e.g. --top 20", ESC(arg));
			a->failed = true;
			return EINVAL;
		}
		a->o.top = v;
		break;
	case 'f':
		a->o.function = arg;
		break;
	case ROPT_SINCE:
		a->o.since = arg;
		break;
	case 'j':
		a->o.json = true;
		break;
	case ROPT_HELP:
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, name);
		a->help = true;
		/* Any error stops argp: the rest of the line is not read. */
		return ECANCELED;
	case ARGP_KEY_ARG:
		if (a->path) {
			rlog("unexpected argument '%s': one database at a time", ESC(arg));
			a->failed = true;
			return EINVAL;
		}
		a->path = arg;
		break;
	case ARGP_KEY_END:
		if (!a->path) {
			rlog("no database given: wrapmon-trace report FILE (a --store file)");
			a->failed = true;
			return EINVAL;
		}
		break;
	case ARGP_KEY_ERROR:
		if (!a->failed && !a->help)
			usage_error(state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int report__main(int argc, char **argv)
{
	/* Errors are ours to print, one line each; so is --help, which ARGP_NO_ERRS would mute. */
	static const struct argp argp = { .options = report_opts,
					  .parser = report_parse,
					  .args_doc = "FILE",
					  .doc = report_doc };
	struct report_args a = { .o = { .sz = sizeof(a.o), .top = DEFAULT_TOP } };
	char err[512] = "";

	if (argp_parse(&argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_HELP | ARGP_NO_EXIT, NULL, &a))
		return a.help ? 0 : 2;
	if (report__run(a.path, &a.o, stdout, err, sizeof(err))) {
		rlog("%s", err);
		return 1;
	}
	return 0;
}
