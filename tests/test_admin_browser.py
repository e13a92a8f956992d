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
    print("screenshots in", tmp_path)
    assert errors == []
