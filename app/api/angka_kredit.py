"""Angka kredit of jabatan fungsional: a pegawai's AK, the reference data, AK dasar, the konversi sheet."""
from __future__ import annotations

import datetime as dt
import re

from flask import Response, g, jsonify
from sqlalchemy import select

from app import get_session
from core.db import write_transaction
from app.documents import angka_kredit as ak_document
from core.errors import Forbidden, NotFound, ValidationFailed
from app.kinerja import angka_kredit as ak
from app.kinerja import kenaikan
from app.kinerja import org
from app.kinerja.org import ADMIN_ROLES
from app.request_input import DATE_HINT

from . import api, json_body, login_required



def _pegawai(session, nip: str) -> org.Pegawai:
    """The pegawai with this NIP: 422 for a malformed NIP, 404 when there is none."""
    if not re.fullmatch(r"\d{18}", nip or ""):
        raise ValidationFailed({"nip": f"NIP harus 18 digit angka (diterima {len(nip or '')} karakter)"})
    pegawai = session.scalar(select(org.Pegawai).where(org.Pegawai.nip == nip))
    if pegawai is None:
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
    return pegawai


def _is_admin_of(actor, pegawai: org.Pegawai) -> bool:
    return actor.has(*ADMIN_ROLES) and actor.pegawai.instansi_id == pegawai.instansi_id


def _may_view(session, actor, pegawai: org.Pegawai) -> bool:
    """The pegawai, the pejabat penilai, or an admin kinerja / superadmin of the same instansi."""
    if actor.id == pegawai.id or _is_admin_of(actor, pegawai):
        return True
    penilai = org.pejabat_penilai(session, pegawai)
    return penilai is not None and penilai.id == actor.id


def _visible(session, nip: str) -> org.Pegawai:
    pegawai = _pegawai(session, nip)
    if not _may_view(session, g.actor, pegawai):
        raise Forbidden("Angka kredit hanya dapat dilihat oleh pegawai yang bersangkutan, pejabat penilainya, "
                        "atau admin kinerja instansinya")
    return pegawai


@api.get("/pegawai/<nip>/angka-kredit")
@login_required
def get_angka_kredit(nip):
    session = get_session()
    return jsonify(kenaikan.ringkasan_json(session, _visible(session, nip)))


@api.post("/pegawai/<nip>/angka-kredit/dasar")
@login_required
def post_ak_dasar(nip):
    body = json_body()
    session = get_session()
    pegawai = _pegawai(session, nip)
    if not _is_admin_of(g.actor, pegawai):
        raise Forbidden("Hanya admin kinerja atau superadmin instansi pegawai yang dapat mencatat AK dasar")
    tanggal = body.get("tanggal")
    if tanggal is not None:
        try:
            tanggal = dt.date.fromisoformat(tanggal) if isinstance(tanggal, str) else None
        except ValueError:
            tanggal = None
        if tanggal is None:
            raise ValidationFailed({"tanggal": f"bukan tanggal yang valid; {DATE_HINT}"})
    jenjang = body.get("jf_jenjang")
    if jenjang is not None and not isinstance(jenjang, str):
        raise ValidationFailed({"jf_jenjang": "harus berupa teks, mis. AHLI_PERTAMA"})
    with write_transaction(session):
        pegawai = session.get(org.Pegawai, pegawai.id)
        existed = ak.ak_dasar_row(session, pegawai, jenjang or ak.jenjang_of(pegawai) or "") is not None
        ak.catat_ak_dasar(session, pegawai, jenjang, body.get("ak"), body.get("keterangan"), g.actor.id, tanggal)
    return jsonify(kenaikan.ringkasan_json(session, pegawai)), 200 if existed else 201


@api.get("/referensi/angka-kredit")
@login_required
def get_referensi():
    return jsonify(ak.referensi(get_session()))


@api.put("/referensi/angka-kredit")
@login_required
def put_referensi():
    # The reference values come from national regulation and are shared by every instansi:
    # an admin kinerja of one instansi must not change them for the others.
    if not g.actor.has("superadmin"):
        raise Forbidden("Hanya superadmin yang dapat mengubah referensi angka kredit (berlaku untuk semua instansi)")
    body = json_body()
    session = get_session()
    with write_transaction(session):
        result = ak.ubah_referensi(session, body)
    return jsonify(result)


@api.get("/pegawai/<nip>/angka-kredit/document.<fmt>")
@login_required
def angka_kredit_document(nip, fmt):
    session = get_session()
    if fmt not in ak_document.MEDIA_TYPES:
        raise NotFound("Format dokumen harus pdf atau docx")
    pegawai = _visible(session, nip)
    content = ak_document.render(session, pegawai, fmt)
    response = Response(content, mimetype=ak_document.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="Konversi-AK-{pegawai.nip}.{fmt}"'
    return response
