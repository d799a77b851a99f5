#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Compare what two builds of wrapmon-trace print for the same calls.

    sudo tools/compare-output.py OLD_BUILD NEW_BUILD

Each build directory holds wrapmon-trace and targets/ (`make all targets`).
Every case starts one e2e target under each tracer (text and --json, some
with --stack or --tree), feeds it "go", and compares the two outputs with
what differs from run to run masked: times, process and thread ids,
latencies, addresses, the build's path and the summary's timing columns,
and the lines sorted (threads' calls come in the scheduler's order). Exit 1 on any
difference, with a unified diff of the first lines that differ.
"""
import difflib
import os
import re
import subprocess
import sys
import tempfile

TYPES = [x for fn in ("move_point", "paint", "sum8", "parse_int", "apply", "pair_sum", "big_sum",
                      "arr_sum", "un_get", "bits", "first_touch", "open_like",
                      "int checksum(const unsigned char *data[n], size_t n)",
                      "long read_like(int fd, char *buf[ret], size_t count)")
         for x in ("-f", fn)] + ["--error", "ret < 0"]

ERRNO = ["-f", "libc:int open(const char *path, int flags)", "-f", "libc:read",
         "-f", "libc:opendir", "--error", "ret < 0"]

# (target, tracer arguments); each runs as text and as --json.
CASES = [
    ("t_search", ["-f", "search"]),
    ("t_search", ["-f", "search", "--stack"]),
    ("t_search", ["-f", "search", "--string-size", "16"]),
    ("t_search_stripped", ["-f", "search"]),
    ("t_types", TYPES),
    ("t_types_nodebug", ["-f", "paint", "-f", "move_point", "-f", "parse_int"]),
    ("t_errno", ERRNO),
    ("t_hostile", ["-f", "take"]),
    ("t_cxx", ["-f", "ns::*"]),
    ("t_cxxexc", ["-f", "thrower", "-f", "mid1", "-f", "mid2", "-f", "catch1", "-f", "catch3",
                  "-f", "rethrow"]),
    ("t_nest", ["-f", "fact", "-f", "inner", "-f", "outer", "-f", "mix", "-f", "tail_a",
                "-f", "tail_b", "-f", "peek", "--stack"]),
    ("t_tree", ["-f", "top", "-f", "mid", "-f", "leaf", "--tree"]),
    ("t_unfinished", ["-f", "doomed", "-f", "jumper", "-f", "after"]),
    ("t_locs", ["-f", "scale*", "-f", "keep"]),
    ("t_lib", ["-f", "libwmt:lib_add"]),
    ("t_threads", ["-f", "work", "--per-process"]),
]

MASKS = [
    (re.compile(rb'"ts":"[^"]*"'), b'"ts":T'),
    (re.compile(rb'"(pid|tid|latency_ns|duration_ns|id|parent)":\d+'), rb'"\1":N'),
    (re.compile(rb'"latency_ns":\{[^}]*\}'), b'"latency_ns":L'),
    (re.compile(rb'^\d\d:\d\d:\d\d\.\d{6}( \d+)+ ', re.M), b'T ID '),
    (re.compile(rb'<[\d.]+ (ns|us|ms|s)>'), b'<LAT>'),
    (re.compile(rb'0x[0-9a-f]{5,}'), b'0xADDR'),
    (re.compile(rb'\b\d+(\.\d+)? ?(ns|us|ms|s)\b'), b'DUR'),
    # --per-process: "work 10719 t_threads ..."
    (re.compile(rb'^(\S+)\s+\d+(\s+\S+\s+\d+\s)', re.M), rb'\1 PID\2'),
]


def mask(b, build):
    b = b.replace(os.path.abspath(build).encode(), b"BUILD")
    for rx, rep in MASKS:
        b = rx.sub(rep, b)
    # The text summary's columns are as wide as its timings: compare its words.
    head, sep, summary = b.partition(b"\n\n")
    return head + sep + b"\n".join(b" ".join(line.split()) for line in summary.split(b"\n"))


def run(build, target, args, tmp):
    tracer = os.path.join(build, "wrapmon-trace")
    out = os.path.join(tmp, "out")
    log = os.path.join(tmp, "log")
    if os.path.exists(out):
        os.unlink(out)
    cmd = [tracer, "-o", out, *args, "--", os.path.join(build, "targets", target), log]
    p = subprocess.run(cmd, input=b"go\n", capture_output=True, timeout=60)
    if not os.path.exists(out):
        return p.returncode, b"no output; stderr: " + p.stderr
    with open(out, "rb") as f:
        data = f.read()
    return p.returncode, data


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = sys.argv[1:]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for target, args in CASES:
            for extra in ([], ["--json"]):
                a = [*args, *extra]
                name = f"{target} {' '.join(a)}"
                if not os.path.exists(os.path.join(new, "targets", target)):
                    print(f"skip  {name}: no target")
                    continue
                rc_old, o = run(old, target, a, tmp)
                rc_new, n = run(new, target, a, tmp)
                mo, mn = mask(o, old), mask(n, new)
                # Threads' calls come in the scheduler's order: compared sorted.
                mo = b"\n".join(sorted(mo.split(b"\n")))
                mn = b"\n".join(sorted(mn.split(b"\n")))
                lines = n.count(b"\n")
                if rc_old == rc_new and mo == mn:
                    print(f"same  {name} ({len(n)} bytes, {lines} lines)")
                    continue
                bad += 1
                print(f"DIFF  {name}: exit {rc_old} / {rc_new}")
                diff = difflib.unified_diff(mo.decode(errors="replace").splitlines(),
                                            mn.decode(errors="replace").splitlines(),
                                            "old", "new", lineterm="", n=1)
                for line in list(diff)[:40]:
                    print("      " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
