"""The context every template of a process document sees (``buat_dokumen``), built in one place.

The same pieces the SKP and evaluation documents print: the identity block of a person
(``app.kinerja.skp.identity``), the pejabat penilai and his atasan (``app.kinerja.org``), the
instansi's place and dates written in Indonesian in the instansi's time zone. Keys (README,
"Documents from templates"): ``judul``, ``data``, ``pegawai``, ``pejabat_penilai``,
``atasan_pejabat_penilai``, ``unit``, ``instansi``, ``tanggal``, ``waktu``, ``tempat_tanggal``,
``proses``. The dict is plain JSON: it is frozen in the step's transaction and printed later.
"""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.kinerja import org
from app.kinerja.org import Instansi, Pegawai
from app.kinerja.skp import identity
from workflows import clock

from .indonesian_dates import tanggal, waktu

PERSON_KEYS = ("nama", "nip", "pangkat_gol", "jabatan", "unit_kerja", "instansi")


def person(session: Session, pegawai: Pegawai | None) -> dict:
    """A person's identity block; every key present (empty when there is nobody), so templates never fail."""
    found = identity(session, pegawai) or {}
    return {k: found.get(k) or "" for k in PERSON_KEYS}


def _plain(data: dict) -> dict:
    """The instance data as JSON (dates as ISO text); private names (``_…``) left out."""
    return json.loads(json.dumps({k: v for k, v in (data or {}).items() if not str(k).startswith("_")}, default=str))


def build(session: Session, instance, data: dict, judul: str) -> dict:
    """The context of a document made at this step of ``instance`` from its task ``data``."""
    subject_id = instance.subject_pegawai_id or data.get("pegawai_id")
    pegawai = session.get(Pegawai, subject_id) if isinstance(subject_id, int) else None
    instansi = pegawai.instansi if pegawai is not None else (
        session.get(Instansi, instance.instansi_id) if instance.instansi_id else None)
    unit = pegawai.jabatan.unor if pegawai is not None and pegawai.jabatan is not None else None
    penilai = org.pejabat_penilai(session, pegawai) if pegawai is not None else None
    atasan = org.atasan_pejabat_penilai(session, pegawai) if pegawai is not None else None
    now = clock.now()
    lokasi = instansi.lokasi if instansi is not None else ""
    definition = instance.definition
    return {
        "judul": judul,
        "data": _plain(data),
        "pegawai": person(session, pegawai),
        "pejabat_penilai": person(session, penilai),
        "atasan_pejabat_penilai": person(session, atasan),
        "unit": {"nama": unit.nama if unit else "", "kode": unit.kode if unit else ""},
        "instansi": {"nama": instansi.nama if instansi else "", "kode": instansi.kode if instansi else "",
                     "lokasi": lokasi or ""},
        "tanggal": tanggal(now),
        "waktu": waktu(now),
        "tempat_tanggal": f"{lokasi or ''}, {tanggal(now)}".lstrip(", "),
        "proses": {"id": instance.id, "business_key": instance.business_key, "process_id": instance.process_id,
                   "nama": definition.name if definition is not None else instance.process_id},
    }
