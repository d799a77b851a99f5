// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * C++ names as users write them: a global function, an overloaded global,
 * a namespaced one, two instances of a function template, a member and a
 * free operator, and a lambda. main() logs "tid what args... ret" for
 * every call, from the values really used.
 */
#include "common.h"

__attribute__((noinline)) int gl(int x)
{
	asm volatile("");
	return x * 2 + 1;
}

__attribute__((noinline)) long over(long v)
{
	asm volatile("");
	return v + 100;
}

__attribute__((noinline)) int over(int a, int b)
{
	asm volatile("");
	return a * b;
}

namespace ns
{
__attribute__((noinline)) int nsf(int x)
{
	asm volatile("");
	return x - 1;
}
} // namespace ns

template <typename T> __attribute__((noinline)) T max(T a, T b)
{
	asm volatile("");
	return a > b ? a : b;
}

struct Vec {
	int x, y;
	__attribute__((noinline)) Vec operator+(const Vec &o) const;
};

Vec Vec::operator+(const Vec &o) const
{
	asm volatile("");
	return Vec{ x + o.x, y + o.y };
}

__attribute__((noinline)) Vec operator<<(Vec v, int by)
{
	asm volatile("");
	return Vec{ v.x << by, v.y << by };
}

int main(int argc, char **argv)
{
	int tid, bias = argc + 1;
	/* It captures: its closure is data the call reads, not a constant to propagate. */
	auto sq = [bias](int v) __attribute__((noinline))
	{
		asm volatile("");
		return v * v + bias;
	};

	target_start(argc, argv);
	tid = gettid_();
	for (int i = 1; i <= 2; i++) {
		Vec a = { i, 2 * i }, b = { 10, 20 }, s = a + b, t = a << i;

		fprintf(tlog, "%d gl %d %d\n", tid, i, gl(i));
		fprintf(tlog, "%d over_long %d %ld\n", tid, i, over((long)i));
		fprintf(tlog, "%d over_int %d %d %d\n", tid, i, i + 1, over(i, i + 1));
		fprintf(tlog, "%d nsf %d %d\n", tid, i, ns::nsf(i));
		fprintf(tlog, "%d max_int %d %d %d\n", tid, i, 5, max<int>(i, 5));
		fprintf(tlog, "%d max_long %d %d %ld\n", tid, 7 * i, 9, max<long>(7L * i, 9L));
		fprintf(tlog, "%d vec_plus %d %d %d\n", tid, i, s.x, s.y);
		fprintf(tlog, "%d vec_shl %d %d %d\n", tid, i, t.x, t.y);
		fprintf(tlog, "%d lambda %d %d\n", tid, i, sq(i));
	}
	fflush(tlog);
	return 0;
}
