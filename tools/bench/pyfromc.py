#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Per-call cost of a Python call C enters: `pyfromc.py [--out build] [--calls N]
[--rounds R] [--compare DIR] [PYTHON...]` (default: /usr/bin/python3).

A target times `sorted(range(N), key=key)` itself, three times in a row (the
median is kept): with no tracer; with wrapmon-trace tracing another function
(every key call of the process still passes the exit hooks); and tracing key
(each call a record). Prints ns per key call and the extra over the untraced
run, by the wall clock and by the target thread's CPU time (which the kernel's
single-step of a probed instruction is charged to). Where the build clears
such frames inline (Debian's 3.11), their ends are probed in the eval loop: at
its ret, single-stepped (~19 us a call on the test VM), or before it at
branches the kernel emulates (-v says which). --rounds interleaves R sets and
keeps the medians; --compare adds another build's wrapmon-trace, in the same
rounds. Reports, never passes or fails."""
import sys

from pycall import other_vs_traced

TARGET = r"""
import sys, time
def key(x):
    return x
def other():
    return 0
N = int(sys.argv[1])
data = list(range(N))
print("ready", flush=True)
sys.stdin.readline()
for _ in range(3):
    t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    sorted(data, key=key)
    print((time.perf_counter_ns() - t0) / N, (time.thread_time_ns() - c0) / N, flush=True)
"""


def main():
    return other_vs_traced(TARGET, "calls", "key", "call")


if __name__ == "__main__":
    sys.exit(main())
