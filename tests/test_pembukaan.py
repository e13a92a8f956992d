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
