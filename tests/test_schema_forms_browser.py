"""A schema-built form in a real browser at phone width: array rows added and removed, a file uploaded."""
from __future__ import annotations

import os

import pytest
from test_browser import CHROMIUM, base_url, browser, login  # noqa: F401  (fixtures)
from test_schema_forms import PDF, form_task, instance_data  # noqa: F401  (fixture)

SHOTS = os.environ.get("FORM_SCREENSHOTS")  # a folder: the pages are also photographed at 1366 and 375 px


@pytest.mark.browser
def test_rows_are_added_and_removed_and_a_file_is_uploaded_on_a_phone(base_url, browser, form_task, app, tmp_path):
    pdf = tmp_path / "surat-tugas.pdf"
    pdf.write_bytes(PDF)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    login(page, base_url, form_task["nip"])
    page.click("a:has-text('Isi permohonan uji')")
    page.wait_for_selector("h1:has-text('Isi permohonan uji')")
    # nothing of the form is wider than the phone's screen
    assert page.evaluate("document.querySelector('form.schema-form').scrollWidth") <= 375

    page.fill("#f-perihal", "Rapat koordinasi")
    page.fill("#f-jumlah_hari", "2")
    page.fill("#f-biaya", "1,25")
    page.fill("#f-tanggal_mulai", "2026-04-01")
    page.select_option("#f-jenis", "DINAS")
    page.check("#f-mendesak")
    page.fill("#f-alamat-kota", "Cimahi")
    page.fill("#f-peserta-0-nama", "Ani")
    add = page.locator("#f-peserta > .row-add")
    add.click()
    add.click()
    rows = page.locator("#f-peserta > .array-rows > .array-row")
    assert rows.count() == 3  # the blank row offered without JavaScript, and two added
    page.fill("#f-peserta-1-nama", "Budi")
    page.fill("#f-peserta-2-nama", "Citra")
    page.fill("#f-peserta-2-jam", "3,5")
    rows.nth(1).locator(".row-remove").click()  # Budi goes
    assert rows.count() == 2
    page.locator("#f-kata_kunci > .row-add").click()
    page.fill("#f-kata_kunci-1", "pelatihan")
    page.set_input_files("#f-surat_tugas", str(pdf))
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "form-375.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        page.wait_for_timeout(300)  # let the page lay out again before the photograph (nothing is asserted)
        page.screenshot(path=os.path.join(SHOTS, "form-1366.png"), full_page=True)
    page.click("button:has-text('Kirim')")
    page.wait_for_selector("h1:has-text('Tugas Saya')")

    data = instance_data(app, form_task["instance_id"])
    assert data["peserta"] == [{"nama": "Ani"}, {"nama": "Citra", "jam": 3.5}]
    assert data["kata_kunci"] == ["pelatihan"] and data["biaya"] == 1.25 and data["mendesak"] is True
    assert data["alamat"] == {"kota": "Cimahi"} and isinstance(data["surat_tugas"], int)
    assert (form_task["folder"]).is_dir() and any(form_task["folder"].iterdir())
    page.close()
