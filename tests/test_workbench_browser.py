"""The workbench in a real browser: open the modeler, rename a task, deploy, see the new version."""
from __future__ import annotations

import pytest
from test_browser import base_url, browser, login  # noqa: F401 - fixtures

OWNER_NIP = "197711052002121003"


def open_modeler(page, base_url, process_id="skp_perencanaan"):
    login(page, base_url, OWNER_NIP)
    page.click("nav summary:has-text('Administrasi')")
    page.click("nav a:has-text('Meja Kerja Proses')")
    page.wait_for_selector("h1:has-text('Meja kerja proses')")
    page.click(f"tr:has-text('{process_id}') a:has-text('Ubah')")
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.wait_for_selector(".djs-element[data-element-id=Task_SusunSkp]")


@pytest.mark.browser
def test_rename_a_task_deploy_and_see_the_new_version(base_url, browser, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_modeler(page, base_url)
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays visible

    # the e-Kinerja properties of the task are read from the spiffworkflow extension
    page.click(".djs-element[data-element-id=Task_SusunSkp]")
    assert page.input_value("#spiff-props [data-key='spiff:formKey']") == "skp-editor"
    # bpmn-js's properties panel and palette speak Indonesian (app/web/static/workbench/translate-id.js)
    panel = page.inner_text("#properties-panel")
    assert "Umum" in panel and "Dokumentasi" in panel
    assert "General" not in panel and "Documentation" not in panel
    assert page.get_attribute(".djs-palette [data-action='create.task']", "aria-label") == "Buat tugas"

    # rename through direct editing on the canvas
    page.dblclick(".djs-element[data-element-id=Task_SusunSkp]")
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type("Susun SKP tahunan")
    page.click(".djs-element[data-element-id=Task_PeriksaSkp]")
    assert "Susun SKP tahunan" in page.text_content(".djs-element[data-element-id=Task_SusunSkp]")

    page.click("#btn-validate")
    page.wait_for_selector("#message .wb-message.ok")
    page.click("#btn-deploy")  # without a comment
    page.wait_for_selector("#message:has-text('Catatan versi wajib diisi')")
    page.fill("#deploy-comment", "Nama tugas penyusunan diperjelas")
    page.click("#btn-deploy")
    page.wait_for_selector("#message:has-text('Versi 2 terpasang')")
    page.screenshot(path=str(tmp_path / "modeler.png"), full_page=True)

    page.click("#message a:has-text('Lihat daftar versi')")
    page.wait_for_selector("#versions")
    row = page.locator("#versions tr[data-version='2']")
    assert "Nama tugas penyusunan diperjelas" in row.inner_text()
    assert "Kepala Bidang Penilaian" in row.inner_text() or "197711052002121003" in row.inner_text()

    # the diff marks the renamed task on both diagrams
    page.click("button:has-text('Bandingkan')")
    page.wait_for_selector("#canvas-new[data-ready=true]")
    assert page.locator("#canvas-new .djs-element.diff-changed[data-element-id=Task_SusunSkp]").count() == 1
    assert "Susun SKP tahunan" in page.inner_text("#changes")
    page.screenshot(path=str(tmp_path / "diff.png"), full_page=True)

    # a broken change is shown at the element and cannot be deployed
    page.goto(f"{base_url}/meja-kerja/skp_perencanaan")
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.click(".djs-element[data-element-id=Task_PeriksaSkp]")
    page.fill("#spiff-props [data-key='spiff:formKey']", "formulir-tidak-ada")
    page.press("#spiff-props [data-key='spiff:formKey']", "Tab")
    page.fill("#deploy-comment", "formulir baru")
    page.click("#btn-deploy")
    page.wait_for_selector("#problems li.error")
    assert "formulir 'formulir-tidak-ada' tidak ada" in page.inner_text("#problems")
    assert page.locator(".djs-element.wb-error[data-element-id=Task_PeriksaSkp]").count() == 1
    page.screenshot(path=str(tmp_path / "error.png"), full_page=True)

    # the decision table opens in dmn-js
    page.click("#tabs button:has-text('predikat_kuadran.dmn')")
    page.wait_for_selector("#dmn-canvas .tjs-table")
    assert "SANGAT_BAIK" in page.inner_text("#dmn-canvas")
    assert "Kebijakan hasil" in page.inner_html("#dmn-canvas")  # dmn-js speaks Indonesian too

    # a form with a live preview rendered as the pegawai's task page renders it
    page.click("#tabs button:has-text('Formulir')")
    page.select_option("#form-select", "konfirmasi")
    page.wait_for_selector("#form-preview label:has-text('Catatan')")
    schema = page.input_value("#form-editor").replace('"properties": {', '"properties": {"alasan": {"type": "string", "title": "Alasan"}, ', 1)
    page.fill("#form-editor", schema)
    page.wait_for_selector("#form-preview label:has-text('Alasan')")
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    print("screenshots in", tmp_path)
    assert errors == []


@pytest.mark.browser
def test_a_file_with_another_existing_process_deploys_it_only_when_ticked(base_url, browser, as_user, app):  # noqa: F811
    from test_deploy_scope import SCRIPT, process, versions

    owner = as_user(OWNER_NIP)
    files = owner.get("/definitions/skp_perencanaan/draft").get_json()["files"]
    stub = process("dialog_kinerja", SCRIPT)
    files["skp_perencanaan.bpmn"] = files["skp_perencanaan.bpmn"].replace("</bpmn:definitions>",
                                                                          stub + "</bpmn:definitions>")
    assert owner.client.put("/api/v1/definitions/skp_perencanaan/draft", headers=owner.headers,
                            json={"files": files}).status_code == 200
    before = versions(app, "dialog_kinerja")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(20000)
    open_modeler(page, base_url)
    page.click("#btn-validate")
    page.wait_for_selector("#deploy-scope input[name=sertakan][value=dialog_kinerja]")
    assert "skp_perencanaan" in page.inner_text("#deploy-scope")
    assert "'dialog_kinerja' yang sudah dipasang" in page.inner_text("#problems")
    page.fill("#deploy-comment", "uji sertakan")
    page.click("#btn-deploy")
    page.wait_for_selector("#message:has-text('dialog_kinerja')")
    assert versions(app, "dialog_kinerja") == before
    page.check("#deploy-scope input[name=sertakan][value=dialog_kinerja]")
    page.wait_for_selector("#message .wb-message.ok")  # checked again: nothing refused any more
    assert "Proses dialog_kinerja versi" in page.inner_text("#deploy-scope")
    page.click("#btn-deploy")
    page.wait_for_selector("#message:has-text('Versi 2 terpasang')")
    assert versions(app, "dialog_kinerja") == before + 1
