# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Names: symbolized --stack frames, and pattern matches the kernel cannot probe."""
import os
import re
import subprocess

from harness import test, check, eq, Target, trace, json_records, our_links, TRACER


@test
def stack_traces_are_symbolized():
    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "--stack")
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    # fact(3) from fact(4) ... from main: frames name fact at its call site, then main.
    blocks = re.findall(r"^\S+ \d+ fact\(n=3\) = 6  <[^>]+>\n((?:    at .*\n)+)", text, re.M)
    check(blocks, f"a stack under fact(n=3): {text[:2000]}")
    frames = blocks[0].splitlines()
    eq(frames[0], "    at fact (t_nest)", "the first frame is the function itself")
    callers = 0
    while re.fullmatch(r"    at fact\+0x[0-9a-f]+ \(t_nest\)", frames[1 + callers]):
        callers += 1
    eq(callers, 9, f"fact(4) .. fact(12) call it: {frames}")
    check(re.fullmatch(r"    at main\+0x[0-9a-f]+ \(t_nest\)", frames[10]),
          f"main called fact(12): {frames}")

    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "--stack", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    st = [r for r in recs if r["args"][0]["value"] == 3][0]["stack"]
    eq((st[0]["symbol"], st[0]["offset"], os.path.basename(st[0]["object"])), ("fact", 0, "t_nest"),
       "first frame in JSON")


@test
def unprobeable_pattern_matches_are_named_and_left_out():
    t = Target("t_locked")
    try:
        p = subprocess.run([TRACER, "-p", str(t.pid), "-f", "a_rather_long_*"],
                           capture_output=True, text=True, timeout=20)
    finally:
        t.finish()
        t.kill()
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0, "exit code")
    eq(len(lines), 2, f"stderr lines {lines}")
    names = ", ".join(f"a_rather_long_function_name_that_starts_with_a_locked_instruction_number_{i}"
                      for i in range(5))
    eq(lines[0], "wrapmon-trace: note: 6 functions of 'a_rather_long_*' left out: the kernel "
       f"cannot probe their first instruction ({names}, ...)", "note")
    check("nothing left to trace" in lines[1], f"error: {lines[1]!r}")
    eq(our_links(), [], "links left")
