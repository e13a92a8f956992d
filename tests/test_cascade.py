"""Organisation changes during planning: a leader replaced, PLT/PLH, re-routing of open tasks."""
from __future__ import annotations

import datetime as dt

from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from sqlalchemy import select
from test_demo_import import HEADER, write_csv
from test_skp_api import JPT_RHK, LAMPIRAN, approve, create_and_submit, ja_rhk, only_task

from app.cli import main
from app.kinerja.org import Jabatan, Pegawai
from app.kinerja.skp import Rhk, Skp, allowed_rhk_atasan
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
