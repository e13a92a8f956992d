"""Two ``ekinerja scheduler`` processes against one database fire every due timer exactly once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from core.db import write_transaction
from workflows.definitions import deploy, read_dir
from workflows.instances import start_instance
from workflows.models import Instance, InstanceEvent, Timer

ROOT = Path(__file__).resolve().parents[1]


def _start_many(factory, count):
    session = factory()
    with write_transaction(session):
        deploy(session, read_dir(ROOT / "tests" / "bpmn"))
        for n in range(count):
            start_instance(session, "uji_timer_tanggal", f"uji:{n}", {"tenggat": "2030-01-01T08:00:00"}, None)
    session.close()


def _scheduler(database_url, tmp_path, n):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "uji", "EKINERJA_NOW": "2030-01-02T00:00:00",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "scheduler", "--once", "--job", "timers"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=(tmp_path / f"scheduler{n}.log").open("w"), text=True)


def test_two_schedulers_fire_each_timer_once(app, database_url, tmp_path):
    factory = app.extensions["db_sessionmaker"]
    count = 1000 if database_url.startswith("postgresql") else 200
    _start_many(factory, count)
    session = factory()
    assert session.scalar(select(func.count()).select_from(Timer)) == count
    session.close()

    procs = [_scheduler(database_url, tmp_path, n) for n in range(2)]
    results = []
    for n, proc in enumerate(procs):
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, (tmp_path / f"scheduler{n}.log").read_text()[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1])["timers"])

    fired = [r["dijalankan"] for r in results]
    assert sum(fired) == count, results
    assert all(r["gagal"] == 0 for r in results), results
    if database_url.startswith("postgresql"):
        assert min(fired) > 0, results  # SKIP LOCKED lets both work at once instead of queueing
    session = factory()
    per_instance = session.execute(select(InstanceEvent.instance_id, func.count())
                                   .where(InstanceEvent.kind == "timer_fired")
                                   .group_by(InstanceEvent.instance_id)).all()
    assert len(per_instance) == count and {n for _, n in per_instance} == {1}
    assert session.scalar(select(func.count()).select_from(Timer)) == 0
    assert session.scalar(select(func.count()).select_from(Instance).where(Instance.status != "completed")) == 0
    workers = {e.data["worker"] for e in session.scalars(select(InstanceEvent).where(InstanceEvent.kind == "timer_fired"))}
    session.close()
    assert len(workers) == (2 if database_url.startswith("postgresql") else len([f for f in fired if f]))
