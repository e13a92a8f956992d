"""Tim kerja in a real browser: the Kepala Dinas forms a team from the "Kinerja Organisasi" menu, adds a ketua
and an anggota; the ketua fills the team's matriks. Every page fits 1366 and 375 px (no sideways page scroll)."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_layanan_browser import logout
from test_skp_api import kadis_approved  # noqa: F401 - fixture

KADIS = "197103151997031002"
ANDI = "198505052010011007"
PUTRI = "199512012020122005"


def fits(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.browser
def test_a_team_is_formed_staffed_and_its_matriks_filled(base_url, browser, tmp_path, kadis_approved):  # noqa: F811
    rhk = kadis_approved["rhk"][0]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, KADIS)
    page.click("nav summary:has-text('Kinerja Organisasi')")
    page.click("nav a:has-text('Tim Kerja')")
    page.wait_for_selector(f"h1:has-text('Tim Kerja {DEMO_TAHUN}')")
    assert "Tim Satu Data Statistik Sektoral" in page.inner_text("table.tim-kerja")  # the demo's team
    fits(page, 375)
    page.screenshot(path=str(tmp_path / "tim-kerja-375.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.select_option("select[name=unor_id]", label="Bidang Aplikasi Informatika")
    page.fill("#bentuk input[name=nama]", "Tim Layanan Digital")
    page.click("button:has-text('Bentuk tim')")
    page.wait_for_selector("h1:has-text('Tim Layanan Digital')")
    page.check(f"input[name=rhk_ids][value='{rhk['id']}']")
    page.click("button:has-text('Simpan tim')")
    page.wait_for_selector(".flash-success:has-text('Tim kerja disimpan')")
    assert rhk["deskripsi"] in page.inner_text("#rhk ol")
    for nip, peran in ((ANDI, "Ketua"), (PUTRI, "Anggota")):
        page.fill("#anggota input[name=nip]", nip)
        page.select_option("#anggota select[name=peran]", label=peran)
        page.click("#anggota button:has-text('Tambahkan')")
        page.wait_for_selector(".flash-success:has-text('ditambahkan')")
    assert "Ketua: Andi Saputra" in page.inner_text("body")
    assert "Putri Ramadhani" in page.inner_text("table.anggota-tim")
    fits(page, 375)
    page.screenshot(path=str(tmp_path / "tim-kerja-detail-375.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)

    login(page, base_url, ANDI)
    page.goto(f"{base_url}/tim-kerja?tahun={DEMO_TAHUN}")
    page.click("a:has-text('Tim Layanan Digital')")
    page.click("a:has-text('Matriks peran hasil')")
    page.wait_for_selector("h1:has-text('Matriks peran hasil Tim Layanan Digital')")
    page.fill(f"textarea[name='sel-{PUTRI}-{rhk['id']}-hasil']", "Tersedianya layanan perizinan daring")
    page.click("button:has-text('Simpan matriks')")
    page.wait_for_selector(".flash-success:has-text('Matriks peran hasil tim disimpan')")
    assert page.input_value(f"textarea[name='sel-{PUTRI}-{rhk['id']}-hasil']") == "Tersedianya layanan perizinan daring"
    page.screenshot(path=str(tmp_path / "tim-kerja-matriks-1366.png"), full_page=True)
    fits(page, 375)
    assert errors == []
