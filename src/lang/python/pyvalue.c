// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python values: layouts per CPython version, and snapshots rendered like
 * repr(). A snapshot is outside input: every read is checked against its
 * length, and a malformed node renders as <...> rather than being trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "lang/python/pyvalue.h"
#include "lang/python/pyprint.h"
#include "util/escape.h"
#include "util/json.h"
#include "types/dwarf.h"
#include "target/procmaps.h"
#include "wrapmon_py.h"

int pyvalue__layout(int major, int minor, struct wm_py_layout *L)
{
	memset(L, 0, sizeof(*L));
	if (major != 3 || minor < 8 || minor > 13)
		return -ENOTSUP;
	L->version = major << 8 | minor;
	L->ob_type = 8;
	L->ob_size = 16;
	L->tp_name = 24;
	L->tp_flags = 168;
	L->str_state = 32;
	/* 3.12 dropped wstr from PyASCIIObject and wstr_length from the compact one. */
	L->str_ascii_data = minor >= 12 ? 40 : 48;
	L->str_compact_data = minor >= 12 ? 56 : 72;
	L->bytes_data = 32;
	L->long_size = 16;
	L->long_digits = 24;
	L->long_tagged = minor >= 12;
	L->float_val = 16;
	L->tuple_items = 24;
	L->list_items = 24;
	L->dict_used = 16;
	L->dict_keys = 32;
	L->dict_values = 40;
	/* 3.11 packed the keys' header: dk_log2_size and two more bytes, then counts. */
	L->dict_keys_v2 = minor >= 11;
	L->dk_size = 8;
	L->dk_nentries = minor >= 11 ? 24 : 32;
	L->dk_indices = minor >= 11 ? 32 : 40;
	L->exc_args = 24;
	/* _sre's MatchObject and PatternObject (Modules/_sre/sre.h): the same 3.8 to 3.13. */
	L->match_string = 24;
	L->match_mark = 80;
	L->pattern_source = 48;
	L->pattern_flags = 56;
	return 0;
}

int pyvalue__version_of(const char *path, int *major, int *minor)
{
	const char *base = strrchr(path, '/'), *p;
	char *end;
	long a, b;

	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		base += 3;
	if (strncmp(base, "python", 6))
		return -ENOENT;
	p = base + 6;
	a = strtol(p, &end, 10);
	if (end == p || *end != '.')
		return -ENOENT;
	p = end + 1;
	b = strtol(p, &end, 10);
	if (end == p || a < 0 || a > 99 || b < 0 || b > 99)
		return -ENOENT;
	/* python3.12, python3.12d, libpython3.12.so.1.0, libpython3.13t.so */
	if (*end && *end != '.' && *end != 'd' && *end != 't' && *end != 'm')
		return -ENOENT;
	*major = a;
	*minor = b;
	return 0;
}

bool pyvalue__is_pyobject(const char *c_type)
{
	const char *s = c_type;
	size_t n;

	if (!strncmp(s, "const ", 6))
		s += 6;
	if (!strncmp(s, "PyObject", 8))
		s += 8;
	else if (!strncmp(s, "struct _object", 14))
		s += 14;
	else
		return false;
	while (*s == ' ')
		s++;
	if (*s++ != '*')
		return false;
	n = strspn(s, " ");
	s += n;
	/* "PyObject * const" is one too; "PyObject **" is not. */
	return !*s || !strcmp(s, "const");
}

/*
 * python3.13t, libpython3.13t.so: a free-threaded build, whose object header
 * is larger; the table describes the default build only.
 */
static bool free_threaded(const char *path)
{
	const char *base = strrchr(path, '/');
	int major, minor;
	char t[2];

	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		base += 3;
	return sscanf(base, "python%d.%d%1[t]", &major, &minor, t) == 3;
}

/* The DWARF of the file at path, or NULL with its error. */
static int open_dwarf(const char *path, struct wm_dwarf **d)
{
	int fd, ret;

	*d = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = dwarf__open(fd, d);
	close(fd);
	return ret;
}

int pyvalue__layout_of_pid(int pid, struct wm_py_layout *L, char *path, size_t size,
			   struct wm_dwarf **dw)
{
	struct wm_dwarf *d = NULL;
	struct wm_mapping *maps = NULL;
	int n, ret, major = 0, minor = 0, found = -1;
	char file[64], full[PATH_MAX + 64], *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(L, 0, sizeof(*L));
	if (dw)
		*dw = NULL;
	snprintf(file, sizeof(file), "/proc/%d/maps", pid);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	ret = getdelim(&text, &len, '\0', f) < 0 ? -EIO : 0;
	fclose(f);
	if (ret)
		goto cleanup;
	n = procmaps__parse(text, &maps);
	if (n < 0) {
		ret = n;
		goto cleanup;
	}
	/* libpython holds the objects' code when it is mapped; else the executable does. */
	for (int i = 0; i < n; i++) {
		const char *base = strrchr(maps[i].path, '/');

		if (!maps[i].exec || pyvalue__version_of(maps[i].path, &major, &minor))
			continue;
		if (found < 0 || (base && !strncmp(base + 1, "lib", 3)))
			found = i;
	}
	if (found < 0) {
		ret = -ENOENT;
		goto cleanup;
	}
	pyvalue__version_of(maps[found].path, &major, &minor);
	snprintf(path, size, "%s", maps[found].path);
	ret = pyvalue__layout(major, minor, L);
	if (ret) {
		L->version = major << 8 | minor;
		goto cleanup;
	}
	/* The file as the process sees it, in its mount namespace. */
	snprintf(full, sizeof(full), "/proc/%d/root%s", pid, maps[found].path);
	/* No DWARF (a stripped build): the version's table stands, but for a free-threaded one. */
	ret = open_dwarf(full, &d);
	if (!ret)
		ret = pyvalue__layout_of_dwarf(d, L);
	if (ret == -ENODATA || ret == -ENOENT || ret == -EACCES)
		ret = free_threaded(maps[found].path) ? -ENOTSUP : 0;
cleanup:
	if (dw)
		*dw = d;
	else
		dwarf__free(d);
	free(maps);
	free(text);
	return ret;
}

/* --- reading a snapshot --- */

struct node {
	struct wm_pyv_hdr h;
	const char *name; /* h.name_len bytes */
	const unsigned char *body;
	size_t body_len; /* payload bytes present */
	bool ok;
};

/* The node at p (len bytes there at most); ok false when its header does not fit. */
static struct node node_at(const unsigned char *p, size_t len)
{
	struct node n = {};
	size_t size;

	if (len < sizeof(n.h))
		return n;
	memcpy(&n.h, p, sizeof(n.h));
	size = n.h.size;
	if (size < sizeof(n.h) + n.h.name_len || size > len)
		return n;
	n.name = (const char *)p + sizeof(n.h);
	n.body = p + sizeof(n.h) + n.h.name_len;
	n.body_len = size - sizeof(n.h) - n.h.name_len;
	n.ok = n.h.kind < WM_PYV_KINDS;
	return n;
}

static const char *const kind_names[WM_PYV_KINDS] = {
	[WM_PYV_FAULT] = "",	    [WM_PYV_NULL] = "NULL",	 [WM_PYV_OTHER] = "",
	[WM_PYV_NONE] = "NoneType", [WM_PYV_BOOL] = "bool",	 [WM_PYV_INT] = "int",
	[WM_PYV_FLOAT] = "float",   [WM_PYV_STR] = "str",	 [WM_PYV_BYTES] = "bytes",
	[WM_PYV_TUPLE] = "tuple",   [WM_PYV_LIST] = "list",	 [WM_PYV_DICT] = "dict",
	[WM_PYV_EXC] = "",	    [WM_PYV_MATCH] = "re.Match", [WM_PYV_PATTERN] = "re.Pattern",
};

/* The type name: the one the snapshot carries, else the kind's built-in. */
static void put_type_name(struct wm_buf *b, const struct node *n, bool json)
{
	if (n->h.name_len) {
		if (json)
			esc__json(b, n->name, n->h.name_len);
		else
			esc__text(b, n->name, n->h.name_len);
	} else if (n->h.kind < WM_PYV_KINDS && kind_names[n->h.kind][0]) {
		buf__puts(b, kind_names[n->h.kind]);
	} else {
		buf__puts(b, "object");
	}
}

/* --- text: str and bytes as repr() quotes them --- */

static bool cp_printable(__u32 cp)
{
	size_t lo = 0, hi = sizeof(pyprint_nonprint) / sizeof(pyprint_nonprint[0]);

	if (cp < 0x80)
		return cp >= 0x20 && cp < 0x7f;
	if (cp > 0x10ffff)
		return false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < pyprint_nonprint[mid][0])
			hi = mid;
		else if (cp > pyprint_nonprint[mid][1])
			lo = mid + 1;
		else
			return false;
	}
	return true;
}

static void put_utf8(struct wm_buf *b, __u32 cp)
{
	char u[4];

	if (cp < 0x80) {
		buf__putc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = 0xc0 | cp >> 6;
		u[1] = 0x80 | (cp & 0x3f);
		buf__put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | cp >> 12;
		u[1] = 0x80 | (cp >> 6 & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		buf__put(b, u, 3);
	} else {
		u[0] = 0xf0 | cp >> 18;
		u[1] = 0x80 | (cp >> 12 & 0x3f);
		u[2] = 0x80 | (cp >> 6 & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		buf__put(b, u, 4);
	}
}

/* The i-th of n chars of width bytes each. */
static __u32 char_at(const unsigned char *p, unsigned int width, size_t i)
{
	p += i * width;
	if (width == 4)
		return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
	if (width == 2)
		return p[0] | p[1] << 8;
	return p[0];
}

/* repr()'s quote: ' unless the text holds ' and no ". */
static char pick_quote(const unsigned char *p, unsigned int width, size_t n)
{
	bool sq = false, dq = false;

	for (size_t i = 0; i < n; i++) {
		__u32 c = char_at(p, width, i);

		sq |= c == '\'';
		dq |= c == '"';
	}
	return sq && !dq ? '"' : '\'';
}

/* One char inside the quotes: bytes (is_bytes) escape everything past ASCII. */
static void put_repr_char(struct wm_buf *b, __u32 c, char quote, bool is_bytes)
{
	if (c == (__u32)quote || c == '\\') {
		buf__putc(b, '\\');
		buf__putc(b, (char)c);
	} else if (c == '\t') {
		buf__puts(b, "\\t");
	} else if (c == '\n') {
		buf__puts(b, "\\n");
	} else if (c == '\r') {
		buf__puts(b, "\\r");
	} else if (c >= 0x20 && c < 0x7f) {
		buf__putc(b, (char)c);
	} else if (is_bytes || c < 0x80 || !cp_printable(c)) {
		if (c < 0x100)
			buf__printf(b, "\\x%02x", c);
		else if (c < 0x10000)
			buf__printf(b, "\\u%04x", c);
		else
			buf__printf(b, "\\U%08x", c);
	} else {
		put_utf8(b, c);
	}
}

/* The chars of a STR or BYTES node that are present, and their width. */
static size_t text_chars(const struct node *n, unsigned int *width)
{
	*width = n->h.kind == WM_PYV_STR ? n->h.aux : 1;
	if (*width != 1 && *width != 2 && *width != 4)
		*width = 1;
	return n->body_len / *width;
}

static bool text_cut(const struct node *n, size_t have)
{
	return n->h.flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT | WM_PYV_F_OPAQUE) ||
	       have < n->h.count;
}

/* A str or bytes literal, at most max chars of it (0: all). Returns whether it is whole. */
static bool put_text(struct wm_buf *b, const struct node *n, size_t max)
{
	unsigned int width;
	size_t have = text_chars(n, &width), shown = max && max < have ? max : have;
	bool is_bytes = n->h.kind == WM_PYV_BYTES;
	char q = pick_quote(n->body, width, have);

	if (is_bytes)
		buf__putc(b, 'b');
	buf__putc(b, q);
	for (size_t i = 0; i < shown; i++)
		put_repr_char(b, char_at(n->body, width, i), q, is_bytes);
	buf__putc(b, q);
	return !text_cut(n, have);
}

/* The code point of the UTF-8 sequence at p (n bytes left), leniently: a stray byte stands for itself. */
static __u32 utf8_next(const unsigned char *p, size_t n, size_t *len)
{
	__u32 c = p[0];
	size_t want = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, k;

	*len = 1;
	if (want == 1 || want > n)
		return c;
	c &= 0x3f >> (want - 1);
	for (k = 1; k < want && (p[k] & 0xc0) == 0x80; k++)
		c = c << 6 | (p[k] & 0x3f);
	if (k < want)
		return p[0];
	*len = want;
	return c;
}

static int hex4(const unsigned char *p, size_t n)
{
	unsigned int v = 0;

	if (n < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = p[i] >= '0' && p[i] <= '9'		     ? p[i] - '0' :
			(p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f' ? (p[i] | 0x20) - 'a' + 10 :
								       -1;

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The code points of a JSON string literal (quotes included), lone surrogates kept. */
static size_t json_chars(const char *json, size_t n, __u32 *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t i = 1, nr = 0, len;

	while (i < n && p[i] != '"' && nr < max) {
		__u32 c;
		int u, lo;

		if (p[i] != '\\') {
			out[nr++] = utf8_next(p + i, n - i, &len);
			i += len;
			continue;
		}
		if (i + 1 >= n)
			break;
		c = p[i + 1];
		i += 2;
		switch (c) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			u = hex4(p + i, n - i);
			if (u < 0)
				return nr;
			i += 4;
			c = u;
			/* A pair is one character; a lone half stays itself, as in Python. */
			if (u >= 0xd800 && u < 0xdc00 && i + 1 < n && p[i] == '\\' &&
			    p[i + 1] == 'u' && (lo = hex4(p + i + 2, n - i - 2)) >= 0xdc00 &&
			    lo < 0xe000) {
				c = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			break;
		default:
			break;
		}
		out[nr++] = c;
	}
	return nr;
}

void pyvalue__repr_json(struct wm_buf *b, const char *json, size_t n)
{
	__u32 *cp = malloc((n ? n : 1) * sizeof(*cp));
	bool sq = false, dq = false;
	size_t nr;
	char q;

	if (!cp || !n || json[0] != '"') {
		buf__puts(b, "?");
		free(cp);
		return;
	}
	nr = json_chars(json, n, cp, n);
	for (size_t i = 0; i < nr; i++) {
		sq |= cp[i] == '\'';
		dq |= cp[i] == '"';
	}
	q = sq && !dq ? '"' : '\'';
	buf__putc(b, q);
	for (size_t i = 0; i < nr; i++)
		put_repr_char(b, cp[i], q, false);
	buf__putc(b, q);
	free(cp);
}

/* --- int --- */

/*
 * The decimal digits of a non-negative value given as 30-bit digits, least
 * significant first, into out (room for 10 chars per digit + 1).
 */
static void digits_decimal(const __u32 *d, size_t nd, char *out)
{
	__u32 w[WM_PYV_DIGITS];
	char tmp[WM_PYV_DIGITS * 10 + 16];
	size_t len = 0, n = nd;

	memcpy(w, d, nd * sizeof(*d));
	while (n && !w[n - 1])
		n--;
	if (!n) {
		strcpy(out, "0");
		return;
	}
	/* Divide by 10**9 until nothing is left: nine decimal digits a step. */
	while (n) {
		__u64 rem = 0;

		for (size_t i = n; i-- > 0;) {
			__u64 cur = rem << 30 | (w[i] & 0x3fffffff);

			w[i] = cur / 1000000000;
			rem = cur % 1000000000;
		}
		while (n && !w[n - 1])
			n--;
		for (int k = 0; k < 9 && (n || rem); k++) {
			tmp[len++] = '0' + rem % 10;
			rem /= 10;
		}
	}
	for (size_t i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	out[len] = '\0';
}

/* An int's decimal text into out; false when its digits are not all here. */
static bool int_text(const struct node *n, char *out, size_t size)
{
	__u32 d[WM_PYV_DIGITS];
	size_t nd = n->body_len / 4;
	char dec[WM_PYV_DIGITS * 10 + 16];

	if (nd > WM_PYV_DIGITS)
		nd = WM_PYV_DIGITS;
	if (nd < n->h.count || n->h.flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT)) {
		snprintf(out, size, "<int of %u digits of 30 bits>", n->h.count);
		return false;
	}
	memcpy(d, n->body, nd * 4);
	digits_decimal(d, nd, dec);
	snprintf(out, size, "%s%s", n->h.aux && strcmp(dec, "0") ? "-" : "", dec);
	return true;
}

/* --- float: repr()'s shortest round trip --- */

static void float_text(double v, char *out, size_t size)
{
	char e[40], digits[24];
	int prec, exp, nd = 0;
	const char *p;

	if (isnan(v)) {
		snprintf(out, size, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, v < 0 ? "-inf" : "inf");
		return;
	}
	/* The fewest significant digits that read back as the same double. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", prec, v);
	p = e;
	if (*p == '-')
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp = *p == 'e' ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	/* repr() switches to an exponent below 1e-4 and from 1e16 up. */
	if (exp < -4 || exp >= 16) {
		snprintf(out, size, "%s%c%s%s%se%c%02d", signbit(v) ? "-" : "", digits[0],
			 nd > 1 ? "." : "", nd > 1 ? digits + 1 : "", "", exp < 0 ? '-' : '+',
			 exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		snprintf(out, size, "%s0.%.*s%s", signbit(v) ? "-" : "", -exp - 1, "0000", digits);
	} else if (nd <= exp + 1) {
		snprintf(out, size, "%s%s%.*s.0", signbit(v) ? "-" : "", digits, exp + 1 - nd,
			 "0000000000000000");
	} else {
		snprintf(out, size, "%s%.*s.%s", signbit(v) ? "-" : "", exp + 1, digits,
			 digits + exp + 1);
	}
}

/* --- repr --- */

static bool put_node(struct wm_buf *b, const struct node *n, int depth);

/*
 * The item nodes of a container, ", "-separated; pairs as "k: v". Returns
 * whether all count items were there.
 */
static bool put_items(struct wm_buf *b, const struct node *n, bool pairs, int depth)
{
	const unsigned char *p = n->body;
	size_t left = n->body_len;
	__u32 shown = 0;
	bool whole = true;

	while (left && shown < n->h.count) {
		struct node k = node_at(p, left), v;

		if (!k.ok)
			break;
		p += k.h.size;
		left -= k.h.size;
		if (pairs) {
			v = node_at(p, left);
			if (!v.ok)
				break;
			p += v.h.size;
			left -= v.h.size;
		}
		if (shown)
			buf__puts(b, ", ");
		whole &= put_node(b, &k, depth + 1);
		if (pairs) {
			buf__puts(b, ": ");
			whole &= put_node(b, &v, depth + 1);
		}
		shown++;
	}
	if (shown < n->h.count) {
		buf__puts(b, shown ? ", ..." : "...");
		whole = false;
	}
	return whole && !(n->h.flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT | WM_PYV_F_OPAQUE));
}

/* The name after the last dot: an exception's repr shows its type's short name. */
static void put_short_name(struct wm_buf *b, const struct node *n)
{
	const char *s = n->name, *dot;
	size_t len = n->h.name_len;

	dot = len ? memrchr(s, '.', len) : NULL;
	if (dot) {
		len -= dot + 1 - s;
		s = dot + 1;
	}
	if (len)
		esc__text(b, s, len);
	else
		buf__puts(b, "Exception");
}

static const struct {
	int bit;
	const char *name;
} re_flags[] = {
	{ 1, "re.TEMPLATE" },  { 2, "re.IGNORECASE" }, { 4, "re.LOCALE" },
	{ 8, "re.MULTILINE" }, { 16, "re.DOTALL" },    { 32, "re.UNICODE" },
	{ 64, "re.VERBOSE" },  { 128, "re.DEBUG" },    { 256, "re.ASCII" },
};

/*
 * A repr cut to max code points, as %.50R and %.200R cut it in _sre:
 * rendered, then counted in UTF-8 characters (escapes are ASCII).
 */
static void put_cut(struct wm_buf *b, const char *s, size_t len, size_t max)
{
	size_t i = 0, chars = 0;

	while (i < len && chars < max) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	buf__put(b, s, i);
}

static bool put_match(struct wm_buf *b, const struct node *n)
{
	struct wm_buf t = {};
	__s64 span[2];
	struct node s;
	bool whole;

	if (n->body_len < sizeof(span))
		return false;
	memcpy(span, n->body, sizeof(span));
	s = node_at(n->body + sizeof(span), n->body_len - sizeof(span));
	buf__putc(b, '<');
	put_type_name(b, n, false);
	buf__printf(b, " object; span=(%lld, %lld), match=", (long long)span[0],
		    (long long)span[1]);
	if (!s.ok || (s.h.kind != WM_PYV_STR && s.h.kind != WM_PYV_BYTES)) {
		buf__puts(b, "...>");
		return false;
	}
	whole = put_text(&t, &s, WM_PYV_MATCH_CHARS);
	if (!t.err)
		put_cut(b, t.p, t.len, 50);
	/* A cut text is whole enough once its first 49 chars fill the 50 shown. */
	if (!whole) {
		unsigned int width;

		whole = text_chars(&s, &width) >= WM_PYV_MATCH_CHARS - 1 &&
			!(s.h.flags & WM_PYV_F_FAULT);
	}
	if (!whole)
		buf__puts(b, "...");
	buf__putc(b, '>');
	buf__free(&t);
	return whole;
}

static bool put_pattern(struct wm_buf *b, const struct node *n)
{
	struct wm_buf t = {};
	__s32 flags;
	struct node s;
	bool whole, sep = false;

	if (n->body_len < sizeof(flags))
		return false;
	memcpy(&flags, n->body, sizeof(flags));
	s = node_at(n->body + sizeof(flags), n->body_len - sizeof(flags));
	buf__puts(b, "re.compile(");
	if (!s.ok || (s.h.kind != WM_PYV_STR && s.h.kind != WM_PYV_BYTES)) {
		buf__puts(b, "...)");
		return false;
	}
	whole = put_text(&t, &s, 0);
	if (!t.err)
		put_cut(b, t.p, t.len, 200);
	buf__free(&t);
	if (!whole)
		buf__puts(b, "...");
	/* A str pattern is Unicode unless told otherwise: that flag goes unsaid. */
	if (s.h.kind == WM_PYV_STR && (flags & (4 | 32 | 256)) == 32)
		flags &= ~32;
	if (flags) {
		buf__puts(b, ", ");
		for (size_t i = 0; i < sizeof(re_flags) / sizeof(re_flags[0]); i++) {
			if (!(flags & re_flags[i].bit))
				continue;
			buf__printf(b, "%s%s", sep ? "|" : "", re_flags[i].name);
			flags &= ~re_flags[i].bit;
			sep = true;
		}
		if (flags)
			buf__printf(b, "%s0x%x", sep ? "|" : "", (unsigned int)flags);
	}
	buf__putc(b, ')');
	return whole;
}

/* repr() of one node; false when a part of it is missing. */
static bool put_node(struct wm_buf *b, const struct node *n, int depth)
{
	bool sub = n->h.flags & WM_PYV_F_SUBCLASS, whole = true;
	char num[WM_PYV_DIGITS * 10 + 64];
	double d;

	if (sub) {
		put_type_name(b, n, false);
		buf__putc(b, '(');
	}
	switch (n->h.kind) {
	case WM_PYV_NULL:
		buf__puts(b, "NULL");
		break;
	case WM_PYV_NONE:
		buf__puts(b, "None");
		break;
	case WM_PYV_BOOL:
		buf__puts(b, n->h.aux ? "True" : "False");
		break;
	case WM_PYV_INT:
		whole = int_text(n, num, sizeof(num));
		buf__puts(b, num);
		break;
	case WM_PYV_FLOAT:
		if (n->body_len < sizeof(d)) {
			buf__puts(b, "<float>");
			whole = false;
			break;
		}
		memcpy(&d, n->body, sizeof(d));
		float_text(d, num, sizeof(num));
		buf__puts(b, num);
		break;
	case WM_PYV_STR:
	case WM_PYV_BYTES:
		whole = put_text(b, n, 0);
		if (!whole)
			buf__puts(b, "...");
		break;
	case WM_PYV_TUPLE:
		buf__putc(b, '(');
		whole = put_items(b, n, false, depth);
		buf__puts(b, n->h.count == 1 && whole ? ",)" : ")");
		break;
	case WM_PYV_LIST:
		buf__putc(b, '[');
		whole = put_items(b, n, false, depth);
		buf__putc(b, ']');
		break;
	case WM_PYV_DICT:
		buf__putc(b, '{');
		whole = put_items(b, n, true, depth);
		buf__putc(b, '}');
		break;
	case WM_PYV_EXC: {
		struct node one = node_at(n->body, n->body_len);

		put_short_name(b, n);
		buf__putc(b, '(');
		/* One argument shows as itself, more as the tuple's items. */
		if (n->h.count == 1 && one.ok && one.h.size == n->body_len)
			whole = put_node(b, &one, depth + 1) &&
				!(n->h.flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT));
		else
			whole = put_items(b, n, false, depth);
		buf__putc(b, ')');
		break;
	}
	case WM_PYV_MATCH:
		whole = put_match(b, n);
		break;
	case WM_PYV_PATTERN:
		whole = put_pattern(b, n);
		break;
	case WM_PYV_OTHER:
		buf__putc(b, '<');
		put_type_name(b, n, false);
		buf__printf(b, " object at 0x%llx>", (unsigned long long)n->h.addr);
		break;
	default:
		buf__printf(b, "<unreadable PyObject at 0x%llx>", (unsigned long long)n->h.addr);
		whole = false;
		break;
	}
	if (sub)
		buf__putc(b, ')');
	return whole;
}

bool pyvalue__repr(struct wm_buf *b, const void *snap, size_t len)
{
	struct node n = node_at(snap, len);

	if (!n.ok) {
		buf__puts(b, "<no Python value>");
		return false;
	}
	return put_node(b, &n, 0);
}

/* The short name of a dotted one ("builtins.KeyError": "KeyError"). */
static void put_short(struct wm_buf *b, const char *name)
{
	const char *dot = strrchr(name, '.'), *s = dot ? dot + 1 : name;

	esc__text(b, s, strlen(s));
}

/*
 * 3.11 and older keep an exception that C code raised unnormalized until
 * something asks for it: the thread state holds its type and the value it
 * will be made from (the message, an args tuple), not an instance.
 * Normalizing calls type(*value) for a tuple, else type(value): its args.
 */
static bool put_raised_args(struct wm_buf *b, const struct node *n, int depth)
{
	if (n->h.kind == WM_PYV_TUPLE)
		return put_items(b, n, false, depth);
	if (n->h.kind == WM_PYV_NONE)
		return true;
	return put_node(b, n, depth + 1);
}

bool pyvalue__raised_repr(struct wm_buf *b, const void *snap, size_t len, const char *type)
{
	struct node n = node_at(snap, len);
	bool whole;

	if (!n.ok || n.h.kind == WM_PYV_EXC || !type)
		return pyvalue__repr(b, snap, len);
	put_short(b, type);
	buf__putc(b, '(');
	whole = put_raised_args(b, &n, 0);
	buf__putc(b, ')');
	return whole;
}

/*
 * str() of an exception made of the args a node holds (an exception's, or
 * a tuple's items), as BaseException.__str__ makes it: "" for none, the
 * one's text (a str's characters, lone surrogates as Python's
 * backslashreplace; KeyError: its repr), else the args' repr. False when
 * a part of it was cut.
 */
static bool put_str_text(struct wm_buf *msg, const struct node *str)
{
	unsigned int width;
	size_t have = text_chars(str, &width);

	for (size_t i = 0; i < have; i++) {
		__u32 c = char_at(str->body, width, i);

		if (c >= 0xd800 && c <= 0xdfff)
			buf__printf(msg, "\\u%04x", c);
		else
			put_utf8(msg, c);
	}
	return !text_cut(str, have);
}

static bool put_exc_str(struct wm_buf *msg, const struct node *args, bool key)
{
	struct node one = node_at(args->body, args->body_len);
	bool cut = args->h.flags & (WM_PYV_F_TRUNC | WM_PYV_F_FAULT), ok = true;

	if (args->h.count == 1 && one.ok && one.h.kind == WM_PYV_STR && !key)
		return put_str_text(msg, &one) && !cut;
	if (args->h.count == 1)
		return one.ok && put_node(msg, &one, 1) && !cut;
	if (args->h.count > 1) {
		buf__putc(msg, '(');
		ok = put_items(msg, args, false, 0);
		buf__putc(msg, ')');
	}
	return ok;
}

int pyvalue__exc(const void *snap, size_t len, const char *raised, struct wm_buf *type,
		 struct wm_buf *msg, bool *whole)
{
	struct node n = node_at(snap, len);
	bool ok;

	if (n.ok && n.h.kind != WM_PYV_EXC && raised) {
		/* Unnormalized: the value is what the args will be made from. */
		const char *dot = strrchr(raised, '.');
		bool key = !strcmp(dot ? dot + 1 : raised, "KeyError");

		put_short(type, raised);
		if (n.h.kind == WM_PYV_TUPLE)
			ok = put_exc_str(msg, &n, key);
		else if (n.h.kind == WM_PYV_NONE)
			ok = true;
		else if (n.h.kind == WM_PYV_STR && !key)
			ok = put_str_text(msg, &n);
		else
			ok = put_node(msg, &n, 1);
	} else if (n.ok && n.h.kind == WM_PYV_EXC) {
		put_short_name(type, &n);
		ok = put_exc_str(msg, &n, n.h.name_len == 8 && !memcmp(n.name, "KeyError", 8));
	} else {
		return -EINVAL;
	}
	if (whole)
		*whole = ok;
	return 0;
}

/* --- JSON --- */

/* A str node's chars as a JSON string body: lone surrogates as \u escapes. */
static void put_json_chars(struct wm_buf *b, const struct node *n)
{
	unsigned int width;
	size_t have = text_chars(n, &width);
	struct wm_buf u = {};

	for (size_t i = 0; i < have; i++) {
		__u32 c = char_at(n->body, width, i);

		if (c >= 0xd800 && c <= 0xdfff) {
			esc__json(b, u.p ? u.p : "", u.len);
			buf__reset(&u);
			buf__printf(b, "\\u%04x", c);
		} else if (c <= 0x10ffff) {
			put_utf8(&u, c);
		}
	}
	esc__json(b, u.p ? u.p : "", u.len);
	buf__free(&u);
}

void pyvalue__json(struct wm_buf *b, const void *snap, size_t len)
{
	struct node n = node_at(snap, len);
	char num[WM_PYV_DIGITS * 10 + 64];
	struct wm_buf r = {};
	unsigned int width;
	bool whole;
	double d;

	if (!n.ok) {
		buf__puts(b, "{\"type\":null,\"repr\":\"<no Python value>\",\"truncated\":true}");
		return;
	}
	if (!(n.h.flags & WM_PYV_F_SUBCLASS)) {
		switch (n.h.kind) {
		case WM_PYV_NONE:
			buf__puts(b, "null");
			return;
		case WM_PYV_BOOL:
			buf__puts(b, n.h.aux ? "true" : "false");
			return;
		case WM_PYV_INT:
			if (int_text(&n, num, sizeof(num))) {
				buf__puts(b, num);
				return;
			}
			break;
		case WM_PYV_FLOAT:
			if (n.body_len < sizeof(d))
				break;
			memcpy(&d, n.body, sizeof(d));
			if (!isfinite(d))
				break;
			float_text(d, num, sizeof(num));
			buf__puts(b, num);
			return;
		case WM_PYV_STR:
			buf__puts(b, text_cut(&n, text_chars(&n, &width)) ?
					     "{\"type\":\"str\",\"value\":\"" :
					     "\"");
			put_json_chars(b, &n);
			if (text_cut(&n, text_chars(&n, &width)))
				buf__puts(b, "\",\"truncated\":true}");
			else
				buf__putc(b, '"');
			return;
		default:
			break;
		}
	}
	whole = put_node(&r, &n, 0);
	buf__puts(b, "{\"type\":\"");
	if (n.h.kind == WM_PYV_FAULT)
		buf__puts(b, "?");
	else
		put_type_name(b, &n, true);
	buf__puts(b, "\",\"repr\":");
	json__str(b, r.p ? r.p : "", r.len);
	if (!whole)
		buf__puts(b, ",\"truncated\":true");
	buf__putc(b, '}');
	buf__free(&r);
}

/* A layout field and where DWARF describes it. */
struct dwarf_field {
	const char *type, *member; /* member NULL: the type's size */
	size_t off;		   /* of the __u16 in struct wm_py_layout */
	const char *const *units;  /* the only units defining type; NULL: any */
};

#define F(t, m, f)                                     \
	{                                              \
		t, m, offsetof(struct wm_py_layout, f) \
	}
#define F_SRE(t, m, f)                                            \
	{                                                         \
		t, m, offsetof(struct wm_py_layout, f), sre_units \
	}
/* _sre's own file (3.11+, then 3.10): near the end of libpython's units. */
static const char *const sre_units[] = { "_sre/sre.c", "_sre.c", NULL };
static const struct dwarf_field dwarf_fields[] = {
	F("PyObject", "ob_type", ob_type),
	F("PyVarObject", "ob_size", ob_size),
	F("PyTypeObject", "tp_name", tp_name),
	F("PyTypeObject", "tp_flags", tp_flags),
	F("PyASCIIObject", "state", str_state),
	F("PyASCIIObject", NULL, str_ascii_data),
	F("PyCompactUnicodeObject", NULL, str_compact_data),
	F("PyBytesObject", "ob_sval", bytes_data),
	F("PyFloatObject", "ob_fval", float_val),
	F("PyTupleObject", "ob_item", tuple_items),
	F("PyListObject", "ob_item", list_items),
	F("PyDictObject", "ma_used", dict_used),
	F("PyDictObject", "ma_keys", dict_keys),
	F("PyDictObject", "ma_values", dict_values),
	F("PyDictKeysObject", "dk_nentries", dk_nentries),
	F("PyDictKeysObject", "dk_indices", dk_indices),
	F("PyBaseExceptionObject", "args", exc_args),
	/* _sre's objects: described where the module is built in (pyenv's libpython). */
	F_SRE("MatchObject", "string", match_string),
	F_SRE("MatchObject", "mark", match_mark),
	F_SRE("PatternObject", "pattern", pattern_source),
	F_SRE("PatternObject", "flags", pattern_flags),
};
#undef F
#undef F_SRE

static void set_u16(struct wm_py_layout *L, size_t off, unsigned long v)
{
	__u16 x = v > 0xffff ? 0xffff : v;

	memcpy((char *)L + off, &x, sizeof(x));
}

/* A field from the DWARF, where it describes it. */
static void field_of_dwarf(struct wm_dwarf *d, const struct dwarf_field *f, struct wm_py_layout *L)
{
	unsigned long v;

	if (!(f->units ? dwarf__offsetof_in(d, f->units, f->type, f->member, &v) :
			 dwarf__offsetof(d, f->type, f->member, &v)))
		set_u16(L, f->off, v);
}

void pyvalue__str_offsets(struct wm_dwarf *d, int minor, struct wm_py_offsets *o)
{
	struct wm_py_layout L;
	unsigned long v;

	pyvalue__layout(3, minor, &L);
	for (size_t i = 0; d && i < sizeof(dwarf_fields) / sizeof(dwarf_fields[0]); i++)
		if (dwarf_fields[i].off == offsetof(struct wm_py_layout, str_state) ||
		    dwarf_fields[i].off == offsetof(struct wm_py_layout, str_ascii_data) ||
		    dwarf_fields[i].off == offsetof(struct wm_py_layout, str_compact_data))
			field_of_dwarf(d, &dwarf_fields[i], &L);
	o->str_state = L.str_state;
	o->str_ascii = L.str_ascii_data;
	o->str_compact = L.str_compact_data;
	/* The length follows the object's header, where a PyVarObject has its size. */
	o->str_length = L.ob_size;
	if (d && !dwarf__offsetof(d, "PyASCIIObject", "length", &v) && v < 0xffff)
		o->str_length = v;
}

int pyvalue__layout_dwarf(const char *path, struct wm_py_layout *L)
{
	struct wm_dwarf *d;
	int ret = open_dwarf(path, &d);

	if (!ret)
		ret = pyvalue__layout_of_dwarf(d, L);
	dwarf__free(d);
	return ret;
}

int pyvalue__layout_of_dwarf(struct wm_dwarf *d, struct wm_py_layout *L)
{
	unsigned long v, w;

	/* No PyObject: no DWARF of the interpreter's objects (a stripped build's stubs). */
	if (dwarf__offsetof(d, "PyObject", "ob_type", &v))
		return -ENODATA;
	for (size_t i = 0; i < sizeof(dwarf_fields) / sizeof(dwarf_fields[0]); i++)
		field_of_dwarf(d, &dwarf_fields[i], L);
	/* 3.12 moved an int's size and digits into long_value, with a tag for both. */
	if (!dwarf__offsetof(d, "PyLongObject", "long_value.lv_tag", &v) &&
	    !dwarf__offsetof(d, "PyLongObject", "long_value.ob_digit", &w)) {
		L->long_tagged = 1;
		set_u16(L, offsetof(struct wm_py_layout, long_size), v);
		set_u16(L, offsetof(struct wm_py_layout, long_digits), w);
	} else if (!dwarf__offsetof(d, "PyLongObject", "ob_digit", &w)) {
		L->long_tagged = 0;
		set_u16(L, offsetof(struct wm_py_layout, long_size), L->ob_size);
		set_u16(L, offsetof(struct wm_py_layout, long_digits), w);
	}
	/* 3.11 packed the keys' size into a log2 byte. */
	if (!dwarf__offsetof(d, "PyDictKeysObject", "dk_log2_size", &v)) {
		L->dict_keys_v2 = 1;
		set_u16(L, offsetof(struct wm_py_layout, dk_size), v);
	} else if (!dwarf__offsetof(d, "PyDictKeysObject", "dk_size", &v)) {
		L->dict_keys_v2 = 0;
		set_u16(L, offsetof(struct wm_py_layout, dk_size), v);
	}
	return 0;
}
