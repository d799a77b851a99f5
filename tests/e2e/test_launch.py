# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""What is traced: a command started by wrapmon (-c, --), several processes
(-p repeated or with commas, --pidof), and their children (--follow) across
fork and exec; each compared with what the targets logged."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

from harness import test, check, eq, bad, Target, Tracer, trace, json_records, TRACER

OUT = "build"


# "TIME [PID] TID name(args) = result  <latency>" for the given function.
def calls(text, fn, pid=False):
    pat = (r"^\S+ (\d+) (\d+) " if pid else r"^\S+ (\d+) ") + re.escape(fn) + r"\((.*)\) = (\S+)  <"
    return [m.groups() for m in re.finditer(pat, text, re.M)]


def launch(*args, stdin=subprocess.DEVNULL, **kw):
    """wrapmon-trace ARGS in a process group of its own, as a shell runs a job."""
    return subprocess.Popen([TRACER, *args], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, **kw)


def target_path(name):
    return os.path.abspath(os.path.join(OUT, "targets", name))


def command_pid(err):
    m = re.search(r"tracing \d+ functions? in command (\d+)", err)
    check(m, f"no 'tracing' line: {err!r}")
    return m.group(1)


def log_lines(path):
    with open(path) as f:
        return [l.split() for l in f.read().splitlines()]


@test
def command_first_call_is_seen_and_stdin_stdout_are_its_own():
    # main's very first call, and a pipe through the command: its stdout
    # carries only its own lines, the calls go to stderr.
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    log = os.path.join(d, "log")
    p = launch("-f", "first", "-f", "int line_len(const char *s)", "--", target_path("t_launch"),
               log, "cat", stdin=subprocess.PIPE)
    out, err = p.communicate(b"hello\nab c\n\nlast line\n", timeout=30)
    err = err.decode()
    eq(p.returncode, 0, f"exit code ({err})")
    eq(out.decode(), "5 hello\n4 ab c\n0 \n9 last line\n", "the command's stdout")
    lines = log_lines(log)
    eq(lines[0], ["first", "3", "6"], "the command's log")
    eq(calls(err, "first"), [(command_pid(err), "argc=3", "6")], "first call")
    got = [(a, r) for _, a, r in calls(err, "line_len")]
    want = [(f's="{s}"', str(len(s))) for s in ["hello", "ab c", "", "last line"]]
    eq(got, want, "every line_len call")
    eq([l for l in lines if l[0] == "line"], [["line", r] for _, r in want], "logged calls")
    # The first record is main's first call: nothing was missed at start.
    first_rec = re.search(r"^\S+ \d+ (\w+)\(", err, re.M)
    eq(first_rec.group(1), "first", "first record")
    shutil.rmtree(d)


@test
def sqlite3_command_line_sql_first_call_seen():
    # The sqlite3 shell's main calls sqlite3_sourceid() before anything else.
    if not shutil.which("sqlite3"):
        raise AssertionError("sqlite3 not installed (run.sh installs it)")
    p = launch("--json", "-f", "sqlite3_sourceid", "-f",
               "int sqlite3_prepare_v2(void *db, const char *sql, int n, void **st, void **tail)",
               "-c", "sqlite3 :memory: 'select 40+2;'")
    out, err = p.communicate(timeout=30)
    eq(p.returncode, 0, f"exit code ({err.decode()})")
    eq(out.decode(), "42\n", "sqlite3's own stdout")
    recs = [json.loads(l) for l in err.decode().splitlines() if l.startswith("{")]
    recs = [r for r in recs if "function" in r]
    check(recs, f"no records: {err.decode()!r}")
    eq(recs[0]["function"], "sqlite3_sourceid", "the program's first call")
    sqls = [r["args"][1] for r in recs if r["function"] == "sqlite3_prepare_v2"]
    check(any("select 40+2;" in json.dumps(a) for a in sqls), f"the SQL given: {sqls!r}")
    eq({r["pid"] for r in recs}, {int(command_pid(err.decode()))}, "the command's pid")


@test
def command_exit_status_is_wrapmons():
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    p = launch("-f", "first", "--", target_path("t_launch"), os.path.join(d, "log"), "exit", "7")
    _, err = p.communicate(timeout=30)
    eq(p.returncode, 7, f"exit code ({err.decode()})")
    shutil.rmtree(d)


def ctrl_c(mode, send=lambda p: os.killpg(p.pid, signal.SIGINT)):
    """SIGINT to the process group of wrapmon and its command (Ctrl-C), unless send says."""
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    log = os.path.join(d, "log")
    p = launch("-f", "caught", "--", target_path("t_launch"), log, mode)
    try:
        eq(p.stdout.readline(), b"waiting\n", "the command waits")
        send(p)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    lines = log_lines(log)
    shutil.rmtree(d)
    return p.returncode, err.decode(), lines


@test
def ctrl_c_reaches_the_command_once():
    rc, err, lines = ctrl_c("catch")
    eq(rc, 0, f"exit code: the command's ({err})")
    eq([l for l in lines if l[0] == "caught"], [["caught", "2"]], "caught SIGINT once")
    eq([(a, r) for _, a, r in calls(err, "caught")], [("signo=2", "2")], "caught() traced")


@test
def ctrl_c_killing_the_command_exits_128_plus_sigint():
    rc, err, lines = ctrl_c("wait")
    eq(rc, 128 + signal.SIGINT, f"exit code ({err})")
    check(re.search(r"command \d+ was killed by SIGINT", err), f"said: {err!r}")


def trace_two(exe, args):
    """Two copies of t_fork (exe) traced together; args(a, b) names them."""
    a, b = Target(exe), Target(exe)
    tr = Tracer(*args(a, b), "-f", "work")
    try:
        tr.wait_ready()
        for t in (a, b):
            t.go()
        for t in (a, b):
            t.finish()
        rc, out, err = tr.wait(20)
    finally:
        tr.kill()
        a.kill()
        b.kill()
    eq(rc, 0, f"exit code ({err})")
    # The parents' calls; not the children's (no --follow).
    want = sorted((t.pid, int(l[1]), int(l[2]), int(l[3])) for t in (a, b)
                  for l in t.lines() if l[0] == "P")
    eq(len(want), 10, "parents' calls logged")
    check(re.search(rf"in process {a.pid} and 1 other", err), err)
    return out, want


@test
def two_p_trace_both_and_show_pids():
    out, want = trace_two("t_fork", lambda a, b: ["-p", str(a.pid), "-p", str(b.pid)])
    text = out.decode()
    check(re.search(r"^TIME\s+PID TID CALL", text, re.M), "PID column")
    got = sorted((int(pid), int(tid), int(a[2:]), int(r))
                 for pid, tid, a, r in calls(text, "work", pid=True))
    eq(got, want, "both processes' calls, with pids")


@test
def p_with_commas_and_pidof():
    # --pidof finds both copies by their command name; -p A,B the same.
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    name = f"wmpid{os.getpid() % 100000}"
    exe = os.path.join(d, name)
    shutil.copy(target_path("t_fork"), exe)
    for args in (lambda a, b: ["--pidof", name, "--json"],
                 lambda a, b: ["-p", f"{a.pid},{b.pid}", "--json"]):
        out, want = trace_two(exe, args)
        recs, _ = json_records(out)
        got = sorted((r["pid"], r["tid"], r["args"][0]["value"], r["result"]["value"])
                     for r in recs)
        eq(got, want, "both processes' calls")
    shutil.rmtree(d)


@test
def follow_traces_children_from_fork():
    t = Target("t_fork")
    rc, out, err = trace(t, "-F", "-f", "work")
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    lines = t.lines()
    child = [l for l in lines if l[0] == "C"]
    eq(len(child), 1, "one child logged")
    cpid = child[0][1]
    want = sorted([(str(t.pid), l[1], f"x={l[2]}", l[3]) for l in lines if l[0] == "P"] +
                  [(cpid, cpid, f"x={x}", str(x * 3)) for x in range(100, 105)])
    eq(sorted(calls(text, "work", pid=True)), want, "parent's and child's calls, with pids")


@test
def follow_a_command_across_fork_and_exec():
    # The command forks 3 children that exec the same program: each image's
    # calls into the traced file are seen from its first one, with its pid.
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    log = os.path.join(d, "log")
    p = launch("--follow", "-f", "child_work", "-f", "first", "--", target_path("t_launch"),
               log, "spawn", "3")
    _, err = p.communicate(timeout=30)
    err = err.decode()
    eq(p.returncode, 0, f"exit code ({err})")
    lines = log_lines(log)
    kids = sorted((l[1], l[1], f"i={l[2]}", l[3]) for l in lines if l[0] == "child")
    eq(len(kids), 3, "children logged")
    eq(sorted(calls(err, "child_work", pid=True)), kids, "every child's call, with its pid")
    # first(): the command's own, and each exec'd child's (main's first call).
    firsts = sorted(pid for pid, _, _, _ in calls(err, "first", pid=True))
    eq(firsts, sorted([k[0] for k in kids] + [command_pid(err)]), "first() of every image")
    check(len(re.findall(r"note: process \d+ called exec", err)) == 3, f"exec notes: {err!r}")
    shutil.rmtree(d)


@test
def bad_process_and_command_input():
    bad(["-f", "x", "--", "wm-no-such-command"], r"command 'wm-no-such-command' not found")
    bad(["-f", "x", "-c", "/nonexistent/wm-cmd arg"], r"command '/nonexistent/wm-cmd' not found")
    bad(["-p", "1", "-f", "x", "--", "true"], r"-p/--pidof and a command together")
    bad(["-p", "1", "-f", "x", "-c", "true"], r"-p/--pidof and a command together")
    bad(["-F", "-f", "x"], r"--follow needs processes to follow")
    bad(["-f", "x", "-u", "wm-no-such-user", "--", "true"], r"no user 'wm-no-such-user'")
    bad(["-p", "1", "-u", "root", "-f", "x"], r"-u USER is who a started command runs as")
    bad(["-f", "x", "-c", "true", "--", "true"], r"two commands")
    bad(["-f", "x", "-c", "a | b"], r"cannot split -c")
    bad(["-p", "1,x", "-f", "x"], r"invalid PID 'x'")
    bad(["-p", str(os.getpid()), "-p", "999999999", "-f", "x"], r"process 999999999 does not exist")
    bad(["--pidof", "wm-no-such-comm", "-f", "x"], r"no process named 'wm-no-such-comm'")
    bad(["-f", "x", "stray", "--", "true"], r"unexpected argument 'stray'")
    # "--" and nothing after it: the missing command, not the missing process.
    bad(["-f", "libc:write", "--"], r"^wrapmon-trace: '--' is followed by no command: give it "
        r"after '--'")
    # A function missing in the command: it was held, and is killed, not left running.
    d = tempfile.mkdtemp(prefix="wm-e2e-")
    bad(["-f", "wm_no_such_fn", "--", target_path("t_launch"), os.path.join(d, "log"), "wait"],
        r"symbol 'wm_no_such_fn' not found")
    eq(os.listdir(d), [], "the held command never ran")
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/exe") == target_path("t_launch"):
                left.append(pid)
        except OSError:
            pass
    eq(left, [], "the held command is not left behind")
    shutil.rmtree(d)


@test
def sigterm_to_wrapmon_alone_is_passed_on():
    rc, err, _ = ctrl_c("wait", lambda p: p.send_signal(signal.SIGTERM))
    eq(rc, 128 + signal.SIGTERM, f"exit code ({err})")
    check(re.search(r"command \d+ was killed by SIGTERM", err), f"said: {err!r}")
