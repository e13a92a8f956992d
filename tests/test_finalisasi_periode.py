"""Issue 16 item 5: a penilaian is not final before its period's last day unless the admin kinerja allowed it
for the period (reason, who, when); the angka kredit ledger credits only months that have ended, and the
scheduler job ``kredit_bulan_berakhir`` credits the rest once they end."""
from __future__ import annotations

from conftest import DEMO_TAHUN, find
from sqlalchemy import select
from test_pages import pages  # noqa: F401 - fixture
from test_penilaian import admin_of, open_first_period, task_with_form
from test_skp_api import approve, create_and_submit, ja_rhk, kadis_approved  # noqa: F401 - fixture

from app.kinerja.angka_kredit import AngkaKreditBulan
from app.kinerja.penilaian import Penilaian
from app.scheduler import run_once
from workflows import clock

def put(api, path, body):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=body)


def delete(api, path):
    return api.client.delete(f"/api/v1{path}", headers=api.headers)


DESEMBER = {"nama": "Desember", "jenis": "BULANAN", "periode_awal": f"{DEMO_TAHUN}-12-01",
            "periode_akhir": f"{DEMO_TAHUN}-12-31", "batas_pengisian": f"{DEMO_TAHUN + 1}-01-10"}


def jf_ready(accounts, as_user, kadis_approved):  # noqa: F811
    """The Pranata Komputer Ahli Pertama with an approved SKP, and his pejabat penilai."""
    jf_acc, kasi_acc = find(accounts, "Pranata Komputer Ahli Pertama"), find(accounts, "Kepala Seksi Pengembangan")
    kabid, kasi, jf = (as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(kasi_acc["nip"]),
                       as_user(jf_acc["nip"]))
    kabid_skp = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    approve(as_user(find(accounts, "Kepala Dinas")["nip"]))
    kasi_skp = create_and_submit(kasi, [ja_rhk(kabid.get(f"/skp/{kabid_skp}").get_json()["rhk"][0]["id"])])
    approve(kabid)
    skp_of = {find(accounts, "Kepala Bidang Aplikasi")["nip"]: kabid_skp, kasi_acc["nip"]: kasi_skp}
    penilai = as_user(jf_acc["pejabat_penilai_nip"])
    create_and_submit(jf, [ja_rhk(penilai.get(f"/skp/{skp_of[jf_acc['pejabat_penilai_nip']]}").get_json()["rhk"][0]["id"])])
    approve(penilai)
    return jf_acc, jf, penilai


def fill_and_find_review(jf, jf_acc, penilai, penilaian_id):
    rhk_id = jf.get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]
    task = task_with_form(jf, "realisasi")
    assert jf.post(f"/tasks/{task['id']}/complete", json={"data": {
        "rhk": {str(rhk_id): {"realisasi": "1 laporan"}}, "kirim": True}}).status_code == 200
    [review] = [t for t in penilai.get("/tasks").get_json() if t["form"] == "penilaian"
                and jf_acc["nama"].split(",")[0] in t["title"]]
    return review, {"rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI",
                    "umpan_balik_rhk": {str(rhk_id): "Sesuai target"}}


def test_not_final_before_the_period_ends_unless_allowed_and_ak_waits_for_the_month(
        app, accounts, as_user, kadis_approved):  # noqa: F811
    jf_acc, jf, penilai = jf_ready(accounts, as_user, kadis_approved)
    clock.set(f"{DEMO_TAHUN}-12-01T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user, DESEMBER)
    [mine] = [r for r in opened["hasil"] if r["nip"] == jf_acc["nip"]]
    review, data = fill_and_find_review(jf, jf_acc, penilai, mine["penilaian_id"])

    early = penilai.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert early.status_code == 409, early.get_json()
    error = early.get_json()["error"]
    assert "31 Desember" in error["message"] and error["details"]["dapat_ditetapkan_mulai"] == f"{DEMO_TAHUN}-12-31"
    assert jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["status"] == "DIISI_PEGAWAI"  # nothing written

    admin = as_user(admin_of(accounts)["nip"])
    path = f"/periode/{periode['id']}/finalisasi-awal"
    assert put(penilai, path, {"alasan": "pensiun"}).status_code == 403
    missing = put(admin, path, {"alasan": "  "})
    assert missing.status_code == 422 and "alasan" in missing.get_json()["error"]["details"]["fields"]
    allowed = put(admin, path, {"alasan": "Pegawai pensiun 15 Desember"})
    assert allowed.status_code == 200, allowed.get_json()
    izin = allowed.get_json()["finalisasi_awal"]
    assert izin["alasan"] == "Pegawai pensiun 15 Desember" and izin["oleh"]["nip"] == admin_of(accounts)["nip"]
    assert izin["at"].startswith(f"{DEMO_TAHUN}-12-01")
    listed = next(p for p in admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json() if p["id"] == periode["id"])
    assert listed["finalisasi_awal"]["alasan"] == "Pegawai pensiun 15 Desember"

    done = penilai.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    result = jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()
    assert result["status"] == "FINAL" and result["predikat"] == "BAIK"
    assert result["angka_kredit"] is None  # December has not ended: nothing credited yet
    session = app.extensions["db_sessionmaker"]()
    try:
        assert session.get(Penilaian, mine["penilaian_id"]).ak_menunggu is True
    finally:
        session.close()

    sessions = app.extensions["db_sessionmaker"]
    run_once(sessions, ["kredit_bulan_berakhir"])  # still December: still waiting
    assert jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["angka_kredit"] is None
    clock.set(f"{DEMO_TAHUN}-12-31T23:30:00+07:00")  # the last day has not ended in WIB
    run_once(sessions, ["kredit_bulan_berakhir"])
    assert jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["angka_kredit"] is None
    clock.set(f"{DEMO_TAHUN + 1}-01-01T00:30:00+07:00")  # 31 Dec 17:30 UTC: in WIB December has ended
    run_once(sessions, ["kredit_bulan_berakhir"])
    ak = jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["angka_kredit"]
    assert ak is not None and ak["ak_teks"] == "1,04" and ak["jumlah_bulan"] == 1
    session = sessions()
    try:
        assert session.get(Penilaian, mine["penilaian_id"]).ak_menunggu is False
        assert [b.bulan.month for b in session.scalars(select(AngkaKreditBulan))] == [12]
    finally:
        session.close()
    run_once(sessions, ["kredit_bulan_berakhir"])  # nothing left: idempotent
    assert jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["angka_kredit"]["ak_teks"] == "1,04"

    withdrawn = delete(admin, path)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["finalisasi_awal"] is None
    late = put(admin, path, {"alasan": "terlambat"})  # the period has ended: no allowance needed
    assert late.status_code == 409


def test_final_on_the_last_day_without_allowance_and_ak_at_the_next_month(app, accounts, as_user,
                                                                           kadis_approved):  # noqa: F811
    jf_acc, jf, penilai = jf_ready(accounts, as_user, kadis_approved)
    clock.set(f"{DEMO_TAHUN}-12-30T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user, DESEMBER)
    [mine] = [r for r in opened["hasil"] if r["nip"] == jf_acc["nip"]]
    review, data = fill_and_find_review(jf, jf_acc, penilai, mine["penilaian_id"])
    assert penilai.post(f"/tasks/{review['id']}/complete", json={"data": data}).status_code == 409
    clock.set(f"{DEMO_TAHUN}-12-31T08:00:00+07:00")
    done = penilai.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    result = jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()
    assert result["status"] == "FINAL" and result["angka_kredit"] is None
    clock.set(f"{DEMO_TAHUN + 1}-01-02T08:00:00+07:00")
    run_once(app.extensions["db_sessionmaker"], ["kredit_bulan_berakhir"])
    assert jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["angka_kredit"]["jumlah_bulan"] == 1


def test_admin_allows_early_finalisation_on_the_periode_page(app, accounts, as_user, pages):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-12-01T09:00:00+07:00")
    admin = as_user(admin_of(accounts)["nip"])
    periode = admin.post("/periode", json=DESEMBER).get_json()
    pages.login(admin_of(accounts)["nip"])
    html = pages.html(f"/periode?tahun={DEMO_TAHUN}")
    assert "Penilaian dapat ditetapkan mulai 31-12-" in html and f"finalisasi-awal-{periode['id']}" in html
    r = pages.post(f"/periode/{periode['id']}/finalisasi-awal", {"alasan": ""})  # no reason: refused, flashed
    assert r.status_code == 302
    assert admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json()[0]["finalisasi_awal"] is None
    r = pages.post(f"/periode/{periode['id']}/finalisasi-awal", {"alasan": "Mutasi akhir tahun"})
    assert r.status_code == 302
    html = pages.html(f"/periode?tahun={DEMO_TAHUN}")
    assert "Boleh ditetapkan sebelum akhir periode — alasan: Mutasi akhir tahun" in html
    pages.post(f"/periode/{periode['id']}/finalisasi-awal", {"cabut": "1"})
    assert admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json()[0]["finalisasi_awal"] is None
    pages.login(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pages.post(f"/periode/{periode['id']}/finalisasi-awal", {"alasan": "x"}).status_code == 403
