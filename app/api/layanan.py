"""Start a process: the processes the caller may start, and a new instance of one (Mulai layanan)."""
from __future__ import annotations

from flask import g, jsonify

from app import get_session
from app.kinerja import layanan
from app.kinerja.views import task_summary

from . import api, json_body, login_required
from .instances import instance_view


@api.get("/processes")
@login_required
def list_processes():
    return jsonify(layanan.startable(get_session(), g.actor))


@api.get("/processes/<process_id>")
@login_required
def get_process(process_id):
    return jsonify(layanan.describe(get_session(), g.actor, process_id))


@api.post("/processes/<process_id>/instances")
@login_required
def start_process(process_id):
    session = get_session()
    body = json_body()
    instance = layanan.start(session, g.actor, process_id, body)
    view = instance_view(session, instance)
    view["open_tasks"] = [task_summary(t) for t in layanan.tasks_for(session, instance.id, g.actor.id)]
    view["started_by_id"] = instance.started_by_id
    return jsonify(view), 201


def _document() -> None:
    from .openapi import DOCUMENT, ERRORS, _resp

    error = {"$ref": "#/components/schemas/Error"}
    process_id = {"name": "process_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"}}
    process = {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
        "definition_id": {"type": "integer"}, "form": {"type": "string", "nullable": True},
        "schema": {"type": "object", "nullable": True, "description": "JSON Schema formulir mulai"},
        "description": {"type": "string"}}}
    DOCUMENT["paths"].update({
        "/processes": {"get": {
            "summary": "Proses yang boleh dimulai pemanggil (properti pemulai), versi terbaru masing-masing, "
                       "dengan skema formulir mulainya",
            "responses": {"200": _resp("Daftar proses", {"type": "array", "items": process}), "401": ERRORS["401"]}}},
        "/processes/{process_id}": {"get": {
            "summary": "Satu proses yang boleh dimulai pemanggil, dengan skema formulir mulainya",
            "parameters": [process_id],
            "responses": {"200": _resp("Proses", process), **ERRORS}}},
        "/processes/{process_id}/instances": {"post": {
            "summary": "Mulai instance baru (Mulai layanan). Pemulai dicatat (started_by_id, pemulai_id); "
                       "business key dibuat bila tidak diberikan",
            "parameters": [process_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "data": {"type": "object", "description": "isian formulir mulai (form_mulai)"},
                    "business_key": {"type": "string", "maxLength": 128},
                    "pegawai_nip": {"type": "string", "description": "pegawai yang menjadi subjek (bawaan: "
                                    "pemanggil); hanya pejabat penilainya atau admin kinerja"}}}}}},
            "responses": {"201": _resp("Instance dimulai; open_tasks: tugas terbuka untuk pemanggil", {
                "type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"}, "business_key": {"type": "string"},
                    "process_id": {"type": "string"}, "started_by_id": {"type": "integer"},
                    "last_error": {"type": "object", "nullable": True},
                    "open_tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}}),
                          "400": _resp("JSON tidak valid", error), **ERRORS,
                          "422": _resp("Isian formulir mulai tidak valid (details.fields)", error)}}},
    })


_document()
