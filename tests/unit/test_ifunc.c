// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>
#include "target/ifunc.h"
#include "target/elfsym.h"

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so")) {
		*(struct dl_phdr_info *)arg = *info;
		return 1;
	}
	return 0;
}

/* strlen is an IFUNC in glibc: the resolved address is the implementation, not the resolver. */
static void test_libc_strlen(void **state)
{
	struct dl_phdr_info libc = {};
	const struct wm_sym *syms;
	unsigned long vaddr, resolver = 0;
	size_t (*impl)(const char *);
	struct elf_obj *obj;
	Dl_info info;
	int fd, n;

	dl_iterate_phdr(find_libc, &libc);
	assert_non_null(libc.dlpi_name);
	fd = open(libc.dlpi_name, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ifunc__resolve(fd, "strlen", &vaddr), 0);
	/* Independently: the code there is a strlen, and it lies in libc. */
	impl = (size_t(*)(const char *))(libc.dlpi_addr + vaddr);
	assert_true(dladdr((void *)impl, &info));
	assert_ptr_equal(info.dli_fbase, (void *)libc.dlpi_addr);
	assert_int_equal(impl("wrapmon"), 7);
	assert_int_equal(impl(""), 0);

	assert_int_equal(elf_obj__open(libc.dlpi_name, &obj), 0);
	n = elf_obj__syms(obj, &syms);
	for (int i = 0; i < n; i++)
		if (!strcmp(syms[i].name, "strlen")) {
			assert_true(syms[i].ifunc);
			resolver = syms[i].vaddr;
		}
	assert_true(resolver != 0);
	assert_true(resolver != vaddr);
	elf_obj__free(obj);
	assert_int_equal(ifunc__resolve(fd, "no_such_function_here", &vaddr), -ENOENT);
	close(fd);
}

/* A file this process never loaded is never loaded (and its constructors never run). */
static void test_not_loaded(void **state)
{
	unsigned long vaddr;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ifunc__resolve(fd, "main", &vaddr), -ENOENT);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_strlen),
		cmocka_unit_test(test_not_loaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
