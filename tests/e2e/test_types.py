# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Types: C++ names and overloads, structs, enums, buffers, out-parameters and
stack arguments, against the lines the targets log."""
import re
import subprocess

from test_returns import rustc

from harness import test, check, eq, Target, trace, json_records, func_summary, bad


@test
def cxx_names_demangled_patterns_and_overloads():
    # An overloaded name traces every overload, as gdb and bpftrace do, and says so.
    t = Target("t_cxx")
    rc, out, err = trace(t, "-f", "ns::Widget::draw", "--json")
    eq(rc, 0, f"exit code ({err})")
    check("note: 'ns::Widget::draw' names 2 functions, each traced: "
          "ns::Widget::draw(char const*), ns::Widget::draw(int); give the parameter list" in err,
          f"note: {err}")
    recs, _ = json_records(out)
    eq(sorted(r["function"] for r in recs),
       ["ns::Widget::draw(char const*)"] * 3 + ["ns::Widget::draw(int)"] * 3, "both overloads")

    t = Target("t_cxx")
    rc, out, err = trace(t, "-f", "ns::Widget::*", "-f", "t_cxx:ns::detail::scale", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    got = sorted((r["tid"], r["function"], tuple(a["value"] for a in r["args"]),
                  r["result"]["value"]) for r in recs)
    want = []
    for l in t.lines():
        tid = int(l[0])
        if l[1] == "draw_int":
            want.append((tid, "ns::Widget::draw(int)", (l[2], int(l[3])), int(l[4])))
        elif l[1] == "draw_str":
            want.append((tid, "ns::Widget::draw(char const*)", (l[2], l[3]), int(l[4])))
        elif l[1] == "count":
            want.append((tid, "ns::Widget::count(int)", (int(l[2]),), int(l[3])))
        else:
            want.append((tid, "ns::detail::scale(long, int)", (int(l[2]), 3), int(l[3])))
    eq(len(want), 12, "calls logged")
    eq(got, sorted(want), "demangled names, this as a pointer, typed arguments")
    eq([a["name"] for a in recs[0]["args"]][0], "this", "this is the first argument")
    eq(sorted(f["function"] for f in summary["functions"]),
       ["ns::Widget::count(int)", "ns::Widget::draw(char const*)", "ns::Widget::draw(int)",
        "ns::detail::scale(long, int)"], "summary names")

    # One overload by its parameter list; the call line shows the name without them.
    t = Target("t_cxx")
    rc, out, err = trace(t, "-f", "ns::Widget::draw(int)")
    eq(rc, 0, f"exit code ({err})")
    lines = [l for l in out.decode().splitlines()
             if " ns::Widget::draw(" in l and not l.startswith("note: ")]
    eq(len(lines), 3, "draw(int) calls only")
    check(all(re.search(r" ns::Widget::draw\(this=0x[0-9a-f]+, x=\d\) = 70\d  <", l) for l in lines),
          f"call lines: {lines}")


TYPES_FUNCS = ["-f", "move_point", "-f", "paint", "-f", "sum8", "-f", "parse_int",
               "-f", "int checksum(const unsigned char *data[n], size_t n)",
               "-f", "long read_like(int fd, char *buf[ret], size_t count)",
               "-f", "apply", "-f", "pair_sum", "-f", "big_sum", "-f", "arr_sum",
               "-f", "un_get", "-f", "bits", "-f", "first_touch", "-f", "open_like",
               "--error", "ret < 0"]


def call_part(line):
    """A text call line without its time, thread and latency."""
    m = re.match(r"^\d\d:\d\d:\d\d\.\d{6} \d+ (.*)  <[^>]+>$", line)
    return m.group(1) if m else None


@test
def types_structs_enums_buffers_out_params_stack_args_match_the_log():
    # t_types logs each call as the line wrapmon should print, from the values it really used.
    t = Target("t_types")
    rc, out, err = trace(t, *TYPES_FUNCS)
    eq(rc, 0, f"exit code ({err})")
    with open(t.log) as f:
        want = f.read().splitlines()
    got = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    eq(len(want), 19, "calls logged")
    eq(got, want, "call lines")
    check('first_touch(s="first time") = 10' in want, "a string on an untouched page")
    check('first_touch(s="across two pages") = 16' in want, "a string into an untouched page")
    summary = out.decode().split("\n\n")[-1]
    check(re.search(r"^open_like +2 +0 +0 +1 ", summary, re.M), f"errors column: {summary}")

    t = Target("t_types")
    rc, out, err = trace(t, *TYPES_FUNCS, "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, summary = json_records(out)
    by = {}
    for r in recs:
        by.setdefault(r["function"], []).append(r)
    mp = by["move_point"][0]["args"][0]
    eq((mp["type"], mp["deref"], mp["out"]),
       ("struct point *", {"x": 1, "y": 2, "name": "a"}, {"x": 4, "y": 2, "name": "a"}),
       "struct through a pointer, at entry and at return")
    eq([(a["value"], a.get("enum")) for a in by["paint"][0]["args"][:1]] +
       [(by["paint"][0]["result"]["value"], by["paint"][0]["result"].get("enum"))],
       [(-4, "BLUE"), (2, "GREEN")], "enums by value and name")
    eq(by["paint"][2]["args"][0].get("enum"), None, "a value no enumerator has")
    eq([a["value"] for a in by["sum8"][0]["args"]], [1, 2, 3, 4, 5, 6, 7, -8], "8 arguments")
    eq(by["parse_int"][0]["args"][1]["out"], 12, "out-parameter")
    eq(by["apply"][0]["args"][0].get("symbol"), "twice", "function pointer")
    eq(by["pair_sum"][0]["args"][0]["value"], {"a": 1, "b": -2}, "struct in two registers")
    eq(by["big_sum"][0]["args"][0]["value"], {"a": 10, "b": 20, "c": 30}, "struct on the stack")
    eq(by["arr_sum"][0]["args"][0]["deref"], {"n": 3, "v": [1, 2, 3, 0, 0, 0, 0, 0],
                                              "tag": "hello"}, "fixed arrays")
    eq(by["read_like"][0]["args"][1]["out"], "hello", "buffer counted by the result")
    eq(by["checksum"][0]["args"][0]["deref"], "ab\x00c", "buffer counted by a parameter")
    eq([r.get("error") for r in by["open_like"]],
       [None, {"expr": "ret < 0", "errno": "ENOENT"}], "error object")
    eq(func_summary(summary, "open_like")["errors"], 1, "errors in the summary")

    # Without sleepable probes that string cannot be read at entry: what the test above guards.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "first_touch", "--no-sleepable")
    eq(rc, 0, f"exit code ({err})")
    lines = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    check(len(lines) == 2 and re.fullmatch(r"first_touch\(s=0x[0-9a-f]+<unreadable>\) = 10", lines[0])
          and re.fullmatch(r"first_touch\(s=0x[0-9a-f]+<unreadable>\) = 16", lines[1]),
          f"not sleepable: {lines}")

    # Enumerators by name in a filter.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "paint", "--filter", "c == BLUE && ret != GREEN")
    eq(rc, 0, f"exit code ({err})")
    eq([call_part(l) for l in out.decode().splitlines() if call_part(l)],
       ["paint(c=BLUE, on=false, mark='y') = BLUE"], "filter with enumerators")

    # Out-parameters can be left alone.
    t = Target("t_types")
    rc, out, err = trace(t, "-f", "parse_int", "--no-out-params")
    eq(rc, 0, f"exit code ({err})")
    lines = [call_part(l) for l in out.decode().splitlines() if call_part(l)]
    check(lines and all(" -> " not in l for l in lines), f"no out-parameters: {lines}")


def located(recs_text, log_lines, names):
    """(name, call text) of the traced lines and of the log, each sorted."""
    got = []
    for l in recs_text.splitlines():
        part = call_part(l)
        if part:
            m = re.match(r"^([\w.]+)(\(.*)$", part)
            name = m.group(1).split(".")[0]
            if name in names:
                got.append((name, m.group(2)))
    want = []
    for l in log_lines:
        name, rest = l.split(" ", 1)
        want.append((name, rest))
    return sorted(got), sorted(want)


@test
def c_o2_parameters_where_dwarf_says_and_optimized_out():
    # scale.constprop.0 takes x in rsi where the C ABI says rdx; "unused" is gone.
    t = Target("t_locs")
    rc, out, err = trace(t, "-f", "scale*", "-f", "keep", "-v")
    eq(rc, 0, f"exit code ({err})")
    check(re.search(r"plan: scale\.\w+\.\d+ entry=", err), f"the clone is traced: {err!r}")
    with open(t.log) as f:
        log = f.read().splitlines()
    got, want = located(out.decode(), log, {"scale", "keep"})
    eq(len(want), 6, "calls logged")
    eq(got, want, "values from the DWARF locations at the probe")

    t = Target("t_locs")
    rc, out, err = trace(t, "-f", "scale*", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    unused = [a for r in recs for a in r["args"] if a.get("name") == "unused"]
    eq(len(unused), 3, "unused in every call")
    check(all(a["value"] is None and a.get("optimized_out") is True for a in unused),
          f"JSON: null and optimized_out: {unused}")

    # --filter compares x where it is (rsi), not the ABI's third register.
    t = Target("t_locs")
    rc, out, err = trace(t, "-f", "scale*", "--filter", "x == 11", "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    eq([[a["value"] for a in r["args"] if a["name"] == "x"] for r in recs], [[11]],
       "the one call with x == 11")
    t = Target("t_locs")
    try:
        bad(["-p", str(t.pid), "-f", "scale*", "--filter", "unused == 1"],
            r"'unused' is optimized out where the probe is \(its DWARF location\): it cannot "
            r"be compared")
    finally:
        t.finish()
        t.kill()


@test
def rust_o_values_as_rust_shows_them():
    out = f"{OUT}/targets/t_rvals"
    subprocess.run([rustc(), "-O", "-C", "debuginfo=2", "-o", out,
                    "tests/e2e/targets/t_rvals.rs"], check=True, capture_output=True)
    fns = ["r_str", "r_slice", "r_string", "r_vec", "r_opt", "r_optstr", "r_res",
           "r_resstring", "r_optstring", "r_point", "r_mix", "r_cptr"]
    t = Target("t_rvals")
    rc, text, err = trace(t, *[x for f in fns for x in ("-f", f)])
    eq(rc, 0, f"exit code ({err})")
    with open(t.log) as f:
        log = f.read().splitlines()
    got, want = located(text.decode(), [l.replace("(", " (", 1) for l in log], set(fns))
    eq(len(want), 19, "calls logged")
    eq(got, want, "&str, slices, String, Vec, Option, Result (of &str and String), a struct and a raw pointer")
    check(" -> " not in text.decode(), "no out-parameter read back")
