"""The admin console's diagrams in a real browser: markers on one instance, badges on a definition."""
from __future__ import annotations

import pytest
from test_admin import complete_open, people, start_uji  # noqa: F401 - fixture
from test_browser import base_url, browser, login  # noqa: F401 - fixtures


@pytest.mark.browser
def test_instance_markers_and_definition_badges(app, base_url, browser, as_user, people, tmp_path):  # noqa: F811
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=0, n=3)
    complete_open(as_user, people["pegawai"]["nip"], ids[0])  # → error at Script_Hitung
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, base_url, people["admin"]["nip"])

    page.goto(f"{base_url}/admin/instance/{ids[0]}")
    page.wait_for_selector("#diagram[data-ready='1']")
    assert page.locator(".djs-element.admin-error[data-element-id='Script_Hitung']").count() == 1
    assert page.locator(".djs-element.admin-selesai[data-element-id='Task_Isi']").count() == 1
    assert page.locator(".djs-element.admin-aktif").count() == 0
    page.screenshot(path=str(tmp_path / "instance.png"), full_page=True)

    definition_id = as_user(people["admin"]["nip"]).get(f"/admin/instances/{ids[0]}").get_json()["definition_id"]
    page.goto(f"{base_url}/admin/definisi/{definition_id}?lebih_dari_hari=0")
    page.wait_for_selector("#diagram[data-ready='1']")
    waiting = page.locator(".djs-overlay-container [data-container-id='Task_Isi'] a.admin-badge").first
    assert waiting.inner_text() == "2"
    errored = page.locator(".djs-overlay-container [data-container-id='Script_Hitung'] a.admin-badge-error")
    assert errored.inner_text() == "1"
    page.screenshot(path=str(tmp_path / "definition.png"), full_page=True)
    errored.click()
    page.wait_for_selector("table.admin-list")
    assert page.locator("table.admin-list tbody tr").count() == 1
    assert f"/admin/instance/{ids[0]}" in page.inner_html("table.admin-list")

    # a batch from the filtered list: count first, then the run with its progress on the batch page
    page.goto(f"{base_url}/admin/instance?process_id=uji_admin")
    page.click("summary:has-text('Tindakan massal')")
    page.select_option("select[name=action]", "suspend")
    page.fill("details input[name=reason]", "audit data")
    page.click("button:has-text('Lihat jumlah dulu')")
    assert page.inner_text("#jumlah") == "3"
    page.click("button:has-text('Jalankan pada 3 instance')")
    page.click("button:has-text('Mulai jalankan')")
    page.wait_for_selector("text=3 dari 3 diproses")
    assert "status selesai" in page.inner_text("main") and page.locator("table.grid tbody tr").count() == 3
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    print("screenshots in", tmp_path)
    assert errors == []
