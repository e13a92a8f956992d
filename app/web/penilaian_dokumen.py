"""On the SKP page: the SKP's penilaian (period, status, predikat) with links to their evaluation documents."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from app import get_session
from app.api.penilaian_dokumen import document_response
from app.kinerja import skp_access
from app.kinerja.penilaian import PREDIKAT_LABEL, Penilaian, Periode, get_penilaian

from . import web
from .common import parse_id

STATUS_LABEL = {"BELUM_DIISI": "Belum diisi", "DIISI_PEGAWAI": "Diisi pegawai", "DINILAI": "Dinilai",
                "FINAL": "Final", "TERKUNCI": "Terkunci"}


@web.app_template_global()
def penilaian_skp(skp_id: int) -> list[dict]:
    """The penilaian of an SKP in period order, as the SKP page lists them."""
    rows = get_session().scalars(select(Penilaian).join(Periode).where(Penilaian.skp_id == skp_id)
                                 .order_by(Periode.periode_awal, Periode.jenis == "TAHUNAN", Penilaian.id))
    return [{"id": p.id, "periode": p.periode.nama, "status": STATUS_LABEL.get(p.status, p.status),
             "predikat": PREDIKAT_LABEL.get(p.predikat, "-")} for p in rows]


def _visible(penilaian_id: str) -> Penilaian:
    db = get_session()
    penilaian = get_penilaian(db, parse_id(penilaian_id))
    skp_access.visible(db, g.actor, penilaian.skp_id)  # 404 for whoever may not see the SKP
    return penilaian


@web.get("/penilaian/<penilaian_id>/dokumen.<fmt>")
def penilaian_dokumen(penilaian_id, fmt):
    return document_response(get_session(), _visible(penilaian_id), "evaluasi", fmt)


@web.get("/penilaian/<penilaian_id>/dokumen-evaluasi.<fmt>")
def penilaian_dokumen_evaluasi(penilaian_id, fmt):
    return document_response(get_session(), _visible(penilaian_id), "dokumen-evaluasi", fmt)
