"""Bukti dukung: files a pegawai uploads as evidence for the realisasi of an RHK (domain §3.7).

A file is accepted only when its content is one of the allowed kinds (checked by its first
bytes, never by its name or the browser's media type): PDF, PNG, JPEG, and office documents
(DOCX/XLSX/PPTX: a zip with ``[Content_Types].xml``; ODT/ODS: a zip whose ``mimetype`` entry
says so), and only up to the configured size. It is stored outside the web root, under
``BUKTI_DUKUNG_DIR``, under a generated name with the extension of the detected kind; the row keeps
the original name (its extension corrected to the detected kind: a PDF sent as ``x.html`` is ``x.pdf``),
media type, size and SHA-256. The pegawai uploads and deletes while the realisasi task is open; the pegawai, the
pejabat penilai and the admins of the instansi download.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Optional

from sqlalchemy import BigInteger, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, write_transaction
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.request_input import as_id
from workflows import clock
from workflows.instances import by_business_key, may_complete, open_tasks_of

from .org import ADMIN_ROLES, Pegawai
from .penilaian import Penilaian, get_penilaian

MEDIA_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ALLOWED_TEXT = "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT atau ODS"
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
REALISASI_FORM = "realisasi"


class BuktiDukung(Base):
    __tablename__ = "bukti_dukung"
    id: Mapped[int] = mapped_column(primary_key=True)
    penilaian_id: Mapped[int] = mapped_column(ForeignKey("penilaian.id", ondelete="CASCADE"), index=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id"))
    nama_asli: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    ukuran: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    nama_simpan: Mapped[str] = mapped_column(String(80), unique=True)
    diunggah_oleh_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    diunggah_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    penilaian: Mapped[Penilaian] = relationship()
    diunggah_oleh: Mapped[Optional[Pegawai]] = relationship()


def kind_of(path: Path) -> str | None:
    """The allowed kind of a file by its content (a key of MEDIA_TYPES), or None."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return {MEDIA_TYPES["odt"]: "odt", MEDIA_TYPES["ods"]: "ods"}.get(declared)
            if "[Content_Types].xml" in names:
                return next((kind for prefix, kind in OOXML_PARTS.items()
                             if any(n.startswith(prefix) for n in names)), None)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def clean_name(name: str | None) -> str:
    """The uploaded file's name as shown again: no path, no control characters, at most 200 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    return (base or "berkas")[-200:]


EXTENSIONS = {"jpg": (".jpg", ".jpeg")}  # the other kinds: ".<kind>" only


def name_for_kind(name: str, kind: str) -> str:
    """``name`` with an extension that says what the content is: ``laporan.html`` holding a PDF is
    ``laporan.pdf``, so that no program opens it as something else once downloaded."""
    accepted = EXTENSIONS.get(kind, (f".{kind}",))
    if name.lower().endswith(accepted):
        return name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{stem[:200 - len(accepted[0])] or 'berkas'}{accepted[0]}"


def download_name(row: "BuktiDukung") -> str:
    """The name a download is offered under (rows stored before the rule above are corrected here too)."""
    kind = next((k for k, media in MEDIA_TYPES.items() if media == row.media_type), None)
    return name_for_kind(row.nama_asli, kind) if kind else row.nama_asli


# ------------------------------------------------------------------ who may do what

def open_realisasi_task(session: Session, penilaian: Penilaian):
    instance = by_business_key(session, f"penilaian:{penilaian.id}")
    if instance is None:
        return None
    return next((t for t in open_tasks_of(session, instance.id) if t.form_key == REALISASI_FORM), None)


def may_download(actor, penilaian: Penilaian) -> bool:
    skp = penilaian.skp
    if actor.id in (skp.pegawai_id, skp.pejabat_penilai_id, penilaian.penilai_id):
        return True
    return actor.has(*ADMIN_ROLES) and (actor.has("superadmin") or actor.pegawai.instansi_id == skp.instansi_id)


def _check_may_change(session: Session, actor, penilaian: Penilaian) -> None:
    """Only the pegawai, only while the realisasi task is open (404 for whoever may not see it)."""
    if actor.id != penilaian.skp.pegawai_id:
        if may_download(actor, penilaian):
            raise Forbidden("Hanya pegawai yang dinilai yang dapat mengubah bukti dukung")
        raise NotFound(f"Penilaian {penilaian.id} tidak ditemukan")
    task = open_realisasi_task(session, penilaian)
    if task is None or not may_complete(session, task, actor.id):
        raise Conflict(f"Penilaian berstatus {penilaian.status}: bukti dukung hanya dapat diubah selama "
                       "pengisian realisasi terbuka")


def visible_penilaian(session: Session, actor, penilaian_id) -> Penilaian:
    penilaian = get_penilaian(session, penilaian_id)
    if not may_download(actor, penilaian):
        raise NotFound(f"Penilaian {penilaian_id} tidak ditemukan")
    return penilaian


# ------------------------------------------------------------------ use cases

def unggah(session: Session, actor, penilaian_id, rhk_id, stream: BinaryIO | None, filename: str | None,
           directory: Path, max_bytes: int) -> BuktiDukung:
    """Store one uploaded file for an RHK of the penilaian; nothing is kept when anything is wrong."""
    penilaian = get_penilaian(session, penilaian_id)
    _check_may_change(session, actor, penilaian)
    fields: dict[str, str] = {}
    rhk_ids = {r.id for r in penilaian.skp.rhk}
    rhk = as_id(rhk_id)
    if rhk is None or rhk not in rhk_ids:
        fields["rhk_id"] = "bukan RHK dari SKP penilaian ini"
    if stream is None or not (filename or "").strip():
        fields["berkas"] = "wajib diisi: pilih berkas bukti dukung"
    if fields:
        raise ValidationFailed(fields)
    with received(stream, directory, max_bytes) as got:
        with write_transaction(session):
            penilaian = get_penilaian(session, penilaian.id)
            _check_may_change(session, actor, penilaian)
            row = BuktiDukung(penilaian_id=penilaian.id, rhk_id=rhk,
                              nama_asli=name_for_kind(clean_name(filename), got.kind),
                              media_type=MEDIA_TYPES[got.kind], ukuran=got.size, sha256=got.sha256,
                              nama_simpan=f"{secrets.token_hex(16)}.{got.kind}", diunggah_oleh_id=actor.id,
                              diunggah_at=clock.now())
            session.add(row)
            session.flush()
            got.place(directory / row.nama_simpan)
        return row


@dataclass
class Received:
    """An upload received into a temporary file, its size and kind checked."""
    temp: Path
    kind: str
    size: int
    sha256: str
    placed: Path | None = None

    def place(self, final: Path) -> None:
        """Move the file to its stored name (inside the caller's transaction)."""
        os.replace(self.temp, final)
        self.placed = final


@contextmanager
def received(stream: BinaryIO, directory: Path, max_bytes: int):
    """Receive an upload (only the kinds and the size bukti dukung allow); yields a ``Received``.
    Nothing stays on disk when the block fails: neither the temporary file nor the placed one."""
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f".unggah-{secrets.token_hex(16)}"
    got: Received | None = None
    done = False
    try:
        digest, size = hashlib.sha256(), 0
        with open(temp, "wb") as out:
            while chunk := stream.read(1024 * 256):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed({"berkas": f"ukuran berkas melebihi batas {_mb(max_bytes)}"},
                                           f"Berkas terlalu besar (batas {_mb(max_bytes)})")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed({"berkas": "berkas kosong"})
        kind = kind_of(temp)
        if kind is None:
            raise ValidationFailed({"berkas": f"hanya {ALLOWED_TEXT} yang dapat diunggah (diperiksa dari isi berkas, "
                                              "bukan dari namanya)"}, "Jenis berkas tidak diizinkan")
        got = Received(temp, kind, size, digest.hexdigest())
        yield got
        done = True
    finally:
        temp.unlink(missing_ok=True)
        if not done and got is not None and got.placed is not None:
            got.placed.unlink(missing_ok=True)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def get_bukti(session: Session, bukti_id) -> BuktiDukung:
    row = session.get(BuktiDukung, as_id(bukti_id)) if as_id(bukti_id) else None
    if row is None:
        raise NotFound(f"Bukti dukung {bukti_id} tidak ditemukan")
    return row


def untuk_unduh(session: Session, actor, bukti_id, directory: Path) -> tuple[BuktiDukung, Path]:
    row = get_bukti(session, bukti_id)
    if not may_download(actor, row.penilaian):
        raise NotFound(f"Bukti dukung {bukti_id} tidak ditemukan")
    path = directory / row.nama_simpan
    if not path.is_file():
        raise NotFound(f"Berkas bukti dukung {bukti_id} tidak ada di penyimpanan")
    return row, path


def hapus(session: Session, actor, bukti_id, directory: Path) -> int:
    """Delete one file while the pegawai's realisasi task is open; returns its penilaian id."""
    with write_transaction(session):
        row = get_bukti(session, bukti_id)
        if not may_download(actor, row.penilaian):
            raise NotFound(f"Bukti dukung {bukti_id} tidak ditemukan")
        _check_may_change(session, actor, row.penilaian)
        penilaian_id, stored = row.penilaian_id, row.nama_simpan
        session.delete(row)
    (directory / stored).unlink(missing_ok=True)
    return penilaian_id


def daftar(session: Session, penilaian_id: int) -> dict[int, list[BuktiDukung]]:
    """The files of a penilaian per RHK id."""
    out: dict[int, list[BuktiDukung]] = {}
    for row in session.scalars(select(BuktiDukung).where(BuktiDukung.penilaian_id == penilaian_id)
                               .order_by(BuktiDukung.id)):
        out.setdefault(row.rhk_id, []).append(row)
    return out


def bukti_json(row: BuktiDukung) -> dict:
    return {"id": row.id, "penilaian_id": row.penilaian_id, "rhk_id": row.rhk_id, "nama": row.nama_asli,
            "media_type": row.media_type, "ukuran": row.ukuran, "sha256": row.sha256,
            "diunggah_oleh_nip": row.diunggah_oleh.nip if row.diunggah_oleh else None,
            "diunggah_at": row.diunggah_at.isoformat() if row.diunggah_at else None}
