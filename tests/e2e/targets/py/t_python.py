# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_python.py LOG`, prints "ready PID", waits for a
line on stdin, then makes the calls below and logs each traced call it made, one
line each: NAME TID ARGS OUTCOME, with ARGS as the tracer shows the parameters
(name=type, comma-separated) and OUTCOME "=TYPE" or "!EXCEPTION"."""
import os
import re
import sys
import threading

LOG = open(sys.argv[1], "w")
LOCK = threading.Lock()


def tname(v):
    t = type(v)
    return t.__name__ if t.__module__ in ("builtins", "__main__") else f"{t.__module__}.{t.__name__}"


def note(name, args, outcome):
    with LOCK:
        LOG.write(f"{name} {threading.get_native_id()} {args} {outcome}\n")


def kw(a, b=0, *rest, c, **opts):
    return a + b + c


class Greeter:
    def greet(self, who):
        return "hi " + who


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def boom(x):
    raise ValueError(f"bad {x}")


def key(v):
    return -v


def gen(n):
    for i in range(n):
        yield i
    return "end"


def searcher(cases):
    for pat, s in cases:
        r = re.search(pat, s)
        note("re.search", "pattern=str,string=str,flags=int", "=" + tname(r))


def main():
    print("ready", os.getpid(), flush=True)
    sys.stdin.readline()
    cases = [("a+", "caaat"), ("zz", "abc"), ("(b)(c)", "abcd")]
    threads = [threading.Thread(target=searcher, args=(cases,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Keyword arguments, *args and **kwargs.
    kw(1, c=3)
    note("__main__.kw", "a=int,b=int,c=int,*rest=tuple,**opts=dict", "=int")
    kw(1, 2, 5, 6, c=3, d=4)
    note("__main__.kw", "a=int,b=int,c=int,*rest=tuple,**opts=dict", "=int")
    Greeter().greet("bob")
    note("__main__.Greeter.greet", "self=Greeter,who=str", "=str")
    fact(4)
    for _ in range(4):
        note("__main__.fact", "n=int", "=int")
    try:
        boom(1)
    except ValueError:
        note("__main__.boom", "x=int", "!ValueError")
    # Reached from C: sorted calls the key function, and one that raises.
    sorted([3, 1, 2], key=key)
    for _ in range(3):
        note("__main__.key", "v=int", "=int")
    try:
        sorted([5], key=boom)
    except ValueError:
        note("__main__.boom", "x=int", "!ValueError")
    # A generator: each resume to a yield or to its return is a call.
    for _ in gen(2):
        note("__main__.gen", "n=int", "~int")
    note("__main__.gen", "n=int", "=str")
    # Code made at run time: a new code object each time round.
    for i in range(5):
        ns = {"__name__": "gen"}
        exec(compile("def made(x):\n    return x * 2\n", "<made>", "exec"), ns)
        ns["made"](i)
        note("gen.made", "x=int", "=int")
    LOG.flush()


main()
