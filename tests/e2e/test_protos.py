# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Types without debug info: the prototype database (libc's write), prototypes
naming structs, and --list."""
from harness import test, check, eq, Target, trace, json_records, unhex


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
