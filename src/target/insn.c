// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "target/insn.h"

bool insn__uprobe_refused(const unsigned char *code, size_t n)
{
	/* At most 4 legacy prefixes in a valid instruction; 14 bytes is plenty. */
	for (size_t i = 0; i < n && i < 14; i++) {
		switch (code[i]) {
		case 0xf0: /* lock */
		case 0x26: /* es */
		case 0x2e: /* cs */
		case 0x36: /* ss */
		case 0x3e: /* ds, notrack */
			return true;
		case 0x66:
		case 0x67:
		case 0xf2:
		case 0xf3:
		case 0x64:
		case 0x65:
			continue; /* other legacy prefixes: keep looking */
		case 0xcc:	  /* int3: someone else's breakpoint */
			return i == 0;
		/*
		 * VEX (c4, c5) and EVEX (62) in 64-bit mode. glibc's AVX-512
		 * memset begins with vpbroadcastb %esi,%zmm16 (62 e2 7d 48 7a
		 * c6): the kernel (6.18 here) took the probe, the broadcast had
		 * no effect and memset wrote nothing (likely judged by its
		 * opcode byte 7a as a one-byte opcode, jp); c5 f9 6e (vmovd) was
		 * refused at attach. c4 is the other VEX form, not seen here.
		 */
		case 0x62:
		case 0xc4:
		case 0xc5:
			return true;
		default:
			return false;
		}
	}
	return false;
}

size_t insn__probe_skip(const unsigned char *code, size_t n)
{
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

	if (n >= sizeof(endbr64) && !memcmp(code, endbr64, sizeof(endbr64)))
		return sizeof(endbr64);
	return 0;
}
