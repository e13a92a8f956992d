"""Who a lane of a diagram means, for one instance (its task data names the pegawai)."""
from __future__ import annotations

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from workflows import directory
from workflows.lanes import register_role
from workflows.store import subject_resolver

from . import org
from .org import Akun, Pegawai, Unor

directory.register(person=Pegawai, unit=Unor)


def _pegawai(session: Session, data: dict) -> Pegawai | None:
    pegawai_id = data.get("pegawai_id")
    return session.get(Pegawai, pegawai_id) if pegawai_id else None


@register_role("Pegawai")
def pegawai(session: Session, data: dict) -> list[int]:
    p = _pegawai(session, data)
    return [p.id] if p else []


@register_role("Pejabat Penilai")
def pejabat_penilai(session: Session, data: dict) -> list[int]:
    ended = _ended_skp_penilai(session, data)
    if ended is not None:
        return [ended]
    p = _pegawai(session, data)
    penilai = org.pejabat_penilai(session, p) if p else None
    return [penilai.id] if penilai else []


def _ended_skp_penilai(session: Session, data: dict) -> int | None:
    """An SKP ended by a mutasi is evaluated by the penilai who approved it, while still active."""
    from workflows import clock

    from .skp import Skp

    skp = session.get(Skp, data["skp_id"]) if data.get("skp_id") else None
    if skp is None or skp.periode_akhir >= clock.today() or skp.periode_akhir.month == 12 and skp.periode_akhir.day == 31:
        return None
    penilai = skp.pejabat_penilai
    return penilai.id if penilai is not None and penilai.status_kepegawaian == "AKTIF" else None


@register_role("Atasan Pejabat Penilai")
def atasan_pejabat_penilai(session: Session, data: dict) -> list[int]:
    p = _pegawai(session, data)
    atasan = org.atasan_pejabat_penilai(session, p) if p else None
    return [atasan.id] if atasan else []


@register_role("JPT")
def jpt(session: Session, data: dict) -> list[int]:
    p = _pegawai(session, data)
    if p is None or p.jabatan is None:
        return []
    return [j.id for j in org.jpt_over(session, p.jabatan.unor) if j.id != p.id]


def with_role(session: Session, instansi_id: int, role: str) -> list[int]:
    rows = session.scalars(select(Akun).join(Pegawai, Akun.pegawai_id == Pegawai.id)
                           .where(Pegawai.instansi_id == instansi_id, Akun.aktif.is_(True))
                           .where(cast(Akun.roles, String).like(f'%"{role}"%')))
    return [a.pegawai_id for a in rows if role in (a.roles or [])]


@register_role("Admin Kinerja")
def admin_kinerja(session: Session, data: dict) -> list[int]:
    p = _pegawai(session, data)
    return with_role(session, p.instansi_id, "admin_kinerja") if p else []


@subject_resolver
def subject(session: Session, data: dict) -> dict:
    """An instance is about the pegawai its start data names, in that pegawai's instansi and unor."""
    p = _pegawai(session, data)
    if p is None:
        return {"instansi_id": data.get("instansi_id")}
    return {"instansi_id": p.instansi_id, "subject_pegawai_id": p.id,
            "unor_id": p.jabatan.unor_id if p.jabatan is not None else None}
