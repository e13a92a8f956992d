"""Creating an SKP and changing its status: the use cases that combine the SKP's rules (``skp``) with
the cascade of RHK (``cascade``: the leaders' RHK it may intervene, the seed of a new SKP, the links
that follow an approval) and the archive of an approved SKP.

The process diagram decides *when* an SKP changes status (its service tasks call ``transition``);
this module decides what a status change does to the rows and which guards must hold (domain §2.2).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.documents.skp import enqueue_archive
from core.db import refused_as
from core.errors import Conflict, ValidationFailed
from workflows.instances import start_instance

from . import cascade, org
from .cascade import allowed_rhk_atasan, periode_awal_baru, seed_new_skp
from .org import Pegawai
from .perilaku import KODE
from .skp import (ACTION, PENDEKATAN, SKP_AKTIF, STATUS_LABEL, TRANSITIONS, PerilakuSkp, Skp, SkpRiwayat, _now,
                  business_key, identity)


def submission_problems(session: Session, skp: Skp) -> dict[str, str]:
    """Guards of DRAFT → DIAJUKAN (domain §2.2), as field errors."""
    problems: dict[str, str] = {}
    if not any(r.jenis == "UTAMA" for r in skp.rhk):
        problems["rhk"] = "minimal satu RHK utama"
    allowed = {r.id for r in allowed_rhk_atasan(session, skp)} if not skp.is_jpt else set()
    for i, rhk in enumerate(skp.rhk):
        where = f"rhk[{i}]"
        if not rhk.deskripsi.strip():
            problems[f"{where}.deskripsi"] = "wajib diisi"
        if not rhk.iki:
            problems[f"{where}.iki"] = "minimal satu indikator dengan target"
        if skp.is_jpt:
            if not rhk.klasifikasi:
                problems[f"{where}.klasifikasi"] = "wajib diisi (ORGANISASI atau INDIVIDU)"
        elif rhk.rhk_atasan_id is None:
            problems[f"{where}.rhk_atasan_id"] = "wajib memilih RHK atasan yang diintervensi" + (
                " (RHK atasan masih ditulis sebagai teks: pilih RHK dari SKP atasan yang sudah disetujui)"
                if rhk.rhk_atasan_text else "")
        elif rhk.rhk_atasan_id not in allowed:
            pending = rhk.rhk_atasan is not None and rhk.rhk_atasan.skp.status not in ("DISETUJUI", "SELESAI", "DIBATALKAN")
            problems[f"{where}.rhk_atasan_id"] = (
                "pengajuan ditahan: SKP atasan yang memuat RHK ini belum disetujui; Anda diberi tahu saat disetujui"
                if pending else "bukan RHK dari SKP pejabat penilai yang sudah disetujui")
        for j, iki in enumerate(rhk.iki):
            if not iki.indikator.strip():
                problems[f"{where}.iki[{j}].indikator"] = "wajib diisi"
            if not iki.target_text.strip():
                problems[f"{where}.iki[{j}].target"] = "wajib diisi"
            if skp.pendekatan == "KUANTITATIF" and not skp.is_jpt and not iki.aspek:
                problems[f"{where}.iki[{j}].aspek"] = "wajib diisi untuk pendekatan kuantitatif"
            if skp.pendekatan == "KUANTITATIF" and skp.is_jpt and not iki.perspektif:
                problems[f"{where}.iki[{j}].perspektif"] = "wajib diisi untuk SKP JPT/pimpinan unit"
    return problems


def penilai_for_submission(session: Session, skp: Skp):
    """The pejabat penilai the SKP is submitted to; raises why it cannot be submitted now
    (ValidationFailed with its field errors, or Conflict when no pejabat penilai is set)."""
    problems = submission_problems(session, skp)
    if problems:
        raise ValidationFailed(problems, "SKP belum dapat diajukan")
    penilai = org.pejabat_penilai(session, skp.pegawai)
    if penilai is None:
        raise Conflict("Pejabat penilai kinerja pegawai ini belum ditetapkan; hubungi admin kinerja")
    return penilai


def _made_by_this_step(skp: Skp, to_status: str) -> bool:
    """The SKP's last recorded change is the one a step moving it to ``to_status`` makes."""
    last = skp.riwayat[-1] if skp.riwayat else None
    return (skp.status == to_status and last is not None and last.to_status == to_status
            and last.from_status in TRANSITIONS[to_status])


def transition(session: Session, skp: Skp, to_status: str, actor_id: int | None, catatan: str = "",
               repeat: bool = False) -> None:
    """Change the status as the process asks; raise if the current status or a guard does not allow it.

    ``repeat``: the process runs the same step again (an admin's retry of a step that failed). If
    that step already made this change (it failed afterwards, in a version that kept a failed
    step's writes), the change is not made nor recorded twice; only what follows it runs again.
    Any other repeat (a second approval of an approved SKP) stays a 409.
    """
    if to_status not in TRANSITIONS:
        raise ValidationFailed({"status": f"status tidak dikenal: {to_status}"})
    if repeat and _made_by_this_step(skp, to_status):
        _after_transition(session, skp, to_status, skp.riwayat[-1])
        return
    before = skp.status
    if before not in TRANSITIONS[to_status]:
        raise Conflict(f"SKP berstatus {STATUS_LABEL[before]} tidak dapat menjadi {STATUS_LABEL[to_status]}")
    catatan = (catatan or "").strip()
    # Everything is read before anything is written: a lazy load after the first change would flush it
    # on its own and the SKP would be updated twice.
    changes: dict = {}
    if to_status == "DIAJUKAN":
        penilai = penilai_for_submission(session, skp)
        atasan = org.pejabat_penilai(session, penilai)
        changes = {"pejabat_penilai_id": penilai.id, "atasan_pejabat_penilai_id": atasan.id if atasan else None,
                   "tanggal_pengajuan": _now(), "catatan_pengembalian": "",
                   "snapshot": {"pegawai": identity(session, skp.pegawai), "penilai": identity(session, penilai)}}
    elif to_status == "DIKEMBALIKAN":
        if not catatan:
            raise ValidationFailed({"catatan": "wajib diisi bila SKP dikembalikan"})
        changes = {"catatan_pengembalian": catatan}
    elif to_status == "DISETUJUI":
        changes = {"tanggal_penetapan": _now(), "snapshot": {
            "pegawai": identity(session, skp.pegawai), "penilai": identity(session, skp.pejabat_penilai)}}
    elif to_status == "DRAFT":
        if not catatan:
            raise ValidationFailed({"alasan": "wajib diisi untuk mengembalikan status SKP"})
        changes = {"tanggal_penetapan": None, "keputusan_ppk_nomor": None, "keputusan_ppk_tanggal": None}
    for field, value in changes.items():
        setattr(skp, field, value)
    skp.status = to_status
    action = ACTION.get((to_status, before)) or ACTION.get((to_status, None)) or to_status.lower()
    row = _record(session, skp, SkpRiwayat(at=_now(), actor_id=actor_id, action=action, from_status=before,
                                           to_status=to_status, note=catatan))
    session.flush()
    _after_transition(session, skp, to_status, row)


def _record(session: Session, skp: Skp, row: SkpRiwayat) -> SkpRiwayat:
    """Add a history row without loading the whole history only to append to it (kept in step with the
    collection when this session has it loaded already)."""
    if "riwayat" in inspect(skp).unloaded:
        row.skp_id = skp.id
        session.add(row)
    else:
        skp.riwayat.append(row)
    return row


def _after_transition(session: Session, skp: Skp, to_status: str, row: SkpRiwayat) -> None:
    """What follows a status change: an approval re-points links, tells subordinates, archives."""
    if to_status == "DISETUJUI":
        cascade.follow_successor(session, skp)
        cascade.offer_relinking(session, skp)
        enqueue_archive(session, skp, row)


def buat_skp(session: Session, pegawai: Pegawai, tahun: int, pendekatan: str, actor_id: int) -> Skp:
    """Create a draft SKP for the pegawai's current position and start its planning process.

    Runs inside the caller's write transaction.
    """
    fields = {}
    if pendekatan not in PENDEKATAN:
        fields["pendekatan"] = "harus KUANTITATIF atau KUALITATIF"
    if not 2000 <= int(tahun) <= 2100:
        fields["tahun"] = "tahun tidak sah"
    if fields:
        raise ValidationFailed(fields)
    if pegawai.status_kepegawaian != "AKTIF":
        raise Conflict(f"Pegawai berstatus {pegawai.status_kepegawaian} dikecualikan dari penyusunan SKP")
    if pegawai.jabatan is None:
        raise Conflict("Pegawai belum memiliki jabatan; hubungi admin kinerja")
    def already_there() -> Conflict | None:
        existing = session.scalar(select(Skp).where(Skp.pegawai_id == pegawai.id, Skp.tahun == tahun,
                                                    Skp.jabatan_id == pegawai.jabatan_id, Skp.status != "DIBATALKAN"))
        if existing is not None:
            return Conflict(f"SKP tahun {tahun} untuk jabatan ini sudah ada", {"skp_id": existing.id})
        return None

    if (conflict := already_there()) is not None:
        raise conflict
    penilai = org.pejabat_penilai(session, pegawai)
    if penilai is None:
        raise Conflict("Pejabat penilai kinerja pegawai ini belum ditetapkan; hubungi admin kinerja")
    skp = Skp(instansi_id=pegawai.instansi_id, pegawai_id=pegawai.id, tahun=tahun,
              periode_awal=periode_awal_baru(session, pegawai, tahun), periode_akhir=dt.date(tahun, 12, 31),
              jabatan_id=pegawai.jabatan_id, unor_id=pegawai.jabatan.unor_id, pejabat_penilai_id=penilai.id,
              pendekatan=pendekatan, jenis_skp="JPT_PIMPINAN_UNIT" if pegawai.jabatan.is_jpt else "JA_JF",
              status="DRAFT", snapshot={"pegawai": identity(session, pegawai), "penilai": identity(session, penilai)})
    skp.perilaku = [PerilakuSkp(urutan=i + 1, kode=kode) for i, kode in enumerate(KODE)]
    skp.riwayat = [SkpRiwayat(at=_now(), actor_id=actor_id, action="buat", from_status=None, to_status="DRAFT")]
    # a simultaneous request for the same SKP got past the check above: the database refuses this one
    with refused_as(session, SKP_AKTIF, lambda: already_there() or Conflict(
            f"SKP tahun {tahun} untuk jabatan ini sudah dibuat oleh permintaan lain")):
        session.add(skp)
    seed_new_skp(session, skp)
    start_instance(session, "skp_perencanaan", business_key(skp), {
        "skp_id": skp.id, "pegawai_id": pegawai.id, "instansi_id": pegawai.instansi_id, "tahun": tahun,
        "nama_pegawai": pegawai.nama_lengkap}, actor_id)
    return skp

