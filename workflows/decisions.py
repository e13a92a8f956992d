"""Evaluate a deployed DMN decision table from the application, outside any instance.

Pages and checks sometimes need a table's answer before (or without) a business rule task
running, e.g. the kurva rules of a unit or the rating a leader will get. The table comes
from the newest deployed version of a process (what a process owner deployed, not the file
on disk), and is run by SpiffWorkflow's own DMN engine inside a one-task probe workflow, so
the cells mean exactly what they mean in a business rule task.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from .definitions import latest
from .scripting import Engine

_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Probe" targetNamespace="probe">
  <bpmn:process id="probe_{decision}" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="R"><bpmn:extensionElements><spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="E"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="R" /><bpmn:sequenceFlow id="f2" sourceRef="R" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>"""


class DecisionMissing(LookupError):
    """The decision table is not deployed with the process."""


@lru_cache(maxsize=64)
def _probe_spec(decision: str, dmn_source: str, _digest: str):
    parser = SpiffBpmnParser()
    parser.add_dmn_str(dmn_source.encode())
    parser.add_bpmn_str(_PROBE.format(decision=decision).encode())
    return parser.get_spec(f"probe_{decision}"), parser.get_subprocess_specs(f"probe_{decision}")


def deployed_source(session: Session, process_id: str, file_name: str, instansi_id: int | None = None) -> str:
    definition = latest(session, process_id, instansi_id)
    source = (definition.sources or {}).get(file_name) if definition is not None else None
    if not source:
        raise DecisionMissing(f"Tabel keputusan {file_name} belum dipasang bersama proses {process_id}; "
                              "jalankan 'ekinerja bpmn deploy'")
    return source


def evaluate(dmn_source: str, decision: str, data: dict) -> dict:
    """The outputs of ``decision`` for ``data`` (COLLECT: a list per output; no match: {})."""
    spec, subs = _probe_spec(decision, dmn_source, hashlib.sha256(dmn_source.encode()).hexdigest())
    workflow = BpmnWorkflow(spec, subs, script_engine=Engine(None))
    for task in workflow.get_tasks():
        task.data.update(data)
    workflow.do_engine_steps()
    return {k: v for k, v in workflow.data.items() if k not in data}


def decide(session: Session, process_id: str, file_name: str, decision: str, data: dict,
           instansi_id: int | None = None) -> dict:
    """Evaluate ``decision`` of the DMN file deployed with the newest version of ``process_id`` that
    ``instansi_id`` runs (its own, else the national default)."""
    return evaluate(deployed_source(session, process_id, file_name, instansi_id), decision, data)
