# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Output that cannot be written: a full device or disk gets one line, keeps
the calls written as whole lines, puts the summary on stderr and exits 1; a
reader that stops reading never keeps the tracer from its signals."""
import fcntl
import json
import os
import re
import select
import signal
import subprocess
import tempfile
import termios
import time

from harness import test, check, eq, Fail, Target, Tracer, our_links, TRACER

# t_spin calls work(x) for x in 0..999, over and over; work returns x ^ 0x5a.
WORK = re.compile(rb"^\S+ \d+ work\(x=(\d+)\) = (-?\d+)  <\d")
SUMMARY = re.compile(r"^work\s+\d+", re.M)


class Run:
    """The tracer on a t_spin target, its stdout wherever the test says."""

    def __init__(self, stdout, *args):
        self.t = Target("t_spin")
        self.p = subprocess.Popen([TRACER, "-p", str(self.t.pid), "-f", "work", *args],
                                  stdin=subprocess.DEVNULL, stdout=stdout,
                                  stderr=subprocess.PIPE)
        self.err = b""

    def start(self, timeout=15):
        """Wait for the probes (the 'Ctrl-C to end' line), then let the target go."""
        end = time.time() + timeout
        fd = self.p.stderr.fileno()
        while b"Ctrl-C to end" not in self.err:
            r, _, _ = select.select([fd], [], [], 0.1)
            chunk = os.read(fd, 65536) if r else b""
            self.err += chunk
            if (r and not chunk) or time.time() > end:
                raise Fail(f"tracer not ready: {self.err.decode(errors='replace')!r}")
        self.t.go()

    def wait(self, timeout):
        """(rc, stderr); a tracer still running after timeout fails the test."""
        try:
            _, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail(f"tracer still running {timeout} s later")
        self.err += err
        return self.p.returncode, self.err.decode("utf-8", "replace")

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.t.finish()
        self.t.kill()


def messages(err):
    """Our own stderr lines, the start-up line left out."""
    return [l for l in err.splitlines()
            if l.startswith("wrapmon-trace: ") and "Ctrl-C to end" not in l]


def check_write_failure(rc, err, name):
    eq(rc, 1, f"exit code ({err!r})")
    msgs = messages(err)
    eq(len(msgs), 1, f"one line about the failure: {msgs}")
    check(re.match(r"wrapmon-trace: writing " + re.escape(name) +
                   r": No space left on device \(\d+ lines? of output lost\)$", msgs[0]),
          f"the line names {name} and the error: {msgs[0]!r}")
    check(SUMMARY.search(err), f"summary on stderr: {err!r}")
    eq(our_links(), [], "links left")


def check_text_calls(data):
    """data: the header, then whole lines, each a call t_spin made."""
    lines = data.split(b"\n")
    eq(lines[-1], b"", "the file ends in a whole line")
    eq(lines[0].split(), [b"TIME", b"TID", b"CALL", b"=", b"RESULT", b"<LATENCY>"], "header")
    check(len(lines) > 1000, f"calls were written before the disk filled: {len(lines)} lines")
    for l in lines[1:-1]:
        m = WORK.match(l)
        check(m, f"a whole call line: {l!r}")
        x, r = int(m[1]), int(m[2])
        check(0 <= x < 1000 and r == x ^ 0x5a, f"a call t_spin made: {l!r}")


def check_json_calls(data):
    lines = data.split(b"\n")
    eq(lines[-1], b"", "the file ends in a whole line")
    check(len(lines) > 1000, f"calls were written before the disk filled: {len(lines)} lines")
    for l in lines[:-1]:
        r = json.loads(l)
        eq(r["function"], "work", f"function of {l!r}")
        x = r["args"][0]["value"]
        check(0 <= x < 1000 and r["result"]["value"] == x ^ 0x5a, f"a call t_spin made: {l!r}")


def full_device(stdout, args, name):
    run = Run(stdout, "-d", "10", *args)
    try:
        t0 = time.time()
        run.start()
        rc, err = run.wait(20)
        dt = time.time() - t0
    finally:
        run.close()
    check_write_failure(rc, err, name)
    # Nothing could ever be written: the trace stops at once, not after -d 10.
    check(dt < 8, f"stopped at the failure, not at -d: {dt:.1f}s")


@test
def output_to_a_full_device_is_one_line_and_exit_1():
    with open("/dev/full", "wb") as full:
        full_device(full, [], "standard output")
    full_device(subprocess.DEVNULL, ["-o", "/dev/full"], "/dev/full")


def small_tmpfs():
    d = tempfile.mkdtemp(prefix="wm-e2e-full-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", d], check=True)
    return d


def full_disk(json_out):
    d = small_tmpfs()
    try:
        path = os.path.join(d, "calls.ndjson" if json_out else "calls.txt")
        run = Run(subprocess.DEVNULL, "-o", path, *(["--json"] if json_out else []))
        try:
            run.start()
            rc, err = run.wait(20)
        finally:
            run.close()
        with open(path, "rb") as f:
            data = f.read()
        check(os.statvfs(d).f_bfree * os.statvfs(d).f_frsize < 16384,
              "the file filled the disk")
    finally:
        subprocess.run(["umount", d], check=True)
        os.rmdir(d)
    check_write_failure(rc, err, path)
    (check_json_calls if json_out else check_text_calls)(data)
    # The summary counts every call; the file holds some of them.
    calls = int(SUMMARY.search(err)[0].split()[1])
    check(calls >= len(data.split(b"\n")) - 2, f"summary counts {calls} calls")


@test
def output_file_on_a_full_disk_keeps_whole_lines_and_exit_1():
    full_disk(json_out=False)
    full_disk(json_out=True)


def pipe_bytes(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, "little")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def blocked_in_write(pid, timeout=10):
    """A thread of pid sleeps in pipe_write, and the pipe has stopped filling."""
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.1)
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                    if f.read().endswith("pipe_write"):  # anon_pipe_write since 6.x
                        return True
            except OSError:
                pass
    return False


def stalled_pipe(signals):
    """Signals sent to a tracer whose stdout pipe is full: (rc, stderr, seconds to exit)."""
    r, w = os.pipe()
    size = fcntl.fcntl(r, fcntl.F_GETPIPE_SZ)
    try:
        run = Run(w, "--ring-size", "64K")
        os.close(w)
        try:
            run.start()
            check(blocked_in_write(run.p.pid), "the tracer's write waits for the reader")
            check(pipe_bytes(r) > size // 2, f"the pipe is full: {pipe_bytes(r)} bytes")
            # Long enough for what waits to reach its bound and the ring to fill:
            # meanwhile the tracer must not spin on a ring it cannot drain.
            cpu0 = cpu_seconds(run.p.pid)
            time.sleep(1.0)
            cpu = cpu_seconds(run.p.pid) - cpu0
            check(cpu < 0.5, f"the stalled tracer used {cpu:.2f} s of CPU in 1 s")
            check(run.p.poll() is None, "tracer still tracing")
            t0 = time.time()
            for i, sig in enumerate(signals):
                if i:
                    # Inside the first one's 0.5 s grace, after it was read.
                    time.sleep(0.2)
                run.p.send_signal(sig)
            rc, err = run.wait(10)
            dt = time.time() - t0
        finally:
            run.close()
    finally:
        os.close(r)
    eq(our_links(), [], f"links left after {signals}")
    return rc, err, dt


@test
def stalled_stdout_pipe_never_holds_off_signals():
    # `wrapmon-trace ... | sleep 25`: blocked in its write, the tracer used to
    # ignore every signal until the reader went away.
    for sig in (signal.SIGINT, signal.SIGTERM):
        rc, err, dt = stalled_pipe([sig])
        # The bound is 1 s; the margin is for a loaded machine.
        check(dt < 1.5, f"took {dt:.2f}s to end after {sig.name}")
        eq(rc, 1, f"exit code after {sig.name} ({err!r})")
        msgs = messages(err)
        lost = [m for m in msgs if "output lost" in m]
        eq(len(lost), 1, f"one line about the output lost: {msgs}")
        check(re.match(r"wrapmon-trace: standard output was not read for [\d.]+ s after the "
                       r"signal: \d+ lines? of output lost$", lost[0]), f"{lost[0]!r}")
        check(SUMMARY.search(err), f"summary on stderr after {sig.name}: {err!r}")
    # A second Ctrl-C ends it at once, whatever the first was doing.
    # The grace alone would end it too, at 0.5 s with status 1: only the
    # second signal's own default action ends it killed by SIGINT.
    rc, err, dt = stalled_pipe([signal.SIGINT, signal.SIGINT])
    check(dt < 1.5, f"took {dt:.2f}s to end after two SIGINTs")
    eq(rc, -signal.SIGINT, f"exit after two SIGINTs 0.2 s apart ({err!r})")


def probe_links():
    """Our links that probe the target (the exit and exec tracepoints left out)."""
    kinds = {l["id"]: l.get("type") for l in json.loads(subprocess.run(
        ["bpftool", "-j", "link", "show"], capture_output=True, text=True).stdout or "[]")}
    return [i for i in our_links() if kinds.get(i) != "raw_tracepoint"]


@test
def a_trace_ended_by_duration_waits_for_its_reader_with_no_probe_left():
    # `-d 3 | sleep 25`: the end of the trace must not keep the target
    # probed while the tracer waits for a reader that takes its time.
    r, w = os.pipe()
    try:
        run = Run(w, "-d", "3", "--ring-size", "64K")
        os.close(w)
        try:
            run.start()
            check(blocked_in_write(run.p.pid), "the tracer's write waits for the reader")
            end = time.time() + 10
            while time.time() < end and probe_links():
                time.sleep(0.2)
            eq(probe_links(), [], "uprobe links once -d has ended the trace")
            check(run.p.poll() is None, "still waiting for the reader, as a pipe writer does")
            # The target runs at full speed again: its calls no longer stop in the kernel.
            run.p.send_signal(signal.SIGINT)
            rc, err = run.wait(10)
        finally:
            run.close()
    finally:
        os.close(r)
    eq(rc, 1, f"exit code once the reader is given up ({err!r})")
    check("output lost" in err, f"the loss said: {err!r}")
    m = re.search(r"^work\s+(\d+)\s+(\d+)\s", err, re.M)
    check(m, f"summary row: {err!r}")
    # Taking the probes out must not look like calls abandoned in the target.
    check(int(m.group(2)) <= 1, f"unfinished calls from the detach: {m.group(2)}")


@test
def reader_closing_the_pipe_ends_the_trace_quietly():
    # `wrapmon-trace ... | head`: the reader has what it wanted; that is no error.
    r, w = os.pipe()
    try:
        run = Run(w)
        os.close(w)
        try:
            run.start()
            with os.fdopen(os.dup(r), "rb") as f:
                head = [f.readline() for _ in range(5)]
            os.close(r)
            r = -1
            rc, err = run.wait(20)
        finally:
            run.close()
    finally:
        if r >= 0:
            os.close(r)
    for l in head[1:]:
        m = WORK.match(l)
        check(m and int(m[2]) == int(m[1]) ^ 0x5a, f"a call t_spin made: {l!r}")
    eq(rc, 0, f"exit code ({err!r})")
    eq(messages(err), [], "nothing to say")
    check(SUMMARY.search(err), f"summary on stderr: {err!r}")
    eq(our_links(), [], "links left")


@test
def a_trickle_of_calls_is_printed_while_the_target_runs():
    # A call now and then never takes the ring's backlog to the wake-up mark:
    # the consumer's poll prints each one anyway, long before the trace ends.
    t = Target("t_step")
    tr = Tracer("-p", str(t.pid), "-f", "step")
    waits = []
    try:
        tr.wait_ready()
        t.go()
        for n in range(1, 6):
            want = f" step(n={n}) = {3 * n}  <".encode()
            t0 = time.time()
            t.p.stdin.write("x\n")
            t.p.stdin.flush()
            while want not in os.pread(tr.out.fileno(), 1 << 20, 0) and time.time() < t0 + 5:
                time.sleep(0.005)
            waits.append(round(time.time() - t0, 3))
            check(want in os.pread(tr.out.fileno(), 1 << 20, 0),
                  f"call {n} printed while the target runs (after {waits})")
        t.finish()
        rc, out, err = tr.wait()
    finally:
        tr.kill()
        t.kill()
    eq(rc, 0, f"exit code ({err!r})")
    eq(t.lines(), [[str(n), str(3 * n)] for n in range(1, 6)], "calls the target logged")
    eq(len(re.findall(rb" step\(n=\d+\) = ", out)), 5, "each call printed once")
    check(max(waits) < 1, f"each call printed within a second of it: {waits} s")
