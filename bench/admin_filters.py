#!/usr/bin/env python
"""Benchmark of the admin console's filters (and the pegawai's inbox) on PostgreSQL at 1,000,000 instances.

A script, not a test: it prints figures and plans, never fails on time (issue 15 goal 6: every admin filter
p95 <= 20 ms, the inbox ``GET /api/v1/tasks`` <= 5 ms server time). In a schema of its own
(``bench_admin_<pid>``, dropped at the end unless ``--keep``) it builds the schema with our migrations
(so the indexes of ``0014_admin_indexes`` are there), deploys the shipped diagrams, and generates with
``INSERT ... SELECT generate_series``: 34 instansi, 100 unor each, 340,000 pegawai with varied names, N
instances (default 1,000,000) over the three processes (about 70 % completed, 20 % waiting, 5 % error,
3 % suspended, 2 % terminated), one open human task with its candidate per waiting instance, and the
``instance_element`` row of each unfinished instance. Secondary indexes are dropped for the load and
rebuilt from their own definitions afterwards (as a restore would), then VACUUM ANALYZE.

It then times, through the real ``workflows.search`` functions, each filter's page query (``page_rows``:
50 rows joined to definition, pegawai and unor) and its count as the list shows it (``count_capped``),
p50/p95 over ``--reps`` runs after a warm-up, with the shared buffers of ``EXPLAIN (ANALYZE, BUFFERS)``
and the indexes the plan uses; and the inbox query (``inbox.tasks_for`` + the API's ``task_summary``).

    python bench/admin_filters.py [--n 1000000] [--pg-url URL] [--reps 20] [--keep | --schema NAME] [--tiny]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from measure import DEFAULT_PG  # noqa: E402

INSTANSI, UNOR_PER_INSTANSI, PEGAWAI = 34, 100, 340_000
FIRST = ["Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Joko", "Rina", "Ahmad", "Nur", "Eko", "Wati", "Dedi",
         "Yuni", "Hendra", "Lestari", "Bambang", "Ratna", "Andi", "Fitri"]
# A first name and a made-up surname of ten letters from the pegawai id (md5 digits mapped to letters), so the
# names' trigrams are as varied as real ones (all-alike synthetic names would make every trigram match).
NAME_SQL = ("(ARRAY[" + ", ".join(f"'{n}'" for n in FIRST) + "])[p % 20 + 1] || ' ' || "
            "initcap(translate(substr(md5(p::text), 1, 10), '0123456789', 'ghijklmnop'))")


def generate(session, n: int, pegawai: int = PEGAWAI) -> dict:
    """Fill the tables; returns a few ids the queries use."""
    from workflows.models import ProcessDefinition

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
            SELECT p, (p - 1) % {INSTANSI} + 1, '19' || lpad(p::text, 16, '0'), 'PNS', {NAME_SQL}, '', '', '',
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
    # Bulk load without the secondary indexes of the loaded tables (those no constraint owns, whether the models
    # or a migration made them), then build them again from their own definitions (as a restore would).
    indexes = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname "
        "WHERE i.schemaname = current_schema() AND i.tablename IN ('instance', 'instance_element', 'human_task', "
        "'human_task_candidate', 'pegawai') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)")).all()
    for name, _ in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    for sql in statements:
        started = time.perf_counter()
        session.execute(text(sql))
        table = sql.split("INTO", 1)[1].split()[0]
        timings.append((table, time.perf_counter() - started))
    started = time.perf_counter()
    for _, definition in indexes:
        session.execute(text(definition))
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


def explain(session, query) -> tuple[float, str, list[str]]:
    """Execution ms, the top node's shared buffers, and the scans of EXPLAIN (ANALYZE, BUFFERS) of a query."""
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    lines = [r[0] for r in session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
    scans = [re.sub(r"\s+", " ", line.strip().split("  (")[0].lstrip("-> ")) for line in lines
             if re.search(r"(Index|Index Only|Seq|Bitmap Heap|Bitmap Index) Scan", line)]
    buffers = next((line.strip().split("Buffers: ")[1] for line in lines if "Buffers:" in line), "-")
    total = next((float(line.split("Execution Time:")[1].split()[0]) for line in lines if "Execution Time" in line), 0)
    return total, buffers, scans


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms; p95 by the nearest rank (with few runs: the slowest but one, or the slowest)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


def timed(reps: int, call) -> list[float]:
    call()  # warm-up
    out = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--pegawai", type=int, default=PEGAWAI, help=f"pegawai generated (default {PEGAWAI:,})")
    parser.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --n 1000 --pegawai 3400 --reps 2")
    parser.add_argument("--keep", action="store_true", help="keep the generated schema (to rerun with --schema)")
    parser.add_argument("--schema", help="time the queries on a schema kept by --keep, without generating")
    args = parser.parse_args()
    if args.tiny:
        args.n, args.pegawai, args.reps = 1000, 3400, 2

    from app.kinerja import bindings

    bindings.load()  # registers lanes, forms and services the diagrams use
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
        name_part = session.scalar(select(Pegawai.nama).where(Pegawai.id == 123_457 % args.pegawai)).split()[-1][2:8]
        clock.reset()
        deep = search.Filter(halaman=200)  # page 200 of everything: where OFFSET walks 9,950 rows
        anchor = session.execute(search.page_query(deep)).all()
        cursor = search.encode_cursor(deep, anchor[0].sort_value, anchor[0].id) if anchor else None
        cases = [
            ("admin kinerja: own instansi, waiting > 30 days, longest first", dict(instansi_id=7, status="waiting",
                                                                                  lebih_dari_hari=30)),
            ("admin kinerja: own instansi, every status, page 1", dict(instansi_id=7)),
            ("admin kinerja: own instansi, errors, newest change first", dict(instansi_id=7, ada_error=True,
                                                                             urut="diubah", arah="desc")),
            ("superadmin: errors everywhere, newest change first", dict(status="error", urut="diubah", arah="desc")),
            ("superadmin: errors everywhere, longest first", dict(status="error")),
            ("superadmin: one definition, waiting at Task_PeriksaSkp > 14 days",
             dict(definition_id=info["skp"], elemen="Task_PeriksaSkp", elemen_status="waiting", lebih_dari_hari=14)),
            ("admin kinerja: own instansi, waiting at Task_PeriksaSkp > 14 days",
             dict(instansi_id=7, elemen="Task_PeriksaSkp", elemen_status="waiting", lebih_dari_hari=14)),
            (f"superadmin: tasks waiting on one person ({info['busy_tasks']} tasks)", dict(menunggu_nip=busy_nip)),
            ("superadmin: pegawai by NIP", dict(pegawai=busy_nip)),
            (f"superadmin: pegawai by part of the name ('{name_part}')", dict(pegawai=name_part)),
            ("superadmin: unor, suspended", dict(unor_id=250, status="suspended")),
            ("superadmin: everything, page 10 (OFFSET 450, the last page number)", dict(halaman=10)),
            ("superadmin: everything, page 200 through the cursor (after row 9,950)", dict(setelah=cursor)),
            ("superadmin: everything, page 200 by OFFSET 9,950 (before: no longer offered)", dict(halaman=200)),
        ]
        print(f"\nThe list: page query (page_rows) and the count the list shows (count_capped, exact up to "
              f"{search.COUNT_CAP:,}), {args.reps} runs each after one warm-up; p50/p95 ms; EXPLAIN (ANALYZE, BUFFERS) "
              "of the page query: shared buffers and scans")
        floor = timed(args.reps, lambda: session.execute(text("SELECT 1")).scalar())
        print(f"floor: a round trip of SELECT 1 from this client: p50 {percentiles(floor)[0]:.2f} ms, "
              f"p95 {percentiles(floor)[1]:.2f} ms (load average {os.getloadavg()[0]:.1f})")
        print("| filter | matches | page p50 | page p95 | count p50 | count p95 | page + count p95 | server ms "
              "(EXPLAIN ANALYZE of the page) | buffers | scans |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        worst = []
        for label, kwargs in cases:
            scope = kwargs.pop("instansi_id", None)
            f = search.Filter(instansi_id=scope, **kwargs)
            page = timed(args.reps, lambda: search.page_rows(session, f))
            counted = timed(args.reps, lambda: search.count_capped(session, f))
            total, more = search.count_capped(session, f)
            both = percentiles([a + b for a, b in zip(page, counted)])[1]
            server, buffers, scans = explain(session, search.page_query(f))
            (p50, p95), (c50, c95) = percentiles(page), percentiles(counted)
            if "before" not in label:
                worst.append((both, label))
            print(f"| {label} | {'> ' if more else ''}{total:,} | {p50:.1f} | {p95:.1f} | {c50:.1f} | {c95:.1f} | "
                  f"{both:.1f} | {server:.1f} | {buffers} | {'; '.join(dict.fromkeys(scans))} |")
        exact = timed(max(1, args.reps // 4), lambda: search.count(session, search.Filter()))
        capped = timed(args.reps, lambda: search.count_capped(session, search.Filter()))
        print(f"\ncount of everything: exact {percentiles(exact)[0]:.1f} ms (p50) vs capped "
              f"{percentiles(capped)[0]:.1f} ms (p50, 'lebih dari {search.COUNT_CAP:,}')")
        find_times = timed(args.reps, lambda: search.find(session, search.Filter(status="waiting")))
        print(f"search.find (page + elements + who the tasks wait for + capped count), waiting, superadmin: "
              f"p50 {percentiles(find_times)[0]:.1f} ms, p95 {percentiles(find_times)[1]:.1f} ms")
        badges = timed(args.reps, lambda: search.element_counts(session, info["skp"], 7, None))
        print(f"element_counts (badges) of skp_perencanaan, all instansi: p50 {percentiles(badges)[0]:.1f} ms")

        from app.kinerja.views import task_summary
        from workflows.inbox import tasks_for

        inbox = timed(args.reps * 2, lambda: [task_summary(t) for t in tasks_for(session, info["busy_pegawai_id"])])
        i50, i95 = percentiles(inbox)
        from sqlalchemy.orm import joinedload
        from workflows.models import HumanTask, HumanTaskCandidate

        inbox_query = (select(HumanTask).join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
                       .where(HumanTaskCandidate.pegawai_id == info["busy_pegawai_id"], HumanTask.in_inbox.is_(True))
                       .options(joinedload(HumanTask.instance))
                       .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at))  # as tasks_for
        inbox_server, inbox_buffers, _ = explain(session, inbox_query)
        p95, label = max(worst)
        print(f"\ngoal 6: slowest admin filter (page + count) p95 {p95:.1f} ms ({label}); goal <= 20 ms: "
              f"ratio {p95 / 20:.2f}")
        print(f"goal 6: inbox (GET /api/v1/tasks: tasks_for + task_summary, {info['busy_tasks']} tasks) p50 {i50:.2f} ms, "
              f"p95 {i95:.2f} ms; goal <= 5 ms: ratio {i95 / 5:.2f}; server (EXPLAIN ANALYZE) {inbox_server:.2f} ms, "
              f"{inbox_buffers}")
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
