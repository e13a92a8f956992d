"""Evaluation in a real browser: the admin opens a period (the page follows the scheduler's progress),
the pegawai fills realisasi with a bukti dukung file, the penilai rates with the predikat preview."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN, find
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_penilaian import PERIODE, admin_of, tetapkan_capaian, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.scheduler import run_once
from workflows import clock


@pytest.mark.browser
def test_periode_realisasi_penilaian_in_the_browser(app, base_url, browser, accounts, as_user, two_approved,  # noqa: F811
                                                     tmp_path):
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "bukti")
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    kabid, kadis = find(accounts, "Kepala Bidang Aplikasi"), find(accounts, "Kepala Dinas")
    periode_id = as_user(admin_of(accounts)["nip"]).post("/periode", json=PERIODE).get_json()["id"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, admin_of(accounts)["nip"])
    page.click("nav summary:has-text('Administrasi')")
    page.click("nav a:has-text('Periode')")
    page.goto(f"{base_url}/periode?tahun={DEMO_TAHUN}")
    page.click(f"#periode-{periode_id} button:has-text('Buka periode')")
    page.wait_for_selector("#kemajuan-status:has-text('Menunggu penjadwal')")
    run_once(app.extensions["db_sessionmaker"], ["pembukaan_periode"])  # the scheduler's round
    page.wait_for_selector("#kemajuan-status:has-text('Selesai')")  # the page polled and reloaded itself
    assert "Dibuka 2" in " ".join(page.inner_text(".ringkasan").split())
    page.click(".topbar button:has-text('Keluar')")

    login(page, base_url, kabid["nip"])
    page.click("table a:has-text('Isi realisasi')")
    page.wait_for_selector("form#realisasi")
    rhk = page.locator("fieldset.rhk").first
    rhk.locator("textarea[name$='-rencana_aksi']").fill("Menyusun laporan monitoring Januari")
    page.click("button:has-text('Simpan draf')")
    page.wait_for_selector("text=Draf tersimpan")
    pdf = tmp_path / "laporan-januari.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.locator("fieldset.rhk").first.locator("input[type=file]").set_input_files(str(pdf))
    page.locator("fieldset.rhk").first.locator("button:has-text('Unggah')").click()
    page.wait_for_selector("text=Bukti dukung 'laporan-januari.pdf' tersimpan")
    rhk = page.locator("fieldset.rhk").first
    assert rhk.locator("textarea[name$='-rencana_aksi']").input_value() == "Menyusun laporan monitoring Januari"
    rhk.locator("textarea[name$='-realisasi']").fill("1 laporan monitoring")
    page.click("button:has-text('Kirim')")
    page.wait_for_selector("text=Realisasi dikirim ke pejabat penilai")
    page.click(".topbar button:has-text('Keluar')")

    # the Kabid leads his Bidang: the Kadis sets its capaian first (ISTIMEWA → rating hasil kerja DI_ATAS)
    tetapkan_capaian(as_user(kadis["nip"]), periode_id, kabid["unor"], "ISTIMEWA")
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")  # a penilaian is final from the period's last day on
    login(page, base_url, kadis["nip"])
    page.click("table a:has-text('Nilai kinerja')")
    page.wait_for_selector("form#penilaian")
    assert "1 laporan monitoring" in page.inner_text("main")
    assert page.locator("a:has-text('laporan-januari.pdf')").count() == 1
    page.locator("fieldset.rhk textarea").first.fill("Laporan lengkap dan tepat waktu")
    page.fill("#perilaku-AKUNTABEL", "Bertanggung jawab atas laporan")
    assert "pilih kedua rating" in page.inner_text("#predikat-value")
    page.check("input[name=rating_hasil_kerja][value=DI_ATAS]")
    page.check("input[name=rating_perilaku][value=DI_ATAS]")
    assert page.inner_text("#predikat-value") == "Sangat Baik"  # from the deployed DMN table, on the page
    page.check("input[name=rating_perilaku][value=DI_BAWAH]")
    assert page.inner_text("#predikat-value") == "Kurang/Misconduct"
    page.check("input[name=rating_perilaku][value=SESUAI]")
    assert page.inner_text("#predikat-value") == "Baik"
    page.screenshot(path=str(tmp_path / "penilaian.png"), full_page=True)
    page.click("button:has-text('Tetapkan penilaian')")
    page.wait_for_selector("text=Penilaian tersimpan")
    page.click("table.penilaian-list a:has-text('Januari')")
    page.wait_for_selector("td.predikat:has-text('Baik')")
    assert "Laporan lengkap dan tepat waktu" in page.inner_text("main")
    assert errors == []
