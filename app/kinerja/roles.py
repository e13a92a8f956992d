"""The relations a lane's ``pelaksana`` names (workflows.lanes), for one instance: its subject pegawai
or starter, their pejabat penilai, unit heads, JPT, role holders. A relation that finds nobody raises
``Missing`` naming the missing link."""
from __future__ import annotations

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from workflows import directory
from workflows.lanes import Missing, register_relation, register_unit_relation
from workflows.store import subject_resolver

from . import org, tim_kerja, unit_roles
from .penilai import who_acts as ppk_acts
from .org import Akun, Pegawai, Unor

directory.register(person=Pegawai, unit=Unor)


def _pegawai(session: Session, data: dict) -> Pegawai | None:
    pegawai_id = data.get("pegawai_id")
    return session.get(Pegawai, pegawai_id) if pegawai_id else None


def _subject_of(session: Session, pegawai_id: int | None) -> Pegawai:
    p = session.get(Pegawai, pegawai_id) if pegawai_id else None
    if p is None:
        raise Missing("proses ini tidak menyebut pegawai (pegawai_id) maupun pemulai")
    return p


def _unit_of(p: Pegawai) -> Unor:
    if p.jabatan is None:
        raise Missing(f"{p.nama_lengkap} belum memiliki jabatan (unit kerja tidak diketahui)")
    return p.jabatan.unor


@register_relation("pejabat_penilai")
def pejabat_penilai(session: Session, pegawai_id: int | None, _argument, data: dict) -> list[int]:
    """PLT/PLH, the admin's override and the PPK's mode honoured (org.pejabat_penilai, penilai.who_acts)."""
    if pegawai_id is not None and pegawai_id == data.get("pegawai_id"):
        ended = _ended_skp_penilai(session, data)
        if ended is not None:
            return [ended]
    p = _subject_of(session, pegawai_id)
    penilai = org.pejabat_penilai(session, p)
    if penilai is None:
        raise Missing(f"{p.nama_lengkap} belum memiliki pejabat penilai")
    # the PPK acts with their own account, or through the admin kinerja who records their decision
    return ppk_acts(session, penilai, with_role) or [penilai.id]


def _ended_skp_penilai(session: Session, data: dict) -> int | None:
    """An SKP ended by a mutasi is evaluated by the penilai who approved it, while still active."""
    from workflows import clock

    from .skp import Skp

    skp = session.get(Skp, data["skp_id"]) if data.get("skp_id") else None
    if skp is None or skp.periode_akhir >= clock.today() or skp.periode_akhir.month == 12 and skp.periode_akhir.day == 31:
        return None
    penilai = skp.pejabat_penilai
    return penilai.id if penilai is not None and penilai.status_kepegawaian == "AKTIF" else None


@register_relation("atasan_pejabat_penilai")
def atasan_pejabat_penilai(session: Session, pegawai_id: int | None, _argument, data: dict) -> list[int]:
    p = _subject_of(session, pegawai_id)
    atasan = org.atasan_pejabat_penilai(session, p)
    if atasan is None:
        raise Missing(f"pejabat penilai {p.nama_lengkap} belum memiliki atasan")
    return [atasan.id]


@register_relation("kepala_unit")
def kepala_unit(session: Session, pegawai_id: int | None, levels, data: dict) -> list[int]:
    """Head of the subject's unit, or of the unit ``levels`` above it (PLT/PLH honoured: org.leader_of)."""
    return kepala_of_unit(session, _unit_of(_subject_of(session, pegawai_id)), levels)


def _unor(session: Session, unor_id: int) -> Unor:
    unit = session.get(Unor, unor_id)
    if unit is None:
        raise Missing(f"unit {unor_id} tidak ditemukan")
    return unit


@register_unit_relation("kepala_unit")
def kepala_of_unit(session: Session, unit: "Unor | int", levels, data: dict | None = None) -> list[int]:
    from workflows import clock

    unit = unit if isinstance(unit, Unor) else _unor(session, unit)
    org.chain_with_leaders(session, unit, clock.today())  # the units above and their heads in one statement
    for _ in range(int(levels or 0)):
        if unit.parent is None:
            raise Missing(f"unit {unit.nama} tidak memiliki unit {levels} tingkat di atasnya")
        unit = unit.parent
    head = org.leader_of(session, unit.id, clock.today())
    if head is None:
        raise Missing(f"unit {unit.nama} belum memiliki kepala (jabatan pimpinan kosong)")
    return [head.id]


@register_relation("jpt")
def jpt(session: Session, pegawai_id: int | None, _argument, data: dict) -> list[int]:
    p = _subject_of(session, pegawai_id)
    return jpt_of_unit(session, _unit_of(p), None, data, but=p.id)


@register_unit_relation("jpt")
def jpt_of_unit(session: Session, unit: "Unor | int", _argument, data: dict, but: int | None = None) -> list[int]:
    """Every JPT over the unit (but the subject himself)."""
    unit = unit if isinstance(unit, Unor) else _unor(session, unit)
    found = [j.id for j in org.jpt_over(session, unit) if j.id != but]
    if not found:
        raise Missing(f"tidak ada JPT di atas unit {unit.nama}")
    return found


def with_role(session: Session, instansi_id: int, role: str) -> list[int]:
    rows = session.scalars(select(Akun).join(Pegawai, Akun.pegawai_id == Pegawai.id)
                           .where(Pegawai.instansi_id == instansi_id, Akun.aktif.is_(True))
                           .where(cast(Akun.roles, String).like(f'%"{role}"%')))
    return [a.pegawai_id for a in rows if role in (a.roles or [])]


@register_relation("peran")
def peran(session: Session, pegawai_id: int | None, role: str, data: dict) -> list[int]:
    """Holders of an instansi role (an account role such as admin_kinerja) or of a per-unit role
    (unit_roles.PERAN_UNOR) for the subject's unit or its nearest ancestor unit that has one."""
    p = session.get(Pegawai, pegawai_id) if pegawai_id else None
    if role not in unit_roles.PERAN_UNOR:
        return _instansi_role(session, p.instansi_id if p is not None else data.get("instansi_id"), role)
    return peran_of_unit(session, _unit_of(_subject_of(session, pegawai_id)), role, data)


@register_unit_relation("peran")
def peran_of_unit(session: Session, unit: "Unor | int", role: str, data: dict) -> list[int]:
    """The same for a unit named by the data: its per-unit role holders, or the instansi role of its instansi."""
    unit = unit if isinstance(unit, Unor) else _unor(session, unit)
    if role not in unit_roles.PERAN_UNOR:
        return _instansi_role(session, unit.instansi_id, role)
    found, _where = unit_roles.holders(session, unit, role)
    if not found:
        raise Missing(f"unit {unit.nama} belum memiliki {unit_roles.PERAN_UNOR[role].lower()}")
    return found


def _instansi_role(session: Session, instansi_id: int | None, role: str) -> list[int]:
    if instansi_id is None:
        raise Missing("proses ini tidak menyebut pegawai maupun instansi")
    found = with_role(session, instansi_id, role)
    if not found:
        raise Missing(f"instansi belum memiliki pemegang peran {role}")
    return found


@register_relation("ketua_tim")
def ketua_tim(session: Session, pegawai_id: int | None, _argument, data: dict) -> list[int]:
    """The active ketua of every tim kerja the subject belongs to today (tim_kerja.ketua_of)."""
    from workflows import clock

    p = _subject_of(session, pegawai_id)
    today = clock.today()
    found = tim_kerja.ketua_of(session, p, today)
    if not found:
        if not tim_kerja.memberships(session, p.id, today):
            raise Missing(f"{p.nama_lengkap} bukan anggota tim kerja mana pun saat ini")
        raise Missing(f"tim kerja {p.nama_lengkap} belum memiliki ketua saat ini")
    return [k.id for k in found]


@subject_resolver
def subject(session: Session, data: dict) -> dict:
    """An instance is about the pegawai its start data names, in that pegawai's instansi and unor."""
    p = _pegawai(session, data)
    if p is None:
        return {"instansi_id": data.get("instansi_id")}
    return {"instansi_id": p.instansi_id, "subject_pegawai_id": p.id,
            "unor_id": p.jabatan.unor_id if p.jabatan is not None else None}
