# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py's qualname test: `t_pyqual.py LOG`, prints "ready PID",
waits for a line on stdin, then calls functions whose qualname the compiler made
inside other functions (nested, a class in a function, a functools.wraps wrapper
and what it wraps), methods behind a decorator that keeps no __wrapped__, a
property and functools.lru_cache, and functions whose names are not ASCII
(Latin-1, UCS-2 and UCS-4), and logs each call it made, one line each: TID, then the call as the tracer
shows it (module.qualname, from the code object's own co_qualname where the
interpreter has one), parameters and result from Python's repr(). Then it
prints "done" and lives on until its stdin ends."""
import functools
import os
import sys
import threading

LOG = open(sys.argv[1], "w")


def shown(obj):
    """An instance as the tracer shows one without a repr it knows: by its type's own name."""
    return f"<{type(obj).__name__} object at {id(obj):#x}>"


def note(code, args, result):
    """code: the code object that ran (its qualname, as 3.11+ keeps it, is the name);
    args: (name, repr) in binding order."""
    qual = getattr(code, "co_qualname", None) or QUALNAMES[code]
    text = ", ".join(f"{k}={v}" for k, v in args)
    LOG.write(f"{threading.get_native_id()} __main__.{qual}({text}) = {result!r}\n")


def deco(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@deco
def decorated(x):
    return x * 3


def plain(fn):
    """A decorator that keeps no __wrapped__: the function is in its wrapper's closure."""
    def wrapper(*args):
        return fn(*args)
    return wrapper


class Shop:
    @plain
    def buy(self, n):
        return n + 1

    @property
    def price(self):
        return 7

    @functools.lru_cache(maxsize=None)
    def cached(self, n):
        return n * 5


def outer(x):
    def inner(y):
        return x + y
    return inner(1), inner.__code__


def factory():
    class Local:
        def method(self, v):
            return v - 1
    return Local


def café(s):
    return s + "!"


def 挨拶(who):
    def 内側(n):
        return n * 2
    return 内側(len(who)), 内側.__code__


class Größe:
    def maß(self, n):
        return n + 0.5

    def 𠀋(self, n):
        return n * 4


# 3.10's code objects have no co_qualname: what the compiler named them, to compare with.
QUALNAMES = {}


def main():
    print("ready", os.getpid(), flush=True)
    sys.stdin.readline()
    QUALNAMES[decorated.__wrapped__.__code__] = "decorated"
    QUALNAMES[decorated.__code__] = "deco.<locals>.wrapper"
    r = decorated(2)
    note(decorated.__code__, [("*args", "(2,)"), ("**kwargs", "{}")], r)
    note(decorated.__wrapped__.__code__, [("x", "2")], r)
    (r, code) = outer(41)
    QUALNAMES[code] = "outer.<locals>.inner"
    note(code, [("y", "1")], r)
    Local = factory()
    obj = Local()
    QUALNAMES[Local.method.__code__] = "factory.<locals>.Local.method"
    r = obj.method(5)
    note(Local.method.__code__, [("self", shown(obj)), ("v", "5")], r)
    QUALNAMES[café.__code__] = "café"
    r = café("olé")
    note(café.__code__, [("s", repr("olé"))], r)
    (r, code) = 挨拶("世界")
    QUALNAMES[code] = "挨拶.<locals>.内側"
    note(code, [("n", "2")], r)
    s = Shop()
    wrapper_code = Shop.buy.__code__
    buy_code = Shop.buy.__closure__[0].cell_contents.__code__
    QUALNAMES[wrapper_code] = "plain.<locals>.wrapper"
    QUALNAMES[buy_code] = "Shop.buy"
    r = s.buy(3)
    note(wrapper_code, [("*args", f"({shown(s)}, 3)")], r)
    note(buy_code, [("self", shown(s)), ("n", "3")], r)
    price_code = Shop.price.fget.__code__
    QUALNAMES[price_code] = "Shop.price"
    r = s.price
    note(price_code, [("self", shown(s))], r)
    cached_code = Shop.cached.__wrapped__.__code__
    QUALNAMES[cached_code] = "Shop.cached"
    r = s.cached(2)
    note(cached_code, [("self", shown(s)), ("n", "2")], r)
    g = Größe()
    QUALNAMES[Größe.maß.__code__] = "Größe.maß"
    r = g.maß(1)
    note(Größe.maß.__code__, [("self", shown(g)), ("n", "1")], r)
    # A qualname past U+FFFF: a UCS-4 str.
    QUALNAMES[Größe.𠀋.__code__] = "Größe.𠀋"
    r = g.𠀋(2)
    note(Größe.𠀋.__code__, [("self", shown(g)), ("n", "2")], r)
    LOG.close()
    # 3.10's names are read from this process when the tracer meets each
    # code object: it must still be here then. Gone at stdin's end.
    print("done", flush=True)
    sys.stdin.read()


main()
