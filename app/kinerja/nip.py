"""NIP (PNS) and NI PPPK: validation and parsing (domain §3.2, §4.9)."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from core.errors import ValidationFailed


@dataclass(frozen=True)
class NipInfo:
    nip: str
    jenis_asn: str
    tanggal_lahir: dt.date
    jenis_kelamin: str  # "L" or "P"
    nomor_urut: str
    tmt_cpns: dt.date | None = None  # PNS
    tahun_pengangkatan: int | None = None  # PPPK


def parse_nip(nip: str, jenis_asn: str = "PNS", field: str = "nip") -> NipInfo:
    """Parse an 18-digit NIP; raise ValidationFailed naming the field and what is wrong."""
    nip = (nip or "").strip()
    if not re.fullmatch(r"\d{18}", nip):
        digits = len(re.sub(r"\D", "", nip))
        raise ValidationFailed({field: f"NIP harus 18 digit angka (diterima {len(nip)} karakter, {digits} digit)"})
    try:
        lahir = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise ValidationFailed({field: f"8 digit pertama NIP bukan tanggal lahir yang sah: {nip[0:8]}"}) from None
    sex = {"1": "L", "2": "P"}.get(nip[14])
    if sex is None:
        raise ValidationFailed({field: f"digit ke-15 NIP (jenis kelamin) harus 1 atau 2, bukan {nip[14]}"})
    if jenis_asn == "PNS":
        bulan = int(nip[12:14])
        if not 1 <= bulan <= 12:
            raise ValidationFailed({field: f"digit 13–14 NIP (bulan TMT CPNS) tidak sah: {nip[12:14]}"})
        return NipInfo(nip, "PNS", lahir, sex, nip[15:18], tmt_cpns=dt.date(int(nip[8:12]), bulan, 1))
    if jenis_asn == "PPPK":
        if nip[12] != "2":
            raise ValidationFailed({field: "digit ke-13 NI PPPK harus 2 (kode PPPK)"})
        return NipInfo(nip, "PPPK", lahir, sex, nip[15:18], tahun_pengangkatan=int(nip[8:12]))
    raise ValidationFailed({"jenis_asn": f"jenis ASN harus PNS atau PPPK, bukan {jenis_asn!r}"})


def baca_nip(nip: str, jenis_asn: str = "PNS") -> NipInfo | None:
    """parse_nip, or None when the NIP cannot be read (stored NIPs from before the checks)."""
    try:
        return parse_nip(nip, jenis_asn)
    except ValidationFailed:
        return None


def isi_dari_nip(pegawai) -> None:
    """Store on the pegawai what its NIP says: tanggal_lahir, jenis_kelamin and tmt_cpns (PNS) or
    tahun_pengangkatan (PPPK); all None when the NIP cannot be read."""
    info = baca_nip(pegawai.nip, pegawai.jenis_asn or "PNS")
    pegawai.tanggal_lahir = info.tanggal_lahir if info else None
    pegawai.jenis_kelamin = info.jenis_kelamin if info else None
    pegawai.tmt_cpns = info.tmt_cpns if info else None
    pegawai.tahun_pengangkatan = info.tahun_pengangkatan if info else None


USIA_MINIMAL = 18  # PNS/PPPK are appointed at 18 at the earliest (UU ASN [K], not in domain.md)


def usia_minimal() -> int:
    """The youngest plausible age at appointment: ``EKINERJA_NIP_USIA_MINIMAL`` (default 18)."""
    value = os.environ.get("EKINERJA_NIP_USIA_MINIMAL", "").strip()
    return int(value) if value.isdigit() else USIA_MINIMAL


def _ulang_tahun(lahir: dt.date, usia: int) -> dt.date:
    try:
        return lahir.replace(year=lahir.year + usia)
    except ValueError:  # 29 February
        return dt.date(lahir.year + usia, 3, 1)


def kejanggalan(info: NipInfo, hari_ini: dt.date) -> list[str]:
    """What makes a well-formed NIP implausible (a warning at import, not an error): a birth date in
    the future, an appointment before the 18th birthday, an appointment after today."""
    out, minimal = [], usia_minimal()
    lahir = info.tanggal_lahir
    if lahir > hari_ini:
        out.append(f"tanggal lahir dari NIP ({lahir:%d-%m-%Y}) di masa depan")
    dewasa = _ulang_tahun(lahir, minimal)
    if info.tmt_cpns is not None:
        # TMT CPNS names a month: implausible when the whole month lies before the 18th birthday
        akhir_bulan = (info.tmt_cpns.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if akhir_bulan < dewasa:
            out.append(f"TMT CPNS dari NIP ({info.tmt_cpns:%m-%Y}) sebelum usia {minimal} tahun "
                       f"(lahir {lahir:%d-%m-%Y})")
        if info.tmt_cpns > hari_ini:
            out.append(f"TMT CPNS dari NIP ({info.tmt_cpns:%m-%Y}) di masa depan")
    if info.tahun_pengangkatan is not None:
        if info.tahun_pengangkatan < dewasa.year:
            out.append(f"tahun pengangkatan PPPK dari NIP ({info.tahun_pengangkatan}) sebelum usia {minimal} "
                       f"tahun (lahir {lahir:%d-%m-%Y})")
        if info.tahun_pengangkatan > hari_ini.year:
            out.append(f"tahun pengangkatan PPPK dari NIP ({info.tahun_pengangkatan}) di masa depan")
    return out


JENIS_KELAMIN_LABEL = {"L": "Laki-laki", "P": "Perempuan"}


def data_nip(pegawai, hari_ini: dt.date) -> dict:
    """What the profile shows from the NIP: the stored derived values (ISO dates) and the warnings."""
    info = baca_nip(pegawai.nip, pegawai.jenis_asn or "PNS")
    return {"tanggal_lahir": pegawai.tanggal_lahir.isoformat() if pegawai.tanggal_lahir else None,
            "jenis_kelamin": pegawai.jenis_kelamin,
            "jenis_kelamin_label": JENIS_KELAMIN_LABEL.get(pegawai.jenis_kelamin or ""),
            "tmt_cpns": pegawai.tmt_cpns.isoformat() if pegawai.tmt_cpns else None,
            "tahun_pengangkatan": pegawai.tahun_pengangkatan,
            "peringatan_nip": kejanggalan(info, hari_ini) if info else ["NIP tidak dapat dibaca"]}
