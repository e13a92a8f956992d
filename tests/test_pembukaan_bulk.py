"""Opening a period group by group: the instances of a group started together (``workflows.bulk_start``),
and several processes sharing one opening without opening a pegawai twice."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from conftest import DEMO_TAHUN
from sqlalchemy import func, select
from test_penilaian import PERIODE

from core.db import write_transaction
from app.kinerja import org, pembukaan
from app.kinerja.pembukaan import PembukaanHasil, minta_pembukaan, proses_pembukaan
from app.kinerja.penilaian import Penilaian, buat_periode
from app.kinerja.skp import Iki, Rhk, Skp
from app.notifications import Notification
from workflows import clock
from workflows.models import HumanTask, HumanTaskCandidate, Instance, InstanceElement, InstanceEvent, Timer
from workflows.timers import fire_due

NOW = f"{DEMO_TAHUN}-01-28T09:00:00+07:00"


def approve_for_everyone(factory) -> list[int]:
    """An approved SKP (written directly, one RHK) for every demo pegawai who has a pejabat penilai."""
    session = factory()
    try:
        with write_transaction(session):
            skps = []
            for pegawai in session.scalars(select(org.Pegawai).order_by(org.Pegawai.id)).all():
                penilai = org.pejabat_penilai(session, pegawai)
                if penilai is None or pegawai.jabatan is None:
                    continue
                skp = Skp(instansi_id=pegawai.instansi_id, pegawai_id=pegawai.id, tahun=DEMO_TAHUN,
                          periode_awal=dt.date(DEMO_TAHUN, 1, 1), periode_akhir=dt.date(DEMO_TAHUN, 12, 31),
                          jabatan_id=pegawai.jabatan_id, unor_id=pegawai.jabatan.unor_id,
                          pejabat_penilai_id=penilai.id, pendekatan="KUANTITATIF", jenis_skp="JA_JF",
                          status="DISETUJUI", snapshot={}, tanggal_penetapan=clock.now())
                rhk = Rhk(urutan=1, jenis="UTAMA", deskripsi="Tersusunnya laporan", rhk_atasan_text="")
                rhk.iki = [Iki(urutan=1, indikator="Jumlah laporan", aspek="KUANTITAS", target_text="12 Laporan")]
                skp.rhk = [rhk]
                session.add(skp)
                skps.append(skp)
            session.flush()
            return [s.id for s in skps]
    finally:
        session.close()


def requested(factory) -> tuple[int, int]:
    """A new period of the demo instansi, asked to be opened: (periode id, pembukaan id)."""
    session = factory()
    try:
        with write_transaction(session):
            periode = buat_periode(session, session.scalar(select(org.Instansi.id)), dict(PERIODE))
            return periode.id, minta_pembukaan(session, periode.id, None).id
    finally:
        session.close()


def results(factory, pembukaan_id: int) -> list[tuple[int, str]]:
    session = factory()
    try:
        return list(session.execute(select(PembukaanHasil.skp_id, PembukaanHasil.status)
                                    .where(PembukaanHasil.pembukaan_id == pembukaan_id)).all())
    finally:
        session.close()


def count(factory, model, *where) -> int:
    session = factory()
    try:
        return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        session.close()


def test_a_group_starts_complete_instances_and_opening_again_changes_nothing(app):
    """Every pegawai of a group gets his own instance with its state, open task with candidates, both timers,
    element row, "started" event and tugas_baru notification; the timers fire later; opening again: sudah_ada."""
    clock.set(NOW)
    factory = app.extensions["db_sessionmaker"]
    skp_ids = approve_for_everyone(factory)
    assert len(skp_ids) >= 20  # several groups on SQLite (10 each), one large group on PostgreSQL
    periode_id, pembukaan_id = requested(factory)
    assert proses_pembukaan(factory, "pekerja-1") == {"diproses": len(skp_ids), "selesai": 1}
    opened = results(factory, pembukaan_id)
    assert sorted(s for s, _ in opened) == sorted(skp_ids) and {st for _, st in opened} == {"dibuka"}

    session = factory()
    try:
        instances = session.scalars(select(Instance).where(Instance.process_id == "evaluasi_periodik")).all()
        penilaian = dict(session.execute(select(Penilaian.id, Penilaian.skp_id)
                                         .where(Penilaian.periode_id == periode_id)).all())
        assert len(instances) == len(skp_ids) == len(penilaian)
        assert len({i.id for i in instances}) == len(instances)
        assert sorted(i.business_key for i in instances) == sorted(f"penilaian:{p}" for p in penilaian)
        pegawai_of_skp = dict(session.execute(select(Skp.id, Skp.pegawai_id).where(Skp.id.in_(skp_ids))).all())
        task_ids = set()
        batas = clock.local_zone()
        for instance in instances:
            skp_id = penilaian[int(instance.business_key.split(":")[1])]
            assert instance.status == "waiting" and instance.state and instance.version == 2
            assert instance.subject_pegawai_id == pegawai_of_skp[skp_id]
            tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
            assert [(t.form_key, t.title) for t in tasks] == [("realisasi", "Isi realisasi Januari")]
            task = tasks[0]
            task_ids.add(task.id)
            assert clock.local(task.due_at) == dt.datetime(DEMO_TAHUN, 2, 5, 23, 59, 59, tzinfo=batas)
            candidates = session.scalars(select(HumanTaskCandidate.pegawai_id)
                                         .where(HumanTaskCandidate.human_task_id == task.id)).all()
            assert candidates == [pegawai_of_skp[skp_id]]  # the pegawai fills in his realisasi
            timers = sorted(clock.local(t.due_at) for t in session.scalars(
                select(Timer).where(Timer.instance_id == instance.id)))
            assert timers == [dt.datetime(DEMO_TAHUN, 2, 2, 8, tzinfo=batas),
                              dt.datetime(DEMO_TAHUN, 2, 5, 23, 59, 59, tzinfo=batas)]
            elements = session.scalars(select(InstanceElement.bpmn_id).where(
                InstanceElement.instance_id == instance.id)).all()
            assert "Task_IsiRealisasi" in elements
            assert session.scalars(select(InstanceEvent.kind).where(InstanceEvent.instance_id == instance.id)).all() \
                == ["started"]
            notes = session.scalars(select(Notification).where(Notification.kind == "tugas_baru",
                                                               Notification.link == f"/tugas/{task.id}")).all()
            assert [(n.pegawai_id, n.dedup_key) for n in notes] == [
                (candidates[0], f"tugas:{task.id}:{candidates[0]}")]
        assert len(task_ids) == len(instances)
    finally:
        session.close()

    # the timers of the new instances fire: three days before the batas, each pegawai is reminded
    clock.set(f"{DEMO_TAHUN}-02-02T09:00:00+07:00")
    report = fire_due(factory, "pekerja-1")
    assert report.fired == len(skp_ids) and report.failed == 0
    assert count(factory, Notification, Notification.kind == "pengingat_tugas") == len(skp_ids)

    # opening again: every pegawai sudah_ada, nothing started twice
    clock.set(NOW)
    session = factory()
    with write_transaction(session):
        minta_pembukaan(session, periode_id, None)
    session.close()
    assert proses_pembukaan(factory, "pekerja-2") == {"diproses": len(skp_ids), "selesai": 1}
    assert {st for _, st in results(factory, pembukaan_id)} == {"sudah_ada"}
    assert count(factory, Instance, Instance.process_id == "evaluasi_periodik") == len(skp_ids)
    assert count(factory, Notification, Notification.kind == "tugas_baru") == len(skp_ids)


def postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks with SKIP LOCKED: PostgreSQL (SQLite serialises the writers)")


def test_concurrent_workers_share_an_opening_and_never_open_a_pegawai_twice(app, database_url):
    """Two threads open groups of one opening at the same moment: every SKP is claimed by exactly one of them."""
    postgresql_only(database_url)
    clock.set(NOW)
    factory = app.extensions["db_sessionmaker"]
    skp_ids = approve_for_everyone(factory)
    periode_id, pembukaan_id = requested(factory)
    start, claimed = threading.Barrier(2), {}

    def work(name: str) -> None:
        start.wait()
        claimed[name] = pembukaan._open_groups(factory, pembukaan_id, periode_id, None, 3, None)

    threads = [threading.Thread(target=work, args=(f"pekerja-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(claimed.values()) == len(skp_ids)  # a SKP claimed by both would count twice
    opened = results(factory, pembukaan_id)
    assert sorted(s for s, _ in opened) == sorted(skp_ids) and {st for _, st in opened} == {"dibuka"}
    assert count(factory, Penilaian, Penilaian.periode_id == periode_id) == len(skp_ids)
    assert count(factory, Instance, Instance.process_id == "evaluasi_periodik") == len(skp_ids)


def test_helper_processes_open_a_large_opening_with_the_lease_holder(app, database_url, monkeypatch):
    """Above HELPER_MIN SKPs the lease holder spawns helper processes; together they open each SKP once."""
    postgresql_only(database_url)
    monkeypatch.setattr(pembukaan, "HELPER_MIN", 5)
    monkeypatch.setattr(pembukaan, "GROUP", {"postgresql": 3})  # many small groups: both processes get some
    clock.set(NOW)
    factory = app.extensions["db_sessionmaker"]
    skp_ids = approve_for_everyone(factory)
    periode_id, pembukaan_id = requested(factory)
    exit_codes = []
    real = pembukaan._open_with_helpers
    monkeypatch.setattr(pembukaan, "_open_with_helpers", lambda *a: exit_codes.extend(real(*a)))
    assert proses_pembukaan(factory, "pekerja-1", helpers=1) == {"diproses": len(skp_ids), "selesai": 1}
    assert exit_codes == [0]  # one helper was spawned and ended well
    opened = results(factory, pembukaan_id)
    assert sorted(s for s, _ in opened) == sorted(skp_ids) and {st for _, st in opened} == {"dibuka"}
    assert count(factory, Instance, Instance.process_id == "evaluasi_periodik") == len(skp_ids)
    assert count(factory, HumanTask, HumanTask.form_key == "realisasi") == len(skp_ids)
    # the helper ran on the clock of the lease holder: the tasks are due on the period's batas
    assert count(factory, Timer) == 2 * len(skp_ids)
