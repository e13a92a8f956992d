"""The process owners' workbench: drafts, validation, process tests and deploying a new version.

Versions belong to an instansi or (``instansi_id`` None) are the national default shipped in
``bpmn/``. A ``process_owner`` sees the national default and his own instansi's versions, and
saves drafts and deploys for his own instansi only; a ``superadmin`` sees every instansi's
versions and deploys the national default or for any instansi (``View``). A deploy needs a
comment, refuses a definition with errors (warnings pass), refuses sources that are the same
as the version the instansi runs, and records who, when, why and for which instansi on the new
``process_definition`` row. Running instances keep the version they started on; new instances
take the newest of their instansi, else the national default (``definitions.latest``).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed

from . import clock, forms
from .definitions import (DeployRefused, Scope, check_sources, check_with_called, deploy, in_scope, latest,
                          scope_of, visible_to)
from .validation import Problem
from .models import DefinitionDraft, Instance, ProcessDefinition
from .scenarios import check_scenario, run_files, scenario_files

log = logging.getLogger("ekinerja.workbench")
OWNER = "process_owner"
SUPERADMIN = "superadmin"
READERS = ("process_owner", "superadmin")
MAX_FILE_CHARS = 2_000_000
NATIONAL = 0  # ``instansi_id=0`` in a request: the national default


@dataclass(frozen=True)
class View:
    """Which versions a workbench user looks at or deploys: those ``instansi_id`` runs (its own and the
    national default; None: the national default only), or every instansi's (a superadmin's overview)."""

    instansi_id: int | None
    every: bool = False

    def condition(self):
        return true() if self.every else visible_to(self.instansi_id)


def may_read(actor) -> bool:
    return actor.has(*READERS)


def require_reader(actor) -> None:
    if not may_read(actor):
        raise Forbidden("Hanya pemilik proses (atau superadmin) yang dapat membuka meja kerja proses")


def require_owner(actor) -> None:
    if not actor.has(OWNER, SUPERADMIN):
        raise Forbidden("Hanya pemilik proses (atau superadmin) yang dapat mengubah dan memasang definisi proses")


def view_of(actor, requested: int | None = None, write: bool = False) -> View:
    """The scope of a workbench request. ``requested``: the ``instansi_id`` asked for (None: not asked,
    ``NATIONAL``: the national default). A process owner works in his own instansi only (another is a 403);
    a superadmin works where he asks, and without asking deploys the national default and sees every instansi."""
    (require_owner if write else require_reader)(actor)
    if actor.has(SUPERADMIN):
        if requested is None:
            return View(None, every=not write)
        return View(None if requested == NATIONAL else requested)
    own = actor.pegawai.instansi_id
    if requested is not None and requested != own:
        raise Forbidden("Pemilik proses hanya melihat dan memasang versi untuk instansinya sendiri")
    return View(own)


def check_files(files) -> dict[str, str]:
    """The ``files`` of a request: {name: text}, .bpmn/.dmn plus scenario files ``uji/<name>.json``."""
    if not isinstance(files, dict) or not files:
        raise ValidationFailed({"files": "wajib diisi: objek {nama file: isi}"})
    fields = {}
    for name, text in files.items():
        if not isinstance(text, str):
            fields[f"files.{name}"] = "isi file harus berupa teks"
        elif len(text) > MAX_FILE_CHARS:
            fields[f"files.{name}"] = f"maksimal {MAX_FILE_CHARS} karakter"
        elif "/" in name.replace("uji/", "", 1) or not (name.endswith((".bpmn", ".dmn"))
                                                       or (name.startswith("uji/") and name.endswith(".json"))):
            fields[f"files.{name}"] = "nama file harus *.bpmn, *.dmn atau uji/*.json"
    if fields:
        raise ValidationFailed(fields)
    return dict(files)


def diagram_files(files: dict[str, str]) -> dict[str, str]:
    return {n: t for n, t in files.items() if n.endswith((".bpmn", ".dmn"))}


OPEN = Instance.status.notin_(("completed", "terminated"))


def _instances_in(view: View):
    """The instances a view counts: an instansi's own (the national view and a superadmin's: all)."""
    return Instance.instansi_id == view.instansi_id if view.instansi_id is not None and not view.every else true()


def definitions_overview(session: Session, view: View) -> list[dict]:
    """Each process the view sees: the version new instances take (``instansi_id`` None: the national
    default), how many versions, running instances, and the draft if any. A superadmin's overview of every
    instansi has one row per process and instansi that has versions of its own."""
    rows = []
    scopes = session.execute(select(ProcessDefinition.process_id, ProcessDefinition.instansi_id).distinct()
                             .where(view.condition())).all()
    if not view.every:  # one row per process: the instansi's own version, else the national default
        scopes = [(process_id, view.instansi_id) for process_id in sorted({p for p, _ in scopes})]
    drafts = {(d.process_id, d.instansi_id): d for d in session.scalars(select(DefinitionDraft))}
    for process_id, instansi_id in sorted(scopes, key=lambda s: (s[0], s[1] or 0)):
        newest = latest(session, process_id, instansi_id)  # found: the scope has versions, or its default has
        shown = View(instansi_id) if view.every else view
        count = session.scalar(select(func.count()).where(ProcessDefinition.process_id == process_id,
                                                           in_scope(instansi_id) if view.every else view.condition()))
        open_instances = session.scalar(select(func.count()).select_from(Instance).join(
            ProcessDefinition, ProcessDefinition.id == Instance.definition_id).where(
            Instance.process_id == process_id, OPEN, _instances_in(shown),
            in_scope(instansi_id) if view.every else view.condition()))
        rows.append({"process_id": process_id, "name": newest.name, "latest_version": newest.version,
                     "instansi_id": newest.instansi_id, "versions": count, "open_instances": open_instances,
                     "draft": drafts.get((process_id, instansi_id))})
    return rows


def instance_counts(session: Session, rows: list[ProcessDefinition], view: View) -> dict[int, int]:
    """{definition id: running instances} of the versions shown (an owner counts his instansi's only)."""
    ids = [r.id for r in rows]
    query = (select(Instance.definition_id, func.count()).where(Instance.definition_id.in_(ids), OPEN,
                                                                _instances_in(view))
             .group_by(Instance.definition_id))
    return dict(session.execute(query).all()) if ids else {}


def definition_of(session: Session, process_id: str, version: int | None = None,
                  view: View = View(None, every=True)) -> ProcessDefinition:
    """One version the view sees (another instansi's is "not found"), or the one the view's instansi runs."""
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id, view.condition())
    if version is not None:
        row = session.scalar(query.where(ProcessDefinition.version == version))
    else:
        row = latest(session, process_id, view.instansi_id) or session.scalar(
            query.order_by(ProcessDefinition.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"Definisi proses '{process_id}'" + (f" versi {version}" if version else "") + " tidak ada")
    return row


def versions_of(session: Session, process_id: str, view: View = View(None, every=True)) -> list[ProcessDefinition]:
    rows = list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                                                view.condition())
                                .order_by(ProcessDefinition.version.desc())))
    if not rows:
        raise NotFound(f"Definisi proses '{process_id}' tidak ada")
    return rows


def version_zip(row: ProcessDefinition) -> bytes:
    """Every file of one version as a ZIP archive."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(row.sources.items()):
            archive.writestr(name, text)
    return buffer.getvalue()


def main_file(sources: dict[str, str], process_id: str) -> str | None:
    """The BPMN file that holds the process itself."""
    return next((n for n, t in sorted(sources.items()) if n.endswith(".bpmn") and f'id="{process_id}"' in t), None)


def draft_of(session: Session, process_id: str, view: View) -> DefinitionDraft | None:
    """The draft of the view's instansi (None: of the national default)."""
    instansi = DefinitionDraft.instansi_id.is_(None) if view.instansi_id is None \
        else DefinitionDraft.instansi_id == view.instansi_id
    return session.scalar(select(DefinitionDraft).where(DefinitionDraft.process_id == process_id, instansi))


def working_files(session: Session, process_id: str, tests_dir: Path,
                  view: View = View(None)) -> tuple[dict[str, str], DefinitionDraft | None]:
    """What the modeler opens: the view's draft, else the version its instansi runs with its shipped scenarios."""
    draft = draft_of(session, process_id, view)
    if draft is not None:
        return dict(draft.files), draft
    files = {n: t for n, t in definition_of(session, process_id, view=view).sources.items()
             if not n.startswith(forms.FORMS_PREFIX)}  # a version's forms come from bpmn/forms/ at deploy
    if not any(name.startswith("uji/") for name in files):
        for name, text in scenario_files(tests_dir, process_id).items():
            files["uji/" + name.split("/", 1)[1]] = text
    return files, None


def save_draft(session: Session, actor, process_id: str, files, view: View | None = None) -> DefinitionDraft:
    view = view or view_of(actor, write=True)
    require_owner(actor)
    definition_of(session, process_id, view=view)
    files = check_files(files)
    draft = draft_of(session, process_id, view)
    if draft is None:
        draft = DefinitionDraft(process_id=process_id, files=files, author_id=actor.id, updated_at=clock.now(),
                                instansi_id=view.instansi_id)
        session.add(draft)
    draft.files, draft.author_id, draft.updated_at = files, actor.id, clock.now()
    session.flush()
    return draft


def discard_draft(session: Session, actor, process_id: str, view: View | None = None) -> None:
    view = view or view_of(actor, write=True)
    require_owner(actor)
    draft = draft_of(session, process_id, view)
    if draft is None:
        raise NotFound(f"Tidak ada draf untuk '{process_id}'")
    session.delete(draft)


def check_include(include) -> list[str]:
    """The ``sertakan`` of a request: the other existing processes in the files the owner deploys too."""
    if include is None:
        return []
    if not isinstance(include, list) or not all(isinstance(i, str) for i in include):
        raise ValidationFailed({"sertakan": "harus berupa daftar id proses"})
    return include


def scope_json(session: Session, scope: Scope, process_id: str, instansi_id: int | None = None) -> dict:
    """What a deploy for ``instansi_id`` stores: ``akan_dipasang`` (process or DMN, new version number,
    changed or not against the version that instansi runs) and ``diabaikan`` (new processes in the files
    that were not chosen)."""
    entries = []
    for item in scope.processes:
        newest = latest(session, item.process_id, instansi_id)
        changed = newest is None or newest.content_hash != item.content_hash
        highest = session.scalar(select(func.max(ProcessDefinition.version))
                                 .where(ProcessDefinition.process_id == item.process_id)) or 0
        entries.append({"process_id": item.process_id, "jenis": "bpmn", "berubah": changed,
                        "versi_baru": highest + 1 if changed else newest.version})
    carrier = latest(session, process_id, instansi_id)
    sources = {p.process_id: p for p in scope.processes}.get(process_id)
    for decision, name in scope.decisions.items():
        text = sources.sources.get(name) if sources else None
        entries.append({"process_id": decision, "jenis": "dmn", "versi_baru": None, "file": name,
                        "berubah": carrier is None or carrier.sources.get(name) != text})
    return {"akan_dipasang": entries, "diabaikan": scope.ignored, "bentrok": scope.conflicts}


def validate_files(session: Session, process_id: str, files, include=None, view: View = View(None)) -> dict:
    """{"errors", "warnings", "processes", "akan_dipasang", "diabaikan", "bentrok"} of the diagram files as a
    deploy for the view's instansi would see them; a refused deploy (an existing process not chosen, a
    generated id) is one of the errors."""
    include = check_include(include)
    parsed, problems = check_with_called(session, diagram_files(check_files(files)), view.instansi_id)
    errors = [p.as_dict() for p in problems if p.severity == "error"]
    scope = scope_of(session, parsed, [process_id], include, view.instansi_id)
    if parsed and scope.refusal():
        errors.append(Problem("-", scope.refusal()).as_dict())
    return {"errors": errors, "warnings": [p.as_dict() for p in problems if p.severity == "warning"],
            "processes": [p.process_id for p in parsed], **scope_json(session, scope, process_id, view.instansi_id)}


def test_files(process_id: str, files, tests_dir: Path, scenario: dict | None = None, session=None) -> dict:
    """Run the scenarios among the files (``uji/*.json``), or the shipped ones, or the one given
    (with ``session``, called processes deployed on their own are resolved as at deploy)."""
    import json

    files = check_files(files)
    if scenario is not None:
        check_scenario(scenario)
    parsed, problems = (check_sources(diagram_files(files)) if session is None
                        else check_with_called(session, diagram_files(files)))
    errors = [p.as_dict() for p in problems if p.severity == "error"]
    if errors:
        return {"errors": errors, "results": []}
    scenarios = {f"{process_id}/{n[4:]}": t for n, t in files.items() if n.startswith("uji/")}
    if scenario is not None:
        scenarios = {f"{process_id}/(skenario)": json.dumps(scenario)}
    elif not scenarios:
        scenarios = scenario_files(tests_dir, process_id)
    results = run_files({p.process_id: p for p in parsed}, scenarios, process_id)
    return {"errors": [], "results": results}


def deploy_files(session: Session, actor, process_id: str, files, comment, include=None,
                 view: View | None = None) -> ProcessDefinition:
    """Deploy a new version of one process for the view's instansi (None: the national default) from the
    workbench (inside the caller's write transaction), with the called processes it references; other
    existing processes in the files only when in ``include``.

    A process id that has no version yet is created (e.g. a diagram drawn in Camunda Modeler)."""
    view = view or view_of(actor, write=True)
    require_owner(actor)
    include = check_include(include)
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationFailed({"comment": "wajib diisi: apa yang berubah dan mengapa"})
    files = check_files(files)
    parsed, problems = check_with_called(session, diagram_files(files), view.instansi_id)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise Conflict(f"Definisi punya {len(errors)} kesalahan; perbaiki sebelum dipasang",
                       {"errors": [p.as_dict() for p in errors],
                        "warnings": [p.as_dict() for p in problems if p.severity == "warning"]})
    if process_id not in {p.process_id for p in parsed}:
        raise Conflict(f"File tidak memuat proses '{process_id}' yang dapat dijalankan")
    before = latest(session, process_id, view.instansi_id)
    try:
        rows = deploy(session, diagram_files(files), comment.strip(), author_id=actor.id,
                      chosen=[process_id], include=include, instansi_id=view.instansi_id)
    except DeployRefused as exc:
        scope = scope_of(session, parsed, [process_id], include, view.instansi_id)
        raise Conflict(str(exc), {"bentrok": scope.conflicts, "id_otomatis": scope.generated}) from None
    row = next(r for r in rows if r.process_id == process_id)
    if before is not None and (row.content_hash == before.content_hash or row.version < before.version):
        raise Conflict(f"Tidak ada perubahan dibanding versi {before.version}; tidak ada versi baru yang dipasang"
                       if row.content_hash == before.content_hash else
                       f"Isi ini sama dengan versi lama {row.version}; ubah sesuatu atau pasang ulang dengan catatan")
    scenarios = {n: t for n, t in files.items() if n.startswith("uji/")}
    if scenarios:  # kept with the version (outside its content hash) so the next edit starts from them
        row.sources = {**row.sources, **scenarios}
    draft = draft_of(session, process_id, view)
    if draft is not None:
        session.delete(draft)
    log.info("deploy %s v%s (instansi %s) by pegawai %s: %s", process_id, row.version, view.instansi_id or "nasional",
             actor.id, comment.strip())
    return row


FORM_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_form(actor, key, schema) -> str:
    """Save a new JSON Schema form under ``bpmn/forms/``.

    Forms already there are never changed from the workbench: instances of older versions
    may show them. A changed form is saved under a new key, and the user task that should
    use it names the new key in the version deployed next.
    """
    require_owner(actor)
    if not isinstance(key, str) or not FORM_KEY.match(key):
        raise ValidationFailed({"key": "2-63 huruf kecil, angka atau tanda hubung, diawali huruf atau angka"})
    problem = forms.check_schema(schema, key)
    if problem:
        raise ValidationFailed({"schema": problem})
    if forms.form_exists(key):
        raise Conflict(f"Formulir '{key}' sudah ada dan mungkin dipakai instance yang berjalan; "
                       "simpan perubahan dengan nama baru")
    forms.write_form(key, schema)
    log.info("form %s created by pegawai %s", key, actor.id)
    return key
