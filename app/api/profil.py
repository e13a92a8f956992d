"""A pegawai's profile: identity, what the NIP says (birth date, sex, TMT CPNS) and, for a jabatan
fungsional, the angka kredit with each requirement of kenaikan pangkat and jenjang."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy.orm import Session

from app import get_session
from app.kinerja import angka_kredit as ak
from app.kinerja.kenaikan import ringkasan_json
from app.kinerja import org
from app.kinerja.nip import data_nip
from workflows import clock

from . import api, login_required
from .angka_kredit import _visible


def profil_json(session: Session, pegawai: org.Pegawai) -> dict:
    jabatan = pegawai.jabatan
    kenaikan = None
    if ak.jenjang_of(pegawai) is not None:
        data = ringkasan_json(session, pegawai)
        kenaikan = {k: data[k] for k in ("jf_jenjang", "jenjang", "ak_kumulatif", "ak_kumulatif_teks",
                                         "kenaikan_kp", "kenaikan_kj")}
    return {"nip": pegawai.nip, "nama": pegawai.nama_lengkap, "jenis_asn": pegawai.jenis_asn,
            "pangkat_gol": pegawai.pangkat_gol, "jabatan": jabatan.nama if jabatan else None,
            "unor": jabatan.unor.nama if jabatan else None, "status_kepegawaian": pegawai.status_kepegawaian,
            **data_nip(pegawai, clock.today()), "angka_kredit": kenaikan}


@api.get("/pegawai/<nip>/profil")
@login_required
def get_profil(nip):
    session = get_session()
    return jsonify(profil_json(session, _visible(session, nip)))


def _describe() -> None:
    from .openapi import DOCUMENT, ERRORS, _resp

    DOCUMENT["paths"]["/pegawai/{nip}/profil"] = {"get": {
        "summary": "Profil pegawai: identitas, data dari NIP (tanggal_lahir, jenis_kelamin, tmt_cpns atau "
                   "tahun_pengangkatan, peringatan_nip bila NIP janggal) dan, untuk jabatan fungsional, "
                   "angka kredit dengan setiap syarat kenaikan pangkat/jenjang (pegawai itu, pejabat penilainya, "
                   "admin kinerja)",
        "parameters": [{"name": "nip", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _resp("Profil"), **ERRORS,
                      "422": _resp("NIP tidak valid", {"$ref": "#/components/schemas/Error"})}}}


_describe()
