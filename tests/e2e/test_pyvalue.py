# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Python values (issue 15): in a CPython process, a C function's PyObject *
parameters and result show as the Python values they are, rendered like
repr(). The target (targets/pyrepr.py) calls repr() on known objects and logs
what repr() returned; PyObject_Repr is traced, and its argument, rendered by
wrapmon, must equal that log exactly wherever the snapshot holds all of it.
Runs on every CPython 3.8-3.13 that pyenv installed (`pyenv root`), and on
Debian's python3.11 (stripped: through a prototype)."""
import glob
import json
import os
import re
import subprocess
import tempfile

from harness import test, check, eq, Tracer, Fail, json_records, our_links, TRACER

TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets", "pyrepr.py")
PROTO = "PyObject *PyObject_Repr(PyObject *v)"


def pyenv_pythons():
    """{"3.12": path} of the newest pyenv build of each minor version present."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        root = ""
    found = {}
    for minor in range(8, 14):
        paths = sorted(glob.glob(os.path.join(root, "versions", f"3.{minor}.*", "bin",
                                              f"python3.{minor}"))) if root else []
        if paths:
            found[f"3.{minor}"] = paths[-1]
    return found


class PyTarget:
    """targets/pyrepr.py under one interpreter: 'ready PID', then 'go' on stdin."""

    def __init__(self, python, *args):
        self.dir = tempfile.mkdtemp(prefix="wm-e2e-")
        self.log = os.path.join(self.dir, "log")
        self.p = subprocess.Popen([python, TARGET, self.log, *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        check(line.startswith("ready "), f"{python} did not start: {line!r}")
        self.pid = self.p.pid

    def run(self, *args):
        """Trace it with args while it runs; (tracer stdout, its log)."""
        tr = Tracer("-p", str(self.pid), *args)
        try:
            tr.wait_ready()
            self.p.communicate("go\n", timeout=30)
            eq(self.p.returncode, 0, "target exit code")
            rc, out, err = tr.wait(30)
            eq(rc, 0, f"tracer exit code ({err})")
        finally:
            tr.kill()
            self.kill()
        with open(self.log) as f:
            return out, [json.loads(l) for l in f]

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def as_repr(v):
    """The repr a --json value stands for: natives as Python writes them."""
    if isinstance(v, dict):
        return v.get("repr")
    return repr(v)


def check_values(python, recs, logged):
    """Each top-level call's argument against what the target logged; (exact, cut)."""
    top = [r for r in recs if r.get("depth", 0) == 0]
    eq(len(top), len(logged), f"{python}: top-level PyObject_Repr calls")
    exact = cut = 0
    for r, want in zip(top, logged):
        v = r["args"][0]["value"]
        res = r["result"]["value"]
        if isinstance(v, dict) and v.get("truncated"):
            # What was left out is said, and what is there starts Python's repr.
            part = v.get("value") if "value" in v else v["repr"].split("...")[0]
            if v["type"] == "int":
                check(v["repr"].startswith("<int of "), f"{python}: {v} for a big int")
            elif v["type"] == "str":
                check(want["repr"][1:].startswith(part), f"{python}: {part!r} cut")
            else:
                check(want["repr"].startswith(part.rstrip("'\"")), f"{python}: {part!r} cut")
            cut += 1
            continue
        if want["native"]:
            eq(v, want["json"], f"{python}: JSON value of {want['repr']}")
        got = as_repr(v)
        if isinstance(v, dict) and re.fullmatch(r"<[^ ]+ object at 0x[0-9a-f]+>", got or ""):
            # A type whose own repr the snapshot does not know: its default repr stands in.
            check(got.split(" object at ")[1] in want["repr"] or "object at" not in want["repr"],
                  f"{python}: {got} for {want['repr']}")
            continue
        eq(got, want["repr"], f"{python}: rendered value")
        # The result is the repr string itself: the same value read the other way.
        eq(res, want["repr"], f"{python}: result")
        exact += 1
    return exact, cut


def run_one(python, *spec, how=()):
    t = PyTarget(python, *how)
    out, logged = t.run("-f", *spec, "--json")
    recs, summary = json_records(out)
    exact, cut = check_values(python, recs, logged)
    check(exact >= 60, f"{python}: only {exact} values compared exactly")
    check(cut >= 4, f"{python}: only {cut} cut values")
    eq(our_links(), [], "links left")
    return exact


@test
def python_values_render_like_repr_on_every_pyenv_interpreter():
    found = pyenv_pythons()
    if not found:
        print("    note: no pyenv CPython 3.8-3.13 here: only Debian's python3.11 is tested")
        return
    for minor in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13"):
        if minor not in found:
            print(f"    note: no pyenv CPython {minor}: skipped")
    for ver, python in sorted(found.items()):
        run_one(python, "PyObject_Repr")


@test
def python_values_through_a_prototype_on_debians_stripped_python():
    python = "/usr/bin/python3.11"
    if not os.path.exists(python):
        raise Fail("Debian's python3.11 is missing: tools/install-deps.sh installs it")
    # Its LTO inlines PyObject_Repr into repr(): the target calls the exported one by ctypes.
    run_one(python, PROTO, how=("ctypes",))


def short_whole(logged):
    """The logged reprs a snapshot holds whole: short, no container in a container, <= 4 items."""
    for want in logged:
        r = want["repr"]
        if len(r) > 40 or "object at" in r or r.startswith("range(") or r.count(", ") > 3 or (
                r[0] in "[({" and re.search(r"[\[({]", r[1:])):
            continue
        yield r


@test
def python_values_read_back_from_the_store_by_report():
    found = pyenv_pythons()
    python = found.get("3.11")
    t = PyTarget(python) if python else PyTarget("/usr/bin/python3.11", "ctypes")
    db = os.path.join(t.dir, "calls.db")
    out, logged = t.run("-f", "PyObject_Repr" if python else PROTO, "--store", db,
                        "-o", "/dev/null")
    p = subprocess.run([TRACER, "report", db, "--top", "500"], capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 0, f"report: {p.stderr}")
    shown = 0
    for r in short_whole(logged):
        check(f" PyObject_Repr(v={r}) = " in p.stdout, f"report has no call with v={r}")
        shown += 1
    check(shown >= 50, f"only {shown} values found")


@test
def python_values_in_text_output_are_the_reprs_python_printed():
    found = pyenv_pythons()
    python = found.get("3.12")
    t = PyTarget(python) if python else PyTarget("/usr/bin/python3.11", "ctypes")
    spec = "PyObject_Repr" if python else PROTO
    out, logged = t.run("-f", spec)
    lines = out.decode("utf-8").splitlines()
    calls = [l for l in lines if " PyObject_Repr(v=" in l]
    check(len(calls) >= len(logged), f"{len(calls)} calls for {len(logged)} objects")
    # In order, each short value's line shows v=<its repr>: nested items' calls come between.
    i = 0
    shown = 0
    for r in short_whole(logged):
        needle = f" PyObject_Repr(v={r}) = "
        while i < len(calls) and needle not in calls[i]:
            i += 1
        check(i < len(calls), f"no line with {needle!r}")
        shown += 1
    check(shown >= 50, f"only {shown} values found")
    # Nothing raw reaches the terminal: the target's control characters are escaped.
    check(not any(c in l for l in lines for c in "\x00\x1b\x7f\x85\u202e"), "raw control text")
