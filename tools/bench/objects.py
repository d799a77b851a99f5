#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Tracing objects rather than processes (-f /path/obj:NAME without -p): what
it costs. Run as root after `make all build/bench-hot build/bench-libhot
targets`:

  sudo python3 tools/bench/objects.py [--out build] [--calls N] [--rounds R]

1. Per call, for search() in a program (bench-hot) and in a shared library
   (libbench-hot.so, called by bench-libhot): not probed; probed and traced
   (objects mode: every process running it is); probed but not traced (the
   probe is on the file for every process, BPF keeps the calls of others:
   what an unrelated process pays, as with --follow).
2. Making the probes' links with 1 and with 50 processes running the binary,
   in objects mode and with -p (wrapmon-trace -v: "the probes in X ms").
3. Processes started after attach: whether each one's first call is traced.
Medians of the rounds; a report, never a pass or a fail.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import time


def start(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("ready "):
        raise SystemExit(f"{cmd[0]} did not start: {line!r}")
    return p


def run_target(cmd):
    """ns per call the target measured itself."""
    p = start(cmd)
    out, _ = p.communicate("go\n", timeout=120)
    return float(out.split()[0])


class Tracer:
    def __init__(self, tracer, args):
        self.p = subprocess.Popen([tracer, "-v", *args], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.err = ""
        end = time.time() + 60
        while "Ctrl-C to end" not in self.err:
            line = self.p.stderr.readline()
            if not line or time.time() > end:
                raise SystemExit(f"tracer not ready: {self.err}")
            self.err += line

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        _, err = self.p.communicate(timeout=60)
        self.err += err
        return self.err


def per_call(a, tracer, b):
    rows = []
    for what, prog, obj, lib in (("program", "bench-hot", "bench-hot", False),
                                 ("shared library", "bench-libhot", "libbench-hot.so", True)):
        prog = os.path.join(b, prog)
        objpath = os.path.join(b, obj)
        cmd = [prog, str(a.calls)]
        wide = ["--system-wide"] if lib else []
        res = {"none": [], "traced": [], "untraced": []}
        for _ in range(a.rounds):
            res["none"].append(run_target(cmd))
            tr = Tracer(tracer, [*wide, "-f", objpath + ":search"])
            res["traced"].append(run_target(cmd))
            tr.stop()
            # Another process of the same program is the traced one; ours is not.
            other = start([prog, "1"])
            tr = Tracer(tracer, ["-p", str(other.pid), "--follow", "-f",
                                 (objpath if lib else "") + (":" if lib else "") + "search"])
            res["untraced"].append(run_target(cmd))
            tr.stop()
            other.kill()
            other.wait()
        med = {k: statistics.median(v) for k, v in res.items()}
        rows.append((what, med["none"], med["traced"], med["untraced"]))
    print("| search() in | not probed ns/call | traced ns/call | probed, not traced ns/call |")
    print("| --- | ---: | ---: | ---: |")
    for what, none, traced, untraced in rows:
        print(f"| {what} | {none:.1f} | {traced:.1f} (+{traced - none:.0f}) | "
              f"{untraced:.1f} (+{untraced - none:.0f}) |")


def probes_ms(tracer, args):
    tr = Tracer(tracer, args)
    err = tr.stop()
    return float(re.search(r"the probes in ([\d.]+) ms", err).group(1))


def attach(a, tracer, b):
    prog = os.path.join(b, "bench-hot")
    print("\n| processes running it | objects mode: probes ms | -p: probes ms |")
    print("| ---: | ---: | ---: |")
    for n in (1, 50):
        ps = [start([prog, "1"]) for _ in range(n)]
        try:
            pids = ",".join(str(p.pid) for p in ps)
            obj = [probes_ms(tracer, ["-f", prog + ":search"]) for _ in range(a.rounds)]
            byp = [probes_ms(tracer, ["-p", pids, "-f", "search"]) for _ in range(a.rounds)]
            print(f"| {n} | {statistics.median(obj):.2f} | {statistics.median(byp):.2f} |")
        finally:
            for p in ps:
                p.kill()
                p.wait()


def first_calls(a, tracer, b):
    prog = os.path.join(b, "bench-hot")
    n = 20
    p = subprocess.Popen([tracer, "-f", prog + ":search"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = ""
    while "Ctrl-C to end" not in err:
        line = p.stderr.readline()
        if not line:
            raise SystemExit("tracer not ready")
        err += line
    pids = []
    for _ in range(n):
        t = start([prog, "1"])
        pids.append(t.pid)
        t.communicate("go\n", timeout=60)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    seen = {int(m.group(1)) for m in re.finditer(r"^\S+ (\d+) \S+ \d+ search\(", out, re.M)}
    print(f"\nprocesses started after attach, each making 1 call: {len(seen & set(pids))} "
          f"of {n} first calls traced")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="build")
    ap.add_argument("--calls", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    b = os.path.abspath(a.out)
    tracer = os.path.join(b, "wrapmon-trace")
    per_call(a, tracer, b)
    attach(a, tracer, b)
    first_calls(a, tracer, b)


if __name__ == "__main__":
    main()
