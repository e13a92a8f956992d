"""The pegawai-to-penilai happy path in a real browser (Debian chromium, headless), on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    """Chromium; every page it opens must run without a Content-Security-Policy violation."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        violations = []
        new_page = chromium.new_page

        def watched_page(*args, **kwargs):
            page = new_page(*args, **kwargs)
            page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
                    if "Content Security Policy" in msg.text else None)
            return page

        chromium.new_page = watched_page
        yield chromium
        chromium.close()
        assert violations == [], violations


def login(page, base_url, nip):
    page.goto(f"{base_url}/masuk")
    page.fill("#nip", nip)
    page.fill("#kata_sandi", DEMO_PASSWORD)
    page.click("button:has-text('Masuk')")
    page.wait_for_selector("h1:has-text('Profil pegawai')")  # the beranda is the landing page
    page.goto(f"{base_url}/")
    page.wait_for_selector("h1:has-text('Tugas Saya')")


@pytest.mark.browser
def test_pegawai_to_penilai_in_the_browser(base_url, browser, accounts, tmp_path):
    kadis, sekda = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, kadis["nip"])
    page.fill("input[name=tahun]", str(DEMO_TAHUN))
    page.select_option("#pendekatan", "KUANTITATIF")
    page.click("button:has-text('Buat SKP')")
    page.wait_for_selector("#skp-editor")

    rhk = page.locator("fieldset.rhk")
    first = rhk.nth(0)
    first.locator("textarea[name$='-deskripsi']").fill("Meningkatnya kualitas layanan digital pemerintah daerah")
    first.locator("select[name$='-klasifikasi']").select_option("ORGANISASI")
    first.locator("input[name$='-penugasan_dari']").fill("Gubernur")
    first.locator("select[name$='-perspektif']").first.select_option("PENERIMA_LAYANAN")
    first.locator("textarea[name$='-indikator']").first.fill("Indeks kepuasan pengguna layanan digital")
    first.locator("input[name$='-target']").first.fill("85 %")
    # a second IKI for the first RHK, added with the button
    first.locator("button:has-text('Tambah IKI')").click()
    assert first.locator("tr.iki-row").count() == 2
    first.locator("tr.iki-row").nth(1).locator("select").select_option("PROSES_BISNIS")
    first.locator("tr.iki-row").nth(1).locator("textarea").fill("Persentase layanan yang terdigitalisasi")
    first.locator("tr.iki-row").nth(1).locator("input[name$='-target']").fill("70 %")
    # a second RHK with its own IKI, then an extra IKI added and removed again
    page.click("button:has-text('Tambah RHK')")
    assert rhk.count() == 2
    second = rhk.nth(1)
    second.locator("select[name$='-jenis']").select_option("TAMBAHAN")
    second.locator("textarea[name$='-deskripsi']").fill("Terlaksananya pembinaan SDM TIK")
    second.locator("select[name$='-klasifikasi']").select_option("INDIVIDU")
    second.locator("select[name$='-perspektif']").first.select_option("PENGUATAN_INTERNAL")
    second.locator("textarea[name$='-indikator']").first.fill("Jumlah pegawai yang mengikuti pelatihan TIK")
    second.locator("input[name$='-target']").first.fill("40 Orang")
    second.locator("button:has-text('Tambah IKI')").click()
    assert second.locator("tr.iki-row").count() == 2
    second.locator("tr.iki-row").nth(1).locator("button:has-text('Hapus')").click()
    assert second.locator("tr.iki-row").count() == 1
    page.fill("textarea[name='lampiran-dukungan_sumber_daya']", "Anggaran APBD\nTim teknis aplikasi")
    page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)

    page.click("button:has-text('Ajukan')")
    page.wait_for_selector("text=SKP diajukan")
    assert "Diajukan" in page.inner_text(".meta")
    skp_url = page.url
    page.click(".topbar button:has-text('Keluar')")
    page.wait_for_selector("#nip")

    login(page, base_url, sekda["nip"])
    page.screenshot(path=str(tmp_path / "tugas.png"), full_page=True)
    page.click("table a:has-text('Periksa SKP')")
    page.wait_for_selector("button:has-text('Setujui')")
    assert "Terlaksananya pembinaan SDM TIK" in page.content()
    page.fill("#ekspektasi-AKUNTABEL", "Laporan kinerja disampaikan tepat waktu")
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    page.click("button:has-text('Setujui')")
    page.wait_for_selector("text=Keputusan tersimpan")
    assert page.url == skp_url
    assert "Disetujui" in page.inner_text(".meta")
    body = page.inner_text("main")
    assert "Laporan kinerja disampaikan tepat waktu" in body and "Persentase layanan yang terdigitalisasi" in body
    assert "Unduh PDF" in body
    page.screenshot(path=str(tmp_path / "skp.png"), full_page=True)
    print("screenshots in", tmp_path)
    assert errors == []
