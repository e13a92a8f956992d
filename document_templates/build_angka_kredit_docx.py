"""Build document_templates/angka_kredit.docx, the docxtpl template of the sheet
"Konversi Predikat Kinerja ke Angka Kredit" (PerBKN 3/2023, domain §5.10).

    python document_templates/build_angka_kredit_docx.py [output.docx]

Re-runnable: the output is byte-identical from run to run. The table helpers and the template rules
(see the docstring of build_skp_docx.py) are shared with the SKP template. Context:
app/documents/angka_kredit.py ``build_context`` (every number already text, e.g. "18,75").
Layout: title and instansi, identity of the pegawai, one table per converted penilaian
(HASIL PENILAIAN KINERJA: PREDIKAT | PROSENTASE, KOEFISIEN PER TAHUN, ANGKA KREDIT YANG DIDAPAT
(Kolom 2 × Kolom 3), columns numbered 1–4) repeated by a ``{%p for %}`` around it, the TABEL AKUMULASI
ANGKA KREDIT with its total, the AK needed for kenaikan pangkat and jenjang, and the signature of the
Pejabat Penilai Kinerja.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_skp_docx import (  # noqa: E402
    BASE_PT, SHADE, SHADE_LIGHT, TITLE_PT, add_par, header_cells, new_document, new_table, save, seksi_row,
    set_cell_shading, set_row_flag, spacer, tag_par, tag_row, write)
from docx import Document  # noqa: E402
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Mm, Pt  # noqa: E402

OUT = Path(__file__).resolve().parent / "angka_kredit.docx"
C = WD_ALIGN_PARAGRAPH.CENTER
R = WD_ALIGN_PARAGRAPH.RIGHT


def judul_block(doc) -> None:
    write(doc.add_paragraph(), "{{ judul }}", bold=True, size=TITLE_PT, align=C)
    write(doc.add_paragraph(), "{{ instansi }}", bold=True, align=C)
    spacer(doc, 8)


def identitas_block(doc) -> None:
    rows = [("Nama", "{{ pegawai.nama or \"-\" }}"), ("NIP", "{{ pegawai.nip or \"-\" }}"),
            ("Pangkat/Gol. Ruang", "{{ pegawai.pangkat_gol or \"-\" }}"),
            ("Jabatan", "{{ pegawai.jabatan or \"-\" }}"), ("Unit Kerja", "{{ pegawai.unit_kerja or \"-\" }}"),
            ("Jenjang Jabatan Fungsional", "{{ jenjang }} (Kategori {{ kategori }})"),
            ("Koefisien per tahun", "{{ koefisien }}")]
    t = new_table(doc, [30, 2, 68], len(rows), grid=False)
    for n, (label, value) in enumerate(rows):
        c = t.rows[n].cells
        write(c[0], label)
        write(c[1], ":")
        write(c[2], value)
    spacer(doc, 8)


def konversi_block(doc) -> None:
    """One table per converted penilaian; the {%p for %} paragraphs around it repeat table and heading."""
    tag_par(doc, "{%p for k in konversi %}")
    heading = write(doc.add_paragraph(), "{{ k.no }}. Periode {{ k.periode }} ({{ k.jumlah_bulan }} bulan)", bold=True)
    heading.paragraph_format.keep_with_next = True
    heading.paragraph_format.space_after = Pt(2)
    t = new_table(doc, [25, 20, 22, 33], 4)
    head, sub = t.rows[0].cells, t.rows[1].cells
    write(head[0].merge(head[1]), "HASIL PENILAIAN KINERJA", bold=True, align=C)
    write(head[2].merge(sub[2]), "KOEFISIEN PER TAHUN", bold=True, align=C)
    ak_head = head[3].merge(sub[3])
    write(ak_head, "ANGKA KREDIT YANG DIDAPAT", bold=True, align=C)
    add_par(ak_head, "(Kolom 2 × Kolom 3)", bold=True, align=C)
    write(sub[0], "PREDIKAT", bold=True, align=C)
    write(sub[1], "PROSENTASE", bold=True, align=C)
    for row in t.rows[:2]:
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for cell in (t.rows[0].cells[0], t.rows[0].cells[2], t.rows[0].cells[3], t.rows[1].cells[0], t.rows[1].cells[1]):
        set_cell_shading(cell, SHADE)
    header_cells(t, 2, ["1", "2", "3", "4"], fill=SHADE_LIGHT, bold=False, size=BASE_PT - 1)
    c = t.rows[3].cells
    write(c[0], "{{ k.predikat }}", align=C)
    write(c[1], "{{ k.persentase }}", align=C)
    write(c[2], "{{ k.koefisien }}", align=C)
    write(c[3], "{{ k.ak }}", bold=True, align=C)
    add_par(c[3], "{{ k.rumus }}", italic=True, size=BASE_PT - 1, align=C)
    for row in t.rows:
        set_row_flag(row, "w:cantSplit")
    spacer(doc, 8)
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p if not konversi %}")
    write(doc.add_paragraph(), "Belum ada predikat kinerja yang dikonversi dalam jenjang ini.", italic=True)
    spacer(doc, 8)
    tag_par(doc, "{%p endif %}")


def akumulasi_block(doc) -> None:
    t = new_table(doc, [6, 28, 17, 17, 14, 18], 9)
    seksi_row(t, 0, "TABEL AKUMULASI ANGKA KREDIT")
    header_cells(t, 1, ["NO", "PERIODE", "PREDIKAT", "PROSENTASE", "KOEFISIEN", "ANGKA KREDIT"])
    for i in range(2):
        set_row_flag(t.rows[i], "w:tblHeader")
    tag_row(t, 2, "{%tr for a in akumulasi %}")
    c = t.rows[3].cells
    write(c[0], "{{ a.no }}", align=C)
    write(c[1], "{{ a.periode }}")
    tag_par(c[1], "{%p if a.keterangan %}")
    add_par(c[1], "{{ a.keterangan }}", italic=True, size=BASE_PT - 1)
    tag_par(c[1], "{%p endif %}")
    write(c[2], "{{ a.predikat }}", align=C)
    write(c[3], "{{ a.persentase }}", align=C)
    write(c[4], "{{ a.koefisien }}", align=C)
    write(c[5], "{{ a.ak }}", align=R)
    set_row_flag(t.rows[3], "w:cantSplit")
    tag_row(t, 4, "{%tr endfor %}")
    tag_row(t, 5, "{%tr if not akumulasi %}")
    for k, cell in enumerate(t.rows[6].cells):
        write(cell, "0,00" if k == 5 else "-", align=R if k == 5 else C)
    tag_row(t, 7, "{%tr endif %}")
    row = t.rows[8]
    label = row.cells[0].merge(row.cells[4])
    write(label, "JUMLAH ANGKA KREDIT KUMULATIF", bold=True)
    write(row.cells[5], "{{ total }}", bold=True, align=R)
    set_row_flag(row, "w:cantSplit")
    spacer(doc, 8)


def ringkasan_block(doc) -> None:
    t = new_table(doc, [6, 64, 30], 4)
    seksi_row(t, 0, "KEBUTUHAN ANGKA KREDIT JENJANG {{ jenjang|upper }}")
    tag_row(t, 1, "{%tr for r in ringkasan %}")
    c = t.rows[2].cells
    write(c[0], "{{ loop.index }}", align=C)
    write(c[1], "{{ r.label }}")
    write(c[2], "{{ r.nilai }}", align=R)
    set_row_flag(t.rows[2], "w:cantSplit")
    tag_row(t, 3, "{%tr endfor %}")


def ttd_block(doc) -> None:
    spacer(doc, 10)
    t = new_table(doc, [50, 50], 5, grid=False)
    rows = ["{{ tempat_tanggal }}", "Pejabat Penilai Kinerja", "",
            '{{ (penilai.nama if penilai else "") or "-" }}', 'NIP {{ (penilai.nip if penilai else "") or "-" }}']
    for n, text in enumerate(rows):
        row = t.rows[n]
        set_row_flag(row, "w:cantSplit")
        par = write(row.cells[1], text, bold=(n == 3), align=C)
        if n == 3:
            for run in par.runs:
                run.underline = True
        par.paragraph_format.keep_with_next = n < 4
    t.rows[2].height = Mm(20)


def build() -> Document:
    doc = new_document("Konversi Predikat Kinerja ke Angka Kredit", "build_angka_kredit_docx.py")

    judul_block(doc)
    identitas_block(doc)
    konversi_block(doc)
    akumulasi_block(doc)
    ringkasan_block(doc)
    ttd_block(doc)
    return doc


def main(argv: list[str]) -> int:
    save(build(), Path(argv[1]) if len(argv) > 1 else OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
