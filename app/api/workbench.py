"""Process definitions for process owners: versions, downloads, diff, drafts, validation, tests, deploy.

Every ``/definitions`` endpoint takes ``?instansi_id=``: a process owner works in his own instansi (another
is a 403), a superadmin in the one he names (``0``: the national default); without it a superadmin sees
every instansi and deploys the national default (``workflows.workbench.view_of``)."""
from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, g, jsonify, request

from app import get_session
from core.db import write_transaction
from core.errors import NotFound, ValidationFailed
from app.kinerja.org import Pegawai
from app.kinerja.views import iso
from app.request_input import int_arg, require_object
from workflows import workbench
from workflows.diff import diff

from . import api, json_body, login_required


def _tests_dir() -> Path:
    return Path(current_app.config["BPMN_DIR"]) / "tests"


def view(write: bool = False) -> workbench.View:
    """The workbench scope of this request from ``?instansi_id=`` (0: the national default)."""
    from app.kinerja.org import Instansi

    requested = int_arg(request.args, "instansi_id", low=0)
    if requested and get_session().get(Instansi, requested) is None:
        raise NotFound(f"Instansi {requested} tidak ditemukan")
    return workbench.view_of(g.actor, requested, write)


def instansi_json(session, instansi_id):
    from app.kinerja.org import Instansi

    row = session.get(Instansi, instansi_id) if instansi_id else None
    return {"id": row.id, "kode": row.kode, "nama": row.nama} if row else None


def _author(session, pegawai_id):
    p = session.get(Pegawai, pegawai_id) if pegawai_id else None
    return {"id": p.id, "nip": p.nip, "nama": p.nama_lengkap} if p else None


def version_json(session, row, running: int | None = None) -> dict:
    data = {"process_id": row.process_id, "version": row.version, "name": row.name, "content_hash": row.content_hash,
            "created_at": iso(row.created_at), "comment": row.comment, "author": _author(session, row.author_id),
            "files": sorted(row.sources), "instansi": instansi_json(session, row.instansi_id)}
    if running is not None:
        data["instance_berjalan"] = running
    return data


def draft_json(session, draft) -> dict | None:
    return draft and {"author": _author(session, draft.author_id), "updated_at": iso(draft.updated_at),
                      "files": sorted(draft.files)}


@api.get("/definitions")
@login_required
def list_definitions():
    session = get_session()
    rows = workbench.definitions_overview(session, view())
    return jsonify([{**r, "draft": draft_json(session, r["draft"]),
                     "instansi": instansi_json(session, r["instansi_id"])} for r in rows])


@api.get("/definitions/<process_id>/versions")
@login_required
def list_versions(process_id):
    session = get_session()
    scope = view()
    rows = workbench.versions_of(session, process_id, scope)
    running = workbench.instance_counts(session, rows, scope)
    return jsonify([version_json(session, r, running.get(r.id, 0)) for r in rows])


@api.get("/definitions/<process_id>/versions/<int:version>/files/<path:name>")
@login_required
def version_file(process_id, version, name):
    return file_response(workbench.definition_of(get_session(), process_id, version, view()), name)


def file_response(row, name: str) -> Response:
    """One file of a version: a BPMN/DMN diagram (XML), a scenario or a form of the version (JSON)."""
    if name not in row.sources:
        raise NotFound(f"File '{name}' tidak ada di versi {row.version}")
    return Response(row.sources[name], mimetype="application/json" if name.endswith(".json") else "application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name.rsplit("/", 1)[-1]}"'})


@api.get("/definitions/<process_id>/versions/<int:version>/download")
@login_required
def version_zip(process_id, version):
    row = workbench.definition_of(get_session(), process_id, version, view())
    return Response(workbench.version_zip(row), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{process_id}-v{version}.zip"'})


@api.get("/definitions/<process_id>/diff")
@login_required
def version_diff(process_id):
    scope = view()
    old, new = int_arg(request.args, "from", low=1), int_arg(request.args, "to", low=1)
    fields = {k: "wajib diisi: nomor versi" for k, v in (("from", old), ("to", new)) if v is None}
    if fields:
        raise ValidationFailed(fields)
    session = get_session()
    a, b = (workbench.definition_of(session, process_id, old, scope),
            workbench.definition_of(session, process_id, new, scope))
    return jsonify({"from": old, "to": new, **diff(a.sources, b.sources)})


@api.get("/definitions/<process_id>/draft")
@login_required
def get_draft(process_id):
    """The files the modeler opens: the draft if there is one, else the newest version."""
    session = get_session()
    scope = view()
    files, draft = workbench.working_files(session, process_id, _tests_dir(), scope)
    row = workbench.definition_of(session, process_id, view=scope)
    return jsonify({"process_id": process_id, "files": files, "draft": draft_json(session, draft),
                    "version": row.version, "instansi": instansi_json(session, row.instansi_id)})


@api.put("/definitions/<process_id>/draft")
@login_required
def put_draft(process_id):
    body = json_body()
    session = get_session()
    with write_transaction(session):
        draft = workbench.save_draft(session, g.actor, process_id, body.get("files"), view(write=True))
    return jsonify(draft_json(session, draft))


@api.delete("/definitions/<process_id>/draft")
@login_required
def delete_draft(process_id):
    session = get_session()
    with write_transaction(session):
        workbench.discard_draft(session, g.actor, process_id, view(write=True))
    return jsonify({"deleted": True})


@api.post("/definitions/<process_id>/validate")
@login_required
def validate_definition(process_id):
    scope = view(write=True)
    body = json_body()
    return jsonify(workbench.validate_files(get_session(), process_id, body.get("files"), body.get("sertakan"),
                                            scope))


@api.post("/definitions/<process_id>/test")
@login_required
def test_definition(process_id):
    workbench.require_reader(g.actor)
    body = json_body()
    scenario = body.get("scenario")
    if scenario is not None:
        require_object(scenario, "scenario")
    return jsonify(workbench.test_files(process_id, body.get("files"), _tests_dir(), scenario, get_session()))


@api.post("/definitions/<process_id>/deploy")
@login_required
def deploy_definition(process_id):
    body = json_body()
    session = get_session()
    with write_transaction(session):
        row = workbench.deploy_files(session, g.actor, process_id, body.get("files"), body.get("comment"),
                                      body.get("sertakan"), view(write=True))
    return jsonify(version_json(session, row)), 201


@api.get("/forms")
@login_required
def list_forms():
    workbench.require_reader(g.actor)
    from workflows import forms

    return jsonify([{"key": k, "title": forms.schema_of(k).get("title", k) if not forms.schema_error(k) else k}
                    for k in forms.form_keys()])


@api.get("/forms/<key>")
@login_required
def get_form(key):
    workbench.require_reader(g.actor)
    from workflows import forms

    if not workbench.FORM_KEY.match(key) or not forms.form_exists(key):
        raise NotFound(f"Formulir '{key}' tidak ada")
    return jsonify({"key": key, "schema": forms.schema_of(key)})


@api.post("/forms/preview")
@login_required
def preview_form():
    """The form as the pegawai's generic task page renders it (same fields, same markup)."""
    from flask import render_template

    from app.web.schema_form import generic_fields, hidden_properties
    from workflows import forms

    workbench.require_reader(g.actor)
    schema = json_body().get("schema")
    problem = forms.check_schema(schema, "pratinjau")
    if problem:
        return jsonify({"error": problem, "html": ""})
    return jsonify({"error": None, "html": render_template("workbench_form_preview.html", schema=schema,
                                                           form_fields=generic_fields(schema),
                                                           hidden=hidden_properties(schema))})


@api.post("/forms")
@login_required
def create_form():
    body = json_body()
    key = workbench.create_form(g.actor, body.get("key"), body.get("schema"))
    return jsonify({"key": key}), 201


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID_SCHEMA, _resp

    pid = {"name": "process_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ver = {"name": "version", "in": "path", "required": True, "schema": ID_SCHEMA}
    files = {"files": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "{nama file: isi}: *.bpmn, *.dmn, uji/*.json (skenario)"}}

    include = {"sertakan": {"type": "array", "items": {"type": "string"},
                            "description": "proses lain di berkas yang sudah dipasang dan ikut dipasang"}}

    def body(props, required):
        return {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": required, "properties": props}}}}

    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    DOCUMENT["paths"].update({
        "/definitions": {"get": {"summary": "Definisi proses: versi terbaru, jumlah versi, instance terbuka, draf "
                                           "(pemilik proses, superadmin)", "responses": {"200": _resp("Daftar"), **ERRORS}}},
        "/definitions/{process_id}/versions": {"get": {
            "summary": "Versi sebuah proses: nomor, instansi (null: bawaan nasional), penulis, waktu, catatan, file "
                       "(termasuk formulir forms/*.schema.json), instance_berjalan", "parameters": [pid],
            "responses": {"200": _resp("Versi, terbaru dulu"), **ERRORS}}},
        "/definitions/{process_id}/versions/{version}/files/{name}": {"get": {
            "summary": "Unduh satu file BPMN/DMN sebuah versi", "parameters": [pid, ver, {
                "name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _resp("XML"), **ERRORS}}},
        "/definitions/{process_id}/versions/{version}/download": {"get": {
            "summary": "Unduh semua file sebuah versi (ZIP)", "parameters": [pid, ver],
            "responses": {"200": _resp("ZIP"), **ERRORS}}},
        "/definitions/{process_id}/diff": {"get": {
            "summary": "Perbedaan dua versi per elemen: added, removed, changed (dengan kolom yang berubah); "
                       "forms: formulir versi yang berbeda",
            "parameters": [pid] + [{"name": n, "in": "query", "required": True, "schema": ID_SCHEMA}
                                   for n in ("from", "to")],
            "responses": {"200": _resp("Perbedaan"), **ERRORS, **invalid}}},
        "/definitions/{process_id}/draft": {
            "get": {"summary": "File yang dibuka modeler: draf bila ada, selain itu versi terbaru", "parameters": [pid],
                    "responses": {"200": _resp("File"), **ERRORS}},
            "put": {"summary": "Simpan draf (pemilik proses)", "parameters": [pid], "requestBody": body(files, ["files"]),
                    "responses": {"200": _resp("Draf tersimpan"), **ERRORS, **invalid}},
            "delete": {"summary": "Buang draf (pemilik proses)", "parameters": [pid],
                       "responses": {"200": _resp("Draf dibuang"), **ERRORS}}},
        "/definitions/{process_id}/validate": {"post": {
            "summary": "Periksa file: errors dan warnings (file, baris, elemen); akan_dipasang: proses terpilih "
                       "beserta proses dan DMN yang dirujuknya; diabaikan: proses baru yang tidak dipilih; bentrok: "
                       "proses lain yang sudah dipasang (kesalahan kecuali disertakan)",
            "parameters": [pid], "requestBody": body({**files, **include}, ["files"]),
            "responses": {"200": _resp("Hasil pemeriksaan", {"type": "object", "properties": {
                "errors": {"type": "array", "items": {"type": "object"}},
                "warnings": {"type": "array", "items": {"type": "object"}},
                "processes": {"type": "array", "items": {"type": "string"}},
                "akan_dipasang": {"type": "array", "items": {"type": "object", "properties": {
                    "process_id": {"type": "string"}, "jenis": {"type": "string", "enum": ["bpmn", "dmn"]},
                    "versi_baru": {"type": "integer", "nullable": True}, "berubah": {"type": "boolean"}}}},
                "diabaikan": {"type": "array", "items": {"type": "string"}},
                "bentrok": {"type": "array", "items": {"type": "string"}}}}), **ERRORS, **invalid}}},
        "/definitions/{process_id}/test": {"post": {
            "summary": "Jalankan skenario uji (uji/*.json di files, atau `scenario`, atau skenario bawaan)",
            "parameters": [pid], "requestBody": body({**files, "scenario": {"type": "object"}}, ["files"]),
            "responses": {"200": _resp("Hasil per skenario"), **ERRORS, **invalid}}},
        "/forms": {
            "get": {"summary": "Formulir JSON Schema di bpmn/forms/", "responses": {"200": _resp("Daftar"), **ERRORS}},
            "post": {"summary": "Simpan formulir baru (pemilik proses); formulir yang ada tidak diubah (409)",
                     "requestBody": body({"key": {"type": "string"}, "schema": {"type": "object"}}, ["key", "schema"]),
                     "responses": {"201": _resp("Tersimpan"), "409": _resp("Sudah ada"), **ERRORS, **invalid}}},
        "/forms/{key}": {"get": {"summary": "Skema sebuah formulir", "parameters": [{
            "name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _resp("Skema"), **ERRORS}}},
        "/forms/preview": {"post": {
            "summary": "Pratinjau formulir seperti halaman tugas pegawai (HTML) atau kesalahan skemanya",
            "requestBody": body({"schema": {"type": "object"}}, ["schema"]), "responses": {"200": _resp("HTML"), **ERRORS}}},
        "/definitions/{process_id}/deploy": {"post": {
            "summary": "Pasang versi baru proses ini beserta proses dan DMN yang dirujuknya (pemilik proses; catatan "
                       "wajib); 409 bila ada kesalahan, tidak berubah, berkas memuat proses lain yang sudah dipasang "
                       "dan tidak disertakan, atau id proses buatan modeler (Process_1)",
            "parameters": [pid],
            "requestBody": body({**files, **include, "comment": {"type": "string"}}, ["files", "comment"]),
            "responses": {"201": _resp("Versi baru"), "409": _resp(
                "Ada kesalahan (details.errors), tidak berubah, proses lain (details.bentrok) atau id otomatis "
                "(details.id_otomatis)"),
                          **ERRORS, **invalid}}},
    })
    scope = {"name": "instansi_id", "in": "query", "required": False, "schema": {**ID_SCHEMA, "minimum": 0},
             "description": "Versi per instansi. Pemilik proses: instansinya sendiri (instansi lain 403). Superadmin: "
                            "instansi ini (0: bawaan nasional); tanpa parameter melihat semua instansi dan memasang "
                            "bawaan nasional"}
    for path, operations in DOCUMENT["paths"].items():
        if path.startswith("/definitions"):
            for operation in operations.values():
                operation["parameters"] = [*operation.get("parameters", []), scope]


_describe()
