# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Types without debug info: the prototype database (libc's write), prototypes
naming structs, and --list."""
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
