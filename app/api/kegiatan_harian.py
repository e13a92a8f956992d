"""Kegiatan harian: a pegawai's daily activities per RHK, the atasan's comments, exports, the realisasi draft."""
from __future__ import annotations

from flask import Response, current_app, g, jsonify, request

from app import get_session
from core.db import write_transaction
from core.errors import NotFound, ValidationFailed
from app.kinerja import kegiatan_harian as kh
from app.kinerja import skp_access
from app.kinerja.penilaian import get_penilaian

from . import api, json_body, login_required
from .bukti_dukung import max_bytes, storage

EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


def aktif() -> None:
    """404 with a clear message when the caller's instansi does not use kegiatan harian."""
    kh.periksa_aktif(current_app.config.get("KEGIATAN_HARIAN"), g.actor)


def rentang_args(args) -> tuple:
    fields: dict[str, str] = {}
    dari, sampai = kh.baca_rentang(args.get("dari", "").strip(), args.get("sampai", "").strip(), fields)
    if fields:
        raise ValidationFailed(fields)
    return dari, sampai


def export_response(rows, fmt: str, pegawai, dari, sampai) -> Response:
    body = kh.ke_xlsx(rows) if fmt == "xlsx" else kh.ke_csv(rows)
    name = f"kegiatan-harian-{pegawai.nip}-{dari.isoformat()}-{sampai.isoformat()}.{fmt}"
    return Response(body, mimetype=EXPORTS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def row_json(session, row) -> dict:
    return {**kh.kegiatan_json(row, kh.may_comment(session, g.actor, row)), "terkunci": kh.terkunci(session, row)}


def _body_and_upload() -> tuple[dict, tuple | None]:
    """A JSON body, or a multipart form (its fields and the file ``berkas``)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("berkas")
        data = {k: v for k, v in request.form.items()}
        return data, (upload.stream, upload.filename) if upload and upload.filename else None
    return json_body(), None


@api.get("/kegiatan-harian")
@login_required
def list_kegiatan_harian():
    aktif()
    session = get_session()
    fmt = request.args.get("format", "json").strip().lower()
    if fmt not in ("json", *EXPORTS):
        raise ValidationFailed({"format": "harus json, xlsx atau csv"})
    pegawai = kh.pegawai_terlihat(session, g.actor, request.args.get("nip", "").strip() or None)
    dari, sampai = rentang_args(request.args)
    rows = kh.daftar(session, pegawai, dari, sampai)
    if fmt != "json":
        return export_response(rows, fmt, pegawai, dari, sampai)
    return jsonify({"nip": pegawai.nip, "nama": pegawai.nama_lengkap, "dari": dari.isoformat(),
                    "sampai": sampai.isoformat(), "kegiatan": [row_json(session, r) for r in rows]})


@api.post("/kegiatan-harian")
@login_required
def create_kegiatan_harian():
    aktif()
    data, upload = _body_and_upload()
    session = get_session()
    row = kh.simpan(session, g.actor, data, upload=upload, directory=storage(), max_bytes=max_bytes())
    return jsonify(row_json(session, row)), 201


@api.get("/kegiatan-harian/bawahan")
@login_required
def list_kegiatan_bawahan():
    aktif()
    return jsonify([{"nip": p.nip, "nama": p.nama_lengkap, "jabatan": p.jabatan.nama if p.jabatan else ""}
                    for p in kh.bawahan(get_session(), g.actor.pegawai)])


@api.get("/kegiatan-harian/<int:kegiatan_id>")
@login_required
def get_kegiatan_harian(kegiatan_id):
    aktif()
    session = get_session()
    return jsonify(row_json(session, kh.get_kegiatan(session, g.actor, kegiatan_id)))


@api.put("/kegiatan-harian/<int:kegiatan_id>")
@login_required
def update_kegiatan_harian(kegiatan_id):
    aktif()
    data, upload = _body_and_upload()
    session = get_session()
    row = kh.simpan(session, g.actor, data, kegiatan_id, upload=upload, directory=storage(), max_bytes=max_bytes())
    return jsonify(row_json(session, row))


@api.delete("/kegiatan-harian/<int:kegiatan_id>")
@login_required
def delete_kegiatan_harian(kegiatan_id):
    aktif()
    session = get_session()
    with write_transaction(session):
        stored = kh.hapus(session, g.actor, kegiatan_id)
    if stored:
        (storage() / stored).unlink(missing_ok=True)
    return "", 204


@api.put("/kegiatan-harian/<int:kegiatan_id>/komentar")
@login_required
def comment_kegiatan_harian(kegiatan_id):
    aktif()
    body = json_body()
    session = get_session()
    with write_transaction(session):
        row = kh.komentari(session, g.actor, kegiatan_id, body.get("komentar"))
    return jsonify(row_json(session, row))


@api.get("/kegiatan-harian/<int:kegiatan_id>/berkas")
@login_required
def download_kegiatan_berkas(kegiatan_id):
    aktif()
    row, path = kh.berkas_untuk_unduh(get_session(), g.actor, kegiatan_id, storage())
    return berkas_response(row, path)


def berkas_response(row, path):
    """The activity's file as an attachment, never rendered by the browser (as a bukti dukung)."""
    from flask import send_file

    response = send_file(path, mimetype=row.berkas_media_type, as_attachment=True, download_name=row.berkas_nama,
                         etag=row.berkas_sha256, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def draf_for(session, penilaian_id, berkas_url) -> dict:
    """The realisasi draft of a penilaian from the pegawai's activities (whoever may see the penilaian)."""
    penilaian = get_penilaian(session, penilaian_id)
    try:
        skp_access.visible(session, g.actor, penilaian.skp_id)
    except NotFound:
        raise NotFound(f"Penilaian {penilaian_id} tidak ditemukan") from None
    return kh.draf_realisasi(session, penilaian, berkas_url)


@api.get("/penilaian/<int:penilaian_id>/kegiatan-harian")
@login_required
def draf_realisasi_kegiatan(penilaian_id):
    aktif()
    from flask import url_for

    draf = draf_for(get_session(), penilaian_id,
                    lambda row: url_for("api.download_kegiatan_berkas", kegiatan_id=row.id, _external=True))
    return jsonify({"rhk": {str(k): v for k, v in draf.items()}})


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, ID_SCHEMA, _resp

    query = lambda name, schema, description="": {  # noqa: E731
        "name": name, "in": "query", "required": False, "schema": schema, "description": description}
    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    locked = {"409": _resp("Penilaian periode tanggal kegiatan sudah final: kegiatan terkunci",
                           {"$ref": "#/components/schemas/Error"})}
    fields = {"tanggal": {"type": "string", "format": "date"}, "rhk_id": ID_SCHEMA,
              "jenis": {"type": "string", "enum": list(kh.JENIS)}, "uraian": {"type": "string", "maxLength": 2000},
              "output": {"type": "string", "maxLength": 500}, "tautan": {"type": "string", "maxLength": 1000},
              "rencana_aksi": {"type": "string", "maxLength": 2000}}
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": fields}},
                        "multipart/form-data": {"schema": {"type": "object", "properties": {
                            **fields, "berkas": {"type": "string", "format": "binary"}}}}}}
    DOCUMENT["paths"].update({
        "/kegiatan-harian": {
            "get": {"summary": "Kegiatan harian seorang pegawai (?nip=, bawaan: pemanggil; atasan dan admin instansi "
                               "boleh melihat) dalam rentang tanggal, sebagai JSON, XLSX atau CSV (NIP sebagai teks)",
                    "parameters": [query("nip", {"type": "string"}),
                                   query("dari", {"type": "string", "format": "date"}, "bawaan: awal bulan ini"),
                                   query("sampai", {"type": "string", "format": "date"},
                                         "bawaan: akhir bulan ini; paling panjang 366 hari"),
                                   query("format", {"type": "string", "enum": ["json", "xlsx", "csv"]})],
                    "responses": {"200": _resp("Kegiatan harian atau berkas ekspor"), **ERRORS, **invalid}},
            "post": {"summary": "Catat kegiatan harian (tanggal, RHK dari SKP yang disetujui, uraian; output, tautan "
                                "atau berkas opsional; jenis bawaan dari jenis RHK)",
                     "requestBody": {"required": True, **body},
                     "responses": {"201": _resp("Kegiatan tercatat"), **ERRORS, **invalid, **locked}}},
        "/kegiatan-harian/bawahan": {"get": {
            "summary": "Bawahan yang kegiatan hariannya dapat dilihat dan dikomentari pemanggil",
            "responses": {"200": _resp("Daftar bawahan"), **ERRORS}}},
        "/kegiatan-harian/{id}": {
            "get": {"summary": "Satu kegiatan harian", "parameters": [ID("id")],
                    "responses": {"200": _resp("Kegiatan"), **ERRORS}},
            "put": {"summary": "Ubah kegiatan harian (pemilik; kolom yang dikirim saja)", "parameters": [ID("id")],
                    "requestBody": {"required": True, **body},
                    "responses": {"200": _resp("Kegiatan diubah"), **ERRORS, **invalid, **locked}},
            "delete": {"summary": "Hapus kegiatan harian (pemilik)", "parameters": [ID("id")],
                       "responses": {"204": _resp("Dihapus"), **ERRORS, **locked}}},
        "/kegiatan-harian/{id}/komentar": {"put": {
            "summary": "Komentar atasan (pejabat penilai) atas kegiatan bawahan; teks kosong menghapusnya",
            "parameters": [ID("id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"komentar": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {"200": _resp("Komentar tersimpan"), **ERRORS, **invalid, **locked}}},
        "/kegiatan-harian/{id}/berkas": {"get": {
            "summary": "Unduh berkas kegiatan harian", "parameters": [ID("id")],
            "responses": {"200": _resp("Berkas"), **ERRORS}}},
        "/penilaian/{id}/kegiatan-harian": {"get": {
            "summary": "Draf realisasi per RHK dari kegiatan harian periode penilaian: teks realisasi dan tautan "
                       "bukti dukung", "parameters": [ID("id")],
            "responses": {"200": _resp("Draf per RHK"), **ERRORS}}},
    })


_describe()
