"""Organisation changes during planning: a leader replaced, PLT/PLH, re-routing of open tasks."""
from __future__ import annotations

import datetime as dt
import re

from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from sqlalchemy import select
from test_demo_import import HEADER, write_csv
from test_penilaian import open_period, tetapkan_capaian
from test_skp_api import JPT_RHK, LAMPIRAN, approve, create_and_submit, ja_rhk, only_task

from app.cli import main
from app.kinerja.org import Jabatan, Pegawai
from app.kinerja.cascade import allowed_rhk_atasan
from app.kinerja.skp import Rhk, Skp
from workflows import clock
from workflows.models import HumanTask, InstanceEvent

NEW_KADIS = "197901012005011009"
KADIS_JABATAN = "Kepala Dinas Komunikasi dan Informatika"


def _db(app):
    return app.extensions["db_sessionmaker"]()


def _person(db, nip):
    return db.scalar(select(Pegawai).where(Pegawai.nip == nip))


def _org_change_csv(tmp_path, hendra_nip):
    row = lambda nip, nama, unor, unor_nama, induk, jabatan: [  # noqa: E731
        nip, "PNS", nama, "", "", "Pembina Utama Muda", "IV/c", unor, unor_nama, induk, jabatan, "JPT_PRATAMA", "",
        "ya", "", DEMO_PASSWORD]
    return write_csv(tmp_path / "mutasi.csv", [
        HEADER,
        row(NEW_KADIS, "Budi Santoso", "KOMINFO", "Dinas Komunikasi dan Informatika", "SETDA", KADIS_JABATAN),
        row(hendra_nip, "Hendra Wijaya", "SETDA.SAHLI", "Staf Ahli Gubernur", "SETDA", "Staf Ahli Gubernur"),
    ])


def _links_valid(db, skp_ids):
    for skp in db.scalars(select(Skp).where(Skp.id.in_(skp_ids))):
        allowed = {r.id for r in allowed_rhk_atasan(db, skp)}
        for rhk in skp.rhk:
            assert rhk.rhk_atasan_id in allowed, (skp.pegawai.nama, rhk.rhk_atasan_id, allowed)


def _candidates(db, instance_ids):
    rows = db.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instance_ids)))
    return {(t.instance_id, t.name): sorted(c.pegawai_id for c in t.candidates) for t in rows}


def test_leader_replaced_mid_january(app, accounts, as_user, tmp_path):
    clock.set(dt.datetime(DEMO_TAHUN, 1, 5, 9, 0))
    hendra_acc = find(accounts, "Kepala Dinas")
    kadis, sekda = as_user(hendra_acc["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    kadis_skp = create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    rhk_kadis = kadis.get(f"/skp/{kadis_skp}").get_json()["rhk"][0]["id"]

    # three subordinates of the Kepala Dinas: approved, submitted, draft
    eko = as_user(find(accounts, "Kepala Bidang Statistik")["nip"])
    eko_skp = create_and_submit(eko, [ja_rhk(rhk_kadis)])
    approve(kadis)
    yudi = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    yudi_skp = create_and_submit(yudi, [ja_rhk(rhk_kadis)])
    sri = as_user(find(accounts, "Sekretaris Dinas")["nip"])
    sri_skp = sri.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    editor = only_task(sri, "skp-editor")
    assert sri.post(f"/tasks/{editor['id']}/complete", json={"data": {
        "rhk": [ja_rhk(rhk_kadis)], "lampiran": LAMPIRAN, "ajukan": False}}).status_code == 200
    review = only_task(kadis, "skp-review")

    db = _db(app)
    hendra = _person(db, hendra_acc["nip"])
    skp_ids = [eko_skp, yudi_skp, sri_skp]
    instances = [db.scalar(select(HumanTask.instance_id).where(HumanTask.id == review["id"]))]
    before = _candidates(db, instances)
    assert before[(instances[0], "Periksa SKP")] == [hendra.id]

    # mid-January the Kepala Dinas is moved and replaced; the preview writes nothing
    clock.set(dt.datetime(DEMO_TAHUN, 1, 15, 9, 0))
    path = _org_change_csv(tmp_path, hendra.nip)
    runner = app.test_cli_runner()
    out = runner.invoke(main, ["import", "pegawai", str(path), "--preview"])
    assert out.exit_code == 0, out.output
    assert "PRATINJAU" in out.output and "Periksa SKP" in out.output
    assert "Hendra Wijaya" in out.output and f"Budi Santoso ({NEW_KADIS})" in out.output
    db.close()
    db = _db(app)
    assert _person(db, NEW_KADIS) is None
    assert _candidates(db, instances) == before

    out = runner.invoke(main, ["import", "pegawai", str(path)])
    assert out.exit_code == 0, out.output
    db.close()
    db = _db(app)
    budi = _person(db, NEW_KADIS)
    assert _candidates(db, instances)[(instances[0], "Periksa SKP")] == [budi.id]
    event = db.scalar(select(InstanceEvent).where(InstanceEvent.instance_id == instances[0],
                                                  InstanceEvent.kind == "rerouted"))
    assert event.data["before"] == [hendra.id] and event.data["after"] == [budi.id]
    assert "impor pegawai" in event.reason
    assert db.get(Skp, yudi_skp).pejabat_penilai_id == budi.id
    budi_api = as_user(NEW_KADIS)
    notes = budi_api.get("/notifications").get_json()["items"]
    assert any(n["link"] == f"/tugas/{review['id']}" for n in notes)
    assert all(t["id"] != review["id"] for t in kadis.get("/tasks").get_json())
    assert budi_api.post(f"/tasks/{review['id']}/complete", json={"data": {
        "keputusan": "SETUJUI", "catatan": "", "ekspektasi_khusus": {}}}).status_code == 200
    # the old leader's organisational RHK stay valid links; the draft can be submitted to the new leader
    _links_valid(db, skp_ids)
    data = sri.get(f"/tasks/{editor['id']}").get_json()["data"]
    assert sri.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200
    assert only_task(budi_api, "skp-review")["business_key"] == f"skp:{sri_skp}"
    approve(budi_api)

    # the successor's SKP starts from the organisational RHK; once approved, links follow to it
    budi_skp = budi_api.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()
    assert [r["deskripsi"] for r in budi_skp["rhk"]] == [JPT_RHK["deskripsi"]]
    editor = only_task(budi_api, "skp-editor")
    data = budi_api.get(f"/tasks/{editor['id']}").get_json()["data"]
    assert budi_api.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "lampiran": LAMPIRAN,
                                                                           "ajukan": True}}).status_code == 200
    approve(sekda)
    db.close()
    db = _db(app)
    copy = db.scalar(select(Rhk).where(Rhk.skp_id == budi_skp["id"]))
    assert copy.inherited_from_rhk_id == rhk_kadis
    for skp_id in skp_ids:
        assert [r.rhk_atasan_id for r in db.get(Skp, skp_id).rhk] == [copy.id]
    _links_valid(db, skp_ids)
    open_instances = list(db.scalars(select(HumanTask.instance_id)))
    assert all(hendra.id not in people for people in _candidates(db, open_instances).values())
    db.close()


def _run_job(app, name):
    from app.scheduler import run_once

    return run_once(app.extensions["db_sessionmaker"], [name])[name]


def _tasks(api, form="skp-review"):
    return [t for t in api.get("/tasks").get_json() if t["form"] == form]


def test_plt_acts_only_during_the_assignment(app, accounts, as_user):
    clock.set(dt.datetime(DEMO_TAHUN, 1, 5, 9, 0))
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    sekda, kadis = as_user(find(accounts, "Sekretaris Daerah")["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    rizki = as_user(find(accounts, "Kepala Seksi Pengembangan")["nip"])
    fajar_acc = next(a for a in accounts if a["nama"].startswith("Fajar"))
    fajar = as_user(fajar_acc["nip"])
    create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    kadis_rhk = kadis.get("/skp").get_json()[0]["id"]
    kadis_rhk = kadis.get(f"/skp/{kadis_rhk}").get_json()["rhk"][0]["id"]
    kabid_skp = create_and_submit(kabid, [ja_rhk(kadis_rhk)])
    approve(kadis)
    rizki_skp = create_and_submit(rizki, [ja_rhk(kabid.get(f"/skp/{kabid_skp}").get_json()["rhk"][0]["id"])])
    approve(kabid)
    rizki_rhk = rizki.get(f"/skp/{rizki_skp}").get_json()["rhk"][0]["id"]

    # the demo PLT (Rizki, Kepala Seksi Infrastruktur dan Jaringan) reviews Dedi's SKP
    dedi = as_user(find(accounts, "Teknisi Sarana")["nip"])
    dedi_skp = create_and_submit(dedi, [ja_rhk(rizki_rhk)])
    review = only_task(rizki, "skp-review")
    plt = admin.get("/plt-plh").get_json()
    assert [(p["nip"], p["jenis"], p["aktif"]) for p in plt] == [(rizki.nip, "PLT", True)]
    infra_jabatan = plt[0]["jabatan_id"]
    db = _db(app)
    kabid_jabatan = _person(db, kabid.nip).jabatan_id
    db.close()

    # ended: the task goes to the next leader up (the Kepala Bidang) and Rizki can no longer act
    r = admin.post(f"/plt-plh/{plt[0]['id']}/akhiri", json={})
    assert r.status_code == 200, r.get_json()
    moved = r.get_json()["pengalihan"]["tugas_dialihkan"]
    assert [(m["task_id"], m["sebelum"][0]["nip"], m["sesudah"][0]["nip"]) for m in moved] == [
        (review["id"], rizki.nip, kabid.nip)]
    assert _tasks(rizki) == [] and [t["id"] for t in _tasks(kabid)] == [review["id"]]
    r = rizki.post(f"/tasks/{review['id']}/complete", json={"data": {"keputusan": "SETUJUI", "catatan": ""}})
    assert r.status_code == 403
    assert len(_tasks(rizki, "skp-editor")) == 0 and rizki.get(f"/skp/{rizki_skp}").get_json()["status"] == "DISETUJUI"

    # without a PLT Rina submits to the Kepala Bidang, linking his RHK
    rina = as_user(find(accounts, "Pengelola Layanan Operasional")["nip"])
    kabid_rhk = kabid.get(f"/skp/{kabid_skp}").get_json()["rhk"][0]["id"]
    rina_skp = create_and_submit(rina, [ja_rhk(kabid_rhk, "Terkelolanya layanan jaringan")])
    rina_review = next(t for t in _tasks(kabid) if t["id"] != review["id"])

    # a new PLT from the 20th to the 25th: nothing moves before the period starts
    fajar_skp = fajar.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    r = admin.post("/plt-plh", json={"nip": fajar.nip, "jabatan_id": infra_jabatan, "jenis": "PLT",
                                     "tmt_mulai": f"{DEMO_TAHUN}-01-20", "tmt_selesai": f"{DEMO_TAHUN}-01-25"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["pengalihan"]["tugas_dialihkan"] == [] and _tasks(fajar) == []
    clock.set(dt.datetime(DEMO_TAHUN, 1, 20, 7, 0))
    assert _run_job(app, "penugasan_plt_plh") == {"instance": 2, "tugas": 2}
    assert sorted(t["id"] for t in _tasks(fajar)) == sorted([review["id"], rina_review["id"]])
    assert _tasks(kabid) == []
    assert [t["business_key"] for t in _tasks(fajar, "skp-editor")] == [f"skp:{fajar_skp}"]  # own SKP continues
    r = fajar.post(f"/tasks/{review['id']}/complete", json={"data": {"keputusan": "SETUJUI", "catatan": ""}})
    assert r.status_code == 200, r.get_json()
    history = dedi.get(f"/skp/{dedi_skp}").get_json()["history"]
    assert (history[-1]["action"], history[-1]["actor_nip"], history[-1]["actor_sebagai"]) == (
        "setujui", fajar.nip, "sebagai PLT Kepala Seksi Infrastruktur dan Jaringan")
    assert history[1]["actor_sebagai"] == ""  # Dedi submitted as himself

    # after the period Rina's review is the Kepala Bidang's again
    clock.set(dt.datetime(DEMO_TAHUN, 1, 26, 7, 0))
    assert _run_job(app, "penugasan_plt_plh")["tugas"] == 1
    assert _run_job(app, "penugasan_plt_plh")["tugas"] == 0  # once
    assert _tasks(fajar) == [] and [t["id"] for t in _tasks(kabid)] == [rina_review["id"]]
    r = fajar.post(f"/tasks/{rina_review['id']}/complete", json={"data": {"keputusan": "SETUJUI", "catatan": ""}})
    assert r.status_code == 403

    # a PLH stands in for the Kepala Bidang from today: both names in the history
    andi = as_user(find(accounts, "Pranata Komputer Ahli Muda")["nip"])
    r = admin.post("/plt-plh", json={"nip": andi.nip, "jabatan_id": kabid_jabatan, "jenis": "PLH",
                                     "tmt_mulai": f"{DEMO_TAHUN}-01-26", "tmt_selesai": f"{DEMO_TAHUN}-01-30"})
    assert [m["task_id"] for m in r.get_json()["pengalihan"]["tugas_dialihkan"]] == [rina_review["id"]]
    approve(andi)
    history = rina.get(f"/skp/{rina_skp}").get_json()["history"]
    assert history[-1]["actor_sebagai"] == ("sebagai PLH Kepala Bidang Aplikasi Informatika "
                                            "(pejabat definitif: Yudi Prasetyo, S.T., M.Kom.)")


def test_organisation_changes_refuse_bad_input(app, accounts, as_user, client):
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    pegawai = as_user(find(accounts, "Pengolah Data")["nip"])
    db = _db(app)
    leader = db.scalar(select(Jabatan).where(Jabatan.nama == KADIS_JABATAN))
    staff = db.scalar(select(Jabatan).where(Jabatan.nama == "Pengolah Data dan Informasi"))
    db.close()
    ok = {"nip": pegawai.nip, "jabatan_id": leader.id, "jenis": "PLH", "tmt_mulai": "2030-01-01"}
    assert client.get("/api/v1/plt-plh").status_code == 401
    assert pegawai.post("/plt-plh", json=ok).status_code == 403
    assert pegawai.get("/plt-plh").status_code == 403
    r = admin.post("/plt-plh", json={"nip": "1", "jabatan_id": staff.id, "jenis": "X", "tmt_mulai": "kemarin",
                                     "tmt_selesai": "2030-13-01"})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["details"]["fields"]) == {"nip", "jabatan_id", "jenis", "tmt_mulai",
                                                                "tmt_selesai"}
    r = admin.post("/plt-plh", json={**ok, "jabatan_id": staff.id})
    assert "bukan jabatan pimpinan" in r.get_json()["error"]["details"]["fields"]["jabatan_id"]
    r = admin.post("/plt-plh", json={**ok, "tmt_selesai": "2029-12-31"})
    assert r.get_json()["error"]["details"]["fields"] == {"tmt_selesai": "tidak boleh sebelum tmt_mulai"}
    assert admin.post("/plt-plh", json=ok).status_code == 201
    r = admin.post("/plt-plh", json={**ok, "jenis": "PLT", "tmt_mulai": "2030-06-01"})
    assert r.status_code == 409 and "beririsan" in r.get_json()["error"]["message"]
    assert admin.post("/plt-plh/999999/akhiri", json={}).status_code == 404
    assert admin.client.post("/api/v1/plt-plh", data="{", headers={**admin.headers, "Content-Type": "application/json"}
                             ).status_code == 400
    # moving a pegawai
    assert pegawai.client.put(f"/api/v1/pegawai/{pegawai.nip}/jabatan", headers=pegawai.headers,
                              json={"jabatan_id": staff.id}).status_code == 403
    put = lambda nip, body: admin.client.put(f"/api/v1/pegawai/{nip}/jabatan", headers=admin.headers, json=body)  # noqa
    assert put("000000000000000000", {"jabatan_id": staff.id}).status_code == 404
    assert put(pegawai.nip, {"jabatan_id": "x"}).get_json()["error"]["details"]["fields"] == {
        "jabatan_id": "wajib diisi dengan id jabatan (angka)"}
    r = put(pegawai.nip, {"jabatan_id": leader.id})
    assert r.status_code == 409 and "masih dijabat" in r.get_json()["error"]["message"]
    # an upload that is not a spreadsheet
    r = admin.client.post("/api/v1/organisasi/impor?preview=1", headers=admin.headers,
                          data={"berkas": (__import__("io").BytesIO(b"x"), "a.txt")})
    assert r.status_code == 422 and "berkas" in r.get_json()["error"]["details"]["fields"]
    # nothing of the refused requests was written: the demo PLT and the one accepted PLH
    assert sorted((p["nip"], p["jenis"]) for p in admin.get("/plt-plh").get_json()) == sorted(
        [(find(accounts, "Kepala Seksi Pengembangan")["nip"], "PLT"), (pegawai.nip, "PLH")])


def test_admin_pages_preview_confirm_and_plt(app, accounts, as_user, client, tmp_path):
    from test_pages import Pages

    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    kadis_skp = create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    yudi = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    create_and_submit(yudi, [ja_rhk(kadis.get(f"/skp/{kadis_skp}").get_json()["rhk"][0]["id"])])
    review = only_task(kadis, "skp-review")
    pages = Pages(client)
    pages.login(find(accounts, "Pengolah Data")["nip"])
    assert pages.get("/organisasi").status_code == 403
    pages.login(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    assert 'href="/organisasi"' in pages.html("/")
    path = _org_change_csv(tmp_path, kadis.nip)
    with path.open("rb") as stream:
        r = pages.post("/organisasi/impor", {"berkas": (stream, "mutasi.csv")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html[:500]
    assert "Tugas yang akan dialihkan: 1" in html and f"Budi Santoso ({NEW_KADIS})" in html
    assert [t["id"] for t in kadis.get("/tasks").get_json() if t["form"] == "skp-review"] == [review["id"]]
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert pages.post("/organisasi/impor/konfirmasi", {"token": "lain"}).status_code == 422
    r = pages.post("/organisasi/impor/konfirmasi", {"token": token})
    assert r.status_code == 200 and "Tugas dialihkan: 1" in r.get_data(as_text=True)
    assert [t["id"] for t in as_user(NEW_KADIS).get("/tasks").get_json()] == [review["id"]]
    assert pages.post("/organisasi/impor/konfirmasi", {"token": token}).status_code == 422  # used once

    db = _db(app)
    infra = db.scalar(select(Jabatan).where(Jabatan.nama.like("Kepala Seksi Statistik%")))
    db.close()
    r = pages.post("/organisasi/plt-plh", {"nip": yudi.nip, "jabatan_id": str(infra.id), "jenis": "PLH",
                                           "tmt_mulai": "2031-01-01", "tmt_selesai": "2030-01-01"})
    assert r.status_code == 422 and "tidak boleh sebelum tmt_mulai" in r.get_data(as_text=True)
    r = pages.post("/organisasi/plt-plh", {"nip": yudi.nip, "jabatan_id": str(infra.id), "jenis": "PLH",
                                           "tmt_mulai": "2031-01-01", "tmt_selesai": ""})
    assert r.status_code == 302
    html = pages.html("/organisasi")
    assert "PLH" in html and yudi.nip in html


def test_parallel_drafting_holds_submission_until_the_leader_is_approved(app, accounts, as_user, client):
    from test_pages import Pages

    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    yudi, sri = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Sekretaris Dinas")["nip"])
    second = {**JPT_RHK, "deskripsi": "Terwujudnya tata kelola data", "klasifikasi": "INDIVIDU"}

    def draft(api, rhk):
        task = only_task(api, "skp-editor")
        r = api.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": rhk, "lampiran": LAMPIRAN, "ajukan": False}})
        assert r.status_code == 200 and r.get_json()["completed"] is False, r.get_json()
        return task, api.get(f"/tasks/{task['id']}").get_json()["data"]

    kadis_skp = kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    _task, kadis_data = draft(kadis, [JPT_RHK, second])
    first_id, second_id = [r["id"] for r in kadis_data["rhk"]]
    # subordinates start before their leader is approved: a link to a draft RHK, or the RHK as text
    yudi_skp = yudi.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    yudi_task, _ = draft(yudi, [ja_rhk(first_id), ja_rhk(second_id, "Tersedianya katalog data")])
    sri.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    sri_task, _ = draft(sri, [{**ja_rhk(None), "rhk_atasan_text": "Meningkatnya kualitas layanan digital"}])
    pages = Pages(client)
    pages.login(yudi.nip)
    assert f"{JPT_RHK['deskripsi']} — Ir. Hendra Wijaya, M.T. (draf atasan)" in pages.html(f"/tugas/{yudi_task['id']}")

    # the leader drops one draft RHK: the subordinate's link becomes text, nothing breaks
    kadis_task = only_task(kadis, "skp-editor")
    r = kadis.post(f"/tasks/{kadis_task['id']}/complete", json={"data": {
        **kadis_data, "rhk": kadis_data["rhk"][:1], "ajukan": False}})
    assert r.status_code == 200, r.get_json()
    rhk = yudi.get(f"/skp/{yudi_skp}").get_json()["rhk"]
    assert [(x["rhk_atasan_id"], x["rhk_atasan_text"]) for x in rhk] == [(first_id, ""), (None, second["deskripsi"])]

    # submission is held with a clear message while the leader's SKP is a draft
    data = yudi.get(f"/tasks/{yudi_task['id']}").get_json()["data"]
    data["rhk"] = data["rhk"][:1]
    r = yudi.post(f"/tasks/{yudi_task['id']}/complete", json={"data": {**data, "ajukan": True}})
    assert r.status_code == 422
    assert r.get_json()["error"]["details"]["fields"]["rhk[0].rhk_atasan_id"].startswith("pengajuan ditahan")
    assert yudi.get(f"/skp/{yudi_skp}").get_json()["status"] == "DRAFT"

    # approved: both are told, the link now submits, the text link is asked to be re-linked
    data_kadis = kadis.get(f"/tasks/{kadis_task['id']}").get_json()["data"]
    assert kadis.post(f"/tasks/{kadis_task['id']}/complete", json={"data": {**data_kadis, "ajukan": True}}
                      ).status_code == 200
    approve(sekda)
    assert kadis.get(f"/skp/{kadis_skp}").get_json()["status"] == "DISETUJUI"
    for api in (yudi, sri):
        kinds = [n["subject"] for n in api.get("/notifications").get_json()["items"]]
        assert any("SKP atasan tahun" in k for k in kinds), kinds
    assert yudi.post(f"/tasks/{yudi_task['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200
    assert only_task(kadis, "skp-review")["business_key"] == f"skp:{yudi_skp}"
    data = sri.get(f"/tasks/{sri_task['id']}").get_json()["data"]
    r = sri.post(f"/tasks/{sri_task['id']}/complete", json={"data": {**data, "ajukan": True}})
    assert "masih ditulis sebagai teks" in r.get_json()["error"]["details"]["fields"]["rhk[0].rhk_atasan_id"]
    data["rhk"][0]["rhk_atasan_id"] = first_id
    assert sri.post(f"/tasks/{sri_task['id']}/complete", json={"data": {**data, "ajukan": True}}).status_code == 200


def test_who_waits_on_whom(app, accounts, as_user, client):
    from test_pages import Pages

    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    yudi = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    andi = find(accounts, "Pranata Komputer Ahli Muda")
    clock.set(dt.datetime(DEMO_TAHUN, 1, 5, 9, 0))
    yudi_skp = yudi.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    clock.set(dt.datetime(DEMO_TAHUN, 1, 6, 9, 0))
    kadis_skp = create_and_submit(kadis, [JPT_RHK])

    items = admin.get(f"/kaskade?tahun={DEMO_TAHUN}").get_json()["items"]
    by_nip = {r["nip"]: r for r in items}
    assert [r["sejak"] for r in items] == sorted(r["sejak"] for r in items)
    assert by_nip[andi["nip"]]["menunggu"][0]["nip"] == yudi.nip
    assert by_nip[andi["nip"]]["alasan"] == "SKP atasan belum disetujui (draf)"
    dewi = find(accounts, "Pengadministrasi Perkantoran")["nip"]
    assert by_nip[dewi]["alasan"] == "SKP atasan belum disetujui (belum dibuat)" and by_nip[dewi]["status"] is None
    assert (by_nip[yudi.nip]["skp_id"], by_nip[yudi.nip]["menunggu"][0]["nip"], by_nip[yudi.nip]["alasan"]) == (
        yudi_skp, kadis.nip, "SKP atasan belum disetujui (diajukan)")
    assert (by_nip[kadis.nip]["skp_id"], by_nip[kadis.nip]["menunggu"][0]["nip"]) == (kadis_skp, sekda.nip)
    order = [r["nip"] for r in items]
    assert order.index(andi["nip"]) < order.index(yudi.nip) < order.index(kadis.nip)

    # a leader sees the units below; approval of the leader releases the wait
    mine = {r["nip"] for r in yudi.get(f"/kaskade?tahun={DEMO_TAHUN}").get_json()["items"]}
    assert andi["nip"] in mine and kadis.nip not in mine and find(accounts, "Sekretaris Dinas")["nip"] not in mine
    approve(sekda)
    items = {r["nip"]: r for r in admin.get(f"/kaskade?tahun={DEMO_TAHUN}").get_json()["items"]}
    assert kadis.nip not in items and yudi.nip not in items and items[andi["nip"]]["menunggu"][0]["nip"] == yudi.nip
    assert as_user(find(accounts, "Pengolah Data")["nip"]).get("/kaskade").status_code == 403
    assert admin.get("/kaskade?tahun=abc").status_code == 422
    pages = Pages(client)
    pages.login(yudi.nip)
    html = pages.html(f"/kaskade?tahun={DEMO_TAHUN}")
    assert "Siapa menunggu siapa" in html and andi["nama"] in html


def _open_periode(admin, nama, jenis, awal, akhir, batas):
    created = admin.post("/periode", json={"nama": nama, "jenis": jenis, "periode_awal": awal, "periode_akhir": akhir,
                                           "batas_pengisian": batas})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"], open_period(admin, created.get_json()["id"])["hasil"]


def test_mutasi_splits_the_year(app, accounts, as_user):
    import io

    import docx

    y = DEMO_TAHUN
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    yudi, eko = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Kepala Bidang Statistik")["nip"])
    clock.set(dt.datetime(y, 1, 10, 9, 0))
    kadis_skp = create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    kadis_rhk = kadis.get(f"/skp/{kadis_skp}").get_json()["rhk"][0]["id"]
    yudi_skp = create_and_submit(yudi, [ja_rhk(kadis_rhk)])
    approve(kadis)
    old_skp = create_and_submit(eko, [ja_rhk(kadis_rhk, "Tersedianya statistik sektoral")])
    approve(kadis)
    clock.set(dt.datetime(y, 3, 31, 9, 0))
    _, q1 = _open_periode(admin, "Triwulan I", "TRIWULANAN", f"{y}-01-01", f"{y}-03-31", f"{y}-04-10")
    assert [r["skp_id"] for r in q1 if r["nip"] == eko.nip] == [old_skp]

    # mutasi on 1 July to a functional position under the Kepala Bidang Aplikasi
    clock.set(dt.datetime(y, 7, 1, 9, 0))
    db = _db(app)
    jf = db.scalar(select(Jabatan).where(Jabatan.nama == "Pranata Komputer Ahli Muda"))
    db.close()
    put = lambda body: admin.client.put(f"/api/v1/pegawai/{eko.nip}/jabatan", headers=admin.headers, json=body)  # noqa
    assert put({"jabatan_id": jf.id, "tmt": "1 Juli"}).get_json()["error"]["details"]["fields"] == {
        "tmt": "bukan tanggal yang valid; gunakan pemilih tanggal, atau tulis TTTT-BB-HH (mis. 2026-12-31)"}
    r = put({"jabatan_id": jf.id, "tmt": f"{y}-07-01"})
    assert r.status_code == 200 and r.get_json()["skp_diakhiri"] == [old_skp], r.get_json()
    old = eko.get(f"/skp/{old_skp}").get_json()
    assert (old["status"], old["periode_awal"], old["periode_akhir"]) == ("DISETUJUI", f"{y}-01-01", f"{y}-06-30")
    assert old["history"][-1]["action"] == "mutasi" and "Pranata Komputer Ahli Muda" in old["history"][-1]["note"]
    new_skp = create_and_submit(eko, [ja_rhk(yudi.get(f"/skp/{yudi_skp}").get_json()["rhk"][0]["id"])])
    new = eko.get(f"/skp/{new_skp}").get_json()
    assert (new["periode_awal"], new["periode_akhir"], new["jabatan"]) == (f"{y}-07-01", f"{y}-12-31",
                                                                           "Pranata Komputer Ahli Muda")
    approve(yudi)

    # each period evaluates the SKP it overlaps; the annual one evaluates both, each by its own penilai
    clock.set(dt.datetime(y, 12, 31, 9, 0))
    _, q4 = _open_periode(admin, "Triwulan IV", "TRIWULANAN", f"{y}-10-01", f"{y}-12-31", f"{y + 1}-01-10")
    assert [r["skp_id"] for r in q4 if r["nip"] == eko.nip] == [new_skp]
    annual_id, annual = _open_periode(admin, "Tahunan", "TAHUNAN", f"{y}-01-01", f"{y}-12-31", f"{y + 1}-01-10")
    penilaian = {r["skp_id"]: r["penilaian_id"] for r in annual if r["nip"] == eko.nip}
    assert set(penilaian) == {old_skp, new_skp}
    # on the old SKP Eko led his Bidang: that rating follows the capaian the Kadis sets (BAIK → SESUAI)
    tetapkan_capaian(kadis, annual_id, find(accounts, "Kepala Bidang Statistik")["unor"], "BAIK")
    for penilai, skp_id, rating, predikat in ((kadis, old_skp, "SESUAI", "BAIK"), (yudi, new_skp, "DI_ATAS", "SANGAT_BAIK")):
        rhk_id = eko.get(f"/skp/{skp_id}").get_json()["rhk"][0]["id"]
        task = next(t for t in penilai.get("/tasks").get_json()
                    if t["business_key"] == f"penilaian:{penilaian[skp_id]}")
        done = penilai.post(f"/tasks/{task['id']}/complete", json={"data": {
            "rating_hasil_kerja": rating, "rating_perilaku": rating, "umpan_balik_rhk": {str(rhk_id): "Catatan"}}})
        assert done.status_code == 200, done.get_json()
        shown = eko.get(f"/penilaian/{penilaian[skp_id]}").get_json()
        assert (shown["predikat"], shown["penilai_nip"]) == (predikat, penilai.nip)
    # the documents show the two periods
    for skp_id, period in ((old_skp, "1 JANUARI SD 30 JUNI"), (new_skp, "1 JULI SD 31 DESEMBER")):
        content = eko.get(f"/skp/{skp_id}/document.docx").data
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
        text += "\n".join(c.text for t in docx.Document(io.BytesIO(content)).tables for row in t.rows for c in row.cells)
        assert period in text.upper(), text[:400]


def test_matriks_peran_hasil_prefills_subordinates_and_prints(app, accounts, as_user):
    import io

    import docx

    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    yudi, eko = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Kepala Bidang Statistik")["nip"])
    sri = find(accounts, "Sekretaris Dinas")["nip"]
    kadis_skp = kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    task = only_task(kadis, "skp-editor")
    second = {**JPT_RHK, "deskripsi": "Terwujudnya tata kelola data", "klasifikasi": "INDIVIDU"}
    kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [JPT_RHK, second], "lampiran": LAMPIRAN,
                                                               "ajukan": False}})
    rhk1, rhk2 = [r["id"] for r in kadis.get(f"/skp/{kadis_skp}").get_json()["rhk"]]
    shown = kadis.get(f"/skp/{kadis_skp}/matriks").get_json()
    assert [k["rhk_id"] for k in shown["kolom"]] == [rhk1, rhk2]
    assert {b["nip"] for b in shown["baris"]} == {yudi.nip, eko.nip, sri}

    put = lambda api, body: api.client.put(f"/api/v1/skp/{kadis_skp}/matriks", headers=api.headers, json=body)  # noqa
    cells = [{"rhk_id": rhk1, "nip": yudi.nip, "peran": "Penanggung jawab aplikasi",
              "hasil": "Tersedianya aplikasi layanan publik terintegrasi"},
             {"rhk_id": rhk2, "nip": yudi.nip, "peran": "Pengelola data", "hasil": "Tersedianya katalog data aplikasi"},
             {"rhk_id": rhk1, "nip": eko.nip, "hasil": "Tersedianya statistik layanan digital"}]
    r = put(kadis, {"sel": [{"rhk_id": 999999, "nip": find(accounts, "Pranata Komputer Ahli Muda")["nip"], "hasil": " "},
                            cells[0], cells[0]]})
    assert r.status_code == 422
    assert r.get_json()["error"]["details"]["fields"] == {
        "sel[0].rhk_id": "bukan RHK dari SKP ini", "sel[0].nip": "bukan bawahan yang dinilai pemilik SKP ini",
        "sel[0].hasil": "wajib diisi", "sel[2]": "sel ganda untuk pegawai dan RHK yang sama"}
    assert put(sekda, {"sel": cells}).status_code == 403
    assert put(yudi, {"sel": cells}).status_code == 404
    r = put(kadis, {"sel": cells})
    assert r.status_code == 200, r.get_json()
    row = next(b for b in r.get_json()["baris"] if b["nip"] == yudi.nip)
    assert [s["hasil"] for s in row["sel"]] == [cells[0]["hasil"], cells[1]["hasil"]]

    # the subordinate's new SKP starts from the matrix, linked to the leader's (draft) RHK
    yudi_skp = yudi.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()
    assert [(r["deskripsi"], r["rhk_atasan_id"]) for r in yudi_skp["rhk"]] == [
        (cells[0]["hasil"], rhk1), (cells[1]["hasil"], rhk2)]
    sri_skp = as_user(sri).post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()
    assert sri_skp["rhk"] == []

    content = kadis.get(f"/skp/{kadis_skp}/matriks.docx")
    assert content.status_code == 200
    document = docx.Document(io.BytesIO(content.data))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "MATRIKS PEMBAGIAN PERAN DAN HASIL DARI KEPALA DINAS KOMUNIKASI DAN INFORMATIKA" in text
    assert cells[2]["hasil"] in text and "Penanggung jawab aplikasi" in text and JPT_RHK["deskripsi"] in text
    pdf = kadis.get(f"/skp/{kadis_skp}/matriks.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    import pypdf

    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "MATRIKS PEMBAGIAN PERAN DAN HASIL" in pdf_text and "Penanggung jawab aplikasi" in pdf_text
    assert kadis.get(f"/skp/{kadis_skp}/matriks.txt").status_code == 404


def test_matriks_page(app, accounts, as_user, client):
    from test_pages import Pages

    kadis, yudi = as_user(find(accounts, "Kepala Dinas")["nip"]), find(accounts, "Kepala Bidang Aplikasi")["nip"]
    skp_id = kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    task = only_task(kadis, "skp-editor")
    kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [JPT_RHK], "lampiran": LAMPIRAN, "ajukan": False}})
    rhk_id = kadis.get(f"/skp/{skp_id}").get_json()["rhk"][0]["id"]
    pages = Pages(client)
    pages.login(kadis.nip)
    assert f'href="/skp/{skp_id}/matriks"' in pages.html(f"/skp/{skp_id}")
    assert f'name="sel-{yudi}-{rhk_id}-hasil"' in pages.html(f"/skp/{skp_id}/matriks")
    r = pages.post(f"/skp/{skp_id}/matriks", {f"sel-{yudi}-{rhk_id}-peran": "Koordinator", f"sel-{yudi}-{rhk_id}-hasil": ""})
    assert r.status_code == 422 and "wajib diisi" in r.get_data(as_text=True) and 'value="Koordinator"' in r.get_data(as_text=True)
    assert kadis.get(f"/skp/{skp_id}/matriks").get_json()["baris"][0]["sel"][0]["hasil"] == ""
    r = pages.post(f"/skp/{skp_id}/matriks", {f"sel-{yudi}-{rhk_id}-peran": "Koordinator",
                                              f"sel-{yudi}-{rhk_id}-hasil": "Aplikasi layanan terintegrasi"})
    assert r.status_code == 302
    row = next(b for b in kadis.get(f"/skp/{skp_id}/matriks").get_json()["baris"] if b["nip"] == yudi)
    assert row["sel"][0] == {"rhk_id": rhk_id, "peran": "Koordinator", "hasil": "Aplikasi layanan terintegrasi"}
    assert pages.get(f"/skp/{skp_id}/matriks.docx").status_code == 200
    pages.login(find(accounts, "Sekretaris Daerah")["nip"])  # the penilai sees it, read-only
    html = pages.html(f"/skp/{skp_id}/matriks")
    assert "Koordinator: Aplikasi layanan terintegrasi" in html and "<textarea" not in html
