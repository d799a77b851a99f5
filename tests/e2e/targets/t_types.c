// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls with every kind of argument wrapmon decodes: structs (through a
 * pointer, by value in registers and on the stack), unions, bitfields,
 * fixed arrays, enums, bool, char, function pointers, eight arguments,
 * out-parameters, buffers with a length, and -errno results. Each call is
 * logged as the line wrapmon should print for it, built from the values the
 * program really passed and got back (without time, thread and latency).
 */
#include <stdbool.h>
#include <sys/mman.h>
#include "common.h"

#define NOIPA __attribute__((noipa))

struct point {
	int x;
	int y;
	const char *name;
};

enum color { RED = 1, GREEN = 2, BLUE = -4 };

struct pair {
	long a;
	long b;
};

struct big {
	long a, b, c;
};

struct arr {
	int n;
	int v[10];
	char tag[8];
};

union num {
	int i;
	short s[2];
};

struct flags {
	unsigned int a : 3;
	int b : 5;
	bool c : 1;
};

NOIPA int move_point(struct point *p, int dx)
{
	p->x += dx;
	return p->x;
}

NOIPA enum color paint(enum color c, bool on, char mark)
{
	return on && mark == 'x' ? GREEN : c;
}

NOIPA long sum8(long a, long b, long c, long d, long e, long f, long g, long h)
{
	return a + b + c + d + e + f + g + h;
}

NOIPA int parse_int(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end)
		return -22;
	*out = (int)v;
	return 0;
}

NOIPA int checksum(const unsigned char *data, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += data[i];
	return sum;
}

NOIPA long read_like(int fd, char *buf, size_t count)
{
	static const char text[] = "hello";

	if (fd < 0)
		return -9;
	if (count > sizeof(text) - 1)
		count = sizeof(text) - 1;
	memcpy(buf, text, count);
	return (long)count;
}

NOIPA int twice(int v)
{
	return 2 * v;
}

NOIPA int apply(int (*fn)(int), int v)
{
	return fn(v);
}

NOIPA long pair_sum(struct pair p)
{
	return p.a + p.b;
}

NOIPA long big_sum(struct big b)
{
	return b.a + b.b + b.c;
}

NOIPA int arr_sum(const struct arr *a)
{
	int s = 0;

	for (int i = 0; i < a->n; i++)
		s += a->v[i];
	return s;
}

NOIPA int un_get(union num *u)
{
	return u->s[0];
}

NOIPA int bits(const struct flags *f)
{
	return f->a + f->b + f->c;
}

/* Its string is on a page nothing has touched yet when the call starts. */
NOIPA int first_touch(const char *s)
{
	return (int)strlen(s);
}

/* text at offset at of a fresh private file mapping of two pages: neither faulted in. */
static char *file_string(const char *text, size_t at)
{
	char path[] = "/tmp/wm-t_types-XXXXXX";
	int fd = mkstemp(path);
	char *p;

	if (fd < 0 || pwrite(fd, text, strlen(text) + 1, at) < 0 || ftruncate(fd, 8192))
		exit(4);
	p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	unlink(path);
	if (p == MAP_FAILED)
		exit(4);
	return p + at;
}

/*
 * A string that starts on a page the process has touched and ends on one
 * it has not: the second page dropped after the first was read (that read
 * maps its neighbours too).
 */
static const char *string_into_untouched_page(const char *text)
{
	char *s = file_string(text, 4096 - 6), *p = s - (4096 - 6);

	*(volatile char *)p;
	if (madvise(p + 4096, 4096, MADV_DONTNEED))
		exit(4);
	return s;
}

NOIPA int open_like(const char *path)
{
	return strcmp(path, "/missing") ? 3 : -2;
}

static const char *color_name(enum color c)
{
	switch (c) {
	case RED:
		return "RED";
	case GREEN:
		return "GREEN";
	case BLUE:
		return "BLUE";
	}
	return "?";
}

#define LOG(...)                            \
	do {                                \
		fprintf(tlog, __VA_ARGS__); \
		fputc('\n', tlog);          \
	} while (0)

int main(int argc, char **argv)
{
	struct point pt = { 1, 2, "a" };
	struct pair pr = { 1, -2 };
	struct big bg = { 10, 20, 30 };
	struct arr ar = { .n = 3, .v = { 1, 2, 3 }, .tag = "hello" };
	union num un = { .s = { 2, 1 } };
	struct flags fl = { .a = 5, .b = -3, .c = true };
	static const unsigned char bytes[] = { 'a', 'b', 0, 'c' };
	char buf[16] = "";
	int out = -1, r;
	long l;
	enum color c;

	target_start(argc, argv);

	r = move_point(&pt, 3);
	LOG("move_point(p={x=1, y=2, name=\"a\"}, dx=3) = %d -> p={x=%d, y=%d, name=\"a\"}", r,
	    pt.x, pt.y);

	c = paint(BLUE, true, 'x');
	LOG("paint(c=BLUE, on=true, mark='x') = %s", color_name(c));
	c = paint(BLUE, false, 'y');
	LOG("paint(c=BLUE, on=false, mark='y') = %s", color_name(c));
	c = paint((enum color)7, false, 'y');
	LOG("paint(c=7, on=false, mark='y') = %d", (int)c);

	l = sum8(1, 2, 3, 4, 5, 6, 7, -8);
	LOG("sum8(a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=-8) = %ld", l);

	r = parse_int("12", &out);
	LOG("parse_int(s=\"12\", out=%p) = %d -> out=%d", (void *)&out, r, out);
	r = parse_int("x", &out);
	LOG("parse_int(s=\"x\", out=%p) = %d -> out=%d", (void *)&out, r, out);

	r = checksum(bytes, sizeof(bytes));
	LOG("checksum(data=\"ab\\0c\", n=4) = %d", r);

	l = read_like(0, buf, 16);
	LOG("read_like(fd=0, buf=%p, count=16) = %ld -> buf=\"%s\"", (void *)buf, l, buf);

	r = apply(twice, 4);
	LOG("apply(fn=twice, v=4) = %d", r);

	l = pair_sum(pr);
	LOG("pair_sum(p={a=1, b=-2}) = %ld", l);

	l = big_sum(bg);
	LOG("big_sum(b={a=10, b=20, c=30}) = %ld", l);

	r = arr_sum(&ar);
	LOG("arr_sum(a={n=3, v=[1, 2, 3, 0, 0, 0, 0, 0, ...], tag=\"hello\"}) = %d", r);

	r = un_get(&un);
	LOG("un_get(u={i=%d, s=[2, 1]}) = %d -> u={i=%d, s=[2, 1]}", un.i, r, un.i);

	r = bits(&fl);
	LOG("bits(f={a=5, b=-3, c=true}) = %d", r);

	{
		const char *s = file_string("first time", 0);

		r = first_touch(s);
		LOG("first_touch(s=\"%s\") = %d", s, r);
		s = string_into_untouched_page("across two pages");
		r = first_touch(s);
		LOG("first_touch(s=\"%s\") = %d", s, r);
	}

	r = open_like("/etc/hosts");
	LOG("open_like(path=\"/etc/hosts\") = %d", r);
	r = open_like("/missing");
	LOG("open_like(path=\"/missing\") = %d ENOENT [error]", r);
	fflush(tlog);
	return 0;
}
