"""Render an SKP context (a plain dict) to DOCX (docxtpl) or PDF (Jinja2 HTML → wkhtmltopdf).

The context is built elsewhere; this module only fills templates. No Flask here.
"""
from __future__ import annotations

import io
import shutil
from functools import lru_cache
from pathlib import Path

import pdfkit
from docxtpl import DocxTemplate
from jinja2 import Environment, FileSystemLoader

from app.errors import Unavailable

PDF_DOWN = "Pembuat PDF sedang tidak tersedia; coba lagi nanti (dokumen DOCX tetap dapat diunduh)"
# wkhtmltopdf 0.12.6 (unpatched Qt) shrinks content to ~75%: templates write CSS sizes 1/0.75 larger.
PDF_OPTIONS = {
    "page-size": "A4",
    "orientation": "Portrait",
    "encoding": "UTF-8",
    "margin-top": "10mm",
    "margin-bottom": "10mm",
    "margin-left": "10mm",
    "margin-right": "10mm",
    "disable-local-file-access": None,
    "disable-javascript": None,
    "quiet": None,
}


def render_docx(template_path: Path, context: dict) -> bytes:
    """Fill a docxtpl template; user text is XML-escaped (autoescape)."""
    doc = DocxTemplate(str(template_path))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@lru_cache(maxsize=8)
def _html_env(folder: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(html_template_path: Path, context: dict) -> str:
    path = Path(html_template_path)
    return _html_env(str(path.resolve().parent)).get_template(path.name).render(**context)


def render_pdf(html_template_path: Path, context: dict, wkhtmltopdf: str = "wkhtmltopdf") -> bytes:
    """Render the Jinja2 HTML template (autoescaped) and print it to PDF with wkhtmltopdf."""
    binary = shutil.which(wkhtmltopdf)
    if binary is None:
        raise Unavailable(
            PDF_DOWN, f"wkhtmltopdf tidak ditemukan: {wkhtmltopdf!r} (pasang paket 'wkhtmltopdf' "
            "atau berikan path lengkap ke program tersebut)"
        )
    html = render_html(html_template_path, context)
    config = pdfkit.configuration(wkhtmltopdf=binary)
    try:
        pdf = pdfkit.from_string(html, False, configuration=config, options=PDF_OPTIONS)
    except OSError as exc:  # pdfkit reports a failed wkhtmltopdf run as IOError/OSError
        raise Unavailable(PDF_DOWN, f"wkhtmltopdf gagal membuat PDF ({binary}): {exc}") from exc
    if not pdf or not pdf.startswith(b"%PDF"):
        raise Unavailable(PDF_DOWN, f"wkhtmltopdf tidak menghasilkan PDF ({binary})")
    return pdf
