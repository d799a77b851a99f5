// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capture plans. Slots are numbered in the order BPF fills its per-thread
 * heap: the user stack first, then what is read at entry, then what is read
 * at return, so a record's bytes are one contiguous copy of that heap.
 */
#include <string.h>

#include "lang/python/pyvalue.h"
#include "plan/capture.h"
#include "target/disasm.h"

/* Slot bytes one record may carry; what does not fit is left out. */
#define DATA_BUDGET 4096

struct pending {
	struct wm_cap cap;
	int param; /* -1: the result */
	int field; /* >= 0: a string member of the struct the param points to */
	bool out;
};

static bool kind_is_scalar(unsigned int kind)
{
	switch (kind) {
	case WM_T_INT:
	case WM_T_BOOL:
	case WM_T_CHAR:
	case WM_T_PTR:
	case WM_T_STR:
	case WM_T_ENUM:
	case WM_T_FUNCPTR:
	case WM_T_BUF:
	case WM_T_UNKNOWN:
		return true;
	default:
		return false;
	}
}

unsigned int plan__pointee_bytes(const struct wm_type *t)
{
	unsigned int n;

	if (t->kind != WM_T_PTR)
		return 0;
	if (t->target.kind == WM_T_STRUCT)
		n = t->struct_size;
	else if (kind_is_scalar(t->target.kind) && t->target.size)
		n = t->target.size * (t->target_count ? t->target_count : 1);
	else
		return 0;
	return n > WM_MEM_MAX ? WM_MEM_MAX : n;
}

/* Bytes a capture may add to a record. */
static unsigned int cap_bytes(const struct wm_cap *cap, int str_cap)
{
	if (cap->kind == WM_CAP_STR)
		return str_cap;
	return cap->size;
}

/* x86_64 DWARF register numbers (rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip) as WM_PT_* slots. */
static int pt_of_dwarf(unsigned int r)
{
	static const signed char map[] = {
		10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16
	};

	return r < sizeof(map) ? map[r] : -1;
}

/* The C ABI's argument registers (rdi rsi rdx rcx r8 r9) as WM_PT_* slots. */
static const unsigned char abi_pt[WM_MAX_ARGS] = { 14, 13, 12, 11, 9, 8 };

/* The source value k has when read as the C ABI says (read_abi() in BPF). */
static struct wm_vsrc abi_src(int k)
{
	if (k < WM_MAX_ARGS)
		return (struct wm_vsrc){ .kind = WM_VS_REG, .reg = abi_pt[k] };
	return (struct wm_vsrc){
		.kind = WM_VS_MEM, .reg = WM_PT_SP, .size = 8, .off = 8 + 8 * (k - WM_MAX_ARGS)
	};
}

static bool vsrc_eq(const struct wm_vsrc *a, const struct wm_vsrc *b)
{
	return a->kind == b->kind && a->reg == b->reg && a->off == b->off &&
	       (a->kind != WM_VS_MEM || a->size == b->size);
}

/* Value indices in use, and whether one holds anything the C ABI would not put there. */
struct vals {
	bool used[WM_MAX_VALS];
	bool custom;
};

/* The value index reading src: the ABI's own when it is one, else a free one; -1: none left. */
static int val_get(struct wm_plan *plan, struct vals *vs, const struct wm_vsrc *src)
{
	struct wm_vsrc abi;
	int k;

	for (k = 0; k < WM_MAX_VALS; k++)
		if (vs->used[k] && vsrc_eq(&plan->cfg.vsrc[k], src))
			return k;
	for (k = 0; k < WM_MAX_VALS; k++) {
		abi = abi_src(k);
		if (!vs->used[k] && vsrc_eq(&abi, src))
			goto claim;
	}
	/* From the top: the ABI's registers are the likelier to be wanted as themselves. */
	for (k = WM_MAX_VALS - 1; k >= 0; k--)
		if (!vs->used[k])
			break;
	if (k < 0)
		return -1;
	vs->custom = true;
claim:
	vs->used[k] = true;
	plan->cfg.vsrc[k] = *src;
	return k;
}

/* The source of bytes [at, at + size) of a located parameter, from one of its pieces. */
static bool loc_sub(const struct wm_loc *loc, unsigned int at, unsigned int size,
		    struct wm_vsrc *src)
{
	for (int j = 0; j < loc->nr_pieces; j++) {
		const struct wm_loc_piece *pc = &loc->pieces[j];
		int pt = pt_of_dwarf(pc->reg);

		if (at < pc->at || at + size > pc->at + pc->size || size > 8)
			continue;
		switch (pc->kind) {
		case WM_PIECE_REG:
			if (pt < 0 || at != pc->at)
				return false;
			*src = (struct wm_vsrc){ .kind = WM_VS_REG, .reg = pt };
			return true;
		case WM_PIECE_MEM:
			if (pt < 0 || pc->body)
				return false;
			*src = (struct wm_vsrc){ .kind = WM_VS_MEM,
						 .reg = pt,
						 .size = size,
						 .off = pc->off + (at - pc->at) };
			return true;
		case WM_PIECE_ADDR:
			if (pt < 0 || at != pc->at)
				return false;
			*src = (struct wm_vsrc){ .kind = WM_VS_ADDR, .reg = pt, .off = pc->off };
			return true;
		case WM_PIECE_CONST:
			if (at != pc->at || pc->off != (__s32)pc->off)
				return false;
			*src = (struct wm_vsrc){ .kind = WM_VS_CONST, .off = pc->off };
			return true;
		default:
			return false;
		}
	}
	return false;
}

static bool piece_add(struct wm_plan *plan, struct vals *vs, int i, const struct wm_loc *loc,
		      unsigned int at, unsigned int size)
{
	struct wm_plan_loc *pl = &plan->loc[i];
	struct wm_vsrc src;
	int k;

	if (pl->nr >= WM_LOC_MAX_PIECES || at > 0xff || !loc_sub(loc, at, size, &src))
		return false;
	k = val_get(plan, vs, &src);
	if (k < 0)
		return false;
	pl->p[pl->nr++] = (struct wm_plan_piece){ .val = k, .at = at, .size = size };
	return true;
}

/*
 * A parameter with a DWARF location: its pieces as values, and the value
 * captures read through (-1 when it has none to read through: a struct in
 * memory is then captured here). False when the location cannot be read.
 */
static bool loc_vals(const struct wm_sig *sig, int i, struct wm_plan *plan, struct vals *vs, int *v)
{
	const struct wm_param *p = &sig->params[i];
	const struct wm_type *t = &p->type;
	const struct wm_loc *loc = &p->loc;
	unsigned int size = t->size;

	*v = -1;
	if (t->kind == WM_T_BUF && t->len_param == WM_LEN_SELF) {
		if (!piece_add(plan, vs, i, loc, t->ptr_off, 8) ||
		    !piece_add(plan, vs, i, loc, t->len_off, 8))
			return false;
		*v = plan->loc[i].p[0].val;
		return true;
	}
	if (t->kind == WM_T_STRUCT && size > 16) {
		struct wm_vsrc src;

		/* In memory: where it is, and its bytes read from there. */
		if (loc->nr_pieces != 1 || loc->pieces[0].kind != WM_PIECE_MEM ||
		    loc->pieces[0].body || pt_of_dwarf(loc->pieces[0].reg) < 0)
			return false;
		src = (struct wm_vsrc){ .kind = WM_VS_ADDR,
					.reg = pt_of_dwarf(loc->pieces[0].reg),
					.off = loc->pieces[0].off };
		*v = val_get(plan, vs, &src);
		return *v >= 0;
	}
	if (!size || size > 16)
		return false;
	/* Each piece, in eightbytes at most. */
	for (int j = 0; j < loc->nr_pieces; j++) {
		const struct wm_loc_piece *pc = &loc->pieces[j];

		for (unsigned int at = pc->at; at < pc->at + pc->size && at < size; at += 8) {
			unsigned int end = pc->at + pc->size < size ? pc->at + pc->size : size;

			if (!piece_add(plan, vs, i, loc, at, end - at > 8 ? 8 : end - at))
				return false;
		}
	}
	if (!plan->loc[i].nr || plan->loc[i].p[0].at)
		return false;
	*v = plan->loc[i].p[0].val;
	return true;
}

/* A struct over 16 bytes whose location is the caller's stack arguments (rsp + 8 on at entry). */
static bool loc_in_stack_args(const struct wm_param *p)
{
	const struct wm_loc_piece *pc = &p->loc.pieces[0];

	return p->type.kind == WM_T_STRUCT && p->type.size > 16 && p->loc.state == WM_LOC_AT &&
	       p->loc.nr_pieces == 1 && pc->kind == WM_PIECE_MEM && !pc->body && pc->reg == 7 &&
	       pc->off >= 8 && pc->off - 8 <= 0xffff;
}

void plan__locs_at_entry(struct wm_sig *sig, const struct wm_prologue *pr)
{
	for (int i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		struct wm_loc *loc = &sig->params[i].loc, out = { .state = WM_LOC_AT };
		bool ok = loc->state == WM_LOC_AT;

		for (int j = 0; ok && j < loc->nr_pieces; j++) {
			const struct wm_loc_piece *pc = &loc->pieces[j];
			long long a = pc->off;
			unsigned int done = 0;

			if (pc->kind != WM_PIECE_MEM || !pc->body) {
				if (out.nr_pieces < WM_LOC_MAX_PIECES)
					out.pieces[out.nr_pieces++] = *pc;
				else
					ok = false;
				continue;
			}
			/* The body's stack or frame pointer, from rsp at entry. */
			if (pc->reg == 7 && pc->entry_sp)
				;
			else if (pc->reg == 7)
				a += pr->sp_delta;
			else if (pc->reg == 6 && pr->fp_known)
				a += pr->fp_delta;
			else
				ok = false;
			/* Above the return address: the caller's arguments, there at entry. */
			if (ok && a >= 8) {
				if (out.nr_pieces < WM_LOC_MAX_PIECES)
					out.pieces[out.nr_pieces++] = (struct wm_loc_piece){
						.kind = WM_PIECE_MEM,
						.reg = 7,
						.size = pc->size,
						.at = pc->at,
						.off = a,
					};
				else
					ok = false;
				continue;
			}
			/* Below it: the slots the prologue filled from registers. */
			while (ok && done < pc->size) {
				int s;

				for (s = 0; s < pr->nr_saves; s++)
					if (pr->saves[s].slot == a + done)
						break;
				if (s == pr->nr_saves || out.nr_pieces >= WM_LOC_MAX_PIECES) {
					ok = false;
					break;
				}
				out.pieces[out.nr_pieces++] = (struct wm_loc_piece){
					.kind = WM_PIECE_REG,
					.reg = pr->saves[s].reg,
					.size = pc->size - done < pr->saves[s].size ?
							pc->size - done :
							pr->saves[s].size,
					.at = pc->at + done,
				};
				done += pr->saves[s].size;
			}
		}
		if (ok) {
			if (loc->state == WM_LOC_AT)
				*loc = out;
			continue;
		}
		if (loc->state != WM_LOC_AT)
			continue;
		memset(loc, 0, sizeof(*loc));
		loc->state = sig->rust ? WM_LOC_OUT : WM_LOC_ABI;
	}
}

int plan__param_val(const struct wm_param *p)
{
	if (p->loc.state == WM_LOC_OUT)
		return -1;
	if (p->loc.state == WM_LOC_AT) {
		/* Where its DWARF location is, when that is one of the C ABI's values. */
		struct wm_vsrc src, abi;

		if (p->loc.nr_pieces != 1 || p->loc.pieces[0].size > 8 ||
		    !loc_sub(&p->loc, 0, p->loc.pieces[0].size, &src))
			return -1;
		if (src.kind == WM_VS_MEM)
			src.size = 8;
		for (int k = 0; k < WM_MAX_VALS; k++) {
			abi = abi_src(k);
			if (vsrc_eq(&abi, &src))
				return k;
		}
		return -1;
	}
	if (p->reg >= 0 && p->reg < WM_MAX_ARGS)
		return p->reg;
	if (p->reg >= 0 || p->stack_off < 0 || p->stack_off % 8 || p->type.kind == WM_T_STRUCT ||
	    p->type.size > 8 || p->stack_off / 8 >= WM_MAX_STACK_VALS)
		return -1;
	return WM_MAX_ARGS + p->stack_off / 8;
}

static int param_val(const struct wm_param *p, __u8 *nr_stack)
{
	int v = plan__param_val(p);

	if (v >= WM_MAX_ARGS && *nr_stack < v - WM_MAX_ARGS + 1)
		*nr_stack = v - WM_MAX_ARGS + 1;
	return v;
}

/* The new capture, or NULL when the list is full (counted in *dropped). */
static struct pending *add(struct pending *list, int *n, int *dropped, int param, bool out,
			   __u8 kind, __u8 src, bool at_return, unsigned int size)
{
	struct pending *e;

	if (*n >= WM_NR_SLOTS) {
		(*dropped)++;
		return NULL;
	}
	e = &list[(*n)++];
	memset(e, 0, sizeof(*e));
	e->param = param;
	e->field = -1;
	e->out = out;
	e->cap.kind = kind;
	e->cap.src = src;
	e->cap.at_return = at_return;
	e->cap.len_src = WM_LEN_FIXED;
	e->cap.ind_off = WM_IND_NONE;
	e->cap.size = size > WM_MEM_MAX ? WM_MEM_MAX : size;
	return e;
}

/* The strings a struct's "char *" members point to, read at entry: one slot each. */
static void add_member_strings(const struct wm_sig *sig, const struct wm_type *t, int param, int v,
			       struct pending *list, int *n, int *dropped)
{
	for (unsigned int k = 0; k < t->nr_fields; k++) {
		unsigned int idx = t->first_field + k;
		const struct wm_field *fl;
		struct pending *e;

		if (idx >= WM_SIG_MAX_FIELDS || (int)idx >= sig->nr_fields)
			break;
		fl = &sig->fields[idx];
		if (fl->type.kind != WM_T_STR || fl->count || fl->bit_size || fl->offset > 0xfff0 ||
		    fl->offset + 8 > t->struct_size)
			continue;
		e = add(list, n, dropped, param, false, WM_CAP_STR, v, false, 0);
		if (e) {
			e->field = idx;
			e->cap.ind_off = fl->offset;
		}
	}
}

/* The value holding eight bytes at offset at of a located parameter; -1: none does. */
static int piece_val(const struct wm_plan *plan, int i, unsigned int at)
{
	for (int j = 0; j < plan->loc[i].nr; j++)
		if (plan->loc[i].p[j].at == at && plan->loc[i].p[j].size == 8)
			return plan->loc[i].p[j].val;
	return -1;
}

/*
 * The value of eight bytes at offset at of an enum the caller passed in
 * memory (its location one piece, the memory a register points to); -1
 * when there is none to read.
 */
static int mem_val(struct wm_plan *plan, struct vals *vs, const struct wm_loc *loc, unsigned int at)
{
	const struct wm_loc_piece *pc = &loc->pieces[0];
	struct wm_vsrc src;

	if (loc->nr_pieces != 1 || pc->kind != WM_PIECE_MEM || pc->body || pt_of_dwarf(pc->reg) < 0)
		return -1;
	src = (struct wm_vsrc){
		.kind = WM_VS_MEM, .reg = pt_of_dwarf(pc->reg), .size = 8, .off = pc->off + at
	};
	return val_get(plan, vs, &src);
}

/*
 * The text a Rust enum's variant holds (Some("x"), Err("bad"), a &str or a
 * String): one slot each, read at entry, through the enum's pieces when it
 * is in registers, or from the memory it is in.
 */
static void add_variant_strings(const struct wm_sig *sig, const struct wm_type *t, int param,
				struct wm_plan *plan, struct vals *vs, int str_cap,
				struct pending *list, int *n, int *dropped)
{
	const struct wm_loc *loc = &sig->params[param].loc;
	bool in_mem = t->size > 16;

	for (unsigned int k = 0; k < t->nr_fields; k++) {
		unsigned int idx = t->first_field + k;
		const struct wm_field *fl;
		struct pending *e;
		int pv, lv;

		if (idx >= WM_SIG_MAX_FIELDS || (int)idx >= sig->nr_fields)
			break;
		fl = &sig->fields[idx];
		if (fl->type.kind != WM_T_BUF)
			continue;
		pv = in_mem ? mem_val(plan, vs, loc, fl->ptr_off) :
			      piece_val(plan, param, fl->ptr_off);
		lv = in_mem ? mem_val(plan, vs, loc, fl->len_off) :
			      piece_val(plan, param, fl->len_off);
		if (pv < 0 || lv < 0)
			continue;
		e = add(list, n, dropped, param, false, WM_CAP_MEM, pv, false, str_cap);
		if (e) {
			e->field = idx;
			e->cap.len_src = lv;
			e->cap.elem_size = 1;
		}
	}
}

void plan__build(const struct wm_sig *sig, const struct wm_plan_opts *o, struct wm_plan *plan)
{
	struct pending entry[WM_NR_SLOTS], ret[WM_NR_SLOTS];
	int nr_entry = 0, nr_ret = 0, nr_params, i, slot = 0;
	int str_cap = o && o->str_cap > 0 ? o->str_cap : 64;
	bool out_params = !o || o->out_params;
	unsigned int budget = DATA_BUDGET;
	int *dropped = &plan->nr_dropped;
	struct vals vs = {};

	memset(plan, 0, sizeof(*plan));
	memset(plan->cfg.val_slot, 0xff, sizeof(plan->cfg.val_slot));
	for (i = 0; i < WM_SIG_MAX_PARAMS; i++)
		plan->val[i] = plan->entry_slot[i] = plan->out_slot[i] = -1;
	for (i = 0; i < WM_SIG_MAX_FIELDS; i++)
		plan->field_slot[i] = -1;
	plan->ret_slot = plan->stack_slot = -1;
	plan->py_snapshots = o && o->py_snapshots;
	/* The C ABI's values first: located parameters take what is left. */
	for (i = 0; sig->source == WM_SIG_DWARF && i < sig->nr_params && i < WM_SIG_MAX_PARAMS;
	     i++) {
		int k = sig->params[i].loc.state == WM_LOC_ABI ? plan__param_val(&sig->params[i]) :
								 -1;

		if (k >= 0) {
			vs.used[k] = true;
			plan->cfg.vsrc[k] = abi_src(k);
		}
	}

	if (o && o->stack) {
		plan->cfg.caps[0].kind = WM_CAP_STACK;
		plan->cfg.caps[0].size = WM_STACK_MAX * 8;
		plan->cfg.caps[0].len_src = WM_LEN_FIXED;
		plan->cfg.caps[0].ind_off = WM_IND_NONE;
		plan->cfg.flags |= WM_FC_STACK;
		plan->stack_slot = slot++;
		budget -= WM_STACK_MAX * 8;
	}

	nr_params = sig->source == WM_SIG_RAW ? 0 : sig->nr_params;
	if (nr_params > WM_SIG_MAX_PARAMS)
		nr_params = WM_SIG_MAX_PARAMS;
	for (i = 0; i < nr_params; i++) {
		const struct wm_param *p = &sig->params[i];
		const struct wm_type *t = &p->type;
		int v = -1;
		struct pending *e;
		unsigned int n;

		if (sig->source == WM_SIG_DWARF && loc_in_stack_args(p)) {
			/* A struct the caller passed in memory: read as before, no sources needed. */
			e = add(entry, &nr_entry, dropped, i, false, WM_CAP_MEM, WM_SRC_STACK,
				false, t->size);
			if (e)
				e->cap.off = p->loc.pieces[0].off - 8;
			continue;
		}
		if (sig->source == WM_SIG_DWARF && p->loc.state != WM_LOC_ABI) {
			if (p->loc.state == WM_LOC_OUT || !loc_vals(sig, i, plan, &vs, &v)) {
				plan->loc[i].optimized_out = true;
				plan->loc[i].nr = 0;
				continue;
			}
			if (t->rust_enum)
				add_variant_strings(sig, t, i, plan, &vs, str_cap, entry, &nr_entry,
						    dropped);
			if (t->kind == WM_T_STRUCT && t->size > 16) {
				add(entry, &nr_entry, dropped, i, false, WM_CAP_MEM, v, false,
				    t->size);
				continue;
			}
		} else {
			v = param_val(p, &plan->cfg.nr_stack);
		}
		plan->val[i] = v;
		if (t->kind == WM_T_STRUCT) {
			/* By value in registers: the values hold it. In memory: read it. */
			if (v < 0 && p->stack_off >= 0) {
				e = add(entry, &nr_entry, dropped, i, false, WM_CAP_MEM,
					WM_SRC_STACK, false, t->size);
				if (e)
					e->cap.off = p->stack_off;
			}
			continue;
		}
		/* C++'s this: shown as the pointer it is, not the object. */
		if (v < 0 || !strcmp(p->name, "this"))
			continue;
		if (o && o->python && t->kind == WM_T_PTR && pyvalue__is_pyobject(t->name)) {
			add(entry, &nr_entry, dropped, i, false, WM_CAP_PYOBJ, v, false,
			    WM_PYV_MAX);
			continue;
		}
		switch (t->kind) {
		case WM_T_STR:
			add(entry, &nr_entry, dropped, i, false, WM_CAP_STR, v, false, 0);
			break;
		case WM_T_PTR:
			n = plan__pointee_bytes(t);
			if (!n)
				break;
			/* A struct or array is shown at entry; a lone scalar only as an out-parameter. */
			if (t->target.kind == WM_T_STRUCT || t->target_count ||
			    (t->target_const && !sig->rust) || !out_params)
				add(entry, &nr_entry, dropped, i, false, WM_CAP_MEM, v, false, n);
			if (t->target.kind == WM_T_STRUCT)
				add_member_strings(sig, t, i, v, entry, &nr_entry, dropped);
			/* Rust's DWARF does not say const: its raw pointers are never out-parameters. */
			if (!t->target_const && out_params && !sig->rust)
				add(ret, &nr_ret, dropped, i, true, WM_CAP_MEM, v, true, n);
			/* A const scalar pointer is an address (in an entry slot nobody prints). */
			break;
		case WM_T_BUF: {
			int len_val =
				t->len_param == WM_LEN_RET ?
					WM_VAL_RET :
				t->len_param == WM_LEN_SELF ?
					(plan->loc[i].nr == 2 ? plan->loc[i].p[1].val : -1) :
				t->len_param >= 0 && t->len_param < nr_params ?
					param_val(&sig->params[t->len_param], &plan->cfg.nr_stack) :
					-1;
			bool at_ret = len_val == WM_VAL_RET || (!t->target_const && out_params);
			struct pending *list = at_ret ? ret : entry;
			int *nr = at_ret ? &nr_ret : &nr_entry;

			if (len_val < 0)
				break;
			e = add(list, nr, dropped, i, at_ret, WM_CAP_MEM, v, at_ret, str_cap);
			if (e) {
				e->cap.len_src = len_val;
				e->cap.elem_size = t->target.size ? t->target.size : 1;
			}
			break;
		}
		default:
			break;
		}
	}
	if (sig->source != WM_SIG_RAW) {
		if (sig->ret.kind == WM_T_STR)
			add(ret, &nr_ret, dropped, -1, false, WM_CAP_STR, WM_VAL_RET, true, 0);
		else if (o && o->python && sig->ret.kind == WM_T_PTR &&
			 pyvalue__is_pyobject(sig->ret.name))
			add(ret, &nr_ret, dropped, -1, false, WM_CAP_PYOBJ, WM_VAL_RET, true,
			    WM_PYV_MAX);
		else if (sig->ret.kind == WM_T_PTR && plan__pointee_bytes(&sig->ret))
			add(ret, &nr_ret, dropped, -1, false, WM_CAP_MEM, WM_VAL_RET, true,
			    plan__pointee_bytes(&sig->ret));
	}

	/* Entry captures first, then those at return: the heap's order. */
	for (i = 0; i < nr_entry + nr_ret; i++) {
		const struct pending *e = i < nr_entry ? &entry[i] : &ret[i - nr_entry];
		unsigned int bytes = cap_bytes(&e->cap, str_cap);

		if (slot >= WM_NR_SLOTS || bytes > budget) {
			plan->nr_dropped++;
			continue;
		}
		budget -= bytes;
		plan->cfg.caps[slot] = e->cap;
		if (e->field >= 0)
			plan->field_slot[e->field] = slot;
		else if (e->param < 0)
			plan->ret_slot = slot;
		else if (e->out)
			plan->out_slot[e->param] = slot;
		else
			plan->entry_slot[e->param] = slot;
		if (e->cap.kind == WM_CAP_STR && e->field < 0)
			plan->cfg.val_slot[e->cap.src] = slot;
		slot++;
		if (!e->cap.at_return)
			plan->cfg.nr_entry_caps = slot;
	}
	/* Only a function whose values are not all where the C ABI puts them pays for the sources. */
	if (vs.custom) {
		plan->cfg.flags |= WM_FC_LOCS;
		plan->cfg.nr_stack = 0;
	} else {
		memset(plan->cfg.vsrc, 0, sizeof(plan->cfg.vsrc));
		for (i = WM_MAX_ARGS; i < WM_MAX_VALS; i++)
			if (vs.used[i] && plan->cfg.nr_stack < i - WM_MAX_ARGS + 1)
				plan->cfg.nr_stack = i - WM_MAX_ARGS + 1;
	}
	if (plan->stack_slot >= 0 && !plan->cfg.nr_entry_caps)
		plan->cfg.nr_entry_caps = 1;
	plan->cfg.nr_caps = slot;
	plan->data_max = DATA_BUDGET - budget;
}

__u32 plan__regs_read(const struct wm_sig *sig, const struct wm_plan *plan)
{
	__u32 m = 0;

	if (plan->cfg.flags & WM_FC_LOCS) {
		for (int k = 0; k < WM_MAX_VALS; k++) {
			const struct wm_vsrc *s = &plan->cfg.vsrc[k];

			if ((s->kind == WM_VS_REG || s->kind == WM_VS_MEM ||
			     s->kind == WM_VS_ADDR) &&
			    s->reg < 32)
				m |= 1u << s->reg;
		}
		return m;
	}
	/* Raw registers are all shown. */
	if (sig->source == WM_SIG_RAW) {
		for (int k = 0; k < WM_MAX_ARGS; k++)
			m |= 1u << abi_pt[k];
		return m;
	}
	for (int i = 0; i < sig->nr_params && i < WM_SIG_MAX_PARAMS; i++) {
		int v = plan->val[i], nr = sig->params[i].nr_regs > 1 ? sig->params[i].nr_regs : 1;

		for (int k = v; v >= 0 && k < v + nr && k < WM_MAX_ARGS; k++)
			m |= 1u << abi_pt[k];
	}
	for (int s = 0; s < plan->cfg.nr_caps && s < WM_NR_SLOTS; s++) {
		const struct wm_cap *c = &plan->cfg.caps[s];

		if (c->src < WM_MAX_ARGS)
			m |= 1u << abi_pt[c->src];
		if (c->kind == WM_CAP_MEM && c->len_src < WM_MAX_ARGS)
			m |= 1u << abi_pt[c->len_src];
	}
	return m;
}

void plan__regs_moved(struct wm_plan *plan, const signed char now_in[WM_PT_NR])
{
	struct wm_func_cfg *c = &plan->cfg;

	if (!(c->flags & WM_FC_LOCS)) {
		memset(c->vsrc, 0, sizeof(c->vsrc));
		for (int k = 0; k < WM_MAX_ARGS + c->nr_stack && k < WM_MAX_VALS; k++)
			c->vsrc[k] = abi_src(k);
		c->flags |= WM_FC_LOCS;
		c->nr_stack = 0;
	}
	for (int k = 0; k < WM_MAX_VALS; k++) {
		struct wm_vsrc *s = &c->vsrc[k];

		if (s->kind != WM_VS_REG && s->kind != WM_VS_MEM && s->kind != WM_VS_ADDR)
			continue;
		if (s->reg >= WM_PT_NR || now_in[s->reg] < 0)
			*s = (struct wm_vsrc){ .kind = WM_VS_NONE };
		else
			s->reg = now_in[s->reg];
	}
}
