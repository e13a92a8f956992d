"""What a human task gets when its diagram does not say: diagrams from other modelers.

A user task outside any lane is done by the process's ``pelaksana_bawaan`` (shared/platform.md
§2; default ``pemulai``, the starter), written as the task's ``pelaksana`` property. A user
task without a ``formKey`` gets the form ``konfirmasi`` (confirm, with an optional comment).
The defaults are written into the parsed spec at deploy, so a deployed version keeps them.
"""
from __future__ import annotations

from lxml import etree

from . import camunda
from .validation import BPMN, CAMUNDA, SPIFF

DEFAULT_FORM = "konfirmasi"
DEFAULT_PELAKSANA = "pemulai"


def process_properties(node) -> dict[str, str]:
    """The ``spiffworkflow:property`` values declared on a ``<bpmn:process>`` element.

    (Minimal reading until ``workflows.catalog.process_properties`` of H-start-lanes lands.)"""
    if node is None:
        return {}
    ext = node.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        return {}
    return {p.get("name"): p.get("value") or "" for props in ext.iterchildren(f"{{{SPIFF}}}properties")
            for p in props.iterchildren(f"{{{SPIFF}}}property") if p.get("name")}


def declared_properties(sources: dict[str, str], process_id: str) -> dict[str, str]:
    """The process-level properties (``pemulai``, ``form_mulai``, ``pelaksana_bawaan``…) of a process in its
    stored sources; a Camunda 7 file is read as translated (``candidateStarterGroups`` → ``pemulai``, start
    event ``formData`` → ``form_mulai``). For ``workflows.catalog.process_properties`` to read Camunda files."""
    for name, text in sources.items():
        if not name.endswith(".bpmn") or f'id="{process_id}"' not in text:
            continue
        root = etree.fromstring((camunda.to_spiff(text) if CAMUNDA in text else text).encode())
        for node in root.iter(f"{{{BPMN}}}process"):
            if node.get("id") == process_id:
                return process_properties(node)
    return {}


def apply(spec, process_props: dict[str, str]) -> None:
    default = (process_props.get("pelaksana_bawaan") or "").strip() or DEFAULT_PELAKSANA
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "manual", False) or getattr(task_spec, "bpmn_id", None) is None:
            continue
        if getattr(task_spec, "extensions", None) is None:
            task_spec.extensions = {}
        props = task_spec.extensions.setdefault("properties", {})
        if not task_spec.lane and not props.get("pelaksana"):
            props["pelaksana"] = default
        if not props.get("formKey"):
            props["formKey"] = DEFAULT_FORM
