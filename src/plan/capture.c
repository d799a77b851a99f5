// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capture plans. Slots are numbered in the order BPF fills its per-thread
 * heap: the user stack first, then what is read at entry, then what is read
 * at return, so a record's bytes are one contiguous copy of that heap.
 */
#include <string.h>

#include "lang/python/pyvalue.h"
#include "plan/capture.h"

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

int plan__param_val(const struct wm_param *p)
{
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

void plan__build(const struct wm_sig *sig, const struct wm_plan_opts *o, struct wm_plan *plan)
{
	struct pending entry[WM_NR_SLOTS], ret[WM_NR_SLOTS];
	int nr_entry = 0, nr_ret = 0, nr_params, i, slot = 0;
	int str_cap = o && o->str_cap > 0 ? o->str_cap : 64;
	bool out_params = !o || o->out_params;
	unsigned int budget = DATA_BUDGET;
	int *dropped = &plan->nr_dropped;

	memset(plan, 0, sizeof(*plan));
	memset(plan->cfg.val_slot, 0xff, sizeof(plan->cfg.val_slot));
	for (i = 0; i < WM_SIG_MAX_PARAMS; i++)
		plan->val[i] = plan->entry_slot[i] = plan->out_slot[i] = -1;
	for (i = 0; i < WM_SIG_MAX_FIELDS; i++)
		plan->field_slot[i] = -1;
	plan->ret_slot = plan->stack_slot = -1;
	plan->py_snapshots = o && o->py_snapshots;

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
		int v = param_val(p, &plan->cfg.nr_stack);
		struct pending *e;
		unsigned int n;

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
			if (t->target.kind == WM_T_STRUCT || t->target_count || t->target_const ||
			    !out_params)
				add(entry, &nr_entry, dropped, i, false, WM_CAP_MEM, v, false, n);
			if (t->target.kind == WM_T_STRUCT)
				add_member_strings(sig, t, i, v, entry, &nr_entry, dropped);
			if (!t->target_const && out_params)
				add(ret, &nr_ret, dropped, i, true, WM_CAP_MEM, v, true, n);
			/* A const scalar pointer is an address (in an entry slot nobody prints). */
			break;
		case WM_T_BUF: {
			int len_val =
				t->len_param == WM_LEN_RET ?
					WM_VAL_RET :
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
	if (plan->stack_slot >= 0 && !plan->cfg.nr_entry_caps)
		plan->cfg.nr_entry_caps = 1;
	plan->cfg.nr_caps = slot;
	plan->data_max = DATA_BUDGET - budget;
}
