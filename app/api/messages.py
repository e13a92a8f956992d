"""POST /api/v1/messages: a message from outside to the waiting instances it correlates with, or the start
of the process whose message start event catches it (README "Messages and call activities")."""
from __future__ import annotations

from flask import g, jsonify

from app import get_session
from core.db import write_transaction
from core.errors import ValidationFailed
from workflows import messages

from . import api, json_body, login_required

SCALAR = (str, int, float, bool)


def _body() -> tuple[str, str | None, dict | None, dict]:
    body = json_body()
    fields = {}
    name, key = body.get("name"), body.get("business_key")
    correlation, data = body.get("correlation"), body.get("data", {})
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        fields["name"] = "wajib: nama pesan (teks, paling banyak 255 karakter)"
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > 128):
        fields["business_key"] = "teks, paling banyak 128 karakter"
    if correlation is not None and (not isinstance(correlation, dict) or not correlation or not all(
            isinstance(k, str) and isinstance(v, SCALAR) for k, v in correlation.items())):
        fields["correlation"] = "objek {nama properti: nilai} yang tidak kosong; nilai berupa teks atau angka"
    if not isinstance(data, dict):
        fields["data"] = "harus berupa objek JSON"
    unknown = set(body) - {"name", "business_key", "correlation", "data"}
    for field in sorted(unknown):
        fields[field] = "tidak dikenal"
    if fields:
        raise ValidationFailed(fields)
    return name.strip(), key, correlation, data


@api.post("/messages")
@login_required
def post_message():
    actor = g.actor
    admin = actor.has("superadmin", "admin_kinerja")
    name, key, correlation, data = _body()

    def may_send(definition) -> bool:
        if admin:
            return True
        declared = messages.declared_senders(definition)
        return "semua" in declared or actor.has(*declared)

    instansi_id = None if actor.has("superadmin") else actor.pegawai.instansi_id
    start_data = {"pemulai_id": actor.id, **({} if "pegawai_id" in data else {"pegawai_id": actor.id})}
    session = get_session()
    with write_transaction(session):
        outcome = messages.send(session, name, data, key, correlation, actor.id, instansi_id, may_send, start_data)
    return jsonify({"message": name, "delivered": outcome.delivered, "started": outcome.started}), \
        (201 if outcome.started else 200)


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, _resp

    DOCUMENT["paths"]["/messages"] = {"post": {
        "summary": "Kirim pesan BPMN: ke instance yang menunggunya (berkorelasi dengan business_key dan/atau "
                   "correlation), atau memulai proses yang start event-nya menangkap pesan itu",
        "description": "Admin kinerja (instance di instansinya) dan superadmin; pegawai lain hanya ke proses "
                       "yang menyatakan perannya pada properti proses pengirim_pesan.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["name"], "additionalProperties": False, "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "business_key": {"type": "string", "minLength": 1, "maxLength": 128},
                "correlation": {"type": "object", "minProperties": 1, "additionalProperties": {
                    "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}},
                "data": {"type": "object"}}}}}},
        "responses": {
            "200": _resp("Diterima oleh instance yang menunggu", {"type": "object", "properties": {
                "message": {"type": "string"}, "delivered": {"type": "array", "items": {"type": "integer"}},
                "started": {"type": "array", "items": {"type": "integer"}}}}),
            "201": _resp("Proses baru dimulai oleh pesan", {"type": "object", "properties": {
                "message": {"type": "string"}, "delivered": {"type": "array", "items": {"type": "integer"}},
                "started": {"type": "array", "items": {"type": "integer"}}}}),
            "400": _resp("JSON tidak valid", {"$ref": "#/components/schemas/Error"}),
            **ERRORS,
            "409": _resp("Instance penerima sedang diubah permintaan lain", {"$ref": "#/components/schemas/Error"}),
            "422": _resp("Badan tidak valid; details.fields menyebut kolomnya", {"$ref": "#/components/schemas/Error"})}}}


_describe()
