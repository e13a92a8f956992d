"""The Matriks Peran Hasil document (domain §5.9): one context builder, DOCX (docxtpl) and PDF (wkhtmltopdf)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.kinerja.mph import matriks
from app.kinerja.skp import Skp

from .render import render_docx, render_pdf
from .skp import MEDIA_TYPES, SETTINGS  # noqa: F401 - MEDIA_TYPES re-exported for the API


def build_context(session: Session, skp: Skp) -> dict:
    data = matriks(session, skp)
    pimpinan = data["pimpinan"]
    nomor = {k["rhk_id"]: n for n, k in enumerate(data["kolom"], start=1)}
    rows = [{"nama": b["nama"], "nip": b["nip"], "jabatan": b["jabatan"], "rhk_no": nomor[s["rhk_id"]],
             "peran": s["peran"], "hasil": s["hasil"]} for b in data["baris"] for s in b["sel"] if s["hasil"]]
    for n, row in enumerate(rows, start=1):
        row["no"] = n
    return {"judul": f"MATRIKS PEMBAGIAN PERAN DAN HASIL DARI {pimpinan['jabatan'].upper()} KE BAWAHAN",
            "tahun": skp.tahun, "pimpinan": pimpinan,
            "kolom": [{"no": nomor[k["rhk_id"]], "deskripsi": k["deskripsi"], "iki": "; ".join(k["iki"])}
                      for k in data["kolom"]],
            "baris": rows,
            "keterangan": "Sel yang tidak dibagikan kepada seorang bawahan tidak dicantumkan."}


def render(session: Session, skp: Skp, fmt: str) -> bytes:
    from core.errors import NotFound

    if fmt not in MEDIA_TYPES:
        raise NotFound("Format dokumen harus pdf atau docx")
    context = build_context(session, skp)
    if fmt == "docx":
        return render_docx(SETTINGS["templates"] / "mph.docx", context)
    return render_pdf(SETTINGS["templates"] / "mph.html", context, SETTINGS["wkhtmltopdf"])


def download(session: Session, skp: Skp, fmt: str) -> tuple[bytes, str, str]:
    """The printed matrix with its media type and file name (for the page and the API)."""
    return render(session, skp, fmt), MEDIA_TYPES[fmt], f"MPH-{skp.pegawai.nip}-{skp.tahun}.{fmt}"
