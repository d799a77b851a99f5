#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Per-yield cost of wrapmon-trace's yield hook: `pyyield.py [--out build]
[--yields N] [--rounds R] [--compare DIR] [PYTHON...]` (default: /usr/bin/python3).

A target times a loop over a generator of N items (`for x in gen(N)`) itself,
three times in a row (the median is kept): with no tracer; with wrapmon-trace
tracing another function (every yield of the process still passes the yield
hook); and tracing the generator (each resume a record). Prints ns per item
and the extra over the untraced run, by the wall clock and by the target
thread's CPU time (which the kernel's single-step of a probed instruction is
charged to). --rounds interleaves R sets and keeps the medians; --compare adds
another build's wrapmon-trace, in the same rounds. A yield hook the kernel
single-steps shows as ~17 us an item on the test VM, an emulated one ~1 us
(-v says which). Reports, never passes or fails."""
import sys

from pycall import other_vs_traced

TARGET = r"""
import sys, time
def gen(n):
    for i in range(n):
        yield i
def other():
    return 0
N = int(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(3):
    t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    for x in gen(N):
        pass
    print((time.perf_counter_ns() - t0) / N, (time.thread_time_ns() - c0) / N, flush=True)
"""


def main():
    return other_vs_traced(TARGET, "yields", "gen", "item")


if __name__ == "__main__":
    sys.exit(main())
