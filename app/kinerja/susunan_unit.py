"""Susunan unit: the units of an instansi with their head and pegawai, each pegawai's jabatan, atasan and
pejabat penilai (PLT/PLH shown), as plain data a diagram can loop over (service ``susunan_unit``).

Used by ``bpmn/validasi_data_atasan.bpmn`` (a multi-instance task per unit, its lane ``nip:unit.kepala_nip``),
but nothing here knows that process: any diagram may ask for the structure of its instansi.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import clock
from workflows.scripting import register_service

from . import org
from .org import Jabatan, Pegawai, PenugasanPltPlh, Unor


def _acting(session: Session, pegawai: Pegawai, on: dt.date) -> PenugasanPltPlh | None:
    return session.scalar(select(PenugasanPltPlh).where(
        PenugasanPltPlh.pegawai_id == pegawai.id, PenugasanPltPlh.tmt_mulai <= on,
        (PenugasanPltPlh.tmt_selesai.is_(None)) | (PenugasanPltPlh.tmt_selesai >= on)))


def orang(session: Session, pegawai: Pegawai | None, on: dt.date) -> dict:
    """A pegawai as shown in lists: nama, nip, jabatan, and ``sebagai`` ("PLT Kepala Bidang …") when he acts
    in a position through a PLT/PLH assignment; empty text when there is nobody."""
    if pegawai is None:
        return {"nip": "", "nama": "", "jabatan": "", "sebagai": "", "teks": "—"}
    acting = _acting(session, pegawai, on)
    sebagai = f"{acting.jenis} {acting.jabatan.nama}" if acting else ""
    jabatan = pegawai.jabatan.nama if pegawai.jabatan else ""
    teks = f"{pegawai.nama_lengkap} ({pegawai.nip})" + (f", {sebagai}" if sebagai else "")
    return {"nip": pegawai.nip, "nama": pegawai.nama_lengkap, "jabatan": jabatan, "sebagai": sebagai, "teks": teks}


def atasan_langsung(session: Session, pegawai: Pegawai, on: dt.date) -> Pegawai | None:
    """Who leads the pegawai's unit (for a head: who leads the unit above), PLT/PLH honoured."""
    if pegawai.jabatan is None:
        return None
    unor = pegawai.jabatan.unor
    nodes = unor.ancestors()
    for node in nodes:
        leader = org.leader_of(session, node.id, on)
        if leader is not None and leader.id != pegawai.id:
            return leader
    return None


def susunan(session: Session, instansi_id: int, on: dt.date | None = None) -> list[dict]:
    """Every active unit of the instansi that has a head and pegawai, in the order of the tree (by kode):
    ``unor_id, kode, nama, kepala`` (see ``orang``), ``kepala_nip``, ``jpt_nip`` (every JPT over the unit),
    ``pegawai`` (each ``nip, nama, jabatan, atasan, pejabat_penilai``: texts, PLT/PLH named)."""
    on = on or clock.today()
    units = list(session.scalars(select(Unor).where(Unor.instansi_id == instansi_id, Unor.aktif.is_(True))
                                 .order_by(Unor.kode, Unor.id)))
    out = []
    for unor in units:
        kepala = org.leader_of(session, unor.id, on)
        members = list(session.scalars(select(Pegawai).join(Jabatan, Pegawai.jabatan_id == Jabatan.id).where(
            Jabatan.unor_id == unor.id, Pegawai.status_kepegawaian == "AKTIF").order_by(
            Jabatan.is_pimpinan_unor.desc(), Pegawai.nama)))
        if kepala is None or not members:
            continue
        out.append({
            "unor_id": unor.id, "kode": unor.kode, "nama": unor.nama, "kepala": orang(session, kepala, on),
            "kepala_nip": kepala.nip, "jpt_nip": [p.nip for p in org.jpt_over(session, unor, on) if p.id != kepala.id],
            "pegawai": [{"nip": p.nip, "nama": p.nama_lengkap, "jabatan": p.jabatan.nama if p.jabatan else "",
                         "atasan": orang(session, atasan_langsung(session, p, on), on)["teks"],
                         "pejabat_penilai": orang(session, org.pejabat_penilai(session, p, on), on)["teks"]}
                        for p in members]})
    return out


@register_service("susunan_unit")
def susunan_unit(run, data: dict, instansi_id=None) -> list[dict]:
    """The structure of the instansi of the instance (``instansi_id`` in the data, else the starter's)."""
    if instansi_id is None:
        instansi_id = data.get("instansi_id")
    if instansi_id is None and data.get("pemulai_id"):
        instansi_id = run.session.get(Pegawai, data["pemulai_id"]).instansi_id
    if instansi_id is None:
        raise ValueError("susunan_unit: data proses tidak menyebut instansi_id maupun pemulai_id")
    return susunan(run.session, int(instansi_id))
