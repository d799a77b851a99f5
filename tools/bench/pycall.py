#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Per-call cost of tracing Python functions: `pycall.py [--out build] [--calls N]
[--rounds R] [--compare DIR] [PYTHON...]` (default: /usr/bin/python3).

A target times N calls of `def f(a, b): return a` itself, three times in a row
(the median is kept): with no tracer; with the floor (bench-pyfloor: an empty
program at each interpreter hook wrapmon-trace probes, what any tracer
hooked there pays); with wrapmon-trace tracing f; and with wrapmon-trace
tracing another function (so f is an untraced call in a traced process: every
Python call passes the probes). Prints ns per call and the extra over the
untraced run, by the wall clock and by the target thread's CPU time (which
leaves out the time others' work takes the CPU from it, on a busy machine). --rounds runs the whole set R times, interleaved, and keeps the
medians (a shared machine drifts); --compare adds the traced runs of another
build's wrapmon-trace, in the same rounds. Reports, never passes or fails."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

LOST = set()  # tracers that lost records in a run

TARGET = r"""
import sys, time
def f(a, b):
    return a
def g(a, b):
    return a
N = int(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(3):
    t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    for i in range(N):
        f(i, i)
    print((time.perf_counter_ns() - t0) / N, (time.thread_time_ns() - c0) / N, flush=True)
"""


def run(python, calls, cmd, target=TARGET):
    """The target's (wall, cpu) ns per call, medians of its three loops; cmd: the
    tracer to run beside it, or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as s:
        s.write(target)
    t = subprocess.Popen([python, s.name, str(calls)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    tr = None
    try:
        assert t.stdout.readline().startswith("ready")
        if cmd:
            out = tempfile.TemporaryFile()
            tr = subprocess.Popen([cmd[0], "-p", str(t.pid), *cmd[1:]],
                                  stdout=out, stderr=subprocess.PIPE)
            err = b""
            while b"Ctrl-C to end" not in err:
                line = tr.stderr.readline()
                if not line:
                    raise SystemExit(f"tracer did not start: {err.decode()}")
                err += line
        t.stdin.write("go\n")
        t.stdin.flush()
        per = [tuple(map(float, t.stdout.readline().split())) for _ in range(3)]
        t.wait(60)
        if tr:
            tr.send_signal(2)
            # Records lost (the consumer behind): that run did less work.
            if b" lost " in tr.communicate(timeout=20)[1]:
                LOST.add(cmd[0])
        return tuple(statistics.median(p[k] for p in per) for k in range(2))
    finally:
        if tr and tr.poll() is None:
            tr.send_signal(2)
            tr.wait(20)
        if t.poll() is None:
            t.kill()
        os.unlink(s.name)


def other_vs_traced(target, count, traced, unit):
    """main() of a bench whose TARGET times N of something three times, run
    untraced, with wrapmon-trace tracing __main__.other (every probe still
    passed), and tracing __main__.<traced> (a record each): pyyield.py
    (--yields, gen), pyfromc.py (--calls, key). ns per unit and the extra
    over untraced, by the wall clock and the target thread's CPU time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument(f"--{count}", type=int, default=50000, dest="n")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--compare", metavar="DIR",
                    help="another build directory whose wrapmon-trace runs beside")
    ap.add_argument("python", nargs="*", default=["/usr/bin/python3"])
    a = ap.parse_args()
    builds = [("", os.path.abspath(a.out))]
    if a.compare:
        builds.append((f" ({a.compare})", os.path.abspath(a.compare)))
    print(f"{'interpreter':48} {'':4} {'untraced':>10} {'other traced':>20} "
          f"{traced + ' traced':>20}")
    for py in a.python:
        runs = {}

        def take(key, cmd):
            runs.setdefault(key, []).append(run(py, a.n, cmd, target))

        for _ in range(a.rounds):
            take("base", None)
            for tag, d in builds:
                tracer = os.path.join(d, "wrapmon-trace")
                take(("other", tag), [tracer, "-f", "__main__.other"])
                take((traced, tag), [tracer, "-f", f"__main__.{traced}"])
        for k, clock in enumerate(("wall", "cpu")):
            med = {key: statistics.median(r[k] for r in v) for key, v in runs.items()}
            base = med["base"]
            for tag, _ in builds:
                to, tt = med[("other", tag)], med[(traced, tag)]
                print(f"{py + tag:48} {clock:4} {base:8.0f}ns {to:9.0f}ns (+{to - base:6.0f}) "
                      f"{tt:9.0f}ns (+{tt - base:6.0f})", flush=True)
    for t in sorted(LOST):
        print(f"note: {t} lost records in some runs (its consumer fell behind): those runs "
              f"did less work per {unit}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument("--calls", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--compare", metavar="DIR",
                    help="another build directory whose wrapmon-trace runs beside")
    ap.add_argument("--tracer-args", default="", help="more arguments for wrapmon-trace")
    ap.add_argument("python", nargs="*", default=["/usr/bin/python3"])
    a = ap.parse_args()
    builds = [("", os.path.abspath(a.out))]
    if a.compare:
        builds.append((f" ({a.compare})", os.path.abspath(a.compare)))
    floor = os.path.join(builds[0][1], "bench-pyfloor")
    extra = a.tracer_args.split()
    print(f"{'interpreter':40} {'':4} {'untraced':>10} {'floor':>18} {'traced f':>18} "
          f"{'f, g traced':>18}")
    for py in a.python:
        runs = {}

        def take(key, cmd):
            runs.setdefault(key, []).append(run(py, a.calls, cmd))

        for _ in range(a.rounds):
            take("base", None)
            take("floor", [floor])
            for tag, d in builds:
                tracer = os.path.join(d, "wrapmon-trace")
                take(("f", tag), [tracer, *extra, "-f", "__main__.f"])
                take(("g", tag), [tracer, *extra, "-f", "__main__.g"])
        for k, clock in enumerate(("wall", "cpu")):
            med = {key: statistics.median(r[k] for r in v) for key, v in runs.items()}
            base, fl = med["base"], med["floor"]
            for tag, _ in builds:
                tf, tg = med[("f", tag)], med[("g", tag)]
                print(f"{py + tag:40} {clock:4} {base:8.0f}ns {fl:8.0f}ns (+{fl - base:5.0f}) "
                      f"{tf:8.0f}ns (+{tf - base:5.0f}) {tg:8.0f}ns (+{tg - base:5.0f})",
                      flush=True)
    for t in sorted(LOST):
        print(f"note: {t} lost records in some runs (its consumer fell behind): those runs "
              "did less work per call")


if __name__ == "__main__":
    sys.exit(main())
