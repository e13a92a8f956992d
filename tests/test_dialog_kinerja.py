"""Dialog kinerja: a leader and his subordinates record notes and agreements in parallel, both sides
confirm; an agreement "ubah SKP" rolls the peserta's approved SKP back to draft with the dialog as reason."""
from __future__ import annotations

from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from test_penilaian import two_approved  # noqa: F401
from test_skp_api import kadis_approved  # noqa: F401

from app.kinerja.dialog import DialogCatatan, DialogKinerja
from workflows.models import Instance


def dialog_tasks(api, dialog_id):
    return [t for t in api.get("/tasks").get_json() if t["business_key"] == f"dialog:{dialog_id}"]


def count(app, model) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.close()


def test_dialog_with_two_subordinates_rolls_back_an_approved_skp(app, accounts, as_user, two_approved):  # noqa: F811
    kadis_acc, aplikasi_acc = find(accounts, "Kepala Dinas"), find(accounts, "Kepala Bidang Aplikasi")
    statistik_acc = find(accounts, "Kepala Bidang Statistik")
    kadis, aplikasi, statistik = as_user(kadis_acc["nip"]), as_user(aplikasi_acc["nip"]), as_user(statistik_acc["nip"])
    created = kadis.post("/dialog-kinerja", json={"topik": "Penyesuaian target layanan aplikasi",
                                                  "tanggal": f"{DEMO_TAHUN}-03-10",
                                                  "peserta": [aplikasi_acc["nip"], statistik_acc["nip"]]})
    assert created.status_code == 201, created.get_json()
    dialog = created.get_json()
    assert [p["nip"] for p in dialog["peserta"]] == [aplikasi_acc["nip"], statistik_acc["nip"]]
    assert dialog["status"] == "BERLANGSUNG" and len(dialog["tugas_terbuka"]) == 3  # leader + one per peserta

    [mine] = dialog_tasks(aplikasi, dialog["id"])
    assert mine["form"] == "dialog-peserta" and "Penyesuaian target" in mine["title"]
    [theirs] = dialog_tasks(statistik, dialog["id"])
    assert theirs["id"] != mine["id"]
    assert aplikasi.post(f"/tasks/{theirs['id']}/complete", json={"data": {"konfirmasi": True}}).status_code == 403
    [lead] = dialog_tasks(kadis, dialog["id"])

    # the leader saves a draft, then a wrong agreement is refused naming the field, and nothing is kept
    draft = kadis.post(f"/tasks/{lead['id']}/complete", json={"data": {"catatan": "Draf", "konfirmasi": False}})
    assert draft.status_code == 200 and draft.get_json()["completed"] is False
    bad = kadis.post(f"/tasks/{lead['id']}/complete", json={"data": {"konfirmasi": True, "kesepakatan": [
        {"peserta_nip": statistik_acc["nip"], "teks": "Ubah RHK", "ubah_skp": True}]}})
    assert bad.status_code == 422
    assert "tidak memiliki SKP" in bad.get_json()["error"]["details"]["fields"]["kesepakatan[0].ubah_skp"]

    assert aplikasi.post(f"/tasks/{mine['id']}/complete", json={"data": {
        "catatan": "Beban pengembangan bertambah", "kesepakatan": [{"teks": "Target laporan jadi 10"}],
        "konfirmasi": True}}).status_code == 200
    assert kadis.post(f"/tasks/{lead['id']}/complete", json={"data": {
        "catatan": "Target disesuaikan dengan beban kerja", "konfirmasi": True, "kesepakatan": [
            {"peserta_nip": aplikasi_acc["nip"], "teks": "Ubah target RHK laporan monitoring", "ubah_skp": True},
            {"peserta_nip": statistik_acc["nip"], "teks": "Pertahankan target"}]}}).status_code == 200
    skp = aplikasi.get(f"/skp/{two_approved['kabid']}").get_json()
    assert skp["status"] == "DISETUJUI"  # not before every peserta has confirmed
    waiting = kadis.get(f"/dialog-kinerja/{dialog['id']}").get_json()
    assert waiting["status"] == "BERLANGSUNG" and waiting["pimpinan"]["dikonfirmasi_at"]
    assert [t["kandidat_nip"] for t in waiting["tugas_terbuka"]] == [[statistik_acc["nip"]]]

    assert statistik.post(f"/tasks/{theirs['id']}/complete", json={"data": {"konfirmasi": True}}).status_code == 200
    done = kadis.get(f"/dialog-kinerja/{dialog['id']}").get_json()
    assert done["status"] == "SELESAI" and done["tugas_terbuka"] == []
    assert all(p["dikonfirmasi_at"] for p in done["peserta"]) and done["pimpinan"]["dikonfirmasi_at"]
    ubah = next(c for c in done["catatan"] if c["ubah_skp"])
    assert ubah["hasil"] == "SKP dikembalikan ke draf" and ubah["skp_id"] == two_approved["kabid"]
    assert {c["penulis_nip"] for c in done["catatan"]} == {kadis_acc["nip"], aplikasi_acc["nip"]}

    skp = aplikasi.get(f"/skp/{two_approved['kabid']}").get_json()
    assert skp["status"] == "DRAFT"
    last = skp["history"][-1]
    assert last["action"] == "rollback" and last["actor_nip"] == kadis_acc["nip"]
    assert f"Dialog kinerja #{dialog['id']}" in last["note"] and "Penyesuaian target layanan aplikasi" in last["note"]

    listed = aplikasi.get("/dialog-kinerja").get_json()
    assert [d["id"] for d in listed] == [dialog["id"]]
    assert [d["id"] for d in kadis.get(f"/dialog-kinerja?nip={statistik_acc['nip']}").get_json()] == [dialog["id"]]


def test_dialog_input_and_permissions(app, accounts, as_user):
    kadis_acc, kasi_acc = find(accounts, "Kepala Dinas"), find(accounts, "Kepala Seksi Pengembangan")
    aplikasi_acc = find(accounts, "Kepala Bidang Aplikasi")
    kadis = as_user(kadis_acc["nip"])
    body = {"topik": "Capaian triwulan", "tanggal": f"{DEMO_TAHUN}-04-02", "peserta": [aplikasi_acc["nip"], kasi_acc["nip"]]}
    not_mine = kadis.post("/dialog-kinerja", json=body)
    assert not_mine.status_code == 422
    fields = not_mine.get_json()["error"]["details"]["fields"]
    assert list(fields) == ["peserta[1]"] and kasi_acc["nip"] in fields["peserta[1]"] and "bukan bawahan" in fields["peserta[1]"]
    no_topic = kadis.post("/dialog-kinerja", json={**body, "topik": "  ", "tanggal": "besok", "peserta": []})
    assert no_topic.status_code == 422
    assert set(no_topic.get_json()["error"]["details"]["fields"]) == {"topik", "tanggal", "peserta"}
    assert count(app, DialogKinerja) == 0 and count(app, Instance) == 0  # nothing written

    pelaksana = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pelaksana.post("/dialog-kinerja", json={**body, "peserta": [kadis_acc["nip"]]}).status_code == 403
    created = kadis.post("/dialog-kinerja", json={**body, "peserta": [aplikasi_acc["nip"]]})
    assert created.status_code == 201
    dialog_id = created.get_json()["id"]
    assert pelaksana.get(f"/dialog-kinerja/{dialog_id}").status_code == 404
    assert pelaksana.get(f"/dialog-kinerja?nip={aplikasi_acc['nip']}").status_code == 404
    assert as_user(aplikasi_acc["nip"]).get(f"/dialog-kinerja/{dialog_id}").status_code == 200
    assert count(app, DialogCatatan) == 0
    assert kadis.get("/dialog-kinerja?nip=199999999999999999").status_code == 404
    paths = kadis.get("/openapi.json").get_json()["paths"]
    assert {"/dialog-kinerja", "/dialog-kinerja/{id}"} <= set(paths) and "post" in paths["/dialog-kinerja"]


def test_dialog_pages(app, accounts, client):
    from test_pages import Pages

    kadis_acc, aplikasi_acc = find(accounts, "Kepala Dinas"), find(accounts, "Kepala Bidang Aplikasi")
    pages = Pages(client)
    pages.login(kadis_acc["nip"])
    html = pages.html("/dialog-kinerja")
    assert "Mulai dialog kinerja" in html and aplikasi_acc["nip"] in html  # a subordinate to choose
    assert find(accounts, "Kepala Seksi Pengembangan")["nip"] not in html  # evaluated by the Kabid, not the Kadis
    bad = pages.post("/dialog-kinerja", {"topik": "", "tanggal": f"{DEMO_TAHUN}-05-01", "peserta": aplikasi_acc["nip"]})
    assert bad.status_code == 422 and "wajib diisi" in bad.get_data(as_text=True)
    assert count(app, DialogKinerja) == 0
    made = pages.post("/dialog-kinerja", {"topik": "Rencana pengembangan kompetensi", "tanggal": f"{DEMO_TAHUN}-05-01",
                                          "peserta": aplikasi_acc["nip"]})
    assert made.status_code == 302
    page = made.headers["Location"]
    saved = pages.post(f"{page}/catat", {"catatan": "Ikut pelatihan <arsitektur>", "baris": "3", "konfirmasi": "0",
                                         "kesepakatan-0-teks": "Pelatihan bulan Juni",
                                         "kesepakatan-0-peserta": aplikasi_acc["nip"]})
    assert saved.status_code == 302
    html = pages.html(page)
    assert "Ikut pelatihan &lt;arsitektur&gt;" in html and "Pelatihan bulan Juni" in html and "Konfirmasi hasil dialog" in html

    pages.login(aplikasi_acc["nip"])
    link = pages.task_link("Catat hasil dialog (peserta)")
    assert pages.get(link).headers["Location"].endswith(page)  # the task opens the dialog page
    assert pages.post(f"{page}/catat", {"catatan": "Siap", "baris": "3", "konfirmasi": "1"}).status_code == 302
    pages.login(kadis_acc["nip"])
    assert pages.post(f"{page}/catat", {"catatan": "Ikut pelatihan", "baris": "3", "konfirmasi": "1"}).status_code == 302
    html = pages.html(page)
    assert "Selesai" in html and "Konfirmasi hasil dialog" not in html


def test_a_leader_below_jpt_rolls_back_through_the_dialog(accounts, as_user, two_approved):  # noqa: F811
    """The Kabid is not in the rollback lane (JPT / Admin Kinerja); the dialog's agreement still takes his
    Kasi's SKP back to draft, done by him as pejabat penilai (domain §2.2)."""
    from test_skp_api import approve, create_and_submit, ja_rhk

    kabid_acc, kasi_acc = find(accounts, "Kepala Bidang Aplikasi"), find(accounts, "Kepala Seksi Pengembangan")
    kabid, kasi = as_user(kabid_acc["nip"]), as_user(kasi_acc["nip"])
    kasi_skp = create_and_submit(kasi, [ja_rhk(kabid.get(f"/skp/{two_approved['kabid']}").get_json()["rhk"][0]["id"])])
    approve(kabid)
    assert kabid.post(f"/skp/{kasi_skp}/rollback", json={"reason": "langsung"}).status_code == 403  # not his lane
    dialog = kabid.post("/dialog-kinerja", json={"topik": "Target pengembangan", "tanggal": f"{DEMO_TAHUN}-02-10",
                                                 "peserta": [kasi_acc["nip"]]}).get_json()
    [lead] = dialog_tasks(kabid, dialog["id"])
    [mine] = dialog_tasks(kasi, dialog["id"])
    assert kabid.post(f"/tasks/{lead['id']}/complete", json={"data": {"konfirmasi": True, "kesepakatan": [
        {"peserta_nip": kasi_acc["nip"], "teks": "Tambah RHK layanan API", "ubah_skp": True}]}}).status_code == 200
    assert kasi.post(f"/tasks/{mine['id']}/complete", json={"data": {"konfirmasi": True}}).status_code == 200
    skp = kasi.get(f"/skp/{kasi_skp}").get_json()
    assert skp["status"] == "DRAFT"
    assert skp["history"][-1]["actor_nip"] == kabid_acc["nip"]
    assert skp["history"][-1]["note"].startswith(f"Dialog kinerja #{dialog['id']} (Target pengembangan")
