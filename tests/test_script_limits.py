"""Scripts and expressions of a diagram run within a time and a memory limit (issue 13, item 5).

A process owner's ``while True: pass`` used to take a web worker down; ``"a" * 200_000_000``
succeeded; ``print`` passed validation and failed at run time; a misspelt service parameter
failed only when the service task ran.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import write_transaction
from workflows.definitions import check_sources, deploy
from workflows.instances import start_instance
from workflows.limits import ScriptLimitExceeded
from workflows.models import Instance
from workflows.scenarios import run_scenario
from workflows.scripting import RestrictedEnvironment

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_batas" targetNamespace="http://ekinerja-flow/bpmn/tests">
  <bpmn:process id="uji_batas" name="Uji batas skrip" isExecutable="true">
    <bpmn:startEvent id="Mulai"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    {step}
    <bpmn:endEvent id="Selesai"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Mulai" targetRef="Langkah" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Langkah" targetRef="Selesai" />
  </bpmn:process>
</bpmn:definitions>
"""


def script_diagram(script: str) -> dict[str, str]:
    step = (f'<bpmn:scriptTask id="Langkah" name="Skrip"><bpmn:incoming>Flow_1</bpmn:incoming>'
            f'<bpmn:outgoing>Flow_2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>')
    return {"uji_batas.bpmn": BPMN.format(step=step)}


def service_diagram(operator: str, params: dict[str, str]) -> dict[str, str]:
    params_xml = "".join(f'<spiffworkflow:parameter id="{name}" type="str" value=\'{value}\' />'
                         for name, value in params.items())
    step = (f'<bpmn:serviceTask id="Langkah" name="Layanan"><bpmn:extensionElements>'
            f'<spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="hasil"><spiffworkflow:parameters>'
            f'{params_xml}</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>'
            f'<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:serviceTask>')
    return {"uji_batas.bpmn": BPMN.format(step=step)}


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setenv("EKINERJA_SCRIPT_TIMEOUT_MS", "200")
    monkeypatch.setenv("EKINERJA_SCRIPT_MEMORY_MB", "64")


def deploy_and_start(app, sources) -> Instance:
    factory = app.extensions["db_sessionmaker"]
    session = factory()
    try:
        with write_transaction(session):
            deploy(session, sources, comment="uji batas skrip")
        with write_transaction(session):
            instance_id = start_instance(session, "uji_batas", "uji", {}, None).id
        session.expire_all()
        return session.scalar(select(Instance).where(Instance.id == instance_id))
    finally:
        session.close()


@pytest.mark.parametrize("script, message", [
    ("while True: pass", "batas waktu 0.2 detik"),
    ("x = 0\nwhile x &gt;= 0:\n    x += 1", "batas waktu 0.2 detik"),
    ('x = "a" * 200_000_000', "batas memori 64 MB"),
    ("x = [0] * 10**9", "batas memori 64 MB"),
    ("x = 10**10**8", "batas memori"),
    ("x = list(range(10**9))", "batas memori 64 MB"),
])
def test_script_beyond_a_limit_puts_the_instance_in_error_at_that_element(app, short_limit, script, message):
    instance = deploy_and_start(app, script_diagram(script))
    assert instance.status == "error"
    assert instance.last_error["element"] == "Langkah"
    assert message in instance.last_error["message"]


def test_script_within_the_limits_runs(app, short_limit):
    instance = deploy_and_start(app, script_diagram('x = "ab" * 1000\nn = len([i * 2 for i in range(1000)])'))
    assert instance.status == "completed"


@pytest.mark.parametrize("expression", [
    "sum(1 for i in range(10**6) for j in range(10**6))",  # 10**12 iterations in a generator
    "(lambda f: f(f, 40))(lambda f, n: f(f, n - 1) + f(f, n - 1) if n else 0)",  # 2**40 calls
])
def test_expressions_stop_at_the_time_limit(short_limit, expression):
    with pytest.raises(ScriptLimitExceeded, match="batas waktu"):
        RestrictedEnvironment().evaluate(expression, {})


@pytest.mark.parametrize("script, refusal", [
    ('print("x")', "print tidak tersedia dalam skrip"),
    ("try:\n    x = 1\nexcept Exception:\n    x = 2", "try/except tidak diizinkan"),
])
def test_print_and_try_are_refused_at_deploy(app, script, refusal):
    _parsed, problems = check_sources(script_diagram(script))
    assert any(p.element == "Langkah" and refusal in p.message for p in problems), problems


def test_misspelt_or_missing_service_parameter_is_refused_at_deploy(app):
    _parsed, problems = check_sources(service_diagram("status_dialog", {"statuss": '"SELESAI"'}))
    assert any(p.element == "Langkah" and "tidak mengenal parameter statuss" in p.message for p in problems), problems
    _parsed, problems = check_sources(service_diagram("status_dialog", {}))
    assert any(p.element == "Langkah" and "memerlukan parameter status" in p.message for p in problems), problems
    _parsed, problems = check_sources(service_diagram("status_dialog", {"status": '"SELESAI"'}))
    assert not [p for p in problems if p.element == "Langkah"], problems


def test_process_test_runner_reports_the_limit_as_the_scenario_failure(short_limit):
    parsed, problems = check_sources(script_diagram("while True: pass"))
    assert not problems
    outcome = run_scenario(parsed[0].spec, parsed[0].subprocess_specs, {"nama": "putaran tanpa akhir"})
    assert not outcome.passed
    assert len(outcome.failures) == 1
    assert outcome.failures[0].startswith("galat di Langkah:")
    assert "Skrip melewati batas waktu 0.2 detik" in outcome.failures[0]


def test_a_single_generator_over_a_long_string_stops_at_the_time_limit(short_limit):
    with pytest.raises(ScriptLimitExceeded, match="batas waktu"):
        RestrictedEnvironment().execute('s = "a" * 60_000_000\nn = sum(len(str(c)) for c in s)', {})
