"""Validation before deploy, process test scenarios, and diagrams from Camunda Modeler 7 and bpmn-js.

No database here: parsing, the rules and the scenarios run in memory, through the same
functions the workbench and ``ekinerja bpmn validate`` / ``ekinerja bpmn test`` call.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WB = ROOT / "tests" / "bpmn" / "workbench"
BROKEN = WB / "broken"
DMN = ROOT / "bpmn" / "predikat_kuadran.dmn"


@pytest.fixture(scope="module")
def flask_app():
    from app import create_app

    return create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "SECRET_KEY": "x"})


def sources(*paths: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def problems_of(*paths: Path):
    from workflows.definitions import check_sources

    return check_sources(sources(*paths))


def test_the_valid_base_diagram_has_no_problem(flask_app):
    parsed, problems = problems_of(WB / "uji_sederhana.bpmn", DMN)
    assert [p.process_id for p in parsed] == ["uji_sederhana"] and problems == []


# file, a fragment of the message, the element it names (None: the file as a whole), severity
BROKEN_CASES = [
    ("xml_rusak.bpmn", "XML tidak valid: Opening and ending tag mismatch", None, "error"),
    ("atribut_tidak_dikenal.bpmn", "attribute 'tenggat': The attribute 'tenggat' is not allowed", None, "error"),
    ("lane_tidak_dikenal.bpmn", "lane 'Bendahara' bukan peran yang dikenal", "Task_Isi", "error"),
    ("formulir_tidak_ada.bpmn", "formulir 'formulir-cuti' tidak ada", "Task_Isi", "error"),
    ("skrip_terlarang.bpmn", "skrip tidak boleh mengimpor modul", "Script_Hitung", "error"),
    ("gateway_tanpa_default.bpmn", "tanpa kondisi dan tidak ada alur bawaan (default)", "Gateway_Baik", "error"),
    ("keputusan_tidak_ada.bpmn", 'No DMN Diagram available with id "predikat_cuti"', "Rule_Predikat", "error"),
    ("elemen_tidak_didukung.bpmn", "elemen bpmn:complexGateway (Predikat baik?) tidak didukung", "Gateway_Baik", "error"),
    ("camunda8.bpmn", "diagram Camunda 8 (Zeebe) tidak didukung", None, "error"),
    ("kondisi_terlarang.bpmn", "kondisi 'predikat.__class__ is str' ditolak", "Gateway_Baik", "error"),
    ("dua_alur_keluar.bpmn", "tugas dengan lebih dari satu alur keluar tidak didukung", "Task_Isi", "error"),
    ("masukan_keputusan_kosong.bpmn", "masukan 'rating_hasil_kerja' tabel keputusan 'predikat_kuadran' tidak diisi",
     "Rule_Predikat", "warning"),
]


@pytest.mark.parametrize("name,fragment,element,severity", BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_each_broken_diagram_gives_its_own_error(flask_app, name, fragment, element, severity):
    parsed, problems = problems_of(BROKEN / name, DMN)
    match = [p for p in problems if fragment in p.message]
    assert match, [str(p) for p in problems]
    problem = match[0]
    assert problem.severity == severity and problem.file == name and problem.element == element
    assert problem.line and problem.line > 1  # every problem points at a line
    if severity == "warning":  # warnings do not stop a deploy
        assert [p.process_id for p in parsed] == ["uji_sederhana"]
        assert all(p.severity == "warning" for p in problems)


def test_a_broken_decision_table_is_reported_at_the_table(flask_app):
    _parsed, problems = problems_of(WB / "uji_sederhana.bpmn", BROKEN / "predikat_rusak.dmn")
    assert any(p.file == "predikat_rusak.dmn" and p.element == "predikat_kuadran" and p.line == 5
               and "Malformed Output Expression" in p.message for p in problems), [str(p) for p in problems]


def test_a_form_that_is_not_a_json_schema_is_an_error(flask_app, tmp_path):
    from workflows import forms

    folder = tmp_path / "forms"
    shutil.copytree(ROOT / "bpmn" / "forms", folder)
    (folder / "penilaian.schema.json").write_text(json.dumps({"type": "object", "properties": {"x": {"type": 12}}}))
    before = forms.schema_path("x").parent
    forms.set_forms_dir(folder)
    try:
        _parsed, problems = problems_of(WB / "uji_sederhana.bpmn", DMN)
    finally:
        forms.set_forms_dir(before)
    assert [(p.element, p.severity) for p in problems if "bukan JSON Schema yang valid di properties/x/type" in p.message] \
        == [("Task_Isi", "error")]


def test_the_cli_names_file_line_and_element(flask_app):
    from app.cli import main

    runner = flask_app.test_cli_runner()
    result = runner.invoke(main, ["bpmn", "validate", str(BROKEN / "lane_tidak_dikenal.bpmn"), str(DMN)])
    assert result.exit_code == 1
    assert "KESALAHAN lane_tidak_dikenal.bpmn:21 (Task_Isi): lane 'Bendahara' bukan peran" in result.output
    ok = runner.invoke(main, ["bpmn", "validate", str(BROKEN / "masukan_keputusan_kosong.bpmn"), str(DMN)])
    assert ok.exit_code == 0 and "PERINGATAN masukan_keputusan_kosong.bpmn:36 (Rule_Predikat)" in ok.output
    assert "OK uji_sederhana" in ok.output


SHIPPED_SCENARIOS = sorted((ROOT / "bpmn" / "tests").glob("*/*.json"))


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=[f"{p.parent.name}/{p.name}" for p in SHIPPED_SCENARIOS])
def test_the_shipped_scenarios_pass(flask_app, path):
    from workflows.definitions import parse_sources, read_dir
    from workflows.scenarios import run_files

    parsed = {p.process_id: p for p in parse_sources(read_dir(ROOT / "bpmn"))}
    [result] = run_files(parsed, {f"{path.parent.name}/{path.name}": path.read_text(encoding="utf-8")})
    assert result["lulus"], result["kegagalan"]
    assert result["jalur"] == json.loads(path.read_text())["jalur"]


def test_the_cli_runs_the_scenarios(flask_app):
    from app.cli import main

    result = flask_app.test_cli_runner().invoke(main, ["bpmn", "test"])
    assert result.exit_code == 0, result.output
    assert f"{len(SHIPPED_SCENARIOS)} skenario, 0 gagal" in result.output


def test_a_failing_scenario_says_what_differs(flask_app):
    from workflows.definitions import parse_sources
    from workflows.scenarios import run_scenario

    [item] = parse_sources(sources(WB / "uji_sederhana.bpmn", DMN))
    scenario = {"data_awal": {"nama": "A"},
                "tugas": [{"tugas": "Task_Isi", "data": {"rating_hasil_kerja": "DI_BAWAH", "rating_perilaku": "SESUAI",
                                                         "umpan_balik_rhk": {"1": "a", "2": "b"}}}],
                "jalur": ["Start_Uji", "Task_Isi", "Script_Hitung", "Rule_Predikat", "Gateway_Baik", "End_Baik"],
                "data_akhir": {"jumlah_isian": 2}}
    outcome = run_scenario(item.spec, item.subprocess_specs, scenario)
    assert not outcome.passed
    assert outcome.failures == ["jalur berbeda: diharapkan Start_Uji → Task_Isi → Script_Hitung → Rule_Predikat → "
                                "Gateway_Baik → End_Baik; terjadi Start_Uji → Task_Isi → Script_Hitung → "
                                "Rule_Predikat → Gateway_Baik → End_Lain"]
    bad_form = run_scenario(item.spec, item.subprocess_specs, {"tugas": [{"tugas": "Task_Isi", "data": {"x": 1}}]})
    assert "data tidak sesuai formulir 'penilaian'" in bad_form.failures[0]
    not_ready = run_scenario(item.spec, item.subprocess_specs, {"tugas": [{"tugas": "Task_Lain", "data": {}}]})
    assert not_ready.failures[0] == "langkah 1: tugas 'Task_Lain' tidak siap; yang siap: Task_Isi"


def test_a_camunda_modeler_7_diagram_loads_and_runs_unmodified(flask_app):
    from workflows.definitions import check_sources
    from workflows.scenarios import run_scenario

    parsed, problems = check_sources(sources(WB / "camunda7_persetujuan.bpmn"))
    assert problems == []  # candidateGroups="pegawai" / assignee="${atasan}" say what the lanes say
    [item] = parsed
    outcome = run_scenario(item.spec, item.subprocess_specs, {
        "tugas": [{"tugas": "Activity_1ajukan", "data": {"catatan": "mohon"}},
                  {"tugas": "Activity_0periksa", "data": {"catatan": "setuju"}}]})
    assert outcome.passed, outcome.failures
    assert outcome.path[-2:] == ["Gateway_0keputusan", "Event_0selesai"]


def test_a_camunda_juel_expression_is_named(flask_app):
    from workflows.definitions import check_sources

    text = (WB / "camunda7_persetujuan.bpmn").read_text().replace('catatan == "setuju"', "${disetujui}")
    _parsed, problems = check_sources({"c.bpmn": text})
    assert any("ekspresi '${disetujui}' ditulis dalam JUEL/FEEL" in p.message and p.element == "Flow_0setuju"
               and p.severity == "error" for p in problems), [str(p) for p in problems]


def test_a_bpmn_js_diagram_with_default_ids_runs(flask_app):
    from workflows.definitions import parse_sources
    from workflows.scenarios import run_scenario

    [item] = parse_sources(sources(WB / "bpmnjs_hitung.bpmn"))
    outcome = run_scenario(item.spec, item.subprocess_specs, {"data_awal": {"realisasi": 9, "target": 12},
                                                              "data_akhir": {"capaian": 75}})
    assert outcome.passed, outcome.failures
    assert outcome.path == ["StartEvent_1", "Activity_0y8w3xf", "Gateway_1q0u8zd", "Event_1n6u2ty"]
    text = (WB / "bpmnjs_hitung.bpmn").read_text().replace('isExecutable="true"', 'isExecutable="false"')
    from workflows.definitions import check_sources

    _parsed, problems = check_sources({"demo.bpmn": text})
    assert any(p.severity == "error" and "tidak ada proses yang dapat dijalankan" in p.message for p in problems)


def test_camunda_java_delegates_and_other_script_languages_are_named(flask_app):
    from workflows.definitions import check_sources

    text = (WB / "camunda7_persetujuan.bpmn").read_text()
    text = text.replace('<bpmn:userTask id="Activity_0periksa" name="Periksa permohonan" camunda:formKey="konfirmasi" '
                        'camunda:assignee="${atasan}">',
                        '<bpmn:serviceTask id="Activity_0periksa" name="Periksa otomatis" '
                        'camunda:class="id.go.Pemeriksa">').replace("</bpmn:userTask>\n    <bpmn:exclusiveGateway",
                                                                   "</bpmn:serviceTask>\n    <bpmn:exclusiveGateway")
    parsed, problems = check_sources({"c.bpmn": text})
    assert parsed == []
    assert [(p.element, p.severity) for p in problems if "camunda:class" in p.message] == [("Activity_0periksa", "error")]
