"""Capaian kinerja organisasi per unor and periode (set by the leader one level up) and the kurva of a unit."""
from __future__ import annotations

from flask import g, jsonify, request

from app import get_session
from core.db import write_transaction
from core.errors import ValidationFailed
from app.kinerja import capaian as capaian_mod
from app.kinerja.kurva import kurva_unit
from app.kinerja.monitoring import scope
from app.request_input import as_id

from . import api, json_body, login_required


def _periode_arg():
    value = request.args.get("periode_id", "").strip()
    if as_id(value) is None:
        raise ValidationFailed({"periode_id": "wajib diisi dengan id periode"})
    return capaian_mod.periode_of_instansi(get_session(), g.actor.pegawai.instansi_id, value)


def _one(session, unor_id: int, periode_id: int) -> dict:
    return {"unor_id": unor_id, "periode_id": periode_id,
            "capaian": capaian_mod.capaian_json(capaian_mod.current(session, unor_id, periode_id)),
            "riwayat": [capaian_mod.capaian_json(r) for r in capaian_mod.history(session, unor_id, periode_id)]}


@api.put("/unor/<int:unor_id>/capaian/<int:periode_id>")
@login_required
def set_capaian(unor_id, periode_id):
    body = json_body()
    session = get_session()
    with write_transaction(session):
        row = capaian_mod.tetapkan(session, g.actor, unor_id, periode_id, body)
    return jsonify(_one(session, row.unor_id, row.periode_id))


def _unor_periode(session, unor_id: int, periode_id: int):
    instansi_id = g.actor.pegawai.instansi_id
    return (capaian_mod.unor_of_instansi(session, instansi_id, unor_id),
            capaian_mod.periode_of_instansi(session, instansi_id, periode_id))


@api.get("/unor/<int:unor_id>/capaian/<int:periode_id>")
@login_required
def get_capaian(unor_id, periode_id):
    session = get_session()
    unor, periode = _unor_periode(session, unor_id, periode_id)
    return jsonify(_one(session, unor.id, periode.id))


@api.get("/capaian")
@login_required
def list_capaian():
    return jsonify(capaian_mod.daftar(get_session(), g.actor, _periode_arg()))


@api.get("/unor/<int:unor_id>/kurva/<int:periode_id>")
@login_required
def get_kurva(unor_id, periode_id):
    session = get_session()
    unor, periode = _unor_periode(session, unor_id, periode_id)
    scope(session, g.actor, periode, unor.id)  # admin kinerja, or a leader over the unit: 403 / 404 otherwise
    return jsonify(kurva_unit(session, unor, periode))


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, ID_SCHEMA, _resp

    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    predikat = {"enum": list(capaian_mod.PREDIKAT_ORGANISASI)}
    DOCUMENT["components"]["schemas"].update({
        "CapaianOrganisasi": {"type": "object", "properties": {
            "id": {"type": "integer"}, "unor_id": {"type": "integer"}, "periode_id": {"type": "integer"},
            "predikat": predikat, "predikat_label": {"type": "string"}, "dasar": {"type": "string"},
            "revisi": {"type": "integer"}, "ditetapkan_at": {"type": "string", "format": "date-time"},
            "ditetapkan_oleh": {"type": "object", "properties": {"nip": {"type": "string"}, "nama": {"type": "string"},
                                                                 "jabatan": {"type": "string"}}}}},
        "KurvaPelanggaran": {"type": "object", "properties": {
            "kelompok": {"type": "array", "items": {"type": "string"}},
            "batas": {"enum": ["MAKS", "MIN", "ADA", "TERBANYAK"]}, "sifat": {"enum": ["WAJIB", "PERINGATAN"]},
            "persen": {"type": "number"}, "batas_jumlah": {"type": "integer"}, "jumlah": {"type": "integer"},
            "pesan": {"type": "string"}}},
        "Kurva": {"type": "object", "description": "Kurva distribusi predikat pegawai satu unit dalam satu periode "
                  "(aturan dari bpmn/kurva_distribusi.dmn); svg = grafik siap disisipkan", "properties": {
            "unor_id": {"type": "integer"}, "unor": {"type": "string"}, "predikat_organisasi": predikat,
            "distribusi": {"type": "object", "additionalProperties": {"type": "integer"}},
            "jumlah_final": {"type": "integer"}, "belum_final": {"type": "integer"},
            "aturan": {"type": "array", "items": {"type": "object"}},
            "pelanggaran": {"type": "array", "description": "aturan WAJIB yang dilanggar (penetapan perlu alasan_kurva)",
                            "items": {"$ref": "#/components/schemas/KurvaPelanggaran"}},
            "peringatan": {"type": "array", "description": "aturan PERINGATAN yang dilanggar, mis. 'sebagian besar' "
                                                           "(predikat yang diharapkan bukan yang terbanyak); tidak "
                                                           "menghalangi penetapan",
                           "items": {"$ref": "#/components/schemas/KurvaPelanggaran"}},
            "svg": {"type": "string"}}},
    })
    one = {"200": _resp("Capaian saat ini dan riwayat perubahannya"), **ERRORS}
    DOCUMENT["paths"].update({
        "/unor/{id}/capaian/{periode_id}": {
            "get": {"summary": "Capaian kinerja organisasi satu unit pada satu periode, dengan riwayat",
                    "parameters": [ID("id"), ID("periode_id")], "responses": one},
            "put": {"summary": "Tetapkan atau ubah capaian kinerja organisasi (pimpinan unit satu tingkat di atas; "
                               "unit tertinggi: admin kinerja). Setiap perubahan disimpan sebagai baris baru.",
                    "parameters": [ID("id"), ID("periode_id")],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["predikat", "dasar"],
                        "properties": {"predikat": predikat, "dasar": {"type": "string", "maxLength": 4000}}}}}},
                    "responses": {**one, **invalid}}},
        "/capaian": {"get": {
            "summary": "Semua unit instansi pemanggil dengan capaian periode itu dan boleh_menetapkan",
            "parameters": [{"name": "periode_id", "in": "query", "required": True, "schema": ID_SCHEMA}],
            "responses": {"200": _resp("Daftar unit"), **ERRORS, **invalid}}},
        "/unor/{id}/kurva/{periode_id}": {"get": {
            "summary": "Kurva distribusi predikat pegawai unit itu (grafik SVG, aturan, pelanggaran); admin kinerja dan pimpinan unit itu atau di atasnya",
            "parameters": [ID("id"), ID("periode_id")],
            "responses": {"200": _resp("Kurva", {"$ref": "#/components/schemas/Kurva"}), **ERRORS}}},
    })


_describe()
