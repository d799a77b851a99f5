#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Writes the seed records in tests/fuzz/corpus/record/ (struct wm_call, include/wrapmon.h)."""
import os
import struct

HDR = "<QQ6QQIIIHH7hBBHHIQ"
assert struct.calcsize(HDR) == 120
NONE, FAULT = -1, -2
d = os.path.join(os.path.dirname(__file__), "..", "corpus", "record")
os.makedirs(d, exist_ok=True)


def rec(name, func_id, kind, strs, trunc=0, depth=0, flags=0, args=(1, 2, 3, 4, 5, 6), ret=0):
    lens, data = [], b""
    for s in strs:
        if isinstance(s, bytes):
            lens.append(len(s))
            data += s
        else:
            lens.append(s)
    lens += [NONE] * (7 - len(lens))
    hdr = struct.pack(HDR, 1000, 0 if kind == 2 else 1234, *args, ret, func_id, 42, 43, kind,
                      len(data), *lens, trunc, depth, flags, 0, 0, 900 if depth else 0)
    with open(os.path.join(d, name), "wb") as f:
        f.write(hdr + data)


rec("call_strings", 0, 1, [b"pat", NONE, b"the \x1b[31m text", NONE, NONE, NONE, b"ret"])
rec("call_fault", 1, 1, [NONE, FAULT], trunc=2)
rec("call_raw", 2, 1, [], ret=0xffffffffffffffff)
rec("unfinished_exit", 0, 2, [b"a"], flags=1, depth=3)
rec("unfinished_abandoned", 1, 2, [NONE, b"\xff\xfe"], flags=2, depth=31)
rec("call_empty", 0, 1, [b"", NONE, b""], trunc=0x45)
rec("exec", 0, 3, [b"t_exec"])
