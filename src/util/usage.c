// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "util/escape.h"
#include "util/usage.h"

static bool is_end(const struct argp_option *o)
{
	return !o->name && !o->key && !o->doc && !o->group;
}

enum value { NO_VALUE, VALUE, OPTIONAL_VALUE };

/* What follows the option; an alias takes it from the option it follows. */
static enum value value_of(const struct argp_option *opts, const struct argp_option *o)
{
	while (o > opts && (o->flags & OPTION_ALIAS))
		o--;
	if (!o->arg)
		return NO_VALUE;
	return o->flags & OPTION_ARG_OPTIONAL ? OPTIONAL_VALUE : VALUE;
}

static const struct argp_option *find_long(const struct argp_option *opts, const char *name,
					   size_t n)
{
	const struct argp_option *o, *hit = NULL;
	int hits = 0;

	for (o = opts; !is_end(o); o++) {
		if (!o->name || (o->flags & OPTION_DOC) || strncmp(o->name, name, n))
			continue;
		if (!o->name[n])
			return o;
		hit = o;
		hits++;
	}
	/* getopt takes a prefix of one option only. */
	return hits == 1 ? hit : NULL;
}

static const struct argp_option *find_short(const struct argp_option *opts, char c)
{
	const struct argp_option *o;

	for (o = opts; !is_end(o); o++)
		if (o->key == c && !(o->flags & OPTION_DOC))
			return o;
	return NULL;
}

bool usage__refused(const struct argp_option *opts, int argc, char **argv, char *msg, size_t n)
{
	const struct argp_option *o;
	const char *w, *eq, *c;
	enum value v;

	for (int i = 1; i < argc; i++) {
		bool last = i + 1 == argc;

		w = argv[i];
		if (!strcmp(w, "--"))
			return false;
		if (w[0] != '-' || !w[1])
			continue;
		if (w[1] == '-') {
			eq = strchr(w, '=');
			o = find_long(opts, w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2));
			v = o ? value_of(opts, o) : NO_VALUE;
			if (!o || (eq && v == NO_VALUE)) {
				snprintf(msg, n, "bad option '%s'", ESC(w));
				return true;
			}
			if (!eq && v == VALUE) {
				if (last)
					goto needs_value;
				i++;
			}
			continue;
		}
		for (c = w + 1; *c; c++) {
			o = find_short(opts, *c);
			if (!o) {
				snprintf(msg, n, "unknown option -%s", ESC(((char[2]){ *c })));
				return true;
			}
			v = value_of(opts, o);
			if (v == NO_VALUE)
				continue;
			/* The rest of the word, or else the next word, is the value. */
			if (!c[1] && v == VALUE) {
				if (last)
					goto needs_value;
				i++;
			}
			break;
		}
	}
	return false;
needs_value:
	snprintf(msg, n, "%s needs a value", ESC(w));
	return true;
}
