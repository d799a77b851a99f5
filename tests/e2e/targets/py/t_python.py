# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_python.py LOG`, prints "ready PID", waits for a
line on stdin, then makes the calls below and logs each traced call it made,
one line each: TID, then the call as the tracer shows it, from Python's own
repr() of the arguments and of the result or the exception."""
import os
import re
import sys
import threading

LOG = open(sys.argv[1], "w")
LOCK = threading.Lock()


def note(name, args, end):
    """args: (name, value) in binding order; end: "= value", "raised exc" or "yielded v"."""
    text = ", ".join(f"{k}={v!r}" for k, v in args)
    with LOCK:
        LOG.write(f"{threading.get_native_id()} {name}({text}) {end}\n")


def kw(a, b=0, *rest, c, **opts):
    return a + b + c


class Greeter:
    def greet(self, who):
        return "hi " + who

    @staticmethod
    def shout(who):
        return who.upper()

    class Inner:
        def deep(self, x):
            return x * 2


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def boom(x):
    raise ValueError(f"bad {x}")


def key(v):
    return -v


def outer(x):
    def inner():
        return x + 1
    return inner()


def gen(n):
    for i in range(n):
        yield i
    return "end"


def thrower():
    try:
        yield 1
    except KeyError:
        yield 2
    yield 3


def searcher(cases):
    for pat, s in cases:
        r = re.search(pat, s)
        note("re.search", [("pattern", pat), ("string", s), ("flags", 0)], f"= {r!r}")


def main():
    print("ready", os.getpid(), flush=True)
    sys.stdin.readline()
    cases = [("a+", "caaat"), ("zz", "abc"), ("(b)(c)", "abcd"), ("é+", "caféé")]
    threads = [threading.Thread(target=searcher, args=(cases,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Keyword arguments, *args and **kwargs.
    r = kw(1, c=3)
    note("__main__.kw", [("a", 1), ("b", 0), ("c", 3), ("*rest", ()), ("**opts", {})], f"= {r!r}")
    r = kw(1, 2, 5, 6, c=3, d=4)
    note("__main__.kw", [("a", 1), ("b", 2), ("c", 3), ("*rest", (5, 6)), ("**opts", {"d": 4})],
         f"= {r!r}")
    g = Greeter()
    r = g.greet("bob")
    note("__main__.Greeter.greet", [("self", g), ("who", "bob")], f"= {r!r}")
    r = Greeter.shout("bob")
    note("__main__.Greeter.shout", [("who", "bob")], f"= {r!r}")
    i = Greeter.Inner()
    r = i.deep(2)
    note("__main__.Greeter.Inner.deep", [("self", i), ("x", 2)], f"= {r!r}")
    fact(4)
    for n, r in ((1, 1), (2, 2), (3, 6), (4, 24)):
        note("__main__.fact", [("n", n)], f"= {r!r}")
    try:
        boom(1)
    except ValueError as e:
        note("__main__.boom", [("x", 1)], f"raised {e!r}")
    # Reached from C: sorted calls the key function, and one that raises.
    sorted([3, 1, 2], key=key)
    for v in (3, 1, 2):
        note("__main__.key", [("v", v)], f"= {-v!r}")
    try:
        sorted([5], key=boom)
    except ValueError as e:
        note("__main__.boom", [("x", 5)], f"raised {e!r}")
    # A parameter a closure captures: a cell by the time the call starts.
    r = outer(41)
    note("__main__.outer", [("x", 41)], f"= {r!r}")
    # A generator: each resume to a yield or to its return is a call.
    for v in gen(2):
        note("__main__.gen", [("n", 2)], f"yielded {v!r}")
    note("__main__.gen", [("n", 2)], "= 'end'")
    # Resumed by throw(), which runs no RESUME: caught (and yields), then not.
    t = thrower()
    note("__main__.thrower", [], f"yielded {next(t)!r}")
    note("__main__.thrower", [], f"yielded {t.throw(KeyError('a'))!r}")
    try:
        t.throw(KeyError("b"))
    except KeyError as e:
        note("__main__.thrower", [], f"raised {e!r}")
    # Code made at run time: a new code object each time round.
    for i in range(5):
        ns = {"__name__": "gen"}
        exec(compile("def made(x):\n    return x * 2\n", "<made>", "exec"), ns)
        ns["made"](i)
        note("gen.made", [("x", i)], f"= {i * 2!r}")
    LOG.flush()
    # Alive until told (or stdin closed): 3.10's names are read from here.
    sys.stdin.readline()


main()
