// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The type model shared by the prototype parser and the DWARF reader:
 * where each parameter arrives, and how a signature reads back as C.
 */
#include <stdio.h>
#include <string.h>

#include "sig.h"

#define NR_INT_REGS 6

/*
 * How many integer registers a value of this type occupies when it is passed
 * in registers (0: never in one). Structs and __int128 are kept as
 * WM_T_UNKNOWN with their byte size: up to 8 bytes take one register, up to
 * 16 two, larger ones go to memory. A small struct made only of floats would
 * really travel in SSE registers; DWARF does not hand us its classification
 * cheaply, so it is counted as integer class.
 */
static int type__int_regs(const struct wm_type *t)
{
	switch (t->kind) {
	case WM_T_FLOAT:
	case WM_T_VOID:
		return 0;
	case WM_T_UNKNOWN:
		if (t->size > 16)
			return 0;
		return t->size > 8 ? 2 : 1;
	default:
		return 1;
	}
}

void sig__assign_regs(struct wm_sig *sig)
{
	int next = 0, stack = 0;
	int i;

	/* A result too big for rax:rdx is written through a hidden pointer in rdi. */
	if (sig->ret.kind == WM_T_UNKNOWN && sig->ret.size > 16)
		next = 1;

	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		struct wm_param *p = &sig->params[i];
		int need = type__int_regs(&p->type);

		p->stack_off = -1;
		p->nr_regs = need;
		if (need == 1 && next + need > NR_INT_REGS) {
			p->reg = -1;
			p->stack_off = stack;
			stack += 8;
			continue;
		}

		/*
		 * An argument that does not fit whole goes to the stack, but the
		 * registers it could not use stay free for later arguments.
		 */
		if (need == 0 || next + need > NR_INT_REGS) {
			p->reg = -1;
			continue;
		}
		p->reg = next;
		next += need;
	}
}

void sig__init_raw(struct wm_sig *sig, const char *name)
{
	int i;

	memset(sig, 0, sizeof(*sig));
	sig->source = WM_SIG_RAW;
	snprintf(sig->name, sizeof(sig->name), "%s", name ? name : "");
	sig->ret.kind = WM_T_UNKNOWN;
	sig->ret.size = 8;
	snprintf(sig->ret.name, sizeof(sig->ret.name), "long");
	sig->nr_params = NR_INT_REGS;
	for (i = 0; i < NR_INT_REGS; i++) {
		struct wm_type *t = &sig->params[i].type;

		t->kind = WM_T_UNKNOWN;
		t->size = 8;
		snprintf(t->name, sizeof(t->name), "long");
	}
	sig__assign_regs(sig);
}

/* Append to buf like snprintf, keeping count of what would have been written. */
static void sbuf__add(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len < size) {
		size_t room = size - *len - 1;

		memcpy(buf + *len, s, n < room ? n : room);
		buf[*len + (n < room ? n : room)] = '\0';
	}
	*len += n;
}

/* "const char *" + "s" reads "const char *s", "int" + "n" reads "int n". */
static void sbuf__add_decl(char *buf, size_t size, size_t *len, const char *type, const char *name)
{
	const char *fp = strstr(type, "(*)");
	size_t tl = strlen(type);
	char head[WM_TYPE_NAME_MAX];

	if (fp && name && name[0] && (size_t)(fp - type) + 2 < sizeof(head)) {
		/* A function pointer: the name goes inside, "int (*cmp)(int)". */
		memcpy(head, type, fp - type + 2);
		head[fp - type + 2] = '\0';
		sbuf__add(buf, size, len, head);
		sbuf__add(buf, size, len, name);
		sbuf__add(buf, size, len, fp + 2);
		return;
	}
	sbuf__add(buf, size, len, type[0] ? type : "?");
	if (!name || !name[0])
		return;
	if (tl == 0 || type[tl - 1] != '*')
		sbuf__add(buf, size, len, " ");
	sbuf__add(buf, size, len, name);
}

int sig__snprint(const struct wm_sig *sig, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	if (size)
		buf[0] = '\0';
	sbuf__add_decl(buf, size, &len, sig->ret.kind == WM_T_VOID ? "void" : sig->ret.name,
		       sig->name);
	sbuf__add(buf, size, &len, "(");
	for (i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		if (i)
			sbuf__add(buf, size, &len, ", ");
		sbuf__add_decl(buf, size, &len, sig->params[i].type.name, sig->params[i].name);
	}
	if (sig->variadic)
		sbuf__add(buf, size, &len, sig->nr_params ? ", ..." : "...");
	else if (sig->nr_params == 0)
		sbuf__add(buf, size, &len, "void");
	sbuf__add(buf, size, &len, ")");
	return (int)len;
}

void sig__append(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(buf, size);
	size_t n = strlen(s);

	if (!size || len >= size)
		return;
	if (len + n >= size)
		n = size - len - 1;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
}
