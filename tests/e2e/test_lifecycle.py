# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The tracer's and the target's lifetimes: signals, the target's exit, kill -9,
a crash, fork, exec, a thousand short-lived threads, stack switches that get
the target killed, and a target that exits while the tracer attaches."""
import re
import signal
import subprocess
import threading
import time

from harness import (test, check, eq, Target, Tracer, trace, ours, our_links, json_records,
                     func_summary, TRACER)

# wrapmon-trace's exit status when the trace ran but a signal killed the target.
EXIT_TARGET_KILLED = 3


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


def killed_line(err, pid, sig):
    """The one line saying a signal killed the target (a core may or may not be dumped)."""
    return re.findall(rf"^wrapmon-trace: process {pid} was killed by {sig.name}"
                      r"(?: \(core dumped\))?$", err, re.M)


@test
def target_crash_inside_a_call_is_reported_unfinished():
    # A target killed by a signal is said, with the signal, and the exit
    # status says so (issue 12: this used to be "thread exited" and 0).
    t = Target("t_crash")
    rc, out, err = trace(t, "-f", "work", "-f", "crash")
    eq(t.p.returncode, -signal.SIGSEGV, "target died of SIGSEGV")
    eq(rc, EXIT_TARGET_KILLED, f"tracer exit code ({err})")
    eq(len(killed_line(err, t.pid, signal.SIGSEGV)), 1, f"killed line: {err!r}")
    text = out.decode()
    lines = t.lines()
    eq(work_calls(text), sorted(tuple(map(int, l)) for l in lines[:2]), "calls before the crash")
    tid = int(lines[2][1])
    check(re.search(rf"^\S+ {tid} crash\(p=NULL\) = \? <unfinished: killed by SIGSEGV>$", text,
                    re.M), f"crash() unfinished: {text!r}")
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


@test
def coroutine_yielding_inside_a_call_is_a_stack_switch_and_the_kill_is_said():
    # step() yields to main's stack with swapcontext; main calls work(); the
    # coroutine resumes and step() returns to a return probe the kernel gave
    # up on: the kernel kills the target with SIGILL. With the trampoline
    # (auto uses return sites here: test_returns), wrapmon must say so, and
    # not call it a longjmp.
    t = Target("t_coro")
    rc, out, err = trace(t, "--returns=trampoline", "-f", "work", "-f", "step")
    eq(t.p.returncode, -signal.SIGILL, "the kernel killed the target with SIGILL")
    lines = t.lines()
    tid = int(lines[0][0])
    eq(lines, [[str(tid), "step", "1", "suspended"], [str(tid), "work", "3", "6"], ["resume"]],
       "target's log: step() never returned")
    eq(rc, EXIT_TARGET_KILLED, f"tracer exit code ({err})")
    eq(len(killed_line(err, t.pid, signal.SIGILL)), 1, f"killed line: {err!r}")
    text = out.decode()
    check(re.search(rf"^\S+ {tid} work\(x=3\) = 6  <", text, re.M), f"work() returned: {text!r}")
    check(re.search(rf"^\S+ {tid} step\(x=1\) = \? <unfinished: stack switched>$", text, re.M),
          f"step() left by a stack switch: {text!r}")
    check("longjmp" not in text + err, f"called a longjmp: {text + err!r}")
    check(re.search(r"^step\s+0\s+1\s+0\s", text, re.M), "summary: 0 calls, 1 unfinished")
    eq(our_links(), [], "links left")


@test
def coroutine_stacks_from_one_pool_are_never_called_a_longjmp():
    # As above, but work() runs on a second coroutine whose stack shares one
    # mapping with step()'s: nothing tells the switch from a longjmp there,
    # so the skipped call says both, never a longjmp alone.
    t = Target("t_coro", "pool")
    rc, out, err = trace(t, "--returns=trampoline", "-f", "work", "-f", "step")
    eq(t.p.returncode, -signal.SIGILL, "the kernel killed the target with SIGILL")
    lines = t.lines()
    tid = int(lines[0][0])
    eq(lines, [[str(tid), "step", "1", "suspended"], [str(tid), "work", "3", "6"], ["resume"]],
       "target's log: step() never returned")
    eq(rc, EXIT_TARGET_KILLED, f"tracer exit code ({err})")
    eq(len(killed_line(err, t.pid, signal.SIGILL)), 1, f"killed line: {err!r}")
    text = out.decode()
    check(re.search(rf"^\S+ {tid} work\(x=3\) = 6  <", text, re.M), f"work() returned: {text!r}")
    check(re.search(rf"^\S+ {tid} step\(x=1\) = \? "
                    r"<unfinished: abandoned \(longjmp or stack switch\)>$", text, re.M),
          f"step() skipped, said as either: {text!r}")
    check("by longjmp" not in text + err, f"called a longjmp: {text + err!r}")
    eq(our_links(), [], "links left")


@test
def sigaltstack_handler_above_the_stack_is_a_stack_switch_and_the_kill_is_said():
    # A thread inside slow() takes a signal whose handler runs on an
    # alternate stack above its own and calls handler_work(); slow() then
    # returns to a return probe the kernel dropped. JSON this time.
    t = Target("t_altstack")
    rc, out, err = trace(t, "--returns=trampoline", "-f", "slow", "-f", "handler_work", "--json")
    eq(t.p.returncode, -signal.SIGILL, "the kernel killed the target with SIGILL")
    lines = t.lines()
    tid = int(lines[0][0])
    eq(lines, [[str(tid), "slow", "2", "suspended"], [str(tid), "handler_work", "7", "21"]],
       "target's log: slow() never returned")
    eq(rc, EXIT_TARGET_KILLED, f"tracer exit code ({err})")
    eq(len(killed_line(err, t.pid, signal.SIGILL)), 1, f"killed line: {err!r}")
    recs, summary = json_records(out)
    got = sorted((r["tid"], r["function"], r["args"][0]["value"],
                  r.get("unfinished") or r["result"]["value"]) for r in recs)
    eq(got, sorted([(tid, "handler_work", 7, 21), (tid, "slow", 2, "stack_switch")]), "records")
    check("longjmp" not in err, f"called a longjmp: {err!r}")
    eq(func_summary(summary, "slow")["unfinished"], 1, "slow unfinished in the summary")
    eq(our_links(), [], "links left")


@test
def target_exiting_during_attach_is_said_and_nothing_stays_attached():
    # t_attachexit exits the moment the first probe lands in its work(),
    # while the tracer is still attaching the ~2000 functions of libc. Its
    # parent reaps it at once (as a shell does: the kernel then refuses the
    # next attach), or leaves it a zombie (every attach succeeds on a
    # process that is gone). Either way: one clear line, exit 1.
    for reaped in (True, False):
        t = Target("t_attachexit")
        try:
            t.go()
            if reaped:
                threading.Thread(target=t.p.wait, daemon=True).start()
            p = subprocess.run([TRACER, "-p", str(t.pid), "-f", "work", "-f", "libc:*",
                                "-d", "30"], capture_output=True, text=True, timeout=90)
            eq(t.p.wait(30), 0, "target exit code")
        finally:
            t.kill()
        how = "reaped" if reaped else "zombie"
        eq(t.lines(), [["probed"]], f"{how}: the target saw a probe and exited")
        eq(p.returncode, 1, f"{how}: tracer exit code ({p.stderr!r})")
        last = p.stderr.strip().splitlines()[-1]
        eq(last, f"wrapmon-trace: process {t.pid} exited while wrapmon was attaching",
           f"{how}: last line")
        check("No such process" not in p.stderr and "run with -v" not in p.stderr,
              f"{how}: the kernel's errno shown: {p.stderr!r}")
        check("Ctrl-C to end" not in p.stderr, f"{how}: said it was tracing: {p.stderr!r}")
        eq(p.stdout, "", f"{how}: stdout")
        eq(our_links(), [], f"{how}: links left")
