# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Names as users write them: C++ global, overloaded, namespaced, template and
operator functions and a lambda in every spelling; Rust functions without their
hash, built with legacy and v0 symbol mangling. The calls traced are compared
with the lines the targets log."""
import os
import re
import subprocess

from harness import test, check, eq, Target, trace, json_records, bad, our_links
from test_returns import rustc

OUT = "build"
TRACER = None

GL = "gl(int)"
OVER_L = "over(long)"
OVER_II = "over(int, int)"
NSF = "ns::nsf(int)"
MAX_I = "max<int>(int, int)"
MAX_L = "max<long>(long, long)"
PLUS = "Vec::operator+(Vec const&) const"
SHL = "operator<<(Vec, int)"
LAMBDA = "main::{lambda(int)#1}::operator()(int) const"


def cxx_want(t):
    """What t_cxxnames really did: (function, arguments, result) per call."""
    # what -> (function, how many arguments the line has), then the result
    funcs = {"gl": (GL, 1), "over_long": (OVER_L, 1), "over_int": (OVER_II, 2), "nsf": (NSF, 1),
             "max_int": (MAX_I, 2), "max_long": (MAX_L, 2), "lambda": (LAMBDA, 1)}
    want = []
    for l in t.lines():
        what, v = l[1], [int(x) for x in l[2:]]
        if what in funcs:
            fn, n = funcs[what]
            want.append((fn, tuple(v[:n]), v[n]))
        # The Vec returned in registers is not decoded: its operands are.
        elif what == "vec_plus":
            want.append((PLUS, ({"x": 10, "y": 20},), None))
        else:
            want.append((SHL, ({"x": v[0], "y": 2 * v[0]}, v[0]), None))
    return want


def cxx_got(recs):
    """The calls traced, as cxx_want() has them: this and the closure left out."""
    got = []
    for r in recs:
        # A reference's value is its address; what it refers to is its deref.
        args = tuple(a.get("deref", a["value"]) for a in r["args"]
                     if a["name"] not in ("this", "__closure"))
        res = r["result"]["value"] if r["function"] not in (PLUS, SHL) else None
        got.append((r["function"], args, res))
    return got


@test
def cxx_functions_by_every_spelling_match_the_log():
    # Each run names every function once, with another spelling each time.
    runs = [
        ["gl", "over", "ns::nsf", "max", "Vec::operator+", "operator<<",
         "main::{lambda(int)#1}::operator()"],
        ["gl(int)", "over(long)", "over(int, int)", "ns::nsf(int)", "max<int>",
         "max<long>(long, long)", "Vec::operator+(Vec const&) const", "operator<<(Vec, int)",
         "main::{lambda(int)#1}::operator()(int) const"],
        ["::gl", "nsf", "max<int>(int,int)", "Vec::operator+(Vec const&)", "::operator<<"],
        ["int gl(int x)", "t_cxxnames:::ns::nsf", "t_cxxnames:over(long)"],
    ]
    wants = [None, None, {GL, NSF, MAX_I, PLUS, SHL}, {GL, NSF, OVER_L}]
    for sels, only in zip(runs, wants):
        t = Target("t_cxxnames")
        args = [a for s in sels for a in ("-f", s)]
        rc, out, err = trace(t, *args, "--json")
        eq(rc, 0, f"exit code {sels} ({err})")
        recs, _ = json_records(out)
        want = [w for w in cxx_want(t) if only is None or w[0] in only]
        eq(len(want), 18 if only is None else 2 * len(only), f"calls logged for {sels}")
        eq(sorted(cxx_got(recs), key=repr), sorted(want, key=repr), f"calls traced for {sels}")
        if only is None and "over" in sels:
            check(f"note: 'over' names 2 functions, each traced: {OVER_II}, {OVER_L}; give the "
                  "parameter list to trace one" in err, f"overloads listed: {err}")
            check(f"note: 'max' names 2 functions, each traced: {MAX_I}, {MAX_L}" in err,
                  f"template instances listed: {err}")
        else:
            # Other notes (the single-step latency one) may come: not this one.
            check(not re.search(r"note: '[^']*' names \d+ functions", err),
                  f"one function per name: {err}")

    # The call line shows the name without its parameter types: the arguments do.
    t = Target("t_cxxnames")
    rc, out, err = trace(t, "-f", "max<int>", "-f", "main::{lambda(int)#1}::operator()")
    eq(rc, 0, f"exit code ({err})")
    lines = [l.split(" ", 2)[2] for l in out.decode().splitlines() if re.match(r"\d\d:", l)]
    eq([re.sub(r"  <.*", "", l) for l in lines],
       ["max<int>(a=1, b=5) = 5", "main::{lambda(int)#1}::operator()(__closure={__bias=3}, v=1) = 4",
        "max<int>(a=2, b=5) = 5", "main::{lambda(int)#1}::operator()(__closure={__bias=3}, v=2) = 7"],
       "call lines")

    # Names that match nothing: the closest demangled names, and only near ones.
    t = Target("t_cxxnames")
    try:
        bad(["-p", str(t.pid), "-f", "ns::nfs"],
            r"symbol 'ns::nfs' not found in \d+ objects .*; closest: ns::nsf\(int\)$")
        bad(["-p", str(t.pid), "-f", "gl(double)"], r"symbol 'gl\(double\)' not found in [^;]*$")
        bad(["-p", str(t.pid), "-f", "::nsf"], r"symbol '::nsf' not found .*closest: ns::nsf")
    finally:
        t.finish()
        t.kill()


def rust_target(mangling):
    """rnames built with rustc -O and that symbol mangling, once per build directory."""
    src = "tests/e2e/targets/rnames.rs"
    out = f"{OUT}/targets/rnames_{mangling}"
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        # Legacy is stable rustc's default; asking for it by name needs -Z (1.95).
        flags = [] if mangling == "legacy" else ["-C", f"symbol-mangling-version={mangling}"]
        subprocess.run([rustc(), "-O", "-C", "debuginfo=2", *flags, "--crate-name", "rnames",
                        "-o", out, src], check=True, capture_output=True)
    return f"rnames_{mangling}"


def rust_calls(name, *sels, stack=False):
    """(function, argument, result) traced and logged for the functions sels name."""
    t = Target(name)
    args = [a for s in sels for a in ("-f", s)] + (["--stack"] if stack else [])
    rc, out, err = trace(t, *args, "--json")
    eq(rc, 0, f"exit code {sels} ({err})")
    recs, _ = json_records(out)
    got = sorted((r["function"], r["args"][-1]["value"], r["result"]["value"]) for r in recs)
    want = sorted((f"rnames::{l[1]}", int(l[2]), int(l[3])) for l in t.lines())
    if stack:
        # --stack names the caller the same way: no hash.
        callers = {r["stack"][1].get("symbol") for r in recs}
        eq(callers, {"rnames::main"}, f"{name}: callers in --stack")
    return got, want


@test
def rust_functions_by_path_without_hash_legacy_and_v0():
    for mangling in ("legacy", "v0"):
        name = rust_target(mangling)
        nm = subprocess.run(["nm", f"{OUT}/targets/{name}"], capture_output=True,
                            text=True).stdout
        mangled = "_RNvNtC" if mangling == "v0" else "_ZN6rnames1m6helper17h"
        check(mangled in nm, f"{name} mangles with {mangling}")

        got, want = rust_calls(name, "m::helper", "Acc::add", stack=True)
        eq(got, [w for w in want if w[0] in ("rnames::m::helper", "rnames::Acc::add")],
           f"{mangling}: m::helper and Acc::add")
        check(len(got) == 4, f"{mangling}: calls {got}")
        got, want = rust_calls(name, "m::*")
        eq(got, [w for w in want if w[0].startswith("rnames::m::")], f"{mangling}: m::*")
        check(len(got) == 4, f"{mangling}: calls {got}")
        got, want = rust_calls(name, "*::helper")
        eq(got, [w for w in want if w[0].endswith("::helper")], f"{mangling}: *::helper")
        check(len(got) == 4, f"{mangling}: calls {got}")

    t = Target(name)
    try:
        bad(["-p", str(t.pid), "-f", "m::helpr"],
            r"symbol 'm::helpr' not found .*; closest: rnames::m::helper(, rnames::n::helper)?$")
    finally:
        t.finish()
        t.kill()
    eq(our_links(), [], "links left")


# g++ -O2 keeps this lambda only as a clone (constprop, isra): it has no other copy.
CLONED_LAMBDA = r"""
#include <cstdio>
namespace geo { template <typename T> __attribute__((noinline)) T twice(T v) { return v + v; } }
int main(int argc, char **)
{
	int t = geo::twice<int>(argc + 20);
	auto lam = [&](int q) __attribute__((noinline)) { return q * t; };
	std::printf("%d\n", lam(3));
}
"""


@test
def list_names_are_ones_f_takes_and_signatures_are_demangled():
    src, exe = f"{OUT}/targets/cxxclone.cpp", f"{OUT}/targets/cxxclone"
    with open(src, "w") as f:
        f.write(CLONED_LAMBDA)
    subprocess.run(["g++", "-O2", "-g", "-o", exe, src], check=True, capture_output=True)
    path = os.path.abspath(exe)

    def rows(pattern):
        p = subprocess.run([TRACER, "--list", f"{path}:{pattern}"], capture_output=True,
                           text=True, timeout=20)
        eq(p.returncode, 0, f"--list {pattern!r}: {p.stderr}")
        return [r.split("\t") for r in p.stdout.splitlines()]

    listed = rows("*")
    names = [r[0].split(":", 1)[1] for r in listed]
    check(any("clEi.constprop" in n for n in names), f"the clone is listed: {names}")
    for n in names:
        eq([r[0] for r in rows(n)], [f"cxxclone:{n}"], f"--list/-f take the listed name {n!r}")
    sigs = {r[0]: r[1] for r in listed}
    eq(sigs["cxxclone:geo::twice<int>(int)"], "int geo::twice<int>(int v)",
       "the signature names the function as calls show it")
