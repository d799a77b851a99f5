# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pymany.py LOG N`, N distinct functions
(many_0 .. many_{N-1}, made by exec so each has its own code object), each
called once with x=i after "go"; one line "TID __main__.many_I(x=I) = R" a
call, as the tracer shows it."""
import os
import sys
import threading
import time

LOG = open(sys.argv[1], "w")
N = int(sys.argv[2])

for i in range(N):
    exec(f"def many_{i}(x):\n    return x * 2 + {i % 7}\n")
funcs = [globals()[f"many_{i}"] for i in range(N)]

print("ready", os.getpid(), flush=True)
sys.stdin.readline()
tid = threading.get_native_id()
for i, f in enumerate(funcs):
    r = f(i)
    LOG.write(f"{tid} __main__.many_{i}(x={i}) = {r}\n")
LOG.flush()
sys.stdin.read()
# Records of the last calls are read while the process is still there.
time.sleep(0.3)
