"""Evaluation pages: periods (admin kinerja), the realisasi and penilaian task pages, the read-only page."""
from __future__ import annotations

import io
import re

from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select
from test_pages import fields_of, pages  # noqa: F401 - fixture
from test_penilaian import PERIODE, admin_of, open_first_period, tetapkan_capaian, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.kinerja.penilaian import Periode
from app.scheduler import run_once
from workflows import clock


def count_periode(app) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(Periode))
    finally:
        session.close()


def test_periode_page_create_with_field_errors_and_open(app, accounts, pages, two_approved):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    pegawai = find(accounts, "Pranata Komputer Ahli Pertama")
    pages.login(pegawai["nip"])
    assert pages.get("/periode").status_code == 403
    assert 'href="/periode"' not in pages.html("/")

    pages.login(admin_of(accounts)["nip"])
    assert 'href="/periode"' in pages.html("/")
    assert "Belum ada periode" in pages.html(f"/periode?tahun={DEMO_TAHUN}")
    bad = pages.post("/periode", {"nama": "Januari", "jenis": "BULANAN", "periode_awal": f"{DEMO_TAHUN}-01-31",
                                  "periode_akhir": f"{DEMO_TAHUN}-01-01", "batas_pengisian": ""})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert re.search(r'id="periode_akhir"[^>]*>\s*<span class="field-error"[^>]*>tidak boleh sebelum awal periode', html)
    assert re.search(r'id="batas_pengisian"[^>]*>\s*<span class="field-error"[^>]*>wajib diisi', html)
    assert 'value="Januari"' in html  # what was typed stays
    assert count_periode(app) == 0

    created = pages.post("/periode", {**PERIODE, "buka_otomatis": "1"})
    assert created.status_code == 302
    listing = pages.html(f"/periode?tahun={DEMO_TAHUN}")
    periode_id = re.search(r'id="periode-(\d+)"', listing).group(1)
    opened = pages.post(f"/periode/{periode_id}/buka", {})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/periode/{periode_id}/pembukaan")
    waiting = pages.html(f"/periode/{periode_id}/pembukaan")
    assert "Menunggu penjadwal" in waiting and 'id="kemajuan-diproses">0<' in waiting
    assert pages.get(f"/periode/{periode_id}/pembukaan.json").get_json()["total"] == 2
    run_once(app.extensions["db_sessionmaker"], ["pembukaan_periode"])
    html = pages.html(f"/periode/{periode_id}/pembukaan")
    assert "Dibuka <strong>2</strong>" in html and "sudah ada <strong>0</strong>" in html
    kabid = find(accounts, "Kepala Bidang Aplikasi")
    assert re.search(kabid["nip"] + r"</td><td>[^<]+</td><td>Dibuka</td>", html)
    assert "Selesai</a>\n        2/2" in pages.html(f"/periode?tahun={DEMO_TAHUN}")
    pages.post(f"/periode/{periode_id}/buka", {})
    run_once(app.extensions["db_sessionmaker"], ["pembukaan_periode"])
    again = pages.html(f"/periode/{periode_id}/pembukaan")
    assert "Dibuka <strong>0</strong>" in again and "sudah ada <strong>2</strong>" in again
    pages.login(pegawai["nip"])
    assert pages.post(f"/periode/{periode_id}/buka", {}).status_code == 403


def test_realisasi_and_penilaian_on_the_pages(app, accounts, as_user, pages, two_approved, tmp_path):  # noqa: F811
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "bukti")
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user)
    penilaian_id = next(r["penilaian_id"] for r in opened["hasil"] if r["skp_id"] == two_approved["kabid"])
    kabid, kadis = find(accounts, "Kepala Bidang Aplikasi"), find(accounts, "Kepala Dinas")
    # the Kabid leads his Bidang: his rating hasil kerja follows the capaian the Kadis sets (ISTIMEWA → DI_ATAS)
    tetapkan_capaian(as_user(kadis["nip"]), periode["id"], kabid["unor"], "ISTIMEWA")
    rhk_id = as_user(kabid["nip"]).get(f"/penilaian/{penilaian_id}").get_json()["rhk"][0]["id"]

    pages.login(kabid["nip"])
    link = pages.task_link("Isi realisasi")
    html = pages.html(link)
    assert "Jumlah laporan monitoring" in html and "12 Laporan" in html  # the IKI and targets of the RHK
    form = fields_of(html, "realisasi")
    assert f"rhk-{rhk_id}-realisasi" in form
    missing = pages.post(link, {**form, "kirim": "1"})
    assert missing.status_code == 422
    assert re.search(rf'name="rhk-{rhk_id}-realisasi"[^>]*></textarea>\s*<span class="field-error"[^>]*>wajib diisi',
                     missing.get_data(as_text=True))
    draft = pages.post(link, {**form, f"rhk-{rhk_id}-rencana_aksi": "Menyusun laporan", "kirim": "0"})
    assert draft.status_code == 302 and draft.headers["Location"].endswith(link)
    assert "Menyusun laporan</textarea>" in pages.html(link)

    up = pages.client.post(f"/penilaian/{penilaian_id}/bukti-dukung", content_type="multipart/form-data", data={
        "csrf_token": pages.token(), "rhk_id": str(rhk_id), "berkas": (io.BytesIO(b"%PDF-1.4 x"), "laporan.pdf")})
    assert up.status_code == 302
    html = pages.html(link)
    assert "laporan.pdf</a>" in html
    bad = pages.client.post(f"/penilaian/{penilaian_id}/bukti-dukung", content_type="multipart/form-data", data={
        "csrf_token": pages.token(), "rhk_id": str(rhk_id), "berkas": (io.BytesIO(b"<html>"), "x.pdf")},
        follow_redirects=True)
    assert "Jenis berkas tidak diizinkan" in bad.get_data(as_text=True)
    form = fields_of(html, "realisasi")
    sent = pages.post(link, {**form, f"rhk-{rhk_id}-realisasi": "1 laporan monitoring", "kirim": "1"})
    assert sent.status_code == 302

    # the Sekda sets the Dinas's capaian: the Kadis's rating of the Kabid now counts in the Dinas's kurva
    tetapkan_capaian(as_user(find(accounts, "Sekretaris Daerah")["nip"]), periode["id"], kadis["unor"], "BAIK")
    pages.login(kadis["nip"])
    notice = pages.html(pages.task_link("Nilai kinerja"))
    assert "Penilaian ini dapat ditetapkan mulai 31-01-" in notice  # issue 16: not final before the last day
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")  # a penilaian is final from the period's last day on
    assert "dapat ditetapkan mulai" not in pages.html(pages.task_link("Nilai kinerja"))
    link = pages.task_link("Nilai kinerja")
    html = pages.html(link)
    assert "1 laporan monitoring" in html and "laporan.pdf</a>" in html
    # a leader: the page says his rating follows the capaian and preselects it; the Dinas's kurva and the
    # field for an override reason are shown
    assert re.search(r'id="rating-pimpinan">[^<]*Istimewa', html)
    assert re.search(r'name="rating_hasil_kerja" value="DI_ATAS" checked', html)
    # issue 17: each radio sits inside its label, next to its text, in a wrapping row of options
    assert re.search(r'<div class="radio-options">\s*<label class="radio"><input type="radio" name="rating_perilaku" '
                     r'value="[A-Z_]+" ?><span>[^<]+</span></label>', html)
    assert "Kurva distribusi predikat" in html and "<svg" in html and 'name="alasan_kurva"' in html
    preview = re.search(r"data-kuadran='([^']+)'", html).group(1)
    assert '"SANGAT_BAIK"' in preview  # the table evaluated from the deployed DMN
    form = {k: v for k, v in fields_of(html, "penilaian").items() if not k.startswith("rating_")}  # no radio chosen
    no_feedback = pages.post(link, {**form, "rating_hasil_kerja": "DI_ATAS", "rating_perilaku": "DI_ATAS"})
    assert no_feedback.status_code == 422
    page = no_feedback.get_data(as_text=True)
    assert re.search(rf'name="umpan_balik-{rhk_id}"[^>]*></textarea>\s*<span class="field-error"[^>]*>wajib diisi', page)
    assert "Predikat menurut kuadran kinerja: <strong id=\"predikat-value\">Sangat Baik" in page
    no_rating = pages.post(link, {**form, f"umpan_balik-{rhk_id}": "Bagus"})
    assert no_rating.status_code == 422 and "rating_hasil_kerja" in no_rating.get_data(as_text=True)
    rated = {**form, f"umpan_balik-{rhk_id}": "Laporan lengkap", "perilaku-AKUNTABEL": "Tepat waktu",
             "rating_hasil_kerja": "DI_ATAS", "rating_perilaku": "SESUAI"}
    # the Kabid alone in the Dinas's kurva as Baik: 100% Baik and no Butuh Perbaikan break the BAIK rules
    refused = pages.post(link, rated)
    assert refused.status_code == 422
    assert re.search(r'<span class="field-error"[^>]*>wajib diisi karena kurva distribusi tidak terpenuhi',
                     refused.get_data(as_text=True))
    done = pages.post(link, {**rated, "alasan_kurva": "Satu-satunya pegawai yang dinilai pada unit ini"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]

    skp_page = pages.html(f"/skp/{two_approved['kabid']}")
    assert f'href="/penilaian/{penilaian_id}">Januari</a>' in skp_page and "<td>Baik</td>" in skp_page
    detail = pages.html(f"/penilaian/{penilaian_id}")
    assert "Laporan lengkap" in detail and "Tepat waktu" in detail and "<strong>Baik</strong>" in detail
    pages.login(kadis["nip"])
    assert "Satu-satunya pegawai yang dinilai pada unit ini" in pages.html(f"/penilaian/{penilaian_id}")
    pages.login(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pages.get(f"/penilaian/{penilaian_id}").status_code == 404
