"""Bukti dukung files of a penilaian: upload (multipart), list, download, delete."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, jsonify, request, send_file

from app import get_session
from app.kinerja import bukti_dukung as bd

from . import api, login_required


def storage() -> Path:
    return Path(current_app.config["BUKTI_DUKUNG_DIR"])


def max_bytes() -> int:
    return int(current_app.config["BUKTI_DUKUNG_MAX_MB"]) * 1024 * 1024


def download_response(row: bd.BuktiDukung, path: Path):
    """The stored file as an attachment under its original name (with the extension of its detected kind)
    and the media type of that kind, never rendered by the browser."""
    response = send_file(path, mimetype=row.media_type, as_attachment=True, download_name=bd.download_name(row),
                         etag=row.sha256, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api.post("/penilaian/<int:penilaian_id>/bukti-dukung")
@login_required
def upload_bukti(penilaian_id):
    upload = request.files.get("berkas")
    row = bd.unggah(get_session(), g.actor, penilaian_id, request.form.get("rhk_id"),
                    upload.stream if upload else None, upload.filename if upload else None, storage(), max_bytes())
    return jsonify(bd.bukti_json(row)), 201


@api.get("/penilaian/<int:penilaian_id>/bukti-dukung")
@login_required
def list_bukti(penilaian_id):
    session = get_session()
    penilaian = bd.visible_penilaian(session, g.actor, penilaian_id)
    return jsonify([bd.bukti_json(r) for rows in bd.daftar(session, penilaian.id).values() for r in rows])


@api.get("/bukti-dukung/<int:bukti_id>")
@login_required
def download_bukti(bukti_id):
    return download_response(*bd.untuk_unduh(get_session(), g.actor, bukti_id, storage()))


@api.delete("/bukti-dukung/<int:bukti_id>")
@login_required
def delete_bukti(bukti_id):
    bd.hapus(get_session(), g.actor, bukti_id, storage())
    return "", 204


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    invalid = {"422": _resp("Berkas tidak valid (terlalu besar, jenis tidak diizinkan, RHK bukan dari SKP ini)",
                            {"$ref": "#/components/schemas/Error"})}
    DOCUMENT["paths"].update({
        "/penilaian/{id}/bukti-dukung": {
            "post": {"summary": "Unggah bukti dukung untuk satu RHK (pegawai, selama pengisian realisasi terbuka); "
                                "jenis diperiksa dari isi berkas: PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS",
                     "parameters": [ID("id")],
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "required": ["rhk_id", "berkas"],
                         "properties": {"rhk_id": {"type": "integer"},
                                        "berkas": {"type": "string", "format": "binary"}}}}}},
                     "responses": {"201": _resp("Bukti dukung tersimpan"), "409": _resp("Pengisian tidak terbuka"),
                                   **ERRORS, **invalid}},
            "get": {"summary": "Daftar bukti dukung penilaian", "parameters": [ID("id")],
                    "responses": {"200": _resp("Bukti dukung"), **ERRORS}}},
        "/bukti-dukung/{id}": {
            "get": {"summary": "Unduh bukti dukung (pegawai, pejabat penilai, admin instansi)",
                    "parameters": [ID("id")], "responses": {"200": _resp("Berkas"), **ERRORS}},
            "delete": {"summary": "Hapus bukti dukung (pegawai, selama pengisian realisasi terbuka)",
                       "parameters": [ID("id")], "responses": {"204": _resp("Dihapus"),
                                                                "409": _resp("Pengisian tidak terbuka"), **ERRORS}}},
    })


_describe()
