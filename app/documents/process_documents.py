"""Documents a process makes from a template, without a Python builder per document.

A service task of a diagram calls ``buat_dokumen`` (README, "Documents from templates")::

    <spiffworkflow:serviceTaskOperator id="buat_dokumen">
      <spiffworkflow:parameter id="template" type="str" value='"surat_keterangan"' />
      <spiffworkflow:parameter id="judul" type="str" value='"Surat Keterangan"' />

In the step's transaction it freezes the context (``process_context.build``) and queues a job in the
outbox; after commit a worker renders it (``<template>.html`` → PDF via wkhtmltopdf, ``<template>.docx``
via docxtpl, looked up in the instansi's folder first, ``template_files``) and stores the files here,
listed per instance and downloadable. A failed rendering is retried and shown in /admin/tugas-latar.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app import jobs
from core.db import Base, UtcDateTime
from core.errors import NotFound
from workflows import clock
from workflows.scripting import register_service

from . import process_context, tables, template_files, verifikasi
from .render import render_docx, render_pdf
from .skp import MEDIA_TYPES, SETTINGS

JOB = "dokumen_proses"


class DokumenProses(Base):
    """One file (PDF, DOCX, CSV or XLSX) a process made from a template, with its content hash."""

    __tablename__ = "dokumen_proses"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    instansi_id: Mapped[Optional[int]] = mapped_column(Integer)
    subject_pegawai_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)  # who it is about
    job_id: Mapped[Optional[int]] = mapped_column(Integer)  # the job that made it (both formats share it)
    bpmn_id: Mapped[str] = mapped_column(String(128), default="")  # the service task that asked for it
    template: Mapped[str] = mapped_column(String(100))
    judul: Mapped[str] = mapped_column(String(255), default="")
    nama_berkas: Mapped[str] = mapped_column(String(191))  # with its extension
    format: Mapped[str] = mapped_column(String(8))  # pdf | docx | csv | xlsx
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # The code printed (with its QR) on both files of one job, and what /verifikasi/<kode> shows.
    kode_verifikasi: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    verifikasi: Mapped[Optional[dict]] = mapped_column(JSON)

    __table_args__ = (Index("uq_dokumen_proses_job_format", "job_id", "format", unique=True),)


def ref(instance_id: int) -> str:
    """The jobs of one instance's documents share this reference (their state is shown next to the list)."""
    return f"instance:{instance_id}"


def _file_stem(text: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip()).strip("._")[:150]
    return re.sub(r"\.(pdf|docx|csv|xlsx)$", "", stem, flags=re.IGNORECASE) or "dokumen"


@register_service("buat_dokumen", check=template_files.deploy_problem)
def buat_dokumen(run, data: dict, template: str, judul: str = "", nama_berkas: str = "",
                 format: str = "keduanya") -> int:  # noqa: A002 - the diagram's parameter name
    """Queue the document ``template`` (pdf, docx, keduanya; csv, xlsx, tabel) of this instance; returns the job's id."""
    if format not in template_files.CHOICES:
        raise ValueError(f"format dokumen '{format}' tidak dikenal (pilihan: {template_files.CHOICES_TEXT})")
    if not isinstance(template, str) or not template_files.NAME.match(template):
        raise ValueError(f"nama templat dokumen {template!r} tidak sah")
    session, instance = run.session, run.instance
    context = process_context.build(session, instance, data, str(judul or ""))
    bpmn_id = getattr(getattr(getattr(run, "step", None), "task_spec", None), "bpmn_id", None) or ""
    task_id = getattr(getattr(run, "step", None), "id", None) or uuid.uuid4()
    payload = {"instance_id": instance.id, "template": template, "formats": list(template_files.CHOICES[format]),
               "judul": context["judul"], "nama_berkas": _file_stem(str(nama_berkas or "") or
                                                                    f"{template}-{instance.id}"),
               "instansi_kode": context["instansi"]["kode"], "bpmn_id": bpmn_id,
               "subject_pegawai_id": instance.subject_pegawai_id, "context": context}
    # One job per execution of the step: a loop back through the task makes a new document.
    payload["key"] = f"{JOB}:{instance.id}:{task_id}:{uuid.uuid4().hex[:8]}"
    job = jobs.enqueue(session, JOB, payload["key"], payload, ref=ref(instance.id), instansi_id=instance.instansi_id)
    return job.id


def render(payload: dict, fmt: str, mark: dict | None = None) -> bytes:
    """Print the frozen context with the template of the instansi (its override) or the shipped one (with
    the verification block ``mark`` at the end, ``verifikasi.stamp``)."""
    name, kode = payload["template"], payload.get("instansi_kode")
    path = template_files.find(name, fmt, kode)
    if path is None:
        raise FileNotFoundError(f"templat dokumen '{name}{template_files.FORMATS[fmt]}' tidak ditemukan "
                                f"(dicari di: {', '.join(str(f) for f in template_files.folders(kode))})")
    if fmt in ("csv", "xlsx"):
        return tables.render(path, fmt, payload["context"])
    if fmt == "docx":
        return render_docx(path, payload["context"], verifikasi=mark)
    return render_pdf(path, payload["context"], SETTINGS["wkhtmltopdf"], folders=template_files.folders(kode),
                      verifikasi=mark)


def _verifikasi_info(payload: dict) -> dict:
    """What the public verification page shows of this document (frozen with it)."""
    context = payload["context"]
    parties = [verifikasi.person("Pegawai", context.get("pegawai")),
               verifikasi.person("Pejabat penilai kinerja", context.get("pejabat_penilai"))]
    return {"jenis": f"Dokumen proses {(context.get('proses') or {}).get('nama') or payload['template']}".strip(),
            "judul": payload.get("judul") or payload["template"],
            "instansi": (context.get("instansi") or {}).get("nama") or "",
            "pegawai": parties[0], "penandatangan": [p for p in parties if p]}


@jobs.handler(JOB)
def _make(_session: Session, payload: dict):
    kode = verifikasi.new_kode()
    mark = verifikasi.stamp(kode)
    files = {fmt: render(payload, fmt, mark) for fmt in payload["formats"]}
    files, subject = verifikasi.finish(files, payload.get("instansi_kode"))
    info = _verifikasi_info(payload)

    def store(session: Session) -> None:
        from workflows.models import Instance

        instance = session.get(Instance, payload["instance_id"])
        if instance is None:
            return  # the instance was deleted meanwhile: nothing to keep
        job_id = session.scalar(select(jobs.Job.id).where(jobs.Job.key == payload["key"]))
        session.add_all([DokumenProses(
            instance_id=instance.id, instansi_id=instance.instansi_id,
            subject_pegawai_id=payload.get("subject_pegawai_id"), job_id=job_id,
            bpmn_id=payload.get("bpmn_id") or "", template=payload["template"], judul=payload.get("judul") or "",
            nama_berkas=f"{payload['nama_berkas']}.{fmt}", format=fmt, content=content,
            sha256=hashlib.sha256(content).hexdigest(), kode_verifikasi=kode,
            verifikasi={**info, "sertifikat": subject if fmt == "pdf" else None}, created_at=clock.now())
            for fmt, content in files.items()])
    return store


# ---------------------------------------------------------------- reading


def of_instance(session: Session, instance_id: int) -> list[DokumenProses]:
    return list(session.scalars(select(DokumenProses).where(DokumenProses.instance_id == instance_id)
                                .order_by(DokumenProses.id)))


def of_pegawai(session: Session, pegawai_id: int, limit: int = 50) -> list[DokumenProses]:
    """The newest documents about a pegawai (the subject of the instance that made them)."""
    return list(session.scalars(select(DokumenProses).where(DokumenProses.subject_pegawai_id == pegawai_id)
                                .order_by(DokumenProses.id.desc()).limit(limit)))


def unfinished_jobs(session: Session, instance_id: int) -> list[jobs.Job]:
    """Documents of the instance still being made or given up on (pending / failed jobs)."""
    return list(session.scalars(select(jobs.Job).where(jobs.Job.kind == JOB, jobs.Job.ref == ref(instance_id),
                                                       jobs.Job.status != jobs.DONE).order_by(jobs.Job.id)))


def get(session: Session, instance_id: int, dokumen_id: int) -> DokumenProses:
    row = session.get(DokumenProses, dokumen_id)
    if row is None or row.instance_id != instance_id:
        raise NotFound(f"Dokumen {dokumen_id} tidak ditemukan pada instance {instance_id}")
    return row


def download_headers(row: DokumenProses) -> dict:
    """The headers a download of the file carries (its media type, its name, its hash as ETag)."""
    return {"Content-Type": {**MEDIA_TYPES, **tables.MEDIA_TYPES}[row.format], "ETag": row.sha256,
            "Content-Disposition": f'attachment; filename="{row.nama_berkas}"'}


def view(row: DokumenProses) -> dict:
    from app.kinerja.views import iso

    return {"id": row.id, "instance_id": row.instance_id, "template": row.template, "judul": row.judul,
            "format": row.format, "nama_berkas": row.nama_berkas, "sha256": row.sha256, "ukuran": len(row.content),
            "bpmn_id": row.bpmn_id, "created_at": iso(row.created_at), "kode_verifikasi": row.kode_verifikasi,
            "verifikasi_url": verifikasi.url(row.kode_verifikasi) if row.kode_verifikasi else None,
            "url": f"/api/v1/instances/{row.instance_id}/documents/{row.id}"}


def listing(session: Session, instance_id: int) -> dict:
    """What the API and the pages show: the stored documents and the jobs still making (or failing) some."""
    return {"documents": [view(r) for r in of_instance(session, instance_id)],
            "pending": [{"job_id": j.id, "status": j.status, "status_label": jobs.STATUS_LABEL[j.status],
                         "attempts": j.attempts, "template": (j.payload or {}).get("template"),
                         "judul": (j.payload or {}).get("judul"), "last_error": j.last_error}
                        for j in unfinished_jobs(session, instance_id)]}
