#!/usr/bin/env python
"""Two web nodes and two schedulers on one PostgreSQL (issue 15 item 9): does throughput add up?

One database (a schema of its own in ``--pg-url``), the demo instansi, and ``--timers`` instances of
``tests/bpmn/timer_kinds.bpmn#uji_timer_tanggal`` waiting on a date timer, in two batches due on two dates.
Then, side by side in one run:

1. **one node**: one gunicorn (``--workers`` per node) under ``--concurrency`` clients saving their SKP draft
   (``POST /api/v1/tasks/<id>/complete`` with ``ajukan: false``, a write transaction through the engine) for
   ``--seconds``; then one scheduler process fires the first batch of timers;
2. **two nodes**: both gunicorn processes (two ports, each with as many clients as in 1: twice the load in all)
   for ``--seconds``; then two scheduler processes fire the second batch together.

Web load and timers take turns within a phase, so that each figure has the machine's two cores to itself.

Printed: completions/s per node and their sum, the ratio two nodes / one node, timers/s of one and two
schedulers, and the checks that hold a cluster together: every timer fired exactly once (one ``timer_fired``
event per instance, no timer row left) and no request failed. The last line is a JSON summary of the
figures. A script: it prints figures, never fails on time. The clients share the 2 cores with the servers; the
client CPU per request is printed so the reader sees what the load generator itself costs.

    PYTHONPATH=$PWD python bench/cluster.py [--seconds 10] [--timers 2000] [--concurrency 4] [--workers 1]
                                           [--pg-url URL] [--tiny]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from http_load import ENDPOINTS, Client, Server, load, prepare_database  # noqa: E402
from measure import DEFAULT_PG, pg_schema  # noqa: E402

DRAFT_SAVE = ENDPOINTS[2]
DUE = ("2030-01-01T08:00:00", "2030-02-01T08:00:00")  # batch 1, batch 2
NOW = ("2030-01-15T00:00:00", "2030-02-15T00:00:00")  # the schedulers' clock in phase 1 and 2


def start_timer_instances(url: str, n: int) -> None:
    """``n`` waiting timers, half due on each date (business keys ``cluster:<batch>:<i>``)."""
    from core.db import make_engine, make_sessionmaker, write_transaction
    from workflows.definitions import deploy, read_dir
    from workflows.instances import start_instance

    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    with write_transaction(session):
        deploy(session, {k: v for k, v in read_dir(ROOT / "tests" / "bpmn").items() if "timer_kinds" in k})
    for batch, due in enumerate(DUE, start=1):
        for first in range(0, n // 2, 100):
            with write_transaction(session):
                for i in range(first, min(first + 100, n // 2)):
                    start_instance(session, "uji_timer_tanggal", f"cluster:{batch}:{i}", {"tenggat": due}, None)
    session.close()
    engine.dispose()


def schedulers(url: str, count: int, now: str, workdir: str) -> list[subprocess.Popen]:
    """``count`` scheduler processes firing the due timers once (``ekinerja scheduler --once --job timers``)."""
    env = {**os.environ, "DATABASE_URL": with_name(url, "bench_cluster_scheduler"), "SECRET_KEY": "bench-cluster",
           "EKINERJA_NOW": now,
           "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler", "--once", "--job", "timers"], cwd=workdir,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for _ in range(count)]


def wait_schedulers(procs: list[subprocess.Popen], started: float) -> tuple[float, list[int]]:
    fired = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"a scheduler exited with {proc.returncode}")
        fired.append(json.loads(out.strip().splitlines()[-1])["timers"]["dijalankan"])
    return time.perf_counter() - started, fired


def fired_check(url: str, batch: int) -> dict:
    """How often each instance of a batch fired, and how many of its timers are left."""
    from sqlalchemy import text

    from core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        events, instances = conn.execute(text(
            "select count(*), count(distinct e.instance_id) from instance_event e join instance i "
            "on i.id = e.instance_id where e.kind = 'timer_fired' and i.business_key like :key"),
            {"key": f"cluster:{batch}:%"}).one()
        left = conn.execute(text(
            "select count(*) from timer t join instance i on i.id = t.instance_id "
            "where i.business_key like :key"), {"key": f"cluster:{batch}:%"}).scalar()
    engine.dispose()
    return {"events": events, "instances": instances, "left": left}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (a gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def backend_cpu(url: str, name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend whose connection says ``application_name`` = ``name`` (read
    from /proc: the server runs on this machine)."""
    from sqlalchemy import text

    from core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        pids = conn.execute(text("select pid from pg_stat_activity where application_name = :n"), {"n": name}).scalars()
        pids = list(pids)
    engine.dispose()
    tick, cpu = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    return cpu


def with_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def run_nodes(nodes: list[tuple[Server, list[Client]]], seconds: float, min_requests: int) -> list[dict]:
    """Load every node with its own clients at the same time; one result per node."""
    results: list[dict | None] = [None] * len(nodes)

    def drive(i: int, clients: list[Client]) -> None:
        results[i] = load(clients, DRAFT_SAVE, seconds, min_requests)

    threads = [threading.Thread(target=drive, args=(i, clients)) for i, (_, clients) in enumerate(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per phase (default 10)")
    parser.add_argument("--timers", type=int, default=2000, help="waiting timers, half fired in each phase")
    parser.add_argument("--concurrency", type=int, default=4, help="clients per node (default 4)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per node (default 1)")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--tiny", action="store_true", help="smoke run (CI): 10 timers, 2 clients, 3 requests each")
    args = parser.parse_args()
    min_requests = 1
    if args.tiny:
        args.seconds, args.timers, args.concurrency, min_requests = 0.0, 10, 2, 3
    print(f"# {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}  cpus {os.cpu_count()}  load average "
          f"{os.getloadavg()[0]:.1f}; nodes, schedulers, clients and PostgreSQL share this machine")
    workdir = tempfile.mkdtemp(prefix="bench-cluster-")
    summary: dict = {}
    with pg_schema(args.pg_url, "bench_cluster") as url:
        accounts = [a for a in prepare_database(url) if a["pejabat_penilai_nip"]]
        if len(accounts) < 2 * args.concurrency:
            raise SystemExit(f"the demo has {len(accounts)} pegawai with a penilai; 2 nodes x {args.concurrency} "
                             "clients need as many")
        start_timer_instances(url, args.timers)
        per_batch = args.timers // 2
        web_url = with_name(url, "bench_cluster_web")
        servers = [Server(web_url, args.workers, workdir), Server(web_url, args.workers, workdir)]
        try:
            nodes = []
            for n, server in enumerate(servers):
                clients = [Client(server.port, a) for a in accounts[n * args.concurrency:(n + 1) * args.concurrency]]
                for c in clients:
                    c.login()
                    c.own_skp()
                load(clients, DRAFT_SAVE, 0.0 if args.tiny else 1.0, 1)  # warm-up, not counted
                nodes.append((server, clients))

            for phase, count in ((1, 1), (2, 2)):
                cpu0 = [tree_cpu(server.process.pid) for server, _ in nodes[:count]]
                pg0 = backend_cpu(url, "bench_cluster_web")
                web = run_nodes(nodes[:count], args.seconds, min_requests)
                pg1 = backend_cpu(url, "bench_cluster_web")
                pg_ms = sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items()) * 1000 / sum(r["n"] for r in web)
                for r, (server, _), before in zip(web, nodes, cpu0):
                    r["server_cpu_ms"] = (tree_cpu(server.process.pid) - before) * 1000 / r["n"]
                # then the timers, with the web nodes idle, so that each figure has the machine to itself
                started = time.perf_counter()
                timer_wall, fired = wait_schedulers(schedulers(url, count, NOW[phase - 1], workdir), started)
                check = fired_check(url, phase)
                total = sum(r["rps"] for r in web)
                failures = sum(sum(r["failures"].values()) for r in web)
                label = "one node, one scheduler" if count == 1 else "two nodes, two schedulers"
                print(f"\n{label}:")
                for i, r in enumerate(web, start=1):
                    print(f"  node {i}: {r['n']} draft saves, {r['rps']:.1f}/s, p50 {r['p50']:.0f} ms, "
                          f"p95 {r['p95']:.0f} ms, server CPU {r['server_cpu_ms']:.1f} ms/request, client CPU {r['client_cpu_ms']:.1f} ms/request")
                print(f"  web total: {total:.1f} completions/s; non-2xx answers: {failures}; PostgreSQL backends' CPU "
                      f"{pg_ms:.1f} ms per completion")
                print(f"  scheduler(s): {sum(fired)} timers fired {fired} in {timer_wall:.2f} s "
                      f"(process start included) = {per_batch / timer_wall:.1f} timers/s")
                print(f"  exactly once: {check['events']} timer_fired events over {check['instances']} instances "
                      f"(expected {per_batch}), timers left {check['left']}")
                summary[f"phase{phase}"] = {"rps": [r["rps"] for r in web], "requests": [r["n"] for r in web],
                                            "server_cpu_ms": [r["server_cpu_ms"] for r in web], "pg_cpu_ms": pg_ms,
                                            "failures": failures, "fired": fired, "timer_wall": timer_wall,
                                            **check, "expected": per_batch}
        finally:
            for server in servers:
                server.stop()
    one, two = summary["phase1"], summary["phase2"]
    print(f"\nthroughput two nodes / one node: web {sum(two['rps']) / max(sum(one['rps']), 1e-9):.2f}x "
          f"({sum(two['rps']):.1f} vs {sum(one['rps']):.1f} completions/s), timers "
          f"{one['timer_wall'] / max(two['timer_wall'], 1e-9):.2f}x ({two['timer_wall']:.2f} vs "
          f"{one['timer_wall']:.2f} s for {per_batch} timers)")
    print("summary " + json.dumps(summary))


if __name__ == "__main__":
    main()
