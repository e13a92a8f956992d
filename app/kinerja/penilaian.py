"""Evaluation periods and the periodic evaluation of an approved SKP (domain §2.1 phase 3, §3.4, §3.7).

An admin kinerja defines the periods of a year (Periode: bulanan, triwulanan, semesteran and
one tahunan) with their batas pengisian, and opens a period: every pegawai with an approved
SKP of that year gets a Penilaian row and an instance of ``evaluasi_periodik`` (business key
``penilaian:<id>``). Opening is idempotent (one Penilaian per SKP and period) and reports a
result per pegawai; pegawai who are not active (CLTN, tugas belajar, …) are skipped with the
reason. The scheduler opens periods marked ``buka_otomatis`` on their first day
(``pembukaan.open_due_periods``).

What the steps do to the rows lives here (form handlers and the ``status_penilaian``
service); the order of the steps, the reminders and the lock at the batas pengisian live in
``bpmn/evaluasi_periodik.bpmn``, and the predikat comes from ``bpmn/predikat_kuadran.dmn``.
"""
from __future__ import annotations

import datetime as dt
from calendar import monthrange
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, sessionmaker

from core.db import Base, UtcDateTime, lock_row, refused_as, write_transaction
from core.errors import Conflict, NotFound, ValidationFailed
from app.request_input import as_id, read_date
from app.scheduler import job
from workflows import clock, store
from workflows.forms import FormResult, register_choices, register_form
from workflows.scripting import register_service

from .angka_kredit import BULAN, bulan_menunggu, catat_dari_penilaian
from .org import Pegawai
from .penilai import diwakili
from .perilaku import KODE
from .skp import Skp

JENIS_PERIODE = ("BULANAN", "TRIWULANAN", "SEMESTERAN", "TAHUNAN")
RATING = ("DI_ATAS", "SESUAI", "DI_BAWAH")
PREDIKAT = ("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
PREDIKAT_LABEL = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                  "KURANG": "Kurang/Misconduct", "SANGAT_KURANG": "Sangat Kurang"}
RATING_LABEL = {"DI_ATAS": "Di Atas Ekspektasi", "SESUAI": "Sesuai Ekspektasi", "DI_BAWAH": "Di Bawah Ekspektasi"}
STATUS = ("BELUM_DIISI", "DIISI_PEGAWAI", "DINILAI", "FINAL", "TERKUNCI")
PROCESS = {"BULANAN": "evaluasi_periodik", "TRIWULANAN": "evaluasi_periodik", "SEMESTERAN": "evaluasi_periodik",
           "TAHUNAN": "evaluasi_tahunan"}


class Periode(Base):
    __tablename__ = "periode"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    nama: Mapped[str] = mapped_column(String(120))
    tahun: Mapped[int] = mapped_column(Integer, index=True)
    jenis: Mapped[str] = mapped_column(String(16))
    periode_awal: Mapped[dt.date] = mapped_column(Date)
    periode_akhir: Mapped[dt.date] = mapped_column(Date)
    batas_pengisian: Mapped[dt.date] = mapped_column(Date)
    buka_otomatis: Mapped[bool] = mapped_column(Boolean, default=False)
    dibuka_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    dibuka_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    # An admin kinerja allowed the penilaian of this period to be finalised before periode_akhir (domain16).
    finalisasi_awal_alasan: Mapped[Optional[str]] = mapped_column(Text)
    finalisasi_awal_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    finalisasi_awal_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("instansi_id", "tahun", "nama"),)

    finalisasi_awal_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[finalisasi_awal_oleh_id])


# Periods of one jenis are calendar units (``bentuk_periode``), so two of them overlap exactly when
# they start on the same day: the database refuses the second of two simultaneous creations.
PERIODE_AWAL = Index("uq_periode_jenis_awal", Periode.instansi_id, Periode.jenis, Periode.periode_awal, unique=True)


class Penilaian(Base):
    __tablename__ = "penilaian"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    periode_id: Mapped[int] = mapped_column(ForeignKey("periode.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="BELUM_DIISI", index=True)
    rating_hasil_kerja: Mapped[Optional[str]] = mapped_column(String(16))
    rating_perilaku: Mapped[Optional[str]] = mapped_column(String(16))
    predikat: Mapped[Optional[str]] = mapped_column(String(24))
    catatan: Mapped[str] = mapped_column(Text, default="")
    penilai_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    waktu_dinilai: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    terkunci_at: Mapped[Optional[dt.datetime]] = mapped_column(UtcDateTime())
    buka_kembali: Mapped[list] = mapped_column(JSON, default=list)  # [{at, oleh_id, alasan, batas}]
    # Final, but months of its period had not ended: their angka kredit waits for them (kredit_bulan_berakhir).
    ak_menunggu: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    skp: Mapped[Skp] = relationship()
    periode: Mapped[Periode] = relationship()
    penilai: Mapped[Optional[Pegawai]] = relationship()
    realisasi: Mapped[list["Realisasi"]] = relationship(order_by="Realisasi.rhk_id", cascade="all, delete-orphan")
    umpan_balik_perilaku: Mapped[list["UmpanBalikPerilaku"]] = relationship(cascade="all, delete-orphan")
    catatan_proses: Mapped[list["PenilaianCatatan"]] = relationship(
        order_by=lambda: [PenilaianCatatan.urutan, PenilaianCatatan.id], cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("skp_id", "periode_id"),)


class Realisasi(Base):
    """Per RHK and period: the pegawai's rencana aksi, realisasi and bukti dukung; the penilai's umpan balik."""

    __tablename__ = "realisasi"
    id: Mapped[int] = mapped_column(primary_key=True)
    penilaian_id: Mapped[int] = mapped_column(ForeignKey("penilaian.id", ondelete="CASCADE"), index=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id"))
    rencana_aksi: Mapped[str] = mapped_column(Text, default="")
    realisasi: Mapped[str] = mapped_column(Text, default="")
    bukti_dukung_url: Mapped[str] = mapped_column(Text, default="")
    umpan_balik: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("penilaian_id", "rhk_id"),)


class PenilaianCatatan(Base):
    """A titled section of text a process attached to a penilaian (``catat_penilaian``), printed by the
    Dokumen Evaluasi after its own sections, in ``urutan`` order (e.g. KEBERATAN, PENJELASAN …)."""

    __tablename__ = "penilaian_catatan"
    id: Mapped[int] = mapped_column(primary_key=True)
    penilaian_id: Mapped[int] = mapped_column(ForeignKey("penilaian.id", ondelete="CASCADE"), index=True)
    judul: Mapped[str] = mapped_column(String(200))
    isi: Mapped[str] = mapped_column(Text, default="")
    urutan: Mapped[int] = mapped_column(Integer, default=0)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instance.id", ondelete="SET NULL"))
    dibuat_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("penilaian_id", "judul"),)


class UmpanBalikPerilaku(Base):
    __tablename__ = "umpan_balik_perilaku"
    id: Mapped[int] = mapped_column(primary_key=True)
    penilaian_id: Mapped[int] = mapped_column(ForeignKey("penilaian.id", ondelete="CASCADE"), index=True)
    kode: Mapped[str] = mapped_column(String(32))
    teks: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("penilaian_id", "kode"),)


# ------------------------------------------------------------------ periods

def _date(value, field: str, fields: dict) -> dt.date | None:
    return read_date(value, field, fields)


def buat_periode(session: Session, instansi_id: int, data: dict) -> Periode:
    """Create a period from the admin form / API body, naming every invalid field."""
    fields: dict[str, str] = {}
    nama = str(data.get("nama") or "").strip()
    if not nama:
        fields["nama"] = "wajib diisi"
    jenis = data.get("jenis")
    if jenis not in JENIS_PERIODE:
        fields["jenis"] = f"harus salah satu dari {', '.join(JENIS_PERIODE)}"
    awal = _date(data.get("periode_awal"), "periode_awal", fields)
    akhir = _date(data.get("periode_akhir"), "periode_akhir", fields)
    batas = _date(data.get("batas_pengisian"), "batas_pengisian", fields)
    if awal and akhir and akhir < awal:
        fields["periode_akhir"] = "tidak boleh sebelum awal periode"
    if akhir and batas and batas < akhir:
        fields["batas_pengisian"] = "tidak boleh sebelum akhir periode"
    if awal and akhir and awal.year != akhir.year:
        fields["periode_akhir"] = "periode harus dalam satu tahun"
    if awal and akhir and jenis in JENIS_PERIODE and not fields:
        fields.update(bentuk_periode(jenis, awal, akhir))
    if not isinstance(data.get("buka_otomatis", False), bool):
        fields["buka_otomatis"] = "harus true atau false"
    if fields:
        raise ValidationFailed(fields)
    if session.scalar(select(Periode.id).where(Periode.instansi_id == instansi_id, Periode.tahun == awal.year,
                                               Periode.nama == nama)):
        raise ValidationFailed({"nama": f"periode '{nama}' tahun {awal.year} sudah ada"})
    from .org import Instansi

    lock_row(session, Instansi, instansi_id)  # periods of one instansi are created one after the other

    def overlap() -> Conflict | None:
        other = session.scalar(select(Periode).where(
            Periode.instansi_id == instansi_id, Periode.jenis == jenis, Periode.periode_awal <= akhir,
            Periode.periode_akhir >= awal).order_by(Periode.periode_awal).limit(1))
        if other is None:
            return None
        return Conflict(f"Periode beririsan dengan periode {other.jenis.lower()} '{other.nama}' "
                        f"({other.periode_awal.isoformat()} s.d. {other.periode_akhir.isoformat()})",
                        {"fields": {"periode_awal": f"beririsan dengan periode '{other.nama}'"},
                         "periode_id": other.id, "nama": other.nama})

    if (clash := overlap()) is not None:
        raise clash
    periode = Periode(instansi_id=instansi_id, nama=nama, tahun=awal.year, jenis=jenis, periode_awal=awal,
                      periode_akhir=akhir, batas_pengisian=batas, buka_otomatis=bool(data.get("buka_otomatis")))
    with refused_as(session, PERIODE_AWAL, lambda: overlap() or Conflict("Periode yang sama baru saja dibuat")):
        session.add(periode)
    return periode


BENTUK = {"BULANAN": (1, "satu bulan kalender (tanggal 1 s.d. akhir bulan)"),
          "TRIWULANAN": (3, "satu triwulan kalender (Januari–Maret, April–Juni, Juli–September atau "
                            "Oktober–Desember)"),
          "SEMESTERAN": (6, "satu semester kalender (Januari–Juni atau Juli–Desember)"),
          "TAHUNAN": (12, "satu tahun kalender (1 Januari s.d. 31 Desember)")}


def bentuk_periode(jenis: str, awal: dt.date, akhir: dt.date) -> dict[str, str]:
    """A period of a jenis is one calendar unit, as the official formats print it (BULAN …,
    TRIWULAN I–IV, SEMESTER I/II, AKHIR): field errors when it is not."""
    months, what = BENTUK[jenis]
    last_month = awal.month + months - 1
    starts_right = awal.day == 1 and (awal.month - 1) % months == 0
    ends_right = (last_month <= 12 and akhir.year == awal.year and akhir.month == last_month
                  and akhir.day == monthrange(akhir.year, akhir.month)[1])
    fields = {}
    if not starts_right:
        fields["periode_awal"] = f"periode {jenis.lower()} harus {what}"
    elif not ends_right:
        fields["periode_akhir"] = f"periode {jenis.lower()} harus {what}"
    return fields


def get_penilaian(session: Session, penilaian_id) -> Penilaian:
    penilaian = session.get(Penilaian, as_id(penilaian_id)) if as_id(penilaian_id) else None
    if penilaian is None:
        raise NotFound(f"Penilaian {penilaian_id} tidak ditemukan")
    return penilaian


def _start_data(penilaian: Penilaian) -> dict:
    skp, periode = penilaian.skp, penilaian.periode
    return {"penilaian_id": penilaian.id, "skp_id": skp.id, "pegawai_id": skp.pegawai_id,
            "instansi_id": skp.instansi_id, "tahun": periode.tahun, "nama_pegawai": skp.pegawai.nama_lengkap,
            "periode": periode.nama, "batas_pengisian": periode.batas_pengisian.isoformat()}


def proses_periode(session: Session, periode: Periode) -> str:
    """The process a period starts, or Conflict when its diagram is not deployed."""
    from workflows.definitions import latest

    process = PROCESS[periode.jenis]
    if latest(session, process, periode.instansi_id) is None:
        raise Conflict(f"Proses '{process}' untuk periode {periode.jenis.lower()} belum dipasang; "
                       "pasang diagramnya lalu buka periode ini lagi")
    return process


def skp_untuk_periode(session: Session, periode: Periode):
    """The query of the ids of the approved SKPs a period opens an evaluation for."""
    return select(Skp.id).where(Skp.instansi_id == periode.instansi_id, Skp.tahun == periode.tahun,
                                Skp.status == "DISETUJUI",
                                # after a mutasi each SKP covers part of the year: only periods that overlap it
                                Skp.periode_awal <= periode.periode_akhir, Skp.periode_akhir >= periode.periode_awal)


def buka_untuk_skp(session: Session, periode: Periode, skp_id: int, actor_id: int | None) -> dict:
    """Inside the caller's write transaction: start the evaluation of one SKP for the period.

    Returns ``dibuka`` (started now), ``sudah_ada`` (opened before) or ``dilewati`` (with the reason).
    """
    return buka_untuk_skps(session, periode, [skp_id], actor_id)[0]


def buka_untuk_skps(session: Session, periode: Periode, skp_ids: list[int], actor_id: int | None) -> list[dict]:
    """Inside the caller's write transaction: ``buka_untuk_skp`` for several SKPs, one result each, in order.

    The SKPs with their pegawai and jabatan, and the penilaian already there, are read in one query each
    and the new penilaian rows are inserted in one flush; their instances are started together
    (``workflows.bulk_start.start_many``: a few multi-row statements per table for the whole batch).
    """
    from sqlalchemy.orm import selectinload
    from workflows.bulk_start import start_many

    skps = {s.id: s for s in session.scalars(
        select(Skp).where(Skp.id.in_(skp_ids))
        .options(selectinload(Skp.pegawai).selectinload(Pegawai.jabatan)))}
    existing = dict(session.execute(select(Penilaian.skp_id, Penilaian.id).where(
        Penilaian.skp_id.in_(skp_ids), Penilaian.periode_id == periode.id)).all())
    results, new = [], []
    for skp_id in skp_ids:
        skp = skps.get(skp_id)
        if skp is None:
            raise NotFound(f"SKP {skp_id} tidak ditemukan")
        result = {"skp_id": skp.id, "nip": skp.pegawai.nip, "nama": skp.pegawai.nama_lengkap}
        if skp_id in existing:
            result.update(status="sudah_ada", penilaian_id=existing[skp_id])
        elif skp.pegawai.status_kepegawaian != "AKTIF":
            result.update(status="dilewati", alasan=f"pegawai berstatus {skp.pegawai.status_kepegawaian}")
        else:
            penilaian = Penilaian(skp=skp, periode=periode, penilai_id=skp.pejabat_penilai_id, buka_kembali=[])
            session.add(penilaian)
            new.append((result, penilaian))
        results.append(result)
    session.flush()  # one INSERT of every new penilaian (their ids make the business keys)
    start_many(session, PROCESS[periode.jenis],
               [(f"penilaian:{penilaian.id}", _start_data(penilaian)) for _, penilaian in new], actor_id)
    for result, penilaian in new:
        result.update(status="dibuka", penilaian_id=penilaian.id)
    return results


# ------------------------------------------------------------------ what the diagram's steps do

@register_service("status_penilaian")
def status_penilaian(run, data: dict, status: str, angka_kredit: bool = True) -> str:
    """Set the penilaian's status; FINAL records the predikat and, when the diagram says
    ``angka_kredit`` (periodic evaluations do, the annual one does not, so AK is not counted
    twice), the angka kredit of a functional position."""
    if status not in STATUS:
        raise ValueError(f"status penilaian '{status}' tidak dikenal")
    penilaian = get_penilaian(run.session, data["penilaian_id"])
    penilaian.status = status
    if status == "TERKUNCI":
        penilaian.terkunci_at = clock.now()
    if status == "FINAL":
        predikat = data.get("predikat")
        if predikat not in PREDIKAT:
            raise ValueError(f"tabel keputusan tidak menghasilkan predikat yang sah: {predikat!r}")
        penilaian.predikat = predikat
        penilaian.waktu_dinilai = clock.now()
        if angka_kredit:  # a functional position earns AK for the months of the period (domain §4.7)
            kredit_penilaian(run.session, penilaian, run.actor_id)
    run.session.flush()
    return status


def kredit_penilaian(session: Session, penilaian: Penilaian, actor_id: int | None) -> None:
    """Credit the angka kredit of a final penilaian for the months of its period that have ended; the
    others wait (``ak_menunggu``) until ``kredit_bulan_berakhir`` credits them after they end."""
    periode = penilaian.periode
    catat_dari_penilaian(session, penilaian.skp.pegawai, penilaian.id, periode.periode_awal, periode.periode_akhir,
                         penilaian.predikat, actor_id)
    penilaian.ak_menunggu = bool(bulan_menunggu(periode.periode_awal, periode.periode_akhir))


@job("kredit_bulan_berakhir", 3600)
def kredit_bulan_berakhir(session_factory: sessionmaker, worker: str) -> dict:
    """Credit the months that have ended since their penilaian became final (one transaction per penilaian)."""
    session = session_factory()
    try:
        ids = list(session.scalars(select(Penilaian.id).where(Penilaian.ak_menunggu.is_(True),
                                                              Penilaian.status == "FINAL").order_by(Penilaian.id)))
    finally:
        session.close()
    selesai = 0
    for penilaian_id in ids:
        session = session_factory()
        try:
            with write_transaction(session):
                penilaian = session.get(Penilaian, penilaian_id)
                if penilaian is not None and penilaian.ak_menunggu and penilaian.status == "FINAL":
                    kredit_penilaian(session, penilaian, None)
                    selesai += 0 if penilaian.ak_menunggu else 1
        finally:
            session.close()
    return {"penilaian": len(ids), "selesai": selesai}


# ------------------------------------------------------------------ services any process may use on a final penilaian

def _tanggal_iso(moment) -> str | None:
    local = clock.local_date(moment)
    return local.isoformat() if local else None


def _penilaian_final_json(penilaian: Penilaian) -> dict:
    periode = penilaian.periode
    return {"penilaian_id": penilaian.id, "skp_id": penilaian.skp_id, "predikat": penilaian.predikat,
            "predikat_label": PREDIKAT_LABEL.get(penilaian.predikat, "-"), "periode": periode.nama,
            "jenis_periode": periode.jenis, "tahun": periode.tahun, "periode_awal": periode.periode_awal.isoformat(),
            "periode_akhir": periode.periode_akhir.isoformat(), "tanggal_final": _tanggal_iso(penilaian.waktu_dinilai)}


@register_service("baca_penilaian_final")
def baca_penilaian_final(run, data: dict, penilaian_id, batas_hari=None, bidang: str = "penilaian_id") -> dict:
    """The subject pegawai's final penilaian ``penilaian_id`` as plain data (predikat, period, the local date
    it became final and, with ``batas_hari``, the last day of the window ``batas_tanggal``).

    Refuses with 422 naming the start form's field ``bidang`` (nothing is kept: the step is part of the
    request that started or moved the instance) when the penilaian is not the pegawai's, not final, or
    the window of ``batas_hari`` days after it became final has passed (the instansi's date)."""
    found = run.session.get(Penilaian, as_id(penilaian_id)) if as_id(penilaian_id) else None
    if found is None or found.skp.pegawai_id != data.get("pegawai_id"):
        raise ValidationFailed({bidang: "penilaian tidak ditemukan di antara penilaian pegawai ini"})
    if found.status != "FINAL" or found.predikat is None:
        raise ValidationFailed({bidang: f"penilaian {found.periode.nama} {found.periode.tahun} belum final "
                                        f"(status {found.status})"})
    result = _penilaian_final_json(found)
    if batas_hari not in (None, ""):
        final_on = clock.local_date(found.waktu_dinilai) or clock.today()
        batas = final_on + dt.timedelta(days=int(batas_hari))
        result["batas_tanggal"] = batas.isoformat()
        if clock.today() > batas:
            raise ValidationFailed({bidang: f"batas waktu {int(batas_hari)} hari sejak penilaian ditetapkan "
                                            f"({_tanggal(final_on)}) telah lewat pada {_tanggal(batas)}"},
                                   "Batas waktu telah lewat")
    return result


@register_service("tetapkan_predikat")
def tetapkan_predikat(run, data: dict, penilaian_id, predikat: str, alasan: str = "", angka_kredit=None) -> dict:
    """Change the predikat of a final penilaian (a decision that is final, e.g. on a keberatan) and derive
    its angka kredit again: by default for a periodic penilaian (the annual one earns none, as in
    ``status_penilaian``); ``angka_kredit`` true/false decides otherwise. Logged on the instance."""
    if predikat not in PREDIKAT:
        raise ValidationFailed({"predikat": f"harus salah satu dari {', '.join(PREDIKAT)}"})
    lock_row(run.session, Penilaian, as_id(penilaian_id) or 0)
    penilaian = get_penilaian(run.session, penilaian_id)
    if penilaian.status != "FINAL":
        raise Conflict(f"Penilaian {penilaian.periode.nama} {penilaian.periode.tahun} tidak final "
                       f"(status {penilaian.status}); predikatnya tidak dapat ditetapkan ulang")
    lama = penilaian.predikat
    penilaian.predikat = predikat
    if angka_kredit is None:
        angka_kredit = penilaian.periode.jenis != "TAHUNAN"
    if angka_kredit:
        kredit_penilaian(run.session, penilaian, run.actor_id)
    run.session.flush()
    store.log_event(run.session, run.instance, "predikat_ditetapkan", actor_id=run.actor_id, task=run.step,
                    reason=str(alasan or "")[:500], data={"penilaian_id": penilaian.id, "predikat_lama": lama,
                                                          "predikat": predikat})
    return {"predikat_lama": lama, "predikat": predikat, "predikat_label": PREDIKAT_LABEL[predikat]}


@register_service("catat_penilaian")
def catat_penilaian(run, data: dict, penilaian_id, judul: str, isi: str, urutan: int = 0) -> int:
    """Attach (or replace, by ``judul``) a titled section of text to a penilaian; the Dokumen Evaluasi
    prints every section after its own, in ``urutan`` order. Returns the section's id."""
    fields: dict[str, str] = {}
    judul = _text(judul, "judul", fields, required=True, limit=200)
    isi = _text(isi, "isi", fields, limit=20000)
    if fields:
        raise ValidationFailed(fields)
    penilaian = get_penilaian(run.session, penilaian_id)
    row = next((c for c in penilaian.catatan_proses if c.judul == judul), None)
    if row is None:
        row = PenilaianCatatan(judul=judul, created_at=clock.now())
        penilaian.catatan_proses.append(row)
    row.isi, row.urutan, row.instance_id, row.dibuat_oleh_id = isi, int(urutan or 0), run.instance.id, run.actor_id
    run.session.flush()
    return row.id


@register_choices("penilaian_final")
def pilihan_penilaian_final(session: Session, pegawai_id: int) -> list[tuple[int, str]]:
    """A start form's choice of the pegawai's final penilaian, newest period first."""
    rows = session.scalars(select(Penilaian).join(Periode).join(Skp, Skp.id == Penilaian.skp_id).where(
        Skp.pegawai_id == pegawai_id, Penilaian.status == "FINAL").order_by(Periode.periode_awal.desc(),
                                                                          Periode.jenis, Penilaian.id))
    return [(p.id, f"{p.periode.nama} {p.periode.tahun}: {PREDIKAT_LABEL.get(p.predikat, '-')}") for p in rows]


# ------------------------------------------------------------------ finalisation not before the period ends

def _tanggal(d: dt.date) -> str:
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def ditetapkan_mulai(periode: Periode) -> dt.date | None:
    """The date from which the period's penilaian may become final, while it is still to come (else None).

    A penilaian becomes final from the period's last day (the instansi's date) on; before that only
    when an admin kinerja allowed it for the period (``izinkan_finalisasi_awal``)."""
    if clock.today() >= periode.periode_akhir or periode.finalisasi_awal_alasan:
        return None
    return periode.periode_akhir


def periksa_finalisasi(periode: Periode) -> None:
    """Conflict (409) naming the date when a penilaian of the period may not become final yet."""
    if ditetapkan_mulai(periode) is None:
        return
    raise Conflict(f"Penilaian periode {periode.nama} {periode.tahun} belum dapat ditetapkan sebelum periode "
                   f"berakhir: dapat ditetapkan mulai {_tanggal(periode.periode_akhir)}. Admin kinerja dapat "
                   "mengizinkan penetapan lebih awal untuk periode ini dengan alasan.",
                   {"periode_id": periode.id, "periode_akhir": periode.periode_akhir.isoformat(),
                    "dapat_ditetapkan_mulai": periode.periode_akhir.isoformat()})


def izinkan_finalisasi_awal(session: Session, periode: Periode, alasan, actor_id: int) -> Periode:
    """An admin kinerja allows the period's penilaian to become final before periode_akhir (reason, who, when)."""
    fields: dict[str, str] = {}
    text = _text(alasan, "alasan", fields, required=True, limit=2000)
    if fields:
        raise ValidationFailed(fields, "Alasan penetapan sebelum akhir periode wajib diisi")
    if clock.today() >= periode.periode_akhir:
        raise Conflict(f"Periode {periode.nama} {periode.tahun} sudah sampai akhirnya "
                       f"({_tanggal(periode.periode_akhir)}); penilaiannya dapat ditetapkan tanpa izin")
    periode.finalisasi_awal_alasan = text
    periode.finalisasi_awal_oleh_id = actor_id
    periode.finalisasi_awal_at = clock.now()
    session.flush()
    return periode


def cabut_finalisasi_awal(session: Session, periode: Periode) -> Periode:
    """Withdraw the allowance: penilaian not final yet wait for periode_akhir again."""
    periode.finalisasi_awal_alasan = periode.finalisasi_awal_oleh_id = periode.finalisasi_awal_at = None
    session.flush()
    return periode


def _text(value, field: str, fields: dict, required: bool = False, limit: int = 4000) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        fields[field] = "harus berupa teks"
    elif required and not text:
        fields[field] = "wajib diisi"
    elif len(text) > limit:
        fields[field] = f"paling banyak {limit} karakter"
    return text


def _realisasi_rows(penilaian: Penilaian) -> dict[int, Realisasi]:
    rows = {r.rhk_id: r for r in penilaian.realisasi}
    for rhk in penilaian.skp.rhk:
        if rhk.id not in rows:
            rows[rhk.id] = Realisasi(rhk_id=rhk.id)
            penilaian.realisasi.append(rows[rhk.id])
    return rows


@register_form("realisasi")
def realisasi_form(run, task, data: dict) -> FormResult:
    """The pegawai's rencana aksi, realisasi and bukti dukung per RHK; ``kirim: false`` saves a draft."""
    penilaian = get_penilaian(run.session, task.data["penilaian_id"])
    rows = _realisasi_rows(penilaian)
    fields: dict[str, str] = {}
    for key, item in (data.get("rhk") or {}).items():
        if as_id(key) not in rows:
            fields[f"rhk.{key}"] = "bukan RHK dari SKP ini"
            continue
        row = rows[as_id(key)]
        row.rencana_aksi = _text(item.get("rencana_aksi"), f"rhk.{key}.rencana_aksi", fields)
        row.realisasi = _text(item.get("realisasi"), f"rhk.{key}.realisasi", fields, required=data.get("kirim"))
        url = _text(item.get("bukti_dukung_url"), f"rhk.{key}.bukti_dukung_url", fields, limit=1000)
        if url and not url.startswith(("https://", "http://")):
            fields[f"rhk.{key}.bukti_dukung_url"] = "harus tautan http(s)://"
        row.bukti_dukung_url = url
    if data.get("kirim"):
        for rhk_id, row in rows.items():
            if not row.realisasi and f"rhk.{rhk_id}.realisasi" not in fields:
                fields[f"rhk.{rhk_id}.realisasi"] = "wajib diisi sebelum dikirim"
    if fields:
        raise ValidationFailed(fields)
    run.session.flush()
    return FormResult({"kirim": True}) if data.get("kirim") else FormResult(complete=False)


@register_form("penilaian")
def penilaian_form(run, task, data: dict) -> FormResult:
    """The penilai's umpan balik per RHK and per BerAKHLAK value and the two ratings; completing it makes
    the penilaian final, so it is refused (409) before the period ends (``periksa_finalisasi``)."""
    penilaian = get_penilaian(run.session, task.data["penilaian_id"])
    periksa_finalisasi(penilaian.periode)
    rows = _realisasi_rows(penilaian)
    fields: dict[str, str] = {}
    umpan_balik = data.get("umpan_balik_rhk") or {}
    for key in umpan_balik:
        if as_id(key) not in rows:
            fields[f"umpan_balik_rhk.{key}"] = "bukan RHK dari SKP ini"
    for rhk_id, row in rows.items():
        row.umpan_balik = _text(umpan_balik.get(str(rhk_id)), f"umpan_balik_rhk.{rhk_id}", fields, required=True)
    perilaku = data.get("umpan_balik_perilaku") or {}
    existing = {u.kode: u for u in penilaian.umpan_balik_perilaku}
    for kode, teks in perilaku.items():
        if kode not in KODE:
            fields[f"umpan_balik_perilaku.{kode}"] = "bukan nilai dasar BerAKHLAK"
            continue
        row = existing.get(kode) or UmpanBalikPerilaku(kode=kode)
        row.teks = _text(teks, f"umpan_balik_perilaku.{kode}", fields)
        if kode not in existing:
            penilaian.umpan_balik_perilaku.append(row)
    if fields:
        raise ValidationFailed(fields)
    penilaian.rating_hasil_kerja = data["rating_hasil_kerja"]
    penilaian.rating_perilaku = data["rating_perilaku"]
    penilaian.catatan = (data.get("catatan") or "").strip()
    # an admin kinerja completing the PPK's task rates on the PPK's behalf: the PPK stays the penilai
    ppk = diwakili(run.session, penilaian.skp.pejabat_penilai)
    penilaian.penilai_id = penilaian.skp.pejabat_penilai_id if ppk is not None else run.actor_id
    penilaian.status = "DINILAI"
    run.session.flush()
    return FormResult({"rating_hasil_kerja": data["rating_hasil_kerja"], "rating_perilaku": data["rating_perilaku"],
                       "alasan_kurva": (data.get("alasan_kurva") or "").strip()})


@register_form("buka-kembali")
def buka_kembali_form(run, task, data: dict) -> FormResult:
    """An admin kinerja reopens a locked evaluation with a reason and a new batas pengisian."""
    penilaian = get_penilaian(run.session, task.data["penilaian_id"])
    fields: dict[str, str] = {}
    alasan = _text(data.get("alasan"), "alasan", fields, required=True)
    batas = _date(data.get("batas_pengisian"), "batas_pengisian", fields)
    if batas and batas < clock.today():
        fields["batas_pengisian"] = "batas baru tidak boleh sebelum hari ini"
    if fields:
        raise ValidationFailed(fields)
    penilaian.buka_kembali = [*penilaian.buka_kembali, {"at": clock.now().isoformat(), "oleh_id": run.actor_id,
                                                       "alasan": alasan, "batas": batas.isoformat()}]
    penilaian.terkunci_at = None
    return FormResult({"alasan": alasan, "batas_pengisian": batas.isoformat()})

