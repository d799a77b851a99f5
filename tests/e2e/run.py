#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""End-to-end tests for wrapmon-trace.

Each target logs what it really did; the tracer's output must match it exactly.
Closes with "N passed, N failed".
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

OUT = "build"
TRACER = None
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(a, b, what):
    if a != b:
        raise Fail(f"{what}: expected {b!r}, got {a!r}")


# Our BPF objects, by kind: bpftool's name for the kind, the fd's anon inode
# name, the fdinfo key of its id, and how to tell ours by name.
_MAP_NAMES = {"rb", "funcs", "stats", "tstates", "wrapmon.bss", "wrapmon.rodata"}
_KINDS = {
    "link": ("anon_inode:bpf_link", "link_id:"),
    "map": ("anon_inode:bpf-map", "map_id:"),
    "prog": ("anon_inode:bpf-prog", "prog_id:"),
}


def _holders(kind):
    """object id -> executables of the processes holding an fd to it."""
    inode, key = _KINDS[kind]
    held = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != inode:
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith(key):
                            held.setdefault(int(line.split()[1]), []).append(exe)
            except OSError:
                continue
    return held


def _bpftool(*args):
    out = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
    return json.loads(out.stdout or "[]") if out.returncode == 0 else []


def _wm_objects(kind):
    if kind == "map":
        return [m for m in _bpftool("map", "show") if m.get("name") in _MAP_NAMES]
    names = {p["id"]: p.get("name", "") for p in _bpftool("prog", "show")}
    if kind == "prog":
        return [p for p in _bpftool("prog", "show") if p.get("name", "").startswith("wm_")]
    return [l for l in _bpftool("link", "show")
            if names.get(l.get("prog_id"), "").startswith("wm_")]


def ours(kind):
    """IDs of BPF links, maps or programs of ours from this build.

    Other checkouts on the same machine may be tracing at the same time, so
    an object counts as ours when it probes a file under OUT, is held by a
    process running a binary under OUT, or is held by no process at all
    (pinned or leaked: that is what these checks look for). One seen unheld
    is looked at again a moment later, as its holder may just be exiting;
    the kernel also frees a dead tracer's objects a moment after its exit.
    """
    root = os.path.abspath(OUT) + os.sep
    mine, unheld = [], []
    held = _holders(kind)
    for o in _wm_objects(kind):
        if "path" in o:
            if o["path"].startswith(root):
                mine.append(o["id"])
        elif o["id"] in held:
            if any(exe.startswith(root) for exe in held[o["id"]]):
                mine.append(o["id"])
        else:
            unheld.append(o["id"])
    for _ in range(10):
        if not unheld:
            break
        time.sleep(0.2)
        held = _holders(kind)
        still = {o["id"] for o in _wm_objects(kind)}
        unheld = [i for i in unheld if i in still and i not in held]
    return sorted(mine + unheld)


def our_links():
    return ours("link")


class Target:
    """A target program waiting for 'go' on stdin; logs to a temp file."""

    def __init__(self, name, *args):
        self.dir = tempfile.mkdtemp(prefix="wm-e2e-")
        self.log = os.path.join(self.dir, "log")
        self.p = subprocess.Popen([os.path.join(OUT, "targets", name), self.log, *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        check(line.startswith("ready "), f"target {name} did not start: {line!r}")
        self.pid = self.p.pid

    def go(self):
        self.p.stdin.write("go\n")
        self.p.stdin.flush()

    def finish(self, timeout=20):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        return self.p.wait(timeout)

    def lines(self):
        with open(self.log, "rb") as f:
            return [l.decode("ascii").split() for l in f.read().splitlines()]

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class Tracer:
    def __init__(self, *args):
        # stdout to a file, as in real use: a pipe nobody reads until the end
        # would block the consumer and overflow the ring.
        self.out = tempfile.TemporaryFile()
        self.p = subprocess.Popen([TRACER, *args], stdin=subprocess.DEVNULL,
                                  stdout=self.out, stderr=subprocess.PIPE)
        self.err = b""
        self.t_ready = None

    def wait_ready(self, timeout=15):
        """Wait for the 'tracing ...' line on stderr: the probes are attached."""
        end = time.time() + timeout
        fd = self.p.stderr.fileno()
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.err += chunk
                if b"Ctrl-C to end" in self.err:
                    self.t_ready = time.time()
                    return
            elif self.p.poll() is not None:
                break
        raise Fail(f"tracer not ready: rc={self.p.poll()} stderr={self.err.decode(errors='replace')!r}")

    def wait(self, timeout=20):
        _, err = self.p.communicate(timeout=timeout)
        self.err += err
        self.out.seek(0)
        return self.p.returncode, self.out.read(), self.err.decode("utf-8", "replace")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def trace(target, *args, timeout=20):
    """Attach, let the target run to its end, return (rc, stdout bytes, stderr)."""
    tr = Tracer("-p", str(target.pid), *args)
    try:
        tr.wait_ready()
        target.go()
        target.finish(timeout)
        t_exit = time.time()
        rc, out, err = tr.wait(timeout)
        tr.exit_latency = time.time() - t_exit
        return rc, out, err
    finally:
        tr.kill()
        target.kill()


def json_records(out):
    recs, summary = [], None
    for line in out.decode("utf-8").splitlines():
        obj = json.loads(line)
        if "summary" in obj:
            summary = obj["summary"]
        else:
            recs.append(obj)
    return recs, summary


def unhex(h):
    return "" if h == "x" else bytes.fromhex(h[1:]).decode("utf-8")


def func_summary(summary, name):
    for f in summary["functions"]:
        if f["function"] == name:
            return f
    raise Fail(f"{name} not in summary")


# ----------------------------------------------------------------- tests


@test
def search_two_threads_dwarf_json():
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3]), int(l[4])) for l in t.lines())
    eq(len(want), 120, "calls logged")
    got = []
    for r in recs:
        eq(r["function"], "search", "function")
        eq(r["pid"], t.pid, "pid")
        eq([a["name"] for a in r["args"]], ["pat", "s"], "parameter names from DWARF")
        eq([a["type"] for a in r["args"]], ["const char *", "const char *"], "types")
        eq(r["result"]["type"], "int", "result type")
        check(r["latency_ns"] > 0, "latency")
        pat, s = r["args"][0], r["args"][1]
        got.append((r["tid"], pat["value"], s["value"], r["result"]["value"], s.get("truncated", False)))
    # Strings longer than --string-size (64) are cut there and flagged.
    exp = sorted((tid, p, s[:64], ret, len(s.encode()) > 64) for tid, p, s, ret in want)
    eq(sorted(got), exp, "calls (tid, pat, s, result)")
    eq(len({g[0] for g in got}), 2, "distinct threads")
    f = func_summary(summary, "search")
    eq((f["calls"], f["dropped"], f["unfinished"]), (120, 0, 0), "summary counts")
    lat = f["latency_ns"]
    check(lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"], f"latency order {lat}")


def c_escape(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\n\t\r\a\b\f\v":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
                        "\f": "\\f", "\v": "\\v"}[ch])
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


LINE_RE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6}) (\d+) (.*)  <\d+(\.\d)? (ns|us|ms|s)>$")


@test
def endbr64_functions_probed_past_it():
    # With -fcf-protection every function starts with endbr64, which the
    # kernel would single-step; the probe sits after it and must see the
    # same arguments and the same return.
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn",
                          os.path.join(OUT, "targets", "t_search_cet")],
                         capture_output=True, text=True).stdout
    first = dis.split("<search>:\n", 1)[1].splitlines()[0]
    check("endbr64" in first, f"fixture: search starts with {first!r}")
    t = Target("t_search_cet")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    got = sorted((r["tid"], r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"])
                 for r in recs)
    eq(got, [(a, b, c.encode()[:64].decode("utf-8", "ignore"), d) for a, b, c, d in want],
       "calls")


@test
def search_text_output_exact_and_safe():
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--string-size", "16")
    eq(rc, 0, "exit code")
    check(b"\x1b" not in out and b"\x07" not in out and b"\x7f" not in out,
          "raw control bytes reached the output")
    text = out.decode("utf-8")
    lines = text.splitlines()
    eq(lines[0].split(), ["TIME", "TID", "CALL", "=", "RESULT", "<LATENCY>"], "header line")
    got = []
    for line in lines[1:]:
        if not line:
            break  # the summary follows a blank line
        m = LINE_RE.match(line)
        check(m, f"line format: {line!r}")
        got.append((int(m.group(2)), m.group(3)))

    def fmt(s):
        b = s.encode()
        cut = b[:16].decode("utf-8", "ignore") if len(b) > 16 else s
        return '"' + c_escape(cut) + '"' + ("..." if len(b) > 16 else "")

    want = sorted((int(l[0]), f"search(pat={fmt(unhex(l[2]))}, s={fmt(unhex(l[3]))}) = {l[4]}")
                  for l in t.lines())
    eq(sorted(got), want, "text lines")
    check(re.search(r"^search\s+120\s+0\s+0\s", text, re.M), "summary row for search")


@test
def stripped_binary_prototype_and_raw():
    t = Target("t_search_stripped")
    rc, out, err = trace(t, "-f", "int search(const char *needle, const char *hay)", "--json")
    eq(rc, 0, "exit code")
    recs, _ = json_records(out)
    want = sorted((unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs)
    eq([a["name"] for a in recs[0]["args"]], ["needle", "hay"], "names from the prototype")
    eq(got, want, "calls typed by the prototype")

    t = Target("t_search_stripped")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    check("hint: no debug info for search" in err, f"raw-mode hint: {err!r}")
    recs, _ = json_records(out)
    want = sorted(("0x" + l[5], "0x" + l[6], int(l[4]) & 0xffffffffffffffff) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"],
                  int(r["result"]["value"], 16) & 0xffffffff) for r in recs)
    want = sorted((a, b, r & 0xffffffff) for a, b, r in want)
    eq(len(recs[0]["args"]), 6, "six raw registers")
    eq(got, want, "raw registers and result")


@test
def libc_ifunc_resolved_to_its_implementation():
    # glibc's strstr is an IFUNC: the probe must sit on the implementation
    # the target really calls, and a char * result is read at return.
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "libc:char *strstr(const char *hay, const char *needle)",
                         "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    want = []
    for l in t.lines():
        pat, s, r = unhex(l[2]), unhex(l[3]), int(l[4])
        res = None if r < 0 else s.encode()[r:][:64].decode("utf-8", "ignore")
        want.append((s.encode()[:64].decode("utf-8", "ignore"), pat, res))
    got = [(r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs]
    eq(len(got), 120, "strstr calls")
    eq(sorted(got, key=repr), sorted(want, key=repr), "strstr(hay, needle) = result")


@test
def thousands_of_functions_by_pattern():
    # Every function of libc at once (one uprobe_multi link pair per object);
    # strstr's calls must still come out exactly.
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "libc:*", "--json")
    eq(rc, 0, f"exit code ({err})")
    m = re.search(r"tracing (\d+) functions", err)
    check(m and int(m.group(1)) > 1000, f"functions attached: {err[-300:]!r}")
    recs, summary = json_records(out)
    # libc has no debug info here: strstr(hay, needle) shows raw registers,
    # which must be the pointers the target logged.
    got = sorted((r["tid"], r["args"][0]["value"], r["args"][1]["value"])
                 for r in recs if r["function"] == "strstr")
    want = sorted((int(l[0]), "0x" + l[6], "0x" + l[5]) for l in t.lines())
    eq(len(got), 120, "strstr calls among all of libc")
    eq(got, want, "strstr(hay, needle) registers per thread")
    eq(sum(f["dropped"] for f in summary["functions"]), 0, "dropped")


@test
def recursion_nesting_and_float():
    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "-f", "outer", "-f", "inner", "-f", "mix",
                         "-f", "tail_*", "-f", "peek", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    log = t.lines()
    vals = lambda r: [a.get("value") for a in r["args"]]
    # An unreadable string argument: the pointer and a marker, never "".
    peek = [r for r in recs if r["function"] == "peek"][0]
    eq((peek["args"][0].get("value"), peek["args"][0].get("pointer"), peek["args"][0].get("error")),
       (None, "0x10", "unreadable"), "unreadable string")
    eq((peek["args"][1]["value"], peek["result"]["value"]), (3, 3), "peek n and result")
    recs = [r for r in recs if r["function"] != "peek"]
    log = [l for l in log if l[1] != "peek"]
    got = [(r["function"], vals(r)[0], r["result"]["value"]) for r in recs if r["function"] != "mix"]
    # fact(40) recurses 40 deep: the 32 outermost calls are kept, 8 are dropped.
    want, after_mix = [], False
    for l in log:
        after_mix = after_mix or l[1] == "mix"
        if l[1] == "mix" or (after_mix and l[1] == "fact" and int(l[2]) <= 8):
            continue
        want.append((l[1], int(l[2]), int(l[3])))
    # The last fact() results overflow a long the same way in C and in the record.
    eq(sorted(got), sorted(want), "calls")
    # Returns come innermost first: inner before its outer, fact(1) before fact(2).
    order = [(r["function"], vals(r)[0]) for r in recs]
    check(order.index(("inner", 0)) < order.index(("outer", 0)), "nesting order")
    eq([r["depth"] for r in recs if r["function"] == "fact"][:12], list(range(11, -1, -1)),
       "recursion depth of fact(12)")
    mix = [r for r in recs if r["function"] == "mix"][0]
    eq([a.get("name") for a in mix["args"]], ["a", "f", "b"], "mix names")
    eq(mix["args"][0]["value"], 7, "int before a double")
    eq(mix["args"][1].get("value"), None, "a double cannot be read")
    check(mix["args"][1].get("unavailable"), "double marked unavailable")
    eq(mix["args"][2]["value"], -9, "int after a double keeps its register")
    eq(mix["result"]["value"], 0, "mix result")
    # A tail call shares its caller's return slot: both calls still pair.
    eq(sorted(r.get("unfinished", "-") for r in recs if r["function"].startswith("tail_")),
       ["-"] * 6, "tail calls completed")
    f = func_summary(summary, "fact")
    eq(f["dropped"], 8, "calls nested deeper than 32 are counted as dropped")


@test
def shared_library_function():
    t = Target("t_lib")
    rc, out, err = trace(t, "-f", "libwmt:lib_add", "--json")
    eq(rc, 0, "exit code")
    recs, _ = json_records(out)
    want = sorted((int(l[2]), int(l[3]), int(l[4])) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs)
    eq(got, want, "lib_add calls")
    check(recs[0]["object"].endswith("/libwmt.so"), f"object {recs[0]['object']}")
    eq([a["name"] for a in recs[0]["args"]], ["a", "b"], "names from the library's DWARF")


@test
def unfinished_calls_thread_exit_and_longjmp():
    t = Target("t_unfinished")
    rc, out, err = trace(t, "-f", "doomed", "-f", "jumper", "-f", "after", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    by = {r["function"]: r for r in recs}
    eq(by["doomed"].get("unfinished"), "thread_exit", "doomed")
    eq(by["doomed"]["args"][0]["value"], 5, "doomed arg")
    eq(by["jumper"].get("unfinished"), "abandoned", "jumper")
    eq((by["after"]["args"][0]["value"], by["after"]["result"]["value"]), (21, 42),
       "after() pairs with its own return, not jumper's")
    eq(len(recs), 3, "records")
    eq(func_summary(summary, "doomed")["unfinished"], 1, "unfinished in summary")
    eq(func_summary(summary, "doomed")["calls"], 0, "unfinished is not a completed call")


@test
def fallback_without_uprobe_multi():
    t = Target("t_lib")
    rc, out, err = trace(t, "-f", "lib_add", "--json", "--no-multi")
    eq(rc, 0, "exit code")
    recs, _ = json_records(out)
    eq(len(recs), 20, "calls via single links")


@test
def ring_overflow_is_counted_exactly():
    # A ring far too small for the call rate: every call is either reported
    # or counted as dropped, a warning says so while running, and the
    # summary has the column.
    # The tracer is paused for a moment mid-flood, so the ring overflows
    # whatever the machine's speed.
    t = Target("t_flood")
    tr = Tracer("-p", str(t.pid), "-f", "int work(const char *s, int x)", "--ring-size", "16K")
    try:
        tr.wait_ready()
        t.go()
        time.sleep(0.2)
        tr.p.send_signal(signal.SIGSTOP)
        time.sleep(0.3)
        tr.p.send_signal(signal.SIGCONT)
        t.finish()
        rc, out, err = tr.wait(20)
    finally:
        tr.kill()
        t.kill()
    eq(rc, 0, "exit code")
    made = int(t.lines()[0][0])
    text = out.decode()
    reported = sum(1 for l in text.splitlines() if " work(s=" in l)
    row = re.search(r"^work\s+(\d+)\s+(\d+)\s+(\d+)\s", text, re.M)
    check(row, "summary row")
    calls, unfinished, dropped = map(int, row.groups())
    eq(calls, reported, "summary calls = lines printed")
    check(dropped > 0, f"a 16K ring must overflow ({made} calls)")
    eq(calls + dropped, made, "reported + dropped = calls made")
    check("dropped (ring buffer full): raise --ring-size" in err, f"warning: {err[-300:]!r}")


@test
def ctrl_c_during_a_flood_ends_promptly():
    # The ring never empties under a flood: draining must still give way to
    # signals.
    t = Target("t_flood")
    tr = Tracer("-p", str(t.pid), "-f", "int work(const char *s, int x)", "--ring-size", "16K")
    try:
        tr.wait_ready()
        t.go()
        time.sleep(0.4)
        t0 = time.time()
        tr.p.send_signal(signal.SIGINT)
        rc, out, err = tr.wait(10)
        dt = time.time() - t0
    finally:
        tr.kill()
        t.finish()
        t.kill()
    eq(rc, 0, "exit code")
    check(re.search(r"^work\s+\d+", out.decode(), re.M), "summary")
    # Generous for a noisy machine: without bounded drains it waited for the flood's end.
    check(dt < 1.0, f"took {dt:.2f}s to stop")


@test
def target_exit_ends_the_tracer_quickly():
    t = Target("t_lib")
    tr = Tracer("-p", str(t.pid), "-f", "lib_add")
    try:
        tr.wait_ready()
        t.go()
        t.finish()
        t0 = time.time()
        rc, out, err = tr.wait(10)
        dt = time.time() - t0
    finally:
        tr.kill()
    eq(rc, 0, "exit code")
    check("lib_add" in out.decode() and "CALLS" in out.decode(), "summary printed")
    # Generous bound for a noisy machine; pidfd makes it a few ms in practice.
    check(dt < 1.0, f"tracer took {dt:.3f}s to notice the exit")


@test
def sigint_and_sigterm_end_cleanly_without_leftovers():
    for sig in (signal.SIGINT, signal.SIGTERM):
        t = Target("t_spin")
        tr = Tracer("-p", str(t.pid), "-f", "work")
        try:
            tr.wait_ready()
            t.go()
            check(our_links(), "links exist while tracing")
            time.sleep(0.3)
            tr.p.send_signal(sig)
            rc, out, err = tr.wait(10)
        finally:
            tr.kill()
            t.finish()
            t.kill()
        eq(rc, 0, f"exit code after {sig.name}")
        check(re.search(r"^work\s+\d{3,}", out.decode(), re.M), f"summary after {sig.name}")
        eq(our_links(), [], f"links left after {sig.name}")


@test
def kill9_leaves_nothing_attached():
    t = Target("t_spin")
    tr = Tracer("-p", str(t.pid), "-f", "work")
    try:
        tr.wait_ready()
        t.go()
        time.sleep(0.2)
        tr.p.kill()
        tr.p.wait()
        time.sleep(0.2)
        eq(our_links(), [], "links after kill -9")
        check(t.p.poll() is None, "target survives")
    finally:
        eq(t.finish(), 0, "target exit code")
        t.kill()


def work_calls(text, name="work"):
    """(tid, x, ret) of each completed 'name(x=N) = R' line."""
    rx = re.compile(r"^\S+ (\d+) " + name + r"\(x=(-?\d+)\) = (-?\d+)  <", re.M)
    return sorted(tuple(map(int, m.groups())) for m in rx.finditer(text))


@test
def kill9_at_full_rate_leaves_target_intact_and_nothing_behind():
    # t_flood calls work() as fast as it can for 1.5 s; the tracer is killed
    # mid-flood. The target must go on, its results must be unchanged, and
    # no link, program or map of ours may remain.
    t = Target("t_flood")
    tr = Tracer("-p", str(t.pid), "-f", "int work(const char *s, int x)")
    try:
        tr.wait_ready()
        check(ours("map") and ours("prog"), "maps and programs exist while tracing")
        t.go()
        time.sleep(0.5)
        tr.p.kill()
        tr.p.wait()
        check(t.p.poll() is None, "target survives kill -9 of the tracer")
        eq(t.finish(), 0, "target exit code")
    finally:
        tr.kill()
        t.kill()
    n, total = map(int, t.lines()[0])
    eq(n % 1000, 0, "calls in whole rounds")
    eq(total, n // 1000 * sum(i + ord("a") for i in range(1000)), "target's own results")
    for kind in ("link", "prog", "map"):
        eq(ours(kind), [], f"{kind}s left after kill -9")


@test
def target_crash_inside_a_call_is_reported_unfinished():
    t = Target("t_crash")
    rc, out, err = trace(t, "-f", "work", "-f", "crash")
    eq(t.p.returncode, -signal.SIGSEGV, "target died of SIGSEGV")
    eq(rc, 0, f"tracer exit code ({err})")
    text = out.decode()
    lines = t.lines()
    eq(work_calls(text), sorted(tuple(map(int, l)) for l in lines[:2]), "calls before the crash")
    tid = int(lines[2][1])
    check(re.search(rf"^\S+ {tid} crash\(p=NULL\) = \? <unfinished: thread exited>$", text, re.M),
          f"crash() unfinished: {text!r}")
    check(re.search(r"^crash\s+0\s+1\s+0\s", text, re.M), "summary: 0 calls, 1 unfinished")
    eq(our_links(), [], "links left")


@test
def fork_children_are_not_traced():
    t = Target("t_fork")
    rc, out, err = trace(t, "-f", "work")
    eq(rc, 0, f"exit code ({err})")
    parent = sorted((int(l[1]), int(l[2]), int(l[3])) for l in t.lines() if l[0] == "P")
    child = [l for l in t.lines() if l[0] == "C"]
    eq(len(parent), 5, "parent calls logged")
    eq(child[0][2], "5", "child made its calls")
    eq(work_calls(out.decode()), parent, "exactly the parent's calls")


@test
def exec_reports_calls_in_flight_and_keeps_tracing_the_same_files():
    t = Target("t_exec")
    rc, out, err = trace(t, "-f", "work", "-f", "run_exec")
    eq(rc, 0, f"exit code ({err})")
    lines = t.lines()
    calls = sorted(tuple(map(int, l)) for l in lines if l[0] != "exec")
    eq(len(calls), 6, "calls logged before and after exec")
    text = out.decode()
    eq(work_calls(text), calls, "calls before and after exec")
    tid = [l[1] for l in lines if l[0] == "exec"][0]
    check(re.search(rf"^\S+ {tid} run_exec\(self=\"/proc/self/exe\", logpath=\"[^\"]+\"\) = \? "
                    r"<unfinished: exec>$", text, re.M), f"run_exec unfinished by exec: {text!r}")
    check(re.search(rf"note: process {t.pid} called exec \(thread {tid}\), now running "
                    r"(\S+/)?t_exec: calls into the objects it maps again are still traced", err),
          f"exec note: {err!r}")


@test
def thousand_short_lived_threads_all_reported_state_freed():
    t = Target("t_threads")
    rc, out, err = trace(t, "-f", "work", "-v", timeout=60)
    eq(rc, 0, f"exit code ({err[-300:]})")
    want = sorted(tuple(map(int, l)) for l in t.lines())
    eq(len(want), 2000, "calls logged")
    got = work_calls(out.decode())
    eq(len(got), len(want), "calls reported")
    eq(got, want, "every call, with its thread")
    m = re.search(r"per-thread states: (\d+) made, (\d+) freed with their threads, (\d+) live", err)
    check(m, f"state counts in -v output: {err[-300:]!r}")
    made, freed, live = map(int, m.groups())
    eq(made, 1000, "one state per thread that made a traced call")
    eq(freed, made, "every state freed with its thread")


def _utf8_len(b, i):
    """Length of the valid, shortest-form UTF-8 sequence of a scalar at b[i], or 0."""
    c = b[i]
    if c < 0x80:
        return 1
    n = 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
    if not n or i + n > len(b):
        return 0
    try:
        ch = b[i:i + n].decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return n if len(ch) == 1 else 0


def json_value_of(b):
    """What --json gives for target bytes b: valid UTF-8 kept, each invalid byte as U+00XX."""
    out, i = [], 0
    while i < len(b):
        n = _utf8_len(b, i)
        out.append(b[i:i + n].decode("utf-8") if n else chr(b[i]))
        i += n or 1
    return "".join(out)


def assert_terminal_safe(data, what):
    text = data.decode("utf-8")  # raises on invalid UTF-8
    for ch in text:
        o = ord(ch)
        check(ch == "\n" or not (o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f or
                                 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069),
              f"{what}: U+{o:04X} reached the output")


@test
def hostile_strings_never_reach_the_terminal_raw():
    t = Target("t_hostile")
    rc, out, err = trace(t, "-f", "take", "--string-size", "1024")
    eq(rc, 0, f"exit code ({err})")
    assert_terminal_safe(out, "text output")
    assert_terminal_safe(err.encode(), "stderr")
    log = t.lines()
    text = out.decode()
    calls = dict(re.findall(r"^\S+ \d+ take\(i=(\d+), s=(.*)\) = \d+  <", text, re.M))
    eq(len(calls), len(log), "one line per call")
    for l in log:
        v = calls[l[0]]
        if l[2] == "long":
            eq(v, '"' + "A" * 1024 + '"...', "100 KB string cut at --string-size")
        elif l[2] == "fault":
            eq(v, f"0x{l[1]}<unreadable>", "string running into an unmapped page")
    eq(calls["0"], '"\\x1b]52;c;ZWNobyBwd25lZA==\\a clipboard"', "OSC 52 clipboard write")
    eq(calls["2"], '"\\xff\\xfe bad \\xc0\\xaf overlong \\xed\\xa0\\x80 surrogate '
       '\\xf4\\x90\\x80\\x80 big"', "invalid UTF-8")
    eq(calls["1"], '"\\x1b[2J\\x1b[H\\x1b[31mred\\x1b[0m"', "CSI sequences")
    eq(calls["3"], '"c1 \\u{009B}31m csi \\u{0085} nel"', "C1 controls")
    eq(calls["4"], '"bidi \\u{202E}evil\\u{202C} \\u{2066}iso\\u{2069}"', "bidi controls")
    eq(calls["5"], '"nul"', "a string ends at its NUL")
    eq(calls["6"], '"\\r\\b\\t\\v\\f\\x01\\x7f"', "C0 controls and DEL")

    t = Target("t_hostile")
    rc, out, err = trace(t, "-f", "take", "--string-size", "1024", "--json")
    eq(rc, 0, f"exit code ({err})")
    assert_terminal_safe(out, "JSON output")
    recs, _ = json_records(out)
    eq(len(recs), len(t.lines()), "one record per call")
    for r, l in zip(sorted(recs, key=lambda r: r["args"][0]["value"]), t.lines()):
        a = r["args"][1]
        if l[2] == "long":
            eq((a["value"], a.get("truncated")), ("A" * 1024, True), "long string")
        elif l[2] == "fault":
            eq((a["value"], a.get("error"), a.get("pointer")), (None, "unreadable", "0x" + l[1]),
               "unreadable string")
        else:
            eq(a["value"], json_value_of(bytes.fromhex(l[2][1:])), f"string {l[0]}")


@test
def output_file_is_private_and_never_written_through_a_symlink():
    d = tempfile.mkdtemp(prefix="wm-e2e-out-")
    old = os.umask(0o022)
    try:
        out = os.path.join(d, "calls.txt")
        t = Target("t_search")
        rc, stdout, err = trace(t, "-f", "search", "-o", out)
        eq(rc, 0, f"exit code ({err})")
        eq(stdout, b"", "nothing on stdout with -o")
        eq(os.stat(out).st_mode & 0o777, 0o600, "mode of a new output file")
        text = open(out, "rb").read().decode()
        eq(sum(1 for l in text.splitlines() if " search(" in l), 120, "calls in the file")
        check(re.search(r"^search\s+120\s", text, re.M), "summary in the file")

        out2 = os.path.join(d, "shared.txt")
        t = Target("t_search")
        rc, _, err = trace(t, "-f", "search", "-o", out2, "--file-mode", "0640")
        eq(rc, 0, f"exit code ({err})")
        eq(os.stat(out2).st_mode & 0o777, 0o640, "--file-mode")

        # A symlink planted where the output goes: refused, its target untouched.
        victim = os.path.join(d, "victim")
        with open(victim, "w") as f:
            f.write("keep me\n")
        link = os.path.join(d, "link")
        os.symlink(victim, link)
        t = Target("t_search")
        try:
            line = bad(["-p", str(t.pid), "-f", "search", "-o", link],
                       r"is a symbolic link: wrapmon does not write through links")
        finally:
            t.finish()
            t.kill()
        eq(open(victim).read(), "keep me\n", "symlink target untouched")
        # A bad -f must not truncate the last trace.
        bad(["-p", str(os.getpid()), "-f", "no_such_function_here", "-o", out],
            r"not found")
        eq(open(out, "rb").read().decode(), text, "earlier output kept after a bad -f")
        bad(["-p", "1", "-f", "x", "--file-mode", "0400"], r"invalid --file-mode '0400'")
    finally:
        os.umask(old)
        subprocess.run(["rm", "-rf", d])


@test
def without_privileges_one_line_and_nothing_attached():
    t = Target("t_spin")
    try:
        for prefix in (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
                       ["capsh", "--drop=cap_sys_admin,cap_bpf,cap_perfmon", "--"]):
            args = [TRACER, "-p", str(t.pid), "-f", "work"]
            cmd = prefix + (["-c", " ".join(args)] if prefix[0] == "capsh" else args)
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            lines = p.stderr.strip().splitlines()
            check(p.returncode != 0, f"{prefix[0]}: exit code 0")
            eq(lines, ["wrapmon-trace: tracing needs root (CAP_SYS_ADMIN), or CAP_BPF and "
                       "CAP_PERFMON: run it with sudo, or grant both capabilities"],
               f"{prefix[0]}: stderr")
            eq(our_links(), [], f"{prefix[0]}: links left")
        check(t.p.poll() is None, "target untouched")
    finally:
        t.finish()
        t.kill()


def flood(*args):
    t = Target("t_flood")
    rc, out, err = trace(t, "-f", "int work(const char *s, int x)", *args)
    eq(rc, 0, f"exit code ({err[-300:]})")
    return int(t.lines()[0][0]), out.decode(), err


@test
def summary_only_counts_every_call_in_the_kernel():
    made, text, err = flood("--summary-only", "--hist")
    check("summary only: calls are counted in the kernel" in err, f"note: {err!r}")
    check(" work(" not in text, "no call lines in summary-only mode")
    row = re.search(r"^work\s+(\d+)\s+(\d+)\s+(\d+)\s", text, re.M)
    check(row, f"summary row: {text!r}")
    eq(tuple(map(int, row.groups())), (made, 0, 0), "calls, unfinished, dropped")
    # The histogram accounts for every call, each in one log2 bucket.
    check(re.search(rf"^work: {made} calls$", text, re.M), "histogram title")
    rows = re.findall(r"^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|(\**)\s*\|$", text, re.M)
    check(rows, "histogram rows")
    eq(sum(int(r[2]) for r in rows), made, "histogram counts add up to the calls")
    for lo, hi, n, bar in rows:
        check(int(hi) == 2 * int(lo) - 1 or lo == "0", f"log2 bucket {lo} -> {hi}")
    top = max(rows, key=lambda r: int(r[2]))
    eq(len(top[3]), 40, "the fullest bucket has the full bar")


@test
def interval_summaries_add_up_to_the_session():
    made, text, err = flood("--interval", "0.4", "--json")
    intervals, summary = [], None
    for line in text.splitlines():
        obj = json.loads(line)
        if "interval" in obj:
            intervals.append(obj["interval"])
        elif "summary" in obj:
            summary = obj["summary"]
    check(len(intervals) >= 3, f"{len(intervals)} intervals in a 1.5 s run")
    for iv in intervals:
        check(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", iv["ts"]), f"ts {iv['ts']!r}")
        check(iv["duration_ns"] <= 800_000_000, f"interval length {iv['duration_ns']}")
    calls = [iv["functions"][0]["calls"] for iv in intervals]
    eq(sum(calls), made, f"interval calls {calls} add up to the calls made")
    eq(func_summary(summary, "work")["calls"], made, "final summary")
    for iv in intervals:
        lat = iv["functions"][0]["latency_ns"]
        if lat:
            check(lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"], f"ordered: {lat}")

    # Summary-only with intervals: the kernel's counts, read every interval.
    made, text, err = flood("--interval", "0.5", "--summary-only")
    calls = [int(m) for m in re.findall(r"^work\s+(\d+)\s", text, re.M)]
    check(len(calls) >= 4, f"interval tables and the summary: {calls}")
    eq(sum(calls[:-1]), made, f"interval calls {calls[:-1]}")
    eq(calls[-1], made, "final summary")
    check(len(re.findall(r"^\d\d:\d\d:\d\d  last \d+\.\d s$", text, re.M)) == len(calls) - 1,
          "a time line above each interval table")


@test
def cxx_names_demangled_patterns_and_overloads():
    t = Target("t_cxx")
    try:
        line = bad(["-p", str(t.pid), "-f", "ns::Widget::draw"],
                   r"'ns::Widget::draw' is overloaded: ns::Widget::draw\(char const\*\), "
                   r"ns::Widget::draw\(int\); give the parameter list")
    finally:
        t.finish()
        t.kill()

    t = Target("t_cxx")
    rc, out, err = trace(t, "-f", "ns::Widget::*", "-f", "t_cxx:ns::detail::scale", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    got = sorted((r["tid"], r["function"], tuple(a["value"] for a in r["args"]),
                  r["result"]["value"]) for r in recs)
    want = []
    for l in t.lines():
        tid = int(l[0])
        if l[1] == "draw_int":
            want.append((tid, "ns::Widget::draw(int)", (l[2], int(l[3])), int(l[4])))
        elif l[1] == "draw_str":
            want.append((tid, "ns::Widget::draw(char const*)", (l[2], l[3]), int(l[4])))
        elif l[1] == "count":
            want.append((tid, "ns::Widget::count(int)", (int(l[2]),), int(l[3])))
        else:
            want.append((tid, "ns::detail::scale(long, int)", (int(l[2]), 3), int(l[3])))
    eq(len(want), 12, "calls logged")
    eq(got, sorted(want), "demangled names, this as a pointer, typed arguments")
    eq([a["name"] for a in recs[0]["args"]][0], "this", "this is the first argument")
    eq(sorted(f["function"] for f in summary["functions"]),
       ["ns::Widget::count(int)", "ns::Widget::draw(char const*)", "ns::Widget::draw(int)",
        "ns::detail::scale(long, int)"], "summary names")

    # One overload by its parameter list; the call line shows the name without them.
    t = Target("t_cxx")
    rc, out, err = trace(t, "-f", "ns::Widget::draw(int)")
    eq(rc, 0, f"exit code ({err})")
    lines = [l for l in out.decode().splitlines() if " ns::Widget::draw(" in l]
    eq(len(lines), 3, "draw(int) calls only")
    check(all(re.search(r" ns::Widget::draw\(this=0x[0-9a-f]+, x=\d\) = 70\d  <", l) for l in lines),
          f"call lines: {lines}")


TYPES_FUNCS = ["-f", "move_point", "-f", "paint", "-f", "sum8", "-f", "parse_int",
               "-f", "int checksum(const unsigned char *data[n], size_t n)",
               "-f", "long read_like(int fd, char *buf[ret], size_t count)",
               "-f", "apply", "-f", "pair_sum", "-f", "big_sum", "-f", "arr_sum",
               "-f", "un_get", "-f", "bits", "-f", "first_touch", "-f", "open_like",
               "--error", "ret < 0"]


def call_part(line):
    """A text call line without its time, thread and latency."""
    m = re.match(r"^\d\d:\d\d:\d\d\.\d{6} \d+ (.*)  <[^>]+>$", line)
    return m.group(1) if m else None


@test
def types_structs_enums_buffers_out_params_stack_args_match_the_log():
    # t_types logs each call as the line wrapmon should print, from the values it really used.
    t = Target("t_types")
    rc, out, err = trace(t, *TYPES_FUNCS)
    eq(rc, 0, f"exit code ({err})")
    with open(t.log) as f:
        want = f.read().splitlines()
    got = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    eq(len(want), 18, "calls logged")
    eq(got, want, "call lines")
    check('first_touch(s="first time") = 10' in want, "a string on an untouched page")
    summary = out.decode().split("\n\n")[-1]
    check(re.search(r"^open_like +2 +0 +0 +1 ", summary, re.M), f"errors column: {summary}")

    t = Target("t_types")
    rc, out, err = trace(t, *TYPES_FUNCS, "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    by = {}
    for r in recs:
        by.setdefault(r["function"], []).append(r)
    mp = by["move_point"][0]["args"][0]
    eq((mp["type"], mp["deref"], mp["out"]),
       ("struct point *", {"x": 1, "y": 2, "name": "a"}, {"x": 4, "y": 2, "name": "a"}),
       "struct through a pointer, at entry and at return")
    eq([(a["value"], a.get("enum")) for a in by["paint"][0]["args"][:1]] +
       [(by["paint"][0]["result"]["value"], by["paint"][0]["result"].get("enum"))],
       [(-4, "BLUE"), (2, "GREEN")], "enums by value and name")
    eq(by["paint"][2]["args"][0].get("enum"), None, "a value no enumerator has")
    eq([a["value"] for a in by["sum8"][0]["args"]], [1, 2, 3, 4, 5, 6, 7, -8], "8 arguments")
    eq(by["parse_int"][0]["args"][1]["out"], 12, "out-parameter")
    eq(by["apply"][0]["args"][0].get("symbol"), "twice", "function pointer")
    eq(by["pair_sum"][0]["args"][0]["value"], {"a": 1, "b": -2}, "struct in two registers")
    eq(by["big_sum"][0]["args"][0]["value"], {"a": 10, "b": 20, "c": 30}, "struct on the stack")
    eq(by["arr_sum"][0]["args"][0]["deref"], {"n": 3, "v": [1, 2, 3, 0, 0, 0, 0, 0],
                                              "tag": "hello"}, "fixed arrays")
    eq(by["read_like"][0]["args"][1]["out"], "hello", "buffer counted by the result")
    eq(by["checksum"][0]["args"][0]["deref"], "ab\x00c", "buffer counted by a parameter")
    eq([r.get("error") for r in by["open_like"]],
       [None, {"expr": "ret < 0", "errno": "ENOENT"}], "error object")
    eq(func_summary(summary, "open_like")["errors"], 1, "errors in the summary")

    # Without sleepable probes that string cannot be read at entry: what the test above guards.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "first_touch", "--no-sleepable")
    eq(rc, 0, f"exit code ({err})")
    lines = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    check(len(lines) == 1 and re.fullmatch(r"first_touch\(s=0x[0-9a-f]+<unreadable>\) = 10", lines[0]),
          f"not sleepable: {lines}")

    # Enumerators by name in a filter.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "paint", "--filter", "c == BLUE && ret != GREEN")
    eq(rc, 0, f"exit code ({err})")
    eq([call_part(l) for l in out.decode().splitlines() if call_part(l)],
       ["paint(c=BLUE, on=false, mark='y') = BLUE"], "filter with enumerators")

    # Out-parameters can be left alone.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "parse_int", "--no-out-params")
    eq(rc, 0, f"exit code ({err})")
    lines = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    check(lines and all(" -> " not in l for l in lines), f"no out-parameters: {lines}")


def search_log(t):
    return [(int(l[0]), unhex(l[2]), unhex(l[3]), int(l[4])) for l in t.lines()]


@test
def filter_in_the_kernel_keeps_only_matching_calls():
    expr = 'pat == "fox" || ret > 10 && latency < 1s'
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--filter", expr, "--json", "--string-size", "200")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    log = search_log(t)
    want = sorted((tid, p, s, r) for tid, p, s, r in log if p == "fox" or r > 10)
    got = sorted((r["tid"], r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"])
                 for r in recs)
    check(0 < len(want) < len(log), "the filter keeps some calls and not others")
    eq(got, want, "calls kept")
    f = func_summary(summary, "search")
    eq((f["calls"], f["filtered"]), (len(want), len(log) - len(want)), "kept and filtered")

    # Decided at entry (arguments only) and with the summary counted in the kernel.
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--filter", 'pat != "a*"', "--summary-only",
                         "--json")
    eq(rc, 0, f"exit code ({err})")
    _, summary = json_records(out)
    log = search_log(t)
    kept = sum(1 for _, p, _, _ in log if not p.startswith("a"))
    f = func_summary(summary, "search")
    eq((f["calls"], f["filtered"]), (kept, len(log) - kept), "summary-only with a filter")

    # A bad expression: one line with the column, nothing attached.
    t = Target("t_search")
    try:
        bad(["-p", str(t.pid), "-f", "search", "--filter", "pat > 3"],
            r"--filter 'pat > 3' for search: 'pat' is a string \('const char \*'\): compare it "
            r"with \"text\", \"prefix\*\" or NULL \(column 7\)$")
        bad(["-p", str(t.pid), "-f", "search", "--error", "nope == 1"],
            r"unknown name 'nope': parameters are pat, s")
    finally:
        t.finish()
        t.kill()


@test
def stack_traces_are_symbolized():
    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "--stack")
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    # fact(3) from fact(4) ... from main: frames name fact at its call site, then main.
    blocks = re.findall(r"^\S+ \d+ fact\(n=3\) = 6  <[^>]+>\n((?:    at .*\n)+)", text, re.M)
    check(blocks, f"a stack under fact(n=3): {text[:2000]}")
    frames = blocks[0].splitlines()
    eq(frames[0], "    at fact (t_nest)", "the first frame is the function itself")
    callers = 0
    while re.fullmatch(r"    at fact\+0x[0-9a-f]+ \(t_nest\)", frames[1 + callers]):
        callers += 1
    eq(callers, 9, f"fact(4) .. fact(12) call it: {frames}")
    check(re.fullmatch(r"    at main\+0x[0-9a-f]+ \(t_nest\)", frames[10]),
          f"main called fact(12): {frames}")

    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "--stack", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    st = [r for r in recs if r["args"][0]["value"] == 3][0]["stack"]
    eq((st[0]["symbol"], st[0]["offset"], os.path.basename(st[0]["object"])), ("fact", 0, "t_nest"),
       "first frame in JSON")


@test
def unprobeable_pattern_matches_are_named_and_left_out():
    t = Target("t_locked")
    try:
        p = subprocess.run([TRACER, "-p", str(t.pid), "-f", "a_rather_long_*"],
                           capture_output=True, text=True, timeout=20)
    finally:
        t.finish()
        t.kill()
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0, "exit code")
    eq(len(lines), 2, f"stderr lines {lines}")
    names = ", ".join(f"a_rather_long_function_name_that_starts_with_a_locked_instruction_number_{i}"
                      for i in range(5))
    eq(lines[0], "wrapmon-trace: note: 6 functions of 'a_rather_long_*' left out: the kernel "
       f"cannot probe their first instruction ({names}, ...)", "note")
    check("nothing left to trace" in lines[1], f"error: {lines[1]!r}")
    eq(our_links(), [], "links left")


# ----------------------------------------------------------------- metrics

_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse_exposition(text):
    """[(name, {label: value}, float)] of a text exposition; raises on a bad line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        check(m, f"exposition line: {line!r}")
        labels, rest = {}, m.group(2) or ""
        while rest:
            lm = _LABEL_RE.match(rest)
            check(lm, f"labels in {line!r}")
            v = lm.group(2)
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1), v)
            rest = rest[lm.end():]
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def scrape(addr, path="/metrics", timeout=5):
    with urllib.request.urlopen(f"http://{addr}{path}", timeout=timeout) as r:
        eq(r.status, 200, "HTTP status")
        eq(r.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8",
           "Content-Type")
        return r.read().decode("utf-8")


def sample(samples, name, **labels):
    got = [v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]
    check(len(got) == 1, f"{name}{labels}: {len(got)} samples")
    return got[0]


def metrics_addr(tr):
    m = re.search(rb"serving metrics at http://([^/]+)/metrics", tr.err)
    check(m, f"metrics address on stderr: {tr.err!r}")
    return m.group(1).decode()


def target_round(t, first=False):
    """Start a round of calls (the first is 'go') and wait for the target's 'done'."""
    if first:
        t.go()
    else:
        t.p.stdin.write("more\n")
        t.p.stdin.flush()
    line = t.p.stdout.readline()
    check(line.startswith("done "), f"target round: {line!r}")


def logged(t, what):
    """Total of the target's 'ROUND what N' log lines."""
    return sum(int(l[2]) for l in t.lines() if l[1] == what)


def wait_for_calls(addr, want, timeout=5.0):
    """Scrape until wrapmon_calls_total{function=f} == n for every f in want."""
    end = time.time() + timeout
    while True:
        samples = parse_exposition(scrape(addr))
        got = {f: sample(samples, "wrapmon_calls_total", function=f) for f in want}
        if got == {f: float(n) for f, n in want.items()}:
            return samples
        check(time.time() < end, f"calls scraped {got}, target made {want}")
        time.sleep(0.1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@test
def metrics_scrape_counts_match_the_target():
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        check(addr.startswith("127.0.0.1:"), f"loopback address {addr}")
        target_round(t, first=True)
        want = {"tick": logged(t, "tick"), "tock": logged(t, "tock")}
        eq(want, {"tick": 250, "tock": 37}, "calls logged")
        samples = wait_for_calls(addr, want)
        exe = os.path.realpath(os.path.join(OUT, "targets", "t_metrics"))
        for f, n in want.items():
            lab = {"function": f, "object": exe, "pid": str(t.pid)}
            eq(sample(samples, "wrapmon_calls_total", **lab), n, f"{f} calls with all labels")
            eq(sample(samples, "wrapmon_unfinished_total", **lab), 0, f"{f} unfinished")
            eq(sample(samples, "wrapmon_dropped_total", **lab), 0, f"{f} dropped")
            eq(sample(samples, "wrapmon_call_latency_seconds_count", **lab), n, f"{f} histogram count")
            buckets = sorted((float(l["le"]), v) for name, l, v in samples
                             if name == "wrapmon_call_latency_seconds_bucket" and l["function"] == f)
            eq(len(buckets), 26, f"{f} buckets")
            eq(buckets[-1], (float("inf"), n), f"{f} +Inf bucket = count")
            check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{f} cumulative")
            check(sample(samples, "wrapmon_call_latency_seconds_sum", **lab) > 0, f"{f} sum")
        # Every fifth tock sleeps 1.5 ms: those are above the 1.048575 ms bound.
        slow = logged(t, "slow")
        le_1ms = [v for n, l, v in samples if n == "wrapmon_call_latency_seconds_bucket"
                  and l["function"] == "tock" and l["le"] == "0.001048575"][0]
        check(le_1ms <= 37 - slow, f"tock calls <= 1 ms: {le_1ms}, {slow} slept 1.5 ms")
        check(sample(samples, "wrapmon_records_total") >= 287, "records read")
        eq(sample(samples, "wrapmon_bad_records_total"), 0, "bad records")
        eq(sample(samples, "wrapmon_ring_buffer_size_bytes"), 4 << 20, "ring size")
        check(sample(samples, "wrapmon_process_cpu_seconds_total") > 0, "cpu seconds")
        check(sample(samples, "wrapmon_process_resident_memory_bytes") > 1 << 20, "rss")
        check(sample(samples, "wrapmon_scrape_duration_seconds") < 1, "scrape duration")
        # Prometheus's own linter (in the same Debian package) accepts the exposition.
        lint = subprocess.run(["promtool", "check", "metrics"], input=scrape(addr),
                              capture_output=True, text=True)
        eq((lint.returncode, lint.stdout + lint.stderr), (0, ""), "promtool check metrics")
        for path, code in (("/", 404), ("/metrics/x", 404)):
            try:
                scrape(addr, path)
                raise Fail(f"{path}: 200")
            except urllib.error.HTTPError as e:
                eq(e.code, code, f"status of {path}")
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://{addr}/metrics", data=b"x"),
                                   timeout=5)
            raise Fail("POST answered 200")
        except urllib.error.HTTPError as e:
            eq(e.code, 405, "status of POST")
        t.finish()
        rc, out, err = tr.wait(10)
    finally:
        tr.kill()
        t.kill()
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    eq(sum(1 for l in text.splitlines() if " tick(i=" in l), 250, "tick lines streamed")
    check(re.search(r"^tock\s+37\s+0\s+0\s", text, re.M), "summary row for tock")


@test
def metrics_slow_and_malformed_clients_do_not_block():
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    socks = []
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        host, port = addr.rsplit(":", 1)

        def client(data):
            c = socket.create_connection((host, int(port)), timeout=5)
            if data:
                c.sendall(data)
            socks.append(c)
            return c

        # Silent, half a request line, a TLS hello, a request never read, a huge header.
        client(b"")
        client(b"GET /metr")
        client(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n")
        client(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        client(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 200000)
        t0 = time.time()
        target_round(t, first=True)
        samples = wait_for_calls(addr, {"tick": 250, "tock": 37})
        check(time.time() - t0 < 3, f"scrape with stalled clients took {time.time() - t0:.1f}s")
        # More idle connections than the server takes: the tracer streams on regardless.
        for _ in range(20):
            try:
                client(b"")
            except OSError:
                break
        target_round(t)
        eq(logged(t, "tick"), 500, "ticks after two rounds")
        deadline = time.time() + 5
        while True:
            tr.out.seek(0)
            n = tr.out.read().count(b" tick(i=")
            if n == 500 or time.time() > deadline:
                break
            time.sleep(0.1)
        eq(n, 500, "calls streamed while the HTTP server is saturated")
        for c in socks[1:]:
            c.close()
        del socks[1:]
        wait_for_calls(addr, {"tick": 500, "tock": 74})
        # Ctrl-C with a client still connected: the server stops, nothing waits on it.
        client(b"GET /metrics HTTP/1.1\r\n")
        t_int = time.time()
        tr.p.send_signal(signal.SIGINT)
        rc, out, err = tr.wait(10)
        check(time.time() - t_int < 3, f"SIGINT took {time.time() - t_int:.1f}s")
        eq(our_links(), [], "links left")
        check(t.p.poll() is None, "target untouched")
    finally:
        for c in socks:
            c.close()
        tr.kill()
        t.finish()
        t.kill()
    eq(rc, 0, f"exit code ({err})")
    check(re.search(r"^tick\s+500\s+0\s+0\s", out.decode(), re.M), "summary row for tick")


@test
def metrics_bad_address_or_port_in_use_one_line_nothing_attached():
    bad(["-p", "1", "-f", "x", "--metrics", "9464"], r"--metrics '9464' has no port")
    bad(["-p", "1", "-f", "x", "--metrics", "example.org:9464"], r"not a numeric IPv4 address")
    bad(["-p", "1", "-f", "x", "--metrics", "::1:9464"], r"in brackets")
    t = Target("t_metrics")
    busy = socket.socket()
    try:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        bad(["-p", str(t.pid), "-f", "tick", "--metrics", f"127.0.0.1:{port}"],
            rf"^wrapmon-trace: cannot serve metrics on 127\.0\.0\.1:{port}: the port is in use; "
            r"pick another with --metrics ADDR:PORT$")
        check(t.p.poll() is None, "target untouched")
    finally:
        busy.close()
        t.finish()
        t.kill()


def prometheus_query(base, q):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.loads(r.read())
    eq(body.get("status"), "success", f"query {q}")
    return [(x["metric"], float(x["value"][1])) for x in body["data"]["result"]]


@test
def prometheus_server_stores_the_calls_the_target_made():
    # A real Prometheus (Debian's package, installed by tests/e2e/install-prometheus.sh)
    # on loopback, with its own config and storage, scraping wrapmon every second.
    prom_bin = subprocess.run(["sh", "-c", "command -v prometheus"], capture_output=True,
                              text=True).stdout.strip()
    check(prom_bin, "prometheus not installed: run tests/e2e/install-prometheus.sh")
    d = tempfile.mkdtemp(prefix="wm-e2e-prom-")
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    prom = None
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        target_round(t, first=True)
        want = {"tick": logged(t, "tick"), "tock": logged(t, "tock")}
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: wrapmon\n    static_configs:\n"
                    f"      - targets: ['{addr}']\n")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(os.path.join(d, "prometheus.log"), "w") as log:
            prom = subprocess.Popen([prom_bin, f"--config.file={d}/prometheus.yml",
                                     f"--storage.tsdb.path={d}/data",
                                     f"--web.listen-address=127.0.0.1:{port}",
                                     "--log.level=warn"],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.time() + 15
        got = {}
        while time.time() < deadline:
            check(prom.poll() is None, "prometheus exited: " +
                  open(os.path.join(d, "prometheus.log")).read()[-800:])
            try:
                got = {f: [v for _, v in prometheus_query(
                    base, f'wrapmon_calls_total{{function="{f}",pid="{t.pid}"}}')] for f in want}
                if got == {f: [float(n)] for f, n in want.items()}:
                    break
            except (OSError, urllib.error.URLError):
                pass  # not listening yet
            time.sleep(0.3)
        eq(got, {f: [float(n)] for f, n in want.items()}, "calls stored by Prometheus")
        eq([v for _, v in prometheus_query(base, 'up{job="wrapmon"}')], [1.0], "target up")
        eq([v for _, v in prometheus_query(
            base, 'wrapmon_call_latency_seconds_count{function="tick"}')], [250.0],
           "histogram count stored")
        q = prometheus_query(
            base, 'histogram_quantile(0.5, wrapmon_call_latency_seconds_bucket{function="tock"})')
        check(len(q) == 1 and 0 < q[0][1] < 1, f"histogram_quantile over our buckets: {q}")
    finally:
        if prom is not None and prom.poll() is None:
            prom.terminate()
            try:
                prom.wait(10)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        t.finish()
        tr.wait(10)
        tr.kill()
        t.kill()
        subprocess.run(["rm", "-rf", d])


def bad(args, pattern, target=None):
    p = subprocess.run([TRACER, *args], capture_output=True, text=True, timeout=20)
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0, f"{args}: exit code 0")
    eq(len(lines), 1, f"{args}: stderr lines {lines}")
    check(re.search(pattern, lines[0]), f"{args}: {lines[0]!r} !~ {pattern!r}")
    eq(p.stdout, "", f"{args}: stdout")
    eq(our_links(), [], f"{args}: links left")
    return lines[0]


@test
def bad_inputs_one_clear_line():
    bad([], r"no process given: add -p PID")
    bad(["-p", "1"], r"no function given: add -f NAME")
    bad(["-p", "1", "-f", "x", "--interval", "0"], r"invalid --interval '0': give seconds")
    bad(["-p", "abc", "-f", "x"], r"invalid PID 'abc'")
    bad(["-p", "999999999", "-f", "x"], r"process 999999999 does not exist")
    bad(["-p", "2", "-f", "x"], r"kernel thread")
    bad(["-p", "1", "-f", "x", "--string-size", "0"], r"--string-size 0 is out of range: use 1 to 1024")
    bad(["-p", "1", "-f", "x", "--string-size", "5000"], r"out of range")
    bad(["-p", "1", "-f", "int f(const char *s"], r"malformed prototype.*column")
    # A zombie: a child that exited and was not reaped.
    z = subprocess.Popen(["true"])
    time.sleep(0.3)
    bad(["-p", str(z.pid), "-f", "x"], r"zombie")
    z.wait()
    t = Target("t_search")
    try:
        msg = bad(["-p", str(t.pid), "-f", "serch"], r"symbol 'serch' not found")
        check("search" in msg, f"closest name offered: {msg}")
        bad(["-p", str(t.pid), "-f", "libnothere:search"], r"libnothere")
    finally:
        t.finish()
        t.kill()
    t = Target("t_lib2")
    try:
        msg = bad(["-p", str(t.pid), "-f", "dup_fn"], r"dup_fn")
        check("libwmt.so" in msg and "libwmt2.so" in msg, f"both objects listed: {msg}")
    finally:
        t.finish()
        t.kill()
    # Not root: drop to nobody without capabilities.
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", TRACER, "-p", "1", "-f", "x"],
                       capture_output=True, text=True, timeout=20)
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0 and len(lines) == 1 and "sudo" in lines[0], f"not root: {lines}")


# ------------------------------------------------------- persistent store


STORE_DIRS = []


def store_path():
    d = tempfile.mkdtemp(prefix="wm-e2e-db-")
    STORE_DIRS.append(d)
    return os.path.join(d, "calls.db")


def db_rows(path, sql, *args):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql, args)]
    finally:
        db.close()


CALLS_SQL = ("SELECT c.*, f.name AS function FROM calls c JOIN functions f ON f.id = c.function_id "
             "ORDER BY c.start_ns")


@test
def store_keeps_errors_filters_and_stacks():
    t = Target("t_types")
    db = store_path()
    rc, out, err = trace(t, "-f", "parse_int", "--error", "ret < 0", "-f", "open_like",
                         "--error", "ret == -2", "--filter", "ret != 3", "--stack", "--store", db)
    eq(rc, 0, f"exit code ({err})")
    rows = db_rows(db, CALLS_SQL)
    eq([(r["function"], r["error"], r["error_text"] and json.loads(r["error_text"])) for r in rows],
       [("parse_int", 0, None), ("parse_int", 1, {"expr": "ret < 0", "errno": "EINVAL"}),
        ("open_like", 1, {"expr": "ret == -2", "errno": "ENOENT"})], "error columns")
    st = json.loads(rows[0]["stack"])
    eq((st[0]["symbol"], st[1]["symbol"]), ("parse_int", "main"), "stack column")
    aggs = {r["name"]: r for r in db_rows(db, "SELECT a.*, f.name FROM aggregates a "
                                              "JOIN functions f ON f.id = a.function_id")}
    eq((aggs["parse_int"]["errors"], aggs["open_like"]["errors"], aggs["open_like"]["filtered"]),
       (1, 1, 1), "aggregates")


@test
def store_rows_match_the_log_with_parents():
    # Every call the target logged is a row with its arguments, result and
    # thread; nested calls point at the call that contains them.
    t = Target("t_nest")
    db = store_path()
    rc, out, err = trace(t, "-f", "fact", "-f", "outer", "-f", "inner", "-f", "mix", "-f", "peek",
                         "--store", db)
    eq(rc, 0, f"exit code ({err})")
    check(f"stored 56 calls in {db}" in err, f"stored line: {err[-300:]!r}")
    eq(os.stat(db).st_mode & 0o777, 0o600, "file mode")
    eq(db_rows(db, "PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity")
    check(not os.path.exists(db + "-wal"), "one file at the end")
    rows = db_rows(db, CALLS_SQL)
    by_id = {r["id"]: r for r in rows}
    val = lambda r, i: json.loads(r["args"])[i].get("value")
    res = lambda r: json.loads(r["result"])["value"]
    # The log, as (function, first argument, result), in order; fact(8..1)
    # of fact(40) are deeper than 32 and not recorded.
    want, after_mix = [], False
    for l in t.lines():
        after_mix = after_mix or l[1] == "mix"
        if l[1] in ("tail_a", "tail_b") or (after_mix and l[1] == "fact" and int(l[2]) <= 8):
            continue
        if l[1] == "peek":
            want.append((int(l[0]), "peek", None, 3))
        elif l[1] == "mix":
            want.append((int(l[0]), "mix", int(l[2]), int(l[4])))
        else:
            want.append((int(l[0]), l[1], int(l[2]), int(l[3])))
    got = [(r["tid"], r["function"], val(r, 0), res(r)) for r in rows]
    eq(sorted(got, key=repr), sorted(want, key=repr), "rows")
    eq({r["pid"] for r in rows}, {t.pid}, "pid")
    check(all(r["latency_ns"] > 0 and r["unfinished"] is None and r["error"] == 0
              and r["error_text"] is None for r in rows), "latency, no error columns set")
    # Parents: inner(2x) inside outer(x); fact(n) inside fact(n + 1); the rest at the top.
    for r in rows:
        p = by_id.get(r["parent_id"]) if r["parent_id"] is not None else None
        if r["function"] == "inner":
            check(p and p["function"] == "outer" and val(p, 0) * 2 == val(r, 0),
                  f"inner({val(r, 0)}) parent {p}")
        elif r["function"] == "fact" and r["depth"] > 0:
            check(p and p["function"] == "fact" and val(p, 0) == val(r, 0) + 1,
                  f"fact({val(r, 0)}) parent {p}")
        else:
            check(r["function"] != "fact" or val(r, 0) in (12, 40), f"fact({val(r, 0)}) at the top")
            eq(r["parent_id"], None, f"{r['function']}({val(r, 0)}) parent")
        if p:
            eq(r["depth"], p["depth"] + 1, "depth below the parent")
            check(p["start_ns"] <= r["start_ns"] and
                  r["start_ns"] + r["latency_ns"] <= p["start_ns"] + p["latency_ns"],
                  "child within its parent's time")
    sess = db_rows(db, "SELECT * FROM sessions")
    eq(len(sess), 1, "sessions")
    s = sess[0]
    eq((s["target_pid"], s["calls"], s["not_kept"], s["dropped"]), (t.pid, 56, 0, 8), "session")
    check(s["target_exe"].endswith("/targets/t_nest") and "--store" in s["command_line"]
          and s["end_ns"] > s["start_ns"] and s["kernel"] == os.uname().release, f"session {s}")
    aggs = {a["name"]: a for a in db_rows(db, "SELECT a.*, f.name, f.signature FROM aggregates a "
                                              "JOIN functions f ON f.id = a.function_id")}
    for name in ("fact", "outer", "inner", "mix", "peek"):
        eq(aggs[name]["calls"], sum(1 for r in rows if r["function"] == name), f"{name} calls")
        eq(aggs[name]["max_ns"], max(r["latency_ns"] for r in rows if r["function"] == name),
           f"{name} max")
    eq(aggs["fact"]["dropped"], 8, "fact dropped")
    eq(aggs["mix"]["signature"], "int mix(int a, double f, int b)", "signature from DWARF")
    return db, t


@test
def store_two_threads_strings():
    t = Target("t_search")
    db = store_path()
    rc, out, err = trace(t, "-f", "search", "--store", db)
    eq(rc, 0, f"exit code ({err})")
    rows = db_rows(db, CALLS_SQL)
    got = sorted((r["tid"], json.loads(r["args"])[0]["value"], json.loads(r["args"])[1]["value"],
                  json.loads(r["result"])["value"]) for r in rows)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    eq(got, want, "search rows")
    eq(len({r["tid"] for r in rows}), 2, "two threads")


@test
def store_survives_kill9():
    # The tracer dies mid-run: the database opens, is intact, and every row
    # that made it is a whole, right call.
    t = Target("t_spin")
    db = store_path()
    tr = Tracer("-p", str(t.pid), "-f", "work", "--store", db)
    try:
        tr.wait_ready()
        t.go()
        time.sleep(0.6)
        tr.p.kill()
        tr.p.wait()
    finally:
        tr.kill()
        t.finish()
        t.kill()
    eq(db_rows(db, "PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity")
    rows = db_rows(db, CALLS_SQL)
    check(len(rows) > 100, f"rows committed before the kill: {len(rows)}")
    for r in rows:
        x = json.loads(r["args"])[0]["value"]
        eq(json.loads(r["result"])["value"], x ^ 0x5A, f"work({x})")
        eq((r["tid"], r["function"], r["depth"], r["parent_id"]), (t.pid, "work", 0, None), "row")
    eq(len({r["id"] for r in rows}), len(rows), "unique ids")
    s = db_rows(db, "SELECT * FROM sessions")[0]
    eq(s["end_ns"], None, "no end after kill -9")
    p = subprocess.run([TRACER, "report", db], capture_output=True, text=True, timeout=20)
    eq(p.returncode, 0, f"report after kill -9: {p.stderr}")
    check("did not end cleanly" in p.stdout, f"report says so: {p.stdout[:300]!r}")
    m = re.search(r"^work\s+(\d+)\s+0\s", p.stdout, re.M)
    check(m and int(m.group(1)) == len(rows), f"report counts the kept rows: {p.stdout[:600]!r}")


@test
def store_not_kept_is_counted_and_said():
    # A queue of 64 calls cannot hold a flood: calls not kept are counted,
    # warned about, and the aggregates still count every call.
    t = Target("t_flood")
    db = store_path()
    rc, out, err = trace(t, "-f", "int work(const char *s, int x)", "--store", db,
                         "--store-queue", "64")
    eq(rc, 0, f"exit code ({err})")
    made = int(t.lines()[0][0])
    s = db_rows(db, "SELECT * FROM sessions")[0]
    kept = db_rows(db, "SELECT count(*) AS n FROM calls")[0]["n"]
    a = db_rows(db, "SELECT * FROM aggregates")[0]
    check(s["not_kept"] > 0, f"a 64-call queue must overflow ({made} calls)")
    eq(kept + s["not_kept"], s["calls"], "kept + not kept = calls")
    eq(a["calls"], s["calls"], "aggregates count every call")
    eq(a["not_kept"], s["not_kept"], "per function not kept")
    eq(a["calls"] + a["dropped"], made, "calls + dropped = calls made")
    check(re.search(rf"warning: {s['not_kept']} of {s['calls']} calls not kept in .*: the store "
                    "could not keep up", err), f"warning at the end: {err[-400:]!r}")


@test
def report_matches_the_log():
    db, t = store_rows_match_the_log_with_parents()
    log = t.lines()
    p = subprocess.run([TRACER, "report", db, "--function", "inner"], capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 0, f"report: {p.stderr}")
    calls = p.stdout.split("\nCALLS\n")[1].splitlines()[1:]
    got = [re.sub(r"  <.*", "", l.split(None, 3)[3]) for l in calls]
    want = [f"inner(y={l[2]}) = {l[3]}" for l in log if l[1] == "inner"]
    eq(got, want, "inner calls listed")
    for name in ("outer", "inner", "mix", "peek"):
        m = re.search(rf"^{name}\s+(\d+)\s+0\s+0\s+0\s", p.stdout, re.M)
        check(m, f"{name} summary row")
        eq(int(m.group(1)), sum(1 for l in log if l[1] == name), f"{name} calls")
    check(re.search(r'peek\(s=0x10<unreadable>, n=3\) = 3', subprocess.run(
        [TRACER, "report", db, "--function", "peek"], capture_output=True, text=True).stdout),
        "an unreadable string in the report")
    p = subprocess.run([TRACER, "report", db, "--json", "--top", "5"], capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 0, f"report --json: {p.stderr}")
    r = json.loads(p.stdout)["sessions"][0]
    slow = db_rows(db, "SELECT id FROM calls ORDER BY latency_ns DESC, id LIMIT 5")
    eq([c["id"] for c in r["slowest"]], [x["id"] for x in slow], "slowest five")
    eq({f["function"]: f["calls"] for f in r["functions"]}["fact"],
       sum(1 for l in log if l[1] == "fact") - 8, "fact calls in --json")
    eq(r["errors"], [], "no errors")
    check("matches" not in r, "no call list without --function/--since")


@test
def store_and_report_bad_inputs_one_clear_line():
    d = os.path.dirname(store_path())
    junk = os.path.join(d, "junk.db")
    with open(junk, "w") as f:
        f.write("not a database at all, " * 20)
    for args, pat in (([], r"no database given"),
                      ([os.path.join(d, "nope.db")], r"nope.db: No such file or directory"),
                      ([junk], r"is not a wrapmon database"),
                      ([junk, "--bogus"], r"bad option '--bogus'"),
                      ([junk, "--top", "0"], r"invalid --top '0'"),
                      ([junk, "--since"], r"--since needs a value"),
                      ([junk, "--since", "soon"], r"invalid --since 'soon'")):
        p = subprocess.run([TRACER, "report", *args], capture_output=True, text=True, timeout=20)
        lines = p.stderr.strip().splitlines()
        check(p.returncode != 0, f"{args}: exit code 0")
        eq(len(lines), 1, f"{args}: stderr lines {lines}")
        check(re.search(pat, lines[0]), f"{args}: {lines[0]!r} !~ {pat!r}")
        eq(p.stdout, "", f"{args}: stdout")
    # An existing file is never overwritten, and a symlink never followed.
    os.symlink(os.path.join(d, "elsewhere.db"), os.path.join(d, "link.db"))
    t = Target("t_search")
    try:
        bad(["-p", str(t.pid), "-f", "search", "--store", junk], r"junk.db already exists")
        bad(["-p", str(t.pid), "-f", "search", "--store", os.path.join(d, "link.db")],
            r"link.db already exists")
    finally:
        t.finish()
        t.kill()
    check(not os.path.exists(os.path.join(d, "elsewhere.db")), "symlink not followed")
    with open(junk) as f:
        check(f.read().startswith("not a database"), "existing file untouched")


def main():
    global OUT, TRACER
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    OUT = a.out
    TRACER = os.path.abspath(os.path.join(OUT, "wrapmon-trace"))
    passed = failed = 0
    for fn in TESTS:
        if a.k and a.k not in fn.__name__:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__} ({time.time() - t0:.1f}s)", flush=True)
        except Exception as e:
            failed += 1
            print(f"FAIL {fn.__name__}: {e}", flush=True)
            if not isinstance(e, Fail):
                traceback.print_exc()
    for d in STORE_DIRS:
        shutil.rmtree(d, ignore_errors=True)
    print(f"e2e: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
