"""Tukin / TPP: the monthly predikat of every pegawai of a year as a year × month matrix (domain §1.3: many
instansi pay tunjangan kinerja or TPP by the monthly predikat), with the instansi's own percentage per predikat.

The predikat of a month is that of the pegawai's final ``BULANAN`` penilaian whose period starts in that month.
The percentages are the instansi's configuration (``tukin_persentase``; a predikat without one shows an empty
percentage); the admin kinerja sets them (``PUT /api/v1/tukin/persentase``). The export is written by the table
writer of process documents (``app.documents.tables``): NIP as text.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional

from sqlalchemy import ForeignKey, Integer, Numeric, String, extract, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.documents import tables
from core.db import Base
from core.errors import ValidationFailed

from .monitoring import subtree_ids, units_of_instansi
from .org import Jabatan, Pegawai, Unor
from .penilaian import PREDIKAT, PREDIKAT_LABEL, Penilaian, Periode
from .skp import Skp

BULAN = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


class TukinPersentase(Base):
    """The percentage of the tunjangan kinerja / TPP an instansi pays for a month with this predikat."""

    __tablename__ = "tukin_persentase"
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), primary_key=True)
    predikat: Mapped[str] = mapped_column(String(24), primary_key=True)
    persen: Mapped[Decimal] = mapped_column(Numeric(6, 2))


def persentase(session: Session, instansi_id: int) -> dict[str, Optional[float]]:
    """Percent per predikat (in the order of PREDIKAT), None where the instansi set none."""
    found = dict(session.execute(select(TukinPersentase.predikat, TukinPersentase.persen)
                                 .where(TukinPersentase.instansi_id == instansi_id)).all())
    return {p: float(found[p]) if p in found else None for p in PREDIKAT}


def ubah_persentase(session: Session, instansi_id: int, body) -> dict[str, Optional[float]]:
    """Set some percentages from ``{"persen": {"BAIK": 100, …}}`` (null removes one); 422 naming each bad one."""
    changes = body.get("persen") if isinstance(body, dict) else None
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed({"persen": "harus objek {predikat: persen}, mis. {\"BAIK\": 100}"})
    errors, values = {}, {}
    for predikat, raw in changes.items():
        path = f"persen.{predikat}"
        if predikat not in PREDIKAT:
            errors[path] = f"predikat tidak dikenal (predikat: {', '.join(PREDIKAT)})"
            continue
        if raw is None:
            values[predikat] = None
            continue
        try:
            value = Decimal(str(raw)) if not isinstance(raw, bool) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01")):
            errors[path] = "harus angka 0 sampai 100, paling banyak dua desimal"
        else:
            values[predikat] = value
    if errors:
        raise ValidationFailed(errors)
    for predikat, value in values.items():
        row = session.get(TukinPersentase, (instansi_id, predikat))
        if value is None and row is not None:
            session.delete(row)
        elif value is not None and row is None:
            session.add(TukinPersentase(instansi_id=instansi_id, predikat=predikat, persen=value))
        elif value is not None:
            row.persen = value
    session.flush()
    return persentase(session, instansi_id)


def matriks(session: Session, instansi_id: int, tahun: int, unor_id: int | None = None) -> dict:
    """One row per active pegawai of the instansi (or of one unit and the units under it): the predikat and
    the percentage of each month of the year."""
    units = units_of_instansi(session, instansi_id)
    if unor_id is not None and unor_id not in {u.id for u in units}:
        from core.errors import NotFound

        raise NotFound(f"Unit kerja {unor_id} tidak ditemukan")
    ids = subtree_ids(units, unor_id) if unor_id is not None else [u.id for u in units]
    pegawai = session.execute(
        select(Pegawai.id, Pegawai.nip, Pegawai.nama, Pegawai.gelar_depan, Pegawai.gelar_belakang, Jabatan.nama,
               Unor.nama).join(Jabatan, Jabatan.id == Pegawai.jabatan_id).join(Unor, Unor.id == Jabatan.unor_id)
        .where(Jabatan.unor_id.in_(ids), Pegawai.status_kepegawaian == "AKTIF").order_by(Unor.kode, Pegawai.nip)).all()
    monthly: dict[int, dict[int, str]] = {}
    for pegawai_id, bulan, predikat in session.execute(
            select(Skp.pegawai_id, extract("month", Periode.periode_awal), Penilaian.predikat)
            .join(Penilaian, Penilaian.skp_id == Skp.id).join(Periode, Periode.id == Penilaian.periode_id)
            .where(Periode.instansi_id == instansi_id, Periode.tahun == tahun, Periode.jenis == "BULANAN",
                   Penilaian.status == "FINAL", Skp.pegawai_id.in_([p[0] for p in pegawai]))
            .order_by(Penilaian.id)):
        monthly.setdefault(pegawai_id, {})[int(bulan)] = predikat
    persen = persentase(session, instansi_id)
    rows = []
    for pegawai_id, nip, nama, depan, belakang, jabatan, unit in pegawai:
        bulan = []
        for month in range(1, 13):
            predikat = monthly.get(pegawai_id, {}).get(month)
            bulan.append({"bulan": month, "predikat": predikat, "predikat_label": PREDIKAT_LABEL.get(predikat, ""),
                          "persen": persen.get(predikat) if predikat else None})
        rows.append({"nip": nip, "nama": f"{depan + ' ' if depan else ''}{nama}{', ' + belakang if belakang else ''}",
                     "jabatan": jabatan, "unit": unit, "bulan": bulan})
    return {"tahun": tahun, "persentase": persen, "pegawai": rows}


def _table(data: dict) -> tuple[list[str], list[list]]:
    headers = ["NIP", "Nama", "Jabatan", "Unit Kerja"]
    for name in BULAN:
        headers += [f"{name} predikat", f"{name} %"]
    rows = []
    for row in data["pegawai"]:
        values = [row["nip"], row["nama"], row["jabatan"], row["unit"]]
        for month in row["bulan"]:
            values += [month["predikat_label"], month["persen"] if month["persen"] is not None else ""]
        rows.append(values)
    return headers, rows


def to_csv(data: dict) -> bytes:
    return tables.csv_bytes(*_table(data))


def to_xlsx(data: dict) -> bytes:
    headers, rows = _table(data)
    return tables.xlsx_bytes(headers, rows, text={0}, sheet=f"Predikat {data['tahun']}",
                             title=f"Matriks predikat bulanan {data['tahun']} (Tukin/TPP)")
