"""Build document_templates/mph.docx, the docxtpl template of the Matriks Peran Hasil (domain §5.9).

    python document_templates/build_mph_docx.py [output.docx]

Re-runnable (byte-identical output); table helpers and template rules from build_skp_docx.py.
Context: app/documents/mph.py ``build_context``. Layout: the title "MATRIKS PEMBAGIAN PERAN DAN HASIL
DARI <jabatan pimpinan> KE BAWAHAN", the leader's identity, the leader's RHK with their IKI (the
matrix's columns, numbered), then one row per assigned cell: NO | NAMA / NIP | JABATAN | RHK PIMPINAN
(its number) | PERAN | HASIL. The same dict feeds mph.html, so DOCX and PDF never disagree.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_skp_docx import (  # noqa: E402
    SHADE, TITLE_PT, add_par, header_cells, new_document, new_table, save, spacer, tag_row, write)
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402

OUT = Path(__file__).resolve().parent / "mph.docx"
C = WD_ALIGN_PARAGRAPH.CENTER


def loop_table(doc, title: str, widths: list[float], headers: list[str], loop: str, cells: list) -> None:
    """A titled table: a header row, then one row per item of the ``{%tr for %}`` loop."""
    write(doc.add_paragraph(), title, bold=True)
    t = new_table(doc, widths, 4)
    header_cells(t, 0, headers, fill=SHADE)
    tag_row(t, 1, "{%tr for " + loop + " %}")
    for cell, texts in zip(t.rows[2].cells, cells):
        write(cell, texts[0], align=C if texts[0].endswith(("no }}", "rhk_no }}")) else None)
        for extra in texts[1:]:
            add_par(cell, extra)
    tag_row(t, 3, "{%tr endfor %}")
    spacer(doc, 8)


def build():
    doc = new_document("Matriks Peran Hasil", "build_mph_docx.py")
    write(doc.add_paragraph(), "{{ judul }}", bold=True, size=TITLE_PT, align=C)
    write(doc.add_paragraph(), "TAHUN {{ tahun }}", bold=True, align=C)
    spacer(doc, 8)
    write(doc.add_paragraph(), "Pimpinan: {{ pimpinan.nama }} (NIP {{ pimpinan.nip }}), {{ pimpinan.jabatan }}, "
                               "{{ pimpinan.unit_kerja }}")
    spacer(doc, 6)
    loop_table(doc, "RENCANA HASIL KERJA PIMPINAN", [8, 52, 40],
               ["NO", "RENCANA HASIL KERJA", "INDIKATOR KINERJA INDIVIDU"], "k in kolom",
               [["{{ k.no }}"], ["{{ k.deskripsi }}"], ["{{ k.iki }}"]])
    loop_table(doc, "PEMBAGIAN PERAN DAN HASIL", [6, 22, 18, 10, 20, 24],
               ["NO", "NAMA / NIP", "JABATAN", "RHK PIMPINAN", "PERAN", "HASIL"], "r in baris",
               [["{{ r.no }}"], ["{{ r.nama }}", "NIP {{ r.nip }}"], ["{{ r.jabatan }}"], ["{{ r.rhk_no }}"],
                ['{{ r.peran or "-" }}'], ["{{ r.hasil }}"]])
    write(doc.add_paragraph(), "{{ keterangan }}", italic=True)
    return doc


if __name__ == "__main__":
    save(build(), Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
