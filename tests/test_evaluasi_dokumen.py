"""Evaluation documents of a penilaian (domain §5.6, §5.7): PDF and DOCX read back, visibility, chart."""
from __future__ import annotations

import io
import shutil

import pytest
from conftest import DEMO_TAHUN, find
from docx import Document
from pypdf import PdfReader
from test_penilaian import admin_of, open_first_period, task_with_form, tetapkan_capaian, two_approved  # noqa: F401
from test_skp_api import kadis_approved  # noqa: F401

from app.documents import evaluasi
from app.documents.render import render_docx, render_html
from workflows import clock

needs_wkhtmltopdf = pytest.mark.skipif(shutil.which("wkhtmltopdf") is None, reason="wkhtmltopdf not installed")
TRIWULAN = {"nama": "Triwulan I", "jenis": "TRIWULANAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
            "periode_akhir": f"{DEMO_TAHUN}-03-31", "batas_pengisian": f"{DEMO_TAHUN}-04-05"}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return " ".join(" ".join(parts).split())


@pytest.fixture
def evaluated(accounts, as_user, two_approved):  # noqa: F811
    """The Kabid's first quarter: realisasi sent, rated SESUAI × DI_ATAS → BAIK by the Kadis."""
    clock.set(f"{DEMO_TAHUN}-03-30T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user, TRIWULAN)
    kabid, kadis = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    # the Kabid leads a unit: his rating hasil kerja follows the capaian the Kadis sets (BAIK → SESUAI)
    tetapkan_capaian(kadis, periode["id"], find(accounts, "Kepala Bidang Aplikasi")["unor"], "BAIK")
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    rhk_id = kabid.get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]
    task = task_with_form(kabid, "realisasi")
    assert kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "realisasi": "3 laporan monitoring <tepat waktu>"}}, "kirim": True}}).status_code == 200
    review = next(t for t in kadis.get("/tasks").get_json() if t["form"] == "penilaian")
    clock.set(f"{DEMO_TAHUN}-03-31T09:00:00+07:00")  # a penilaian is final from the period's last day on
    done = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "DI_ATAS", "catatan": "Pertahankan kinerja",
        "umpan_balik_rhk": {str(rhk_id): "Laporan lengkap dan rapi"},
        "umpan_balik_perilaku": {"AKUNTABEL": "Bertanggung jawab atas laporan"}}})
    assert done.status_code == 200, done.get_json()
    return {"id": penilaian_id, "kabid": kabid, "kadis": kadis, "skp_id": two_approved["kabid"]}


@needs_wkhtmltopdf
def test_evaluasi_kinerja_pdf_and_docx_say_the_same(accounts, evaluated):
    kabid = evaluated["kabid"]
    pdf = kabid.get(f"/penilaian/{evaluated['id']}/document.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    docx = kabid.get(f"/penilaian/{evaluated['id']}/document.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["Content-Disposition"]
    kabid_acc, kadis_acc = find(accounts, "Kepala Bidang Aplikasi"), find(accounts, "Kepala Dinas")
    for text in (pdf_text(pdf.data), docx_text(docx.data)):
        for expected in ("EVALUASI KINERJA PEGAWAI", "PERIODE: TRIWULAN I", kabid_acc["nip"], kadis_acc["nip"],
                         "CAPAIAN KINERJA ORGANISASI", "KURVA DISTRIBUSI PREDIKAT KINERJA PEGAWAI",
                         "Tersusunnya", "3 laporan monitoring <tepat waktu>", "Laporan lengkap dan rapi",
                         "Bertanggung jawab atas laporan", "RATING HASIL KERJA: SESUAI EKSPEKTASI",
                         "RATING PERILAKU KERJA: DI ATAS EKSPEKTASI", "PREDIKAT KINERJA PEGAWAI: BAIK",
                         "A. UTAMA", "B. TAMBAHAN", "REALISASI BERDASARKAN BUKTI DUKUNG"):
            assert expected in text, expected
        assert "BELUM FINAL" not in text


def test_kurva_counts_final_predikat_of_the_unit(app, accounts, evaluated):
    session = app.extensions["db_sessionmaker"]()
    try:
        penilaian = session.get(evaluasi.Penilaian, evaluated["id"])
        context = evaluasi.build_evaluasi(session, penilaian)
        counts = {b["kode"]: b["jumlah"] for b in context["kurva"]["bars"]}
        # the kurva is the Dinas's (the penilai's unit): the Kabid is BAIK; the Kadis (evaluated by the Sekda,
        # outside the Dinas) is not counted, nor anything not final
        assert context["unit_kurva"] == penilaian.skp.unor.parent.nama
        assert counts == {"SANGAT_KURANG": 0, "KURANG": 0, "BUTUH_PERBAIKAN": 0, "BAIK": 1, "SANGAT_BAIK": 0}
        assert context["capaian_organisasi"] == "-"  # the Dinas has no capaian for the period yet
        html = render_html(evaluasi.SETTINGS["templates"] / "evaluasi.html", context)
        assert html.count("<rect") == 5 and "<polyline" in html
        assert "&lt;tepat waktu&gt;" in html  # user text escaped
        summary = evaluasi.build_dokumen_evaluasi(session, penilaian)
        assert [p["judul"] for p in summary["pihak"]] == ["PEGAWAI YANG DINILAI", "PEJABAT PENILAI KINERJA",
                                                         "ATASAN PEJABAT PENILAI KINERJA"]
        assert summary["pihak"][2]["nip"] == find(accounts, "Sekretaris Daerah")["nip"]
    finally:
        session.close()


@pytest.mark.parametrize("jenis,awal,label", [("BULANAN", "02-01", "BULAN FEBRUARI"), ("TRIWULANAN", "07-01", "TRIWULAN III"),
                                              ("SEMESTERAN", "07-01", "SEMESTER II"), ("TAHUNAN", "01-01", "AKHIR")])
def test_label_periode(jenis, awal, label):
    import datetime as dt

    periode = evaluasi.Periode(jenis=jenis, periode_awal=dt.date.fromisoformat(f"2026-{awal}"))
    assert evaluasi.label_periode(periode) == label


@needs_wkhtmltopdf
def test_dokumen_evaluasi_fields(accounts, evaluated):
    kadis = evaluated["kadis"]
    pdf = kadis.get(f"/penilaian/{evaluated['id']}/dokumen-evaluasi.pdf")
    docx = kadis.get(f"/penilaian/{evaluated['id']}/dokumen-evaluasi.docx")
    assert pdf.status_code == 200 and docx.status_code == 200
    sekda = find(accounts, "Sekretaris Daerah")
    for text in (pdf_text(pdf.data), docx_text(docx.data)):
        for expected in ("DOKUMEN EVALUASI KINERJA PEGAWAI", "PERIODE: TRIWULAN I", "1 Januari", "31 Maret",
                         "PEGAWAI YANG DINILAI", "PEJABAT PENILAI KINERJA", "ATASAN PEJABAT PENILAI KINERJA",
                         sekda["nip"], find(accounts, "Kepala Bidang Aplikasi")["nip"], "CAPAIAN KINERJA ORGANISASI",
                         "PREDIKAT KINERJA PEGAWAI", "BAIK", "CATATAN/REKOMENDASI", "Pertahankan kinerja"):
            assert expected in text, expected


def test_documents_visibility(accounts, as_user, client, evaluated):
    stranger = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    for path in ("document.pdf", "document.docx", "dokumen-evaluasi.pdf", "dokumen-evaluasi.docx"):
        assert stranger.get(f"/penilaian/{evaluated['id']}/{path}").status_code == 404
        assert client.get(f"/api/v1/penilaian/{evaluated['id']}/{path}").status_code == 401
    assert evaluated["kabid"].get(f"/penilaian/{evaluated['id']}/document.odt").status_code == 404
    assert evaluated["kabid"].get("/penilaian/999999/document.docx").status_code == 404
    paths = evaluated["kabid"].get("/openapi.json").get_json()["paths"]
    assert "/penilaian/{id}/document.{fmt}" in paths and "/penilaian/{id}/dokumen-evaluasi.{fmt}" in paths


def test_document_of_an_unfinished_penilaian_says_so(accounts, as_user, two_approved):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-03-30T09:00:00+07:00")
    _, opened = open_first_period(accounts, as_user, TRIWULAN)
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    text = docx_text(kabid.get(f"/penilaian/{penilaian_id}/document.docx").data)
    assert "PENILAIAN BELUM FINAL (STATUS BELUM DIISI)" in text
    assert "PREDIKAT KINERJA PEGAWAI: -" in text


def test_skp_page_lists_penilaian_with_document_links(accounts, client, evaluated):
    from test_pages import Pages

    pages = Pages(client)
    pages.login(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    html = pages.html(f"/skp/{evaluated['skp_id']}")
    assert "Triwulan I" in html and "Final" in html and "Baik" in html
    link = f"/penilaian/{evaluated['id']}/dokumen-evaluasi.docx"
    assert link in html
    word = pages.get(link)
    assert word.status_code == 200 and "DOKUMEN EVALUASI KINERJA PEGAWAI" in docx_text(word.data)
    pages.login(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pages.get(link).status_code == 404


@pytest.mark.parametrize("jenis_skp,pendekatan", [("JA_JF", "KUANTITATIF"), ("JA_JF", "KUALITATIF"),
                                                  ("JPT_PIMPINAN_UNIT", "KUANTITATIF"),
                                                  ("JPT_PIMPINAN_UNIT", "KUALITATIF")])
def test_every_variant_prints_realisasi_and_umpan_balik(jenis_skp, pendekatan):
    """The four layouts of §5.6 (JA/JF and JPT columns, kuantitatif table or kualitatif list), no database."""
    from test_documents_render import make_context

    context = make_context(jenis_skp, pendekatan)
    for g in context["rhk_groups"]:
        for r in g["rhk"]:
            r.update(realisasi=f"Realisasi {g['huruf']}{r['no']}", umpan_balik=f"Umpan balik {g['huruf']}{r['no']}")
    for p in context["perilaku"]:
        p["umpan_balik"] = f"UB perilaku {p['no']}"
    counts = dict.fromkeys(evaluasi.KURVA_URUTAN, 0) | {"BAIK": 3, "SANGAT_BAIK": 1}
    context.update(judul=["EVALUASI KINERJA PEGAWAI", "PERIODE: BULAN MEI"], capaian_organisasi="BAIK",
                   kurva=evaluasi.kurva(counts, "BAIK"), unit_kurva="Dinas", rating_hasil_kerja="SESUAI EKSPEKTASI",
                   rating_perilaku="SESUAI EKSPEKTASI", predikat="BAIK", draft_note="")
    html = " ".join(render_html(evaluasi.SETTINGS["templates"] / "evaluasi.html", context).split())
    word = docx_text(render_docx(evaluasi.SETTINGS["templates"] / "evaluasi.docx", context))
    first = context["rhk_groups"][0]["rhk"][0]
    for text in (html, word):
        assert f"Realisasi A{first['no']}" in text and f"Umpan balik A{first['no']}" in text
        assert "UB perilaku 7" in text and "PERIODE: BULAN MEI" in text
        assert "KURVA DISTRIBUSI PREDIKAT KINERJA PEGAWAI DENGAN CAPAIAN KINERJA ORGANISASI BAIK" in text
        assert ("PERSPEKTIF" in text) == (jenis_skp == "JPT_PIMPINAN_UNIT" and pendekatan == "KUANTITATIF")
    assert html.count("<rect") == 5
