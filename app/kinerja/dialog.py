"""Dialog kinerja (PermenPANRB 6/2022: pembinaan kinerja): a leader and one or more subordinates
discuss performance, each side records notes and agreements, and both confirm.

A pejabat penilai starts a dialog (topik, tanggal, peserta) with pegawai he evaluates; one instance of
``bpmn/dialog_kinerja.bpmn`` runs per dialog (business key ``dialog:<id>``): the leader's task and one
task per peserta in parallel, then the agreements are applied. An agreement "ubah SKP" about a peserta
takes that peserta's approved SKP down the rollback path of ``skp_perencanaan`` (its rollback task is
completed in the same transaction, by the leader, with the dialog named as the reason).

The order of the steps lives in the diagram; the rows and what each step does to them live here.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.errors import Forbidden, NotFound, ValidationFailed
from core.db import Base, UtcDateTime
from app.request_input import as_id, read_date
from workflows import clock
from workflows.forms import FormResult, register_form
from workflows.lanes import register_role
from workflows.scripting import register_service

from . import org
from .org import Pegawai
from .skp import Skp, business_key

PROCESS = "dialog_kinerja"
STATUS = ("BERLANGSUNG", "SELESAI")
STATUS_LABEL = {"BERLANGSUNG": "Berlangsung", "SELESAI": "Selesai"}


class DialogKinerja(Base):
    __tablename__ = "dialog_kinerja"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    pimpinan_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    topik: Mapped[str] = mapped_column(String(255))
    tanggal: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="BERLANGSUNG")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    pimpinan_dikonfirmasi_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    selesai_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())

    pimpinan: Mapped[Pegawai] = relationship()
    peserta: Mapped[list["DialogPeserta"]] = relationship(order_by="DialogPeserta.id", cascade="all, delete-orphan")
    catatan: Mapped[list["DialogCatatan"]] = relationship(order_by="DialogCatatan.id", cascade="all, delete-orphan")


class DialogPeserta(Base):
    __tablename__ = "dialog_peserta"
    id: Mapped[int] = mapped_column(primary_key=True)
    dialog_id: Mapped[int] = mapped_column(ForeignKey("dialog_kinerja.id", ondelete="CASCADE"), index=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    dikonfirmasi_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())

    pegawai: Mapped[Pegawai] = relationship()
    __table_args__ = (UniqueConstraint("dialog_id", "pegawai_id"),)


class DialogCatatan(Base):
    """A note (CATATAN) or an agreement (KESEPAKATAN) one side recorded; ``ubah_skp`` asks for a rollback."""

    __tablename__ = "dialog_catatan"
    id: Mapped[int] = mapped_column(primary_key=True)
    dialog_id: Mapped[int] = mapped_column(ForeignKey("dialog_kinerja.id", ondelete="CASCADE"), index=True)
    penulis_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    peserta_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))  # whom an agreement concerns
    jenis: Mapped[str] = mapped_column(String(16))
    teks: Mapped[str] = mapped_column(Text)
    ubah_skp: Mapped[bool] = mapped_column(Boolean, default=False)
    skp_id: Mapped[Optional[int]] = mapped_column(ForeignKey("skp.id"))
    hasil: Mapped[str] = mapped_column(Text, default="")  # what applying the agreement did
    urutan: Mapped[int] = mapped_column(Integer, default=0)

    penulis: Mapped[Pegawai] = relationship(foreign_keys=[penulis_id])
    peserta: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[peserta_id])


# ------------------------------------------------------------------ use cases

def _text(value, field: str, fields: dict, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        fields[field] = "wajib diisi"
    elif len(text) > limit:
        fields[field] = f"paling banyak {limit} karakter"
    return text


def buat_dialog(session: Session, pimpinan: Pegawai, data: dict) -> DialogKinerja:
    """Create a dialog and start its process (inside the caller's write transaction).

    Only a pejabat penilai starts one, and only with pegawai he evaluates; every problem is named.
    """
    from workflows.instances import start_instance

    if "pejabat_penilai" not in org.roles_of(session, pimpinan):
        raise Forbidden("Hanya pejabat penilai yang dapat memulai dialog kinerja dengan bawahannya")
    fields: dict[str, str] = {}
    topik = _text(data.get("topik"), "topik", fields, 255)
    tanggal = read_date(data.get("tanggal"), "tanggal", fields)
    nips = data.get("peserta")
    peserta: list[Pegawai] = []
    if not isinstance(nips, list) or not nips:
        fields["peserta"] = "pilih minimal satu pegawai"
    else:
        for n, nip in enumerate(nips):
            pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == str(nip))) if isinstance(nip, str) else None
            if pegawai is None:
                fields[f"peserta[{n}]"] = f"pegawai dengan NIP {nip} tidak ditemukan"
            elif pegawai in peserta:
                fields[f"peserta[{n}]"] = f"{pegawai.nama_lengkap} disebut lebih dari sekali"
            elif getattr(org.pejabat_penilai(session, pegawai), "id", None) != pimpinan.id:
                fields[f"peserta[{n}]"] = f"{pegawai.nama_lengkap} (NIP {pegawai.nip}) bukan bawahan yang Anda nilai"
            else:
                peserta.append(pegawai)
    if fields:
        raise ValidationFailed(fields)
    dialog = DialogKinerja(instansi_id=pimpinan.instansi_id, pimpinan=pimpinan, topik=topik, tanggal=tanggal,
                           created_at=clock.now(), peserta=[DialogPeserta(pegawai=p) for p in peserta])
    session.add(dialog)
    session.flush()
    start_instance(session, PROCESS, f"dialog:{dialog.id}", {
        "dialog_id": dialog.id, "pimpinan_id": pimpinan.id, "instansi_id": pimpinan.instansi_id, "peserta_ids": [p.id for p in peserta],
        "topik": topik, "tanggal": tanggal.isoformat(), "nama_pimpinan": pimpinan.nama_lengkap}, pimpinan.id)
    return dialog


def bawahan(session: Session, pimpinan: Pegawai) -> list[Pegawai]:
    """The pegawai whose pejabat penilai is this leader (who may take part in his dialogs)."""
    from .skp_access import _subtree_unor_ids

    if pimpinan.jabatan is None:
        return []
    unor_ids = _subtree_unor_ids(session, pimpinan.jabatan.unor_id)
    rows = session.scalars(select(Pegawai).join(org.Jabatan, Pegawai.jabatan_id == org.Jabatan.id)
                           .where(org.Jabatan.unor_id.in_(unor_ids), Pegawai.id != pimpinan.id,
                                  Pegawai.status_kepegawaian == "AKTIF").order_by(Pegawai.nama))
    return [p for p in rows if getattr(org.pejabat_penilai(session, p), "id", None) == pimpinan.id]


def can_view(session: Session, actor, dialog: DialogKinerja) -> bool:
    if actor.id == dialog.pimpinan_id or any(p.pegawai_id == actor.id for p in dialog.peserta):
        return True
    return actor.has("superadmin") or (actor.has("admin_kinerja") and actor.pegawai.instansi_id == dialog.instansi_id)


def get_dialog(session: Session, actor, dialog_id) -> DialogKinerja:
    dialog = session.get(DialogKinerja, as_id(dialog_id)) if as_id(dialog_id) else None
    if dialog is None or not can_view(session, actor, dialog):
        raise NotFound(f"Dialog kinerja {dialog_id} tidak ditemukan")
    return dialog


def list_for(session: Session, actor, nip: str | None) -> list[DialogKinerja]:
    """Dialogs in which the pegawai (the caller by default) leads or takes part."""
    pegawai = actor.pegawai if not nip else session.scalar(select(Pegawai).where(Pegawai.nip == nip))
    if pegawai is None:
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
    allowed = pegawai.id == actor.id or actor.has("superadmin") or \
        (actor.has("admin_kinerja") and actor.pegawai.instansi_id == pegawai.instansi_id) or \
        getattr(org.pejabat_penilai(session, pegawai), "id", None) == actor.id
    if not allowed:
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
    query = select(DialogKinerja).outerjoin(DialogPeserta).where(
        or_(DialogKinerja.pimpinan_id == pegawai.id, DialogPeserta.pegawai_id == pegawai.id))
    return list(session.scalars(query.order_by(DialogKinerja.tanggal.desc(), DialogKinerja.id.desc())).unique())


# ------------------------------------------------------------------ lanes, forms and services of the diagram

@register_role("Pimpinan Dialog")
def pimpinan_dialog(session: Session, data: dict) -> list[int]:
    return [data["pimpinan_id"]] if data.get("pimpinan_id") else []


@register_role("Peserta Dialog")
def peserta_dialog(session: Session, data: dict) -> list[int]:
    """The one peserta of a parallel task instance (the diagram's multi-instance item ``peserta_id``)."""
    return [data["peserta_id"]] if data.get("peserta_id") else []


def _skp_disetujui(session: Session, pegawai_id: int, tahun: int) -> Skp | None:
    return session.scalar(select(Skp).where(Skp.pegawai_id == pegawai_id, Skp.tahun == tahun,
                                            Skp.status == "DISETUJUI").order_by(Skp.id.desc()).limit(1))


def _record(run, task, data: dict, peserta_side: bool) -> FormResult:
    """Replace this author's notes and agreements of the dialog; ``konfirmasi`` completes the task."""
    session = run.session
    dialog = session.get(DialogKinerja, task.data["dialog_id"])
    author_id = task.data["peserta_id"] if peserta_side else dialog.pimpinan_id
    by_nip = {p.pegawai.nip: p.pegawai for p in dialog.peserta}
    fields: dict[str, str] = {}
    rows = [DialogCatatan(dialog_id=dialog.id, penulis_id=author_id, jenis="CATATAN", teks=data["catatan"].strip(),
                          urutan=0)] if (data.get("catatan") or "").strip() else []
    for n, item in enumerate(data.get("kesepakatan") or []):
        where = f"kesepakatan[{n}]"
        teks = _text(item.get("teks"), f"{where}.teks", fields, 4000)
        peserta = session.get(Pegawai, author_id) if peserta_side else by_nip.get(item.get("peserta_nip") or "")
        if peserta is None:
            fields[f"{where}.peserta_nip"] = "pilih salah satu peserta dialog ini"
            continue
        skp = None
        if item.get("ubah_skp"):
            skp = _skp_disetujui(session, peserta.id, dialog.tanggal.year)
            if skp is None:
                fields[f"{where}.ubah_skp"] = (f"{peserta.nama_lengkap} tidak memiliki SKP tahun {dialog.tanggal.year} "
                                               "yang disetujui untuk diubah")
        rows.append(DialogCatatan(dialog_id=dialog.id, penulis_id=author_id, peserta_id=peserta.id, jenis="KESEPAKATAN",
                                  teks=teks, ubah_skp=bool(item.get("ubah_skp")), skp_id=skp.id if skp else None,
                                  urutan=n + 1))
    if fields:
        raise ValidationFailed(fields)
    for old in [c for c in dialog.catatan if c.penulis_id == author_id]:
        dialog.catatan.remove(old)
    dialog.catatan.extend(rows)
    if data["konfirmasi"] and peserta_side:
        next(p for p in dialog.peserta if p.pegawai_id == author_id).dikonfirmasi_at = clock.now()
    elif data["konfirmasi"]:
        dialog.pimpinan_dikonfirmasi_at = clock.now()
    session.flush()
    return FormResult({"konfirmasi": True}) if data["konfirmasi"] else FormResult(complete=False)


@register_form("dialog-pimpinan")
def dialog_pimpinan_form(run, task, data: dict) -> FormResult:
    return _record(run, task, data, peserta_side=False)


@register_form("dialog-peserta")
def dialog_peserta_form(run, task, data: dict) -> FormResult:
    return _record(run, task, data, peserta_side=True)


@register_service("terapkan_kesepakatan")
def terapkan_kesepakatan(run, data: dict) -> int:
    """Apply the agreements "ubah SKP": complete each SKP's rollback task with the dialog as the reason."""
    from workflows.instances import by_business_key, complete_in_transaction, open_tasks_of

    from .skp_access import ROLLBACK_FORM

    session = run.session
    dialog = session.get(DialogKinerja, data["dialog_id"])
    applied = 0
    for row in [c for c in dialog.catatan if c.ubah_skp and c.skp_id and not c.hasil]:
        skp = session.get(Skp, row.skp_id)
        instance = by_business_key(session, business_key(skp))
        task = next((t for t in open_tasks_of(session, instance.id) if t.form_key == ROLLBACK_FORM), None) \
            if instance else None
        if task is None:
            row.hasil = f"Tidak diterapkan: SKP berstatus {skp.status}"
            continue
        alasan = f"Dialog kinerja #{dialog.id} ({dialog.topik}, {dialog.tanggal.isoformat()}): {row.teks}"
        complete_in_transaction(session, task, dialog.pimpinan_id, {"alasan": alasan})
        row.hasil = "SKP dikembalikan ke draf"
        applied += 1
    session.flush()
    return applied


@register_service("status_dialog")
def status_dialog(run, data: dict, status: str) -> str:
    if status not in STATUS:
        raise ValueError(f"status dialog '{status}' tidak dikenal")
    dialog = run.session.get(DialogKinerja, data["dialog_id"])
    dialog.status = status
    if status == "SELESAI":
        dialog.selesai_at = clock.now()
    run.session.flush()
    return status
