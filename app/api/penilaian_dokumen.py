"""The evaluation documents of a penilaian as PDF or DOCX: Evaluasi Kinerja Pegawai (domain §5.6)
and Dokumen Evaluasi Kinerja Pegawai (§5.7), visible to whoever may see the penilaian."""
from __future__ import annotations

from flask import Response, g

from app import get_session
from app.documents import evaluasi

from . import api, login_required
from .penilaian import _visible


def document_response(session, penilaian, kind: str, fmt: str) -> Response:
    """The rendered document as an attachment (shared by the API and the pages)."""
    content = evaluasi.render(session, penilaian, kind, fmt)
    response = Response(content, mimetype=evaluasi.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{evaluasi.filename(penilaian, kind, fmt)}"'
    return response


@api.get("/penilaian/<int:penilaian_id>/document.<fmt>")
@login_required
def evaluasi_document(penilaian_id, fmt):
    session = get_session()
    return document_response(session, _visible(session, penilaian_id), "evaluasi", fmt)


@api.get("/penilaian/<int:penilaian_id>/dokumen-evaluasi.<fmt>")
@login_required
def dokumen_evaluasi(penilaian_id, fmt):
    session = get_session()
    return document_response(session, _visible(session, penilaian_id), "dokumen-evaluasi", fmt)


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID

    fmt = {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["pdf", "docx"]}}
    files = {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
             evaluasi.MEDIA_TYPES["docx"]: {"schema": {"type": "string", "format": "binary"}}}
    for path, summary in (
            ("/penilaian/{id}/document.{fmt}",
             "Evaluasi Kinerja Pegawai (periodik/akhir): realisasi, umpan balik, rating, predikat, kurva distribusi"),
            ("/penilaian/{id}/dokumen-evaluasi.{fmt}",
             "Dokumen Evaluasi Kinerja Pegawai: pegawai, penilai, atasan penilai, capaian organisasi, predikat")):
        DOCUMENT["paths"][path] = {"get": {"summary": summary, "parameters": [ID("id"), fmt],
                                           "responses": {"200": {"description": "Dokumen", "content": files},
                                                         **ERRORS}}}


_describe()
