"""Evaluation documents of a penilaian: "Evaluasi Kinerja Pegawai" (domain §5.6) and
"Dokumen Evaluasi Kinerja Pegawai" (§5.7).

One context builder per document turns the rows into the plain dict both templates print
(``document_templates/evaluasi.docx|.html`` and ``dokumen_evaluasi.docx|.html``), so DOCX and PDF
never disagree. The Evaluasi Kinerja extends the SKP context (identity, RHK/IKI, perilaku) with the
period, realisasi and umpan balik, ratings, predikat and the distribution chart of the unit.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.kinerja import capaian, org
from app.kinerja import kurva as kurva_counts
from app.kinerja.penilaian import PREDIKAT_LABEL, RATING_LABEL, Penilaian, Periode
from app.kinerja.perilaku import KODE
from app.kinerja.skp import identity
from workflows import clock

from .skp import BULAN, MEDIA_TYPES, SETTINGS, _tanggal  # noqa: F401 - MEDIA_TYPES re-exported for the API
from .skp import build_context as skp_context

ROMAWI = ("I", "II", "III", "IV")
# x axis of the curve, low to high (domain §5.6)
KURVA_URUTAN = ("SANGAT_KURANG", "KURANG", "BUTUH_PERBAIKAN", "BAIK", "SANGAT_BAIK")
LABEL_CAPAIAN = {"ISTIMEWA": "ISTIMEWA", "BAIK": "BAIK", "BUTUH_PERBAIKAN": "BUTUH PERBAIKAN",
                 "KURANG": "KURANG", "SANGAT_KURANG": "SANGAT KURANG"}
IDENTITY_KEYS = ("nama", "nip", "pangkat_gol", "jabatan", "unit_kerja")
TEMPLATES = {"evaluasi": "evaluasi", "dokumen-evaluasi": "dokumen_evaluasi"}


# ------------------------------------------------------------------ lookups

def capaian_organisasi(session: Session, unor_id: int, periode: Periode) -> str | None:
    """The capaian kinerja organisasi of the unit for the period (ISTIMEWA … SANGAT_KURANG), or None."""
    row = capaian.current(session, unor_id, periode.id)
    return row.predikat if row else None


# ------------------------------------------------------------------ pieces

def label_periode(periode: Periode) -> str:
    """TRIWULAN I, BULAN JANUARI, SEMESTER II or AKHIR (the annual evaluation)."""
    awal = periode.periode_awal
    if periode.jenis == "TAHUNAN":
        return "AKHIR"
    if periode.jenis == "BULANAN":
        return f"BULAN {BULAN[awal.month - 1]}"
    if periode.jenis == "TRIWULANAN":
        return f"TRIWULAN {ROMAWI[(awal.month - 1) // 3]}"
    return f"SEMESTER {ROMAWI[(awal.month - 1) // 6]}"


def _rentang(periode: Periode) -> str:
    awal, akhir = periode.periode_awal, periode.periode_akhir
    return f"{awal.day} {BULAN[awal.month - 1]} SD {akhir.day} {BULAN[akhir.month - 1]} TAHUN {akhir.year}"


def kurva(counts: dict[str, int], capaian: str | None) -> dict:
    """The chart as data: one bar (and curve point) per predikat, in a 100 × 60 box for the SVG."""
    top = max(counts.values()) or 1
    width, height, left, bottom = 100.0, 60.0, 8.0, 50.0
    step = (width - left) / len(KURVA_URUTAN)
    bars = []
    for n, key in enumerate(KURVA_URUTAN):
        h = round(counts[key] / top * 40.0, 2)
        x = round(left + n * step + step * 0.2, 2)
        bars.append({"kode": key, "label": PREDIKAT_LABEL[key], "jumlah": counts[key], "x": x,
                     "w": round(step * 0.6, 2), "y": round(bottom - h, 2), "h": h,
                     "cx": round(x + step * 0.3, 2), "batang": "\u2588" * round(counts[key] / top * 10)})
    return {
        "judul": "KURVA DISTRIBUSI PREDIKAT KINERJA PEGAWAI DENGAN CAPAIAN KINERJA ORGANISASI "
                 + (LABEL_CAPAIAN.get(capaian, "-") if capaian else "-"),
        "bars": bars, "total": sum(counts.values()), "maks": max(counts.values()),
        "titik": " ".join(f"{b['cx']},{b['y']}" for b in bars),
        "kotak": {"w": width, "h": height, "kiri": left, "dasar": bottom},
    }


def _unit(penilaian: Penilaian):
    """The organisation whose kurva the predikat counts in: the pejabat penilai's unit (domain §4.5)."""
    penilai = _penilai(penilaian)
    return penilai.jabatan.unor if penilai is not None and penilai.jabatan is not None else penilaian.skp.unor


def _block(person: dict | None) -> dict:
    return {k: (person or {}).get(k) or "" for k in IDENTITY_KEYS}


def _tempat_tanggal(penilaian: Penilaian) -> str:
    tanggal = clock.local_date(penilaian.waktu_dinilai or clock.now())
    return f"{penilaian.skp.pegawai.instansi.lokasi or ''}, {_tanggal(tanggal)}".lstrip(", ")


def _draft_note(penilaian: Penilaian) -> str:
    return "" if penilaian.status == "FINAL" else f"PENILAIAN BELUM FINAL (STATUS {penilaian.status.replace('_', ' ')})"


def _penilai(penilaian: Penilaian):
    return penilaian.penilai or penilaian.skp.pejabat_penilai


# ------------------------------------------------------------------ the two documents

def build_evaluasi(session: Session, penilaian: Penilaian) -> dict:
    """Evaluasi Kinerja Pegawai (periodik or akhir), domain §5.6."""
    skp, periode = penilaian.skp, penilaian.periode
    context = skp_context(session, skp)
    realisasi = {r.rhk_id: r for r in penilaian.realisasi}
    for group in context["rhk_groups"]:
        for row, rhk in zip(group["rhk"], [r for r in skp.rhk if r.jenis == group["label"]]):
            found = realisasi.get(rhk.id)
            row["realisasi"] = found.realisasi if found else ""
            row["umpan_balik"] = found.umpan_balik if found else ""
            row["bukti_dukung_url"] = found.bukti_dukung_url if found else ""
    umpan_balik = {u.kode: u.teks for u in penilaian.umpan_balik_perilaku}
    for item, kode in zip(context["perilaku"], KODE):
        item["umpan_balik"] = umpan_balik.get(kode, "")
    jabatan_line = (skp.jabatan.nama.upper() if skp.is_jpt else "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL")
    label = label_periode(periode)
    capaian = capaian_organisasi(session, _unit(penilaian).id, periode)
    penilai = identity(session, _penilai(penilaian))
    context.update({
        "judul": ["EVALUASI KINERJA PEGAWAI", f"PENDEKATAN HASIL KERJA {skp.pendekatan}", jabatan_line,
                  f"PERIODE: {label}"],
        "label_periode": label,
        "periode": _rentang(periode),
        "draft_note": _draft_note(penilaian),
        "penilai": _block(penilai) if penilai else None,
        "capaian_organisasi": LABEL_CAPAIAN.get(capaian, "-") if capaian else "-",
        "kurva": kurva(kurva_counts.distribusi(session, _unit(penilaian).id, periode.id), capaian),
        "unit_kurva": _unit(penilaian).nama,
        "rating_hasil_kerja": RATING_LABEL.get(penilaian.rating_hasil_kerja, "-").upper(),
        "rating_perilaku": RATING_LABEL.get(penilaian.rating_perilaku, "-").upper(),
        "predikat": PREDIKAT_LABEL.get(penilaian.predikat, "-").upper(),
        "tempat_tanggal": _tempat_tanggal(penilaian),
    })
    if penilai and skp.is_jpt:
        context["penilai"]["unit_kerja"] = penilai.get("instansi", "")
    return context


def build_dokumen_evaluasi(session: Session, penilaian: Penilaian) -> dict:
    """Dokumen Evaluasi Kinerja Pegawai, the summary sheet with fields (1)–(29), domain §5.7."""
    skp, periode = penilaian.skp, penilaian.periode
    penilai_pegawai = _penilai(penilaian)
    atasan = skp.atasan_pejabat_penilai or (org.pejabat_penilai(session, penilai_pegawai) if penilai_pegawai else None)
    capaian = capaian_organisasi(session, _unit(penilaian).id, periode)
    awal, akhir = periode.periode_awal, periode.periode_akhir
    return {
        "judul": "DOKUMEN EVALUASI KINERJA PEGAWAI",
        "label_periode": label_periode(periode),
        "draft_note": _draft_note(penilaian),
        "instansi": skp.pegawai.instansi.nama.upper(),
        "periode": f"{_tanggal(awal)} – {_tanggal(akhir)}",
        "pihak": [
            {"no": 1, "judul": "PEGAWAI YANG DINILAI", **_block(identity(session, skp.pegawai))},
            {"no": 2, "judul": "PEJABAT PENILAI KINERJA", **_block(identity(session, penilai_pegawai))},
            {"no": 3, "judul": "ATASAN PEJABAT PENILAI KINERJA", **_block(identity(session, atasan))},
        ],
        "capaian_organisasi": LABEL_CAPAIAN.get(capaian, "-") if capaian else "-",
        "predikat": PREDIKAT_LABEL.get(penilaian.predikat, "-").upper(),
        "catatan": penilaian.catatan or "-",
        # sections processes attached (catat_penilaian), numbered after the sheet's own five
        "bagian": [{"no": n, "judul": c.judul.upper(), "isi": c.isi or "-"}
                   for n, c in enumerate(penilaian.catatan_proses, start=6)],
        "pegawai": _block(identity(session, skp.pegawai)),
        "penilai": _block(identity(session, penilai_pegawai)),
        "tempat_tanggal": _tempat_tanggal(penilaian),
    }


BUILDERS = {"evaluasi": build_evaluasi, "dokumen-evaluasi": build_dokumen_evaluasi}


def render(session: Session, penilaian: Penilaian, kind: str, fmt: str) -> bytes:
    """``kind`` is ``evaluasi`` or ``dokumen-evaluasi``; ``fmt`` is ``pdf`` or ``docx``."""
    from core.errors import NotFound

    from .render import render_docx, render_pdf

    if fmt not in MEDIA_TYPES:
        raise NotFound("Format dokumen harus pdf atau docx")
    context = BUILDERS[kind](session, penilaian)
    name = TEMPLATES[kind]
    if fmt == "docx":
        return render_docx(SETTINGS["templates"] / f"{name}.docx", context)
    return render_pdf(SETTINGS["templates"] / f"{name}.html", context, SETTINGS["wkhtmltopdf"])


def filename(penilaian: Penilaian, kind: str, fmt: str) -> str:
    prefix = "Evaluasi-Kinerja" if kind == "evaluasi" else "Dokumen-Evaluasi"
    return f"{prefix}-{penilaian.skp.pegawai.nip}-{penilaian.periode.tahun}-{penilaian.periode.nama}.{fmt}".replace(" ", "_")
