"""Issue 16 item 10: a pejabat penilai approves several submitted SKP at once (POST /api/v1/tasks/bulk-complete
and the page /persetujuan-massal); each item its own task completion, a result per item, a failing item
leaves nothing behind; a bulk approval racing a single one completes the task once (PostgreSQL)."""
from __future__ import annotations

import re
import threading

import pytest
from conftest import Api, find
from sqlalchemy import func, select
from test_penilaian import admin_of
from test_browser import base_url, browser  # noqa: F401 - fixtures
from test_skp_api import JPT_RHK, create_and_submit

from app.kinerja.skp import PerilakuSkp, Skp
from workflows.models import Instance, InstanceEvent

KEPALA_BKD = "Kepala Badan Kepegawaian"


def _db(app):
    return app.extensions["db_sessionmaker"]()


def _reviews(api):
    return {t["business_key"]: t["id"] for t in api.get("/tasks").get_json() if t["form"] == "skp-review"}


def _completions(app, skp_id) -> int:
    db = _db(app)
    try:
        return db.scalar(select(func.count()).select_from(InstanceEvent).join(Instance)
                         .where(Instance.business_key == f"skp:{skp_id}", InstanceEvent.kind == "task_completed",
                                InstanceEvent.task_name == "Periksa SKP"))
    finally:
        db.close()


@pytest.fixture
def two_submitted(accounts, as_user):
    """The Kepala Dinas and the Kepala BKD (both evaluated by the Sekda) have submitted their SKP."""
    kadis, bkd = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, KEPALA_BKD)["nip"])
    return [create_and_submit(kadis, [JPT_RHK]), create_and_submit(bkd, [JPT_RHK])]


def test_bulk_api_result_per_item(app, accounts, as_user, two_submitted):
    sekda = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    tasks = _reviews(sekda)
    first, second = (tasks[f"skp:{i}"] for i in two_submitted)
    pegawai = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert pegawai.post("/tasks/bulk-complete", json={"items": [{"task_id": first, "data": {
        "keputusan": "SETUJUI"}}]}).get_json()["hasil"][0]["http_status"] == 403  # not his task
    assert sekda.post("/tasks/bulk-complete", json={"items": []}).status_code == 422
    assert sekda.post("/tasks/bulk-complete", json={"items": [{"task_id": 5}]}).get_json()["error"]["details"][
        "fields"] == {"items[0].task_id": "wajib diisi dengan id tugas (teks)"}

    response = sekda.post("/tasks/bulk-complete", json={"items": [
        {"task_id": first, "data": {"keputusan": "SETUJUI", "ekspektasi_khusus": {"AKUNTABEL": "Tepat waktu"}}},
        {"task_id": "tidak-ada", "data": {"keputusan": "SETUJUI"}},
        {"task_id": second, "data": {"keputusan": "KEMBALIKAN"}},  # a return needs a catatan: refused
        {"task_id": first, "data": {"keputusan": "SETUJUI"}},  # twice: the second is no longer waiting
    ]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["status"] for r in body["hasil"]] == ["berhasil", "gagal", "gagal", "gagal"]
    assert (body["berhasil"], body["gagal"]) == (1, 3)
    assert [r.get("http_status") for r in body["hasil"][1:]] == [404, 422, 409]
    assert "catatan" in body["hasil"][2]["fields"]
    assert sekda.get(f"/skp/{two_submitted[0]}").get_json()["status"] == "DISETUJUI"
    assert sekda.get(f"/skp/{two_submitted[1]}").get_json()["status"] == "DIAJUKAN"
    assert _completions(app, two_submitted[0]) == 1 and _completions(app, two_submitted[1]) == 0

    again = sekda.post("/tasks/bulk-complete", json={"items": [{"task_id": second, "data": {"keputusan": "SETUJUI"}}]})
    assert again.get_json()["hasil"][0]["status"] == "berhasil"
    assert sekda.get(f"/skp/{two_submitted[1]}").get_json()["status"] == "DISETUJUI"


def test_failing_item_leaves_nothing_half_written(app, accounts, as_user, two_submitted):
    """The admin kinerja approves for the PPK (diwakili) and the Sekda for himself, in one request each;
    the PPK item fails in its form handler after writing ekspektasi khusus: all of that is rolled back."""
    sekda_acc = find(accounts, "Sekretaris Daerah")
    sekda, admin = as_user(sekda_acc["nip"]), as_user(admin_of(accounts)["nip"])
    sekda_skp = create_and_submit(sekda, [JPT_RHK])
    changed = admin.client.put("/api/v1/ppk", headers=admin.headers, json={
        "nama": "H. Rahmat Hidayat, S.H., M.H.", "jabatan": "Gubernur Contoh", "mode": "diwakili"})
    assert changed.status_code == 200, changed.get_json()
    task = _reviews(admin)[f"skp:{sekda_skp}"]
    failed = admin.post("/tasks/bulk-complete", json={"items": [{"task_id": task, "data": {
        "keputusan": "SETUJUI", "ekspektasi_khusus": {"AKUNTABEL": "tidak boleh tersimpan"}}}]}).get_json()
    assert failed["hasil"][0]["status"] == "gagal"
    assert set(failed["hasil"][0]["fields"]) == {"nomor_keputusan", "tanggal_keputusan"}
    db = _db(app)
    assert db.scalar(select(PerilakuSkp.ekspektasi_khusus).where(PerilakuSkp.skp_id == sekda_skp,
                                                                 PerilakuSkp.kode == "AKUNTABEL")) == ""
    assert db.get(Skp, sekda_skp).status == "DIAJUKAN"
    db.close()
    assert _completions(app, sekda_skp) == 0
    ok = admin.post("/tasks/bulk-complete", json={"items": [{"task_id": task, "data": {
        "keputusan": "SETUJUI", "nomor_keputusan": "800/3/2026", "tanggal_keputusan": "2026-01-02"}}]}).get_json()
    assert ok["hasil"][0]["status"] == "berhasil", ok


def test_bulk_page_approves_the_chosen(app, accounts, client, two_submitted):
    from test_pages import Pages

    sekda_nip = find(accounts, "Sekretaris Daerah")["nip"]
    pages = Pages(client)
    assert pages.login(sekda_nip).status_code in (302, 303)
    assert "Persetujuan massal: 2 SKP menunggu" in pages.html("/")
    page = pages.html("/persetujuan-massal")
    ids = re.findall(r'name="task_id" value="([^"]+)"', page)
    assert len(ids) == 2
    assert pages.post("/persetujuan-massal", {}).status_code == 422
    done = pages.post("/persetujuan-massal", {"task_id": ids[:1]})
    assert done.status_code == 200 and "1 berhasil, 0 gagal" in done.get_data(as_text=True)
    statuses = sorted(Api(client, sekda_nip).get(f"/skp/{i}").get_json()["status"] for i in two_submitted)
    assert statuses == ["DIAJUKAN", "DISETUJUI"]
    assert len(re.findall(r'name="task_id"', pages.html("/persetujuan-massal"))) == 1


def test_bulk_racing_single_approval_completes_once(app, accounts, two_submitted, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrent requests: PostgreSQL")
    sekda_nip = find(accounts, "Sekretaris Daerah")["nip"]
    tasks = _reviews(Api(app.test_client(), sekda_nip))
    first, second = (tasks[f"skp:{i}"] for i in two_submitted)
    bulk_api, single_api = Api(app.test_client(), sekda_nip), Api(app.test_client(), sekda_nip)
    barrier, out = threading.Barrier(2), {}

    def bulk():
        barrier.wait()
        out["bulk"] = bulk_api.post("/tasks/bulk-complete", json={"items": [
            {"task_id": first, "data": {"keputusan": "SETUJUI"}},
            {"task_id": second, "data": {"keputusan": "SETUJUI"}}]}).get_json()

    def single():
        barrier.wait()
        out["single"] = single_api.post(f"/tasks/{first}/complete", json={"data": {"keputusan": "SETUJUI"}})

    threads = [threading.Thread(target=bulk), threading.Thread(target=single)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    first_result = out["bulk"]["hasil"][0]
    single_ok = out["single"].status_code == 200
    # exactly one of the two completed the first SKP's review; the other got a 409
    assert (first_result["status"] == "berhasil") != single_ok, (out["bulk"], out["single"].get_json())
    if not single_ok:
        assert out["single"].status_code == 409
    else:
        assert first_result["http_status"] == 409
    assert out["bulk"]["hasil"][1]["status"] == "berhasil"
    assert _completions(app, two_submitted[0]) == 1 and _completions(app, two_submitted[1]) == 1
    db = _db(app)
    riwayat = db.get(Skp, two_submitted[0]).riwayat
    assert [r.to_status for r in riwayat].count("DISETUJUI") == 1
    db.close()


@pytest.mark.browser
def test_bulk_page_in_a_phone_browser(base_url, browser, accounts, as_user, two_submitted, tmp_path):  # noqa: F811
    """On a 375 px phone the Sekda selects both SKP with "Semua" and approves them; the page shows a result per SKP."""
    from test_browser import login
    from test_pages_browser import serious_violations

    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.set_default_timeout(20000)
    login(page, base_url, find(accounts, "Sekretaris Daerah")["nip"])
    page.click("a:has-text('Persetujuan massal')")
    page.wait_for_selector("h1:has-text('Persetujuan massal')")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert serious_violations(page) == []  # axe-core: labels, contrast, names
    page.check("#pilih-semua")
    assert page.locator("input[name=task_id]:checked").count() == 2
    page.screenshot(path=str(tmp_path / "persetujuan-massal-375.png"), full_page=True)
    page.click("button:has-text('Setujui SKP terpilih')")
    page.wait_for_selector(".hasil-massal")
    assert "2 berhasil, 0 gagal" in page.inner_text(".hasil-massal h2")
    assert page.locator(".hasil-berhasil").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    sekda = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    assert [sekda.get(f"/skp/{i}").get_json()["status"] for i in two_submitted] == ["DISETUJUI", "DISETUJUI"]
