# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyloop.py LOG SECONDS [K]`, after "go" one
loop for SECONDS: K os.getppid() (0 unless given), then step(i), i counting
from 0. The log: the thread and how many calls of step() it made, "TID N"."""
import os
import sys
import threading
import time


def step(i):
    return i + 1


LOG = open(sys.argv[1], "w")
SECONDS = float(sys.argv[2])
K = int(sys.argv[3]) if len(sys.argv) > 3 else 0

print("ready", os.getpid(), flush=True)
sys.stdin.readline()
tid = threading.get_native_id()
getppid = os.getppid
n = 0
end = time.monotonic() + SECONDS
while time.monotonic() < end:
    for _ in range(100):
        for _ in range(K):
            getppid()
        step(n)
        n += 1
LOG.write(f"{tid} {n}\n")
LOG.flush()
sys.stdin.read()
# Records of the last calls are read while the process is still there.
time.sleep(0.3)
