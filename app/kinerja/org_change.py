"""Organisation changes and what follows them (domain §2.1, §6.2 "wrong or changed atasan").

An import that changes the organisation, an admin moving a pegawai to another position and a
PLT/PLH assignment all change who a lane means; after each, the open tasks are re-routed
(``workflows.rerouting``) and the SKP still in planning get their new pejabat penilai. Before
an import the admin sees the preview: the import is written, the moves computed, and all of it
rolled back.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import lock_row, write_transaction
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.request_input import DATE_HINT
from workflows import clock
from workflows.rerouting import Move, on_rerouted, planned_moves, reroute_all

from . import org
from .importer import import_pegawai
from .org import ADMIN_ROLES, Jabatan, Pegawai, Unor
from .skp import Skp, SkpRiwayat, identity

PLANNING = ("DRAFT", "DIAJUKAN", "DIKEMBALIKAN")


def require_admin(actor, instansi_id: int) -> None:
    """Admin kinerja of the instansi or a superadmin; anyone else gets a 403."""
    if actor.has("superadmin") or (actor.has("admin_kinerja") and actor.pegawai.instansi_id == instansi_id):
        return
    raise Forbidden("Hanya admin kinerja instansi ini atau superadmin yang dapat mengubah data organisasi")


def _people(session: Session, ids: list[int]) -> list[dict]:
    found = {p.id: p for p in session.scalars(select(Pegawai).where(Pegawai.id.in_(ids)))} if ids else {}
    return [{"nip": found[i].nip, "nama": found[i].nama_lengkap} for i in ids if i in found]


def describe(session: Session, moves: list[dict | Move]) -> list[dict]:
    """Moves with people named (NIP and name) instead of ids, for pages, the API and the CLI."""
    out = []
    for move in moves:
        move = move.as_dict() if isinstance(move, Move) else move
        if "task_id" not in move:  # an instance that could not be re-routed at all
            out.append({**move, "sebelum": [], "sesudah": []})
            continue
        out.append({"instance_id": move["instance_id"], "business_key": move["business_key"],
                    "task_id": move["task_id"], "tugas": move["task_name"], "lane": move["lane"],
                    "sebelum": _people(session, move["before"]), "sesudah": _people(session, move["after"]),
                    "masalah": move.get("problem", "")})
    return out


def _result(session: Session, rerouted: dict) -> dict:
    return {"instance": rerouted["instance"], "tugas_dialihkan": describe(session, rerouted["tugas"]),
            "masalah": describe(session, rerouted["masalah"]), "instance_dilanjutkan": rerouted.get("dilanjutkan", [])}


def reroute_after_change(session: Session, actor_id: int | None, reason: str) -> dict:
    return _result(session, reroute_all(session, actor_id, reason))


class _Undo(Exception):
    """Raised inside the preview's transaction so that nothing of it is kept."""


def preview_import(session: Session, path: Path, instansi_kode: str | None = None) -> dict:
    """What the import would write and which open tasks would move; nothing is stored."""
    seen: dict = {}
    warnings: list[str] = []

    def inspect(s: Session, counts: dict) -> None:
        seen["impor"] = counts
        seen["peringatan"] = warnings
        moves = planned_moves(s)
        seen["tugas_dialihkan"] = describe(s, [m for m in moves if not m.problem])
        seen["masalah"] = describe(s, [m for m in moves if m.problem])
        raise _Undo

    try:
        import_pegawai(session, path, instansi_kode, fast_hash=True, after_write=inspect, peringatan=warnings)
    except _Undo:
        pass
    return seen


def apply_import(session: Session, path: Path, instansi_kode: str | None, actor_id: int | None,
                 fast_hash: bool = False) -> dict:
    """Import the file (all or nothing), then re-route the open tasks it affects."""
    peringatan: list[str] = []
    counts = import_pegawai(session, path, instansi_kode, fast_hash, peringatan=peringatan, actor_id=actor_id)
    return {"impor": counts, "peringatan": peringatan,
            **reroute_after_change(session, actor_id, "Perubahan organisasi dari impor pegawai")}


def _tmt(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def end_date_skp(session: Session, pegawai: Pegawai, jabatan: Jabatan, tmt: dt.date, actor_id: int | None) -> list[int]:
    """Mutasi (domain §2.1 phase 2): the SKP of the old position end the day before the TMT; they keep
    their status and evaluations, and a new SKP for the new position starts on the TMT."""
    ended = []
    for skp in session.scalars(select(Skp).where(Skp.pegawai_id == pegawai.id, Skp.tahun == tmt.year,
                                                 Skp.jabatan_id != jabatan.id, Skp.status != "DIBATALKAN",
                                                 Skp.periode_akhir >= tmt)):
        if skp.periode_awal >= tmt:
            continue
        skp.periode_akhir = tmt - dt.timedelta(days=1)
        skp.riwayat.append(SkpRiwayat(at=clock.now(), actor_id=actor_id, action="mutasi", from_status=skp.status,
                                      to_status=skp.status, note=f"Pindah ke {jabatan.nama} TMT {tmt.isoformat()}; "
                                                                 f"periode SKP berakhir {skp.periode_akhir.isoformat()}"))
        ended.append(skp.id)
    return ended


def pindah_jabatan(session: Session, actor, nip: str, jabatan_id, tmt=None) -> dict:
    """An admin moves a pegawai to another position (also of another unor); open tasks follow.

    With ``tmt`` it is a mutasi: the SKP of the old position end the day before (``end_date_skp``);
    without, a correction of the data (the SKP stay as they are)."""
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip))
    if pegawai is None:
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
    require_admin(actor, pegawai.instansi_id)
    if not isinstance(jabatan_id, int) or isinstance(jabatan_id, bool):
        raise ValidationFailed({"jabatan_id": "wajib diisi dengan id jabatan (angka)"})
    tmt_date = _tmt(tmt)
    if tmt not in (None, "") and tmt_date is None:
        raise ValidationFailed({"tmt": f"bukan tanggal yang valid; {DATE_HINT}"})
    jabatan = session.get(Jabatan, jabatan_id)
    if jabatan is None or session.get(Unor, jabatan.unor_id).instansi_id != pegawai.instansi_id:
        raise ValidationFailed({"jabatan_id": f"jabatan {jabatan_id} tidak ada di instansi pegawai"})
    with write_transaction(session):
        if jabatan.is_pimpinan_unor:
            # a leader position has one holder: two simultaneous moves into it queue on its row
            # (the unit's leader is not a column an index could hold unique)
            lock_row(session, Jabatan, jabatan.id)
            holder = session.scalar(select(Pegawai).where(Pegawai.jabatan_id == jabatan.id, Pegawai.id != pegawai.id,
                                                          Pegawai.status_kepegawaian == "AKTIF"))
            if holder is not None:
                raise Conflict(f"Jabatan {jabatan.nama} masih dijabat {holder.nama_lengkap} (NIP {holder.nip}); "
                               "pindahkan dulu pejabat tersebut")
        before = pegawai.jabatan.nama if pegawai.jabatan else None
        ended = end_date_skp(session, pegawai, jabatan, tmt_date, actor.id) if tmt_date else []
        pegawai.jabatan_id = jabatan.id
    session.expire_all()
    result = reroute_after_change(session, actor.id, f"{pegawai.nama_lengkap} pindah dari {before or '-'} "
                                                     f"ke {jabatan.nama}")
    return {"nip": pegawai.nip, "jabatan": jabatan.nama, "unor": jabatan.unor.nama, "skp_diakhiri": ended, **result}


@on_rerouted
def keep_skp_penilai(session: Session, instance, moves, data: dict) -> None:
    """An SKP still in planning names its new pejabat penilai (printed on the document)."""
    skp = session.get(Skp, data.get("skp_id")) if data.get("skp_id") else None
    if skp is None or skp.status not in PLANNING:
        return
    penilai = org.pejabat_penilai(session, skp.pegawai)
    if penilai is None or penilai.id == skp.pejabat_penilai_id:
        return
    atasan = org.pejabat_penilai(session, penilai)
    skp.pejabat_penilai_id, skp.atasan_pejabat_penilai_id = penilai.id, atasan.id if atasan else None
    skp.snapshot = {**(skp.snapshot or {}), "penilai": identity(session, penilai)}
