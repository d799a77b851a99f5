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
import argparse
import os
import statistics
import sys

from pycall import LOST, run

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
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument("--calls", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--compare", metavar="DIR",
                    help="another build directory whose wrapmon-trace runs beside")
    ap.add_argument("python", nargs="*", default=["/usr/bin/python3"])
    a = ap.parse_args()
    builds = [("", os.path.abspath(a.out))]
    if a.compare:
        builds.append((f" ({a.compare})", os.path.abspath(a.compare)))
    print(f"{'interpreter':48} {'':4} {'untraced':>10} {'other traced':>20} "
          f"{'key traced':>20}")
    for py in a.python:
        runs = {}

        def take(key, cmd):
            runs.setdefault(key, []).append(run(py, a.calls, cmd, TARGET))

        for _ in range(a.rounds):
            take("base", None)
            for tag, d in builds:
                tracer = os.path.join(d, "wrapmon-trace")
                take(("other", tag), [tracer, "-f", "__main__.other"])
                take(("key", tag), [tracer, "-f", "__main__.key"])
        for k, clock in enumerate(("wall", "cpu")):
            med = {key: statistics.median(r[k] for r in v) for key, v in runs.items()}
            base = med["base"]
            for tag, _ in builds:
                to, tk = med[("other", tag)], med[("key", tag)]
                print(f"{py + tag:48} {clock:4} {base:8.0f}ns {to:9.0f}ns (+{to - base:6.0f}) "
                      f"{tk:9.0f}ns (+{tk - base:6.0f})", flush=True)
    for t in sorted(LOST):
        print(f"note: {t} lost records in some runs (its consumer fell behind): those runs "
              "did less work per call")


if __name__ == "__main__":
    sys.exit(main())
