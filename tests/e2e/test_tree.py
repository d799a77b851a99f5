# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""--tree: calls in entry order, indented by depth per thread; JSON ids and parents."""
import re

from harness import test, check, eq, Target, trace, json_records

# "12:00:01.123456 4243 " then the call; a latency "  <1.2 us>" wherever a call ends.
LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6}) (\d+) (.*)$")
LATENCY = re.compile(r"  <[0-9.]+ [num]?s>")


def want_tree(log, tid):
    """The --tree lines of one thread, from what it logged at each entry and return."""
    ev = [l for l in log if int(l[0]) == tid]
    out = []
    for i, l in enumerate(ev):
        depth = sum(1 for e in ev[:i] if e[1] == "enter") - sum(1 for e in ev[:i] if e[1] == "leave")
        if l[1] == "enter":
            nxt = ev[i + 1]
            if nxt[1] == "leave":  # no children: one line, at its return
                continue
            out.append("  " * depth + f"{l[2]}(x={l[3]}) {{")
        else:
            depth -= 1
            if ev[i - 1][1] == "enter":
                out.append("  " * depth + f"{l[2]}(x={l[3]}) = {l[4]}")
            else:
                out.append("  " * depth + f"}} = {l[4]}  /* {l[2]} */")
    return out


@test
def tree_prints_calls_in_entry_order_by_depth_per_thread():
    t = Target("t_tree")
    rc, out, err = trace(t, "-f", "top", "-f", "mid", "-f", "leaf", "--tree")
    eq(rc, 0, f"exit code ({err!r})")
    log = t.lines()
    tids = sorted({int(l[0]) for l in log})
    eq(len(tids), 2, "threads in the log")
    lines = [m for m in (LINE.match(l) for l in out.decode().splitlines()) if m]
    for tid in tids:
        got = [LATENCY.sub("", m[3]) for m in lines if int(m[2]) == tid]
        eq(got, want_tree(log, tid), f"thread {tid}'s tree")
        # A tree is written at once, when its outermost call returns: its lines stay together.
        rows = [i for i, m in enumerate(lines) if int(m[2]) == tid]
        roots = [i for i in rows if not lines[i][3].startswith(" ")]
        for a, b in zip(roots, roots[1:]):
            seg = [int(m[2]) for m in lines[a:b]]
            check(lines[a][3].startswith("leaf(") or all(x == tid for x in seg) or
                  not lines[a][3].endswith("{"), f"tree of {tid} interleaved: {lines[a:b]}")
        stamps = [m[1] for m in lines if int(m[2]) == tid]
        eq(stamps, sorted(stamps), f"thread {tid}'s times go forward")


@test
def tree_json_has_ids_and_parents():
    t = Target("t_tree")
    rc, out, err = trace(t, "-f", "top", "-f", "mid", "-f", "leaf", "--tree", "--json")
    eq(rc, 0, f"exit code ({err!r})")
    recs, _ = json_records(out)
    eq(len(recs), 2 * 3 * 6, "calls")
    by_id = {r["id"]: r for r in recs}
    eq(len(by_id), len(recs), "ids are unique")
    for r in recs:
        if r["depth"] == 0:
            eq(r["parent"], 0, "a call at depth 0 has no parent")
            continue
        p = by_id[r["parent"]]
        eq((p["tid"], p["depth"]), (r["tid"], r["depth"] - 1), "the parent is one level up")
        want = {"leaf": ("mid", "top"), "mid": ("top",)}[r["function"]]
        check(p["function"] in want, f"{r['function']} called from {p['function']}")
