# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyfromc.py LOG`, prints "ready PID", waits for
a line on stdin, then makes Python calls that C code enters (where Debian's
3.11 clears their frames inline, in the C caller): sort keys (one nesting
another sort), map callbacks, a class's __init__ through the type call, a
generator made by map() and resumed by a for loop, one that raises on a
resume, a key that raises. Plainly, then under sys.settrace. Logs each call
as the tracer shows it, TID first: "__main__.key(x=3) = -3"."""
import sys
import threading

LOG = open(sys.argv[1], "w")
TID = threading.get_native_id()


def note(text):
    LOG.write(f"{TID} __main__.{text}\n")


def key(x):
    return -x


def outer_key(x):
    # A sort inside a sort key: C-entered calls nested, at other stack depths.
    return sorted([x, x + 1], key=key)[0]


def twice(x):
    return x * 2


def picky(x):
    if x == 2:
        raise ValueError("two")
    return x


class Point:
    def __init__(self, x):
        self.x = x


def countdown(start):
    i = start
    while i:
        yield i
        i -= 1
    return "liftoff"


def bad_gen(tag):
    yield tag
    raise KeyError(tag)


def tracer(frame, event, arg):
    return tracer


def run(phase):
    for x in sorted(range(20), key=key):
        note(f"key(x={x}) = {-x}")
    for x in sorted(range(3), key=outer_key):
        for y in (x, x + 1):
            note(f"key(x={y}) = {-y}")
        note(f"outer_key(x={x}) = {x + 1}")
    for x, y in zip(range(4), map(twice, range(4))):
        note(f"twice(x={x}) = {y}")
    try:
        sorted([1, 2, 3], key=picky)
    except ValueError:
        note("picky(x=1) = 1")
        note("picky(x=2) raised ValueError")
    for x in range(3):
        Point(x)
        note(f"Point.__init__(self=<Point object>, x={x}) = None")
    # countdown's first call runs from map(), in C, and ends in RETURN_GENERATOR:
    # it makes the generator, no call of its own.
    for g, start in zip(map(countdown, [2, 3]), [2, 3]):
        for v in g:
            note(f"countdown(start={start}) yielded {v}")
        note(f"countdown(start={start}) = 'liftoff'")
    g = bad_gen(phase)
    try:
        for v in g:
            note(f"bad_gen(tag={phase!r}) yielded {v!r}")
    except KeyError:
        note(f"bad_gen(tag={phase!r}) raised KeyError")


print(f"ready {TID}", flush=True)
sys.stdin.readline()
run("plain")
sys.settrace(tracer)
run("settrace")
sys.settrace(None)
LOG.close()
