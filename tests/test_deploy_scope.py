"""Deploy exactly what was chosen: the chosen process with the DMN and called processes it references.

The issue's case: deploying ``side_a`` from a file that also holds a stub ``dialog_kinerja`` silently
replaced the real dialog process. Such a file is refused, naming the process, unless it is included.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
OWNER_NIP = "197711052002121003"


def process(pid: str, *steps: str) -> str:
    """A small executable process: start, the given tasks in sequence, end."""
    ids = ["start"] + [f"step{i}" for i in range(len(steps))] + ["end"]
    nodes = [f'<bpmn:startEvent id="{pid}_start"/>'] + [s.format(id=f"{pid}_step{i}") for i, s in enumerate(steps)] \
        + [f'<bpmn:endEvent id="{pid}_end"/>']
    flows = [f'<bpmn:sequenceFlow id="{pid}_f{i}" sourceRef="{pid}_{a}" targetRef="{pid}_{b}"/>'
             for i, (a, b) in enumerate(zip(ids, ids[1:]))]
    return f'<bpmn:process id="{pid}" name="Uji {pid}" isExecutable="true">{"".join(nodes + flows)}</bpmn:process>'


def diagram(*processes: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_uji" '
            f'targetNamespace="http://bpmn.io/schema/bpmn">{"".join(processes)}</bpmn:definitions>')


SCRIPT = '<bpmn:scriptTask id="{id}"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
CALL = '<bpmn:callActivity id="{id}" calledElement="anak_uji"/>'
RULE = ('<bpmn:businessRuleTask id="{id}"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
        'rating_pimpinan</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>')
SIDE_FILE = {"side_a.bpmn": diagram(process("side_a", SCRIPT), process("dialog_kinerja", SCRIPT))}


@pytest.fixture
def owner(as_user):
    return as_user(OWNER_NIP)


def versions(app, process_id):
    from workflows.models import ProcessDefinition

    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).where(ProcessDefinition.process_id == process_id))
    finally:
        session.close()


def deploy(api, process_id, files, **extra):
    return api.post(f"/definitions/{process_id}/deploy", json={"files": files, "comment": "uji", **extra})


def test_a_file_that_also_defines_an_existing_process_is_refused_naming_it(owner, app):
    before = versions(app, "dialog_kinerja")
    assert before >= 1
    preview = owner.post("/definitions/side_a/validate", json={"files": SIDE_FILE}).get_json()
    assert preview["bentrok"] == ["dialog_kinerja"]
    assert [e["process_id"] for e in preview["akan_dipasang"]] == ["side_a"]
    assert any("'dialog_kinerja'" in e["message"] for e in preview["errors"])

    r = deploy(owner, "side_a", SIDE_FILE)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert "'dialog_kinerja'" in error["message"] and "sertakan" in error["message"]
    assert error["details"]["bentrok"] == ["dialog_kinerja"]
    assert versions(app, "dialog_kinerja") == before and versions(app, "side_a") == 0

    preview = owner.post("/definitions/side_a/validate", json={"files": SIDE_FILE, "sertakan": ["dialog_kinerja"]})
    assert preview.get_json()["errors"] == []
    assert {(e["process_id"], e["versi_baru"], e["berubah"]) for e in preview.get_json()["akan_dipasang"]} \
        == {("side_a", 1, True), ("dialog_kinerja", before + 1, True)}
    r = deploy(owner, "side_a", SIDE_FILE, sertakan=["dialog_kinerja"])
    assert r.status_code == 201, r.get_json()
    assert versions(app, "dialog_kinerja") == before + 1 and versions(app, "side_a") == 1


def test_a_new_process_in_the_file_that_was_not_chosen_is_ignored(owner, app):
    files = {"side_a.bpmn": diagram(process("side_a", SCRIPT), process("side_b", SCRIPT))}
    preview = owner.post("/definitions/side_a/validate", json={"files": files}).get_json()
    assert preview["errors"] == [] and preview["diabaikan"] == ["side_b"]
    assert deploy(owner, "side_a", files).status_code == 201
    assert versions(app, "side_a") == 1 and versions(app, "side_b") == 0


def test_the_referenced_dmn_and_called_process_are_listed_and_deployed(owner, app):
    files = {"induk_uji.bpmn": diagram(process("induk_uji", RULE, CALL), process("anak_uji", SCRIPT),
                                       process("lain_uji", SCRIPT)),
             "rating_pimpinan.dmn": (ROOT / "bpmn" / "rating_pimpinan.dmn").read_text()}
    preview = owner.post("/definitions/induk_uji/validate", json={"files": files}).get_json()
    assert preview["errors"] == [], preview["errors"]
    assert sorted((e["process_id"], e["jenis"]) for e in preview["akan_dipasang"]) \
        == [("anak_uji", "bpmn"), ("induk_uji", "bpmn"), ("rating_pimpinan", "dmn")]
    assert preview["diabaikan"] == ["lain_uji"]
    r = deploy(owner, "induk_uji", files)
    assert r.status_code == 201, r.get_json()
    assert (versions(app, "induk_uji"), versions(app, "anak_uji"), versions(app, "lain_uji")) == (1, 1, 0)
    assert "rating_pimpinan.dmn" in r.get_json()["files"]
    again = owner.post("/definitions/induk_uji/validate", json={"files": files}).get_json()
    assert {e["process_id"]: (e["versi_baru"], e["berubah"]) for e in again["akan_dipasang"]} \
        == {"induk_uji": (1, False), "anak_uji": (1, False), "rating_pimpinan": (None, False)}


@pytest.mark.parametrize("generated", ["Process_1", "Process_0abc123"])
def test_a_process_id_generated_by_a_modeler_is_refused(owner, app, generated):
    files = {"baru.bpmn": diagram(process(generated, SCRIPT))}
    r = deploy(owner, generated, files)
    assert r.status_code == 409, r.get_json()
    assert f"'{generated}'" in r.get_json()["error"]["message"] and "bermakna" in r.get_json()["error"]["message"]
    assert versions(app, generated) == 0


def test_the_cli_deploys_only_the_chosen_process(app, tmp_path):
    (tmp_path / "side_a.bpmn").write_text(SIDE_FILE["side_a.bpmn"])
    from app.cli import main

    runner = app.test_cli_runner()
    before = versions(app, "dialog_kinerja")
    result = runner.invoke(main, ["bpmn", "deploy", str(tmp_path / "side_a.bpmn"), "--process", "side_a"])
    assert result.exit_code == 1 and "'dialog_kinerja'" in result.output
    assert versions(app, "dialog_kinerja") == before and versions(app, "side_a") == 0
    result = runner.invoke(main, ["bpmn", "deploy", str(tmp_path / "side_a.bpmn"), "--process", "side_a",
                                 "--sertakan", "dialog_kinerja"])
    assert result.exit_code == 0, result.output
    assert versions(app, "dialog_kinerja") == before + 1 and versions(app, "side_a") == 1
    # --instansi KODE: a version of that instansi only
    changed = SIDE_FILE["side_a.bpmn"].replace('name="Uji side_a"', 'name="Uji side_a DEMO"')
    (tmp_path / "side_a.bpmn").write_text(changed)
    result = runner.invoke(main, ["bpmn", "deploy", str(tmp_path / "side_a.bpmn"), "--process", "side_a",
                                 "--sertakan", "dialog_kinerja", "--instansi", "TIDAKADA"])
    assert result.exit_code != 0 and "TIDAKADA" in result.output
    result = runner.invoke(main, ["bpmn", "deploy", str(tmp_path / "side_a.bpmn"), "--process", "side_a",
                                 "--sertakan", "dialog_kinerja", "--instansi", "DEMO"])
    assert result.exit_code == 0, result.output
    from workflows.definitions import latest
    from workflows.models import ProcessDefinition

    session = app.extensions["db_sessionmaker"]()
    try:
        own = session.scalar(select(ProcessDefinition).where(ProcessDefinition.process_id == "side_a",
                                                             ProcessDefinition.instansi_id.is_not(None)))
        assert own.name == "Uji side_a DEMO" and latest(session, "side_a").name == "Uji side_a"
        assert latest(session, "side_a", own.instansi_id).id == own.id
    finally:
        session.close()
