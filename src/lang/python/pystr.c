// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "lang/python/pystr.h"
#include "target/procmem.h"
#include "wrapmon_py.h"

/* PyASCIIObject.state's bits: kind (1, 2, 4 bytes a character), compact, ascii. */
#define STATE_KIND(s) (((s) >> 2) & 7)
#define STATE_COMPACT (1u << 5)
#define STATE_ASCII   (1u << 6)
/* Bytes of the header read: up to the end of the later of length and state. */
#define HDR_END(off)                                                                    \
	((size_t)((off)->str_state + 4 > (off)->str_length + 8 ? (off)->str_state + 4 : \
								 (off)->str_length + 8))

int pystr__utf8(int kind, const void *data, size_t n, char *out, size_t size)
{
	const unsigned char *p = data;
	size_t o = 0;

	if (!size)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (kind != 1 && kind != 2 && kind != 4)
		return -EINVAL;
	for (size_t i = 0; i + kind <= n; i += kind) {
		__u32 c = 0;
		size_t w;

		/* Stored in the machine's order, as CPython keeps them (x86_64: little-endian). */
		memcpy(&c, p + i, kind);
		if (c > 0x10ffff) {
			out[0] = '\0';
			return -EILSEQ;
		}
		w = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (o + w >= size) {
			out[o] = '\0';
			return -ENAMETOOLONG;
		}
		if (w == 1) {
			out[o++] = c;
		} else if (w == 2) {
			out[o++] = 0xc0 | c >> 6;
			out[o++] = 0x80 | (c & 0x3f);
		} else if (w == 3) {
			/* A lone surrogate (a str may hold one) is written as its code point is. */
			out[o++] = 0xe0 | c >> 12;
			out[o++] = 0x80 | ((c >> 6) & 0x3f);
			out[o++] = 0x80 | (c & 0x3f);
		} else {
			out[o++] = 0xf0 | c >> 18;
			out[o++] = 0x80 | ((c >> 12) & 0x3f);
			out[o++] = 0x80 | ((c >> 6) & 0x3f);
			out[o++] = 0x80 | (c & 0x3f);
		}
	}
	out[o] = '\0';
	return (int)o;
}

/* From the header's bytes: the width of a character, how many, and where they start. */
static int parse_header(const struct wm_py_offsets *off, const unsigned char *hdr, int *kind,
			__s64 *len, size_t *data)
{
	__u32 state;

	memcpy(&state, hdr + off->str_state, sizeof(state));
	memcpy(len, hdr + off->str_length, sizeof(*len));
	*kind = STATE_KIND(state);
	/* A legacy (not compact) str keeps its characters elsewhere: none is a name. */
	if (!(state & STATE_COMPACT) || (*kind != 1 && *kind != 2 && *kind != 4) ||
	    ((state & STATE_ASCII) && *kind != 1) || *len < 0 || *len > (1LL << 40))
		return -EINVAL;
	*data = state & STATE_ASCII ? off->str_ascii : off->str_compact;
	return 0;
}

/* Characters worth reading into out: each takes a byte of it at least, and the NUL one. */
static size_t chars_for(__s64 len, size_t size)
{
	size_t n = (size_t)len;

	if (size && n > size - 1)
		n = size - 1;
	return n > PYSTR_CHARS_MAX ? PYSTR_CHARS_MAX : n;
}

int pystr__decode(const struct wm_py_offsets *off, const void *obj, size_t n, char *out,
		  size_t size)
{
	const unsigned char *p = obj;
	size_t data, chars;
	__s64 len;
	int kind, ret;

	if (size)
		out[0] = '\0';
	if (n < HDR_END(off) || parse_header(off, p, &kind, &len, &data))
		return n < HDR_END(off) ? -EFAULT : -EINVAL;
	if (data > n)
		return -EFAULT;
	chars = chars_for(len, size);
	if (chars > (n - data) / kind)
		chars = (n - data) / kind;
	ret = pystr__utf8(kind, p + data, chars * kind, out, size);
	return ret >= 0 && chars < (size_t)len ? -ENAMETOOLONG : ret;
}

int pystr__read(pid_t pid, const struct wm_py_offsets *off, __u64 addr, char *out, size_t size)
{
	unsigned char hdr[128], buf[PYSTR_CHARS_MAX * 4];
	size_t data, chars;
	__s64 len;
	int kind, ret;

	if (size)
		out[0] = '\0';
	if (HDR_END(off) > sizeof(hdr))
		return -EINVAL;
	if (!addr || procmem__read(pid, addr, hdr, HDR_END(off)))
		return -EFAULT;
	ret = parse_header(off, hdr, &kind, &len, &data);
	if (ret)
		return ret;
	chars = chars_for(len, size);
	if (chars && procmem__read(pid, addr + data, buf, chars * kind))
		return -EFAULT;
	ret = pystr__utf8(kind, buf, chars * kind, out, size);
	return ret >= 0 && chars < (size_t)len ? -ENAMETOOLONG : ret;
}
