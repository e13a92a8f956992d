"""Where a pegawai in a jabatan fungsional stands toward kenaikan pangkat (KP) and jenjang (KJ):
the AK ledger of the current jenjang (``angka_kredit``) together with the predikat of the final
annual evaluations (``penilaian``), each requirement on its own (``angka_kredit.syarat_kenaikan``).

It reads both, so it sits above them: a penilaian credits the ledger, the ledger knows nothing of
penilaian. Nothing here writes.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .angka_kredit import (AK_PLACES, KATEGORI, LABEL_JENJANG, NOL, PREDIKAT, AkJenjang, as_number, format_ak,
                           jenjang_of, riwayat, row_to_json, syarat_kenaikan, syarat_map)
from .org import Pegawai
from .penilaian import Penilaian, Periode
from .skp import Skp


def predikat_tahunan(session: Session, pegawai: Pegawai) -> dict[int, str]:
    """The predikat of the pegawai's final annual evaluations per year, newest first (the lower one when
    a mutasi gave the year two SKP)."""
    rows = session.execute(select(Periode.tahun, Penilaian.predikat).join(Periode, Periode.id == Penilaian.periode_id)
                           .join(Skp, Skp.id == Penilaian.skp_id)
                           .where(Skp.pegawai_id == pegawai.id, Periode.jenis == "TAHUNAN",
                                  Penilaian.status == "FINAL", Penilaian.predikat.is_not(None)))
    out: dict[int, str] = {}
    for tahun, predikat in rows:
        if predikat in PREDIKAT and (tahun not in out or PREDIKAT.index(predikat) > PREDIKAT.index(out[tahun])):
            out[tahun] = predikat
    return dict(sorted(out.items(), reverse=True))


def ringkasan(session: Session, pegawai: Pegawai) -> dict:
    """Where the pegawai stands in the current jenjang.

    Keys: ``jf_jenjang`` (None when not fungsional), ``kategori``, ``koefisien``, ``items`` (ledger rows of
    the jenjang), ``ak_dasar``, ``ak_konversi`` (Σ of the other rows), ``ak_kumulatif``, ``akk_kp``,
    ``akk_kj`` (None at the top jenjang), ``kekurangan_kp``, ``kekurangan_kj`` (never negative; None
    without an AKK), ``kenaikan_kp`` and ``kenaikan_kj`` (each requirement on its own, ``syarat_kenaikan``),
    ``memenuhi_kp``/``memenuhi_kj`` (every requirement the system checks is met: AK and predikat) and
    ``memenuhi_ak_kp``/``memenuhi_ak_kj`` (the AK alone). Amounts are Decimal.
    """
    jenjang = jenjang_of(pegawai)
    ref = session.get(AkJenjang, jenjang) if jenjang else None
    items = riwayat(session, pegawai, jenjang) if jenjang else []
    ak_dasar = sum((Decimal(r.ak) for r in items if r.sumber == "AK_DASAR"), NOL)
    ak_konversi = sum((Decimal(r.ak) for r in items if r.sumber != "AK_DASAR"), NOL)
    kumulatif = ak_dasar + ak_konversi
    akk_kp = Decimal(ref.akk_kp) if ref is not None and ref.akk_kp is not None else None
    akk_kj = Decimal(ref.akk_kj) if ref is not None and ref.akk_kj is not None else None
    kurang = lambda akk: None if akk is None else max(NOL, akk - kumulatif).quantize(AK_PLACES)  # noqa: E731
    out = {
        "jf_jenjang": jenjang,
        "kategori": ref.kategori if ref is not None else (KATEGORI.get(jenjang) if jenjang else None),
        "koefisien": Decimal(ref.koefisien) if ref is not None else None,
        "items": items,
        "ak_dasar": ak_dasar.quantize(AK_PLACES),
        "ak_konversi": ak_konversi.quantize(AK_PLACES),
        "ak_kumulatif": kumulatif.quantize(AK_PLACES),
        "akk_kp": akk_kp,
        "akk_kj": akk_kj,
        "kekurangan_kp": kurang(akk_kp),
        "kekurangan_kj": kurang(akk_kj),
    }
    syarat = syarat_map(session)
    tahunan = predikat_tahunan(session, pegawai) if jenjang else {}
    for jenis, akk in (("KP", akk_kp), ("KJ", akk_kj)):
        kenaikan = syarat_kenaikan(jenis, kumulatif, akk, syarat[jenis], tahunan)
        out[f"kenaikan_{jenis.lower()}"] = kenaikan
        out[f"memenuhi_{jenis.lower()}"] = kenaikan["memenuhi"]  # every requirement the system checks
        out[f"memenuhi_ak_{jenis.lower()}"] = kenaikan["memenuhi_ak"]
    return out


def ringkasan_json(session: Session, pegawai: Pegawai) -> dict:
    """ringkasan() with the pegawai's identity, as JSON values (GET /pegawai/{nip}/angka-kredit)."""
    data = ringkasan(session, pegawai)
    jabatan = pegawai.jabatan
    out = {"nip": pegawai.nip, "nama": pegawai.nama_lengkap, "jabatan": jabatan.nama if jabatan else None,
           "jabatan_fungsional": data["jf_jenjang"] is not None, "jf_jenjang": data["jf_jenjang"],
           "jenjang": LABEL_JENJANG.get(data["jf_jenjang"]), "kategori": data["kategori"]}
    for key in ("koefisien", "ak_dasar", "ak_konversi", "ak_kumulatif", "akk_kp", "akk_kj", "kekurangan_kp",
                "kekurangan_kj"):
        out[key] = as_number(data[key])
    out["ak_kumulatif_teks"] = format_ak(data["ak_kumulatif"])
    for key in ("memenuhi_kp", "memenuhi_kj", "memenuhi_ak_kp", "memenuhi_ak_kj", "kenaikan_kp", "kenaikan_kj"):
        out[key] = data[key]
    out["items"] = [row_to_json(r) for r in data["items"]]
    return out
