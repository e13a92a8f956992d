"""Keberatan in a real browser: the pegawai starts it from "Mulai layanan" choosing his final penilaian, the
pejabat penilai explains and the atasan pejabat penilai decides on the generic task page; the penilaian page
then shows the new predikat and the three sections. Screenshots at 1366 and 375 px go to tmp_path."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_keberatan import final_jf  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture used by final_jf

from workflows import clock


def logout(page):
    page.click(".topbar button:has-text('Keluar')")
    page.wait_for_selector("#nip")


def fits_a_phone(page) -> bool:
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_load_state("load")
    fits = page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1366, "height": 900})
    return fits


@pytest.mark.browser
def test_keberatan_start_penjelasan_keputusan(base_url, browser, final_jf, tmp_path):  # noqa: F811
    penilaian_id = final_jf["penilaian_id"]
    clock.set(f"{DEMO_TAHUN}-02-03T10:00:00+07:00")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, final_jf["jf_nip"])
    page.click(".topbar a:has-text('Mulai Layanan')")
    card = page.locator(".layanan-list li:has-text('Keberatan atas hasil penilaian kinerja')")
    card.locator("a:has-text('Mulai')").last.click()
    page.wait_for_selector("h1:has-text('Keberatan atas hasil penilaian kinerja')")
    options = page.locator("#f-penilaian_id option").all_inner_texts()
    assert any("Januari" in o and "Baik" in o for o in options), options
    page.select_option("#f-penilaian_id", str(penilaian_id))
    page.fill("#f-alasan", "Realisasi saya melampaui target bulan Januari")
    page.screenshot(path=str(tmp_path / "keberatan-mulai-1366.png"), full_page=True)
    assert fits_a_phone(page)
    page.click("button:has-text('Mulai')")
    page.wait_for_selector(".flash-success:has-text('dimulai')")
    logout(page)

    login(page, base_url, final_jf["penilai_nip"])
    page.click("table a:has-text('Beri penjelasan atas keberatan')")
    page.wait_for_selector("#f-penjelasan")
    assert "Realisasi saya melampaui target bulan Januari" in page.inner_text("main")
    page.fill("#f-penjelasan", "Bukti dukung RHK kedua belum diunggah")
    assert fits_a_phone(page)
    page.screenshot(path=str(tmp_path / "keberatan-penjelasan-1366.png"), full_page=True)
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    logout(page)

    login(page, base_url, final_jf["atasan_nip"])
    assert "Keputusan atas keberatan: Januari" in page.inner_text("table")
    page.click("table a:has-text('Putuskan keberatan')")
    page.wait_for_selector("#f-predikat_akhir")
    main = page.inner_text("main")
    assert "Bukti dukung RHK kedua belum diunggah" in main and "Realisasi saya melampaui target" in main
    page.select_option("#f-predikat_akhir", "SANGAT_BAIK")
    page.fill("#f-pertimbangan", "Bukti dukung telah diperiksa dan sah")
    assert fits_a_phone(page)
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    logout(page)

    login(page, base_url, final_jf["jf_nip"])
    page.goto(f"{base_url}/penilaian/{penilaian_id}")
    page.wait_for_load_state("load")
    assert page.inner_text("td.predikat") == "Sangat Baik"
    text = page.inner_text("main")
    for judul in ("Keberatan", "Penjelasan pejabat penilai atas keberatan", "Keputusan atasan pejabat penilai kinerja"):
        assert judul in text, judul
    assert "Predikat kinerja diubah dari Baik menjadi Sangat Baik" in text
    page.screenshot(path=str(tmp_path / "keberatan-penilaian-1366.png"), full_page=True)
    assert fits_a_phone(page)
    assert errors == []
