"""One row where the domain allows one: SKP per pegawai, year and position; PLT/PLH per jabatan and
period; one holder of a leader position. Simultaneous requests (threads, each its own test client on
the same app, released together by a barrier) leave exactly one winner, the others get 409, never 500.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from conftest import DEMO_TAHUN, Api, find
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.kinerja.org import Jabatan, Pegawai, PenugasanPltPlh
from app.kinerja.skp import Skp

ROUNDS = 5
INFRA = "Kepala Seksi Infrastruktur dan Jaringan"  # vacant in the demo (a PLT acts in it)
STATSAN = "Kepala Bidang Statistik dan Persandian"


def race(app, nips: list[str], call) -> list[tuple[int, dict]]:
    """``call(api, i)`` in one thread per NIP, all released at once; their (status, JSON) in order."""
    apis = [Api(app.test_client(), nip) for nip in nips]
    barrier = threading.Barrier(len(apis))
    results: list = [None] * len(apis)

    def run(i):
        barrier.wait()
        try:
            response = call(apis[i], i)
            results[i] = (response.status_code, response.get_json())
        except Exception as exc:  # noqa: BLE001 - reported as a failure below
            results[i] = (599, {"exception": repr(exc)})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(apis))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def one_winner(results, created: int = 201) -> int:
    statuses = sorted(status for status, _ in results)
    assert statuses == [created] + [409] * (len(results) - 1), results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"], body
    return next(i for i, (status, _) in enumerate(results) if status == created)


def _db(app):
    return app.extensions["db_sessionmaker"]()


def _count(app, query) -> int:
    db = _db(app)
    try:
        return db.scalar(query)
    finally:
        db.close()


def _jabatan_id(app, nama: str) -> int:
    db = _db(app)
    try:
        return db.scalar(select(Jabatan.id).where(Jabatan.nama == nama))
    finally:
        db.close()


def test_simultaneous_skp_creation_makes_one_skp(app, accounts):
    nip = find(accounts, "Kepala Dinas")["nip"]
    pegawai_id = _count(app, select(Pegawai.id).where(Pegawai.nip == nip))
    for round_ in range(ROUNDS):
        tahun = DEMO_TAHUN + 1 + round_
        results = race(app, [nip] * 4, lambda api, i: api.post("/skp", json={"tahun": tahun}))
        winner = one_winner(results)
        assert results[winner][1]["tahun"] == tahun
        for status, body in results:
            if status == 409:
                assert body["error"]["message"] == f"SKP tahun {tahun} untuk jabatan ini sudah ada"
                assert body["error"]["details"]["skp_id"] == results[winner][1]["id"]
        assert _count(app, select(func.count()).select_from(Skp).where(
            Skp.pegawai_id == pegawai_id, Skp.tahun == tahun)) == 1


def test_second_skp_refused_and_cancelled_one_does_not_count(app, accounts, as_user):
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    first = kadis.post("/skp", json={"tahun": DEMO_TAHUN})
    assert first.status_code == 201
    again = kadis.post("/skp", json={"tahun": DEMO_TAHUN})
    assert again.status_code == 409 and again.get_json()["error"]["details"] == {"skp_id": first.get_json()["id"]}
    # the index holds one SKP that is not DIBATALKAN: a cancelled one leaves room for a new one
    db = _db(app)
    db.get(Skp, first.get_json()["id"]).status = "DIBATALKAN"
    db.commit()
    db.close()
    assert kadis.post("/skp", json={"tahun": DEMO_TAHUN}).status_code == 201


def test_simultaneous_plt_plh_for_one_jabatan_store_one(app, accounts):
    admin_nip = next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"]
    jabatan_id = _jabatan_id(app, STATSAN)
    people = [find(accounts, name)["nip"] for name in ("Kepala Seksi Statistik", "Statistisi Ahli Pertama",
                                                       "Kepala Seksi Persandian")]
    for round_ in range(ROUNDS):
        year = 2031 + round_
        results = race(app, [admin_nip] * len(people), lambda api, i: api.post("/plt-plh", json={
            "nip": people[i], "jabatan_id": jabatan_id, "jenis": "PLH" if i % 2 else "PLT",
            "tmt_mulai": f"{year}-0{i + 1}-01", "tmt_selesai": f"{year}-12-31"}))
        one_winner(results)
        for status, body in results:
            if status == 409:
                assert "beririsan" in body["error"]["message"], body
        assert _count(app, select(func.count()).select_from(PenugasanPltPlh).where(
            PenugasanPltPlh.jabatan_id == jabatan_id, PenugasanPltPlh.tmt_mulai.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))) == 1


def test_overlapping_plt_plh_refused_one_after_the_other(app, accounts, as_user):
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    jabatan_id = _jabatan_id(app, STATSAN)
    body = {"nip": find(accounts, "Statistisi Ahli Pertama")["nip"], "jabatan_id": jabatan_id, "jenis": "PLH",
            "tmt_mulai": "2031-01-01", "tmt_selesai": "2031-01-31"}
    assert admin.post("/plt-plh", json=body).status_code == 201
    later = admin.post("/plt-plh", json={**body, "tmt_mulai": "2031-02-01", "tmt_selesai": None})
    assert later.status_code == 201
    # ending the first later than the second starts would make them overlap
    first = next(p for p in admin.get("/plt-plh").get_json() if p["tmt_mulai"] == "2031-01-01")
    r = admin.post(f"/plt-plh/{first['id']}/akhiri", json={"tmt_selesai": "2031-02-10"})
    assert r.status_code == 409 and "beririsan" in r.get_json()["error"]["message"]
    r = admin.post("/plt-plh", json={**body, "tmt_mulai": "2035-01-01", "tmt_selesai": "2035-01-31"})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["penugasan_id"] == later.get_json()[
        "penugasan"]["id"]


def test_simultaneous_moves_into_a_leader_position_leave_one_holder(app, accounts):
    admin_nip = next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"]
    leader_id = _jabatan_id(app, INFRA)
    movers = [find(accounts, name)["nip"] for name in ("Teknisi Sarana", "Pengelola Layanan Operasional",
                                                       "Penata Layanan Operasional")]
    db = _db(app)
    home = {p.nip: p.jabatan_id for p in db.scalars(select(Pegawai).where(Pegawai.nip.in_(movers)))}
    db.close()
    for _ in range(ROUNDS):
        results = race(app, [admin_nip] * len(movers), lambda api, i: api.client.put(
            f"/api/v1/pegawai/{movers[i]}/jabatan", headers=api.headers, json={"jabatan_id": leader_id}))
        winner = one_winner(results, created=200)
        for status, body in results:
            if status == 409:
                assert "masih dijabat" in body["error"]["message"], body
        assert _count(app, select(func.count()).select_from(Pegawai).where(Pegawai.jabatan_id == leader_id)) == 1
        # the winner goes back, so the position is vacant for the next round
        api = Api(app.test_client(), admin_nip)
        back = api.client.put(f"/api/v1/pegawai/{movers[winner]}/jabatan", headers=api.headers,
                              json={"jabatan_id": home[movers[winner]]})
        assert back.status_code == 200, back.get_json()


def test_database_refuses_what_the_checks_would(app, accounts, as_user):
    """The rules hold in the database itself, not only in the checks before the insert."""
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    first = kadis.post("/skp", json={"tahun": DEMO_TAHUN}).get_json()
    db = _db(app)
    try:
        skp = db.get(Skp, first["id"])
        copy = {c.name: getattr(skp, c.name) for c in Skp.__table__.columns if c.name != "id"}
        with pytest.raises(IntegrityError):
            db.execute(Skp.__table__.insert().values(**copy))
        db.rollback()
        if db.get_bind().dialect.name == "postgresql":  # SQLite: write transactions run one after the other
            plt = db.scalar(select(PenugasanPltPlh))
            with pytest.raises(IntegrityError):
                db.execute(PenugasanPltPlh.__table__.insert().values(
                    pegawai_id=plt.pegawai_id, jabatan_id=plt.jabatan_id, jenis="PLH",
                    tmt_mulai=plt.tmt_mulai + dt.timedelta(days=3), tmt_selesai=None, dialihkan=""))
            db.rollback()
    finally:
        db.close()
