#!/usr/bin/env python
"""Benchmark of opening an evaluation period: ours (the request records the opening, the scheduler's
job ``pembukaan_periode`` works through it, one transaction per pegawai: Penilaian row, result row,
``evaluasi_periodik`` instance, human task, timers, notification) on SQLite and PostgreSQL, against
bare SpiffWorkflow starting the same diagram in memory. A script: it prints figures and ratios,
never fails. On SQLite the job gives the write lock up between pegawai (half as long as it held it),
so web requests get in; that time is part of the figure.

Population: the demo instansi with an approved SKP (rows written directly, one RHK each) for every
demo pegawai who has a pejabat penilai, then ``--n`` generated pegawai (100 per Seksi under a
generated Pengawas, below the demo Dinas) with approved SKPs. The period is opened twice: the second
run finds every penilaian already there (``sudah_ada``), which is what a resumed or repeated run costs.

PostgreSQL runs in a schema of its own (``bench_pembukaan_<pid>``) of the ``--pg-url`` database, dropped
after the run; other schemas (the tests') are not touched.

    python bench/pembukaan.py [--n 10000 | --tiny] [--pg-url URL | --skip-pg] [--skip-sqlite] [--profile]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import SpiffWorkflow  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from measure import DEFAULT_PG, SqlCounter, pg_schema  # noqa: E402

TAHUN = 2026
NOW = f"{TAHUN}-01-28T09:00:00+07:00"
PERIODE = {"nama": "Januari", "jenis": "BULANAN", "periode_awal": f"{TAHUN}-01-01",
           "periode_akhir": f"{TAHUN}-01-31", "batas_pengisian": f"{TAHUN}-02-05"}
PER_SEKSI = 100


def fresh_database(url: str):
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.kinerja.demo import load_demo
    from app.migrate import drop_everything, upgrade
    from workflows.definitions import deploy, read_dir

    engine = make_engine(url)
    drop_everything(engine)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    session = factory()
    with write_transaction(session):
        deploy(session, read_dir(ROOT / "bpmn"))
    load_demo(session, TAHUN, fast_hash=True)
    session.close()
    return engine, factory


def approved_skp(session, pegawai, penilai) -> None:
    from app.kinerja.skp import Iki, Rhk, Skp

    skp = Skp(instansi_id=pegawai.instansi_id, pegawai_id=pegawai.id, tahun=TAHUN,
              periode_awal=dt.date(TAHUN, 1, 1), periode_akhir=dt.date(TAHUN, 12, 31),
              jabatan_id=pegawai.jabatan_id, unor_id=pegawai.jabatan.unor_id, pejabat_penilai_id=penilai.id,
              pendekatan="KUANTITATIF", jenis_skp="JA_JF", status="DISETUJUI", snapshot={},
              tanggal_penetapan=dt.datetime(TAHUN, 1, 20, tzinfo=dt.timezone.utc))
    rhk = Rhk(urutan=1, jenis="UTAMA", deskripsi="Tersusunnya laporan layanan", rhk_atasan_text="")
    rhk.iki = [Iki(urutan=1, indikator="Jumlah laporan", aspek="KUANTITAS", target_text="12 Laporan")]
    skp.rhk = [rhk]
    session.add(skp)


def bulk_staff(session, instansi_id: int, unor_id: int, jabatan_id: int, penilai_id: int, first: int,
               size: int) -> None:
    """``size`` pegawai with an approved SKP (one RHK, one IKI each) in four multi-row INSERTs."""
    from sqlalchemy import insert

    from app.kinerja.org import Pegawai
    from app.kinerja.skp import Iki, Rhk, Skp

    def ids(table, rows):
        return list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))

    pegawai = ids(Pegawai.__table__, [{"instansi_id": instansi_id, "nip": f"19950101202001{first + i:04d}",
                                       "nama": f"Pegawai Uji {first + i}", "jabatan_id": jabatan_id}
                                      for i in range(size)])
    penetapan = dt.datetime(TAHUN, 1, 20, tzinfo=dt.timezone.utc)
    skp = ids(Skp.__table__, [{"instansi_id": instansi_id, "pegawai_id": p, "tahun": TAHUN,
                               "periode_awal": dt.date(TAHUN, 1, 1), "periode_akhir": dt.date(TAHUN, 12, 31),
                               "jabatan_id": jabatan_id, "unor_id": unor_id, "pejabat_penilai_id": penilai_id,
                               "pendekatan": "KUANTITATIF", "jenis_skp": "JA_JF", "status": "DISETUJUI",
                               "snapshot": {}, "tanggal_penetapan": penetapan} for p in pegawai])
    rhk = ids(Rhk.__table__, [{"skp_id": k, "urutan": 1, "jenis": "UTAMA", "deskripsi": "Tersusunnya laporan layanan",
                               "rhk_atasan_text": ""} for k in skp])
    session.execute(insert(Iki.__table__), [{"rhk_id": r, "urutan": 1, "indikator": "Jumlah laporan",
                                             "aspek": "KUANTITAS", "target_text": "12 Laporan"} for r in rhk])


def populate(factory, n: int) -> tuple[int, int]:
    """Approved SKPs for the demo pegawai with a penilai and for n generated pegawai; returns (demo, generated)."""
    from core.db import write_transaction
    from app.kinerja import org

    session = factory()
    with write_transaction(session):
        demo = 0
        for pegawai in session.scalars(select(org.Pegawai).order_by(org.Pegawai.id)).all():
            penilai = org.pejabat_penilai(session, pegawai)
            if penilai is not None and pegawai.jabatan is not None:
                approved_skp(session, pegawai, penilai)
                demo += 1
        dinas = session.scalar(select(org.Unor).where(org.Unor.nama.like("Dinas Komunikasi%")))
        instansi_id = dinas.instansi_id
    generated = 0
    for s in range((n + PER_SEKSI - 1) // PER_SEKSI):
        with write_transaction(session):
            seksi = org.Unor(instansi_id=instansi_id, parent_id=dinas.id, kode=f"BENCH{s}", nama=f"Seksi Uji {s}")
            head_job = org.Jabatan(unor=seksi, nama=f"Kepala Seksi Uji {s}", jenis_jabatan="PENGAWAS",
                                   is_pimpinan_unor=True)
            head = org.Pegawai(instansi_id=instansi_id, nip=f"19900101201501{s:04d}", nama=f"Kepala Uji {s}",
                               jabatan=head_job)
            job = org.Jabatan(unor=seksi, nama="Pengelola Layanan", jenis_jabatan="PELAKSANA")
            session.add_all([seksi, head_job, head, job])
            session.flush()
            size = min(PER_SEKSI, n - generated)
            bulk_staff(session, instansi_id, seksi.id, job.id, head.id, s * PER_SEKSI, size)
            generated += size
    session.close()
    return demo, generated


def rss_mb() -> float:
    """The resident memory of this process now (Linux /proc), MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


RSS: dict[str, float] = {}
PROCESSES = [1]  # --processes: the lease holder and its spawned helpers (app.kinerja.pembukaan)


def cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the helper processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def open_period(factory) -> tuple[int, float, float]:
    """As in production: the request records the opening, then the scheduler's job works through it.
    Returns (periode id, seconds of the request, seconds of the job until the opening is SELESAI)."""
    from core.db import write_transaction
    from app.kinerja.org import Instansi
    from app.kinerja.pembukaan import minta_pembukaan, proses_pembukaan
    from app.kinerja.penilaian import buat_periode

    session = factory()
    with write_transaction(session):
        periode = buat_periode(session, session.scalar(select(Instansi.id)), dict(PERIODE))
    started = time.perf_counter()
    with write_transaction(session):
        minta_pembukaan(session, periode.id, None)
    request_s = time.perf_counter() - started
    session.close()
    started, done = time.perf_counter(), 0
    RSS.update(start=rss_mb(), peak=rss_mb())
    while True:
        step = proses_pembukaan(factory, "bench", helpers=PROCESSES[0] - 1)
        done += step["diproses"]
        RSS["peak"] = max(RSS["peak"], rss_mb())
        if done and done % 1000 < step["diproses"]:  # a line per thousand, so a long run shows its rate
            elapsed = time.perf_counter() - started
            print(f"    … {done:,} opened in {elapsed:.0f} s ({done / elapsed:.1f} pegawai/s), RSS {rss_mb():.0f} MB",
                  flush=True)
        if step["selesai"]:
            break
    return periode.id, request_s, time.perf_counter() - started


def results_of(factory, periode_id: int) -> list[dict]:
    from app.kinerja.pembukaan import hasil_pembukaan

    session = factory()
    try:
        return hasil_pembukaan(session, periode_id)
    finally:
        session.close()


def profiled(engine, call, top: int = 25):
    """Run ``call`` under cProfile with a count of the SQL statements by their first words; print both."""
    import collections
    import cProfile
    import io
    import pstats

    from sqlalchemy import event

    kinds: collections.Counter = collections.Counter()

    def on(conn, cursor, statement, *args):
        words = statement.split()
        table = next((w for w in words[1:6] if w.isidentifier() and w.upper() not in ("INTO", "FROM", "ID")), "")
        kinds[f"{words[0]} {table}" if words[0] in ("INSERT", "UPDATE", "DELETE") else " ".join(words[:2])[:60]] += 1

    event.listen(engine, "before_cursor_execute", on)
    profile = cProfile.Profile()
    try:
        result = profile.runcall(call)
    finally:
        event.remove(engine, "before_cursor_execute", on)
    print("  SQL statements of the opening by kind (count):")
    for kind, number in kinds.most_common(top):
        print(f"    {number:6d}  {kind}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
        print(f"  cProfile, {order}:\n" + "\n".join("    " + line for line in out.getvalue().splitlines()[-top - 3:]))
    return result


def ours(name: str, url: str, n: int, demo_alone: bool = True, profile: bool = False) -> dict:
    from workflows import clock

    clock.set(NOW)
    results_demo, demo_s, demo_cpu, demo_sql = [], 0.0, 0.0, 0
    if demo_alone:
        engine, factory = fresh_database(url)
        populate(factory, 0)
        counter, cpu0 = SqlCounter(engine), cpu_s()
        demo_id, _, demo_s = open_period(factory)
        demo_cpu, demo_sql = cpu_s() - cpu0, counter.count
        results_demo = results_of(factory, demo_id)
        engine.dispose()
    engine, factory = fresh_database(url)
    t0 = time.perf_counter()
    demo, generated = populate(factory, n)
    setup = time.perf_counter() - t0
    counter, cpu0 = SqlCounter(engine), cpu_s()
    periode_id, request_s, big_s = (profiled(engine, lambda: open_period(factory)) if profile
                                    else open_period(factory))
    big_cpu, big_sql = cpu_s() - cpu0, counter.count
    rss = dict(RSS)
    results = results_of(factory, periode_id)
    from app.kinerja.pembukaan import minta_pembukaan, proses_pembukaan
    from core.db import write_transaction

    session = factory()
    with write_transaction(session):
        minta_pembukaan(session, periode_id, None)
    session.close()
    t = time.perf_counter()
    while not proses_pembukaan(factory, "bench")["selesai"]:
        pass
    again_s = time.perf_counter() - t
    again = results_of(factory, periode_id)
    session = factory()
    from workflows.models import HumanTask, Instance

    instances = session.scalar(select(func.count()).select_from(Instance).where(Instance.process_id == "evaluasi_periodik"))
    tasks = session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.form_key == "realisasi"))
    session.close()
    engine.dispose()
    clock.reset()
    opened = sum(1 for r in results if r["status"] == "dibuka")
    return {"name": name, "setup_s": setup, "demo_n": len(results_demo), "demo_s": demo_s, "big_n": len(results),
            "big_opened": opened, "big_s": big_s, "again_s": again_s, "request_s": request_s,
            "again_existing": sum(1 for r in again if r["status"] == "sudah_ada"),
            "instances": instances, "tasks": tasks, "demo_total": demo, "generated": generated,
            "demo_cpu": demo_cpu, "demo_sql": demo_sql, "big_cpu": big_cpu, "big_sql": big_sql, "rss": rss,
            "one_each": len({r["skp_id"] for r in results}) == len(results) == len(again)}


def bare(n: int) -> float:
    """Bare SpiffWorkflow: parse once, then start evaluasi_periodik n times in memory until the first user task."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from app.kinerja import bindings

    bindings.load()  # the diagram's services and forms, for validation
    from workflows.definitions import parse_sources, read_dir
    from workflows.scripting import Engine

    from workflows import clock

    clock.set(NOW)  # before the reminder, as in our runs
    parsed = next(p for p in parse_sources(read_dir(ROOT / "bpmn")) if p.process_id == "evaluasi_periodik")
    engine = Engine()  # the diagram's timer expressions need date/timedelta from our script environment
    data = {"penilaian_id": 1, "skp_id": 1, "pegawai_id": 1, "instansi_id": 1, "tahun": TAHUN,
            "nama_pegawai": "Uji", "periode": "Januari", "batas_pengisian": PERIODE["batas_pengisian"]}
    started = time.perf_counter()
    for _ in range(n):
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine)
        wf.task_tree.data.update(data)
        for task in wf.get_tasks():
            task.data.update(data)
        wf.do_engine_steps()
        assert [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)] == ["Task_IsiRealisasi"]
    elapsed = time.perf_counter() - started
    clock.reset()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--profile", action="store_true",
                    help="run the opening under cProfile and print the SQL statements by kind (slower; CPU not comparable)")
    ap.add_argument("--processes", type=int, default=None,
                    help="processes opening one period on PostgreSQL (default: EKINERJA_PEMBUKAAN_PROSES or 2); "
                         "SQL statements are counted in the first one only")
    ap.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --n 5, without the demo-only opening")
    args = ap.parse_args()
    if args.tiny:
        args.n = 5
    from app.kinerja.pembukaan import processes
    PROCESSES[0] = args.processes or processes()
    print(f"# {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}  Python {platform.python_version()}  "
          f"SpiffWorkflow {getattr(SpiffWorkflow, '__version__', '3.2.0')}  cpus {os.cpu_count()}  "
          f"load average {os.getloadavg()[0]:.1f} (other processes share the CPUs: compare ratios, not seconds); "
          f"{PROCESSES[0]} process(es) per opening")
    bare_n = min(args.n, 2000)
    bare_s = bare(bare_n)
    per_bare = bare_s / bare_n
    print(f"bare SpiffWorkflow, in memory: start evaluasi_periodik to its first user task: {per_bare * 1000:.2f} ms "
          f"each ({bare_n} starts in {bare_s:.2f} s); {args.n:,} would take {per_bare * args.n:.1f} s")
    runs = []
    workdir = tempfile.mkdtemp(prefix="bench-pembukaan-")
    if not args.skip_sqlite:
        runs.append(("SQLite (file, WAL)", nullcontext(f"sqlite:///{workdir}/bench.db")))
    if not args.skip_pg:
        runs.append(("PostgreSQL", pg_schema(args.pg_url, "bench_pembukaan")))
    for name, database in runs:
        with database as url:
            r = ours(name, url, args.n, demo_alone=not args.tiny, profile=args.profile)
        per_demo, per_big = r["demo_s"] / max(r["demo_n"], 1), r["big_s"] / max(r["big_n"], 1)
        print(f"\n{name}:")
        if r["demo_n"]:
            print(f"  demo instansi: {r['demo_n']} pegawai opened in {r['demo_s']:.2f} s = {per_demo * 1000:.1f} ms each "
                  f"(CPU {r['demo_cpu'] * 1000 / r['demo_n']:.1f} ms, {r['demo_sql'] / r['demo_n']:.1f} SQL "
                  "statements each); "
                  f"bare/ours per pegawai = 1:{per_demo / per_bare:,.0f}")
        print(f"  demo + generated: {r['big_n']:,} pegawai ({r['big_opened']:,} dibuka) in {r['big_s']:.1f} s "
              f"= {per_big * 1000:.1f} ms each, {r['big_n'] / r['big_s']:,.0f} pegawai/s "
              f"(CPU {r['big_cpu'] * 1000 / max(r['big_n'], 1):.1f} ms, {r['big_sql'] / max(r['big_n'], 1):.1f} SQL "
              "statements each); "
              f"bare/ours = 1:{per_big / per_bare:,.0f}")
        print(f"  memory: RSS {r['rss']['start']:.0f} MB before the opening, peak {r['rss']['peak']:.0f} MB during it "
              f"(+{r['rss']['peak'] - r['rss']['start']:.0f} MB); process peak (ru_maxrss) "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        if name == "PostgreSQL":
            print(f"  goal 5: {r['big_n']:,} pegawai in {r['big_s']:.1f} s on PostgreSQL; at this rate 10,000 take "
                  f"{per_big * 10000:.0f} s; goal <= 60 s: ratio {per_big * 10000 / 60:.2f}"
                  f"{' (extrapolated from ' + format(r['big_n'], ',') + ')' if r['big_n'] < 10000 else ''}")
        print(f"  population (demo + {r['generated']:,} generated approved SKPs, written directly): {r['setup_s']:.0f} s")
        print(f"  the request (POST /periode/{{id}}/buka: record the opening): {r['request_s'] * 1000:.0f} ms")
        print(f"  opening again (all sudah_ada: {r['again_existing']:,}): {r['again_s']:.1f} s")
        print(f"  check: {r['instances']:,} evaluasi_periodik instances, {r['tasks']:,} open realisasi tasks, "
              f"one result per pegawai in both runs: {r['one_each']}; "
              f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
