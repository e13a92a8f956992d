"""Tim kerja: teams per unit and year, their members, RHK, matriks peran hasil and the ketua's umpan balik."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from app import get_session
from app.documents import mph as mph_document
from app.kinerja import tim_kerja
from app.request_input import int_arg

from . import api, json_body, login_required


def _tim(tim_id: int):
    session = get_session()
    session.expire_all()
    return tim_kerja.as_dict(session, tim_kerja.get_tim(session, g.actor, tim_id), g.actor)


@api.get("/tim-kerja")
@login_required
def list_tim_kerja():
    session = get_session()
    tahun = int_arg(request.args, "tahun", None, 2000, 2100, "angka tahun")
    unor_id = int_arg(request.args, "unor_id", None)
    rows = tim_kerja.daftar(session, g.actor, tahun, unor_id)
    instansi = g.actor.pegawai.instansi
    return jsonify({"pengaturan": {"ketua_sebagai_penilai": instansi.ketua_tim_penilai},
                    "tim": [tim_kerja.as_dict(session, t, g.actor) for t in rows]})


@api.post("/tim-kerja")
@login_required
def create_tim_kerja():
    tim = tim_kerja.buat(get_session(), g.actor, json_body())
    return jsonify(_tim(tim.id)), 201


@api.put("/tim-kerja/pengaturan")
@login_required
def set_tim_kerja_setting():
    value, moved = tim_kerja.atur_penilai(get_session(), g.actor, json_body())
    return jsonify({"ketua_sebagai_penilai": value, "pengalihan": moved})


@api.get("/tim-kerja/<int:tim_id>")
@login_required
def get_tim_kerja(tim_id):
    return jsonify(_tim(tim_id))


@api.put("/tim-kerja/<int:tim_id>")
@login_required
def update_tim_kerja(tim_id):
    tim_kerja.ubah(get_session(), g.actor, tim_id, json_body())
    return jsonify(_tim(tim_id))


@api.post("/tim-kerja/<int:tim_id>/anggota")
@login_required
def add_anggota_tim(tim_id):
    row, moved = tim_kerja.tambah_anggota(get_session(), g.actor, tim_id, json_body())
    return jsonify({"anggota_id": row.id, "tim": _tim(tim_id), "pengalihan": moved}), 201


@api.post("/tim-kerja/<int:tim_id>/anggota/<int:anggota_id>/akhiri")
@login_required
def end_anggota_tim(tim_id, anggota_id):
    body = json_body() if request.get_data() else {}
    _row, moved = tim_kerja.akhiri_anggota(get_session(), g.actor, tim_id, anggota_id, body)
    return jsonify({"tim": _tim(tim_id), "pengalihan": moved})


@api.get("/tim-kerja/<int:tim_id>/matriks")
@login_required
def get_matriks_tim(tim_id):
    session = get_session()
    tim = tim_kerja.get_tim(session, g.actor, tim_id)
    return jsonify({**tim_kerja.matriks(session, tim), "dapat_mengubah": tim_kerja.may_edit_matriks(session, g.actor,
                                                                                                     tim)})


@api.put("/tim-kerja/<int:tim_id>/matriks")
@login_required
def put_matriks_tim(tim_id):
    session = get_session()
    tim_kerja.simpan_matriks(session, g.actor, tim_id, json_body())
    session.expire_all()
    return jsonify(tim_kerja.matriks(session, tim_kerja.get_tim(session, g.actor, tim_id)))


@api.get("/tim-kerja/<int:tim_id>/matriks.<fmt>")
@login_required
def matriks_tim_document(tim_id, fmt):
    session = get_session()
    content, media_type, filename = mph_document.download_tim(session, tim_kerja.get_tim(session, g.actor, tim_id),
                                                              fmt)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api.get("/tim-kerja/<int:tim_id>/rencana-aksi")
@login_required
def rencana_aksi_tim(tim_id):
    return jsonify(tim_kerja.rencana_aksi(get_session(), g.actor, tim_id, request.args.get("periode_id")))


@api.put("/tim-kerja/<int:tim_id>/umpan-balik")
@login_required
def umpan_balik_tim(tim_id):
    row = tim_kerja.beri_umpan_balik(get_session(), g.actor, tim_id, json_body())
    return jsonify({"id": row.id, "realisasi_id": row.realisasi_id, "teks": row.teks})


def _document() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    error = {"$ref": "#/components/schemas/Error"}
    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut (details.fields)", error)}
    body = lambda props, required: {"required": True, "content": {"application/json": {"schema": {  # noqa: E731
        "type": "object", "required": required, "properties": props}}}}
    member = {"type": "object", "properties": {
        "id": {"type": "integer"}, "nip": {"type": "string"}, "nama": {"type": "string"}, "jabatan": {"type": "string"},
        "peran": {"type": "string", "enum": list(tim_kerja.PERAN)}, "peran_label": {"type": "string"},
        "mulai": {"type": "string", "format": "date"}, "selesai": {"type": "string", "format": "date", "nullable": True},
        "aktif": {"type": "boolean"}}}
    team = {"type": "object", "properties": {
        "id": {"type": "integer"}, "nama": {"type": "string"}, "tahun": {"type": "integer"}, "unor": {"type": "object"},
        "ketua": {**member, "nullable": True}, "rhk": {"type": "array", "items": {"type": "object"}},
        "anggota": {"type": "array", "items": member}, "dapat_mengelola": {"type": "boolean"}}}
    moved = {"type": "object", "description": "Tugas terbuka yang dialihkan (tugas_dialihkan[], masalah[])"}
    DOCUMENT["paths"].update({
        "/tim-kerja": {
            "get": {"summary": "Tim kerja instansi pemanggil (semua pegawai instansi), per unit dan tahun, dan "
                               "pengaturan ketua tim sebagai pejabat penilai",
                    "parameters": [{"name": "tahun", "in": "query", "schema": {"type": "integer", "minimum": 2000,
                                                                                 "maximum": 2100}},
                                   {"name": "unor_id", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
                    "responses": {"200": _resp("Daftar", {"type": "object", "properties": {
                        "pengaturan": {"type": "object"}, "tim": {"type": "array", "items": team}}}), **ERRORS,
                        **invalid}},
            "post": {"summary": "Bentuk tim kerja (JPT unit atau di atasnya, admin kinerja); rhk_ids: RHK SKP tahun "
                                "itu milik pimpinan unit atau unit di atasnya",
                     "requestBody": body({"unor_id": {"type": "integer"}, "nama": {"type": "string"},
                                          "tahun": {"type": "integer"},
                                          "rhk_ids": {"type": "array", "items": {"type": "integer"}}},
                                         ["unor_id", "nama", "tahun"]),
                     "responses": {"201": _resp("Tim kerja", team), **ERRORS, **invalid}}},
        "/tim-kerja/pengaturan": {"put": {
            "summary": "Ketua tim sebagai pejabat penilai anggota selama keanggotaannya (admin kinerja; bawaan "
                       "tidak). Penetapan pejabat penilai eksplisit oleh admin tetap berlaku; tugas dialihkan",
            "requestBody": body({"ketua_sebagai_penilai": {"type": "boolean"}}, ["ketua_sebagai_penilai"]),
            "responses": {"200": _resp("Tersimpan", {"type": "object", "properties": {
                "ketua_sebagai_penilai": {"type": "boolean"}, "pengalihan": moved}}), **ERRORS, **invalid}}},
        "/tim-kerja/{id}": {
            "get": {"summary": "Satu tim kerja: RHK tim, ketua, anggota dengan periode keanggotaan",
                    "parameters": [ID("id")], "responses": {"200": _resp("Tim kerja", team), **ERRORS}},
            "put": {"summary": "Ubah nama atau RHK tim (pengelola tim)", "parameters": [ID("id")],
                    "requestBody": body({"nama": {"type": "string"},
                                         "rhk_ids": {"type": "array", "items": {"type": "integer"}}}, []),
                    "responses": {"200": _resp("Tim kerja", team), **ERRORS, **invalid}}},
        "/tim-kerja/{id}/anggota": {"post": {
            "summary": "Tambah ketua atau anggota (pengelola tim); ketua baru mengakhiri ketua sebelumnya sehari "
                       "sebelum tanggal mulai; tugas lane ketua_tim dan pejabat penilai dialihkan",
            "parameters": [ID("id")],
            "requestBody": body({"nip": {"type": "string", "pattern": "^[0-9]{18}$"},
                                 "peran": {"type": "string", "enum": list(tim_kerja.PERAN)},
                                 "mulai": {"type": "string", "format": "date"},
                                 "selesai": {"type": "string", "format": "date"}}, ["nip", "peran"]),
            "responses": {"201": _resp("Ditambahkan", {"type": "object", "properties": {
                "anggota_id": {"type": "integer"}, "tim": team, "pengalihan": moved}}),
                "409": _resp("Sudah anggota pada periode itu, atau ketua baru mulai sebelum ketua lama", error),
                **ERRORS, **invalid}}},
        "/tim-kerja/{id}/anggota/{anggota_id}/akhiri": {"post": {
            "summary": "Akhiri keanggotaan pada tanggal selesai (bawaan: kemarin, berakhir sekarang)",
            "parameters": [ID("id"), ID("anggota_id")],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"selesai": {"type": "string", "format": "date"}}}}}},
            "responses": {"200": _resp("Diakhiri", {"type": "object", "properties": {
                "tim": team, "pengalihan": moved}}), **ERRORS, **invalid}}},
        "/tim-kerja/{id}/matriks": {
            "get": {"summary": "Matriks peran hasil tim: kolom RHK tim, baris ketua dan anggota (sel: peran, hasil)",
                    "parameters": [ID("id")], "responses": {"200": _resp("Matriks"), **ERRORS}},
            "put": {"summary": "Simpan matriks tim (ketua tim atau pengelola tim); menggantikan semua sel. SKP "
                               "anggota yang dibuat sesudahnya berisi RHK dari selnya, terhubung ke RHK tim",
                    "parameters": [ID("id")], "requestBody": body({"sel": {"type": "array", "items": {
                        "type": "object", "required": ["rhk_id", "nip", "hasil"],
                        "properties": {"rhk_id": {"type": "integer"}, "nip": {"type": "string"},
                                       "peran": {"type": "string"}, "hasil": {"type": "string"}}}}}, ["sel"]),
                    "responses": {"200": _resp("Matriks tersimpan"), **ERRORS, **invalid}}},
        "/tim-kerja/{id}/matriks.{fmt}": {"get": {
            "summary": "Cetak matriks peran hasil tim (fmt: pdf atau docx)",
            "parameters": [ID("id"), {"name": "fmt", "in": "path", "required": True,
                                      "schema": {"enum": ["pdf", "docx"]}}],
            "responses": {"200": _resp("Dokumen"), **ERRORS}}},
        "/tim-kerja/{id}/rencana-aksi": {"get": {
            "summary": "Rencana aksi dan realisasi anggota tim pada satu periode penilaian, dengan umpan balik ketua "
                       "(ketua, pengelola tim; anggota: miliknya sendiri)",
            "parameters": [ID("id"), {"name": "periode_id", "in": "query", "required": True,
                                      "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": _resp("anggota[] dengan rhk[] (realisasi_id, rhk, rencana_aksi, realisasi, "
                                       "umpan_balik_ketua)"), **ERRORS, **invalid}}},
        "/tim-kerja/{id}/umpan-balik": {"put": {
            "summary": "Umpan balik ketua tim atas rencana aksi seorang anggota (ketua tim saja); menggantikan yang "
                       "sebelumnya",
            "parameters": [ID("id")],
            "requestBody": body({"realisasi_id": {"type": "integer"}, "teks": {"type": "string", "maxLength": 4000}},
                                ["realisasi_id", "teks"]),
            "responses": {"200": _resp("Tersimpan"), **ERRORS, **invalid}}},
    })


_document()
