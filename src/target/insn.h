/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WM_INSN_H
#define WM_INSN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the x86-64 kernel refuses a uprobe on the instruction at code:
 * it rejects the LOCK prefix and the CS/DS/ES/SS segment-override prefixes
 * (DS is also the "notrack" prefix of indirect jumps), and int3; VEX and
 * EVEX instructions, which it misjudges (insn.c). Checking
 * first spares a failed multi-link attach, which is all or nothing.
 * False when unsure: the kernel still has the last word.
 */
bool insn__uprobe_refused(const unsigned char *code, size_t n);

/*
 * Bytes to move a probe past an endbr64 (the C++ runtime's hooks; a traced
 * function's entry probe goes where disasm__entry_place() says, which may
 * be further on). endbr64 always qualifies: it changes no register, flag
 * or memory, so one instruction later the arguments are the same and the
 * stack pointer still points at the return address, which the return probe
 * redirects. The
 * kernel single-steps endbr64 out of line (~8x the cost of a probe on this
 * machine), while the instruction after it is usually emulated.
 */
size_t insn__probe_skip(const unsigned char *code, size_t n);

#endif
