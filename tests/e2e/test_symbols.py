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


def _leafstack_log(t):
    """t_leafstack's log: code bytes by function, callers' addresses, and the calls."""
    code, at, calls = {}, {}, []
    for l in t.lines():
        if l[0] == "code":
            code[l[1]] = bytes.fromhex(l[2])
        elif l[0] == "at":
            at[l[1]] = int(l[2], 16)
        elif l[0] == "call":
            calls.append((l[1], int(l[2]), l[3], int(l[4], 16)))
    return code, at, calls


@test
def stack_names_the_caller_of_a_function_without_frame_pointer_prologue():
    fns = ("-f", "leaf_plain", "-f", "leaf_cet", "-f", "framed", "--stack")
    t = Target("t_leafstack")
    rc, out, err = trace(t, *fns, "--json")
    eq(rc, 0, f"exit code ({err})")
    code, at, calls = _leafstack_log(t)
    # What the kernel's frame-pointer walk sees at each probe.
    endbr = bytes.fromhex("f30f1efa")
    check(code["leaf_plain"][0] != 0x55 and not code["leaf_plain"].startswith(endbr),
          f"leaf_plain starts with neither push %rbp nor endbr64: {code['leaf_plain'].hex()}")
    check(code["leaf_cet"].startswith(endbr) and code["leaf_cet"][4] != 0x55,
          f"leaf_cet: endbr64, then no push %rbp: {code['leaf_cet'].hex()}")
    framed = code["framed"][4:] if code["framed"].startswith(endbr) else code["framed"]
    check(framed[0] == 0x55, f"framed starts with push %rbp: {code['framed'].hex()}")
    eq(len(calls), 18, "calls logged")
    recs, _ = json_records(out)
    eq(len(recs), 18, "records")
    by_call = {(r["function"], r["args"][0]["value"]): r["stack"] for r in recs}
    ret_off, main_frame = {}, {}
    for fn, n, caller, caller_ra in calls:
        st = by_call[(fn, n)]
        what = f"{fn}(n={n}) from {caller}: {st}"
        addrs = [int(f["addr"], 16) for f in st]
        check(len(st) >= 3, f"three frames at least: {what}")
        eq(st[0].get("symbol"), fn, f"frame 0 is the function: {what}")
        # The return address into the caller: within its first few instructions.
        off = addrs[1] - at[caller]
        check(0 < off < 32, f"frame 1 is in {caller} (+{off:#x}): {what}")
        eq(ret_off.setdefault(caller, off), off, f"one call site in {caller}: {what}")
        if caller != "lib_caller" or "symbol" in st[1]:
            eq((st[1].get("symbol"), st[1].get("offset")), (caller, off), f"frame 1: {what}")
        eq(addrs[2], caller_ra, f"frame 2 is {caller}'s return into main: {what}")
        eq(st[2].get("symbol"), "main", f"frame 2 names main: {what}")
        main_frame[n] = f"    at main+{st[2]['offset']:#x} (t_leafstack)"
        for i in range(1, len(addrs)):
            check(addrs[i] != addrs[i - 1], f"frame {i} repeats frame {i - 1}: {what}")

    t = Target("t_leafstack")
    rc, out, err = trace(t, *fns)
    eq(rc, 0, f"exit code ({err})")
    _, at, calls = _leafstack_log(t)
    text = out.decode()
    blocks = {(m[1], int(m[2])): m[3].splitlines() for m in re.finditer(
        r"^\S+ \d+ (\w+)\(n=(\d+)\) = -?\d+  <[^>]+>\n((?:    at .*\n)+)", text, re.M)}
    eq(len(blocks), 18, f"calls with a stack: {text[:3000]}")
    for fn, n, caller, caller_ra in calls:
        frames = blocks[(fn, n)]
        what = f"{fn}(n={n}) from {caller}: {frames}"
        check(re.fullmatch(rf"    at {fn}(\+0x4)? \(t_leafstack\)", frames[0]),
              f"frame 0 is the function: {what}")
        off = ret_off[caller]
        if caller == "lib_caller":
            # Named, or by address: the target may exit before its maps are read again.
            want = (f"    at lib_caller+{off:#x} (libwmt_leaf.so)",
                    f"    at {at[caller] + off:#x} (libwmt_leaf.so)",
                    f"    at {at[caller] + off:#x} (?)")
            check(frames[1] in want, f"frame 1 is {want}: {what}")
        else:
            eq(frames[1], f"    at {caller}+{off:#x} (t_leafstack)", f"frame 1: {what}")
        eq(frames[2], main_frame[n], f"frame 2: {what}")
        for i in range(1, len(frames)):
            check(frames[i] != frames[i - 1], f"frame {i} repeats frame {i - 1}: {what}")


@test
def stack_names_the_real_caller_of_a_tail_call_from_a_traced_function():
    # tail_a jumps to tail_b: at tail_b's probe its return slot is already
    # the return probe's trampoline; the frame is main, where tail_a was called.
    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "tail_a", "-f", "tail_b", "--stack", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    tail_a = [r["stack"] for r in recs if r["function"] == "tail_a"]
    tail_b = [r["stack"] for r in recs if r["function"] == "tail_b"]
    eq((len(tail_a), len(tail_b)), (3, 3), "calls")
    for st in tail_a + tail_b:
        check(len(st) >= 3, f"three frames at least: {st}")
        eq(st[1].get("symbol"), "main", f"frame 1 is main: {st}")
        eq(st[1]["addr"], tail_a[0][1]["addr"], f"one call site in main: {st}")
        check(st[2].get("symbol") != "main" and st[2]["addr"] != st[1]["addr"],
              f"main once: {st}")
