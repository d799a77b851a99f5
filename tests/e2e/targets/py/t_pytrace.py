# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pytrace.py LOG`, like t_python.py, with the calls
made under sys.settrace and then under coverage-style sys.monitoring (3.12+),
which rewrite instructions to their instrumented forms: the results must not
change. Logs TID and the call as the tracer shows it."""
import os
import sys
import threading

LOG = open(sys.argv[1], "w")


def note(text):
    LOG.write(f"{threading.get_native_id()} {text}\n")


def f(a):
    return a * 2


def none():
    return None


def const():
    return "k"


def boom():
    raise KeyError("x")


def calls():
    f(1)
    note("__main__.f(a=1) = 2")
    none()
    note("__main__.none() = None")
    const()
    note("__main__.const() = 'k'")
    try:
        boom()
    except KeyError:
        note("__main__.boom() raised KeyError('x')")


def tracer(frame, event, arg):
    return tracer


print("ready", os.getpid(), flush=True)
sys.stdin.readline()
sys.settrace(tracer)
calls()
sys.settrace(None)
if hasattr(sys, "monitoring"):
    m = sys.monitoring
    m.use_tool_id(3, "cov")
    for ev, cb in ((m.events.LINE, lambda code, line: None),
                   (m.events.INSTRUCTION, lambda code, off: None),
                   (m.events.PY_START, lambda code, off: None),
                   (m.events.PY_RETURN, lambda code, off, v: None)):
        m.register_callback(3, ev, cb)
    m.set_events(3, m.events.LINE | m.events.INSTRUCTION | m.events.PY_START | m.events.PY_RETURN)
    calls()
    m.set_events(3, 0)
LOG.flush()
