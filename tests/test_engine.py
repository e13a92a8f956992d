"""The engine layer on its own: definitions, the restricted script environment, error state."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.kinerja import bindings
from core.db import write_transaction
from core.errors import DomainError
from workflows.definitions import DefinitionInvalid, deploy, parse_sources, read_dir
from workflows.instances import start_instance
from workflows.models import Instance, InstanceEvent, ProcessDefinition
from workflows.scripting import RestrictedEnvironment, ScriptRejected

bindings.load()  # the lanes and forms the diagrams use

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
SHIPPED = (BPMN_DIR / "skp_perencanaan.bpmn").read_text()


def one_script_process(script: str, lane_task: bool = False) -> str:
    """A minimal executable process: start → script → end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:process id="uji" name="Uji" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="skrip" name="Skrip"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="skrip" />
    <bpmn:sequenceFlow id="f2" sourceRef="skrip" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_shipped_diagrams_are_valid():
    parsed = parse_sources(read_dir(BPMN_DIR))
    assert sorted(p.process_id for p in parsed) == ["dialog_kinerja", "evaluasi_periodik", "evaluasi_tahunan", "keberatan",
                                                    "pelaporan_kinerja", "permohonan_perubahan_skp", "skp_perencanaan",
                                                    "validasi_data_atasan"]
    evaluasi = next(p for p in parsed if p.process_id == "evaluasi_periodik")
    assert "predikat_kuadran.dmn" in evaluasi.sources  # the DMN table is part of the stored version


def test_xml_error_names_file_and_line():
    broken = SHIPPED.replace("</bpmn:process>", "</bpmn:proces>", 1)
    with pytest.raises(DefinitionInvalid) as exc:
        parse_sources({"rusak.bpmn": broken})
    problem = exc.value.problems[0]
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "</bpmn:proces>" in text)
    assert problem.file == "rusak.bpmn" and problem.line == line and "XML tidak valid" in problem.message


@pytest.mark.parametrize("change, expected", [
    (('name="Pejabat Penilai"', 'name="Bendahara"'), "lane 'Bendahara' bukan peran yang dikenal"),
    (('value="skp-review"', 'value="tidak-ada"'), "formulir 'tidak-ada' tidak ada"),
    (('batas_penetapan_skp = str(tahun) + "-01-31"', 'x = ().__class__'), "skrip ditolak"),
    (('keputusan == "SETUJUI"', 'keputusan.__class__ == 1'), "ditolak"),
    (('<bpmn:userTask id="Task_PeriksaSkp"', '<bpmn:userTask bogus="1" id="Task_PeriksaSkp"'), "bogus"),
])
def test_our_rules_name_the_element(change, expected):
    with pytest.raises(DefinitionInvalid) as exc:
        parse_sources({"skp.bpmn": SHIPPED.replace(*change)})
    assert any(expected in str(p) for p in exc.value.problems), exc.value.problems


def test_camunda_8_is_refused_clearly():
    zeebe = SHIPPED.replace('xmlns:dc=', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:dc=', 1)
    with pytest.raises(DefinitionInvalid, match="Camunda 8"):
        parse_sources({"zeebe.bpmn": zeebe})


@pytest.mark.parametrize("script", [
    "x = ().__class__.__base__.__subclasses__()",
    "import os",
    "x = open('/etc/passwd').read()",
    "x = getattr((), '__class__')",
    "x = [c for c in (1).__class__.__mro__]",
    "exec('import os')",
])
def test_script_escapes_are_blocked(script):
    env = RestrictedEnvironment()
    with pytest.raises((ScriptRejected, NameError, ImportError, SyntaxError)):
        env.execute(script, {})


def test_scripts_compute_with_task_data():
    env = RestrictedEnvironment()
    data = {"tahun": 2026, "nilai": {"a": 1}}
    env.execute('batas = str(tahun) + "-01-31"\nnilai = {**nilai, "b": 2}\ntotal = sum([1, 2, 3])', data)
    assert data == {"tahun": 2026, "nilai": {"a": 1, "b": 2}, "batas": "2026-01-31", "total": 6}


def test_deploy_is_idempotent_and_versions_on_change(db_session):
    with write_transaction(db_session):
        first = deploy(db_session, read_dir(BPMN_DIR))
        again = deploy(db_session, read_dir(BPMN_DIR))
    assert [d.id for d in first] == [d.id for d in again] and first[0].version == 1
    changed = SHIPPED.replace('name="Susun SKP"', 'name="Susun Rencana SKP"')
    with write_transaction(db_session):
        second = deploy(db_session, {"skp_perencanaan.bpmn": changed})
    assert second[0].version == 2 and second[0].content_hash != first[0].content_hash
    versions = db_session.scalars(select(ProcessDefinition.version)
                                  .where(ProcessDefinition.process_id == "skp_perencanaan")).all()
    assert sorted(versions) == [1, 2]


def test_script_error_leaves_the_instance_in_error_with_data(db_session):
    with write_transaction(db_session):
        deploy(db_session, {"uji.bpmn": one_script_process("hasil = 10 / pembagi")})
        instance = start_instance(db_session, "uji", "uji:1", {"pembagi": 0}, None)
    stored = db_session.get(Instance, instance.id)
    assert stored.status == "error"
    assert stored.last_error["element"] == "skrip" and "ZeroDivisionError" in stored.last_error["message"]
    assert "Traceback" in stored.last_error["traceback"]
    kinds = [e.kind for e in db_session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id))]
    assert sorted(kinds) == ["error", "started"]


def test_unknown_process_is_a_clear_error(db_session):
    with pytest.raises(DomainError, match="belum dipasang"):
        with write_transaction(db_session):
            start_instance(db_session, "tidak_ada", "x", {}, None)
