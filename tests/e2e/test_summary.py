# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Summaries: counted in the kernel (--summary-only, --hist) and per --interval."""
import json
import re

from harness import test, check, eq, Target, trace, func_summary


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
