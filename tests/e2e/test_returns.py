# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""How calls' ends are caught (--returns): return sites keep targets alive that
the uretprobe trampoline kills (coroutines, sigaltstack handlers, C++
exceptions), tail calls and .cold parts, threads that end inside calls, and
--entry-only. Each survival test also shows the trampoline killing the target."""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile

from harness import (test, check, eq, Target, trace, our_links, json_records, func_summary,
                     bad, OUT, TRACER)


def untraced(name):
    """The target's log when nothing traces it, thread ids left out."""
    t = Target(name)
    try:
        t.go()
        eq(t.finish(), 0, f"{name} untraced exit code")
        return norm(t.lines())
    finally:
        t.kill()


def norm(lines):
    return [["T", *l[1:]] if l and l[0].isdigit() and len(l) > 1 else l for l in lines]


def calls(recs, fn):
    return [r for r in recs if r["function"] == fn]


def arg0(r):
    return r["args"][0]["value"]


def result(r):
    return r["result"]["value"]


def survives(name, funcs, *args):
    """Trace name with args: the target lives, its log as untraced; the JSON records."""
    want = untraced(name)
    t = Target(name)
    fargs = [x for f in funcs for x in ("-f", f)]
    rc, out, err = trace(t, "--json", *args, *fargs)
    eq(t.p.returncode, 0, f"{name} {args}: target exit code ({err})")
    eq(norm(t.lines()), want, f"{name} {args}: the target's log is its untraced one")
    eq(rc, 0, f"{name} {args}: tracer exit code ({err})")
    eq(our_links(), [], f"{name} {args}: links left")
    return json_records(out)


def dies(name, funcs, sig):
    # Its dying words ("terminate called ...") are expected: kept off the suite's output.
    t = Target(name, stderr=subprocess.DEVNULL)
    fargs = [x for f in funcs for x in ("-f", f)]
    rc, out, err = trace(t, "--returns=trampoline", *fargs)
    eq(t.p.returncode, -sig, f"{name}: the trampoline gets the target killed by {sig.name}")
    eq(our_links(), [], f"{name}: links left")


@test
def coroutine_yielding_inside_a_call_survives_with_return_sites():
    # t_coro imports swapcontext: auto picks return sites; the trampoline dies.
    dies("t_coro", ["work", "step"], signal.SIGILL)
    # One link per probe (--no-multi) as well as uprobe_multi links.
    for mode in ("auto", "sites", "sites --no-multi"):
        recs, summary = survives("t_coro", ["work", "step"], *f"--returns={mode}".split())
        got = sorted((r["function"], arg0(r), result(r)) for r in recs)
        eq(got, [("step", 1, 2), ("work", 3, 6)], f"{mode}: every call with its result")
        eq(func_summary(summary, "step")["unfinished"], 0, f"{mode}: nothing unfinished")


@test
def sigaltstack_handler_inside_a_call_survives_with_return_sites():
    dies("t_altstack", ["slow", "handler_work"], signal.SIGILL)
    for mode in ("auto", "sites"):
        recs, summary = survives("t_altstack", ["slow", "handler_work"], f"--returns={mode}")
        got = sorted((r["function"], arg0(r), result(r)) for r in recs)
        eq(got, [("handler_work", 7, 21), ("slow", 2, 3)], f"{mode}: every call with its result")


CXX_FNS = ["thrower", "mid1", "mid2", "catch1", "catch3", "rethrow"]


def cxx_ends(log):
    """How t_cxxexc says each traced call ended: (fn, x, "ret", result) or (fn, x, "raised", type)."""
    ends = []
    for l in log:
        if len(l) == 5 and l[1] == "ret":
            ends.append((l[2], int(l[3]), "ret", int(l[4])))
        elif len(l) == 5 and l[1] == "raised":
            ends.append((l[2], int(l[3]), "raised", l[4]))
    return sorted(ends)


def traced_ends(recs):
    """The same from wrapmon's JSON records; anything else (unfinished...) as it is."""
    ends = []
    for r in recs:
        if "error" in r and "type" in r["error"]:
            ends.append((r["function"], arg0(r), "raised", r["error"]["type"]))
        elif "result" in r:
            ends.append((r["function"], arg0(r), "ret", result(r)))
        else:
            ends.append((r["function"], arg0(r), "other", str(r)))
    return sorted(ends)


@test
def cxx_exceptions_end_calls_as_raised_with_their_type():
    # The unwinder cannot step through the trampoline: std::terminate.
    dies("t_cxxexc", CXX_FNS, signal.SIGABRT)
    want = cxx_ends(untraced("t_cxxexc"))
    nraised = {}
    for fn, x, how, v in want:
        nraised[fn] = nraised.get(fn, 0) + (how == "raised")
    # The target must really have thrown both types through every depth.
    eq(sorted({(fn, v) for fn, x, how, v in want if how == "raised"}),
       [("mid1", "std::out_of_range"), ("mid1", "std::runtime_error"),
        ("mid2", "std::out_of_range"), ("rethrow", "std::runtime_error"),
        ("thrower", "std::out_of_range"), ("thrower", "std::runtime_error")],
       "t_cxxexc's own account of its exceptions")
    # auto picks return sites; one link per probe (--no-multi) takes the other attach path.
    for mode in ("auto", "sites --no-multi"):
        recs, summary = survives("t_cxxexc", CXX_FNS, *f"--returns={mode}".split())
        # Every call ended as the target says: its result, or the exception's type.
        eq(traced_ends(recs), want, f"{mode}: how each call ended")
        for r in recs:
            if "error" in r:
                check("result" not in r and "unfinished" not in r and r["latency_ns"] > 0
                      and r["error"].get("expr", 0) is None and len(r["error"]) == 2,
                      f"{mode}: raised record {r}")
        for fn in CXX_FNS:
            s = func_summary(summary, fn)
            eq((s["errors"], s["unfinished"]), (nraised[fn], 0), f"{mode} {fn}: summary {s}")
    # Text, and the summary's ERRORS column.
    t = Target("t_cxxexc")
    fargs = [x for f in CXX_FNS for x in ("-f", f)]
    rc, out, err = trace(t, *fargs)
    eq(rc, 0, f"text: exit code ({err})")
    text = out.decode()
    eq(len(re.findall(r"^\S+ \d+ mid2\(x=-2\) raised std::out_of_range  <[^>]+>$", text, re.M)),
       2, f"text: {text!r}")
    eq(len(re.findall(r"^\S+ \d+ rethrow\(x=-3\) raised std::runtime_error  <[^>]+>$", text,
                      re.M)), 2, f"text: {text!r}")
    check(re.search(r"^FUNCTION +CALLS +UNFINISHED +DROPPED +ERRORS ", text, re.M), text)
    check(re.search(r"^thrower +12 +0 +0 +6 ", text, re.M), text)
    eq(our_links(), [], "text: links left")
    # The store: raised calls are errors there too, their type in error_text.
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    db = os.path.join(d, "s.db")
    t = Target("t_cxxexc")
    rc, out, err = trace(t, "--store", db, *fargs)
    eq(rc, 0, f"store: exit code ({err})")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT f.name, c.result, c.error, c.error_text, c.unfinished FROM calls c"
                       " JOIN functions f ON f.id = c.function_id WHERE c.error != 0"
                       " ORDER BY c.id").fetchall()
    errs = con.execute("SELECT f.name, s.errors FROM aggregates s JOIN functions f"
                       " ON f.id = s.function_id").fetchall()
    con.close()
    eq(sorted({(n, r, e, t, u) for n, r, e, t, u in rows}),
       sorted({(fn, '{"raised":true}', 1, '{"expr":null,"type":"%s"}' % v, None)
               for fn, x, how, v in want if how == "raised"}), "stored raised calls")
    eq(len(rows), sum(nraised.values()), "one stored row per raised call")
    got = {}
    for n, e in errs:
        got[n] = got.get(n, 0) + e
    eq(got, nraised, "stored error counts")


@test
def pthread_exit_and_cancel_inside_calls_are_unfinished_and_the_target_lives():
    # Forced unwinding through C frames passes the trampoline too: every mode lives.
    for mode in ("sites", "auto", "trampoline"):
        recs, summary = survives("t_pthexit", ["leave", "wait_cancel", "after"],
                                 f"--returns={mode}")
        got = sorted((r["function"], arg0(r), r.get("unfinished") or result(r)) for r in recs)
        eq(got, [("after", 5, 105), ("leave", 1, "thread_exit"),
                 ("wait_cancel", 2, "thread_exit")], f"{mode}: records")


@test
def tail_calls_and_cold_parts_with_return_sites():
    out = subprocess.run(["objdump", "-d", f"{OUT}/targets/t_tail"], capture_output=True,
                         text=True, check=True).stdout
    check(re.search(r"<rare\.cold>:", out), "t_tail has rare.cold")
    check(re.search(r"jmp\s+\w+ <callee>", out), "tail() jumps to callee()")
    fns = ["tail", "callee", "rare", "logit"]
    recs, summary = survives("t_tail", fns, "--returns=sites")
    got = [(r["function"], arg0(r), "tail" if r.get("tail_call") else result(r))
           for r in recs]
    # Records come at the end of each call: tail()'s at its jump, before its callee's.
    eq(got, [("tail", 1, "tail"), ("callee", 2, 14), ("tail", 2, "tail"), ("callee", 3, 21),
             ("rare", 4, "tail"), ("logit", 4, 8), ("rare", -5, 10), ("rare", 6, "tail"),
             ("logit", 6, 12), ("callee", 11, 77), ("callee", 21, 147)],
       "tail calls, and the cold part's own return")
    for r in recs:
        if r.get("tail_call"):
            check("result" not in r and r["latency_ns"] > 0, f"a tail call has no result: {r}")
    # Text: the tail call said as such.
    t = Target("t_tail")
    rc, out, err = trace(t, "--returns=sites", "-f", "tail", "-v")
    text = out.decode()
    eq(len(re.findall(r"^\S+ \d+ tail\(x=\d\) = <tail call>  <[^>]+>$", text, re.M)), 2,
       f"text: {text!r}")
    check(re.search(r"plan: tail entry=0x[0-9a-f]+ returns=sites\(1: tail@0x[0-9a-f]+ -> callee\)"
                    r" \[asked\] pair=thread\+sp render=C", err), f"-v plan line: {err!r}")


@test
def entry_only_on_every_target():
    cases = [("t_coro", ["work", "step"], {("step", 1), ("work", 3)}),
             ("t_altstack", ["slow", "handler_work"], {("slow", 2), ("handler_work", 7)}),
             ("t_cxxexc", ["thrower", "catch1"], {("catch1", 1), ("catch1", -1), ("thrower", 1),
                                                  ("thrower", -1), ("thrower", 2),
                                                  ("thrower", -2), ("thrower", 3),
                                                  ("thrower", -3)}),
             ("t_pthexit", ["leave", "wait_cancel", "after"],
              {("leave", 1), ("wait_cancel", 2), ("after", 5)}),
             ("t_tail", ["tail", "rare", "viaptr", "int viamem(int x)"],
              {("tail", 1), ("tail", 2), ("rare", 4), ("rare", -5), ("rare", 6), ("viaptr", 1),
               ("viamem", 21)})]
    for name, fns, want in cases:
        recs, summary = survives(name, fns, "--entry-only")
        eq({(r["function"], arg0(r)) for r in recs}, want, f"{name}: one record per entry")
        for r in recs:
            check(r.get("entry_only") is True and "result" not in r and "latency_ns" not in r
                  and "unfinished" not in r, f"{name}: entry-only record {r}")
        for f in fns:
            s = func_summary(summary, f.split("(")[0].split()[-1])
            eq((s["unfinished"], s["latency_ns"]), (0, None), f"{name} {f}: summary {s}")
    # Text: the call and its arguments, nothing after.
    t = Target("t_tail")
    rc, out, err = trace(t, "-f", "callee", "--entry-only")
    eq(re.findall(r"^\S+ \d+ (callee.*)$", out.decode(), re.M), ["callee(x=2)", "callee(x=3)", "callee(x=11)", "callee(x=21)"],
       "text records")


@test
def returns_options_are_checked():
    bad(["-p", "1", "-f", "x", "--returns=maybe"], r"bad --returns 'maybe': auto, trampoline, "
        r"sites or none")
    bad(["-p", "1", "--entry-only", "--returns=sites", "-f", "x"],
        r"two --returns \(or --entry-only\) for the same functions")
    t = Target("t_tail")
    try:
        bad(["-p", str(t.pid), "--entry-only", "-f", "tail", "--filter", "ret > 1"],
            r"--filter for tail tests the result or the latency, which --returns=none "
            r"\(--entry-only\) never sees")
    finally:
        t.kill()


@test
def tail_call_through_a_register_and_sites_refused_through_memory():
    # viaptr(): "jmp *%rax" to callee(), outside it: a tail call.
    recs, summary = survives("t_tail", ["viaptr", "callee"], "--returns=sites")
    got = [(r["function"], arg0(r), "tail" if r.get("tail_call") else result(r)) for r in recs
           if r["function"] == "viaptr" or arg0(r) == 11]
    eq(got, [("viaptr", 1, "tail"), ("callee", 11, 77)], "a tail call through a register")
    # viamem(): "jmp *fptr(%rip)": its exits cannot be known. Named: refused, one line.
    t = Target("t_tail")
    try:
        bad(["-p", str(t.pid), "--returns=sites", "-f", "viamem"],
            r"^wrapmon-trace: --returns=sites cannot trace viamem: indirect jmp through memory "
            r"at 0x[0-9a-f]+; use --returns=trampoline if no exception, coroutine or Go stack "
            r"passes through it, or --returns=none for its entries only$")
    finally:
        t.kill()
    # From a pattern: left out with a note, the others traced.
    t = Target("t_tail")
    rc, out, err = trace(t, "--returns=sites", "-f", "via*")
    eq(rc, 0, f"exit code ({err})")
    check(re.search(r"note: 1 function of 'via\*' left out: --returns=sites cannot find where "
                    r"their calls end \(viamem: indirect jmp through memory", err), err)
    check(re.search(r"viaptr\(x=1\) = <tail call>", out.decode()), out.decode())
    eq(our_links(), [], "links left")


@test
def plan_says_why_auto_chose_its_mode():
    t = Target("t_tail")
    rc, out, err = trace(t, "-v", "-f", "callee")
    check(re.search(r"plan: callee entry=0x[0-9a-f]+ returns=trampoline \[auto: nothing in its "
                    r"object unwinds or switches stacks\] pair=thread\+sp render=C", err), err)
    t = Target("t_cxxexc")
    rc, out, err = trace(t, "-v", "-f", "thrower")
    check(re.search(r"plan: thrower entry=0x[0-9a-f]+ returns=sites\(1: ret@0x[0-9a-f]+\) "
                    r"\[auto: its object imports __cxa_throw \(C\+\+ exceptions unwind through "
                    r"calls\)\] pair=thread\+sp render=C", err), err)
    check(re.search(r"plan: C\+\+ exceptions: 3 probes on the C\+\+ runtime \(__cxa_throw, "
                    r"__cxa_rethrow, __cxa_begin_catch\) report the calls they end as raised",
                    err), err)


@test
def store_keeps_tail_calls_and_entry_only_calls():
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    db = os.path.join(d, "s.db")
    t = Target("t_tail")
    rc, out, err = trace(t, "--store", db, "--returns=sites", "-f", "tail", "-f", "callee",
                         "-f", "rare", "--entry-only")
    eq(rc, 0, f"exit code ({err})")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT f.name, c.latency_ns IS NULL, c.result, c.unfinished FROM calls c"
                       " JOIN functions f ON f.id = c.function_id ORDER BY c.id").fetchall()
    con.close()
    got = sorted({(n, lat_null, res if res.startswith('{"tail') or res.startswith('{"entry')
                   else "value", unf) for n, lat_null, res, unf in rows})
    eq(got, [("callee", 0, "value", None), ("rare", 1, '{"entry_only":true}', None),
             ("tail", 0, '{"tail_call":true}', None)], "stored rows")
    p = subprocess.run([TRACER, "report", db], capture_output=True, text=True)
    eq(p.returncode, 0, f"report: {p.stderr}")
    check(re.search(r"tail\(x=1\) = <tail call>  <", p.stdout), p.stdout)
    check(re.search(r"^rare\s+3\s+0\s+0\s+0\s+-\s+-", p.stdout, re.M), p.stdout)



@test
def longjmp_and_thread_exit_with_return_sites():
    # The skipped-frame logic is the same with return sites: longjmp on the
    # same stack abandons the call, a later call pairs with its own end.
    t = Target("t_unfinished")
    rc, out, err = trace(t, "--returns=sites", "-f", "doomed", "-f", "jumper", "-f", "after",
                         "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    by = {r["function"]: r for r in recs}
    eq(by["doomed"].get("unfinished"), "thread_exit", "doomed")
    eq(by["jumper"].get("unfinished"), "abandoned", "jumper")
    eq((arg0(by["after"]), result(by["after"])), (21, 42), "after() pairs with its own return")
    eq(len(recs), 3, "records")
    eq(our_links(), [], "links left")


def rustc():
    """The machine's rustc (PATH, else ~/.cargo/bin), installed when there is none."""
    subprocess.run(["sh", "tests/e2e/install-rustc.sh"], check=True)
    for p in (shutil.which("rustc"), os.path.expanduser("~/.cargo/bin/rustc")):
        if p and os.access(p, os.X_OK):
            return p
    raise AssertionError("no rustc after tests/e2e/install-rustc.sh")


@test
def rust_panic_caught_with_catch_unwind_survives_with_auto():
    out = f"{OUT}/targets/t_rust"
    subprocess.run([rustc(), "-C", "opt-level=1", "-C", "debuginfo=2", "-o", out,
                    "tests/e2e/targets/t_rust.rs"], check=True, capture_output=True)
    # Rust's std imports the unwinder (and sigaltstack, for its stack overflow handler).
    dyn = subprocess.run(["nm", "-D", "--undefined-only", out], capture_output=True, text=True,
                         check=True).stdout
    check(re.search(r"\b_Unwind_RaiseException\b", dyn), "t_rust imports _Unwind_RaiseException")
    fns = ["rs_leaf", "rs_mid"]
    # The unwinder cannot step through the trampoline: "failed to initiate panic", abort.
    dies("t_rust", fns, signal.SIGABRT)
    t = Target("t_rust")
    rc, out_, err = trace(t, "-v", *[x for f in fns for x in ("-f", f)])
    for f in fns:
        check(re.search(rf"plan: {f} entry=0x[0-9a-f]+ returns=sites\(1: ret@0x[0-9a-f]+\) "
                        r"\[auto: its object imports (sigaltstack \(switches stacks\)|"
                        r"_Unwind_RaiseException \(C\+\+ exceptions unwind through calls\))\]",
                        err), f"auto picks return sites for {f}: {err!r}")
    recs, summary = survives("t_rust", fns)
    done = sorted((r["function"], arg0(r), result(r)) for r in recs if "result" in r)
    eq(done, sorted([("rs_leaf", 1, 10), ("rs_mid", 1, 11), ("rs_leaf", 3, 30),
                     ("rs_mid", 3, 31)] * 2), "every normal return with its result")
    # A panicking call never returns: reported unfinished (abandoned when a later call
    # shows its frame gone; the last ones end with the thread), never with a result.
    ended = sorted((r["function"], arg0(r)) for r in recs if "unfinished" in r)
    eq(ended, sorted([("rs_leaf", -2), ("rs_mid", -2), ("rs_leaf", -4), ("rs_mid", -4)] * 2),
       "the calls a panic ended")
    for r in recs:
        if "unfinished" in r:
            check(r["unfinished"] in ("abandoned", "thread_exit"), f"unfinished: {r}")
    recs, summary = survives("t_rust", fns, "--entry-only")
    eq(sorted((r["function"], arg0(r)) for r in recs if r.get("entry_only")),
       sorted((f, x) for f in fns for x in (1, -2, 3, -4) for _ in range(2)),
       "--entry-only: one record per entry")


def greenlet_target():
    """t_greenlet: tests/e2e/targets/t_greenlet.py, run by Debian's /usr/bin/python3."""
    subprocess.run(["sh", "tests/e2e/install-greenlet.sh"], check=True)
    dst = f"{OUT}/targets/t_greenlet"
    shutil.copyfile("tests/e2e/targets/t_greenlet.py", dst)
    os.chmod(dst, 0o755)
    return "t_greenlet"


GREENLET_SWITCH = "greenlet::Greenlet::g_switchstack"


@test
def greenlet_switch_inside_a_traced_call_survives_with_auto():
    # g_switchstack() is entered on one greenlet's stack and left on another's
    # (greenlet copies stack slices to the heap and back, by its own assembly).
    name = greenlet_target()
    t = Target(name, stderr=subprocess.DEVNULL)
    rc, out, err = trace(t, "--returns=trampoline", "-f", GREENLET_SWITCH)
    # The trampoline's return lands on a stack the kernel does not expect: the
    # process dies by a signal (SIGSEGV on 6.18, SIGILL on others).
    check(t.p.returncode in (-signal.SIGSEGV, -signal.SIGILL),
          f"the trampoline gets the greenlet target killed: {t.p.returncode}")
    eq(our_links(), [], "links left")
    t = Target(name)
    rc, out, err = trace(t, "-v", "-f", GREENLET_SWITCH)
    check(re.search(r"plan: greenlet::Greenlet::g_switchstack\(\) entry=0x[0-9a-f]+ "
                    r"returns=sites\(\d+: [^)]+\) \[auto: greenlet's module \(_greenlet\*: "
                    r"switches stacks\)\]", err), f"-v plan: {err!r}")
    for mode in ("auto", "sites"):
        recs, summary = survives(name, [GREENLET_SWITCH], f"--returns={mode}")
        # 16 switches (main into a and b four times each, a and b back eight times):
        # each reported once, ended or unfinished. Greenlets share stack addresses,
        # so which end pairs with which entry is thread+sp's best guess until the
        # pairing key knows greenlets.
        eq(len(recs), 16, f"{mode}: one record per switch")
        for r in recs:
            check(("result" in r) != ("unfinished" in r), f"{mode}: record {r}")
        s = func_summary(summary, "greenlet::Greenlet::g_switchstack()")
        eq(s["calls"] + s["unfinished"], 16, f"{mode}: summary {s}")
    recs, summary = survives(name, [GREENLET_SWITCH], "--entry-only")
    eq(len([r for r in recs if r.get("entry_only")]), 16, "--entry-only: one record per switch")


def uretprobe_syscall_meets_seccomp(release, machine):
    """The rule of src/target/seccomp.c: x86-64 kernels from 6.11 whose trampoline's
    uretprobe syscall seccomp filters still see (fixed in 6.14, 6.13.3, 6.12.14)."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", release)
    if machine != "x86_64" or not m:
        return False
    maj, mnr, patch = int(m[1]), int(m[2]), int(m[3] or 0)
    return maj == 6 and (mnr == 11 or (mnr == 12 and patch < 14) or (mnr == 13 and patch < 3))


@test
def seccomp_filter_target_gets_sites_on_affected_kernels_only():
    t = Target("t_seccomp")
    try:
        with open(f"/proc/{t.pid}/status") as f:
            mode = re.search(r"^Seccomp:\s*(\d+)$", f.read(), re.M)
        eq(mode and mode[1], "2", "t_seccomp is in seccomp filter mode")
    finally:
        t.kill()
    u = os.uname()
    t = Target("t_seccomp")
    rc, out, err = trace(t, "-v", "-f", "square")
    eq(rc, 0, f"exit code ({err})")
    if uretprobe_syscall_meets_seccomp(u.release, u.machine):
        want = (r"plan: square entry=0x[0-9a-f]+ returns=sites\(1: ret@0x[0-9a-f]+\) \[auto: a "
                rf"seccomp filter \(thread {t.pid}\) sees the syscall of kernel "
                rf"{re.escape(u.release)}'s trampoline\]")
    else:
        # A fixed kernel (this one, 6.18): the filter never sees the trampoline.
        want = (r"plan: square entry=0x[0-9a-f]+ returns=trampoline \[auto: nothing in its "
                r"object unwinds or switches stacks\]")
    check(re.search(want, err), f"kernel {u.release}: {err!r}")
    recs, summary = survives("t_seccomp", ["square"])
    eq([(arg0(r), result(r)) for r in recs], [(1, 1), (2, 4), (3, 9)], "every call, its result")
