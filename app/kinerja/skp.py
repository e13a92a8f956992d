"""SKP and its parts (RHK, IKI, perilaku, lampiran), and what each status change means.

The process diagram decides *when* an SKP changes status (its service tasks call
``transition``); this module decides what a status change does to the rows and
which guards must hold (domain §2.2).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (JSON, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint, func, select, text)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, refused_as
from workflows import clock

from core.errors import Conflict, NotFound, ValidationFailed
from .org import Jabatan, Pegawai, Unor

STATUS = ("DRAFT", "DIAJUKAN", "DIKEMBALIKAN", "DISETUJUI", "SELESAI", "DIBATALKAN")
STATUS_LABEL = {"DRAFT": "Draf", "DIAJUKAN": "Diajukan", "DIKEMBALIKAN": "Dikembalikan",
                "DISETUJUI": "Disetujui", "SELESAI": "Selesai", "DIBATALKAN": "Dibatalkan"}
PENDEKATAN = ("KUANTITATIF", "KUALITATIF")
JENIS_RHK = ("UTAMA", "TAMBAHAN")
KLASIFIKASI = ("ORGANISASI", "INDIVIDU")
ASPEK = ("KUANTITAS", "KUALITAS", "WAKTU", "BIAYA")
PERSPEKTIF = ("PENERIMA_LAYANAN", "PROSES_BISNIS", "PENGUATAN_INTERNAL", "ANGGARAN")
LAMPIRAN = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")

# Which status may follow which, and what the diagram's service task may ask for.
TRANSITIONS = {
    "DIAJUKAN": {"DRAFT", "DIKEMBALIKAN"},
    "DIKEMBALIKAN": {"DIAJUKAN"},
    "DISETUJUI": {"DIAJUKAN", "SELESAI"},
    "DRAFT": {"DISETUJUI", "DIAJUKAN"},
    "SELESAI": {"DISETUJUI"},
    "DIBATALKAN": {"DRAFT", "DIKEMBALIKAN", "DIAJUKAN", "DISETUJUI"},
}


class Skp(Base):
    __tablename__ = "skp"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    tahun: Mapped[int] = mapped_column(Integer, index=True)
    periode_awal: Mapped[dt.date] = mapped_column(Date)
    periode_akhir: Mapped[dt.date] = mapped_column(Date)
    jabatan_id: Mapped[int] = mapped_column(ForeignKey("jabatan.id"))
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"), index=True)
    pejabat_penilai_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"), index=True)
    atasan_pejabat_penilai_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    pendekatan: Mapped[str] = mapped_column(String(16))
    jenis_skp: Mapped[str] = mapped_column(String(24))  # JPT_PIMPINAN_UNIT | JA_JF
    is_plt_plh: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="DRAFT", index=True)
    catatan_pengembalian: Mapped[str] = mapped_column(Text, default="")
    tanggal_pengajuan: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    tanggal_penetapan: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    # Identity of pegawai and penilai as printed, frozen at each submission and approval.
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())

    pegawai: Mapped[Pegawai] = relationship(foreign_keys=[pegawai_id])
    pejabat_penilai: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[pejabat_penilai_id])
    atasan_pejabat_penilai: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[atasan_pejabat_penilai_id])
    jabatan: Mapped[Jabatan] = relationship()
    unor: Mapped[Unor] = relationship()
    rhk: Mapped[list["Rhk"]] = relationship(back_populates="skp", order_by="Rhk.urutan",
                                            cascade="all, delete-orphan")
    perilaku: Mapped[list["PerilakuSkp"]] = relationship(order_by="PerilakuSkp.urutan",
                                                        cascade="all, delete-orphan")
    lampiran: Mapped[list["LampiranItem"]] = relationship(order_by="LampiranItem.urutan",
                                                         cascade="all, delete-orphan")
    riwayat: Mapped[list["SkpRiwayat"]] = relationship(order_by="SkpRiwayat.id", cascade="all, delete-orphan")

    @property
    def is_jpt(self) -> bool:
        return self.jenis_skp == "JPT_PIMPINAN_UNIT"

    def lampiran_lists(self) -> dict[str, list[str]]:
        out = {k: [] for k in LAMPIRAN}
        for item in self.lampiran:
            out[item.kategori].append(item.teks)
        return out


# One SKP that is not DIBATALKAN per pegawai, year and position (a mutasi starts a second one for
# the new position); the database refuses the second of two simultaneous creations.
SKP_AKTIF = Index("uq_skp_aktif", Skp.pegawai_id, Skp.tahun, Skp.jabatan_id, unique=True,
                  sqlite_where=text("status != 'DIBATALKAN'"), postgresql_where=text("status != 'DIBATALKAN'"))


class Rhk(Base):
    __tablename__ = "rhk"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    urutan: Mapped[int] = mapped_column(Integer)
    jenis: Mapped[str] = mapped_column(String(16))
    klasifikasi: Mapped[Optional[str]] = mapped_column(String(16))
    deskripsi: Mapped[str] = mapped_column(Text)
    rhk_atasan_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rhk.id"), index=True)
    rhk_atasan_text: Mapped[str] = mapped_column(Text, default="")
    penugasan_dari: Mapped[str] = mapped_column(String(255), default="")
    # An organisational RHK copied from the predecessor's SKP when the leader changed (domain §3.6).
    inherited_from_rhk_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rhk.id"))

    skp: Mapped[Skp] = relationship(back_populates="rhk")
    rhk_atasan: Mapped[Optional["Rhk"]] = relationship(remote_side=[id], foreign_keys=[rhk_atasan_id])
    iki: Mapped[list["Iki"]] = relationship(back_populates="rhk", order_by="Iki.urutan",
                                            cascade="all, delete-orphan")


class Iki(Base):
    __tablename__ = "iki"
    id: Mapped[int] = mapped_column(primary_key=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id", ondelete="CASCADE"), index=True)
    urutan: Mapped[int] = mapped_column(Integer)
    indikator: Mapped[str] = mapped_column(Text)
    aspek: Mapped[Optional[str]] = mapped_column(String(16))
    perspektif: Mapped[Optional[str]] = mapped_column(String(24))
    target_text: Mapped[str] = mapped_column(String(255))
    target_nilai: Mapped[Optional[float]] = mapped_column(Numeric(18, 4))
    target_satuan: Mapped[str] = mapped_column(String(64), default="")

    rhk: Mapped[Rhk] = relationship(back_populates="iki")


class PerilakuSkp(Base):
    __tablename__ = "perilaku_skp"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    urutan: Mapped[int] = mapped_column(Integer)
    kode: Mapped[str] = mapped_column(String(32))
    ekspektasi_khusus: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("skp_id", "kode"),)


class LampiranItem(Base):
    __tablename__ = "lampiran_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    kategori: Mapped[str] = mapped_column(String(32))
    urutan: Mapped[int] = mapped_column(Integer)
    teks: Mapped[str] = mapped_column(Text)


class SkpRiwayat(Base):
    """Status history of an SKP, append-only: who did what, when and why."""

    __tablename__ = "skp_riwayat"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[Optional[str]] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Optional[Pegawai]] = relationship()


class DokumenArsip(Base):
    """The exact SKP document archived at an approval (PDF and DOCX), with its content hash."""

    __tablename__ = "dokumen_arsip"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(8))  # pdf | docx
    # The approval (its ``setujui`` history row) the copy belongs to: one copy per approval and format.
    riwayat_id: Mapped[Optional[int]] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("uq_dokumen_arsip_riwayat_id", "riwayat_id", "format", unique=True),)


# ---------------------------------------------------------------- use cases and rules

ACTION = {("DIAJUKAN", None): "ajukan", ("DIKEMBALIKAN", None): "kembalikan", ("DISETUJUI", "DIAJUKAN"): "setujui",
          ("DRAFT", "DISETUJUI"): "rollback", ("DISETUJUI", "SELESAI"): "rollback", ("SELESAI", None): "selesai",
          ("DIBATALKAN", None): "batalkan"}


def _now() -> dt.datetime:
    return clock.now()


def identity(session: Session, pegawai: Pegawai | None) -> dict | None:
    if pegawai is None:
        return None
    jabatan = pegawai.jabatan
    return {"id": pegawai.id, "nama": pegawai.nama_lengkap, "nip": pegawai.nip, "pangkat_gol": pegawai.pangkat_gol,
            "jabatan": jabatan.nama if jabatan else "", "unit_kerja": jabatan.unor.nama if jabatan else "",
            "instansi": pegawai.instansi.nama}


def get_skp(session: Session, skp_id: int) -> Skp:
    skp = session.get(Skp, skp_id)
    if skp is None:
        raise NotFound(f"SKP {skp_id} tidak ditemukan")
    return skp


def allowed_rhk_atasan(session: Session, skp: Skp) -> list[Rhk]:
    """RHK this SKP may intervene: approved SKP of the same year of the penilai or the unit's leader,
    and the organisational RHK of the leader position (they stay valid when the leader changes)."""
    from .cascade import leader_positions, leaders_of

    people, positions = leaders_of(session, skp), leader_positions(session, skp)
    if not people and not positions:
        return []
    return list(session.scalars(
        select(Rhk).join(Skp, Rhk.skp_id == Skp.id)
        .where(Skp.pegawai_id.in_(people) | (Skp.jabatan_id.in_(positions) & (Rhk.klasifikasi == "ORGANISASI")),
               Skp.tahun == skp.tahun, Skp.status.in_(("DISETUJUI", "SELESAI")))
        .order_by(Skp.pegawai_id, Rhk.urutan)))


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
    from . import org

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
    from . import org

    if to_status not in TRANSITIONS:
        raise ValidationFailed({"status": f"status tidak dikenal: {to_status}"})
    if repeat and _made_by_this_step(skp, to_status):
        _after_transition(session, skp, to_status)
        return
    before = skp.status
    if before not in TRANSITIONS[to_status]:
        raise Conflict(f"SKP berstatus {STATUS_LABEL[before]} tidak dapat menjadi {STATUS_LABEL[to_status]}")
    catatan = (catatan or "").strip()
    if to_status == "DIAJUKAN":
        penilai = penilai_for_submission(session, skp)
        skp.pejabat_penilai_id = penilai.id
        atasan = org.pejabat_penilai(session, penilai)
        skp.atasan_pejabat_penilai_id = atasan.id if atasan else None
        skp.tanggal_pengajuan = _now()
        skp.catatan_pengembalian = ""
    elif to_status == "DIKEMBALIKAN":
        if not catatan:
            raise ValidationFailed({"catatan": "wajib diisi bila SKP dikembalikan"})
        skp.catatan_pengembalian = catatan
    elif to_status == "DISETUJUI":
        skp.tanggal_penetapan = _now()
    elif to_status == "DRAFT":
        if not catatan:
            raise ValidationFailed({"alasan": "wajib diisi untuk mengembalikan status SKP"})
        skp.tanggal_penetapan = None
    if to_status in ("DIAJUKAN", "DISETUJUI"):
        skp.snapshot = {"pegawai": identity(session, skp.pegawai), "penilai": identity(session, skp.pejabat_penilai)}
    skp.status = to_status
    action = ACTION.get((to_status, before)) or ACTION.get((to_status, None)) or to_status.lower()
    skp.riwayat.append(SkpRiwayat(at=_now(), actor_id=actor_id, action=action, from_status=before,
                                  to_status=to_status, note=catatan))
    session.flush()
    _after_transition(session, skp, to_status)


def _after_transition(session: Session, skp: Skp, to_status: str) -> None:
    """What follows a status change: an approval re-points links, tells subordinates, archives."""
    if to_status == "DISETUJUI":
        from app.documents.skp import enqueue_archive

        from .cascade import follow_successor, offer_relinking
        follow_successor(session, skp)
        offer_relinking(session, skp)
        enqueue_archive(session, skp, skp.riwayat[-1])


def buat_skp(session: Session, pegawai: Pegawai, tahun: int, pendekatan: str, actor_id: int) -> Skp:
    """Create a draft SKP for the pegawai's current position and start its planning process.

    Runs inside the caller's write transaction.
    """
    from workflows.instances import start_instance

    from . import org
    from .perilaku import KODE

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
    from .cascade import periode_awal_baru

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
    from .cascade import seed_new_skp
    seed_new_skp(session, skp)
    start_instance(session, "skp_perencanaan", business_key(skp), {
        "skp_id": skp.id, "pegawai_id": pegawai.id, "instansi_id": pegawai.instansi_id, "tahun": tahun,
        "nama_pegawai": pegawai.nama_lengkap}, actor_id)
    return skp


def business_key(skp: Skp) -> str:
    return f"skp:{skp.id}"
