"""A whole year for a small unit through the API (issue item 10): four quarterly periods and the annual
evaluation, mixed predikat, angka kredit of a JF summed over the periods, the SKP SELESAI; bad input."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from test_penilaian import admin_of, open_first_period, tetapkan_capaian
from test_skp_api import approve, create_and_submit, ja_rhk, kadis_approved  # noqa: F401 - fixture

from app.kinerja.penilaian import Penilaian, Periode, Realisasi, UmpanBalikPerilaku
from workflows import clock

QUARTERS = [("Triwulan I", "01-01", "03-31", f"{DEMO_TAHUN}-04-05"),
            ("Triwulan II", "04-01", "06-30", f"{DEMO_TAHUN}-07-05"),
            ("Triwulan III", "07-01", "09-30", f"{DEMO_TAHUN}-10-05"),
            ("Triwulan IV", "10-01", "12-31", f"{DEMO_TAHUN + 1}-01-05")]
# (rating hasil kerja, rating perilaku) per quarter, and the annual judgement; the kuadran gives the predikat
JF_RATINGS = [("DI_ATAS", "DI_ATAS"), ("SESUAI", "SESUAI"), ("DI_BAWAH", "SESUAI"), ("SESUAI", "DI_ATAS")]
JF_PREDIKAT = ["SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "BAIK"]
KASI_RATINGS = [("SESUAI", "DI_BAWAH"), ("SESUAI", "SESUAI"), ("DI_ATAS", "SESUAI"), ("DI_BAWAH", "DI_BAWAH")]
KASI_PREDIKAT = ["KURANG", "BAIK", "BAIK", "SANGAT_KURANG"]
# the Kasi leads a Seksi: his rating hasil kerja is the capaian of the Seksi set by the Kabid (rating_pimpinan.dmn)
KASI_CAPAIAN = ["BAIK", "BAIK", "ISTIMEWA", "KURANG"]
PERSEN = {"SANGAT_BAIK": 150, "BAIK": 100, "BUTUH_PERBAIKAN": 75}


@pytest.fixture
def unit(accounts, as_user, kadis_approved):  # noqa: F811
    """Kabid, Kasi and the JF Pranata Komputer (both evaluated by the Kabid), each with an approved SKP."""
    acc = {k: find(accounts, j) for k, j in (("kabid", "Kepala Bidang Aplikasi"), ("kasi", "Kepala Seksi Pengembangan"),
                                              ("jf", "Pranata Komputer Ahli Pertama"), ("kadis", "Kepala Dinas"))}
    api = {k: as_user(a["nip"]) for k, a in acc.items()}
    skp = {"kabid": create_and_submit(api["kabid"], [ja_rhk(kadis_approved["rhk"][0]["id"])])}
    approve(api["kadis"])
    skp["kasi"] = create_and_submit(api["kasi"], [ja_rhk(api["kabid"].get(f"/skp/{skp['kabid']}").get_json()["rhk"][0]["id"])])
    approve(api["kabid"])
    assert acc["jf"]["pejabat_penilai_nip"] == acc["kasi"]["pejabat_penilai_nip"] == acc["kabid"]["nip"]
    atasan = api["kabid"].get(f"/skp/{skp['kabid']}").get_json()["rhk"][0]["id"]
    skp["jf"] = create_and_submit(api["jf"], [ja_rhk(atasan, "Terbangunnya aplikasi layanan"),
                                              {**ja_rhk(atasan, "Terpeliharanya server"), "jenis": "TAMBAHAN"}])
    approve(api["kabid"])
    return {"acc": acc, "api": api, "skp": skp}


def task_of(api, penilaian_id, form):
    tasks = [t for t in api.get("/tasks").get_json()
             if t["business_key"] == f"penilaian:{penilaian_id}" and t["form"] == form]
    assert len(tasks) == 1, api.get("/tasks").get_json()
    return tasks[0]


def fill(api, penilaian_id, text):
    rhk = api.get(f"/penilaian/{penilaian_id}").get_json()["rhk"]
    done = api.post(f"/tasks/{task_of(api, penilaian_id, 'realisasi')['id']}/complete", json={"data": {
        "rhk": {str(r["id"]): {"rencana_aksi": "Rencana " + text, "realisasi": text} for r in rhk}, "kirim": True}})
    assert done.status_code == 200, done.get_json()
    return rhk


def rate(api, penilaian_id, hasil, perilaku):
    rhk = api.get(f"/penilaian/{penilaian_id}").get_json()["rhk"]
    done = api.post(f"/tasks/{task_of(api, penilaian_id, 'penilaian')['id']}/complete", json={"data": {
        "rating_hasil_kerja": hasil, "rating_perilaku": perilaku,
        "umpan_balik_rhk": {str(r["id"]): f"Umpan balik {hasil}" for r in rhk},
        "umpan_balik_perilaku": {"KOLABORATIF": "Aktif bekerja sama"}}})
    assert done.status_code == 200, done.get_json()
    return api.get(f"/penilaian/{penilaian_id}").get_json()


def ak(predikat) -> Decimal:
    """3 months of Ahli Pertama (koefisien 12,5 a year) at the predikat's percentage, 3 decimals."""
    return (Decimal(3) / 12 * Decimal(PERSEN[predikat]) / 100 * Decimal("12.5")).quantize(Decimal("0.001"),
                                                                                         ROUND_HALF_UP)


def test_a_whole_year(app, accounts, as_user, unit):
    acc, api, skp = unit["acc"], unit["api"], unit["skp"]
    for q, (nama, awal, akhir, batas) in enumerate(QUARTERS):
        clock.set(f"{DEMO_TAHUN}-{akhir}T10:00:00+07:00")  # the quarter's last day, before its batas pengisian
        periode, opened = open_first_period(accounts, as_user, {
            "nama": nama, "jenis": "TRIWULANAN", "periode_awal": f"{DEMO_TAHUN}-{awal}",
            "periode_akhir": f"{DEMO_TAHUN}-{akhir}", "batas_pengisian": batas})
        mine = {r["skp_id"]: r["penilaian_id"] for r in opened["hasil"] if r["status"] == "dibuka"}
        assert set(skp.values()) <= set(mine)
        fill(api["jf"], mine[skp["jf"]], f"aplikasi {nama}")
        fill(api["kasi"], mine[skp["kasi"]], f"pembinaan {nama}")
        # rated the day after the quarter ends (before its batas): its three months have ended, all are credited
        besok = dt.date.fromisoformat(f"{DEMO_TAHUN}-{akhir}") + dt.timedelta(days=1)
        clock.set(f"{besok.isoformat()}T10:00:00+07:00")
        jf = rate(api["kabid"], mine[skp["jf"]], *JF_RATINGS[q])
        tetapkan_capaian(api["kabid"], periode["id"], acc["kasi"]["unor"], KASI_CAPAIAN[q])
        kasi = rate(api["kabid"], mine[skp["kasi"]], *KASI_RATINGS[q])
        assert (jf["status"], jf["predikat"]) == ("FINAL", JF_PREDIKAT[q])
        assert (kasi["status"], kasi["predikat"]) == ("FINAL", KASI_PREDIKAT[q])
        assert jf["angka_kredit"]["jumlah_bulan"] == 3 and Decimal(str(jf["angka_kredit"]["ak"])) == ak(JF_PREDIKAT[q])
        assert kasi["angka_kredit"] is None  # a structural position earns no angka kredit

    clock.set(f"{DEMO_TAHUN + 1}-01-01T15:00:00+07:00")
    periode, annual = open_first_period(accounts, as_user, {
        "nama": "Tahunan", "jenis": "TAHUNAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
        "periode_akhir": f"{DEMO_TAHUN}-12-31", "batas_pengisian": f"{DEMO_TAHUN + 1}-01-10"})
    tahunan = {r["skp_id"]: r["penilaian_id"] for r in annual["hasil"]}
    shown = api["jf"].get(f"/penilaian/{tahunan[skp['jf']]}").get_json()
    assert [p["predikat"] for p in shown["predikat_periodik"]] == JF_PREDIKAT
    assert [p["periode"] for p in shown["predikat_periodik"]] == [q[0] for q in QUARTERS]
    jf = rate(api["kabid"], tahunan[skp["jf"]], "DI_ATAS", "SESUAI")   # the penilai's own judgement of the year
    tetapkan_capaian(api["kabid"], periode["id"], acc["kasi"]["unor"], "BUTUH_PERBAIKAN")  # → DI_BAWAH
    kasi = rate(api["kabid"], tahunan[skp["kasi"]], "DI_BAWAH", "SESUAI")
    assert (jf["predikat"], kasi["predikat"]) == ("BAIK", "BUTUH_PERBAIKAN")
    assert jf["angka_kredit"] is None  # the annual evaluation adds no AK: the periods are summed
    for who in ("jf", "kasi"):
        assert api[who].get(f"/skp/{skp[who]}").get_json()["status"] == "SELESAI"
    assert api["kabid"].get(f"/skp/{skp['kabid']}").get_json()["status"] == "DISETUJUI"  # not evaluated yet

    ledger = api["jf"].get(f"/pegawai/{acc['jf']['nip']}/angka-kredit").get_json()
    assert Decimal(str(ledger["ak_kumulatif"])) == sum(ak(p) for p in JF_PREDIKAT)  # 4,688 + 3,125 + 2,344 + 3,125
    assert len([i for i in ledger["items"] if i.get("penilaian_id")]) == 4


def counts(app) -> dict:
    session = app.extensions["db_sessionmaker"]()
    try:
        return {m.__name__: session.scalar(select(func.count()).select_from(m))
                for m in (Periode, Penilaian, Realisasi, UmpanBalikPerilaku)}
    finally:
        session.close()


def test_bad_input_names_the_field_and_writes_nothing(app, accounts, as_user, unit):
    acc, api, skp = unit["acc"], unit["api"], unit["skp"]
    admin = as_user(admin_of(accounts)["nip"])
    before = counts(app)
    reversed_dates = admin.post("/periode", json={"nama": "Terbalik", "jenis": "TRIWULANAN",
                                                  "periode_awal": f"{DEMO_TAHUN}-06-30",
                                                  "periode_akhir": f"{DEMO_TAHUN}-04-01",
                                                  "batas_pengisian": f"{DEMO_TAHUN}-07-05"})
    assert reversed_dates.status_code == 422
    assert reversed_dates.get_json()["error"]["details"]["fields"] == {"periode_akhir": "tidak boleh sebelum awal periode"}
    assert counts(app) == before

    clock.set(f"{DEMO_TAHUN}-03-31T10:00:00+07:00")
    _, opened = open_first_period(accounts, as_user, {
        "nama": "Triwulan I", "jenis": "TRIWULANAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
        "periode_akhir": f"{DEMO_TAHUN}-03-31", "batas_pengisian": f"{DEMO_TAHUN}-04-05"})
    mine = {r["skp_id"]: r["penilaian_id"] for r in opened["hasil"]}
    kasi_rhk = api["kasi"].get(f"/penilaian/{mine[skp['kasi']]}").get_json()["rhk"][0]["id"]
    task = task_of(api["jf"], mine[skp["jf"]], "realisasi")
    before = counts(app)
    other = api["jf"].post(f"/tasks/{task['id']}/complete", json={"data": {
        "rhk": {str(kasi_rhk): {"realisasi": "bukan RHK saya"}}, "kirim": False}})
    assert other.status_code == 422
    assert other.get_json()["error"]["details"]["fields"] == {f"rhk.{kasi_rhk}": "bukan RHK dari SKP ini"}
    assert counts(app) == before
    jf_rhk = fill(api["jf"], mine[skp["jf"]], "aplikasi")
    before = counts(app)
    review = task_of(api["kabid"], mine[skp["jf"]], "penilaian")
    for field, value in (("rating_hasil_kerja", "LUAR_BIASA"), ("rating_perilaku", "BAIK")):
        data = {"rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI", field: value,
                "umpan_balik_rhk": {str(r["id"]): "Baik" for r in jf_rhk},
                "umpan_balik_perilaku": {"AKUNTABEL": "Tepat waktu"}}
        bad = api["kabid"].post(f"/tasks/{review['id']}/complete", json={"data": data})
        assert bad.status_code == 422
        assert bad.get_json()["error"]["details"]["fields"] == {field: "harus salah satu dari: DI_ATAS, SESUAI, DI_BAWAH"}
    assert counts(app) == before
    shown = api["jf"].get(f"/penilaian/{mine[skp['jf']]}").get_json()
    assert shown["status"] == "DIISI_PEGAWAI" and shown["rating_hasil_kerja"] is None
    assert all(r["umpan_balik"] == "" for r in shown["rhk"])
