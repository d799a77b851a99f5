// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One call as a terminal line or a JSON object. Every byte that comes from
 * the traced process or its object files (strings, but also symbol, object,
 * parameter and type names) goes through an escaper.
 */
#include <string.h>
#include <time.h>
#include "demangle.h"
#include "escape.h"
#include "format.h"

#define NSEC_PER_SEC 1000000000ULL

/* The six registers and the raw result of a function we know nothing of. */
static const struct wm_type raw_type = { .kind = WM_T_UNKNOWN, .size = 8 };

static void put_esc_c(struct wm_buf *b, const char *s, size_t max)
{
	esc__c(b, s, strnlen(s, max));
}

static void put_json_str(struct wm_buf *b, const char *s, size_t n)
{
	buf__putc(b, '"');
	esc__json(b, s, n);
	buf__putc(b, '"');
}

static const char *func_name(const struct wm_func *f, size_t *len)
{
	if (!f) {
		*len = 1;
		return "?";
	}
	*len = strnlen(f->name, sizeof(f->name));
	if (*len)
		return f->name;
	*len = strnlen(f->sig.name, sizeof(f->sig.name));
	return f->sig.name;
}

static bool sig_is_raw(const struct wm_func *f)
{
	return !f || f->sig.source == WM_SIG_RAW;
}

static int sig_nr_params(const struct wm_sig *sig)
{
	if (sig->nr_params < 0)
		return 0;
	return sig->nr_params < WM_SIG_MAX_PARAMS ? sig->nr_params : WM_SIG_MAX_PARAMS;
}

static bool reg_valid(int reg)
{
	return reg >= 0 && reg < WM_MAX_ARGS;
}

/* The register truncated to the type's width and sign-extended if signed. */
static __u64 int_value(const struct wm_type *t, __u64 raw)
{
	unsigned int bits = 64;
	__u64 mask;

	if (t->size == 1 || t->size == 2 || t->size == 4)
		bits = t->size * 8;
	if (bits == 64)
		return raw;
	mask = (1ULL << bits) - 1;
	raw &= mask;
	if (t->is_signed && (raw >> (bits - 1)) & 1)
		raw |= ~mask;
	return raw;
}

static void put_int(struct wm_buf *b, const struct wm_type *t, __u64 raw)
{
	__u64 v = int_value(t, raw);

	if (t->is_signed)
		buf__printf(b, "%lld", (long long)v);
	else
		buf__printf(b, "%llu", (unsigned long long)v);
}

static void put_hex(struct wm_buf *b, __u64 raw)
{
	buf__printf(b, "0x%llx", (unsigned long long)raw);
}

void format__duration(struct wm_buf *b, __u64 ns)
{
	/*
	 * Each unit takes over where the one below would round up to 1000.0,
	 * so 999999 ns reads "1.0 ms", not "1000.0 us".
	 */
	if (ns < 1000)
		buf__printf(b, "%llu ns", (unsigned long long)ns);
	else if (ns < 999950ULL)
		buf__printf(b, "%.1f us", ns / 1e3);
	else if (ns < 999950000ULL)
		buf__printf(b, "%.1f ms", ns / 1e6);
	else
		buf__printf(b, "%.2f s", ns / 1e9);
}

static void put_char_text(struct wm_buf *b, unsigned char ch)
{
	char c = (char)ch;

	buf__putc(b, '\'');
	if (ch == '\'')
		buf__puts(b, "\\'");
	else if (ch == '"')
		buf__putc(b, '"');
	else
		esc__c(b, &c, 1);
	buf__putc(b, '\'');
}

void format__value_text(struct wm_buf *b, const struct wm_type *t, __u64 raw, const char *str,
			int str_len, bool trunc)
{
	switch (t->kind) {
	case WM_T_INT:
		put_int(b, t, raw);
		break;
	case WM_T_BOOL:
		buf__puts(b, raw & 0xff ? "true" : "false");
		break;
	case WM_T_CHAR:
		put_char_text(b, raw & 0xff);
		break;
	case WM_T_PTR:
		if (raw)
			put_hex(b, raw);
		else
			buf__puts(b, "NULL");
		break;
	case WM_T_STR:
		if (!raw) {
			buf__puts(b, "NULL");
		} else if (str_len >= 0 && str) {
			buf__putc(b, '"');
			esc__c(b, str, str_len);
			buf__putc(b, '"');
			if (trunc)
				buf__puts(b, "...");
		} else {
			put_hex(b, raw);
			buf__puts(b, "<unreadable>");
		}
		break;
	case WM_T_UNKNOWN:
		put_hex(b, raw);
		break;
	case WM_T_FLOAT:
	case WM_T_VOID:
	default:
		buf__putc(b, '?');
		break;
	}
}

/* Value of the register reg (or the result for WM_RET_SLOT) with its string slot. */
static void put_slot_text(struct wm_buf *b, const struct wm_type *t, const struct wm_call_view *c,
			  int slot)
{
	__u64 raw = slot == WM_RET_SLOT ? c->hdr.ret : c->hdr.args[slot];

	format__value_text(b, t, raw, c->str[slot], c->str_len[slot],
			   c->hdr.str_trunc & (1u << slot));
}

static void put_time_text(struct wm_buf *b, __u64 ts_ns, bool utc)
{
	time_t sec = ts_ns / NSEC_PER_SEC;
	unsigned int usec = ts_ns % NSEC_PER_SEC / 1000;
	struct tm tm;

	if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
		memset(&tm, 0, sizeof(tm));
	buf__printf(b, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static const char *unfinished_text(__u16 flags)
{
	if (flags & WM_F_THREAD_EXIT)
		return "<unfinished: thread exited>";
	if (flags & WM_F_ABANDONED)
		return "<unfinished: abandoned by longjmp>";
	if (flags & WM_F_EXEC)
		return "<unfinished: exec>";
	return "<unfinished>";
}

void format__call_text(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c,
		       const struct wm_fmt_opts *o)
{
	const struct wm_param *p;
	const char *name;
	size_t name_len;
	int i;

	put_time_text(b, c->ts_real_ns, o && o->utc);
	buf__printf(b, " %u ", c->hdr.tid);
	name = func_name(f, &name_len);
	/* A C++ name's parameter types: the arguments that follow show them. */
	if (memchr(name, '(', name_len))
		name_len = demangle__name_len(name);
	esc__c(b, name, name_len);
	buf__putc(b, '(');
	if (sig_is_raw(f)) {
		for (i = 0; i < WM_MAX_ARGS; i++) {
			if (i)
				buf__puts(b, ", ");
			put_hex(b, c->hdr.args[i]);
		}
	} else {
		for (i = 0; i < sig_nr_params(&f->sig); i++) {
			p = &f->sig.params[i];
			if (i)
				buf__puts(b, ", ");
			if (p->name[0]) {
				put_esc_c(b, p->name, sizeof(p->name));
				buf__putc(b, '=');
			}
			if (reg_valid(p->reg))
				put_slot_text(b, &p->type, c, p->reg);
			else
				buf__putc(b, '?');
		}
	}
	buf__putc(b, ')');

	if (c->hdr.kind == WM_REC_UNFINISHED) {
		buf__printf(b, " = ? %s\n", unfinished_text(c->hdr.flags));
		return;
	}
	if (sig_is_raw(f)) {
		buf__puts(b, " = ");
		put_hex(b, c->hdr.ret);
	} else if (f->sig.ret.kind != WM_T_VOID) {
		buf__puts(b, " = ");
		put_slot_text(b, &f->sig.ret, c, WM_RET_SLOT);
	}
	buf__puts(b, "  <");
	format__duration(b, c->hdr.latency_ns);
	buf__puts(b, ">\n");
}

/* A spelling for types the signature left unnamed. */
static const char *type_fallback_name(enum wm_type_kind kind)
{
	switch (kind) {
	case WM_T_VOID:
		return "void";
	case WM_T_INT:
		return "int";
	case WM_T_BOOL:
		return "_Bool";
	case WM_T_CHAR:
		return "char";
	case WM_T_PTR:
		return "void *";
	case WM_T_STR:
		return "char *";
	case WM_T_FLOAT:
		return "double";
	case WM_T_UNKNOWN:
	default:
		return "unknown";
	}
}

static void put_json_type(struct wm_buf *b, const struct wm_type *t)
{
	size_t n = strnlen(t->name, sizeof(t->name));

	buf__puts(b, "\"type\":");
	if (n)
		put_json_str(b, t->name, n);
	else
		put_json_str(b, type_fallback_name(t->kind), strlen(type_fallback_name(t->kind)));
}

static void put_json_hex(struct wm_buf *b, __u64 raw)
{
	buf__printf(b, "\"0x%llx\"", (unsigned long long)raw);
}

/* `"type":...,"value":...` plus the markers some values need. slot < 0: no register. */
static void put_json_value(struct wm_buf *b, const struct wm_type *t, const struct wm_call_view *c,
			   int slot)
{
	__u64 raw;
	char ch;

	put_json_type(b, t);
	if (slot < 0 || t->kind == WM_T_FLOAT || t->kind == WM_T_VOID) {
		buf__puts(b, ",\"value\":null,\"unavailable\":true");
		return;
	}
	raw = slot == WM_RET_SLOT ? c->hdr.ret : c->hdr.args[slot];
	buf__puts(b, ",\"value\":");
	switch (t->kind) {
	case WM_T_INT:
		put_int(b, t, raw);
		break;
	case WM_T_BOOL:
		buf__puts(b, raw & 0xff ? "true" : "false");
		break;
	case WM_T_CHAR:
		ch = (char)(raw & 0xff);
		put_json_str(b, &ch, 1);
		break;
	case WM_T_PTR:
		if (raw)
			put_json_hex(b, raw);
		else
			buf__puts(b, "null");
		break;
	case WM_T_STR:
		if (!raw) {
			buf__puts(b, "null");
		} else if (c->str_len[slot] >= 0 && c->str[slot]) {
			put_json_str(b, c->str[slot], c->str_len[slot]);
			if (c->hdr.str_trunc & (1u << slot))
				buf__puts(b, ",\"truncated\":true");
		} else {
			buf__puts(b, "null,\"pointer\":");
			put_json_hex(b, raw);
			buf__puts(b, ",\"error\":\"unreadable\"");
		}
		break;
	case WM_T_UNKNOWN:
	default:
		put_json_hex(b, raw);
		break;
	}
}

static void put_json_ts(struct wm_buf *b, __u64 ts_ns)
{
	time_t sec = ts_ns / NSEC_PER_SEC;
	unsigned int usec = ts_ns % NSEC_PER_SEC / 1000;
	struct tm tm;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	buf__printf(b, "\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06uZ\"", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static const char *unfinished_json(__u16 flags)
{
	if (flags & WM_F_THREAD_EXIT)
		return "thread_exit";
	if (flags & WM_F_ABANDONED)
		return "abandoned";
	if (flags & WM_F_EXEC)
		return "exec";
	return "unknown";
}

void format__args_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	const struct wm_param *p;
	int i;

	buf__putc(b, '[');
	if (sig_is_raw(f)) {
		for (i = 0; i < WM_MAX_ARGS; i++) {
			buf__puts(b, i ? ",{" : "{");
			put_json_type(b, &raw_type);
			buf__puts(b, ",\"value\":");
			put_json_hex(b, c->hdr.args[i]);
			buf__putc(b, '}');
		}
	} else {
		for (i = 0; i < sig_nr_params(&f->sig); i++) {
			p = &f->sig.params[i];
			buf__puts(b, i ? ",{" : "{");
			if (p->name[0]) {
				buf__puts(b, "\"name\":");
				put_json_str(b, p->name, strnlen(p->name, sizeof(p->name)));
				buf__putc(b, ',');
			}
			put_json_value(b, &p->type, c, reg_valid(p->reg) ? p->reg : -1);
			buf__putc(b, '}');
		}
	}
	buf__putc(b, ']');
}

void format__result_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	buf__putc(b, '{');
	if (sig_is_raw(f)) {
		put_json_type(b, &raw_type);
		buf__puts(b, ",\"value\":");
		put_json_hex(b, c->hdr.ret);
	} else if (f->sig.ret.kind == WM_T_VOID) {
		put_json_type(b, &f->sig.ret);
	} else {
		put_json_value(b, &f->sig.ret, c, WM_RET_SLOT);
	}
	buf__putc(b, '}');
}

const char *format__unfinished_name(__u16 flags)
{
	return unfinished_json(flags);
}

void format__call_json(struct wm_buf *b, const struct wm_func *f, const struct wm_call_view *c)
{
	const char *name;
	size_t name_len;

	buf__putc(b, '{');
	put_json_ts(b, c->ts_real_ns);
	buf__printf(b, ",\"pid\":%u,\"tid\":%u,\"function\":", c->hdr.pid, c->hdr.tid);
	name = func_name(f, &name_len);
	put_json_str(b, name, name_len);
	buf__puts(b, ",\"object\":");
	if (f)
		put_json_str(b, f->obj, strnlen(f->obj, sizeof(f->obj)));
	else
		buf__puts(b, "null");
	buf__puts(b, ",\"args\":");
	format__args_json(b, f, c);
	if (c->hdr.kind == WM_REC_UNFINISHED) {
		buf__printf(b, ",\"unfinished\":\"%s\"", unfinished_json(c->hdr.flags));
	} else {
		buf__puts(b, ",\"result\":");
		format__result_json(b, f, c);
		buf__printf(b, ",\"latency_ns\":%llu", (unsigned long long)c->hdr.latency_ns);
	}
	buf__printf(b, ",\"depth\":%u}\n", c->hdr.depth);
}
