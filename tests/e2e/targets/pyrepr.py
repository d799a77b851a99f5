# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A CPython target: waits for its tracer, then calls repr() on a list of
known objects (each a C call of PyObject_Repr) and logs each result, one JSON
line per object: {"i": N, "repr": ..., "json": <the value as JSON>,
"native": <whether it is a JSON native>, "str": <str() of an exception>}.

    python3.X pyrepr.py LOG [ctypes]

With "ctypes", each repr() goes through the exported PyObject_Repr by ctypes:
an LTO build (Debian's python3.11) inlines it into the builtin repr().

Like the C targets: prints "ready PID", starts on "go" from stdin, writes LOG
at the end (writing it calls no repr()).
"""
import json
import os
import re
import sys


class Plain:
    pass


def objects():
    return [
        'caaat', '', "it's", 'say "hi"', 'both \' and "', 'a\nb\tc\r\x00\x7f\\',
        'caf\xe9', '\xa0\xad', '\u03a9mega', '\u202eevil', 'emoji \U0001f600 ok',
        '\udcff lone', '\x85\x9b', 'x' * 300, 'Ω' * 200,
        b'', b'\x00\x01ab\xff', b"it's", b'\n\t\\',
        0, 1, -1, 7, 2**30 - 1, 2**30, -2**31, 2**63 - 1, 2**64, 2**100, -2**100, 10**30,
        2**240, 2**300,
        0.0, -0.0, 1.0, 1.5, 0.1, -2.5e-7, 1e16, 1e-5, 1.2345678901234567, 123456789.0,
        1e300, float('inf'), float('-inf'), float('nan'), 5e-324, 1 / 3,
        True, False, None,
        (), (1,), (1, 'x'), (1, 2, 3, 4, 5), [], [1, 2, 3], ['a', b'b', None, True, 1.5],
        [[1, 2], (3,), {}], {}, {'a': 1}, {'a': 1, 'b': [2]}, {1: 'x', (2,): None},
        dict.fromkeys(range(10)),
        ValueError('bad header'), KeyError('k', 2), RuntimeError(), OSError(2, 'nope'),
        re.search('a+', 'caaat'), re.search(b'b+', b'abbbc'), re.search('x', 'y' * 80 + 'x'),
        re.search('.+', 'z' * 70), re.search('Ω+', 'aΩΩb'),
        re.compile('a+'), re.compile('a+', re.I | re.M), re.compile(b'x'), re.compile('(?x) a'),
        re.compile('a', re.ASCII),
        Plain(), object(), range(3),
    ]


def as_json(o):
    if o is None or isinstance(o, (bool, int, str)) and type(o) in (bool, int, str):
        return o
    if type(o) is float and o == o and o not in (float('inf'), float('-inf')):
        return o
    return None


def main():
    log = sys.argv[1]
    objs = objects()
    rep = repr
    if sys.argv[2:] == ['ctypes']:
        import ctypes
        api = ctypes.pythonapi.PyObject_Repr
        api.argtypes = [ctypes.py_object]
        api.restype = ctypes.py_object
        rep = api
    # Before the trace: KeyError's str() calls PyObject_Repr too.
    strs = [str(o) if isinstance(o, BaseException) else None for o in objs]
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.readline()
    reprs = [rep(o) for o in objs]
    with open(log, 'w') as f:
        for i, (o, r) in enumerate(zip(objs, reprs)):
            js = as_json(o)
            f.write(json.dumps({'i': i, 'repr': r, 'json': js,
                                'native': js is not None or o is None,
                                'str': strs[i]})
                    + '\n')


main()
