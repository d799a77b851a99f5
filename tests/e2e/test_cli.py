# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Bad command lines and targets: one clear line, nothing attached."""
import os
import subprocess
import time

from harness import test, check, eq, Target, bad, TRACER


@test
def bad_inputs_one_clear_line():
    bad([], r"nothing to trace: give processes \(-p PID, --pidof NAME, -- CMD\) and -f NAME")
    bad(["-p", "1"], r"no function given: add -f NAME")
    bad(["-p", "1", "-f", "x", "--interval", "0"], r"invalid --interval '0': give seconds")
    bad(["-p", "abc", "-f", "x"], r"invalid PID 'abc'")
    # "-p $A,$B" with B unset: an error, not one process fewer.
    for pids in ("1,", ",1", "1,,1"):
        bad(["-p", pids, "-f", "x"], r"-p with an empty PID .*: give process ids as 4242,4243")
    bad(["-p", "999999999", "-f", "x"], r"process 999999999 does not exist")
    bad(["-p", "2", "-f", "x"], r"kernel thread")
    bad(["-p", "1", "-f", "x", "--string-size", "0"], r"--string-size 0 is out of range: use 1 to 1024")
    bad(["-p", "1", "-f", "x", "--string-size", "5000"], r"out of range")
    bad(["-p", "1", "-f", "int f(const char *s"], r"malformed prototype.*column")
    # A zombie: a child that exited and was not reaped.
    z = subprocess.Popen(["true"])
    time.sleep(0.3)
    bad(["-p", str(z.pid), "-f", "x"], r"zombie")
    z.wait()
    t = Target("t_search")
    try:
        msg = bad(["-p", str(t.pid), "-f", "serch"], r"symbol 'serch' not found")
        check("search" in msg, f"closest name offered: {msg}")
        bad(["-p", str(t.pid), "-f", "libnothere:search"], r"libnothere")
    finally:
        t.finish()
        t.kill()
    t = Target("t_lib2")
    try:
        msg = bad(["-p", str(t.pid), "-f", "dup_fn"], r"dup_fn")
        check("libwmt.so" in msg and "libwmt2.so" in msg, f"both objects listed: {msg}")
    finally:
        t.finish()
        t.kill()
    # Not root: drop to nobody without capabilities.
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", TRACER, "-p", "1", "-f", "x"],
                       capture_output=True, text=True, timeout=20)
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0 and len(lines) == 1 and "sudo" in lines[0], f"not root: {lines}")


@test
def help_text_lines_fit_so_argp_does_not_break_them():
    # argp breaks a line longer than its right margin (79) and leaves a short
    # one behind: with a wide margin the text must read the same.
    def text(env):
        p = subprocess.run([TRACER, "--help"], capture_output=True, text=True, timeout=10,
                           env=env)
        eq(p.returncode, 0, "--help exits 0")
        return p.stdout.split("FUNC is NAME", 1)[1]
    env = dict(os.environ)
    env.pop("ARGP_HELP_FMT", None)
    narrow = text(env)
    env["ARGP_HELP_FMT"] = "rmargin=300"
    eq(narrow, text(env), "the text after the options, at 79 and at 300 columns")
