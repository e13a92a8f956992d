"""Dialog kinerja: a pejabat penilai starts one with his subordinates; read one; list per pegawai.
The notes, agreements and confirmations are the dialog's tasks (``POST /api/v1/tasks/{id}/complete``)."""
from __future__ import annotations

from flask import g, jsonify, request

from app import get_session
from core.db import write_transaction
from app.kinerja.org import Pegawai
from app.kinerja.dialog import DialogKinerja, buat_dialog, get_dialog, list_for
from app.kinerja.views import iso
from workflows.instances import by_business_key, open_tasks_of

from . import api, json_body, login_required


def dialog_json(session, dialog: DialogKinerja) -> dict:
    instance = by_business_key(session, f"dialog:{dialog.id}")
    tasks = open_tasks_of(session, instance.id) if instance else []
    return {
        "id": dialog.id, "topik": dialog.topik, "tanggal": iso(dialog.tanggal), "status": dialog.status,
        "instance_id": instance.id if instance else None, "selesai_at": iso(dialog.selesai_at),
        "pimpinan": {"nip": dialog.pimpinan.nip, "nama": dialog.pimpinan.nama_lengkap,
                     "dikonfirmasi_at": iso(dialog.pimpinan_dikonfirmasi_at)},
        "peserta": [{"nip": p.pegawai.nip, "nama": p.pegawai.nama_lengkap, "dikonfirmasi_at": iso(p.dikonfirmasi_at)}
                    for p in dialog.peserta],
        "catatan": [{"penulis_nip": c.penulis.nip, "jenis": c.jenis, "teks": c.teks,
                     "peserta_nip": c.peserta.nip if c.peserta else None, "ubah_skp": c.ubah_skp, "skp_id": c.skp_id,
                     "hasil": c.hasil} for c in dialog.catatan],
        "tugas_terbuka": [{"id": t.id, "name": t.name, "form": t.form_key,
                           "kandidat_nip": [session.get(Pegawai, c.pegawai_id).nip for c in t.candidates]} for t in tasks],
    }


@api.post("/dialog-kinerja")
@login_required
def create_dialog_kinerja():
    body = json_body()
    session = get_session()
    with write_transaction(session):
        dialog = buat_dialog(session, g.actor.pegawai, body)
    return jsonify(dialog_json(session, dialog)), 201


@api.get("/dialog-kinerja/<int:dialog_id>")
@login_required
def get_dialog_one(dialog_id):
    session = get_session()
    return jsonify(dialog_json(session, get_dialog(session, g.actor, dialog_id)))


@api.get("/dialog-kinerja")
@login_required
def list_dialog_kinerja():
    session = get_session()
    return jsonify([{"id": d.id, "topik": d.topik, "tanggal": iso(d.tanggal), "status": d.status,
                     "pimpinan_nip": d.pimpinan.nip, "peserta_nip": [p.pegawai.nip for p in d.peserta]}
                    for d in list_for(session, g.actor, request.args.get("nip") or None)])


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    DOCUMENT["paths"].update({
        "/dialog-kinerja": {
            "post": {"summary": "Mulai dialog kinerja (pejabat penilai dengan bawahan yang ia nilai)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["topik", "tanggal", "peserta"], "properties": {
                             "topik": {"type": "string"}, "tanggal": {"type": "string", "format": "date"},
                             "peserta": {"type": "array", "items": {"type": "string", "description": "NIP"}}}}}}},
                     "responses": {"201": _resp("Dialog dibuat; tugas pimpinan dan setiap peserta terbuka"),
                                   **ERRORS, **invalid}},
            "get": {"summary": "Dialog kinerja seorang pegawai (?nip=, bawaan: pemanggil), sebagai pimpinan atau peserta",
                    "responses": {"200": _resp("Daftar dialog"), **ERRORS}}},
        "/dialog-kinerja/{id}": {"get": {
            "summary": "Dialog kinerja: peserta, catatan dan kesepakatan, konfirmasi, tugas yang masih terbuka",
            "parameters": [ID("id")], "responses": {"200": _resp("Dialog"), **ERRORS}}},
    })


_describe()
