# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pynest.py LOG MODE`, traced calls inside
traced calls (directly, through an untraced one, recursively), then calls
that never end: a thread blocked in one for good, and the main thread either
leaving the process inside one (MODE "exit": os._exit) or waiting in one
until stdin closes, after the tracer has ended (MODE "signal"). Logs each
traced call as "TID DEPTH CALL PARENT END": PARENT the traced call enclosing
it ("-" at depth 0), END its result or how it is left unfinished."""
import os
import sys
import threading

LOG = open(sys.argv[1], "w")
MODE = sys.argv[2]
EV = threading.Event()


def note(depth, call, parent, end):
    LOG.write(f"{threading.get_native_id()} {depth} {call} {parent} {end}\n")
    LOG.flush()


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def helper(n):
    return fact(n)


def top(n):
    return helper(n) + fact(2)


def wait_forever(k):
    note(1, f"__main__.wait_forever(k={k})", f"__main__.stuck(k={k - 1})", "thread_exit"
         if MODE == "exit" else "running")
    note(0, f"__main__.stuck(k={k - 1})", "-", "thread_exit" if MODE == "exit" else "running")
    STARTED.set()
    EV.wait()


def stuck(k):
    wait_forever(k + 1)


def leave(code):
    note(0, f"__main__.leave(code={code})", "-", "thread_exit")
    os._exit(code)


def block(k):
    note(0, f"__main__.block(k={k})", "-", "running")
    print("stuck", flush=True)
    sys.stdin.readline()
    EV.set()


STARTED = threading.Event()
print("ready", os.getpid(), flush=True)
sys.stdin.readline()
top(3)
for depth, call, parent, end in (
        (3, "__main__.fact(n=1)", "__main__.fact(n=2)", 1),
        (2, "__main__.fact(n=2)", "__main__.fact(n=3)", 2),
        (1, "__main__.fact(n=3)", "__main__.top(n=3)", 6),
        (2, "__main__.fact(n=1)", "__main__.fact(n=2)", 1),
        (1, "__main__.fact(n=2)", "__main__.top(n=3)", 2),
        (0, "__main__.top(n=3)", "-", 8)):
    note(depth, call, parent, end)
threading.Thread(target=stuck, args=(7,), daemon=True).start()
STARTED.wait()
if MODE == "exit":
    leave(0)
block(1)
