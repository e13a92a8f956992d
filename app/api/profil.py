"""A pegawai's profile: identity, what the NIP says (birth date, sex, TMT CPNS) and, for a jabatan
fungsional, the angka kredit with each requirement of kenaikan pangkat and jenjang."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.orm import Session

from app import get_session
from app.kinerja import angka_kredit as ak
from app.kinerja.kenaikan import ringkasan_json
from app.kinerja import org
from app.kinerja.beranda import beranda
from app.kinerja.nip import data_nip
from app.request_input import int_arg
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


def beranda_json(session: Session, pegawai: org.Pegawai, args) -> dict:
    """The profile with the people around the pegawai and one year at a glance (``?tahun=``, default this year)."""
    tahun = int_arg(args, "tahun", None, 2000, 2100, "tahun (2000–2100)")
    return {**profil_json(session, pegawai), **beranda(session, pegawai, tahun)}


@api.get("/beranda")
@login_required
def get_beranda():
    return jsonify(beranda_json(get_session(), g.actor.pegawai, request.args))


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

    DOCUMENT["paths"]["/beranda"] = {"get": {
        "summary": "Beranda pegawai yang masuk: profil (seperti /pegawai/{nip}/profil) ditambah pejabat_penilai dan "
                   "atasan_pejabat_penilai (sebagai = PLT/PLH bila menjabat sebagai pelaksana), rekan_unit, dan "
                   "tahun_ini: SKP tahun itu (status), penilaian tiap periode (status, predikat) dan angka kredit",
        "parameters": [{"name": "tahun", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}],
        "responses": {"200": _resp("Beranda"), **ERRORS,
                      "422": _resp("tahun tidak valid", {"$ref": "#/components/schemas/Error"})}}}


_describe()
