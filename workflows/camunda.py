"""Diagrams saved by Camunda Modeler 7, read as the engine's own.

SpiffWorkflow's CamundaParser makes task specs whose serializer converters collide with
the spiff ones (same type names), so one engine cannot store both kinds. Instead the
Camunda extensions are translated, in memory, before parsing: ``camunda:formKey`` and
``camunda:properties`` become ``spiffworkflow:properties``, ``camunda:decisionRef``
becomes ``spiffworkflow:calledDecisionId``. The stored source stays exactly the file
the process owner uploaded. Elements are only added inline, so line numbers in error
messages are the lines of the original file. What has no equivalent is named by
``unsupported``: Java delegates, scripts in other languages, ``camunda:formData``.
"""
from __future__ import annotations

from lxml import etree

from .validation import BPMN, CAMUNDA, SPIFF, Problem

_NSMAP = {"spiffworkflow": SPIFF}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _extensions(element):
    ext = element.find(_q(BPMN, "extensionElements"))
    if ext is None:
        ext = etree.Element(_q(BPMN, "extensionElements"), nsmap=_NSMAP)
        element.insert(0, ext)
    return ext


def _spiff_properties(element):
    ext = _extensions(element)
    props = ext.find(_q(SPIFF, "properties"))
    if props is None:
        props = etree.SubElement(ext, _q(SPIFF, "properties"), nsmap=_NSMAP)
    return props


def to_spiff(text: str) -> str:
    """The diagram with its Camunda 7 extensions expressed as spiffworkflow extensions."""
    root = etree.fromstring(text.encode())
    for task in root.iter(_q(BPMN, "userTask"), _q(BPMN, "manualTask"), _q(BPMN, "task")):
        camunda_props = [p for p in task.iter(_q(CAMUNDA, "property"))]
        form_key = task.get(_q(CAMUNDA, "formKey"))
        if not camunda_props and not form_key:
            continue
        props = _spiff_properties(task)
        for p in camunda_props:
            etree.SubElement(props, _q(SPIFF, "property"), name=p.get("name", ""), value=p.get("value", ""))
        if form_key:
            etree.SubElement(props, _q(SPIFF, "property"), name="formKey", value=form_key)
    for rule in root.iter(_q(BPMN, "businessRuleTask")):
        if rule.get(_q(CAMUNDA, "decisionRef")):
            called = etree.SubElement(_extensions(rule), _q(SPIFF, "calledDecisionId"), nsmap=_NSMAP)
            called.text = rule.get(_q(CAMUNDA, "decisionRef"))
    return etree.tostring(root, encoding="unicode")


def unsupported(file: str, text: str) -> list[Problem]:
    """Camunda 7 features the engine does not run, each named at its element."""
    try:
        root = etree.fromstring(text.encode())
    except etree.XMLSyntaxError:
        return []
    problems = []
    for el in root.iter(_q(BPMN, "serviceTask"), _q(BPMN, "sendTask"), _q(BPMN, "businessRuleTask")):
        java = [a for a in ("class", "expression", "delegateExpression", "type") if el.get(_q(CAMUNDA, a))]
        if java:
            problems.append(Problem(file, f"tugas dengan camunda:{java[0]} (kode Java/ekspresi Camunda) tidak didukung; "
                                    "gunakan layanan yang terdaftar (spiffworkflow:serviceTaskOperator)",
                                    el.sourceline, el.get("id")))
    for script in root.iter(_q(BPMN, "scriptTask")):
        language = (script.get("scriptFormat") or "python").lower()
        if language not in ("python", "py", "text/x-python"):
            problems.append(Problem(file, f"skrip berbahasa '{language}' tidak didukung; tulis skrip Python",
                                    script.sourceline, script.get("id")))
    for form in root.iter(_q(CAMUNDA, "formData")):
        owner = form.getparent().getparent()
        problems.append(Problem(file, "camunda:formData diabaikan; buat formulir JSON Schema di bpmn/forms/ dan "
                                "sebut namanya di camunda:formKey", form.sourceline, owner.get("id"), "warning"))
    return problems
