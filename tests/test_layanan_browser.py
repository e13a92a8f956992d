"""A process added by files under bpmn/ only, end to end in a real browser: the process owner deploys a new
version from the workbench, a pegawai starts it from "Mulai layanan", the pejabat penilai decides, the
admin console shows it completed. Screenshots of the new pages at 1366 and 375 px go to tmp_path."""
from __future__ import annotations

import pytest
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_workbench_browser import OWNER_NIP

DEWI = "199105072015032001"
AGUS = "198002142005011004"
ADMIN = "199302142019031006"
PROCESS = "permohonan_perubahan_skp"


def logout(page):
    page.click(".topbar button:has-text('Keluar')")
    page.wait_for_selector("#nip")


@pytest.mark.browser
def test_permohonan_perubahan_skp_from_workbench_to_admin_console(base_url, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the process owner renames the decision task in the modeler and deploys version 2
    login(page, base_url, OWNER_NIP)
    page.click("nav summary:has-text('Administrasi')")
    page.click("nav a:has-text('Meja Kerja Proses')")
    page.click(f"tr:has-text('{PROCESS}') a:has-text('Ubah')")
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.wait_for_selector(".djs-element[data-element-id=Task_Putuskan]")
    page.dblclick(".djs-element[data-element-id=Task_Putuskan]")
    page.locator(".djs-direct-editing-parent").wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type("Putuskan permohonan")
    page.click(".djs-element[data-element-id=Start_Permohonan]")
    page.fill("#deploy-comment", "Nama tugas keputusan dipersingkat")
    page.click("#btn-deploy")
    page.wait_for_selector("#message:has-text('Versi 2 terpasang')")
    logout(page)

    # a pegawai finds it under "Mulai layanan" and starts it
    login(page, base_url, DEWI)
    page.click(".topbar a:has-text('Mulai Layanan')")
    page.wait_for_selector("h1:has-text('Mulai layanan')")
    card = page.locator(".layanan-list li:has-text('Permohonan perubahan SKP')")
    assert "versi 2" in card.inner_text()
    page.screenshot(path=str(tmp_path / "layanan-1366.png"), full_page=True)
    card.locator("a:has-text('Mulai')").last.click()
    page.wait_for_selector("h1:has-text('Permohonan perubahan SKP')")
    page.click("button:has-text('Mulai')")  # alasan is required: the browser or the server refuses
    assert "Permohonan perubahan SKP" in page.inner_text("h1")
    page.select_option("#f-jenis_perubahan", "Mengubah target")
    page.fill("#f-alasan", "Target laporan berubah karena tugas tambahan dari pimpinan")
    page.screenshot(path=str(tmp_path / "layanan-mulai-1366.png"), full_page=True)
    page.click("button:has-text('Mulai')")
    page.wait_for_selector(".flash-success:has-text('dimulai')")
    business_key = page.inner_text(".flash-success").split("nomor ")[1].split(")")[0]
    assert business_key.startswith(f"{PROCESS}:")
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(tmp_path / "layanan-375.png"), full_page=True)
    page.goto(f"{base_url}/layanan/{PROCESS}")
    page.screenshot(path=str(tmp_path / "layanan-mulai-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1366, "height": 900})
    logout(page)

    # the pejabat penilai of the pegawai decides, from Tugas Saya
    login(page, base_url, AGUS)
    page.click("table a:has-text('Putuskan permohonan')")
    page.wait_for_selector("h1:has-text('Putuskan permohonan')")
    page.select_option("#f-keputusan", "DISETUJUI")
    page.fill("#f-catatan_penilai", "Disetujui, sesuaikan SKP")
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    logout(page)

    # the admin console shows it completed
    login(page, base_url, ADMIN)
    page.goto(f"{base_url}/admin/instance?status=completed")
    row = page.locator(f"tr:has-text('{business_key}')")
    row.wait_for()
    assert "Selesai" in row.inner_text() and "Dewi Lestari" in row.inner_text()
    page.screenshot(path=str(tmp_path / "admin-1366.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_selector(f"text={business_key}")
    body = page.inner_text("main")
    assert "Putuskan permohonan" in body
    page.goto(f"{base_url}/organisasi")
    page.wait_for_selector("#peran-unit")
    page.screenshot(path=str(tmp_path / "organisasi-1366.png"), full_page=True)
    assert errors == []
