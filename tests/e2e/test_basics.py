# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Tracing a program, a stripped binary, libc (IFUNCs, every function) and a
shared library: text and JSON output against what the target logged."""
import os
import re
import subprocess

from harness import test, check, eq, Target, trace, json_records, unhex, func_summary, OUT


@test
def search_two_threads_dwarf_json():
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3]), int(l[4])) for l in t.lines())
    eq(len(want), 120, "calls logged")
    got = []
    for r in recs:
        eq(r["function"], "search", "function")
        eq(r["pid"], t.pid, "pid")
        eq([a["name"] for a in r["args"]], ["pat", "s"], "parameter names from DWARF")
        eq([a["type"] for a in r["args"]], ["const char *", "const char *"], "types")
        eq(r["result"]["type"], "int", "result type")
        check(r["latency_ns"] > 0, "latency")
        pat, s = r["args"][0], r["args"][1]
        got.append((r["tid"], pat["value"], s["value"], r["result"]["value"], s.get("truncated", False)))
    # Strings longer than --string-size (64) are cut there and flagged.
    exp = sorted((tid, p, s[:64], ret, len(s.encode()) > 64) for tid, p, s, ret in want)
    eq(sorted(got), exp, "calls (tid, pat, s, result)")
    eq(len({g[0] for g in got}), 2, "distinct threads")
    f = func_summary(summary, "search")
    eq((f["calls"], f["dropped"], f["unfinished"]), (120, 0, 0), "summary counts")
    lat = f["latency_ns"]
    check(lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"], f"latency order {lat}")


def c_escape(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\n\t\r\a\b\f\v":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
                        "\f": "\\f", "\v": "\\v"}[ch])
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


LINE_RE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6}) (\d+) (.*)  <\d+(\.\d)? (ns|us|ms|s)>$")


@test
def endbr64_functions_probed_past_it():
    # With -fcf-protection every function starts with endbr64, which the
    # kernel would single-step; the probe sits after it and must see the
    # same arguments and the same return.
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn",
                          os.path.join(OUT, "targets", "t_search_cet")],
                         capture_output=True, text=True).stdout
    first = dis.split("<search>:\n", 1)[1].splitlines()[0]
    check("endbr64" in first, f"fixture: search starts with {first!r}")
    t = Target("t_search_cet")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    want = sorted((int(l[0]), unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    got = sorted((r["tid"], r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"])
                 for r in recs)
    eq(got, [(a, b, c.encode()[:64].decode("utf-8", "ignore"), d) for a, b, c, d in want],
       "calls")


@test
def search_text_output_exact_and_safe():
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "search", "--string-size", "16")
    eq(rc, 0, "exit code")
    check(b"\x1b" not in out and b"\x07" not in out and b"\x7f" not in out,
          "raw control bytes reached the output")
    text = out.decode("utf-8")
    lines = text.splitlines()
    eq(lines[0].split(), ["TIME", "TID", "CALL", "=", "RESULT", "<LATENCY>"], "header line")
    got = []
    for line in lines[1:]:
        if not line:
            break  # the summary follows a blank line
        m = LINE_RE.match(line)
        check(m, f"line format: {line!r}")
        got.append((int(m.group(2)), m.group(3)))

    def fmt(s):
        b = s.encode()
        cut = b[:16].decode("utf-8", "ignore") if len(b) > 16 else s
        return '"' + c_escape(cut) + '"' + ("..." if len(b) > 16 else "")

    want = sorted((int(l[0]), f"search(pat={fmt(unhex(l[2]))}, s={fmt(unhex(l[3]))}) = {l[4]}")
                  for l in t.lines())
    eq(sorted(got), want, "text lines")
    check(re.search(r"^search\s+120\s+0\s+0\s", text, re.M), "summary row for search")


@test
def stripped_binary_prototype_and_raw():
    t = Target("t_search_stripped")
    rc, out, err = trace(t, "-f", "int search(const char *needle, const char *hay)", "--json")
    eq(rc, 0, "exit code")
    recs, _ = json_records(out)
    want = sorted((unhex(l[2]), unhex(l[3])[:64], int(l[4])) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs)
    eq([a["name"] for a in recs[0]["args"]], ["needle", "hay"], "names from the prototype")
    eq(got, want, "calls typed by the prototype")

    t = Target("t_search_stripped")
    rc, out, err = trace(t, "-f", "search", "--json")
    eq(rc, 0, "exit code")
    check("hint: no debug info for search" in err, f"raw-mode hint: {err!r}")
    recs, _ = json_records(out)
    want = sorted(("0x" + l[5], "0x" + l[6], int(l[4]) & 0xffffffffffffffff) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"],
                  int(r["result"]["value"], 16) & 0xffffffff) for r in recs)
    want = sorted((a, b, r & 0xffffffff) for a, b, r in want)
    eq(len(recs[0]["args"]), 6, "six raw registers")
    eq(got, want, "raw registers and result")


@test
def libc_ifunc_resolved_to_its_implementation():
    # glibc's strstr is an IFUNC: the probe must sit on the implementation
    # the target really calls, and a char * result is read at return.
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "libc:char *strstr(const char *hay, const char *needle)",
                         "--json")
    eq(rc, 0, f"exit code ({err})")
    recs, _ = json_records(out)
    want = []
    for l in t.lines():
        pat, s, r = unhex(l[2]), unhex(l[3]), int(l[4])
        res = None if r < 0 else s.encode()[r:][:64].decode("utf-8", "ignore")
        want.append((s.encode()[:64].decode("utf-8", "ignore"), pat, res))
    got = [(r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs]
    eq(len(got), 120, "strstr calls")
    eq(sorted(got, key=repr), sorted(want, key=repr), "strstr(hay, needle) = result")


@test
def thousands_of_functions_by_pattern():
    # Every function of libc at once (one uprobe_multi link pair per object);
    # strstr's calls must still come out exactly.
    t = Target("t_search")
    rc, out, err = trace(t, "-f", "libc:*", "--json")
    eq(rc, 0, f"exit code ({err})")
    m = re.search(r"tracing (\d+) functions", err)
    check(m and int(m.group(1)) > 1000, f"functions attached: {err[-300:]!r}")
    recs, summary = json_records(out)
    # libc has no debug info here: strstr(hay, needle) is typed from the
    # prototype database, its strings those the target logged.
    cut = lambda h: unhex(h).encode()[:64].decode("utf-8", "ignore")
    got = sorted((r["tid"], r["args"][0]["value"], r["args"][1]["value"])
                 for r in recs if r["function"] == "strstr")
    want = sorted((int(l[0]), cut(l[3]), cut(l[2])) for l in t.lines())
    eq(len(got), 120, "strstr calls among all of libc")
    eq(got, want, "strstr(hay, needle) per thread")
    eq(sum(f["dropped"] for f in summary["functions"]), 0, "dropped")


@test
def recursion_nesting_and_float():
    t = Target("t_nest")
    rc, out, err = trace(t, "-f", "fact", "-f", "outer", "-f", "inner", "-f", "mix",
                         "-f", "tail_*", "-f", "peek", "--json")
    eq(rc, 0, "exit code")
    recs, summary = json_records(out)
    log = t.lines()
    vals = lambda r: [a.get("value") for a in r["args"]]
    # An unreadable string argument: the pointer and a marker, never "".
    peek = [r for r in recs if r["function"] == "peek"][0]
    eq((peek["args"][0].get("value"), peek["args"][0].get("pointer"), peek["args"][0].get("error")),
       (None, "0x10", "unreadable"), "unreadable string")
    eq((peek["args"][1]["value"], peek["result"]["value"]), (3, 3), "peek n and result")
    recs = [r for r in recs if r["function"] != "peek"]
    log = [l for l in log if l[1] != "peek"]
    got = [(r["function"], vals(r)[0], r["result"]["value"]) for r in recs if r["function"] != "mix"]
    # fact(40) recurses 40 deep: the 32 outermost calls are kept, 8 are dropped.
    want, after_mix = [], False
    for l in log:
        after_mix = after_mix or l[1] == "mix"
        if l[1] == "mix" or (after_mix and l[1] == "fact" and int(l[2]) <= 8):
            continue
        want.append((l[1], int(l[2]), int(l[3])))
    # The last fact() results overflow a long the same way in C and in the record.
    eq(sorted(got), sorted(want), "calls")
    # Returns come innermost first: inner before its outer, fact(1) before fact(2).
    order = [(r["function"], vals(r)[0]) for r in recs]
    check(order.index(("inner", 0)) < order.index(("outer", 0)), "nesting order")
    eq([r["depth"] for r in recs if r["function"] == "fact"][:12], list(range(11, -1, -1)),
       "recursion depth of fact(12)")
    mix = [r for r in recs if r["function"] == "mix"][0]
    eq([a.get("name") for a in mix["args"]], ["a", "f", "b"], "mix names")
    eq(mix["args"][0]["value"], 7, "int before a double")
    eq(mix["args"][1].get("value"), None, "a double cannot be read")
    check(mix["args"][1].get("unavailable"), "double marked unavailable")
    eq(mix["args"][2]["value"], -9, "int after a double keeps its register")
    eq(mix["result"]["value"], 0, "mix result")
    # A tail call shares its caller's return slot: both calls still pair.
    eq(sorted(r.get("unfinished", "-") for r in recs if r["function"].startswith("tail_")),
       ["-"] * 6, "tail calls completed")
    f = func_summary(summary, "fact")
    eq(f["dropped"], 8, "calls nested deeper than 32 are counted as dropped")


@test
def shared_library_function():
    t = Target("t_lib")
    rc, out, err = trace(t, "-f", "libwmt:lib_add", "--json")
    eq(rc, 0, "exit code")
    recs, _ = json_records(out)
    want = sorted((int(l[2]), int(l[3]), int(l[4])) for l in t.lines())
    got = sorted((r["args"][0]["value"], r["args"][1]["value"], r["result"]["value"]) for r in recs)
    eq(got, want, "lib_add calls")
    check(recs[0]["object"].endswith("/libwmt.so"), f"object {recs[0]['object']}")
    eq([a["name"] for a in recs[0]["args"]], ["a", "b"], "names from the library's DWARF")
