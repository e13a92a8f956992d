"""DOCX rendering reuses docxtpl's pre-processing and the compiled Jinja templates across renders, and still gives
the very document a fresh, uncached docxtpl render gives. No database."""
from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from app.documents.render import render_docx
from tests.test_documents_render import make_context

TEMPLATES = Path(__file__).resolve().parent.parent / "document_templates"


def evaluasi_context(jenis_skp: str = "JA_JF", pendekatan: str = "KUANTITATIF", bulan: str = "MEI") -> dict:
    """The SKP context plus what the evaluation document prints (realisasi, umpan balik, kurva, predikat)."""
    from app.documents import evaluasi

    context = make_context(jenis_skp, pendekatan)
    for g in context["rhk_groups"]:
        for r in g["rhk"]:
            r.update(realisasi=f"Realisasi {g['huruf']}{r['no']} {bulan}", umpan_balik=f"Umpan balik {r['no']}")
    for p in context["perilaku"]:
        p["umpan_balik"] = f"UB perilaku {p['no']}"
    counts = dict.fromkeys(evaluasi.KURVA_URUTAN, 0) | {"BAIK": 3, "SANGAT_BAIK": 1}
    context.update(judul=["EVALUASI KINERJA PEGAWAI", f"PERIODE: BULAN {bulan}"], capaian_organisasi="BAIK",
                   kurva=evaluasi.kurva(counts, "BAIK"), unit_kurva="Dinas", rating_hasil_kerja="SESUAI EKSPEKTASI",
                   rating_perilaku="SESUAI EKSPEKTASI", predikat="BAIK", draft_note="")
    return context


def uncached(template: Path, context: dict) -> bytes:
    """What render_docx did before: a fresh DocxTemplate per render."""
    doc = DocxTemplate(str(template))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def parts(docx: bytes) -> dict[str, bytes]:
    """Every part of the package (document.xml, headers, footers, core properties, ...); zip timestamps aside."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_cached_renders_equal_uncached_renders_for_each_context():
    cases = [("skp.docx", make_context("JA_JF", "KUANTITATIF")),
             ("skp.docx", make_context("JPT_PIMPINAN_UNIT", "KUALITATIF")),
             ("evaluasi.docx", evaluasi_context("JA_JF", "KUANTITATIF", "MEI")),
             ("evaluasi.docx", evaluasi_context("JPT_PIMPINAN_UNIT", "KUANTITATIF", "JUNI"))]
    cases[1][1]["pegawai"]["nama"] = "Dra. Ani <Wulandari> & Rekan"  # escaping holds with the shared environment
    rendered = [(name, ctx, parts(render_docx(TEMPLATES / name, ctx))) for name, ctx in cases]
    for name, ctx, got in rendered:
        want = parts(uncached(TEMPLATES / name, ctx))
        assert got.keys() == want.keys()
        assert got["word/document.xml"] == want["word/document.xml"], name
        assert got == want, name
    assert rendered[0][2]["word/document.xml"] != rendered[1][2]["word/document.xml"]
    assert rendered[2][2]["word/document.xml"] != rendered[3][2]["word/document.xml"]
    assert b"Dra. Ani &lt;Wulandari&gt; &amp; Rekan" in rendered[1][2]["word/document.xml"]


def test_a_second_render_compiles_no_jinja_template(monkeypatch):
    context = evaluasi_context(bulan="JULI")
    render_docx(TEMPLATES / "evaluasi.docx", context)
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        compiled.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    other = evaluasi_context("JPT_PIMPINAN_UNIT", "KUALITATIF", "AGUSTUS")
    got = render_docx(TEMPLATES / "evaluasi.docx", other)
    assert compiled == []
    assert b"PERIODE: BULAN AGUSTUS" in parts(got)["word/document.xml"]


def test_a_changed_template_file_is_picked_up(tmp_path):
    template = tmp_path / "skp.docx"
    shutil.copy(TEMPLATES / "skp.docx", template)
    context = make_context()
    first = parts(render_docx(template, context))["word/document.xml"]
    assert b"SASARAN KINERJA PEGAWAI" in first and b"LEMBAR KINERJA" not in first
    # Same size, new content, new mtime: the file as an admin would replace it.
    with zipfile.ZipFile(TEMPLATES / "skp.docx") as src, zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"PEJABAT PENILAI KINERJA", b"LEMBAR KINERJA PENILAI!")
            dst.writestr(item, data)
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    second = parts(render_docx(template, context))
    assert b"LEMBAR KINERJA PENILAI!" in second["word/document.xml"]
    assert second == parts(uncached(template, context))


def test_threads_rendering_at_once_each_get_their_own_document():
    contexts = [evaluasi_context(bulan=bulan) for bulan in ("JANUARI", "FEBRUARI", "MARET", "APRIL")]
    want = [parts(uncached(TEMPLATES / "evaluasi.docx", c))["word/document.xml"] for c in contexts]
    got: dict[int, bytes] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(contexts))

    def work(i):
        try:
            barrier.wait()
            for _ in range(3):
                got[i] = parts(render_docx(TEMPLATES / "evaluasi.docx", contexts[i]))["word/document.xml"]
                assert got[i] == want[i]
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(contexts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert [got[i] for i in range(len(contexts))] == want
