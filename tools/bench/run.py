#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""make bench: what tracing a hot function costs, wrapmon against the
kernel's floor and against the other tracers.

Sections:
  1. per-call cost of int search(const char *, const char *), a loop timed by
     the target itself: no tracing, the floor (empty uprobe + uretprobe),
     wrapmon-trace text / --json to a file, bpftrace printing every call /
     counting, ltrace (smaller N); the same with -fcf-protection (6);
  2. sustained rate: the target calls as fast as it can for a while, wrapmon
     streams to a file: calls, records, drops;
  3. start-up: tracer start to first record, and peak RSS;
  4. attach time for 1, 100 and 1,000 functions, and wrapmon's on every
     function of libc (`libc:*`, ~2,000), with peak RSS;
  5. the consumer alone (bench-consumer), records per second and per CPU
     second on one core, and instructions per record (callgrind, when
     valgrind is installed: independent of the load);
  7. real entry instructions (bench-shapes): the same body behind push, sub
     $N,%rsp, mov and a RIP-relative lea, and Debian's sqlite3_prepare_v2():
     untraced, the floor (at the first instruction, where wrapmon moves the
     probe, and with the return probe on the ret), wrapmon (moved, and with
     --no-move-entry), bpftrace.

Contenders alternate round by round on the same binaries so that drift on a
shared machine affects all alike; medians are shown. Benchmarks report, they
never pass or fail. Writes overhead.{md,json,png} under OUT/bench/.
"""
import argparse
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--out", default="build")
ap.add_argument("--quick", action="store_true", help="a short smoke run of every section")
ap.add_argument("--calls", type=int, help="calls per run, section 1 (default 1,000,000)")
ap.add_argument("--ltrace-calls", type=int, help="calls per ltrace run (default 2,000)")
ap.add_argument("--rounds", type=int, help="rounds of section 1 (default 5)")
ap.add_argument("--sustain", type=float, help="seconds of the sustained run (default 10)")
ap.add_argument("--startup-rounds", type=int, help="rounds of section 3 (default 5)")
ap.add_argument("--attach-rounds", type=int, help="rounds of section 4 (default 3)")
ap.add_argument("--bpftrace-timeout", type=float, help="seconds bpftrace may take to attach")
ap.add_argument("--detach-timeout", type=float,
                help="seconds bpftrace may take to exit after attaching 1,000 functions")
ap.add_argument("--consumer-records", type=int, help="records per consumer run (default 2M)")
ap.add_argument("--only", default="1,2,3,4,5,7", help="sections to run, e.g. 1,5")
ap.add_argument("--shape-calls", type=int, help="calls per run, section 7 (default 200,000)")
ap.add_argument("--baseline", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "docs", "bench-figures.json"),
                help="the committed figures this run is compared with")
ap.add_argument("--compare", metavar="WRAPMON_TRACE",
                help="another build of wrapmon-trace (a copy of the binary): sections 1 and 2 "
                     "run it too (text, JSON, summary-only), beside this one")
ap.add_argument("--bpf-stats", action="store_true",
                help="have the kernel time every BPF program (BPF_ENABLE_STATS) for the run: "
                     "section 1 then shows each tracer's BPF time per call; it adds two clock "
                     "reads to every program run, the floor's too")
ap.add_argument("--write-baseline", action="store_true",
                help="write this run's figures to --baseline (after a full, quiet run)")
a = ap.parse_args()
FULL = dict(calls=1000000, ltrace_calls=2000, rounds=5, sustain=10.0, startup_rounds=10,
            attach_rounds=3, bpftrace_timeout=120.0, detach_timeout=240.0,
            consumer_records=2000000, shape_calls=200000)
QUICK = dict(calls=100000, ltrace_calls=200, rounds=1, sustain=2.0, startup_rounds=2,
             attach_rounds=1, bpftrace_timeout=30.0, detach_timeout=60.0,
             consumer_records=200000, shape_calls=20000)
for k, v in (QUICK if a.quick else FULL).items():
    if getattr(a, k) is None:
        setattr(a, k, v)
SECTIONS = {int(s) for s in a.only.split(",") if s}


def enable_bpf_stats():
    """BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run-time stats on while the returned fd is open,
    whatever kernel.bpf_stats_enabled says; None when refused."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 32)()  # union bpf_attr, zeroed: enable_stats.type = RUN_TIME
    nr_bpf = {"x86_64": 321, "aarch64": 280}.get(platform.machine())
    fd = libc.syscall(nr_bpf, 32, ctypes.byref(attr), ctypes.sizeof(attr)) if nr_bpf else -1
    return fd if fd >= 0 else None


BPF_STATS_FD = enable_bpf_stats() if a.bpf_stats else None
if a.bpf_stats and BPF_STATS_FD is None:
    print("--bpf-stats: the kernel refused BPF_ENABLE_STATS; BPF times only if "
          "kernel.bpf_stats_enabled is on", file=sys.stderr)

OUT = a.out
BENCH = os.path.join(OUT, "bench")
os.makedirs(BENCH, exist_ok=True)
BIN = {n: os.path.abspath(os.path.join(OUT, n)) for n in
       ("wrapmon-trace", "bench-floor", "bench-hot", "bench-hot-cet", "bench-funcs",
        "bench-consumer", "bench-shapes")}
TOOLS = {t: shutil.which(t) for t in ("bpftrace", "ltrace", "gnuplot")}
# bpftrace refuses more than 512 probes unless told; 1,000 functions are 2,001.
BPFTRACE_ENV = dict(os.environ, BPFTRACE_MAX_PROBES="4096")
STOP_WAIT = 30  # seconds a tracer may take to exit after SIGINT before SIGKILL

started = []  # every process we start, so that we end them (and only them)
hwm = {}  # tracer pid -> highest VmHWM seen, KiB


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def sample_hwm():
    """Peak RSS of the tracers, read from /proc every 10 ms while they run. Not wait4()'s
    ru_maxrss: exec() carries the forking process's high-water mark into it."""
    while True:
        for pid in list(hwm):
            v = vm_hwm(pid)
            if v and pid in hwm and v > (hwm[pid] or 0):
                hwm[pid] = v
        time.sleep(0.01)


threading.Thread(target=sample_hwm, daemon=True).start()


def spawn(args, tracer=False, **kw):
    p = subprocess.Popen(args, **kw)
    started.append(p)
    if tracer:
        hwm[p.pid] = None
    return p


def end_all():
    for p in started:
        if p.returncode is None and p.poll() is None:
            p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


def reap(p, timeout, readers=()):
    """Wait for p to exit, draining its pipes; (exit status or None on timeout, peak RSS KiB
    of a tracer, CPU seconds)."""
    end = time.monotonic() + timeout
    while True:
        try:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        except ChildProcessError:
            return p.returncode, None, None
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, hwm.pop(p.pid, None), ru.ru_utime + ru.ru_stime
        if time.monotonic() >= end:
            return None, None, None
        v = vm_hwm(p.pid)
        if v and p.pid in hwm and v > (hwm[p.pid] or 0):
            hwm[p.pid] = v
        pump(readers, 0.005)


def stop(p, timeout=STOP_WAIT, readers=(), kill_wait=10):
    """SIGINT, then SIGKILL if it does not end in time; (seconds to exit or None, RSS, CPU)."""
    t0 = time.monotonic()
    if p.returncode is None:
        # Not p.send_signal(): it would reap an exited child and lose its rusage.
        os.kill(p.pid, signal.SIGINT)
    rc, rss, cpu = reap(p, timeout, readers)
    if rc is None:
        os.kill(p.pid, signal.SIGKILL)
        _, rss, cpu = reap(p, kill_wait, readers)
        return None, rss, cpu
    return time.monotonic() - t0, rss, cpu


class Reader:
    """A child's pipe output, collected without blocking."""

    def __init__(self, p, stream):
        self.fd = getattr(p, stream).fileno()
        self.buf = b""
        self.eof = False


def pump(readers, wait):
    live = [r for r in readers if not r.eof]
    if not live:
        time.sleep(wait)
        return
    ready, _, _ = select.select([r.fd for r in live], [], [], wait)
    for r in live:
        if r.fd in ready:
            chunk = os.read(r.fd, 1 << 16)
            if chunk:
                r.buf += chunk
            else:
                r.eof = True


def wait_for(readers, test, timeout):
    """Pump readers until test() is true; the monotonic time it became true, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if test():
            return time.monotonic()
        if readers and all(r.eof for r in readers):
            break
        pump(readers, 0.001)
    return time.monotonic() if test() else None


def wait_file(path, marker, timeout, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path, "rb") as f:
                if marker in f.read(4096):
                    return True
        except FileNotFoundError:
            pass
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def start_target(args):
    t = spawn(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = t.stdout.readline()
    if not line.startswith("ready"):
        raise RuntimeError(f"target did not start: {line!r}")
    return t


def sched_ns(pid):
    """CPU time of process pid so far, ns (its schedstat); None when unreadable."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def bpf_run_ns(pid):
    """Run time of the BPF programs process pid holds, ns, summed (each program once); None
    when the kernel keeps none (kernel.bpf_stats_enabled off, see --bpf-stats)."""
    total, seen = 0, set()
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return None
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                info = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue
        pid_ = info.get("prog_id", "").strip()
        if pid_ and pid_ not in seen and "run_time_ns" in info:
            seen.add(pid_)
            total += int(info["run_time_ns"])
    return total or None


def go(t, tracer=None):
    """Let the target run; its printed fields. t.cpu_ns: the target's CPU time for the run
    (kernel time in its probes included); t.bpf_ns: the tracer's programs' run time."""
    c0 = sched_ns(t.pid)
    t.stdin.write("go\n")
    t.stdin.flush()
    fields = t.stdout.readline().split()
    c1 = sched_ns(t.pid)
    t.cpu_ns = c1 - c0 if c0 is not None and c1 is not None else None
    # bench-hot N waits for stdin to close: the tracer is still attached here.
    t.bpf_ns = bpf_run_ns(tracer.pid) if tracer is not None else None
    t.stdin.close()
    t.wait(60)
    return fields


def end_run(t, tr):
    """The target and the tracer of a run, ended if still there."""
    if t.poll() is None:
        t.kill()
        t.wait()
    if tr is not None and tr.returncode is None:
        stop(tr, 5)


def start_floor(args):
    """bench-floor with args, once it says it is attached; and the reader of its stderr."""
    tr = spawn([BIN["bench-floor"], *args], tracer=True, stderr=subprocess.PIPE)
    r = Reader(tr, "stderr")
    if not wait_for([r], lambda: b"attached" in r.buf, 15):
        raise RuntimeError(f"bench-floor not ready: {r.buf!r}")
    return tr, r


def start_wrapmon(args, outfile, binary=None):
    """wrapmon-trace with args, stdout to outfile, once attached; and its stderr so far."""
    with open(outfile, "wb") as f:
        tr = spawn([binary or BIN["wrapmon-trace"], *args], tracer=True, stdout=f,
                   stderr=subprocess.PIPE)
    r = Reader(tr, "stderr")
    if not wait_for([r], lambda: b"Ctrl-C to end" in r.buf, 15):
        raise RuntimeError(f"wrapmon-trace not ready: {r.buf!r}")
    return tr, r.buf


def bt_print_script(binary, marker=True):
    b = binary
    return ("BEGIN { printf(\"wrapmon-bench: attached\\n\"); }\n" if marker else "") + (
        f"uprobe:{b}:search {{ @t[tid] = nsecs; @pat[tid] = str(arg0); @s[tid] = str(arg1); }}\n"
        f"uretprobe:{b}:search /@t[tid]/ {{\n"
        "\tprintf(\"%d search(pat=\\\"%s\\\", s=\\\"%s\\\") = %d  <%d ns>\\n\", tid, @pat[tid], "
        "@s[tid], retval, nsecs - @t[tid]);\n"
        "\tdelete(@t[tid]); delete(@pat[tid]); delete(@s[tid]);\n}\n")


def bt_count_script(binary):
    return ("BEGIN { printf(\"wrapmon-bench: attached\\n\"); }\n"
            f"uprobe:{binary}:search {{ @entries = count(); }}\n"
            f"uretprobe:{binary}:search {{ @calls = count(); }}\n")


def bt_hist_script(binary):
    return ("BEGIN { printf(\"wrapmon-bench: attached\\n\"); }\n"
            f"uprobe:{binary}:search {{ @t[tid] = nsecs; }}\n"
            f"uretprobe:{binary}:search /@t[tid]/ {{ @lat = hist(nsecs - @t[tid]); "
            "delete(@t[tid]); }\n")


def errfile(name):
    """A file for a tracer's stderr: bpftrace can print a line per probe on exit, more than a
    pipe holds."""
    return open(os.path.join(BENCH, f"{name}.err"), "wb")


def tail(name):
    with open(os.path.join(BENCH, f"{name}.err"), "rb") as f:
        return f.read().decode(errors="replace")[-300:]


def write(name, text):
    path = os.path.join(BENCH, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wrapmon_counts(path, json_out):
    """(records, dropped) from a wrapmon-trace output file, read line by line."""
    records, last = 0, b""
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b'{"ts"') if json_out else b" search(" in line:
                records += 1
            elif line.startswith(b'{"summary"' if json_out else b"search "):
                last = line
    if json_out:
        return records, json.loads(last)["summary"]["functions"][0]["dropped"]
    return records, int(last.split()[3])


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- section 1

PER_CALL = [
    # (name, label, tool needed)
    ("none", "no tracing", None),
    ("floor", "floor (empty uprobe + uretprobe)", None),
    ("wrapmon-text", "wrapmon-trace, text to a file", None),
    ("wrapmon-json", "wrapmon-trace `--json` to a file", None),
    ("wrapmon-summary", "wrapmon-trace summary-only", None),
    ("wrapmon-nosleep", "wrapmon-trace text, non-sleepable probes (`--no-sleepable`)", None),
    ("wrapmon-sites", "wrapmon-trace text, return sites (`--returns=sites`: `ret` single-stepped)",
     None),
    ("wrapmon-entry", "wrapmon-trace text, entries only (`--entry-only`)", None),
    ("bpftrace-print", "bpftrace, printf of both strings and the result to a file", "bpftrace"),
    ("bpftrace-count", "bpftrace, count() on entry and return", "bpftrace"),
    ("bpftrace-hist", "bpftrace, latency hist() from the entry time per thread (what "
     "summary-only keeps)", "bpftrace"),
    ("ltrace", "ltrace -x search, strings to a file", "ltrace"),
    ("floor-cet", "floor, target built with `-fcf-protection`", None),
    ("wrapmon-text-cet", "wrapmon-trace text, same `-fcf-protection` target", None),
]
if a.compare:
    PER_CALL[5:5] = [(f"before-{m}", f"the --compare build: {label}", None)
                     for m, label in (("text", "text to a file"), ("json", "`--json` to a file"),
                                      ("summary", "summary-only"))]
NOT_AVAILABLE = {}


def per_call(c):
    """One run of contender c: dict with ns, calls, records, reported drops, tracer RSS."""
    cet = c.endswith("-cet")
    target_bin = BIN["bench-hot-cet" if cet else "bench-hot"]
    calls = a.ltrace_calls if c == "ltrace" else a.calls
    t = start_target([target_bin, str(calls)])
    pid = str(t.pid)
    outfile = os.path.join(BENCH, f"out-{c}.txt")
    res = {"calls": calls}
    tr = None
    # The --compare build runs as wrapmon's contender of the same name.
    binary = os.path.abspath(a.compare) if c.startswith("before-") else None
    if binary:
        c = "wrapmon-" + c[len("before-"):]
    try:
        if c.startswith("floor"):
            tr, _ = start_floor(["-p", pid, "-f", "search"])
        elif c.startswith("wrapmon"):
            args = ["-p", pid, "-f", "search"]
            if c == "wrapmon-json":
                args.append("--json")
            elif c == "wrapmon-summary":
                args.append("--summary-only")
            elif c == "wrapmon-nosleep":
                args.append("--no-sleepable")
            elif c == "wrapmon-sites":
                args.append("--returns=sites")
            elif c == "wrapmon-entry":
                args.append("--entry-only")
            tr, _ = start_wrapmon(args, outfile, binary)
        elif c.startswith("bpftrace"):
            script = bt_print_script(target_bin) if c == "bpftrace-print" else \
                bt_hist_script(target_bin) if c == "bpftrace-hist" else \
                bt_count_script(target_bin)
            path = write(f"{c}.bt", script)
            with open(outfile, "wb") as f, errfile(c) as e:
                tr = spawn(["bpftrace", "-p", pid, path], tracer=True, stdout=f, stderr=e,
                           env=BPFTRACE_ENV)
            if not wait_file(outfile, b"wrapmon-bench: attached", a.bpftrace_timeout, tr):
                raise RuntimeError("bpftrace not ready: " + tail(c))
        elif c == "ltrace":
            conf = write("ltrace-search.conf", "int search(string, string);\n")
            tr = spawn(["ltrace", "-p", pid, "-x", "search", "-L", "-F", conf, "-s", "64",
                        "-o", outfile], tracer=True, stderr=subprocess.PIPE)
            # ltrace says nothing once attached: wait until it is the tracer,
            # then give it time to plant its breakpoint.
            end = time.monotonic() + 15
            while time.monotonic() < end:
                with open(f"/proc/{pid}/status") as f:
                    if re.search(r"^TracerPid:\s*[1-9]", f.read(), re.M):
                        break
                time.sleep(0.01)
            else:
                raise RuntimeError("ltrace did not attach")
            time.sleep(1.0)
        fields = go(t, tr)
        res["ns"] = float(fields[0])
        if t.cpu_ns is not None:
            res["cpu_ns"] = t.cpu_ns / calls
        if t.bpf_ns is not None:
            res["bpf_ns"] = t.bpf_ns / calls
        if tr is None:
            return res
        if c.startswith("wrapmon"):
            # wrapmon-trace ends by itself when the target exits.
            rc, rss, cpu = reap(tr, 60)
            if rc is None:
                _, rss, cpu = stop(tr)
            if c == "wrapmon-summary":
                # No records: the calls counted in the kernel, from the summary row.
                with open(outfile, "rb") as f:
                    row = [l for l in f if l.startswith(b"search ")][-1].split()
                res["records"], res["reported"] = int(row[1]), int(row[3])
            else:
                res["records"], res["reported"] = wrapmon_counts(outfile, c == "wrapmon-json")
        elif c == "ltrace":
            rc, rss, cpu = reap(tr, 60)
            if rc is None:
                _, rss, cpu = stop(tr)
            with open(outfile, "rb") as f:
                res["records"] = sum(1 for l in f if b" search(" in l)
        else:
            _, rss, cpu = stop(tr)
            if c.startswith("bpftrace"):
                with open(outfile, "rb") as f:
                    data = f.read()
                res["reported"] = sum(int(x) for x in re.findall(rb"Lost (\d+) events", data))
                if c == "bpftrace-print":
                    res["records"] = data.count(b" search(")
                elif c == "bpftrace-count":
                    m = re.search(rb"^@calls: (\d+)", data, re.M)
                    res["records"] = int(m.group(1)) if m else 0
        res["rss_kb"] = rss
        return res
    finally:
        end_run(t, tr)
        if os.path.exists(outfile) and not a.quick:
            # Keep the first lines as a sample; the rest is megabytes.
            with open(outfile, "rb") as f:
                head = f.read(4096)
            with open(outfile, "wb") as f:
                f.write(head)


def section_per_call():
    names = [n for n, _, tool in PER_CALL if n not in NOT_AVAILABLE and
             (tool is None or TOOLS[tool])]
    runs = {n: [] for n, _, _ in PER_CALL}
    errors = {}
    for r in range(a.rounds):
        for c in names:
            try:
                res = per_call(c)
            except Exception as e:  # one failed run is reported, not fatal
                errors[c] = str(e)
                log(f"round {r + 1}: {c:16s} error: {e}")
                continue
            runs[c].append(res)
            extra = ""
            if "records" in res:
                extra = f"  records {res['records']} lost {res['calls'] - res['records']}"
                if res.get("reported") is not None:
                    extra += f" (tracer says {res['reported']})"
            if res.get("cpu_ns") is not None:
                extra += f"  target CPU {res['cpu_ns']:.1f} ns/call"
            if res.get("bpf_ns") is not None:
                extra += f"  BPF {res['bpf_ns']:.1f} ns/call"
            log(f"round {r + 1}: {c:16s} {res['ns']:10.1f} ns/call{extra}")
    base = median([x["ns"] for x in runs["none"]]) or 0.0
    floor = median([x["ns"] for x in runs["floor"]])
    floor_cet = median([x["ns"] for x in runs["floor-cet"]])
    floor_cpu = median([x.get("cpu_ns") for x in runs["floor"]])
    rows = []
    for n, label, tool in PER_CALL:
        row = {"contender": n, "label": label, "runs": runs[n]}
        if n in NOT_AVAILABLE:
            row["status"] = NOT_AVAILABLE[n]
        elif tool and not TOOLS[tool]:
            row["status"] = f"missing ({tool} not installed)"
        elif not runs[n]:
            row["status"] = "error: " + errors.get(n, "no run")
        else:
            ns = median([x["ns"] for x in runs[n]])
            ref = floor_cet if n.endswith("-cet") else floor
            row.update(status="ok", calls=runs[n][0]["calls"], ns_per_call=round(ns, 1),
                       added_ns=round(ns - base, 1),
                       ratio_to_floor=round(ns / floor, 3) if floor else None,
                       ratio_to_floor_same_build=round(ns / ref, 3) if ref else None)
            cpu = median([x.get("cpu_ns") for x in runs[n]])
            if cpu is not None:
                row["cpu_ns_per_call"] = round(cpu, 1)
                row["cpu_ratio_to_floor"] = round(cpu / floor_cpu, 3) if floor_cpu else None
            bns = median([x.get("bpf_ns") for x in runs[n]])
            if bns is not None:
                row["bpf_ns_per_call"] = round(bns, 1)
            if any("records" in x for x in runs[n]):
                row["records_min"] = min(x["records"] for x in runs[n])
                row["lost_max"] = max(x["calls"] - x["records"] for x in runs[n])
            if any(x.get("reported") is not None for x in runs[n]):
                row["reported_max"] = max(x.get("reported") or 0 for x in runs[n])
            rss = median([x.get("rss_kb") for x in runs[n]])
            row["tracer_rss_kb"] = rss
        rows.append(row)
    return rows


# ---------------------------------------------------------------- section 2

def sustained(mode):
    t = start_target([BIN["bench-hot"], "-d", str(a.sustain)])
    outfile = os.path.join(BENCH, f"out-sustained-{mode}.txt")
    binary = os.path.abspath(a.compare) if mode.startswith("before-") else BIN["wrapmon-trace"]
    args = [binary, "-p", str(t.pid), "-f", "search"]
    if mode.endswith("json"):
        args.append("--json")
    try:
        with open(outfile, "wb") as f:
            tr = spawn(args, tracer=True, stdout=f, stderr=subprocess.PIPE)
        r = Reader(tr, "stderr")
        if not wait_for([r], lambda: b"Ctrl-C to end" in r.buf, 15):
            raise RuntimeError(f"wrapmon-trace not ready: {r.buf!r}")
        fields = go(t)
        rc, rss, cpu = reap(tr, 60)
        if rc is None:
            _, rss, cpu = stop(tr)
        records, dropped = wrapmon_counts(outfile, mode.endswith("json"))
        calls = int(fields[2])
        return {"mode": mode, "seconds": a.sustain, "calls": calls, "ns": float(fields[0]),
                "records": records, "dropped": dropped, "lost": calls - records,
                "rss_kb": rss, "cpu_s": cpu, "bytes": os.path.getsize(outfile)}
    finally:
        if t.poll() is None:
            t.kill()
            t.wait()
        if os.path.exists(outfile):
            os.unlink(outfile)


def section_sustained():
    runs = []
    for mode in ("text", "json", *(("before-text", "before-json") if a.compare else ())):
        try:
            res = sustained(mode)
        except Exception as e:
            log(f"sustained {mode}: error: {e}")
            runs.append({"mode": mode, "error": str(e)})
            continue
        runs.append(res)
        log(f"sustained {mode}: {res['calls']} calls in {res['seconds']} s, records "
            f"{res['records']}, dropped {res['dropped']}, lost {res['lost']}, "
            f"peak RSS {res['rss_kb']} KiB")
    return runs


# ---------------------------------------------------------------- section 3

def startup(tracer):
    """Tracer start to attached and to its first record on a target calling every 100 us."""
    t = spawn([BIN["bench-hot"], "-i", "100"], stdout=subprocess.PIPE, text=True)
    t.stdout.readline()
    pid = str(t.pid)
    tr = None
    try:
        if tracer == "wrapmon":
            args = [BIN["wrapmon-trace"], "-p", pid, "-f", "search"]
            env, ready = None, b"Ctrl-C to end"
        else:
            args = ["bpftrace", "-p", pid, write("startup.bt", bt_print_script(BIN["bench-hot"]))]
            env, ready = BPFTRACE_ENV, b"wrapmon-bench: attached"
        load = os.getloadavg()[0]
        t0 = time.monotonic()
        tr = spawn(args, tracer=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out, err = Reader(tr, "stdout"), Reader(tr, "stderr")
        where = err if tracer == "wrapmon" else out
        t_att = wait_for([out, err], lambda: ready in where.buf, a.bpftrace_timeout)
        t_first = wait_for([out, err], lambda: b" search(" in out.buf, 10)
        if t_first is None:
            raise RuntimeError(f"no record: {err.buf[-300:]!r}")
        # Stream for a while, then read the high-water mark before stopping.
        end = time.monotonic() + 0.5
        wait_for([out, err], lambda: time.monotonic() >= end, 1)
        secs, rss, _ = stop(tr, readers=[out, err])
        return {"attached_ms": (t_att - t0) * 1e3 if t_att else None,
                "first_record_ms": (t_first - t0) * 1e3, "rss_kb": rss,
                "stop_ms": secs * 1e3 if secs is not None else None, "load": load}
    finally:
        if tr is not None and tr.returncode is None:
            stop(tr, 5)
        t.kill()
        t.wait()


def section_startup():
    tracers = ["wrapmon"] + (["bpftrace"] if TOOLS["bpftrace"] else [])
    runs = {"wrapmon": [], "bpftrace": []}
    for r in range(a.startup_rounds):
        for tr in tracers:
            try:
                res = startup(tr)
            except Exception as e:
                log(f"start-up round {r + 1}: {tr}: error: {e}")
                continue
            runs[tr].append(res)
            log(f"start-up round {r + 1}: {tr:8s} first record {res['first_record_ms']:.1f} ms,"
                f" exit {fmt(res['stop_ms'], '{:.1f} ms')}, peak RSS {res['rss_kb']} KiB,"
                f" load {res['load']:.2f}")
    KERNEL_FLOOR.update(kernel_floor(min(5, a.startup_rounds)))
    rows = []
    for tr in ("wrapmon", "bpftrace"):
        row = {"tracer": tr, "runs": runs[tr]}
        if tr == "bpftrace" and not TOOLS["bpftrace"]:
            row["status"] = "missing (bpftrace not installed)"
        elif not runs[tr]:
            row["status"] = "error"
        else:
            row["status"] = "ok"
            for k in ("attached_ms", "first_record_ms", "rss_kb", "stop_ms"):
                row[k] = median([x[k] for x in runs[tr]])
            for k in ("first_record_ms", "stop_ms"):
                row[k + "_dist"] = spread([x[k] for x in runs[tr]])
        rows.append(row)
    return rows


# What the kernel alone takes to make and to close a uprobe_multi link pair with empty
# programs (bench-floor on the start-up target): the bound under wrapmon's start and exit.
KERNEL_FLOOR = {}


def kernel_floor(rounds):
    make, close = [], []
    for r in range(rounds):
        t = spawn([BIN["bench-hot"], "-i", "100"], stdout=subprocess.PIPE, text=True)
        fl = None
        try:
            t.stdout.readline()
            fl, rd = start_floor(["-p", str(t.pid), "-f", "search"])
            m = re.search(rb"links made in ([\d.]+) ms \(entry\) and ([\d.]+) ms", rd.buf)
            stop(fl, readers=[rd])
            wait_for([rd], lambda: rd.eof, 2)
            c = re.search(rb"links closed in ([\d.]+) ms \(entry\) and ([\d.]+) ms", rd.buf)
            fl = None
            if m and c:
                make.append(float(m.group(1)) + float(m.group(2)))
                # wrapmon closes its links at once, from threads: one link's close bounds it.
                close.append(max(float(c.group(1)), float(c.group(2))))
                log(f"kernel floor round {r + 1}: links made in {make[-1]:.1f} ms, "
                    f"one closed in {close[-1]:.1f} ms")
        except Exception as e:
            log(f"kernel floor round {r + 1}: error: {e}")
        finally:
            if fl is not None and fl.returncode is None:
                stop(fl, 5)
            t.kill()
            t.wait()
    return {"link_make_ms": spread(make), "link_close_ms": spread(close)} if make else {}


def spread(xs):
    """min, median, 90th percentile and max of a distribution (None when empty)."""
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return {"min": xs[0], "median": statistics.median(xs),
            "p90": xs[min(len(xs) - 1, int(0.9 * len(xs)))], "max": xs[-1]}


# ---------------------------------------------------------------- section 4

ATTACH_SIZES = [(1, "fn_0000"), (100, "fn_00*"), (1000, "fn_*")]
# Every function of the C library (bench-funcs links it): the memory of a large table, wrapmon
# only (bpftrace takes minutes to detach ~2,000 probes).
ATTACH_LIBC = "libc:*"


detaching = []  # (bpftrace, time of SIGINT, its result): left to exit while the run goes on
BPFTRACE_EXIT_WAIT = 60


def attach(tracer, n, pattern, background=False):
    t = spawn([BIN["bench-funcs"]], stdout=subprocess.PIPE, text=True)
    t.stdout.readline()
    pid = str(t.pid)
    tr = None
    try:
        t0 = time.monotonic()
        if tracer == "wrapmon":
            tr = spawn([BIN["wrapmon-trace"], "-p", pid, "-f", pattern], tracer=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            r = Reader(tr, "stderr")
            t1 = wait_for([r], lambda: b"Ctrl-C to end" in r.buf, 60)
            if t1 is None:
                raise RuntimeError(f"not attached: {r.buf[-300:]!r}")
            m = re.search(rb"tracing (\d+) functions? .* in ([\d.]+) ms", r.buf)
            res = {"wall_ms": (t1 - t0) * 1e3, "functions": int(m.group(1)),
                   "self_ms": float(m.group(2))}
        else:
            b = BIN["bench-funcs"]
            script = ("BEGIN { printf(\"wrapmon-bench: attached\\n\"); }\n"
                      f"uprobe:{b}:{pattern} {{ @entries = count(); }}\n"
                      f"uretprobe:{b}:{pattern} {{ @calls = count(); }}\n")
            with errfile(f"attach-{n}") as e:
                tr = spawn(["bpftrace", "-p", pid, write(f"attach-{n}.bt", script)],
                           tracer=True, stdout=subprocess.PIPE, stderr=e, env=BPFTRACE_ENV)
            out = Reader(tr, "stdout")
            t1 = wait_for([out], lambda: b"wrapmon-bench: attached" in out.buf,
                          a.bpftrace_timeout)
            if t1 is None:
                if tr.poll() is None:
                    res = {"timeout": True}
                else:
                    raise RuntimeError(f"bpftrace failed: {tail(f'attach-{n}')}")
            else:
                m = re.search(rb"Attaching (\d+) probes", out.buf)
                res = {"wall_ms": (t1 - t0) * 1e3, "probes": int(m.group(1)) if m else None}
        if tracer == "bpftrace":
            # bpftrace detaches its perf uprobes one by one, each waiting for RCU grace
            # periods: most of a minute for 200, minutes for 2,000, and SIGKILL does not make
            # the kernel's part faster. Past BPFTRACE_EXIT_WAIT (at once on 1,000 functions,
            # whose run comes last) it is left to exit while the run goes on, and waited for
            # at the end.
            res["rss_kb"] = max(hwm.get(tr.pid) or 0, vm_hwm(tr.pid) or 0) or None
            t_int = time.monotonic()
            os.kill(tr.pid, signal.SIGINT)
            rc, _, _ = reap(tr, 0 if background else BPFTRACE_EXIT_WAIT, [out])
            if rc is None:
                detaching.append((tr, t_int, res))
            else:
                res["stop_ms"] = (time.monotonic() - t_int) * 1e3
            tr = None
            return res
        secs, rss, _ = stop(tr, readers=[r])
        res.update(rss_kb=rss, stop_ms=secs * 1e3 if secs is not None else None)
        return res
    finally:
        if tr is not None and tr.returncode is None:
            stop(tr, 5)
        t.kill()
        t.wait()


def finish_detaching():
    """Wait for the bpftrace left detaching; its exit time, or None past --detach-timeout."""
    for tr, t0, res in detaching:
        rc, _, _ = reap(tr, max(0.0, t0 + a.detach_timeout - time.monotonic()))
        res["stop_ms"] = (time.monotonic() - t0) * 1e3 if rc is not None else None
        log(f"bpftrace: exit after Ctrl-C " +
            (f"{res['stop_ms'] / 1e3:.1f} s" if rc is not None else
             f"> {a.detach_timeout:.0f} s (still detaching; left to the kernel)"))


def section_attach():
    tracers = ["wrapmon"] + (["bpftrace"] if TOOLS["bpftrace"] else [])
    runs = {(tr, n): [] for tr in ("wrapmon", "bpftrace") for n, _ in ATTACH_SIZES}
    runs[("wrapmon", "libc")] = []
    timed_out = set()
    # bpftrace takes most of a minute to detach 200 probes, and minutes for 2,000: one run
    # of each, the one on 1,000 functions last, left to exit in the background.
    plan = [(r, n, pattern, tr) for r in range(a.attach_rounds) for n, pattern in ATTACH_SIZES
            for tr in tracers if not (tr == "bpftrace" and (n == 1000 or (n == 100 and r)))]
    plan += [(r, "libc", ATTACH_LIBC, "wrapmon") for r in range(a.attach_rounds)]
    if "bpftrace" in tracers:
        plan.append((0, 1000, ATTACH_SIZES[-1][1], "bpftrace"))
    for r, n, pattern, tr in plan:
        if (tr, n) in timed_out:
            continue
        try:
            res = attach(tr, n, pattern, background=(tr == "bpftrace" and n == 1000))
        except Exception as e:
            log(f"attach round {r + 1}: {tr} {n}: error: {e}")
            continue
        runs[(tr, n)].append(res)
        if res.get("timeout"):
            timed_out.add((tr, n))
            log(f"attach round {r + 1}: {tr:8s} {n:5d} functions: timeout "
                f"(> {a.bpftrace_timeout:.0f} s)")
        else:
            log(f"attach round {r + 1}: {tr:8s} {res.get('functions', n):5d} functions: "
                f"{res['wall_ms']:.1f} ms, peak RSS {res['rss_kb']} KiB")
    return runs, timed_out


def attach_libc_row(runs):
    """wrapmon on libc:*: medians of its rounds."""
    rs = runs.get(("wrapmon", "libc"), [])
    if not rs:
        return {"pattern": ATTACH_LIBC, "status": "error"}
    d = {"pattern": ATTACH_LIBC, "status": "ok", "runs": rs}
    for k in ("wall_ms", "self_ms", "rss_kb", "stop_ms", "functions"):
        d[k] = median([x.get(k) for x in rs])
    return d


def attach_rows(runs, timed_out):
    rows = []
    for n, pattern in ATTACH_SIZES:
        row = {"functions": n, "pattern": pattern}
        for tr in ("wrapmon", "bpftrace"):
            rs = runs[(tr, n)]
            d = {"runs": rs}
            if tr == "bpftrace" and not TOOLS["bpftrace"]:
                d["status"] = "missing (bpftrace not installed)"
            elif (tr, n) in timed_out:
                d["status"] = f"timeout (> {a.bpftrace_timeout:.0f} s)"
            elif not rs:
                d["status"] = "error"
            else:
                d["status"] = "ok"
                for k in ("wall_ms", "self_ms", "rss_kb", "stop_ms", "functions", "probes"):
                    if any(k in x for x in rs):
                        d[k] = median([x.get(k) for x in rs])
            row[tr] = d
        rows.append(row)
    return rows


# ---------------------------------------------------------------- section 5

def section_consumer():
    runs = {"text": [], "json": []}
    for r in range(a.rounds):
        for mode in ("text", "json"):
            path = os.path.join(BENCH, f"consumer-out.{mode}")
            try:
                p = subprocess.run([BIN["bench-consumer"], mode, str(a.consumer_records), path],
                                   capture_output=True, text=True, timeout=300)
                if p.returncode:
                    raise RuntimeError(p.stderr.strip())
                n, wall, cpu, size = p.stdout.split()
                res = {"records": int(n), "wall_s": float(wall), "cpu_s": float(cpu),
                       "bytes": int(size)}
            except Exception as e:
                log(f"consumer round {r + 1}: {mode}: error: {e}")
                continue
            finally:
                if os.path.exists(path):
                    os.unlink(path)
            runs[mode].append(res)
            log(f"consumer round {r + 1}: {mode:4s} {res['records'] / res['wall_s'] / 1e6:.2f} M "
                f"records/s ({res['records'] / res['cpu_s'] / 1e6:.2f} M per CPU second)")
    rows = []
    for mode in ("text", "json"):
        rs = runs[mode]
        row = {"sink": mode, "runs": rs}
        if rs:
            row["records_per_s"] = median([x["records"] / x["wall_s"] for x in rs])
            row["records_per_cpu_s"] = median([x["records"] / x["cpu_s"] for x in rs])
            row["bytes_per_record"] = rs[0]["bytes"] / rs[0]["records"]
        ipr = consumer_instructions(mode)
        if ipr:
            row["instructions_per_record"] = ipr
            log(f"consumer: {mode:4s} {ipr:,.0f} instructions per record (callgrind)")
        rows.append(row)
    return rows


CONSUMER_IPR_RECORDS = (20000, 120000)


def consumer_instructions(mode):
    """User-space instructions per record under callgrind, start-up taken out:
    the difference between two runs of different lengths. None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    counts = []
    for n in CONSUMER_IPR_RECORDS:
        path = os.path.join(BENCH, f"consumer-ipr.{mode}")
        try:
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                BIN["bench-consumer"], mode, str(n), path],
                               capture_output=True, text=True, timeout=600)
            m = re.search(r"Collected : (\d+)", p.stderr)
            if p.returncode or not m:
                raise RuntimeError(p.stderr.strip()[-300:])
            counts.append(int(m.group(1)))
        except Exception as e:
            log(f"consumer: {mode}: callgrind: error: {e}")
            return None
        finally:
            if os.path.exists(path):
                os.unlink(path)
    return (counts[1] - counts[0]) / (CONSUMER_IPR_RECORDS[1] - CONSUMER_IPR_RECORDS[0])


# ---------------------------------------------------------------- section 7

SHAPES = ("push", "sub", "mov", "lea", "sqlite")
SQLITE_LIB = "libsqlite3"
SQLITE_PROTO = ("int sqlite3_prepare_v2(void *db, const char *zSql, int nByte, void **ppStmt, "
                "const char **pzTail)")
ENTRY = [
    # (name, label)
    ("none", "no tracing"),
    ("floor", "floor at the first instruction"),
    ("floor-moved", "floor at the first emulated instruction (rsp unchanged: uretprobe)"),
    ("floor-sites", "floor at the first emulated instruction + uprobe on the ret (rsp moved)"),
    ("wrapmon", "wrapmon-trace text (placement: auto)"),
    ("wrapmon-stay", "wrapmon-trace text, `--no-move-entry`"),
    ("bpftrace", "bpftrace, printf of the arguments and the result"),
]


# Where rsp moves first (sub, sqlite) only the ret plan is possible; push stays put.
ENTRY_SKIP = {("push", "floor-moved"), ("push", "floor-sites"), ("mov", "floor-sites"),
              ("lea", "floor-sites"), ("sub", "floor-moved"), ("sqlite", "floor-moved")}


def shape_func(shape):
    return "sqlite3_prepare_v2" if shape == "sqlite" else f"shape_{shape}"


def shape_object(shape, pid):
    """The file the shape's function is in, as the target maps it."""
    if shape != "sqlite":
        return BIN["bench-shapes"]
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "/libsqlite3.so" in path:
                return path
    raise RuntimeError("the target has no libsqlite3 mapped")


def shape_offsets(path, func):
    """Byte offsets into func of its first push and of its first ret, from objdump."""
    p = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True,
                       text=True)
    m = re.search(rf"^([0-9a-f]+) <{func}(@@\S+)?>:\n((?:\s+[0-9a-f]+:.*\n)+)", p.stdout, re.M)
    if not m:
        raise RuntimeError(f"objdump: no {func} in {path}")
    base, push, ret = int(m.group(1), 16), None, None
    for line in m.group(3).splitlines():
        addr, _, insn = line.strip().partition(":")
        op = insn.split()[0] if insn.split() else ""
        if push is None and op == "push":
            push = int(addr, 16) - base
        if ret is None and op == "ret":
            ret = int(addr, 16) - base
    return push, ret


def bt_shape_script(shape, obj):
    f = shape_func(shape)
    args = ("@a[tid] = arg0; @s[tid] = str(arg1);" if shape == "sqlite" else
            "@a[tid] = str(arg0); @s[tid] = str(arg1);")
    fmt = '%d %s(%p, \\"%s\\") = %d  <%d ns>\\n' if shape == "sqlite" else \
        '%d %s(\\"%s\\", \\"%s\\") = %d  <%d ns>\\n'
    return ("BEGIN { printf(\"wrapmon-bench: attached\\n\"); }\n"
            f"uprobe:{obj}:{f} {{ @t[tid] = nsecs; {args} }}\n"
            f"uretprobe:{obj}:{f} /@t[tid]/ {{\n"
            f"\tprintf(\"{fmt}\", tid, \"{f}\", @a[tid], @s[tid], retval, nsecs - @t[tid]);\n"
            "\tdelete(@t[tid]); delete(@a[tid]); delete(@s[tid]);\n}\n")


def entry_run(shape, c):
    """One run of contender c on a shape: ns per call, and what the tracer said."""
    t = start_target([BIN["bench-shapes"], shape, str(a.shape_calls)])
    pid = str(t.pid)
    outfile = os.path.join(BENCH, f"out-shape-{shape}-{c}.txt")
    tr, res = None, {}
    try:
        obj = shape_object(shape, t.pid)
        func = shape_func(shape)
        if c.startswith("floor"):
            push, ret = shape_offsets(obj, func)
            args = ["-p", pid, "-f", func]
            if c != "floor":
                if push is None or ret is None:
                    raise RuntimeError(f"no push or ret in {func}")
                args.append(str(push))
            if c == "floor-sites":
                args.append(str(ret))
            tr, _ = start_floor(args)
        elif c.startswith("wrapmon"):
            spec = f"{SQLITE_LIB}:{SQLITE_PROTO}" if shape == "sqlite" else \
                f"long {func}(const char *pat, const char *s)"
            args = ["-p", pid, "-v", "-f", spec]
            if c == "wrapmon-stay":
                args.append("--no-move-entry")
            tr, err = start_wrapmon(args, outfile)
            m = re.search(rb"plan: \S+ entry=\S+( \(past ([^)]*)\))?.*; entry (.*)", err)
            res["placement"] = ((f"past {m.group(2).decode()}, " if m.group(2) else "") +
                                m.group(3).decode()) if m else "?"
        elif c == "bpftrace":
            path = write(f"shape-{shape}.bt", bt_shape_script(shape, obj))
            with open(outfile, "wb") as f, errfile(f"shape-{shape}") as e:
                tr = spawn(["bpftrace", "-p", pid, path], tracer=True, stdout=f, stderr=e,
                           env=BPFTRACE_ENV)
            if not wait_file(outfile, b"wrapmon-bench: attached", a.bpftrace_timeout, tr):
                raise RuntimeError("bpftrace not ready: " + tail(f"shape-{shape}"))
        fields = go(t)
        res["ns"] = float(fields[0])
        if tr is not None:
            if c.startswith("wrapmon"):
                rc, _, _ = reap(tr, 60)
                if rc is None:
                    stop(tr)
                with open(outfile, "rb") as f:
                    res["records"] = sum(1 for l in f if f" {func}(".encode() in l)
            else:
                stop(tr)
                if c == "bpftrace":
                    with open(outfile, "rb") as f:
                        res["records"] = sum(1 for l in f if f" {func}(".encode() in l)
        return res
    finally:
        end_run(t, tr)
        if os.path.exists(outfile):
            os.unlink(outfile)


def section_entry():
    runs = {(s, c): [] for s in SHAPES for c, _ in ENTRY}
    errors = {}
    for r in range(a.rounds):
        for s in SHAPES:
            for c, _ in ENTRY:
                if c == "bpftrace" and not TOOLS["bpftrace"]:
                    continue
                if (s, c) in ENTRY_SKIP:
                    continue
                try:
                    res = entry_run(s, c)
                except Exception as e:  # one failed run is reported, not fatal
                    errors[(s, c)] = str(e)
                    log(f"round {r + 1}: {s:6s} {c:12s} error: {e}")
                    continue
                runs[(s, c)].append(res)
                log(f"round {r + 1}: {s:6s} {c:12s} {res['ns']:10.1f} ns/call "
                    f"{res.get('placement', '')}")
    rows = []
    for s in SHAPES:
        base = median([x["ns"] for x in runs[(s, "none")]])
        floor = median([x["ns"] for x in runs[(s, "floor")]])
        bt = median([x["ns"] for x in runs[(s, "bpftrace")]])
        for c, label in ENTRY:
            rs = runs[(s, c)]
            if not rs:
                if (s, c) in errors:
                    rows.append({"shape": s, "contender": c, "label": label,
                                 "status": "error: " + errors[(s, c)]})
                continue
            ns = median([x["ns"] for x in rs])
            rows.append({"shape": s, "contender": c, "label": label, "status": "ok",
                         "ns_per_call": round(ns, 1),
                         "added_ns": round(ns - base, 1) if base is not None else None,
                         "ratio_to_floor": round(ns / floor, 3) if floor else None,
                         "ratio_to_bpftrace": round(ns / bt, 3) if bt else None,
                         "records_min": min((x["records"] for x in rs if "records" in x),
                                            default=None),
                         "placement": rs[0].get("placement"), "runs": rs})
    return rows


# ---------------------------------------------------------------- report

def fmt(v, spec="{:,.1f}", none="-"):
    return none if v is None else spec.format(v)


def mib(kb):
    return None if kb is None else kb / 1024


def dist(d):
    if not d:
        return "-"
    return " / ".join(f"{d[k]:.1f}" for k in ("min", "median", "p90", "max")) + " ms"


# ---------------------------------------------------------------- figures kept in the docs

# Ratios moving by more than this against the committed figures are said (noise here: 5-10 %).
MOVED = 0.15


def figures(report):
    """The run's headline figures, flat: what docs/bench-figures.json keeps.

    Ratios to the floor or to bpftrace in the same run where there is one, so a
    busier machine moves them less than it moves the raw times."""
    f = {}
    pc = {r["contender"]: r for r in report.get("per_call", []) if r.get("status") == "ok"}
    for c, r in pc.items():
        if c.startswith("before-"):
            continue
        if c not in ("none", "floor", "floor-cet") and r.get("ratio_to_floor"):
            f[f"per_call.{c}.ratio_to_floor"] = r["ratio_to_floor"]
        if c not in ("none", "floor", "floor-cet") and r.get("cpu_ratio_to_floor"):
            f[f"per_call.{c}.cpu_ratio_to_floor"] = r["cpu_ratio_to_floor"]
    for x in report.get("sustained", []):
        if "calls" in x and x.get("seconds") and not x["mode"].startswith("before-"):
            f[f"sustained.{x['mode']}.calls_per_s"] = round(x["calls"] / x["seconds"])
            f[f"sustained.{x['mode']}.rss_mib"] = round(mib(x["rss_kb"]), 1)
    st = {r["tracer"]: r for r in report.get("startup", []) if r.get("status") == "ok"}
    w, b = st.get("wrapmon"), st.get("bpftrace")
    if w:
        f["startup.wrapmon.first_record_ms"] = round(w["first_record_ms"], 1)
        if w.get("stop_ms") is not None:
            f["startup.wrapmon.exit_ms"] = round(w["stop_ms"], 1)
        if w.get("rss_kb"):
            f["startup.wrapmon.rss_mib"] = round(mib(w["rss_kb"]), 1)
    if w and b and b.get("first_record_ms"):
        f["startup.first_record.ratio_to_bpftrace"] = round(
            w["first_record_ms"] / b["first_record_ms"], 3)
        if w.get("stop_ms") and b.get("stop_ms"):
            f["startup.exit.ratio_to_bpftrace"] = round(w["stop_ms"] / b["stop_ms"], 3)
    for r in report.get("attach", []):
        if isinstance(r, dict) and r.get("wrapmon", {}).get("status") == "ok":
            f[f"attach.{r['functions']}.wall_ms"] = round(r["wrapmon"]["wall_ms"], 1)
            f[f"attach.{r['functions']}.rss_mib"] = round(mib(r["wrapmon"]["rss_kb"]), 1)
    lc = report.get("attach_libc", {})
    if lc.get("status") == "ok":
        f["attach.libc.wall_ms"] = round(lc["wall_ms"], 1)
        f["attach.libc.rss_mib"] = round(mib(lc["rss_kb"]), 1)
    for r in report.get("consumer", []):
        if r.get("records_per_s"):
            f[f"consumer.{r['sink']}.records_per_s"] = round(r["records_per_s"])
            f[f"consumer.{r['sink']}.records_per_cpu_s"] = round(r["records_per_cpu_s"])
        if r.get("instructions_per_record"):
            f[f"consumer.{r['sink']}.instructions_per_record"] = round(
                r["instructions_per_record"])
    return f


def compare(now, path):
    """Lines for each figure that moved by more than MOVED against the committed ones."""
    try:
        with open(path) as fh:
            base = json.load(fh)
    except (OSError, ValueError) as e:
        return [f"no committed figures to compare with ({e})"]
    old = base.get("figures", {})
    out = []
    for k in sorted(set(old) & set(now)):
        if not old[k]:
            continue
        r = now[k] / old[k]
        if abs(r - 1) > MOVED:
            out.append(f"{k}: {old[k]:,} -> {now[k]:,} ({(r - 1) * 100:+.0f} %)")
    return out


def chart(rows):
    """Per-call cost by contender, log scale, as a PNG; a note when gnuplot is missing."""
    if not TOOLS["gnuplot"]:
        return "chart: not drawn (gnuplot missing)"
    def colour(name):
        return next((c for k, c in (("wrapmon", 0x3a6ea5), ("floor", 0x888888),
                                    ("none", 0xbbbbbb)) if name.startswith(k)), 0xd9822b)

    data = [(r["contender"], r["ns_per_call"]) for r in rows if r.get("ns_per_call")]
    dat = write("overhead-chart.dat",
                "".join(f"\"{n}\" {v} {colour(n)}\n" for n, v in data))
    png = os.path.join(BENCH, "overhead.png")
    gp = write("overhead.gp", f"""set terminal pngcairo size 1000,560 noenhanced font ",10"
set output "{png}"
set title "ns per call of search(): median of {a.rounds} alternating rounds (log scale)"
set logscale y
set yrange [1:*]
set ylabel "ns per call"
set style fill solid 0.7
set boxwidth 0.6
set grid ytics
set xtics rotate by -30
set rmargin 10
unset key
plot "{dat}" using 0:2:3:xtic(1) with boxes lc rgb variable, \\
     "" using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8
""")
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode:
        # pngcairo may be absent from a minimal gnuplot: fall back to the plain png terminal.
        with open(gp) as f:
            text = f.read().replace("pngcairo size 1000,560 noenhanced font \",10\"",
                                    "png size 1000,560")
        with open(gp, "w") as f:
            f.write(text)
        p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    return "chart: overhead.png" if p.returncode == 0 else f"chart: gnuplot failed: {p.stderr}"


def targets(report):
    """The project's speed targets against the measurements: reported, not asserted."""
    out = []
    pc = {r["contender"]: r for r in report.get("per_call", [])}

    def add(target, measured, met, bound=None):
        out.append({"target": target, "measured": measured,
                    "status": "-" if met is None else ("met" if met else "not met"),
                    "bound": bound if met is False and bound else ""})

    kf = report.get("startup_floor", {})
    kf_make = (kf.get("link_make_ms") or {}).get("median")
    kf_close = (kf.get("link_close_ms") or {}).get("median")

    if pc:
        w = [pc[c] for c in ("wrapmon-text", "wrapmon-json") if pc[c].get("ratio_to_floor")]
        if w:
            worst = max(x["ratio_to_floor"] for x in w)
            cpu = [x["cpu_ratio_to_floor"] for x in w if x.get("cpu_ratio_to_floor")]
            add("streaming ≤ 1.30× the floor", f"{worst:.2f}× (text and JSON, worst)" +
                (f"; target CPU time {max(cpu):.2f}×" if cpu else ""), worst <= 1.30,
                "what a call's record needs beyond the floor's traps: two reads of the "
                "target's strings (~76 ns each, half of it the kernel's usercopy check), "
                "the ring's reserve and submit (~45 ns), two clock reads (~30 ns each); "
                "one copy of each string needs a second record per call, measured slower "
                "(docs/OVERHEAD.md, \"Streaming\"; `--bpf-stats` shows the BPF time per call)")
        summ, cnt = pc["wrapmon-summary"].get("ratio_to_floor"), \
            pc["bpftrace-count"].get("ratio_to_floor")
        if summ and cnt:
            sc, cc = pc["wrapmon-summary"].get("cpu_ratio_to_floor"), \
                pc["bpftrace-count"].get("cpu_ratio_to_floor")
            hist = pc.get("bpftrace-hist", {}).get("ratio_to_floor")
            add("summary-only at or below bpftrace count()", f"{summ:.2f}× vs {cnt:.2f}×" +
                (f"; target CPU time {sc:.2f}× vs {cc:.2f}×" if sc and cc else ""),
                summ <= cnt,
                "a summary times each call: two clock reads and the entry time kept per "
                "thread, which count() does not do" +
                (f"; bpftrace's hist() of the same latency: {hist:.2f}×" if hist else ""))
        cet = pc["wrapmon-text-cet"].get("ns_per_call")
        plain = pc["wrapmon-text"].get("ns_per_call")
        if cet and plain:
            add("endbr64 function no costlier than the plain build",
                f"{cet:,.0f} vs {plain:,.0f} ns/call ({cet / plain:.2f}×)", cet <= plain * 1.05)
    sus = [x for x in report.get("sustained", [])
           if "dropped" in x and not x["mode"].startswith("before-")]
    if sus:
        add("zero dropped records at full rate, to a file",
            ", ".join(f"{x['mode']}: {x['dropped']:,} dropped, {x['lost']:,} lost of "
                      f"{x['calls']:,}" for x in sus),
            all(x["dropped"] == 0 and x["lost"] == 0 for x in sus))
    st = {r["tracer"]: r for r in report.get("startup", [])}
    if st.get("wrapmon", {}).get("first_record_ms") is not None:
        v = st["wrapmon"]["first_record_ms"]
        add("first record within 30 ms of start", f"{v:.1f} ms", v <= 30,
            f"the kernel alone makes a bare uprobe_multi link pair in {kf_make:.1f} ms "
            "(median, empty programs, this run: a grace period at the first "
            "registration); the rest is the verifier (docs/OVERHEAD.md)" if kf_make else
            "the verifier and the kernel's first uprobe registration (docs/OVERHEAD.md)")
        b = st.get("bpftrace", {}).get("first_record_ms")
        if b is not None:
            add("first record no later than bpftrace's", f"{v:.1f} vs {b:.1f} ms", v <= b)
    if st.get("wrapmon", {}).get("stop_ms") is not None:
        v = st["wrapmon"]["stop_ms"]
        add("exit within 20 ms of Ctrl-C", f"{v:.1f} ms", v <= 20,
            f"the kernel closes one bare uprobe_multi link (empty programs) in "
            f"{kf_close:.1f} ms (median, this run): three grace periods in a row, and "
            "wrapmon closes all its links at once" if kf_close else
            "the kernel's grace periods at each link's close (docs/OVERHEAD.md)")
    att = report.get("attach", [])
    if att and att[-1]["wrapmon"].get("wall_ms") is not None:
        v = att[-1]["wrapmon"]["wall_ms"]
        add("1,000 functions attached within 100 ms", f"{v:.1f} ms", v <= 100)
    rss = [mib(x["rss_kb"]) for x in sus if x.get("rss_kb")]
    if rss:
        add("peak RSS ≤ 12 MB while streaming", f"{max(rss):.1f} MiB", max(rss) <= 12)
    if st.get("wrapmon", {}).get("rss_kb"):
        v = mib(st["wrapmon"]["rss_kb"])
        add("peak RSS ≤ 12 MB, one function (start-up)", f"{v:.1f} MiB", v <= 12)
    if att and att[-1]["wrapmon"].get("rss_kb"):
        add("peak RSS, 1,000 functions", f"{mib(att[-1]['wrapmon']['rss_kb']):.1f} MiB", None)
    lc = report.get("attach_libc", {})
    if lc.get("rss_kb"):
        v = mib(lc["rss_kb"])
        add("peak RSS ≤ 32 MB, all of libc (`-f 'libc:*'`)",
            f"{v:.1f} MiB ({lc['functions']:,.0f} functions)", v <= 32)
    cons = report.get("consumer", [])
    if cons and all(r.get("records_per_cpu_s") for r in cons):
        need = {"text": 3e6, "json": 2e6}
        add("consumer ≥ 3 M records/s text, ≥ 2 M JSON, on one core (per CPU second)",
            ", ".join(f"{r['sink']} {r['records_per_cpu_s'] / 1e6:.2f} M/s" for r in cons),
            all(r["records_per_cpu_s"] >= need.get(r["sink"], 0) for r in cons))
    return out


def markdown(report):
    meta = report["meta"]
    md = [f"# wrapmon benchmark ({'quick smoke run' if a.quick else 'full run'})", "",
          f"Kernel {meta['kernel']}, {meta['machine']}; {meta['date']}; `{meta['command']}`; "
          f"{meta['seconds']} s. Load average (1 min) {meta['load_before'][0]} before, "
          f"{meta['load_after'][0]} after: other work on the machine shows up as noise.",
          "Contenders alternate round by round; medians shown. Reported, never asserted.", ""]
    if "per_call" in report:
        md += ["## 1. Per-call cost (and 6. `-fcf-protection`)", "",
               f"`int search(const char *, const char *)` called {a.calls:,} times in a loop "
               f"timed by the target ({a.ltrace_calls:,} under ltrace); {a.rounds} rounds.", "",
               "| contender | ns/call | added by tracing | ratio to floor | target CPU ns/call "
               "(ratio to floor) | BPF ns/call | records | lost | tracer says lost | "
               "tracer peak RSS |",
               "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in report["per_call"]:
            if r["status"] != "ok":
                md.append(f"| {r['label']} | {r['status']} | | | | | | | | |")
                continue
            cpu = fmt(r.get("cpu_ns_per_call"), "{:,.1f}")
            if r.get("cpu_ratio_to_floor") and r["contender"] != "none":
                cpu += f" ({r['cpu_ratio_to_floor']:.2f})"
            ratio = fmt(r.get("ratio_to_floor"), "{:.2f}") if r["contender"] != "none" else "-"
            if r["contender"].endswith("-cet") and r.get("ratio_to_floor_same_build"):
                ratio += f" ({r['ratio_to_floor_same_build']:.2f}× its own floor)"
            md.append(
                f"| {r['label']} | {r['ns_per_call']:,.1f} | "
                f"{r['added_ns']:,.1f} | {ratio} | {cpu} | "
                f"{fmt(r.get('bpf_ns_per_call'), '{:,.1f}')} | "
                f"{fmt(r.get('records_min'), '{:,}')} | {fmt(r.get('lost_max'), '{:,}')} | "
                f"{fmt(r.get('reported_max'), '{:,}')} | "
                f"{fmt(mib(r.get('tracer_rss_kb')), '{:.1f} MiB')} |")
        md += ["", "records: fewest written in a round; lost: most calls without a record "
               "(calls − records); tracer says lost: wrapmon's `dropped`, bpftrace's "
               "\"Lost N events\". bpftrace count-only counts returns (`@calls`). Target CPU: "
               "the target's own CPU time for the loop (its schedstat, the kernel's probe "
               "handling and BPF included), steadier than its clock on a busy machine. BPF: "
               "the tracer's programs' run time per call (kernel BPF stats: `--bpf-stats`, "
               "or kernel.bpf_stats_enabled; the stats add two clock reads per program run).",
               ""]
    if "sustained" in report:
        md += ["## 2. Sustained rate", "",
               f"The target calls `search` as fast as it can for {a.sustain:g} s while "
               "wrapmon-trace streams every call to a file.", "",
               "| output | calls made | calls/s | records written | dropped | lost | "
               "tracer CPU | tracer peak RSS | bytes written |",
               "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for x in report["sustained"]:
            if "error" in x:
                md.append(f"| {x['mode']} | error: {x['error']} | | | | | | | |")
                continue
            md.append(f"| {x['mode']} | {x['calls']:,} | {x['calls'] / x['seconds']:,.0f} | "
                      f"{x['records']:,} | {x['dropped']:,} | {x['lost']:,} | "
                      f"{100 * x['cpu_s'] / x['seconds']:.0f}% | {mib(x['rss_kb']):.1f} MiB | "
                      f"{x['bytes'] / 1e6:,.0f} MB |")
        md.append("")
    if "startup" in report:
        md += ["## 3. Start-up", "",
               "Wall time from starting the tracer process to its attached message and to the "
               "first record in its output; the target calls `search` every ~100 µs. Peak RSS "
               f"of the tracer after streaming 0.5 s; {a.startup_rounds} rounds.", "",
               "| tracer | attached | first record | peak RSS | exit after Ctrl-C |",
               "| --- | ---: | ---: | ---: | ---: |"]
        for r in report["startup"]:
            name = "wrapmon-trace" if r["tracer"] == "wrapmon" else "bpftrace (print job)"
            if r["status"] != "ok":
                md.append(f"| {name} | {r['status']} | | | |")
                continue
            md.append(f"| {name} | {fmt(r['attached_ms'], '{:.1f} ms')} | "
                      f"{r['first_record_ms']:.1f} ms | {fmt(mib(r['rss_kb']), '{:.1f} MiB')} | "
                      f"{fmt(r['stop_ms'], '{:.0f} ms')} |")
        md += ["", "Distributions over the rounds (min / median / 90th percentile / max):", "",
               "| tracer | first record | exit after Ctrl-C | load average |",
               "| --- | --- | --- | --- |"]
        for r in report["startup"]:
            if r["status"] != "ok":
                continue
            name = "wrapmon-trace" if r["tracer"] == "wrapmon" else "bpftrace (print job)"
            loads = [x["load"] for x in r["runs"] if x.get("load") is not None]
            md.append(f"| {name} | {dist(r.get('first_record_ms_dist'))} | "
                      f"{dist(r.get('stop_ms_dist'))} | "
                      f"{fmt(min(loads) if loads else None, '{:.1f}')}–"
                      f"{fmt(max(loads) if loads else None, '{:.1f}')} |")
        md += ["", "wrapmon is attached when it prints \"Ctrl-C to end\"; bpftrace when its "
               "BEGIN probe prints (bpftrace 0.17 runs BEGIN after attaching every probe).", ""]
    if "attach" in report:
        md += ["## 4. Attach time", "",
               "A generated target with 1,000 functions `fn_0000`..`fn_0999`, each called "
               "once a millisecond. wrapmon-trace `-f PATTERN` (entry and return probes) "
               "until \"Ctrl-C to end\"; bpftrace `uprobe:` + `uretprobe:` with the same "
               f"wildcard until BEGIN prints; {a.attach_rounds} rounds (bpftrace on 100 and "
               "1,000 functions: one run each, as it takes minutes to detach).", "",
               "| functions | wrapmon-trace | (its own figure) | wrapmon peak RSS | "
               "bpftrace probes | bpftrace | bpftrace peak RSS | bpftrace exit after Ctrl-C |",
               "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in report["attach"]:
            w, b = r["wrapmon"], r["bpftrace"]
            wcol = (f"{w['wall_ms']:.1f} ms | {w['self_ms']:.1f} ms | "
                    f"{mib(w['rss_kb']):.1f} MiB" if w["status"] == "ok" else
                    f"{w['status']} | | ")
            bcol = (f"{fmt(b.get('probes'), '{:,.0f}')} | {b['wall_ms']:,.1f} ms | "
                    f"{fmt(mib(b.get('rss_kb')), '{:.1f} MiB')} | "
                    f"{fmt(b.get('stop_ms'), '{:,.0f} ms', f'> {a.detach_timeout:.0f} s')}"
                    if b["status"] == "ok" else f" | {b['status']} | | ")
            md.append(f"| {r['functions']:,} (`{r['pattern']}`) | {wcol} | {bcol} |")
        lc = report.get("attach_libc", {})
        if lc.get("status") == "ok":
            md.append(f"| {lc['functions']:,.0f} (`{lc['pattern']}`) | {lc['wall_ms']:.1f} ms | "
                      f"{lc['self_ms']:.1f} ms | {mib(lc['rss_kb']):.1f} MiB | | not run | | |")
        elif lc:
            md.append(f"| `{lc['pattern']}` | {lc['status']} | | | | not run | | |")
        md += ["", "wrapmon's own figure runs from its start-up (after argument parsing) to "
               "attached; the wall time adds exec and dynamic linking. bpftrace needs "
               "`BPFTRACE_MAX_PROBES` raised above 512 for 1,000 functions. The last row is "
               "wrapmon-trace on every function of libc in the same target (bpftrace is not "
               "run: it would take minutes to detach).", ""]
    if "consumer" in report:
        md += ["## 5. The consumer alone", "",
               f"`bench-consumer`: {a.consumer_records:,} synthetic records of `search` through "
               "`record__decode()`, `store__add()` and wrapmon-trace's own output sink into a "
               "file, pinned to one CPU; no kernel. Instructions per record: "
               "`valgrind --tool=callgrind`, the difference between runs of "
               f"{CONSUMER_IPR_RECORDS[0]:,} and {CONSUMER_IPR_RECORDS[1]:,} records "
               "(start-up taken out); they do not depend on the load.", "",
               "| sink | records/s | records per CPU second | instructions/record | bytes/record |",
               "| --- | ---: | ---: | ---: | ---: |"]
        for r in report["consumer"]:
            if not r.get("records_per_s"):
                md.append(f"| {r['sink']} | error | | | |")
                continue
            ipr = r.get("instructions_per_record")
            md.append(f"| {r['sink']} | {r['records_per_s'] / 1e6:.2f} M | "
                      f"{r['records_per_cpu_s'] / 1e6:.2f} M | "
                      f"{f'{ipr:,.0f}' if ipr else '–'} | {r['bytes_per_record']:.0f} |")
        md.append("")
    if "entry" in report:
        md += ["## 7. Real entry instructions", "",
               "`bench-shapes`: the same body (`search()`'s) behind a first instruction real "
               "code starts with: `push %rbx` (emulated by the kernel), `sub $0x10,%rsp`, "
               "`mov %rdi,%rax`, `lea x(%rip),%rax` (each single-stepped where probed), "
               f"{a.shape_calls:,} calls a run; and `sqlite3_prepare_v2()` of Debian's "
               "libsqlite3 (`sub $0x10,%rsp` first; the run prepares and finalizes `SELECT 1`"
               f"), {a.rounds} rounds, medians. Each figure beside the floor (empty uprobe + "
               "uretprobe at the first instruction) and bpftrace from the same run.", "",
               "| function | contender | ns/call | added by tracing | ratio to floor | "
               "ratio to bpftrace | wrapmon's placement (-v) |",
               "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
        for r in report["entry"]:
            name = f"`{shape_func(r['shape'])}`"
            if r["status"] != "ok":
                md.append(f"| {name} | {r['label']} | {r['status']} | | | | |")
                continue
            md.append(f"| {name} | {r['label']} | {r['ns_per_call']:,.1f} | "
                      f"{fmt(r.get('added_ns'), '{:,.1f}')} | "
                      f"{fmt(r.get('ratio_to_floor'), '{:.2f}')} | "
                      f"{fmt(r.get('ratio_to_bpftrace'), '{:.2f}')} | "
                      f"{r.get('placement') or ''} |")
        md += ["", "floor-sites is the plan a probe moved past `sub $N,%rsp` would need: "
               "the uretprobe hijacks `[rsp]`, no longer the return address there, so the "
               "return probe goes on the `ret`, which the kernel single-steps.", ""]
    if report.get("targets"):
        md += ["## Targets", "", "| target | measured | | what bounds it |",
               "| --- | --- | --- | --- |"]
        for t in report["targets"]:
            md.append(f"| {t['target']} | {t['measured']} | {t['status']} | "
                      f"{t.get('bound', '')} |")
        md.append("")
    if "moved" in report:
        md += ["## Against the committed figures", "",
               f"`{os.path.relpath(a.baseline)}`: each figure that moved by more than "
               f"{MOVED * 100:.0f} % (ratios to the floor or to bpftrace, times, rates).", ""]
        moved = report["moved"]
        md += [f"- {m}" for m in moved] if moved else ["None moved."]
        md.append("")
    md.append(report.get("chart", ""))
    return "\n".join(md) + "\n"


def main():
    for n, p in BIN.items():
        if not os.access(p, os.X_OK):
            sys.exit(f"run.py: {p} is missing: run it through `make bench`")
    missing = [t for t, p in TOOLS.items() if not p]
    if missing:
        log(f"run.py: missing: {', '.join(missing)} (reported as missing)")
    report = {"meta": {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "kernel": platform.release(), "date": time.strftime("%Y-%m-%d"),
        "command": "sudo make bench" + (" BENCH_ARGS=--quick" if a.quick else ""),
        "settings": {k: getattr(a, k) for k in FULL},
        "tools": {t: (subprocess.run([p, "--version"], capture_output=True, text=True)
                      .stdout.splitlines() or [""])[0] if p else None
                  for t, p in TOOLS.items()}}}
    report["meta"]["load_before"] = [round(x, 2) for x in os.getloadavg()]
    t0 = time.monotonic()
    steps = [(1, "per_call", section_per_call), (2, "sustained", section_sustained),
             (3, "startup", section_startup), (4, "attach", section_attach),
             (5, "consumer", section_consumer), (7, "entry", section_entry)]
    try:
        for num, key, fn in steps:
            if num in SECTIONS:
                log(f"== {num}. {key} ==")
                report[key] = fn()
        if KERNEL_FLOOR:
            report["startup_floor"] = KERNEL_FLOOR
        finish_detaching()
        if "attach" in report:
            runs, timed_out = report["attach"]
            report["attach"] = attach_rows(runs, timed_out)
            report["attach_libc"] = attach_libc_row(runs)
    finally:
        end_all()
    report["meta"]["seconds"] = round(time.monotonic() - t0)
    report["meta"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    if "per_call" in report:
        report["chart"] = chart(report["per_call"])
    report["targets"] = targets(report)
    report["figures"] = figures(report)
    report["moved"] = compare(report["figures"], a.baseline)
    if a.write_baseline:
        with open(a.baseline, "w") as f:
            json.dump({"meta": {k: report["meta"][k] for k in
                                ("machine", "kernel", "date", "command", "load_before",
                                 "load_after")},
                       "figures": report["figures"]}, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(os.path.join(BENCH, "overhead.json"), "w") as f:
        json.dump(report, f, indent=1)
    md = markdown(report)
    with open(os.path.join(BENCH, "overhead.md"), "w") as f:
        f.write(md)
    log(md)
    log(f"run.py: {report['meta']['seconds']} s; written {BENCH}/overhead.{{md,json,png}}")


main()
