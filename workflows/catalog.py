"""What a deployed process says about itself: who may start it, its start form, who acts in its lanes.

Read from the stored XML of a definition (``definition.sources``), not from the parsed spec:
SpiffWorkflow keeps the properties of tasks but drops those of processes and lanes. Declared as
``spiffworkflow:property`` elements (platform contract §2 and §3)::

    <bpmn:process id="permohonan_perubahan_skp" isExecutable="true">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="pemulai" value="semua" />
        <spiffworkflow:property name="form_mulai" value="permohonan-perubahan-skp" />
        <spiffworkflow:property name="pelaksana_bawaan" value="pemulai" />
      ...
      <bpmn:lane id="Lane_Penilai" name="Pejabat penilai">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="pelaksana" value="pejabat_penilai" />

``form_mulai`` may also sit on the process's (none) start event. Results are cached per definition id
(a stored version never changes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import re

from lxml import etree

from . import camunda
from .forms import form_exists, schema_error
from .lanes import NIP, LaneUnresolved, alternatives_of, expression_problem
from .validation import CAMUNDA, Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
PROCESS_PROPERTIES = ("pemulai", "form_mulai", "pelaksana_bawaan", "menahan_rollback_skp")
DEFAULT_PELAKSANA = "pemulai"


@dataclass
class ProcessInfo:
    """One process of a set of sources: its own properties and the ``pelaksana`` of its lanes."""

    process_id: str
    name: str
    properties: dict = field(default_factory=dict)
    lanes: dict = field(default_factory=dict)  # {lane name: pelaksana expression} (lanes that declare one)
    lines: dict = field(default_factory=dict)  # {"process" | lane name: (line, element id)} for messages
    file: str = ""
    timer_start: bool = False  # started by a timer: no starter and no pegawai in the start data
    lane_names: list = field(default_factory=list)  # every lane, declared or read by name


def _q(tag: str, ns: str = BPMN) -> str:
    return f"{{{ns}}}{tag}"


def properties_of(element) -> dict:
    """The ``spiffworkflow:property`` values directly under an element's extensionElements."""
    found = {}
    for ext in element.iterchildren(_q("extensionElements")):
        for group in ext.iterchildren(_q("properties", SPIFF)):
            for prop in group.iterchildren(_q("property", SPIFF)):
                if prop.get("name"):
                    found[prop.get("name")] = (prop.get("value") or "").strip()
    return found


def read_sources(sources: dict[str, str]) -> dict[str, ProcessInfo]:
    """{process id: ProcessInfo} of every process in the BPMN files of ``sources``."""
    found: dict[str, ProcessInfo] = {}
    for name, text in sources.items():
        if not name.endswith(".bpmn"):
            continue
        if CAMUNDA in text:  # read as it was parsed: Camunda's extensions as ours
            text = camunda.to_spiff(text)
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            continue
        for process in root.iter(_q("process")):
            props = {k: v for k, v in properties_of(process).items() if k in PROCESS_PROPERTIES}
            for start in process.iterchildren(_q("startEvent")):
                form = properties_of(start).get("form_mulai")
                if form and "form_mulai" not in props:
                    props["form_mulai"] = form
            info = ProcessInfo(process.get("id"), process.get("name") or process.get("id"), props,
                               lines={"process": (process.sourceline, process.get("id"))}, file=name)
            info.timer_start = any(list(start.iterchildren(_q("timerEventDefinition")))
                                   for start in process.iterchildren(_q("startEvent")))
            for lane in process.iter(_q("lane")):
                info.lane_names.append(lane.get("name") or lane.get("id"))
                info.lines.setdefault(lane.get("name") or lane.get("id"), (lane.sourceline, lane.get("id")))
                expression = properties_of(lane).get("pelaksana")
                if expression:
                    info.lanes[lane.get("name") or lane.get("id")] = expression
            found[info.process_id] = info
    return found


_CACHE: dict[tuple[int, str], dict[str, ProcessInfo]] = {}


def _info(definition) -> dict[str, ProcessInfo]:
    key = (definition.id, definition.content_hash)
    if key not in _CACHE:
        _CACHE[key] = read_sources(definition.sources or {})
    return _CACHE[key]


def process_properties(definition) -> dict:
    """``pemulai``, ``form_mulai``, ``pelaksana_bawaan`` of the definition's process (those it declares)."""
    info = _info(definition).get(definition.process_id)
    return dict(info.properties) if info else {}


def lane_pelaksana(definition) -> dict[str, str]:
    """{lane name: pelaksana expression} over every process of the definition (called ones included)."""
    out: dict[str, str] = {}
    for info in _info(definition).values():
        for lane, expression in info.lanes.items():
            out.setdefault(lane, expression)
    return out


def default_pelaksana(definition) -> str:
    return process_properties(definition).get("pelaksana_bawaan") or DEFAULT_PELAKSANA


def startable_by_people(definition) -> bool:
    """Whether people may start the process at all (no ``pemulai``: only the system starts it)."""
    return bool(process_properties(definition).get("pemulai"))


_ROLE = re.compile(r"[a-z_]{2,32}")


def starters(expression: str) -> list[tuple[str, str]]:
    """``pemulai`` as [(kind, argument)]: ("semua", ""), ("jpt", ""), ("peran", role), ("nip", nip)."""
    out = []
    for raw in (expression or "").split("|"):
        text = raw.strip()
        kind, _, argument = text.partition(":")
        if (kind in ("semua", "jpt") and not argument) or (kind == "peran" and _ROLE.fullmatch(argument)) \
                or (kind == "nip" and NIP.fullmatch(argument)):
            out.append((kind, argument))
        else:
            raise ValueError(f"'{text}' bukan nilai pemulai (semua, jpt, peran:<peran>, nip:<18 digit>)")
    return out


def check(sources: dict[str, str]) -> list[Problem]:
    """Errors in the process and lane properties: an unknown relation names its lane, a bad ``pemulai``
    or ``pelaksana_bawaan`` names the process, a missing start form names its key."""
    problems = []
    for info in read_sources(sources).values():
        line, element = info.lines["process"]
        props = info.properties
        if props.get("pemulai") is not None:
            try:
                starters(props["pemulai"])
            except ValueError as exc:
                problems.append(Problem(info.file, f"proses '{info.name}': {exc}", line, element))
        if props.get("pelaksana_bawaan") is not None and expression_problem(props["pelaksana_bawaan"]):
            problems.append(Problem(info.file, f"proses '{info.name}': pelaksana_bawaan ditolak: "
                                    f"{expression_problem(props['pelaksana_bawaan'])}", line, element))
        form = props.get("form_mulai")
        if form is not None and not form_exists(form):
            problems.append(Problem(info.file, f"proses '{info.name}': formulir mulai '{form}' tidak ada", line, element))
        elif form is not None and schema_error(form):
            problems.append(Problem(info.file, schema_error(form), line, element))
        if info.timer_start:
            problems += _timer_start_warnings(info)
        for lane, expression in info.lanes.items():
            problem = expression_problem(expression)
            if problem:
                lane_line, lane_id = info.lines[lane]
                problems.append(Problem(info.file, f"lane '{lane}': pelaksana '{expression}' ditolak: {problem}",
                                        lane_line, lane_id))
    return problems


def _needs_a_person(alternatives) -> bool:
    return all(not (a.relation == "nip" and NIP.fullmatch(a.argument or "")) for a in alternatives)


def _timer_start_warnings(info: ProcessInfo) -> list[Problem]:
    """A timer-started process has no starter nor pegawai: lanes relative to them find nobody at run time."""
    out = []
    for lane in info.lane_names:
        try:
            alternatives = alternatives_of(lane, info.lanes.get(lane))
        except LaneUnresolved:
            continue  # an unknown lane is an error reported elsewhere
        if _needs_a_person(alternatives):
            line, element = info.lines[lane]
            out.append(Problem(info.file, f"proses '{info.name}' dimulai oleh timer tanpa pemulai maupun pegawai: "
                                          f"lane '{lane}' tidak akan menemukan pelaksana dan instance akan berstatus "
                                          "error; isi pegawai_id/instansi_id lewat skrip atau pakai nip:<NIP>",
                               line, element, "warning"))
    return out
