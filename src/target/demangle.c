// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "target/demangle.h"

/* libstdc++'s demangler (<cxxabi.h>), callable from C. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Scopes looked at in one name: deeper ones are not offered as tails. */
#define MAX_SCOPES 32

bool demangle__is_mangled(const char *sym)
{
	return sym && sym[0] == '_' && (sym[1] == 'Z' || sym[1] == 'R');
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Does s + i start the name of an operator ("operator<<", "operator new")? */
static bool at_operator(const char *s, size_t i)
{
	return !strncmp(s + i, "operator", 8) && (i == 0 || !ident_char(s[i - 1])) &&
	       !ident_char(s[i + 8]);
}

/*
 * Past an operator's name at s + i: its symbols ("<<", "()", "[]"), or for
 * "operator new", "operator delete[]" and conversions ("operator char
 * const*") up to the parameter list.
 */
static size_t after_operator(const char *s, size_t i)
{
	int angle = 0;

	i += 8;
	if (s[i] == '(' && s[i + 1] == ')')
		return i + 2;
	if (s[i] == '"' && s[i + 1] == '"')
		i += 2;
	if (s[i] != ' ') {
		while (s[i] && strchr("<>=!+-*/%^&|~[],", s[i]))
			i++;
		return i;
	}
	for (; s[i] && (angle || s[i] != '('); i++) {
		if (s[i] == '<')
			angle++;
		else if (s[i] == '>' && angle)
			angle--;
	}
	return i;
}

/* Past the parenthesis opening at s + i and everything up to its match. */
static size_t after_parens(const char *s, size_t i)
{
	int depth = 0;

	for (; s[i]; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return i;
}

/* Past a member function's qualifiers: " const", " volatile", " &", " &&". */
static size_t after_qualifiers(const char *s, size_t i)
{
	static const char *const quals[] = { " const", " volatile", " &&", " &" };
	bool more = true;

	while (more) {
		more = false;
		for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
			size_t n = strlen(quals[q]);

			if (!strncmp(s + i, quals[q], n) && !ident_char(s[i + n])) {
				i += n;
				more = true;
			}
		}
	}
	return i;
}

struct name_scan {
	size_t len;   /* the qualified name, before any parameter list */
	size_t blank; /* just after the last blank outside brackets before the name; 0: none */
	size_t starts[MAX_SCOPES];
	int nr_starts; /* may exceed MAX_SCOPES: starts holds the first ones */
};

/*
 * One walk over a demangled name up to its parameter list: where it ends,
 * where its scopes start and where a return type before it ends. Brackets
 * of every kind nest ("<...>", "{lambda(int)#1}", "[abi:cxx11]"); Rust's
 * "->" closes none.
 */
static void scan_name(const char *s, struct name_scan *ns)
{
	bool seen_op = false;
	int depth = 0;
	size_t i = 0;

	memset(ns, 0, sizeof(*ns));
	ns->nr_starts = 1;
	while (s[i]) {
		char c = s[i];

		if (at_operator(s, i)) {
			seen_op = true;
			i = after_operator(s, i);
			continue;
		}
		if (c == '<' || c == '{' || c == '[') {
			depth++;
		} else if ((c == '>' && !(i && s[i - 1] == '-')) || c == '}' || c == ']') {
			if (depth)
				depth--;
		} else if (c == '(' && !depth) {
			size_t j;

			if (!strncmp(s + i, "(anonymous namespace)", 21)) {
				i += 21;
				continue;
			}
			/* A local entity's scope: "f(int)::L::g()". */
			j = after_qualifiers(s, after_parens(s, i));
			if (strncmp(s + j, "::", 2))
				break;
			i = j;
			continue;
		} else if (c == ':' && s[i + 1] == ':' && !depth) {
			if (ns->nr_starts < MAX_SCOPES)
				ns->starts[ns->nr_starts] = i + 2;
			ns->nr_starts++;
			i += 2;
			continue;
		} else if (c == ' ' && !depth && !seen_op) {
			ns->blank = i + 1;
		}
		i++;
	}
	ns->len = i;
}

size_t demangle__name_len(const char *s)
{
	struct name_scan ns;

	scan_name(s, &ns);
	return ns.len;
}

int demangle__scopes(const char *s, size_t *starts, int max)
{
	struct name_scan ns;
	int i;

	scan_name(s, &ns);
	for (i = 0; i < max && i < ns.nr_starts && i < MAX_SCOPES; i++)
		starts[i] = ns.starts[i];
	return ns.nr_starts;
}

/*
 * A function template's instance is printed after its return type ("int
 * max<int>(int, int)"): the name users write starts after it. Only a blank
 * that ends a type and starts a name counts.
 */
static void drop_return_type(char *d)
{
	struct name_scan ns;
	const char *name;

	scan_name(d, &ns);
	name = d + ns.blank;
	if (!ns.blank || ns.blank >= ns.len)
		return;
	if (!ident_char(*name) && strncmp(name, "::", 2) && strncmp(name, "(anonymous", 10))
		return;
	memmove(d, name, strlen(name) + 1);
}

/* Past the '>' matching the '<' at s + i; 0 when there is none. */
static size_t after_angle(const char *s, size_t i)
{
	int depth = 0;

	for (; s[i]; i++) {
		if (s[i] == '<')
			depth++;
		else if (s[i] == '>' && s[i - 1] != '-' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/*
 * v0 prints an inherent impl's method as "<app::Foo>::bar", legacy as
 * "app::Foo::bar": one spelling for both. A trait impl ("<T as Trait>")
 * and a type that is not a path ("<[u8]>", "<dyn T>") keep their brackets.
 */
static void rust_inherent(char *d)
{
	size_t end = d[0] == '<' ? after_angle(d, 0) : 0;
	int depth = 0;

	if (!end || strncmp(d + end, "::", 2) || !ident_char(d[1]) || !strncmp(d + 1, "dyn ", 4) ||
	    !strncmp(d + 1, "impl ", 5))
		return;
	for (size_t i = 1; i < end - 1; i++) {
		if (d[i] == '<')
			depth++;
		else if (d[i] == '>' && d[i - 1] != '-')
			depth--;
		else if (!depth && !strncmp(d + i, " as ", 4))
			return;
	}
	memmove(d + end - 1, d + end, strlen(d + end) + 1);
	memmove(d, d + 1, strlen(d + 1) + 1);
}

char *demangle__alloc(const char *sym, enum wm_lang *lang)
{
	enum wm_lang l = WM_LANG_NONE;
	int status = 0;
	char *d = NULL;

	if (!demangle__is_mangled(sym))
		goto out;
	/* Rust first: a legacy Rust symbol is a valid C++ one, with its hash as a last scope. */
	d = rust_demangle(sym, DMGL_PARAMS | DMGL_ANSI);
	if (d) {
		l = WM_LANG_RUST;
		rust_inherent(d);
		goto out;
	}
	if (sym[1] != 'Z')
		goto out;
	d = __cxa_demangle(sym, NULL, NULL, &status);
	if (!d || status) {
		free(d);
		d = NULL;
		goto out;
	}
	l = WM_LANG_CXX;
	drop_return_type(d);
out:
	if (lang)
		*lang = d ? l : WM_LANG_NONE;
	return d;
}

/* A demangler's text d into out, cut to fit (-ENOSPC then); d is freed. */
static int take(char *d, char *out, size_t outsz)
{
	size_t n = strlen(d);
	int ret = 0;

	if (n >= outsz) {
		n = outsz - 1;
		ret = -ENOSPC;
	}
	memcpy(out, d, n);
	out[n] = '\0';
	free(d);
	return ret;
}

int demangle(const char *sym, char *out, size_t outsz)
{
	char *d;

	if (!out || !outsz)
		return -EINVAL;
	d = demangle__alloc(sym, NULL);
	if (!d)
		return -EINVAL;
	return take(d, out, outsz);
}

/* Longest type name taken from a target: the rest is cut. */
#define TYPE_NAME_MAX 512

int demangle__type(const char *name, size_t len, char *out, size_t outsz)
{
	char raw[TYPE_NAME_MAX + 1];
	int status = 0;
	size_t n;
	char *d;

	if (!name || !out || !outsz)
		return -EINVAL;
	if (len && name[0] == '*') {
		name++;
		len--;
	}
	/* Stop at a NUL the target put in: the name is what comes before it. */
	len = strnlen(name, len);
	if (len > TYPE_NAME_MAX)
		len = TYPE_NAME_MAX;
	memcpy(raw, name, len);
	raw[len] = '\0';
	/*
	 * __cxa_demangle takes a type's mangling as well as a symbol's; a
	 * symbol ("_Z...") is not a type name, so it is not taken here.
	 */
	d = len && strncmp(raw, "_Z", 2) ? __cxa_demangle(raw, NULL, NULL, &status) : NULL;
	if (!d || status) {
		free(d);
		n = len < outsz - 1 ? len : outsz - 1;
		memcpy(out, raw, n);
		out[n] = '\0';
		return -EINVAL;
	}
	return take(d, out, outsz);
}

static bool has_operator(const char *s)
{
	for (size_t i = 0; s[i]; i++)
		if (at_operator(s, i))
			return true;
	return false;
}

bool demangle__is_cxx_selector(const char *name)
{
	const char *paren;

	if (!name)
		return false;
	if (strstr(name, "::") || has_operator(name))
		return true;
	/* Go's "main.(*T).M" has a dot before its parenthesis; C++ never does. */
	paren = strchr(name, '(');
	if (paren && !memchr(name, '.', paren - name))
		return true;
	/* A template's instance, "max<int>": no C or Go name holds '<'. */
	return strchr(name, '<') != NULL;
}

bool demangle__is_pattern(const char *sel)
{
	size_t i, len;

	if (!sel)
		return false;
	if (!demangle__is_cxx_selector(sel))
		return strpbrk(sel, "*?[") != NULL;
	/* A parameter list's '*' is a pointer. */
	len = demangle__name_len(sel);
	for (i = 0; i < len;) {
		if (at_operator(sel, i)) {
			i = after_operator(sel, i);
			continue;
		}
		if (sel[i] == '*' || sel[i] == '?')
			return true;
		i++;
	}
	return false;
}

/* a and b, n and m bytes, equal but for blanks ("max<int>(int,int)" is "max<int>(int, int)")? */
static bool same_text(const char *a, size_t n, const char *b, size_t m)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < n && a[i] == ' ')
			i++;
		while (j < m && b[j] == ' ')
			j++;
		if (i == n || j == m)
			return i == n && j == m;
		if (a[i++] != b[j++])
			return false;
	}
}

/* Does sel, with or without its wildcards, match len bytes of s? */
static bool sel_matches(const char *sel, bool pattern, const char *s, size_t len)
{
	char *copy;
	bool ok;

	if (!pattern)
		return same_text(sel, strlen(sel), s, len);
	copy = strndup(s, len);
	if (!copy)
		return false;
	ok = !fnmatch(sel, copy, 0);
	free(copy);
	return ok;
}

/*
 * name with the template arguments of its qualified name left out
 * ("ns::max<int>(int, int)" -> "ns::max(int, int)", Rust's
 * "app::max::<i32>" -> "app::max"), malloc'ed; NULL when it has none.
 */
static char *drop_template_args(const char *name)
{
	size_t len = demangle__name_len(name), i = 0, o = 0, end;
	bool dropped = false;
	char *out = malloc(strlen(name) + 1);

	if (!out)
		return NULL;
	while (i < len) {
		if (at_operator(name, i)) {
			/* Never past the name: what follows it is copied once, below. */
			end = after_operator(name, i);
			if (end > len)
				end = len;
			memcpy(out + o, name + i, end - i);
			o += end - i;
			i = end;
			continue;
		}
		/* Arguments follow a name: a leading '<' opens a Rust impl's type. */
		end = name[i] == '<' && i ? after_angle(name, i) : 0;
		if (end && end <= len) {
			if (o >= 2 && !strncmp(out + o - 2, "::", 2))
				o -= 2;
			i = end;
			dropped = true;
			continue;
		}
		out[o++] = name[i++];
	}
	strcpy(out + o, name + len);
	if (!dropped) {
		free(out);
		return NULL;
	}
	return out;
}

/* demangle__match() on one spelling of the name. */
static enum wm_name_match match_spelling(const char *sel, bool pattern, bool anchored, bool params,
					 const char *name, enum wm_lang lang)
{
	struct name_scan ns;
	size_t end, full;

	scan_name(name, &ns);
	full = strlen(name);
	end = params ? full : ns.len;
	for (int k = 0; k < ns.nr_starts && k < MAX_SCOPES; k++) {
		size_t s = ns.starts[k];

		if (k && anchored)
			break;
		/* A pattern leaves out at most a Rust crate's name. */
		if (k && pattern && !(k == 1 && lang == WM_LANG_RUST && name[0] != '<'))
			break;
		if (sel_matches(sel, pattern, name + s, end - s))
			return k ? WM_NM_INNER : WM_NM_WHOLE;
		/* "Vec::operator+(Vec const&)" names the const member too. */
		if (params && !pattern && name[ns.len] == '(') {
			size_t pe = after_parens(name, ns.len);

			if (pe < full && after_qualifiers(name, pe) == full &&
			    sel_matches(sel, false, name + s, pe - s))
				return k ? WM_NM_INNER : WM_NM_WHOLE;
		}
	}
	return WM_NM_NONE;
}

/*
 * name with libstdc++'s strings as users write them (and gdb accepts):
 * std::string for std::__cxx11::basic_string<char, ...> (or the old ABI's
 * std::basic_string<char, ...>), std::string_view likewise; NULL when it
 * has none, or out of memory.
 */
static char *abbreviate_std(const char *name)
{
	static const struct {
		const char *full, *abbrev;
	} subs[] = {
		{ "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
		  "std::string" },
		{ "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
		  "std::string" },
		{ "std::basic_string_view<char, std::char_traits<char> >", "std::string_view" },
	};
	char *out = NULL, *hit;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		size_t fl = strlen(subs[i].full), al = strlen(subs[i].abbrev);

		while ((hit = strstr(out ? out : name, subs[i].full))) {
			/* Shorter than what it replaces: done in place after the first copy. */
			if (!out) {
				out = strdup(name);
				if (!out)
					return NULL;
				hit = out + (hit - name);
			}
			memcpy(hit, subs[i].abbrev, al);
			memmove(hit + al, hit + fl, strlen(hit + fl) + 1);
		}
	}
	return out;
}

enum wm_name_match demangle__match(const char *sel, bool pattern, const char *name,
				   enum wm_lang lang)
{
	enum wm_name_match m;
	bool anchored, params;
	char *plain;

	if (!sel || !name || !*sel || strstr(name, " [clone "))
		return WM_NM_NONE;
	anchored = !strncmp(sel, "::", 2);
	if (anchored)
		sel += 2;
	params = sel[demangle__name_len(sel)] == '(';
	m = match_spelling(sel, pattern, anchored, params, name, lang);
	if (m == WM_NM_NONE && params && lang == WM_LANG_CXX && strstr(sel, "std::string")) {
		/* "greet(std::string const&, int)": the parameter types as users write them. */
		plain = abbreviate_std(name);
		if (plain)
			m = match_spelling(sel, pattern, anchored, params, plain, lang);
		free(plain);
	}
	if (m != WM_NM_NONE || pattern || strchr(sel, '<'))
		return m;
	/* "max" names every instance of the template: max<int>, max<long>. */
	plain = drop_template_args(name);
	if (plain)
		m = match_spelling(sel, false, anchored, params, plain, lang);
	free(plain);
	return m;
}
