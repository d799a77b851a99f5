# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""What the probes deliver: calls left unfinished (thread exit, longjmp), the
single-link fallback, and a ring overflow counted exactly."""
import re
import signal
import time

from harness import test, check, eq, Target, Tracer, trace, json_records, func_summary


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


def verified(err):
    m = re.search(r"(\d+) instructions verified", err if isinstance(err, str) else err.decode())
    check(m, f"-v gives the instructions verified: {err[-300:]!r}")
    return int(m.group(1))


@test
def features_unused_are_left_out_of_the_load_and_used_ones_kept():
    # What no traced function uses (here a --filter) is a branch the
    # verifier never walks; a function that uses it gets it all the same.
    t = Target("t_lib")
    rc, out, err = trace(t, "-f", "lib_add", "--json", "-v")
    eq(rc, 0, f"exit code ({err[-300:]!r})")
    plain = verified(err)
    eq(len(json_records(out)[0]), 20, "calls without the filter")
    t = Target("t_lib")
    rc, out, err = trace(t, "-f", "lib_add", "--json", "-v", "--filter", "a >= 10")
    eq(rc, 0, f"exit code ({err[-300:]!r})")
    recs, _ = json_records(out)
    eq(sorted(r["args"][0]["value"] for r in recs), list(range(10, 20)), "filtered in the kernel")
    check(verified(err) > plain, f"the filter's code verified only when used ({plain})")
