# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Objects rather than processes: -f /path/obj:NAME or LIB:NAME without -p
traces every process running the object, those running at attach and those
started later; and with -p, an object the process maps later (dlopen) is
armed, traced from its mapping, and again after dlclose and a new dlopen.
Each compared with what the targets logged."""
import json
import os
import re
import shutil
import signal
import tempfile

from harness import test, check, eq, bad, Target, Tracer, trace, json_records

OUT = "build"


def target_path(name):
    return os.path.abspath(os.path.join(OUT, "targets", name))


def stop(tr):
    """Ctrl-C: the way a trace without processes ends."""
    tr.p.send_signal(signal.SIGINT)
    rc, out, err = tr.wait(20)
    eq(rc, 0, f"exit code ({err})")
    return out, err


def fork_calls(t):
    """(pid, tid, x, ret) of every work() call t_fork's log says it made, in order."""
    want = []
    for l in t.lines():
        if l[0] == "P":
            want.append((t.pid, int(l[1]), int(l[2]), int(l[3])))
        else:
            eq(l[2], "5", "child's calls")
            want += [(int(l[1]), int(l[1]), x, 3 * x) for x in range(100, 105)]
    return want


@test
def binary_without_p_traces_processes_running_and_started_later():
    # One t_fork running at attach, one started after; each forks a child.
    # A copy of the binary (another file, the same code) is not traced.
    exe = target_path("t_fork")
    copy = os.path.join(tempfile.mkdtemp(prefix="wm-e2e-"), "t_fork")
    shutil.copy(exe, copy)
    before = Target("t_fork")
    tr = Tracer("-f", exe + ":work", "--json", "--per-process")
    later = other = None
    try:
        tr.wait_ready()
        before.go()
        before.finish()
        later = Target("t_fork")
        later.go()
        later.finish()
        other = Target(copy)
        other.go()
        other.finish()
        out, err = stop(tr)
    finally:
        tr.kill()
        for t in (before, later, other):
            if t:
                t.kill()
    check(re.search(r"tracing 1 function in every process running " + re.escape(exe), err), err)
    lines = out.decode().splitlines()
    recs = [json.loads(l) for l in lines if '"function":"work"' in l and '"ts"' in l]
    per = [json.loads(l)["per_process"] for l in lines if l.startswith('{"per_process"')]
    got = [(r["pid"], r["tid"], r["args"][0]["value"], r["result"]["value"]) for r in recs]
    want = fork_calls(before) + fork_calls(later)
    # Per process, in the order each made them; the copy's calls nowhere.
    for pid in {w[0] for w in want}:
        eq([g for g in got if g[0] == pid], [w for w in want if w[0] == pid], f"calls of {pid}")
    eq(sorted(got), sorted(want), "every call, and no other process's")
    eq({r["comm"] for r in recs}, {"t_fork"}, "comm")
    eq(len(per), 1, "one per-process table")
    eq(sorted((p["pid"], p["comm"], p["calls"]) for p in per[0]),
       sorted((pid, "t_fork", 5) for pid in {w[0] for w in want}), "per-process summary")


@test
def system_library_by_name_needs_system_wide_and_is_traced_with_it():
    # libz found through ld.so.cache; refused without --system-wide, with
    # the file it found named. With it, a process started later is traced
    # with its pid and comm (other processes' calls may come too: skipped).
    proto = "libz:unsigned long crc32(unsigned long crc, const char *buf, unsigned int len)"
    bad(["-f", proto], r"/libz\.so[.0-9]* is a shared library: .*add --system-wide")
    bad(["-f", "libc:write"], r"/libc\.so\.6 is a shared library: .*--system-wide")
    tr = Tracer("--system-wide", "-f", proto)
    t = None
    try:
        tr.wait_ready()
        t = Target("t_zlib")
        t.go()
        t.finish()
        out, err = stop(tr)
    finally:
        tr.kill()
        if t:
            t.kill()
    eq(out.decode().splitlines()[0].split()[:4], ["TIME", "PID", "COMM", "TID"], "header")
    pat = r"^\S+ %d t_zlib (\d+) crc32\(crc=0, buf=\"[^\"]*\", len=(\d+)\) = (\d+)  <" % t.pid
    got = [tuple(int(x) for x in m.groups()) for m in re.finditer(pat, out.decode(), re.M)]
    eq(got, [tuple(int(x) for x in l) for l in t.lines()], "crc32 calls of t_zlib")


@test
def library_loaded_later_is_armed_traced_until_dlclose_and_again_when_reopened():
    # -p, and a library the process opens after attach: its constructor's
    # call (made inside dlopen) is traced; a call left in flight by a thread
    # that ends inside it is reported unfinished; dlclose unmaps it (the
    # target checks its maps), and the next dlopen's calls are traced again.
    lib = target_path("libwmt_dl.so")
    t = Target("t_dlopen", lib)
    rc, out, err = trace(t, "-f", lib + ":dl_add", "-f", lib + ":dl_block", "--json")
    eq(rc, 0, f"exit code ({err})")
    eq(len(re.findall(r"has not mapped .*libwmt_dl\.so \(yet\): its functions are armed", err)),
       1, f"armed note ({err})")
    recs, summary = json_records(out)
    got = [(r["function"], r["tid"], [a["value"] for a in r["args"]][-2:],
            r.get("unfinished") or r["result"]["value"]) for r in recs]
    log = t.lines()
    eq([l[0] for l in log], ["I", "A", "U", "M", "I", "A", "M"], "the target's log")
    eq([l[2] for l in log if l[0] == "M"], ["0", "0"], "unmapped after each dlclose")
    main_tid, exited = t.pid, int(log[2][1])
    want = [("dl_add", main_tid, [100, 1], int(log[0][2])),
            ("dl_add", main_tid, [1, 2], int(log[1][4])),
            ("dl_block", exited, ["end_thread", 7], "thread_exit"),
            ("dl_add", main_tid, [100, 1], int(log[4][2])),
            ("dl_add", main_tid, [11, 2], int(log[5][4]))]
    # The function pointer may print as a name or an address: compared by x.
    eq([(f, tid, a[-1], r) for f, tid, a, r in got], [(f, tid, a[-1], r) for f, tid, a, r in want],
       "calls")
    check("no call into" not in err, err)


@test
def armed_object_never_mapped_is_said_at_the_end():
    lib = target_path("libwmt_dl.so")
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "-f", lib + ":dl_add")
    eq(rc, 0, f"exit code ({err})")
    notes = [l for l in err.splitlines() if "no call into" in l]
    eq(len(notes), 1, f"end note ({err})")
    check(lib in notes[0] and "never mapped" in notes[0], notes[0])


@test
def bad_object_input_without_a_process():
    exe = target_path("t_fork")
    bad(["-f", "search"], r"-f 'search' names no object, and no process is given")
    bad(["-f", "/nonexistent/wm-obj:foo"], r"cannot open /nonexistent/wm-obj")
    bad(["-f", "/etc/hostname:foo"], r"/etc/hostname is not an ELF object")
    bad(["-f", "libwm_no_such_lib:foo"], r"no library 'libwm_no_such_lib' in the system's")
    bad(["-f", exe + ":no_such_function"], r"no_such_function")
    bad(["--system-wide", "-p", "1", "-f", "search"], r"--system-wide is for tracing objects")
    bad(["--per-process", "--summary-only", "-f", exe + ":work"], r"--per-process")


@test
def stack_frames_named_in_each_process_own_maps():
    # Two processes of one binary (one started after attach), their code at
    # different addresses (ASLR): each call's frames are named in its own
    # process's maps.
    exe = target_path("t_spin")
    first = Target("t_spin")
    first.go()
    tr = Tracer("-f", exe + ":work", "--filter", "x == 7", "--stack", "-d", "1.5")
    second = None
    try:
        tr.wait_ready()
        second = Target("t_spin")
        second.go()
        rc, out, err = tr.wait(30)
    finally:
        tr.kill()
        for t in (first, second):
            if t:
                t.finish()
                t.kill()
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    for t in (first, second):
        frames = re.findall(r"^\S+ %d t_spin %d work\(x=7\) = 93  <[^>]*>\n    at (\S+ \S+)\n"
                            r"    at (\S+)" % (t.pid, t.pid), text, re.M)
        check(frames, f"no call of {t.pid} with its stack: {text[:2000]!r}")
        eq({f[0] for f in frames}, {"work (t_spin)"}, f"first frame of {t.pid}")
        check(all(f[1].startswith("main+") for f in frames), f"caller of {t.pid}: {frames[:3]}")


@test
def bad_armed_object_input():
    t = Target("t_search")
    try:
        lib = target_path("libwmt_dl.so")
        p = ["-p", str(t.pid)]
        bad(p + ["-f", "/nonexistent/wm-lib.so:foo"], r"cannot open /nonexistent/wm-lib\.so")
        bad(p + ["-f", "/etc/hostname:foo"], r"/etc/hostname: not an ELF object")
        # Armed, but the name is not in it: that error alone, no note before it.
        bad(p + ["-f", lib + ":no_such_fn"], r"no_such_fn")
        # LIB: names a library not mapped only when the system's library path
        # has it; a module loaded from elsewhere (Python's _bz2) needs its path.
        bad(p + ["-f", "_wm_not_loaded_ext:dec*"],
            r"no object matching '_wm_not_loaded_ext' is mapped by process \d+; mapped: .*"
            r"; one loaded later \(dlopen\) is named by its path: "
            r"-f /path/to/_wm_not_loaded_ext\.so:NAME$")
    finally:
        t.kill()
