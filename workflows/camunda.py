"""Diagrams saved by Camunda Modeler 7, read as the engine's own.

SpiffWorkflow's CamundaParser makes task specs whose serializer converters collide with
the spiff ones (same type names), so one engine cannot store both kinds. Instead the
Camunda extensions are translated, in memory, before parsing: ``camunda:formKey`` and
``camunda:properties`` become ``spiffworkflow:properties``, ``camunda:decisionRef``
becomes ``spiffworkflow:calledDecisionId``. The stored source stays exactly the file
the process owner uploaded. Elements are only added inline, so line numbers in error
messages are the lines of the original file.

Also translated (shared/platform.md §2–§3):
- ``camunda:formData`` (a generated form) becomes a JSON Schema form (``form_schema``) whose
  key is content-addressed (``camunda-<hash>``); the schema travels inside the deployed
  definition as the task's ``formSchema`` property. On a start event it is the process's
  ``form_mulai``.
- ``camunda:assignee`` / ``candidateUsers`` / ``candidateGroups`` become the task's
  ``pelaksana`` (NIPs, known roles, ``${initiator}`` → ``pemulai``);
  ``camunda:candidateStarterUsers`` / ``candidateStarterGroups`` become the process's ``pemulai``.
What has no equivalent is named by ``unsupported``: Java delegates and listeners, scripts in
other languages, embedded/Camunda Forms, assignments naming nobody the instansi knows.
"""
from __future__ import annotations

import json
import re

from lxml import etree

from . import forms
from .validation import BPMN, CAMUNDA, SPIFF, Problem

_NSMAP = {"spiffworkflow": SPIFF}
NIP = re.compile(r"^\d{18}$")
# Camunda user/group names that mean one of our relations (platform.md §3)
ROLE_VALUES = {
    "admin_kinerja": "peran:admin_kinerja", "verifikator": "peran:verifikator", "operator": "peran:operator",
    "jpt": "jpt", "pegawai": "pegawai", "pemulai": "pemulai", "pejabat_penilai": "pejabat_penilai",
    "atasan": "pejabat_penilai", "atasan_pejabat_penilai": "atasan_pejabat_penilai",
    "kepala_unit": "kepala_unit", "ketua_tim": "ketua_tim",
}
INITIATORS = {"initiator", "starter", "pemulai"}  # ${initiator}: the variable camunda:initiator usually names
STARTER_VALUES = ("semua", "jpt")  # what ``pemulai`` (who may start) accepts besides peran: and nip:
UNSUPPORTED_FORMS = {"embedded": "formulir HTML tertanam (embedded)", "app": "formulir HTML aplikasi (app:)",
                     "camunda-forms": "Camunda Forms (camunda-forms:)", "deployment": "formulir dari deployment"}
_TYPES = {"string": {"type": "string"}, "long": {"type": "integer"}, "integer": {"type": "integer"},
          "short": {"type": "integer"}, "double": {"type": "number"}, "boolean": {"type": "boolean"},
          "date": {"type": "string", "format": "date"}}


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


def _add_property(element, name: str, value: str) -> None:
    etree.SubElement(_spiff_properties(element), _q(SPIFF, "property"), name=name, value=value)


def _label(el) -> str:
    return f"'{el.get('name')}'" if el.get("name") else el.get("id", "?")


# --- generated forms -------------------------------------------------------------------------

def _typed(kind: str, text: str):
    if kind in ("long", "integer", "short"):
        return int(text)
    if kind == "double":
        return float(text)
    if kind == "boolean":
        return {"true": True, "false": False}[text.strip().lower()]
    return text


def form_schema(form_data, title: str) -> tuple[dict, list[str]]:
    """A JSON Schema for a ``camunda:formData`` element, and what of it could not be carried over."""
    properties, required, dropped = {}, [], []
    for field in form_data.iterchildren(_q(CAMUNDA, "formField")):
        name, kind = field.get("id") or "", field.get("type") or "string"
        values = [(v.get("id"), v.get("name") or v.get("id")) for v in field.iterchildren(_q(CAMUNDA, "value"))]
        if kind == "enum":
            prop = {"type": "string", "enum": [v for v, _ in values],
                    "oneOf": [{"const": v, "title": label} for v, label in values]}
        elif kind in _TYPES:
            prop = dict(_TYPES[kind])
        else:
            prop = {"type": "string"}
            dropped.append(f"kolom '{name}': tipe '{kind}' diperlakukan sebagai teks")
        prop["title"] = field.get("label") or name
        default = field.get("defaultValue")
        if default is not None:
            if default.strip().startswith(("${", "#{")):
                dropped.append(f"kolom '{name}': nilai bawaan berupa ekspresi JUEL '{default}' diabaikan")
            else:
                try:
                    prop["default"] = _typed(kind, default)
                except (ValueError, KeyError):
                    dropped.append(f"kolom '{name}': nilai bawaan '{default}' bukan {kind}")
        for constraint in field.iter(_q(CAMUNDA, "constraint")):
            rule, config = (constraint.get("name") or "").lower(), constraint.get("config")
            limit = {"minlength": "minLength", "maxlength": "maxLength", "min": "minimum", "max": "maximum"}.get(rule)
            if rule == "required":
                required.append(name)
            elif rule == "readonly":
                prop["readOnly"] = True
            elif limit and config is not None:
                try:
                    prop[limit] = int(config) if limit.endswith("Length") or kind != "double" else float(config)
                except ValueError:
                    dropped.append(f"kolom '{name}': batas {rule} '{config}' bukan angka")
            else:
                dropped.append(f"kolom '{name}': aturan '{rule}' tidak didukung dan diabaikan")
        properties[name] = prop
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, "type": "object",
              "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = [r for r in required if not properties[r].get("readOnly")]
    return schema, dropped


def _form_data(element):
    ext = element.find(_q(BPMN, "extensionElements"))
    return ext.find(_q(CAMUNDA, "formData")) if ext is not None else None


def _form_kind(form_key: str | None) -> str | None:
    """The unsupported Camunda form kind a formKey names (``embedded:app:forms/x.html``), or None."""
    prefix = (form_key or "").split(":", 1)[0]
    return prefix if ":" in (form_key or "") and prefix in UNSUPPORTED_FORMS else None


def _generated_instead(element, form_key: str | None) -> bool:
    """A formKey that names no form of ours next to a formData (SpiffWorkflow's own Camunda samples name
    the form so): the generated form is used."""
    return bool(form_key) and not _form_kind(form_key) and _form_data(element) is not None \
        and not forms.form_exists(form_key)


def _generated_key(element, title: str) -> str | None:
    form_data = _form_data(element)
    if form_data is None:
        return None
    schema, _dropped = form_schema(form_data, title)
    return forms.register_generated(schema)


# --- assignments -----------------------------------------------------------------------------

def _initiators(root) -> set[str]:
    return INITIATORS | {e.get(_q(CAMUNDA, "initiator")) for e in root.iter(_q(BPMN, "startEvent"))
                         if e.get(_q(CAMUNDA, "initiator"))}


def pelaksana_of(value: str, initiators=INITIATORS) -> str | None:
    """The ``pelaksana`` relation one Camunda user/group name means, or None."""
    value = value.strip()
    expression = re.fullmatch(r"[$#]\{\s*(\w+)\s*\}", value)
    name = expression.group(1) if expression else value
    if expression and name in initiators:
        return "pemulai"
    if NIP.match(name):
        return f"nip:{name}"
    if name.startswith("nip:") and NIP.match(name[4:]) or name.startswith("peran:"):
        return name
    return ROLE_VALUES.get(name.casefold().replace(" ", "_"))


def _values(element, attributes) -> list[tuple[str, str]]:
    return [(attr, v.strip()) for attr in attributes for v in (element.get(_q(CAMUNDA, attr)) or "").split(",")
            if v.strip()]


def _task_pelaksana(task, initiators) -> tuple[str | None, list[tuple[str, str]]]:
    mapped, unknown = [], []
    for attr, value in _values(task, ("assignee", "candidateUsers", "candidateGroups")):
        relation = pelaksana_of(value, initiators)
        if relation is None:
            unknown.append((attr, value))
        elif relation not in mapped:
            mapped.append(relation)
    return ("|".join(mapped) or None), unknown


def _starters(process) -> tuple[str | None, list[tuple[str, str]]]:
    mapped, unknown = [], []
    for attr, value in _values(process, ("candidateStarterGroups", "candidateStarterUsers")):
        relation = value if value in STARTER_VALUES else pelaksana_of(value)
        if relation is None or not (relation in STARTER_VALUES or relation.startswith(("peran:", "nip:"))):
            unknown.append((attr, value))
        elif relation not in mapped:
            mapped.append(relation)
    return ("|".join(mapped) or None), unknown


def _lanes_of(root) -> dict[str, str]:
    return {ref.text.strip(): lane.get("name") or "" for lane in root.iter(_q(BPMN, "lane"))
            for ref in lane.iterchildren(_q(BPMN, "flowNodeRef")) if ref.text}


def _same_relation(lane: str, expression: str) -> bool:
    def norm(text: str) -> set[str]:
        return {p.strip().casefold().removeprefix("peran:").replace("_", " ")
                for p in text.replace("|", "/").split("/") if p.strip()}
    return norm(lane) == norm(expression)


# --- translation -----------------------------------------------------------------------------

def to_spiff(text: str) -> str:
    """The diagram with its Camunda 7 extensions expressed as spiffworkflow extensions."""
    root = etree.fromstring(text.encode())
    initiators, lanes = _initiators(root), _lanes_of(root)
    for process in root.iter(_q(BPMN, "process")):
        props = [p for p in _own_camunda_properties(process)]
        starters, _unknown = _starters(process)
        start_form = next((key for event in process.iterchildren(_q(BPMN, "startEvent"))
                           for key in [_start_form(event, process)] if key), None)
        for p in props:
            _add_property(process, p.get("name", ""), p.get("value", ""))
        if starters and not any(p.get("name") == "pemulai" for p in props):
            _add_property(process, "pemulai", starters)
        if start_form and not any(p.get("name") == "form_mulai" for p in props):
            _add_property(process, "form_mulai", start_form)
    for task in root.iter(_q(BPMN, "userTask"), _q(BPMN, "manualTask"), _q(BPMN, "task")):
        camunda_props = [p for p in task.iter(_q(CAMUNDA, "property"))]
        form_key = task.get(_q(CAMUNDA, "formKey"))
        if _form_kind(form_key) or task.get(_q(CAMUNDA, "formRef")) or _generated_instead(task, form_key):
            form_key = None  # named by unsupported()
        generated = None if form_key else _generated_key(task, task.get("name") or task.get("id"))
        pelaksana, _unknown = _task_pelaksana(task, initiators) if task.tag == _q(BPMN, "userTask") else (None, [])
        if pelaksana and task.get("id") in lanes and _same_relation(lanes[task.get("id")], pelaksana):
            pelaksana = None  # the lane already says so
        if not (camunda_props or form_key or generated or pelaksana):
            continue
        for p in camunda_props:
            _add_property(task, p.get("name", ""), p.get("value", ""))
        if form_key or generated:
            _add_property(task, "formKey", form_key or generated)
        if generated:
            _add_property(task, "formSchema", json.dumps(forms.schema_of(generated), ensure_ascii=False))
        if pelaksana and not any(p.get("name") == "pelaksana" for p in camunda_props):
            _add_property(task, "pelaksana", pelaksana)
    for loop in root.iter(_q(BPMN, "multiInstanceLoopCharacteristics")):
        _collection_as_bpmn(loop)
    for rule in root.iter(_q(BPMN, "businessRuleTask")):
        if rule.get(_q(CAMUNDA, "decisionRef")):
            called = etree.SubElement(_extensions(rule), _q(SPIFF, "calledDecisionId"), nsmap=_NSMAP)
            called.text = rule.get(_q(CAMUNDA, "decisionRef"))
    return etree.tostring(root, encoding="unicode")


def _collection_as_bpmn(loop) -> None:
    """``camunda:collection``/``camunda:elementVariable`` as BPMN's ``loopDataInputRef``/``inputDataItem``
    (in the order the BPMN schema wants them)."""
    collection = re.sub(r"^[$#]\{\s*(\w+)\s*\}$", r"\1", (loop.get(_q(CAMUNDA, "collection")) or "").strip())
    if not collection or loop.find(_q(BPMN, "loopDataInputRef")) is not None \
            or loop.find(_q(BPMN, "loopCardinality")) is not None:
        return  # with a cardinality, BPMN allows no input collection
    ref = etree.Element(_q(BPMN, "loopDataInputRef"))
    ref.text = collection
    loop.insert(0, ref)
    element = loop.get(_q(CAMUNDA, "elementVariable"))
    if element and loop.find(_q(BPMN, "inputDataItem")) is None:
        output = loop.find(_q(BPMN, "loopDataOutputRef"))
        anchor = output if output is not None else ref
        loop.insert(loop.index(anchor) + 1, etree.Element(_q(BPMN, "inputDataItem"), id=element, name=element))


def _own_camunda_properties(element):
    ext = element.find(_q(BPMN, "extensionElements"))
    found = ext.find(_q(CAMUNDA, "properties")) if ext is not None else None
    return list(found.iterchildren(_q(CAMUNDA, "property"))) if found is not None else []


def _start_form(event, process) -> str | None:
    """The start event's form: its plain camunda:formKey, or its formData as a generated form, which
    also goes onto the start event (``formSchema``) so that it is stored with the definition."""
    form_key = event.get(_q(CAMUNDA, "formKey"))
    if form_key and not _generated_instead(event, form_key):
        return None if _form_kind(form_key) else form_key
    if event.get(_q(CAMUNDA, "formRef")):
        return None
    generated = _generated_key(event, process.get("name") or process.get("id"))
    if generated:
        _add_property(event, "formSchema", json.dumps(forms.schema_of(generated), ensure_ascii=False))
    return generated


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
    for el in root.iter(_q(BPMN, "serviceTask"), _q(BPMN, "sendTask")):
        if el.find(f"{_q(BPMN, 'extensionElements')}/{_q(CAMUNDA, 'connector')}") is not None:
            problems.append(Problem(file, "camunda:connector (konektor HTTP/SOAP Camunda) tidak didukung; gunakan "
                                    "layanan yang terdaftar (spiffworkflow:serviceTaskOperator)", el.sourceline,
                                    el.get("id")))
    for listener in root.iter(_q(CAMUNDA, "executionListener"), _q(CAMUNDA, "taskListener")):
        owner = listener.getparent().getparent()
        kind = etree.QName(listener).localname
        java = [a for a in ("class", "expression", "delegateExpression") if listener.get(a)]
        problems.append(Problem(
            file, f"camunda:{kind} ({'kode Java: ' + java[0] if java else 'skrip'}) tidak dijalankan oleh mesin ini; "
            "pindahkan logikanya ke tugas skrip Python atau layanan terdaftar", listener.sourceline, owner.get("id"),
            "error" if java else "warning"))
    for script in root.iter(_q(BPMN, "scriptTask")):
        language = (script.get("scriptFormat") or "python").lower()
        if language not in ("python", "py", "text/x-python"):
            problems.append(Problem(file, f"skrip berbahasa '{language}' tidak didukung; tulis skrip Python",
                                    script.sourceline, script.get("id")))
    for el in root.iter(_q(BPMN, "userTask"), _q(BPMN, "startEvent")):
        form_key, form_ref = el.get(_q(CAMUNDA, "formKey")), el.get(_q(CAMUNDA, "formRef"))
        kind = "camunda-forms" if form_ref else _form_kind(form_key)
        if kind:
            problems.append(Problem(
                file, f"{UNSUPPORTED_FORMS[kind]} '{form_ref or form_key}' tidak didukung oleh mesin ini; ganti dengan "
                "formulir yang dibangkitkan (camunda:formData, tab 'Forms' jenis 'Generated Task Form') atau dengan "
                "formulir JSON Schema di bpmn/forms/ yang namanya disebut di camunda:formKey; tanpa formulir, tugas "
                "memakai formulir 'konfirmasi'", el.sourceline, el.get("id")))
        elif _generated_instead(el, form_key):
            problems.append(Problem(file, f"camunda:formKey '{form_key}' bukan formulir di bpmn/forms/; dipakai "
                                    "formulir yang dibangkitkan dari camunda:formData", el.sourceline, el.get("id"),
                                    "warning"))
        elif form_key and _form_data(el) is not None:
            problems.append(Problem(file, f"camunda:formData diabaikan karena camunda:formKey '{form_key}' disebut",
                                    el.sourceline, el.get("id"), "warning"))
        form_data = None if (form_key and not _generated_instead(el, form_key)) or form_ref else _form_data(el)
        if form_data is not None:
            _schema, dropped = form_schema(form_data, "")
            problems += [Problem(file, f"formulir camunda:formData: {d}", form_data.sourceline, el.get("id"), "warning")
                         for d in dropped]
    for el in root.iter():
        ignored = [a for a in ("dueDate", "followUpDate") if isinstance(el.tag, str) and el.get(_q(CAMUNDA, a))]
        for attr in ignored:
            problems.append(Problem(file, f"camunda:{attr} diabaikan; tulis tenggat tugas sebagai properti 'tenggat' "
                                    "(ekspresi Python)", el.sourceline, el.get("id"), "warning"))
    for mapping in root.iter(_q(CAMUNDA, "inputOutput"), _q(CAMUNDA, "in"), _q(CAMUNDA, "out")):
        owner = mapping.getparent().getparent()
        problems.append(Problem(file, f"camunda:{etree.QName(mapping).localname} (pemetaan variabel) diabaikan: "
                                "semua data proses terlihat oleh langkah berikutnya; salin nilai dengan tugas skrip "
                                "bila perlu", mapping.sourceline, owner.get("id"), "warning"))
    initiators = _initiators(root)
    for task in root.iter(_q(BPMN, "userTask")):
        _mapped, unknown = _task_pelaksana(task, initiators)
        for attr, value in unknown:
            problems.append(Problem(
                file, f"tugas {_label(task)}: camunda:{attr} '{value}' bukan NIP (18 angka), peran yang dikenal "
                f"({', '.join(sorted(ROLE_VALUES))}) atau ${{initiator}} (pemulai); ganti nilainya, atau hapus "
                "atribut itu agar tugas dikerjakan pelaksana lane-nya (di luar lane: pemulai)",
                task.sourceline, task.get("id")))
    for process in root.iter(_q(BPMN, "process")):
        _mapped, unknown = _starters(process)
        for attr, value in unknown:
            problems.append(Problem(
                file, f"proses {_label(process)}: camunda:{attr} '{value}' bukan NIP (18 angka), peran yang dikenal "
                "(admin_kinerja, verifikator, operator), jpt atau semua; ganti nilainya",
                process.sourceline, process.get("id")))
    return problems
