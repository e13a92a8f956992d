"""SKP renderers: DOCX (docxtpl) and PDF (wkhtmltopdf) from the plain-dict context. No database."""
from __future__ import annotations

import copy
import io
import re
import shutil
from pathlib import Path

import pytest

from app.documents.render import render_docx, render_html, render_pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "document_templates"
DOCX_TEMPLATE = TEMPLATES / "skp.docx"
HTML_TEMPLATE = TEMPLATES / "skp.html"

needs_wkhtmltopdf = pytest.mark.skipif(shutil.which("wkhtmltopdf") is None, reason="wkhtmltopdf not installed")

# domain §1.4, exact wording
CORE_VALUES = [
    ("Berorientasi Pelayanan", ["Memahami dan memenuhi kebutuhan masyarakat",
                                "Ramah, cekatan, solutif, dan dapat diandalkan",
                                "Melakukan perbaikan tiada henti"]),
    ("Akuntabel", ["Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan berintegritas tinggi",
                   "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
                   "Tidak menyalahgunakan kewenangan jabatan"]),
    ("Kompeten", ["Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
                  "Membantu orang lain belajar",
                  "Melaksanakan tugas dengan kualitas terbaik"]),
    ("Harmonis", ["Menghargai setiap orang apapun latar belakangnya",
                  "Suka menolong orang lain",
                  "Membangun lingkungan kerja yang kondusif"]),
    ("Loyal", ["Memegang teguh ideologi Pancasila, Undang-Undang Dasar Negara Republik Indonesia Tahun 1945, "
               "setia kepada NKRI serta pemerintahan yang sah",
               "Menjaga nama baik sesama ASN, Pimpinan, Instansi, dan Negara",
               "Menjaga rahasia jabatan dan negara"]),
    ("Adaptif", ["Cepat menyesuaikan diri menghadapi perubahan",
                 "Terus berinovasi dan mengembangkan kreativitas",
                 "Bertindak proaktif"]),
    ("Kolaboratif", ["Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
                     "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
                     "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama"]),
]

VARIANTS = [("JA_JF", "KUANTITATIF"), ("JA_JF", "KUALITATIF"), ("JPT_PIMPINAN_UNIT", "KUANTITATIF"),
            ("JPT_PIMPINAN_UNIT", "KUALITATIF")]


def make_context(jenis_skp: str = "JA_JF", pendekatan: str = "KUANTITATIF") -> dict:
    jpt = jenis_skp == "JPT_PIMPINAN_UNIT"
    kuant = pendekatan == "KUANTITATIF"
    judul = ["SASARAN KINERJA PEGAWAI", f"PENDEKATAN HASIL KERJA {pendekatan}",
             "BAGI PEJABAT PIMPINAN TINGGI DAN PIMPINAN UNIT KERJA MANDIRI" if jpt
             else "BAGI PEJABAT ADMINISTRASI DAN PEJABAT FUNGSIONAL"]

    def iki(n: int, rhk_no: int) -> list[dict]:
        aspek = ["Kuantitas", "Kualitas", "Waktu"]
        persp = ["Penerima Layanan", "Proses Bisnis", "Penguatan Internal"]
        return [{"aspek_label": aspek[k] if (kuant and not jpt) else "",
                 "perspektif_label": persp[k] if jpt else "",
                 "indikator": f"Indikator {rhk_no}.{k + 1} jumlah dokumen layanan terverifikasi",
                 "target": f"{(k + 1) * 4} Dokumen {rhk_no}.{k + 1}"} for k in range(n)]

    return {
        "jenis_skp": jenis_skp,
        "pendekatan": pendekatan,
        "judul": judul,
        "judul_lampiran": ["LAMPIRAN SASARAN KINERJA PEGAWAI", f"PENDEKATAN HASIL KERJA {pendekatan}"],
        "instansi": "PEMERINTAH PROVINSI CONTOH",
        "unit_kerja_header": "Dinas Komunikasi dan Informatika",
        "periode": "1 JANUARI SD 31 DESEMBER TAHUN 2026",
        "status": "DISETUJUI",
        "status_label": "Disetujui",
        "draft_note": "",
        "pegawai": {"nama": "Budi Santoso, S.Kom.", "nip": "199001012015031001",
                    "pangkat_gol": "Penata Muda / III/a", "jabatan": "Pranata Komputer Ahli Pertama",
                    "unit_kerja": "Bidang Aplikasi Informatika"},
        "penilai": {"nama": "Siti Rahmawati, S.T., M.T.", "nip": "197805122003122002",
                    "pangkat_gol": "Pembina / IV/a", "jabatan": "Kepala Bidang Aplikasi Informatika",
                    "unit_kerja": "Dinas Komunikasi dan Informatika"},
        "label_unit_kerja_penilai": "INSTANSI" if jpt else "UNIT KERJA",
        "rhk_groups": [
            {"huruf": "A", "label": "UTAMA", "rhk": [
                {"no": 1, "deskripsi": "Tersusunnya aplikasi layanan perizinan terpadu",
                 "rhk_atasan": "" if jpt else "Meningkatnya layanan publik berbasis elektronik",
                 "penugasan_dari": "Gubernur" if jpt else "",
                 "klasifikasi_label": "Organisasi" if jpt else "",
                 "iki": iki(3, 1)},
                {"no": 2, "deskripsi": "Terpeliharanya pusat data daerah",
                 "rhk_atasan": "" if jpt else "Terjaganya ketersediaan infrastruktur TIK",
                 "penugasan_dari": "", "klasifikasi_label": "Individu" if jpt else "",
                 "iki": iki(2, 2)},
            ]},
            {"huruf": "B", "label": "TAMBAHAN", "rhk": [
                {"no": 1, "deskripsi": "Terlaksananya pendampingan digitalisasi desa",
                 "rhk_atasan": "" if jpt else "Meningkatnya literasi digital masyarakat",
                 "penugasan_dari": "", "klasifikasi_label": "Individu" if jpt else "",
                 "iki": iki(1, 3)},
            ]},
        ],
        "perilaku": [{"no": n, "nama": nama, "indikator": list(ind),
                      "ekspektasi_khusus": f"Ekspektasi khusus nomor {n} dari pimpinan"}
                     for n, (nama, ind) in enumerate(CORE_VALUES, start=1)],
        "lampiran": {"dukungan_sumber_daya": ["Laptop", "Akses server pusat data"],
                     "skema_pertanggungjawaban": ["Laporan bulanan kepada Kepala Bidang"],
                     "konsekuensi": ["Teguran lisan apabila target tidak tercapai", "Evaluasi triwulanan"]},
        "tempat_tanggal": "Kota Contoh, 23 November 2026",
    }


def expected_texts(ctx: dict) -> list[str]:
    """Strings that must appear (whitespace-normalised) in the rendered document."""
    texts = list(ctx["judul"]) + list(ctx["judul_lampiran"])
    texts += [ctx["instansi"], ctx["periode"], ctx["tempat_tanggal"]]
    for who in ("pegawai", "penilai"):
        texts += [ctx[who]["nama"], ctx[who]["nip"], ctx[who]["jabatan"]]
    texts += ["PEGAWAI YANG DINILAI", "PEJABAT PENILAI KINERJA", "Pegawai yang Dinilai", "Pejabat Penilai Kinerja",
              "HASIL KERJA", "PERILAKU KERJA", ctx["label_unit_kerja_penilai"]]
    for g in ctx["rhk_groups"]:
        for r in g["rhk"]:
            texts.append(r["deskripsi"])
            if r["rhk_atasan"]:
                texts.append(r["rhk_atasan"])
            if r["penugasan_dari"]:
                texts.append(r["penugasan_dari"])
            for i in r["iki"]:
                texts += [i["indikator"], i["target"]]
                if ctx["jenis_skp"] == "JPT_PIMPINAN_UNIT":
                    texts.append(i["perspektif_label"])
                elif ctx["pendekatan"] == "KUANTITATIF":
                    texts.append(i["aspek_label"])
    for p in ctx["perilaku"]:
        texts += [p["nama"], *p["indikator"], p["ekspektasi_khusus"]]
    texts += ["DUKUNGAN SUMBER DAYA", "SKEMA PERTANGGUNGJAWABAN", "KONSEKUENSI"]
    for items in ctx["lampiran"].values():
        texts += items
    return texts


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def squash(s: str) -> str:
    """No whitespace at all: PDF text extraction breaks lines inside table cells."""
    return re.sub(r"\s+", "", s)


def docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return norm("\n".join(parts))


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    from pypdf import PdfReader

    # wkhtmltopdf's text comes out with tabs between words and line breaks inside cells: normalise
    pages = [norm(p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages]
    return "\n".join(pages), pages


def assert_all_in(texts: list[str], haystack: str, squashed: bool = False) -> None:
    missing = [t for t in texts if (squash(t) not in haystack if squashed else norm(t) not in haystack)]
    assert not missing, f"missing from document: {missing}"


# ------------------------------------------------------------------------------------------- DOCX


@pytest.mark.parametrize("jenis, pendekatan", VARIANTS)
def test_docx_contains_everything(jenis, pendekatan):
    ctx = make_context(jenis, pendekatan)
    data = render_docx(DOCX_TEMPLATE, ctx)
    assert data[:2] == b"PK"
    text = docx_text(data)
    assert_all_in(expected_texts(ctx), text)
    assert "{{" not in text and "{%" not in text
    if jenis == "JA_JF" and pendekatan == "KUANTITATIF":
        assert "RENCANA HASIL KERJA PIMPINAN/ATASAN YANG DIINTERVENSI" in text
        assert "A. UTAMA" in text and "B. TAMBAHAN" in text and "(6)" in text
    elif jenis == "JPT_PIMPINAN_UNIT" and pendekatan == "KUANTITATIF":
        assert "PERSPEKTIF" in text and "(5)" in text and "(6)" not in text
        assert "ASPEK" not in text
    else:
        assert "Ukuran keberhasilan / Indikator Kinerja Individu, dan Target:" in text
        assert "(6)" not in text


def test_docx_variant_tables_and_vertical_merge():
    import docx

    ctx = make_context("JA_JF", "KUANTITATIF")
    d = docx.Document(io.BytesIO(render_docx(DOCX_TEMPLATE, ctx)))
    hasil = next(t for t in d.tables if "INDIKATOR KINERJA INDIVIDU" in t._tbl.xml and "ASPEK" in t._tbl.xml)
    rows = [[c.text for c in r.cells] for r in hasil.rows]
    # RHK 1 has three IKIs: its NO / RHK atasan / RHK cells are one merged cell over three rows.
    first = [i for i, r in enumerate(rows) if r[4].startswith("Indikator 1.")]
    assert len(first) == 3
    for i in first:
        assert rows[i][2] == "Tersusunnya aplikasi layanan perizinan terpadu"
        assert rows[i][3] in ("Kuantitas", "Kualitas", "Waktu")
    vmerge = hasil._tbl.xml.count("w:vMerge")
    assert vmerge >= 3 * (3 + 2 + 1)
    # only this variant's hasil-kerja table is in the document
    assert not any("PERSPEKTIF" in t._tbl.xml for t in d.tables)


def test_docx_lampiran_on_new_page_and_empty_lists():
    import docx

    ctx = make_context("JA_JF", "KUALITATIF")
    ctx["lampiran"]["konsekuensi"] = []
    ctx["rhk_groups"][1]["rhk"] = []
    ctx["penilai"] = None
    ctx["draft_note"] = "DRAF — BELUM DISETUJUI"
    data = render_docx(DOCX_TEMPLATE, ctx)
    d = docx.Document(io.BytesIO(data))
    lamp = next(p for p in d.paragraphs if p.text == "LAMPIRAN SASARAN KINERJA PEGAWAI")
    assert lamp.paragraph_format.page_break_before
    text = docx_text(data)
    assert "DRAF — BELUM DISETUJUI" in text
    assert "NIP -" in text
    hasil = next(t for t in d.tables if "Ukuran keberhasilan" in t._tbl.xml)
    rows = [[c.text for c in r.cells] for r in hasil.rows]
    b = next(i for i, r in enumerate(rows) if r[0] == "B. Tambahan")
    assert b == len(rows) - 2 and rows[b + 1] == ["-", "-"]
    isi = next(t for t in d.tables if "KONSEKUENSI" in t._tbl.xml)
    assert [c.text for r in isi.rows for c in r.cells][-2:] == ["KONSEKUENSI", "-"]


def test_docx_escapes_markup():
    ctx = make_context()
    ctx["rhk_groups"][0]["rhk"][0]["deskripsi"] = "Laporan <script>alert(1)</script> & \"rekap\""
    text = docx_text(render_docx(DOCX_TEMPLATE, ctx))
    assert "Laporan <script>alert(1)</script> & \"rekap\"" in text


# -------------------------------------------------------------------------------------------- PDF


@needs_wkhtmltopdf
@pytest.mark.parametrize("jenis, pendekatan", VARIANTS)
def test_pdf_contains_everything(jenis, pendekatan):
    ctx = make_context(jenis, pendekatan)
    data = render_pdf(HTML_TEMPLATE, ctx)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    assert_all_in(expected_texts(ctx), squash(text), squashed=True)
    # Lampiran starts on its own page, after the signatures of the SKP
    lamp_page = next(i for i, p in enumerate(pages) if "LAMPIRAN SASARAN KINERJA PEGAWAI" in p)
    assert lamp_page >= 1
    assert "PERILAKU KERJA" not in pages[lamp_page]
    assert "DUKUNGAN SUMBER DAYA" not in "".join(pages[:lamp_page])


@needs_wkhtmltopdf
def test_pdf_escapes_user_html():
    ctx = make_context()
    ctx["pegawai"]["nama"] = "Budi <b>Tebal</b>"
    ctx["rhk_groups"][0]["rhk"][0]["deskripsi"] = "Laporan <script>document.write('DISUNTIK')</script>"
    ctx["perilaku"][0]["ekspektasi_khusus"] = '<img src="file:///etc/passwd"> tepat waktu'
    html = render_html(HTML_TEMPLATE, ctx)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Tebal</b>" not in html
    text, _ = pdf_text(render_pdf(HTML_TEMPLATE, ctx))
    flat = squash(text)
    assert squash("Laporan <script>document.write('DISUNTIK')</script>") in flat
    assert squash("Budi <b>Tebal</b>") in flat
    assert squash('<img src="file:///etc/passwd"> tepat waktu') in flat


@needs_wkhtmltopdf
def test_pdf_draft_note_and_missing_penilai():
    ctx = make_context("JPT_PIMPINAN_UNIT", "KUANTITATIF")
    ctx["draft_note"] = "DRAF — BELUM DISETUJUI"
    ctx["penilai"] = None
    ctx["rhk_groups"][1]["rhk"] = []
    ctx["lampiran"] = {"dukungan_sumber_daya": [], "skema_pertanggungjawaban": [], "konsekuensi": []}
    text, pages = pdf_text(render_pdf(HTML_TEMPLATE, ctx))
    assert "DRAF — BELUM DISETUJUI" in norm(pages[0])
    assert "NIP -" in norm(text)


def test_missing_wkhtmltopdf_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"wkhtmltopdf tidak ditemukan: .*wkhtmltopdf-tidak-ada"):
        render_pdf(HTML_TEMPLATE, make_context(), wkhtmltopdf="wkhtmltopdf-tidak-ada")
    with pytest.raises(RuntimeError, match="wkhtmltopdf tidak ditemukan"):
        render_pdf(HTML_TEMPLATE, make_context(), wkhtmltopdf=str(tmp_path / "bin" / "wkhtmltopdf"))


def test_context_is_not_modified():
    ctx = make_context()
    before = copy.deepcopy(ctx)
    render_docx(DOCX_TEMPLATE, ctx)
    render_html(HTML_TEMPLATE, ctx)
    assert ctx == before
