"""How long re-routing takes after an organisation change (SQLite temp file, demo instansi).

    python bench/reroute.py [--years N | --tiny]

Creates an SKP for every active demo pegawai in each of N years (one open "Susun SKP" task each),
lets the Kepala Dinas and the Kepala BKD submit theirs (two "Periksa SKP" tasks on the Sekda), then
registers a PLH for the Sekda: ``planned_moves`` (the preview: checks every open instance) and
``reroute_all`` (one transaction per instance; two tasks move) are timed. Prints figures, never fails on time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from measure import SqlCounter, Steps  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="smoke run in seconds (CI): --years 1")
    args = parser.parse_args()
    if args.tiny:
        args.years = 1
    from core.db import make_engine, make_sessionmaker, write_transaction
    from app.kinerja import org
    from app.kinerja.demo import load_demo
    from app.kinerja.skp_lifecycle import buat_skp
    from app.kinerja.skp_forms import write_editor_data
    from app.migrate import upgrade
    from workflows.definitions import deploy, read_dir
    from workflows.instances import complete_task
    from workflows.models import HumanTask
    from workflows.rerouting import planned_moves, reroute_all
    from app.kinerja import bindings

    bindings.load()  # roles, forms, services

    folder = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    session = make_sessionmaker(engine)()
    with write_transaction(session):
        deploy(session, read_dir(Path(__file__).resolve().parents[1] / "bpmn"))
    accounts = load_demo(session, 2026, fast_hash=True)
    sekda = next(a for a in accounts if a["jabatan"] == "Sekretaris Daerah")
    made = 0
    for tahun in range(2026, 2026 + args.years):
        for a in accounts:
            pegawai = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == a["nip"]))
            if a["pejabat_penilai_nip"] is None:
                continue
            with write_transaction(session):
                buat_skp(session, pegawai, tahun, "KUANTITATIF", pegawai.id)
            made += 1
    jpt_rhk = {"jenis": "UTAMA", "deskripsi": "Meningkatnya layanan", "klasifikasi": "ORGANISASI",
               "penugasan_dari": "Gubernur", "iki": [{"perspektif": "PENERIMA_LAYANAN", "indikator": "Indeks",
                                                      "target": "85 %"}]}
    for jabatan in ("Kepala Dinas Komunikasi dan Informatika", "Kepala Badan Kepegawaian Daerah"):
        a = next(x for x in accounts if x["jabatan"] == jabatan)
        pegawai = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == a["nip"]))
        task = session.scalars(select(HumanTask).where(HumanTask.assignee_id == pegawai.id)).first()
        complete_task(session, task.id, pegawai.id, {"pendekatan": "KUANTITATIF", "rhk": [jpt_rhk],
                                                     "lampiran": {}, "ajukan": True})
    with write_transaction(session):
        holder = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == sekda["nip"]))
        plh = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == accounts[-1]["nip"]))
        session.add(org.PenugasanPltPlh(pegawai_id=plh.id, jabatan_id=holder.jabatan_id, jenis="PLH",
                                        tmt_mulai=dt.date(2026, 1, 1), dialihkan=""))
    instances = len(set(session.scalars(select(HumanTask.instance_id))))
    session.rollback()
    steps = Steps(SqlCounter(engine))
    t0 = time.perf_counter()
    with steps.step("preview"):
        moves = planned_moves(session)
    t1 = time.perf_counter()
    session.rollback()
    with steps.step("apply"):
        result = reroute_all(session, None, "bench")
    t2 = time.perf_counter()
    print(f"# {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} SQLite temp file, demo instansi, "
          f"{args.years} year(s): {made} SKP created, {instances} instances with open tasks")
    print(f"planned_moves (preview): {len(moves)} moves, {(t1 - t0) * 1000:.0f} ms total, "
          f"{(t1 - t0) * 1000 / instances:.2f} ms per open instance")
    print(f"reroute_all (apply):     {len(result['tugas'])} tasks moved in {result['instance']} instances, "
          f"{(t2 - t1) * 1000:.0f} ms total, {(t2 - t1) * 1000 / instances:.2f} ms per open instance")
    print(f"ratio apply/preview: {(t2 - t1) / (t1 - t0):.2f}")
    for name in ("preview", "apply"):
        print(f"{name}: CPU {steps.cpu[name][0]:.0f} ms ({steps.cpu[name][0] / instances:.2f} ms per open instance), "
              f"{steps.sql[name][0]} SQL statements ({steps.sql[name][0] / instances:.1f} per open instance)")


if __name__ == "__main__":
    main()
