# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pygreenlet.py LOG`, two greenlets switching
inside traced Python functions (Debian's python3-greenlet): each switch moves
the C stack and the Python frames from one greenlet to the other while the
call that switched is still running. Logs TID and each call as the tracer
shows it, once it has returned."""
import os
import sys
import threading

import greenlet

LOG = open(sys.argv[1], "w")
MAIN = greenlet.getcurrent()


def note(text):
    LOG.write(f"{threading.get_native_id()} {text}\n")


def step(name, x):
    # Suspended here while the other greenlet runs its own step().
    y = MAIN.switch(x * 10)
    return y + 1


def run(name, x):
    for _ in range(3):
        y = step(name, x)
        note(f"__main__.step(name={name!r}, x={x}) = {y}")
        x = y
    return x * 2


print("ready", os.getpid(), flush=True)
sys.stdin.readline()
gs = {"a": greenlet.greenlet(run), "b": greenlet.greenlet(run)}
vals = {"a": gs["a"].switch("a", 1), "b": gs["b"].switch("b", 2)}
while not all(g.dead for g in gs.values()):
    for name, g in gs.items():
        if not g.dead:
            vals[name] = g.switch(vals[name] + 5)
            if g.dead:
                first = 1 if name == "a" else 2
                note(f"__main__.run(name={name!r}, x={first}) = {vals[name]}")
LOG.flush()
