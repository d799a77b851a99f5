#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Per-call cost of tracing a hot function, against the kernel's floor.

Contenders run alternately, round after round, on the same target binary so
that machine drift affects all alike. Writes build/bench/overhead.{md,json}.
"""
import argparse
import json
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--out", default="build")
ap.add_argument("--calls", type=int, default=1000000)
ap.add_argument("--rounds", type=int, default=5)
a = ap.parse_args()
OUT = a.out
BENCH = os.path.join(OUT, "bench")
os.makedirs(BENCH, exist_ok=True)


def wait_stderr(p, marker, timeout=15):
    buf, end = b"", time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([p.stderr], [], [], 0.1)
        if r:
            chunk = os.read(p.stderr.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if marker in buf:
                return buf
    raise RuntimeError(f"contender not ready: {buf!r}")


def run(contender):
    binary = "bench-hot-cet" if contender.endswith("-cet") else "bench-hot"
    target = subprocess.Popen([os.path.join(OUT, binary), str(a.calls)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    target.stdout.readline()
    pid = str(target.pid)
    outfile = os.path.join(BENCH, f"out-{contender}.txt")
    tr = None
    if contender.startswith("floor"):
        tr = subprocess.Popen([os.path.join(OUT, "bench-floor"), "-p", pid, "-f", "search"],
                              stderr=subprocess.PIPE)
        wait_stderr(tr, b"attached")
    elif contender.startswith("wrapmon"):
        args = [os.path.join(OUT, "wrapmon-trace"), "-p", pid, "-f", "search"]
        if contender == "wrapmon-json":
            args.append("--json")
        tr = subprocess.Popen(args, stdout=open(outfile, "wb"), stderr=subprocess.PIPE)
        wait_stderr(tr, b"Ctrl-C to end")
    target.stdin.write("go\n")
    target.stdin.flush()
    ns = float(target.stdout.readline().split()[0])
    target.wait()
    rec = drop = None
    if tr:
        if contender.startswith("wrapmon"):
            tr.wait(30)  # ends by itself when the target exits
            with open(outfile, "rb") as f:
                lines = f.read().splitlines()
            if contender == "wrapmon-json":
                summ = json.loads(lines[-1])["summary"]["functions"][0]
                rec, drop = len(lines) - 1, summ["dropped"]
            else:
                row = [l for l in lines if l.startswith(b"search ")][-1].split()
                rec = sum(1 for l in lines if b" search(" in l)
                drop = int(row[3])
        else:
            tr.send_signal(signal.SIGINT)
            tr.wait(10)
    return ns, rec, drop


# "-cet": the same target built with -fcf-protection (every function starts
# with endbr64). The floor probes the function's first byte; wrapmon places
# its probe past endbr64.
contenders = ["none", "floor", "wrapmon-text", "wrapmon-json", "floor-cet", "wrapmon-text-cet"]
res = {c: [] for c in contenders}
lost = {c: [] for c in contenders}
for r in range(a.rounds):
    for c in contenders:
        ns, rec, drop = run(c)
        res[c].append(ns)
        if rec is not None:
            lost[c].append((rec, drop))
        print(f"round {r + 1}: {c:13s} {ns:8.1f} ns/call" +
              (f"  records {rec} dropped {drop}" if rec is not None else ""), flush=True)

base = statistics.median(res["none"])
floor = statistics.median(res["floor"]) - base
rows = []
for c in contenders:
    med = statistics.median(res[c])
    cost = med - base
    rows.append({"contender": c, "ns_per_call": round(med, 1), "added_ns": round(cost, 1),
                 "ratio_to_floor": round(med / statistics.median(res["floor"]), 3),
                 "records": [x[0] for x in lost[c]], "dropped": [x[1] for x in lost[c]]})
meta = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus",
        "kernel": platform.release(), "calls": a.calls, "rounds": a.rounds,
        "command": "sudo make bench"}
with open(os.path.join(BENCH, "overhead.json"), "w") as f:
    json.dump({"meta": meta, "rows": rows}, f, indent=1)
md = ["| contender | ns/call (median) | added by tracing | ratio to floor | records | dropped |",
      "| --- | ---: | ---: | ---: | ---: | ---: |"]
for r in rows:
    md.append(f"| {r['contender']} | {r['ns_per_call']} | {r['added_ns']} | {r['ratio_to_floor']} | "
              f"{min(r['records']) if r['records'] else '-'} | "
              f"{max(r['dropped']) if r['dropped'] else '-'} |")
md.append("")
md.append(f"{a.calls} calls of `int search(const char *, const char *)` per run, median of "
          f"{a.rounds} alternating rounds; kernel {meta['kernel']}, {meta['machine']}.")
with open(os.path.join(BENCH, "overhead.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
