"""Periods of one jenis never overlap and are calendar units; the angka kredit ledger credits a month once.
On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import DEMO_TAHUN, PG_URL
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from test_angka_kredit import demo, pegawai  # noqa: F401 - fixture
from test_pages import pages  # noqa: F401 - fixture
from test_penilaian import admin_of
from test_penilaian_pages import count_periode
from test_uniqueness import one_winner, race

from core.db import make_engine, make_sessionmaker, write_transaction
from app.kinerja import angka_kredit as ak
from app.kinerja import kenaikan

Y = DEMO_TAHUN
AHLI_MUDA_NIP = "198505052010011007"  # Andi Saputra, Pranata Komputer Ahli Muda (koefisien 25)


def periode(nama, jenis, awal, akhir):
    return {"nama": nama, "jenis": jenis, "periode_awal": f"{Y}-{awal}", "periode_akhir": f"{Y}-{akhir}",
            "batas_pengisian": f"{Y + 1}-01-10"}


def test_overlapping_periods_of_one_jenis_are_refused(app, accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    januari = admin.post("/periode", json=periode("Januari", "BULANAN", "01-01", "01-31"))
    assert januari.status_code == 201
    q1 = admin.post("/periode", json=periode("Triwulan I", "TRIWULANAN", "01-01", "03-31"))
    assert q1.status_code == 201  # another jenis may cover the same months
    for body, clash in ((periode("Bulan Satu", "BULANAN", "01-01", "01-31"), januari),
                        (periode("Triwulan Pertama", "TRIWULANAN", "01-01", "03-31"), q1)):
        r = admin.post("/periode", json=body)
        assert r.status_code == 409, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "conflict" and f"'{clash.get_json()['nama']}'" in error["message"]
        assert error["details"]["periode_id"] == clash.get_json()["id"]
    assert count_periode(app) == 2
    # the next month and another instansi's periods are fine
    assert admin.post("/periode", json=periode("Februari", "BULANAN", "02-01", "02-28")).status_code == 201


def test_simultaneous_periods_of_one_jenis_store_one(app, accounts):
    admin_nip = admin_of(accounts)["nip"]
    for month in range(1, 5):
        last = (dt.date(Y, month + 1, 1) - dt.timedelta(days=1)).day
        results = race(app, [admin_nip] * 3, lambda api, i: api.post("/periode", json=periode(
            f"Bulan {month}.{i}", "BULANAN", f"{month:02d}-01", f"{month:02d}-{last}")))
        one_winner(results)
        assert count_periode(app) == month


@pytest.mark.parametrize("jenis,awal,akhir,field", [
    ("BULANAN", "01-01", "02-28", "periode_akhir"),
    ("BULANAN", "01-15", "02-14", "periode_awal"),
    ("TRIWULANAN", "02-01", "04-30", "periode_awal"),
    ("TRIWULANAN", "01-01", "02-28", "periode_akhir"),
    ("SEMESTERAN", "04-01", "09-30", "periode_awal"),
    ("SEMESTERAN", "07-01", "12-30", "periode_akhir"),
    ("TAHUNAN", "01-01", "06-30", "periode_akhir"),
])
def test_a_period_is_one_calendar_unit(app, accounts, as_user, jenis, awal, akhir, field):
    admin = as_user(admin_of(accounts)["nip"])
    r = admin.post("/periode", json=periode("Periode", jenis, awal, akhir))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["details"]["fields"][field].startswith(f"periode {jenis.lower()} harus satu ")
    assert count_periode(app) == 0


def test_calendar_units_are_accepted(app, accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    for body in (periode("Februari", "BULANAN", "02-01", "02-28"), periode("Triwulan IV", "TRIWULANAN", "10-01", "12-31"),
                 periode("Semester II", "SEMESTERAN", "07-01", "12-31"), periode("Tahunan", "TAHUNAN", "01-01", "12-31")):
        assert admin.post("/periode", json=body).status_code == 201, body


def test_periode_page_names_the_clashing_period(app, accounts, pages):  # noqa: F811
    pages.login(admin_of(accounts)["nip"])
    assert pages.post("/periode", periode("Maret", "BULANAN", "03-01", "03-31")).status_code == 302
    r = pages.post("/periode", periode("Bulan Tiga", "BULANAN", "03-01", "03-31"))
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "beririsan dengan periode bulanan &#39;Maret&#39;" in html or "beririsan dengan periode bulanan 'Maret'" in html
    assert 'value="Bulan Tiga"' in html  # what was typed stays
    r = pages.post("/periode", periode("Triwulan", "TRIWULANAN", "02-01", "04-30"))
    assert r.status_code == 422 and "satu triwulan kalender" in r.get_data(as_text=True)
    assert count_periode(app) == 1


def test_ledger_credits_a_month_once(demo):  # noqa: F811
    """A TRIWULANAN and a BULANAN (or a SEMESTERAN) evaluation of the same months: the months already
    credited are skipped, never counted twice (an Ahli Muda got 12,5 for three months before)."""
    session = demo
    with write_transaction(session):
        andi = pegawai(session, AHLI_MUDA_NIP)
        q1 = ak.catat_dari_penilaian(session, andi, 901, dt.date(Y, 1, 1), dt.date(Y, 3, 31), "BAIK")
        januari = ak.catat_dari_penilaian(session, andi, 902, dt.date(Y, 1, 1), dt.date(Y, 1, 31), "BAIK")
        semester = ak.catat_dari_penilaian(session, andi, 903, dt.date(Y, 1, 1), dt.date(Y, 6, 30), "SANGAT_BAIK")
    assert (q1.jumlah_bulan, q1.ak) == (3, Decimal("6.250"))
    assert januari is None
    assert (semester.jumlah_bulan, semester.ak) == (3, Decimal("9.375"))  # April–June only: 3/12 × 150% × 25
    assert "bulan Januari 2026, Februari 2026, Maret 2026 sudah dikreditkan" in semester.keterangan
    summary = kenaikan.ringkasan(session, pegawai(session, AHLI_MUDA_NIP))
    assert summary["ak_kumulatif"] == Decimal("15.625")
    # a repeat of the same penilaian keeps its own months
    with write_transaction(session):
        again = ak.catat_dari_penilaian(session, pegawai(session, AHLI_MUDA_NIP), 901, dt.date(Y, 1, 1),
                                        dt.date(Y, 3, 31), "SANGAT_BAIK")
    assert (again.id, again.jumlah_bulan, again.ak) == (q1.id, 3, Decimal("9.375"))
    assert [b.bulan.month for b in again.bulan] == [1, 2, 3]


def test_database_holds_a_month_once_per_pegawai(demo):  # noqa: F811
    session = demo
    with write_transaction(session):
        row = ak.catat_dari_penilaian(session, pegawai(session, AHLI_MUDA_NIP), 911, dt.date(Y, 5, 1),
                                      dt.date(Y, 5, 31), "BAIK")
    with pytest.raises(IntegrityError):
        with write_transaction(session):
            session.execute(ak.AngkaKreditBulan.__table__.insert().values(
                pegawai_id=row.pegawai_id, bulan=dt.date(Y, 5, 1), angka_kredit_id=row.id))
    assert session.scalar(select(func.count()).select_from(ak.AngkaKreditBulan)) == 1


@pytest.fixture
def fresh_engine(database_url, tmp_path):
    """An empty database of its own (a file on SQLite, a schema on PostgreSQL) for an upgrade."""
    if database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{tmp_path / 'upgrade.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"ekinerja_upgrade_{os.getpid()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def test_upgrade_fills_the_month_ledger_and_stops_on_duplicate_skp(app, fresh_engine):
    from test_upgrade_all_revisions import _head_rows, _insert_as_of_revision

    from app.kinerja.skp import Skp
    from app.migrate import current_revision, upgrade

    upgrade(fresh_engine, "0010")  # the demo instansi as it was at 0010: the head rows, with 0010's columns
    _insert_as_of_revision(fresh_engine, _head_rows(app.extensions["db_engine"]))
    session = make_sessionmaker(fresh_engine)()
    row = session.execute(text("SELECT p.id, p.instansi_id, p.jabatan_id, j.unor_id FROM pegawai p "
                               "JOIN jabatan j ON j.id = p.jabatan_id WHERE p.nip = :nip"), {"nip": AHLI_MUDA_NIP}).one()
    andi = SimpleNamespace(id=row.id, instansi_id=row.instansi_id, jabatan_id=row.jabatan_id,
                           jabatan=SimpleNamespace(unor_id=row.unor_id))
    with write_transaction(session):
        for awal, akhir in ((dt.date(Y, 1, 1), dt.date(Y, 3, 31)), (dt.date(Y, 1, 1), dt.date(Y, 6, 30))):
            session.execute(ak.AngkaKredit.__table__.insert().values(
                pegawai_id=andi.id, sumber="PENILAIAN", periode_awal=awal, periode_akhir=akhir, jumlah_bulan=3,
                jf_jenjang="AHLI_MUDA", ak=Decimal("6.25"), keterangan="", created_at=dt.datetime(Y, 7, 1, tzinfo=dt.timezone.utc)))
        skp = {"instansi_id": andi.instansi_id, "pegawai_id": andi.id, "tahun": Y, "periode_awal": dt.date(Y, 1, 1),
               "periode_akhir": dt.date(Y, 12, 31), "jabatan_id": andi.jabatan_id, "unor_id": andi.jabatan.unor_id,
               "pendekatan": "KUANTITATIF", "jenis_skp": "JA_JF", "status": "DRAFT", "catatan_pengembalian": "",
               "snapshot": {}, "is_plt_plh": False}
        twins = [session.execute(Skp.__table__.insert().values(**skp)).inserted_primary_key[0] for _ in range(2)]
    session.close()
    with pytest.raises(RuntimeError, match=rf"Migrasi 0011 berhenti: ada SKP yang sama .*{twins[0]}.*{twins[1]}"):
        upgrade(fresh_engine)
    assert current_revision(fresh_engine) == "0010"  # nothing changed
    with fresh_engine.begin() as conn:
        conn.execute(text(f"UPDATE skp SET status = 'DIBATALKAN' WHERE id = {twins[1]}"))
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        rows = conn.execute(text("SELECT bulan, angka_kredit_id FROM angka_kredit_bulan ORDER BY bulan")).all()
        ids = conn.execute(text("SELECT id FROM angka_kredit ORDER BY id")).scalars().all()
    assert [(dt.date.fromisoformat(str(b)).month, i) for b, i in rows] == [
        (1, ids[0]), (2, ids[0]), (3, ids[0]), (4, ids[1]), (5, ids[1]), (6, ids[1])]
