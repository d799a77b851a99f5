# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Types without debug info: the prototype database (libc's write), prototypes
naming structs, and --list."""
import os
import shutil
import subprocess
import tempfile
import time

from harness import test, check, eq, bad, Target, trace, json_records, unhex


@test
def libc_write_typed_from_the_prototype_database():
    t = Target("t_write")
    rc, out, err = trace(t, "-f", "libc:write", "--json")
    eq(rc, 0, f"exit code ({err!r})")
    check("hint:" not in err, f"no hint for a function the database types: {err!r}")
    recs, _ = json_records(out)
    want = [(int(l[1]), unhex(l[4]), int(l[2]), int(l[3])) for l in t.lines() if l[0] == "write"]
    eq(len(want), 4, "writes logged")
    got = []
    for r in recs:
        a = {x["name"]: x for x in r["args"]}
        eq(sorted(a), ["buf", "fd", "n"], "write's parameters named as in the database")
        eq((a["fd"]["type"], a["buf"]["type"], a["n"]["type"], r["result"]["type"]),
           ("int", "const void *", "size_t", "ssize_t"), "write's types")
        if a["fd"]["value"] == want[0][0]:
            got.append((a["fd"]["value"], a["buf"]["deref"], a["n"]["value"], r["result"]["value"]))
    eq(got, want, "write(fd, buf shown with n bytes, n) = result, as the target logged")


@test
def a_struct_without_a_layout_is_refused_and_one_defined_inline_works():
    # No debug info: nothing says what struct point holds.
    t = Target("t_types_nodebug")
    try:
        line = bad(["-p", str(t.pid), "-f", "int move_point(struct point *p, int dx)"],
                   r"parameter 'p' points to 'struct point', whose members wrapmon does not know "
                   r"\(t_types_nodebug has no debug info\): give them in the prototype", t)
    finally:
        t.kill()
    check("install the object's debug info" in line, line)
    t = Target("t_types_nodebug")
    rc, out, err = trace(t, "-f", "int move_point(struct point { int x; int y; const char *name; }"
                         " *p, int dx)")
    eq(rc, 0, f"exit code ({err!r})")
    got = [l.split(" ", 2)[2].split("  <")[0] for l in out.decode().splitlines()
           if " move_point(" in l]
    eq(got, [l for l in open(t.log).read().splitlines() if l.startswith("move_point(")],
       "the members as the prototype defines them, at entry and at return")


@test
def list_shows_signatures_and_where_they_come_from():
    t = Target("t_nest")
    try:
        p = subprocess.run([TRACER, "-p", str(t.pid), "--list", "*"], capture_output=True,
                           text=True, timeout=20)
        eq((p.returncode, p.stderr), (0, ""), "exit code and stderr")
        rows = [l.split("\t") for l in p.stdout.splitlines()]
        ours = {r[0]: (r[1], r[2]) for r in rows if r[0].startswith("t_nest:")}
        eq(ours["t_nest:fact"], ("long fact(int n)", "dwarf"), "fact from DWARF")
        eq(ours["t_nest:mix"], ("int mix(int a, double f, int b)", "dwarf"), "mix from DWARF")
        eq(ours["t_nest:_start"], ("?", "none"), "_start has no type")
        check(all(len(r) == 3 for r in rows), "three columns")
        check(any(r[0].startswith("libc:") for r in rows), "libc's functions too")
        p = subprocess.run([TRACER, "-p", str(t.pid), "-l", "libc:write"], capture_output=True,
                           text=True, timeout=20)
        eq(p.stdout, "libc:write\tssize_t write(int fd, const void *buf, size_t n)\tprotodb\n",
           "libc's write from the prototype database")
        # Every name listed is one -f takes: fact alone.
        p = subprocess.run([TRACER, "-p", str(t.pid), "-l", "t_nest:fa*"], capture_output=True,
                           text=True, timeout=20)
        eq(p.stdout, "t_nest:fact\tlong fact(int n)\tdwarf\n", "a pattern")
    finally:
        t.kill()
    # No process: a library by name; zlib ships without debug info.
    p = subprocess.run([TRACER, "--list", "libz:*inflate*"], capture_output=True, text=True,
                       timeout=20)
    eq((p.returncode, p.stderr), (0, ""), "libz: exit code and stderr")
    rows = dict((r.split("\t")[0], r.split("\t")[1:]) for r in p.stdout.splitlines())
    eq(rows["libz:inflate"], ["int inflate(struct z_stream_s *strm, int flush)", "protodb"],
       "zlib's inflate")
    check(len(rows) >= 10 and all("inflate" in k for k in rows), f"only *inflate*: {sorted(rows)}")
    bad(["--list", "inflate"], r"--list 'inflate' without -p names no object: give -p PID, or "
        r"LIB:PATTERN")
    bad(["--list", "libnosuchlib:*"], r"no library 'libnosuchlib' where the dynamic linker looks")
    bad(["--list", "libz:*", "-f", "x"], r"--list looks into one process")


def complete(line):
    """What tools/completion offers for the last word of line, as bash would."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = (f"source {root}/tools/completion/wrapmon-trace.bash; COMP_LINE=\"$1\"; "
              "read -ra COMP_WORDS <<<\"$1\"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
              "COMP_POINT=${#COMP_LINE}; _wrapmon_trace; printf '%s\\n' \"${COMPREPLY[@]}\"")
    p = subprocess.run(["bash", "-c", script, "bash", line.replace("wrapmon-trace", TRACER, 1)],
                       capture_output=True, text=True, timeout=60)
    return [w for w in p.stdout.splitlines() if w]


@test
def bash_completion_offers_options_once_and_names_of_pidof_processes():
    got = complete("wrapmon-trace --pi")
    eq(got, sorted(set(got)), "each option once")
    eq(set(got), {"--pid", "--pidof"}, "the options starting --pi")
    t = Target("t_nest")
    try:
        comm = open(f"/proc/{t.pid}/comm").read().strip()
        by_pid = complete(f"wrapmon-trace -p {t.pid} -f fac")
        check("fact" in by_pid, f"-f names from -p: {by_pid}")
        eq(complete(f"wrapmon-trace --pidof {comm} -f fac"), by_pid,
           "-f names from the process --pidof names, as from -p")
    finally:
        t.kill()


COMPLETE = r'''
source tools/completion/wrapmon-trace.bash
COMP_WORDS=("$TRACER" "$@"); COMP_CWORD=$(($# ))
_wrapmon_trace
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete_in(cwd, *words):
    """What bash completion offers for the last of words, run in cwd."""
    p = subprocess.run(["bash", "-c", COMPLETE.replace("tools/", os.getcwd() + "/tools/"),
                        "complete", *words], capture_output=True, text=True, timeout=30,
                       cwd=cwd, env=dict(os.environ, TRACER=os.path.abspath(TRACER)))
    eq(p.returncode, 0, f"completion of {words}: {p.stderr}")
    return p.stdout.splitlines()


@test
def bash_completion_never_runs_names_it_offers():
    # A symbol of the traced program and any user's process name are
    # outside text: "$(cmd)" in one must be offered, quoted, never run.
    d = tempfile.mkdtemp(prefix="wm-e2e-comp-")
    src, exe = os.path.join(d, "t.c"), os.path.join(d, "wm_comp")
    sym = "cq$(touch RAN1)"
    with open(src, "w") as f:
        f.write('__asm__(".text\\n.globl \\"%s\\"\\n.type \\"%s\\", @function\\n'
                '\\"%s\\":\\n\\tret\\n");\n' % (sym, sym, sym) +
                "#include <unistd.h>\nint main(void) { pause(); return 0; }\n")
    subprocess.run(["cc", "-o", exe, src], check=True)
    comm = os.path.join(d, "x$(touch RAN2)")
    shutil.copy("/usr/bin/sleep", comm)
    procs = [subprocess.Popen([exe]), subprocess.Popen([comm, "30"])]
    try:
        time.sleep(0.3)
        got = complete_in(d, "-p", str(procs[0].pid), "-f", "cq")
        eq(got, ["cq\\$\\(touch\\ RAN1\\)"], "the symbol, quoted as one word")
        got = complete_in(d, "-p", str(procs[0].pid), "-f", "wm_comp:cq")
        eq(got, ["wm_comp:cq\\$\\(touch\\ RAN1\\)"], "with its object")
        got = complete_in(d, "--pidof", "x$")
        eq(got, ["x\\$\\(touch\\ RAN2\\)"], "the process name, quoted")
        eq(sorted(f for f in os.listdir(d) if f.startswith("RAN")), [], "nothing ran")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)
