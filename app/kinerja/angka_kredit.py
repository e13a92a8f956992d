"""Angka kredit (AK) of jabatan fungsional: conversion of the predikat kinerja (PerBKN 3/2023, domain §4.7).

AK (periodik) = jumlah bulan / 12 × persentase predikat × koefisien AK tahunan of the jenjang.
The percentages per predikat (``ak_persentase``) and the koefisien and AK kumulatif needed for
kenaikan pangkat (KP) and kenaikan jenjang (KJ) per jenjang (``ak_jenjang``) are reference data in
tables that an admin kinerja may change; ``seed_defaults`` fills in the regulation's values where a
row is missing and never overwrites a change. Each conversion is a row of the ledger ``angka_kredit``
that keeps the values it was computed with, so a later change of the reference data does not
rewrite history. AK is kept with 3 decimals (ROUND_HALF_UP) and printed with 2 (``format_ak``).

AK accumulates within the current jenjang: AK dasar (the AK at the start of the jenjang, e.g. from a
PAK Konversi) plus every conversion recorded in that jenjang. Nothing here commits: every function
works inside the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
from calendar import monthrange
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, lock_row
from core.errors import ValidationFailed
from workflows import clock

from .org import JF_JENJANG, Pegawai

PREDIKAT = ("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
LABEL_PREDIKAT = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                  "KURANG": "Kurang/Misconduct", "SANGAT_KURANG": "Sangat Kurang"}
LABEL_JENJANG = {"AHLI_PERTAMA": "Ahli Pertama", "AHLI_MUDA": "Ahli Muda", "AHLI_MADYA": "Ahli Madya",
                 "AHLI_UTAMA": "Ahli Utama", "PEMULA": "Pemula", "TERAMPIL": "Terampil", "MAHIR": "Mahir",
                 "PENYELIA": "Penyelia"}
KATEGORI = {"AHLI_PERTAMA": "KEAHLIAN", "AHLI_MUDA": "KEAHLIAN", "AHLI_MADYA": "KEAHLIAN", "AHLI_UTAMA": "KEAHLIAN",
            "PEMULA": "KETERAMPILAN", "TERAMPIL": "KETERAMPILAN", "MAHIR": "KETERAMPILAN",
            "PENYELIA": "KETERAMPILAN"}
LABEL_KATEGORI = {"KEAHLIAN": "Keahlian", "KETERAMPILAN": "Keterampilan"}
SUMBER = ("PENILAIAN", "AK_DASAR", "MANUAL")

# Defaults of PerBKN 3/2023 (domain §4.7); the tables hold the values in force.
DEFAULT_PERSENTASE = {"SANGAT_BAIK": Decimal("150"), "BAIK": Decimal("100"), "BUTUH_PERBAIKAN": Decimal("75"),
                      "KURANG": Decimal("50"), "SANGAT_KURANG": Decimal("25")}
# jf_jenjang: (koefisien per tahun, AKK kenaikan pangkat, AKK kenaikan jenjang or None at the top)
DEFAULT_JENJANG = {
    "AHLI_PERTAMA": (Decimal("12.5"), Decimal("50"), Decimal("100")),
    "AHLI_MUDA": (Decimal("25"), Decimal("100"), Decimal("200")),
    "AHLI_MADYA": (Decimal("37.5"), Decimal("150"), Decimal("450")),
    "AHLI_UTAMA": (Decimal("50"), Decimal("200"), None),
    "PEMULA": (Decimal("3.75"), Decimal("15"), Decimal("15")),
    "TERAMPIL": (Decimal("5"), Decimal("20"), Decimal("60")),
    "MAHIR": (Decimal("12.5"), Decimal("50"), Decimal("100")),
    "PENYELIA": (Decimal("25"), Decimal("100"), None),
}

# Predikat kinerja required for kenaikan pangkat (KP) and jenjang (KJ): (predikat minimal, jumlah tahun).
# KJ: minimal Baik in the last year (PerBKN 3/2023, domain §4.7 [C]); KP: the same by default, unconfirmed
# (domain §7) — both are rows of ``ak_syarat`` an admin kinerja changes (PUT /referensi/angka-kredit).
DEFAULT_SYARAT = {"KP": ("BAIK", 1), "KJ": ("BAIK", 1)}
# Requirements the system cannot check (recorded outside it): shown so nobody reads "Memenuhi" as final.
SYARAT_LUAR_SISTEM = {"KP": [], "KJ": [("UJI_KOMPETENSI", "Lulus uji kompetensi"),
                                       ("FORMASI", "Tersedia kebutuhan (formasi) jabatan pada jenjang yang dituju")]}
LABEL_LUAR_SISTEM = {"UJI_KOMPETENSI": "uji kompetensi", "FORMASI": "formasi"}
LABEL_KENAIKAN = {"KP": "kenaikan pangkat", "KJ": "kenaikan jenjang"}

AK_PLACES = Decimal("0.001")  # stored
PRINT_PLACES = Decimal("0.01")  # printed
NOL = Decimal("0")
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]


class AkPersentase(Base):
    """Percentage of the koefisien earned per predikat kinerja (Sangat Baik 150 … Sangat Kurang 25)."""

    __tablename__ = "ak_persentase"
    predikat: Mapped[str] = mapped_column(String(16), primary_key=True)
    persen: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class AkJenjang(Base):
    """Koefisien AK per tahun of a JF jenjang and the AK kumulatif needed for KP and KJ (None: no higher jenjang)."""

    __tablename__ = "ak_jenjang"
    jf_jenjang: Mapped[str] = mapped_column(String(16), primary_key=True)
    kategori: Mapped[str] = mapped_column(String(16))  # KEAHLIAN | KETERAMPILAN
    koefisien: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    akk_kp: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    akk_kj: Mapped[Optional[Decimal]] = mapped_column(Numeric(8, 3))


class AkSyarat(Base):
    """The predikat kinerja a kenaikan pangkat (KP) or jenjang (KJ) requires: at least ``predikat_minimal``
    in the annual evaluation of each of the last ``jumlah_tahun`` years (0: no predikat requirement)."""

    __tablename__ = "ak_syarat"
    jenis: Mapped[str] = mapped_column(String(4), primary_key=True)  # KP | KJ
    predikat_minimal: Mapped[str] = mapped_column(String(16))
    jumlah_tahun: Mapped[int] = mapped_column(Integer)


class AngkaKredit(Base):
    """One entry of a pegawai's AK ledger: a converted penilaian, the AK dasar of a jenjang, or a manual entry.

    ``persentase`` and ``koefisien`` are the values the AK was computed with (None for AK dasar).
    ``penilaian_id`` names the penilaian a conversion comes from (one entry per penilaian).
    """

    __tablename__ = "angka_kredit"
    id: Mapped[int] = mapped_column(primary_key=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    penilaian_id: Mapped[Optional[int]] = mapped_column(Integer, unique=True)
    sumber: Mapped[str] = mapped_column(String(16))  # PENILAIAN | AK_DASAR | MANUAL
    periode_awal: Mapped[dt.date] = mapped_column(Date)
    periode_akhir: Mapped[dt.date] = mapped_column(Date)
    jumlah_bulan: Mapped[Optional[int]] = mapped_column(Integer)
    jf_jenjang: Mapped[str] = mapped_column(String(16))
    predikat: Mapped[Optional[str]] = mapped_column(String(16))
    persentase: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    koefisien: Mapped[Optional[Decimal]] = mapped_column(Numeric(8, 3))
    ak: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    keterangan: Mapped[str] = mapped_column(Text, default="")
    dibuat_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    pegawai: Mapped[Pegawai] = relationship(foreign_keys=[pegawai_id])
    dibuat_oleh: Mapped[Optional[Pegawai]] = relationship(foreign_keys=[dibuat_oleh_id])
    bulan: Mapped[list["AngkaKreditBulan"]] = relationship(order_by="AngkaKreditBulan.bulan",
                                                           cascade="all, delete-orphan")


class AngkaKreditBulan(Base):
    """A month credited by a conversion: its primary key holds each month once per pegawai, so no two
    penilaian (a BULANAN and a TRIWULANAN period, two SKP of a mutasi) credit the same month."""

    __tablename__ = "angka_kredit_bulan"
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), primary_key=True)
    bulan: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the first day of the month
    angka_kredit_id: Mapped[int] = mapped_column(ForeignKey("angka_kredit.id", ondelete="CASCADE"), index=True)


# ---------------------------------------------------------------- reference data

def seed_defaults(session: Session) -> int:
    """Insert the default percentages and jenjang rows that are missing; returns how many were added.

    Idempotent and safe when several processes run it at once (INSERT … ON CONFLICT DO NOTHING);
    rows an admin changed are left as they are.
    """
    rows = [(AkPersentase, {"predikat": p, "persen": v}) for p, v in DEFAULT_PERSENTASE.items()]
    rows += [(AkJenjang, {"jf_jenjang": j, "kategori": KATEGORI[j], "koefisien": k, "akk_kp": kp, "akk_kj": kj})
             for j, (k, kp, kj) in DEFAULT_JENJANG.items()]
    rows += [(AkSyarat, {"jenis": j, "predikat_minimal": p, "jumlah_tahun": n}) for j, (p, n) in DEFAULT_SYARAT.items()]
    dialect = session.get_bind().dialect.name
    added = 0
    for model, values in rows:
        if dialect in ("postgresql", "sqlite"):
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            key = next(iter(model.__table__.primary_key.columns))
            inserted = session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(key))
            added += len(inserted.all())
        elif session.get(model, next(iter(values.values()))) is None:
            session.add(model(**values))
            added += 1
    session.flush()
    return added


def persentase_map(session: Session) -> dict[str, Decimal]:
    """Percent per predikat, in the order of PREDIKAT."""
    found = {r.predikat: r.persen for r in session.scalars(select(AkPersentase))}
    return {p: found[p] for p in PREDIKAT if p in found}


def jenjang_map(session: Session) -> dict[str, AkJenjang]:
    """Reference row per jenjang, in the order of JF_JENJANG."""
    found = {r.jf_jenjang: r for r in session.scalars(select(AkJenjang))}
    return {j: found[j] for j in JF_JENJANG if j in found}


def syarat_map(session: Session) -> dict[str, AkSyarat]:
    """The predikat requirement of KP and KJ (a missing row: the default of DEFAULT_SYARAT)."""
    found = {r.jenis: r for r in session.scalars(select(AkSyarat))}
    return {j: found.get(j) or AkSyarat(jenis=j, predikat_minimal=p, jumlah_tahun=n)
            for j, (p, n) in DEFAULT_SYARAT.items()}


def referensi(session: Session) -> dict:
    """The reference data as plain values (the shape of GET/PUT /referensi/angka-kredit)."""
    return {
        "persentase": {p: as_number(v) for p, v in persentase_map(session).items()},
        "koefisien": {j: {"kategori": r.kategori, "koefisien": as_number(r.koefisien), "akk_kp": as_number(r.akk_kp),
                          "akk_kj": as_number(r.akk_kj)} for j, r in jenjang_map(session).items()},
        "syarat": {j: {"predikat_minimal": r.predikat_minimal, "jumlah_tahun": r.jumlah_tahun}
                   for j, r in syarat_map(session).items()},
    }


def _syarat_changes(body: dict, errors: dict) -> dict[str, dict]:
    """``{"KJ": {"predikat_minimal": "BAIK", "jumlah_tahun": 1}}`` checked; errors named per field."""
    syarat = body.get("syarat") or {}
    if not isinstance(syarat, dict):
        errors["syarat"] = "harus berupa objek {KP|KJ: {predikat_minimal, jumlah_tahun}}"
        return {}
    changes = {}
    for jenis, item in syarat.items():
        path = f"syarat.{jenis}"
        if jenis not in DEFAULT_SYARAT:
            errors[path] = "harus KP (kenaikan pangkat) atau KJ (kenaikan jenjang)"
            continue
        if not isinstance(item, dict) or not item:
            errors[path] = "harus berupa objek dengan predikat_minimal dan/atau jumlah_tahun"
            continue
        change = {}
        for field, value in item.items():
            if field == "predikat_minimal":
                if value not in PREDIKAT:
                    errors[f"{path}.{field}"] = f"predikat tidak dikenal; yang boleh: {', '.join(PREDIKAT)}"
                else:
                    change[field] = value
            elif field == "jumlah_tahun":
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
                    errors[f"{path}.{field}"] = "harus bilangan bulat 0 sampai 5 (0: tanpa syarat predikat)"
                else:
                    change[field] = value
            else:
                errors[f"{path}.{field}"] = "kolom tidak dikenal; yang boleh: predikat_minimal, jumlah_tahun"
        changes[jenis] = change
    return changes


def _decimal(value, path: str, errors: dict, places: int, maximum: Decimal, positive: bool = False):
    """A JSON number as Decimal, or None after naming the problem in errors."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        errors[path] = "harus berupa angka"
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[path] = "harus berupa angka"
        return None
    if not number.is_finite():
        errors[path] = "harus berupa angka"
    elif number < 0:
        errors[path] = "tidak boleh negatif"
    elif positive and number == 0:
        errors[path] = "harus lebih dari 0"
    elif number > maximum:
        errors[path] = f"paling besar {format_angka(maximum)}"
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors[path] = f"paling banyak {places} angka desimal"
    else:
        return number
    return None


def ubah_referensi(session: Session, body: dict) -> dict:
    """Apply a (partial) change of the reference data; ValidationFailed names every bad field, nothing changes.

    ``body = {"persentase": {"BAIK": 100, …}, "koefisien": {"AHLI_PERTAMA": {"koefisien": 12.5,
    "akk_kp": 50, "akk_kj": 100}, …}}``; ``akk_kj`` may be null (no higher jenjang).
    """
    errors: dict[str, str] = {}
    unknown = [k for k in body if k not in ("persentase", "koefisien", "syarat")]
    for key in unknown:
        errors[key] = "kolom tidak dikenal; yang boleh: persentase, koefisien, syarat"
    if not body.get("persentase") and not body.get("koefisien") and not body.get("syarat") and not unknown:
        errors["persentase"] = "isi persentase, koefisien dan/atau syarat yang diubah"
    syarat_changes = _syarat_changes(body, errors)
    persen_changes: dict[str, Decimal] = {}
    persentase = body.get("persentase") or {}
    if not isinstance(persentase, dict):
        errors["persentase"] = "harus berupa objek {predikat: persen}"
        persentase = {}
    for predikat, value in persentase.items():
        path = f"persentase.{predikat}"
        if predikat not in PREDIKAT:
            errors[path] = f"predikat tidak dikenal; yang boleh: {', '.join(PREDIKAT)}"
            continue
        number = _decimal(value, path, errors, 2, Decimal("1000"))
        if number is not None:
            persen_changes[predikat] = number

    jenjang_changes: dict[str, dict] = {}
    koefisien = body.get("koefisien") or {}
    if not isinstance(koefisien, dict):
        errors["koefisien"] = "harus berupa objek {jenjang: {koefisien, akk_kp, akk_kj}}"
        koefisien = {}
    existing = jenjang_map(session)
    for jenjang, item in koefisien.items():
        path = f"koefisien.{jenjang}"
        if jenjang not in JF_JENJANG:
            errors[path] = f"jenjang tidak dikenal; yang boleh: {', '.join(JF_JENJANG)}"
            continue
        if not isinstance(item, dict) or not item:
            errors[path] = "harus berupa objek dengan koefisien, akk_kp dan/atau akk_kj"
            continue
        change = {}
        for field, value in item.items():
            fpath = f"{path}.{field}"
            if field not in ("koefisien", "akk_kp", "akk_kj"):
                errors[fpath] = "kolom tidak dikenal; yang boleh: koefisien, akk_kp, akk_kj"
                continue
            if value is None and field == "akk_kj":
                change[field] = None
                continue
            if value is None:
                errors[fpath] = "wajib diisi"
                continue
            number = _decimal(value, fpath, errors, 3, Decimal("99999"), positive=(field == "koefisien"))
            if number is not None:
                change[field] = number
        if jenjang not in existing:
            for field in ("koefisien", "akk_kp"):
                if field not in item:
                    errors[f"{path}.{field}"] = "wajib diisi (jenjang ini belum ada di tabel referensi)"
        jenjang_changes[jenjang] = change
    if errors:
        raise ValidationFailed(errors, "Data referensi angka kredit tidak valid; tidak ada yang diubah")

    for predikat, persen in persen_changes.items():
        row = session.get(AkPersentase, predikat)
        if row is None:
            session.add(AkPersentase(predikat=predikat, persen=persen))
        else:
            row.persen = persen
    for jenjang, change in jenjang_changes.items():
        row = existing.get(jenjang)
        if row is None:
            row = AkJenjang(jf_jenjang=jenjang, kategori=KATEGORI[jenjang], akk_kj=None)
            session.add(row)
        for field, value in change.items():
            setattr(row, field, value)
    for jenis, change in syarat_changes.items():
        row = session.get(AkSyarat, jenis)
        if row is None:
            default = DEFAULT_SYARAT[jenis]
            row = AkSyarat(jenis=jenis, predikat_minimal=default[0], jumlah_tahun=default[1])
            session.add(row)
        for field, value in change.items():
            setattr(row, field, value)
    session.flush()
    return referensi(session)


# ---------------------------------------------------------------- computation and printing

def hitung_ak(session: Session, jf_jenjang: str, predikat: str, jumlah_bulan: int) -> Decimal:
    """AK for jumlah_bulan months with a predikat in a jenjang, with 3 decimals (ROUND_HALF_UP).

    Ahli Pertama, Sangat Baik, 12 months → 18.750; Ahli Pertama, Baik, 2 months → 2.083.
    """
    return _hitung(session, jf_jenjang, predikat, jumlah_bulan)[0]


def _hitung(session: Session, jf_jenjang, predikat, jumlah_bulan) -> tuple[Decimal, Decimal, Decimal]:
    """(ak, persen, koefisien); ValidationFailed naming jf_jenjang, predikat or jumlah_bulan."""
    errors = {}
    jenjang_row = session.get(AkJenjang, jf_jenjang) if isinstance(jf_jenjang, str) else None
    if jenjang_row is None:
        errors["jf_jenjang"] = f"jenjang jabatan fungsional tidak dikenal: {jf_jenjang!r}"
    persen_row = session.get(AkPersentase, predikat) if isinstance(predikat, str) else None
    if persen_row is None:
        errors["predikat"] = f"predikat kinerja tidak dikenal: {predikat!r}"
    if isinstance(jumlah_bulan, bool) or not isinstance(jumlah_bulan, int) or not 1 <= jumlah_bulan <= 12:
        errors["jumlah_bulan"] = f"harus bilangan bulat 1 sampai 12, bukan {jumlah_bulan!r}"
    if errors:
        raise ValidationFailed(errors, "Angka kredit tidak dapat dihitung")
    persen, koefisien = Decimal(persen_row.persen), Decimal(jenjang_row.koefisien)
    return konversi(koefisien, persen, jumlah_bulan), persen, koefisien


def konversi(koefisien: Decimal, persen: Decimal, jumlah_bulan: int) -> Decimal:
    """jumlah_bulan/12 × persen/100 × koefisien, computed exactly and rounded once to 3 decimals."""
    exact = Decimal(jumlah_bulan) * Decimal(persen) * Decimal(koefisien) / Decimal(1200)
    return exact.quantize(AK_PLACES, rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return ".".join(out)


def format_ak(value) -> str:
    """AK printed Indonesian style with 2 decimals: 18.75 → "18,75", 2.083 → "2,08", 1234.5 → "1.234,50"."""
    if value is None:
        return "-"
    number = Decimal(str(value)).quantize(PRINT_PLACES, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, frac = f"{abs(number):.2f}".split(".")
    return f"{sign}{_group(whole)},{frac}"


def format_angka(value) -> str:
    """A koefisien or percent without trailing zeros: 12.500 → "12,5", 150.00 → "150", 3.75 → "3,75"."""
    if value is None:
        return "-"
    number = Decimal(str(value))
    text = f"{number.normalize():f}" if number != number.to_integral() else f"{number.to_integral():f}"
    whole, _, frac = text.partition(".")
    return _group(whole) + (f",{frac}" if frac else "")


def as_number(value):
    """A Decimal as a JSON number: int when whole, float otherwise; None stays None."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def jumlah_bulan(periode_awal: dt.date, periode_akhir: dt.date) -> int:
    """Whole calendar months inside the period: 1 Jan–28 Feb → 2, 1 Jan–31 Dec → 12, 1–31 Mar → 1.

    A month counts only when the period covers it from its first to its last day, so two
    periods split in the middle of a month never count that month twice.
    """
    return len(bulan_penuh(periode_awal, periode_akhir))


def bulan_penuh(periode_awal: dt.date, periode_akhir: dt.date) -> list[dt.date]:
    """The first days of the whole calendar months inside the period (see ``jumlah_bulan``)."""
    if periode_akhir < periode_awal:
        raise ValidationFailed({"periode_akhir": "tidak boleh sebelum periode_awal"})
    start = periode_awal.year * 12 + periode_awal.month - 1
    if periode_awal.day != 1:
        start += 1
    end = periode_akhir.year * 12 + periode_akhir.month - 1
    if periode_akhir.day != monthrange(periode_akhir.year, periode_akhir.month)[1]:
        end -= 1
    return [dt.date(m // 12, m % 12 + 1, 1) for m in range(start, end + 1)]


def bulan_menunggu(periode_awal: dt.date, periode_akhir: dt.date, hari_ini: dt.date | None = None) -> list[dt.date]:
    """The whole months of the period that have not ended yet (the instansi's date, ``clock.today``): a
    conversion credits only months that ended, so a penilaian final before its period's end waits for them."""
    hari_ini = hari_ini or clock.today()
    return [m for m in bulan_penuh(periode_awal, periode_akhir)
            if dt.date(m.year, m.month, monthrange(m.year, m.month)[1]) >= hari_ini]


def label_periode(periode_awal: dt.date, periode_akhir: dt.date) -> str:
    """'Januari – Desember 2023', '1 – 15 Juli 2024', 'Desember 2023 – Februari 2024'."""
    awal_full = periode_awal.day == 1
    akhir_full = periode_akhir.day == monthrange(periode_akhir.year, periode_akhir.month)[1]
    if not (awal_full and akhir_full):
        return (f"{periode_awal.day} {BULAN[periode_awal.month - 1]} {periode_awal.year} – "
                f"{periode_akhir.day} {BULAN[periode_akhir.month - 1]} {periode_akhir.year}")
    if periode_awal.year != periode_akhir.year:
        return (f"{BULAN[periode_awal.month - 1]} {periode_awal.year} – "
                f"{BULAN[periode_akhir.month - 1]} {periode_akhir.year}")
    if periode_awal.month == periode_akhir.month:
        return f"{BULAN[periode_awal.month - 1]} {periode_awal.year}"
    return f"{BULAN[periode_awal.month - 1]} – {BULAN[periode_akhir.month - 1]} {periode_awal.year}"


# ---------------------------------------------------------------- ledger

def jenjang_of(pegawai: Pegawai) -> Optional[str]:
    """The pegawai's current JF jenjang, or None when the jabatan is not fungsional."""
    jabatan = pegawai.jabatan
    if jabatan is None or jabatan.jenis_jabatan != "FUNGSIONAL" or not jabatan.jf_jenjang:
        return None
    return jabatan.jf_jenjang


def catat_dari_penilaian(session: Session, pegawai: Pegawai, penilaian_id: int, periode_awal: dt.date,
                         periode_akhir: dt.date, predikat: str, actor_id: int | None = None) -> Optional[AngkaKredit]:
    """Convert the predikat of a penilaian into AK and record it (once per penilaian: a repeat updates the row).

    Only months that have ended are credited (``bulan_menunggu`` names the others; they are credited by a
    later call once they end). Each month is credited once per pegawai: months another entry already credited (an overlapping
    period of another jenis, the other SKP of a mutasi) are skipped and named in the keterangan.
    Returns None, and records nothing, for a pegawai whose jabatan is not fungsional or has no
    jenjang, and for a period that leaves no whole month to credit (a row recorded earlier for the same
    penilaian is removed then). The jenjang, percentage and koefisien in force now are stored with the row.
    """
    lock_row(session, Pegawai, pegawai.id)  # one conversion of the pegawai at a time sees the months credited
    existing = session.scalar(select(AngkaKredit).where(AngkaKredit.penilaian_id == penilaian_id))
    jenjang = jenjang_of(pegawai)
    menunggu = bulan_menunggu(periode_awal, periode_akhir)
    months = [m for m in bulan_penuh(periode_awal, periode_akhir) if m not in menunggu]
    credited = set(session.scalars(select(AngkaKreditBulan.bulan).where(
        AngkaKreditBulan.pegawai_id == pegawai.id,
        AngkaKreditBulan.angka_kredit_id != (existing.id if existing is not None else 0))))
    free = [m for m in months if m not in credited]
    bulan = len(free)
    if jenjang is None or bulan == 0:
        if existing is not None:
            session.delete(existing)
            session.flush()
        return None
    if bulan > 12:
        raise ValidationFailed({"periode_akhir": "periode penilaian paling lama 12 bulan"})
    ak, persen, koefisien = _hitung(session, jenjang, predikat, bulan)
    row = existing or AngkaKredit(penilaian_id=penilaian_id, sumber="PENILAIAN", created_at=clock.now())
    row.pegawai_id = pegawai.id
    row.periode_awal, row.periode_akhir, row.jumlah_bulan = periode_awal, periode_akhir, bulan
    row.jf_jenjang, row.predikat, row.persentase, row.koefisien, row.ak = jenjang, predikat, persen, koefisien, ak
    row.keterangan = (f"Konversi predikat {LABEL_PREDIKAT[predikat]} {label_periode(periode_awal, periode_akhir)}: "
                      f"{bulan}/12 × {format_angka(persen)}% × {format_angka(koefisien)} = {format_ak(ak)}")
    if len(free) < len(months):
        row.keterangan += ("; bulan " + ", ".join(f"{BULAN[m.month - 1]} {m.year}" for m in months if m in credited)
                           + " sudah dikreditkan oleh penilaian lain")
    if menunggu:
        row.keterangan += ("; bulan " + ", ".join(f"{BULAN[m.month - 1]} {m.year}" for m in menunggu)
                           + " dikreditkan setelah bulan itu berakhir")
    kept = {b.bulan: b for b in row.bulan}
    row.bulan = [kept.get(m) or AngkaKreditBulan(pegawai_id=pegawai.id, bulan=m) for m in free]
    row.dibuat_oleh_id = actor_id or row.dibuat_oleh_id
    if existing is None:
        session.add(row)
    session.flush()
    return row


def for_penilaian(session: Session, penilaian_id: int) -> Optional[AngkaKredit]:
    """The ledger row converted from a penilaian, if any."""
    return session.scalar(select(AngkaKredit).where(AngkaKredit.penilaian_id == penilaian_id))


def ak_dasar_row(session: Session, pegawai: Pegawai, jf_jenjang: str) -> Optional[AngkaKredit]:
    return session.scalar(select(AngkaKredit).where(
        AngkaKredit.pegawai_id == pegawai.id, AngkaKredit.jf_jenjang == jf_jenjang,
        AngkaKredit.sumber == "AK_DASAR").order_by(AngkaKredit.id).limit(1))


def catat_ak_dasar(session: Session, pegawai: Pegawai, jf_jenjang: str | None, ak, keterangan: str,
                   actor_id: int | None, tanggal: dt.date | None = None) -> AngkaKredit:
    """Record the AK dasar of a jenjang (e.g. from a PAK Konversi); a second call for the jenjang replaces it.

    jf_jenjang None means the pegawai's current jenjang. ValidationFailed names jf_jenjang, ak or keterangan.
    """
    errors: dict[str, str] = {}
    jenjang = jf_jenjang if jf_jenjang is not None else jenjang_of(pegawai)
    if jenjang is None:
        errors["jf_jenjang"] = "wajib diisi: pegawai ini tidak sedang menduduki jabatan fungsional"
    elif jenjang not in JF_JENJANG or session.get(AkJenjang, jenjang) is None:
        errors["jf_jenjang"] = f"jenjang jabatan fungsional tidak dikenal: {jenjang!r}"
    number = _decimal(ak, "ak", errors, 3, Decimal("9999999"))
    if not isinstance(keterangan, str) or not keterangan.strip():
        errors["keterangan"] = "wajib diisi, mis. nomor dan tanggal PAK"
    if errors:
        raise ValidationFailed(errors, "AK dasar tidak dapat dicatat")
    tanggal = tanggal or clock.today()
    row = ak_dasar_row(session, pegawai, jenjang)
    if row is None:
        row = AngkaKredit(pegawai_id=pegawai.id, sumber="AK_DASAR", jf_jenjang=jenjang, created_at=clock.now())
        session.add(row)
    row.periode_awal = row.periode_akhir = tanggal
    row.jumlah_bulan, row.predikat, row.persentase, row.koefisien = None, None, None, None
    row.ak = number.quantize(AK_PLACES)
    row.keterangan = keterangan.strip()
    row.dibuat_oleh_id = actor_id
    session.flush()
    return row


def riwayat(session: Session, pegawai: Pegawai, jf_jenjang: str | None = None) -> list[AngkaKredit]:
    """Ledger rows of a pegawai (of one jenjang when given): AK dasar first, then by period."""
    query = select(AngkaKredit).where(AngkaKredit.pegawai_id == pegawai.id)
    if jf_jenjang is not None:
        query = query.where(AngkaKredit.jf_jenjang == jf_jenjang)
    rows = session.scalars(query).all()
    return sorted(rows, key=lambda r: (r.sumber != "AK_DASAR", r.periode_awal, r.periode_akhir, r.id))


def syarat_kenaikan(jenis: str, kumulatif: Decimal, akk: Decimal | None, syarat: AkSyarat,
                    tahunan: dict[int, str]) -> dict:
    """Each requirement of a KP or KJ on its own and what they say together.

    ``status``: TIDAK_ADA (no higher pangkat/jenjang), BELUM_MEMENUHI (a requirement the system checks is
    not met), MEMENUHI_SYARAT_AK (AK met, the predikat not known yet or not required) or
    MEMENUHI_SYARAT_AK_DAN_PREDIKAT. Requirements outside the system (uji kompetensi, formasi) are listed
    with status DI_LUAR_SISTEM and never counted as met. ``memenuhi``: every requirement the system checks
    is known and met."""
    nama = LABEL_KENAIKAN[jenis]
    if akk is None:
        return {"status": "TIDAK_ADA", "memenuhi": False, "memenuhi_ak": False,
                "label": f"Tidak ada {nama} yang lebih tinggi", "syarat": []}
    ak_ok = kumulatif >= akk
    items = [{"kode": "ANGKA_KREDIT", "syarat": f"Angka kredit kumulatif paling sedikit {format_ak(akk)}",
              "status": "TERPENUHI" if ak_ok else "BELUM_TERPENUHI",
              "keterangan": f"{format_ak(kumulatif)} dari {format_ak(akk)}"}]
    predikat_status = None
    if syarat.jumlah_tahun > 0:
        minimal, n = syarat.predikat_minimal, syarat.jumlah_tahun
        years = list(tahunan.items())[:n]
        kurang = [(t, p) for t, p in years if PREDIKAT.index(p) > PREDIKAT.index(minimal)]
        if kurang:
            predikat_status = "BELUM_TERPENUHI"
        elif len(years) < n:
            predikat_status = "BELUM_DIKETAHUI"
        else:
            predikat_status = "TERPENUHI"
        shown = "; ".join(f"{t}: {LABEL_PREDIKAT[p]}" for t, p in years) or "belum ada penilaian tahunan yang final"
        if predikat_status == "BELUM_DIKETAHUI" and years:
            shown += f" (baru {len(years)} dari {n} tahun)"
        items.append({"kode": "PREDIKAT", "status": predikat_status, "keterangan": shown,
                      "syarat": f"Predikat kinerja tahunan paling rendah {LABEL_PREDIKAT[minimal]} "
                                f"dalam {n} tahun terakhir"})
    items += [{"kode": kode, "syarat": teks, "status": "DI_LUAR_SISTEM",
               "keterangan": "diperiksa di luar sistem ini"} for kode, teks in SYARAT_LUAR_SISTEM[jenis]]
    luar = " dan ".join(LABEL_LUAR_SISTEM[kode] for kode, _ in SYARAT_LUAR_SISTEM[jenis])
    if not ak_ok or predikat_status == "BELUM_TERPENUHI":
        status = "BELUM_MEMENUHI"
        belum = [i["syarat"].lower() for i in items if i["status"] == "BELUM_TERPENUHI"]
        label = "Belum memenuhi: " + "; ".join(belum)
    elif predikat_status == "TERPENUHI":
        status, label = "MEMENUHI_SYARAT_AK_DAN_PREDIKAT", "Memenuhi syarat AK dan predikat kinerja"
    else:
        status, label = "MEMENUHI_SYARAT_AK", "Memenuhi syarat AK"
        if predikat_status == "BELUM_DIKETAHUI":
            label += "; predikat kinerja tahunan belum lengkap"
    if status != "BELUM_MEMENUHI" and luar:
        label += f"; {luar} diperiksa di luar sistem"
    return {"status": status, "label": label, "memenuhi_ak": ak_ok,
            "memenuhi": ak_ok and predikat_status in (None, "TERPENUHI"), "syarat": items}


def row_to_json(row: AngkaKredit) -> dict:
    return {
        "id": row.id, "sumber": row.sumber, "penilaian_id": row.penilaian_id,
        "periode_awal": row.periode_awal.isoformat(), "periode_akhir": row.periode_akhir.isoformat(),
        "periode": label_periode(row.periode_awal, row.periode_akhir) if row.sumber != "AK_DASAR" else None,
        "jumlah_bulan": row.jumlah_bulan, "jf_jenjang": row.jf_jenjang, "predikat": row.predikat,
        "persentase": as_number(row.persentase), "koefisien": as_number(row.koefisien),
        "ak": as_number(Decimal(row.ak).quantize(AK_PLACES)), "ak_teks": format_ak(row.ak),
        "keterangan": row.keterangan or "",
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
