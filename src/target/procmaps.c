// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/maps parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "target/procmaps.h"
#include "util/grow.h"

#define DELETED_SUFFIX " (deleted)"

/*
 * strtoul() accepts signs, leading blanks and "0x": the kernel never
 * writes those, so anything but bare hex digits means the text is not
 * what we think it is.
 */
static int parse_hex(const char **p, const char *end, unsigned long *val)
{
	const char *s = *p;
	unsigned long v = 0;

	if (s >= end || !isxdigit((unsigned char)*s))
		return -EINVAL;
	while (s < end && isxdigit((unsigned char)*s)) {
		unsigned int d = isdigit((unsigned char)*s) ?
					 *s - '0' :
					 (tolower((unsigned char)*s) - 'a' + 10);

		if (v > (~0UL - d) / 16)
			return -EINVAL;
		v = v * 16 + d;
		s++;
	}
	*p = s;
	*val = v;
	return 0;
}

static int parse_dec(const char **p, const char *end, unsigned long *val)
{
	const char *s = *p;
	unsigned long v = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return -EINVAL;
	while (s < end && isdigit((unsigned char)*s)) {
		unsigned int d = *s - '0';

		if (v > (~0UL - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*val = v;
	return 0;
}

static int expect_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int skip_blanks(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == *p)
		return -EINVAL;
	*p = s;
	return 0;
}

/*
 * One line, without its '\n'. Returns 1 and fills *m for a file-backed
 * mapping (or a pseudo-file that flags keep), 0 for a line to skip, or
 * -EINVAL.
 */
static int parse_line(const char *s, const char *end, unsigned int flags, struct wm_mapping *m)
{
	unsigned long maj, min;
	const char *perms;
	size_t len;
	int i;

	if (parse_hex(&s, end, &m->start) || expect_char(&s, end, '-') ||
	    parse_hex(&s, end, &m->end) || skip_blanks(&s, end))
		return -EINVAL;
	if (m->end < m->start)
		return -EINVAL;

	if (end - s < 4)
		return -EINVAL;
	perms = s;
	for (i = 0; i < 4; i++) {
		static const char allowed[4][3] = { "r-", "w-", "x-", "ps" };

		if (!perms[i] || !strchr(allowed[i], perms[i]))
			return -EINVAL;
	}
	m->exec = perms[2] == 'x';
	s += 4;

	if (skip_blanks(&s, end) || parse_hex(&s, end, &m->offset) || skip_blanks(&s, end) ||
	    parse_hex(&s, end, &maj) || expect_char(&s, end, ':') || parse_hex(&s, end, &min) ||
	    skip_blanks(&s, end) || parse_dec(&s, end, &m->inode))
		return -EINVAL;
	if (maj > ~0U || min > ~0U)
		return -EINVAL;
	m->dev_major = maj;
	m->dev_minor = min;

	/* Anonymous mappings end right after the inode. */
	if (s == end)
		return 0;
	if (skip_blanks(&s, end))
		return -EINVAL;
	/* "[heap]", "[vdso]", "anon_inode:..." and the like are no files. */
	if (s == end)
		return 0;
	len = end - s;
	if (*s == '/') {
		if (len > strlen(DELETED_SUFFIX) &&
		    !memcmp(end - strlen(DELETED_SUFFIX), DELETED_SUFFIX, strlen(DELETED_SUFFIX)))
			len -= strlen(DELETED_SUFFIX);
	} else if (!(flags & PROCMAPS_PSEUDO_EXEC) || !m->exec || *s != '[' || end[-1] != ']') {
		return 0;
	}
	if (len >= sizeof(m->path))
		return -ENAMETOOLONG;
	memcpy(m->path, s, len);
	m->path[len] = '\0';
	/* A NUL inside the line would silently cut the path short. */
	if (strlen(m->path) != len)
		return -EINVAL;
	return 1;
}

int procmaps__parse(const char *text, struct wm_mapping **out)
{
	return procmaps__parse_flags(text, 0, out);
}

int procmaps__parse_flags(const char *text, unsigned int flags, struct wm_mapping **out)
{
	struct wm_mapping *maps = NULL;
	const char *line, *nl;
	int n = 0, cap = 0, err;

	if (!text || !out)
		return -EINVAL;
	*out = NULL;

	for (line = text; *line; line = nl + (*nl == '\n')) {
		struct wm_mapping m;

		nl = strchrnul(line, '\n');
		if (nl == line)
			continue;
		memset(&m, 0, sizeof(m));
		err = parse_line(line, nl, flags, &m);
		if (err < 0)
			goto cleanup;
		if (err == 0)
			continue;
		err = grow__array_int(&maps, &cap, n + 1, sizeof(*maps));
		if (err)
			goto cleanup;
		maps[n++] = m;
	}

	*out = maps;
	return n;

cleanup:
	free(maps);
	return err;
}
