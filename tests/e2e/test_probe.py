# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""What the probes deliver: calls left unfinished (thread exit, longjmp), the
single-link fallback, and a ring overflow counted exactly."""
import ctypes
import os
import platform
import re
import signal
import struct
import subprocess
import time

import harness
from harness import test, check, eq, Target, Tracer, trace, json_records, func_summary, our_links


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


def cache_file():
    """The kernel types' cache file of this build, made if missing."""
    for _ in range(2):  # the second: made again if the first found one refused
        rc, out, err = trace(Target("t_lib"), "-f", "lib_add", "--json", "-v")
        eq(rc, 0, "exit code")
        m = re.search(r"kernel types for CO-RE: \d+, .* \((/\S+\.btf)\)", err)
        if m:
            return m.group(1)
    check(False, f"no cache file named in {err!r}")


@test
def cache_file_the_load_refuses_is_replaced():
    # A cache file that parses as BTF but holds none of the kernel's types:
    # the load falls back to libbpf's own search, and the file goes.
    path = cache_file()
    with open(path + ".e2e", "wb") as f:
        f.write(struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, 0, 0, 1) + b"\0")
    os.rename(path + ".e2e", path)
    rc, out, err = trace(Target("t_lib"), "-f", "lib_add", "--json", "-v")
    eq(rc, 0, f"exit code with an empty BTF cached ({err})")
    eq(len(json_records(out)[0]), 20, "calls")
    check("kernel types for CO-RE: none" in err, f"no fallback said in {err!r}")
    check(not os.path.exists(path), "the refused file is still there")


@test
def cache_miss_makes_the_types_apart_and_the_next_run_finds_them():
    # No cache file: the types are made (in a child process) and cached;
    # the next run reads the same types from the file.
    path = cache_file()
    os.unlink(path)
    seen = []
    for how in ("made from the kernel's BTF and cached", "from the cache"):
        rc, out, err = trace(Target("t_lib"), "-f", "lib_add", "--json", "-v")
        eq(rc, 0, f"exit code ({err})")
        eq(len(json_records(out)[0]), 20, "calls")
        m = re.search(r"kernel types for CO-RE: (\d+), (.*) in [\d.]+ ms \((/\S+)\)", err)
        check(m, f"no kernel types said in {err!r}")
        eq((m.group(2), m.group(3)), (how, path), "where the types came from")
        seen.append(int(m.group(1)))
    check(seen[0] > 0 and seen[0] == seen[1], f"types made, then found: {seen}")


def deny_prog_load():
    """In the child before exec: a seccomp filter failing bpf(BPF_PROG_LOAD) with EPERM."""
    arch, nr = {"x86_64": (0xC000003E, 321), "aarch64": (0xC00000B7, 280)}[platform.machine()]
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, eperm = 0x7FFF0000, 0x00050000 | 1
    prog = [(ld, 0, 0, 4), (jeq, 0, 5, arch),  # seccomp_data.arch
            (ld, 0, 0, 0), (jeq, 0, 3, nr),  # .nr: bpf()
            (ld, 0, 0, 16), (jeq, 0, 1, 5),  # .args[0]: BPF_PROG_LOAD
            (ret, 0, 0, eperm), (ret, 0, 0, allow)]
    buf = b"".join(struct.pack("=HBBI", *i) for i in prog)
    filt = ctypes.create_string_buffer(buf, len(buf))
    fprog = struct.pack("=H6xQ", len(prog), ctypes.addressof(filt))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0):
        os._exit(120)  # PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP with SECCOMP_MODE_FILTER


@test
def cache_file_kept_when_the_load_fails_for_another_reason():
    # Every program load refused by the kernel (EPERM): not the cached
    # types' fault, so the file stays as it was, and the error is told once.
    path = cache_file()
    before = os.stat(path)
    t = Target("t_lib")
    try:
        p = subprocess.run([harness.TRACER, "-v", "-p", str(t.pid), "-f", "lib_add"],
                           capture_output=True, text=True, timeout=20,
                           preexec_fn=deny_prog_load)
    finally:
        t.kill()
    check(p.returncode not in (0, 120), f"exit code {p.returncode}: {p.stderr!r}")
    eq(re.findall(r"cannot load the BPF programs \((.*?)\)", p.stderr),
       ["Operation not permitted"], "the load's error, once")
    # Sleepable programs, then the others: no second round without the cached types.
    check(p.stderr.count("failed to load object") <= 2, f"loads tried: {p.stderr!r}")
    check(os.path.exists(path), f"the cache file went: {p.stderr!r}")
    after = os.stat(path)
    eq((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns),
       "the cache file, untouched")
    eq(our_links(), [], "links left")


@test
def cache_dir_drops_killed_writers_temp_files():
    # A writer killed between its temporary file and the rename leaves the
    # file: the next run removes it (its pid gone, or a minute old), but not
    # a live writer's fresh one.
    d, name = os.path.split(cache_file())
    p = subprocess.Popen(["true"])
    p.wait()
    stale = os.path.join(d, f".{name}.{p.pid}")
    old = os.path.join(d, f".core-e2e-old.btf.{os.getpid()}")
    fresh = os.path.join(d, f".core-e2e-fresh.btf.{os.getpid()}")
    try:
        for f, age in ((stale, 0), (old, 120), (fresh, 0)):
            fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, b"half a BTF")
            os.fchmod(fd, 0o644)
            os.close(fd)
            if age:
                os.utime(f, (time.time() - age, time.time() - age))
        rc, out, err = trace(Target("t_lib"), "-f", "lib_add", "--json")
        eq(rc, 0, f"exit code ({err})")
        eq(len(json_records(out)[0]), 20, "calls")
        eq([os.path.exists(f) for f in (stale, old, fresh)], [False, False, True],
           "dead writer's, minute-old, live writer's fresh temp file present")
    finally:
        for f in (stale, old, fresh):
            if os.path.exists(f):
                os.unlink(f)


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


PLACE_FUNCS = ["push", "sub", "mov", "lea", "loop", "clob"]


def place_trace(*args):
    """t_place traced with a prototype for every shape: the text records as (function, a,
    s hex, result), the target's log as the same, stderr."""
    t = Target("t_place")
    fargs = [x for n in PLACE_FUNCS for x in ("-f", f"long shape_{n}(long a, const char *s)")]
    rc, out, err = trace(t, "-v", *args, *fargs)
    eq(rc, 0, f"exit code ({err})")
    eq(t.p.returncode, 0, "target exit code")
    text = out.decode()
    got = [(f, int(a), s.encode().hex(), int(r)) for f, a, s, r in
           re.findall(r"^\S+ \d+ (shape_\w+)\(a=(-?\d+), s=\"(\w*)\"\) = (-?\d+)  <", text, re.M)]
    want = [(l[0], int(l[1]), l[2][1:], int(l[3])) for l in t.lines() if len(l) == 4]
    eq(len(want), 3 * len(PLACE_FUNCS), "the target's log")
    return got, want, text, err


@test
def entry_probe_moved_to_an_emulated_instruction():
    got, want, text, err = place_trace()
    eq(got, want, "arguments and results as the target logged them, probes moved")

    def plan(fn):
        m = re.search(rf"plan: shape_{fn} entry=(0x[0-9a-f]+)(?: \(past ([^)]*)\))? .*; "
                      r"entry (.*)$", err, re.M)
        check(m, f"-v plan line of shape_{fn}: {err!r}")
        return m.group(2), m.group(3)

    eq(plan("push"), (None, "on push (emulated)"), "push: the kernel emulates it, no move")
    # s moved to r10 and rsi cleared before the push: read from r10 there.
    eq(plan("mov"), ("endbr64; mov; xor", "on push (emulated)"), "mov: moved to the push")
    eq(plan("lea"), ("lea", "on push (emulated)"), "lea: moved to the push")
    eq(plan("sub"), (None, "single-steps sub (stays: sub moves rsp first)"),
       "sub: the trampoline needs the return address at [rsp]")
    check(re.fullmatch(r"single-steps mov \(stays: a branch at 0x[0-9a-f]+ lands at "
                       r"0x[0-9a-f]+, in what it passes\)", plan("loop")[1]),
          f"loop: a jump target in the prologue keeps the probe: {plan('loop')}")
    eq(plan("clob"), (None, "single-steps movsx (stays: add overwrites rdi, whose entry value "
                            "is read, first)"), "clob: a is gone before the push")
    check(re.search(r"^note: latencies include the kernel single-stepping out of line .* the "
                    r"first instruction of shape_sub \(sub\), shape_loop \(mov\), shape_clob "
                    r"\(movsx\)$", text, re.M), f"the summary's footnote: {text!r}")
    # The same values with every probe on the first instruction.
    got, want, text, err = place_trace("--no-move-entry")
    eq(got, want, "arguments and results with --no-move-entry")
    eq(re.findall(r"\(past ([^)]*)\)", err), ["endbr64"], "--no-move-entry: only endbr64 passed")
    eq(len(re.findall(r"single-steps (?:mov|lea) \(stays: --no-move-entry\)", err)), 2,
       f"--no-move-entry says why the probe stays: {err!r}")


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
