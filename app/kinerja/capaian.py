"""Capaian kinerja organisasi (domain §4.4) and the leader's rating hasil kerja that follows from it (§4.1).

Per unor and periode the leader of the unor one level up (for a top unor: an admin kinerja)
sets the predikat ISTIMEWA | BAIK | BUTUH_PERBAIKAN | KURANG | SANGAT_KURANG with its dasar.
Rows are appended, never updated: the newest row of a (unor, periode) is the capaian, the
older ones are its history (who, when, what). The annual capaian is the one of the TAHUNAN period.

When the pegawai evaluated leads a unor, the diagram asks ``capaian_unit_dipimpin`` for the
unit's predikat, maps it with ``bpmn/rating_pimpinan.dmn`` and ``periksa_rating_pimpinan``
refuses a penilai's rating that differs from the table's answer.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.request_input import as_id
from workflows import clock
from workflows.scripting import register_service

from .org import ADMIN_ROLES, Jabatan, Pegawai, PenugasanPltPlh, Unor, leader_of
from .penilaian import PROCESS, RATING_LABEL, Periode, get_penilaian

PREDIKAT_ORGANISASI = ("ISTIMEWA", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
PREDIKAT_ORGANISASI_LABEL = {"ISTIMEWA": "Istimewa", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                             "KURANG": "Kurang", "SANGAT_KURANG": "Sangat Kurang"}


class CapaianOrganisasi(Base):
    __tablename__ = "capaian_organisasi"
    id: Mapped[int] = mapped_column(primary_key=True)
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"), index=True)
    periode_id: Mapped[int] = mapped_column(ForeignKey("periode.id"), index=True)
    predikat: Mapped[str] = mapped_column(String(24))
    dasar: Mapped[str] = mapped_column(Text)
    ditetapkan_oleh_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    ditetapkan_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # The leader's position when he set it ("Kepala Dinas …"), as printed on the penetapan.
    jabatan_penetap: Mapped[str] = mapped_column(String(255), default="")
    revisi: Mapped[int] = mapped_column(Integer, default=1)

    unor: Mapped[Unor] = relationship()
    periode: Mapped[Periode] = relationship()
    ditetapkan_oleh: Mapped[Pegawai] = relationship()


# ------------------------------------------------------------------ who may set it

def led_unors(session: Session, pegawai: Pegawai, on: dt.date | None = None) -> list[Unor]:
    """The unor this pegawai leads on a date: his own leader position and active PLT/PLH posts."""
    on = on or clock.today()
    acting = select(PenugasanPltPlh.jabatan_id).where(
        PenugasanPltPlh.pegawai_id == pegawai.id, PenugasanPltPlh.tmt_mulai <= on,
        (PenugasanPltPlh.tmt_selesai.is_(None)) | (PenugasanPltPlh.tmt_selesai >= on))
    candidates = session.scalars(select(Unor).join(Jabatan, Jabatan.unor_id == Unor.id).where(
        Jabatan.is_pimpinan_unor.is_(True), Unor.aktif.is_(True),
        (Jabatan.id == pegawai.jabatan_id) | Jabatan.id.in_(acting)).order_by(Unor.id)).all()
    return [u for u in candidates if getattr(leader_of(session, u.id, on), "id", None) == pegawai.id]


def penetap_of(session: Session, unor: Unor) -> Optional[Pegawai]:
    """Who sets the capaian of this unor today: the leader of its parent (None for a top unor)."""
    return leader_of(session, unor.parent_id, clock.today()) if unor.parent_id else None


def may_set(session: Session, actor, unor: Unor) -> bool:
    if unor.parent_id is None:
        return actor.has(*ADMIN_ROLES)
    penetap = penetap_of(session, unor)
    return penetap is not None and penetap.id == actor.id


def unor_of_instansi(session: Session, instansi_id: int, unor_id) -> Unor:
    unor = session.get(Unor, as_id(unor_id)) if as_id(unor_id) else None
    if unor is None or unor.instansi_id != instansi_id:
        raise NotFound(f"Unit kerja {unor_id} tidak ditemukan")
    return unor


def periode_of_instansi(session: Session, instansi_id: int, periode_id) -> Periode:
    periode = session.get(Periode, as_id(periode_id)) if as_id(periode_id) else None
    if periode is None or periode.instansi_id != instansi_id:
        raise NotFound(f"Periode {periode_id} tidak ditemukan")
    return periode


# ------------------------------------------------------------------ reading and setting

def current(session: Session, unor_id: int, periode_id: int) -> Optional[CapaianOrganisasi]:
    return session.scalar(select(CapaianOrganisasi).where(
        CapaianOrganisasi.unor_id == unor_id, CapaianOrganisasi.periode_id == periode_id)
        .order_by(CapaianOrganisasi.id.desc()).limit(1))


def current_by_unor(session: Session, instansi_id: int, periode_id: int) -> dict[int, CapaianOrganisasi]:
    """The current capaian of every unor of the instansi for one period (one query)."""
    newest = (select(func.max(CapaianOrganisasi.id)).join(Unor, Unor.id == CapaianOrganisasi.unor_id)
              .where(Unor.instansi_id == instansi_id, CapaianOrganisasi.periode_id == periode_id)
              .group_by(CapaianOrganisasi.unor_id))
    rows = session.scalars(select(CapaianOrganisasi).where(CapaianOrganisasi.id.in_(newest)))
    return {row.unor_id: row for row in rows}


def history(session: Session, unor_id: int, periode_id: int) -> list[CapaianOrganisasi]:
    return list(session.scalars(select(CapaianOrganisasi).where(
        CapaianOrganisasi.unor_id == unor_id, CapaianOrganisasi.periode_id == periode_id)
        .order_by(CapaianOrganisasi.id)))


def tetapkan(session: Session, actor, unor_id, periode_id, data: dict) -> CapaianOrganisasi:
    """Set (or change) the capaian of a unor for a period; every change is a new row."""
    instansi_id = actor.pegawai.instansi_id
    unor = unor_of_instansi(session, instansi_id, unor_id)
    periode = periode_of_instansi(session, instansi_id, periode_id)
    if not may_set(session, actor, unor):
        if unor.parent_id is None:
            raise Forbidden(f"Capaian {unor.nama} (unit tertinggi) hanya dapat ditetapkan admin kinerja")
        raise Forbidden(f"Capaian {unor.nama} hanya dapat ditetapkan pimpinan {unor.parent.nama}")
    fields: dict[str, str] = {}
    predikat = data.get("predikat")
    if predikat not in PREDIKAT_ORGANISASI:
        fields["predikat"] = f"harus salah satu dari {', '.join(PREDIKAT_ORGANISASI)}"
    dasar = data.get("dasar")
    if not isinstance(dasar, str) or not dasar.strip():
        fields["dasar"] = "wajib diisi (dasar penetapan, mis. capaian rencana aksi atau perjanjian kinerja)"
    elif len(dasar) > 4000:
        fields["dasar"] = "paling banyak 4000 karakter"
    if fields:
        raise ValidationFailed(fields)
    before = current(session, unor.id, periode.id)
    row = CapaianOrganisasi(unor_id=unor.id, periode_id=periode.id, predikat=predikat, dasar=dasar.strip(),
                            ditetapkan_oleh_id=actor.id, ditetapkan_at=clock.now(),
                            jabatan_penetap=actor.pegawai.jabatan.nama if actor.pegawai.jabatan else "",
                            revisi=(before.revisi + 1) if before else 1)
    session.add(row)
    session.flush()
    return row


def capaian_json(row: Optional[CapaianOrganisasi]) -> Optional[dict]:
    if row is None:
        return None
    return {"id": row.id, "unor_id": row.unor_id, "periode_id": row.periode_id, "predikat": row.predikat,
            "predikat_label": PREDIKAT_ORGANISASI_LABEL[row.predikat], "dasar": row.dasar, "revisi": row.revisi,
            "ditetapkan_oleh": {"nip": row.ditetapkan_oleh.nip, "nama": row.ditetapkan_oleh.nama_lengkap,
                                "jabatan": row.jabatan_penetap},
            "ditetapkan_at": row.ditetapkan_at.isoformat() if row.ditetapkan_at else None}


def daftar(session: Session, actor, periode: Periode) -> list[dict]:
    """Every active unor of the caller's instansi with its capaian for the period and whether he may set it."""
    unors = session.scalars(select(Unor).where(Unor.instansi_id == periode.instansi_id, Unor.aktif.is_(True))
                            .order_by(Unor.kode)).all()
    by_unor = current_by_unor(session, periode.instansi_id, periode.id)
    led = {u.id for u in led_unors(session, actor.pegawai)}
    admin = actor.has(*ADMIN_ROLES)
    return [{"unor_id": u.id, "kode": u.kode, "unor": u.nama, "parent_id": u.parent_id,
             "boleh_menetapkan": (u.parent_id in led) or (u.parent_id is None and admin),
             "capaian": capaian_json(by_unor.get(u.id))} for u in unors]


# ------------------------------------------------------------------ the leader's rating (diagram services)

def unit_dipimpin(penilaian) -> Optional[Unor]:
    """The unor the evaluated pegawai leads in the SKP's position, or None."""
    jabatan = penilaian.skp.jabatan
    return jabatan.unor if jabatan is not None and jabatan.is_pimpinan_unor else None


@register_service("capaian_unit_dipimpin")
def capaian_unit_dipimpin(run, data: dict) -> str:
    """The predikat of the unit the pegawai leads for this period; "" when he leads none.

    A leader whose unit has no capaian yet cannot be rated: the request is refused (409) naming
    the unit and who sets its capaian."""
    penilaian = get_penilaian(run.session, data["penilaian_id"])
    unor = unit_dipimpin(penilaian)
    if unor is None:
        return ""
    row = current(run.session, unor.id, penilaian.periode_id)
    if row is None:
        penetap = f"pimpinan {unor.parent.nama}" if unor.parent_id else "admin kinerja"
        raise Conflict(f"{penilaian.skp.pegawai.nama_lengkap} adalah pimpinan {unor.nama}: rating hasil kerjanya "
                       f"mengikuti capaian kinerja organisasi {unor.nama} periode {penilaian.periode.nama}, yang belum "
                       f"ditetapkan. Minta {penetap} menetapkannya terlebih dahulu.",
                       {"unor_id": unor.id, "periode_id": penilaian.periode_id})
    return row.predikat


@register_service("periksa_rating_pimpinan")
def periksa_rating_pimpinan(run, data: dict) -> bool:
    """Refuse (422) a rating hasil kerja of a leader that differs from rating_pimpinan.dmn's answer."""
    expected = data.get("rating_pimpinan") or ""
    if not expected:
        return True
    given = data.get("rating_hasil_kerja")
    if given != expected:
        penilaian = get_penilaian(run.session, data["penilaian_id"])
        unor = unit_dipimpin(penilaian)
        predikat = PREDIKAT_ORGANISASI_LABEL.get(data.get("capaian_organisasi"), data.get("capaian_organisasi"))
        raise ValidationFailed({"rating_hasil_kerja": (
            f"harus {expected} ({RATING_LABEL.get(expected, expected)}): pegawai ini pimpinan "
            f"{unor.nama if unor else 'unit kerja'} dan capaian kinerja organisasinya {predikat}")},
            "Rating hasil kerja pimpinan mengikuti capaian kinerja organisasi yang dipimpinnya")
    return True


def rating_pimpinan(session: Session, penilaian) -> Optional[dict]:
    """What the penilai sees before rating a leader: the unit, its capaian and the rating it gives."""
    from workflows.decisions import DecisionMissing, decide

    unor = unit_dipimpin(penilaian)
    if unor is None:
        return None
    row = current(session, unor.id, penilaian.periode_id)
    info = {"unor_id": unor.id, "unor": unor.nama, "capaian": capaian_json(row), "rating_hasil_kerja": None}
    if row is None:
        info["pesan"] = (f"Capaian kinerja organisasi {unor.nama} periode {penilaian.periode.nama} belum "
                         "ditetapkan; rating hasil kerja pimpinan belum dapat diberikan")
        return info
    try:
        rating = decide(session, PROCESS[penilaian.periode.jenis], "rating_pimpinan.dmn", "rating_pimpinan",
                        {"capaian_organisasi": row.predikat}, penilaian.periode.instansi_id).get("rating_pimpinan") or None
    except DecisionMissing as exc:
        info["pesan"] = str(exc)
        return info
    info["rating_hasil_kerja"] = rating
    info["pesan"] = (f"Pimpinan {unor.nama}: capaian organisasi {PREDIKAT_ORGANISASI_LABEL[row.predikat]}, "
                     f"maka rating hasil kerja {RATING_LABEL.get(rating, rating)}")
    return info
