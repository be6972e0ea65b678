#!/usr/bin/env python3
"""benches/starvation.py - abuse measurements of a searchward binary (not a test: figures only).

Two scenarios, on loopback, against a small upstream started here (stdlib HTTP server):

  starvation  One client (127.0.0.1) keeps thousands of silent connections open and keeps opening
              more, while a well-behaved client from another address (127.0.0.2; loopback has all
              of 127/8) measures the latency of GET /healthz on the admin listener and of a search
              through the proxy, each on a fresh connection. Run without the flood (baseline),
              with it under the default per-client limits, and with it with the per-client
              connection limit lifted (what the limit buys; the flood then takes the global
              max_connections slots, and the probe's searches past them are answered 503).
  memory      CONCURRENT clients fetch a BIG_MB inspected search answer at once; the proxy's peak
              RSS (VmHWM from /proc/PID/status) and the answers (200 whole / 503 shed) are
              reported, under the default buffered-bytes budget and with it lifted.

Usage: python3 benches/starvation.py [--bin target/debug/searchward] [--only starvation|memory]
Knobs: --flood 5000 --samples 300 --concurrent 60 --big-mb 7
Every answer is checked: a search must return the upstream's hits, a big answer its exact bytes.
"""

import argparse
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- upstream ------------------------------------------------------------------------------------
def make_answer(target_bytes):
    hits, size, i = [], 0, 0
    while size < target_bytes:
        hit = {"title": f"Garden tips {i}", "url": f"https://garden.example/tips/{i}",
               "snippet": "Sow early, water often, and keep the rake handy."}
        size += len(json.dumps(hit)) + 1
        hits.append(hit)
        i += 1
    return json.dumps({"total": len(hits), "hits": hits}).encode()


SMALL = make_answer(300)


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out as separate writes: without this, Nagle and the proxy's delayed ACK
    # add 40 ms to every answer.
    disable_nagle_algorithm = True
    big = b""

    def do_GET(self):
        body = self.big if self.path.startswith("/big") else SMALL
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_upstream(big):
    Upstream.big = big
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    server.request_queue_size = 1024
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- searchward ----------------------------------------------------------------------------------
class Searchward:
    def __init__(self, binary, upstream_port, limits):
        self.dir = tempfile.TemporaryDirectory()
        config = os.path.join(self.dir.name, "searchward.toml")
        routes = ""
        for name, path in (("search", "/search"), ("big", "/big")):
            routes += (f'[[routes]]\nname = "{name}"\npath = "{path}"\nkind = "search"\n'
                       'engine = "generic"\n[routes.generic]\nhits = "/hits"\ntotal = "/total"\n'
                       'url = "/url"\ntitle = "/title"\n')
        with open(config, "w") as f:
            f.write(f'[server]\nworkers = 2\n[upstream]\nurl = "http://127.0.0.1:{upstream_port}"\n'
                    f"[limits]\n{limits}\n{routes}"
                    f'[[lists]]\nname = "terms"\nkind = "terms"\npath = "{ROOT}/lists/terms.txt"\n')
        self.proc = subprocess.Popen(
            [binary, "serve", "--config", config, "--listen", "127.0.0.1:0",
             "--admin-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "RUST_LOG": "warn"})
        line = self.proc.stdout.readline()
        m = re.search(r"proxy=http://([\d.]+):(\d+) admin=http://([\d.]+):(\d+)", line)
        if not m:
            raise SystemExit(f"no listening line: {line!r}")
        self.proxy = (m.group(1), int(m.group(2)))
        self.admin = (m.group(3), int(m.group(4)))
        deadline = time.time() + 30
        while fetch(self.admin, "/readyz", timeout=5)[0] != 200:
            if time.time() > deadline:
                raise SystemExit("searchward not ready")
            time.sleep(0.05)

    def vm_hwm_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        _, body = fetch(self.admin, "/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
        return None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


# --- HTTP client (fresh connection per request) ----------------------------------------------------
def fetch(addr, path, source=None, timeout=30):
    """Returns (status, body); status 0 on a connection error or timeout."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect(addr)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            chunks.append(c)
    except OSError:
        return 0, b""
    finally:
        s.close()
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 0, b""


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def probe(sw, samples, budget_s):
    """The well-behaved client: alternating /healthz and a search from 127.0.0.2."""
    lat = {"healthz": [], "search": []}
    errors = {"healthz": 0, "search": 0, "search 503": 0}
    end = time.time() + budget_s
    for i in range(samples):
        if time.time() > end:
            break
        for kind, addr, path in (("healthz", sw.admin, "/healthz"),
                                 ("search", sw.proxy, "/search?q=garden")):
            t = time.perf_counter()
            status, body = fetch(addr, path, source="127.0.0.2", timeout=15)
            ms = (time.perf_counter() - t) * 1e3
            ok = status == 200 and (kind == "healthz" or body == SMALL)
            if ok:
                lat[kind].append(ms)
            elif kind == "search" and status == 503:
                errors["search 503"] += 1
            else:
                errors[kind] += 1
                errors.setdefault("statuses", []).append(status)
    return lat, errors


class Flood:
    """127.0.0.1 keeps up to `n` silent connections open and keeps opening new ones (dropping
    the oldest), so the proxy sees a steady stream of new connections from one address."""

    def __init__(self, addr, n):
        self.addr, self.n = addr, n
        self.stop_flag = threading.Event()
        self.opened = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        held = []
        while not self.stop_flag.is_set():
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind(("127.0.0.1", 0))
                s.connect_ex(self.addr)
            except OSError:
                s.close()
                time.sleep(0.01)
                continue
            held.append(s)
            self.opened += 1
            if len(held) > self.n:
                held.pop(0).close()
            if self.opened < self.n:
                continue
            time.sleep(0.001)
        for s in held:
            s.close()

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def starvation(args):
    up = start_upstream(b"")
    rows = []
    cases = [
        ("no flood (baseline)", "", False),
        (f"flood of {args.flood} from one address, default limits", "", True),
        (f"flood of {args.flood}, per-client connection limit lifted",
         "per_client_connections = 1000000", True),
    ]
    for name, limits, flood in cases:
        sw = Searchward(args.bin, up.server_address[1], limits)
        f = None
        if flood:
            f = Flood(sw.proxy, args.flood)
            while f.opened < args.flood:
                time.sleep(0.05)
            time.sleep(1)
        lat, errors = probe(sw, args.samples, budget_s=60)
        shed = (sw.metric('searchward_shed_total{reason="client_connections"}'),
                sw.metric('searchward_shed_total{reason="connections"}'))
        opened = f.opened if f else 0
        if f:
            f.stop()
        sw.stop()
        row = (name, lat, errors, shed, opened)
        rows.append(row)
        report_starvation(row)
    up.shutdown()
    return rows


def report_starvation(row):
    name, lat, errors, shed, opened = row
    parts = [name + ":"]
    for kind in ("healthz", "search"):
        xs = lat[kind]
        parts.append(f"{kind} n={len(xs)} p50={pct(xs, 50):.2f}ms p99={pct(xs, 99):.2f}ms "
                     f"max={max(xs) if xs else float('nan'):.2f}ms errors={errors[kind]}")
    parts.append(f"search 503={errors['search 503']}")
    if errors.get("statuses"):
        parts.append(f"failed statuses (0: no answer)={errors['statuses']}")
    parts.append(f"flood connections opened={opened} shed(client_connections)={shed[0]} "
                 f"shed(connections)={shed[1]}")
    print("  ".join(parts), flush=True)


def memory(args):
    big = make_answer(args.big_mb * 1000 * 1000)
    up = start_upstream(big)
    # A generous response deadline: a debug build takes seconds to judge 60 big answers.
    slow = "response_timeout_ms = 120000"
    cases = [("default budget (256 MiB)", slow),
             ("budget lifted (64 GiB)", f"{slow}\nmax_buffered_bytes = {64 << 30}")]
    for name, limits in cases:
        sw = Searchward(args.bin, up.server_address[1], limits)
        before = sw.vm_hwm_kib()
        results = [None] * args.concurrent
        start = threading.Barrier(args.concurrent)

        def one(i):
            start.wait()
            results[i] = fetch(sw.proxy, "/big?q=garden", source="127.0.0.2", timeout=180)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.concurrent)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        whole = sum(1 for s, b in results if s == 200 and b == big)
        shed = sum(1 for s, _ in results if s == 503)
        other = sorted(s for s, b in results if s != 503 and not (s == 200 and b == big))
        deadline = time.time() + 30
        while sw.metric("searchward_buffered_bytes") != 0 and time.time() < deadline:
            time.sleep(0.05)
        after = sw.metric("searchward_buffered_bytes")
        print(f"{name}: {args.concurrent} x {len(big) / 1e6:.1f} MB inspected answers at once: "
              f"{whole} whole, {shed} shed 503, other statuses {other}; peak RSS {sw.vm_hwm_kib() / 1024:.0f} MiB "
              f"(idle {before / 1024:.0f} MiB); buffered bytes after: {after}", flush=True)
        sw.stop()
    up.shutdown()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/debug/searchward"))
    ap.add_argument("--only", choices=["starvation", "memory"])
    ap.add_argument("--flood", type=int, default=5000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--concurrent", type=int, default=60)
    ap.add_argument("--big-mb", type=int, default=7)
    args = ap.parse_args()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"binary {args.bin}, commit {commit}, {os.cpu_count()} CPUs", flush=True)
    if args.only in (None, "starvation"):
        starvation(args)
    if args.only in (None, "memory"):
        memory(args)


if __name__ == "__main__":
    sys.exit(main())
