"""Render an SKP context (a plain dict) to DOCX (docxtpl) or PDF (Jinja2 HTML → wkhtmltopdf).

The context is built elsewhere; this module only fills templates. No Flask here.
"""
from __future__ import annotations

import io
import shutil
from functools import lru_cache, partial
from pathlib import Path

import pdfkit
from docxtpl import DocxTemplate
from jinja2 import Environment, FileSystemLoader

from core.errors import Unavailable

from .indonesian_dates import tanggal

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


class _CompilingOnceEnvironment(Environment):
    """docxtpl calls ``from_string`` for the body, every header/footer and core property on every render; most of
    a render's CPU went into compiling the same Jinja sources again. Here each distinct source compiles once.
    Keyed by the source text itself, so a changed template file can never be served an old compilation.
    Compiled templates are immutable while rendering, so threads share them safely."""

    def __init__(self, **options):
        super().__init__(**options)
        self._compiled = lru_cache(maxsize=256)(partial(Environment.from_string, self))

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


# autoescape: user text is XML-escaped. Passed to render() as jinja_env with render's own autoescape left False,
# so docxtpl never mutates this shared environment.
_DOCX_ENV = _CompilingOnceEnvironment(autoescape=True)
FILTERS = {"tanggal": tanggal}  # "2026-12-02" -> "2 Desember 2026" in every template (DOCX and HTML)
_DOCX_ENV.filters.update(FILTERS)


@lru_cache(maxsize=64)
def _patched_xml(src_xml: str) -> str:
    """docxtpl's pre-processing of a part's XML (regexes over the whole part; it uses no instance state)."""
    return DocxTemplate.patch_xml(None, src_xml)


class _CachedDocxTemplate(DocxTemplate):
    """A DocxTemplate whose pre-processing and Jinja compilation are remembered across renders.

    The object itself is made per render (render mutates its python-docx Document); only the immutable pieces
    (patched XML text, compiled templates, the file's bytes) are shared."""

    def patch_xml(self, src_xml):
        return _patched_xml(src_xml)


@lru_cache(maxsize=32)
def _template_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    return Path(path).read_bytes()


def render_docx(template_path: Path, context: dict, verifikasi: dict | None = None) -> bytes:
    """Fill a docxtpl template; user text is XML-escaped (autoescape). The same document as a fresh
    ``DocxTemplate(path).render(context, autoescape=True)``, at a fraction of the CPU. ``verifikasi`` (an
    archived copy's code and QR, ``verifikasi.stamp``) is appended after the template's content."""
    path = Path(template_path).resolve()
    stat = path.stat()  # a changed file (mtime or size) is read again
    doc = _CachedDocxTemplate(io.BytesIO(_template_bytes(str(path), stat.st_mtime_ns, stat.st_size)))
    doc.render(context, jinja_env=_DOCX_ENV)
    if verifikasi is not None:
        from .verifikasi import add_to_docx

        add_to_docx(doc.docx, verifikasi)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@lru_cache(maxsize=8)
def _html_env(folders: tuple[str, ...]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(list(folders)),  # searched in order: an instansi's folder before the shipped one
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render_html(html_template_path: Path, context: dict, folders: list[Path] | None = None) -> str:
    """Render a Jinja2 HTML template; ``folders`` (default: the template's own) are where it and the
    templates it includes are looked up, the first match winning."""
    path = Path(html_template_path)
    search = tuple(str(Path(f).resolve()) for f in (folders or [path.resolve().parent]))
    return _html_env(search).get_template(path.name).render(**context)


def render_pdf(html_template_path: Path, context: dict, wkhtmltopdf: str = "wkhtmltopdf",
               folders: list[Path] | None = None, verifikasi: dict | None = None) -> bytes:
    """Render the Jinja2 HTML template (autoescaped) and print it to PDF with wkhtmltopdf (with an archived
    copy's verification block, ``verifikasi.stamp``, at the end when given)."""
    binary = shutil.which(wkhtmltopdf)
    if binary is None:
        raise Unavailable(
            PDF_DOWN, f"wkhtmltopdf tidak ditemukan: {wkhtmltopdf!r} (pasang paket 'wkhtmltopdf' "
            "atau berikan path lengkap ke program tersebut)"
        )
    html = render_html(html_template_path, context, folders)
    if verifikasi is not None:
        from .verifikasi import add_to_html

        html = add_to_html(html, verifikasi)
    config = pdfkit.configuration(wkhtmltopdf=binary)
    try:
        pdf = pdfkit.from_string(html, False, configuration=config, options=PDF_OPTIONS)
    except OSError as exc:  # pdfkit reports a failed wkhtmltopdf run as IOError/OSError
        raise Unavailable(PDF_DOWN, f"wkhtmltopdf gagal membuat PDF ({binary}): {exc}") from exc
    if not pdf or not pdf.startswith(b"%PDF"):
        raise Unavailable(PDF_DOWN, f"wkhtmltopdf tidak menghasilkan PDF ({binary})")
    return pdf
