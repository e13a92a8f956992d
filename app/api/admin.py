"""Admin console API: find stuck instances, see why, repair them (admin kinerja and superadmin only)."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from app import get_session, jobs
from app.auth import admin_scope
from core.db import write_transaction
from core.errors import NotFound, ValidationFailed
from app.kinerja.views import iso
from workflows import batch, inspection, migration, repair, search  # noqa: F401 - migration registers actions
from workflows.models import Instance, ProcessDefinition

from . import api, json_body, login_required
from .openapi import DOCUMENT, ERRORS, ID, _resp


def _plain(value):
    """Datetimes as ISO 8601 with offset, everywhere in a nested view."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return iso(value) if hasattr(value, "isoformat") else value


def scoped_instance(session, instance_id: int, instansi_id: int | None) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None or not search.in_scope(instance, instansi_id):
        raise NotFound(f"Instance {instance_id} tidak ditemukan")
    return instance


def scoped_definition(session, definition_id: int, instansi_id: int | None = None) -> ProcessDefinition:
    """A version the admin's instansi may run (its own or the national default); another instansi's is not found."""
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None or (instansi_id is not None and definition.instansi_id not in (None, instansi_id)):
        raise NotFound(f"Definisi proses {definition_id} tidak ditemukan")
    return definition


@api.get("/admin/instances")
@login_required
def admin_list_instances():
    scope = admin_scope(g.actor)
    return jsonify(_plain(search.find(get_session(), search.parse_filter(request.args, scope))))


@api.get("/admin/instances/<int:instance_id>")
@login_required
def admin_get_instance(instance_id):
    scope = admin_scope(g.actor)
    session = get_session()
    return jsonify(_plain(inspection.detail(session, scoped_instance(session, instance_id, scope))))


@api.get("/admin/instances/<int:instance_id>/migration")
@login_required
def admin_migration_precheck(instance_id):
    scope = admin_scope(g.actor)
    session = get_session()
    return jsonify(migration.precheck(session, scoped_instance(session, instance_id, scope)))


@api.post("/admin/instances/<int:instance_id>/actions/<action_name>")
@login_required
def admin_repair(instance_id, action_name):
    scope = admin_scope(g.actor)
    body = json_body()
    params = {k: v for k, v in body.items() if k != "reason"}
    result = repair.perform(get_session(), instance_id, action_name, g.actor.id, body.get("reason"), params, scope)
    return jsonify(result)


@api.get("/admin/definitions")
@login_required
def admin_definitions():
    scope = admin_scope(g.actor)
    rows = get_session().scalars(select(ProcessDefinition).where(*visible_definitions(scope))
                                 .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc()))
    return jsonify([{"id": d.id, "process_id": d.process_id, "version": d.version, "name": d.name,
                     "instansi_id": d.instansi_id, "created_at": iso(d.created_at)} for d in rows])


def visible_definitions(scope: int | None) -> list:
    """Where-clauses of the versions an admin sees: his instansi's and the national default (superadmin: all)."""
    from workflows.definitions import visible_to

    return [] if scope is None else [visible_to(scope)]


@api.get("/admin/definitions/<int:definition_id>/elements")
@login_required
def admin_definition_elements(definition_id):
    scope = admin_scope(g.actor)
    f = search.parse_filter({"lebih_dari_hari": request.args.get("lebih_dari_hari", "7")}, scope)
    session = get_session()
    definition = scoped_definition(session, definition_id, scope)
    return jsonify({"definition_id": definition.id, "lebih_dari_hari": f.lebih_dari_hari,
                    "elements": search.element_counts(session, definition.id, f.lebih_dari_hari, scope)})


@api.post("/admin/batches")
@login_required
def admin_batch_start():
    """``{"filter": {...}, "action", "reason", "params": {...}, "preview": true}``: preview or run."""
    scope = admin_scope(g.actor)
    body = json_body()
    session = get_session()
    f = search.parse_filter(body.get("filter") if isinstance(body.get("filter"), dict) else {}, scope)
    if body.get("preview"):
        return jsonify(batch.preview(session, f))
    started = batch.start(session, f, body.get("action"), body.get("params") or {}, body.get("reason"), g.actor.id)
    return jsonify(_plain(batch.view(batch.run(session, started.id)))), 201


@api.get("/admin/batches/<int:batch_id>")
@login_required
def admin_batch_get(batch_id):
    scope = admin_scope(g.actor)
    return jsonify(_plain(batch.view(batch.get(get_session(), batch_id, scope))))


@api.get("/admin/jobs")
@login_required
def admin_jobs():
    """Background jobs (the outbox), newest first; ``?status=failed`` for the ones given up."""
    scope = admin_scope(g.actor)
    status = request.args.get("status") or None
    if status is not None and status not in jobs.STATUS:
        raise ValidationFailed({"status": f"harus salah satu dari {', '.join(jobs.STATUS)}"})
    return jsonify({"items": [jobs.view(r) for r in jobs.listing(get_session(), status, scope)]})


@api.post("/admin/jobs/<int:job_id>/retry")
@login_required
def admin_job_retry(job_id):
    scope = admin_scope(g.actor)
    session = get_session()
    with write_transaction(session):
        row = jobs.requeue(session, jobs.scoped(session, job_id, scope))
    return jsonify(jobs.view(row))


_FILTER = [{"name": n, "in": "query", "schema": {"type": t}, "description": d} for n, t, d in [
    ("process_id", "string", "id proses"), ("definition_id", "integer", "versi definisi"),
    ("status", "string", "running, waiting, error, suspended, completed, terminated"),
    ("unor_id", "integer", "unit organisasi"), ("pegawai", "string", "NIP atau bagian nama pegawai"),
    ("menunggu_nip", "string", "NIP orang yang ditunggu tugas terbuka"),
    ("lebih_dari_hari", "integer", "menunggu lebih dari N hari"), ("ada_error", "boolean", "hanya yang error"),
    ("elemen", "string", "id elemen diagram tempat instance berada"), ("elemen_status", "string", "waiting | error"),
    ("urut", "string", "menunggu | diubah | dibuat | id"), ("arah", "string", "asc | desc"),
    ("halaman", "integer", "1–10 (OFFSET); sesudahnya pakai setelah"), ("per_halaman", "integer", "1–200"),
    ("setelah", "string", "kursor halaman berikutnya: nilai 'berikutnya' dari halaman sebelumnya (keyset)")]]
_OBJ = {"type": "object"}
_ACTIONS = ", ".join(sorted(repair.ACTIONS))
DOCUMENT["paths"].update({
    "/admin/instances": {"get": {"summary": "Cari instance (admin kinerja: instansi sendiri; superadmin: semua)",
                                 "parameters": _FILTER, "responses": {"200": _resp("Satu halaman instance", _OBJ),
                                                                      "422": _resp("Filter tidak valid"), **ERRORS}}},
    "/admin/instances/{id}": {"get": {
        "summary": "Detail instance: tanda diagram, riwayat tugas, data saat ini, log kejadian, error",
        "parameters": [ID("id")], "responses": {"200": _resp("Detail", _OBJ), **ERRORS}}},
    "/admin/instances/{id}/migration": {"get": {
        "summary": "Pra-pemeriksaan migrasi ke versi terbaru (apa yang berubah, apa yang membuatnya tidak aman)",
        "parameters": [ID("id")], "responses": {"200": _resp("Hasil pemeriksaan", _OBJ), **ERRORS}}},
    "/admin/instances/{id}/actions/{action}": {"post": {
        "summary": f"Tindakan perbaikan ({_ACTIONS}); badan: reason (wajib) dan parameter tindakan "
                   "(task_id, data, nip)",
        "parameters": [ID("id"), ID("action", "string")],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string"}, "task_id": {"type": "string"}, "data": _OBJ,
                "nip": {"type": "string"}}}}}},
        "responses": {"200": _resp("Keadaan sebelum dan sesudah", _OBJ), "409": _resp("Tidak dapat dilakukan"),
                      "422": _resp("Data tidak valid"), **ERRORS}}},
    "/admin/definitions": {"get": {"summary": "Versi definisi proses", "responses": {"200": _resp("Daftar"),
                                                                                    **ERRORS}}},
    "/admin/definitions/{id}/elements": {"get": {
        "summary": "Jumlah instance per elemen diagram: menunggu, menunggu > N hari, error",
        "parameters": [ID("id"), {"name": "lebih_dari_hari", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": _resp("Jumlah per elemen", _OBJ), **ERRORS}}},
    "/admin/batches": {"post": {
        "summary": "Tindakan massal atas semua instance yang cocok dengan filter; preview=true hanya menghitung; "
                   "tanpa preview: dicatat lalu dijalankan, hasil per instance",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"filter": _OBJ, "action": {"type": "string"}, "reason": {"type": "string"},
                                             "params": _OBJ, "preview": {"type": "boolean"}}}}}},
        "responses": {"200": _resp("Preview", _OBJ), "201": _resp("Hasil per instance", _OBJ), **ERRORS}}},
    "/admin/jobs": {"get": {
        "summary": "Tugas latar (outbox: arsip dokumen SKP, …), terbaru dahulu; status=failed: yang sudah menyerah",
        "parameters": [{"name": "status", "in": "query", "schema": {"type": "string",
                                                                    "enum": list(jobs.STATUS)}}],
        "responses": {"200": _resp("Daftar tugas latar", _OBJ), "422": _resp("Status tidak dikenal"), **ERRORS}}},
    "/admin/jobs/{id}/retry": {"post": {
        "summary": "Antrekan ulang tugas latar yang gagal (atau menunggu) agar segera dijalankan lagi",
        "parameters": [ID("id")],
        "responses": {"200": _resp("Tugas latar", _OBJ), "409": _resp("Tugas sudah selesai"), **ERRORS}}},
    "/admin/batches/{id}": {"get": {"summary": "Kemajuan dan hasil per instance sebuah tindakan massal",
                                    "parameters": [ID("id")], "responses": {"200": _resp("Batch", _OBJ), **ERRORS}}},
})
