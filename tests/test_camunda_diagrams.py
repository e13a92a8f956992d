"""Diagrams from other modelers: default lane and form, Camunda 7 generated forms and assignments.

``tests/bpmn/camunda/pengajuan_pinjaman.bpmn`` is a diagram in the dialect Camunda Modeler 7 saves,
after the shape of Camunda's "Generated Task Forms" quickstart (``loanApproval.bpmn`` of
camunda/camunda-bpm-examples, Apache-2.0). The quickstart itself is not stored in this repository;
with ``EKINERJA_EXTERNAL_BPMN=<folder>`` holding it (``usertask_task-form-generated_loanApproval.bpmn``
or ``loanApproval.bpmn``) ``test_camunda_loan_approval_quickstart_runs`` runs it too, with the documented edits.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import find
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
CAMUNDA_DIR = ROOT / "tests" / "bpmn" / "camunda"
PINJAMAN = (CAMUNDA_DIR / "pengajuan_pinjaman.bpmn").read_text(encoding="utf-8")
REVIEWER_NIP = "197711052002121003"  # named by camunda:candidateUsers in pengajuan_pinjaman.bpmn
# The one edit pengajuan_pinjaman.bpmn needs: its JUEL condition written in Python.
PINJAMAN_PYTHON = PINJAMAN.replace("${disetujui}", "disetujui == True")

BPMN_IO_NO_LANES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="bpmn-js (https://demo.bpmn.io)" exporterVersion="17.0.0">
  <bpmn:process id="cek_sederhana" name="Cek sederhana" isExecutable="true">%s
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_1" />
    <bpmn:userTask id="Activity_1" name="Periksa"><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_1" targetRef="Event_1" />
    <bpmn:endEvent id="Event_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
DEFAULT_LANE_JPT = """
    <bpmn:extensionElements><spiffworkflow:properties xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">
      <spiffworkflow:property name="pelaksana_bawaan" value="jpt" />
    </spiffworkflow:properties></bpmn:extensionElements>"""


@pytest.fixture(scope="module")
def flask_app():
    from app import create_app

    return create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "SECRET_KEY": "x"})


def check(text: str, name: str = "d.bpmn"):
    from workflows.definitions import check_sources

    parsed, problems = check_sources({name: text})
    return parsed, [p for p in problems if p.severity == "error"], [p for p in problems if p.severity == "warning"]


def props_of(item, task_id: str) -> dict:
    return item.spec.task_specs[task_id].extensions["properties"]


# --- deploy-time translation (no database) ---------------------------------------------------------

def test_camunda_generated_forms_become_json_schema_forms(flask_app):
    from workflows import forms

    [item], errors, warnings = check(PINJAMAN_PYTHON)
    assert errors == [] and warnings == []
    review = props_of(item, "Tinjau")
    schema = forms.schema_of(review["formKey"])
    assert review["formKey"].startswith("camunda-") and schema["title"] == "Tinjau pengajuan"
    assert schema["properties"]["nama"] == {"type": "string", "title": "Nama pemohon", "readOnly": True}
    assert schema["properties"]["disetujui"] == {"type": "boolean", "title": "Setujui?", "default": False}
    assert schema["properties"]["alasan"]["maxLength"] == 500 and schema["required"] == ["disetujui"]
    start = json.loads(props_of(item, "Mulai")["formSchema"])  # kept in the spec with the definition
    assert start["required"] == ["nama", "penghasilan", "jumlah"]
    assert start["properties"]["jumlah"] == {"type": "integer", "title": "Jumlah pinjaman", "minimum": 1000000,
                                             "maximum": 50000000}
    assert start["properties"]["jenis"]["enum"] == ["produktif", "konsumtif"]
    assert start["properties"]["jenis"]["oneOf"][1] == {"const": "konsumtif", "title": "Konsumtif (10%)"}
    assert start["properties"]["jenis"]["default"] == "produktif"
    assert start["properties"]["tanggal_perlu"] == {"type": "string", "format": "date", "title": "Dibutuhkan pada"}
    assert forms.check_schema(start) is None and forms.check_schema(schema) is None
    with pytest.raises(Exception) as refused:
        forms.validate(review["formKey"], {"alasan": "x" * 501})
    assert refused.value.fields == {"alasan": "maksimal 500 karakter", "disetujui": "wajib diisi"}


def test_camunda_process_properties_name_the_start_form_and_who_may_start(flask_app):
    from lxml import etree

    from workflows import camunda, forms, task_defaults

    translated = etree.fromstring(camunda.to_spiff(PINJAMAN_PYTHON).encode())
    process = translated.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    props = task_defaults.process_properties(process)
    assert props["pemulai"] == "semua" and props["form_mulai"].startswith("camunda-")
    assert task_defaults.declared_properties({"p.bpmn": PINJAMAN_PYTHON}, "pengajuan_pinjaman") == props
    assert task_defaults.declared_properties({"c.bpmn": BPMN_IO_NO_LANES % DEFAULT_LANE_JPT}, "cek_sederhana") == {
        "pelaksana_bawaan": "jpt"}
    [item], _errors, _warnings = check(PINJAMAN_PYTHON)
    assert forms.generated_key(json.loads(props_of(item, "Mulai")["formSchema"])) == props["form_mulai"]
    assert forms.schema_of(props["form_mulai"])["title"] == "Pengajuan pinjaman koperasi"


def test_camunda_assignments_map_to_pelaksana(flask_app):
    [item], errors, _warnings = check(PINJAMAN_PYTHON)
    assert errors == []
    assert props_of(item, "Tinjau")["pelaksana"] == f"nip:{REVIEWER_NIP}"
    assert props_of(item, "Terima")["pelaksana"] == "pemulai"  # ${pemohon}: the start event's camunda:initiator
    assert props_of(item, "Terima")["formKey"] == "konfirmasi"  # no form: confirm, with an optional comment
    grouped = PINJAMAN_PYTHON.replace(f'camunda:candidateUsers="{REVIEWER_NIP}"',
                                      'camunda:candidateGroups="admin_kinerja, verifikator" camunda:assignee="${initiator}"')
    [item], errors, _warnings = check(grouped)
    assert errors == [] and props_of(item, "Tinjau")["pelaksana"] == "pemulai|peran:admin_kinerja|peran:verifikator"


def test_unknown_assignees_and_starters_are_refused_naming_task_and_value(flask_app):
    text = PINJAMAN_PYTHON.replace(f'camunda:candidateUsers="{REVIEWER_NIP}"', 'camunda:assignee="demo"')
    text = text.replace('camunda:candidateStarterGroups="semua"', 'camunda:candidateStarterGroups="management"')
    _parsed, errors, _warnings = check(text)
    messages = {p.element: p.message for p in errors}
    assert messages["Tinjau"].startswith("tugas 'Tinjau pengajuan': camunda:assignee 'demo' bukan NIP (18 angka)")
    assert messages["pengajuan_pinjaman"].startswith(
        "proses 'Pengajuan pinjaman koperasi': camunda:candidateStarterGroups 'management' bukan NIP")


def test_unsupported_camunda_form_kinds_are_named_not_missing(flask_app):
    text = PINJAMAN_PYTHON.replace('<bpmn2:userTask id="Terima" name="Tanda tangani akad"',
                                   '<bpmn2:userTask id="Terima" name="Tanda tangani akad" '
                                   'camunda:formKey="embedded:app:forms/akad.html"')
    text = text.replace('<bpmn2:userTask id="Tinjau" name="Tinjau pengajuan"',
                        '<bpmn2:userTask id="Tinjau" name="Tinjau pengajuan" camunda:formRef="tinjau"')
    _parsed, errors, _warnings = check(text)
    messages = {p.element: p.message for p in errors}
    assert messages["Terima"].startswith("formulir HTML tertanam (embedded) 'embedded:app:forms/akad.html' tidak "
                                         "didukung oleh mesin ini; ganti dengan formulir yang dibangkitkan")
    assert messages["Tinjau"].startswith("Camunda Forms (camunda-forms:) 'tinjau' tidak didukung")
    assert not any("tidak ada" in p.message for p in errors)
    forms_key = PINJAMAN_PYTHON.replace('<bpmn2:userTask id="Terima" name="Tanda tangani akad"',
                                        '<bpmn2:userTask id="Terima" name="Tanda tangani akad" '
                                        'camunda:formKey="camunda-forms:deployment:akad.form"')
    _parsed, errors, _warnings = check(forms_key)
    assert [p.element for p in errors] == ["Terima"] and "Camunda Forms (camunda-forms:)" in errors[0].message


def test_camunda_due_dates_and_variable_mappings_are_named_as_ignored(flask_app):
    text = PINJAMAN_PYTHON.replace('<bpmn2:userTask id="Terima" name="Tanda tangani akad"',
                                   '<bpmn2:userTask id="Terima" name="Tanda tangani akad" camunda:dueDate="P2D"')
    text = text.replace('<bpmn2:incoming>Alur_disetujui</bpmn2:incoming>',
                        '<bpmn2:extensionElements><camunda:inputOutput><camunda:inputParameter name="x">1'
                        '</camunda:inputParameter></camunda:inputOutput></bpmn2:extensionElements>'
                        '<bpmn2:incoming>Alur_disetujui</bpmn2:incoming>')
    _parsed, errors, warnings = check(text)
    assert errors == []
    assert [(p.element, p.message.split(";")[0].split(":")[1]) for p in warnings] == [
        ("Terima", "dueDate diabaikan"), ("Terima", "inputOutput (pemetaan variabel) diabaikan")]


def test_juel_conditions_stay_refused_with_what_to_write(flask_app):
    _parsed, errors, _warnings = check(PINJAMAN)
    assert [(p.element, p.message) for p in errors] == [
        ("Alur_disetujui", "ekspresi '${disetujui}' ditulis dalam JUEL/FEEL (Camunda); mesin ini memakai ekspresi "
                           "Python, mis. disetujui == True atau \"P7D\"")]


def test_java_delegates_stay_refused(flask_app):
    text = PINJAMAN_PYTHON.replace('<bpmn2:userTask id="Terima" name="Tanda tangani akad" camunda:assignee="${pemohon}">',
                                   '<bpmn2:serviceTask id="Terima" name="Cairkan" camunda:class="koperasi.Pencairan">')
    text = text.replace("</bpmn2:userTask>\n    <bpmn2:sequenceFlow id=\"Alur_3\"",
                        "</bpmn2:serviceTask>\n    <bpmn2:sequenceFlow id=\"Alur_3\"")
    _parsed, errors, _warnings = check(text)
    assert [p.element for p in errors] == ["Terima"] and "camunda:class" in errors[0].message
    listener = PINJAMAN_PYTHON.replace('<bpmn2:extensionElements>\n        <camunda:formData>\n          '
                                       '<camunda:formField id="nama" label="Nama pemohon" type="string">\n'
                                       '            <camunda:validation><camunda:constraint name="readonly" />',
                                       '<bpmn2:extensionElements>\n        <camunda:taskListener event="create" '
                                       'delegateExpression="${notifier}" />\n        <camunda:formData>\n          '
                                       '<camunda:formField id="nama" label="Nama pemohon" type="string">\n'
                                       '            <camunda:validation><camunda:constraint name="readonly" />')
    assert listener != PINJAMAN_PYTHON
    _parsed, errors, _warnings = check(listener)
    assert [(p.element, p.message) for p in errors] == [
        ("Tinjau", "camunda:taskListener (kode Java: delegateExpression) tidak dijalankan oleh mesin ini; pindahkan "
                   "logikanya ke tugas skrip Python atau layanan terdaftar")]


def test_camunda_multi_instance_collections_and_connectors(flask_app):
    from workflows import camunda

    loop = ('<bpmn2:multiInstanceLoopCharacteristics camunda:collection="${daftar}" camunda:elementVariable="nama" />'
            '\n    </bpmn2:userTask>\n    <bpmn2:sequenceFlow id="Alur_3"')
    text = PINJAMAN_PYTHON.replace('</bpmn2:userTask>\n    <bpmn2:sequenceFlow id="Alur_3"', loop)
    assert text != PINJAMAN_PYTHON
    assert ('<bpmn2:multiInstanceLoopCharacteristics camunda:collection="${daftar}" camunda:elementVariable="nama">'
            '<bpmn2:loopDataInputRef>daftar</bpmn2:loopDataInputRef><bpmn2:inputDataItem id="nama" name="nama"/>'
            ) in camunda.to_spiff(text)
    [item], errors, _warnings = check(text)
    assert errors == [] and item.spec.task_specs["Terima"].data_input.bpmn_id == "daftar"
    connector = PINJAMAN_PYTHON.replace(
        '<bpmn2:userTask id="Terima" name="Tanda tangani akad" camunda:assignee="${pemohon}">',
        '<bpmn2:serviceTask id="Terima" name="Kirim"><bpmn2:extensionElements><camunda:connector>'
        '<camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></bpmn2:extensionElements>')
    connector = connector.replace("</bpmn2:userTask>\n    <bpmn2:sequenceFlow id=\"Alur_3\"",
                                  "</bpmn2:serviceTask>\n    <bpmn2:sequenceFlow id=\"Alur_3\"")
    _parsed, errors, _warnings = check(connector)
    assert [(p.element, p.message.split(";")[0]) for p in errors] == [
        ("Terima", "camunda:connector (konektor HTTP/SOAP Camunda) tidak didukung")]


def test_a_task_outside_lanes_gets_the_default_lane_and_form(flask_app):
    [item], errors, _warnings = check(BPMN_IO_NO_LANES % "")
    assert errors == []
    assert props_of(item, "Activity_1") == {"pelaksana": "pemulai", "formKey": "konfirmasi"}
    [item], errors, _warnings = check(BPMN_IO_NO_LANES % DEFAULT_LANE_JPT)
    assert errors == [] and props_of(item, "Activity_1")["pelaksana"] == "jpt"
    _parsed, errors, _warnings = check(BPMN_IO_NO_LANES % DEFAULT_LANE_JPT.replace('"jpt"', '"bos_besar"'))
    found = {p.element: p.message for p in errors}
    assert set(found) == {"Activity_1", "cek_sederhana"}  # the task it was applied to, and the process property
    assert found["Activity_1"].startswith("pelaksana tugas 'bos_besar' ditolak: relasi 'bos_besar' tidak dikenal")
    assert "pelaksana_bawaan ditolak: relasi 'bos_besar' tidak dikenal" in found["cek_sederhana"]


# --- running (SQLite and PostgreSQL) ---------------------------------------------------------------

def _pegawai_id(app, nip: str) -> int:
    from app.kinerja.org import Pegawai

    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
    finally:
        session.close()


def _start(app, process_id: str, key: str, data: dict, actor_id: int):
    from core.db import write_transaction
    from workflows.instances import start_instance

    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        instance = start_instance(session, process_id, key, data, actor_id)
    session.close()
    return instance.id


def _task_of(api, instance_id: int) -> dict:
    [task] = [t for t in api.get("/tasks").get_json() if t["instance_id"] == instance_id]
    return task


def _deploy(owner, process_id: str, name: str, text: str):
    r = owner.post(f"/definitions/{process_id}/deploy", json={"files": {name: text}, "comment": "Dari Camunda Modeler"})
    assert r.status_code == 201, r.get_json()


def test_a_camunda_generated_form_diagram_runs_through_the_task_api(app, accounts, as_user):
    from workflows import forms

    owner = as_user(REVIEWER_NIP)
    refused = owner.post("/definitions/pengajuan_pinjaman/deploy", json={"files": {"p.bpmn": PINJAMAN}, "comment": "x"})
    assert refused.status_code == 409 and "JUEL/FEEL" in str(refused.get_json()), refused.get_json()
    _deploy(owner, "pengajuan_pinjaman", "pengajuan_pinjaman.bpmn", PINJAMAN_PYTHON)

    pemohon_account = find(accounts, "Pranata Komputer Ahli Pertama")
    pemohon, pemohon_id = as_user(pemohon_account["nip"]), _pegawai_id(app, pemohon_account["nip"])
    start = {"nama": "Ani", "penghasilan": 6_000_000, "jumlah": 20_000_000, "jenis": "produktif",
             "pegawai_id": pemohon_id}
    approved = _start(app, "pengajuan_pinjaman", "pinjaman-1", start, pemohon_id)
    rejected = _start(app, "pengajuan_pinjaman", "pinjaman-2", {**start, "jumlah": 45_000_000}, pemohon_id)

    review = _task_of(owner, approved)
    assert review["name"] == "Tinjau pengajuan" and review["lane"] == f"nip:{REVIEWER_NIP}"
    assert review["form"].startswith("camunda-")
    assert [t for t in pemohon.get("/tasks").get_json() if t["instance_id"] == approved] == []
    view = owner.get(f"/tasks/{review['id']}").get_json()
    assert view["form"]["schema"]["properties"]["disetujui"]["type"] == "boolean"
    assert view["data"]["nama"] == "Ani" and view["data"]["jumlah"] == 20_000_000

    forms._GENERATED.clear()  # as after a restart: the form is found in the deployed definition
    assert forms.schema_of(review["form"])["title"] == "Tinjau pengajuan"

    missing = owner.post(f"/tasks/{review['id']}/complete", json={"data": {"alasan": "ok"}})
    assert missing.status_code == 422 and missing.get_json()["error"]["details"]["fields"] == {"disetujui": "wajib diisi"}
    done = owner.post(f"/tasks/{review['id']}/complete",
                      json={"data": {"disetujui": True, "nama": "diubah", "alasan": "lengkap"}})
    assert done.status_code == 200, done.get_json()

    akad = _task_of(pemohon, approved)  # ${pemohon} = the starter; no form: konfirmasi
    assert akad["name"] == "Tanda tangani akad" and akad["lane"] == "pemulai" and akad["form"] == "konfirmasi"
    assert pemohon.post(f"/tasks/{akad['id']}/complete", json={"data": {"catatan": "siap"}}).status_code == 200
    instance = pemohon.get(f"/instances/{approved}").get_json()
    assert instance["status"] == "completed"

    no = _task_of(owner, rejected)
    assert owner.post(f"/tasks/{no['id']}/complete", json={"data": {"disetujui": False}}).status_code == 200
    assert owner.get(f"/instances/{rejected}").get_json()["status"] == "completed"
    assert [t for t in pemohon.get("/tasks").get_json() if t["instance_id"] == rejected] == []
    _assert_read_only_field_kept(app, approved)


def _assert_read_only_field_kept(app, instance_id: int) -> None:
    from workflows.instances import Run, load
    from workflows.models import Instance

    session = app.extensions["db_sessionmaker"]()
    try:
        workflow = load(Run(session, None, session.get(Instance, instance_id)))
        assert workflow.data.get("nama", workflow.last_task.data.get("nama")) == "Ani"  # readOnly: not taken
    finally:
        session.close()


def test_a_bpmn_io_diagram_without_lanes_or_forms_runs_by_its_starter(app, accounts, as_user, client):
    from test_pages import Pages

    owner = as_user(REVIEWER_NIP)
    _deploy(owner, "cek_sederhana", "cek.bpmn", BPMN_IO_NO_LANES % "")
    account = find(accounts, "Pranata Komputer Ahli Pertama")
    starter, starter_id = as_user(account["nip"]), _pegawai_id(app, account["nip"])
    instance_id = _start(app, "cek_sederhana", "cek-1", {"pegawai_id": starter_id}, starter_id)
    task = _task_of(starter, instance_id)
    assert task["lane"] == "pemulai" and task["form"] == "konfirmasi"
    assert [t for t in owner.get("/tasks").get_json() if t["instance_id"] == instance_id] == []
    pages = Pages(client)  # the starter confirms on the generic task page
    assert pages.login(account["nip"]).status_code == 302
    html = pages.html(f"/tugas/{task['id']}")
    assert 'name="catatan"' in html
    done = pages.post(f"/tugas/{task['id']}", {"catatan": "sudah dicek"})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    assert starter.get(f"/instances/{instance_id}").get_json()["status"] == "completed"


def _external(name_options) -> Path | None:
    folder = os.environ.get("EKINERJA_EXTERNAL_BPMN")
    if not folder:
        return None
    return next((p for n in name_options for p in Path(folder).rglob(n)), None)


def test_camunda_loan_approval_quickstart_runs(app, accounts, as_user):
    """camunda-bpm-examples usertask/task-form-generated/loanApproval.bpmn (Apache-2.0, removed upstream in
    90afaa35; fetched from its parent commit). Documented edits: camunda:assignee="demo" names nobody we
    know, so it becomes "${initiator}" (the starter approves); it has no JUEL conditions to rewrite."""
    path = _external(["usertask_task-form-generated_loanApproval.bpmn", "loanApproval.bpmn"])
    if path is None:
        pytest.skip("EKINERJA_EXTERNAL_BPMN does not hold Camunda's generated-form loanApproval.bpmn")
    text = path.read_text(encoding="utf-8")
    owner = as_user(REVIEWER_NIP)
    refused = owner.post("/definitions/generatedFormsQuickstart/deploy", json={"files": {"loanApproval.bpmn": text}, "comment": "x"})
    assert refused.status_code == 409 and "camunda:assignee 'demo'" in str(refused.get_json())
    _deploy(owner, "generatedFormsQuickstart", "loanApproval.bpmn",
            text.replace('camunda:assignee="demo"', 'camunda:assignee="${initiator}"'))
    account = find(accounts, "Pranata Komputer Ahli Pertama")
    starter, starter_id = as_user(account["nip"]), _pegawai_id(app, account["nip"])
    instance_id = _start(app, "generatedFormsQuickstart", "loan-1",
                         {"firstname": "Ani", "lastname": "S", "netIncome": 5000, "loanAmount": 1000,
                          "loanType": "mortage", "pegawai_id": starter_id}, starter_id)
    task = _task_of(starter, instance_id)
    assert task["name"] == "Approve Request" and task["lane"] == "pemulai"
    view = starter.get(f"/tasks/{task['id']}").get_json()
    assert view["form"]["schema"]["properties"]["approved"] == {"type": "boolean", "title": "Approve?"}
    assert starter.post(f"/tasks/{task['id']}/complete", json={"data": {"approved": True}}).status_code == 200
    assert starter.get(f"/instances/{instance_id}").get_json()["status"] == "completed"


def test_survey_of_diagrams_from_other_modelers(flask_app):
    """bench/diagrams.py over the diagrams stored here (and EKINERJA_EXTERNAL_BPMN when given): the ones
    whose scripts and conditions are Python deploy."""
    from bench.diagrams import survey

    rows = {r.path.name: r for r in survey([CAMUNDA_DIR, ROOT / "tests" / "bpmn" / "workbench"])}
    assert rows["camunda7_persetujuan.bpmn"].deploys and rows["bpmnjs_hitung.bpmn"].deploys
    assert not rows["pengajuan_pinjaman.bpmn"].deploys  # JUEL condition
    assert rows["pengajuan_pinjaman.bpmn"].reasons == ["Ekspresi JUEL/FEEL (ditulis ulang sebagai Python)"]
    assert rows["pengajuan_pinjaman.bpmn"].spiff_parses
    if os.environ.get("EKINERJA_EXTERNAL_BPMN"):
        external = survey([Path(os.environ["EKINERJA_EXTERNAL_BPMN"])])
        assert external and not [r.path.name for r in external if not r.deploys and not r.reasons]
        assert not [(r.path.name, r.errors) for r in external if "Lainnya" in r.reasons]  # every refusal is named
        generated = [r for r in external if r.path.name.endswith("loanApproval.bpmn") and "generated" in r.path.name]
        assert [r.reasons for r in generated] in ([], [["Pelaksana tidak dikenal"]])  # only camunda:assignee="demo"
