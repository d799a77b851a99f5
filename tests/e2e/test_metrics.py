# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""--metrics: scrapes against the target's counts, hostile clients, bad
addresses, and a real Prometheus server storing what it scraped."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import test, check, eq, Fail, Target, Tracer, our_links, bad, OUT


_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse_exposition(text):
    """[(name, {label: value}, float)] of a text exposition; raises on a bad line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        check(m, f"exposition line: {line!r}")
        labels, rest = {}, m.group(2) or ""
        while rest:
            lm = _LABEL_RE.match(rest)
            check(lm, f"labels in {line!r}")
            v = lm.group(2)
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1), v)
            rest = rest[lm.end():]
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def scrape(addr, path="/metrics", timeout=5):
    with urllib.request.urlopen(f"http://{addr}{path}", timeout=timeout) as r:
        eq(r.status, 200, "HTTP status")
        eq(r.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8",
           "Content-Type")
        return r.read().decode("utf-8")


def sample(samples, name, **labels):
    got = [v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]
    check(len(got) == 1, f"{name}{labels}: {len(got)} samples")
    return got[0]


def metrics_addr(tr):
    m = re.search(rb"serving metrics at http://([^/]+)/metrics", tr.err)
    check(m, f"metrics address on stderr: {tr.err!r}")
    return m.group(1).decode()


def target_round(t, first=False):
    """Start a round of calls (the first is 'go') and wait for the target's 'done'."""
    if first:
        t.go()
    else:
        t.p.stdin.write("more\n")
        t.p.stdin.flush()
    line = t.p.stdout.readline()
    check(line.startswith("done "), f"target round: {line!r}")


def logged(t, what):
    """Total of the target's 'ROUND what N' log lines."""
    return sum(int(l[2]) for l in t.lines() if l[1] == what)


def wait_for_calls(addr, want, timeout=5.0):
    """Scrape until wrapmon_calls_total{function=f} == n for every f in want."""
    end = time.time() + timeout
    while True:
        samples = parse_exposition(scrape(addr))
        got = {f: sample(samples, "wrapmon_calls_total", function=f) for f in want}
        if got == {f: float(n) for f, n in want.items()}:
            return samples
        check(time.time() < end, f"calls scraped {got}, target made {want}")
        time.sleep(0.1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@test
def metrics_scrape_counts_match_the_target():
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        check(addr.startswith("127.0.0.1:"), f"loopback address {addr}")
        target_round(t, first=True)
        want = {"tick": logged(t, "tick"), "tock": logged(t, "tock")}
        eq(want, {"tick": 250, "tock": 37}, "calls logged")
        samples = wait_for_calls(addr, want)
        exe = os.path.realpath(os.path.join(OUT, "targets", "t_metrics"))
        for f, n in want.items():
            lab = {"function": f, "object": exe, "pid": str(t.pid)}
            eq(sample(samples, "wrapmon_calls_total", **lab), n, f"{f} calls with all labels")
            eq(sample(samples, "wrapmon_unfinished_total", **lab), 0, f"{f} unfinished")
            eq(sample(samples, "wrapmon_dropped_total", **lab), 0, f"{f} dropped")
            eq(sample(samples, "wrapmon_call_latency_seconds_count", **lab), n, f"{f} histogram count")
            buckets = sorted((float(l["le"]), v) for name, l, v in samples
                             if name == "wrapmon_call_latency_seconds_bucket" and l["function"] == f)
            eq(len(buckets), 26, f"{f} buckets")
            eq(buckets[-1], (float("inf"), n), f"{f} +Inf bucket = count")
            check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), f"{f} cumulative")
            check(sample(samples, "wrapmon_call_latency_seconds_sum", **lab) > 0, f"{f} sum")
        # Every fifth tock sleeps 1.5 ms: those are above the 1.048575 ms bound.
        slow = logged(t, "slow")
        le_1ms = [v for n, l, v in samples if n == "wrapmon_call_latency_seconds_bucket"
                  and l["function"] == "tock" and l["le"] == "0.001048575"][0]
        check(le_1ms <= 37 - slow, f"tock calls <= 1 ms: {le_1ms}, {slow} slept 1.5 ms")
        check(sample(samples, "wrapmon_records_total") >= 287, "records read")
        eq(sample(samples, "wrapmon_bad_records_total"), 0, "bad records")
        eq(sample(samples, "wrapmon_ring_buffer_size_bytes"), 4 << 20, "ring size")
        check(sample(samples, "wrapmon_process_cpu_seconds_total") > 0, "cpu seconds")
        check(sample(samples, "wrapmon_process_resident_memory_bytes") > 1 << 20, "rss")
        check(sample(samples, "wrapmon_scrape_duration_seconds") < 1, "scrape duration")
        # Prometheus's own linter (in the same Debian package) accepts the exposition.
        lint = subprocess.run(["promtool", "check", "metrics"], input=scrape(addr),
                              capture_output=True, text=True)
        eq((lint.returncode, lint.stdout + lint.stderr), (0, ""), "promtool check metrics")
        for path, code in (("/", 404), ("/metrics/x", 404)):
            try:
                scrape(addr, path)
                raise Fail(f"{path}: 200")
            except urllib.error.HTTPError as e:
                eq(e.code, code, f"status of {path}")
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://{addr}/metrics", data=b"x"),
                                   timeout=5)
            raise Fail("POST answered 200")
        except urllib.error.HTTPError as e:
            eq(e.code, 405, "status of POST")
        t.finish()
        rc, out, err = tr.wait(10)
    finally:
        tr.kill()
        t.kill()
    eq(rc, 0, f"exit code ({err})")
    text = out.decode()
    eq(sum(1 for l in text.splitlines() if " tick(i=" in l), 250, "tick lines streamed")
    check(re.search(r"^tock\s+37\s+0\s+0\s", text, re.M), "summary row for tock")


@test
def metrics_slow_and_malformed_clients_do_not_block():
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    socks = []
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        host, port = addr.rsplit(":", 1)

        def client(data):
            c = socket.create_connection((host, int(port)), timeout=5)
            if data:
                c.sendall(data)
            socks.append(c)
            return c

        # Silent, half a request line, a TLS hello, a request never read, a huge header.
        client(b"")
        client(b"GET /metr")
        client(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n")
        client(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        client(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 200000)
        t0 = time.time()
        target_round(t, first=True)
        samples = wait_for_calls(addr, {"tick": 250, "tock": 37})
        check(time.time() - t0 < 3, f"scrape with stalled clients took {time.time() - t0:.1f}s")
        # More idle connections than the server keeps (128): each new one evicts the
        # oldest, a scrape still gets in, and the tracer streams on regardless.
        for _ in range(140):
            try:
                client(b"")
            except OSError:
                break
        t0 = time.time()
        scrape(addr, timeout=10)
        check(time.time() - t0 < 2.5, f"scrape past 128 connections took {time.time() - t0:.1f}s")
        target_round(t)
        eq(logged(t, "tick"), 500, "ticks after two rounds")
        deadline = time.time() + 5
        while True:
            tr.out.seek(0)
            n = tr.out.read().count(b" tick(i=")
            if n == 500 or time.time() > deadline:
                break
            time.sleep(0.1)
        eq(n, 500, "calls streamed while the HTTP server is saturated")
        for c in socks[1:]:
            c.close()
        del socks[1:]
        wait_for_calls(addr, {"tick": 500, "tock": 74})
        # Ctrl-C with a client still connected: the server stops, nothing waits on it.
        client(b"GET /metrics HTTP/1.1\r\n")
        t_int = time.time()
        tr.p.send_signal(signal.SIGINT)
        rc, out, err = tr.wait(10)
        check(time.time() - t_int < 3, f"SIGINT took {time.time() - t_int:.1f}s")
        eq(our_links(), [], "links left")
        check(t.p.poll() is None, "target untouched")
    finally:
        for c in socks:
            c.close()
        tr.kill()
        t.finish()
        t.kill()
    eq(rc, 0, f"exit code ({err})")
    check(re.search(r"^tick\s+500\s+0\s+0\s", out.decode(), re.M), "summary row for tick")


@test
def metrics_bad_address_or_port_in_use_one_line_nothing_attached():
    bad(["-p", "1", "-f", "x", "--metrics", "9464"], r"--metrics '9464' has no port")
    bad(["-p", "1", "-f", "x", "--metrics", "example.org:9464"], r"not a numeric IPv4 address")
    bad(["-p", "1", "-f", "x", "--metrics", "::1:9464"], r"in brackets")
    t = Target("t_metrics")
    busy = socket.socket()
    try:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        bad(["-p", str(t.pid), "-f", "tick", "--metrics", f"127.0.0.1:{port}"],
            rf"^wrapmon-trace: cannot serve metrics on 127\.0\.0\.1:{port}: the port is in use; "
            r"pick another with --metrics ADDR:PORT$")
        check(t.p.poll() is None, "target untouched")
    finally:
        busy.close()
        t.finish()
        t.kill()


def prometheus_query(base, q):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.loads(r.read())
    eq(body.get("status"), "success", f"query {q}")
    return [(x["metric"], float(x["value"][1])) for x in body["data"]["result"]]


@test
def prometheus_server_stores_the_calls_the_target_made():
    # A real Prometheus (Debian's package, installed by tests/e2e/install-prometheus.sh)
    # on loopback, with its own config and storage, scraping wrapmon every second.
    prom_bin = subprocess.run(["sh", "-c", "command -v prometheus"], capture_output=True,
                              text=True).stdout.strip()
    check(prom_bin, "prometheus not installed: run tests/e2e/install-prometheus.sh")
    d = tempfile.mkdtemp(prefix="wm-e2e-prom-")
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    prom = None
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        target_round(t, first=True)
        want = {"tick": logged(t, "tick"), "tock": logged(t, "tock")}
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: wrapmon\n    static_configs:\n"
                    f"      - targets: ['{addr}']\n")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(os.path.join(d, "prometheus.log"), "w") as log:
            prom = subprocess.Popen([prom_bin, f"--config.file={d}/prometheus.yml",
                                     f"--storage.tsdb.path={d}/data",
                                     f"--web.listen-address=127.0.0.1:{port}",
                                     "--log.level=warn"],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.time() + 15
        got = {}
        while time.time() < deadline:
            check(prom.poll() is None, "prometheus exited: " +
                  open(os.path.join(d, "prometheus.log")).read()[-800:])
            try:
                got = {f: [v for _, v in prometheus_query(
                    base, f'wrapmon_calls_total{{function="{f}",pid="{t.pid}"}}')] for f in want}
                if got == {f: [float(n)] for f, n in want.items()}:
                    break
            except (OSError, urllib.error.URLError):
                pass  # not listening yet
            time.sleep(0.3)
        eq(got, {f: [float(n)] for f, n in want.items()}, "calls stored by Prometheus")
        eq([v for _, v in prometheus_query(base, 'up{job="wrapmon"}')], [1.0], "target up")
        eq([v for _, v in prometheus_query(
            base, 'wrapmon_call_latency_seconds_count{function="tick"}')], [250.0],
           "histogram count stored")
        q = prometheus_query(
            base, 'histogram_quantile(0.5, wrapmon_call_latency_seconds_bucket{function="tock"})')
        check(len(q) == 1 and 0 < q[0][1] < 1, f"histogram_quantile over our buckets: {q}")
    finally:
        if prom is not None and prom.poll() is None:
            prom.terminate()
            try:
                prom.wait(10)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        t.finish()
        tr.wait(10)
        tr.kill()
        t.kill()
        subprocess.run(["rm", "-rf", d])


@test
def metrics_trickling_clients_are_cut_after_10s_and_never_hold_every_slot():
    # 64 clients that each send one more header line every second and never
    # finish: the idle timeout never fires for them. Scrapes must still be
    # answered at once, and each of them must be cut 10 s after it connected.
    import threading
    t = Target("t_metrics")
    tr = Tracer("-p", str(t.pid), "-f", "tick", "-f", "tock", "--metrics", "127.0.0.1:0")
    slow = []  # {"sock", "opened", "closed", "sent"}
    stop = threading.Event()
    lock = threading.Lock()

    def trickle():
        import select
        while not stop.is_set():
            with lock:
                live = [c for c in slow if c["closed"] is None]
            readable = select.select([c["sock"] for c in live], [], [], 0.05)[0] if live else []
            now = time.time()
            for c in live:
                try:
                    if c["sock"] in readable and not c["sock"].recv(4096):
                        c["closed"] = now
                    elif now - c["last"] >= 1:
                        c["sock"].sendall(b"X-Slow-%d: a\r\n" % c["sent"])
                        c["sent"] += 1
                        c["last"] = now
                except OSError:
                    c["closed"] = now
            if not live:
                time.sleep(0.05)

    th = threading.Thread(target=trickle, daemon=True)
    try:
        tr.wait_ready()
        addr = metrics_addr(tr)
        host, port = addr.rsplit(":", 1)
        target_round(t, first=True)
        wait_for_calls(addr, {"tick": 250, "tock": 37})
        th.start()
        for i in range(64):
            try:
                s = socket.create_connection((host, int(port)), timeout=10)
                s.sendall(b"GET /metrics HTTP/1.1\r\n")
            except OSError as e:
                raise Fail(f"slow client {i} could not connect: {e}")
            with lock:
                slow.append({"sock": s, "opened": time.time(), "closed": None, "sent": 0,
                             "last": time.time()})
        # Every slow client has sent a few lines by now: they hold their connections.
        time.sleep(3)
        with lock:
            early = [round(c["closed"] - c["opened"], 1) for c in slow if c["closed"]]
        eq(early, [], "slow clients cut before 10 s")
        target_round(t)

        def timed_scrape():
            t0 = time.time()
            try:
                text = scrape(addr, timeout=10)
            except OSError as e:
                raise Fail(f"scrape with 64 slow clients failed after "
                           f"{time.time() - t0:.1f}s: {e}")
            took = time.time() - t0
            check(took <= 2.5, f"scrape with 64 slow clients took {took:.1f}s")
            return parse_exposition(text)

        deadline = time.time() + 10
        while True:
            samples = timed_scrape()
            got = {f: sample(samples, "wrapmon_calls_total", function=f) for f in ("tick", "tock")}
            if got == {"tick": 500.0, "tock": 74.0} or time.time() > deadline:
                break
            time.sleep(0.2)
        eq(got, {"tick": 500.0, "tock": 74.0}, "calls scraped while 64 slow clients are connected")
        # Each slow client is cut 10 s after it connected, though it kept sending.
        end = max(c["opened"] for c in slow) + 15
        while time.time() < end:
            with lock:
                if all(c["closed"] for c in slow):
                    break
            time.sleep(0.2)
        stop.set()
        th.join(5)
        kept = [c["sent"] for c in slow if c["closed"] is None]
        eq(kept, [], "lines sent by slow clients still open 15 s after connecting")
        life = sorted(c["closed"] - c["opened"] for c in slow)
        check(life[0] >= 9, f"a slow client was cut after {life[0]:.1f}s, before the 10 s limit")
        check(life[-1] <= 12, f"a slow client was cut only after {life[-1]:.1f}s (limit 10 s)")
        check(min(c["sent"] for c in slow) >= 7,
              f"slow clients kept sending: {sorted(c['sent'] for c in slow)[:5]} lines")
        # The tracer kept tracing throughout, and serves on.
        target_round(t)
        wait_for_calls(addr, {"tick": 750, "tock": 111})
        deadline = time.time() + 5
        while True:
            tr.out.seek(0)
            n = tr.out.read().count(b" tick(i=")
            if n == 750 or time.time() > deadline:
                break
            time.sleep(0.1)
        eq(n, 750, "calls streamed while slow clients were connected")
        tr.p.send_signal(signal.SIGINT)
        rc, out, err = tr.wait(10)
        eq(our_links(), [], "links left")
    finally:
        stop.set()
        for c in slow:
            c["sock"].close()
        tr.kill()
        t.finish()
        t.kill()
    eq(rc, 0, f"exit code ({err})")
    check(re.search(r"^tick\s+750\s+0\s+0\s", out.decode(), re.M), "summary row for tick")
