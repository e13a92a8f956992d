#!/usr/bin/env python
"""Benchmark of the process engine: our persisted ``complete_task`` against bare SpiffWorkflow.

A script, not a test: it never fails on time, it prints figures side by side.

1. Ours, with persistence: ``workflows.instances.complete_task`` on SQLite (a temp file, WAL)
   and on PostgreSQL, driving the real SKP planning process of the demo instansi:
   draft-save -> submit -> return (KEMBALIKAN with catatan) -> submit -> approve (SETUJUI).
   PDF/DOCX archiving at approval is replaced by a no-op (measured once, separately).
2. Bare SpiffWorkflow 3.2.0 in memory on the same diagram and path (no database).
3. The ratio bare / ours.
4. Stored bytes per instance after approval, next to SpiffWorkflow's default serialize_json.

The VM has scheduling stalls (see /work/shared/spiffworkflow.md §8): read minima and medians;
"robust" throughput = completions per path / sum of the per-step medians.

    cd /work/main && python bench/engine.py [--n 20] [--pg-url URL | --skip-pg]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import sqlite3
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
import SpiffWorkflow  # noqa: E402,F401
from sqlalchemy import func, select, text  # noqa: E402

from measure import DEFAULT_PG, SqlCounter, Steps, pg_schema, pg_unreachable  # noqa: E402
TAHUN = 2026
PROCESS = "skp_perencanaan"
BPMN = ROOT / "bpmn" / "skp_perencanaan.bpmn"
STEPS = ("draft", "submit", "return", "submit2", "approve")  # complete_task calls per SKP
COMPLETING = ("submit", "return", "submit2", "approve")       # the calls that complete a user task
# Roots of the pegawai trees used, in order: Kepala Dinas Kominfo, then Kepala BKD (both JPT Pratama).
LEADERS = ("197103151997031002", "197002101995032001")


# ------------------------------------------------------------------ small helpers

def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(seconds):
    return f"{seconds * 1000:.2f}"


def cpu_control(reps=80):
    """A fixed ~2.5 ms pure-CPU loop: shows how noisy the machine is right now (ms: min/median/p95/max)."""
    def work():
        x = 0
        for i in range(40000):
            x += i * i
        return x
    work()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        work()
        t.append(time.perf_counter() - t0)
    return f"min {ms(min(t))} / median {ms(statistics.median(t))} / p95 {ms(pct(t, 95))} / max {ms(max(t))} ms"


def register_app_parts():
    """What create_app does for the engine, without Flask: roles, forms, services, forms dir, templates."""
    from app.kinerja import bindings
    from app import models  # noqa: F401
    from app.documents import skp as skp_document
    from workflows import forms

    bindings.load()  # the roles, relations, forms, services and jobs of the diagrams
    forms.set_forms_dir(ROOT / "bpmn" / "forms")
    skp_document.configure(ROOT / "document_templates", os.environ.get("WKHTMLTOPDF") or "wkhtmltopdf")


# ------------------------------------------------------------------ payloads (api.md "Task data")

EKSPEKTASI = {"BERORIENTASI_PELAYANAN": "Responsif terhadap keluhan pengguna layanan", "AKUNTABEL": "",
              "KOMPETEN": "", "HARMONIS": "", "LOYAL": "", "ADAPTIF": "", "KOLABORATIF": ""}


def editor_payload(is_jpt: bool, atasan_rhk: list[int], ajukan: bool, ids: list | None = None) -> dict:
    """Two RHK (UTAMA, TAMBAHAN) x three IKI, with lampiran; ``ids`` sends back RHK/IKI ids after a save."""
    rhk = []
    for r, jenis in enumerate(("UTAMA", "TAMBAHAN")):
        iki = []
        for k, (aspek, persp, ind, target) in enumerate((
                ("KUANTITAS", "PENERIMA_LAYANAN", "Jumlah laporan monitoring", "12 Laporan"),
                ("KUALITAS", "PROSES_BISNIS", "Persentase laporan tanpa revisi", "90 %"),
                ("WAKTU", "PENGUATAN_INTERNAL", "Ketepatan waktu penyampaian", "12 Bulan"))):
            item = {"indikator": f"{ind} ({jenis.lower()})", "target": target}
            item["perspektif" if is_jpt else "aspek"] = persp if is_jpt else aspek
            if ids:
                item["id"] = ids[r][1][k]
            iki.append(item)
        row = {"jenis": jenis, "deskripsi": f"Tersusunnya laporan monitoring layanan {r + 1}", "iki": iki}
        if is_jpt:
            row.update(klasifikasi="ORGANISASI", penugasan_dari="")
        else:
            row["rhk_atasan_id"] = atasan_rhk[r % len(atasan_rhk)]
        if ids:
            row["id"] = ids[r][0]
        rhk.append(row)
    return {"pendekatan": "KUANTITATIF", "rhk": rhk, "ajukan": ajukan,
            "lampiran": {"dukungan_sumber_daya": ["Laptop", "Akses internet"],
                         "skema_pertanggungjawaban": ["Laporan bulanan kepada atasan"],
                         "konsekuensi": ["Teguran lisan bila target tidak tercapai"]}}


REVIEW_RETURN = {"keputusan": "KEMBALIKAN", "catatan": "Target IKI kualitas perlu diperjelas",
                 "ekspektasi_khusus": EKSPEKTASI}
REVIEW_APPROVE = {"keputusan": "SETUJUI", "catatan": "", "ekspektasi_khusus": EKSPEKTASI}
# What our form handlers put into the task data for each completing step (used by the bare run).
TASK_DATA = {"submit": {"ajukan": True}, "return": {"keputusan": "KEMBALIKAN", "catatan": REVIEW_RETURN["catatan"]},
             "submit2": {"ajukan": True}, "approve": {"keputusan": "SETUJUI", "catatan": ""}}


# ------------------------------------------------------------------ ours, with persistence

def plan_pegawai(accounts: list[dict], n: int) -> list[tuple[str, int, int]]:
    """(nip, tahun, depth) in an order where every penilai's SKP is approved before the subordinates'.

    The trees under the Kepala Dinas Kominfo and the Kepala BKD (30 SKP holders: the Sekda,
    who has no penilai, only approves). Above 30, the same order is repeated for the next years.
    """
    penilai = {a["nip"]: a["pejabat_penilai_nip"] for a in accounts}
    depth = {}

    def depth_of(nip):
        if nip in LEADERS:
            return 0
        if nip not in depth:
            up = penilai.get(nip)
            depth[nip] = None if up is None else (None if depth_of(up) is None else depth_of(up) + 1)
        return depth[nip]

    tree = []
    for root_i, root in enumerate(LEADERS):
        for a in accounts:
            d = depth_of(a["nip"])
            if d is None:
                continue
            r = a["nip"]
            while r not in LEADERS:
                r = penilai[r]
            if r == root:
                tree.append((root_i, d, a["nip"]))
    tree.sort(key=lambda x: (x[0], x[1]))
    order = []
    year = TAHUN
    while len(order) < n:
        for _root, d, nip in tree:
            if len(order) == n:
                break
            order.append((nip, year, d))
        year += 1
    return order


def prepare_database(url: str, recreate: bool = True):
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.kinerja.demo import load_demo
    from app.migrate import drop_everything, upgrade
    from workflows.definitions import deploy, read_dir

    engine = make_engine(url)
    t0 = time.perf_counter()
    if recreate:
        drop_everything(engine)
    upgrade(engine)
    Session = make_sessionmaker(engine)
    with Session() as session:
        with write_transaction(session):
            deploy(session, read_dir(ROOT / "bpmn"))
        accounts = load_demo(session, TAHUN, fast_hash=True)
    return engine, Session, accounts, time.perf_counter() - t0


def run_ours(label: str, url: str, n: int, recreate: bool) -> dict:
    from core.db import write_transaction
    from app.kinerja import org
    from app.kinerja.cascade import allowed_rhk_atasan
    from app.kinerja.skp import Iki, Rhk, Skp
    from app.kinerja.skp_lifecycle import buat_skp
    from workflows.instances import by_business_key, complete_task
    from workflows.models import HumanTask

    engine, Session, accounts, setup_s = prepare_database(url, recreate)
    counter = SqlCounter(engine)
    order = plan_pegawai(accounts, n)
    with Session() as s:
        ids = {p.nip: p.id for p in s.scalars(select(org.Pegawai))}
        penilai_id = {a["nip"]: ids.get(a["pejabat_penilai_nip"]) for a in accounts}

    lat = {k: [] for k in STEPS}
    cpu = {k: [] for k in STEPS}
    sql = {k: [] for k in STEPS}
    starts = []
    skps = []  # (skp_id, instance_id)
    wall_total = 0.0

    def open_task(session, instance_id, bpmn_id):
        return session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                         HumanTask.bpmn_id == bpmn_id))

    def call(step, task_id, actor, data):
        nonlocal wall_total
        c0 = counter.count
        t0, p0 = time.perf_counter(), time.process_time()
        with Session() as session:
            result = complete_task(session, task_id, actor, data)
        dt_ = time.perf_counter() - t0
        cpu[step].append(time.process_time() - p0)
        wall_total += dt_
        lat[step].append(dt_)
        sql[step].append(counter.count - c0)
        return result

    # Waves: (year, depth) in order; everyone in a wave has a penilai whose SKP is approved already.
    waves = []
    for item in order:
        key = (item[1], item[2])
        if not waves or waves[-1][0] != key:
            waves.append((key, []))
        waves[-1][1].append(item[0])
    for (tahun, _depth), nips in waves:
        batch = []
        for nip in nips:
            with Session() as session:
                pegawai = session.get(org.Pegawai, ids[nip])
                t0 = time.perf_counter()
                with write_transaction(session):
                    skp = buat_skp(session, pegawai, tahun, "KUANTITATIF", pegawai.id)
                starts.append(time.perf_counter() - t0)
                atasan = [r.id for r in allowed_rhk_atasan(session, skp)] if not skp.is_jpt else []
                inst = by_business_key(session, f"skp:{skp.id}")
                batch.append(dict(nip=nip, skp_id=skp.id, is_jpt=skp.is_jpt, atasan=atasan, instance_id=inst.id,
                                  actor=ids[nip], penilai=penilai_id[nip]))
        # step-major inside a wave: all drafts, then all submits, ...
        for b in batch:
            with Session() as s:
                tid = open_task(s, b["instance_id"], "Task_SusunSkp")
            call("draft", tid, b["actor"], editor_payload(b["is_jpt"], b["atasan"], False))
            with Session() as s:
                rows = s.scalars(select(Rhk).where(Rhk.skp_id == b["skp_id"]).order_by(Rhk.urutan)).all()
                b["ids"] = [(r.id, [k.id for k in s.scalars(select(Iki).where(Iki.rhk_id == r.id)
                                                            .order_by(Iki.urutan))]) for r in rows]
        for step, bpmn_id, who, payload in (
                ("submit", "Task_SusunSkp", "actor", None), ("return", "Task_PeriksaSkp", "penilai", REVIEW_RETURN),
                ("submit2", "Task_SusunSkp", "actor", None), ("approve", "Task_PeriksaSkp", "penilai", REVIEW_APPROVE)):
            for b in batch:
                with Session() as s:
                    tid = open_task(s, b["instance_id"], bpmn_id)
                data = payload or editor_payload(b["is_jpt"], b["atasan"], True, b["ids"])
                call(step, tid, b[who], data)
        skps.extend((b["skp_id"], b["instance_id"]) for b in batch)

    with Session() as s:
        statuses = dict(s.execute(select(Skp.status, func.count()).group_by(Skp.status)).all())
    result = dict(label=label, url=url, n=len(order), setup_s=setup_s, lat=lat, cpu=cpu, sql=sql, starts=starts,
                  wall=wall_total, skps=skps, statuses=statuses, engine=engine, Session=Session,
                  dialect=engine.dialect.name)
    result["sizes"] = stored_sizes(result)
    return result


def stored_sizes(res: dict) -> dict:
    from workflows.definitions import specs_of
    from workflows.models import HumanTask, HumanTaskCandidate, Instance, InstanceEvent
    from workflows.scripting import Engine
    from workflows.store import SERIALIZER, load_state

    out = {k: [] for k in ("state", "json", "ht", "htc", "ev", "default_json", "default_gz", "pg_bytes")}
    pg = res["dialect"] == "postgresql"
    with res["Session"]() as s:
        for _skp_id, iid in res["skps"]:
            inst = s.get(Instance, iid)
            out["state"].append(s.scalar(select(func.length(Instance.state)).where(Instance.id == iid)))
            out["json"].append(len(gzip.decompress(inst.state)))
            ht_ids = list(s.scalars(select(HumanTask.id).where(HumanTask.instance_id == iid)))
            out["ht"].append(len(ht_ids))
            out["htc"].append(s.scalar(select(func.count()).select_from(HumanTaskCandidate)
                                       .where(HumanTaskCandidate.human_task_id.in_(ht_ids))) if ht_ids else 0)
            out["ev"].append(s.scalar(select(func.count()).select_from(InstanceEvent)
                                      .where(InstanceEvent.instance_id == iid)))
            spec, subs = specs_of(inst.definition)
            wf = load_state(inst.state, spec, subs, Engine())
            out["default_json"].append(len(SERIALIZER.serialize_json(wf).encode()))
            out["default_gz"].append(len(SERIALIZER.serialize_json(wf, use_gzip=True)))
            if pg:
                q = text("select (select pg_column_size(i.*) from instance i where i.id=:i)"
                         " + coalesce((select sum(pg_column_size(h.*)) from human_task h where h.instance_id=:i),0)"
                         " + coalesce((select sum(pg_column_size(c.*)) from human_task_candidate c join human_task h"
                         "   on h.id=c.human_task_id where h.instance_id=:i),0)"
                         " + coalesce((select sum(pg_column_size(e.*)) from instance_event e where e.instance_id=:i),0)")
                out["pg_bytes"].append(int(s.execute(q, {"i": iid}).scalar()))
    return out


def real_archive(res: dict) -> dict:
    """One real archive rendering (wkhtmltopdf + docxtpl) of the first approved SKP, as the outbox job does."""
    import app.documents.skp as docmod
    from app.kinerja.skp import Skp

    skp_id = res["skps"][0][0]
    with res["Session"]() as s:
        skp = s.get(Skp, skp_id)
        try:
            t0 = time.perf_counter()
            files = {fmt: docmod.render(s, skp, fmt) for fmt in ("pdf", "docx")}
            took = time.perf_counter() - t0
            sizes = {fmt: len(content) for fmt, content in files.items()}
            return {"s": took, "sizes": sizes, "jenis": skp.jenis_skp}
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            return {"error": f"{exc.__class__.__name__}: {str(exc)[:160]}"}
        finally:
            s.rollback()


# ------------------------------------------------------------------ through the API (issue 15 goal 2)

def run_api(label: str, url: str, years: int) -> dict:
    """Submit and approve through the JSON API (Flask test client): SQL statements and CPU per request.

    The two JPT leaders (their penilai is the Sekda) create an SKP per year, submit it in one request (editor
    data with ``ajukan``), and the Sekda approves it. Only the two completing requests are measured; each
    includes its bearer-token check."""
    from app import create_app
    from app.kinerja.demo import DEMO_PASSWORD

    engine, _Session, accounts, _setup = prepare_database(url, recreate=True)
    engine.dispose()
    flask_app = create_app({"DATABASE_URL": url, "TESTING": True, "PASSWORD_HASH_FAST": True,
                            "SECRET_KEY": "bench"})
    steps = Steps(SqlCounter(flask_app.extensions["db_engine"]))
    client = flask_app.test_client()
    penilai = {a["nip"]: a["pejabat_penilai_nip"] for a in accounts}

    def headers(nip):
        response = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    def task_of(who, business_key):
        return next(t["id"] for t in client.get("/api/v1/tasks", headers=who).get_json()
                    if t["business_key"] == business_key)

    def complete(step, who, task_id, data):
        with steps.step(step):
            response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=who, json={"data": data})
        assert response.status_code == 200, response.get_json()

    for tahun in range(TAHUN, TAHUN + years):
        for nip in LEADERS:
            own, boss = headers(nip), headers(penilai[nip])
            created = client.post("/api/v1/skp", headers=own, json={"tahun": tahun, "pendekatan": "KUANTITATIF"})
            assert created.status_code == 201, created.get_json()
            key = f"skp:{created.get_json()['id']}"
            complete("submit", own, task_of(own, key), editor_payload(True, [], True))
            complete("approve", boss, task_of(boss, key), REVIEW_APPROVE)
    flask_app.extensions["db_engine"].dispose()
    return {"label": label, "steps": steps}


# ------------------------------------------------------------------ clients side by side (issue 15 goal 1)

def _client(url: str, ids: dict, plan: list[dict], barrier, out) -> None:
    """One client process: drive its first SKP through submit -> return -> submit -> approve untimed (caches
    warm), wait for the other clients, then drive the others; send back (completions, wall s, CPU s)."""
    from core.db import make_engine, make_sessionmaker
    from workflows.instances import complete_task
    from workflows.models import HumanTask

    engine = make_engine(url)
    Session = make_sessionmaker(engine)
    def drive(b):
        for bpmn_id, who, payload in (("Task_SusunSkp", "actor", None), ("Task_PeriksaSkp", "penilai", REVIEW_RETURN),
                                      ("Task_SusunSkp", "actor", None), ("Task_PeriksaSkp", "penilai", REVIEW_APPROVE)):
            with Session() as session:
                task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == b["instance_id"],
                                                                    HumanTask.bpmn_id == bpmn_id))
                complete_task(session, task_id, ids[b[who]], payload or editor_payload(True, [], True))
        return 4

    timed_after_warmup(drive, plan, barrier, out)
    engine.dispose()


def run_clients(url: str, per_client: int) -> dict:
    """Completions/s on PostgreSQL with 1 and with 2 client processes side by side (as ``pgbench -c 2 -j 2``
    runs two clients): each client drives SKPs of its own JPT leader (different instances, no shared lock)
    through the four completing steps; SKPs are created, and each client has driven one, before the clock
    starts."""
    from core.db import write_transaction
    from app.kinerja import org
    from app.kinerja.skp_lifecycle import buat_skp
    from workflows.instances import by_business_key

    engine, Session, accounts, _setup = prepare_database(url, recreate=True)
    penilai = {a["nip"]: a["pejabat_penilai_nip"] for a in accounts}
    with Session() as session:
        ids = {p.nip: p.id for p in session.scalars(select(org.Pegawai))}
        plans = {}
        for phase, clients in (("one", 1), ("two", 2)):
            for c in range(clients):
                nip, plan = LEADERS[c], []
                for i in range(per_client + 1):  # the first one warms the client up
                    tahun = TAHUN + 1 + (0 if phase == "one" else 35) + i  # years nobody else uses
                    with write_transaction(session):
                        skp = buat_skp(session, session.get(org.Pegawai, ids[nip]), tahun, "KUANTITATIF", ids[nip])
                    plan.append(dict(instance_id=by_business_key(session, f"skp:{skp.id}").id, actor=nip,
                                     penilai=penilai[nip]))
                plans[(phase, c)] = plan
    engine.dispose()
    return side_by_side(_client, plans, url, ids)


def side_by_side(client, plans: dict, *args) -> dict:
    """Run ``client(*args, plan, barrier, pipe)`` in 1 and then in 2 forked processes at once (``plans`` keyed
    by (phase, client number)); returns per number of processes: completions, wall s (the slowest),
    completions/s and client CPU ms per completion."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    found = {}
    for phase, clients in (("one", 1), ("two", 2)):
        pipes, procs = [], []
        barrier = context.Barrier(clients)
        for c in range(clients):
            here, there = context.Pipe()
            proc = context.Process(target=client, args=(*args, plans[(phase, c)], barrier, there))
            proc.start()
            pipes.append(here)
            procs.append(proc)
        got = [p.recv() for p in pipes]
        for proc in procs:
            proc.join()
        completions = sum(g[0] for g in got)
        wall = max(g[1] for g in got)
        found[clients] = dict(completions=completions, wall=wall, cps=completions / wall,
                              cpu_ms=sum(g[2] for g in got) / completions * 1000)
    return found


def timed_after_warmup(drive, plan: list, barrier, out) -> None:
    """Drive the plan's first item untimed (caches warm), wait for the other clients, drive the rest and send
    back (completions, wall s, CPU s)."""
    drive(plan[0])
    barrier.wait()
    t0, p0 = time.perf_counter(), time.process_time()
    done = sum(drive(item) for item in plan[1:])
    out.send((done, time.perf_counter() - t0, time.process_time() - p0))


def _bare_client(url: str, plan: list[int], barrier, out) -> None:
    """One client process of the ceiling run: per completion one transaction of two statements through the
    driver (no ORM): ``SELECT state … FOR UPDATE``, bare_complete, ``UPDATE … SET state``; the first instance
    warms up untimed. Sends back (completions, wall s, CPU s)."""
    from core.db import make_engine

    spec, subs, script_engine, _ = bare_parts()
    engine = make_engine(url)
    raw = engine.raw_connection()
    conn = raw.driver_connection

    def drive(instance_id: int) -> int:
        for step in COMPLETING:
            with conn.cursor() as cur:
                cur.execute("SELECT state FROM bare_instance WHERE id = %s FOR UPDATE", (instance_id,))
                _wf, state = bare_complete(bytes(cur.fetchone()[0]), step, spec, subs, script_engine)
                cur.execute("UPDATE bare_instance SET state = %s, version = version + 1 WHERE id = %s",
                            (state, instance_id))
            conn.commit()
        return len(COMPLETING)

    timed_after_warmup(drive, plan, barrier, out)
    raw.close()
    engine.dispose()


def run_bare_clients(url: str, per_client: int) -> dict:
    """The ceiling of any engine built on SpiffWorkflow here: bare SpiffWorkflow whose state is one row read and
    written per completion (nothing else: no tasks for an inbox, no candidates, no events, no domain rows), with
    1 and with 2 client processes side by side, as ``run_clients`` drives ours. Returns {clients: figures}."""
    from core.db import make_engine
    from workflows.store import dump_state

    spec, subs, script_engine, _ = bare_parts()
    engine = make_engine(url)
    plans = {}
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bare_instance (id serial PRIMARY KEY, version integer NOT NULL DEFAULT 1, "
                          "state bytea NOT NULL)"))
        for phase, clients in (("one", 1), ("two", 2)):
            for c in range(clients):
                plans[(phase, c)] = [
                    conn.execute(text("INSERT INTO bare_instance (state) VALUES (:s) RETURNING id"),
                                 {"s": dump_state(bare_start(spec, subs, script_engine, i))}).scalar()
                    for i in range(per_client + 1)]
    engine.dispose()
    return side_by_side(_bare_client, plans, url)


# ------------------------------------------------------------------ pgbench on the same server (issue 15 goal 1)

def pgbench_tps(url: str, seconds: int) -> tuple[float | None, str]:
    """TPS of ``pgbench -c 2 -j 2`` (TPC-B like, scale 1) in a schema of its own; (None, reason) without pgbench."""
    binary = shutil.which("pgbench")
    if binary is None:
        return None, "pgbench not installed"
    u = sqlalchemy.engine.make_url(url)
    with pg_schema(url, "bench_pgbench") as schema_url:
        schema = sqlalchemy.engine.make_url(schema_url).query["options"].split("=")[-1]
        env = {**os.environ, "PGHOST": u.host or "127.0.0.1", "PGPORT": str(u.port or 5432),
               "PGUSER": u.username or "postgres", "PGDATABASE": u.database or "postgres",
               "PGOPTIONS": f"-c search_path={schema}"}
        if u.password:
            env["PGPASSWORD"] = u.password
        subprocess.run([binary, "-i", "-s", "1", "-q"], env=env, check=True, capture_output=True)
        out = subprocess.run([binary, "-n", "-c", "2", "-j", "2", "-T", str(seconds)], env=env, check=True,
                             capture_output=True, text=True).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    return (float(match.group(1)), f"pgbench -c 2 -j 2 -T {seconds}, scale 1") if match else (None, out[-200:])


# ------------------------------------------------------------------ bare SpiffWorkflow in memory

def bare_parts():
    """The diagram parsed by SpiffWorkflow's own parser and a script engine whose services answer without side
    effects: (spec, subprocess specs, script engine, parse seconds)."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    from workflows.scripting import HELPERS

    class NoopServices(TaskDataEnvironment):
        """The diagram's helpers (date, timedelta, ...); services answer without side effects."""

        def __init__(self):
            super().__init__(dict(HELPERS))

        def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
            params = operation_params or {}
            if "status" in params:  # status_skp: the status it sets
                return json.dumps(params["status"]["value"])
            return json.dumps(1)  # kirim_notifikasi: one pegawai notified

    t0 = time.perf_counter()
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec, subs = parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)
    return spec, subs, PythonScriptEngine(environment=NoopServices()), time.perf_counter() - t0


def bare_start(spec, subs, engine, i: int):
    """A new bare instance of the diagram for SKP ``i``, run to its first user task."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    data = {"skp_id": i + 1, "pegawai_id": i + 1, "instansi_id": 1, "tahun": TAHUN, "nama_pegawai": f"Pegawai {i + 1}"}
    wf = BpmnWorkflow(spec, subs, script_engine=engine)
    wf.task_tree.data.update(data)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data)
    wf.do_engine_steps()
    return wf


def bare_complete(state: bytes, step: str, spec, subs, engine) -> tuple:
    """One bare completion with its state: load_state -> run the ready user task -> engine steps -> dump_state.
    Returns (the workflow, the new state)."""
    from SpiffWorkflow.util.task import TaskState

    from workflows.store import dump_state, load_state

    wf = load_state(state, spec, subs, engine)
    task = wf.get_next_task(state=TaskState.READY, manual=True)
    task.data.update(TASK_DATA[step])
    task.run()
    wf.do_engine_steps()
    return wf, dump_state(wf)


def run_bare(n: int, reps: int) -> dict:
    from SpiffWorkflow.util.task import TaskState

    from workflows.store import SERIALIZER, dump_state, load_state

    spec, subs, engine, parse_s = bare_parts()

    lat = {k: [] for k in COMPLETING}
    cpu = {k: [] for k in COMPLETING}        # in memory: run + engine steps
    state_cpu = {k: [] for k in COMPLETING}  # + load the stored state before and store it after
    starts = []
    final = None
    wall = 0.0
    for rep in range(reps):
        for i in range(n):
            t0 = time.perf_counter()
            wf = bare_start(spec, subs, engine, i)
            starts.append(time.perf_counter() - t0)
            state = dump_state(wf)
            for step in COMPLETING:
                s0 = time.process_time()
                wf = load_state(state, spec, subs, engine)
                task = wf.get_next_task(state=TaskState.READY, manual=True)
                t0, p0 = time.perf_counter(), time.process_time()
                task.data.update(TASK_DATA[step])
                task.run()
                wf.do_engine_steps()
                d = time.perf_counter() - t0
                cpu[step].append(time.process_time() - p0)
                state = dump_state(wf)
                state_cpu[step].append(time.process_time() - s0)
                wall += d
                lat[step].append(d)
            final = wf
    ready = [t.task_spec.bpmn_id for t in final.get_tasks(state=TaskState.READY, manual=True)]
    js = SERIALIZER.serialize_json(final)
    return dict(parse_s=parse_s, lat=lat, cpu=cpu, state_cpu=state_cpu, starts=starts, wall=wall, ready=ready, status=final.data.get("status_skp")
                or final.last_task.data.get("status_skp"),
                json=len(js.encode()), gz=len(SERIALIZER.serialize_json(final, use_gzip=True)),
                spec_bytes=len(json.dumps({"spec": json.loads(js)["spec"],
                                           "subprocess_specs": json.loads(js)["subprocess_specs"]},
                                          separators=(",", ":"))), reps=reps, n=n)


# ------------------------------------------------------------------ report

def summarize_ours(res: dict) -> dict:
    every = [x for k in STEPS for x in res["lat"][k]]
    comp = [x for k in COMPLETING for x in res["lat"][k]]
    med = {k: statistics.median(res["lat"][k]) for k in STEPS}
    return dict(calls=len(every), cps_all=len(every) / sum(every), cps_comp=len(comp) / sum(comp),
                robust_comp=len(COMPLETING) / sum(med[k] for k in COMPLETING),
                median=statistics.median(every), p95=pct(every, 95), min=min(every),
                median_comp=statistics.median(comp), p95_comp=pct(comp, 95), min_comp=min(comp), step_med=med,
                step_min={k: min(res["lat"][k]) for k in STEPS},
                step_sql={k: statistics.median(res["sql"][k]) for k in STEPS},
                step_cpu={k: statistics.median(res["cpu"][k]) for k in STEPS})


def rng(values, fmt="{:,.0f}"):
    if not values:
        return "n/a"
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return fmt.format(mid) if lo == hi else f"{fmt.format(mid)} ({fmt.format(lo)}–{fmt.format(hi)})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Engine benchmark: our complete_task on SQLite and PostgreSQL vs bare SpiffWorkflow in memory. "
                    "On PostgreSQL it works in a schema of its own (bench_engine_<pid>) of the --pg-url database, "
                    "dropped afterwards; it skips PostgreSQL when the server is unreachable.")
    ap.add_argument("--n", type=int, default=20, help="number of pegawai/SKP driven through the process (default 20; "
                                                      "above 30 the demo pegawai repeat for the next years)")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help=f"PostgreSQL database (default $TEST_DATABASE_URL or "
                                                         f"{DEFAULT_PG})")
    ap.add_argument("--skip-pg", action="store_true", help="do not run on PostgreSQL")
    ap.add_argument("--bare-reps", type=int, default=25, help="bare in-memory run: repeat the N-instance batch this "
                                                              "often (default 25) for stable medians")
    ap.add_argument("--api-years", type=int, default=3, help="API run: SKP years per leader (2 leaders; default 3)")
    ap.add_argument("--pgbench-seconds", type=int, default=10, help="duration of the pgbench run (default 10)")
    ap.add_argument("--client-skps", type=int, default=15, help="clients run: SKPs per client process, 4 "
                    "completions each (default 15)")
    ap.add_argument("--bare-client-instances", type=int, default=100, help="ceiling run: bare instances per "
                    "client process, 4 completions each (default 100)")
    ap.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --n 2 --bare-reps 1 "
                                                        "--api-years 1 --pgbench-seconds 1 --client-skps 1 "
                                                        "--bare-client-instances 2")
    args = ap.parse_args(argv)
    if args.tiny:
        args.n, args.bare_reps, args.api_years, args.pgbench_seconds, args.client_skps = 2, 1, 1, 1, 1
        args.bare_client_instances = 2

    print(f"$ cd {Path.cwd()} && python {shlex.join(sys.argv)}")
    print(f"# {dt.datetime.now().astimezone().isoformat(timespec='seconds')}  Python {platform.python_version()}  "
          f"SpiffWorkflow {_version('SpiffWorkflow')}  SQLAlchemy {sqlalchemy.__version__}  SQLite {sqlite3.sqlite_version}"
          f"  cpus {os.cpu_count()}")
    print(f"# CPU control loop before: {cpu_control()}")

    register_app_parts()
    print("# NOTE: an approval only queues its PDF+DOCX archive (app/jobs.py runs it after commit, not run here);"
          " one real archive rendering is timed separately below.")

    results = []
    tmp = tempfile.TemporaryDirectory(prefix="bench-engine-")
    sqlite_url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    results.append(run_ours("SQLite (temp file, WAL)", sqlite_url, args.n, recreate=True))
    api_results = [run_api("SQLite (temp file, WAL)", f"sqlite:///{Path(tmp.name) / 'api.db'}", args.api_years)]
    pgbench = None
    clients = bare_clients = None
    pg_note = None
    if args.skip_pg:
        pg_note = "skipped (--skip-pg)"
    else:
        pg_note = pg_unreachable(args.pg_url)
        if pg_note is None:
            with pg_schema(args.pg_url, "bench_engine") as url:
                res = run_ours("PostgreSQL", url, args.n, recreate=True)
                with res["engine"].connect() as c:
                    res["server"] = c.execute(text("show server_version")).scalar()
                res["engine"].dispose()
                api_results.append(run_api("PostgreSQL", url, args.api_years))
            results.append(res)
            with pg_schema(args.pg_url, "bench_clients") as url:
                clients = run_clients(url, args.client_skps)
            with pg_schema(args.pg_url, "bench_bare_clients") as url:
                bare_clients = run_bare_clients(url, args.bare_client_instances)
            pgbench = pgbench_tps(args.pg_url, args.pgbench_seconds)
        else:
            pg_note = "skipped: " + pg_note
    arch = real_archive(results[0])
    bare = run_bare(args.n, args.bare_reps)
    print(f"# CPU control loop after:  {cpu_control()}")

    first = results[0]
    print()
    print(f"Path per SKP: {' -> '.join(STEPS)} = {len(STEPS)} complete_task calls ({len(COMPLETING)} complete a "
          f"user task; 'draft' saves the editor form and keeps the task open).")
    print(f"Pegawai: N={first['n']} SKP of the demo instansi, tahun {TAHUN}: Kepala Dinas Kominfo (JPT) first, approved "
          "by the Sekda, then his direct reports and further down, wave by wave, so every JA/JF links its RHK "
          "(rhk_atasan_id) to its penilai's approved SKP; then the Kepala BKD tree (the Sekda has no penilai, so no SKP).")
    for r in results:
        print(f"  {r['label']}: SKP status after the run {r['statuses']}; setup (drop+upgrade+deploy+demo) "
              f"{r['setup_s']:.1f} s; buat_skp (start_instance) median {ms(statistics.median(r['starts']))} ms")
    if pg_note:
        print(f"  PostgreSQL {pg_note}")
    print(f"  Bare: parse once {ms(bare['parse_s'])} ms; {bare['reps']} x {bare['n']} instances; start median "
          f"{ms(statistics.median(bare['starts']))} ms; end state: ready {bare['ready']}, status_skp={bare['status']!r}")

    print()
    print("1-3. Throughput and latency (ms). completions/s = completions / sum of their wall times; "
          "robust = 4 / sum of per-step medians")
    hdr = ["", "calls", "calls/s (all 5 steps)", "completions/s", "robust compl/s", "median", "p95", "min",
           "ratio bare/ours"]
    rows = []
    bare_comp = [x for k in COMPLETING for x in bare["lat"][k]]
    bare_cps = len(bare_comp) / bare["wall"]
    bare_robust = len(COMPLETING) / sum(statistics.median(bare["lat"][k]) for k in COMPLETING)
    for r in results:
        s = r["summary"] = summarize_ours(r)
        rows.append([r["label"], str(s["calls"]), f"{s['cps_all']:.1f}", f"{s['cps_comp']:.1f}",
                     f"{s['robust_comp']:.1f}",
                     f"{ms(s['median'])} (compl {ms(s['median_comp'])})",
                     f"{ms(s['p95'])} (compl {ms(s['p95_comp'])})", ms(s["min"]),
                     f"{bare_cps / s['cps_comp']:.0f}x (robust {bare_robust / s['robust_comp']:.0f}x)"])
    rows.append(["bare SpiffWorkflow, memory", str(len(bare_comp)), "-", f"{bare_cps:.0f}", f"{bare_robust:.0f}",
                 ms(statistics.median(bare_comp)), ms(pct(bare_comp, 95)), ms(min(bare_comp)), "1x"])
    table(hdr, rows)

    print()
    print("Per step: wall median ms (min), CPU median ms [SQL statements per call, median]")
    hdr = ["", *STEPS]
    rows = []
    for r in results:
        s = r["summary"]
        rows.append([r["label"], *[f"{ms(s['step_med'][k])} ({ms(s['step_min'][k])}), CPU {ms(s['step_cpu'][k])} "
                                   f"[{s['step_sql'][k]:.0f}]" for k in STEPS]])
    rows.append(["bare, memory", "-", *[f"{ms(statistics.median(bare['lat'][k]))} ({ms(min(bare['lat'][k]))})"
                                        for k in COMPLETING]])
    table(hdr, rows)

    print()
    print("Goal 1: CPU per completion, ours (complete_task with its transaction) vs bare SpiffWorkflow with its state "
          "(load_state -> run -> dump_state: SpiffWorkflow's serializer, gzip JSON, spec kept out, as our row); "
          "CPU ms median; goal ours/bare <= 2")
    hdr = ["", *COMPLETING, "sum of medians", "ours/bare"]
    bare_state = {k: statistics.median(bare["state_cpu"][k]) for k in COMPLETING}
    rows = []
    for r in results:
        s = r["summary"]
        total = sum(s["step_cpu"][k] for k in COMPLETING)
        rows.append([r["label"], *[f"{ms(s['step_cpu'][k])} ({s['step_cpu'][k] / bare_state[k]:.0f}x)"
                                   for k in COMPLETING], ms(total), f"{total / sum(bare_state.values()):.1f}x"])
    rows.append(["bare + state", *[ms(bare_state[k]) for k in COMPLETING], ms(sum(bare_state.values())), "1x"])
    rows.append(["bare, memory only", *[ms(statistics.median(bare["cpu"][k])) for k in COMPLETING],
                 ms(sum(statistics.median(bare["cpu"][k]) for k in COMPLETING)), "-"])
    table(hdr, rows)
    pg_res = next((r for r in results if r["dialect"] == "postgresql"), None)
    if pgbench and pgbench[0] and pg_res:
        ours_cps = pg_res["summary"]["cps_comp"]
        print(f"  PostgreSQL completions/s (one client, sum of wall times) {ours_cps:.1f} vs {pgbench[1]}: "
              f"{pgbench[0]:.0f} TPS; ratio {ours_cps / pgbench[0]:.3f} (goal >= 0.25)")
        if clients:
            for n_clients, c in sorted(clients.items()):
                print(f"  PostgreSQL completions/s with {n_clients} client process(es) side by side: {c['cps']:.1f} "
                      f"({c['completions']} completions in {c['wall']:.2f} s, client CPU {c['cpu_ms']:.1f} ms per "
                      f"completion); ratio to pgbench {c['cps'] / pgbench[0]:.3f} (goal >= 0.25)")
        if bare_clients:
            print("  The ceiling, bare SpiffWorkflow whose state is one row (per completion: SELECT … FOR UPDATE, "
                  "load_state -> run -> dump_state, UPDATE, COMMIT through the driver; no inbox rows, events or "
                  "domain rows):")
            for n_clients, c in sorted(bare_clients.items()):
                line = (f"    {n_clients} client process(es): {c['cps']:.1f} completions/s ({c['completions']} in "
                        f"{c['wall']:.2f} s, client CPU {c['cpu_ms']:.1f} ms per completion); ratio to pgbench "
                        f"{c['cps'] / pgbench[0]:.3f}")
                if clients and n_clients in clients:
                    line += f"; ours / ceiling {clients[n_clients]['cps'] / c['cps']:.2f}"
                print(line)
    elif pg_res:
        print(f"  pgbench: {pgbench[1] if pgbench else 'not run'}")

    print()
    print("Goal 2: through the API (POST /api/v1/tasks/{id}/complete, JPT leaders, bearer token checked per request): "
          "SQL statements per request (median, max), CPU ms median; goal <= 15 statements")
    hdr = ["", "submit", "approve"]
    rows = []
    for a in api_results:
        st = a["steps"]
        rows.append([a["label"], *[f"{statistics.median(st.sql[k]):.0f} statements (max {max(st.sql[k])}), "
                                   f"CPU {statistics.median(st.cpu[k]):.1f} ms, n={len(st.sql[k])}"
                                   for k in ("submit", "approve")]])
    table(hdr, rows)

    print()
    print("4. Stored per instance after approval (median (min–max) over the N instances; bytes)")
    hdr = ["", "instance.state (gzip)", "state JSON", "human_task", "human_task_candidate", "instance_event",
           "rows on disk (pg_column_size)", "default serialize_json (gzip)"]
    rows = []
    for r in results:
        z = r["sizes"]
        rows.append([r["label"], rng(z["state"]), rng(z["json"]), rng(z["ht"]), rng(z["htc"]), rng(z["ev"]),
                     rng(z["pg_bytes"]) if z["pg_bytes"] else "n/a",
                     f"{rng(z['default_json'])} ({rng(z['default_gz'])})"])
    rows.append(["bare, memory", "-", "-", "-", "-", "-", "-", f"{bare['json']:,} ({bare['gz']:,})"])
    table(hdr, rows)
    print(f"  spec + subprocess_specs inside the default serialize_json: {bare['spec_bytes']:,} bytes (our row keeps "
          "the spec out: stored once per definition version)")
    if "error" in arch:
        print(f"  One real archive() (PDF+DOCX): FAILED {arch['error']}")
    else:
        print(f"  One real archive() (wkhtmltopdf PDF + docxtpl DOCX) of a {arch['jenis']} SKP on SQLite: "
              f"{arch['s'] * 1000:.0f} ms; dokumen_arsip content "
              + ", ".join(f"{k} {v:,}" for k, v in arch["sizes"].items())
              + f" = {sum(arch['sizes'].values()):,} bytes per approval (not stored in this run)")
    for r in results:
        r["engine"].dispose()
    tmp.cleanup()
    return 0


def table(hdr, rows):
    widths = [max(len(str(x[i])) for x in [hdr, *rows]) for i in range(len(hdr))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(hdr))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def _version(dist):
    from importlib.metadata import version
    try:
        return version(dist)
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
