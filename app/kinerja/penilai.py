"""The pejabat penilai set explicitly by an admin kinerja, and the PPK at the top of the chain.

- **Override.** ``Pegawai.penilai_override_id`` (read by ``org.pejabat_penilai``) is set here only:
  by the page, the API or the import column ``penilai_nip``; every change is a row of
  ``penilai_override`` (who, when, why, from where) and the open tasks are re-routed.
- **PPK** (Pejabat Pembina Kepegawaian: a governor, regent, mayor or minister), one per instansi:
  the pejabat penilai of the Sekretaris Daerah. It is kept as a pegawai row of ``jenis_asn`` ``PPK``
  (no jabatan, no SKP) so that an SKP names it like any penilai, plus the ``ppk`` row with the jabatan
  printed on documents, the NIP if any, and the mode: ``akun`` (the PPK approves with their own
  account, role ``ppk``) or ``diwakili`` (an admin kinerja completes the PPK's tasks, recording the
  number and date of the PPK's decision, required on the form).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime
from core.errors import ValidationFailed
from app.request_input import read_date
from workflows import clock
from workflows.lanes import Missing

from .org import Akun, Pegawai

JENIS_ASN_PPK = "PPK"
MODE = {"akun": "PPK menyetujui dengan akunnya sendiri",
        "diwakili": "Admin kinerja mencatat persetujuan PPK (nomor dan tanggal keputusan)"}
SUMBER = ("HALAMAN", "API", "IMPOR", "DEMO")
PPK_KATA = "PPK"  # what names the PPK where a pejabat penilai's NIP is asked for


class Ppk(Base):
    __tablename__ = "ppk"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), unique=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), unique=True)
    jabatan: Mapped[str] = mapped_column(String(255))  # e.g. "Gubernur Contoh"
    nip: Mapped[Optional[str]] = mapped_column(String(18))  # printed when the PPK has one
    mode: Mapped[str] = mapped_column(String(16), default="akun")
    diubah_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    diubah_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))

    pegawai: Mapped[Pegawai] = relationship(foreign_keys=[pegawai_id])


class PenilaiOverride(Base):
    """One change of a pegawai's explicit pejabat penilai (None: back to the organisation tree)."""

    __tablename__ = "penilai_override"
    id: Mapped[int] = mapped_column(primary_key=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    penilai_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    sebelumnya_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    alasan: Mapped[str] = mapped_column(String(1000), default="")
    sumber: Mapped[str] = mapped_column(String(8))
    ditetapkan_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ditetapkan_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))

    penilai: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[penilai_id])
    sebelumnya: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[sebelumnya_id])
    ditetapkan_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[ditetapkan_oleh_id])


# ---------------------------------------------------------------- the PPK

def ppk_of(session: Session, instansi_id: int) -> Ppk | None:
    return session.scalar(select(Ppk).where(Ppk.instansi_id == instansi_id))


def ppk_for_person(session: Session, pegawai: Pegawai | None) -> Ppk | None:
    """The PPK row when this pegawai row is an instansi's PPK."""
    if pegawai is None or pegawai.jenis_asn != JENIS_ASN_PPK:
        return None
    return session.scalar(select(Ppk).where(Ppk.pegawai_id == pegawai.id))


def diwakili(session: Session, penilai: Pegawai | None) -> Ppk | None:
    """The PPK row when ``penilai`` is a PPK whose approvals an admin kinerja records."""
    row = ppk_for_person(session, penilai)
    return row if row is not None and row.mode == "diwakili" else None


def who_acts(session: Session, penilai: Pegawai, with_role) -> list[int] | None:
    """Who does the tasks of a penilai who is the PPK (None: not the PPK, the penilai acts):
    in mode ``akun`` the PPK's account, in mode ``diwakili`` the instansi's admin kinerja
    (``with_role(session, instansi_id, role)``: the lane registry's holders of an instansi role)."""
    row = ppk_for_person(session, penilai)
    if row is None:
        return None
    if row.mode == "diwakili":
        found = with_role(session, row.instansi_id, "admin_kinerja")
        if not found:
            raise Missing("PPK diwakili admin kinerja, tetapi instansi belum memiliki admin kinerja")
        return found
    akun = session.scalar(select(Akun).where(Akun.pegawai_id == penilai.id, Akun.aktif.is_(True)))
    if akun is None:
        raise Missing(f"PPK {penilai.nama_lengkap} belum memiliki akun aktif (atau ubah mode menjadi diwakili)")
    return [penilai.id]


def printed(session: Session, pegawai: Pegawai) -> dict | None:
    """What documents print for a PPK: name, jabatan, NIP only when the PPK has one."""
    row = ppk_for_person(session, pegawai)
    if row is None:
        return None
    return {"nama": pegawai.nama_lengkap, "nip": row.nip or "", "jabatan": row.jabatan, "pangkat_gol": "",
            "unit_kerja": "", "ppk": True}


def ppk_dict(row: Ppk | None, session: Session | None = None) -> dict | None:
    if row is None:
        return None
    akun = session.scalar(select(Akun).where(Akun.pegawai_id == row.pegawai_id)) if session is not None else None
    return {"nama": row.pegawai.nama_lengkap, "jabatan": row.jabatan, "nip": row.nip, "mode": row.mode,
            "mode_label": MODE[row.mode], "id_login": row.pegawai.nip,
            "akun_aktif": bool(akun is not None and akun.aktif),
            "diubah_at": clock.local_text(row.diubah_at) if row.diubah_at else None}


def nip_field(value, field: str, fields: dict, required: bool = False) -> str | None:
    text = str(value or "").strip()
    if not text:
        if required:
            fields[field] = "wajib diisi"
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 18):
        fields[field] = "harus 18 angka"
        return None
    return text


# ---------------------------------------------------------------- the decision the admin records for the PPK

def keputusan_ppk(session: Session, penilai: Pegawai | None, data: dict, required: bool) -> dict | None:
    """The PPK's decision (``nomor_keputusan``, ``tanggal_keputusan``) an admin kinerja records when the
    PPK is ``diwakili``; required when ``required`` (an approval). None when the PPK acts himself."""
    if diwakili(session, penilai) is None:
        return None
    fields: dict[str, str] = {}
    nomor = str(data.get("nomor_keputusan") or "").strip()
    if required and not nomor:
        fields["nomor_keputusan"] = "wajib diisi: nomor keputusan PPK yang persetujuannya dicatat"
    tanggal = read_date(data.get("tanggal_keputusan"), "tanggal_keputusan", fields, required)
    if tanggal and tanggal > clock.today():
        fields["tanggal_keputusan"] = "tidak boleh sesudah hari ini"
    if fields:
        raise ValidationFailed(fields, "Persetujuan atas nama PPK memerlukan nomor dan tanggal keputusan")
    return {"nomor": nomor, "tanggal": tanggal} if nomor else None


# ---------------------------------------------------------------- the explicit pejabat penilai

def find_penilai(session: Session, pegawai: Pegawai, value, field: str, fields: dict) -> tuple[bool, Pegawai | None]:
    """(valid, penilai) from a NIP, ``PPK`` or empty (None: from the organisation tree)."""
    text = str(value or "").strip()
    if not text:
        return True, None
    if text.upper() == PPK_KATA:
        row = ppk_of(session, pegawai.instansi_id)
        if row is None:
            fields[field] = "PPK instansi belum dicatat; isi data PPK dulu"
            return False, None
        return True, row.pegawai
    penilai = session.scalar(select(Pegawai).where(Pegawai.nip == text))
    if penilai is None or penilai.instansi_id != pegawai.instansi_id:
        fields[field] = f"pegawai dengan NIP {text} tidak ada di instansi ini (isi NIP, PPK, atau kosong)"
    elif penilai.id == pegawai.id:
        fields[field] = "pegawai tidak dapat menjadi pejabat penilainya sendiri"
    elif penilai.status_kepegawaian != "AKTIF":
        fields[field] = f"pegawai berstatus {penilai.status_kepegawaian}"
    else:
        chain, node = {pegawai.id}, penilai
        while node is not None and node.penilai_override_id:  # no circle of explicit penilai
            if node.penilai_override_id in chain:
                fields[field] = f"{penilai.nama_lengkap} (langsung atau tidak) dinilai oleh pegawai ini"
                break
            chain.add(node.id)
            node = session.get(Pegawai, node.penilai_override_id)
        else:
            return True, penilai
    return False, None


def set_override(session: Session, pegawai: Pegawai, penilai: Pegawai | None, actor_id: int | None,
                 alasan: str, sumber: str) -> bool:
    """Write the override and its history row (inside the caller's transaction); False if unchanged."""
    if sumber not in SUMBER:
        raise ValueError(f"sumber {sumber!r} bukan salah satu dari {SUMBER}")
    new_id = penilai.id if penilai is not None else None
    if pegawai.penilai_override_id == new_id:
        return False
    session.add(PenilaiOverride(pegawai_id=pegawai.id, penilai_id=new_id, sebelumnya_id=pegawai.penilai_override_id,
                                alasan=alasan, sumber=sumber, ditetapkan_at=clock.now(), ditetapkan_oleh_id=actor_id))
    pegawai.penilai_override_id = new_id
    return True


def check_import_penilai(session: Session, pegawai: Pegawai, value, line_errors: list[str]) -> tuple[bool, Pegawai | None]:
    fields: dict[str, str] = {}
    ok, penilai = find_penilai(session, pegawai, value, "penilai_nip", fields)
    line_errors.extend(f"penilai_nip: {m}" for m in fields.values())
    return ok, penilai


def _person(session: Session, pegawai: Pegawai | None) -> dict | None:
    if pegawai is None:
        return None
    row = ppk_for_person(session, pegawai)
    return {"nip": row.nip if row else pegawai.nip, "nama": pegawai.nama_lengkap,
            "jabatan": row.jabatan if row else (pegawai.jabatan.nama if pegawai.jabatan else ""), "ppk": row is not None}


def riwayat(session: Session, pegawai: Pegawai) -> list[dict]:
    rows = session.scalars(select(PenilaiOverride).where(PenilaiOverride.pegawai_id == pegawai.id)
                           .order_by(PenilaiOverride.id.desc()))
    return [{"penilai": _person(session, r.penilai), "sebelumnya": _person(session, r.sebelumnya),
             "alasan": r.alasan, "sumber": r.sumber, "ditetapkan_at": clock.local_text(r.ditetapkan_at),
             "ditetapkan_oleh": r.ditetapkan_oleh.nama_lengkap if r.ditetapkan_oleh else None} for r in rows]


def view(session: Session, pegawai: Pegawai) -> dict:
    """The pegawai's pejabat penilai now (explicit or from the tree) and the history of explicit ones."""
    from . import org

    return {"nip": pegawai.nip, "nama": pegawai.nama_lengkap,
            "pejabat_penilai": _person(session, org.pejabat_penilai(session, pegawai)),
            "ditetapkan_admin": pegawai.penilai_override_id is not None, "riwayat": riwayat(session, pegawai)}


def overrides_of(session: Session, instansi_id: int) -> list[dict]:
    rows = session.scalars(select(Pegawai).where(Pegawai.instansi_id == instansi_id,
                                                 Pegawai.penilai_override_id.is_not(None)).order_by(Pegawai.nama))
    return [view(session, p) for p in rows]
