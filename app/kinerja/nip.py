"""NIP (PNS) and NI PPPK: validation and parsing (domain §3.2, §4.9)."""
from __future__ import annotations

import datetime as dt
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
