"""Issue 16 item 1: the PPK at the top of the chain and the pejabat penilai set by an admin kinerja
(page, API, import column, history), re-routing after it changes; on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import zipfile

from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from sqlalchemy import func, select
from test_demo_import import HEADER, write_csv
from test_penilaian import admin_of, open_first_period, task_with_form, tetapkan_capaian
from test_skp_api import JPT_RHK, approve, create_and_submit, only_task

from app.documents.skp import build_context, render_context
from app.kinerja.demo import PPK_JABATAN, PPK_LOGIN, PPK_NAMA
from app.kinerja.org import Pegawai
from app.kinerja.penilai import PenilaiOverride
from app.kinerja.skp import Skp
from workflows import clock

KEPALA_BKD = "Kepala Badan Kepegawaian"


def _db(app):
    return app.extensions["db_sessionmaker"]()


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]


def _candidates_of_review(app, skp_id):
    from workflows.models import HumanTask, Instance

    db = _db(app)
    try:
        task = db.scalar(select(HumanTask).join(Instance).where(Instance.business_key == f"skp:{skp_id}",
                                                                HumanTask.form_key == "skp-review"))
        return sorted(db.get(Pegawai, c.pegawai_id).nip for c in task.candidates)
    finally:
        db.close()


def test_demo_sekda_planned_approved_by_ppk_and_evaluated(app, accounts, as_user):
    sekda, ppk = as_user(find(accounts, "Sekretaris Daerah")["nip"]), as_user(PPK_LOGIN)
    assert "ppk" in ppk.get("/me").get_json()["roles"]
    skp_id = create_and_submit(sekda, [JPT_RHK])  # used to be 409 "belum ditetapkan"
    assert _candidates_of_review(app, skp_id) == [PPK_LOGIN]
    approve(ppk)
    skp = sekda.get(f"/skp/{skp_id}").get_json()
    assert skp["status"] == "DISETUJUI" and skp["pejabat_penilai"]["nama"] == PPK_NAMA
    db = _db(app)
    context = build_context(db, db.get(Skp, skp_id))
    db.close()
    penilai = context["penilai"]
    assert (penilai["nama"], penilai["jabatan"], penilai["nip"]) == (PPK_NAMA, PPK_JABATAN, "")  # no NIP printed
    xml = zipfile.ZipFile(io.BytesIO(render_context(context, "docx"))).read("word/document.xml").decode()
    assert xml.count(PPK_JABATAN) >= 2  # the identity table, and the signature instead of "NIP -"

    _evaluate(accounts, as_user, skp_id, ppk)


def _evaluate(accounts, as_user, skp_id, rater):
    """The Sekda's January evaluation: he sends his realisasi, ``rater`` rates it; the PPK is the penilai."""
    sekda = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user)
    # the top unit's capaian organisasi is set by the admin kinerja (a leader's rating follows it)
    tetapkan_capaian(as_user(admin_of(accounts)["nip"]), periode["id"], "Sekretariat Daerah Provinsi Contoh", "BAIK")
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == skp_id)
    rhk_id = sekda.get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]
    task = task_with_form(sekda, "realisasi")
    sent = sekda.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "realisasi": "Indeks layanan digital 3,6"}}, "kirim": True}})
    assert sent.status_code == 200, sent.get_json()
    review = task_with_form(rater, "penilaian")
    done = rater.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI",
        "umpan_balik_rhk": {str(rhk_id): "Sesuai target"}}})
    assert done.status_code == 200, done.get_json()
    result = sekda.get(f"/penilaian/{penilaian_id}").get_json()
    assert result["status"] == "FINAL" and result["penilai_nip"] == PPK_LOGIN


def test_override_api_history_rerouting_and_refusals(app, accounts, as_user):
    kadis_acc, bkd_acc = find(accounts, "Kepala Dinas"), find(accounts, KEPALA_BKD)
    kadis, admin = as_user(kadis_acc["nip"]), as_user(admin_of(accounts)["nip"])
    sekda_nip = find(accounts, "Sekretaris Daerah")["nip"]
    skp_id = create_and_submit(kadis, [JPT_RHK])
    assert _candidates_of_review(app, skp_id) == [sekda_nip]
    path = f"/pegawai/{kadis_acc['nip']}/pejabat-penilai"

    def count_history():
        db = _db(app)
        try:
            return db.scalar(select(func.count()).select_from(PenilaiOverride))
        finally:
            db.close()

    before = count_history()
    put = lambda api, body: api.client.put(f"/api/v1{path}", headers=api.headers, json=body)  # noqa: E731
    assert set(_error(put(admin, {"penilai_nip": bkd_acc["nip"]}), 422)["details"]["fields"]) == {"alasan"}
    assert set(_error(put(admin, {"penilai_nip": kadis_acc["nip"], "alasan": "x"}), 422)["details"]["fields"]) \
        == {"penilai_nip"}  # not his own penilai
    assert "penilai_nip" in _error(put(admin, {"penilai_nip": "199999999999999999", "alasan": "x"}), 422)[
        "details"]["fields"]
    assert _error(put(admin, {"alasan": "x"}), 422)["details"]["fields"]["penilai_nip"]
    _error(put(kadis, {"penilai_nip": bkd_acc["nip"], "alasan": "saya mau"}), 403)
    assert count_history() == before  # nothing half-written
    assert _candidates_of_review(app, skp_id) == [sekda_nip]

    moved = put(admin, {"penilai_nip": bkd_acc["nip"], "alasan": "Penugasan khusus oleh Sekda"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["pejabat_penilai"]["nip"] == bkd_acc["nip"] and body["ditetapkan_admin"] is True
    assert [m["sesudah"][0]["nip"] for m in body["pengalihan"]["tugas_dialihkan"]] == [bkd_acc["nip"]]
    assert _candidates_of_review(app, skp_id) == [bkd_acc["nip"]]
    assert kadis.get(f"/skp/{skp_id}").get_json()["pejabat_penilai"]["nip"] == bkd_acc["nip"]

    back = put(admin, {"penilai_nip": None, "alasan": "Kembali sesuai struktur"})
    assert back.status_code == 200 and back.get_json()["ditetapkan_admin"] is False
    assert _candidates_of_review(app, skp_id) == [sekda_nip]
    history = admin.get(path).get_json()["riwayat"]
    assert [(h["penilai"] and h["penilai"]["nip"], h["sumber"], h["alasan"]) for h in history] == [
        (None, "API", "Kembali sesuai struktur"), (bkd_acc["nip"], "API", "Penugasan khusus oleh Sekda")]
    assert history[0]["sebelumnya"]["nip"] == bkd_acc["nip"] and history[0]["ditetapkan_oleh"]
    assert count_history() == before + 2


def test_ppk_diwakili_admin_records_the_decision(app, accounts, as_user):
    sekda, admin = as_user(find(accounts, "Sekretaris Daerah")["nip"]), as_user(admin_of(accounts)["nip"])
    skp_id = create_and_submit(sekda, [JPT_RHK])
    put = lambda body: admin.client.put("/api/v1/ppk", headers=admin.headers, json=body)  # noqa: E731
    assert set(_error(put({"nama": "", "jabatan": "", "mode": "x", "nip": "12"}), 422)["details"]["fields"]) == \
        {"nama", "jabatan", "mode", "nip"}
    _error(sekda.client.put("/api/v1/ppk", headers=sekda.headers, json={"nama": "a"}), 403)
    changed = put({"nama": PPK_NAMA, "jabatan": PPK_JABATAN, "mode": "diwakili"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["ppk"]["mode"] == "diwakili" and changed.get_json()["ppk"]["id_login"] == PPK_LOGIN
    admin_nip = admin_of(accounts)["nip"]
    assert _candidates_of_review(app, skp_id) == [admin_nip]  # the PPK's task moved to the admin kinerja

    task = only_task(admin, "skp-review")
    missing = admin.post(f"/tasks/{task['id']}/complete", json={"data": {"keputusan": "SETUJUI"}})
    assert set(_error(missing, 422)["details"]["fields"]) == {"nomor_keputusan", "tanggal_keputusan"}
    future = admin.post(f"/tasks/{task['id']}/complete", json={"data": {
        "keputusan": "SETUJUI", "nomor_keputusan": "800/1/2026", "tanggal_keputusan": "2999-01-01"}})
    assert set(_error(future, 422)["details"]["fields"]) == {"tanggal_keputusan"}
    assert sekda.get(f"/skp/{skp_id}").get_json()["status"] == "DIAJUKAN"  # nothing half-written
    today = clock.today().isoformat()
    done = admin.post(f"/tasks/{task['id']}/complete", json={"data": {
        "keputusan": "SETUJUI", "nomor_keputusan": "800/12/BKD/2026", "tanggal_keputusan": today}})
    assert done.status_code == 200, done.get_json()
    db = _db(app)
    skp = db.get(Skp, skp_id)
    assert skp.status == "DISETUJUI" and skp.keputusan_ppk_nomor == "800/12/BKD/2026"
    assert skp.keputusan_ppk_tanggal.isoformat() == today
    assert skp.riwayat[-1].actor.nip == admin_nip
    db.close()

    _evaluate(accounts, as_user, skp_id, admin)  # the admin rates for the PPK; the PPK is the penilai
    back = put({"nama": PPK_NAMA, "jabatan": PPK_JABATAN, "mode": "akun", "kata_sandi": "sandi-baru-ppk"})
    assert back.status_code == 200 and back.get_json()["ppk"]["akun_aktif"] is True
    token = lambda password: admin.client.post("/api/v1/auth/token", json={  # noqa: E731
        "nip": PPK_LOGIN, "password": password}).status_code
    assert (token("sandi-baru-ppk"), token(DEMO_PASSWORD)) == (200, 401)


def test_import_column_penilai_nip(app, accounts, as_user, tmp_path):
    from app.kinerja.org_change import apply_import

    kasi = find(accounts, "Kepala Seksi Statistik")
    kabid_aptika = find(accounts, "Kepala Bidang Aplikasi")
    db = _db(app)
    person = db.scalar(select(Pegawai).where(Pegawai.nip == kasi["nip"]))
    row = [person.nip, "PNS", person.nama, person.gelar_depan, person.gelar_belakang, person.pangkat,
           person.golongan_ruang, person.jabatan.unor.kode, person.jabatan.unor.nama, "", person.jabatan.nama,
           person.jabatan.jenis_jabatan, "", "ya", "AKTIF", ""]
    db.close()
    bad = write_csv(tmp_path / "salah.csv", [HEADER + ["NIP penilai"], row + ["199999999999999999"]])
    db = _db(app)
    try:
        apply_import(db, bad, "DEMO", None, fast_hash=True)
        raise AssertionError("a penilai that does not exist must be refused")
    except Exception as exc:  # ValidationFailed naming the line
        assert "baris 2" in getattr(exc, "fields", {}), exc
    db.rollback()
    assert db.scalar(select(Pegawai).where(Pegawai.nip == kasi["nip"])).penilai_override_id is None
    good = write_csv(tmp_path / "benar.csv", [HEADER + ["penilai_nip"], row + [kabid_aptika["nip"]]])
    result = apply_import(db, good, "DEMO", None, fast_hash=True)
    assert result["impor"]["penilai_diubah"] == 1
    db.expire_all()
    override = db.scalar(select(PenilaiOverride).order_by(PenilaiOverride.id.desc()))
    assert override.sumber == "IMPOR" and override.penilai.nip == kabid_aptika["nip"]
    ppk_row = write_csv(tmp_path / "ppk.csv", [HEADER + ["penilai_nip"], row + ["PPK"]])
    apply_import(db, ppk_row, "DEMO", None, fast_hash=True)
    db.expire_all()
    assert db.scalar(select(Pegawai).where(Pegawai.nip == kasi["nip"])).penilai_override_id == \
        db.scalar(select(Pegawai).where(Pegawai.nip == PPK_LOGIN)).id
    db.close()


def test_pages_ppk_override_and_review_for_the_ppk(app, accounts, as_user, client):
    """The Organisasi page records the PPK (mode diwakili) and a pejabat penilai; the admin's review page asks
    for the PPK's decision and refuses an approval without it; the SKP page shows it."""
    from test_pages import Pages

    sekda = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp_id = create_and_submit(sekda, [JPT_RHK])
    pages = Pages(client)
    pages.login(admin_of(accounts)["nip"])
    html = pages.html("/organisasi")
    assert "PPK (Pejabat Pembina Kepegawaian)" in html and PPK_JABATAN in html
    saved = pages.post("/organisasi/ppk", {"nama": PPK_NAMA, "jabatan": PPK_JABATAN, "mode": "diwakili"})
    assert saved.status_code in (302, 303)
    assert "Admin kinerja mencatat persetujuan PPK" in pages.html("/organisasi")
    kasi = find(accounts, "Kepala Seksi Statistik")
    bad = pages.post("/organisasi/pejabat-penilai", {"nip": kasi["nip"], "penilai_nip": "PPK", "alasan": ""})
    assert bad.status_code == 422 and "alasan" in bad.get_data(as_text=True)
    done = pages.post("/organisasi/pejabat-penilai", {"nip": kasi["nip"], "penilai_nip": "PPK",
                                                      "alasan": "Penugasan langsung"})
    assert done.status_code in (302, 303)
    html = pages.html("/organisasi")
    assert "Penugasan langsung" in html and "(halaman," in html

    link = pages.task_link("Periksa SKP")
    review = pages.html(link)
    assert "Persetujuan atas nama PPK" in review and 'name="nomor_keputusan"' in review
    refused = pages.post(link, {"keputusan": "SETUJUI"})
    assert refused.status_code == 422 and "nomor keputusan PPK" in refused.get_data(as_text=True)
    assert sekda.get(f"/skp/{skp_id}").get_json()["status"] == "DIAJUKAN"
    approved = pages.post(link, {"keputusan": "SETUJUI", "nomor_keputusan": "800/7/2026",
                                 "tanggal_keputusan": clock.today().isoformat()})
    assert approved.status_code in (302, 303)
    skp_page = pages.html(f"/skp/{skp_id}")
    assert "800/7/2026" in skp_page and PPK_NAMA in skp_page and PPK_JABATAN in skp_page


def test_the_ppk_account_pages(app, client):
    """The PPK (no jabatan, no NIP) logs in and every page of his menu answers; he cannot make an SKP."""
    from test_pages import Pages

    pages = Pages(client)
    assert pages.login(PPK_LOGIN).status_code in (302, 303)
    for path in ("/", "/profil", "/skp", "/dialog-kinerja", "/layanan", "/notifikasi", "/persetujuan-massal"):
        pages.html(path)
    pages.post("/skp/baru", {"tahun": str(DEMO_TAHUN), "pendekatan": "KUANTITATIF"})
    db = _db(app)
    try:
        assert db.scalar(select(func.count()).select_from(Skp).join(Pegawai, Pegawai.id == Skp.pegawai_id)
                         .where(Pegawai.nip == PPK_LOGIN)) == 0
    finally:
        db.close()
