"""Lanes say who acts, by relation to the instance's people; the application resolves the relations.

A lane (or a single user task, as an override) declares a ``pelaksana`` expression (platform
contract §3): alternatives separated by ``|``, each one relation, optionally applied to
``(pemulai)`` or ``(pegawai)`` (default: the subject pegawai, else the starter)::

    pejabat_penilai                 the subject's pejabat penilai
    kepala_unit+1                   head of the unit one level above the subject's unit
    peran:verifikator|peran:admin_kinerja
    atasan_pejabat_penilai(pemulai)
    nip:penerima                    the NIP(s) in the instance data field ``penerima``
    nip:unit.kepala_nip             the NIP(s) at a dotted path (a field of an object, e.g. a multi-instance item)
    nip:199001012020011001          a literal NIP
    peran:verifikator(unit:unor_id) the verifikator of the unit whose id is in the data field ``unor_id``

``pemulai``, ``pegawai`` and ``nip:`` are resolved here; the other relations are registered by the
application (``register_relation``), since the engine knows nothing of the organisation. A relation the
application also registers for a unit (``register_unit_relation``) may be applied to ``(unit:<field>)``:
the unit whose id is in that data field (a dotted path reaches into a dict, ``unit:unit.unor_id``), e.g.
inside a multi-instance over the units of an instansi. A lane
without ``pelaksana`` is read by its name: ``Pegawai``, ``Pejabat Penilai``, ``Atasan Pejabat
Penilai``, ``JPT``, ``Admin Kinerja`` are aliases of relations, ``A / B`` means ``A|B``, and
names registered with ``register_role`` (older diagrams' own roles) keep working.

A lane that resolves to nobody raises ``LaneUnresolved`` naming the lane and the missing link;
the store then puts the instance in ``error`` (see ``store._sync_human_tasks``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict

from . import directory

Resolver = Callable[[Session, dict], list[int]]
_ROLES: dict[str, Resolver] = {}
# fn(session, pegawai_id or None, argument or None, instance data) -> pegawai ids; raises Missing
RelationResolver = Callable[[Session, "int | None", "str | None", dict], list[int]]
_RELATIONS: dict[str, RelationResolver] = {}
# fn(session, unor id, argument or None, instance data) -> pegawai ids; raises Missing
UnitRelationResolver = Callable[[Session, int, "str | None", dict], list[int]]
_UNIT_RELATIONS: dict[str, UnitRelationResolver] = {}
_TAKES_ARGUMENT = {"peran", "nip"}
BUILTIN = ("pemulai", "pegawai", "nip")
ALIASES = {"pegawai": "pegawai", "pejabat penilai": "pejabat_penilai",
           "atasan pejabat penilai": "atasan_pejabat_penilai", "jpt": "jpt", "admin kinerja": "peran:admin_kinerja"}
NIP = re.compile(r"[0-9]{18}")
_ALTERNATIVE = re.compile(r"(?P<relation>[a-z_]+)(?:\+(?P<levels>[0-9]{1,2}))?(?::(?P<argument>[A-Za-z0-9_.\-]+))?"
                          r"(?:\((?P<of>pemulai|pegawai|unit:[A-Za-z_][A-Za-z0-9_.]{0,63})\))?")


class Missing(Exception):
    """Raised by a relation resolver: the link that is missing (``unit Bidang X belum memiliki verifikator``)."""


class LaneUnresolved(Conflict):
    def __init__(self, lane: str, link: str):
        self.lane, self.link = lane, link
        super().__init__(f"Lane '{lane}': {link}")


@dataclass(frozen=True)
class Alternative:
    relation: str
    argument: str | None = None
    levels: int = 0
    of: str | None = None  # None: the subject pegawai, else the starter; "pemulai" | "pegawai" | "unit:<field>"

    def __str__(self) -> str:
        text = self.relation + (f"+{self.levels}" if self.levels else "")
        text += f":{self.argument}" if self.argument is not None else ""
        return text + (f"({self.of})" if self.of else "")


def register_role(name: str):
    """A lane name of an older diagram resolved by the application: ``fn(session, data) -> ids``."""
    def decorate(fn: Resolver) -> Resolver:
        _ROLES[name.casefold()] = fn
        return fn
    return decorate


def register_relation(name: str):
    """A relation of the ``pelaksana`` grammar: ``fn(session, pegawai_id, argument, data) -> ids``."""
    def decorate(fn: RelationResolver) -> RelationResolver:
        _RELATIONS[name] = fn
        return fn
    return decorate


def register_unit_relation(name: str):
    """The same relation applied to a unit (``name(unit:<field>)``): ``fn(session, unor_id, argument, data) -> ids``."""
    def decorate(fn: UnitRelationResolver) -> UnitRelationResolver:
        _UNIT_RELATIONS[name] = fn
        return fn
    return decorate


def relations() -> list[str]:
    return sorted(set(BUILTIN) | set(_RELATIONS))


def lane_roles() -> list[str]:
    """The lane names known without a ``pelaksana`` property (for messages)."""
    return sorted(set(ALIASES) | set(_ROLES))


def parse(expression: str) -> list[Alternative]:
    """The alternatives of an expression; ValueError naming the first bad one."""
    out = []
    for raw in (expression or "").split("|"):
        text = raw.strip().replace(" ", "")
        match = _ALTERNATIVE.fullmatch(text)
        if not match:
            raise ValueError(f"'{raw.strip()}' tidak sesuai tata bahasa pelaksana (mis. pejabat_penilai, "
                             "kepala_unit+1, peran:verifikator, nip:nama_field)")
        relation, argument = match["relation"], match["argument"]
        if relation not in BUILTIN and relation not in _RELATIONS:
            raise ValueError(f"relasi '{relation}' tidak dikenal (relasi: {', '.join(relations())})")
        if relation in _TAKES_ARGUMENT and not argument:
            raise ValueError(f"relasi '{relation}' memerlukan argumen ({relation}:...)")
        if relation not in _TAKES_ARGUMENT and argument:
            raise ValueError(f"relasi '{relation}' tidak menerima argumen ':{argument}'")
        if match["levels"] and relation != "kepala_unit":
            raise ValueError(f"'+N' hanya berlaku untuk kepala_unit, bukan '{relation}'")
        if (match["of"] or "").startswith("unit:") and relation not in _UNIT_RELATIONS:
            raise ValueError(f"relasi '{relation}' tidak dapat diterapkan pada unit (unit:...); yang dapat: "
                             f"{', '.join(sorted(_UNIT_RELATIONS))}")
        out.append(Alternative(relation, argument, int(match["levels"] or 0), match["of"]))
    return out


def expression_problem(expression: str) -> str | None:
    """What is wrong with a ``pelaksana`` expression, or None."""
    if not (expression or "").strip():
        return "ekspresi pelaksana kosong"
    try:
        parse(expression)
    except ValueError as exc:
        return str(exc)
    return None


def _from_name(lane: str) -> list[Alternative] | None:
    """A lane name read as aliases / registered roles; None when some part is neither."""
    out = []
    for part in (p.strip().casefold() for p in (lane or "").split("/") if p.strip()):
        if part in ALIASES:
            out += parse(ALIASES[part])
        elif part in _ROLES:
            out.append(Alternative("role", part))
        else:
            return None
    return out or None


def known_lane(lane: str) -> bool:
    return _from_name(lane) is not None


def _subject(alternative: Alternative, data: dict) -> int | None:
    if alternative.of == "pemulai":
        return data.get("pemulai_id")
    if alternative.of == "pegawai":
        return data.get("pegawai_id")
    return data.get("pegawai_id") or data.get("pemulai_id")


def _at_path(data: dict, path: str):
    """The value at a dotted path of the data (``unit.kepala_nip``: the field ``kepala_nip`` of the object
    ``unit``, e.g. the item of a multi-instance task), or None."""
    value = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _by_nip(session: Session, alternative: Alternative, data: dict) -> list[int]:
    argument = alternative.argument or ""
    if NIP.fullmatch(argument):
        nips = [argument]
    else:
        value = _at_path(data, argument)
        nips = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
            if isinstance(value, list) else []
        if not nips:
            raise Missing(f"data proses '{argument}' tidak berisi NIP")
    person = directory.person()
    rows = {p.nip: p.id for p in session.scalars(select(person).where(person.nip.in_(nips)))}
    unknown = [n for n in nips if n not in rows]
    if unknown and not rows:
        raise Missing(f"pegawai dengan NIP {', '.join(unknown)} tidak ditemukan")
    return [rows[n] for n in nips if n in rows]


def _field(data: dict, path: str):
    """The value at a dotted path of the instance data (None when some step is missing)."""
    value = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _of_unit(session: Session, alternative: Alternative, data: dict) -> list[int]:
    path = (alternative.of or "")[len("unit:"):]
    unor_id = _field(data, path)
    if isinstance(unor_id, bool) or not isinstance(unor_id, int):
        raise Missing(f"data proses '{path}' tidak berisi id unit")
    argument = str(alternative.levels) if alternative.relation == "kepala_unit" else alternative.argument
    return list(_UNIT_RELATIONS[alternative.relation](session, unor_id, argument, data))


def _resolve_one(session: Session, alternative: Alternative, data: dict) -> list[int]:
    if (alternative.of or "").startswith("unit:"):
        return _of_unit(session, alternative, data)
    if alternative.relation == "role":
        return list(_ROLES[alternative.argument](session, data))
    if alternative.relation == "nip":
        return _by_nip(session, alternative, data)
    if alternative.relation == "pemulai":
        if not data.get("pemulai_id"):
            raise Missing("proses ini tidak mencatat pemulai (dimulai oleh sistem)")
        return [data["pemulai_id"]]
    subject = _subject(alternative, data)
    if alternative.relation == "pegawai":
        if not subject:
            raise Missing("proses ini tidak menyebut pegawai (pegawai_id) maupun pemulai")
        return [subject]
    argument = str(alternative.levels) if alternative.relation == "kepala_unit" else alternative.argument
    return list(_RELATIONS[alternative.relation](session, subject, argument, data))


def alternatives_of(lane: str, expression: str | None = None) -> list[Alternative]:
    """What a lane means: its ``pelaksana`` expression, else its name (aliases, roles), else the name
    read as an expression (``kirim_notifikasi(kepada="pejabat_penilai")``)."""
    if expression:
        try:
            return parse(expression)
        except ValueError as exc:
            raise LaneUnresolved(lane or expression, str(exc)) from None
    found = _from_name(lane)
    if found is None:
        try:
            found = parse(lane)
        except ValueError:
            raise LaneUnresolved(lane, "bukan peran yang dikenal; beri lane properti 'pelaksana'") from None
    return found


def resolve(session: Session, lane: str, data: dict, expression: str | None = None) -> list[int]:
    """Pegawai ids who may act in the lane, in order (the first is the assignee when alone).

    Raises LaneUnresolved (a 409 Conflict) naming the lane and every missing link."""
    found: list[int] = []
    missing: list[str] = []
    for alternative in alternatives_of(lane, expression):
        try:
            ids = _resolve_one(session, alternative, data)
        except Missing as exc:
            missing.append(str(exc))
            continue
        if not ids:
            missing.append(f"tidak ada pegawai untuk '{alternative}'")
        for pegawai_id in ids:
            if pegawai_id not in found:
                found.append(pegawai_id)
    if not found:
        raise LaneUnresolved(lane or expression or "?", "; ".join(dict.fromkeys(missing)) +
                             "; hubungi admin kinerja untuk melengkapi data organisasi")
    return found


def pelaksana_of(task_spec, lane_expressions: dict[str, str], default: str) -> tuple[str, str | None]:
    """(lane label, expression or None to read the lane by name) of a user task.

    A ``pelaksana`` property on the task overrides its lane; a lane that declares ``pelaksana`` uses it;
    a task outside any lane uses the process's ``pelaksana_bawaan`` (``default``)."""
    props = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {})
    lane = task_spec.lane or ""
    if props.get("pelaksana"):
        return lane or task_spec.bpmn_name or task_spec.bpmn_id, props["pelaksana"]
    if lane:
        return lane, lane_expressions.get(lane)
    return "", default
