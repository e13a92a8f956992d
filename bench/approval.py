#!/usr/bin/env python
"""CPU and wall time of one SKP approval (the ``skp-review`` task completed with SETUJUI) through the API.

A script: it prints, never fails on time. On a fresh database (SQLite temp file, or the PostgreSQL
URL given, whose tables it drops and rebuilds: use a schema of its own) the Kepala Dinas's SKP is
approved by the Sekda, rolled back and submitted again, ``--runs`` times (plus one warm-up);
``time.process_time`` and the wall clock are taken around the approve call only. Then the outbox
runs and its CPU per archive is printed (the rendering the approval no longer does; wkhtmltopdf's
own CPU is a child process and not in ``process_time``).

    cd /work/wt/<yours> && PYTHONPATH=$PWD python3 bench/approval.py [--runs 5] [--url URL] [--tiny]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app import create_app  # noqa: E402
from core.db import make_engine, write_transaction  # noqa: E402
from app.kinerja.demo import load_demo  # noqa: E402
from app.migrate import drop_everything, upgrade  # noqa: E402
from conftest import Api, find  # noqa: E402
from test_skp_api import JPT_RHK, create_and_submit, only_task  # noqa: E402
from workflows.definitions import deploy, read_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="")
    parser.add_argument("--tiny", action="store_true", help="smoke run (CI): one run after the warm-up")
    args = parser.parse_args()
    if args.tiny:
        args.runs = 1
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/approval.db"
    engine = make_engine(url)
    drop_everything(engine)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "PASSWORD_HASH_FAST": True, "SECRET_KEY": "bench",
                      "JOBS_AFTER_RESPONSE": False})
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, read_dir(Path(app.config["BPMN_DIR"])))
    accounts = load_demo(session, 2026, fast_hash=True)
    session.close()
    client = app.test_client()
    kadis, sekda = Api(client, find(accounts, "Kepala Dinas")["nip"]), Api(client, find(accounts, "Sekretaris Daerah")["nip"])
    admin = Api(client, next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    skp_id = create_and_submit(kadis, [JPT_RHK])
    cpu, wall = [], []
    for i in range(args.runs + 1):
        task = only_task(sekda, "skp-review")
        c0, w0 = time.process_time(), time.perf_counter()
        r = sekda.post(f"/tasks/{task['id']}/complete", json={"data": {"keputusan": "SETUJUI", "catatan": ""}})
        c1, w1 = time.process_time(), time.perf_counter()
        assert r.status_code == 200, r.get_json()
        if i:  # the first one warms caches
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
        assert admin.post(f"/skp/{skp_id}/rollback", json={"reason": "bench"}).status_code == 200
        editor = only_task(kadis, "skp-editor")
        data = kadis.get(f"/tasks/{editor['id']}").get_json()["data"]
        assert kadis.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200
    print(f"{url.split(':')[0]}: approve CPU median {statistics.median(cpu) * 1000:.0f} ms "
          f"(runs {', '.join(f'{x * 1000:.0f}' for x in cpu)}), wall median {statistics.median(wall) * 1000:.0f} ms")
    from app import jobs

    c0 = time.process_time()
    report = jobs.run_due(app.extensions["db_sessionmaker"], "bench")
    c1 = time.process_time()
    print(f"  outbox afterwards: {report}, CPU {(c1 - c0) * 1000 / max(report['done'], 1):.0f} ms per archive")
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
