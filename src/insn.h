/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_INSN_H
#define WM_INSN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the x86-64 kernel refuses a uprobe on the instruction at code:
 * it rejects the LOCK prefix and the CS/DS/ES/SS segment-override prefixes
 * (DS is also the "notrack" prefix of indirect jumps), and int3. Checking
 * first spares a failed multi-link attach, which is all or nothing.
 * False when unsure: the kernel still has the last word.
 */
bool insn__uprobe_refused(const unsigned char *code, size_t n);

#endif
