"""Pelaporan kinerja in a real browser: the admin kinerja assigns a verifikator on the Organisasi page and starts
the report from "Mulai layanan"; Kominfo's verifikator and operator act on the generic task page (also at 375 px);
the admin finalises and downloads the XLSX report from the admin console, NIPs stored as text. The other two
units act through the API to keep the test short."""
from __future__ import annotations

import io

import openpyxl
import pytest
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_layanan_browser import logout
from test_pelaporan import (ADMIN, AGUS, AISYAH, DEWI, KODE, OPERATOR, PROCESS, SEKDA, WULAN, _unor_ids, assign,
                            complete, prepare_year, tasks_of)

from app import jobs
from conftest import DEMO_TAHUN


@pytest.mark.browser
def test_pelaporan_kinerja_end_to_end_in_the_browser(app, base_url, browser, as_user, run_jobs, tmp_path):  # noqa: F811
    factory = app.extensions["db_sessionmaker"]
    admin = as_user(ADMIN)
    prepare_year(factory, admin)
    units = _unor_ids(factory)
    for kode in ("SETDA", "BKD"):
        assign(admin, units[kode], "verifikator", KODE[kode])
    for kode in ("SETDA", "KOMINFO", "BKD"):
        assign(admin, units[kode], "operator", OPERATOR[kode])

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the admin kinerja gives Kominfo its verifikator, then starts the report of the year
    login(page, base_url, ADMIN)
    page.goto(f"{base_url}/organisasi")
    form = page.locator("form.peran-unor-form")
    form.locator("select[name=unor_id]").select_option(label="Dinas Komunikasi dan Informatika")
    form.locator("select[name=peran]").select_option("verifikator")
    form.locator("input[name=nip]").fill(AGUS)
    form.locator("button:has-text('Tetapkan')").click()
    page.wait_for_selector("table.peran-unor tr:has-text('Agus Salim')")
    page.click(".topbar a:has-text('Mulai Layanan')")
    card = page.locator(".layanan-list li:has-text('Pelaporan kinerja')")
    assert "akhir Februari tahun berikutnya" in card.inner_text()
    card.locator("a:has-text('Mulai')").last.click()
    page.wait_for_selector("h1:has-text('Pelaporan kinerja')")
    page.fill("#f-tahun", str(DEMO_TAHUN))
    page.click("button:has-text('Mulai')")
    page.wait_for_selector(".flash-success:has-text('dimulai')")
    business_key = page.inner_text(".flash-success").split("nomor ")[1].split(")")[0]
    assert business_key.startswith(f"{PROCESS}:")
    logout(page)
    [instance_id] = {t["instance_id"] for t in as_user(AGUS).get("/tasks").get_json()
                     if t["form"] == "verifikasi-penilaian-unit"}

    # Kominfo's verifikator sees the unit's pegawai and their predikat, and verifies
    login(page, base_url, AGUS)
    page.click("tr:has-text('Verifikasi penilaian kinerja Dinas Komunikasi') a:has-text('Buka')")
    page.wait_for_selector("h1:has-text('Verifikasi penilaian')")
    page.wait_for_load_state("load")
    body = page.inner_text("main")
    assert "Dewi Lestari" in body and "Sangat Baik" in body
    page.set_viewport_size({"width": 375, "height": 800})
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "pelaporan-verifikasi-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1366, "height": 900})
    page.select_option("#f-keputusan_verifikasi", "VALID")
    page.fill("#f-catatan_verifikasi", "Data lengkap")
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    logout(page)

    # its operator collects
    login(page, base_url, DEWI)
    page.click("tr:has-text('Kumpulkan penilaian kinerja Dinas Komunikasi') a:has-text('Buka')")
    page.wait_for_selector("h1:has-text('Kumpulkan penilaian')")
    assert "Data lengkap" in page.inner_text("main")  # the verifikator's note, read only
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    logout(page)

    # the other units, through the API
    for verifikator, operator in ((SEKDA, SEKDA), (WULAN, AISYAH)):
        [task] = [t for t in tasks_of(as_user(verifikator), instance_id) if t["form"] == "verifikasi-penilaian-unit"]
        complete(as_user(verifikator), task, {"keputusan_verifikasi": "VALID"})
        [task] = [t for t in tasks_of(as_user(operator), instance_id) if t["form"] == "kumpulkan-penilaian-unit"]
        complete(as_user(operator), task, {})

    # the admin kinerja finalises; the report is made in the background and shown in the admin console
    login(page, base_url, ADMIN)
    page.click(f"tr:has-text('Finalisasi laporan kinerja instansi {DEMO_TAHUN}') a:has-text('Buka')")
    page.wait_for_selector("h1:has-text('Finalisasi laporan')")
    assert "Badan Kepegawaian Daerah" in page.inner_text("main")  # the summary per unit
    page.click("button:has-text('Kirim')")  # not ticked: refused, naming the field
    page.wait_for_selector("text=Finalkan laporan")
    assert page.locator(".flash-success").count() == 0
    page.check("#f-finalkan")
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    assert run_jobs()[jobs.DONE] == 1
    page.goto(f"{base_url}/admin/instance/{instance_id}")
    page.wait_for_selector("#dokumen")
    link = page.locator(f"a:has-text('laporan-kinerja-{DEMO_TAHUN}.xlsx')")
    assert page.locator(f"a:has-text('laporan-kinerja-{DEMO_TAHUN}.csv')").count() == 1
    with page.expect_download() as download:
        link.click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    nips = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert len(nips) > 20 and all(c.data_type == "s" and len(c.value) == 18 for c in nips)
    assert DEWI in [c.value for c in nips]
    page.screenshot(path=str(tmp_path / "pelaporan-admin-1366.png"), full_page=True)
    assert errors == []
