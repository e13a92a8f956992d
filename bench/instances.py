#!/usr/bin/env python
"""Benchmark of the admin console's instance list on PostgreSQL with 1,000,000 instances.

A script, not a test: it prints figures and plans, never fails on time. In a schema of its own
(``bench_admin_<pid>``, dropped at the end) it builds the schema with our migrations, deploys the
shipped diagrams, and generates with ``INSERT … SELECT generate_series``: 34 instansi, 100 unor
each, 340,000 pegawai, N instances (default 1,000,000) over the three processes with a realistic
status mix (about 70 % completed, 20 % waiting, 5 % error, 3 % suspended, 2 % terminated), one
open human task with its candidate per waiting instance, and the ``instance_element`` row of each
unfinished instance. Then it times the list's real queries (``workflows.search``: the page query
and its count) for a few typical filters and prints the index use of each plan.

    cd /work/main && python bench/instances.py [--n 1000000] [--pg-url URL] [--reps 5] [--tiny]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from measure import DEFAULT_PG  # noqa: E402

INSTANSI, UNOR_PER_INSTANSI, PEGAWAI = 34, 100, 340_000


def generate(session, n: int, pegawai: int = PEGAWAI) -> dict:
    """Fill the tables; returns a few ids the queries use."""
    from workflows.models import HumanTask, HumanTaskCandidate, Instance, InstanceElement, ProcessDefinition

    definitions = {d.process_id: d.id for d in session.query(ProcessDefinition)}
    skp, periodik, tahunan = definitions["skp_perencanaan"], definitions["evaluasi_periodik"], \
        definitions["evaluasi_tahunan"]
    statements = [
        f"""INSERT INTO instansi (id, kode, nama, jenis, lokasi)
            SELECT i, 'I' || i, 'Instansi ' || i, 'DAERAH', '' FROM generate_series(1, {INSTANSI}) i""",
        f"""INSERT INTO unor (id, instansi_id, parent_id, kode, nama, aktif)
            SELECT u, (u - 1) / {UNOR_PER_INSTANSI} + 1, NULL, 'U' || u, 'Unit ' || u, true
            FROM generate_series(1, {INSTANSI * UNOR_PER_INSTANSI}) u""",
        f"""INSERT INTO pegawai (id, instansi_id, nip, jenis_asn, nama, gelar_depan, gelar_belakang, pangkat,
                                 golongan_ruang, status_kepegawaian)
            SELECT p, (p - 1) % {INSTANSI} + 1, '19' || lpad(p::text, 16, '0'), 'PNS', 'Pegawai Bench ' || p, '', '', '',
                   '', 'AKTIF' FROM generate_series(1, {pegawai}) p""",
        # status by i % 100: 0-69 completed, 70-89 waiting, 90-94 error, 95-97 suspended, 98-99 terminated
        f"""INSERT INTO instance (id, definition_id, process_id, business_key, status, version, state,
                                  serializer_version, schema_version, created_at, updated_at, instansi_id, unor_id,
                                  subject_pegawai_id, waiting_since)
            SELECT i, d.def_id, d.pid, 'bench:' || i, s.status, 1, '\\x00'::bytea, '1.5', 1,
                   now() - (i % 400) * interval '1 day', now() - (i % 300) * interval '1 day',
                   p.instansi_id, (p.instansi_id - 1) * {UNOR_PER_INSTANSI} + (p.id % {UNOR_PER_INSTANSI}) + 1, p.id,
                   CASE WHEN s.status IN ('completed', 'terminated') THEN NULL
                        ELSE now() - ((i::bigint * 7919) % 120) * interval '1 day' - (i % 1440) * interval '1 minute' END
            FROM generate_series(1, {n}) i
            CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 < 70 THEN 'completed' WHEN i % 100 < 90 THEN 'waiting'
                                            WHEN i % 100 < 95 THEN 'error' WHEN i % 100 < 98 THEN 'suspended'
                                            ELSE 'terminated' END AS status) s
            CROSS JOIN LATERAL (SELECT CASE i % 3 WHEN 0 THEN {skp} WHEN 1 THEN {periodik} ELSE {tahunan} END AS def_id,
                                       CASE i % 3 WHEN 0 THEN 'skp_perencanaan' WHEN 1 THEN 'evaluasi_periodik'
                                                  ELSE 'evaluasi_tahunan' END AS pid) d
            JOIN pegawai p ON p.id = (i % {pegawai}) + 1""",
        f"""INSERT INTO human_task (id, instance_id, bpmn_id, name, title, lane, form_key, assignee_id, in_inbox,
                                   created_at)
            SELECT md5(i.id::text)::uuid::text, i.id,
                   CASE WHEN i.id % 2 = 0 THEN 'Task_PeriksaSkp' ELSE 'Task_SusunSkp' END,
                   'Tugas', '', 'Pejabat Penilai', 'konfirmasi',
                   ((i.subject_pegawai_id * 31) % {pegawai}) + 1, true, i.waiting_since
            FROM instance i WHERE i.status = 'waiting'""",
        """INSERT INTO human_task_candidate (human_task_id, pegawai_id)
            SELECT id, assignee_id FROM human_task""",
        """INSERT INTO instance_element (id, instance_id, definition_id, instansi_id, bpmn_id, state, since)
            SELECT md5('e' || i.id)::uuid::text, i.id, i.definition_id, i.instansi_id,
                   CASE WHEN i.status = 'error' THEN 'Service_AjukanSkp'
                        WHEN i.id % 2 = 0 THEN 'Task_PeriksaSkp' ELSE 'Task_SusunSkp' END,
                   CASE WHEN i.status = 'error' THEN 'error' ELSE 'waiting' END, i.waiting_since
            FROM instance i WHERE i.status IN ('waiting', 'error', 'suspended')""",
    ]
    timings = []
    # Bulk load without the secondary indexes of the big tables, then build them (as a restore would).
    indexes = [ix for table in (Instance.__table__, InstanceElement.__table__, HumanTask.__table__,
                                HumanTaskCandidate.__table__) for ix in table.indexes]
    for ix in indexes:
        session.execute(text(f"DROP INDEX {ix.name}"))
    for sql in statements:
        started = time.perf_counter()
        session.execute(text(sql))
        table = sql.split("INTO", 1)[1].split()[0]
        timings.append((table, time.perf_counter() - started))
    started = time.perf_counter()
    for ix in indexes:
        ix.create(session.connection())
    timings.append((f"{len(indexes)} indexes", time.perf_counter() - started))
    session.commit()
    started = time.perf_counter()
    with session.get_bind().connect() as conn:  # what autovacuum does soon after a bulk load
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    timings.append(("VACUUM ANALYZE", time.perf_counter() - started))
    return {"timings": timings, **facts(session)}


def facts(session) -> dict:
    """Ids the queries use: the skp_perencanaan definition and the pegawai most tasks wait for."""
    from workflows.models import ProcessDefinition

    skp = session.query(ProcessDefinition.id).filter(ProcessDefinition.process_id == "skp_perencanaan").scalar()
    busy = session.execute(text(
        "SELECT c.pegawai_id, count(*) FROM human_task_candidate c GROUP BY 1 ORDER BY 2 DESC LIMIT 1")).first()
    return {"skp": skp, "busy_pegawai_id": busy[0], "busy_tasks": busy[1]}


def explain(session, query) -> tuple[float, list[str]]:
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    lines = [r[0] for r in session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
    scans = [line.strip().split("  (")[0].lstrip("-> ") for line in lines
             if "Scan" in line or "Sort" in line.split("(")[0]]
    total = next((float(line.split("Execution Time:")[1].split()[0]) for line in lines if "Execution Time" in line), 0)
    return total, scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pegawai", type=int, default=PEGAWAI, help=f"pegawai generated (default {PEGAWAI:,})")
    parser.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --n 1000 --pegawai 3400 --reps 1")
    parser.add_argument("--keep", action="store_true", help="keep the generated schema (to rerun with --schema)")
    parser.add_argument("--schema", help="time the queries on a schema kept by --keep, without generating")
    args = parser.parse_args()
    if args.tiny:
        args.n, args.pegawai, args.reps = 1000, 3400, 1

    import app.kinerja  # noqa: F401 - registers lanes, forms and services the diagrams use
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.kinerja.org import Pegawai
    from app.migrate import upgrade
    from workflows import clock, search
    from workflows.definitions import deploy, read_dir
    from sqlalchemy import select

    schema = args.schema or f"bench_admin_{os.getpid()}"
    admin = make_engine(args.pg_url)
    if not args.schema:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in args.pg_url else "?"
    engine = make_engine(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}")
    started_all = time.perf_counter()
    try:
        session = make_sessionmaker(engine)()
        if not args.schema:
            upgrade(engine)
            with write_transaction(session):
                deploy(session, read_dir(ROOT / "bpmn"))
        print(f"# {time.strftime('%Y-%m-%dT%H:%M:%S%z')}  PostgreSQL "
              f"{session.execute(text('show server_version')).scalar()}  schema {schema}  cpus {os.cpu_count()}")
        if args.schema:
            info = facts(session)
        else:
            started = time.perf_counter()
            info = generate(session, args.n, args.pegawai)
            print(f"generated {args.n:,} instances in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{t} {s:.1f} s" for t, s in info["timings"]))
        sizes = session.execute(text(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() "
            "AND relname IN ('instance', 'human_task', 'human_task_candidate', 'instance_element', 'pegawai') "
            "ORDER BY relname")).all()
        print("tables: " + "; ".join(f"{r[0]} {r[1]:,} rows {r[2]}" for r in sizes))
        busy_nip = session.scalar(select(Pegawai.nip).where(Pegawai.id == info["busy_pegawai_id"]))
        clock.reset()
        cases = [
            ("admin kinerja: own instansi, waiting > 30 days, longest first", dict(instansi_id=7, status="waiting",
                                                                                  lebih_dari_hari=30)),
            ("admin kinerja: own instansi, every status, page 1", dict(instansi_id=7)),
            ("admin kinerja: own instansi, errors, newest change first", dict(instansi_id=7, ada_error=True,
                                                                             urut="diubah", arah="desc")),
            ("superadmin: errors everywhere, longest first", dict(status="error")),
            ("superadmin: one definition, waiting at Task_PeriksaSkp > 14 days",
             dict(definition_id=info["skp"], elemen="Task_PeriksaSkp", elemen_status="waiting", lebih_dari_hari=14)),
            (f"superadmin: tasks waiting on one person ({info['busy_tasks']} tasks)", dict(menunggu_nip=busy_nip)),
            ("superadmin: pegawai by NIP", dict(pegawai=busy_nip)),
            ("superadmin: pegawai by part of the name", dict(pegawai="bench 123456")),
            ("superadmin: unor, suspended", dict(unor_id=250, status="suspended")),
            ("superadmin: everything, page 200 (offset 9,950)", dict(halaman=200)),
        ]
        print(f"\nThe list: page query + its count, {args.reps} runs each after one warm-up (ms); "
              "EXPLAIN ANALYZE of the page query")
        print("| filter | matches | page min | page median | count median | plan (page query) |")
        print("|---|---|---|---|---|---|")
        for label, kwargs in cases:
            scope = kwargs.pop("instansi_id", None)
            f = search.Filter(instansi_id=scope, **kwargs)
            session.execute(search.page_query(f)).all()
            page_times, count_times = [], []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                session.execute(search.page_query(f)).all()
                t1 = time.perf_counter()
                total = search.count(session, f)
                t2 = time.perf_counter()
                page_times.append((t1 - t0) * 1000)
                count_times.append((t2 - t1) * 1000)
            _, scans = explain(session, search.page_query(f))
            print(f"| {label} | {total:,} | {min(page_times):.1f} | {statistics.median(page_times):.1f} | "
                  f"{statistics.median(count_times):.1f} | {'; '.join(dict.fromkeys(scans))} |")
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            search.find(session, search.Filter(status="waiting"))
            times.append((time.perf_counter() - t0) * 1000)
        print(f"\nsearch.find (page + elements + who the tasks wait for + count), waiting, superadmin: "
              f"median {statistics.median(times):.1f} ms")
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            counts = search.element_counts(session, info["skp"], 7, None)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"element_counts (badges) of skp_perencanaan, all instansi: median {statistics.median(times):.1f} ms "
              f"({sum(c['menunggu'] + c['error'] for c in counts.values()):,} instances counted)")
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            search.element_counts(session, info["skp"], 7, 7)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"element_counts of skp_perencanaan, one instansi: median {statistics.median(times):.1f} ms")
        session.close()
    finally:
        engine.dispose()
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
        print(f"\nschema {schema} {'kept' if args.keep else 'dropped'}; "
              f"whole run {time.perf_counter() - started_all:.0f} s")


if __name__ == "__main__":
    main()
