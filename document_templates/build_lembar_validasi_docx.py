"""Build document_templates/lembar_validasi.docx, the docxtpl template of the unit's confirmation sheet of the
validasi data atasan round (bpmn/validasi_data_atasan.bpmn, service task Service_Lembar).

    python document_templates/build_lembar_validasi_docx.py [output.docx]

Re-runnable (byte-identical output); helpers from build_skp_docx.py, the titled loop table from build_mph_docx.py.
Context: the process document context (README "Documents from templates"), the unit in ``data.lembar``
(``nama, kepala {nama, nip, teks}, pegawai [{nip, nama, jabatan, atasan, pejabat_penilai}], keputusan,
koreksi [{nip, koreksi}]``), as lembar_validasi.html prints it.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_mph_docx import loop_table  # noqa: E402
from build_skp_docx import TITLE_PT, new_document, save, spacer, tag_par, write  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402

OUT = Path(__file__).resolve().parent / "lembar_validasi.docx"
C = WD_ALIGN_PARAGRAPH.CENTER


def build():
    doc = new_document("Lembar Validasi Data Atasan", "build_lembar_validasi_docx.py")
    write(doc.add_paragraph(), "LEMBAR VALIDASI DATA ATASAN DAN PEJABAT PENILAI", bold=True, size=TITLE_PT, align=C)
    write(doc.add_paragraph(), "{{ instansi.nama }} · {{ data.lembar.nama }}", bold=True, align=C)
    spacer(doc, 8)
    write(doc.add_paragraph(), "Kepala unit: {{ data.lembar.kepala.teks }}")
    spacer(doc, 6)
    loop_table(doc, "PEGAWAI UNIT", [5, 17, 18, 18, 21, 21],
               ["NO", "NIP", "NAMA", "JABATAN", "ATASAN LANGSUNG", "PEJABAT PENILAI"], "p in data.lembar.pegawai",
               [["{{ loop.index }}"], ["{{ p.nip }}"], ["{{ p.nama }}"], ["{{ p.jabatan }}"], ["{{ p.atasan }}"],
                ["{{ p.pejabat_penilai }}"]])
    write(doc.add_paragraph(), "Keputusan kepala unit: {{ 'Semua data sesuai' if data.lembar.keputusan == 'SESUAI' "
                               "else 'Ada data yang perlu dikoreksi' }}.", bold=True)
    tag_par(doc, "{%p for k in data.lembar.koreksi or [] %}")
    write(doc.add_paragraph(), "Koreksi NIP {{ k.nip }}: {{ k.koreksi }}")
    tag_par(doc, "{%p endfor %}")
    spacer(doc, 16)
    for text in ("{{ tempat_tanggal }}", "Kepala {{ data.lembar.nama }},", "", "", "",
                 "{{ data.lembar.kepala.nama }}", "NIP {{ data.lembar.kepala.nip }}"):
        write(doc.add_paragraph(), text).paragraph_format.left_indent = doc.sections[0].page_width // 2
    return doc


if __name__ == "__main__":
    save(build(), Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
