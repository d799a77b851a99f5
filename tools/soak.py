#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""make soak: wrapmon-trace streaming a target calling at its full rate.

Samples the tracer's RSS and open fds every few seconds; after the first
minute (warm-up: the ring, the store's recent ring and stdio buffers fill)
both must stay flat. Prints a table and exits non-zero if they grow.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--out", default="build")
ap.add_argument("--seconds", type=float, default=600)
ap.add_argument("--warmup", type=float, default=60)
ap.add_argument("--every", type=float, default=5)
ap.add_argument("--rss-slack-kb", type=int, default=1024)
a = ap.parse_args()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))


def nr_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


d = tempfile.mkdtemp(prefix="wm-soak-")
log = os.path.join(d, "log")
out = os.path.join(d, "out")
target = subprocess.Popen([os.path.join(a.out, "targets", "t_flood"), log, str(a.seconds)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
target.stdout.readline()
# Text to /dev/null: every record is still decoded, stored and formatted, without
# filling the disk at a million lines a second. The summary goes to a file.
tracer = subprocess.Popen([os.path.join(a.out, "wrapmon-trace"), "-p", str(target.pid),
                           "-f", "int work(const char *s, int x)", "-o", "/dev/null",
                           "--json"], stderr=open(out, "w"))
for _ in range(200):
    if "Ctrl-C to end" in open(out).read():
        break
    time.sleep(0.05)
else:
    sys.exit("soak: the tracer did not start: " + open(out).read())
target.stdin.write("go\n")
target.stdin.flush()

t0 = time.time()
samples = []
print(f"{'t (s)':>7} {'RSS (KB)':>9} {'fds':>4}", flush=True)
while target.poll() is None and tracer.poll() is None:
    time.sleep(a.every)
    try:
        s = (time.time() - t0, rss_kb(tracer.pid), nr_fds(tracer.pid))
    except (OSError, AttributeError):
        break
    if target.poll() is not None:
        break  # the tracer is winding down: not steady state
    samples.append(s)
    print(f"{s[0]:7.0f} {s[1]:9d} {s[2]:4d}", flush=True)
target.wait()
rc = tracer.wait(60)
made = int(open(log).read().split()[0])
err = open(out).read()
m = re.search(r"^work\s+(\d+)\s+(\d+)\s+(\d+)\s", err, re.M)
calls, unfinished, dropped = map(int, m.groups()) if m else (0, 0, 0)

after = [s for s in samples if s[0] >= a.warmup]
ok = rc == 0 and bool(after)
if after:
    base = after[0]
    rss_growth = max(s[1] for s in after) - base[1]
    fd_growth = max(s[2] for s in after) - base[2]
    ok = ok and rss_growth <= a.rss_slack_kb and fd_growth == 0
    print(f"soak: {a.seconds:.0f} s; calls made {made}, reported {calls}, dropped {dropped}; "
          f"after {a.warmup:.0f} s: RSS {base[1]} KB, grew {rss_growth} KB at most "
          f"(slack {a.rss_slack_kb}); fds {base[2]}, grew {fd_growth}; tracer exit {rc}")
else:
    print(f"soak: no samples after the warm-up (tracer exit {rc}): {err[-500:]}")
if calls + dropped != made:
    print(f"soak: reported + dropped ({calls + dropped}) != calls made ({made})")
    ok = False
subprocess.run(["rm", "-rf", d])
print("soak: PASS" if ok else "soak: FAIL")
sys.exit(0 if ok else 1)
