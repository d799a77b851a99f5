# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyburst.py LOG N`, prints "ready PID",
then at each line on stdin: one call tick(0) (logs "first"); a call of
slow(N), which logs "in slow", waits for the next line, then calls
tick(1..N) and returns (logs "burst N"); the end at the last line."""
import os
import sys


def tick(i):
    return i


def slow(n):
    LOG.write("in slow\n")
    LOG.flush()
    sys.stdin.readline()
    for i in range(1, n + 1):
        tick(i)
    return n


LOG = open(sys.argv[1], "w")
N = int(sys.argv[2])

print("ready", os.getpid(), flush=True)
sys.stdin.readline()
tick(0)
LOG.write("first\n")
LOG.flush()
sys.stdin.readline()
slow(N)
LOG.write(f"burst {N}\n")
LOG.flush()
sys.stdin.readline()
