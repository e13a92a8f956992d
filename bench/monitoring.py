#!/usr/bin/env python
"""Benchmark of monitoring and the kurva on a synthetic instansi (a script: it prints, never fails on time).

Builds one instansi with a unit tree (1 top, D dinas, 4 bidang each, 3 seksi each), a leader per
unit and staff in every seksi, an approved SKP and a final penilaian (random predikat) per pegawai
for one period, and a capaian for every unit. Then measures, on SQLite (temp file) and PostgreSQL:
``monitoring()`` of the whole instansi (admin kinerja), ``distribusi()`` of the top unit (the grouped
query with the recursive subtree), ``kurva_unit()`` of the top unit (DMN rules + chart), and the
XLSX export; with the number of SQL statements of each.

    cd /work/wt/<yours> && PYTHONPATH=$PWD python3 bench/monitoring.py [--dinas 10] [--staf 20] [--skip-pg] [--tiny]

PostgreSQL runs in a schema of its own (``bench_monitoring_<pid>``), dropped afterwards.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEFAULT_PG, SqlCounter, Steps, pg_schema  # noqa: E402

from app.kinerja import bindings  # noqa: E402
import app.models  # noqa: E402,F401
from app.auth import Actor  # noqa: E402
from core.db import make_engine, make_sessionmaker, write_transaction  # noqa: E402
from app.kinerja.capaian import PREDIKAT_ORGANISASI, CapaianOrganisasi  # noqa: E402
from app.kinerja.kurva import distribusi, kurva_unit  # noqa: E402
from app.kinerja.monitoring import monitoring, to_xlsx  # noqa: E402
from app.kinerja.org import Akun, Instansi, Jabatan, Pegawai, Unor  # noqa: E402
from app.kinerja.penilaian import PREDIKAT, Penilaian, Periode  # noqa: E402
from app.kinerja.skp import Skp  # noqa: E402
from app.migrate import drop_everything, upgrade  # noqa: E402
from workflows.definitions import deploy, read_dir  # noqa: E402

bindings.load()  # services and forms the diagrams name

TAHUN = 2026


def build(session, dinas: int, staf: int) -> tuple[int, int, int, int, int]:
    """Returns (admin pegawai id, periode id, pegawai count, unit count, top unor id)."""
    rnd = random.Random(7)
    inst = Instansi(kode="BENCH", nama="Instansi Uji")
    session.add(inst)
    session.flush()
    nip = iter(f"19900101{n:010d}" for n in range(1, 10**7))
    units: list[tuple[Unor, str]] = []

    def unit(kode, nama, parent, jenis):
        u = Unor(instansi_id=inst.id, kode=kode, nama=nama, parent_id=parent.id if parent else None)
        session.add(u)
        session.flush()
        units.append((u, jenis))
        return u

    top = unit("TOP", "Sekretariat", None, "JPT_MADYA")
    for d in range(dinas):
        du = unit(f"D{d}", f"Dinas {d}", top, "JPT_PRATAMA")
        for b in range(4):
            bu = unit(f"D{d}.B{b}", f"Bidang {d}.{b}", du, "ADMINISTRATOR")
            for s in range(3):
                unit(f"D{d}.B{b}.S{s}", f"Seksi {d}.{b}.{s}", bu, "PENGAWAS")
    periode = Periode(instansi_id=inst.id, nama="Januari", tahun=TAHUN, jenis="BULANAN",
                      periode_awal=dt.date(TAHUN, 1, 1), periode_akhir=dt.date(TAHUN, 1, 31),
                      batas_pengisian=dt.date(TAHUN, 2, 5))
    session.add(periode)
    session.flush()
    leaders: dict[int, Pegawai] = {}
    rows = []
    for u, jenis in units:
        lead = Jabatan(unor_id=u.id, nama=f"Kepala {u.nama}", jenis_jabatan=jenis, is_pimpinan_unor=True)
        staff_job = Jabatan(unor_id=u.id, nama=f"Pelaksana {u.nama}", jenis_jabatan="PELAKSANA")
        session.add_all([lead, staff_job])
        session.flush()
        leader = Pegawai(instansi_id=inst.id, nip=next(nip), nama=f"Kepala {u.nama}", jabatan_id=lead.id)
        session.add(leader)
        leaders[u.id] = leader
        rows.append((leader, lead, u, u.parent_id))
        for _ in range(staf if jenis == "PENGAWAS" else 0):
            p = Pegawai(instansi_id=inst.id, nip=next(nip), nama="Staf", jabatan_id=staff_job.id)
            session.add(p)
            rows.append((p, staff_job, u, u.id))
    admin = Pegawai(instansi_id=inst.id, nip=next(nip), nama="Admin", jabatan_id=None)
    session.add(admin)
    session.flush()
    session.add(Akun(pegawai_id=admin.id, password_hash="-", roles=["admin_kinerja"]))
    for pegawai, jabatan, u, penilai_unor in rows:
        penilai = leaders.get(penilai_unor)
        skp = Skp(instansi_id=inst.id, pegawai_id=pegawai.id, tahun=TAHUN, periode_awal=dt.date(TAHUN, 1, 1),
                  periode_akhir=dt.date(TAHUN, 12, 31), jabatan_id=jabatan.id, unor_id=u.id,
                  pejabat_penilai_id=penilai.id if penilai else None, pendekatan="KUANTITATIF",
                  jenis_skp="JA_JF", status="DISETUJUI", snapshot={})
        session.add(skp)
        session.flush()
        final = rnd.random() < 0.8
        session.add(Penilaian(skp_id=skp.id, periode_id=periode.id, status="FINAL" if final else "DIISI_PEGAWAI",
                              predikat=rnd.choice(PREDIKAT) if final else None,
                              penilai_id=penilai.id if penilai else None, buka_kembali=[]))
    for u, _ in units:
        session.add(CapaianOrganisasi(unor_id=u.id, periode_id=periode.id, predikat=rnd.choice(PREDIKAT_ORGANISASI),
                                      dasar="bench", ditetapkan_oleh_id=admin.id,
                                      ditetapkan_at=dt.datetime.now(dt.timezone.utc)))
    session.flush()
    return admin.id, periode.id, len(rows), len(units), top.id


def measure(steps: Steps, name: str, fn, repeat=5):
    for _ in range(repeat):
        with steps.step(name):
            fn()
    return (statistics.median(steps.wall[name]), min(steps.wall[name]), statistics.median(steps.cpu[name]),
            max(steps.sql[name]))


def run(url: str, label: str, dinas: int, staf: int) -> None:
    engine = make_engine(url)
    drop_everything(engine)
    upgrade(engine)
    session = make_sessionmaker(engine)()
    with write_transaction(session):
        deploy(session, read_dir(ROOT / "bpmn"))
    start = time.perf_counter()
    with write_transaction(session):
        admin_id, periode_id, n_pegawai, n_units, top_id = build(session, dinas, staf)
    built = time.perf_counter() - start
    admin = session.get(Pegawai, admin_id)
    actor = Actor(admin, session.query(Akun).filter_by(pegawai_id=admin_id).one(), ["pegawai", "admin_kinerja"])
    periode = session.get(Periode, periode_id)
    top = session.get(Unor, top_id)
    print(f"\n{label}: {n_units} units, {n_pegawai} pegawai with a penilaian (built in {built:.1f} s)")
    print(f"{'what':<42}{'median ms':>11}{'min ms':>9}{'CPU ms':>9}{'SQL statements':>16}")
    steps = Steps(SqlCounter(engine))
    data = {}
    cases = [("monitoring(), whole instansi", lambda: data.update(monitoring(session, actor, periode))),
             ("distribusi(top unit): grouped + recursive", lambda: distribusi(session, top.id, periode.id)),
             ("kurva_unit(top unit): + DMN rules + SVG", lambda: kurva_unit(session, top, periode)),
             ("to_xlsx(monitoring result)", lambda: to_xlsx(data))]
    for name, fn in cases:
        median, best, cpu, statements = measure(steps, name, fn)
        print(f"{name:<42}{median:>11.1f}{best:>9.1f}{cpu:>9.1f}{statements:>16}")
    session.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dinas", type=int, default=10)
    parser.add_argument("--staf", type=int, default=20, help="staff per seksi")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --dinas 1 --staf 1")
    args = parser.parse_args()
    if args.tiny:
        args.dinas, args.staf = 1, 1
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "SQLite", args.dinas, args.staf)
    if not args.skip_pg:
        with pg_schema(args.pg_url, "bench_monitoring") as url:
            run(url, "PostgreSQL", args.dinas, args.staf)


if __name__ == "__main__":
    main()
