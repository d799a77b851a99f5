#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Python start-up: `pystart.py [--out build] [--rounds 10] [--tracer BIN ...]
[PYTHON...]` (default: /usr/bin/python3 and every pyenv CPython 3.10+ found).

A target makes 2,000 code objects (functions defined by exec, each called in
a loop, with __main__.hit called after every 100 of them), and wrapmon-trace
is started on it with `-f __main__.hit`: the time from the tracer's start to
its "tracing ..." line, and to the FIRST RECORD it prints. Several --tracer
binaries alternate round by round, so that a shared machine's drift falls on
all alike. Beside them, bpftrace on the USDT probe function__entry where the
interpreter has one (Debian's 3.11): it fires only with line tracing on, so
that target runs under a no-op sys.settrace(), which slows every call.
Reports median and range; never passes or fails."""
import argparse
import glob
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FUNCS = 2000
TARGET = r"""
import sys, time
src = "".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(%d))
ns = {}
exec(compile(src, "<bench>", "exec"), ns)
fs = [ns[f"f{i}"] for i in range(%d)]
def hit(a):
    return a
if len(sys.argv) > 1:
    def tracer(frame, event, arg):
        return tracer
    sys.settrace(tracer)
n = 0
for f in fs:
    f(n)
print("ready", flush=True)
while True:
    for i, f in enumerate(fs):
        f(n)
        if i %% 100 == 0:
            hit(n)
    n += 1
    time.sleep(0.0005)
""" % (FUNCS, FUNCS)

# Debian's python3.11 marks calls with USDT probes (function__entry: file, name, line).
BT_SCRIPT = 'usdt:%s:python:function__entry /str(arg1) == "hit"/ { printf("hit\\n"); }'


def interpreters():
    """/usr/bin/python3, then pyenv's CPython 3.10+ (`pyenv root`, else ~/.pyenv)."""
    found = ["/usr/bin/python3"] if os.path.exists("/usr/bin/python3") else []
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        root = os.path.expanduser("~/.pyenv")
    for exe in sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3.*"))):
        m = re.search(r"python3\.(\d+)$", exe)
        if m and int(m.group(1)) >= 10:
            found.append(exe)
    return found


def wait_lines(p, want, timeout):
    """Reads p's stdout and stderr until want(out, err) holds: (time it did, out, err)."""
    bufs = {p.stdout.fileno(): b"", p.stderr.fileno(): b""}
    end = time.monotonic() + timeout
    while True:
        out, err = bufs[p.stdout.fileno()], bufs[p.stderr.fileno()]
        if want(out, err):
            return time.monotonic(), out, err
        left = end - time.monotonic()
        if left <= 0:
            return None, out, err
        ready, _, _ = select.select(list(bufs), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk and p.poll() is not None:
                return None, bufs[p.stdout.fileno()], bufs[p.stderr.fileno()]
            bufs[fd] += chunk


def start_target(python, script, settrace=False):
    t = subprocess.Popen([python, script] + (["settrace"] if settrace else []),
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    if not t.stdout.readline().startswith("ready"):
        t.kill()
        t.wait()
        raise RuntimeError(f"{python} did not start")
    return t


def stop(p):
    if p.poll() is None:
        p.send_signal(2)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cpu_ms(pid):
    """CPU time of every thread of pid so far (schedstat: ns on a CPU)."""
    total = 0
    for st in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(st) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e6


def one(cmd, python, script, ready, first, settrace=False):
    """ms from the tracer's start to its ready line and to its first record, and the
    tracer's CPU time to that record."""
    t = start_target(python, script, settrace)
    tr = None
    try:
        load = os.getloadavg()[0]
        t0 = time.monotonic()
        tr = subprocess.Popen([c.replace("PID", str(t.pid)) for c in cmd],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t_ready, out, err = wait_lines(tr, lambda o, e: ready in o + e, 30)
        t_first, out, err = wait_lines(tr, lambda o, e: first.search(o), 10)
        if t_first is None:
            raise RuntimeError(f"no record: {(out + err)[-300:]!r}")
        cpu = cpu_ms(tr.pid)
        return ((t_ready - t0) * 1e3 if t_ready else None, (t_first - t0) * 1e3, cpu, load)
    finally:
        if tr:
            stop(tr)
        t.kill()
        t.wait()


def fmt(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return f"{'-':>22}"
    return f"{statistics.median(xs):7.1f} ({min(xs):5.1f}-{max(xs):5.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--tracer", action="append",
                    help="wrapmon-trace binaries to compare (default OUT/wrapmon-trace)")
    ap.add_argument("--no-bpftrace", action="store_true")
    ap.add_argument("python", nargs="*")
    a = ap.parse_args()
    tracers = [os.path.abspath(t) for t in a.tracer or [os.path.join(a.out, "wrapmon-trace")]]
    pythons = a.python or interpreters()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as s:
        s.write(TARGET)
    record = re.compile(rb"\n\S+ +\d+ __main__\.hit\(|^hit$", re.M)
    print(f"Start-up on a Python process with {FUNCS} code objects, -f __main__.hit, "
          f"{a.rounds} rounds: ms to the 'tracing' line / to the first record, "
          "median (min-max)")
    print(f"{'interpreter':44} {'tracer':24} {'tracing':>22} {'first record':>22} "
          f"{'CPU to first':>22}  load")
    try:
        for py in pythons:
            res = {t: ([], [], [], []) for t in tracers}
            for r in range(a.rounds):
                for t in tracers:
                    try:
                        got = one([t, "-p", "PID", "-f", "__main__.hit"], py,
                                                 s.name, b"Ctrl-C to end", record)
                    except Exception as e:
                        print(f"{py}: {t}: round {r + 1}: {e}", file=sys.stderr)
                        continue
                    for lst, v in zip(res[t], got):
                        lst.append(v)
            for t in tracers:
                ready, first, cpu, load = res[t]
                name = t if len(tracers) > 1 else "wrapmon-trace"
                name = name if len(name) <= 24 else "..." + name[-21:]
                print(f"{py:44} {name:24} {fmt(ready)} {fmt(first)} {fmt(cpu)}  "
                      f"{statistics.median(load) if load else 0:.1f}", flush=True)
            bpftrace_row(py, s.name, a, record)
    finally:
        os.unlink(s.name)


def bpftrace_row(py, script, a, record):
    """bpftrace's USDT function__entry, where the interpreter has the probe."""
    real = os.path.realpath(py)
    if a.no_bpftrace or not shutil.which("bpftrace"):
        return
    notes = subprocess.run(["readelf", "-n", real], capture_output=True, text=True).stdout
    if "function__entry" not in notes:
        return
    ready, first, cpu = [], [], []
    for r in range(a.rounds):
        try:
            rd, fr, c, _ = one(["bpftrace", "-p", "PID", "-e", BT_SCRIPT % real], py, script,
                            b"Attaching", record, settrace=True)
        except Exception as e:
            print(f"{py}: bpftrace: round {r + 1}: {e}", file=sys.stderr)
            continue
        ready.append(rd)
        first.append(fr)
        cpu.append(c)
    print(f"{py:44} {'bpftrace USDT, settrace':24} {fmt(ready)} {fmt(first)} {fmt(cpu)}",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
