"""Angka kredit of jabatan fungsional (PerBKN 3/2023): conversion, reference data, ledger, API and the
konversi sheet, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import docx
import pypdf
import pytest
from conftest import DEMO_PASSWORD, find
from docx.oxml.ns import qn
from sqlalchemy import func, select

from core.db import write_transaction
from core.errors import ValidationFailed
from app.kinerja import angka_kredit as ak
from app.kinerja import kenaikan
from app.kinerja import org
from app.kinerja.demo import load_demo
from app.kinerja.password import hash_password

JF_NIP = "199607142022031004"  # Fajar Nugroho, Pranata Komputer Ahli Pertama (penilai: Kasi Pengembangan Aplikasi)
PENGAWAS_NIP = "198309122009031003"  # Kepala Seksi Pengembangan Aplikasi (not fungsional)
D = Decimal

# PerBKN 3/2023 (domain §4.7), written out here independently of the module's defaults.
EXPECTED_PERSEN = {"SANGAT_BAIK": 150, "BAIK": 100, "BUTUH_PERBAIKAN": 75, "KURANG": 50, "SANGAT_KURANG": 25}
EXPECTED_JENJANG = {"AHLI_PERTAMA": ("12.5", 50, 100), "AHLI_MUDA": ("25", 100, 200), "AHLI_MADYA": ("37.5", 150, 450),
                    "AHLI_UTAMA": ("50", 200, None), "PEMULA": ("3.75", 15, 15), "TERAMPIL": ("5", 20, 60),
                    "MAHIR": ("12.5", 50, 100), "PENYELIA": ("25", 100, None)}


def pegawai(session, nip) -> org.Pegawai:
    return session.scalar(select(org.Pegawai).where(org.Pegawai.nip == nip))


def ledger_count(session) -> int:
    return session.scalar(select(func.count()).select_from(ak.AngkaKredit))


@pytest.fixture
def demo(db_session):
    load_demo(db_session, 2026, fast_hash=True)
    db_session.rollback()
    return db_session


# ---------------------------------------------------------------- conversion

def test_bkn_examples_exactly(demo):
    session = demo
    setahun = ak.hitung_ak(session, "AHLI_PERTAMA", "SANGAT_BAIK", 12)
    dua_bulan = ak.hitung_ak(session, "AHLI_PERTAMA", "BAIK", 2)
    assert setahun == D("18.750") and ak.format_ak(setahun) == "18,75"
    assert dua_bulan == D("2.083") and ak.format_ak(dua_bulan) == "2,08"
    assert ak.format_ak(setahun + dua_bulan) == "20,83"


def test_every_default_combination_for_a_year(demo):
    session = demo
    assert set(ak.persentase_map(session)) == set(EXPECTED_PERSEN)
    assert set(ak.jenjang_map(session)) == set(EXPECTED_JENJANG)
    for jenjang, (koefisien, akk_kp, akk_kj) in EXPECTED_JENJANG.items():
        row = ak.jenjang_map(session)[jenjang]
        assert (row.akk_kp, row.akk_kj) == (D(akk_kp), None if akk_kj is None else D(akk_kj)), jenjang
        assert row.kategori == ("KEAHLIAN" if jenjang.startswith("AHLI") else "KETERAMPILAN")
        for predikat, persen in EXPECTED_PERSEN.items():
            expected = (D(persen) * D(koefisien) / 100).quantize(D("0.001"), rounding=ROUND_HALF_UP)
            assert ak.hitung_ak(session, jenjang, predikat, 12) == expected, (jenjang, predikat)
    # the one default product with a 4th decimal: 75% × 3,75 = 2,8125, kept as 2,813 and printed 2,81
    assert ak.hitung_ak(session, "PEMULA", "BUTUH_PERBAIKAN", 12) == D("2.813")
    assert ak.format_ak(ak.hitung_ak(session, "PEMULA", "BUTUH_PERBAIKAN", 12)) == "2,81"


def test_unknown_values_name_the_field(demo):
    with pytest.raises(ValidationFailed) as bad_jenjang:
        ak.hitung_ak(demo, "AHLI_SUPER", "BAIK", 12)
    assert set(bad_jenjang.value.fields) == {"jf_jenjang"}
    with pytest.raises(ValidationFailed) as bad_predikat:
        ak.hitung_ak(demo, "AHLI_PERTAMA", "CUKUP", 12)
    assert set(bad_predikat.value.fields) == {"predikat"}
    for months in (0, 13, "12"):
        with pytest.raises(ValidationFailed) as bad_months:
            ak.hitung_ak(demo, "AHLI_PERTAMA", "BAIK", months)
        assert set(bad_months.value.fields) == {"jumlah_bulan"}


def test_whole_months_and_printing():
    assert ak.jumlah_bulan(dt.date(2024, 1, 1), dt.date(2024, 2, 29)) == 2
    assert ak.jumlah_bulan(dt.date(2026, 1, 1), dt.date(2026, 2, 28)) == 2
    assert ak.jumlah_bulan(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 12
    assert ak.jumlah_bulan(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 1
    assert ak.jumlah_bulan(dt.date(2025, 12, 1), dt.date(2026, 2, 28)) == 3
    # a split in the middle of July never counts July twice
    assert ak.jumlah_bulan(dt.date(2026, 1, 1), dt.date(2026, 7, 15)) == 6
    assert ak.jumlah_bulan(dt.date(2026, 7, 16), dt.date(2026, 12, 31)) == 5
    assert ak.jumlah_bulan(dt.date(2026, 3, 2), dt.date(2026, 3, 31)) == 0
    with pytest.raises(ValidationFailed) as backwards:
        ak.jumlah_bulan(dt.date(2026, 3, 1), dt.date(2026, 2, 1))
    assert "periode_akhir" in backwards.value.fields
    assert [ak.format_ak(v) for v in (D("18.750"), D("2.083"), D("2.085"), D("1234.5"), D("0"), None)] == \
        ["18,75", "2,08", "2,09", "1.234,50", "0,00", "-"]
    assert [ak.format_angka(v) for v in (D("12.500"), D("150.00"), D("3.75"))] == ["12,5", "150", "3,75"]
    assert ak.label_periode(dt.date(2026, 1, 1), dt.date(2026, 2, 28)) == "Januari – Februari 2026"


def test_seed_is_idempotent_and_keeps_an_admins_change(demo):
    session = demo
    with write_transaction(session):
        session.get(ak.AkPersentase, "BAIK").persen = D("110")
        session.delete(session.get(ak.AkJenjang, "PENYELIA"))
    with write_transaction(session):
        added = ak.seed_defaults(session)
        again = ak.seed_defaults(session)
    assert (added, again) == (1, 0)
    assert session.get(ak.AkPersentase, "BAIK").persen == D("110")
    assert session.get(ak.AkJenjang, "PENYELIA").koefisien == D("25")
    assert session.scalar(select(func.count()).select_from(ak.AkPersentase)) == 5
    assert session.scalar(select(func.count()).select_from(ak.AkJenjang)) == 8
    assert ak.hitung_ak(session, "AHLI_PERTAMA", "BAIK", 12) == D("13.750")


# ---------------------------------------------------------------- ledger

def test_ledger_is_idempotent_per_penilaian_and_sums_in_the_jenjang(demo):
    session = demo
    with write_transaction(session):
        fajar = pegawai(session, JF_NIP)
        first = ak.catat_dari_penilaian(session, fajar, 501, dt.date(2025, 1, 1), dt.date(2025, 12, 31),
                                        "BUTUH_PERBAIKAN")
        again = ak.catat_dari_penilaian(session, fajar, 501, dt.date(2025, 1, 1), dt.date(2025, 12, 31),
                                        "SANGAT_BAIK")
        periodik = ak.catat_dari_penilaian(session, fajar, 502, dt.date(2026, 1, 1), dt.date(2026, 2, 28), "BAIK")
    assert again.id == first.id and ledger_count(session) == 2
    assert (again.ak, again.predikat, again.jumlah_bulan) == (D("18.750"), "SANGAT_BAIK", 12)
    assert (again.persentase, again.koefisien) == (D("150"), D("12.5"))
    assert (periodik.ak, periodik.jumlah_bulan, periodik.jf_jenjang) == (D("2.083"), 2, "AHLI_PERTAMA")

    summary = kenaikan.ringkasan(session, pegawai(session, JF_NIP))
    assert [r.ak for r in summary["items"]] == [D("18.750"), D("2.083")]
    assert summary["ak_kumulatif"] == D("20.833") and ak.format_ak(summary["ak_kumulatif"]) == "20,83"
    assert (summary["akk_kp"], summary["akk_kj"]) == (D("50"), D("100"))
    assert (summary["kekurangan_kp"], summary["kekurangan_kj"]) == (D("29.167"), D("79.167"))
    assert (summary["memenuhi_kp"], summary["memenuhi_kj"]) == (False, False)

    with write_transaction(session):
        ak.catat_ak_dasar(session, pegawai(session, JF_NIP), None, D("40"), "PAK Konversi 2024", None)
    summary = kenaikan.ringkasan(session, pegawai(session, JF_NIP))
    assert (summary["ak_dasar"], summary["ak_kumulatif"]) == (D("40.000"), D("60.833"))
    assert (summary["kekurangan_kp"], summary["kekurangan_kj"]) == (D("0"), D("39.167"))  # never negative
    assert (summary["memenuhi_ak_kp"], summary["memenuhi_ak_kj"]) == (True, False)
    # no annual predikat yet: only the AK is known, so the kenaikan pangkat is not "met" (issue 16)
    assert (summary["memenuhi_kp"], summary["kenaikan_kp"]["status"]) == (False, "MEMENUHI_SYARAT_AK")
    assert summary["items"][0].sumber == "AK_DASAR"

    with write_transaction(session):  # a second AK dasar for the jenjang replaces the first
        ak.catat_ak_dasar(session, pegawai(session, JF_NIP), "AHLI_PERTAMA", D("90"), "PAK Konversi (ralat)", None)
    summary = kenaikan.ringkasan(session, pegawai(session, JF_NIP))
    assert ledger_count(session) == 3
    assert summary["ak_kumulatif"] == D("110.833") and summary["memenuhi_ak_kj"] is True
    assert summary["kekurangan_kj"] == D("0")

    # a promotion to Ahli Muda starts a new accumulation
    with write_transaction(session):
        pegawai(session, JF_NIP).jabatan.jf_jenjang = "AHLI_MUDA"
    summary = kenaikan.ringkasan(session, pegawai(session, JF_NIP))
    assert summary["items"] == [] and summary["ak_kumulatif"] == D("0")
    assert (summary["akk_kp"], summary["kekurangan_kp"]) == (D("100"), D("100.000"))


def test_period_without_a_whole_month_removes_the_conversion(demo):
    session = demo
    with write_transaction(session):
        fajar = pegawai(session, JF_NIP)
        ak.catat_dari_penilaian(session, fajar, 601, dt.date(2026, 3, 1), dt.date(2026, 3, 31), "BAIK")
    assert ledger_count(session) == 1
    with write_transaction(session):  # the same penilaian, its period corrected to half a month
        row = ak.catat_dari_penilaian(session, pegawai(session, JF_NIP), 601, dt.date(2026, 3, 16),
                                      dt.date(2026, 3, 31), "BAIK")
    assert row is None and ledger_count(session) == 0


def test_non_fungsional_pegawai_gets_nothing(demo):
    session = demo
    with write_transaction(session):
        kasi = pegawai(session, PENGAWAS_NIP)
        assert ak.catat_dari_penilaian(session, kasi, 701, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "BAIK") is None
        fajar = pegawai(session, JF_NIP)
        fajar.jabatan.jf_jenjang = None  # fungsional without a jenjang
        assert ak.catat_dari_penilaian(session, fajar, 702, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "BAIK") is None
    assert ledger_count(session) == 0
    summary = kenaikan.ringkasan(session, pegawai(session, PENGAWAS_NIP))
    assert summary["jf_jenjang"] is None and summary["items"] == []
    assert (summary["memenuhi_kp"], summary["memenuhi_kj"], summary["akk_kp"]) == (False, False, None)


def test_unknown_predikat_in_the_ledger_writes_nothing(demo):
    session = demo
    with pytest.raises(ValidationFailed) as exc:
        with write_transaction(session):
            ak.catat_dari_penilaian(session, pegawai(session, JF_NIP), 801, dt.date(2026, 1, 1),
                                    dt.date(2026, 12, 31), "ISTIMEWA")
    assert set(exc.value.fields) == {"predikat"}
    assert ledger_count(session) == 0


# ---------------------------------------------------------------- API

def seed_ledger(app, nip=JF_NIP):
    """The two BKN examples as converted penilaian of the pegawai, in a transaction of their own."""
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            p = pegawai(session, nip)
            ak.catat_dari_penilaian(session, p, 9001, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "SANGAT_BAIK")
            ak.catat_dari_penilaian(session, p, 9002, dt.date(2026, 1, 1), dt.date(2026, 2, 28), "BAIK")
    finally:
        session.close()


def table_state(app) -> tuple[dict, dict]:
    session = app.extensions["db_sessionmaker"]()
    try:
        persen = {r.predikat: r.persen for r in session.scalars(select(ak.AkPersentase))}
        jenjang = {r.jf_jenjang: (r.koefisien, r.akk_kp, r.akk_kj) for r in session.scalars(select(ak.AkJenjang))}
        return persen, jenjang
    finally:
        session.close()


def other_instansi_admin(app) -> str:
    """An admin kinerja and superadmin of another instansi; returns the NIP."""
    nip = "198001012005011001"
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            instansi = org.Instansi(kode="LAIN", nama="Pemerintah Kabupaten Lain")
            unor = org.Unor(instansi=instansi, kode="BKPSDM", nama="BKPSDM")
            jabatan = org.Jabatan(unor=unor, nama="Analis SDM Aparatur Ahli Muda", jenis_jabatan="FUNGSIONAL",
                                  jf_jenjang="AHLI_MUDA")
            p = org.Pegawai(instansi=instansi, nip=nip, nama="Admin Lain", jabatan=jabatan)
            session.add_all([instansi, unor, jabatan, p,
                             org.Akun(pegawai=p, password_hash=hash_password(DEMO_PASSWORD, fast=True),
                                      roles=["admin_kinerja", "superadmin"])])
    finally:
        session.close()
    return nip


def test_get_angka_kredit_permissions(app, accounts, as_user, client):
    fajar = next(a for a in accounts if a["nip"] == JF_NIP)
    assert fajar["jabatan"] == "Pranata Komputer Ahli Pertama"
    seed_ledger(app)
    path = f"/pegawai/{JF_NIP}/angka-kredit"
    admin = next(a for a in accounts if "admin_kinerja" in a["roles"])
    superadmin = next(a for a in accounts if "superadmin" in a["roles"])
    for nip in (JF_NIP, fajar["pejabat_penilai_nip"], admin["nip"], superadmin["nip"]):
        r = as_user(nip).get(path)
        assert r.status_code == 200, (nip, r.get_json())
        body = r.get_json()
        assert body["ak_kumulatif"] == 20.833 and body["ak_kumulatif_teks"] == "20,83"
        assert [i["ak_teks"] for i in body["items"]] == ["18,75", "2,08"]
        assert (body["jf_jenjang"], body["akk_kp"], body["kekurangan_kp"]) == ("AHLI_PERTAMA", 50, 29.167)
        assert body["memenuhi_kp"] is False

    peer = find(accounts, "Pengolah Data dan Informasi")  # same Seksi, not the penilai
    kadis = find(accounts, "Kepala Dinas Komunikasi")
    for nip in (peer["nip"], kadis["nip"], other_instansi_admin(app)):
        r = as_user(nip).get(path)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", nip

    me = as_user(JF_NIP)
    assert me.get("/pegawai/199001012015031999/angka-kredit").status_code == 404
    bad = me.get("/pegawai/12345/angka-kredit")
    assert bad.status_code == 422 and "nip" in bad.get_json()["error"]["details"]["fields"]
    assert client.get(f"/api/v1{path}").status_code == 401

    kasi = as_user(PENGAWAS_NIP).get(f"/pegawai/{PENGAWAS_NIP}/angka-kredit").get_json()
    assert kasi["jabatan_fungsional"] is False and kasi["items"] == []


def test_referensi_read_and_change(app, accounts, as_user, client):
    pegawai_api = as_user(JF_NIP)
    ref = pegawai_api.get("/referensi/angka-kredit").get_json()
    assert ref["persentase"] == EXPECTED_PERSEN
    assert ref["koefisien"]["AHLI_PERTAMA"] == {"kategori": "KEAHLIAN", "koefisien": 12.5, "akk_kp": 50, "akk_kj": 100}
    assert ref["koefisien"]["PENYELIA"]["akk_kj"] is None
    before = table_state(app)

    change = {"persentase": {"BAIK": 110}, "koefisien": {"AHLI_PERTAMA": {"koefisien": 15}}}
    forbidden = client.put("/api/v1/referensi/angka-kredit", headers=pegawai_api.headers, json=change)
    assert forbidden.status_code == 403
    assert table_state(app) == before

    admin_kinerja = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    assert client.put("/api/v1/referensi/angka-kredit", headers=admin_kinerja.headers, json=change).status_code == 403
    assert table_state(app) == before  # shared by every instansi: only a superadmin changes them
    admin = as_user(next(a for a in accounts if "superadmin" in a["roles"])["nip"])
    put = lambda body: client.put("/api/v1/referensi/angka-kredit", headers=admin.headers, json=body)  # noqa: E731
    bad = put({"persentase": {"SANGAT_BAIK": 160, "BAIK": -5, "ISTIMEWA": 200},
               "koefisien": {"AHLI_PERTAMA": {"koefisien": "abc", "akk_kp": 60}, "AHLI_SUPER": {"koefisien": 1},
                             "AHLI_MUDA": {"koefisien": 0, "akk_kj": True, "warna": 1}}})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"persentase.BAIK", "persentase.ISTIMEWA", "koefisien.AHLI_PERTAMA.koefisien",
                           "koefisien.AHLI_SUPER", "koefisien.AHLI_MUDA.koefisien", "koefisien.AHLI_MUDA.akk_kj",
                           "koefisien.AHLI_MUDA.warna"}
    assert table_state(app) == before  # the valid parts (SANGAT_BAIK 160, akk_kp 60) were not written either
    malformed = client.put("/api/v1/referensi/angka-kredit", headers=admin.headers, data="{",
                           content_type="application/json")
    assert malformed.status_code == 400 and table_state(app) == before

    ok = put(change)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["persentase"]["BAIK"] == 110 and ok.get_json()["persentase"]["SANGAT_BAIK"] == 150
    assert ok.get_json()["koefisien"]["AHLI_PERTAMA"] == {"kategori": "KEAHLIAN", "koefisien": 15, "akk_kp": 50,
                                                          "akk_kj": 100}
    session = app.extensions["db_sessionmaker"]()
    try:
        assert ak.hitung_ak(session, "AHLI_PERTAMA", "BAIK", 12) == D("16.500")
        assert ak.hitung_ak(session, "AHLI_PERTAMA", "SANGAT_BAIK", 12) == D("22.500")
        assert ak.hitung_ak(session, "AHLI_MUDA", "BAIK", 12) == D("27.500")
    finally:
        session.close()
    superadmin = as_user(next(a for a in accounts if "superadmin" in a["roles"])["nip"])
    top = client.put("/api/v1/referensi/angka-kredit", headers=superadmin.headers,
                     json={"koefisien": {"AHLI_UTAMA": {"akk_kj": None, "akk_kp": 210.5}}})
    assert top.status_code == 200 and top.get_json()["koefisien"]["AHLI_UTAMA"]["akk_kp"] == 210.5


def test_ak_dasar_through_the_api(app, accounts, as_user):
    path = f"/pegawai/{JF_NIP}/angka-kredit/dasar"
    body = {"ak": 45.5, "keterangan": "PAK Konversi Nomor 800/123/BKD/2024", "tanggal": "2024-01-02"}
    assert as_user(JF_NIP).post(path, json=body).status_code == 403
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    created = admin.post(path, json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["ak_dasar"] == 45.5 and created.get_json()["items"][0]["sumber"] == "AK_DASAR"
    replaced = admin.post(path, json={**body, "ak": 52})
    assert replaced.status_code == 200 and replaced.get_json()["ak_kumulatif"] == 52
    assert len(replaced.get_json()["items"]) == 1
    bad = admin.post(path, json={"ak": -1, "keterangan": "", "jf_jenjang": "AHLI_SUPER"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"ak", "keterangan", "jf_jenjang"}
    assert as_user(JF_NIP).get(f"/pegawai/{JF_NIP}/angka-kredit").get_json()["ak_dasar"] == 52


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p")))


def test_konversi_documents(app, accounts, as_user):
    seed_ledger(app)
    fajar = next(a for a in accounts if a["nip"] == JF_NIP)
    me = as_user(JF_NIP)
    pdf = me.get(f"/pegawai/{JF_NIP}/angka-kredit/document.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    text = " ".join("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages).split())
    word = me.get(f"/pegawai/{JF_NIP}/angka-kredit/document.docx")
    assert word.status_code == 200
    wtext = " ".join(docx_text(word.data).split())
    assert "{{" not in wtext and "{%" not in wtext
    for content in (text, wtext):
        for expected in ("18,75", "2,08", "20,83", JF_NIP, fajar["pejabat_penilai_nip"], "Fajar Nugroho",
                         "TABEL AKUMULASI ANGKA KREDIT", "Pejabat Penilai Kinerja", "Kolom 2 × Kolom 3",
                         "Januari – Desember 2025", "Sangat Baik", "150%", "12,5", "29,17"):
            assert expected in content, (expected, content[:2000])

    assert as_user(find(accounts, "Pengolah Data dan Informasi")["nip"]).get(
        f"/pegawai/{JF_NIP}/angka-kredit/document.pdf").status_code == 403
    assert me.get(f"/pegawai/{JF_NIP}/angka-kredit/document.txt").status_code == 404
    kasi = as_user(PENGAWAS_NIP).get(f"/pegawai/{PENGAWAS_NIP}/angka-kredit/document.docx")
    assert kasi.status_code == 409


def test_openapi_describes_the_angka_kredit_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/referensi/angka-kredit"])
    for path in ("/pegawai/{nip}/angka-kredit", "/pegawai/{nip}/angka-kredit/dasar",
                 "/pegawai/{nip}/angka-kredit/document.pdf", "/pegawai/{nip}/angka-kredit/document.docx"):
        assert path in paths
