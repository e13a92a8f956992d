"""PLT/PLH assignments (domain §1.1, §3.3): registering and ending them, and what they change.

From tmt_mulai to tmt_selesai the acting pegawai leads the position's unor (``org.leader_of``),
so the tasks of that position are theirs; outside the period they are not. Registering or
ending an assignment re-routes the open tasks at once when the period has started; the
scheduler job ``penugasan_plt_plh`` does it on the day a period starts or has ended. The
acting pegawai's own SKP and tasks stay theirs. The history names them "<nama> sebagai PLT
<jabatan>" for what they did in the acting position.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import lock_row, refused_as, write_transaction
from core.errors import Conflict, NotFound, ValidationFailed
from app.request_input import read_date
from app.scheduler import job
from workflows import clock

from .org import Jabatan, Pegawai, PenugasanPltPlh, Unor
from .org_change import reroute_after_change, require_admin

JENIS = ("PLT", "PLH")


def as_dict(p: PenugasanPltPlh) -> dict:
    return {"id": p.id, "jenis": p.jenis, "nip": p.pegawai.nip, "nama": p.pegawai.nama_lengkap,
            "jabatan_id": p.jabatan_id, "jabatan": p.jabatan.nama, "unor": p.jabatan.unor.nama,
            "tmt_mulai": p.tmt_mulai.isoformat(), "tmt_selesai": p.tmt_selesai.isoformat() if p.tmt_selesai else None,
            "aktif": is_active(p, clock.today())}


def is_active(p: PenugasanPltPlh, on: dt.date) -> bool:
    return p.tmt_mulai <= on and (p.tmt_selesai is None or p.tmt_selesai >= on)


def daftar(session: Session, actor) -> list[PenugasanPltPlh]:
    require_admin(actor, actor.pegawai.instansi_id)
    query = select(PenugasanPltPlh).join(Pegawai, PenugasanPltPlh.pegawai_id == Pegawai.id)
    if not actor.has("superadmin"):
        query = query.where(Pegawai.instansi_id == actor.pegawai.instansi_id)
    return list(session.scalars(query.order_by(PenugasanPltPlh.tmt_mulai.desc(), PenugasanPltPlh.id.desc())))


def _date(value, field: str, fields: dict, required: bool) -> dt.date | None:
    return read_date(value, field, fields, required)


def _check(session: Session, body: dict) -> tuple[Pegawai, Jabatan, str, dt.date, dt.date | None]:
    fields: dict[str, str] = {}
    nip = body.get("nip")
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip)) if isinstance(nip, str) else None
    if pegawai is None:
        fields["nip"] = "wajib diisi dengan NIP pegawai yang terdaftar"
    jabatan_id = body.get("jabatan_id")
    jabatan = session.get(Jabatan, jabatan_id) if isinstance(jabatan_id, int) else None
    if jabatan is None:
        fields["jabatan_id"] = "wajib diisi dengan id jabatan yang terdaftar"
    elif not jabatan.is_pimpinan_unor:
        fields["jabatan_id"] = f"{jabatan.nama} bukan jabatan pimpinan unor; PLT/PLH hanya untuk jabatan pimpinan"
    elif pegawai is not None and session.get(Unor, jabatan.unor_id).instansi_id != pegawai.instansi_id:
        fields["jabatan_id"] = "jabatan berada di instansi lain"
    elif pegawai is not None and pegawai.jabatan_id == jabatan.id:
        fields["nip"] = "pegawai ini pejabat definitif jabatan tersebut"
    jenis = body.get("jenis")
    if jenis not in JENIS:
        fields["jenis"] = "harus PLT atau PLH"
    mulai = _date(body.get("tmt_mulai"), "tmt_mulai", fields, True)
    selesai = _date(body.get("tmt_selesai"), "tmt_selesai", fields, False)
    if mulai and selesai and selesai < mulai:
        fields["tmt_selesai"] = "tidak boleh sebelum tmt_mulai"
    if fields:
        raise ValidationFailed(fields)
    return pegawai, jabatan, jenis, mulai, selesai


def _overlapping(session: Session, jabatan_id: int, mulai: dt.date, selesai: dt.date | None, skip: int = 0):
    query = select(PenugasanPltPlh).where(PenugasanPltPlh.jabatan_id == jabatan_id, PenugasanPltPlh.id != skip)
    # an assignment ended the day before it started was cancelled: it overlaps nothing
    query = query.where(or_(PenugasanPltPlh.tmt_selesai.is_(None), (PenugasanPltPlh.tmt_selesai >= mulai)
                            & (PenugasanPltPlh.tmt_selesai >= PenugasanPltPlh.tmt_mulai)))
    if selesai is not None:
        query = query.where(PenugasanPltPlh.tmt_mulai <= selesai)
    return session.scalar(query.limit(1))


# PostgreSQL: an exclusion constraint refuses two assignments of one jabatan whose periods overlap
# (migration 0011); SQLite runs write transactions one after the other, so the check before suffices.
BERIRISAN = "ex_penugasan_plt_plh_beririsan"


def _refuse_overlap(session: Session, jabatan: Jabatan, mulai: dt.date, selesai: dt.date | None,
                    skip: int = 0) -> Conflict | None:
    other = _overlapping(session, jabatan.id, mulai, selesai, skip)
    if other is None:
        return None
    return Conflict(f"Jabatan {jabatan.nama} sudah punya {other.jenis} {other.pegawai.nama_lengkap} "
                    f"mulai {other.tmt_mulai.isoformat()} pada periode yang beririsan", {"penugasan_id": other.id})


def tetapkan(session: Session, actor, body: dict) -> tuple[PenugasanPltPlh, dict]:
    """Register an assignment; when its period has started, re-route the open tasks now."""
    pegawai, jabatan, jenis, mulai, selesai = _check(session, body)
    require_admin(actor, pegawai.instansi_id)
    with write_transaction(session):
        # One assignment of a jabatan at a time: a concurrent one waits here and then sees this one in its
        # check (concurrent inserts under the exclusion constraint alone can deadlock on PostgreSQL).
        lock_row(session, Jabatan, jabatan.id)
        if (clash := _refuse_overlap(session, jabatan, mulai, selesai)) is not None:
            raise clash
        row = PenugasanPltPlh(pegawai_id=pegawai.id, jabatan_id=jabatan.id, jenis=jenis, tmt_mulai=mulai,
                              tmt_selesai=selesai, dialihkan="")
        with refused_as(session, BERIRISAN, lambda: _refuse_overlap(session, jabatan, mulai, selesai) or Conflict(
                f"Jabatan {jabatan.nama} baru saja mendapat PLT/PLH lain pada periode yang beririsan")):
            session.add(row)
        row_id = row.id
    return session.get(PenugasanPltPlh, row_id), _reroute_due(session, actor.id)


def akhiri(session: Session, actor, penugasan_id: int, body: dict) -> tuple[PenugasanPltPlh, dict]:
    """End an assignment on ``tmt_selesai`` (default: yesterday, so it ends now)."""
    row = session.get(PenugasanPltPlh, penugasan_id)
    if row is None:
        raise NotFound(f"Penugasan PLT/PLH {penugasan_id} tidak ditemukan")
    require_admin(actor, row.pegawai.instansi_id)
    fields: dict[str, str] = {}
    selesai = _date(body.get("tmt_selesai"), "tmt_selesai", fields, False) or (
        None if fields else clock.today() - dt.timedelta(days=1))
    if selesai is not None and selesai < row.tmt_mulai - dt.timedelta(days=1):
        fields["tmt_selesai"] = f"tidak boleh sebelum sehari sebelum tmt_mulai ({row.tmt_mulai.isoformat()})"
    if fields:
        raise ValidationFailed(fields)
    with write_transaction(session):
        lock_row(session, Jabatan, session.get(PenugasanPltPlh, penugasan_id).jabatan_id)
        row = session.get(PenugasanPltPlh, penugasan_id)
        def overlap() -> Conflict | None:
            if selesai is None or selesai < row.tmt_mulai:  # cancelled: overlaps nothing
                return None
            return _refuse_overlap(session, row.jabatan, row.tmt_mulai, selesai, row.id)

        if (clash := overlap()) is not None:
            raise clash
        with refused_as(session, BERIRISAN, lambda: overlap() or Conflict(
                f"Jabatan {row.jabatan.nama} baru saja mendapat PLT/PLH lain pada periode yang beririsan")):
            row.tmt_selesai = selesai
    return session.get(PenugasanPltPlh, penugasan_id), _reroute_due(session, actor.id)


def _due(session: Session, today: dt.date) -> list[PenugasanPltPlh]:
    """Assignments whose start or end has come and whose tasks were not re-routed for it yet."""
    started = (PenugasanPltPlh.dialihkan == "") & (PenugasanPltPlh.tmt_mulai <= today)
    ended = (PenugasanPltPlh.dialihkan != "SELESAI") & (PenugasanPltPlh.tmt_selesai < today)
    return list(session.scalars(select(PenugasanPltPlh).where(started | ended)))


def _reroute_due(session: Session, actor_id: int | None) -> dict:
    today = clock.today()
    due = _due(session, today)
    if not due:
        return {"instance": 0, "tugas_dialihkan": [], "masalah": []}
    reason = "; ".join(f"{p.jenis} {p.pegawai.nama_lengkap} untuk {p.jabatan.nama} "
                       + ("berakhir" if p.tmt_selesai and p.tmt_selesai < today else "mulai") for p in due)
    ids = [p.id for p in due]
    result = reroute_after_change(session, actor_id, reason)
    with write_transaction(session):
        for row in session.scalars(select(PenugasanPltPlh).where(PenugasanPltPlh.id.in_(ids))):
            row.dialihkan = "SELESAI" if row.tmt_selesai and row.tmt_selesai < today else "MULAI"
    return result


@job("penugasan_plt_plh", 3600)
def reroute_started_and_ended(session_factory: sessionmaker, worker: str) -> dict:
    """Re-route open tasks on the day a PLT/PLH period starts or after it ended."""
    session = session_factory()
    try:
        result = _reroute_due(session, None)
    finally:
        session.close()
    return {"instance": result["instance"], "tugas": len(result["tugas_dialihkan"])}


def sebagai(session: Session, pegawai_id: int | None, on: dt.date, unor: Unor) -> str:
    """" sebagai PLT <jabatan>" when the pegawai acted then in a leader position above this unor, else "";
    a PLH also names the definitive holder they stood in for."""
    if pegawai_id is None:
        return ""
    above = {u.id for u in unor.ancestors()}
    for p in session.scalars(select(PenugasanPltPlh).where(PenugasanPltPlh.pegawai_id == pegawai_id)):
        if is_active(p, on) and p.jabatan.unor_id in above:
            holder = session.scalar(select(Pegawai).where(Pegawai.jabatan_id == p.jabatan_id))
            return f" sebagai {p.jenis} {p.jabatan.nama}" + (
                f" (pejabat definitif: {holder.nama_lengkap})" if holder is not None and p.jenis == "PLH" else "")
    return ""
