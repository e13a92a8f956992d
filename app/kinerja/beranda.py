"""The beranda (issue 16 item 8): a pegawai's profile with the people around him and his year at a glance.

Assembled from existing data: identity and NIP data (``app.api.profil.profil_json`` adds them), the pejabat
penilai and his atasan (marked PLT/PLH when they act in the leading position), the colleagues in the same unit,
and for one year the SKP (status), each period's penilaian (status, predikat) and the angka kredit credited.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import clock

from . import angka_kredit as ak
from . import org
from .penilaian import PREDIKAT_LABEL, Penilaian, Periode
from .skp import STATUS_LABEL, Skp

MAX_REKAN = 100
STATUS_PENILAIAN_LABEL = {"BELUM_DIISI": "Belum diisi", "DIISI_PEGAWAI": "Diisi pegawai", "DINILAI": "Dinilai",
                          "FINAL": "Final", "TERKUNCI": "Terkunci"}


def _orang(session: Session, who: org.Pegawai | None, unor: org.Unor | None, on: dt.date) -> dict | None:
    if who is None:
        return None
    sebagai = org.acting_as(session, who, unor, on)
    return {"nip": who.nip, "nama": who.nama_lengkap, "jabatan": who.jabatan.nama if who.jabatan else "",
            "unor": who.jabatan.unor.nama if who.jabatan else "", "sebagai": sebagai,
            "jabatan_pengganti": org.leader_position(session, unor.id).nama if sebagai else None}


def rekan(session: Session, pegawai: org.Pegawai) -> list[dict]:
    """The other active pegawai of the same unit, its leader first."""
    if pegawai.jabatan is None:
        return []
    rows = session.execute(
        select(org.Pegawai, org.Jabatan).join(org.Jabatan, org.Pegawai.jabatan_id == org.Jabatan.id)
        .where(org.Jabatan.unor_id == pegawai.jabatan.unor_id, org.Pegawai.id != pegawai.id,
               org.Pegawai.status_kepegawaian == "AKTIF")
        .order_by(org.Jabatan.is_pimpinan_unor.desc(), org.Pegawai.nama, org.Pegawai.id).limit(MAX_REKAN)).all()
    return [{"nip": p.nip, "nama": p.nama_lengkap, "jabatan": j.nama, "pimpinan": bool(j.is_pimpinan_unor)}
            for p, j in rows]


def tahun_ini(session: Session, pegawai: org.Pegawai, tahun: int) -> dict:
    """The year at a glance: the SKP of the year (not cancelled), each period's penilaian, the AK credited."""
    skps = list(session.scalars(select(Skp).where(Skp.pegawai_id == pegawai.id, Skp.tahun == tahun,
                                                  Skp.status != "DIBATALKAN").order_by(Skp.periode_awal, Skp.id)))
    out = []
    for skp in skps:
        penilaian = session.execute(select(Penilaian, Periode).join(Periode, Penilaian.periode_id == Periode.id)
                                    .where(Penilaian.skp_id == skp.id)
                                    .order_by(Periode.periode_awal, Periode.periode_akhir.desc())).all()
        out.append({"id": skp.id, "status": skp.status, "status_label": STATUS_LABEL[skp.status],
                    "jabatan": skp.jabatan.nama, "periode_awal": skp.periode_awal.isoformat(),
                    "periode_akhir": skp.periode_akhir.isoformat(),
                    "penilaian": [{"id": p.id, "periode": per.nama, "jenis": per.jenis,
                                   "periode_awal": per.periode_awal.isoformat(),
                                   "periode_akhir": per.periode_akhir.isoformat(), "status": p.status,
                                   "status_label": STATUS_PENILAIAN_LABEL.get(p.status, p.status),
                                   "predikat": p.predikat, "predikat_label": PREDIKAT_LABEL.get(p.predikat)}
                                  for p, per in penilaian]})
    entries = list(session.scalars(select(ak.AngkaKredit).where(
        ak.AngkaKredit.pegawai_id == pegawai.id, ak.AngkaKredit.sumber != "AK_DASAR",
        ak.AngkaKredit.periode_awal >= dt.date(tahun, 1, 1), ak.AngkaKredit.periode_awal <= dt.date(tahun, 12, 31))
        .order_by(ak.AngkaKredit.periode_awal, ak.AngkaKredit.id)))
    total = sum((Decimal(e.ak) for e in entries), Decimal("0"))
    angka_kredit = None
    if entries or ak.jenjang_of(pegawai) is not None:
        angka_kredit = {"jumlah": ak.as_number(total), "jumlah_teks": ak.format_ak(total),
                        "rincian": [{"periode": ak.label_periode(e.periode_awal, e.periode_akhir),
                                     "predikat_label": PREDIKAT_LABEL.get(e.predikat) if e.predikat else None,
                                     "ak": ak.as_number(e.ak), "ak_teks": ak.format_ak(e.ak)} for e in entries]}
    return {"tahun": tahun, "skp": out, "angka_kredit": angka_kredit}


def beranda(session: Session, pegawai: org.Pegawai, tahun: int | None = None) -> dict:
    """Everything but the identity (``profil_json``): the people around the pegawai and the year."""
    on = clock.today()
    (penilai, unor_penilai), (atasan, unor_atasan) = org.penilai_chain(session, pegawai, on)
    return {"pejabat_penilai": _orang(session, penilai, unor_penilai, on),
            "atasan_pejabat_penilai": _orang(session, atasan, unor_atasan, on),
            "rekan_unit": rekan(session, pegawai),
            "tahun_ini": tahun_ini(session, pegawai, tahun or on.year)}
