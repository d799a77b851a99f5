# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyburst.py LOG N`, prints "ready PID", and
at each line on stdin: first one call tick(0), then N calls tick(1..N), then
exits. The log: "first" after the first call, "burst N" after the others."""
import os
import sys


def tick(i):
    return i


LOG = open(sys.argv[1], "w")
N = int(sys.argv[2])

print("ready", os.getpid(), flush=True)
sys.stdin.readline()
tick(0)
LOG.write("first\n")
LOG.flush()
sys.stdin.readline()
for i in range(1, N + 1):
    tick(i)
LOG.write(f"burst {N}\n")
LOG.flush()
sys.stdin.readline()
