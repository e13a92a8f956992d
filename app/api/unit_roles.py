"""Per-unit roles (verifikator, operator) assigned by the admin kinerja: lanes name them as peran:<role>."""
from __future__ import annotations

from flask import g, jsonify

from app import get_session
from app.kinerja import unit_roles
from app.kinerja.org_change import require_admin

from . import api, json_body, login_required


@api.get("/unor/<int:unor_id>/peran")
@login_required
def list_unit_roles(unor_id):
    session = get_session()
    unor = unit_roles.unor_of_instansi(session, unor_id,
                                       None if g.actor.has("superadmin") else g.actor.pegawai.instansi_id)
    require_admin(g.actor, unor.instansi_id)
    rows = unit_roles.of_unor(session, unor.id, with_ended=True)
    return jsonify({"unor": {"id": unor.id, "kode": unor.kode, "nama": unor.nama}, "peran_tersedia": unit_roles.PERAN_UNOR,
                    "peran": [unit_roles.as_dict(r) for r in rows if r.dicabut_at is None],
                    "riwayat": [unit_roles.as_dict(r) for r in rows]})


@api.post("/unor/<int:unor_id>/peran")
@login_required
def assign_unit_role(unor_id):
    row, moved = unit_roles.tetapkan(get_session(), g.actor, unor_id, json_body())
    return jsonify({"peran": unit_roles.as_dict(row), "pengalihan": moved}), 201


@api.delete("/unor/<int:unor_id>/peran/<int:peran_id>")
@login_required
def revoke_unit_role(unor_id, peran_id):
    row, moved = unit_roles.cabut(get_session(), g.actor, unor_id, peran_id)
    return jsonify({"peran": unit_roles.as_dict(row), "pengalihan": moved})


def _document() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    error = {"$ref": "#/components/schemas/Error"}
    assignment = {"type": "object", "properties": {
        "id": {"type": "integer"}, "unor_id": {"type": "integer"}, "unor": {"type": "string"},
        "peran": {"type": "string"}, "label": {"type": "string"}, "nip": {"type": "string"}, "nama": {"type": "string"},
        "ditetapkan_at": {"type": "string", "nullable": True}, "ditetapkan_oleh": {"type": "string", "nullable": True},
        "dicabut_at": {"type": "string", "nullable": True}, "dicabut_oleh": {"type": "string", "nullable": True},
        "aktif": {"type": "boolean"}}}
    DOCUMENT["paths"].update({
        "/unor/{unor_id}/peran": {
            "get": {"summary": "Peran per unit (verifikator, operator) yang aktif dan riwayatnya; admin kinerja "
                               "instansi unor atau superadmin",
                    "parameters": [ID("unor_id")],
                    "responses": {"200": _resp("Peran unit", {"type": "object", "properties": {
                        "unor": {"type": "object"}, "peran_tersedia": {"type": "object"},
                        "peran": {"type": "array", "items": assignment},
                        "riwayat": {"type": "array", "items": assignment}}}), **ERRORS}},
            "post": {"summary": "Tetapkan peran unit untuk seorang pegawai (tugas terbuka peran itu dialihkan)",
                     "parameters": [ID("unor_id")],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["peran", "nip"], "properties": {
                             "peran": {"type": "string", "enum": list(unit_roles.PERAN_UNOR)},
                             "nip": {"type": "string", "pattern": "^[0-9]{18}$"}}}}}},
                     "responses": {"201": _resp("Ditetapkan", {"type": "object", "properties": {
                         "peran": assignment, "pengalihan": {"type": "object"}}}),
                         "400": _resp("JSON tidak valid", error), **ERRORS,
                         "422": _resp("Peran atau NIP tidak valid (details.fields)", error)}}},
        "/unor/{unor_id}/peran/{peran_id}": {
            "delete": {"summary": "Cabut penetapan peran unit (tetap tercatat dalam riwayat)",
                       "parameters": [ID("unor_id"), ID("peran_id")],
                       "responses": {"200": _resp("Dicabut", {"type": "object", "properties": {
                           "peran": assignment, "pengalihan": {"type": "object"}}}), **ERRORS}}},
    })


_document()
