"""Periodic evaluation: periods, opening in bulk, realisasi, penilaian, predikat (DMN), lock and reopen."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from SpiffWorkflow.bpmn import BpmnWorkflow
from test_skp_api import approve, create_and_submit, ja_rhk

from core.db import write_transaction
from app.kinerja.org import Pegawai
from app.kinerja.penilaian import Penilaian
from app.notifications.models import Notification
from app.scheduler import run_once
from workflows import clock
from workflows.definitions import parse_sources

ROOT = Path(__file__).resolve().parents[1]
PERIODE = {"nama": "Januari", "jenis": "BULANAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
           "periode_akhir": f"{DEMO_TAHUN}-01-31", "batas_pengisian": f"{DEMO_TAHUN}-02-05"}


def admin_of(accounts):
    return next(a for a in accounts if "admin_kinerja" in a["roles"])


@pytest.fixture
def two_approved(accounts, as_user, kadis_approved):  # noqa: F811 - fixture from test_skp_api
    """The Kadis's and the Kabid Aplikasi's SKP approved for the demo year."""
    kabid, kadis = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    kabid_skp = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    approve(kadis)
    return {"kadis": kadis_approved["id"], "kabid": kabid_skp}


from test_skp_api import kadis_approved  # noqa: E402,F401 - used by two_approved


def open_first_period(accounts, as_user, periode=None):
    admin = as_user(admin_of(accounts)["nip"])
    created = admin.post("/periode", json=periode or PERIODE)
    assert created.status_code == 201, created.get_json()
    return created.get_json(), open_period(admin, created.get_json()["id"])


def open_period(admin, periode_id) -> dict:
    """Ask to open the period (202), let the scheduler's job do it, return the progress with the results."""
    requested = admin.post(f"/periode/{periode_id}/buka")
    assert requested.status_code == 202, requested.get_json()
    assert requested.get_json()["status"] == "MENUNGGU"
    run_once(admin.client.application.extensions["db_sessionmaker"], ["pembukaan_periode"])
    opened = admin.get(f"/periode/{periode_id}/pembukaan")
    assert opened.status_code == 200 and opened.get_json()["status"] == "SELESAI", opened.get_json()
    return opened.get_json()


def tetapkan_capaian(api, periode_id, unor_nama, predikat, dasar="Capaian rencana aksi unit"):
    """The leader one level up sets the capaian kinerja organisasi of a unit (a leader's rating follows it)."""
    unor_id = next(u["unor_id"] for u in api.get(f"/capaian?periode_id={periode_id}").get_json() if u["unor"] == unor_nama)
    response = api.client.put(f"/api/v1/unor/{unor_id}/capaian/{periode_id}", headers=api.headers,
                              json={"predikat": predikat, "dasar": dasar})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def task_with_form(api, form):
    tasks = [t for t in api.get("/tasks").get_json() if t["form"] == form]
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_periode_validation_and_permissions(accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    bad = admin.post("/periode", json={"nama": "", "jenis": "HARIAN", "periode_awal": "2026-02-30",
                                       "periode_akhir": "2026-01-31", "batas_pengisian": "2026-01-01"})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["details"]["fields"]
    assert set(fields) >= {"nama", "jenis", "periode_awal"}
    order = admin.post("/periode", json={**PERIODE, "batas_pengisian": f"{DEMO_TAHUN}-01-15"})
    assert order.get_json()["error"]["details"]["fields"] == {"batas_pengisian": "tidak boleh sebelum akhir periode"}
    assert admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json() == []  # nothing half-written
    pegawai = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pegawai.post("/periode", json=PERIODE).status_code == 403
    assert admin.post("/periode", json=PERIODE).status_code == 201
    dup = admin.post("/periode", json=PERIODE)
    assert dup.status_code == 422 and "nama" in dup.get_json()["error"]["details"]["fields"]
    assert [p["nama"] for p in pegawai.get(f"/periode?tahun={DEMO_TAHUN}").get_json()] == ["Januari"]


def test_opening_is_idempotent_and_skips_exempted(app, accounts, as_user, two_approved):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):  # the Kabid goes on tugas belajar after his SKP was approved
        session.scalar(select(Pegawai).where(Pegawai.nip == find(accounts, "Kepala Bidang Aplikasi")["nip"])) \
            .status_kepegawaian = "TUGAS_BELAJAR"
    session.close()
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user)
    by_skp = {r["skp_id"]: r for r in opened["hasil"]}
    assert by_skp[two_approved["kadis"]]["status"] == "dibuka"
    assert by_skp[two_approved["kabid"]]["status"] == "dilewati"
    assert "TUGAS_BELAJAR" in by_skp[two_approved["kabid"]]["alasan"]
    assert opened["total"] == opened["diproses"] == 2
    again = open_period(as_user(admin_of(accounts)["nip"]), periode["id"])
    assert again["ringkasan"] == {"dibuka": 0, "sudah_ada": 1, "dilewati": 1, "gagal": 0}
    session = app.extensions["db_sessionmaker"]()
    assert session.scalar(select(func.count()).select_from(Penilaian)) == 1
    session.close()


def test_realisasi_penilaian_predikat(app, accounts, as_user, two_approved):
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")  # before the batas pengisian, or it locks at once
    periode, opened = open_first_period(accounts, as_user)
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, kadis = as_user(kabid_acc["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    rhk_id = kabid.get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]
    tetapkan_capaian(kadis, periode["id"], "Bidang Aplikasi Informatika", "BAIK")  # the Kabid's rating: SESUAI

    task = task_with_form(kabid, "realisasi")
    assert task["due_at"].startswith(f"{DEMO_TAHUN}-02-05")
    draft = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "rencana_aksi": "Menyusun laporan Januari"}}, "kirim": False}})
    assert draft.status_code == 200 and draft.get_json()["completed"] is False
    missing = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {}, "kirim": True}})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["details"]["fields"] == {f"rhk.{rhk_id}.realisasi": "wajib diisi sebelum dikirim"}
    bad_url = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "realisasi": "1 laporan", "bukti_dukung_url": "javascript:alert(1)"}}, "kirim": True}})
    assert bad_url.status_code == 422
    sent = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "realisasi": "1 laporan monitoring", "bukti_dukung_url": "https://drive.example.go.id/laporan-januari.pdf"}},
        "kirim": True}})
    assert sent.status_code == 200 and sent.get_json()["completed"] is True
    assert kabid.get(f"/penilaian/{penilaian_id}").get_json()["status"] == "DIISI_PEGAWAI"

    review = task_with_form(kadis, "penilaian")
    early = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "DI_ATAS", "umpan_balik_rhk": {}}})
    assert early.status_code == 409 and early.get_json()["error"]["details"]["dapat_ditetapkan_mulai"] == \
        f"{DEMO_TAHUN}-01-31"  # not final before the period's last day (issue 16)
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")
    no_feedback = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "DI_ATAS", "umpan_balik_rhk": {}}})
    assert no_feedback.status_code == 422
    assert f"umpan_balik_rhk.{rhk_id}" in no_feedback.get_json()["error"]["details"]["fields"]
    done = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "DI_ATAS",
        "umpan_balik_rhk": {str(rhk_id): "Laporan tepat waktu dan lengkap"},
        "umpan_balik_perilaku": {"AKUNTABEL": "Bertanggung jawab atas laporan"}}})
    assert done.status_code == 200, done.get_json()
    result = kabid.get(f"/penilaian/{penilaian_id}").get_json()
    assert result["status"] == "FINAL" and result["predikat"] == "BAIK"
    assert result["rhk"][0]["umpan_balik"] == "Laporan tepat waktu dan lengkap"
    assert result["umpan_balik_perilaku"] == {"AKUNTABEL": "Bertanggung jawab atas laporan"}
    assert result["penilai_nip"] == find(accounts, "Kepala Dinas")["nip"]
    assert result["angka_kredit"] is None  # an Administrator earns no angka kredit
    session = app.extensions["db_sessionmaker"]()
    kinds = [n.kind for n in session.scalars(select(Notification).join(Pegawai, Pegawai.id == Notification.pegawai_id)
                                              .where(Pegawai.nip == kabid_acc["nip"]))]
    session.close()
    assert "penilaian_final" in kinds
    other = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert other.get(f"/penilaian/{penilaian_id}").status_code == 404


KUADRAN = [("DI_ATAS", "DI_ATAS", "SANGAT_BAIK"), ("DI_ATAS", "SESUAI", "BAIK"), ("DI_ATAS", "DI_BAWAH", "KURANG"),
           ("SESUAI", "DI_ATAS", "BAIK"), ("SESUAI", "SESUAI", "BAIK"), ("SESUAI", "DI_BAWAH", "KURANG"),
           ("DI_BAWAH", "DI_ATAS", "BUTUH_PERBAIKAN"), ("DI_BAWAH", "SESUAI", "BUTUH_PERBAIKAN"),
           ("DI_BAWAH", "DI_BAWAH", "SANGAT_KURANG")]

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="uji_kuadran" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="R"><bpmn:extensionElements><spiffworkflow:calledDecisionId>predikat_kuadran</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="E"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="R" /><bpmn:sequenceFlow id="f2" sourceRef="R" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("hasil,perilaku,predikat", KUADRAN)
def test_predikat_kuadran_dmn_all_nine_cells(hasil, perilaku, predikat):
    from app.kinerja import bindings

    bindings.load()  # the validation knows the registered services and forms

    [parsed] = parse_sources({"probe.bpmn": PROBE,
                              "predikat_kuadran.dmn": (ROOT / "bpmn" / "predikat_kuadran.dmn").read_text()})
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
    for task in workflow.get_tasks():
        task.data.update(rating_hasil_kerja=hasil, rating_perilaku=perilaku)
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.data["predikat"] == predikat


def test_lock_at_batas_pengisian_reminder_and_reopen(app, accounts, as_user, two_approved):
    clock.set(f"{DEMO_TAHUN}-01-25T09:00:00+07:00")
    _, opened = open_first_period(accounts, as_user)
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, admin = as_user(kabid_acc["nip"]), as_user(admin_of(accounts)["nip"])
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    factory = app.extensions["db_sessionmaker"]

    def reminders():
        session = factory()
        try:
            return session.scalar(select(func.count()).select_from(Notification)
                                  .join(Pegawai, Pegawai.id == Notification.pegawai_id)
                                  .where(Pegawai.nip == kabid_acc["nip"], Notification.kind == "pengingat_tugas",
                                         Notification.subject.like("%Isi realisasi%")))
        finally:
            session.close()

    clock.set(f"{DEMO_TAHUN}-02-02T07:59:00+07:00")
    run_once(factory, ["timers"])
    assert reminders() == 0
    clock.set(f"{DEMO_TAHUN}-02-02T08:00:01+07:00")  # three days before 5 February, 08.00 WIB
    run_once(factory, ["timers"])
    assert reminders() == 1
    assert admin.post(f"/penilaian/{penilaian_id}/buka-kembali",
                      json={"alasan": "x", "batas_pengisian": f"{DEMO_TAHUN}-02-20"}).status_code == 409

    clock.set(f"{DEMO_TAHUN}-02-06T00:00:01+07:00")  # batas pengisian passed
    run_once(factory, ["timers"])
    locked = kabid.get(f"/penilaian/{penilaian_id}").get_json()
    assert locked["status"] == "TERKUNCI" and locked["terkunci_at"]
    assert [t for t in kabid.get("/tasks").get_json() if t["form"] == "realisasi"] == []

    assert kabid.post(f"/penilaian/{penilaian_id}/buka-kembali",
                      json={"alasan": "lupa", "batas_pengisian": f"{DEMO_TAHUN}-02-20"}).status_code == 403
    no_reason = admin.post(f"/penilaian/{penilaian_id}/buka-kembali",
                           json={"alasan": " ", "batas_pengisian": f"{DEMO_TAHUN}-02-20"})
    assert no_reason.status_code == 422 and "alasan" in no_reason.get_json()["error"]["details"]["fields"]
    reopened = admin.post(f"/penilaian/{penilaian_id}/buka-kembali",
                          json={"alasan": "Pegawai sakit (surat dokter)", "batas_pengisian": f"{DEMO_TAHUN}-02-20"})
    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert body["status"] == "BELUM_DIISI" and body["buka_kembali"][0]["alasan"] == "Pegawai sakit (surat dokter)"
    task = task_with_form(kabid, "realisasi")
    assert task["due_at"].startswith(f"{DEMO_TAHUN}-02-20")  # the new batas drives the new timers


def test_period_opens_itself_on_its_first_day(app, accounts, as_user, two_approved):
    admin = as_user(admin_of(accounts)["nip"])
    factory = app.extensions["db_sessionmaker"]
    clock.set(f"{DEMO_TAHUN}-03-20T09:00:00+07:00")
    created = admin.post("/periode", json={"nama": "Triwulan II", "jenis": "TRIWULANAN",
                                           "periode_awal": f"{DEMO_TAHUN}-04-01", "periode_akhir": f"{DEMO_TAHUN}-06-30",
                                           "batas_pengisian": f"{DEMO_TAHUN}-07-05", "buka_otomatis": True})
    assert created.status_code == 201
    assert run_once(factory, ["buka_periode"])["buka_periode"] == {"periode": 0, "dibuka": 0}
    clock.set(f"{DEMO_TAHUN}-04-01T00:30:00+07:00")
    assert run_once(factory, ["buka_periode"])["buka_periode"] == {"periode": 1, "dibuka": 2}
    assert run_once(factory, ["buka_periode"])["buka_periode"] == {"periode": 0, "dibuka": 0}
    assert admin.get(f"/periode?tahun={DEMO_TAHUN}").get_json()[0]["dibuka_at"] is not None


def test_annual_evaluation_closes_the_skp(app, accounts, as_user, two_approved):
    """After a periodic BAIK, the annual judgement is separate: SANGAT_BAIK; the SKP is SELESAI; no AK twice."""
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user)
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, kadis = as_user(kabid_acc["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    tetapkan_capaian(kadis, periode["id"], "Bidang Aplikasi Informatika", "BAIK")
    periodik = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    rhk_id = kabid.get(f"/penilaian/{periodik}").get_json()["rhk"][0]["id"]
    task = task_with_form(kabid, "realisasi")
    kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {"realisasi": "1"}}, "kirim": True}})
    review = next(t for t in kadis.get("/tasks").get_json() if t["form"] == "penilaian")
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")  # a penilaian is final from the period's last day on
    assert kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI",
        "umpan_balik_rhk": {str(rhk_id): "Baik"}}}).status_code == 200

    clock.set(f"{DEMO_TAHUN}-12-31T09:00:00+07:00")
    tahunan_periode, annual = open_first_period(accounts, as_user, {
        "nama": "Tahunan", "jenis": "TAHUNAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
        "periode_akhir": f"{DEMO_TAHUN}-12-31", "batas_pengisian": f"{DEMO_TAHUN + 1}-01-10"})
    tetapkan_capaian(kadis, tahunan_periode["id"], "Bidang Aplikasi Informatika", "ISTIMEWA")  # → DI_ATAS
    tahunan = next(r["penilaian_id"] for r in annual["hasil"] if r["skp_id"] == two_approved["kabid"])
    shown = kabid.get(f"/penilaian/{tahunan}").get_json()
    assert shown["predikat_periodik"] == [{"penilaian_id": periodik, "periode": "Januari", "predikat": "BAIK"}]
    assert [t for t in kabid.get("/tasks").get_json() if t["form"] == "realisasi"] == []  # the penilai judges
    review = next(t for t in kadis.get("/tasks").get_json()
                  if t["form"] == "penilaian" and "tahunan" in t["title"] and kabid_acc["nama"].split(",")[0] in t["title"])
    done = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "DI_ATAS", "rating_perilaku": "DI_ATAS", "umpan_balik_rhk": {str(rhk_id): "Melampaui"}}})
    assert done.status_code == 200, done.get_json()
    result = kabid.get(f"/penilaian/{tahunan}").get_json()
    assert result["status"] == "FINAL" and result["predikat"] == "SANGAT_BAIK"
    skp = kabid.get(f"/skp/{two_approved['kabid']}").get_json()
    assert skp["status"] == "SELESAI"
    assert skp["history"][-1]["to_status"] == "SELESAI"
    admin = as_user(admin_of(accounts)["nip"])
    assert admin.post(f"/skp/{two_approved['kabid']}/rollback", json={"reason": "salah"}).status_code == 409



def test_functional_position_earns_angka_kredit(app, accounts, as_user, kadis_approved):
    """Pranata Komputer Ahli Pertama, predikat Baik for January: 1/12 × 100% × 12,5 = 1,04."""
    kasi_acc, jf_acc = find(accounts, "Kepala Seksi Pengembangan"), find(accounts, "Pranata Komputer Ahli Pertama")
    kabid, kasi, jf = (as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(kasi_acc["nip"]),
                       as_user(jf_acc["nip"]))
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    kabid_skp = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    approve(kadis)
    kasi_skp = create_and_submit(kasi, [ja_rhk(kabid.get(f"/skp/{kabid_skp}").get_json()["rhk"][0]["id"])])
    approve(kabid)
    skp_of = {find(accounts, "Kepala Bidang Aplikasi")["nip"]: kabid_skp, kasi_acc["nip"]: kasi_skp}
    penilai = as_user(jf_acc["pejabat_penilai_nip"])
    penilai_skp = skp_of[jf_acc["pejabat_penilai_nip"]]
    create_and_submit(jf, [ja_rhk(penilai.get(f"/skp/{penilai_skp}").get_json()["rhk"][0]["id"])])
    approve(penilai)
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    _, opened = open_first_period(accounts, as_user)
    [mine] = [r for r in opened["hasil"] if r["nip"] == jf_acc["nip"]]
    rhk_id = jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()["rhk"][0]["id"]
    task = task_with_form(jf, "realisasi")
    assert jf.post(f"/tasks/{task['id']}/complete", json={"data": {
        "rhk": {str(rhk_id): {"realisasi": "1 laporan"}}, "kirim": True}}).status_code == 200
    review = [t for t in penilai.get("/tasks").get_json() if t["form"] == "penilaian"
              and jf_acc["nama"].split(",")[0] in t["title"]]
    assert len(review) == 1, review
    clock.set(f"{DEMO_TAHUN}-02-01T09:00:00+07:00")  # January has ended: its angka kredit is credited at once
    assert penilai.post(f"/tasks/{review[0]['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI",
        "umpan_balik_rhk": {str(rhk_id): "Sesuai target"}}}).status_code == 200
    result = jf.get(f"/penilaian/{mine['penilaian_id']}").get_json()
    assert result["predikat"] == "BAIK"
    assert result["angka_kredit"]["ak_teks"] == "1,04" and result["angka_kredit"]["jumlah_bulan"] == 1
