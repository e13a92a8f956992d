"""Organisation changes (admin kinerja): import with a preview of the tasks that move, moving a
pegawai to another position, PLT/PLH assignments. Each re-routes the open tasks it affects."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, g, jsonify, request

from app import get_session
from core.errors import ValidationFailed
from app.documents import mph as mph_document
from app.kinerja import cascade, mph, org_change, penugasan, skp_access
from app.kinerja.views import iso
from app.request_input import int_arg
from workflows import clock

from . import api, json_body, login_required


@api.post("/organisasi/impor")
@login_required
def import_organisasi():
    """``?preview=1``: what would change and which tasks would move; without: import and re-route."""
    session = get_session()
    org_change.require_admin(g.actor, g.actor.pegawai.instansi_id)
    upload = request.files.get("berkas")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in (".csv", ".xlsx"):
        raise ValidationFailed({"berkas": "kirim berkas .csv atau .xlsx pada kolom formulir 'berkas'"})
    kode = None if g.actor.has("superadmin") else g.actor.pegawai.instansi.kode
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"impor{suffix}"
        upload.save(path)
        if request.args.get("preview") in ("1", "true"):
            return jsonify({"preview": True, **org_change.preview_import(session, path, kode)})
        return jsonify({"preview": False, **org_change.apply_import(session, path, kode, g.actor.id)})


@api.put("/pegawai/<nip>/jabatan")
@login_required
def move_pegawai(nip):
    body = json_body()
    return jsonify(org_change.pindah_jabatan(get_session(), g.actor, nip, body.get("jabatan_id"), body.get("tmt")))


@api.get("/plt-plh")
@login_required
def list_penugasan():
    return jsonify([penugasan.as_dict(p) for p in penugasan.daftar(get_session(), g.actor)])


@api.post("/plt-plh")
@login_required
def create_penugasan():
    row, rerouted = penugasan.tetapkan(get_session(), g.actor, json_body())
    return jsonify({"penugasan": penugasan.as_dict(row), "pengalihan": rerouted}), 201


@api.post("/plt-plh/<int:penugasan_id>/akhiri")
@login_required
def end_penugasan(penugasan_id):
    body = json_body() if request.get_data() else {}
    row, rerouted = penugasan.akhiri(get_session(), g.actor, penugasan_id, body)
    return jsonify({"penugasan": penugasan.as_dict(row), "pengalihan": rerouted})


@api.get("/skp/<int:skp_id>/matriks")
@login_required
def get_matriks(skp_id):
    session = get_session()
    return jsonify(mph.matriks(session, skp_access.visible(session, g.actor, skp_id)))


@api.put("/skp/<int:skp_id>/matriks")
@login_required
def put_matriks(skp_id):
    body = json_body()
    session = get_session()
    skp = skp_access.visible(session, g.actor, skp_id)
    mph.simpan(session, g.actor, skp, body)
    session.expire_all()
    return jsonify(mph.matriks(session, skp_access.visible(session, g.actor, skp_id)))


@api.get("/skp/<int:skp_id>/matriks.<fmt>")
@login_required
def matriks_document(skp_id, fmt):
    session = get_session()
    skp = skp_access.visible(session, g.actor, skp_id)
    content, media_type, filename = mph_document.download(session, skp, fmt)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api.get("/kaskade")
@login_required
def who_waits():
    """Whose SKP waits on whom in the caller's units (admin: the instansi), the oldest wait first."""
    tahun = _tahun()
    rows = cascade.who_waits(get_session(), g.actor, tahun)
    return jsonify({"tahun": tahun, "items": [{**r, "sejak": iso(r["sejak"])} for r in rows]})


def _tahun() -> int:
    return int_arg(request.args, "tahun", clock.today().year, 2000, 2100, "angka tahun")


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    body = lambda props, required: {"required": True, "content": {"application/json": {"schema": {  # noqa: E731
        "type": "object", "required": required, "properties": props}}}}
    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    moved = _resp("Tugas terbuka yang dialihkan: instance, tugas_dialihkan[] (tugas, lane, sebelum[], sesudah[]), "
                  "masalah[]")
    DOCUMENT["paths"].update({
        "/organisasi/impor": {"post": {
            "summary": "Impor unor dan pegawai (CSV/XLSX, kolom formulir 'berkas'; admin kinerja). ?preview=1: "
                       "tampilkan perubahan dan tugas yang akan dialihkan tanpa menyimpan; tanpa preview: impor "
                       "lalu alihkan tugas terbuka ke pejabat penilai baru. peringatan: NIP yang janggal (lahir di "
                       "masa depan, TMT sebelum usia 18 tahun) tetap diimpor, disebut per baris",
            "parameters": [{"name": "preview", "in": "query", "schema": {"type": "string", "enum": ["1"]}}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"berkas": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": moved, **ERRORS, **invalid}}},
        "/pegawai/{nip}/jabatan": {"put": {
            "summary": "Pindahkan pegawai ke jabatan lain (admin kinerja); tugas terbuka yang terdampak dialihkan. "
                       "Dengan tmt: mutasi, SKP jabatan lama berakhir sehari sebelum tmt (skp_diakhiri) dan SKP "
                       "baru pegawai dimulai pada tmt; tanpa tmt: koreksi data",
            "parameters": [{"name": "nip", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": body({"jabatan_id": {"type": "integer"}, "tmt": {"type": "string", "format": "date"}},
                                ["jabatan_id"]),
            "responses": {"200": moved, "409": _resp("Jabatan pimpinan masih dijabat orang lain"), **ERRORS,
                          **invalid}}},
        "/skp/{id}/matriks": {
            "get": {"summary": "Matriks peran hasil SKP pimpinan: kolom (RHK dan IKI), baris (bawahan yang dinilai, "
                               "sel per RHK: peran, hasil)", "parameters": [ID("id")],
                    "responses": {"200": _resp("Matriks"), **ERRORS}},
            "put": {"summary": "Simpan matriks (pemilik SKP); menggantikan semua sel. SKP bawahan yang dibuat "
                               "sesudahnya berisi RHK dari selnya, terhubung ke RHK pimpinan",
                    "parameters": [ID("id")], "requestBody": body({"sel": {"type": "array", "items": {
                        "type": "object", "required": ["rhk_id", "nip", "hasil"],
                        "properties": {"rhk_id": {"type": "integer"}, "nip": {"type": "string"},
                                       "peran": {"type": "string"}, "hasil": {"type": "string"}}}}}, ["sel"]),
                    "responses": {"200": _resp("Matriks tersimpan"), **ERRORS, **invalid}}},
        "/skp/{id}/matriks.{fmt}": {"get": {
            "summary": "Cetak matriks peran hasil (fmt: pdf atau docx)",
            "parameters": [ID("id"), {"name": "fmt", "in": "path", "required": True,
                                      "schema": {"enum": ["pdf", "docx"]}}],
            "responses": {"200": _resp("Dokumen"), **ERRORS}}},
        "/kaskade": {"get": {
            "summary": "Siapa menunggu siapa: SKP yang menunggu pemeriksaan atau SKP atasan yang belum disetujui, "
                       "di unit pemanggil (pimpinan) atau seluruh instansi (admin kinerja), yang terlama dulu",
            "parameters": [{"name": "tahun", "in": "query", "schema": {"type": "integer", "minimum": 2000,
                                                                         "maximum": 2100}}],
            "responses": {"200": _resp("tahun, items[] (unor, nip, nama, jabatan, skp_id, status, alasan, sejak, "
                                       "menunggu[])"), **ERRORS, **invalid}}},
        "/plt-plh": {
            "get": {"summary": "Penugasan PLT/PLH instansi (admin kinerja)", "responses": {"200": _resp("Daftar"),
                                                                                          **ERRORS}},
            "post": {"summary": "Tetapkan PLT/PLH pada jabatan pimpinan; bila periode sudah mulai, tugas jabatan itu "
                                "langsung dialihkan", "requestBody": body({
                                    "nip": {"type": "string"}, "jabatan_id": {"type": "integer"},
                                    "jenis": {"enum": ["PLT", "PLH"]},
                                    "tmt_mulai": {"type": "string", "format": "date"},
                                    "tmt_selesai": {"type": "string", "format": "date"}},
                                    ["nip", "jabatan_id", "jenis", "tmt_mulai"]),
                     "responses": {"201": moved, "409": _resp("Beririsan dengan penugasan lain"), **ERRORS,
                                   **invalid}}},
        "/plt-plh/{id}/akhiri": {"post": {
            "summary": "Akhiri penugasan pada tmt_selesai (bawaan: kemarin, berakhir sekarang); tugas dialihkan kembali",
            "parameters": [ID("id")],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"tmt_selesai": {"type": "string", "format": "date"}}}}}},
            "responses": {"200": moved, "409": _resp("Tanggal baru beririsan dengan penugasan lain"), **ERRORS,
                          **invalid}}},
    })


_describe()
