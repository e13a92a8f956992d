"""Mulai layanan: the processes a pegawai may start, their start forms, and starting one.

A deployed process is offered to people when it declares ``pemulai`` (workflows.catalog): ``semua``
(every pegawai of the instansi), ``jpt``, ``peran:<role>`` (an account role such as admin_kinerja, or a
per-unit role held anywhere, see unit_roles) or ``nip:<NIP>``, several separated by ``|``. Its
``form_mulai`` is the JSON Schema form whose data becomes the start data. The starter is recorded as
``Instance.started_by_id`` and ``pemulai_id``; the subject pegawai (``pegawai_id``) is the starter unless
the request names another pegawai the starter may act for (their pejabat penilai, or the admin kinerja
of their instansi).
"""
from __future__ import annotations

import re
import uuid

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.errors import Forbidden, NotFound, ValidationFailed
from app.request_input import require_object
from workflows import catalog
from workflows.definitions import latest
from workflows.forms import form_exists, schema_of, with_choices
from workflows.instances import open_tasks_of, start_instance
from workflows.models import HumanTask, HumanTaskCandidate, Instance, ProcessDefinition

from . import org, unit_roles
from .org import Pegawai

PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")


def may_start(session: Session, actor, expression: str | None) -> bool:
    """Whether the actor is one of the starters a process's ``pemulai`` names."""
    if not expression:
        return False
    try:
        starters = catalog.starters(expression)
    except ValueError:
        return False
    for kind, argument in starters:
        if kind == "semua" or (kind == "jpt" and actor.has("jpt")) or (kind == "nip" and actor.pegawai.nip == argument):
            return True
        if kind == "peran" and (actor.has(argument) or unit_roles.holds_anywhere(session, actor.id, argument)):
            return True
    return False


def start_schema(definition: ProcessDefinition, session: Session | None = None,
                 pegawai_id: int | None = None) -> tuple[str | None, dict | None]:
    """The start form's key and schema; with a session, its ``x-pilihan`` choices for the pegawai filled in."""
    key = catalog.process_properties(definition).get("form_mulai")
    if not key or not form_exists(key):
        return key, None
    schema = schema_of(key)
    return key, with_choices(schema, session, pegawai_id) if session is not None else schema


def _view(definition: ProcessDefinition, session: Session | None = None, pegawai_id: int | None = None) -> dict:
    key, schema = start_schema(definition, session, pegawai_id)
    return {"id": definition.process_id, "name": definition.name, "version": definition.version,
            "definition_id": definition.id, "form": key, "schema": schema,
            "description": (schema or {}).get("description", "")}


def startable(session: Session, actor) -> list[dict]:
    """The processes the actor may start: the version an instance of the actor's instansi takes (its own
    newest, else the national default), by name."""
    found = []
    for process_id in session.scalars(select(distinct(ProcessDefinition.process_id))):
        definition = latest(session, process_id, actor.pegawai.instansi_id)
        if definition is not None and may_start(session, actor, catalog.process_properties(definition).get("pemulai")):
            found.append(_view(definition, session, actor.id))
    return sorted(found, key=lambda v: (v["name"].casefold(), v["id"]))


def process_for(session: Session, actor, process_id: str) -> ProcessDefinition:
    """The newest version of a process the actor may start: 404 unknown, 403 not theirs to start."""
    definition = (latest(session, process_id, actor.pegawai.instansi_id) if PROCESS_ID.fullmatch(process_id or "")
                  else None)
    if definition is None:
        raise NotFound(f"Proses '{process_id}' tidak ditemukan")
    pemulai = catalog.process_properties(definition).get("pemulai")
    if not pemulai:
        raise Forbidden(f"Proses '{definition.name}' hanya dimulai oleh sistem")
    if not may_start(session, actor, pemulai):
        raise Forbidden(f"Anda tidak termasuk yang boleh memulai proses '{definition.name}'")
    return definition


def describe(session: Session, actor, process_id: str) -> dict:
    return _view(process_for(session, actor, process_id), session, actor.id)


def _subject(session: Session, actor, nip) -> Pegawai:
    if nip in (None, "", actor.pegawai.nip):
        return actor.pegawai
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == str(nip))) if str(nip).isdigit() else None
    if pegawai is None:
        raise ValidationFailed({"pegawai_nip": "pegawai dengan NIP ini tidak ditemukan"})
    admin = actor.has("admin_kinerja") and pegawai.instansi_id == actor.pegawai.instansi_id
    penilai = org.pejabat_penilai(session, pegawai)
    if not (admin or actor.has("superadmin") or (penilai is not None and penilai.id == actor.id)):
        raise Forbidden("Anda hanya dapat memulai layanan ini untuk diri sendiri atau pegawai yang Anda nilai")
    return pegawai


def _business_key(process_id: str, given) -> str:
    if given in (None, ""):
        return f"{process_id}:{uuid.uuid4().hex[:12]}"
    if not isinstance(given, str) or len(given) > 128 or not given.strip():
        raise ValidationFailed({"business_key": "teks 1–128 karakter"})
    return given.strip()


def check_form(definition: ProcessDefinition, data, session: Session | None = None,
               pegawai_id: int | None = None) -> dict:
    """The start data from the start form (422 naming every field; choices of ``x-pilihan`` are those of
    the subject ``pegawai_id``); a process without one takes none."""
    from app.web.schema_form import problems

    if data is None:
        data = {}
    require_object(data)
    key, schema = start_schema(definition, session, pegawai_id)
    if schema is None:
        if data:
            raise ValidationFailed({"data": "proses ini tidak memiliki formulir mulai; kirim data kosong"})
        return {}
    wrong = problems(schema, data)
    if wrong:
        raise ValidationFailed(wrong, "Isian formulir mulai belum benar")
    return dict(data)


def start(session: Session, actor, process_id: str, body: dict) -> Instance:
    """Start the newest version of a process as ``actor`` (one write transaction)."""
    require_object(body)
    definition = process_for(session, actor, process_id)
    subject = _subject(session, actor, body.get("pegawai_nip"))
    data = check_form(definition, body.get("data"), session, subject.id)
    key = _business_key(definition.process_id, body.get("business_key"))
    data.update({"pemulai_id": actor.id, "pegawai_id": subject.id, "instansi_id": subject.instansi_id})
    with write_transaction(session):
        instance = start_instance(session, definition.process_id, key, data, actor.id)
    return instance


def tasks_for(session: Session, instance_id: int, pegawai_id: int) -> list[HumanTask]:
    """The open tasks of an instance the pegawai may complete (to go on right after starting)."""
    mine = set(session.scalars(select(HumanTaskCandidate.human_task_id).join(HumanTask)
                               .where(HumanTask.instance_id == instance_id, HumanTaskCandidate.pegawai_id == pegawai_id)))
    return [t for t in open_tasks_of(session, instance_id) if t.id in mine]
