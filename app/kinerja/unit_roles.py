"""Per-unit roles the admin kinerja assigns (verifikator, operator): lanes name them as ``peran:<role>``.

A role holder serves their unit and the units below it that have no holder of their own. Each
assignment is a row kept after it ends: who assigned it and when, who revoked it and when.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, write_transaction
from core.errors import NotFound, ValidationFailed
from app.request_input import require_object
from workflows import clock

from .org import Pegawai, Unor

# The roles an admin kinerja assigns per unit; add one here (and its label) to make it assignable.
PERAN_UNOR = {"verifikator": "Verifikator", "operator": "Operator"}


class PeranUnor(Base):
    __tablename__ = "peran_unor"
    id: Mapped[int] = mapped_column(primary_key=True)
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"))
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    peran: Mapped[str] = mapped_column(String(32))
    ditetapkan_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ditetapkan_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    dicabut_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    dicabut_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))

    unor: Mapped[Unor] = relationship()
    pegawai: Mapped[Pegawai] = relationship(foreign_keys=[pegawai_id])
    ditetapkan_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[ditetapkan_oleh_id])
    dicabut_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[dicabut_oleh_id])
    __table_args__ = (Index("ix_peran_unor_unor_peran", "unor_id", "peran"),)


def as_dict(row: PeranUnor) -> dict:
    return {"id": row.id, "unor_id": row.unor_id, "unor": row.unor.nama, "peran": row.peran,
            "label": PERAN_UNOR.get(row.peran, row.peran), "nip": row.pegawai.nip, "nama": row.pegawai.nama_lengkap,
            "ditetapkan_at": clock.local_text(row.ditetapkan_at) if row.ditetapkan_at else None,
            "ditetapkan_oleh": row.ditetapkan_oleh.nama_lengkap if row.ditetapkan_oleh else None,
            "dicabut_at": clock.local_text(row.dicabut_at) if row.dicabut_at else None,
            "dicabut_oleh": row.dicabut_oleh.nama_lengkap if row.dicabut_oleh else None,
            "aktif": row.dicabut_at is None}


def of_unor(session: Session, unor_id: int, with_ended: bool = False) -> list[PeranUnor]:
    query = select(PeranUnor).where(PeranUnor.unor_id == unor_id)
    if not with_ended:
        query = query.where(PeranUnor.dicabut_at.is_(None))
    return list(session.scalars(query.order_by(PeranUnor.peran, PeranUnor.id)))


def of_instansi(session: Session, instansi_id: int) -> list[PeranUnor]:
    return list(session.scalars(select(PeranUnor).join(Unor, Unor.id == PeranUnor.unor_id)
                                .where(Unor.instansi_id == instansi_id, PeranUnor.dicabut_at.is_(None))
                                .order_by(Unor.kode, PeranUnor.peran, PeranUnor.id)))


def holders(session: Session, unor: Unor, peran: str) -> tuple[list[int], Unor | None]:
    """The active holders of ``peran`` for a unit: its own, else those of the nearest unit above
    (the holders of the whole chain in one statement)."""
    chain = unor.ancestors()
    found: dict[int, list[int]] = {}
    for unor_id, pegawai_id in session.execute(
            select(PeranUnor.unor_id, PeranUnor.pegawai_id).join(Pegawai, Pegawai.id == PeranUnor.pegawai_id)
            .where(PeranUnor.unor_id.in_([node.id for node in chain]), PeranUnor.peran == peran,
                   PeranUnor.dicabut_at.is_(None), Pegawai.status_kepegawaian == "AKTIF")
            .order_by(PeranUnor.id)):
        found.setdefault(unor_id, []).append(pegawai_id)
    for node in chain:
        if found.get(node.id):
            return found[node.id], node
    return [], None


def holds_anywhere(session: Session, pegawai_id: int, peran: str) -> bool:
    return session.scalar(select(PeranUnor.id).where(PeranUnor.pegawai_id == pegawai_id, PeranUnor.peran == peran,
                                                     PeranUnor.dicabut_at.is_(None)).limit(1)) is not None


def unor_of_instansi(session: Session, unor_id: int, instansi_id: int | None) -> Unor:
    unor = session.get(Unor, unor_id)
    if unor is None or (instansi_id is not None and unor.instansi_id != instansi_id):
        raise NotFound(f"Unor {unor_id} tidak ditemukan")
    return unor


def assign(session: Session, actor_id: int, unor: Unor, data: dict) -> PeranUnor:
    """Give a pegawai of the unit's instansi a role for the unit (inside the caller's transaction)."""
    require_object(data)
    peran, nip = str(data.get("peran") or "").strip(), str(data.get("nip") or "").strip()
    errors = {}
    if peran not in PERAN_UNOR:
        errors["peran"] = "harus salah satu dari: " + ", ".join(PERAN_UNOR)
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip)) if nip.isdigit() and len(nip) == 18 else None
    if pegawai is None or pegawai.instansi_id != unor.instansi_id:
        errors["nip"] = "pegawai dengan NIP ini tidak ada di instansi unor ini"
    elif pegawai.status_kepegawaian != "AKTIF":
        errors["nip"] = f"pegawai berstatus {pegawai.status_kepegawaian}"
    if errors:
        raise ValidationFailed(errors)
    existing = session.scalar(select(PeranUnor).where(PeranUnor.unor_id == unor.id, PeranUnor.peran == peran,
                                                      PeranUnor.pegawai_id == pegawai.id,
                                                      PeranUnor.dicabut_at.is_(None)))
    if existing is not None:
        return existing
    row = PeranUnor(unor_id=unor.id, pegawai_id=pegawai.id, peran=peran, ditetapkan_at=clock.now(),
                    ditetapkan_oleh_id=actor_id)
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, actor_id: int, unor: Unor, peran_id: int) -> PeranUnor:
    row = session.get(PeranUnor, peran_id)
    if row is None or row.unor_id != unor.id or row.dicabut_at is not None:
        raise NotFound(f"Penetapan peran {peran_id} tidak ditemukan pada unor ini")
    row.dicabut_at, row.dicabut_oleh_id = clock.now(), actor_id
    session.flush()
    return row


def tetapkan(session: Session, actor, unor_id: int, body) -> tuple[PeranUnor, dict]:
    """The admin kinerja gives a pegawai a role for a unit; open tasks of that role follow."""
    from .org_change import reroute_after_change, require_admin

    with write_transaction(session):
        unor = unor_of_instansi(session, unor_id, None if actor.has("superadmin") else actor.pegawai.instansi_id)
        require_admin(actor, unor.instansi_id)
        row = assign(session, actor.id, unor, body)
        row_id = row.id
    moved = reroute_after_change(session, actor.id, f"peran {row.peran} unor {unor.nama} ditetapkan")
    return session.get(PeranUnor, row_id), moved


def cabut(session: Session, actor, unor_id: int, peran_id: int) -> tuple[PeranUnor, dict]:
    from .org_change import reroute_after_change, require_admin

    with write_transaction(session):
        unor = unor_of_instansi(session, unor_id, None if actor.has("superadmin") else actor.pegawai.instansi_id)
        require_admin(actor, unor.instansi_id)
        row = revoke(session, actor.id, unor, peran_id)
    moved = reroute_after_change(session, actor.id, f"peran {row.peran} unor {unor.nama} dicabut")
    return session.get(PeranUnor, peran_id), moved
