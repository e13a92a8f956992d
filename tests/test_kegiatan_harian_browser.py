"""Kegiatan harian on a 375 px phone: the pegawai records an activity from the menu, sees the week and the
month; the atasan reads it among his bawahan's and comments; nothing is wider than the screen."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN, find
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_penilaian import two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from workflows import clock

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.browser
def test_kegiatan_harian_on_a_phone(app, base_url, browser, accounts, two_approved, tmp_path):  # noqa: F811
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "bukti")
    clock.set(f"{DEMO_TAHUN}-01-20T09:00:00+07:00")
    kabid, kadis = find(accounts, "Kepala Bidang Aplikasi"), find(accounts, "Kepala Dinas")
    page = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, kabid["nip"])
    page.click(".menu-toggle")
    page.click("nav summary:has-text('Kinerja Saya')")
    page.click("nav a:has-text('Kegiatan Harian')")
    page.wait_for_selector("form#entri")
    page.wait_for_load_state("load")
    assert page.evaluate(FITS)
    assert page.input_value("#tanggal") == f"{DEMO_TAHUN}-01-20"
    page.select_option("#rhk_id", index=1)
    page.fill("#uraian", "Rapat koordinasi pengembangan aplikasi kepegawaian bersama bidang terkait")
    page.click("summary:has-text('Output, tautan')")
    page.fill("#output", "Notulen rapat")
    page.fill("#tautan", "https://drive.example.go.id/notulen-rapat-koordinasi-aplikasi-kepegawaian-januari")
    page.click("button:has-text('Simpan kegiatan')")
    page.wait_for_selector(f"text=Kegiatan 20-01-{DEMO_TAHUN} tersimpan")
    page.wait_for_load_state("load")
    card = page.locator("#hari-2026-01-20 article.kegiatan")
    assert card.count() == 1 and "Notulen rapat" in card.inner_text()
    assert page.evaluate(FITS)
    page.screenshot(path=str(tmp_path / "kegiatan-minggu-375.png"), full_page=True)
    page.click(".kegiatan-tampilan a:has-text('Bulan')")
    page.wait_for_selector(f"#rentang:has-text('01-01-{DEMO_TAHUN} s.d. 31-01-{DEMO_TAHUN}')")
    page.wait_for_load_state("load")
    assert page.locator("section.kegiatan-hari").count() == 1 and page.evaluate(FITS)
    page.click(".menu-toggle")
    page.click(".topbar button:has-text('Keluar')")

    login(page, base_url, kadis["nip"])
    page.goto(f"{base_url}/kegiatan-harian?tanggal={DEMO_TAHUN}-01-20")
    page.select_option("#pilih-pegawai", kabid["nip"])
    page.click("form.kegiatan-bawahan button:has-text('Tampilkan')")
    page.wait_for_selector("article.kegiatan")
    page.wait_for_load_state("load")
    assert page.locator("form#entri").count() == 0 and page.evaluate(FITS)
    page.fill("article.kegiatan textarea[name=komentar]", "Mohon lampirkan daftar hadir")
    page.click("article.kegiatan button:has-text('Simpan komentar')")
    page.wait_for_selector(f"text=Komentar untuk")
    assert "Mohon lampirkan daftar hadir" in page.inner_text("article.kegiatan .komentar")
    page.wait_for_load_state("load")
    assert page.evaluate(FITS)
    page.screenshot(path=str(tmp_path / "kegiatan-atasan-375.png"), full_page=True)
    assert errors == []
