"""The process owners' workbench through the API: permissions, validation, deploy, versions, diff, tests."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import find
from sqlalchemy import func, select

from test_skp_api import JPT_RHK, approve, create_and_submit, only_task

ROOT = Path(__file__).resolve().parent.parent
OWNER_NIP = "197711052002121003"
SUPERADMIN_NIP = "199801012022031002"


@pytest.fixture
def owner(as_user):
    return as_user(OWNER_NIP)


def put(api, path, json):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=json)


def files_of(api, process_id="skp_perencanaan"):
    r = api.get(f"/definitions/{process_id}/draft")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["files"]


def renamed(files, old, new):
    out = dict(files)
    out["skp_perencanaan.bpmn"] = files["skp_perencanaan.bpmn"].replace(f'name="{old}"', f'name="{new}"', 1)
    assert out != files
    return out


def version_count(app, process_id="skp_perencanaan"):
    from workflows.models import ProcessDefinition

    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).where(ProcessDefinition.process_id == process_id))
    finally:
        session.close()


def test_only_process_owners_deploy_and_only_they_and_superadmins_read(client, accounts, as_user, owner, app):
    assert client.get("/api/v1/definitions").status_code == 401
    pegawai = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pegawai.get("/definitions").status_code == 403
    assert pegawai.get("/definitions/skp_perencanaan/versions").status_code == 403
    files = files_of(owner)
    change = renamed(files, "Susun SKP", "Susun SKP tahunan")
    assert pegawai.post("/definitions/skp_perencanaan/deploy", json={"files": change, "comment": "x"}).status_code == 403

    superadmin = as_user(SUPERADMIN_NIP)
    listing = superadmin.get("/definitions")
    assert listing.status_code == 200
    assert {r["process_id"] for r in listing.get_json()} >= {"skp_perencanaan", "evaluasi_tahunan"}
    # a superadmin deploys too: without naming an instansi, the national default (tests/test_definition_instansi.py)
    assert version_count(app) == 1
    assert owner.get("/definitions/tidak_ada/versions").status_code == 404


def test_deploy_needs_a_comment_and_refuses_errors_and_unchanged_sources(owner, app):
    files = files_of(owner)
    change = renamed(files, "Susun SKP", "Susun SKP tahunan")
    no_comment = owner.post("/definitions/skp_perencanaan/deploy", json={"files": change, "comment": "  "})
    assert no_comment.status_code == 422
    assert no_comment.get_json()["error"]["details"]["fields"] == {"comment": "wajib diisi: apa yang berubah dan mengapa"}

    broken = dict(change)
    broken["skp_perencanaan.bpmn"] = change["skp_perencanaan.bpmn"].replace('name="Pejabat Penilai"', 'name="Bendahara"')
    refused = owner.post("/definitions/skp_perencanaan/deploy", json={"files": broken, "comment": "lane baru"})
    assert refused.status_code == 409
    errors = refused.get_json()["error"]["details"]["errors"]
    assert any("lane 'Bendahara' bukan peran" in e["message"] and e["element"] == "Task_PeriksaSkp"
               and e["line"] > 1 for e in errors)

    unchanged = owner.post("/definitions/skp_perencanaan/deploy", json={"files": files, "comment": "sama"})
    assert unchanged.status_code == 409 and "Tidak ada perubahan" in unchanged.get_json()["error"]["message"]
    bad_files = owner.post("/definitions/skp_perencanaan/deploy", json={"files": {"a.exe": "x"}, "comment": "x"})
    assert bad_files.status_code == 422 and "files.a.exe" in bad_files.get_json()["error"]["details"]["fields"]
    assert version_count(app) == 1


def test_validate_reports_errors_and_warnings_at_their_elements(owner):
    files = files_of(owner)
    ok = owner.post("/definitions/skp_perencanaan/validate", json={"files": files}).get_json()
    assert ok["errors"] == [] and ok["processes"] == ["skp_perencanaan"]
    bpmn = files["skp_perencanaan.bpmn"].replace("batas_penetapan_skp = str(tahun)", "import os\nbatas_penetapan_skp = str(tahun)")
    result = owner.post("/definitions/skp_perencanaan/validate", json={"files": {**files, "skp_perencanaan.bpmn": bpmn}})
    assert result.status_code == 200
    errors = result.get_json()["errors"]
    assert [e["element"] for e in errors] == ["Script_TenggatPenetapan"]
    assert "mengimpor modul" in errors[0]["message"] and errors[0]["file"] == "skp_perencanaan.bpmn"
    assert owner.post("/definitions/skp_perencanaan/validate", json={"files": []}).status_code == 422


def test_a_new_version_while_instances_of_the_old_one_are_open(owner, accounts, as_user, app):
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp = kadis.post("/skp", json={"tahun": 2026, "pendekatan": "KUANTITATIF"})
    assert skp.status_code == 201
    old_task = only_task(kadis, "skp-editor")
    assert old_task["name"] == "Susun SKP"

    files = renamed(renamed(files_of(owner), "Susun SKP", "Susun SKP tahunan"), "Periksa SKP", "Periksa dan setujui SKP")
    scenario = "uji/dikembalikan_lalu_disetujui.json"
    files[scenario] = files[scenario].replace('"nama": "', '"nama": "(v2) ', 1)
    saved = put(owner, "/definitions/skp_perencanaan/draft", {"files": files})
    assert saved.status_code == 200 and saved.get_json()["author"]["nip"] == OWNER_NIP
    assert owner.get("/definitions/skp_perencanaan/draft").get_json()["files"] == files
    deployed = owner.post("/definitions/skp_perencanaan/deploy", json={"files": files, "comment": "Nama tugas diperjelas"})
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["version"] == 2
    reopened = owner.get("/definitions/skp_perencanaan/draft").get_json()
    assert reopened["draft"] is None  # the draft went with the deploy
    assert '"nama": "(v2) ' in reopened["files"][scenario]  # the scenarios stay with the version

    # the open instance finishes on version 1
    done = kadis.post(f"/tasks/{old_task['id']}/complete",
                      json={"data": {"rhk": [JPT_RHK], "lampiran": {}, "ajukan": True}})
    assert done.status_code == 200, done.get_json()
    review = only_task(sekda, "skp-review")
    assert review["name"] == "Periksa SKP"
    instance = sekda.get(f"/instances/{review['instance_id']}").get_json()
    assert instance["definition_version"] == 1
    approve(sekda)
    assert kadis.get(f"/skp/{skp.get_json()['id']}").get_json()["status"] == "DISETUJUI"

    # a new instance takes version 2
    kaban = as_user(find(accounts, "Kepala Badan")["nip"])
    create_and_submit(kaban, [JPT_RHK])
    review = only_task(sekda, "skp-review")
    assert review["name"] == "Periksa dan setujui SKP"
    assert sekda.get(f"/instances/{review['instance_id']}").get_json()["definition_version"] == 2

    versions = owner.get("/definitions/skp_perencanaan/versions").get_json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["comment"] == "Nama tugas diperjelas" and versions[0]["author"]["nip"] == OWNER_NIP
    assert versions[1]["author"] is None  # deployed by `ekinerja db upgrade`


def test_download_and_diff_of_two_versions(owner):
    files = files_of(owner)
    change = renamed(files, "Susun SKP", "Susun SKP tahunan")
    change["skp_perencanaan.bpmn"] = change["skp_perencanaan.bpmn"].replace(
        '<spiffworkflow:property name="formKey" value="skp-review" />',
        '<spiffworkflow:property name="formKey" value="konfirmasi" />')
    assert owner.post("/definitions/skp_perencanaan/deploy", json={"files": change, "comment": "uji"}).status_code == 201

    one = owner.get("/definitions/skp_perencanaan/versions/1/files/skp_perencanaan.bpmn")
    assert one.status_code == 200 and 'name="Susun SKP"' in one.get_data(as_text=True)
    assert owner.get("/definitions/skp_perencanaan/versions/1/files/nope.bpmn").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(owner.get("/definitions/skp_perencanaan/versions/2/download").data))
    assert 'name="Susun SKP tahunan"' in archive.read("skp_perencanaan.bpmn").decode()

    d = owner.get("/definitions/skp_perencanaan/diff?from=1&to=2").get_json()
    changed = {c["id"]: c for c in d["changed"]}
    assert set(changed) == {"Task_SusunSkp", "Task_PeriksaSkp"} and d["added"] == [] and d["removed"] == []
    assert {"field": "nama", "old": "Susun SKP", "new": "Susun SKP tahunan"} in changed["Task_SusunSkp"]["changes"]
    assert any(c["field"].endswith("properti.formKey") and c["new"] == "konfirmasi"
               for c in changed["Task_PeriksaSkp"]["changes"])
    assert owner.get("/definitions/skp_perencanaan/diff?from=1").status_code == 422
    assert owner.get("/definitions/skp_perencanaan/diff?from=1&to=9").status_code == 404


def test_scenarios_run_from_the_workbench(owner):
    files = files_of(owner, "evaluasi_tahunan")
    assert any(n.startswith("uji/") for n in files)  # the shipped scenarios come with the files
    result = owner.post("/definitions/evaluasi_tahunan/test", json={"files": files}).get_json()
    assert result["errors"] == [] and result["results"] and all(r["lulus"] for r in result["results"])

    wrong = {"nama": "predikat salah", "data_awal": {"batas_pengisian": "2099-01-31", "nama_pegawai": "X", "tahun": 2099,
                                                    "skp_id": 1, "penilaian_id": 1},  # End_Final's message names them
             "tugas": [{"tugas": "Task_NilaiTahunan", "data": {"rating_hasil_kerja": "DI_ATAS",
                                                               "rating_perilaku": "DI_ATAS", "umpan_balik_rhk": {}}}],
             "data_akhir": {"predikat": "BAIK"}}
    failed = owner.post("/definitions/evaluasi_tahunan/test", json={"files": files, "scenario": wrong}).get_json()
    [outcome] = failed["results"]
    assert not outcome["lulus"]
    assert outcome["kegagalan"] == ["data akhir 'predikat': diharapkan \"BAIK\", didapat \"SANGAT_BAIK\""]
    bad = owner.post("/definitions/evaluasi_tahunan/test", json={"files": files, "scenario": {"tugas": 3}})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["fields"] == {"skenario.tugas": "harus berupa daftar"}


def test_a_camunda_modeler_diagram_is_deployed_as_a_new_process_and_runs(owner, accounts, as_user, app):
    from core.db import write_transaction
    from workflows.instances import start_instance

    text = (ROOT / "tests" / "bpmn" / "workbench" / "camunda7_persetujuan.bpmn").read_text(encoding="utf-8")
    checked = owner.post("/definitions/persetujuan_camunda/validate", json={"files": {"persetujuan.bpmn": text}})
    assert checked.get_json()["errors"] == [] and checked.get_json()["warnings"] == []
    deployed = owner.post("/definitions/persetujuan_camunda/deploy",
                          json={"files": {"persetujuan.bpmn": text}, "comment": "Dari Camunda Modeler"})
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["version"] == 1

    kadis_account, sekda = find(accounts, "Kepala Dinas"), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    kadis = as_user(kadis_account["nip"])
    session = app.extensions["db_sessionmaker"]()
    from app.kinerja.org import Pegawai

    pegawai_id = session.scalar(select(Pegawai.id).where(Pegawai.nip == kadis_account["nip"]))
    with write_transaction(session):
        instance = start_instance(session, "persetujuan_camunda", "uji-camunda-1", {"pegawai_id": pegawai_id}, None)
    session.close()
    [task] = [t for t in kadis.get("/tasks").get_json() if t["instance_id"] == instance.id]
    assert task["form"] == "konfirmasi" and task["title"] == "Ajukan permohonan" and task["lane"] == "Pegawai"
    assert kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"catatan": "mohon"}}).status_code == 200
    [review] = [t for t in sekda.get("/tasks").get_json() if t["instance_id"] == instance.id]
    assert review["name"] == "Periksa permohonan" and review["lane"] == "Pejabat Penilai"
    assert sekda.post(f"/tasks/{review['id']}/complete", json={"data": {"catatan": "setuju"}}).status_code == 200
    assert sekda.get(f"/instances/{instance.id}").get_json()["status"] == "completed"


@pytest.fixture
def forms_dir(tmp_path):
    """A copy of bpmn/forms/ that the test may add to."""
    import shutil

    from workflows import forms

    before = forms.schema_path("x").parent
    folder = tmp_path / "forms"
    shutil.copytree(ROOT / "bpmn" / "forms", folder)
    forms.set_forms_dir(folder)
    yield folder
    forms.set_forms_dir(before)


CUTI_FORM = {"title": "Cuti", "type": "object", "required": ["alasan"],
             "properties": {"alasan": {"type": "string", "title": "Alasan cuti"},
                            "jenis": {"enum": ["TAHUNAN", "SAKIT"], "title": "Jenis cuti"},
                            "hari": {"type": "integer", "title": "Jumlah hari"}}}


def test_a_new_form_with_a_live_preview_then_used_by_a_new_version(owner, accounts, as_user, forms_dir):
    preview = owner.post("/forms/preview", json={"schema": CUTI_FORM}).get_json()
    assert preview["error"] is None
    assert 'for="f-alasan">Alasan cuti *</label>' in preview["html"] and '<option value="SAKIT"' in preview["html"]
    assert 'for="f-hari">Jumlah hari</label>' in preview["html"] and 'inputmode="numeric"' in preview["html"]
    odd = {**CUTI_FORM, "properties": {**CUTI_FORM["properties"], "peta": {"type": "object"}}}
    shown = owner.post("/forms/preview", json={"schema": odd}).get_json()["html"]
    assert "Tidak tampil di halaman tugas umum" in shown and ": peta" in shown  # named as not shown on the page
    broken = owner.post("/forms/preview", json={"schema": {"type": "object", "properties": {"a": {"type": 5}}}})
    assert "bukan JSON Schema yang valid di properties/a/type" in broken.get_json()["error"]

    pegawai = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pegawai.post("/forms", json={"key": "cuti", "schema": CUTI_FORM}).status_code == 403
    assert owner.post("/forms", json={"key": "Cuti Baru", "schema": CUTI_FORM}).status_code == 422
    assert owner.post("/forms", json={"key": "cuti", "schema": {"type": "array"}}).status_code == 422
    created = owner.post("/forms", json={"key": "cuti", "schema": CUTI_FORM})
    assert created.status_code == 201 and (forms_dir / "cuti.schema.json").exists()
    again = owner.post("/forms", json={"key": "konfirmasi", "schema": CUTI_FORM})
    assert again.status_code == 409 and json_of(forms_dir / "konfirmasi.schema.json")["title"] == "Konfirmasi"
    assert "cuti" in [f["key"] for f in owner.get("/forms").get_json()]
    assert owner.get("/forms/cuti").get_json()["schema"] == CUTI_FORM

    files = files_of(owner)
    files["skp_perencanaan.bpmn"] = files["skp_perencanaan.bpmn"].replace(
        'name="formKey" value="skp-rollback"', 'name="formKey" value="cuti"')
    assert owner.post("/definitions/skp_perencanaan/validate", json={"files": files}).get_json()["errors"] == []


def json_of(path):
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def test_the_pages_are_for_process_owners_and_superadmins(client, accounts, owner):
    from test_pages import Pages

    pages = Pages(client)
    pages.login(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    for path in ("/meja-kerja", "/meja-kerja/skp_perencanaan", "/meja-kerja/skp_perencanaan/versi",
                 "/meja-kerja/skp_perencanaan/versi/1/unduh"):
        assert pages.get(path).status_code == 403, path
    assert "Meja Kerja Proses" not in pages.get("/").get_data(as_text=True)

    pages.login(SUPERADMIN_NIP)
    listing = pages.get("/meja-kerja").get_data(as_text=True)
    assert "skp_perencanaan" in listing and "versi semua instansi" in listing
    modeler = pages.get("/meja-kerja/skp_perencanaan").get_data(as_text=True)
    assert "btn-validate" in modeler and "btn-deploy" in modeler and "bawaan nasional" in modeler

    pages.login(OWNER_NIP)
    assert 'id="btn-deploy"' in pages.get("/meja-kerja/skp_perencanaan").get_data(as_text=True)
    download = pages.get("/meja-kerja/skp_perencanaan/versi/1/unduh?file=skp_perencanaan.bpmn")
    assert download.status_code == 200 and b'id="skp_perencanaan"' in download.data
    assert pages.get("/meja-kerja/skp_perencanaan/versi/1/unduh?file=x.bpmn").status_code == 404
    assert pages.get("/meja-kerja/skp_perencanaan/versi/7/unduh").status_code == 404
    assert pages.get("/meja-kerja/tidak_ada").status_code == 404
    assert pages.get("/meja-kerja/skp_perencanaan/beda?dari=1&ke=1").status_code == 200
    assert pages.get("/meja-kerja/skp_perencanaan/beda?dari=x&ke=1").status_code == 404
