"""The sheet "Konversi Predikat Kinerja ke Angka Kredit" (PerBKN 3/2023, domain §5.10).

``build_context`` turns a pegawai's AK ledger of the current jenjang into the plain dict both templates
print (``document_templates/angka_kredit.docx`` through docxtpl, ``angka_kredit.html`` through
wkhtmltopdf), so DOCX and PDF never disagree. Every number is already text, Indonesian style (18,75).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import Conflict
from app.kinerja import angka_kredit as ak
from app.kinerja import kenaikan
from app.kinerja import org
from app.kinerja.skp import identity
from workflows import clock

from .skp import MEDIA_TYPES, SETTINGS  # noqa: F401 - MEDIA_TYPES re-exported for the API

JUDUL = "KONVERSI PREDIKAT KINERJA KE ANGKA KREDIT"
LABEL_SYARAT = {"TERPENUHI": "Terpenuhi", "BELUM_TERPENUHI": "Belum terpenuhi",
                "BELUM_DIKETAHUI": "Belum diketahui", "DI_LUAR_SISTEM": "Di luar sistem"}


def _tanggal(d) -> str:
    return f"{d.day} {ak.BULAN[d.month - 1]} {d.year}"


def _persen(value) -> str:
    return f"{ak.format_angka(value)}%"


def build_context(session: Session, pegawai: org.Pegawai) -> dict:
    """The sheet of a pegawai in a jabatan fungsional; Conflict (409) for any other jabatan."""
    data = kenaikan.ringkasan(session, pegawai)
    jenjang = data["jf_jenjang"]
    if jenjang is None:
        raise Conflict(f"{pegawai.nama_lengkap} tidak menduduki jabatan fungsional; tidak ada konversi angka kredit")
    who = identity(session, pegawai)
    penilai = identity(session, org.pejabat_penilai(session, pegawai))

    konversi, akumulasi = [], []
    for row in data["items"]:
        if row.sumber == "AK_DASAR":
            akumulasi.append({"no": len(akumulasi) + 1, "periode": f"AK Dasar ({_tanggal(row.periode_awal)})",
                              "keterangan": row.keterangan or "", "predikat": "-", "persentase": "-",
                              "koefisien": "-", "ak": ak.format_ak(row.ak)})
            continue
        periode = ak.label_periode(row.periode_awal, row.periode_akhir)
        predikat = ak.LABEL_PREDIKAT.get(row.predikat, row.predikat or "-")
        persentase, koefisien = _persen(row.persentase), ak.format_angka(row.koefisien)
        bulan = row.jumlah_bulan or 0
        if row.persentase is None or row.koefisien is None:  # a manual entry
            rumus = row.keterangan or ""
        elif bulan == 12:
            rumus = f"{persentase} × {koefisien} = {ak.format_ak(row.ak)}"
        else:
            rumus = f"{bulan}/12 × {persentase} × {koefisien} = {ak.format_ak(row.ak)}"
        konversi.append({"no": len(konversi) + 1, "periode": periode, "jumlah_bulan": bulan,
                         "predikat": predikat, "persentase": persentase, "koefisien": koefisien,
                         "ak": ak.format_ak(row.ak), "rumus": rumus})
        akumulasi.append({"no": len(akumulasi) + 1, "periode": periode, "keterangan": "", "predikat": predikat,
                          "persentase": persentase, "koefisien": koefisien, "ak": ak.format_ak(row.ak)})

    def syarat_rows(kenaikan: dict) -> list[tuple[str, str]]:
        return [(f"– {item['syarat']}", f"{LABEL_SYARAT[item['status']]} ({item['keterangan']})")
                for item in kenaikan["syarat"]]

    ringkasan = [
        ("Angka Kredit Dasar", ak.format_ak(data["ak_dasar"])),
        ("Angka Kredit hasil konversi predikat kinerja", ak.format_ak(data["ak_konversi"])),
        ("Angka Kredit kumulatif dalam jenjang", ak.format_ak(data["ak_kumulatif"])),
        ("Angka Kredit kumulatif minimal untuk kenaikan pangkat", ak.format_ak(data["akk_kp"])),
        ("Kekurangan Angka Kredit untuk kenaikan pangkat", ak.format_ak(data["kekurangan_kp"])),
        ("Status kenaikan pangkat", data["kenaikan_kp"]["label"]),
        *syarat_rows(data["kenaikan_kp"]),
        ("Angka Kredit kumulatif minimal untuk kenaikan jenjang", ak.format_ak(data["akk_kj"])),
        ("Kekurangan Angka Kredit untuk kenaikan jenjang", ak.format_ak(data["kekurangan_kj"])),
        ("Status kenaikan jenjang", data["kenaikan_kj"]["label"]),
        *syarat_rows(data["kenaikan_kj"]),
    ]
    def strip(p: dict | None) -> dict:
        return {k: (p or {}).get(k) or "" for k in ("nama", "nip", "pangkat_gol", "jabatan", "unit_kerja")}

    return {
        "judul": JUDUL,
        "instansi": pegawai.instansi.nama.upper(),
        "pegawai": strip(who),
        "jenjang": ak.LABEL_JENJANG.get(jenjang, jenjang),
        "kategori": ak.LABEL_KATEGORI.get(data["kategori"], data["kategori"] or ""),
        "koefisien": ak.format_angka(data["koefisien"]),
        "konversi": konversi,
        "akumulasi": akumulasi,
        "total": ak.format_ak(data["ak_kumulatif"]),
        "ringkasan": [{"label": label, "nilai": nilai} for label, nilai in ringkasan],
        "penilai": strip(penilai) if penilai else None,
        "tempat_tanggal": f"{pegawai.instansi.lokasi or ''}, {_tanggal(clock.today())}".lstrip(", "),
    }


def render(session: Session, pegawai: org.Pegawai, fmt: str) -> bytes:
    """The sheet as ``pdf`` or ``docx``."""
    from .render import render_docx, render_pdf

    context = build_context(session, pegawai)
    if fmt == "docx":
        return render_docx(SETTINGS["templates"] / "angka_kredit.docx", context)
    return render_pdf(SETTINGS["templates"] / "angka_kredit.html", context, SETTINGS["wkhtmltopdf"])
