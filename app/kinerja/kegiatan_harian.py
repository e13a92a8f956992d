"""Kegiatan harian: the daily official activities a pegawai records (issue 18, part 1).

Each activity is one day's work on an RHK of the pegawai's approved SKP (tugas jabatan or tugas tambahan):
what was done, an optional output, and an optional link or file (a file is checked and stored like a
bukti dukung: by its content, under ``BUKTI_DUKUNG_DIR``). The rencana aksi of the month is taken from the
realisasi of the penilaian whose period holds the date when the pegawai leaves it empty. The pegawai's
pejabat penilai (the atasan) reads the activities of his bawahan and comments on each; admins of the
instansi read. At the end of a period the activities of an RHK are offered as the draft of its realisasi
and its bukti dukung links (``draf_realisasi``). Once a penilaian whose period holds the date is FINAL the
activity is locked: no change, no deletion, no comment (409).

An instansi may switch the feature off (``EKINERJA_KEGIATAN_HARIAN``, see ``diaktifkan``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from pathlib import Path
from typing import BinaryIO, Optional

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, write_transaction
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.request_input import as_id, read_date
from workflows import clock

from . import org
from .bukti_dukung import MEDIA_TYPES, clean_name, name_for_kind, received
from .org import ADMIN_ROLES, Instansi, Pegawai
from .penilaian import Penilaian, Periode, Realisasi
from .skp import Rhk, Skp

JENIS = ("TUGAS_JABATAN", "TUGAS_TAMBAHAN")
JENIS_LABEL = {"TUGAS_JABATAN": "Tugas jabatan", "TUGAS_TAMBAHAN": "Tugas tambahan"}
JENIS_DARI_RHK = {"UTAMA": "TUGAS_JABATAN", "TAMBAHAN": "TUGAS_TAMBAHAN"}
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MAX_HARI = 366  # the longest range listed or exported at once
NONAKTIF_MESSAGE = "Kegiatan harian tidak digunakan di instansi ini (pengaturan EKINERJA_KEGIATAN_HARIAN)."


class KegiatanHarian(Base):
    __tablename__ = "kegiatan_harian"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    tanggal: Mapped[dt.date] = mapped_column(Date)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id", ondelete="CASCADE"), index=True)
    jenis: Mapped[str] = mapped_column(String(16))
    uraian: Mapped[str] = mapped_column(Text)
    rencana_aksi: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    tautan: Mapped[str] = mapped_column(Text, default="")
    berkas_nama: Mapped[Optional[str]] = mapped_column(String(255))
    berkas_media_type: Mapped[Optional[str]] = mapped_column(String(120))
    berkas_ukuran: Mapped[Optional[int]] = mapped_column(BigInteger)
    berkas_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    berkas_simpan: Mapped[Optional[str]] = mapped_column(String(80), unique=True)
    komentar: Mapped[str] = mapped_column(Text, default="")
    komentar_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    komentar_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    dibuat_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    diubah_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    pegawai: Mapped[Pegawai] = relationship(foreign_keys=[pegawai_id])
    komentar_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[komentar_oleh_id])
    rhk: Mapped[Rhk] = relationship()
    skp: Mapped[Skp] = relationship()

    __table_args__ = (Index("ix_kegiatan_harian_pegawai_tanggal", "pegawai_id", "tanggal"),)


# ------------------------------------------------------------------ the instansi switch

def diaktifkan(setting: str | None, instansi: Instansi) -> bool:
    """Whether the instansi uses kegiatan harian. ``setting`` is ``EKINERJA_KEGIATAN_HARIAN``: empty, ``ya``
    or ``semua`` (default) for every instansi, ``tidak`` for none, else the comma-separated kode of the
    instansi that use it."""
    value = (setting or "").strip().lower()
    if value in ("", "1", "ya", "yes", "true", "on", "semua"):
        return True
    if value in ("0", "tidak", "no", "false", "off"):
        return False
    return instansi.kode.lower() in {k.strip() for k in value.split(",") if k.strip()}


def periksa_aktif(setting: str | None, actor) -> None:
    if not diaktifkan(setting, actor.pegawai.instansi):
        raise NotFound(NONAKTIF_MESSAGE)


# ------------------------------------------------------------------ dates

def rentang(tampilan: str, tanggal: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) or the calendar month holding the date."""
    if tampilan == "bulan":
        first = tanggal.replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        return first, nxt - dt.timedelta(days=1)
    start = tanggal - dt.timedelta(days=tanggal.weekday())
    return start, start + dt.timedelta(days=6)


def baca_rentang(dari, sampai, fields: dict) -> tuple[dt.date | None, dt.date | None]:
    """``dari`` and ``sampai`` (ISO dates; default: this month), at most a year apart, naming the bad field."""
    awal, akhir = rentang("bulan", clock.today())
    awal = read_date(dari, "dari", fields, required=False) or awal
    akhir = read_date(sampai, "sampai", fields, required=False) or akhir
    if "dari" not in fields and "sampai" not in fields:
        if akhir < awal:
            fields["sampai"] = "tidak boleh sebelum tanggal awal"
        elif (akhir - awal).days >= MAX_HARI:
            fields["sampai"] = f"rentang paling panjang {MAX_HARI} hari"
    return awal, akhir


def label_hari(d: dt.date) -> str:
    return f"{HARI[d.weekday()]}, {d.day} {BULAN[d.month - 1]} {d.year}"


# ------------------------------------------------------------------ who may do what

def atasan_dari(session: Session, pegawai: Pegawai) -> Pegawai | None:
    return org.pejabat_penilai(session, pegawai)


def may_view(session: Session, actor, pegawai: Pegawai) -> bool:
    if actor.id == pegawai.id:
        return True
    if getattr(atasan_dari(session, pegawai), "id", None) == actor.id:
        return True
    return actor.has(*ADMIN_ROLES) and (actor.has("superadmin") or actor.pegawai.instansi_id == pegawai.instansi_id)


def may_comment(session: Session, actor, row: KegiatanHarian) -> bool:
    """The pegawai's atasan (pejabat penilai now, or the penilai of the activity's SKP)."""
    return actor.id != row.pegawai_id and actor.id in (
        getattr(atasan_dari(session, row.pegawai), "id", None), row.skp.pejabat_penilai_id)


def pegawai_terlihat(session: Session, actor, nip: str | None) -> Pegawai:
    """The pegawai whose activities are asked for (default: the caller); 404 when the caller may not see them."""
    if not nip or nip == actor.pegawai.nip:
        return actor.pegawai
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == str(nip).strip()))
    if pegawai is None or not may_view(session, actor, pegawai):
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan atau bukan bawahan Anda")
    return pegawai


def get_kegiatan(session: Session, actor, kegiatan_id) -> KegiatanHarian:
    row = session.get(KegiatanHarian, as_id(kegiatan_id)) if as_id(kegiatan_id) else None
    if row is None or not may_view(session, actor, row.pegawai):
        raise NotFound(f"Kegiatan harian {kegiatan_id} tidak ditemukan")
    return row


def periode_final(session: Session, skp_id: int, tanggal: dt.date) -> Periode | None:
    """The period holding the date whose penilaian of the SKP is final (the activity is then locked)."""
    return session.scalar(select(Periode).join(Penilaian, Penilaian.periode_id == Periode.id).where(
        Penilaian.skp_id == skp_id, Penilaian.status == "FINAL", Periode.periode_awal <= tanggal,
        Periode.periode_akhir >= tanggal).order_by(Periode.periode_awal).limit(1))


def periksa_terbuka(session: Session, skp_id: int, tanggal: dt.date) -> None:
    periode = periode_final(session, skp_id, tanggal)
    if periode is not None:
        raise Conflict(f"Kegiatan harian tanggal {tanggal.strftime('%d-%m-%Y')} terkunci: penilaian periode "
                       f"{periode.nama} {periode.tahun} sudah final, sehingga kegiatannya tidak dapat diubah lagi",
                       {"periode_id": periode.id, "tanggal": tanggal.isoformat()})


def _may_change(session: Session, actor, row: KegiatanHarian) -> None:
    if actor.id != row.pegawai_id:
        raise Forbidden("Hanya pegawai pemilik kegiatan yang dapat mengubahnya")
    periksa_terbuka(session, row.skp_id, row.tanggal)


def terkunci(session: Session, row: KegiatanHarian) -> bool:
    return periode_final(session, row.skp_id, row.tanggal) is not None


# ------------------------------------------------------------------ reading input

def _text(data: dict, field: str, fields: dict, limit: int, required: bool = False) -> str:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        fields[field] = "harus berupa teks"
        return ""
    text = (value or "").strip()
    if required and not text:
        fields[field] = "wajib diisi"
    elif len(text) > limit:
        fields[field] = f"paling banyak {limit} karakter"
    return text


def rhk_pilihan(session: Session, pegawai: Pegawai, tanggal: dt.date | None = None) -> list[Rhk]:
    """The RHK of the pegawai's approved SKP (of the date's year, covering the date when given)."""
    tanggal = tanggal or clock.today()
    query = (select(Rhk).join(Skp, Rhk.skp_id == Skp.id)
             .where(Skp.pegawai_id == pegawai.id, Skp.status.in_(("DISETUJUI", "SELESAI")),
                    Skp.periode_awal <= tanggal, Skp.periode_akhir >= tanggal)
             .order_by(Skp.periode_awal, Rhk.urutan))
    return list(session.scalars(query))


def rencana_aksi_bulan(session: Session, skp_id: int, rhk_id: int, tanggal: dt.date) -> str:
    """The rencana aksi the pegawai wrote for the RHK in the penilaian whose (shortest) period holds the date."""
    rows = session.execute(select(Realisasi.rencana_aksi, Periode.periode_awal, Periode.periode_akhir)
                           .join(Penilaian, Realisasi.penilaian_id == Penilaian.id)
                           .join(Periode, Penilaian.periode_id == Periode.id)
                           .where(Penilaian.skp_id == skp_id, Realisasi.rhk_id == rhk_id,
                                  Periode.periode_awal <= tanggal, Periode.periode_akhir >= tanggal)).all()
    rows = sorted((r for r in rows if (r.rencana_aksi or "").strip()), key=lambda r: r.periode_akhir - r.periode_awal)
    return rows[0].rencana_aksi.strip() if rows else ""


def _read(session: Session, pegawai: Pegawai, data: dict, current: KegiatanHarian | None = None) -> dict:
    """The validated values of an activity; every bad field named at once."""
    fields: dict[str, str] = {}
    merged = {**({"tanggal": current.tanggal.isoformat(), "rhk_id": current.rhk_id, "jenis": current.jenis,
                  "uraian": current.uraian, "output": current.output, "tautan": current.tautan,
                  "rencana_aksi": current.rencana_aksi} if current else {}), **data}
    tanggal = read_date(merged.get("tanggal"), "tanggal", fields)
    if tanggal and tanggal > clock.today():
        fields["tanggal"] = "tidak boleh setelah hari ini"
    rhk = None
    rhk_id = as_id(merged.get("rhk_id"))
    if rhk_id is None:
        fields["rhk_id"] = "wajib diisi: pilih RHK" if merged.get("rhk_id") in (None, "") else "bukan RHK yang sah"
    elif tanggal and "tanggal" not in fields:
        rhk = next((r for r in rhk_pilihan(session, pegawai, tanggal) if r.id == rhk_id), None)
        if rhk is None:
            fields["rhk_id"] = (f"bukan RHK dari SKP Anda yang disetujui untuk tanggal "
                                f"{tanggal.strftime('%d-%m-%Y')}")
    jenis = merged.get("jenis") or (JENIS_DARI_RHK.get(rhk.jenis) if rhk else None)
    if jenis not in JENIS:
        fields["jenis"] = "harus TUGAS_JABATAN atau TUGAS_TAMBAHAN"
    values = {"uraian": _text(merged, "uraian", fields, 2000, required=True),
              "output": _text(merged, "output", fields, 500),
              "tautan": _text(merged, "tautan", fields, 1000),
              "rencana_aksi": _text(merged, "rencana_aksi", fields, 2000)}
    if values["tautan"] and not values["tautan"].startswith(("https://", "http://")):
        fields["tautan"] = "harus tautan http(s)://"
    if fields:
        raise ValidationFailed(fields)
    if not values["rencana_aksi"]:
        values["rencana_aksi"] = rencana_aksi_bulan(session, rhk.skp_id, rhk.id, tanggal)
    return {**values, "tanggal": tanggal, "rhk_id": rhk.id, "skp_id": rhk.skp_id, "jenis": jenis}


# ------------------------------------------------------------------ use cases (inside the caller's transaction)

def catat(session: Session, actor, data: dict) -> KegiatanHarian:
    """Record an activity of the caller (a file is attached with ``lampirkan`` after)."""
    values = _read(session, actor.pegawai, data)
    periksa_terbuka(session, values["skp_id"], values["tanggal"])
    now = clock.now()
    row = KegiatanHarian(instansi_id=actor.pegawai.instansi_id, pegawai_id=actor.id, dibuat_at=now, diubah_at=now,
                         komentar="", **values)
    session.add(row)
    session.flush()
    return row


def ubah(session: Session, actor, kegiatan_id, data: dict) -> KegiatanHarian:
    row = get_kegiatan(session, actor, kegiatan_id)
    _may_change(session, actor, row)
    values = _read(session, actor.pegawai, data, row)
    periksa_terbuka(session, values["skp_id"], values["tanggal"])
    for key, value in values.items():
        setattr(row, key, value)
    row.diubah_at = clock.now()
    session.flush()
    return row


def hapus(session: Session, actor, kegiatan_id) -> str | None:
    """Delete an activity; returns the stored file's name (the caller removes it after the commit)."""
    row = get_kegiatan(session, actor, kegiatan_id)
    _may_change(session, actor, row)
    stored = row.berkas_simpan
    session.delete(row)
    session.flush()
    return stored


def komentari(session: Session, actor, kegiatan_id, komentar) -> KegiatanHarian:
    row = get_kegiatan(session, actor, kegiatan_id)
    if not may_comment(session, actor, row):
        raise Forbidden("Hanya atasan (pejabat penilai) pegawai yang dapat memberi komentar")
    periksa_terbuka(session, row.skp_id, row.tanggal)
    fields: dict[str, str] = {}
    text = _text({"komentar": komentar}, "komentar", fields, 2000)
    if fields:
        raise ValidationFailed(fields)
    row.komentar = text
    row.komentar_oleh_id = actor.id if text else None
    row.komentar_at = clock.now() if text else None
    session.flush()
    return row


def simpan(session: Session, actor, data: dict, kegiatan_id=None, upload: tuple[BinaryIO, str] | None = None,
           directory: Path | None = None, max_bytes: int = 0) -> KegiatanHarian:
    """Record (``kegiatan_id`` None) or change an activity of the caller in one write transaction, with the
    uploaded file (``upload``: stream and name) checked like a bukti dukung and stored under ``directory``:
    nothing is kept when anything is wrong; a replaced file is removed after the commit."""
    if upload is None or upload[0] is None or not (upload[1] or "").strip():
        with write_transaction(session):
            return catat(session, actor, data) if kegiatan_id is None else ubah(session, actor, kegiatan_id, data)
    stream, filename = upload
    if kegiatan_id is not None:  # refuse before receiving the file when it could not be kept anyway
        _may_change(session, actor, get_kegiatan(session, actor, kegiatan_id))
    with received(stream, directory, max_bytes) as got:
        with write_transaction(session):
            row = catat(session, actor, data) if kegiatan_id is None else ubah(session, actor, kegiatan_id, data)
            old = row.berkas_simpan
            row.berkas_nama = name_for_kind(clean_name(filename), got.kind)
            row.berkas_media_type = MEDIA_TYPES[got.kind]
            row.berkas_ukuran, row.berkas_sha256 = got.size, got.sha256
            row.berkas_simpan = f"kh-{secrets.token_hex(16)}.{got.kind}"
            session.flush()
            got.place(directory / row.berkas_simpan)
    if old:
        (directory / old).unlink(missing_ok=True)
    return row


def berkas_untuk_unduh(session: Session, actor, kegiatan_id, directory: Path) -> tuple[KegiatanHarian, Path]:
    row = get_kegiatan(session, actor, kegiatan_id)
    path = directory / row.berkas_simpan if row.berkas_simpan else None
    if path is None or not path.is_file():
        raise NotFound(f"Kegiatan harian {kegiatan_id} tidak mempunyai berkas")
    return row, path


def daftar(session: Session, pegawai: Pegawai, dari: dt.date, sampai: dt.date) -> list[KegiatanHarian]:
    return list(session.scalars(select(KegiatanHarian).where(
        KegiatanHarian.pegawai_id == pegawai.id, KegiatanHarian.tanggal >= dari, KegiatanHarian.tanggal <= sampai)
        .order_by(KegiatanHarian.tanggal, KegiatanHarian.id)))


def bawahan(session: Session, atasan: Pegawai) -> list[Pegawai]:
    """The pegawai whose pejabat penilai is the caller (whose activities he reads and comments on)."""
    from .dialog import bawahan as dinilai

    return dinilai(session, atasan)


def per_hari(rows: list[KegiatanHarian], dari: dt.date, sampai: dt.date) -> list[tuple[dt.date, list]]:
    """Every day of the range with its activities (a week or month view)."""
    days, day = [], dari
    while day <= sampai:
        days.append((day, [r for r in rows if r.tanggal == day]))
        day += dt.timedelta(days=1)
    return days


# ------------------------------------------------------------------ realisasi draft

def draf_realisasi(session: Session, penilaian: Penilaian, berkas_url=None) -> dict[int, dict]:
    """Per RHK of the penilaian's SKP: the activities of its period as the realisasi draft text, and their
    links (tautan, and ``berkas_url(row)`` for files) as bukti dukung."""
    periode = penilaian.periode
    rows = list(session.scalars(select(KegiatanHarian).where(
        KegiatanHarian.skp_id == penilaian.skp_id, KegiatanHarian.tanggal >= periode.periode_awal,
        KegiatanHarian.tanggal <= periode.periode_akhir).order_by(KegiatanHarian.tanggal, KegiatanHarian.id)))
    out: dict[int, dict] = {}
    for row in rows:
        item = out.setdefault(row.rhk_id, {"realisasi": "", "tautan": [], "kegiatan": 0})
        line = f"- {row.tanggal.strftime('%d-%m-%Y')}: {row.uraian}"
        if row.output:
            line += f" (output: {row.output})"
        item["realisasi"] = f"{item['realisasi']}\n{line}" if item["realisasi"] else line
        item["kegiatan"] += 1
        for link in ([row.tautan] if row.tautan else []) + ([berkas_url(row)] if berkas_url and row.berkas_simpan else []):
            if link not in item["tautan"]:
                item["tautan"].append(link)
    return out


# ------------------------------------------------------------------ export

KOLOM = (("nip", "NIP"), ("nama", "Nama"), ("tanggal", "Tanggal"), ("jenis", "Jenis tugas"), ("rhk", "RHK"),
         ("rencana_aksi", "Rencana aksi"), ("uraian", "Uraian kegiatan"), ("output", "Output"),
         ("tautan", "Tautan"), ("berkas", "Berkas"), ("komentar", "Komentar atasan"))


def _baris(row: KegiatanHarian) -> list:
    return [row.pegawai.nip, row.pegawai.nama_lengkap, row.tanggal.strftime("%d-%m-%Y"), JENIS_LABEL[row.jenis],
            row.rhk.deskripsi, row.rencana_aksi, row.uraian, row.output, row.tautan, row.berkas_nama or "",
            row.komentar]


def ke_csv(rows: list[KegiatanHarian]) -> bytes:
    """Every cell quoted (a NIP stays text in a spreadsheet), UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([label for _, label in KOLOM])
    for row in rows:
        writer.writerow(_baris(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ke_xlsx(rows: list[KegiatanHarian]) -> bytes:
    """One sheet "Kegiatan Harian"; the NIP cells are strings formatted as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Kegiatan Harian"
    sheet.append([label for _, label in KOLOM])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_baris(row))
        sheet.cell(row=sheet.max_row, column=1).number_format = "@"
    for letter, width in zip("ABCDEFGHIJK", (21, 28, 12, 16, 40, 30, 50, 24, 30, 20, 30)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kegiatan_json(row: KegiatanHarian, may_comment_it: bool | None = None) -> dict:
    out = {"id": row.id, "nip": row.pegawai.nip, "nama": row.pegawai.nama_lengkap, "tanggal": row.tanggal.isoformat(),
           "skp_id": row.skp_id, "rhk_id": row.rhk_id, "rhk": row.rhk.deskripsi, "jenis": row.jenis,
           "uraian": row.uraian, "rencana_aksi": row.rencana_aksi, "output": row.output, "tautan": row.tautan,
           "berkas": ({"nama": row.berkas_nama, "media_type": row.berkas_media_type, "ukuran": row.berkas_ukuran,
                       "sha256": row.berkas_sha256} if row.berkas_simpan else None),
           "komentar": row.komentar, "komentar_oleh_nip": row.komentar_oleh.nip if row.komentar_oleh else None,
           "komentar_at": row.komentar_at.isoformat() if row.komentar_at else None,
           "dibuat_at": row.dibuat_at.isoformat(), "diubah_at": row.diubah_at.isoformat()}
    if may_comment_it is not None:
        out["boleh_komentar"] = may_comment_it
    return out
