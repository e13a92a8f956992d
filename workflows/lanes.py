"""Lanes are roles; the application resolves each role to concrete pegawai for one instance.

A lane named ``Pejabat Penilai`` means the pejabat penilai of *this* SKP's pegawai, so a
role resolver gets the task data (``pegawai_id`` and the like) and returns pegawai ids.
A lane may name several roles separated by ``/`` (``JPT / Admin Kinerja``): anyone of
them may complete its tasks. Process owners change who acts by renaming lanes.
"""
from __future__ import annotations

import re
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict

from . import directory

Resolver = Callable[[Session, dict], list[int]]
_ROLES: dict[str, Resolver] = {}


def register_role(name: str):
    def decorate(fn: Resolver) -> Resolver:
        _ROLES[name.casefold()] = fn
        return fn
    return decorate


def lane_roles() -> list[str]:
    return sorted(_ROLES)


def _parts(lane: str) -> list[str]:
    return [part.strip().casefold() for part in lane.replace("|", "/").split("/") if part.strip()]


# The ``pelaksana`` grammar (shared/platform.md §3), the part this branch resolves: ``pemulai``,
# ``nip:<18 digits>``, ``peran:<role>`` and the relations registered as lane roles under their
# snake_case names (``pejabat_penilai`` is the lane role "Pejabat Penilai"). H-start-lanes owns the full one.
NIP = re.compile(r"^\d{18}$")
PERAN = ("admin_kinerja", "verifikator", "operator")


def _role_name(part: str) -> str:
    return part.removeprefix("peran:").replace("_", " ")


def _part_problem(part: str) -> str | None:
    if part == "pemulai" or (part.startswith("nip:") and NIP.match(part[4:])):
        return None
    if part.startswith("peran:") and part[6:] in PERAN:
        return None
    if _role_name(part) in _ROLES:
        return None
    return f"'{part}' bukan pelaksana yang dikenal"


def expression_problem(expression: str) -> str | None:
    """Why a ``pelaksana`` expression (a lane name or a property value) cannot be resolved, or None."""
    parts = _parts(expression or "")
    if not parts:
        return "pelaksana kosong"
    problems = [p for p in map(_part_problem, parts) if p]
    return "; ".join(problems) or None


def known_lane(lane: str) -> bool:
    parts = _parts(lane or "")
    return bool(parts) and all(p in _ROLES for p in parts)


def _resolve_part(session: Session, lane: str, part: str, data: dict) -> list[int]:
    if part == "pemulai":
        return [data["pemulai_id"]] if data.get("pemulai_id") else []
    if part.startswith("nip:"):
        person = directory.person()
        return list(session.scalars(select(person.id).where(person.nip == part[4:])))
    if _role_name(part) not in _ROLES:
        raise Conflict(f"Lane '{lane}' bukan peran yang dikenal")
    return _ROLES[_role_name(part)](session, data)


def resolve(session: Session, lane: str, data: dict) -> list[int]:
    """Pegawai ids who may act in the lane, in order (the first is the assignee when alone)."""
    found: list[int] = []
    for part in _parts(lane):
        for pegawai_id in _resolve_part(session, lane, part, data):
            if pegawai_id not in found:
                found.append(pegawai_id)
    if not found:
        raise Conflict(f"Tidak ada pegawai untuk peran '{lane}' pada proses ini; hubungi admin kinerja "
                       "untuk memperbaiki data atasan atau penugasan PLT/PLH")
    return found
