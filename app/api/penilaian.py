"""Evaluation periods and penilaian: define and open periods (admin kinerja), read a penilaian,
reopen one locked at its batas pengisian."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from app import get_session
from core.db import write_transaction
from core.errors import Conflict, Forbidden, NotFound
from app.kinerja import skp_access
from app.kinerja.org import ADMIN_ROLES
from app.kinerja.pembukaan import kemajuan, minta_pembukaan
from app.kinerja.penilaian import (Penilaian, Periode, buat_periode, cabut_finalisasi_awal, get_penilaian,
                                   izinkan_finalisasi_awal)
from app.kinerja.perilaku import KODE
from app.kinerja.views import iso
from app.kinerja.kurva import kurva_fields
from app.request_input import int_arg
from workflows.instances import by_business_key, complete_task, may_complete, open_tasks_of

from . import api, json_body, login_required



def _admin_only() -> None:
    if not g.actor.has(*ADMIN_ROLES):
        raise Forbidden("Hanya admin kinerja yang dapat mengelola periode penilaian")


def periode_json(p: Periode) -> dict:
    return {"id": p.id, "nama": p.nama, "tahun": p.tahun, "jenis": p.jenis, "periode_awal": iso(p.periode_awal),
            "periode_akhir": iso(p.periode_akhir), "batas_pengisian": iso(p.batas_pengisian),
            "buka_otomatis": p.buka_otomatis, "dibuka_at": iso(p.dibuka_at),
            "finalisasi_awal": finalisasi_awal_json(p)}


def finalisasi_awal_json(p: Periode) -> dict | None:
    """The admin kinerja's allowance to finalise before periode_akhir (None: not allowed)."""
    if not p.finalisasi_awal_alasan:
        return None
    oleh = p.finalisasi_awal_oleh
    return {"alasan": p.finalisasi_awal_alasan, "at": iso(p.finalisasi_awal_at),
            "oleh": {"nip": oleh.nip, "nama": oleh.nama_lengkap} if oleh else None}


@api.get("/periode")
@login_required
def list_periode():
    query = select(Periode).where(Periode.instansi_id == g.actor.pegawai.instansi_id)
    tahun = int_arg(request.args, "tahun", high=9999, what="angka tahun")
    if tahun is not None:
        query = query.where(Periode.tahun == tahun)
    rows = get_session().scalars(query.order_by(Periode.periode_awal, Periode.id))
    return jsonify([periode_json(p) for p in rows])


@api.post("/periode")
@login_required
def create_periode():
    _admin_only()
    body = json_body()
    session = get_session()
    with write_transaction(session):
        periode = buat_periode(session, g.actor.pegawai.instansi_id, body)
    return jsonify(periode_json(periode)), 201


@api.post("/periode/<int:periode_id>/buka")
@login_required
def open_periode(periode_id):
    """Record the opening; the scheduler does it in batches (202 with the progress)."""
    _admin_only()
    session = get_session()
    _own_periode(session, periode_id)
    with write_transaction(session):
        minta_pembukaan(session, periode_id, g.actor.id)
    return jsonify(kemajuan(session, periode_id, dengan_hasil=False)), 202


@api.get("/periode/<int:periode_id>/pembukaan")
@login_required
def opening_progress(periode_id):
    _admin_only()
    session = get_session()
    _own_periode(session, periode_id)
    progress = kemajuan(session, periode_id, dengan_hasil=request.args.get("hasil", "1") != "0")
    if progress is None:
        raise NotFound(f"Periode {periode_id} belum pernah diminta dibuka")
    return jsonify(progress)


@api.put("/periode/<int:periode_id>/finalisasi-awal")
@login_required
def allow_early_finalisation(periode_id):
    """Allow the period's penilaian to become final before periode_akhir, with a reason (admin kinerja)."""
    _admin_only()
    body = json_body()
    session = get_session()
    with write_transaction(session):
        periode = izinkan_finalisasi_awal(session, _own_periode(session, periode_id), body.get("alasan"), g.actor.id)
    return jsonify(periode_json(periode))


@api.delete("/periode/<int:periode_id>/finalisasi-awal")
@login_required
def withdraw_early_finalisation(periode_id):
    _admin_only()
    session = get_session()
    with write_transaction(session):
        periode = cabut_finalisasi_awal(session, _own_periode(session, periode_id))
    return jsonify(periode_json(periode))


def _own_periode(session, periode_id) -> Periode:
    periode = session.get(Periode, periode_id)
    if periode is None or periode.instansi_id != g.actor.pegawai.instansi_id:
        raise NotFound(f"Periode {periode_id} tidak ditemukan")
    return periode


def _visible(session, penilaian_id) -> Penilaian:
    penilaian = get_penilaian(session, penilaian_id)
    skp_access.visible(session, g.actor, penilaian.skp_id)  # 404 for whoever may not see the SKP
    return penilaian


def penilaian_json(p: Penilaian) -> dict:
    from app.kinerja.angka_kredit import for_penilaian, row_to_json
    from app.kinerja.bukti_dukung import bukti_json, daftar

    from app.kinerja.tim_kerja import umpan_balik_of

    realisasi = {r.rhk_id: r for r in p.realisasi}
    ketua_tim = umpan_balik_of(get_session(), [r.id for r in p.realisasi])
    ak = for_penilaian(get_session(), p.id)
    files = daftar(get_session(), p.id)
    return {
        "angka_kredit": row_to_json(ak) if ak is not None else None,
        "id": p.id, "skp_id": p.skp_id, "status": p.status, "nip": p.skp.pegawai.nip,
        "nama": p.skp.pegawai.nama_lengkap, "periode": periode_json(p.periode),
        "rating_hasil_kerja": p.rating_hasil_kerja, "rating_perilaku": p.rating_perilaku, "predikat": p.predikat,
        "catatan": p.catatan, "penilai_nip": p.penilai.nip if p.penilai else None,
        "waktu_dinilai": iso(p.waktu_dinilai), "terkunci_at": iso(p.terkunci_at), "buka_kembali": p.buka_kembali,
        "catatan_proses": [{"judul": c.judul, "isi": c.isi, "urutan": c.urutan, "instance_id": c.instance_id,
                            "created_at": iso(c.created_at)} for c in p.catatan_proses],
        "rhk": [{"id": rhk.id, "deskripsi": rhk.deskripsi,
                 "rencana_aksi": getattr(realisasi.get(rhk.id), "rencana_aksi", ""),
                 "realisasi": getattr(realisasi.get(rhk.id), "realisasi", ""),
                 "bukti_dukung_url": getattr(realisasi.get(rhk.id), "bukti_dukung_url", ""),
                 "umpan_balik": getattr(realisasi.get(rhk.id), "umpan_balik", ""),
                 "umpan_balik_ketua_tim": ketua_tim.get(getattr(realisasi.get(rhk.id), "id", None), []),
                 "bukti_dukung": [bukti_json(b) for b in files.get(rhk.id, [])]} for rhk in p.skp.rhk],
        "predikat_periodik": [{"penilaian_id": o.id, "periode": o.periode.nama, "predikat": o.predikat}
                              for o in get_session().scalars(select(Penilaian).join(Periode).where(
                                  Penilaian.skp_id == p.skp_id, Penilaian.id != p.id, Periode.jenis != "TAHUNAN",
                                  Penilaian.status == "FINAL").order_by(Periode.periode_awal))],
        "umpan_balik_perilaku": {u.kode: u.teks for u in sorted(p.umpan_balik_perilaku,
                                                                 key=lambda u: KODE.index(u.kode))},
        **kurva_fields(get_session(), p, g.actor),
    }


@api.get("/penilaian/<int:penilaian_id>")
@login_required
def get_one(penilaian_id):
    return jsonify(penilaian_json(_visible(get_session(), penilaian_id)))


@api.post("/penilaian/<int:penilaian_id>/buka-kembali")
@login_required
def reopen(penilaian_id):
    """Complete the diagram's hidden "Buka kembali penilaian" task (admin kinerja only)."""
    body = json_body()
    session = get_session()
    penilaian = _visible(session, penilaian_id)
    instance = by_business_key(session, f"penilaian:{penilaian.id}")
    task = next((t for t in open_tasks_of(session, instance.id) if t.form_key == "buka-kembali"), None) \
        if instance else None
    if task is None:
        raise Conflict(f"Penilaian berstatus {penilaian.status} tidak terkunci; tidak ada yang perlu dibuka")
    if not may_complete(session, task, g.actor.id):
        raise Forbidden("Hanya admin kinerja yang dapat membuka kembali penilaian yang terkunci")
    session.rollback()
    complete_task(session, task.id, g.actor.id, {"alasan": body.get("alasan"),
                                                 "batas_pengisian": body.get("batas_pengisian")})
    session.expire_all()
    return jsonify(penilaian_json(get_penilaian(session, penilaian_id)))


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, ID, _resp

    body = lambda props, required: {"required": True, "content": {"application/json": {"schema": {  # noqa: E731
        "type": "object", "required": required, "properties": props}}}}
    invalid = {"422": _resp("Data tidak valid; setiap kolom disebut", {"$ref": "#/components/schemas/Error"})}
    DOCUMENT["paths"].update({
        "/periode": {
            "get": {"summary": "Periode penilaian instansi pemanggil (?tahun=)", "responses": {"200": _resp("Periode"),
                                                                                            **ERRORS, **invalid}},
            "post": {"summary": "Buat periode (admin kinerja): satu bulan, triwulan, semester atau tahun kalender "
                                "sesuai jenisnya; tidak boleh beririsan dengan periode sejenis", "requestBody": body({
                "nama": {"type": "string"}, "jenis": {"enum": ["BULANAN", "TRIWULANAN", "SEMESTERAN", "TAHUNAN"]},
                "periode_awal": {"type": "string", "format": "date"}, "periode_akhir": {"type": "string", "format": "date"},
                "batas_pengisian": {"type": "string", "format": "date"}, "buka_otomatis": {"type": "boolean"}},
                ["nama", "jenis", "periode_awal", "periode_akhir", "batas_pengisian"]),
                "responses": {"201": _resp("Periode dibuat"), **ERRORS, **invalid,
                              "409": _resp("Beririsan dengan periode sejenis (details.periode_id, details.nama)",
                                           {"$ref": "#/components/schemas/Error"})}}},
        "/periode/{id}/buka": {"post": {
            "summary": "Minta pembukaan periode: penjadwal memulai evaluasi untuk setiap SKP yang disetujui, "
                       "bertahap, satu transaksi per pegawai (idempoten; dapat dilanjutkan setelah gangguan)",
            "parameters": [ID("id")], "responses": {"202": _resp("Pembukaan tercatat; kemajuan tanpa hasil"),
                                                    "409": _resp("Diagram belum dipasang"), **ERRORS}}},
        "/periode/{id}/pembukaan": {"get": {
            "summary": "Kemajuan pembukaan periode: status MENUNGGU | BERJALAN | SELESAI, total, diproses, "
                       "ringkasan (dibuka, sudah_ada, dilewati, gagal) dan hasil per pegawai (?hasil=0 tanpa hasil)",
            "parameters": [ID("id")], "responses": {"200": _resp("Kemajuan"), **ERRORS}}},
        "/periode/{id}/finalisasi-awal": {
            "put": {"summary": "Izinkan penilaian periode ini ditetapkan (final) sebelum periode_akhir, dengan alasan "
                               "(admin kinerja); tanpa izin penetapan sebelum periode_akhir ditolak 409",
                    "parameters": [ID("id")], "requestBody": body({"alasan": {"type": "string"}}, ["alasan"]),
                    "responses": {"200": _resp("Periode dengan finalisasi_awal {alasan, oleh, at}"),
                                  "409": _resp("Periode sudah berakhir; izin tidak diperlukan",
                                               {"$ref": "#/components/schemas/Error"}), **ERRORS, **invalid}},
            "delete": {"summary": "Cabut izin penetapan sebelum akhir periode (admin kinerja)",
                       "parameters": [ID("id")], "responses": {"200": _resp("Periode tanpa finalisasi_awal"),
                                                               **ERRORS}}},
        "/penilaian/{id}": {"get": {
            "summary": "Penilaian: status, realisasi dan umpan balik per RHK, rating, predikat, periode",
            "parameters": [ID("id")], "responses": {"200": _resp("Penilaian"), **ERRORS}}},
        "/penilaian/{id}/buka-kembali": {"post": {
            "summary": "Buka kembali penilaian yang terkunci pada batas pengisian (admin kinerja)",
            "parameters": [ID("id")], "requestBody": body({"alasan": {"type": "string"},
                                                           "batas_pengisian": {"type": "string", "format": "date"}},
                                                          ["alasan", "batas_pengisian"]),
            "responses": {"200": _resp("Penilaian dibuka kembali"), "409": _resp("Tidak terkunci"), **ERRORS,
                          **invalid}}},
    })


_describe()
