"""Process definitions: BPMN/DMN files parsed, validated and stored once per version.

A version is identified by the SHA-256 of the sources it was built from; deploying the
same sources again (for the same instansi) creates nothing. Running instances keep the version
they started on; new instances take the newest of their instansi, else the newest national
default (``instansi_id`` None, shipped in ``bpmn/``). Parsed specs are cached in-process per version.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from . import camunda, catalog, clock, forms, task_defaults
from .forms import FORMS_PREFIX, form_exists, schema_error, schema_path
from .lanes import expression_problem, known_lane, lane_roles, relations
from .models import ProcessDefinition
from .scripting import ScriptRejected, compile_expression, compile_script, service_call_problem
from .state import SERIALIZER
from .validation import CAMUNDA, JUEL_OR_FEEL, Problem, check_xml, locate

CAMUNDA_8_NS = "http://camunda.org/schema/zeebe/1.0"
__all__ = ["Problem", "DefinitionInvalid", "DeployRefused", "Parsed", "Scope", "check_sources", "parse_sources",
           "scope_of", "deploy", "instansi_of", "latest", "in_scope", "visible_to", "specs_of",
           "with_called_processes", "check_with_called"]
# ids a modeler generates (bpmn-js: Process_0abc123, Camunda/Signavio: Process_1); two owners' would overwrite
GENERATED_ID = re.compile(r"^(Process|Definitions)_[0-9a-z]{1,8}$")


class DeployRefused(Exception):
    """The files define more than the owner chose (an existing process) or a process with a generated id."""


class DefinitionInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Parsed:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.sources):
            h.update(name.encode() + b"\0" + self.sources[name].encode() + b"\0")
        return h.hexdigest()


def _references(item: Parsed) -> tuple[set[str], set[str]]:
    """The processes (call activities) and DMN decisions a parsed process references, transitively."""
    decisions = set()
    for spec in (item.spec, *item.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            ref = (getattr(task_spec, "extensions", None) or {}).get("calledDecisionId")
            if getattr(task_spec, "dmnEngine", None) is not None and ref:
                decisions.add(ref)
    return set(item.subprocess_specs), decisions


@dataclass
class Scope:
    """What deploying the chosen processes stores: them and what they reference, and nothing else."""
    processes: list[Parsed]
    decisions: dict[str, str]  # decision id -> DMN file name
    ignored: list[str]  # new processes in the files that were not chosen: not deployed
    conflicts: list[str]  # existing processes in the files that were neither chosen, referenced nor included
    generated: list[str]  # chosen or referenced processes whose id a modeler generated

    def refusal(self) -> str | None:
        if self.conflicts:
            names = ", ".join(f"'{c}'" for c in self.conflicts)
            return (f"Berkas ini juga memuat proses {names} yang sudah dipasang; sertakan secara eksplisit "
                    f"(sertakan=[...]) atau hapus dari berkas")
        if self.generated:
            names = ", ".join(f"'{c}'" for c in self.generated)
            return (f"Id proses {names} dibuat otomatis oleh modeler; beri proses id yang bermakna "
                    f"(mis. permohonan_cuti), karena 'Process_1' milik dua pemilik proses akan saling menimpa")
        return None


def scope_of(session: Session, parsed: list[Parsed], chosen, include=(), instansi_id: int | None = None) -> Scope:
    """The chosen (and explicitly included) processes with the called processes and decisions they reference;
    ``conflicts`` are the other processes in the files that the instansi runs (its own or the national default)."""
    by_id = {p.process_id: p for p in parsed}
    wanted, decisions, todo = set(), set(), [*chosen, *include]
    while todo:
        process_id = todo.pop()
        if process_id in wanted or process_id not in by_id:
            continue
        wanted.add(process_id)
        calls, refs = _references(by_id[process_id])
        todo.extend(calls)
        decisions |= refs
    rest = sorted(set(by_id) - wanted)
    existing = set(session.scalars(select(ProcessDefinition.process_id).distinct()
                                   .where(ProcessDefinition.process_id.in_(rest), visible_to(instansi_id))
                                   )) if rest else set()
    files = {}
    for item in parsed:
        for name, text in item.sources.items():
            for decision in decisions:
                if name.endswith(".dmn") and f'id="{decision}"' in text:
                    files.setdefault(decision, name)
    return Scope(processes=[by_id[p] for p in sorted(wanted)], decisions=dict(sorted(files.items())),
                 ignored=[p for p in rest if p not in existing], conflicts=[p for p in rest if p in existing],
                 generated=sorted(p for p in wanted if GENERATED_ID.match(p)))


def _user_task_form(task_spec) -> str | None:
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    return props.get("formKey")


def form_files(spec, subs: dict) -> dict[str, str]:
    """The JSON Schema files (``forms/<key>.schema.json``) the user tasks of a process use, as they are now
    under ``bpmn/forms/``: stored with the version (and in its content hash), so that a version keeps its
    forms and a changed form is a new version."""
    found = {}
    for one in (spec, *subs.values()):
        for task_spec in one.task_specs.values():
            key = _user_task_form(task_spec) if getattr(task_spec, "manual", False) else None
            if key and form_exists(key):
                path = schema_path(key)  # a generated form (Camunda formData) has no file: its schema is stored
                found[f"{FORMS_PREFIX}{key}.schema.json"] = (
                    path.read_text(encoding="utf-8") if path.exists()
                    else json.dumps(forms.schema_of(key), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return dict(sorted(found.items()))


def _compiles(compile_fn, source: str, what: str, file: str, bpmn_id: str, problems: list[Problem]) -> None:
    try:
        compile_fn(source)
    except (ScriptRejected, SyntaxError) as exc:
        problems.append(Problem(file, f"{what}: {exc}", element=bpmn_id))


def _check_spec(file: str, spec, problems: list[Problem], declared: frozenset = frozenset()) -> None:
    """Our own rules on top of SpiffWorkflow's: lanes, forms, scripts, conditions.

    ``declared``: the lanes that declare a ``pelaksana`` (their expressions are checked by ``catalog.check``); a user task
    outside any lane is done by the process's ``pelaksana_bawaan`` (default: the starter)."""
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        if getattr(task_spec, "manual", False):
            pelaksana = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get("pelaksana")
            if pelaksana:  # a task-level pelaksana (or the process's default written by task_defaults) wins
                problem = expression_problem(pelaksana)
                if problem:
                    problems.append(Problem(file, f"pelaksana tugas '{pelaksana}' ditolak: {problem}", element=bpmn_id))
                elif len(pelaksana) > 128:  # HumanTask.lane keeps it for rerouting
                    problems.append(Problem(file, f"pelaksana '{pelaksana[:40]}…' lebih dari 128 karakter; sebut peran "
                                                  "atau lane, bukan daftar panjang NIP", element=bpmn_id))
            elif task_spec.lane and task_spec.lane not in declared and not known_lane(task_spec.lane):
                problems.append(Problem(file, f"lane '{task_spec.lane}' bukan peran yang dikenal "
                                              f"(peran: {', '.join(lane_roles())}); beri lane properti 'pelaksana' "
                                              f"(relasi: {', '.join(relations())})", element=bpmn_id))
            form = _user_task_form(task_spec)
            if not form:
                problems.append(Problem(file, "user task tidak menyebut formKey", element=bpmn_id))
            elif not form_exists(form):
                problems.append(Problem(file, f"formulir '{form}' tidak ada", element=bpmn_id))
            elif schema_error(form):
                problems.append(Problem(file, schema_error(form), element=bpmn_id))
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
            for prop in ("judul", "tenggat"):
                if props.get(prop):
                    _compiles(compile_expression, props[prop], f"ekspresi {prop} '{props[prop]}' ditolak",
                              file, bpmn_id, problems)
        if isinstance(task_spec, ScriptTask):
            _compiles(compile_script, task_spec.script or "", "skrip ditolak", file, bpmn_id, problems)
        timer = getattr(task_spec, "event_definition", None)
        if isinstance(timer, TimerEventDefinition):
            _compiles(compile_expression, timer.expression or "", f"ekspresi timer '{timer.expression}' ditolak",
                      file, bpmn_id, problems)
        if isinstance(task_spec, ServiceTask) and hasattr(task_spec, "operation_name"):
            problem = service_call_problem(task_spec.operation_name, getattr(task_spec, "operation_params", None) or {})
            if problem:
                label = getattr(task_spec, "bpmn_name", None) or bpmn_id
                problems.append(Problem(file, f"tugas layanan '{label}': {problem}", element=bpmn_id))
        if isinstance(task_spec, ExclusiveGateway):
            for condition, _target in getattr(task_spec, "cond_task_specs", []):
                expression = getattr(condition, "args", [condition])[0] if condition is not None else None
                if not isinstance(expression, str) or expression.strip().startswith(JUEL_OR_FEEL):
                    continue  # JUEL/FEEL: check_xml names it with what to write instead
                _compiles(compile_expression, expression, f"kondisi '{expression}' ditolak", file, bpmn_id, problems)


def _problem_of(exc: ValidationException, file: str) -> Problem:
    message = str(exc).split("\n")[0]
    tag = getattr(exc, "tag", "")
    if tag and "no support implemented" in message:
        message = f"elemen {tag} {('(' + exc.name + ') ') if exc.name else ''}tidak didukung oleh mesin proses"
    elif "Multiple outgoing flows are not supported" in message:
        message = "tugas dengan lebih dari satu alur keluar tidak didukung; gunakan gateway"
    elif "not found. Did you mean" in message:
        message = f"proses tidak ditemukan: {message}"
    return Problem(Path(exc.file_name).name if exc.file_name else file, message, line=exc.line_number or None,
                   element=getattr(exc, "id", None) or None)


def _has_decision(text: str) -> bool:
    """Whether a DMN file holds a decision (the parser indexes the first one and fails without it)."""
    root = etree.fromstring(text.encode())
    return any(isinstance(el.tag, str) and etree.QName(el).localname == "decision" for el in root)


def check_sources(sources: dict[str, str]) -> tuple[list[Parsed], list[Problem]]:
    """Parse and check BPMN/DMN sources {file name: XML}: the parsed processes and every error and warning."""
    problems: list[Problem] = []
    bpmn_files = {n: s for n, s in sources.items() if n.endswith(".bpmn")}
    dmn_files = {n: s for n, s in sources.items() if n.endswith(".dmn")}
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name in sorted(n for n in set(sources) - set(bpmn_files) - set(dmn_files)
                       if not n.startswith(("uji/", FORMS_PREFIX))):  # forms: read from bpmn/forms/ below
        problems.append(Problem(name, "hanya file .bpmn dan .dmn yang dapat dipasang"))
    for name, text in {**dmn_files, **bpmn_files}.items():
        if CAMUNDA_8_NS in text:
            problems.append(Problem(name, "diagram Camunda 8 (Zeebe) tidak didukung; simpan sebagai Camunda 7 "
                                          "(Camunda Platform 7) atau gunakan modeler e-Kinerja",
                                    line=text[:text.index(CAMUNDA_8_NS)].count("\n") + 1))
            continue
        try:
            if name.endswith(".dmn"):
                if not _has_decision(text):
                    problems.append(Problem(name, "file DMN tidak memuat keputusan (elemen <decision>)"))
                    continue
                parser.add_dmn_str(text.encode(), filename=name)
            elif CAMUNDA in text:  # Camunda Modeler 7: its extensions read as ours, the source kept as it is
                problems.extend(camunda.unsupported(name, text))
                parser.add_bpmn_str(camunda.to_spiff(text).encode(), filename=name)
            else:
                parser.add_bpmn_str(text.encode(), filename=name)
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(name, f"XML tidak valid: {exc.msg}", line=exc.lineno))
        except ValidationException as exc:
            problems.append(_problem_of(exc, name))
    for decision_id, dmn_parser in getattr(parser, "dmn_parsers", {}).items():
        try:
            dmn_parser.parse()
        except Exception as exc:  # noqa: BLE001 - any parse failure of a table is reported at it
            problems.append(Problem(Path(dmn_parser.filename or "?").name,
                                    f"tabel keputusan '{decision_id}' tidak dapat dibaca: {exc}", element=decision_id))
    if any(p.severity == "error" for p in problems):
        return [], locate(problems, sources)
    if not bpmn_files:
        problems.append(Problem("-", "tidak ada file .bpmn"))
    parsed = []
    declared = frozenset(lane for info in catalog.read_sources(bpmn_files).values() for lane in info.lanes)
    for process_id in parser.get_process_ids():
        process_parser = parser.get_process_parser(process_id)
        file = Path(process_parser.filename or "?").name
        try:
            spec = parser.get_spec(process_id)
            subs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            if "is not executable" in str(exc):
                continue
            problems.append(_problem_of(exc, file))
            continue
        process_props = task_defaults.process_properties(process_parser.node)
        task_defaults.apply(spec, process_props)
        _check_spec(file, spec, problems, declared)
        for sub_id, sub in subs.items():
            task_defaults.apply(sub, _process_node_properties(parser, sub_id) or process_props)
            _check_spec(file, sub, problems, declared)
        used = {file: bpmn_files.get(file, "")}
        for sub_id in subs:
            sub_file = Path(parser.get_process_parser(sub_id).filename or "?").name
            used[sub_file] = bpmn_files.get(sub_file, "")
        used.update(dmn_files)
        used.update(form_files(spec, subs))
        parsed.append(Parsed(process_id, spec.description or process_id, spec, subs, used))
    problems += check_xml(sources) + catalog.check(bpmn_files)
    if bpmn_files and not parsed and not any(p.severity == "error" for p in problems):
        problems.append(Problem(sorted(bpmn_files)[0], "tidak ada proses yang dapat dijalankan "
                                                       "(semua bertanda isExecutable=\"false\")"))
    return parsed, locate(problems, sources)


def _process_node_properties(parser, process_id: str) -> dict[str, str]:
    try:
        return task_defaults.process_properties(parser.get_process_parser(process_id).node)
    except Exception:  # noqa: BLE001 - an embedded subprocess has no process parser: the caller's apply
        return {}


def parse_sources(sources: dict[str, str]) -> list[Parsed]:
    """Parse and validate BPMN/DMN sources {file name: XML}; raise DefinitionInvalid listing every error."""
    parsed, problems = check_sources(sources)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DefinitionInvalid(errors)
    return parsed


def read_dir(bpmn_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(bpmn_dir.glob("*")) if p.suffix in (".bpmn", ".dmn")}


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _defined_and_called(sources: dict[str, str]) -> tuple[set[str], set[str]]:
    """The process ids the BPMN sources define, and those their call activities name."""
    defined, called = set(), set()
    for name, text in sources.items():
        if not name.endswith(".bpmn"):
            continue
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            continue  # reported by check_sources
        defined |= {el.get("id") for el in root.iter(f"{{{BPMN_NS}}}process") if el.get("id")}
        called |= {el.get("calledElement") for el in root.iter(f"{{{BPMN_NS}}}callActivity")
                   if el.get("calledElement")}
    return defined, called


def with_called_processes(session: Session, sources: dict[str, str],
                          instansi_id: int | None = None) -> tuple[dict[str, str], set[str]]:
    """The sources plus the stored files of the newest deployed version of every process their call
    activities name but they do not define (transitively: a deployed version carries its own called
    processes), and the ids of the processes brought in that way.

    A caller's version thus embeds the called process as it was deployed; deploying the caller again
    after the called process changed makes a new caller version that runs the new one."""
    sources = dict(sources)
    defined, called = _defined_and_called(sources)
    brought: set[str] = set()
    for process_id in sorted(called - defined):
        definition = latest(session, process_id, instansi_id)
        if definition is None:
            continue  # check_sources reports the missing process
        for name, text in definition.sources.items():
            sources.setdefault(name, text)  # a sent file of the same name wins (and must then define it)
        brought |= _defined_and_called({n: t for n, t in definition.sources.items()})[0] - defined
    return sources, brought


def check_with_called(session: Session, sources: dict[str, str],
                      instansi_id: int | None = None) -> tuple[list[Parsed], list[Problem]]:
    """``check_sources`` with called processes that are deployed separately resolved from the database;
    the processes brought in that way are not in the result (they keep their own versions)."""
    full, brought = with_called_processes(session, sources, instansi_id)
    parsed, problems = check_sources(full)
    return [p for p in parsed if p.process_id not in brought], problems


def deploy(session: Session, sources: dict[str, str], comment: str = "", author_id: int | None = None,
           chosen=None, include=(), instansi_id: int | None = None) -> list[ProcessDefinition]:
    """Store a new version of each chosen process (all when ``chosen`` is None, as for the shipped ``bpmn/``)
    and of the processes they call, where the sources changed; return the newest versions.

    ``instansi_id`` None stores the national default (what ``bpmn/`` ships); an instansi's versions are its
    own: its instances take them, other instansi keep theirs or the default. Version numbers count per
    process over every instansi (the next number after the highest anywhere), so "v7" names one version.

    Raise DeployRefused when the sources define an existing process that is neither chosen, called nor
    in ``include``, or when a process to deploy has an id a modeler generated."""
    full, brought = with_called_processes(session, sources, instansi_id)
    parsed = [p for p in parse_sources(full) if p.process_id not in brought]
    scope = scope_of(session, parsed, [p.process_id for p in parsed] if chosen is None else chosen, include,
                     instansi_id)
    if scope.refusal():
        raise DeployRefused(scope.refusal())
    newest = []
    for item in scope.processes:
        existing = session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.process_id == item.process_id, ProcessDefinition.content_hash == item.content_hash,
            in_scope(instansi_id)))
        if existing is None:
            version = (session.scalar(select(func.max(ProcessDefinition.version))
                                      .where(ProcessDefinition.process_id == item.process_id)) or 0) + 1
            existing = ProcessDefinition(
                process_id=item.process_id, version=version, name=item.name, content_hash=item.content_hash,
                sources=item.sources, spec_json=_spec_json(item), serializer_version=SERIALIZER.VERSION,
                created_at=clock.now(), comment=comment, author_id=author_id, instansi_id=instansi_id)
            session.add(existing)
            session.flush()
        newest.append(existing)
    return newest


def _spec_json(item: Parsed) -> str:
    return json.dumps({
        "spec": SERIALIZER.to_dict(item.spec),
        "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in item.subprocess_specs.items()},
    }, cls=SERIALIZER._encoder_cls)


def in_scope(instansi_id: int | None):
    """The versions of exactly one scope: an instansi's own, or (None) the national default."""
    return ProcessDefinition.instansi_id.is_(None) if instansi_id is None \
        else ProcessDefinition.instansi_id == instansi_id


def visible_to(instansi_id: int | None):
    """The versions an instansi may run: its own and the national default (None: the default only)."""
    return ProcessDefinition.instansi_id.is_(None) if instansi_id is None \
        else or_(ProcessDefinition.instansi_id.is_(None), ProcessDefinition.instansi_id == instansi_id)


def instansi_of(data) -> int | None:
    """The instansi start data names itself (``instansi_id``), when no subject pegawai says it."""
    value = data.get("instansi_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def latest(session: Session, process_id: str, instansi_id: int | None = None) -> ProcessDefinition | None:
    """The version new instances of ``instansi_id`` take: the newest of that instansi, else the newest
    national default (``instansi_id`` None: the national default).

    The id first, then the row kept by the session (a stored version never changes): a session that starts
    many instances (opening a period) reads the large spec_json once, not once per instance."""
    query = select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id)
    newest = None
    if instansi_id is not None:
        newest = session.scalar(query.where(ProcessDefinition.instansi_id == instansi_id)
                                .order_by(ProcessDefinition.version.desc()).limit(1))
    if newest is None:
        newest = session.scalar(query.where(ProcessDefinition.instansi_id.is_(None))
                                .order_by(ProcessDefinition.version.desc()).limit(1))
    if newest is None:
        return None
    kept = session.info.setdefault("ekinerja.definitions", {})  # the identity map alone holds rows weakly
    if newest not in kept or inspect(kept[newest]).session is not session:  # closed or expunged meanwhile
        kept[newest] = session.get(ProcessDefinition, newest)
    return kept[newest]


_SPEC_CACHE: dict[tuple[int, str], tuple[object, dict]] = {}


def specs_of(definition: ProcessDefinition) -> tuple[object, dict]:
    """The parsed spec and subprocess specs of a stored version (cached; specs are read-only at run time)."""
    key = (definition.id, definition.content_hash)
    if key not in _SPEC_CACHE:
        data = json.loads(definition.spec_json)
        spec = SERIALIZER.from_dict(copy.deepcopy(data["spec"]))
        subs = {k: SERIALIZER.from_dict(copy.deepcopy(v)) for k, v in data["subprocess_specs"].items()}
        _SPEC_CACHE[key] = (spec, subs)
        for item in (spec, *subs.values()):
            register_generated_forms(item)
    return _SPEC_CACHE[key]


def register_generated_forms(spec) -> dict[str, dict]:
    """Make the forms generated from a diagram (``camunda:formData``, kept in the deployed spec as the
    ``formSchema`` property of its tasks and start events) known to ``workflows.forms``; {key: schema}."""
    found = {}
    for task_spec in spec.task_specs.values():
        props = (getattr(task_spec, "extensions", None) or {}).get("properties") or {}
        if props.get("formSchema"):
            schema = json.loads(props["formSchema"])
            found[forms.register_generated(schema)] = schema
    return found


def generated_form_loader(sessionmaker):
    """``forms.set_generated_loader`` for a process that has not loaded the definition holding a generated
    form (a task page right after a restart): it finds the version whose spec names the key."""
    def load(key: str) -> dict | None:
        with sessionmaker() as session:
            definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.spec_json.contains(key))
                                        .order_by(ProcessDefinition.id.desc()).limit(1))
            if definition is None:
                return None
            spec, subs = specs_of(definition)
        for item in (spec, *subs.values()):
            schema = register_generated_forms(item).get(key)
            if schema is not None:
                return schema
        return None
    return load
