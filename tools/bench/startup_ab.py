#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Start-up of two or more wrapmon-trace builds, alternated round by round.

    startup_ab.py [--rounds N] NAME=BINARY[,fresh][,ARG...] ...

Each round runs every build in turn on one `bench-hot -i 100` target
(calling search() every ~100 us), twice:
  - `-p PID -f search`, streaming: wall time from exec to the first record
    in its output, then SIGINT after 0.3 s: wall time to exit, and peak RSS
    (VmHWM just before the SIGINT: wait4()'s ru_maxrss would be Python's,
    carried through the exec);
  - `-v -p PID -f search -d 0.01`: the CPU it used from exec to exit
    (wait4()), and the instructions verified (-v).
",fresh" deletes the cached kernel types (/run/wrapmon/core-*.btf) before
each of its runs: the first run after a boot. Medians and the spread are
printed per build; the load average of each round is logged. Run as root
after `make all build/bench-hot`.
"""
import argparse
import glob
import os
import re
import select
import signal
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "build"))
ap.add_argument("builds", nargs="+", help="NAME=BINARY[,fresh][,ARG...]")
a = ap.parse_args()


def drain(fd, until, want=None):
    """Read fd until the time `until` (or EOF); the time `want` first appeared, if given."""
    buf, seen = b"", None
    while time.monotonic() < until:
        r, _, _ = select.select([fd], [], [], 0.02)
        if not r:
            continue
        d = os.read(fd, 1 << 20)
        if not d:
            break
        if want is not None and seen is None:
            buf = (buf + d)[-4096:]
            if want in buf:
                seen = time.monotonic()
                return seen
    return seen


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def forget(fresh):
    if fresh:
        for f in glob.glob("/run/wrapmon/core-*.btf"):
            os.unlink(f)


def first_record(binary, extra, fresh, pid):
    forget(fresh)
    t0 = time.monotonic()
    tr = subprocess.Popen([binary, "-p", str(pid), "-f", "search", *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    fd = tr.stdout.fileno()
    seen = drain(fd, t0 + 10, b" search(")
    drain(fd, time.monotonic() + 0.3)
    rss = vm_hwm(tr.pid)
    t1 = time.monotonic()
    tr.send_signal(signal.SIGINT)
    drain(fd, t1 + 30)
    os.wait4(tr.pid, 0)
    return {"first_ms": (seen - t0) * 1e3 if seen else None,
            "exit_ms": (time.monotonic() - t1) * 1e3, "rss_kb": rss}


def cpu(binary, extra, fresh, pid):
    forget(fresh)
    p = subprocess.Popen([binary, "-v", "-p", str(pid), "-f", "search", "-d", "0.01", *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, _, ru = os.wait4(p.pid, 0)
    m = re.search(r"(\d+) instructions verified", err)
    return {"cpu_ms": (ru.ru_utime + ru.ru_stime) * 1e3, "verified": int(m.group(1)) if m else None}


def spread(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return "-"
    return (f"{xs[0]:.1f} / {statistics.median(xs):.1f} / "
            f"{xs[min(len(xs) - 1, round(0.9 * (len(xs) - 1)))]:.1f} / {xs[-1]:.1f}")


builds = {}
for spec in a.builds:
    name, rest = spec.split("=", 1)
    binary, *opts = rest.split(",")
    builds[name] = (binary, "fresh" in opts, [o for o in opts if o != "fresh"])
res = {n: [] for n in builds}
target = subprocess.Popen([os.path.join(a.out, "bench-hot"), "-i", "100"],
                          stdout=subprocess.PIPE, text=True)
try:
    target.stdout.readline()
    for r in range(a.rounds):
        load = os.getloadavg()[0]
        for n, (binary, fresh, extra) in builds.items():
            x = first_record(binary, extra, fresh, target.pid)
            x.update(cpu(binary, extra, fresh, target.pid))
            res[n].append(x)
            print(f"round {r + 1} (load {load:.2f}) {n}: first record "
                  f"{x['first_ms'] or float('nan'):.1f} ms, exit {x['exit_ms']:.1f} ms, "
                  f"peak RSS {x['rss_kb']} KiB, CPU {x['cpu_ms']:.1f} ms, "
                  f"{x['verified']} insns verified", flush=True)
finally:
    target.kill()
    target.wait()
print("min / median / 90th percentile / max:")
for n, xs in res.items():
    print(f"{n}: first record {spread([x['first_ms'] for x in xs])} ms; "
          f"exit {spread([x['exit_ms'] for x in xs])} ms; "
          f"CPU {spread([x['cpu_ms'] for x in xs])} ms; "
          f"peak RSS median {statistics.median([x['rss_kb'] for x in xs]):.0f} KiB")
