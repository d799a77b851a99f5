# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The end-to-end tests' harness: the real binary on real targets, with real BPF.

Each target logs what it really did; the tracer's output must match it exactly.
The tests live one file per feature area, tests/e2e/test_AREA.py, and run in
the order run.py lists the areas. Closes with "e2e: N passed, N failed".
"""
import argparse
import importlib
import inspect
import json
import os
import re
import select
import subprocess
import tempfile
import time
import traceback

# The build under test, set by main() here and in every area's module.
OUT = "build"
TRACER = None
TESTS = []
AT_END = []


def test(fn):
    TESTS.append(fn)
    return fn


def at_end(fn):
    """Run fn once after the last test (removing what tests left for later)."""
    AT_END.append(fn)
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
_MAP_NAMES = {"rb", "funcs", "stats", "tstates", "tgids", "wrapmon.bss", "wrapmon.rodata"}
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

    def __init__(self, name, *args, stderr=None):
        self.dir = tempfile.mkdtemp(prefix="wm-e2e-")
        self.log = os.path.join(self.dir, "log")
        self.p = subprocess.Popen([os.path.join(OUT, "targets", name), self.log, *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  stderr=stderr)
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


def bad(args, pattern, target=None):
    p = subprocess.run([TRACER, *args], capture_output=True, text=True, timeout=20)
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0, f"{args}: exit code 0")
    eq(len(lines), 1, f"{args}: stderr lines {lines}")
    check(re.search(pattern, lines[0]), f"{args}: {lines[0]!r} !~ {pattern!r}")
    eq(p.stdout, "", f"{args}: stdout")
    eq(our_links(), [], f"{args}: links left")
    return lines[0]


def area_of(fn):
    return fn.__module__.removeprefix("test_")


def where(fn):
    """file:line of a test, for the reader of a failure."""
    path = os.path.relpath(inspect.getsourcefile(fn))
    return f"{path}:{fn.__code__.co_firstlineno}"


def main(areas):
    global OUT, TRACER
    ap = argparse.ArgumentParser(description="wrapmon's end-to-end tests (run as root)")
    ap.add_argument("--out", default="build")
    ap.add_argument("-k", default="", help="only the tests whose name has this substring")
    ap.add_argument("--area", action="append", default=[],
                    help=f"only the tests of tests/e2e/test_AREA.py; one of: {', '.join(areas)}")
    ap.add_argument("--list", action="store_true", help="list the tests as AREA: NAME and exit")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    files = {f[len("test_"):-len(".py")] for f in os.listdir(here)
             if f.startswith("test_") and f.endswith(".py")}
    if files != set(areas):
        ap.error(f"run.py's areas {sorted(areas)} are not the test_*.py files {sorted(files)}")
    want = {x.removesuffix(".py").rsplit("/", 1)[-1].removeprefix("test_") for x in a.area}
    if want - set(areas):
        ap.error(f"no area {', '.join(sorted(want - set(areas)))}: the areas are {', '.join(areas)}")
    OUT = a.out
    TRACER = os.path.abspath(os.path.join(OUT, "wrapmon-trace"))
    for name in areas:
        mod = importlib.import_module(f"test_{name}")
        mod.OUT, mod.TRACER = OUT, TRACER
    run = [fn for fn in TESTS if (not a.k or a.k in fn.__name__) and
           (not want or area_of(fn) in want)]
    if a.list:
        for fn in run:
            print(f"{area_of(fn)}: {fn.__name__}")
        return 0
    passed = failed = 0
    for fn in run:
        t0 = time.time()
        try:
            fn()
            passed += 1
            print(f"ok   {area_of(fn)}: {fn.__name__} ({time.time() - t0:.1f}s)", flush=True)
        except Exception as e:
            failed += 1
            print(f"FAIL {area_of(fn)}: {fn.__name__} ({where(fn)}): {e}", flush=True)
            if not isinstance(e, Fail):
                traceback.print_exc()
    for fn in AT_END:
        fn()
    print(f"e2e: {passed} passed, {failed} failed")
    return 1 if failed else 0
