"""Bad input gets a clear 4xx naming what is wrong, and nothing is written."""
from __future__ import annotations

import threading

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from test_skp_api import JPT_RHK, LAMPIRAN, ja_rhk, only_task

from app.kinerja.skp import Iki, Rhk, Skp, SkpRiwayat
from workflows.models import InstanceEvent


def counts(app):
    session = app.extensions["db_sessionmaker"]()
    try:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Skp, Rhk, Iki, SkpRiwayat,
                                                                                  InstanceEvent))
    finally:
        session.close()


@pytest.fixture
def kadis(accounts, as_user):
    api = as_user(find(accounts, "Kepala Dinas")["nip"])
    assert api.post("/skp", json={"tahun": DEMO_TAHUN}).status_code == 201
    return api


def complete(api, task, data):
    return api.post(f"/tasks/{task['id']}/complete", json={"data": data})


def test_malformed_json(app, kadis):
    task = only_task(kadis, "skp-editor")
    before = counts(app)
    r = kadis.client.post(f"/api/v1/tasks/{task['id']}/complete", data=b'{"data": {"rhk": [', headers={
        **kadis.headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    body = r.get_json()["error"]
    assert body["code"] == "bad_request" and "JSON tidak valid" in body["message"]
    assert counts(app) == before


@pytest.mark.parametrize("data, field, message", [
    ({"rhk": [], "ajukan": True}, "rhk", "minimal satu RHK utama"),
    ({"rhk": [{**JPT_RHK, "iki": [{**JPT_RHK["iki"][0], "target": ""}]}], "ajukan": True},
     "rhk[0].iki[0].target", "wajib diisi"),
    ({"rhk": [{**JPT_RHK, "iki": [{"perspektif": "PENERIMA_LAYANAN", "indikator": "x"}]}], "ajukan": True},
     "rhk[0].iki[0].target", "wajib diisi"),
    ({"rhk": [{**JPT_RHK, "jenis": "POKOK"}], "ajukan": True}, "rhk[0].jenis", "harus salah satu dari"),
    ({"rhk": [JPT_RHK]}, "ajukan", "wajib diisi"),
    ({"rhk": [JPT_RHK], "ajukan": True, "bonus": 1}, "data", "kolom tidak dikenal"),
    ({"rhk": [{**JPT_RHK, "deskripsi": "x" * 2001}], "ajukan": True}, "rhk[0].deskripsi", "maksimal 2000 karakter"),
])
def test_invalid_editor_data_writes_nothing(app, kadis, data, field, message):
    task = only_task(kadis, "skp-editor")
    before = counts(app)
    r = complete(kadis, task, data)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "validation_error" and message in error["details"]["fields"][field]
    if error["details"].get("draft_saved"):
        # well-formed data that only the submission guards refuse is kept as the draft (test_skp_draft_kept.py)
        stored = kadis.get(f"/tasks/{task['id']}").get_json()["data"]["rhk"]
        assert [r["deskripsi"] for r in stored] == [r["deskripsi"] for r in data["rhk"]]
    else:
        assert counts(app) == before
    assert only_task(kadis, "skp-editor")["id"] == task["id"]


def test_only_guard_refusals_keep_a_draft(app, kadis):
    """Malformed data (the form's schema) writes nothing; a refused submission keeps the draft."""
    task = only_task(kadis, "skp-editor")
    refused = complete(kadis, task, {"rhk": [], "ajukan": True}).get_json()["error"]["details"]
    malformed = complete(kadis, task, {"rhk": [{**JPT_RHK, "jenis": "POKOK"}], "ajukan": True})
    assert refused["draft_saved"] is True and "draft_saved" not in malformed.get_json()["error"]["details"]


def test_rhk_atasan_of_someone_elses_skp(app, accounts, as_user, kadis):
    # the Kadis's SKP is a draft; a Kepala Bidang of the same Dinas must not link to it, nor to another's SKP
    task = only_task(kadis, "skp-editor")
    assert complete(kadis, task, {"rhk": [JPT_RHK], "lampiran": LAMPIRAN, "ajukan": False}).status_code == 200
    rhk_draft = kadis.get(f"/tasks/{task['id']}").get_json()["data"]["rhk"][0]["id"]
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    kabid.post("/skp", json={"tahun": DEMO_TAHUN})
    editor = only_task(kabid, "skp-editor")
    r = complete(kabid, editor, {"rhk": [ja_rhk(rhk_draft)], "ajukan": True})
    assert r.status_code == 422
    assert "rhk[0].rhk_atasan_id" in r.get_json()["error"]["details"]["fields"]
    # linking to the leader's draft is allowed while drafting: the submission waits, the draft is kept
    assert r.get_json()["error"]["details"]["draft_saved"] is True
    assert kabid.get(f"/tasks/{editor['id']}").get_json()["data"]["rhk"][0]["rhk_atasan_id"] == rhk_draft
    other = as_user(find(accounts, "Kepala Bidang Statistik")["nip"])
    other.post("/skp", json={"tahun": DEMO_TAHUN})
    before = counts(app)
    r = complete(other, only_task(other, "skp-editor"), {"rhk": [ja_rhk(rhk_draft + 1000)], "ajukan": True})
    assert r.status_code == 422 and "rhk[0].rhk_atasan_id" in r.get_json()["error"]["details"]["fields"]
    assert counts(app) == before  # an RHK that is no one's to link: nothing is written


def test_review_needs_a_note_to_return(app, kadis, accounts, as_user):
    task = only_task(kadis, "skp-editor")
    assert complete(kadis, task, {"rhk": [JPT_RHK], "ajukan": True}).status_code == 200
    sekda = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    review = only_task(sekda, "skp-review")
    before = counts(app)
    for data in ({"keputusan": "KEMBALIKAN"}, {"keputusan": "KEMBALIKAN", "catatan": "   "},
                 {"keputusan": "KEMBALIKAN", "catatan": ""}):
        r = complete(sekda, review, data)
        assert r.status_code == 422 and r.get_json()["error"]["details"]["fields"]["catatan"] == "wajib diisi"
    r = complete(sekda, review, {"keputusan": "TOLAK"})
    assert r.status_code == 422 and "keputusan" in r.get_json()["error"]["details"]["fields"]
    assert counts(app) == before


def test_unknown_task_and_completed_task(app, kadis):
    r = kadis.post("/tasks/00000000-0000-0000-0000-000000000000/complete", json={"data": {}})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert kadis.post("/tasks/not-a-uuid/complete", json={"data": {}}).status_code == 404
    task = only_task(kadis, "skp-editor")
    assert complete(kadis, task, {"rhk": [JPT_RHK], "ajukan": True}).status_code == 200
    again = complete(kadis, task, {"rhk": [JPT_RHK], "ajukan": True})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_bad_nip_at_login_and_in_filters(client, kadis):
    r = client.post("/api/v1/auth/token", json={"nip": "19710315199703100", "password": "x"})
    assert r.status_code == 401
    assert kadis.get("/skp?nip=123").status_code == 200 and kadis.get("/skp?nip=123").get_json() == []


def test_two_simultaneous_completions(app, kadis):
    """One wins (200), the other gets 409, and the instance is intact."""
    task = only_task(kadis, "skp-editor")
    barrier = threading.Barrier(2)
    results = []

    def submit():
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=kadis.headers,
                        json={"data": {"rhk": [JPT_RHK], "lampiran": LAMPIRAN, "ajukan": True}})
        results.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(code for code, _ in results) == [200, 409], results
    skp_id = int(task["business_key"].split(":")[1])
    skp = kadis.get(f"/skp/{skp_id}").get_json()
    assert skp["status"] == "DIAJUKAN" and len(skp["rhk"]) == 1
    assert [h["action"] for h in skp["history"]] == ["buat", "ajukan"]
    instance = kadis.get(f"/instances/{task['instance_id']}").get_json()
    assert [e["kind"] for e in instance["events"]].count("task_completed") == 1
    assert [t["form"] for t in instance["open_tasks"]] == ["skp-review"]
