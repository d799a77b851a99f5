// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "target/insn.h"

#define REFUSED(...)                                             \
	do {                                                     \
		const unsigned char c[] = { __VA_ARGS__ };       \
		assert_true(insn__uprobe_refused(c, sizeof(c))); \
	} while (0)
#define ACCEPTED(...)                                             \
	do {                                                      \
		const unsigned char c[] = { __VA_ARGS__ };        \
		assert_false(insn__uprobe_refused(c, sizeof(c))); \
	} while (0)

static void test_prefixes(void **state)
{
	REFUSED(0xf0, 0xff, 0x0f);	       /* lock decl (%rdi): glibc's pthread_spin_lock */
	REFUSED(0xf3, 0xf0, 0x0f, 0xb1, 0x17); /* rep lock cmpxchg */
	REFUSED(0x3e, 0xff, 0xe0);	       /* notrack jmp *%rax */
	REFUSED(0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0); /* cs nopw */
	REFUSED(0xcc);					/* int3 */
	ACCEPTED(0xf3, 0x0f, 0x1e, 0xfa);		/* endbr64 */
	ACCEPTED(0x55);					/* push %rbp */
	ACCEPTED(0x53, 0x48, 0x89, 0xf3);		/* push %rbx; mov %rsi,%rbx */
	ACCEPTED(0x66, 0x90);				/* xchg %ax,%ax */
	ACCEPTED(0x48, 0x89, 0xf8); /* mov %rdi,%rax: REX is not a legacy prefix */
	ACCEPTED(0x66, 0x66, 0x66); /* prefixes only, truncated: unsure means no */
	/* glibc 2.36's memset with AVX-512: its step lost the broadcast, memset wrote nothing. */
	REFUSED(0x62, 0xe2, 0x7d, 0x48, 0x7a, 0xc6); /* vpbroadcastb %esi,%zmm16 */
	REFUSED(0x62, 0xf2, 0x7d, 0x48, 0x7a, 0xc6); /* vpbroadcastb %esi,%zmm0 */
	REFUSED(0xc5, 0xf9, 0x6e, 0xce);	     /* vmovd %esi,%xmm1 */
	REFUSED(0xc4, 0xe2, 0x7d, 0x78, 0xc9);	     /* vpbroadcastb %xmm1,%ymm1 */
	REFUSED(0xc5, 0xf8, 0x77);		     /* vzeroupper */
	ACCEPTED();
}

static void test_endbr64_skip(void **state)
{
	const unsigned char endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	const unsigned char endbr32[] = { 0xf3, 0x0f, 0x1e, 0xfb, 0x55 };
	const unsigned char push[] = { 0x55, 0x48, 0x89, 0xe5 };

	assert_int_equal(insn__probe_skip(endbr, sizeof(endbr)), 4);
	assert_int_equal(insn__probe_skip(endbr, 3), 0);
	assert_int_equal(insn__probe_skip(endbr32, sizeof(endbr32)), 0);
	assert_int_equal(insn__probe_skip(push, sizeof(push)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_endbr64_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
