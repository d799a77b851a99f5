// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * C++ names: an overloaded method, a static method and a function in a
 * nested namespace. Logs "tid name args... ret" for every call.
 */
#include "common.h"

namespace ns
{
struct Widget {
	int id;
	__attribute__((noinline)) int draw(int x);
	__attribute__((noinline)) int draw(const char *label);
	__attribute__((noinline)) static int count(int n);
};

int Widget::draw(int x)
{
	asm volatile("");
	return id * 100 + x;
}

int Widget::draw(const char *label)
{
	asm volatile("");
	return id * 100 + (int)strlen(label);
}

int Widget::count(int n)
{
	asm volatile("");
	return n + 1;
}

namespace detail
{
__attribute__((noinline)) long scale(long v, int by)
{
	asm volatile("");
	return v * by;
}
} // namespace detail
} // namespace ns

int main(int argc, char **argv)
{
	ns::Widget w = { 7 };

	target_start(argc, argv);
	for (int i = 0; i < 3; i++) {
		fprintf(tlog, "%d draw_int %p %d %d\n", gettid_(), (void *)&w, i, w.draw(i));
		fprintf(tlog, "%d draw_str %p hello %d\n", gettid_(), (void *)&w, w.draw("hello"));
		fprintf(tlog, "%d count %d %d\n", gettid_(), i, ns::Widget::count(i));
		fprintf(tlog, "%d scale %d %ld\n", gettid_(), i, ns::detail::scale(i, 3));
	}
	fflush(tlog);
	return 0;
}
