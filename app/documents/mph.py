"""The Matriks Peran Hasil document (domain §5.9): one context builder, DOCX (docxtpl) and PDF (wkhtmltopdf)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.kinerja.mph import matriks
from app.kinerja.skp import Skp

from .render import render_docx, render_pdf
from .skp import MEDIA_TYPES, SETTINGS  # noqa: F401 - MEDIA_TYPES re-exported for the API


def build_context(session: Session, skp: Skp) -> dict:
    data = matriks(session, skp)
    return context_of(data, skp.tahun, f"{data['pimpinan']['jabatan'].upper()} KE BAWAHAN")


def context_of(data: dict, tahun: int, dari_ke: str) -> dict:
    """The document's context from a matrix dict (``mph.matriks`` or ``tim_kerja.matriks``)."""
    pimpinan = data["pimpinan"] or {"nama": "", "nip": "", "jabatan": "", "unit_kerja": "", "instansi": ""}
    nomor = {k["rhk_id"]: n for n, k in enumerate(data["kolom"], start=1)}
    rows = [{"nama": b["nama"], "nip": b["nip"], "jabatan": b["jabatan"], "rhk_no": nomor[s["rhk_id"]],
             "peran": s["peran"], "hasil": s["hasil"]} for b in data["baris"] for s in b["sel"] if s["hasil"]]
    for n, row in enumerate(rows, start=1):
        row["no"] = n
    return {"judul": f"MATRIKS PEMBAGIAN PERAN DAN HASIL DARI {dari_ke}",
            "tahun": tahun, "pimpinan": pimpinan,
            "kolom": [{"no": nomor[k["rhk_id"]], "deskripsi": k["deskripsi"], "iki": "; ".join(k["iki"])}
                      for k in data["kolom"]],
            "baris": rows,
            "keterangan": "Sel yang tidak dibagikan kepada seorang bawahan tidak dicantumkan."}


def render(session: Session, skp: Skp, fmt: str) -> bytes:
    return render_context(build_context(session, skp) if fmt in MEDIA_TYPES else {}, fmt)


def render_context(context: dict, fmt: str) -> bytes:
    from core.errors import NotFound

    if fmt not in MEDIA_TYPES:
        raise NotFound("Format dokumen harus pdf atau docx")
    if fmt == "docx":
        return render_docx(SETTINGS["templates"] / "mph.docx", context)
    return render_pdf(SETTINGS["templates"] / "mph.html", context, SETTINGS["wkhtmltopdf"])


def download(session: Session, skp: Skp, fmt: str) -> tuple[bytes, str, str]:
    """The printed matrix with its media type and file name (for the page and the API)."""
    return render(session, skp, fmt), MEDIA_TYPES[fmt], f"MPH-{skp.pegawai.nip}-{skp.tahun}.{fmt}"


def download_tim(session: Session, tim, fmt: str) -> tuple[bytes, str, str]:
    """The printed matrix of a tim kerja: from the ketua to the members, columns the team's RHK."""
    from app.kinerja.tim_kerja import matriks as matriks_tim

    data = matriks_tim(session, tim)
    context = context_of(data, tim.tahun, f"KETUA {tim.nama.upper()} KE ANGGOTA TIM") if fmt in MEDIA_TYPES else {}
    return render_context(context, fmt), MEDIA_TYPES[fmt], f"MPH-tim-{tim.id}-{tim.tahun}.{fmt}"
