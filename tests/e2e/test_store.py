# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""--store (the SQLite database) and the report subcommand."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

from harness import test, at_end, check, eq, Target, Tracer, trace, unhex, bad, TRACER


STORE_DIRS = []


def store_path():
    d = tempfile.mkdtemp(prefix="wm-e2e-db-")
    STORE_DIRS.append(d)
    return os.path.join(d, "calls.db")


@at_end
def remove_store_dirs():
    for d in STORE_DIRS:
        shutil.rmtree(d, ignore_errors=True)


def db_rows(path, sql, *args):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(sql, args)]
    finally:
        db.close()


CALLS_SQL = ("SELECT c.*, f.name AS function FROM calls c JOIN functions f ON f.id = c.function_id "
             "ORDER BY c.start_ns")


@test
def store_keeps_errors_filters_and_stacks():
    t = Target("t_types")
    db = store_path()
    rc, out, err = trace(t, "-f", "parse_int", "--error", "ret < 0", "-f", "open_like",
                         "--error", "ret == -2", "--filter", "ret != 3", "--stack", "--store", db)
    eq(rc, 0, f"exit code ({err})")
    rows = db_rows(db, CALLS_SQL)
    eq([(r["function"], r["error"], r["error_text"] and json.loads(r["error_text"])) for r in rows],
       [("parse_int", 0, None), ("parse_int", 1, {"expr": "ret < 0", "errno": "EINVAL"}),
        ("open_like", 1, {"expr": "ret == -2", "errno": "ENOENT"})], "error columns")
    st = json.loads(rows[0]["stack"])
    eq((st[0]["symbol"], st[1]["symbol"]), ("parse_int", "main"), "stack column")
    aggs = {r["name"]: r for r in db_rows(db, "SELECT a.*, f.name FROM aggregates a "
                                              "JOIN functions f ON f.id = a.function_id")}
    eq((aggs["parse_int"]["errors"], aggs["open_like"]["errors"], aggs["open_like"]["filtered"]),
       (1, 1, 1), "aggregates")


@test
def store_rows_match_the_log_with_parents():
    # Every call the target logged is a row with its arguments, result and
    # thread; nested calls point at the call that contains them.
    t = Target("t_nest")
    db = store_path()
    rc, out, err = trace(t, "-f", "fact", "-f", "outer", "-f", "inner", "-f", "mix", "-f", "peek",
                         "--store", db)
    eq(rc, 0, f"exit code ({err})")
    check(f"stored 56 calls in {db}" in err, f"stored line: {err[-300:]!r}")
    eq(os.stat(db).st_mode & 0o777, 0o600, "file mode")
    eq(db_rows(db, "PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity")
    check(not os.path.exists(db + "-wal"), "one file at the end")
    rows = db_rows(db, CALLS_SQL)
    by_id = {r["id"]: r for r in rows}
    val = lambda r, i: json.loads(r["args"])[i].get("value")
    res = lambda r: json.loads(r["result"])["value"]
    # The log, as (function, first argument, result), in order; fact(8..1)
    # of fact(40) are deeper than 32 and not recorded.
    want, after_mix = [], False
    for l in t.lines():
        after_mix = after_mix or l[1] == "mix"
        if l[1] in ("tail_a", "tail_b") or (after_mix and l[1] == "fact" and int(l[2]) <= 8):
            continue
        if l[1] == "peek":
            want.append((int(l[0]), "peek", None, 3))
        elif l[1] == "mix":
            want.append((int(l[0]), "mix", int(l[2]), int(l[4])))
        else:
            want.append((int(l[0]), l[1], int(l[2]), int(l[3])))
    got = [(r["tid"], r["function"], val(r, 0), res(r)) for r in rows]
    eq(sorted(got, key=repr), sorted(want, key=repr), "rows")
    eq({r["pid"] for r in rows}, {t.pid}, "pid")
    check(all(r["latency_ns"] > 0 and r["unfinished"] is None and r["error"] == 0
              and r["error_text"] is None for r in rows), "latency, no error columns set")
    # Parents: inner(2x) inside outer(x); fact(n) inside fact(n + 1); the rest at the top.
    for r in rows:
        p = by_id.get(r["parent_id"]) if r["parent_id"] is not None else None
        if r["function"] == "inner":
            check(p and p["function"] == "outer" and val(p, 0) * 2 == val(r, 0),
                  f"inner({val(r, 0)}) parent {p}")
        elif r["function"] == "fact" and r["depth"] > 0:
            check(p and p["function"] == "fact" and val(p, 0) == val(r, 0) + 1,
                  f"fact({val(r, 0)}) parent {p}")
        else:
            check(r["function"] != "fact" or val(r, 0) in (12, 40), f"fact({val(r, 0)}) at the top")
            eq(r["parent_id"], None, f"{r['function']}({val(r, 0)}) parent")
        if p:
            eq(r["depth"], p["depth"] + 1, "depth below the parent")
            check(p["start_ns"] <= r["start_ns"] and
                  r["start_ns"] + r["latency_ns"] <= p["start_ns"] + p["latency_ns"],
                  "child within its parent's time")
    sess = db_rows(db, "SELECT * FROM sessions")
    eq(len(sess), 1, "sessions")
    s = sess[0]
    eq((s["target_pid"], s["calls"], s["not_kept"], s["dropped"]), (t.pid, 56, 0, 8), "session")
    check(s["target_exe"].endswith("/targets/t_nest") and "--store" in s["command_line"]
          and s["end_ns"] > s["start_ns"] and s["kernel"] == os.uname().release, f"session {s}")
    aggs = {a["name"]: a for a in db_rows(db, "SELECT a.*, f.name, f.signature FROM aggregates a "
                                              "JOIN functions f ON f.id = a.function_id")}
    for name in ("fact", "outer", "inner", "mix", "peek"):
        eq(aggs[name]["calls"], sum(1 for r in rows if r["function"] == name), f"{name} calls")
        eq(aggs[name]["max_ns"], max(r["latency_ns"] for r in rows if r["function"] == name),
           f"{name} max")
    eq(aggs["fact"]["dropped"], 8, "fact dropped")
    eq(aggs["mix"]["signature"], "int mix(int a, double f, int b)", "signature from DWARF")
    return db, t


@test
def store_two_threads_strings():
    t = Target("t_search")
    db = store_path()
    rc, out, err = trace(t, "-f", "search", "--store", db)
    eq(rc, 0, f"exit code ({err})")
    rows = db_rows(db, CALLS_SQL)
    got = sorted((r["tid"], json.loads(r["args"])[0]["value"], json.loads(r["args"])[1]["value"],
                  json.loads(r["result"])["value"]) for r in rows)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    eq(got, want, "search rows")
    eq(len({r["tid"] for r in rows}), 2, "two threads")


@test
def store_path_with_control_bytes_is_created_where_asked():
    # The path is escaped in messages, never in what is created.
    d = os.path.dirname(store_path())
    raw = os.path.join(os.fsencode(d), b"caf\xe9\x1b[2J-x.db")
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--store", raw)
    eq(rc, 0, f"exit code ({err})")
    eq(sorted(os.listdir(os.fsencode(d))), [os.path.basename(raw)], "files in the directory")
    check("caf\\xe9\\x1b[2J-x.db" in err and "\x1b" not in err,
          f"the path escaped in messages: {err[-300:]!r}")
    plain = os.path.join(d, "plain.db")
    shutil.copy(raw, plain)
    eq(len(db_rows(plain, CALLS_SQL)), len(t.lines()), "rows in the file at the raw path")


@test
def store_survives_kill9():
    # The tracer dies mid-run: the database opens, is intact, and every row
    # that made it is a whole, right call.
    t = Target("t_spin")
    db = store_path()
    tr = Tracer("-p", str(t.pid), "-f", "work", "--store", db)
    try:
        tr.wait_ready()
        t.go()
        time.sleep(0.6)
        tr.p.kill()
        tr.p.wait()
    finally:
        tr.kill()
        t.finish()
        t.kill()
    eq(db_rows(db, "PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity")
    rows = db_rows(db, CALLS_SQL)
    check(len(rows) > 100, f"rows committed before the kill: {len(rows)}")
    for r in rows:
        x = json.loads(r["args"])[0]["value"]
        eq(json.loads(r["result"])["value"], x ^ 0x5A, f"work({x})")
        eq((r["tid"], r["function"], r["depth"], r["parent_id"]), (t.pid, "work", 0, None), "row")
    eq(len({r["id"] for r in rows}), len(rows), "unique ids")
    s = db_rows(db, "SELECT * FROM sessions")[0]
    eq(s["end_ns"], None, "no end after kill -9")
    p = subprocess.run([TRACER, "report", db], capture_output=True, text=True, timeout=20)
    eq(p.returncode, 0, f"report after kill -9: {p.stderr}")
    check("did not end cleanly" in p.stdout, f"report says so: {p.stdout[:300]!r}")
    m = re.search(r"^work\s+(\d+)\s+0\s", p.stdout, re.M)
    check(m and int(m.group(1)) == len(rows), f"report counts the kept rows: {p.stdout[:600]!r}")


@test
def store_not_kept_is_counted_and_said():
    # A queue of 64 calls cannot hold a flood: calls not kept are counted,
    # warned about, and the aggregates still count every call.
    t = Target("t_flood")
    db = store_path()
    rc, out, err = trace(t, "-f", "int work(const char *s, int x)", "--store", db,
                         "--store-queue", "64")
    eq(rc, 0, f"exit code ({err})")
    made = int(t.lines()[0][0])
    s = db_rows(db, "SELECT * FROM sessions")[0]
    kept = db_rows(db, "SELECT count(*) AS n FROM calls")[0]["n"]
    a = db_rows(db, "SELECT * FROM aggregates")[0]
    check(s["not_kept"] > 0, f"a 64-call queue must overflow ({made} calls)")
    eq(kept + s["not_kept"], s["calls"], "kept + not kept = calls")
    eq(a["calls"], s["calls"], "aggregates count every call")
    eq(a["not_kept"], s["not_kept"], "per function not kept")
    eq(a["calls"] + a["dropped"], made, "calls + dropped = calls made")
    check(re.search(rf"warning: {s['not_kept']} of {s['calls']} calls not kept in .*: the store "
                    "could not keep up", err), f"warning at the end: {err[-400:]!r}")


@test
def report_matches_the_log():
    db, t = store_rows_match_the_log_with_parents()
    log = t.lines()
    p = subprocess.run([TRACER, "report", db, "--function", "inner"], capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 0, f"report: {p.stderr}")
    calls = p.stdout.split("\nCALLS\n")[1].splitlines()[1:]
    got = [re.sub(r"  <.*", "", l.split(None, 3)[3]) for l in calls]
    want = [f"inner(y={l[2]}) = {l[3]}" for l in log if l[1] == "inner"]
    eq(got, want, "inner calls listed")
    for name in ("outer", "inner", "mix", "peek"):
        m = re.search(rf"^{name}\s+(\d+)\s+0\s+0\s+0\s", p.stdout, re.M)
        check(m, f"{name} summary row")
        eq(int(m.group(1)), sum(1 for l in log if l[1] == name), f"{name} calls")
    check(re.search(r'peek\(s=0x10<unreadable>, n=3\) = 3', subprocess.run(
        [TRACER, "report", db, "--function", "peek"], capture_output=True, text=True).stdout),
        "an unreadable string in the report")
    p = subprocess.run([TRACER, "report", db, "--json", "--top", "5"], capture_output=True,
                       text=True, timeout=20)
    eq(p.returncode, 0, f"report --json: {p.stderr}")
    r = json.loads(p.stdout)["sessions"][0]
    slow = db_rows(db, "SELECT id FROM calls ORDER BY latency_ns DESC, id LIMIT 5")
    eq([c["id"] for c in r["slowest"]], [x["id"] for x in slow], "slowest five")
    eq({f["function"]: f["calls"] for f in r["functions"]}["fact"],
       sum(1 for l in log if l[1] == "fact") - 8, "fact calls in --json")
    eq(r["errors"], [], "no errors")
    check("matches" not in r, "no call list without --function/--since")


@test
def store_and_report_bad_inputs_one_clear_line():
    d = os.path.dirname(store_path())
    junk = os.path.join(d, "junk.db")
    with open(junk, "w") as f:
        f.write("not a database at all, " * 20)
    for args, pat in (([], r"no database given"),
                      ([os.path.join(d, "nope.db")], r"nope.db: No such file or directory"),
                      ([junk], r"is not a wrapmon database"),
                      ([junk, "--bogus"], r"bad option '--bogus'"),
                      ([junk, "--top", "0"], r"invalid --top '0'"),
                      ([junk, "--since"], r"--since needs a value"),
                      ([junk, "--since", "soon"], r"invalid --since 'soon'")):
        p = subprocess.run([TRACER, "report", *args], capture_output=True, text=True, timeout=20)
        lines = p.stderr.strip().splitlines()
        check(p.returncode != 0, f"{args}: exit code 0")
        eq(len(lines), 1, f"{args}: stderr lines {lines}")
        check(re.search(pat, lines[0]), f"{args}: {lines[0]!r} !~ {pat!r}")
        eq(p.stdout, "", f"{args}: stdout")
    # An existing file is never overwritten, and a symlink never followed.
    os.symlink(os.path.join(d, "elsewhere.db"), os.path.join(d, "link.db"))
    t = Target("t_search")
    try:
        bad(["-p", str(t.pid), "-f", "search", "--store", junk], r"junk.db already exists")
        bad(["-p", str(t.pid), "-f", "search", "--store", os.path.join(d, "link.db")],
            r"link.db already exists")
    finally:
        t.finish()
        t.kill()
    check(not os.path.exists(os.path.join(d, "elsewhere.db")), "symlink not followed")
    with open(junk) as f:
        check(f.read().startswith("not a database"), "existing file untouched")


@test
def store_path_other_users_could_steer_is_refused():
    from test_safety import as_nobody, protections_off, restore_protections, steer_dirs, NOBODY
    base, shared, victim = steer_dirs()
    old = protections_off()
    try:
        # Another user's link to root's directory, and companions planted
        # before the run: SQLite would write through them or into them.
        as_nobody("ln", "-s", "../victim", os.path.join(shared, "evil"))
        as_nobody("sh", "-c", f"umask 0 && echo planted > {shared}/a.db-journal")
        for name in ("b.db-journal", "c.db-wal", "d.db-shm"):
            as_nobody("ln", "-s", f"../victim/{name}", os.path.join(shared, name))
        os.mkdir(os.path.join(base, "open", "sub"))
        planted = sorted(os.listdir(shared))
        t = Target("t_search")
        try:
            for path, pat in (
                    (f"{shared}/evil/calls.db",
                     r"refusing .*/evil/calls.db: it goes through the symbolic link evil in "
                     r".*/shared, which other users can write to; give the real path$"),
                    (f"{shared}/a.db", r"a.db-journal exists \(left by a crashed writer\?\)"),
                    (f"{shared}/b.db", r"b.db-journal exists \(left by a crashed writer\?\)"),
                    (f"{shared}/c.db", r"c.db-wal exists"),
                    (f"{shared}/d.db", r"d.db-shm exists"),
                    # Not sticky: anyone can swap the companions, or the directory itself.
                    (f"{base}/open/calls.db",
                     r"other users can write to .*/open and could plant or replace the store's"),
                    (f"{base}/open/sub/calls.db",
                     r"other users can write to .*/open and could replace sub in it")):
                # -d: without the check the trace would run, and end, rc 0.
                bad(["-p", str(t.pid), "-f", "search", "-d", "2", "--store", path], pat)
        finally:
            t.finish()
            t.kill()
        eq(sorted(os.listdir(victim)), ["important.txt"], "nothing made behind the links")
        eq(sorted(os.listdir(shared)), planted, "nothing made or removed beside the planted files")
        eq(open(f"{shared}/a.db-journal").read(), "planted\n", "planted journal untouched")

        # During the run, the other user cannot take the companions' names:
        # a -journal planted mid-run used to make the end fail.
        t = Target("t_spin")
        db = os.path.join(shared, "live.db")
        tr = Tracer("-p", str(t.pid), "-f", "work", "--store", db)
        try:
            tr.wait_ready()
            t.go()
            time.sleep(0.3)
            for suffix in ("-journal", "-wal", "-shm"):
                subprocess.run(NOBODY + ["sh", "-c", f"rm -f {db}{suffix}; "
                                         f"ln -s ../victim/live{suffix} {db}{suffix}"],
                               capture_output=True, timeout=20)
            t.finish()
            rc, _, err = tr.wait(30)
        finally:
            tr.kill()
            t.kill()
        eq(rc, 0, f"exit code ({err})")
        check(re.search(r"stored \d+ calls in .*live.db$", err.strip(), re.M), f"stderr: {err!r}")
        eq(sorted(f for f in os.listdir(shared) if f.startswith("live")), ["live.db"],
           "one self-contained file at the end")
        eq(sorted(os.listdir(victim)), ["important.txt"], "nothing written behind a link")
        eq(db_rows(db, "PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity")
        check(db_rows(db, "SELECT end_ns FROM sessions")[0]["end_ns"], "the session has its end")
    finally:
        restore_protections(old)
        subprocess.run(["rm", "-rf", base])


@test
def store_on_a_full_disk_cleans_up_and_says_why():
    import select
    from harness import our_links
    mnt = tempfile.mkdtemp(prefix="wm-e2e-full-")
    STORE_DIRS.append(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "wm-e2e-full", mnt],
                   check=True, timeout=20)
    try:
        db, fill = os.path.join(mnt, "calls.db"), os.path.join(mnt, "fill")
        # 32 KiB left: room for the file, its -wal and -shm, not for the session.
        with open(fill, "wb") as f:
            f.write(b"\0" * (224 << 10))
        t = Target("t_search")
        try:
            bad(["-p", str(t.pid), "-f", "search", "--store", db],
                r"cannot write to .*calls.db: No space left on device$")
        finally:
            t.finish()
            t.kill()
        eq(sorted(os.listdir(mnt)), ["fill"], "nothing of the store left to block the next run")
        os.unlink(fill)
        rc, _, err = trace(Target("t_search"), "-f", "search", "--store", db)
        eq(rc, 0, f"the next run, with room: exit code ({err})")
        check(re.search(r"stored 120 calls in ", err), f"the next run: {err!r}")
        os.unlink(db)

        # The disk fills up during the run: said as such, to the end.
        with open(fill, "wb") as f:
            f.write(b"\0" * (32 << 10))
        t = Target("t_spin")
        tr = Tracer("-p", str(t.pid), "-f", "work", "--store", db)
        try:
            tr.wait_ready()
            t.go()
            end = time.time() + 20
            while time.time() < end and b"No space left" not in tr.err:
                r, _, _ = select.select([tr.p.stderr], [], [], 0.2)
                if r:
                    tr.err += os.read(tr.p.stderr.fileno(), 65536)
            t.finish()
            rc, _, err = tr.wait(30)
        finally:
            tr.kill()
            t.kill()
        check(rc != 0, f"exit code 0 after the store failed: {err!r}")
        check(re.search(r"store .*calls.db: cannot (begin a transaction|write a call|commit) "
                        r"\(No space left on device\): calls from now on are not kept", err),
              f"the failure, when it happens: {err!r}")
        check(re.search(r"warning: \d+ of \d+ calls not kept in .*calls.db: the store stopped at a "
                        r"write error \(No space left on device\)$", err, re.M),
              f"the last word names the real error: {err!r}")
        check("could not keep up" not in err, f"not blamed on a slow store: {err!r}")
        eq(our_links(), [], "links left")
    finally:
        subprocess.run(["umount", "-l", mnt], timeout=20)


@test
def report_on_an_unreadable_file_says_why():
    from test_safety import NOBODY
    d = os.path.dirname(store_path())
    os.chmod(d, 0o755)
    db = os.path.join(d, "locked.db")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('format','wrapmon'),('schema_version','2')")
    con.commit()
    con.close()
    os.chmod(db, 0)
    for cmd, pat in ((NOBODY + [TRACER, "report", db],
                      rf"^wrapmon-trace report: cannot open {re.escape(db)}: Permission denied$"),
                     ([TRACER, "report", d],
                      rf"^wrapmon-trace report: {re.escape(d)} is a directory: give the file "
                      r"--store wrote$")):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        lines = p.stderr.strip().splitlines()
        check(p.returncode != 0, f"{cmd}: exit code 0")
        eq(len(lines), 1, f"{cmd}: stderr lines {lines}")
        check(re.search(pat, lines[0]), f"{cmd}: {lines[0]!r} !~ {pat!r}")
        eq(p.stdout, "", f"{cmd}: stdout")


def call_part(line):
    """A text call line without its time, thread and latency."""
    m = re.match(r"^\d\d:\d\d:\d\d\.\d{6} \d+ (.*)  <[^>]+>$", line)
    return m.group(1) if m else None


@test
def report_prints_calls_as_the_tracer_did():
    # Structs, enums, bools, function pointers, what a pointer points to (a
    # struct, a buffer's bytes), out-parameters, parameters optimized out
    # and C++ names with their parameter types: each call line of the
    # report equals the tracer's own (arr_sum aside: the JSON keeps no "..."
    # after an array's first elements).
    runs = (("t_types", ["-f", "move_point", "-f", "paint", "-f", "parse_int", "-f", "apply",
                         "-f", "long read_like(int fd, char *buf[ret], size_t count)",
                         "-f", "int checksum(const unsigned char *data[n], size_t n)",
                         "-f", "un_get", "-f", "bits", "-f", "pair_sum"]),
            ("t_locs", ["-f", "scale*", "-f", "keep"]),
            ("t_cxxnames", ["-f", "over", "-f", "operator<<"]))
    for name, args in runs:
        t = Target(name)
        db = store_path()
        rc, out, err = trace(t, *args, "--store", db)
        eq(rc, 0, f"{name}: exit code ({err})")
        live = sorted(p for p in map(call_part, out.decode().splitlines()) if p)
        check(live, f"{name}: calls traced ({err})")
        p = subprocess.run([TRACER, "report", db, "--since", "1h"], capture_output=True,
                           text=True, timeout=20)
        eq(p.returncode, 0, f"{name}: report ({p.stderr})")
        calls = p.stdout.split("\nCALLS\n")[1].splitlines()[1:]
        got = sorted(re.sub(r"  <[^>]*>$", "", l.split(None, 3)[3]) for l in calls if l)
        eq(got, live, f"{name}: the report's calls")


@test
def report_reads_values_anyone_could_have_written():
    # The file is outside input: values the tracer would not write print
    # escaped (as JSON, or what they hold), never raw, and never crash it.
    t = Target("t_locs")
    db = store_path()
    rc, out, err = trace(t, "-f", "keep", "-f", "scale*", "--store", db)
    eq(rc, 0, f"exit code ({err})")
    hostile = [
        ('[{"name":"a","value":{"variant":"A","value":{"variant":"B"}}}]', "a=A(B)"),
        ('[{"name":"a\\u001b","value":{"(anonymous)":{"k\\u001b":"\\u001b[2J"}}}]',
         'a\\x1b={{k\\x1b="\\x1b[2J"}}'),
        ('[{"name":"a","value":"0x1","deref":"\\u0041\\u0100"}]', 'a=\\"\\\\u0041\\\\u0100\\"'),
        ('[{"name":"a","value":{"variant":1}}]', 'a={\\"variant\\":1}'),
        ('[{"name":"a","value":' + '{"x":' * 12 + '1' + '}' * 12 + '}]',
         'a=' + '{\\"x\\":' * 12 + '1' + '}' * 12),
    ]
    dbh = sqlite3.connect(db)
    ids = [r[0] for r in dbh.execute("SELECT id FROM calls ORDER BY id")]
    check(len(ids) >= len(hostile), f"calls stored: {ids}")
    for i, (v, _) in zip(ids, hostile):
        dbh.execute("UPDATE calls SET args = ? WHERE id = ?", (v, i))
    dbh.commit()
    dbh.close()
    p = subprocess.run([TRACER, "report", db, "--since", "1h"], capture_output=True, text=True,
                       timeout=20)
    eq(p.returncode, 0, f"report ({p.stderr})")
    calls = sorted(p.stdout.split("\nCALLS\n")[1].splitlines()[1:],
                   key=lambda l: int(l.split()[0]))
    got = [re.sub(r"\) = .*", "", l.split(None, 3)[3].split("(", 1)[1]) for l in calls]
    eq(got[:len(hostile)], [w for _, w in hostile], "hostile values")
