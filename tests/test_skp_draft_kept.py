"""A refused "Ajukan" keeps what was typed: the draft is saved, then the request answers 422 with the
reasons (API: ``details.fields`` and ``details.draft_saved``; page: the editor with the typed data
and the errors). On SQLite and PostgreSQL."""
from __future__ import annotations

from conftest import find
from sqlalchemy import select
from test_pages import create_skp, fields_of, jpt_editor, pages, submit_editor  # noqa: F401 - fixture
from test_skp_api import LAMPIRAN, ja_rhk, kadis_approved, only_task  # noqa: F401 - fixture

from app.kinerja.skp import Skp
from workflows.models import InstanceEvent

TYPED = "Tersusunnya laporan uji draf yang tidak boleh hilang"


def test_refused_submission_keeps_the_draft_api(app, accounts, as_user, kadis_approved):  # noqa: F811
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    skp = kabid.post("/skp", json={"tahun": kadis_approved["tahun"]}).get_json()
    editor = only_task(kabid, "skp-editor")
    rhk = ja_rhk(kadis_approved["rhk"][0]["id"], TYPED)
    rhk["iki"][0]["target"] = ""  # the missing target refuses the submission
    r = kabid.post(f"/tasks/{editor['id']}/complete", json={"data": {"rhk": [rhk], "lampiran": LAMPIRAN,
                                                                      "ajukan": True}})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "validation_error" and "disimpan sebagai draf" in error["message"]
    assert error["details"] == {"fields": {"rhk[0].iki[0].target": "wajib diisi"}, "draft_saved": True}

    # the task is still open and shows what was typed; the SKP holds it as a draft
    data = kabid.get(f"/tasks/{editor['id']}").get_json()["data"]
    assert data["rhk"][0]["deskripsi"] == TYPED
    assert [i["target"] for i in data["rhk"][0]["iki"]] == ["", "90 %", "12 Bulan"]
    shown = kabid.get(f"/skp/{skp['id']}").get_json()
    assert shown["status"] == "DRAFT" and shown["rhk"][0]["deskripsi"] == TYPED
    assert shown["lampiran"]["dukungan_sumber_daya"] == LAMPIRAN["dukungan_sumber_daya"]
    instance = kabid.get(f"/instances/{editor['instance_id']}").get_json()
    assert [e["kind"] for e in instance["events"]][-1] == "draft_saved"

    # completing the target submits it
    data["rhk"][0]["iki"][0]["target"] = "12 Laporan"
    r = kabid.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}})
    assert r.status_code == 200 and r.get_json()["completed"] is True
    assert kabid.get(f"/skp/{skp['id']}").get_json()["status"] == "DIAJUKAN"


def test_refused_submission_keeps_the_draft_page(app, pages, accounts):  # noqa: F811
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    task_url = create_skp(pages)
    data = jpt_editor(fields_of(pages.html(task_url), "skp-editor"), TYPED, target="")
    r = submit_editor(pages, task_url, data, ajukan=True)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "disimpan sebagai draf" in html and "RHK 1 · IKI 1 · Target</a>: wajib diisi" in html
    assert fields_of(html, "skp-editor")["rhk-0-deskripsi"] == TYPED

    # reopening the task shows the typed RHK, read back from the stored draft
    kept = fields_of(pages.html(task_url), "skp-editor")
    assert kept["rhk-0-deskripsi"] == TYPED
    assert kept["rhk-0-iki-0-indikator"] == "Indeks kepuasan pengguna layanan digital"
    session = app.extensions["db_sessionmaker"]()
    try:
        skp = session.scalar(select(Skp))
        assert skp.status == "DRAFT" and [r.deskripsi for r in skp.rhk] == [TYPED]
        assert session.scalar(select(InstanceEvent.kind).order_by(InstanceEvent.id.desc()).limit(1)) == "draft_saved"
    finally:
        session.close()
    # with the target the same page submits it
    r = submit_editor(pages, task_url, {**kept, "rhk-0-iki-0-target": "85 %"}, ajukan=True)
    assert r.status_code == 302
