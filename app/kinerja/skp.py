"""SKP and its parts (RHK, IKI, perilaku, lampiran), its statuses and the transitions between them.

Creating an SKP and changing its status (``buat_skp``, ``transition``) combine these rules with the
cascade of RHK and live one level up, in ``skp_lifecycle``.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (JSON, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint, func, text)
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship, selectinload

from core.db import Base, UtcDateTime
from workflows import clock

from core.errors import NotFound
from core.memo import keep_loaded
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
    # The PPK's decision an admin kinerja recorded when approving on the PPK's behalf (app/kinerja/penilai.py).
    keputusan_ppk_nomor: Mapped[Optional[str]] = mapped_column(String(128))
    keputusan_ppk_tanggal: Mapped[Optional[dt.date]] = mapped_column(Date)
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
    # The code printed (with its QR) on both files of one archiving, and what /verifikasi/<kode> shows.
    kode_verifikasi: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    verifikasi: Mapped[Optional[dict]] = mapped_column(JSON)

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
    from .penilai import printed

    if (ppk := printed(session, pegawai)) is not None:
        return {"id": pegawai.id, "instansi": pegawai.instansi.nama, **ppk}
    jabatan = pegawai.jabatan
    return {"id": pegawai.id, "nama": pegawai.nama_lengkap, "nip": pegawai.nip, "pangkat_gol": pegawai.pangkat_gol,
            "jabatan": jabatan.nama if jabatan else "", "unit_kerja": jabatan.unor.nama if jabatan else "",
            "instansi": pegawai.instansi.nama}


keep_loaded(Skp)  # read by a step's form and again by its service (core.memo)


# Eager loads a step asks for with the SKP (``get_skp(..., options=...)``) so that what it is sure to read
# comes with the SKP's own statement or one statement per collection, not one lazy load per row.
# The pegawai as ``identity`` and the document print it (jabatan, unit, instansi), in the SKP's statement:
WITH_PEGAWAI = (joinedload(Skp.pegawai).joinedload(Pegawai.jabatan).joinedload(Jabatan.unor),
                joinedload(Skp.pegawai).joinedload(Pegawai.instansi))
# The penilai as ``identity`` prints them (instansi: that of the pegawai, as a rule).
WITH_PENILAI = (joinedload(Skp.pejabat_penilai).joinedload(Pegawai.jabatan).joinedload(Jabatan.unor),)
# Everything the SKP document prints of its plan: RHK with their IKI and intervened RHK, and the lampiran.
# The RHK come in one statement with their IKI and intervened RHK joined (one row per IKI).
WITH_RENCANA = (selectinload(Skp.rhk).joinedload(Rhk.iki), selectinload(Skp.rhk).joinedload(Rhk.rhk_atasan),
                selectinload(Skp.lampiran))


def get_skp(session: Session, skp_id: int, options=()) -> Skp:
    """The SKP; ``options`` (loader options) apply when this session does not hold it yet."""
    skp = session.get(Skp, skp_id, options=options)
    if skp is None:
        raise NotFound(f"SKP {skp_id} tidak ditemukan")
    return skp


def business_key(skp: Skp) -> str:
    return f"skp:{skp.id}"
