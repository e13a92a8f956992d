"""The SKP planning lifecycle through the JSON API, on SQLite and PostgreSQL."""
from __future__ import annotations

import io

import docx
import pypdf
import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select

JPT_RHK = {"jenis": "UTAMA", "deskripsi": "Meningkatnya kualitas layanan digital pemerintah daerah",
           "klasifikasi": "ORGANISASI", "penugasan_dari": "Gubernur",
           "iki": [{"perspektif": "PENERIMA_LAYANAN", "indikator": "Indeks kepuasan pengguna layanan digital",
                    "target": "85 %"}]}


def ja_rhk(rhk_atasan_id, deskripsi="Tersusunnya laporan monitoring layanan aplikasi"):
    return {"jenis": "UTAMA", "deskripsi": deskripsi, "rhk_atasan_id": rhk_atasan_id,
            "iki": [{"aspek": "KUANTITAS", "indikator": "Jumlah laporan monitoring", "target": "12 Laporan"},
                    {"aspek": "KUALITAS", "indikator": "Persentase laporan tanpa revisi", "target": "90 %"},
                    {"aspek": "WAKTU", "indikator": "Ketepatan waktu penyampaian", "target": "12 Bulan"}]}


LAMPIRAN = {"dukungan_sumber_daya": ["Laptop", "Akses internet"],
            "skema_pertanggungjawaban": ["Laporan bulanan kepada atasan"],
            "konsekuensi": ["Teguran lisan bila target tidak tercapai"]}


def only_task(api, form):
    tasks = [t for t in api.get("/tasks").get_json() if t["form"] == form]
    assert len(tasks) == 1, tasks
    return tasks[0]


def create_and_submit(api, rhk, tahun=DEMO_TAHUN):
    skp = api.post("/skp", json={"tahun": tahun, "pendekatan": "KUANTITATIF"})
    assert skp.status_code == 201, skp.get_json()
    task = only_task(api, "skp-editor")
    done = api.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": rhk, "lampiran": LAMPIRAN, "ajukan": True}})
    assert done.status_code == 200, done.get_json()
    return skp.get_json()["id"]


def approve(api, ekspektasi=None):
    task = only_task(api, "skp-review")
    r = api.post(f"/tasks/{task['id']}/complete",
                 json={"data": {"keputusan": "SETUJUI", "catatan": "",
                                "ekspektasi_khusus": ekspektasi or {"AKUNTABEL": "Laporan tepat waktu"}}})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.fixture
def kadis_approved(accounts, as_user):
    """The Kepala Dinas's SKP approved by the Sekda, so subordinates can link their RHK to it."""
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp_id = create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    skp = kadis.get(f"/skp/{skp_id}").get_json()
    assert skp["status"] == "DISETUJUI"
    return skp


def test_whole_lifecycle(accounts, as_user, kadis_approved, run_jobs):
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, kadis = as_user(kabid_acc["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    rhk_kadis = kadis_approved["rhk"][0]["id"]

    skp = kabid.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()
    editor = only_task(kabid, "skp-editor")
    assert editor["due_at"].startswith(f"{DEMO_TAHUN}-01-31")
    # draft: the task stays open and the RHK are stored
    r = kabid.post(f"/tasks/{editor['id']}/complete",
                   json={"data": {"rhk": [ja_rhk(rhk_kadis)], "lampiran": LAMPIRAN, "ajukan": False}})
    assert r.status_code == 200 and r.get_json()["completed"] is False
    assert kabid.get(f"/skp/{skp['id']}").get_json()["rhk"][0]["deskripsi"].startswith("Tersusunnya")
    data = kabid.get(f"/tasks/{editor['id']}").get_json()["data"]
    assert data["rhk"][0]["iki"][0]["target"] == "12 Laporan"
    r = kabid.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}})
    assert r.status_code == 200 and r.get_json()["completed"] is True
    assert kabid.get(f"/skp/{skp['id']}").get_json()["status"] == "DIAJUKAN"

    # the penilai returns it with a note
    review = only_task(kadis, "skp-review")
    r = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {"keputusan": "KEMBALIKAN", "catatan": "Tambah IKI biaya"}})
    assert r.status_code == 200
    got = kabid.get(f"/skp/{skp['id']}").get_json()
    assert got["status"] == "DIKEMBALIKAN" and got["catatan_pengembalian"] == "Tambah IKI biaya"

    # resubmit, approve
    editor = only_task(kabid, "skp-editor")
    data = kabid.get(f"/tasks/{editor['id']}").get_json()["data"]
    data["rhk"][0]["iki"].append({"aspek": "BIAYA", "indikator": "Realisasi anggaran", "target": "95 %"})
    assert kabid.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200
    approve(kadis, {"KOMPETEN": "Ikut pelatihan keamanan aplikasi"})
    got = kabid.get(f"/skp/{skp['id']}").get_json()
    assert got["status"] == "DISETUJUI" and got["tanggal_penetapan"]
    assert next(p for p in got["perilaku"] if p["kode"] == "KOMPETEN")["ekspektasi_khusus"].startswith("Ikut")

    # rollback by the admin kinerja, resubmit, approve again
    r = admin.post(f"/skp/{skp['id']}/rollback", json={"reason": "Perubahan struktur organisasi"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "DRAFT" and r.get_json()["tanggal_penetapan"] is None
    editor = only_task(kabid, "skp-editor")
    data = kabid.get(f"/tasks/{editor['id']}").get_json()["data"]
    assert kabid.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200
    approve(kadis)

    history = kabid.get(f"/skp/{skp['id']}").get_json()["history"]
    steps = [(h["action"], h["to_status"], h["actor_nip"]) for h in history]
    admin_nip = admin.nip
    assert steps == [
        ("buat", "DRAFT", kabid.nip), ("ajukan", "DIAJUKAN", kabid.nip), ("kembalikan", "DIKEMBALIKAN", kadis.nip),
        ("ajukan", "DIAJUKAN", kabid.nip), ("setujui", "DISETUJUI", kadis.nip), ("rollback", "DRAFT", admin_nip),
        ("ajukan", "DIAJUKAN", kabid.nip), ("setujui", "DISETUJUI", kadis.nip)]
    assert history[5]["note"] == "Perubahan struktur organisasi" and history[2]["note"] == "Tambah IKI biaya"

    # documents: current and archived (once the outbox has rendered it), read back
    assert run_jobs()["done"] == 3  # one archive per approval: the Kadis's and both of this SKP
    pdf = kabid.get(f"/skp/{skp['id']}/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    for needle in ("Tersusunnya laporan monitoring", "Meningkatnya kualitas layanan digital", kabid_acc["nip"],
                   "Laptop", "Realisasi anggaran"):
        assert needle in " ".join(text.split()), needle
    word = kabid.get(f"/skp/{skp['id']}/document.docx?archived=1")
    assert word.status_code == 200 and word.headers.get("ETag")
    document = docx.Document(io.BytesIO(word.data))
    cells = " ".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    body = " ".join(p.text for p in document.paragraphs) + " " + cells
    assert "Tersusunnya laporan monitoring" in body and kabid_acc["nama"].split(",")[0].split(". ")[-1] in body

    instance = kabid.get(f"/instances/{editor['instance_id']}").get_json()
    assert instance["business_key"] == f"skp:{skp['id']}" and instance["status"] == "waiting"
    kinds = [e["kind"] for e in instance["events"]]
    # drafting, return, drafting, approve, rollback, drafting, approve; the draft save is logged apart
    assert kinds[0] == "started" and kinds.count("task_completed") == 7 and kinds.count("draft_saved") == 1
    assert [t["form"] for t in instance["open_tasks"]] == ["skp-rollback"]


def test_archive_survives_rollback(accounts, as_user, kadis_approved, run_jobs):
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    run_jobs()
    first = kadis.get(f"/skp/{kadis_approved['id']}/document.pdf?archived=1")
    assert first.status_code == 200
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    assert admin.post(f"/skp/{kadis_approved['id']}/rollback", json={"reason": "Revisi PK"}).status_code == 200
    again = kadis.get(f"/skp/{kadis_approved['id']}/document.pdf?archived=1")
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    current = kadis.get(f"/skp/{kadis_approved['id']}/document.pdf")
    assert b"%PDF" == current.data[:4]


def test_rollback_permissions(accounts, as_user, kadis_approved):
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kabid, kadis = as_user(kabid_acc["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    skp_id = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    # not approved yet: rollback is not possible (409), whoever asks
    assert kadis.post(f"/skp/{skp_id}/rollback", json={"reason": "x"}).status_code == 409
    approve(kadis)
    # the pegawai himself, and an atasan who is not JPT (the Kepala Seksi below has no view: 404)
    assert kabid.post(f"/skp/{skp_id}/rollback", json={"reason": "saya ingin ubah"}).status_code == 403
    kasi = as_user(find(accounts, "Kepala Seksi Pengembangan")["nip"])
    assert kasi.post(f"/skp/{skp_id}/rollback", json={"reason": "x"}).status_code in (403, 404)
    # no reason: 422 and nothing changes
    r = kadis.post(f"/skp/{skp_id}/rollback", json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["details"]["fields"]
    assert kabid.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"
    # the JPT over the unit may
    r = kadis.post(f"/skp/{skp_id}/rollback", json={"reason": "Penyesuaian renstra"})
    assert r.status_code == 200 and r.get_json()["status"] == "DRAFT"
    assert only_task(kabid, "skp-editor")


def test_other_pegawai_cannot_complete_or_see(accounts, as_user, kadis_approved):
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    other = as_user(find(accounts, "Kepala Bidang Statistik")["nip"])
    kabid.post("/skp", json={"tahun": DEMO_TAHUN})
    task = only_task(kabid, "skp-editor")
    r = other.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [], "ajukan": False}})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert other.get(f"/tasks/{task['id']}").status_code == 403
    skp_id = task["business_key"].split(":")[1]
    assert other.get(f"/skp/{skp_id}").status_code == 404
    assert other.get(f"/skp/{skp_id}/document.pdf").status_code == 404


def test_auth_errors(client, accounts):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    bad = client.post("/api/v1/auth/token", json={"nip": accounts[0]["nip"], "password": "salah"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"


def test_openapi_lists_the_core_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/auth/token", "/me", "/tasks", "/tasks/{id}", "/tasks/{id}/complete", "/skp", "/skp/{id}",
                 "/skp/{id}/rollback", "/skp/{id}/document.pdf", "/skp/{id}/document.docx", "/instances/{id}"):
        assert path in doc["paths"], path
