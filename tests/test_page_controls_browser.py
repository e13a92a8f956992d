"""Issue 17 in a real browser: the SKP PDF beside the review form on a wide screen, a "Lihat PDF" link on
a phone; the file input names the chosen file (Debian chromium, headless; SQLite and PostgreSQL)."""
from __future__ import annotations

import os

import pytest
from conftest import find
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_pages import Pages, create_skp, fields_of, jpt_editor, submit_editor
from test_penilaian import admin_of

SHOTS = os.environ.get("EKINERJA_SCREENSHOTS")  # a folder to keep the screenshots in, for a look


@pytest.mark.browser
def test_review_pdf_beside_the_form_and_file_input(base_url, browser, accounts, client, tmp_path):  # noqa: F811
    kadis, sekda = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    pages = Pages(client)
    pages.login(kadis["nip"])
    task_url = create_skp(pages)
    data = jpt_editor(fields_of(pages.html(task_url), "skp-editor"), "Meningkatnya layanan digital")
    assert submit_editor(pages, task_url, data, ajukan=True).status_code == 302

    wide = browser.new_page(viewport={"width": 1366, "height": 900})
    wide.set_default_timeout(15000)
    login(wide, base_url, sekda["nip"])
    wide.click("a:has-text('Periksa SKP')")
    frame = wide.locator("#skp-pdf-preview")
    frame.wait_for(state="visible")
    wide.wait_for_load_state("load")  # measured once the stylesheet has laid the page out
    form, pdf = wide.locator(".review-main").bounding_box(), frame.bounding_box()
    assert pdf["x"] >= form["x"] + form["width"] and pdf["width"] > 400 and pdf["height"] > 400
    assert not wide.locator("a:has-text('Lihat PDF')").is_visible()
    if SHOTS:
        wide.wait_for_timeout(4000)
        wide.screenshot(path=f"{SHOTS}/review-1366.png")

    phone = browser.new_page(viewport={"width": 375, "height": 800})
    phone.set_default_timeout(15000)
    login(phone, base_url, sekda["nip"])
    phone.goto(wide.url)
    phone.wait_for_load_state("load")
    assert phone.locator("a:has-text('Lihat PDF')").is_visible()
    assert not phone.locator("#skp-pdf-preview").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/review-375.png", full_page=True)

    phone = browser.new_page(viewport={"width": 375, "height": 800})  # a fresh browser for the admin
    phone.set_default_timeout(15000)
    login(phone, base_url, admin_of(accounts)["nip"])
    phone.goto(f"{base_url}/organisasi")
    assert phone.locator(".file-pick .file-name").first.inner_text() == "Belum ada berkas dipilih"
    csv = tmp_path / "unor-baru.csv"
    csv.write_text("kode,nama\n")
    phone.locator("#berkas-impor").set_input_files(str(csv))
    assert phone.locator(".file-pick .file-name").first.inner_text() == "unor-baru.csv"
    phone.locator("#berkas-impor").focus()
    assert phone.evaluate("document.activeElement.id") == "berkas-impor"  # reachable by keyboard
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/organisasi-375.png")
