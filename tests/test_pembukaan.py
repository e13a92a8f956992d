"""Opening a period in the background: batches, one transaction per pegawai, resumable, never twice."""
from __future__ import annotations

import datetime as dt

from conftest import DEMO_TAHUN
from sqlalchemy import func, select, update
from test_penilaian import PERIODE, admin_of, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from core.db import write_transaction
from app.kinerja.pembukaan import PembukaanHasil, PembukaanPeriode, proses_pembukaan
from app.kinerja.penilaian import Penilaian
from app.scheduler import run_once
from workflows import clock
from workflows.models import Instance


def counts(factory) -> tuple[int, int, int]:
    session = factory()
    try:
        return (session.scalar(select(func.count()).select_from(Penilaian)),
                session.scalar(select(func.count()).select_from(Instance).where(Instance.process_id == "evaluasi_periodik")),
                session.scalar(select(func.count()).select_from(PembukaanHasil)))
    finally:
        session.close()


def set_lease(factory, worker, until) -> None:
    session = factory()
    with write_transaction(session):
        session.execute(update(PembukaanPeriode).values(status="BERJALAN", diklaim_oleh=worker, diklaim_sampai=until))
    session.close()


def test_opening_resumes_after_a_crash_and_opens_each_skp_once(app, accounts, as_user, two_approved):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    factory = app.extensions["db_sessionmaker"]
    admin = as_user(admin_of(accounts)["nip"])
    periode_id = admin.post("/periode", json=PERIODE).get_json()["id"]
    assert admin.get(f"/periode/{periode_id}/pembukaan").status_code == 404  # not asked yet
    assert admin.post(f"/periode/{periode_id}/buka").status_code == 202
    assert admin.post(f"/periode/{periode_id}/buka").get_json()["status"] == "MENUNGGU"  # asking twice: one opening
    assert counts(factory) == (0, 0, 0)  # the request itself opened nothing

    assert proses_pembukaan(factory, "pekerja-1", batch=1) == {"diproses": 1, "selesai": 0}
    progress = admin.get(f"/periode/{periode_id}/pembukaan?hasil=0").get_json()
    assert progress["status"] == "BERJALAN" and progress["diproses"] == 1 and progress["total"] == 2
    assert "hasil" not in progress
    assert counts(factory) == (1, 1, 1)

    # a worker claims it and dies: while its lease runs, nobody else works on this opening
    set_lease(factory, "pekerja-mati", clock.now() + dt.timedelta(minutes=10))
    assert run_once(factory, ["pembukaan_periode"])["pembukaan_periode"] == {"diproses": 0, "selesai": 0}
    assert counts(factory) == (1, 1, 1)
    # the lease expires: the next round resumes with what has no result yet
    set_lease(factory, "pekerja-mati", clock.now() - dt.timedelta(seconds=1))
    assert run_once(factory, ["pembukaan_periode"])["pembukaan_periode"] == {"diproses": 1, "selesai": 1}
    assert counts(factory) == (2, 2, 2)
    done = admin.get(f"/periode/{periode_id}/pembukaan").get_json()
    assert done["status"] == "SELESAI" and done["ringkasan"]["dibuka"] == 2
    assert sorted(r["skp_id"] for r in done["hasil"]) == sorted(two_approved.values())
    assert admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json()[0]["dibuka_at"] is not None
    assert run_once(factory, ["pembukaan_periode"])["pembukaan_periode"] == {"diproses": 0, "selesai": 0}


def test_opening_permissions(accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    periode_id = admin.post("/periode", json=PERIODE).get_json()["id"]
    pegawai = as_user(next(a for a in accounts if "admin_kinerja" not in a["roles"])["nip"])
    assert pegawai.post(f"/periode/{periode_id}/buka").status_code == 403
    assert pegawai.get(f"/periode/{periode_id}/pembukaan").status_code == 403
    assert admin.post("/periode/999999/buka").status_code == 404


def results_by_skp(factory) -> dict[int, list[str]]:
    session = factory()
    try:
        found: dict[int, list[str]] = {}
        for skp_id, status in session.execute(select(PembukaanHasil.skp_id, PembukaanHasil.status)):
            found.setdefault(skp_id, []).append(status)
        return found
    finally:
        session.close()


def test_a_group_with_a_failing_pegawai_is_redone_one_by_one(app, accounts, as_user, two_approved,  # noqa: F811
                                                              monkeypatch):
    """Several SKPs share one transaction; when one fails, the group is rolled back and redone one SKP per
    transaction: the failure is that pegawai's own result, the others open, each SKP has one result."""
    import workflows.instances

    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    factory = app.extensions["db_sessionmaker"]
    admin = as_user(admin_of(accounts)["nip"])
    periode_id = admin.post("/periode", json=PERIODE).get_json()["id"]
    real_start = workflows.instances.run_start  # the engine run of a start, alone or in a group

    def failing_for_kabid(session, instance, data, actor_id):
        if data["skp_id"] == two_approved["kabid"]:
            raise RuntimeError("diagram rusak untuk uji")
        return real_start(session, instance, data, actor_id)

    monkeypatch.setattr(workflows.instances, "run_start", failing_for_kabid)
    assert admin.post(f"/periode/{periode_id}/buka").status_code == 202
    assert proses_pembukaan(factory, "pekerja-1") == {"diproses": 2, "selesai": 1}
    assert results_by_skp(factory) == {two_approved["kadis"]: ["dibuka"], two_approved["kabid"]: ["gagal"]}
    assert counts(factory) == (1, 1, 2)  # the kabid's penilaian went with the failed group and his own try
    hasil = {r["skp_id"]: r for r in admin.get(f"/periode/{periode_id}/pembukaan").get_json()["hasil"]}
    assert "diagram rusak untuk uji" in hasil[two_approved["kabid"]]["alasan"]

    # fixed and asked again: the kabid opens now, the kadis's evaluation is not started twice
    monkeypatch.setattr(workflows.instances, "run_start", real_start)
    assert admin.post(f"/periode/{periode_id}/buka").status_code == 202
    assert proses_pembukaan(factory, "pekerja-1") == {"diproses": 2, "selesai": 1}
    assert results_by_skp(factory) == {two_approved["kadis"]: ["sudah_ada"], two_approved["kabid"]: ["dibuka"]}
    assert counts(factory) == (2, 2, 2)


def test_opening_twice_is_idempotent_with_one_result_per_pegawai(app, accounts, as_user, two_approved):  # noqa: F811
    from app.kinerja.penilaian import Periode, buka_untuk_skp

    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    factory = app.extensions["db_sessionmaker"]
    admin = as_user(admin_of(accounts)["nip"])
    periode_id = admin.post("/periode", json=PERIODE).get_json()["id"]
    session = factory()  # one SKP opened before the background opening (as a resumed run finds it)
    with write_transaction(session):
        assert buka_untuk_skp(session, session.get(Periode, periode_id), two_approved["kadis"], None)["status"] == "dibuka"
    session.close()
    for expected in ({two_approved["kadis"]: ["sudah_ada"], two_approved["kabid"]: ["dibuka"]},
                     {two_approved["kadis"]: ["sudah_ada"], two_approved["kabid"]: ["sudah_ada"]}):
        assert admin.post(f"/periode/{periode_id}/buka").status_code == 202
        run_once(factory, ["pembukaan_periode"])
        assert results_by_skp(factory) == expected
        assert counts(factory) == (2, 2, 2)
