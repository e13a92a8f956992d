"""The explicit pejabat penilai of a pegawai, the PPK of the instansi (admin kinerja), and bulk completion
of tasks (persetujuan massal)."""
from __future__ import annotations

from flask import current_app, g, jsonify

from app import get_session
from app.kinerja import massal, penilai, penilai_admin
from app.kinerja.org_change import require_admin

from . import api, json_body, login_required


@api.get("/ppk")
@login_required
def get_ppk():
    session = get_session()
    require_admin(g.actor, g.actor.pegawai.instansi_id)
    return jsonify({"ppk": penilai.ppk_dict(penilai.ppk_of(session, g.actor.pegawai.instansi_id), session)})


@api.put("/ppk")
@login_required
def put_ppk():
    session = get_session()
    row, moved = penilai_admin.simpan_ppk(session, g.actor, json_body(), current_app.config["PASSWORD_HASH_FAST"])
    return jsonify({"ppk": penilai.ppk_dict(row, session), "pengalihan": moved or None})


@api.get("/pegawai/<nip>/pejabat-penilai")
@login_required
def get_pejabat_penilai(nip):
    return jsonify(penilai_admin.lihat(get_session(), g.actor, nip))


@api.put("/pegawai/<nip>/pejabat-penilai")
@login_required
def put_pejabat_penilai(nip):
    session = get_session()
    pegawai, moved = penilai_admin.tetapkan(session, g.actor, nip, json_body(), "API")
    return jsonify({**penilai.view(session, pegawai), "pengalihan": moved})


@api.post("/tasks/bulk-complete")
@login_required
def bulk_complete():
    return jsonify(massal.selesaikan(get_session(), g.actor.id, json_body()))


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, _resp

    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    nip = {"name": "nip", "in": "path", "required": True, "schema": {"type": "string"}}
    body = lambda props, required: {"required": True, "content": {"application/json": {"schema": {  # noqa: E731
        "type": "object", "required": required, "properties": props}}}}
    DOCUMENT["paths"].update({
        "/ppk": {
            "get": {"summary": "PPK instansi (admin kinerja): nama, jabatan, NIP bila ada, mode (akun | diwakili), "
                               "id_login akun PPK", "responses": {"200": _resp("PPK atau null"), **ERRORS}},
            "put": {"summary": "Catat atau ubah PPK instansi (admin kinerja). mode akun: PPK menyetujui dengan "
                               "akunnya (peran ppk; kata_sandi wajib saat akun dibuat); mode diwakili: admin kinerja "
                               "menyelesaikan tugas PPK dengan nomor dan tanggal keputusan. Tugas terbuka PPK "
                               "dialihkan bila mode berubah",
                    "requestBody": body({"nama": {"type": "string"}, "jabatan": {"type": "string"},
                                         "mode": {"type": "string", "enum": ["akun", "diwakili"]},
                                         "nip": {"type": "string", "description": "dicetak bila diisi"},
                                         "id_login": {"type": "string"}, "kata_sandi": {"type": "string"}},
                                        ["nama", "jabatan", "mode"]),
                    "responses": {"200": _resp("PPK tersimpan"), **ERRORS, **invalid}}},
        "/pegawai/{nip}/pejabat-penilai": {
            "get": {"summary": "Pejabat penilai pegawai sekarang (ditetapkan admin atau menurut struktur) dan "
                               "riwayat penetapannya (admin kinerja)", "parameters": [nip],
                    "responses": {"200": _resp("Pejabat penilai dan riwayat"), **ERRORS}},
            "put": {"summary": "Tetapkan pejabat penilai pegawai (admin kinerja): penilai_nip = NIP pegawai, PPK, "
                               "atau kosong/null (kembali menurut struktur), dengan alasan; tercatat di riwayat; "
                               "tugas terbuka dialihkan (pengalihan)", "parameters": [nip],
                    "requestBody": body({"penilai_nip": {"type": "string", "nullable": True},
                                         "alasan": {"type": "string"}}, ["penilai_nip", "alasan"]),
                    "responses": {"200": _resp("Tersimpan"), **ERRORS, **invalid}}},
        "/tasks/bulk-complete": {"post": {
            "summary": "Selesaikan beberapa tugas sekaligus (mis. setujui beberapa SKP: data {\"keputusan\": "
                       "\"SETUJUI\"}). Setiap tugas diselesaikan dalam transaksinya sendiri seperti "
                       "POST /tasks/{id}/complete; hasil per tugas: berhasil atau gagal dengan alasannya "
                       "(tugas yang gagal tidak meninggalkan perubahan apa pun)",
            "requestBody": body({"items": {"type": "array", "maxItems": massal.MAX_ITEMS, "items": {
                "type": "object", "required": ["task_id"],
                "properties": {"task_id": {"type": "string"}, "data": {"type": "object"}}}}}, ["items"]),
            "responses": {"200": _resp("hasil[] (task_id, status berhasil|gagal, pesan, fields), berhasil, gagal"),
                          **ERRORS, **invalid}}},
    })


_describe()
