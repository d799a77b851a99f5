# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""--filter decided in the kernel, and bad expressions."""

from harness import test, check, eq, Target, trace, json_records, unhex, func_summary, bad


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
