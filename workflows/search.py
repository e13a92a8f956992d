"""Finding instances for the admin console: filters over the derived, indexed columns only.

Nothing here deserializes a workflow: an instance's subject (instansi, unor, pegawai), its
status, since when it waits, the elements it stands at (``instance_element``) and who its
open tasks wait for (``human_task_candidate``) are all columns kept in step by ``store.save``.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Mapping

from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from core.errors import ValidationFailed

from . import clock, directory
from .models import INSTANCE_STATUS, HumanTask, HumanTaskCandidate, Instance, InstanceElement, ProcessDefinition

SORTS = {"menunggu": Instance.waiting_since, "diubah": Instance.updated_at, "dibuat": Instance.created_at,
         "id": Instance.id}
MAX_PER_PAGE = 200
MAX_HALAMAN = 10  # page numbers (OFFSET) only for the first pages; further on, the cursor ``setelah``
COUNT_CAP = 10_000  # the list counts exactly up to here, then says "lebih dari 10.000"


@dataclass
class Filter:
    """What the admin asked for; ``instansi_id`` is the caller's scope (None = every instansi)."""

    process_id: str | None = None
    definition_id: int | None = None
    status: str | None = None
    unor_id: int | None = None
    pegawai: str | None = None  # NIP (18 digits) or part of the name
    menunggu_nip: str | None = None  # the person an open task waits for
    lebih_dari_hari: int | None = None
    ada_error: bool | None = None
    elemen: str | None = None  # a diagram element id the instance stands at
    elemen_status: str | None = None  # waiting | error
    urut: str = "menunggu"
    arah: str = "asc"
    halaman: int = 1
    per_halaman: int = 50
    instansi_id: int | None = None
    setelah: str | None = None  # keyset cursor: the page after this row (``berikutnya`` of the previous page)

    def as_args(self) -> dict:
        """The filter as query arguments (scope and paging left out), e.g. for links and batches."""
        skip = {"instansi_id", "halaman", "setelah"}
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in skip and getattr(self, f.name) not in (None, "")}


def _int(args: Mapping, name: str, errors: dict, low: int = 0, high: int = 10**9) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        errors[name] = "harus bilangan bulat"
        return None
    if not low <= value <= high:
        errors[name] = f"harus antara {low} dan {high}"
        return None
    return value


def parse_filter(args: Mapping, instansi_id: int | None) -> Filter:
    """A Filter from query arguments or JSON; a 422 naming every argument that is wrong."""
    errors: dict[str, str] = {}
    text = {k: (str(args.get(k)).strip() if args.get(k) not in (None, "") else None)
            for k in ("process_id", "status", "pegawai", "menunggu_nip", "elemen", "elemen_status", "ada_error")}
    if text["status"] and text["status"] not in INSTANCE_STATUS:
        errors["status"] = f"harus salah satu dari: {', '.join(INSTANCE_STATUS)}"
    if text["elemen_status"] and text["elemen_status"] not in ("waiting", "error"):
        errors["elemen_status"] = "harus waiting atau error"
    if text["menunggu_nip"] and not (text["menunggu_nip"].isdigit() and len(text["menunggu_nip"]) == 18):
        errors["menunggu_nip"] = "NIP harus 18 digit"
    ada_error = None
    if text["ada_error"] is not None:
        if text["ada_error"].lower() not in ("1", "0", "true", "false", "ya", "tidak"):
            errors["ada_error"] = "harus ya atau tidak"
        ada_error = text["ada_error"].lower() in ("1", "true", "ya")
    urut = str(args.get("urut") or "menunggu")
    if urut not in SORTS:
        errors["urut"] = f"harus salah satu dari: {', '.join(SORTS)}"
    arah = str(args.get("arah") or "asc")
    if arah not in ("asc", "desc"):
        errors["arah"] = "harus asc atau desc"
    result = Filter(
        process_id=text["process_id"], definition_id=_int(args, "definition_id", errors, 1),
        status=text["status"], unor_id=_int(args, "unor_id", errors, 1), pegawai=text["pegawai"],
        menunggu_nip=text["menunggu_nip"], lebih_dari_hari=_int(args, "lebih_dari_hari", errors, 0, 36500),
        ada_error=ada_error, elemen=text["elemen"], elemen_status=text["elemen_status"], urut=urut, arah=arah,
        halaman=_int(args, "halaman", errors, 1, MAX_HALAMAN) or 1,
        per_halaman=_int(args, "per_halaman", errors, 1, MAX_PER_PAGE) or 50, instansi_id=instansi_id,
        setelah=str(args.get("setelah")).strip() if args.get("setelah") not in (None, "") else None)
    if "halaman" in errors and not errors["halaman"].startswith("harus bilangan"):
        errors["halaman"] += "; halaman berikutnya lewat kursor 'setelah' (nilai 'berikutnya' halaman sebelumnya)"
    if result.setelah is not None and "urut" not in errors and "arah" not in errors:
        try:
            decode_cursor(result)
        except ValueError as exc:
            errors["setelah"] = str(exc)
    if errors:
        raise ValidationFailed(errors, "Filter tidak valid")
    return result


def _inline(value: str):
    """A status written into the SQL (one of a few known words, checked by parse_filter), so the planner
    matches the partial indexes (``WHERE status = 'error'``) also in a prepared statement's generic plan."""
    return literal(value, literal_execute=True)


def conditions(f: Filter, element_joined: bool = False) -> list:
    """The WHERE clauses of a filter (shared by the list, its count and batch actions). ``element_joined``: the
    page query joins instance_element and filters there (its instansi too, which the planner would otherwise
    count twice and then misjudge how many rows come)."""
    Pegawai = directory.person()
    where = []
    if f.instansi_id is not None and not element_joined:
        where.append(Instance.instansi_id == f.instansi_id)
    if f.process_id:
        where.append(Instance.process_id == f.process_id)
    if f.definition_id and not f.elemen:  # with an element, its own indexed row says the version
        where.append(Instance.definition_id == f.definition_id)
    if f.status:
        where.append(Instance.status == _inline(f.status))
    if f.unor_id:
        where.append(Instance.unor_id == f.unor_id)
    if f.pegawai:
        if f.pegawai.isdigit():
            people = select(Pegawai.id).where(Pegawai.nip == f.pegawai)
        else:
            people = select(Pegawai.id).where(func.lower(Pegawai.nama).contains(f.pegawai.lower(), autoescape=True))
        where.append(Instance.subject_pegawai_id.in_(people))
    if f.menunggu_nip:
        where.append(exists().where(
            HumanTask.instance_id == Instance.id, HumanTaskCandidate.human_task_id == HumanTask.id,
            HumanTaskCandidate.pegawai_id == select(Pegawai.id).where(Pegawai.nip == f.menunggu_nip)
            .scalar_subquery()))
    if f.lebih_dari_hari is not None and not f.elemen:  # with an element: how long it waits there
        where.append(Instance.waiting_since < clock.now() - dt.timedelta(days=f.lebih_dari_hari))
    if f.ada_error is True:
        where.append(Instance.status == _inline("error"))
    elif f.ada_error is False:
        where.append(Instance.status != "error")
    if f.elemen and not element_joined:
        where.append(Instance.id.in_(select(InstanceElement.instance_id).where(*element_conditions(f))))
    return where


def element_conditions(f: Filter, table=InstanceElement) -> list:
    """The element filter, on instance_element's own index: (instansi,) definition, element, state, since."""
    element = [table.bpmn_id == f.elemen]
    if f.instansi_id is not None:
        element.append(table.instansi_id == f.instansi_id)
    if f.definition_id:
        element.append(table.definition_id == f.definition_id)
    if f.elemen_status:
        element.append(table.state == _inline(f.elemen_status))
    if f.lebih_dari_hari is not None:
        element.append(table.since < clock.now() - dt.timedelta(days=f.lebih_dari_hari))
    return element


def encode_cursor(f: Filter, value, last_id: int) -> str:
    """The cursor of the page after the row (sort value, id), for ``setelah``; opaque to clients."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc).isoformat()
    raw = json.dumps([f.urut, f.arah, value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(f: Filter) -> tuple:
    """(sort value, id) from ``f.setelah``; ValueError with the message for the 422."""
    try:
        raw = base64.urlsafe_b64decode(f.setelah + "=" * (-len(f.setelah) % 4))
        urut, arah, value, last_id = json.loads(raw)
        if not isinstance(last_id, int):
            raise ValueError
        if value is not None and urut != "id":
            value = dt.datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        elif value is not None and not isinstance(value, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValueError("kursor tidak valid; pakai nilai 'berikutnya' dari halaman sebelumnya") from None
    if (urut, arah) != (f.urut, f.arah):
        raise ValueError("kursor dibuat untuk urutan lain; ulangi dari halaman 1")
    return value, last_id


def _keyset(f: Filter, column, nulls: bool) -> list:
    """The WHERE of the page after the cursor: order (sort column, nulls last; id), as a range the index can
    seek to. ``nulls``: the rows whose sort value is NULL (they come after every value)."""
    value, last_id = decode_cursor(f)
    if nulls or value is None:
        return [column.is_(None), Instance.id > last_id] if value is None else [column.is_(None)]
    if f.arah == "asc":
        return [column >= value, (column > value) | (Instance.id > last_id)]
    return [column <= value, (column < value) | (Instance.id > last_id)]


def matching_ids(session: Session, f: Filter, limit: int | None = None) -> list[int]:
    query = select(Instance.id).where(*conditions(f)).order_by(Instance.id)
    return list(session.scalars(query.limit(limit) if limit else query))


INSTANCE_ONLY = ("process_id", "status", "unor_id", "pegawai", "menunggu_nip", "ada_error")


def count(session: Session, f: Filter) -> int:
    if f.elemen and not any(getattr(f, name) not in (None, "") for name in INSTANCE_ONLY):
        # A badge's list: every condition is on instance_element, so count there (index only) rather
        # than let the planner hash-join the whole instance table.
        return session.scalar(select(func.count(func.distinct(InstanceElement.instance_id)))
                              .where(*element_conditions(f))) or 0
    return session.scalar(select(func.count()).select_from(Instance).where(*conditions(f))) or 0


def count_capped(session: Session, f: Filter, cap: int | None = None) -> tuple[int, bool]:
    """(count, more): the exact count up to ``cap``; beyond it (cap, True), without counting the rest.
    The list shows "lebih dari 10.000"; batch actions count exactly (``count``)."""
    cap = COUNT_CAP if cap is None else cap
    if f.elemen and not any(getattr(f, name) not in (None, "") for name in INSTANCE_ONLY):
        # element rows (index only) up to the cap; within it, the exact number of distinct instances
        rows = select(InstanceElement.instance_id).where(*element_conditions(f))
        found = session.scalar(select(func.count()).select_from(rows.limit(cap + 1).subquery())) or 0
        return (cap, True) if found > cap else (count(session, f), False)
    ids = select(Instance.id).where(*conditions(f))
    found = session.scalar(select(func.count()).select_from(ids.limit(cap + 1).subquery())) or 0
    return min(found, cap), found > cap


def page_query(f: Filter, nulls: bool = False):
    """The SELECT of one page of the list (the benchmark explains it): OFFSET for page numbers, or the
    range after the cursor ``setelah`` (keyset paging, as cheap on page 1,000 as on page 1).

    With an element filter the list is read from instance_element's index, joined, and "menunggu" sorts by
    how long each instance has waited *at that element* (an instance waiting there in several parallel
    tokens is listed once per token)."""
    Pegawai, Unor = directory.person(), directory.unit()
    column = SORTS[f.urut]
    query = select(Instance.id, Instance.process_id, Instance.business_key, Instance.status, Instance.waiting_since,
                   Instance.updated_at, Instance.created_at, ProcessDefinition.version, ProcessDefinition.name,
                   Pegawai.nip, Pegawai.nama, Unor.nama.label("unor"))
    if f.elemen:
        at = aliased(InstanceElement)
        query = query.join(at, at.instance_id == Instance.id).where(*element_conditions(f, at))
        column = at.since if f.urut == "menunggu" else column
    order = [column.asc().nulls_last() if f.arah == "asc" else column.desc().nulls_last(), Instance.id.asc()]
    return (query.add_columns(column.label("sort_value"))
            .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
            .outerjoin(Pegawai, Pegawai.id == Instance.subject_pegawai_id)
            .outerjoin(Unor, Unor.id == Instance.unor_id)
            .where(*conditions(f, element_joined=bool(f.elemen)), *(_keyset(f, column, nulls) if f.setelah else []))
            .order_by(*order)
            .offset(0 if f.setelah else (f.halaman - 1) * f.per_halaman).limit(f.per_halaman))


def page_rows(session: Session, f: Filter) -> tuple[list, str | None]:
    """The rows of one page and the cursor of the next (None after the last row)."""
    rows = session.execute(page_query(f)).all()
    if f.setelah and len(rows) < f.per_halaman and decode_cursor(f)[0] is not None:
        # the sort values ran out: the rows without one (nulls last) follow, as a second index range
        rest = Filter(**{**{x.name: getattr(f, x.name) for x in fields(f)}, "per_halaman": f.per_halaman - len(rows)})
        rows += session.execute(page_query(rest, nulls=True)).all()
    if len(rows) < f.per_halaman:
        return rows, None
    return rows, encode_cursor(f, rows[-1].sort_value, rows[-1].id)


def find(session: Session, f: Filter) -> dict:
    """One page of instances matching the filter, with who they are about and where they stand."""
    Pegawai = directory.person()
    rows, following = page_rows(session, f)
    ids = [r.id for r in rows]
    elements: dict[int, list] = {i: [] for i in ids}
    waiting_for: dict[int, list] = {i: [] for i in ids}
    if ids:
        for e in session.scalars(select(InstanceElement).where(InstanceElement.instance_id.in_(ids))
                                 .order_by(InstanceElement.since)):
            elements[e.instance_id].append({"bpmn_id": e.bpmn_id, "status": e.state, "since": e.since})
        for instance_id, task, nip, nama in session.execute(
                select(HumanTask.instance_id, HumanTask.name, Pegawai.nip, Pegawai.nama)
                .join(HumanTaskCandidate, HumanTaskCandidate.human_task_id == HumanTask.id)
                .join(Pegawai, Pegawai.id == HumanTaskCandidate.pegawai_id)
                .where(HumanTask.instance_id.in_(ids)).order_by(HumanTask.created_at)):
            waiting_for[instance_id].append({"task": task, "nip": nip, "nama": nama})
    items = [{"id": r.id, "process_id": r.process_id, "process_name": r.name, "definition_version": r.version,
              "business_key": r.business_key, "status": r.status, "waiting_since": r.waiting_since,
              "updated_at": r.updated_at, "created_at": r.created_at,
              "pegawai": {"nip": r.nip, "nama": r.nama} if r.nip else None, "unor": r.unor,
              "elements": elements[r.id], "waiting_for": waiting_for[r.id]} for r in rows]
    total, more = count_capped(session, f)
    return {"items": items, "total": total, "total_lebih": more, "halaman": None if f.setelah else f.halaman,
            "per_halaman": f.per_halaman, "berikutnya": following}


def element_counts(session: Session, definition_id: int, older_than_days: int, instansi_id: int | None) -> dict:
    """{bpmn id: {"menunggu", "lama", "error"}}: how many instances of one version stand at each element
    (an index-only count; a multi-instance task waiting several times in one instance counts each time)."""
    limit = clock.now() - dt.timedelta(days=older_than_days)
    query = (select(InstanceElement.bpmn_id, InstanceElement.state, func.count(),
                    func.count().filter(InstanceElement.since < limit))
             .where(InstanceElement.definition_id == definition_id)
             .group_by(InstanceElement.bpmn_id, InstanceElement.state))
    if instansi_id is not None:
        query = query.where(InstanceElement.instansi_id == instansi_id)
    counts: dict[str, dict] = {}
    for bpmn_id, state, total, old in session.execute(query):
        entry = counts.setdefault(bpmn_id, {"menunggu": 0, "lama": 0, "error": 0})
        if state == "error":
            entry["error"] += total
        else:
            entry["menunggu"] += total
            entry["lama"] += old
    return counts


def in_scope(instance: Instance, instansi_id: int | None) -> bool:
    return instansi_id is None or instance.instansi_id == instansi_id

