#!/usr/bin/env python
"""Benchmark of timer firing: our scheduler (1 and 2 processes, PostgreSQL and SQLite) against
bare SpiffWorkflow firing the same timers in memory. A script: it prints figures, never fails.

For each database: N instances of tests/bpmn/timer_kinds.bpmn#uji_timer_tanggal wait on a date
timer; then ``ekinerja scheduler --once --job timers`` runs as one process, and again (fresh
instances) as two processes side by side. Printed: wall time, timers/s, and the ratio to bare
SpiffWorkflow (``refresh_timers`` + ``do_engine_steps`` on N in-memory workflows, no database).

    cd /work/main && python bench/timers.py [--n 1000 | --tiny] [--pg-url URL | --skip-pg]

PostgreSQL runs in a schema of its own (``bench_timers_<pid>``) of the ``--pg-url`` database, dropped afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contextlib import nullcontext  # noqa: E402

from sqlalchemy import text  # noqa: E402

from measure import DEFAULT_PG, pg_schema  # noqa: E402
DUE = "2030-01-01T08:00:00"
NOW = "2030-01-02T00:00:00"


def prepare(url: str, n: int) -> None:
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.migrate import drop_everything, upgrade
    from workflows.definitions import deploy, read_dir
    from workflows.instances import start_instance

    from app.kinerja import bindings

    bindings.load()  # registers services the diagrams may use

    engine = make_engine(url)
    drop_everything(engine)
    upgrade(engine)
    session = make_sessionmaker(engine)()
    with write_transaction(session):
        deploy(session, read_dir(ROOT / "tests" / "bpmn"))
        for i in range(n):
            start_instance(session, "uji_timer_tanggal", f"bench:{i}", {"tenggat": DUE}, None)
    session.close()
    engine.dispose()


def run_schedulers(url: str, processes: int, workdir: str) -> tuple[float, list[dict]]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "EKINERJA_NOW": NOW, "PYTHONPATH": str(ROOT)}
    started, cpu0 = time.perf_counter(), _children_cpu()
    procs = [subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler", "--once", "--job", "timers"],
                              cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(processes)]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"scheduler exited with {proc.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1])["timers"])
    return time.perf_counter() - started, results, _children_cpu() - cpu0


def _children_cpu() -> float:
    """CPU seconds (user + system) of the child processes that ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def startup_seconds(url: str, workdir: str) -> tuple[float, float]:
    """One scheduler --once with nothing due: process start, imports, app, one empty round (wall, CPU s)."""
    elapsed, _, cpu = run_schedulers(url, 1, workdir)
    return elapsed, cpu


def check_once(url: str, n: int) -> str:
    from core.db import make_engine
    engine = make_engine(url)
    with engine.connect() as conn:
        fired = conn.execute(text("select count(*), count(distinct instance_id) from instance_event "
                                  "where kind = 'timer_fired'")).one()
        left = conn.execute(text("select count(*) from timer")).scalar()
    engine.dispose()
    return f"fired events {fired[0]} over {fired[1]} instances (expected {n}), timers left {left}"


def bare(n: int) -> float:
    """Bare SpiffWorkflow: the same diagram, N workflows waiting on the timer, fired in memory."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    from workflows import clock

    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(ROOT / "tests" / "bpmn" / "timer_kinds.bpmn")])
    spec = parser.get_spec("uji_timer_tanggal")
    clock.reset()
    workflows = []
    for _ in range(n):
        wf = BpmnWorkflow(spec)
        wf.get_tasks()[0].data["tenggat"] = DUE
        wf.task_tree.data["tenggat"] = DUE
        for t in wf.get_tasks():
            t.data["tenggat"] = DUE
        wf.do_engine_steps()
        workflows.append(wf)
    clock.set(NOW)
    started = time.perf_counter()
    for wf in workflows:
        wf.refresh_timers()
        wf.do_engine_steps()
    elapsed = time.perf_counter() - started
    assert all(wf.is_completed() for wf in workflows)
    clock.reset()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --n 5, one scheduler process, "
                                                        "no start-up run")
    args = ap.parse_args()
    n = 5 if args.tiny else args.n
    workdir = tempfile.mkdtemp(prefix="bench-timers-")
    urls = {"SQLite": nullcontext(f"sqlite:///{workdir}/bench.db")}
    if not args.skip_pg:
        urls["PostgreSQL"] = pg_schema(args.pg_url, "bench_timers")  # a schema of its own, dropped afterwards

    bare_s = bare(n)
    print(f"bare SpiffWorkflow, in memory: {n} timers in {bare_s:.3f} s = {n / bare_s:,.0f} timers/s")
    for name, database in urls.items():
        with database as url:
            prepare(url, 0)
            # tiny: no separate start-up run (each scheduler process costs seconds to start); nothing subtracted
            base, base_cpu = (0.0, 0.0) if args.tiny else startup_seconds(url, workdir)
            print(f"\n{name}: scheduler process start + empty round: {base:.2f} s, CPU {base_cpu:.2f} s "
                  "(subtracted below)")
            for processes in (1,) if args.tiny else (1, 2):  # tiny: each scheduler process costs seconds to start
                prepare(url, n)
                elapsed, results, cpu = run_schedulers(url, processes, workdir)
                work = max(elapsed - base, 1e-9)
                work_cpu = max(cpu - processes * base_cpu, 0.0)
                fired = [r["dijalankan"] for r in results]
                print(f"  {processes} process(es): {sum(fired)} fired {fired}, wall {elapsed:.2f} s, "
                      f"firing {work:.2f} s = {n / work:,.0f} timers/s, CPU {work_cpu * 1000 / n:.1f} ms per timer; "
                      f"bare/ours = {(n / bare_s) / (n / work):,.0f}x")
                print(f"    {check_once(url, n)}")


if __name__ == "__main__":
    main()
