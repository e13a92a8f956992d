"""The SKP document (with its Lampiran): one context builder, two renderers, and the archive.

``build_context`` turns the SKP rows into the plain dict both templates print
(``document_templates/skp.docx`` through docxtpl, ``skp.html`` through wkhtmltopdf),
so DOCX and PDF never disagree. An approval freezes the context and queues a job (``app.jobs``)
that renders and archives the exact files with their hash after the approval has committed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import clock

from app.kinerja.org import LABEL_JENIS_JABATAN  # noqa: F401 - re-exported for templates
from app.kinerja.perilaku import CORE_VALUES
from app import jobs
from app.kinerja.views import iso
from core.errors import Conflict
from . import verifikasi
from app.kinerja.skp import STATUS_LABEL, DokumenArsip, Skp, SkpRiwayat, business_key, identity

SETTINGS = {"templates": Path(__file__).resolve().parent.parent.parent / "document_templates",
            "wkhtmltopdf": "wkhtmltopdf"}
BULAN = ["JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI", "AGUSTUS", "SEPTEMBER", "OKTOBER",
         "NOVEMBER", "DESEMBER"]
LABEL = {"KUANTITAS": "Kuantitas", "KUALITAS": "Kualitas", "WAKTU": "Waktu", "BIAYA": "Biaya",
         "PENERIMA_LAYANAN": "Penerima Layanan", "PROSES_BISNIS": "Proses Bisnis",
         "PENGUATAN_INTERNAL": "Penguatan Internal", "ANGGARAN": "Anggaran",
         "ORGANISASI": "Organisasi", "INDIVIDU": "Individu", None: ""}
ARCHIVE_JOB = "skp_arsip"
ARSIP_DISIAPKAN = "Dokumen arsip persetujuan sedang disiapkan; coba lagi sebentar lagi"
ARSIP_GAGAL = "Dokumen arsip persetujuan belum dapat dibuat; admin kinerja dapat mengulanginya"
RETRY_AFTER_SECONDS = 30
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def configure(templates: str | Path, wkhtmltopdf: str) -> None:
    SETTINGS["templates"] = Path(templates)
    SETTINGS["wkhtmltopdf"] = wkhtmltopdf


def _tanggal(d: dt.date) -> str:
    return f"{d.day} {BULAN[d.month - 1].title()} {d.year}"


def build_context(session: Session, skp: Skp) -> dict:
    pendekatan = skp.pendekatan
    jpt = skp.is_jpt
    title3 = "BAGI PEJABAT PIMPINAN TINGGI DAN PIMPINAN UNIT KERJA MANDIRI" if jpt else \
        "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL"
    snap = skp.snapshot or {}
    pegawai = snap.get("pegawai") or identity(session, skp.pegawai)
    penilai = snap.get("penilai") or identity(session, skp.pejabat_penilai)
    if skp.status in ("DRAFT", "DIKEMBALIKAN", "DIAJUKAN"):
        pegawai, penilai = identity(session, skp.pegawai), identity(session, skp.pejabat_penilai)
    groups = []
    for huruf, jenis in (("A", "UTAMA"), ("B", "TAMBAHAN")):
        rows = []
        for rhk in (r for r in skp.rhk if r.jenis == jenis):
            rows.append({
                "no": len(rows) + 1, "deskripsi": rhk.deskripsi,
                "rhk_atasan": rhk.rhk_atasan.deskripsi if rhk.rhk_atasan else rhk.rhk_atasan_text,
                "penugasan_dari": rhk.penugasan_dari, "klasifikasi_label": LABEL.get(rhk.klasifikasi, ""),
                "iki": [{"aspek_label": LABEL.get(i.aspek, ""), "perspektif_label": LABEL.get(i.perspektif, ""),
                         "indikator": i.indikator, "target": i.target_text} for i in rhk.iki],
            })
        groups.append({"huruf": huruf, "label": jenis, "rhk": rows})
    ekspektasi = {p.kode: p.ekspektasi_khusus for p in skp.perilaku}
    tanggal = clock.local_date(skp.tanggal_penetapan or clock.now())
    strip = lambda p: {k: v for k, v in p.items() if k in ("nama", "nip", "pangkat_gol", "jabatan", "unit_kerja")}
    penilai_block = strip(penilai) if penilai else None
    if penilai_block and jpt:
        penilai_block["unit_kerja"] = penilai.get("instansi", "")
    return {
        "jenis_skp": skp.jenis_skp,
        "pendekatan": pendekatan,
        "judul": ["SASARAN KINERJA PEGAWAI", f"PENDEKATAN HASIL KERJA {pendekatan}", title3],
        "judul_lampiran": ["LAMPIRAN SASARAN KINERJA PEGAWAI", f"PENDEKATAN HASIL KERJA {pendekatan}"],
        "instansi": skp.pegawai.instansi.nama.upper(),
        "unit_kerja_header": skp.unor.nama,
        "periode": f"{skp.periode_awal.day} {BULAN[skp.periode_awal.month - 1]} SD "
                   f"{skp.periode_akhir.day} {BULAN[skp.periode_akhir.month - 1]} TAHUN {skp.tahun}",
        "status": skp.status,
        "status_label": STATUS_LABEL[skp.status],
        "draft_note": "" if skp.status in ("DISETUJUI", "SELESAI") else f"{STATUS_LABEL[skp.status].upper()} — BELUM DISETUJUI",
        "pegawai": strip(pegawai),
        "penilai": penilai_block,
        "label_unit_kerja_penilai": "INSTANSI" if jpt else "UNIT KERJA",
        "rhk_groups": groups,
        "perilaku": [{"no": n + 1, "nama": nama, "indikator": list(ind), "ekspektasi_khusus": ekspektasi.get(kode, "")}
                     for n, (kode, nama, ind) in enumerate(CORE_VALUES)],
        "lampiran": skp.lampiran_lists(),
        "tempat_tanggal": f"{skp.pegawai.instansi.lokasi or ''}, {_tanggal(tanggal)}".lstrip(", "),
        "keputusan_ppk": (f"Disetujui atas nama PPK dengan keputusan nomor {skp.keputusan_ppk_nomor} tanggal "
                          f"{_tanggal(skp.keputusan_ppk_tanggal)}") if skp.keputusan_ppk_nomor else "",
    }


def render_context(context: dict, fmt: str, verifikasi: dict | None = None) -> bytes:
    from .render import render_docx, render_pdf

    if fmt == "docx":
        return render_docx(SETTINGS["templates"] / "skp.docx", context, verifikasi=verifikasi)
    return render_pdf(SETTINGS["templates"] / "skp.html", context, SETTINGS["wkhtmltopdf"], verifikasi=verifikasi)


def render(session: Session, skp: Skp, fmt: str) -> bytes:
    return render_context(build_context(session, skp), fmt)


# ---------------------------------------------------------------- the archive (through the outbox)


def enqueue_archive(session: Session, skp: Skp, approval: SkpRiwayat) -> jobs.Job:
    """In the approval's transaction: freeze the document's context and queue its archiving.

    Rendering (most of an approval's CPU) runs after commit in a worker; the context taken here
    is what the worker prints, so later edits or a rollback never change the archived copy.
    """
    return jobs.enqueue(session, ARCHIVE_JOB, f"{ARCHIVE_JOB}:{approval.id}",
                        {"skp_id": skp.id, "riwayat_id": approval.id, "context": build_context(session, skp)},
                        ref=business_key(skp), instansi_id=skp.instansi_id)


def _verifikasi_info(session: Session, payload: dict) -> dict:
    """What the public verification page shows of this archive (frozen with it; README "Verifikasi dokumen")."""
    context = payload["context"]
    approval = session.get(SkpRiwayat, payload["riwayat_id"])
    disetujui = iso(approval.at) if approval is not None else None
    parties = [verifikasi.person("Pegawai yang dinilai", context.get("pegawai")),
               verifikasi.person("Pejabat penilai kinerja (menyetujui)", context.get("penilai"))]
    if parties[1] is not None:
        parties[1]["waktu"] = disetujui
    return {"jenis": "Sasaran Kinerja Pegawai (arsip persetujuan)", "judul": f"SKP periode {context['periode']}",
            "instansi": context.get("instansi") or "", "pegawai": verifikasi.person("Pegawai", context.get("pegawai")),
            "penandatangan": [p for p in parties if p]}


@jobs.handler(ARCHIVE_JOB)
def _archive(session: Session, payload: dict):
    """Render the frozen context to PDF and DOCX with a verification code and QR, sign the PDF when the
    instansi has a certificate, and store both with the hash of the final files (once per approval)."""
    skp = session.get(Skp, payload["skp_id"])
    kode = verifikasi.new_kode()
    mark = verifikasi.stamp(kode)
    files = {fmt: render_context(payload["context"], fmt, mark) for fmt in ("pdf", "docx")}
    files, subject = verifikasi.finish(files, skp.pegawai.instansi.kode if skp is not None else None)
    info = _verifikasi_info(session, payload)

    def store(session: Session) -> None:
        if session.get(Skp, payload["skp_id"]) is None:
            return  # the SKP was deleted meanwhile: nothing to keep
        session.add_all([DokumenArsip(skp_id=payload["skp_id"], riwayat_id=payload["riwayat_id"], format=fmt,
                                      content=content, sha256=hashlib.sha256(content).hexdigest(),
                                      kode_verifikasi=kode,
                                      verifikasi={**info, "sertifikat": subject if fmt == "pdf" else None},
                                      created_at=clock.now()) for fmt, content in files.items()])
    return store


def archive_job(session: Session, skp: Skp) -> jobs.Job | None:
    """The archiving job of the SKP's latest approval (None if it was never approved since the outbox)."""
    return jobs.latest(session, ARCHIVE_JOB, business_key(skp))


def archive_state(session: Session, skp: Skp) -> tuple[str | None, jobs.Job | None]:
    """``("ready"|"pending"|"failed"|None, job)``: what the SKP page says about the approved copy."""
    job = archive_job(session, skp)
    if job is not None and job.status != jobs.DONE:
        return job.status, job
    has_copy = session.scalar(select(DokumenArsip.id).where(DokumenArsip.skp_id == skp.id).limit(1)) is not None
    return ("ready" if has_copy else None), job


def archived(session: Session, skp: Skp, fmt: str) -> DokumenArsip | None:
    return session.scalar(select(DokumenArsip).where(DokumenArsip.skp_id == skp.id, DokumenArsip.format == fmt)
                          .order_by(DokumenArsip.riwayat_id.desc().nulls_last(), DokumenArsip.id.desc()).limit(1))


def archived_kode(session: Session, skp: Skp) -> str | None:
    """The verification code of the SKP's latest archived copy (None before the first or for an old copy)."""
    row = archived(session, skp, "pdf")
    return row.kode_verifikasi if row is not None else None


def document_bytes(session: Session, skp: Skp, fmt: str, from_archive: bool) -> tuple[bytes, str | None]:
    """The SKP document as it stands, or the copy archived at its last approval (with its hash)."""
    from core.errors import NotFound

    if fmt not in MEDIA_TYPES:
        raise NotFound("Format dokumen harus pdf atau docx")
    if not from_archive:
        return render(session, skp, fmt), None
    job = archive_job(session, skp)
    if job is not None and job.status != jobs.DONE:
        raise ArchivePending(job)
    row = archived(session, skp, fmt)
    if row is None:
        raise NotFound("SKP ini belum pernah disetujui; belum ada arsip")
    return row.content, row.sha256


class ArchivePending(Conflict):
    """The archive of the latest approval is not stored yet (409 with Retry-After while it is pending)."""

    code = "document_pending"

    def __init__(self, job: jobs.Job):
        failed = job.status == jobs.FAILED
        super().__init__(ARSIP_GAGAL if failed else ARSIP_DISIAPKAN,
                         {"job_id": job.id, "status": job.status, "attempts": job.attempts})
        self.retry_after = None if failed else RETRY_AFTER_SECONDS
