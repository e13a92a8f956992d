"""Files uploaded through a schema-built form (``format: bukti-dukung``): stored like the bukti dukung of a
realisasi (same checks of kind and size, same folder ``BUKTI_DUKUNG_DIR``), one row per file naming the
instance and the task it was uploaded for; the form's field value is the row's id.
"""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import BinaryIO, Optional

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, write_transaction
from core.errors import Forbidden, NotFound, ValidationFailed
from app.request_input import as_id
from workflows import clock
from workflows.instances import may_complete, open_task

from .bukti_dukung import MEDIA_TYPES, clean_name, name_for_kind, received
from .org import Pegawai


class BerkasFormulir(Base):
    __tablename__ = "berkas_formulir"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    kolom: Mapped[str] = mapped_column(String(255))  # the field's input name, e.g. lampiran[0].berkas
    nama_asli: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    ukuran: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    nama_simpan: Mapped[str] = mapped_column(String(80), unique=True)
    diunggah_oleh_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    diunggah_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    diunggah_oleh: Mapped[Optional[Pegawai]] = relationship()


def simpan(session: Session, actor_id: int, task_id: str, kolom: str, stream: BinaryIO, filename: str | None,
           directory: Path, max_bytes: int) -> BerkasFormulir:
    """Store one file posted for the field ``kolom`` of an open task the actor may complete.
    A refused file is a ValidationFailed naming the field."""
    try:
        with received(stream, directory, max_bytes) as got:
            with write_transaction(session):
                task = open_task(session, task_id)
                if not may_complete(session, task, actor_id):
                    raise Forbidden("Tugas ini bukan untuk Anda.")
                row = BerkasFormulir(instance_id=task.instance_id, task_id=task.id, kolom=kolom[:255],
                                     nama_asli=name_for_kind(clean_name(filename), got.kind),
                                     media_type=MEDIA_TYPES[got.kind], ukuran=got.size, sha256=got.sha256,
                                     nama_simpan=f"f-{secrets.token_hex(16)}.{got.kind}", diunggah_oleh_id=actor_id,
                                     diunggah_at=clock.now())
                session.add(row)
                session.flush()
                got.place(directory / row.nama_simpan)
            return row
    except ValidationFailed as exc:
        message = (exc.details.get("fields") or {}).get("berkas", exc.message)
        raise ValidationFailed({kolom: message}, exc.message) from None


def of_task(session: Session, berkas_id, task_id: str, actor_id: int) -> bool:
    """Whether ``berkas_id`` is a file the actor uploaded for this task (a form posted again keeps it)."""
    row = session.get(BerkasFormulir, as_id(berkas_id)) if as_id(berkas_id) else None
    return row is not None and row.task_id == task_id and row.diunggah_oleh_id == actor_id


def get_berkas(session: Session, berkas_id) -> BerkasFormulir:
    row = session.get(BerkasFormulir, as_id(berkas_id)) if as_id(berkas_id) else None
    if row is None:
        raise NotFound(f"Berkas {berkas_id} tidak ditemukan")
    return row
