"""Build the docxtpl templates of the evaluation documents:
document_templates/evaluasi.docx ("Evaluasi Kinerja Pegawai", domain §5.6) and
document_templates/dokumen_evaluasi.docx ("Dokumen Evaluasi Kinerja Pegawai", §5.7).

    python document_templates/build_evaluasi_docx.py [output-folder]

Re-runnable: byte-identical output. The table helpers and the template rules (see the docstring of
build_skp_docx.py) are shared with the SKP template; the title, kop, identity and signature blocks are the
SKP's own. Context: app/documents/evaluasi.py (``build_evaluasi``, ``build_dokumen_evaluasi``).
The distribution chart is a small table in the DOCX (counts and a bar of block characters per predikat);
the PDF draws it as SVG.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_skp_docx import (  # noqa: E402
    BASE_PT, SHADE, SHADE_LIGHT, TITLE_PT, add_par, bullet_loop, header_cells, identitas_block, judul_block, new_document,
    new_table, save, seksi_row, set_cell_shading, set_row_flag, spacer, tag_par, tag_row, ttd_block, write)
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Mm  # noqa: E402

HERE = Path(__file__).resolve().parent
C = WD_ALIGN_PARAGRAPH.CENTER
REALISASI = "REALISASI BERDASARKAN BUKTI DUKUNG"
UMPAN_BALIK = "UMPAN BALIK BERKELANJUTAN BERDASARKAN BUKTI DUKUNG"


def unique(cells) -> list:
    """The cells of a row with merged cells counted once."""
    return list({id(c._tc): c for c in cells}.values())


def line(doc, text: str, bold: bool = True) -> None:
    par = write(doc.add_paragraph(), text, bold=bold)
    par.paragraph_format.space_before = Mm(1)
    par.paragraph_format.space_after = Mm(1)


def kurva_block(doc) -> None:
    t = new_table(doc, [30, 14, 14, 14, 14, 14], 4)
    seksi_row(t, 0, "{{ kurva.judul }}")
    write(t.rows[1].cells[0], "PREDIKAT", bold=True)
    set_cell_shading(t.rows[1].cells[0], SHADE_LIGHT)
    write(t.rows[2].cells[0], "JUMLAH PEGAWAI ({{ unit_kurva }})")
    write(t.rows[3].cells[0], "FREKUENSI")
    for k in range(5):
        head = t.rows[1].cells[k + 1]
        write(head, f"{{{{ kurva.bars[{k}].label }}}}", bold=True, size=BASE_PT - 1, align=C)
        set_cell_shading(head, SHADE_LIGHT)
        write(t.rows[2].cells[k + 1], f"{{{{ kurva.bars[{k}].jumlah }}}}", align=C)
        write(t.rows[3].cells[k + 1], f"{{{{ kurva.bars[{k}].batang }}}}", color="1F4E79", align=C)
    for row in t.rows:
        set_row_flag(row, "w:cantSplit")


def hasil_kerja_table(doc, widths: list[float], labels: list[str], cells: list[str], merged: set[int]) -> None:
    """One RHK per row group: the IKI loop gives the rows, the cells in ``merged`` span them (docxtpl vm)."""
    t = new_table(doc, widths, 14)
    seksi_row(t, 0, "HASIL KERJA")
    header_cells(t, 1, labels, size=BASE_PT - 1)
    header_cells(t, 2, [f"({n})" for n in range(1, len(widths) + 1)], fill=SHADE_LIGHT, bold=False, size=BASE_PT - 1)
    for i in range(3):
        set_row_flag(t.rows[i], "w:tblHeader")
    tag_row(t, 3, "{%tr for g in rhk_groups %}")
    seksi_row(t, 4, "{{ g.huruf }}. {{ g.label }}", fill=SHADE_LIGHT)
    tag_row(t, 5, "{%tr for r in g.rhk %}")
    tag_row(t, 6, "{%tr for i in (r.iki or [none]) %}")
    for k, (cell, text) in enumerate(zip(t.rows[7].cells, cells)):
        write(cell, ("{% vm %}" if k in merged else "") + text, align=C if k == 0 else None)
    set_row_flag(t.rows[7], "w:cantSplit")
    tag_row(t, 8, "{%tr endfor %}")
    tag_row(t, 9, "{%tr endfor %}")
    tag_row(t, 10, "{%tr if not g.rhk %}")
    for k, cell in enumerate(t.rows[11].cells):
        write(cell, "-", align=C if k == 0 else None)
    tag_row(t, 12, "{%tr endif %}")
    tag_row(t, 13, "{%tr endfor %}")


def hasil_kerja_kualitatif(doc) -> None:
    t = new_table(doc, [5, 41, 27, 27], 9)
    seksi_row(t, 0, "HASIL KERJA")
    header_cells(t, 1, ["NO", "RENCANA HASIL KERJA", REALISASI, UMPAN_BALIK], size=BASE_PT - 1)
    set_row_flag(t.rows[0], "w:tblHeader")
    set_row_flag(t.rows[1], "w:tblHeader")
    tag_row(t, 2, "{%tr for g in rhk_groups %}")
    seksi_row(t, 3, "{{ g.huruf }}. {{ g.label }}", fill=SHADE_LIGHT)
    tag_row(t, 4, "{%tr for r in g.rhk %}")
    c = t.rows[5].cells
    write(c[0], "{{ r.no }}.", align=C)
    write(c[1], "{{ r.deskripsi }}")
    bullet_loop(c[1], "i in r.iki", "{{ i.indikator }}: {{ i.target }}")
    write(c[2], '{{ r.realisasi or "-" }}')
    write(c[3], '{{ r.umpan_balik or "-" }}')
    set_row_flag(t.rows[5], "w:cantSplit")
    tag_row(t, 6, "{%tr endfor %}")
    tag_row(t, 7, "{%tr endfor %}")
    t.rows[8]._tr.getparent().remove(t.rows[8]._tr)


def perilaku_block(doc) -> None:
    t = new_table(doc, [5, 40, 27, 28], 5)
    seksi_row(t, 0, "PERILAKU KERJA")
    header_cells(t, 1, ["NO", "PERILAKU KERJA", "EKSPEKTASI KHUSUS PIMPINAN", UMPAN_BALIK], size=BASE_PT - 1)
    set_row_flag(t.rows[0], "w:tblHeader")
    set_row_flag(t.rows[1], "w:tblHeader")
    tag_row(t, 2, "{%tr for p in perilaku %}")
    c = t.rows[3].cells
    write(c[0], "{{ p.no }}", align=C)
    write(c[1], "{{ p.nama }}", bold=True)
    bullet_loop(c[1], "t in p.indikator", "{{ t }}")
    write(c[2], '{{ p.ekspektasi_khusus or "-" }}')
    write(c[3], '{{ p.umpan_balik or "-" }}')
    set_row_flag(t.rows[3], "w:cantSplit")
    tag_row(t, 4, "{%tr endfor %}")


def build_evaluasi():
    doc = new_document("Evaluasi Kinerja Pegawai", "build_evaluasi_docx.py")
    tag_par(doc, '{%p set jpt = jenis_skp == "JPT_PIMPINAN_UNIT" %}')
    tag_par(doc, '{%p set kuantitatif = pendekatan == "KUANTITATIF" %}')
    judul_block(doc, "judul")
    identitas_block(doc)
    spacer(doc)
    line(doc, "CAPAIAN KINERJA ORGANISASI: {{ capaian_organisasi }}")
    kurva_block(doc)
    spacer(doc)
    tag_par(doc, "{%p if kuantitatif and not jpt %}")
    hasil_kerja_table(doc, [5, 13, 13, 8, 15, 9, 18, 19],
                      ["NO", "RENCANA HASIL KERJA PIMPINAN YANG DIINTERVENSI", "RENCANA HASIL KERJA", "ASPEK",
                       "INDIKATOR KINERJA INDIVIDU", "TARGET", REALISASI, UMPAN_BALIK],
                      ["{{ r.no }}", '{{ r.rhk_atasan or "-" }}', "{{ r.deskripsi }}", "{{ i.aspek_label }}",
                       "{{ i.indikator }}", "{{ i.target }}", '{{ r.realisasi or "-" }}', '{{ r.umpan_balik or "-" }}'],
                      {0, 1, 2, 6, 7})
    tag_par(doc, "{%p elif kuantitatif %}")
    hasil_kerja_table(doc, [4, 19, 18, 9, 12, 19, 19],
                      ["NO", "RENCANA HASIL KERJA", "INDIKATOR KINERJA INDIVIDU", "TARGET", "PERSPEKTIF", REALISASI,
                       UMPAN_BALIK],
                      ["{{ r.no }}", "{{ r.deskripsi }}", "{{ i.indikator }}", "{{ i.target }}",
                       "{{ i.perspektif_label }}", '{{ r.realisasi or "-" }}', '{{ r.umpan_balik or "-" }}'],
                      {0, 1, 5, 6})
    tag_par(doc, "{%p else %}")
    hasil_kerja_kualitatif(doc)
    tag_par(doc, "{%p endif %}")
    line(doc, "RATING HASIL KERJA: {{ rating_hasil_kerja }}")
    perilaku_block(doc)
    line(doc, "RATING PERILAKU KERJA: {{ rating_perilaku }}")
    line(doc, "PREDIKAT KINERJA PEGAWAI: {{ predikat }}")
    ttd_block(doc)
    return doc


def build_dokumen_evaluasi():
    doc = new_document("Dokumen Evaluasi Kinerja Pegawai", "build_evaluasi_docx.py")
    write(doc.add_paragraph(), "{{ judul }}", bold=True, size=TITLE_PT, align=C)
    write(doc.add_paragraph(), "PERIODE: {{ label_periode }}", bold=True, size=TITLE_PT, align=C)
    tag_par(doc, "{%p if draft_note %}")
    write(doc.add_paragraph(), "{{ draft_note }}", bold=True, color="B00000", align=C)
    tag_par(doc, "{%p endif %}")
    spacer(doc)
    kop = new_table(doc, [45, 55], 1, grid=False)
    write(kop.rows[0].cells[0], "{{ instansi }}", bold=True)
    write(kop.rows[0].cells[1], "PERIODE PENILAIAN: {{ periode }}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    spacer(doc, 4)

    t = new_table(doc, [5, 30, 65], 9)
    tag_row(t, 0, "{%tr for p in pihak %}")
    head = t.rows[1].cells
    write(head[0], "{{ p.no }}", bold=True, align=C)
    write(head[1].merge(head[2]), "{{ p.judul }}", bold=True)
    for cell in unique(t.rows[1].cells):
        set_cell_shading(cell, SHADE)
    for n, (label, key) in enumerate([("NAMA", "nama"), ("NIP", "nip"), ("PANGKAT/GOL RUANG", "pangkat_gol"),
                                      ("JABATAN", "jabatan"), ("UNIT KERJA", "unit_kerja")], start=2):
        write(t.rows[n].cells[1], label)
        write(t.rows[n].cells[2], f'{{{{ p.{key} or "-" }}}}')
        set_row_flag(t.rows[n], "w:cantSplit")
    tag_row(t, 7, "{%tr endfor %}")
    t.rows[8]._tr.getparent().remove(t.rows[8]._tr)

    e = new_table(doc, [5, 30, 65], 5)
    write(e.rows[0].cells[0], "4", bold=True, align=C)
    write(e.rows[0].cells[1].merge(e.rows[0].cells[2]), "EVALUASI KINERJA", bold=True)
    write(e.rows[1].cells[1], "CAPAIAN KINERJA ORGANISASI")
    write(e.rows[1].cells[2], "{{ capaian_organisasi }}", bold=True)
    write(e.rows[2].cells[1], "PREDIKAT KINERJA PEGAWAI")
    write(e.rows[2].cells[2], "{{ predikat }}", bold=True)
    write(e.rows[3].cells[0], "5", bold=True, align=C)
    write(e.rows[3].cells[1].merge(e.rows[3].cells[2]), "CATATAN/REKOMENDASI", bold=True)
    write(e.rows[4].cells[1].merge(e.rows[4].cells[2]), "{{ catatan }}")
    e.rows[4].height = Mm(20)
    for r in (0, 3):
        for cell in unique(e.rows[r].cells):
            set_cell_shading(cell, SHADE)
    # sections a process attached (catat_penilaian, e.g. KEBERATAN …): one numbered block each
    tag_par(doc, "{%p if bagian %}")
    b = new_table(doc, [5, 95], 4)
    tag_row(b, 0, "{%tr for b in bagian %}")
    write(b.rows[1].cells[0], "{{ b.no }}", bold=True, align=C)
    write(b.rows[1].cells[1], "{{ b.judul }}", bold=True)
    for cell in unique(b.rows[1].cells):
        set_cell_shading(cell, SHADE)
    write(b.rows[2].cells[1], "{{ b.isi }}")
    set_row_flag(b.rows[2], "w:cantSplit")
    tag_row(b, 3, "{%tr endfor %}")
    tag_par(doc, "{%p endif %}")
    ttd_block(doc)
    return doc


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else HERE
    save(build_evaluasi(), folder / "evaluasi.docx")
    save(build_dokumen_evaluasi(), folder / "dokumen_evaluasi.docx")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
