# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Go, minimally (issue 13): a Go binary is recognised, never given the uretprobe
trampoline, and its functions are traced with return sites: counts and latency,
and no values, since Go's ABI is not decoded yet. The target is built here with
Debian's golang-go (tests/e2e/install-go.sh), cached under the build directory."""
import os
import re
import subprocess

from harness import test, check, eq, Target, trace, our_links, json_records, bad, OUT

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets", "go", "t_gostack.go")
NOTE = "Go's ABI is not decoded yet"


def build_go():
    """targets/t_gostack and t_gostack_stripped, rebuilt when the source changed."""
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["sh", os.path.join(here, "install-go.sh")], check=True)
    gohome = os.path.abspath(os.path.join(OUT, "go"))
    # Nothing written to the user's home: Go's caches stay under the build directory.
    env = dict(os.environ, HOME=gohome, GOCACHE=os.path.join(gohome, "cache"),
               GOPATH=os.path.join(gohome, "path"), GO111MODULE="off", GOFLAGS="",
               CGO_ENABLED="0", PATH=os.environ.get("PATH", "") + ":/usr/lib/go/bin")
    for name, flags in (("t_gostack", []), ("t_gostack_stripped", ["-ldflags=-s -w"])):
        out = os.path.join(OUT, "targets", name)
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(SRC):
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        p = subprocess.run(["go", "build", *flags, "-o", out + ".tmp", SRC], env=env,
                           capture_output=True, text=True, timeout=300)
        check(p.returncode == 0, f"go build {name}: {p.stderr}")
        os.replace(out + ".tmp", out)


def log_of(t):
    """{"main.fib": n, ...} and the results line, from the target's own log."""
    counts, results = {}, None
    for l in t.lines():
        if l[0] == "calls":
            counts[l[1]] = int(l[2])
        elif l[0] == "results":
            results = l[1:]
    return counts, results


def untraced():
    t = Target("t_gostack")
    try:
        t.go()
        eq(t.finish(), 0, "t_gostack untraced exit code")
        return t.lines()
    finally:
        t.kill()


@test
def go_goroutines_growing_stacks_inside_traced_calls_survive_counted_exactly():
    build_go()
    want = untraced()
    # fib keeps 1 KiB on its stack: 4 goroutines recursing 18 deep outgrow
    # theirs (and get them copied elsewhere) inside traced calls, and move
    # between threads; leaf never grows its stack.
    t = Target("t_gostack")
    rc, out, err = trace(t, "--json", "-v", "-f", "main.fib", "-f", "main.leaf")
    eq(t.p.returncode, 0, f"target exit code ({err})")
    eq(t.lines(), want, "the target's log is its untraced one")
    eq(rc, 0, f"tracer exit code ({err})")
    eq(our_links(), [], "links left")
    counts, _ = log_of(t)
    check(counts["main.fib"] > 30000, f"fib made its calls: {counts}")
    recs, summary = json_records(out)
    for fn in ("main.fib", "main.leaf"):
        mine = [r for r in recs if r["function"] == fn]
        # Each call once: the re-entry after morestack is the same call.
        eq(len(mine), counts[fn], f"{fn}: one record per call the target made")
        s = [f for f in summary["functions"] if f["function"] == fn][0]
        eq((s["calls"], s["unfinished"], s["dropped"]), (counts[fn], 0, 0),
           f"{fn}: summary calls, unfinished, dropped")
        check(s["latency_ns"]["max"] > 0, f"{fn}: latency in the summary")
        check(all(r["latency_ns"] > 0 for r in mine), f"{fn}: every call has its latency")
        # No C values: no arguments, a result of type "?" without a value.
        eq({(len(r["args"]), tuple(sorted(r["result"]))) for r in mine}, {(0, ("type",))},
           f"{fn}: no values shown")
        eq(mine[0]["result"]["type"], "?", f"{fn}: result type")
    eq(err.count(NOTE), 3, f"the note once, and the plan of each function says it: {err}")
    check(re.search(r"plan: main\.fib .*returns=sites\(.*pair=goroutine\+stack offset "
                    r"render=none\(Go's ABI is not decoded yet\)", err), f"-v plan: {err}")
    # The jump back to fib's start after morestack is not one of its return sites.
    check(not re.search(r"plan: main\.fib .*tail@", err), f"no self tail call site: {err}")


@test
def go_text_shows_no_values_and_the_latency():
    build_go()
    t = Target("t_gostack")
    rc, out, err = trace(t, "-f", "main.*")
    eq((t.p.returncode, rc), (0, 0), f"target and tracer exit codes ({err})")
    eq(our_links(), [], "links left")
    counts, _ = log_of(t)
    lines = out.decode().splitlines()
    leaf = [l for l in lines if " main.leaf(" in l]
    eq(len(leaf), counts["main.leaf"], "a line per leaf call")
    bad_lines = [l for l in leaf if not re.search(r" main\.leaf\(\.\.\.\) = \?  <[0-9.]+ [mnu]?s>$", l)]
    eq(bad_lines[:3], [], "main.leaf(...) = ?  <latency>")
    eq(err.count(NOTE), 1, f"the note once: {err}")


@test
def go_entry_only_one_record_per_call():
    build_go()
    want = untraced()
    t = Target("t_gostack")
    rc, out, err = trace(t, "--json", "--entry-only", "-f", "main.fib", "-f", "main.leaf")
    eq((t.p.returncode, rc), (0, 0), f"target and tracer exit codes ({err})")
    eq(t.lines(), want, "the target's log is its untraced one")
    eq(our_links(), [], "links left")
    counts, _ = log_of(t)
    recs, summary = json_records(out)
    for fn in ("main.fib", "main.leaf"):
        mine = [r for r in recs if r["function"] == fn]
        # Growing stacks re-enter fib after morestack: counted where the
        # entry probe fires, so fib may show its re-entries too; leaf never grows.
        check(len(mine) >= counts[fn], f"{fn}: {len(mine)} entry records, {counts[fn]} calls")
        check(all(r.get("entry_only") and "result" not in r for r in mine),
              f"{fn}: entry-only records")
    eq(len([r for r in recs if r["function"] == "main.leaf"]), counts["main.leaf"],
       "main.leaf: one record per call")


@test
def go_trampoline_prototype_filter_and_stripped_binary_refused_in_one_line():
    build_go()
    t = Target("t_gostack")
    try:
        pid = str(t.pid)
        bad(["-p", pid, "-f", "main.fib", "--returns=trampoline"],
            r"--returns=trampoline cannot trace main\.fib: it is Go")
        bad(["-p", pid, "--returns=trampoline", "-f", "main.*"], r"it is Go")
        bad(["-p", pid, "-f", "main.fib", "--filter", "latency > 1ms"],
            r"main\.fib is Go: Go's ABI is not decoded yet, so --filter cannot apply")
        check(t.p.poll() is None, "the target lives on")
        t.go()
        eq(t.finish(), 0, "target exit code")
    finally:
        t.kill()
    # Stripped (-ldflags=-s -w): no ELF symbols; Go's own table (.gopclntab) is not read.
    t = Target("t_gostack_stripped")
    try:
        bad(["-p", str(t.pid), "-f", "main.fib"], r"'main\.fib' not found .*no function symbols")
        check(t.p.poll() is None, "the stripped target lives on")
    finally:
        t.kill()
