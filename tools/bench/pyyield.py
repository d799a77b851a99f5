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
import argparse
import os
import statistics
import sys

from pycall import LOST, run

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
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument("--yields", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--compare", metavar="DIR",
                    help="another build directory whose wrapmon-trace runs beside")
    ap.add_argument("python", nargs="*", default=["/usr/bin/python3"])
    a = ap.parse_args()
    builds = [("", os.path.abspath(a.out))]
    if a.compare:
        builds.append((f" ({a.compare})", os.path.abspath(a.compare)))
    print(f"{'interpreter':48} {'':4} {'untraced':>10} {'other traced':>20} "
          f"{'gen traced':>20}")
    for py in a.python:
        runs = {}

        def take(key, cmd):
            runs.setdefault(key, []).append(run(py, a.yields, cmd, TARGET))

        for _ in range(a.rounds):
            take("base", None)
            for tag, d in builds:
                tracer = os.path.join(d, "wrapmon-trace")
                take(("other", tag), [tracer, "-f", "__main__.other"])
                take(("gen", tag), [tracer, "-f", "__main__.gen"])
        for k, clock in enumerate(("wall", "cpu")):
            med = {key: statistics.median(r[k] for r in v) for key, v in runs.items()}
            base = med["base"]
            for tag, _ in builds:
                to, tg = med[("other", tag)], med[("gen", tag)]
                print(f"{py + tag:48} {clock:4} {base:8.0f}ns {to:9.0f}ns (+{to - base:6.0f}) "
                      f"{tg:9.0f}ns (+{tg - base:6.0f})", flush=True)
    for t in sorted(LOST):
        print(f"note: {t} lost records in some runs (its consumer fell behind): those runs "
              "did less work per item")


if __name__ == "__main__":
    sys.exit(main())
