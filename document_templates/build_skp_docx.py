"""Build document_templates/skp.docx, the docxtpl template of the SKP (domain §5.1–§5.4).

    python document_templates/build_skp_docx.py [output.docx]

Re-runnable: the output is byte-identical from run to run (fixed document properties and zip timestamps).
One template covers the four SKP prints, chosen by `{%p if %}` on jenis_skp / pendekatan:
JA/JF kuantitatif (§5.1), JPT kuantitatif (§5.3), kualitatif list layout for JA/JF and JPT (§5.2), then the
PERILAKU KERJA table, the signatures and the Lampiran (§5.4) on a new page. Table rows come from
`{%tr for %}` loops; the NO / RHK cells of the kuantitatif tables are merged vertically over their IKI rows
with docxtpl's `{% vm %}` (the IKI loop's loop.first starts each merge).
Render with autoescape on (app.documents.render.render_docx).

Template rules learnt from docxtpl 0.20 (keep them when editing):
- a `{%tr %}` / `{%p %}` tag may not contain `}` or `%` (its regex stops there): write `[none]`, not `[{}]`;
- `{% vm %}` and the text it guards must be in one run, and a vm cell's tcPr must hold only tcW
  (docxtpl appends w:vMerge at the end of tcPr; shading or vAlign before it would break the schema order);
- extra paragraphs in a vm cell are guarded by `{%p if loop.first … %}` so continued cells stay empty.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUT = Path(__file__).resolve().parent / "skp.docx"

FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
BASE_PT = 9
TITLE_PT = 11
PAGE_W, PAGE_H, MARGIN = Mm(210), Mm(297), Mm(12.7)
TEXT_W = PAGE_W - 2 * MARGIN
SHADE = "E6E6E6"
SHADE_LIGHT = "F3F3F3"
FIXED_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
# children of w:tcPr that must follow w:shd (OOXML order)
TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
                  "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")


# ------------------------------------------------------------------------------------------ helpers


def set_cell_shading(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.insert_element_before(shd, *TCPR_AFTER_SHD)



def set_row_flag(row, tag: str) -> None:
    """w:tblHeader (repeat on each page) or w:cantSplit (keep the row on one page)."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(tag)
    tr_pr.append(el)


def set_table_borders(table, size: int | None) -> None:
    """size in eighths of a point; None removes every border."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if size is None:
            el.set(qn("w:val"), "nil")
        else:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    insert_before(tbl_pr, borders, ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                    "w:tblDescription", "w:tblPrChange"))


def insert_before(parent, element, successors: tuple[str, ...]) -> None:
    """Insert element before the first child named in successors (OOXML child order), else append."""
    for child in parent:
        if child.tag in {qn(name) for name in successors}:
            child.addprevious(element)
            return
    parent.append(element)


def set_cell_margins(table, top=20, bottom=20, left=70, right=70) -> None:
    """Table-wide cell margins in twentieths of a point."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge, val in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(val))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    insert_before(tbl_pr, mar, ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"))


def new_table(doc, widths_pct: list[float], rows: int, grid: bool = True):
    table = doc.add_table(rows=rows, cols=len(widths_pct))
    table.style = doc.styles["Table Grid"] if grid else doc.styles["Normal Table"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [int(TEXT_W * p / 100) for p in widths_pct]
    for col, w in zip(table.columns, widths):
        col.width = w
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = w
    if grid:
        set_table_borders(table, 6)  # 0.75 pt
    else:
        set_table_borders(table, None)
    set_cell_margins(table)
    return table


def write(cell_or_par, text: str, bold: bool = False, italic: bool = False, size: float | None = None,
          align=None, color: str | None = None):
    """Put text in the first paragraph of a cell (or in a paragraph); returns the paragraph."""
    par = cell_or_par.paragraphs[0] if hasattr(cell_or_par, "paragraphs") else cell_or_par
    run = par.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    if align is not None:
        par.alignment = align
    return par


def add_par(cell, text: str = "", **kw):
    par = cell.add_paragraph()
    if text:
        write(par, text, **kw)
    return par


def tag_row(table, row_index: int, tag: str) -> None:
    """A row holding only a docxtpl {%tr …%} tag (docxtpl drops the row and keeps the tag)."""
    write(table.rows[row_index].cells[0], tag)


def merge_row(table, row_index: int):
    row = table.rows[row_index]
    return row.cells[0].merge(row.cells[-1])


def bullet(par, left_pt: float = 10, hang_pt: float = 8):
    par.paragraph_format.left_indent = Pt(left_pt)
    par.paragraph_format.first_line_indent = Pt(-hang_pt)
    return par


def bullet_loop(cell, loop: str, text: str) -> None:
    """A bulleted paragraph that docxtpl repeats for each item of ``loop`` (e.g. ``"t in p.indikator"``)."""
    tag_par(cell, f"{{%p for {loop} %}}")
    bullet(add_par(cell, "\u2022\u00a0" + text))
    tag_par(cell, "{%p endfor %}")


def tag_par(doc_or_cell, tag: str):
    """A paragraph holding only a docxtpl {%p …%} tag."""
    par = doc_or_cell.add_paragraph()
    par.add_run(tag)
    return par


def spacer(doc, pt: float = 6):
    par = doc.add_paragraph()
    par.paragraph_format.space_after = Pt(0)
    run = par.add_run("")
    run.font.size = Pt(pt)
    par.paragraph_format.line_spacing = Pt(pt)
    return par


# ------------------------------------------------------------------------------------------ blocks


def judul_block(doc, list_name: str, page_break: bool = False) -> None:
    if page_break:
        # one paragraph with pageBreakBefore for the first line, a loop for the rest
        first = write(doc.add_paragraph(), f"{{{{ {list_name}[0] }}}}", bold=True, size=TITLE_PT,
                      align=WD_ALIGN_PARAGRAPH.CENTER)
        first.paragraph_format.page_break_before = True
        tag_par(doc, f"{{%p for t in {list_name}[1:] %}}")
    else:
        tag_par(doc, f"{{%p for t in {list_name} %}}")
    write(doc.add_paragraph(), "{{ t }}", bold=True, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    tag_par(doc, "{%p endfor %}")
    tag_par(doc, "{%p if draft_note %}")
    p = write(doc.add_paragraph(), "{{ draft_note }}", bold=True, size=TITLE_PT, color="B00000",
              align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_before = Pt(4)
    tag_par(doc, "{%p endif %}")
    spacer(doc)
    kop = new_table(doc, [45, 55], 1, grid=False)
    left, right = kop.rows[0].cells
    write(left, "{{ instansi }}", bold=True)
    tag_par(left, "{%p if unit_kerja_header %}")
    add_par(left, "{{ unit_kerja_header }}")
    tag_par(left, "{%p endif %}")
    write(right, "PERIODE PENILAIAN: {{ periode }}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    spacer(doc, 4)


def identitas_block(doc) -> None:
    t = new_table(doc, [5, 21, 24, 5, 21, 24], 6)
    head = t.rows[0].cells
    write(head[0], "NO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    write(head[1].merge(head[2]), "PEGAWAI YANG DINILAI", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    write(head[3], "NO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    write(head[4].merge(head[5]), "PEJABAT PENILAI KINERJA", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for c in t.rows[0].cells:
        set_cell_shading(c, SHADE)
    rows = [("NAMA", "nama", "NAMA"), ("NIP", "nip", "NIP"), ("PANGKAT/GOL. RUANG", "pangkat_gol", "PANGKAT/GOL. RUANG"),
            ("JABATAN", "jabatan", "JABATAN"),
            ("UNIT KERJA", "unit_kerja", '{{ label_unit_kerja_penilai or "UNIT KERJA" }}')]
    for n, (label, key, label_penilai) in enumerate(rows, start=1):
        c = t.rows[n].cells
        write(c[0], str(n), align=WD_ALIGN_PARAGRAPH.CENTER)
        write(c[1], label)
        write(c[2], f'{{{{ pegawai.{key} or "-" }}}}')
        write(c[3], str(n), align=WD_ALIGN_PARAGRAPH.CENTER)
        write(c[4], label_penilai)
        write(c[5], f'{{{{ (penilai.{key} if penilai else "") or "-" }}}}')
        set_row_flag(t.rows[n], "w:cantSplit")


def seksi_row(table, row_index: int, text: str, fill: str = SHADE) -> None:
    cell = merge_row(table, row_index)
    write(cell, text, bold=True)
    set_cell_shading(cell, fill)


def header_cells(table, row_index: int, labels: list[str], fill: str = SHADE, bold: bool = True,
                 size: float | None = None) -> None:
    for cell, label in zip(table.rows[row_index].cells, labels):
        write(cell, label, bold=bold, size=size, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        set_cell_shading(cell, fill)


def rhk_extra_paragraphs(cell, guard: str = "loop.first and ") -> None:
    """Sumber of the RHK under its text: RHK atasan (JA/JF kualitatif), penugasan, klasifikasi (JPT)."""
    tag_par(cell, f"{{%p if {guard}not jpt and not kuantitatif and r.rhk_atasan %}}")
    add_par(cell, "(RHK atasan: {{ r.rhk_atasan }})", italic=True)
    tag_par(cell, "{%p endif %}")
    tag_par(cell, f"{{%p if {guard}r.penugasan_dari %}}")
    add_par(cell, "(penugasan dari {{ r.penugasan_dari }})", italic=True)
    tag_par(cell, "{%p endif %}")
    tag_par(cell, f"{{%p if {guard}jpt and r.klasifikasi_label %}}")
    add_par(cell, "Klasifikasi: {{ r.klasifikasi_label }}", italic=True)
    tag_par(cell, "{%p endif %}")


def hasil_kerja_ja_jf_kuantitatif(doc) -> None:
    """§5.1: NO | RHK ATASAN | RHK | ASPEK | IKI | TARGET; NO/RHK atasan/RHK merged over the IKI rows."""
    t = new_table(doc, [5, 21, 22, 10, 28, 14], 14)
    seksi_row(t, 0, "HASIL KERJA")
    header_cells(t, 1, ["NO", "RENCANA HASIL KERJA PIMPINAN/ATASAN YANG DIINTERVENSI", "RENCANA HASIL KERJA",
                        "ASPEK", "INDIKATOR KINERJA INDIVIDU", "TARGET"])
    header_cells(t, 2, [f"({n})" for n in range(1, 7)], fill=SHADE_LIGHT, bold=False, size=BASE_PT - 1)
    for i in range(3):
        set_row_flag(t.rows[i], "w:tblHeader")
    tag_row(t, 3, "{%tr for g in rhk_groups %}")
    seksi_row(t, 4, "{{ g.huruf }}. {{ g.label }}", fill=SHADE_LIGHT)
    tag_row(t, 5, "{%tr for r in g.rhk %}")
    tag_row(t, 6, "{%tr for i in (r.iki or [none]) %}")
    c = t.rows[7].cells
    write(c[0], "{% vm %}{{ r.no }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(c[1], '{% vm %}{{ r.rhk_atasan or "-" }}')
    write(c[2], "{% vm %}{{ r.deskripsi }}")
    rhk_extra_paragraphs(c[2])
    write(c[3], "{{ i.aspek_label }}")
    write(c[4], "{{ i.indikator }}")
    write(c[5], "{{ i.target }}")
    set_row_flag(t.rows[7], "w:cantSplit")
    tag_row(t, 8, "{%tr endfor %}")
    tag_row(t, 9, "{%tr endfor %}")
    tag_row(t, 10, "{%tr if not g.rhk %}")
    for k, cell in enumerate(t.rows[11].cells):
        write(cell, "-", align=WD_ALIGN_PARAGRAPH.CENTER if k == 0 else None)
    tag_row(t, 12, "{%tr endif %}")
    tag_row(t, 13, "{%tr endfor %}")


def hasil_kerja_jpt_kuantitatif(doc) -> None:
    """§5.3: NO | RHK (penugasan, klasifikasi) | IKI | TARGET | PERSPEKTIF; NO/RHK merged over the IKI rows."""
    t = new_table(doc, [5, 33, 32, 14, 16], 14)
    seksi_row(t, 0, "HASIL KERJA")
    header_cells(t, 1, ["NO", "RENCANA HASIL KERJA", "INDIKATOR KINERJA INDIVIDU", "TARGET", "PERSPEKTIF"])
    header_cells(t, 2, [f"({n})" for n in range(1, 6)], fill=SHADE_LIGHT, bold=False, size=BASE_PT - 1)
    for i in range(3):
        set_row_flag(t.rows[i], "w:tblHeader")
    tag_row(t, 3, "{%tr for g in rhk_groups %}")
    seksi_row(t, 4, "{{ g.huruf }}. {{ g.label }}", fill=SHADE_LIGHT)
    tag_row(t, 5, "{%tr for r in g.rhk %}")
    tag_row(t, 6, "{%tr for i in (r.iki or [none]) %}")
    c = t.rows[7].cells
    write(c[0], "{% vm %}{{ r.no }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(c[1], "{% vm %}{{ r.deskripsi }}")
    rhk_extra_paragraphs(c[1])
    write(c[2], "{{ i.indikator }}")
    write(c[3], "{{ i.target }}")
    write(c[4], "{{ i.perspektif_label }}")
    set_row_flag(t.rows[7], "w:cantSplit")
    tag_row(t, 8, "{%tr endfor %}")
    tag_row(t, 9, "{%tr endfor %}")
    tag_row(t, 10, "{%tr if not g.rhk %}")
    for k, cell in enumerate(t.rows[11].cells):
        write(cell, "-", align=WD_ALIGN_PARAGRAPH.CENTER if k == 0 else None)
    tag_row(t, 12, "{%tr endif %}")
    tag_row(t, 13, "{%tr endfor %}")


def hasil_kerja_kualitatif(doc) -> None:
    """§5.2 list layout (JA/JF and JPT): n. RHK, its sumber, then the IKI bullets 'indikator: target'."""
    t = new_table(doc, [5, 95], 10)
    seksi_row(t, 0, "HASIL KERJA")
    set_row_flag(t.rows[0], "w:tblHeader")
    tag_row(t, 1, "{%tr for g in rhk_groups %}")
    seksi_row(t, 2, "{{ g.huruf }}. {{ g.label|title }}", fill=SHADE_LIGHT)
    tag_row(t, 3, "{%tr for r in g.rhk %}")
    c = t.rows[4].cells
    write(c[0], "{{ r.no }}.", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(c[1], "{{ r.deskripsi }}")
    rhk_extra_paragraphs(c[1], guard="")
    add_par(c[1], "Ukuran keberhasilan / Indikator Kinerja Individu, dan Target:").paragraph_format.space_before = Pt(2)
    bullet_loop(c[1], "i in r.iki", "{{ i.indikator }}: {{ i.target }}"
                "{% if jpt and i.perspektif_label %} (Perspektif: {{ i.perspektif_label }}){% endif %}")
    tag_par(c[1], "{%p if not r.iki %}")
    bullet(add_par(c[1], "•\u00a0-"))
    tag_par(c[1], "{%p endif %}")
    set_row_flag(t.rows[4], "w:cantSplit")
    tag_row(t, 5, "{%tr endfor %}")
    tag_row(t, 6, "{%tr if not g.rhk %}")
    write(t.rows[7].cells[0], "-", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(t.rows[7].cells[1], "-")
    tag_row(t, 8, "{%tr endif %}")
    tag_row(t, 9, "{%tr endfor %}")


def perilaku_block(doc) -> None:
    t = new_table(doc, [5, 55, 40], 4)
    seksi_row(t, 0, "PERILAKU KERJA")
    set_row_flag(t.rows[0], "w:tblHeader")
    tag_row(t, 1, "{%tr for p in perilaku %}")
    c = t.rows[2].cells
    write(c[0], "{{ p.no }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    write(c[1], "{{ p.nama }}", bold=True)
    bullet_loop(c[1], "t in p.indikator", "{{ t }}")
    write(c[2], "Ekspektasi Khusus Pimpinan:")
    add_par(c[2], '{{ p.ekspektasi_khusus or "-" }}')
    set_row_flag(t.rows[2], "w:cantSplit")
    tag_row(t, 3, "{%tr endfor %}")


def ttd_block(doc) -> None:
    spacer(doc, 10)
    t = new_table(doc, [50, 50], 5, grid=False)
    rows = [("", "{{ tempat_tanggal }}"),
            ("Pegawai yang Dinilai", "Pejabat Penilai Kinerja"),
            ("", ""),
            ('{{ pegawai.nama or "-" }}', '{{ (penilai.nama if penilai else "") or "-" }}'),
            # a penilai without NIP (the PPK) signs with his jabatan
            ('NIP {{ pegawai.nip or "-" }}', '{% if penilai and not penilai.nip and penilai.jabatan %}'
                                             '{{ penilai.jabatan }}{% else %}NIP {{ (penilai.nip if penilai else "")'
                                             ' or "-" }}{% endif %}')]
    for n, (left, right) in enumerate(rows):
        row = t.rows[n]
        set_row_flag(row, "w:cantSplit")
        for cell, text in zip(row.cells, (left, right)):
            par = write(cell, text, bold=(n == 3), align=WD_ALIGN_PARAGRAPH.CENTER)
            if n == 3:
                for run in par.runs:
                    run.underline = True
            par.paragraph_format.keep_with_next = n < 4
    t.rows[2].height = Mm(20)


def lampiran_block(doc) -> None:
    judul_block(doc, "judul_lampiran", page_break=True)
    t = new_table(doc, [100], 6)
    for n, (label, key) in enumerate([("DUKUNGAN SUMBER DAYA", "dukungan_sumber_daya"),
                                      ("SKEMA PERTANGGUNGJAWABAN", "skema_pertanggungjawaban"),
                                      ("KONSEKUENSI", "konsekuensi")]):
        head = t.rows[2 * n].cells[0]
        write(head, label, bold=True)
        set_cell_shading(head, SHADE_LIGHT)
        body = t.rows[2 * n + 1].cells[0]
        write(body, f"{{%p for b in lampiran.{key} %}}")
        bullet(add_par(body, "{{ loop.index }}.\u00a0{{ b }}"), left_pt=14, hang_pt=12)
        tag_par(body, "{%p endfor %}")
        tag_par(body, f"{{%p if not lampiran.{key} %}}")
        add_par(body, "-")
        tag_par(body, "{%p endif %}")
        set_row_flag(t.rows[2 * n], "w:cantSplit")
    ttd_block(doc)


# ------------------------------------------------------------------------------------------ document


def new_document(title: str, generator: str) -> Document:
    """An empty A4 document with our page, font and fixed properties (byte-identical builds)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BASE_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.element.rPr.rFonts.set(qn("w:cs"), FONT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0

    props = doc.core_properties
    props.title = title
    props.author = "ekinerja-flow"
    props.last_modified_by = "ekinerja-flow"
    props.comments = f"docxtpl template, generated by document_templates/{generator}"
    props.revision = 1
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    return doc


def build() -> Document:
    doc = new_document("Sasaran Kinerja Pegawai", "build_skp_docx.py")

    tag_par(doc, '{%p set jpt = jenis_skp == "JPT_PIMPINAN_UNIT" %}')
    tag_par(doc, '{%p set kuantitatif = pendekatan == "KUANTITATIF" %}')

    judul_block(doc, "judul")
    identitas_block(doc)
    spacer(doc)

    tag_par(doc, "{%p if kuantitatif and not jpt %}")
    hasil_kerja_ja_jf_kuantitatif(doc)
    tag_par(doc, "{%p elif kuantitatif and jpt %}")
    hasil_kerja_jpt_kuantitatif(doc)
    tag_par(doc, "{%p else %}")
    hasil_kerja_kualitatif(doc)
    tag_par(doc, "{%p endif %}")
    spacer(doc)

    perilaku_block(doc)
    ttd_block(doc)
    lampiran_block(doc)
    return doc


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package so re-runs give identical bytes: members sorted by name ("[Content_Types].xml"
    stays first), fixed timestamps and permissions, one compression level. tests/test_docx_builders.py
    rebuilds every shipped template and compares it byte for byte with the committed file."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as dst:
        for name in sorted(src.namelist()):
            new = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            new.create_system = 3  # Unix, whatever system builds it
            dst.writestr(new, src.read(name), compresslevel=6)
    return out.getvalue()


def save(doc: Document, out: Path) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(deterministic_zip(buf.getvalue()))
    print(f"wrote {out}")


def main(argv: list[str]) -> int:
    save(build(), Path(argv[1]) if len(argv) > 1 else OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
