# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Hostile strings never reach the terminal raw, the output file is private
and never written through a symlink, and no privileges means one line."""
import os
import re
import shutil
import subprocess
import tempfile

from harness import test, check, eq, Fail, Target, Tracer, trace, json_records, our_links, bad, TRACER


def _utf8_len(b, i):
    """Length of the valid, shortest-form UTF-8 sequence of a scalar at b[i], or 0."""
    c = b[i]
    if c < 0x80:
        return 1
    n = 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
    if not n or i + n > len(b):
        return 0
    try:
        ch = b[i:i + n].decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return n if len(ch) == 1 else 0


def json_value_of(b):
    """What --json gives for target bytes b: valid UTF-8 kept, each invalid byte as U+00XX."""
    out, i = [], 0
    while i < len(b):
        n = _utf8_len(b, i)
        out.append(b[i:i + n].decode("utf-8") if n else chr(b[i]))
        i += n or 1
    return "".join(out)


def assert_terminal_safe(data, what):
    text = data.decode("utf-8")  # raises on invalid UTF-8
    for ch in text:
        o = ord(ch)
        check(ch == "\n" or not (o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f or
                                 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069),
              f"{what}: U+{o:04X} reached the output")


@test
def hostile_strings_never_reach_the_terminal_raw():
    t = Target("t_hostile")
    rc, out, err = trace(t, "-f", "take", "--string-size", "1024")
    eq(rc, 0, f"exit code ({err})")
    assert_terminal_safe(out, "text output")
    assert_terminal_safe(err.encode(), "stderr")
    log = t.lines()
    text = out.decode()
    calls = dict(re.findall(r"^\S+ \d+ take\(i=(\d+), s=(.*)\) = \d+  <", text, re.M))
    eq(len(calls), len(log), "one line per call")
    for l in log:
        v = calls[l[0]]
        if l[2] == "long":
            eq(v, '"' + "A" * 1024 + '"...', "100 KB string cut at --string-size")
        elif l[2] == "fault":
            eq(v, f"0x{l[1]}<unreadable>", "string running into an unmapped page")
    eq(calls["0"], '"\\x1b]52;c;ZWNobyBwd25lZA==\\a clipboard"', "OSC 52 clipboard write")
    eq(calls["2"], '"\\xff\\xfe bad \\xc0\\xaf overlong \\xed\\xa0\\x80 surrogate '
       '\\xf4\\x90\\x80\\x80 big"', "invalid UTF-8")
    eq(calls["1"], '"\\x1b[2J\\x1b[H\\x1b[31mred\\x1b[0m"', "CSI sequences")
    eq(calls["3"], '"c1 \\u{009B}31m csi \\u{0085} nel"', "C1 controls")
    eq(calls["4"], '"bidi \\u{202E}evil\\u{202C} \\u{2066}iso\\u{2069}"', "bidi controls")
    eq(calls["5"], '"nul"', "a string ends at its NUL")
    eq(calls["6"], '"\\r\\b\\t\\v\\f\\x01\\x7f"', "C0 controls and DEL")

    t = Target("t_hostile")
    rc, out, err = trace(t, "-f", "take", "--string-size", "1024", "--json")
    eq(rc, 0, f"exit code ({err})")
    assert_terminal_safe(out, "JSON output")
    recs, _ = json_records(out)
    eq(len(recs), len(t.lines()), "one record per call")
    for r, l in zip(sorted(recs, key=lambda r: r["args"][0]["value"]), t.lines()):
        a = r["args"][1]
        if l[2] == "long":
            eq((a["value"], a.get("truncated")), ("A" * 1024, True), "long string")
        elif l[2] == "fault":
            eq((a["value"], a.get("error"), a.get("pointer")), (None, "unreadable", "0x" + l[1]),
               "unreadable string")
        else:
            eq(a["value"], json_value_of(bytes.fromhex(l[2][1:])), f"string {l[0]}")


@test
def output_file_is_private_and_never_written_through_a_symlink():
    d = tempfile.mkdtemp(prefix="wm-e2e-out-")
    old = os.umask(0o022)
    try:
        out = os.path.join(d, "calls.txt")
        t = Target("t_search")
        rc, stdout, err = trace(t, "-f", "search", "-o", out)
        eq(rc, 0, f"exit code ({err})")
        eq(stdout, b"", "nothing on stdout with -o")
        eq(os.stat(out).st_mode & 0o777, 0o600, "mode of a new output file")
        text = open(out, "rb").read().decode()
        eq(sum(1 for l in text.splitlines() if " search(" in l), 120, "calls in the file")
        check(re.search(r"^search\s+120\s", text, re.M), "summary in the file")

        out2 = os.path.join(d, "shared.txt")
        t = Target("t_search")
        rc, _, err = trace(t, "-f", "search", "-o", out2, "--file-mode", "0640")
        eq(rc, 0, f"exit code ({err})")
        eq(os.stat(out2).st_mode & 0o777, 0o640, "--file-mode")

        # A symlink planted where the output goes: refused, its target untouched.
        victim = os.path.join(d, "victim")
        with open(victim, "w") as f:
            f.write("keep me\n")
        link = os.path.join(d, "link")
        os.symlink(victim, link)
        t = Target("t_search")
        try:
            line = bad(["-p", str(t.pid), "-f", "search", "-o", link],
                       r"is a symbolic link: wrapmon does not write through links")
        finally:
            t.finish()
            t.kill()
        eq(open(victim).read(), "keep me\n", "symlink target untouched")
        # A bad -f must not truncate the last trace.
        bad(["-p", str(os.getpid()), "-f", "no_such_function_here", "-o", out],
            r"not found")
        eq(open(out, "rb").read().decode(), text, "earlier output kept after a bad -f")
        bad(["-p", "1", "-f", "x", "--file-mode", "0400"], r"invalid --file-mode '0400'")
    finally:
        os.umask(old)
        subprocess.run(["rm", "-rf", d])


@test
def without_privileges_one_line_and_nothing_attached():
    t = Target("t_spin")
    try:
        for prefix in (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
                       ["capsh", "--drop=cap_sys_admin,cap_bpf,cap_perfmon", "--"]):
            args = [TRACER, "-p", str(t.pid), "-f", "work"]
            cmd = prefix + (["-c", " ".join(args)] if prefix[0] == "capsh" else args)
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            lines = p.stderr.strip().splitlines()
            check(p.returncode != 0, f"{prefix[0]}: exit code 0")
            eq(lines, ["wrapmon-trace: tracing needs root (CAP_SYS_ADMIN), or CAP_BPF and "
                       "CAP_PERFMON: run it with sudo, or grant both capabilities"],
               f"{prefix[0]}: stderr")
            eq(our_links(), [], f"{prefix[0]}: links left")
        check(t.p.poll() is None, "target untouched")
    finally:
        t.finish()
        t.kill()


# Another local user, to own what is planted in the paths below.
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
PROTECTIONS = ("protected_symlinks", "protected_regular", "protected_hardlinks")


def as_nobody(*cmd):
    subprocess.run(NOBODY + list(cmd), check=True, timeout=20)


def protections_off():
    """Turn the kernel's own link and sticky-directory protections off, so
    they cannot hide a path wrapmon must refuse by itself; returns the old
    values for restore_protections()."""
    old = {}
    for k in PROTECTIONS:
        with open(f"/proc/sys/fs/{k}") as f:
            old[k] = f.read().strip()
        with open(f"/proc/sys/fs/{k}", "w") as f:
            f.write("0")
    return old


def restore_protections(old):
    for k, v in old.items():
        with open(f"/proc/sys/fs/{k}", "w") as f:
            f.write(v)


def steer_dirs():
    """base/ (root, 0755) with shared/ (sticky, world-writable, as /tmp),
    open/ (world-writable, not sticky) and victim/important.txt (root's)."""
    base = tempfile.mkdtemp(prefix="wm-e2e-steer-")
    os.chmod(base, 0o755)
    for name, mode in (("shared", 0o1777), ("open", 0o777), ("victim", 0o755)):
        os.mkdir(os.path.join(base, name))
        os.chmod(os.path.join(base, name), mode)
    with open(os.path.join(base, "victim", "important.txt"), "w") as f:
        f.write("keep me\n")
    return base, os.path.join(base, "shared"), os.path.join(base, "victim")


def search_calls_in(path):
    with open(path, "rb") as f:
        return sum(1 for l in f.read().decode().splitlines() if " search(" in l)


@test
def output_path_other_users_could_steer_is_refused():
    base, shared, victim = steer_dirs()
    important = os.path.join(victim, "important.txt")
    planted = os.path.join(shared, "planted.txt")
    old = protections_off()
    try:
        # Planted by another user in the sticky directory: a link to root's
        # directory, a 0666 file of theirs, a hard link to root's file; and a
        # root-owned link in a world-writable directory that is not sticky,
        # where anyone can rename it away and put theirs in its place.
        as_nobody("ln", "-s", "../victim", os.path.join(shared, "evil"))
        as_nobody("sh", "-c", f"umask 0 && echo planted > {planted}")
        as_nobody("ln", important, os.path.join(shared, "hard.txt"))
        os.symlink("../victim", os.path.join(base, "open", "rlink"))
        # Another user's link in a directory whose mode bits say root only:
        # an ACL (not in the bits) let them write there.
        os.makedirs(os.path.join(base, "acl"), mode=0o755)
        os.symlink("../victim", os.path.join(base, "acl", "alink"))
        os.lchown(os.path.join(base, "acl", "alink"), 65534, 65534)
        t = Target("t_search")
        try:
            for path, pat in (
                    (f"{shared}/evil/important.txt",
                     r"refusing .*/evil/important.txt: it goes through the symbolic link evil "
                     r"in .*/shared, which other users can write to; give the real path$"),
                    (f"{base}/open/rlink/new.txt",
                     r"refusing .*: it goes through the symbolic link rlink in .*/open, "),
                    (planted, r"refusing .*/planted.txt: it belongs to uid 65534 and other users "
                              r"can write to .*/shared; remove it or choose another name$"),
                    (f"{shared}/hard.txt", r"refusing .*/hard.txt: it has 2 hard links "),
                    (f"{base}/acl/alink/acl.txt",
                     r"refusing .*: it goes through the symbolic link alink in .*/acl, ")):
                # -d: without the check the trace would run, and end, rc 0.
                bad(["-p", str(t.pid), "-f", "search", "-d", "2", "-o", path], pat)
        finally:
            t.finish()
            t.kill()
        eq(open(important).read(), "keep me\n", "the file behind the link untouched")
        eq(sorted(os.listdir(victim)), ["important.txt"], "nothing made behind the link")
        eq(open(planted).read(), "planted\n", "the other user's file untouched")
        eq(os.stat(planted).st_mode & 0o777, 0o666, "its mode")

        # Links no other user can replace are followed: root's in a root-only
        # directory (as /var/run -> /run), root's in a sticky directory of
        # root's (as fs.protected_symlinks allows).
        os.symlink("victim", os.path.join(base, "rootlink"))
        os.symlink("../victim", os.path.join(shared, "rootlink"))
        paths = [f"{base}/rootlink/a.txt", f"{shared}/rootlink/b.txt"]
        if os.path.islink("/var/run"):
            paths.append(f"/var/run/wm-e2e-{os.getpid()}.txt")
        for path in paths:
            try:
                rc, _, err = trace(Target("t_search"), "-f", "search", "-o", path)
                eq(rc, 0, f"-o {path}: exit code ({err})")
                eq(search_calls_in(os.path.realpath(path)), 120, f"calls in {path}")
            finally:
                if path.startswith("/var/run/") and os.path.exists(path):
                    os.unlink(path)

        # The invoking user is the one behind sudo: their own link and file are theirs to use.
        os.environ["SUDO_UID"], os.environ["SUDO_GID"] = "65534", "65534"
        try:
            for path in (f"{shared}/evil/sudo.txt", planted):
                rc, _, err = trace(Target("t_search"), "-f", "search", "-o", path)
                eq(rc, 0, f"-o {path} with SUDO_UID=65534: exit code ({err})")
                eq(search_calls_in(path), 120, f"calls in {path}")
        finally:
            del os.environ["SUDO_UID"], os.environ["SUDO_GID"]
        eq(open(important).read(), "keep me\n", "important.txt still untouched")
    finally:
        restore_protections(old)
        subprocess.run(["rm", "-rf", base])


# Outside bytes in stderr messages: names and paths from the target, text the user typed.
OSC52_SYM = "hook\x1b]52;c;QUFB\x07"  # t_names's hook(), renamed so by the build
EVIL_LIB = "lib\x1b[31mevil\x07.so"


def assert_messages_safe(err, what):
    """No control byte but the newline ending each line, and each line one whole message."""
    assert_terminal_safe(err.encode(), what)
    for line in err.splitlines():
        check(re.match(r"(wrapmon-trace: |hint: )", line),
              f"{what}: a line that is not a message of its own: {line!r}")


@test
def memfd_executable_name_is_escaped_in_the_startup_line():
    # The target runs again from a memfd named "wm\e[2J\nfake": that is its executable's path.
    t = Target("t_names", "memfd")
    rc, out, err = trace(t, "-f", "work")
    eq(rc, 0, f"exit code ({err!r})")
    assert_messages_safe(err, "stderr")
    check(f"in process {t.pid} (/memfd:wm\\x1b[2J\\nfake) in " in err,
          f"start-up line does not name the escaped memfd: {err!r}")
    eq(len(re.findall(r"^\S+ \d+ work\(x=\d\) = \d+  <", out.decode(), re.M)), 3,
       "the memfd executable's calls")


def all_hold(checks):
    """Run every (name, check), then fail naming each one that failed: none hides another."""
    failed = []
    for name, fn in checks:
        try:
            fn()
        except Fail as e:
            failed.append(f"{name}: {e}")
    check(not failed, " | ".join(failed))


def one_line(args, pattern, want=None):
    """bad(), the line safe for a terminal, and equal to want when given."""
    line = bad(args, pattern)
    assert_messages_safe(line + "\n", "stderr")
    if want is not None:
        eq(line, want, "message")


@test
def hostile_library_and_symbol_names_are_escaped_in_errors_and_notes():
    d = tempfile.mkdtemp(prefix="wm-e2e-names-")
    lib = os.path.join(d, EVIL_LIB)
    shutil.copy(os.path.join(OUT, "targets", "libwmt.so"), lib)
    t = Target("t_names", "lib", lib)
    base = ["-p", str(t.pid)]
    esc_lib = "lib\\x1b[31mevil\\a.so"
    esc_sym = "hook\\x1b]52;c;QUFB\\a"

    def hint_and_calls():
        # hook's DWARF says "hook": no debug info for its symbol, and the hint names it.
        tr = Tracer(*base, "-f", "hook*")
        try:
            tr.wait_ready()
            t.go()
            t.finish()
            rc, out, err = tr.wait()
        finally:
            tr.kill()
        eq(rc, 0, f"exit code ({err!r})")
        assert_messages_safe(err, "stderr")
        check(f"hint: no debug info for {esc_sym} in t_names" in err, f"hint: {err!r}")
        eq(re.findall(r"^\S+ \d+ (\S+)\(", out.decode(), re.M), [esc_sym] * 3, "call lines")

    try:
        all_hold([
            ("mapped list", lambda: one_line(base + ["-f", "nosuchlib:foo"],
                                             r"; mapped: t_names, .*" + re.escape(esc_lib))),
            ("objects searched", lambda: one_line(base + ["-f", "no_such_fn_xyz"],
                                                  r"not found in \d objects .*, " +
                                                  re.escape(esc_lib))),
            ("closest", lambda: one_line(base + ["-f", "hook]52;c;QUFB"],
                                         r"; closest: " + re.escape(esc_sym) + r"$")),
            ("hint", hint_and_calls),
        ])
    finally:
        t.kill()
        shutil.rmtree(d)


@test
def filter_and_prototype_errors_escape_what_was_typed():
    t = Target("t_names")
    p = ["-p", str(t.pid)]
    try:
        all_hold([
            ("--filter", lambda: one_line(
                p + ["-f", "work", "--filter", "x == 1 &&\n\x1b]52;c;QUFB\x07 == 2"],
                r"unexpected byte 0x1b",
                "wrapmon-trace: --filter 'x == 1 &&\\n\\x1b]52;c;QUFB\\a == 2' for work: "
                "unexpected byte 0x1b (column 11)")),
            ("--filter string", lambda: one_line(
                p + ["-f", "work", "--filter", 'x == "a\nb\x1b[31m"'], r"not a string",
                "wrapmon-trace: --filter 'x == \"a\\nb\\x1b[31m\"' for work: 'x' is 'int', "
                "not a string (only char * is read as one) (column 6)")),
            ("prototype string", lambda: one_line(
                p + ["-f", "int work(int x) \"a\nb\x1b[31m\""], r"after the prototype",
                "wrapmon-trace: malformed prototype at column 17 of -f "
                "'int work(int x) \"a\\nb\\x1b[31m\"': unexpected '\"a\\nb\\x1b[31m\"' "
                "after the prototype")),
            ("prototype ESC", lambda: one_line(
                p + ["-f", "int work(\x1b)"], r"unexpected character",
                "wrapmon-trace: malformed prototype at column 10 of -f 'int work(\\x1b)': "
                "unexpected character '\\x1b'")),
            ("selector", lambda: one_line(
                p + ["-f", "no_such\nfn\x1b]0;title\x07"],
                r"^wrapmon-trace: symbol 'no_such\\nfn\\x1b\]0;title\\a' not found ")),
            # Paths the user gave, in whatever error opening them gets.
            ("-o", lambda: one_line(
                p + ["-f", "work", "-o", "/nonexistent/no\x1b[2Jdir\n/x"],
                r"^wrapmon-trace: .*/nonexistent/no\\x1b\[2Jdir\\n/x")),
            ("--store", lambda: one_line(
                p + ["-f", "work", "--store", "/nonexistent/no\x1b[2Jdir\n/x.db"],
                r"^wrapmon-trace: .*/nonexistent/no\\x1b\[2Jdir\\n/x\.db")),
            ("--metrics", lambda: one_line(
                p + ["-f", "work", "--metrics", "\x1b[2J:99999"],
                r"^wrapmon-trace: --metrics '\\x1b\[2J:99999': the port must be")),
            ("--string-size", lambda: one_line(
                p + ["-f", "work", "--string-size", "9\x1b[2J"],
                r"^wrapmon-trace: --string-size 9\\x1b\[2J is out of range")),
            # Options the command line does not know: said by us, not by argp.
            ("bad option", lambda: one_line(
                p + ["-f", "work", "--x\x1b]52;c;QUFB\x07\ny"],
                r"bad option",
                "wrapmon-trace: bad option '--x\\x1b]52;c;QUFB\\a\\ny': "
                "see 'wrapmon-trace --help'")),
        ])
    finally:
        t.kill()
