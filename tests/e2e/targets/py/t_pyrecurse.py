# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pyrecurse.py LOG`, prints "ready PID", waits
for a line on stdin, then recurses until RecursionError, twice, then makes a
few calls of the same function that end normally. Logs each call of deep()
whose body ran, one line each: TID deep(n=N) raised RecursionError, or = N.
A line starting "eval-only " is the call that failed the interpreter's
recursion check before its body ran: 3.10 runs it as a call of its own."""
import sys
import threading

TID = threading.get_native_id()
reached = [-1]


def deep(n, left):
    # Nothing before the call that checks the recursion depth (a comparison
    # does): the deepest call is refused by the interpreter's own check.
    reached[0] = n
    return n if not left else deep(n + 1, left - 1)


print(f"ready {threading.get_native_id()}", flush=True)
sys.stdin.readline()
sys.setrecursionlimit(200)
lines = []
BIG = 1 << 30
for _ in range(2):
    try:
        deep(0, BIG)
    except RecursionError:
        pass
    for n in range(reached[0] + 1):
        lines.append(f"{TID} deep(n={n}, left={BIG - n}) raised RecursionError")
    top = reached[0] + 1
    lines.append(f"eval-only {TID} deep(n={top}, left={BIG - top}) raised RecursionError")
# Then normal ends: the exit hooks have not lost their place.
for stop in range(3):
    deep(0, stop)
    for n in range(stop + 1):
        lines.append(f"{TID} deep(n={n}, left={stop - n}) = {stop}")
with open(sys.argv[1], "w") as f:
    f.write("\n".join(lines) + "\n")
