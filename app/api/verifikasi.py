"""Public verification of an archived document by the code printed (with its QR) on it: no token."""
from __future__ import annotations

from flask import jsonify

from app import get_session
from app.documents import verifikasi

from . import api


@api.get("/verifikasi/<kode>")
def get_verifikasi(kode):
    """Rate-limited per address (EKINERJA_VERIFIKASI_LIMIT, app/security.py)."""
    return jsonify(verifikasi.lookup(get_session(), kode))


def _describe() -> None:
    from .openapi import DOCUMENT, ERROR, _resp

    pihak = {"type": "object", "properties": {"peran": {"type": "string"}, "nama": {"type": "string"},
                                               "nip_tersamar": {"type": "string"}, "jabatan": {"type": "string"},
                                               "waktu": {"type": ["string", "null"], "format": "date-time"}}}
    berkas = {"type": "object", "properties": {"format": {"type": "string", "enum": ["pdf", "docx"]},
                                                "sha256": {"type": "string"}, "ukuran": {"type": "integer"},
                                                "tanda_tangan_elektronik": {"type": ["string", "null"]}}}
    DOCUMENT["paths"]["/verifikasi/{kode}"] = {"get": {
        "summary": "Verifikasi dokumen arsip dari kode yang tercetak (dan kode QR-nya) pada dokumen: jenis, pegawai "
                   "(NIP tersamar), penandatangan, waktu arsip, SHA-256 tiap berkas, status BERLAKU, DIGANTIKAN atau "
                   "DICABUT. Publik (tanpa token), dibatasi per alamat",
        "security": [],
        "parameters": [{"name": "kode", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 64},
                        "description": "16 huruf/angka base32; tanda '-' dan huruf kecil diterima"}],
        "responses": {
            "200": _resp("Hasil verifikasi", {"type": "object", "properties": {
                "kode": {"type": "string"}, "kode_tampil": {"type": "string"}, "jenis": {"type": "string"},
                "judul": {"type": "string"}, "instansi": {"type": "string"},
                "pegawai": {"oneOf": [pihak, {"type": "null"}]}, "penandatangan": {"type": "array", "items": pihak},
                "waktu_arsip": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": list(verifikasi.STATUS_LABEL)},
                "status_label": {"type": "string"}, "keterangan": {"type": "string"},
                "berkas": {"type": "array", "items": berkas}}}),
            "404": _resp("Kode verifikasi tidak dikenal", ERROR),
            "429": {"description": "Terlalu banyak permintaan dari alamat ini; coba lagi setelah Retry-After detik",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": ERROR}}},
            "503": _resp("Basis data sedang tidak dapat dihubungi", ERROR)}}}


_describe()
