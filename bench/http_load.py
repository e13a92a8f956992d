#!/usr/bin/env python
"""HTTP benchmark (issue 15 goal 7): gunicorn serving the demo instansi on PostgreSQL, 1, 2 and 4 workers, each
at concurrency 1, 4 and 16; requests/s and p50/p95 latency of ``GET /api/v1/tasks`` (bearer token), the SKP
page ``GET /skp/<id>`` (session cookie from ``POST /masuk``) and a draft save of the SKP editor
(``POST /api/v1/tasks/<id>/complete`` with ``ajukan: false``: the task stays open).

A script: it prints figures, never fails on time. Named ``http_load.py``, not ``http.py``: ``python bench/X.py``
puts bench/ first on ``sys.path``, where an ``http.py`` would hide the standard library's ``http`` package.

Before each endpoint's cells, a warm-up (1 s at the highest concurrency, not counted) lets every worker
process compile its templates, SQL and diagram specs once. The client is a small threaded one (``http.client``, one keep-alive connection per thread, each thread acting
as its own demo pegawai with his own SKP), because it runs anywhere CI does; it shares the 2 cores with the
server, so its own CPU per request is printed too. The database is a schema of its own (``bench_http_<pid>``)
in the ``--pg-url`` database, dropped at the end; gunicorn is started and stopped by this script.

    python bench/http_load.py [--seconds 5] [--workers 1 2 4] [--concurrency 1 4 16] [--pg-url URL] [--tiny]
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEFAULT_PG, pg_schema  # noqa: E402

TAHUN = 2026
ENDPOINTS = ("GET /api/v1/tasks", "GET /skp/<id> (page)", "POST draft save")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> list[dict]:
    """Schema, diagrams and the demo instansi; returns the demo accounts."""
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.kinerja import bindings
    from app.kinerja.demo import load_demo
    from app.migrate import upgrade
    from workflows.definitions import deploy, read_dir

    bindings.load()  # the lanes, forms and services the diagrams name
    engine = make_engine(url)
    upgrade(engine)
    session = make_sessionmaker(engine)()
    with write_transaction(session):
        deploy(session, read_dir(ROOT / "bpmn"))
    accounts = load_demo(session, TAHUN, fast_hash=True)
    session.close()
    engine.dispose()
    return accounts


class Server:
    """gunicorn with N workers on a free port, on the benchmark's database."""

    def __init__(self, url: str, workers: int, workdir: str):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-http", "RATELIMIT_ENABLED": "0",
               "PYTHONPATH": str(ROOT), "DEMO_TAHUN": str(TAHUN)}
        self.log = open(Path(workdir) / f"gunicorn-{workers}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "app:create_app()"], cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.3)
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Client:
    """One keep-alive connection acting as one demo pegawai: his token, his page session, his SKP task."""

    def __init__(self, port: int, account: dict):
        self.port, self.account = port, account
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = self.cookie = self.skp_id = self.task_id = None
        self.payload: dict = {}

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: reconnect once
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise

    def api(self, method: str, path: str, data=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = None
        if data is not None:
            body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
        status, raw, _ = self.call(method, "/api/v1" + path, body, headers)
        return status, (json.loads(raw) if raw else None)

    def login(self) -> None:
        """A bearer token for the API and a logged-in page session (CSRF token from the login form)."""
        status, body = self.api("POST", "/auth/token", {"nip": self.account["nip"],
                                                       "password": self.account["password"]})
        assert status == 200, (status, body)
        self.token = body["access_token"]
        status, raw, response = self.call("GET", "/masuk")
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', raw.decode()).group(1)
        form = urllib.parse.urlencode({"nip": self.account["nip"], "kata_sandi": self.account["password"],
                                       "csrf_token": csrf}).encode()
        status, _, response = self.call("POST", "/masuk", form, {"Cookie": cookie,
                                                                  "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login of {self.account['nip']}: {status}"
        self.cookie = response.getheader("Set-Cookie", "").split(";")[0]

    def own_skp(self) -> None:
        """His SKP for the year (created once) and its open editor task, and a draft payload for it."""
        status, body = self.api("GET", f"/skp?tahun={TAHUN}&nip={self.account['nip']}")
        mine = [s for s in (body or []) if s.get("pegawai", {}).get("nip", self.account["nip"]) == self.account["nip"]]
        if status == 200 and mine:
            skp = mine[0]
        else:
            status, skp = self.api("POST", "/skp", {"tahun": TAHUN})
            assert status == 201, (status, skp)
        self.skp_id = skp["id"]
        status, tasks = self.api("GET", "/tasks")
        self.task_id = next(t["id"] for t in tasks if t["form"] == "skp-editor")
        jpt = skp.get("jenis_skp") == "JPT_PIMPINAN_UNIT"
        rhk = {"jenis": "UTAMA", "deskripsi": "Tersusunnya laporan layanan (uji beban)",
               "iki": [{"indikator": "Jumlah laporan", "target": "12 Laporan",
                        **({"perspektif": "PENERIMA_LAYANAN"} if jpt else {"aspek": "KUANTITAS"})}]}
        rhk.update({"klasifikasi": "ORGANISASI", "penugasan_dari": ""} if jpt else
                   {"rhk_atasan_text": "RHK atasan (uji beban)"})
        self.payload = {"data": {"pendekatan": "KUANTITATIF", "ajukan": False, "rhk": [rhk]}}

    def request(self, endpoint: str) -> int:
        if endpoint == ENDPOINTS[0]:
            return self.call("GET", "/api/v1/tasks", None, {"Authorization": f"Bearer {self.token}"})[0]
        if endpoint == ENDPOINTS[1]:
            return self.call("GET", f"/skp/{self.skp_id}", None, {"Cookie": self.cookie})[0]
        return self.call("POST", f"/api/v1/tasks/{self.task_id}/complete", json.dumps(self.payload).encode(),
                         {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})[0]


def load(clients: list[Client], endpoint: str, seconds: float, min_requests: int) -> dict:
    """Every client sends requests back to back until the time is up (and at least ``min_requests`` each)."""
    latencies: list[float] = []
    failures: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)

    def run(client: Client) -> None:
        mine, bad = [], {}
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(mine) < min_requests:
            t0 = time.perf_counter()
            status = client.request(endpoint)
            mine.append((time.perf_counter() - t0) * 1000)
            if not 200 <= status < 300:
                bad[status] = bad.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in bad.items():
                failures[k] = failures.get(k, 0) + v

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    cpu0 = time.process_time()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    ordered = sorted(latencies)
    return {"n": len(ordered), "rps": len(ordered) / elapsed, "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1)], "failures": failures,
            "client_cpu_ms": cpu * 1000 / len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and concurrency (default 5)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--tiny", action="store_true",
                        help="smoke run (CI): 1 worker, concurrency 1 and 2, 3 requests per client")
    args = parser.parse_args()
    min_requests = 1
    if args.tiny:
        args.seconds, args.workers, args.concurrency, min_requests = 0.0, [1], [1, 2], 3
    print(f"# {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}  cpus {os.cpu_count()}  load average "
          f"{os.getloadavg()[0]:.1f}; client and server share the machine (compare ratios, not seconds)")
    workdir = tempfile.mkdtemp(prefix="bench-http-")
    with pg_schema(args.pg_url, "bench_http") as url:
        accounts = [a for a in prepare_database(url) if a["pejabat_penilai_nip"]]
        wanted = max(args.concurrency)
        if len(accounts) < wanted:
            raise SystemExit(f"the demo has {len(accounts)} pegawai with a penilai; concurrency {wanted} needs as many")
        results: dict[tuple, dict] = {}
        for workers in args.workers:
            server = Server(url, workers, workdir)
            try:
                clients = [Client(server.port, a) for a in accounts[:wanted]]
                for c in clients:
                    c.login()
                    c.own_skp()
                for endpoint in ENDPOINTS:
                    # warm-up, not counted: every worker process compiles its templates, SQL and specs once
                    load(clients, endpoint, 0.0 if args.tiny else 1.0, 1 if args.tiny else 2)
                    for concurrency in args.concurrency:
                        r = load(clients[:concurrency], endpoint, args.seconds, min_requests)
                        results[(workers, endpoint, concurrency)] = r
                        print(f"  {workers} worker(s), {endpoint}, concurrency {concurrency}: {r['n']} requests, "
                              f"{r['rps']:.1f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, client CPU "
                              f"{r['client_cpu_ms']:.1f} ms/request"
                              + (f", non-2xx {r['failures']}" if r["failures"] else ""), flush=True)
                for c in clients:
                    c.conn.close()
            finally:
                server.stop()
    header = " | ".join(f"c={c}: req/s, p50/p95 ms" for c in args.concurrency)
    print(f"\nGoal 7: requests/s and p50/p95 latency per workers x concurrency ({args.seconds:g} s each)")
    print(f"| workers | endpoint | {header} |")
    print("|---|---|" + "---|" * len(args.concurrency))
    for workers in args.workers:
        for endpoint in ENDPOINTS:
            cells = " | ".join(f"{results[(workers, endpoint, c)]['rps']:.1f}, {results[(workers, endpoint, c)]['p50']:.0f}/"
                               f"{results[(workers, endpoint, c)]['p95']:.0f}" for c in args.concurrency)
            print(f"| {workers} | {endpoint} | {cells} |")
    failures = sum(sum(r["failures"].values()) for r in results.values())
    print(f"non-2xx answers: {failures}")


if __name__ == "__main__":
    main()
