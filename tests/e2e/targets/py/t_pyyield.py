# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyyield.py LOG`, prints "ready PID", waits for a
line on stdin, then runs generators and a coroutine that yield values of many
kinds, three times: plainly ("plain"), with a sys.monitoring PY_YIELD callback
("monitor", 3.12+: INSTRUMENTED_YIELD_VALUE) and under sys.settrace ("settrace").
Logs each resume as the tracer shows it, TID first: "__main__.values(phase='plain')
yielded 1", the value from repr() of what the consumer received."""
import os
import sys
import threading

LOG = open(sys.argv[1], "w")
VALUES = [1, -7, 2**70, "a\tb", None, (1, "x"), [2.5], {"k": b"\x00"}, True, ""]


def note(text):
    LOG.write(f"{threading.get_native_id()} {text}\n")


def values(phase):
    for v in VALUES:
        yield v
    return "done"


def echo(phase):
    # What send() gives back comes out of the next yield.
    got = yield "first"
    while got is not None:
        got = yield got * 2


def inner(phase):
    yield "in1"
    yield "in2"
    return "inner-done"


def outer(phase):
    r = yield from inner(phase)
    yield r


class Ready:
    def __await__(self):
        return (yield "awaited")


async def co(phase):
    return await Ready()


def resume(name, phase, value):
    note(f"__main__.{name}(phase={phase!r}) yielded {value!r}")


def run(phase):
    g = values(phase)
    for v in g:
        resume("values", phase, v)
    note(f"__main__.values(phase={phase!r}) = 'done'")
    g = echo(phase)
    resume("echo", phase, next(g))
    for x in (21, "ab"):
        resume("echo", phase, g.send(x))
    try:
        g.send(None)
    except StopIteration:
        note(f"__main__.echo(phase={phase!r}) = None")
    for v in outer(phase):
        # inner's own yields go to outer, which yields them on.
        if v != "inner-done":
            resume("inner", phase, v)
        resume("outer", phase, v)
    note(f"__main__.inner(phase={phase!r}) = 'inner-done'")
    note(f"__main__.outer(phase={phase!r}) = None")
    c = co(phase)
    resume("co", phase, c.send(None))
    try:
        c.send(5)
    except StopIteration as e:
        note(f"__main__.co(phase={phase!r}) = {e.value!r}")


def tracer(frame, event, arg):
    return tracer


print("ready", os.getpid(), flush=True)
sys.stdin.readline()
run("plain")
if hasattr(sys, "monitoring"):
    m = sys.monitoring
    m.use_tool_id(3, "yields")
    m.register_callback(3, m.events.PY_YIELD, lambda code, off, v: None)
    m.set_events(3, m.events.PY_YIELD)
    run("monitor")
    m.set_events(3, 0)
    m.free_tool_id(3)
sys.settrace(tracer)
run("settrace")
sys.settrace(None)
LOG.flush()
