// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Escaping of untrusted bytes for the terminal and for JSON, and the buffer under it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "util/buf.h"
#include "util/escape.h"
#include "util/json.h"

typedef void (*esc_fn)(struct wm_buf *b, const char *s, size_t n);

static void check_esc(esc_fn fn, const char *in, size_t n, const char *want)
{
	struct wm_buf b = {};

	fn(&b, in, n);
	assert_int_equal(b.err, 0);
	if (!b.p) {
		assert_string_equal("", want);
		return;
	}
	assert_int_equal(strlen(b.p), b.len);
	if (strcmp(b.p, want))
		fail_msg("escaping %zu bytes: got \"%s\", want \"%s\"", n, b.p, want);
	buf__free(&b);
}

/* Inputs given as string literals: the length includes embedded NULs. */
#define C(in, want) check_esc(esc__c, in, sizeof(in) - 1, want)
#define J(in, want) check_esc(esc__json, in, sizeof(in) - 1, want)

#define T(in, want) check_esc(esc__text, in, sizeof(in) - 1, want)

/* Text inside a message: the call lines' escapes, but quotes and backslashes as typed. */
static void test_text_for_messages(void **state)
{
	T("arg0 == \"a\\nb\"", "arg0 == \"a\\nb\"");
	T("lib\x1b[31mevil\a.so", "lib\\x1b[31mevil\\a.so");
	T("two\nlines\r", "two\\nlines\\r");
	T("\xc2\x9b \xe2\x80\xae \xff caf\xc3\xa9", "\\u{009B} \\u{202E} \\xff caf\xc3\xa9");
}

/* Cut only between two escapes, never inside one or inside a UTF-8 character. */
static void test_text_cut_and_msg(void **state)
{
	char dst[8], big[2 * ESC_MSG_MAX];
	const char *m;

	assert_int_equal(esc__text_cut(dst, sizeof(dst), "abcd\x1b", 5), 4);
	assert_string_equal(dst, "abcd");
	assert_int_equal(esc__text_cut(dst, sizeof(dst), "abcdef\xc3\xa9", 8), 6);
	assert_string_equal(dst, "abcdef");
	assert_int_equal(esc__text_cut(dst, sizeof(dst), "\a\a\a\a", 4), 3);
	assert_string_equal(dst, "\\a\\a\\a");
	assert_int_equal(esc__text_cut(dst, 0, "x", 1), 0);

	assert_string_equal(ESC("a\nb"), "a\\nb");
	assert_string_equal(ESC(NULL), "(null)");
	memset(big, '\x1b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m = ESC(big);
	assert_true(strlen(m) < ESC_MSG_MAX);
	assert_string_equal(m + strlen(m) - 7, "\\x1b...");
	assert_int_equal((strlen(m) - 3) % 4, 0);
}

static void test_buf_grows(void **state)
{
	struct wm_buf b = {};
	char big[5000];
	int i;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < 10; i++)
		buf__put(&b, big, sizeof(big));
	assert_int_equal(b.len, 10 * sizeof(big));
	assert_int_equal(b.p[b.len], '\0');
	buf__reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf__printf(&b, "%s-%d", "a", 42);
	buf__putc(&b, '!');
	buf__puts(&b, "end");
	assert_string_equal(b.p, "a-42!end");
	/* A single printf larger than what is left must grow and retry. */
	buf__printf(&b, "%.*s", 3000, big);
	assert_int_equal(b.len, 8 + 3000);
	assert_int_equal(strlen(b.p), b.len);
	assert_int_equal(b.err, 0);
	buf__free(&b);
	assert_null(b.p);
	assert_int_equal(b.cap, 0);
	buf__free(&b);
	buf__free(NULL);
}

static void test_buf_sticky_error(void **state)
{
	struct wm_buf b = {};

	buf__puts(&b, "ok");
	/* A length no allocator can satisfy sets the error... */
	buf__put(&b, "x", SIZE_MAX - 8);
	assert_int_equal(b.err, -ENOMEM);
	/* ...and everything after it is ignored. */
	buf__puts(&b, "more");
	buf__printf(&b, "%d", 7);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.p, "ok");
	buf__free(&b);
}

static void test_c_plain_and_simple(void **state)
{
	C("", "");
	C("hello, world", "hello, world");
	C("say \"hi\"\\", "say \\\"hi\\\"\\\\");
	C("'single'", "'single'");
	C("\n\t\r\a\b\f\v", "\\n\\t\\r\\a\\b\\f\\v");
	C("a\0b", "a\\0b");
	C("\x01\x02\x1f", "\\x01\\x02\\x1f");
	C("del\x7f", "del\\x7f");
}

/*
 * Plain bytes pass 16 (or 8) at a time, the last ones overlapping those
 * before: one byte that needs escaping, at each place of strings of every
 * length around those sizes, is still found, and nothing past it is lost.
 */
static void test_escape_in_every_word_position(void **state)
{
	static const struct {
		char c;
		const char *c_esc, *json_esc;
	} bad[] = { { '"', "\\\"", "\\\"" },	  { '\\', "\\\\", "\\\\" },
		    { 0x7f, "\\x7f", "\\u007f" }, { 0x1f, "\\x1f", "\\u001f" },
		    { '\n', "\\n", "\\n" },	  { (char)0x80, "\\x80", "\\u0080" } };
	char s[48], want[128];
	struct wm_buf b = {};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		for (int len = 1; len <= (int)sizeof(s); len++) {
			for (int at = 0; at < len; at++) {
				for (int i = 0; i < len; i++)
					s[i] = 'a' + i % 26;
				s[at] = bad[k].c;
				snprintf(want, sizeof(want), "%.*s%s%.*s", at, s, bad[k].c_esc,
					 len - at - 1, s + at + 1);
				buf__reset(&b);
				esc__c(&b, s, len);
				assert_string_equal(b.p, want);
				snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", at, s,
					 bad[k].json_esc, len - at - 1, s + at + 1);
				buf__reset(&b);
				json__str(&b, s, len);
				assert_string_equal(b.p, want);
				buf__reset(&b);
				esc__c_quoted(&b, s, len);
				snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", at, s, bad[k].c_esc,
					 len - at - 1, s + at + 1);
				assert_string_equal(b.p, want);
			}
		}
	}
	/* And all plain, at every length: copied whole. */
	for (int len = 0; len <= (int)sizeof(s); len++) {
		for (int i = 0; i < len; i++)
			s[i] = 'A' + i % 26;
		buf__reset(&b);
		json__str(&b, s, len);
		snprintf(want, sizeof(want), "\"%.*s\"", len, s);
		assert_string_equal(b.p, want);
		assert_int_equal(b.len, len + 2);
	}
	buf__free(&b);
}

static void test_c_terminal_sequences(void **state)
{
	C("\x1b[2J", "\\x1b[2J");
	C("\x1b]0;title\x07", "\\x1b]0;title\\a");
	C("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	/* C1 controls encoded as UTF-8: CSI, and the ends of the range. */
	C("\xc2\x9b[2J", "\\u{009B}[2J");
	C("\xc2\x80", "\\u{0080}");
	C("\xc2\x9f", "\\u{009F}");
	/* No-break space is the first code point after C1: kept. */
	C("\xc2\xa0", "\xc2\xa0");
	/* Bidi overrides and isolates. */
	C("\xe2\x80\xaeRTL", "\\u{202E}RTL");
	C("\xe2\x80\xaa", "\\u{202A}");
	C("\xe2\x81\xa6x\xe2\x81\xa9", "\\u{2066}x\\u{2069}");
	/* Neighbours of those ranges are ordinary characters. */
	C("\xe2\x80\xa9", "\xe2\x80\xa9");
	C("\xe2\x80\xaf", "\xe2\x80\xaf");
	C("\xe2\x81\xaa", "\xe2\x81\xaa");
}

static void test_c_invalid_utf8(void **state)
{
	/* Lone continuation bytes. */
	C("\x80", "\\x80");
	C("a\xbfz", "a\\xbfz");
	/* Overlong forms. */
	C("\xc0\xaf", "\\xc0\\xaf");
	C("\xc1\xbf", "\\xc1\\xbf");
	C("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	C("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	/* UTF-16 surrogates. */
	C("\xed\xa0\x80", "\\xed\\xa0\\x80");
	C("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	/* Beyond U+10FFFF, and bytes that never occur in UTF-8. */
	C("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	C("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	C("\xfe\xff", "\\xfe\\xff");
	/* Truncated at the end, and cut short by an ASCII byte. */
	C("ab\xe6\x97", "ab\\xe6\\x97");
	C("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	C("\xe6\x97x", "\\xe6\\x97x");
	/* An invalid lead must not swallow a valid sequence after it. */
	C("\xe6\xc3\xa9", "\\xe6\xc3\xa9");
	/* A NUL in the middle of a sequence. */
	C("\xe6\0\xa5", "\\xe6\\0\\xa5");
}

static void test_c_valid_utf8_kept(void **state)
{
	C("caf\xc3\xa9", "caf\xc3\xa9");
	C("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	C("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!");
	C("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
	C("\xef\xbf\xbd", "\xef\xbf\xbd");
}

static void test_json_simple(void **state)
{
	J("", "");
	J("plain text", "plain text");
	J("\"q\" \\ /", "\\\"q\\\" \\\\ /");
	J("\n\t\r\b\f", "\\n\\t\\r\\b\\f");
	J("\a\v\x01\x1f", "\\u0007\\u000b\\u0001\\u001f");
	J("a\0b", "a\\u0000b");
	J("\x7f", "\\u007f");
	J("\x1b[2J", "\\u001b[2J");
	J("\x1b]0;title\x07", "\\u001b]0;title\\u0007");
	J("'", "'");
}

static void test_json_utf8(void **state)
{
	J("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	/*
	 * C1 controls and bidi overrides are valid UTF-8, but a terminal acts
	 * on them when the JSON is printed: escaped, same text once decoded.
	 */
	J("\xc2\x9b", "\\u009b");
	J("\xc2\x85x\xc2\xa0", "\\u0085x\xc2\xa0");
	J("\xe2\x80\xae", "\\u202e");
	J("a\xe2\x81\xa6"
	  "b\xe2\x81\xa9",
	  "a\\u2066b\\u2069");
	/* Invalid bytes become \u00XX of the byte. */
	J("\x80", "\\u0080");
	J("\xc0\xaf", "\\u00c0\\u00af");
	J("\xed\xa0\x80", "\\u00ed\\u00a0\\u0080");
	J("\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080");
	J("ok\xe6\x97", "ok\\u00e6\\u0097");
	J("\xff", "\\u00ff");
}

/* Is [s, s + n) valid UTF-8? A separate, simple implementation for the fuzz check. */
static int valid_utf8(const unsigned char *s, size_t n, int reject_dangerous)
{
	size_t i = 0, len, k;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			len = 2, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000))
			return 0;
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (reject_dangerous &&
		    ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
		     (cp >= 0x2066 && cp <= 0x2069)))
			return 0;
		i += len;
	}
	return 1;
}

static void test_fuzz_output_is_safe(void **state)
{
	/* Bytes biased towards the interesting ones: controls, leads, continuations. */
	static const unsigned char pick[] = { 0x00, 0x07, 0x0a, 0x1b, 0x22, 0x5c, 0x7f,
					      0x80, 0x9b, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0,
					      0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
					      'a',  '[',  0x81, 0xa6, 0xae, 0x8f, 0x90 };
	unsigned char in[24];
	struct wm_buf b = {};
	unsigned int seed = 12345;
	size_t n, i;
	int round, which;

	for (round = 0; round < 20000; round++) {
		n = rand_r(&seed) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = rand_r(&seed) % 2 ? pick[rand_r(&seed) % sizeof(pick)] :
						    rand_r(&seed) & 0xff;
		for (which = 0; which < 2; which++) {
			buf__reset(&b);
			(which ? esc__json : esc__c)(&b, (const char *)in, n);
			assert_int_equal(b.err, 0);
			if (!b.len)
				continue;
			assert_int_equal(strlen(b.p), b.len);
			for (i = 0; i < b.len; i++)
				if ((unsigned char)b.p[i] < 0x20 || b.p[i] == 0x7f)
					fail_msg("control byte 0x%02x in output", b.p[i]);
			if (!valid_utf8((unsigned char *)b.p, b.len, 1))
				fail_msg("unsafe UTF-8 in output \"%s\"", b.p);
			/* Quotes are always escaped: the output cannot end a string early. */
			for (i = 0; i < b.len; i++) {
				if (b.p[i] == '\\')
					i++;
				else if (b.p[i] == '"')
					fail_msg("raw quote in \"%s\"", b.p);
			}
		}
	}
	buf__free(&b);
}

/* Every JSON escape of tricky bytes, valid or not, must parse as JSON. */
static void test_json_parses_in_python(void **state)
{
	static const char *const in[] = {
		"\x1b[2J",
		"\x1b]0;title\x07",
		"\x7f",
		"a\\b\"c",
		"\xc0\xaf",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\xc2\x9b",
		"\xe2\x80\xae",
		"caf\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80",
		"\xe6\x97",
		"\x01\x02\n\r\t\b\f",
		"\x80\xbf\xfe\xff",
	};
	struct wm_buf b = {};
	size_t i;
	FILE *p;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf__putc(&b, '"');
		esc__json(&b, in[i], strlen(in[i]));
		buf__puts(&b, "\"\n");
	}
	assert_int_equal(b.err, 0);
	p = popen("python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin.buffer]'", "w");
	assert_non_null(p);
	assert_int_equal(fwrite(b.p, 1, b.len, p), b.len);
	assert_int_equal(pclose(p), 0);
	buf__free(&b);
}

static void test_json_roundtrip_valid(void **state)
{
	static const char *const in[] = {
		"\x1b[2J",	    "a\\b\"c",
		"caf\xc3\xa9",	    "\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80", "\x01\x02\n\r\t\b\f\x7f",
		"\xe2\x80\xae",
	};
	char path[] = "/tmp/wm_test_escapeXXXXXX";
	struct wm_buf b = {}, cmd = {};
	char out[4096];
	size_t i, n, off = 0;
	FILE *f, *p;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf__reset(&b);
		buf__putc(&b, '"');
		esc__json(&b, in[i], strlen(in[i]));
		buf__puts(&b, "\"\n");
		fwrite(b.p, 1, b.len, f);
	}
	fclose(f);
	buf__printf(&cmd,
		    "python3 -c 'import json,sys\n"
		    "for l in open(sys.argv[1], \"rb\"):\n"
		    "  sys.stdout.buffer.write(json.loads(l).encode() + b\"\\0\")' %s",
		    path);
	p = popen(cmd.p, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out), p);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_true(off + strlen(in[i]) < n);
		assert_memory_equal(out + off, in[i], strlen(in[i]));
		assert_int_equal(out[off + strlen(in[i])], '\0');
		off += strlen(in[i]) + 1;
	}
	assert_int_equal(off, n);
	buf__free(&b);
	buf__free(&cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_sticky_error),
		cmocka_unit_test(test_c_plain_and_simple),
		cmocka_unit_test(test_c_terminal_sequences),
		cmocka_unit_test(test_escape_in_every_word_position),
		cmocka_unit_test(test_c_invalid_utf8),
		cmocka_unit_test(test_c_valid_utf8_kept),
		cmocka_unit_test(test_json_simple),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_fuzz_output_is_safe),
		cmocka_unit_test(test_json_parses_in_python),
		cmocka_unit_test(test_json_roundtrip_valid),
		cmocka_unit_test(test_text_for_messages),
		cmocka_unit_test(test_text_cut_and_msg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
