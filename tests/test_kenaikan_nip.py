"""Issue 16 items 3 and 7: kenaikan pangkat/jenjang shows each requirement (AK, predikat, outside the
system), configurable; the NIP's birth date, sex and TMT CPNS are stored, shown and checked at import."""
from __future__ import annotations

import datetime as dt
import io

import docx
from conftest import find
from docx.oxml.ns import qn
from sqlalchemy import select
from test_demo_import import GOOD, HEADER, write_csv
from test_pages import pages  # noqa: F401 - fixture

from core.db import write_transaction
from app.kinerja import angka_kredit as ak
from app.kinerja import org
from app.kinerja.importer import import_pegawai
from app.kinerja.nip import kejanggalan, parse_nip
from app.kinerja.penilaian import Penilaian, Periode
from app.kinerja.skp import Skp

JF_NIP = "199607142022031004"  # Fajar Nugroho, Pranata Komputer Ahli Pertama (AKK KJ 100)


def admin_of(accounts):
    return next(a for a in accounts if "admin_kinerja" in a["roles"])


def set_ak_dasar(admin, ak_dasar):
    r = admin.post(f"/pegawai/{JF_NIP}/angka-kredit/dasar", json={"ak": ak_dasar, "keterangan": "PAK Konversi"})
    assert r.status_code in (200, 201), r.get_json()


def annual_predikat(app, tahun, predikat):
    """A final annual penilaian of the JF pegawai for that year (rows written directly)."""
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            p = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == JF_NIP))
            skp = Skp(instansi_id=p.instansi_id, pegawai_id=p.id, tahun=tahun, periode_awal=dt.date(tahun, 1, 1),
                      periode_akhir=dt.date(tahun, 12, 31), jabatan_id=p.jabatan_id, unor_id=p.jabatan.unor_id,
                      pendekatan="KUANTITATIF", jenis_skp="JA_JF", status="SELESAI")
            periode = session.scalar(select(Periode).where(Periode.instansi_id == p.instansi_id,
                                                           Periode.tahun == tahun, Periode.jenis == "TAHUNAN"))
            if periode is None:
                periode = Periode(instansi_id=p.instansi_id, nama="Tahunan", tahun=tahun, jenis="TAHUNAN",
                                  periode_awal=dt.date(tahun, 1, 1), periode_akhir=dt.date(tahun, 12, 31),
                                  batas_pengisian=dt.date(tahun + 1, 1, 10))
            session.add(Penilaian(skp=skp, periode=periode, status="FINAL", predikat=predikat, buka_kembali=[]))
    finally:
        session.close()


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    return " ".join(" ".join("".join(t.text or "" for t in p.iter(qn("w:t")))
                             for p in document.element.body.iter(qn("w:p"))).split())


def test_kenaikan_jenjang_needs_the_predikat_not_only_the_ak(app, accounts, as_user, pages):  # noqa: F811
    admin, me = as_user(admin_of(accounts)["nip"]), as_user(JF_NIP)
    set_ak_dasar(admin, 110)
    body = me.get(f"/pegawai/{JF_NIP}/angka-kredit").get_json()
    kj = body["kenaikan_kj"]
    # only the AK is known: never a plain "Memenuhi"
    assert (body["memenuhi_ak_kj"], body["memenuhi_kj"], kj["status"]) == (True, False, "MEMENUHI_SYARAT_AK")
    assert kj["label"].startswith("Memenuhi syarat AK;") and "uji kompetensi dan formasi" in kj["label"]
    assert [(s["kode"], s["status"]) for s in kj["syarat"]] == [
        ("ANGKA_KREDIT", "TERPENUHI"), ("PREDIKAT", "BELUM_DIKETAHUI"), ("UJI_KOMPETENSI", "DI_LUAR_SISTEM"),
        ("FORMASI", "DI_LUAR_SISTEM")]
    assert [s["kode"] for s in body["kenaikan_kp"]["syarat"]] == ["ANGKA_KREDIT", "PREDIKAT"]

    annual_predikat(app, 2026, "KURANG")
    body = me.get(f"/pegawai/{JF_NIP}/angka-kredit").get_json()
    kj = body["kenaikan_kj"]
    assert (body["memenuhi_ak_kj"], body["memenuhi_kj"], kj["status"]) == (True, False, "BELUM_MEMENUHI")
    predikat = next(s for s in kj["syarat"] if s["kode"] == "PREDIKAT")
    assert predikat["status"] == "BELUM_TERPENUHI" and "2026: Kurang/Misconduct" in predikat["keterangan"]
    assert kj["label"].startswith("Belum memenuhi: predikat kinerja tahunan paling rendah baik")
    sheet = docx_text(me.get(f"/pegawai/{JF_NIP}/angka-kredit/document.docx").data)
    assert "Status kenaikan jenjang Belum memenuhi" in sheet and "Belum terpenuhi (2026: Kurang/Misconduct)" in sheet
    assert "Lulus uji kompetensi Di luar sistem" in sheet
    pages.login(JF_NIP)
    page = pages.html(f"/profil/{JF_NIP}")
    assert "Belum memenuhi: predikat kinerja tahunan" in page and "Di luar sistem" in page

    annual_predikat(app, 2027, "BAIK")  # the newest year counts
    body = me.get(f"/pegawai/{JF_NIP}/angka-kredit").get_json()
    assert (body["memenuhi_kj"], body["kenaikan_kj"]["status"]) == (True, "MEMENUHI_SYARAT_AK_DAN_PREDIKAT")
    sheet = docx_text(me.get(f"/pegawai/{JF_NIP}/angka-kredit/document.docx").data)
    assert "Status kenaikan jenjang Memenuhi syarat AK dan predikat kinerja; uji kompetensi dan formasi" in sheet


def test_predikat_requirement_is_configurable(app, accounts, as_user, client):
    superadmin = as_user(next(a for a in accounts if "superadmin" in a["roles"])["nip"])
    set_ak_dasar(as_user(admin_of(accounts)["nip"]), 110)
    annual_predikat(app, 2026, "BAIK")
    assert superadmin.get("/referensi/angka-kredit").get_json()["syarat"] == {
        "KP": {"predikat_minimal": "BAIK", "jumlah_tahun": 1}, "KJ": {"predikat_minimal": "BAIK", "jumlah_tahun": 1}}
    bad = client.put("/api/v1/referensi/angka-kredit", headers=superadmin.headers,
                     json={"syarat": {"KJ": {"predikat_minimal": "ISTIMEWA", "jumlah_tahun": 9}, "XX": {}}})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {
        "syarat.KJ.predikat_minimal", "syarat.KJ.jumlah_tahun", "syarat.XX"}
    ok = client.put("/api/v1/referensi/angka-kredit", headers=superadmin.headers,
                    json={"syarat": {"KJ": {"jumlah_tahun": 2}, "KP": {"jumlah_tahun": 0}}})
    assert ok.status_code == 200 and ok.get_json()["syarat"]["KJ"] == {"predikat_minimal": "BAIK", "jumlah_tahun": 2}
    body = as_user(JF_NIP).get(f"/pegawai/{JF_NIP}/angka-kredit").get_json()
    predikat = next(s for s in body["kenaikan_kj"]["syarat"] if s["kode"] == "PREDIKAT")
    assert predikat["status"] == "BELUM_DIKETAHUI" and "baru 1 dari 2 tahun" in predikat["keterangan"]
    assert [s["kode"] for s in body["kenaikan_kp"]["syarat"]] == ["ANGKA_KREDIT"]  # KP: no predikat requirement
    assert body["kenaikan_kp"]["status"] == "MEMENUHI_SYARAT_AK" and body["memenuhi_kp"] is True


def test_syarat_kenaikan_rules():
    syarat = ak.AkSyarat(jenis="KJ", predikat_minimal="BAIK", jumlah_tahun=1)
    D = ak.Decimal
    below = ak.syarat_kenaikan("KJ", D("90"), D("100"), syarat, {2026: "SANGAT_BAIK"})
    assert below["status"] == "BELUM_MEMENUHI" and below["memenuhi"] is False and below["memenuhi_ak"] is False
    assert below["label"] == "Belum memenuhi: angka kredit kumulatif paling sedikit 100,00"
    top = ak.syarat_kenaikan("KJ", D("500"), None, syarat, {})
    assert (top["status"], top["syarat"]) == ("TIDAK_ADA", [])
    mutasi = ak.syarat_kenaikan("KJ", D("100"), D("100"), syarat, {2026: "BUTUH_PERBAIKAN", 2025: "KURANG"})
    assert mutasi["status"] == "BELUM_MEMENUHI"  # only the last year counts, and it is below Baik


def test_nip_data_is_stored_shown_and_checked(app, accounts, as_user, pages):  # noqa: F811
    me = as_user(JF_NIP)
    profil = me.get(f"/pegawai/{JF_NIP}/profil").get_json()
    assert (profil["tanggal_lahir"], profil["jenis_kelamin"], profil["tmt_cpns"]) == ("1996-07-14", "L", "2022-03-01")
    assert profil["peringatan_nip"] == [] and profil["angka_kredit"]["jf_jenjang"] == "AHLI_PERTAMA"
    assert me.get("/me").get_json()["tanggal_lahir"] == "1996-07-14"
    pages.login(JF_NIP)
    page = pages.html("/profil")
    assert "14-07-1996" in page and "Laki-laki" in page and "03-2022" in page
    peer = find(accounts, "Pengolah Data dan Informasi")
    assert as_user(peer["nip"]).get(f"/pegawai/{JF_NIP}/profil").status_code == 403
    pages.login(peer["nip"])
    assert pages.get(f"/profil/{JF_NIP}").status_code == 403


def test_implausible_nips():
    today = dt.date(2026, 12, 2)
    assert kejanggalan(parse_nip("199607142022031004"), today) == []
    young = kejanggalan(parse_nip("200001012015031001"), today)
    assert young == ["TMT CPNS dari NIP (03-2015) sebelum usia 18 tahun (lahir 01-01-2000)"]
    # the month of the 18th birthday is plausible
    assert kejanggalan(parse_nip("200003152018031001"), today) == []
    future = kejanggalan(parse_nip("209901012020031001"), today)
    assert future[0] == "tanggal lahir dari NIP (01-01-2099) di masa depan" and len(future) == 2
    pppk = kejanggalan(parse_nip("201001012024211005", "PPPK"), today)
    assert pppk == ["tahun pengangkatan PPPK dari NIP (2024) sebelum usia 18 tahun (lahir 01-01-2010)"]


def test_minimum_age_is_configurable(monkeypatch):
    monkeypatch.setenv("EKINERJA_NIP_USIA_MINIMAL", "16")
    assert kejanggalan(parse_nip("200001012016031001"), dt.date(2026, 12, 2)) == []
    monkeypatch.setenv("EKINERJA_NIP_USIA_MINIMAL", "17")
    assert kejanggalan(parse_nip("200001012016031001"), dt.date(2026, 12, 2)) == [
        "TMT CPNS dari NIP (03-2016) sebelum usia 17 tahun (lahir 01-01-2000)"]


def test_import_stores_nip_data_and_warns(db_session, tmp_path):
    with write_transaction(db_session):
        db_session.add(org.Instansi(kode="PROV", nama="Pemerintah Provinsi Uji", jenis="DAERAH", lokasi="Kota Uji"))
    rows = [list(r) for r in GOOD]
    rows[2][0] = "200501012015031003"  # TMT CPNS at 10 years old
    warnings: list[str] = []
    counts = import_pegawai(db_session, write_csv(tmp_path / "p.csv", [HEADER] + rows), fast_hash=True,
                            peringatan=warnings)
    assert counts["pegawai_baru"] == 5
    assert warnings == ["baris 4: NIP 200501012015031003: TMT CPNS dari NIP (03-2015) sebelum usia 18 tahun "
                        "(lahir 01-01-2005)"]
    stored = {p.nip: p for p in db_session.scalars(select(org.Pegawai))}
    sari = stored["198002022005012002"]
    assert (sari.tanggal_lahir, sari.jenis_kelamin, sari.tmt_cpns) == (dt.date(1980, 2, 2), "P", dt.date(2005, 1, 1))
    dedi = stored["199805052024211005"]  # PPPK
    assert (dedi.tahun_pengangkatan, dedi.tmt_cpns, dedi.jenis_kelamin) == (2024, None, "L")
