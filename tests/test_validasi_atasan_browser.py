"""The validasi data atasan round in a real browser, from the start to the applied correction: the admin kinerja
starts it from "Mulai layanan", the other units confirm (API), the PLT heading a seksi marks a correction on his
phone (375 px), the admin ends the PLT assignment on the Organisasi page and records it on his task."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN
from sqlalchemy import select
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_penilaian import admin_of
from test_validasi_atasan import PROCESS, tasks_of

from app.kinerja.org import Pegawai, PenugasanPltPlh
from app.kinerja.susunan_unit import susunan
from workflows import clock

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def logout(page):
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/")
    if page.locator(".menu-toggle").is_visible():
        page.click(".menu-toggle")
    page.click(".topbar button:has-text('Keluar')")
    page.wait_for_selector("#nip")


@pytest.mark.browser
def test_validasi_round_in_the_browser(app, base_url, browser, accounts, as_user, tmp_path):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-03-02T09:00:00+07:00")
    admin_nip = admin_of(accounts)["nip"]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, base_url, admin_nip)
    page.click(".topbar a:has-text('Mulai Layanan')")
    card = page.locator(".layanan-list li:has-text('Validasi data atasan')")
    card.locator("a:has-text('Mulai')").last.click()
    page.wait_for_selector("h1:has-text('Validasi data atasan')")
    page.fill("[name=batas_konfirmasi]", f"{DEMO_TAHUN}-03-10")
    page.click("button:has-text('Mulai')")
    page.wait_for_selector(".flash-success:has-text('dimulai')")
    logout(page)

    session = app.extensions["db_sessionmaker"]()
    instansi_id = session.scalar(select(Pegawai.instansi_id).where(Pegawai.nip == admin_nip))
    units = susunan(session, instansi_id)
    session.close()
    plt_unit = next(u for u in units if u["kepala"]["sebagai"].startswith("PLT"))
    staff = next(p for p in plt_unit["pegawai"] if p["nip"] != plt_unit["kepala_nip"])
    instance_id = next(t["instance_id"] for t in as_user(plt_unit["kepala_nip"]).get("/tasks").get_json()
                       if t["title"].startswith("Validasi data atasan"))
    for unit in units:
        if unit is plt_unit:
            continue
        api = as_user(unit["kepala_nip"])
        [task] = [t for t in tasks_of(api, instance_id) if t["title"] == f"Validasi data atasan: {unit['nama']}"]
        assert api.post(f"/tasks/{task['id']}/complete",
                        json={"data": {"hasil": {"keputusan": "SESUAI"}}}).status_code == 200

    # the PLT marks a correction on his phone
    phone = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    phone.set_default_timeout(20000)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    login(phone, base_url, plt_unit["kepala_nip"])
    phone.locator(f"tr:has-text('Validasi data atasan: {plt_unit['nama']}') a:has-text('Buka')").click()
    phone.wait_for_selector("select[name='hasil.keputusan']")
    phone.wait_for_load_state("load")
    body = phone.inner_text("main")
    assert staff["nama"] in body and "PLT" in body and staff["pejabat_penilai"] in body
    phone.select_option("select[name='hasil.keputusan']", "ADA_KOREKSI")
    phone.fill("[name='hasil.koreksi[0].nip']", staff["nip"])
    phone.fill("[name='hasil.koreksi[0].koreksi']", "Penugasan PLT sudah berakhir: pejabat penilai Kepala Bidang")
    assert phone.evaluate(FITS)
    phone.screenshot(path=str(tmp_path / "validasi-unit-375.png"), full_page=True)
    phone.click("button:has-text('Kirim')")
    phone.wait_for_selector(".flash-success")
    phone.close()

    # the admin applies it with the organisation tools and records it
    login(page, base_url, admin_nip)
    page.locator("tr:has-text('Terapkan 1 koreksi data atasan') a:has-text('Buka')").click()
    page.wait_for_selector("textarea[name=catatan_penerapan]")
    assert "Penugasan PLT sudah berakhir" in page.inner_text("main")
    task_url = page.url
    page.goto(f"{base_url}/organisasi")
    row = page.locator(f"table.penugasan tr:has-text('{plt_unit['kepala_nip']}')")
    row.locator("button:has-text('Akhiri')").click()
    page.wait_for_selector("text=Penugasan diakhiri")
    session = app.extensions["db_sessionmaker"]()
    assert session.scalar(select(PenugasanPltPlh.tmt_selesai)) is not None  # recorded by the organisation tool
    session.close()
    page.goto(task_url)
    page.fill("textarea[name=catatan_penerapan]", f"Penugasan PLT {plt_unit['nama']} diakhiri di halaman Organisasi")
    page.check("input[name=selesai]")
    page.click("button:has-text('Kirim')")
    page.wait_for_selector(".flash-success")
    assert as_user(admin_nip).get(f"/instances/{instance_id}").get_json()["status"] == "completed"
    assert errors == []
