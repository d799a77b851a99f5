# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""errno at failing returns: libc calls that fail with known errors (ENOENT,
EACCES, EAGAIN, EBADF) and calls that succeed after a failure, from one
thread and then from several at once, against what the target saw in errno."""
import errno
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

from harness import test, check, eq, Target, trace, json_records, TRACER

# libc has no debug info here: prototypes give the types whose failures set errno.
# close is typed by the prototype database (int close(int fd)); --error marks its failures.
FUNCS = ["-f", "libc:int open(const char *path, int flags)",
         "-f", "libc:long read(int fd, void *buf, unsigned long n)",
         "-f", "libc:void *opendir(const char *name)",
         "-f", "libc:close", "--error", "ret == 0xffffffff"]

LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} (\d+) (\w+)\((.*)\) = (\S+)"
                  r"( E[A-Z0-9]+| errno=\d+)?( \[error\])?  <[^>]+>$")


def logged(t):
    """(tid, function, result, errno name or "-") of each call the target made."""
    return sorted((int(l[0]), l[1], int(l[2]), l[3]) for l in t.lines())


def failures_by_errno(calls):
    """{function: {errno name: failed calls}} of the logged calls."""
    counts = {}
    for _, fn, _, e in calls:
        if e != "-":
            counts.setdefault(fn, {}).setdefault(e, 0)
            counts[fn][e] += 1
    return counts


def result_of(fn, text):
    """The result as the target logs it: opendir's as 0 (NULL) or 1, close's raw -1."""
    if fn == "opendir":
        return 0 if text == "NULL" else 1
    if text.startswith("0x"):
        return int(text, 16) - (1 << 32) if int(text, 16) >= 1 << 31 else int(text, 16)
    return int(text)


@test
def errno_names_at_failing_returns_match_the_log():
    t = Target("t_errno")
    rc, out, err = trace(t, *FUNCS)
    eq(rc, 0, f"exit code ({err})")
    want = logged(t)
    # Main thread: ENOENT, EACCES (as nobody, a mode-000 file), EAGAIN, a success after
    # it (and its close), opendir NULL/ENOENT and a success, close(-1) EBADF; then 4
    # threads x 20.
    eq(len(want), 8 + 4 * 20, "calls logged")
    eq(sorted({w[3] for w in want}), ["-", "EACCES", "EAGAIN", "EBADF", "ENOENT"],
       "the errors the target met")
    got, marked = [], []
    for line in out.decode().splitlines():
        m = LINE.match(line)
        if not m:
            continue
        tid, fn, res = int(m.group(1)), m.group(2), result_of(m.group(2), m.group(4))
        got.append((tid, fn, res, m.group(5).strip() if m.group(5) else "-"))
        if m.group(6):
            marked.append(fn)
    eq(sorted(got), want, "calls, results and errno names")
    eq(marked, ["close"], "--error marks close's failure only")
    # The summary counts each function's failures by errno, most frequent first.
    summary = [l for l in out.decode().splitlines() if ": errno " in l]
    counts = failures_by_errno(want)
    eq(sorted(summary), sorted(f"{fn}: errno " + ", ".join(
        f"{e} {n}" for e, n in sorted(c.items(), key=lambda x: (-x[1], getattr(errno, x[0]))))
        for fn, c in counts.items()), "errno breakdown in the summary")
    check(len({g[0] for g in got}) == 5, "five threads")
    check(not re.search(r"errno (is|read)", err), f"nothing said about errno: {err!r}")


@test
def errno_in_json_and_the_store():
    d = tempfile.mkdtemp(prefix="wm-e2e-errno-")
    db = os.path.join(d, "trace.db")
    try:
        t = Target("t_errno")
        rc, out, err = trace(t, *FUNCS, "--json", "--store", db)
        eq(rc, 0, f"exit code ({err})")
        want = logged(t)
        recs, summary = json_records(out)
        got = []
        for r in recs:
            res = r["result"]
            check(("errno" in res) == ("errno_value" in res), f"both or neither: {res}")
            if "errno" in res:
                eq(res["errno_value"], getattr(errno, res["errno"]), f"number of {res['errno']}")
            v = res["value"]
            if r["function"] == "opendir":
                v = 0 if v is None else 1
            elif isinstance(v, str):
                v = result_of("close", v)
            got.append((r["tid"], r["function"], v, res.get("errno", "-")))
        eq(sorted(got), want, "JSON results and errno")
        eq({f["function"]: f["errnos"] for f in summary["functions"] if "errnos" in f},
           failures_by_errno(want), "errnos in the JSON summary")
        eq([r["error"] for r in recs if "error" in r],
           [{"expr": "ret == -1", "errno": "EBADF"}], "the error object names it")

        con = sqlite3.connect(db)
        rows = con.execute("SELECT c.tid, f.name, c.errno FROM calls c"
                           " JOIN functions f ON f.id = c.function_id").fetchall()
        con.close()
        eq(sorted((tid, fn, e or 0) for tid, fn, e in rows),
           sorted((w[0], w[1], getattr(errno, w[3]) if w[3] != "-" else 0) for w in want),
           "calls.errno")
        p = subprocess.run([TRACER, "report", db, "--function", "opendir"],
                           capture_output=True, text=True, timeout=20)
        eq(p.returncode, 0, f"report: {p.stderr}")
        check(re.search(r' opendir\(name="[^"]*/missing"\) = NULL ENOENT  <', p.stdout),
              f"report shows the name: {p.stdout!r}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test
def no_errno_in_a_static_binary_quietly():
    # glibc linked in: its errno is local-exec TLS, not what wrapmon reads.
    t = Target("t_errno_static")
    rc, out, err = trace(t, "-f", "int open(const char *path, int flags)")
    eq(rc, 0, f"exit code ({err})")
    lines = [l for l in out.decode().splitlines() if " open(" in l]
    eq(len(lines), len([l for l in t.lines() if l[1] == "open"]), "open calls")
    check(all(re.search(r"\) = (-1|\d+)  <", l) for l in lines), f"results alone: {lines[:3]}")
    check(not re.search(r"errno (is|read)", err), f"nothing said about errno: {err!r}")
