"""Lanes are roles; the application resolves each role to concrete pegawai for one instance.

A lane named ``Pejabat Penilai`` means the pejabat penilai of *this* SKP's pegawai, so a
role resolver gets the task data (``pegawai_id`` and the like) and returns pegawai ids.
A lane may name several roles separated by ``/`` (``JPT / Admin Kinerja``): anyone of
them may complete its tasks. Process owners change who acts by renaming lanes.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from core.errors import Conflict

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
    return [part.strip().casefold() for part in lane.split("/") if part.strip()]


def known_lane(lane: str) -> bool:
    parts = _parts(lane or "")
    return bool(parts) and all(p in _ROLES for p in parts)


def resolve(session: Session, lane: str, data: dict) -> list[int]:
    """Pegawai ids who may act in the lane, in order (the first is the assignee when alone)."""
    found: list[int] = []
    for part in _parts(lane):
        if part not in _ROLES:
            raise Conflict(f"Lane '{lane}' bukan peran yang dikenal")
        for pegawai_id in _ROLES[part](session, data):
            if pegawai_id not in found:
                found.append(pegawai_id)
    if not found:
        raise Conflict(f"Tidak ada pegawai untuk peran '{lane}' pada proses ini; hubungi admin kinerja "
                       "untuk memperbaiki data atasan atau penugasan PLT/PLH")
    return found
