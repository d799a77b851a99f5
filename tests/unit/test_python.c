// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Python: the interpreter's hooks found in Debian's stripped python3.11
 * (the build tools/install-deps.sh installs; skipped where absent), and
 * Python calls as the formatters show them, from views as pytrace__decode()
 * leaves them (type names in the string slots).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lang/python/pyinterp.h"
#include "lang/python/pystack.h"
#include "lang/python/pytrace.h"
#include "plan/functable.h"
#include "sinks/format.h"
#include "util/buf.h"

/* Snapshots recorded from CPython 3.10 (tests/unit/pyvalue_fixtures.h). */
#define SNAP_CAAAT "070003010500000070c3c150da7f000020000000000000007374726361616174"
#define SNAP_VALUEERROR                                                                            \
	"0c000a0001000000903cad50da7f0000440000000000000056616c75654572726f72070000010a000000f094" \
	"c550da7f0000220000000000000062616420686561646572"
#define SNAP_KEYERROR                                                                              \
	"0c00080002000000403cad50da7f000055000000000000004b65794572726f720700000101000000b007bf50" \
	"da7f000019000000000000006b05000000010000001081cc50da7f00001c000000c2ae50da02000000"

/* Hex to bytes, into a buffer that lives to the end of the test. */
static const char *unhex(const char *hex, int *len)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];
	int n = strlen(hex) / 2;

	for (int i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", (unsigned char *)&b[i]);
	*len = n;
	return b;
}

#define DEBIAN_PY "/usr/bin/python3.11"

static int count_hooks(const struct py_interp *pi, enum wm_py_hook kind)
{
	int n = 0;

	for (int i = 0; i < pi->nr_hooks; i++)
		n += WM_PY_HOOK(pi->hooks[i].cookie) == (__u32)kind;
	return n;
}

static const struct py_hook *hook_named(const struct py_interp *pi, const char *what)
{
	for (int i = 0; i < pi->nr_hooks; i++)
		if (strstr(pi->hooks[i].what, what))
			return &pi->hooks[i];
	return NULL;
}

/* Stripped and non-PIE: the table by a scan, the clear by RETURN_VALUE's call. */
static void test_debian_stripped(void **state)
{
	struct py_interp *pi = NULL;
	const struct py_hook *h;
	char err[512] = "";
	int fd = open(DEBIAN_PY, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		skip();
	assert_int_equal(pyinterp__open(DEBIAN_PY, fd, 0, NULL, &pi, err, sizeof(err)), 0);
	assert_int_equal(pi->minor, 11);
	assert_false(pi->has_symtab);
	assert_non_null(strstr(pi->offsets_how, "table"));
	h = hook_named(pi, "RESUME (151)");
	assert_non_null(h);
	assert_non_null(hook_named(pi, "(151) at 0x"));
	assert_non_null(hook_named(pi, "scan of the read-only data"));
	/* The frame register of Debian's build is rbx (slot 5), at a conditional jump. */
	assert_int_equal(WM_PY_FREG(h->cookie), 5);
	assert_non_null(hook_named(pi, "RESUME_QUICK (150)"));
	assert_int_equal(count_hooks(pi, WM_PYH_RESUME), 2);
	assert_int_equal(count_hooks(pi, WM_PYH_CLEAR), 1);
	assert_non_null(hook_named(pi, "the call in RETURN_VALUE"));
	/* Frames entered from C: the eval loop's entry, and branches before its ret. */
	assert_int_equal(count_hooks(pi, WM_PYH_ENTRY_FRAME), 1);
	assert_true(count_hooks(pi, WM_PYH_ENTRY_RET) >= 1);
	assert_null(hook_named(pi, "single-stepped"));
	assert_int_equal(count_hooks(pi, WM_PYH_YIELD), 1);
	/* The yield at its jnz (emulated), past the store of the value's stack top. */
	h = hook_named(pi, "yield: YIELD_VALUE (86) at 0x");
	assert_true(h && strstr(h->what, ": jnz at +"));
	assert_int_equal(WM_PY_FLAGS(h->cookie), WM_PYF_VALUE);
	assert_int_equal(WM_PY_FREG(h->cookie), 5);
	/* No process: _PyRuntime's thread state at its link-time address. */
	assert_true(pi->off.tstate_addr > 0x400000);
	pyinterp__free(pi);
	close(fd);
}

/*
 * Debian's frames entered from C end at branches the kernel emulates, not
 * at the ret it single-steps: each hook's bytes in the file are a jmp or a
 * jcc with no prefix (or a direct call), and all of them agree on where
 * the ret finds the stack (one epilogue) and the result (a callee-saved
 * register the epilogue moves into rax, r14 in this build).
 */
static void test_debian_exit_to_c(void **state)
{
	struct py_interp *pi = NULL;
	char err[512] = "";
	int fd = open(DEBIAN_PY, O_RDONLY | O_CLOEXEC), n = 0, delta = -1;

	if (fd < 0)
		skip();
	assert_int_equal(pyinterp__open(DEBIAN_PY, fd, 0, NULL, &pi, err, sizeof(err)), 0);
	for (int i = 0; i < pi->nr_hooks; i++) {
		const struct py_hook *h = &pi->hooks[i];
		unsigned char c[2];

		if (WM_PY_HOOK(h->cookie) != WM_PYH_ENTRY_RET)
			continue;
		n++;
		assert_non_null(strstr(h->what, "(emulated)"));
		assert_int_equal(pread(fd, c, 2, h->file_off), 2);
		assert_true(c[0] == 0xe9 || c[0] == 0xeb || c[0] == 0xe8 ||
			    (c[0] >= 0x70 && c[0] <= 0x7f) ||
			    (c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f));
		/* r14 (slot 1), not rax: the epilogue's mov %r14,%rax is still to come. */
		assert_int_equal(WM_PY_FREG(h->cookie), 1);
		assert_true(WM_PY_SP_DELTA(h->cookie) > 0);
		if (delta < 0)
			delta = WM_PY_SP_DELTA(h->cookie);
		assert_int_equal(WM_PY_SP_DELTA(h->cookie), delta);
	}
	/* RETURN_VALUE's and RETURN_GENERATOR's, exit_unwind's, YIELD_VALUE's two. */
	assert_int_equal(n, 4);
	pyinterp__free(pi);
	close(fd);
}

/*
 * Where the analysis cannot account for a path, the ret stays the hook:
 * a copy of Debian's build whose first opcode dispatch loads its target
 * from one slot past the opcode table (an indirect jmp that could go
 * anywhere, then) ends frames entered from C at the ret, single-stepped,
 * result in rax, and -v says why.
 */
static void test_debian_exit_fallback(void **state)
{
	/* mov TABLE(,%rax,8),%rax; jmp *%rax */
	static const unsigned char pat[] = { 0x48, 0x8b, 0x04, 0xc5, 0, 0, 0, 0, 0xff, 0xe0 };
	char path[] = "/tmp/wm-unit-py-XXXXXX", err[512] = "";
	struct py_interp *pi = NULL;
	const struct py_hook *h;
	unsigned char *buf;
	static off_t at[4096];
	unsigned int disp;
	int fd = open(DEBIAN_PY, O_RDONLY | O_CLOEXEC), out, best = 0, first = 0, nr = 0;
	off_t size;

	if (fd < 0)
		skip();
	size = lseek(fd, 0, SEEK_END);
	buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, size, 0), size);
	close(fd);
	/* The table: the displacement most dispatches load from. */
	for (off_t i = 0; i + 10 <= size && nr < 4096; i++)
		if (!memcmp(buf + i, pat, 4) && !memcmp(buf + i + 8, pat + 8, 2))
			at[nr++] = i;
	for (int i = 0; i < nr; i++) {
		int n = 0;

		for (int j = 0; j < nr; j++)
			n += !memcmp(buf + at[j] + 4, buf + at[i] + 4, 4);
		if (n > best) {
			best = n;
			first = i;
		}
	}
	assert_true(best > 100);
	memcpy(&disp, buf + at[first] + 4, 4);
	disp += 8;
	memcpy(buf + at[first] + 4, &disp, 4);
	out = mkstemp(path);
	assert_true(out >= 0);
	assert_int_equal(write(out, buf, size), size);
	free(buf);
	assert_int_equal(pyinterp__open(path, out, 0, NULL, &pi, err, sizeof(err)), 0);
	assert_int_equal(count_hooks(pi, WM_PYH_ENTRY_RET), 1);
	h = hook_named(pi, "exit to C: ret at 0x");
	assert_true(h && strstr(h->what, "(single-stepped: an indirect jmp at 0x"));
	assert_int_equal(WM_PY_HOOK(h->cookie), WM_PYH_ENTRY_RET);
	assert_int_equal(WM_PY_FREG(h->cookie), 10); /* rax */
	assert_int_equal(WM_PY_SP_DELTA(h->cookie), 0);
	/* The rest of the hooks as in the unpatched build. */
	assert_int_equal(count_hooks(pi, WM_PYH_RESUME), 2);
	assert_int_equal(count_hooks(pi, WM_PYH_YIELD), 1);
	pyinterp__free(pi);
	close(out);
	unlink(path);
}

/* Not an interpreter: one line naming what is missing. */
static void test_not_python(void **state)
{
	struct py_interp *pi = NULL;
	char err[512] = "";
	int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		skip();
	assert_int_equal(pyinterp__open("/bin/true", fd, 0, NULL, &pi, err, sizeof(err)), -ENOTSUP);
	assert_null(pi);
	assert_non_null(strstr(err, "cannot trace it: missing"));
	assert_null(strchr(err, '\n'));
	close(fd);
}

static void test_python_names(void **state)
{
	const char *name;

	assert_true(pytrace__is_python_name("re.search", &name));
	assert_string_equal(name, "re.search");
	assert_true(pytrace__is_python_name("py:search", &name));
	assert_string_equal(name, "search");
	assert_true(pytrace__is_python_name("*.parse", &name));
	assert_false(pytrace__is_python_name("libc:strlen", &name));
	assert_false(pytrace__is_python_name("strlen", &name));
	assert_false(pytrace__is_python_name("/lib/x.so:a.b", &name));
}

/*
 * A call record is never taken for a notice, whatever its entry time: one
 * whose entry_ns ended in the bits of a notice's old kind (64) was, and
 * vanished (issue 15).
 */
static void test_notice_or_call(void **state)
{
	static const __u64 ends[] = { 64, 0x40, 0x123456780040ULL, WM_PY_NOTICE_TAG - 1, 0 };
	__u64 rec[(WM_PY_STACK_AT + 7) / 8] = {};
	struct wm_py_notice n = { .tag = WM_PY_NOTICE_TAG };
	struct wm_call *c = (struct wm_call *)rec;

	c->kind = WM_REC_CALL;
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		c->entry_ns = ends[i];
		assert_false(pytrace__is_notice(rec, sizeof(rec)));
	}
	assert_true(pytrace__is_notice(&n, sizeof(n)));
	assert_false(pytrace__is_notice(&n, 4));
}

/* A Python function as functable__add_python() makes it. */
static void py_func(struct wm_func *f, const char *name, const char *const *params, int n)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->sig.source = WM_SIG_PY;
	assert_int_equal(sig__reserve_params(&f->sig, n), 0);
	f->sig.nr_params = n;
	for (int i = 0; i < n; i++)
		snprintf(f->sig.params[i].name, sizeof(f->sig.params[i].name), "%s", params[i]);
	f->plan.stack_slot = -1;
	f->plan.ret_slot = -1;
}

static void view_init(struct wm_call_view *v, __u16 flags)
{
	memset(v, 0, sizeof(*v));
	v->hdr.kind = WM_REC_CALL;
	v->hdr.tid = 4243;
	v->hdr.latency_ns = 3100;
	v->hdr.flags = flags;
	for (int i = 0; i < WM_NR_SLOTS; i++)
		v->str_len[i] = WM_STR_NONE;
}

static void set_slot(struct wm_call_view *v, int i, const char *s)
{
	v->str[i] = s;
	v->str_len[i] = strlen(s);
}

static void test_format_text(void **state)
{
	static const char *const params[] = { "pattern", "string", "flags" };
	struct wm_buf b = {};
	struct wm_call_view v;
	struct wm_func f;
	const char *line;

	py_func(&f, "re.search", params, 3);
	view_init(&v, 0);
	set_slot(&v, 0, "str");
	set_slot(&v, 1, "str");
	set_slot(&v, 2, "int");
	set_slot(&v, WM_PY_RES_SLOT, "re.Match");
	format__call_text(&b, &f, &v, NULL);
	line = strchr(b.p, ' ');
	line = strchr(line + 1, ' ') + 1;
	assert_string_equal(
		line,
		"re.search(pattern=<str>, string=<str>, flags=<int>) = <re.Match>  <3.1 us>\n");

	/* Raised: the exception's type, no result. */
	buf__reset(&b);
	view_init(&v, WM_F_RAISED | WM_F_ERROR);
	set_slot(&v, 0, "bytes");
	set_slot(&v, WM_PY_RES_SLOT, "ValueError");
	v.exc_type = "ValueError";
	sig__free(&f.sig);
	py_func(&f, "app.handlers.parse", params, 1);
	format__call_text(&b, &f, &v, NULL);
	assert_non_null(strstr(b.p, "app.handlers.parse(pattern=<bytes>) raised ValueError  <"));

	/* More parameters than a record carries: the first 8, then one "...". */
	{
		static const char *const many[] = {
			"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"
		};

		buf__reset(&b);
		view_init(&v, 0);
		for (int i = 0; i < WM_PY_MAX_PARAMS; i++)
			set_slot(&v, i, "int");
		sig__free(&f.sig);
		py_func(&f, "json.dumps", many, 10);
		format__call_text(&b, &f, &v, NULL);
		assert_non_null(strstr(b.p,
				       "json.dumps(a=<int>, b=<int>, c=<int>, d=<int>, e=<int>, "
				       "f=<int>, g=<int>, h=<int>, ...) = ?  <"));
		buf__reset(&b);
		format__call_json(&b, &f, &v);
		assert_non_null(strstr(
			b.p, "{\"name\":\"h\",\"type\":\"int\"},{\"name\":\"i\","
			     "\"not_captured\":true},{\"name\":\"j\",\"not_captured\":true}]"));
		sig__free(&f.sig);
		py_func(&f, "app.handlers.parse", params, 1);
	}

	/* A generator's resume that yielded: marked, its value's type when read. */
	buf__reset(&b);
	view_init(&v, WM_F_PY_YIELD);
	set_slot(&v, 0, "int");
	format__call_text(&b, &f, &v, NULL);
	assert_non_null(strstr(b.p, "(pattern=<int>) yielded  <"));
	buf__free(&b);
	sig__free(&f.sig);
}

/*
 * A location table as CPython 3.11.7 compiled it (its short, one-line,
 * no-column and long forms), and the line of each code unit as
 * co_positions() gave it: a function of lines 1-9 with gaps.
 */
static void test_stack_lines(void **state)
{
	static const unsigned char lt[] = { 0x80, 0x00, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05,
					    0x80, 0x41, 0xe0, 0x07, 0x08, 0xf0, 0x00, 0x03, 0x05,
					    0x22, 0xf0, 0x06, 0x00, 0x0d, 0x22, 0xd0, 0x0c, 0x21,
					    0x9d, 0x05, 0x98, 0x61, 0x99, 0x08, 0x9c, 0x08, 0xd0,
					    0x0c, 0x21, 0xd1, 0x0c, 0x21, 0xd4, 0x0c, 0x21, 0x88,
					    0x01, 0xd8, 0x0c, 0x0d, 0xd8, 0x0c, 0x0d, 0xf0, 0x03,
					    0x01, 0x0c, 0x0f, 0xf0, 0x00, 0x01, 0x05, 0x0f };
	static const int lines[] = { 1, 2, 2, 2, 2, 2, 4, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
				     7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 9, 8, 8 };
	int n = sizeof(lines) / sizeof(lines[0]);

	for (int i = 0; i < n; i++)
		assert_int_equal(pystack__line(lt, sizeof(lt), 1, i), lines[i]);
	/* Past the end, and a table cut short: no line rather than a wrong one. */
	assert_int_equal(pystack__line(lt, sizeof(lt), 1, n), -1);
	assert_int_equal(pystack__line(lt, 10, 1, 20), -1);
	assert_int_equal(pystack__line(lt + 1, sizeof(lt) - 1, 1, 0), -1);
}

/* --stack on a Python call: its frames as pytrace__decode() leaves them in the slot. */
static void test_format_stack(void **state)
{
	static const char frames[] = "app.mid\0app.py\00021\0<module>\0app.py\0\0";
	struct wm_buf b = {};
	struct wm_call_view v;
	struct wm_func f;

	py_func(&f, "app.leaf", NULL, 0);
	f.plan.stack_slot = WM_PY_STACK_SLOT;
	view_init(&v, 0);
	set_slot(&v, WM_PY_RES_SLOT, "int");
	v.str[WM_PY_STACK_SLOT] = frames;
	v.str_len[WM_PY_STACK_SLOT] = sizeof(frames) - 1;
	format__call_text(&b, &f, &v, NULL);
	assert_non_null(strstr(b.p, ">\n    at app.mid (app.py:21)\n    at <module> (app.py)\n"));
	buf__reset(&b);
	format__call_json(&b, &f, &v);
	assert_non_null(strstr(b.p,
			       ",\"stack\":[{\"function\":\"app.mid\",\"file\":\"app.py\","
			       "\"line\":21},{\"function\":\"<module>\",\"file\":\"app.py\"}]"));
	buf__free(&b);
	sig__free(&f.sig);
}

static void test_format_json(void **state)
{
	static const char *const params[] = { "x" };
	struct wm_buf b = {};
	struct wm_call_view v;
	struct wm_func f;

	py_func(&f, "__main__.boom", params, 1);
	view_init(&v, WM_F_RAISED | WM_F_ERROR);
	set_slot(&v, 0, "int");
	set_slot(&v, WM_PY_RES_SLOT, "KeyError");
	v.exc_type = "KeyError";
	format__call_json(&b, &f, &v);
	assert_non_null(strstr(b.p, "\"args\":[{\"name\":\"x\",\"type\":\"int\"}]"));
	assert_non_null(strstr(b.p, "\"error\":{\"type\":\"KeyError\",\"message\":null}"));
	assert_null(strstr(b.p, "\"result\""));

	buf__reset(&b);
	view_init(&v, 0);
	set_slot(&v, WM_PY_RES_SLOT, "NoneType");
	format__call_json(&b, &f, &v);
	assert_non_null(strstr(b.p, "\"args\":[{\"name\":\"x\",\"type\":null}]"));
	assert_non_null(strstr(b.p, "\"result\":{\"type\":\"NoneType\"}"));
	buf__free(&b);
	sig__free(&f.sig);
}

/* With the interpreter's layout known, the slots are snapshots: values as repr() shows them. */
static void test_format_values(void **state)
{
	static const char *const params[] = { "string" };
	struct wm_buf b = {};
	struct wm_call_view v;
	struct wm_func f;
	int n;

	py_func(&f, "__main__.echo", params, 1);
	view_init(&v, WM_F_PY_VALUES);
	v.str[0] = unhex(SNAP_CAAAT, &n);
	v.str_len[0] = n;
	v.str[WM_PY_RES_SLOT] = unhex(SNAP_CAAAT, &n);
	v.str_len[WM_PY_RES_SLOT] = n;
	format__call_text(&b, &f, &v, NULL);
	assert_non_null(strstr(b.p, " __main__.echo(string='caaat') = 'caaat'  <3.1 us>\n"));
	buf__reset(&b);
	format__call_json(&b, &f, &v);
	assert_non_null(strstr(b.p, "\"args\":[{\"name\":\"string\",\"value\":\"caaat\","
				    "\"pointer\":\"0x7fda50c1c370\"}]"));
	assert_non_null(
		strstr(b.p, "\"result\":{\"value\":\"caaat\",\"pointer\":\"0x7fda50c1c370\"}"));

	/* Raised: the exception's repr in text; its type and str() in JSON. */
	buf__reset(&b);
	view_init(&v, WM_F_PY_VALUES | WM_F_RAISED | WM_F_ERROR);
	v.exc_type = "ValueError";
	v.str[0] = unhex(SNAP_CAAAT, &n);
	v.str_len[0] = n;
	v.str[WM_PY_RES_SLOT] = unhex(SNAP_VALUEERROR, &n);
	v.str_len[WM_PY_RES_SLOT] = n;
	format__call_text(&b, &f, &v, NULL);
	assert_non_null(strstr(b.p, "(string='caaat') raised ValueError('bad header')  <"));
	buf__reset(&b);
	format__call_json(&b, &f, &v);
	assert_non_null(
		strstr(b.p, "\"error\":{\"type\":\"ValueError\",\"message\":\"bad header\"}"));

	/* str() of an exception with two arguments is their tuple's repr. */
	buf__reset(&b);
	v.exc_type = "KeyError";
	v.str[WM_PY_RES_SLOT] = unhex(SNAP_KEYERROR, &n);
	v.str_len[WM_PY_RES_SLOT] = n;
	format__call_json(&b, &f, &v);
	assert_non_null(strstr(b.p, "\"error\":{\"type\":\"KeyError\",\"message\":\"('k', 2)\"}"));
	buf__free(&b);
	sig__free(&f.sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_stripped),
		cmocka_unit_test(test_debian_exit_to_c),
		cmocka_unit_test(test_debian_exit_fallback),
		cmocka_unit_test(test_not_python),
		cmocka_unit_test(test_python_names),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_format_json),
		cmocka_unit_test(test_stack_lines),
		cmocka_unit_test(test_format_stack),
		cmocka_unit_test(test_format_values),
		cmocka_unit_test(test_notice_or_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
