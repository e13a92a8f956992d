"""The beranda (issue 16 item 8): /profil and GET /api/v1/beranda show the pejabat penilai and his atasan (PLT/PLH
marked), the colleagues of the unit and the year at a glance (SKP status, each period's penilaian, angka kredit)."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN, find
from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_bukti_dukung import opened  # noqa: F401 - fixture
from test_pages import Pages
from test_penilaian import two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.kinerja.demo import PLT_NIP

DEDI = "Dedi Kurniawan"  # a pelaksana of the seksi whose head is vacant: his pejabat penilai is the PLT
RINA = "Rina Marlina"


def _by_name(accounts, name):
    return next(a for a in accounts if a["nama"].startswith(name))


def test_the_pejabat_penilai_acting_as_plt_is_marked_and_the_unit_is_listed(accounts, as_user):
    dedi = _by_name(accounts, DEDI)
    body = as_user(dedi["nip"]).get("/beranda").get_json()
    assert body["nip"] == dedi["nip"] and body["nama"].startswith(DEDI)  # the profile's identity is there
    penilai = body["pejabat_penilai"]
    assert penilai["nip"] == PLT_NIP and penilai["sebagai"] == "PLT"
    assert penilai["jabatan_pengganti"].startswith("Kepala Seksi Infrastruktur")
    assert penilai["jabatan"].startswith("Kepala Seksi Pengembangan")  # his own post stays his jabatan
    atasan = body["atasan_pejabat_penilai"]
    assert atasan["nip"] == find(accounts, "Kepala Bidang Aplikasi")["nip"] and atasan["sebagai"] is None
    rekan = [r["nama"] for r in body["rekan_unit"]]
    assert any(n.startswith(RINA) for n in rekan) and not any(n.startswith(DEDI) for n in rekan)
    assert body["tahun_ini"]["skp"] == [] and body["tahun_ini"]["angka_kredit"] is None

    r = as_user(dedi["nip"]).get("/beranda?tahun=dua-ribu")
    assert r.status_code == 422 and "tahun" in str(r.get_json()["error"])


def test_the_year_shows_the_skp_status_and_each_periods_penilaian(app, accounts, as_user, opened):  # noqa: F811
    kabid = find(accounts, "Kepala Bidang Aplikasi")
    body = opened["kabid"].get(f"/beranda?tahun={DEMO_TAHUN}").get_json()
    [skp] = body["tahun_ini"]["skp"]
    assert skp["status"] == "DISETUJUI" and skp["status_label"] == "Disetujui"
    [penilaian] = [p for p in skp["penilaian"] if p["id"] == opened["penilaian_id"]]
    assert penilaian["status"] == "BELUM_DIISI" and penilaian["predikat"] is None
    assert opened["kabid"].get(f"/beranda?tahun={DEMO_TAHUN - 1}").get_json()["tahun_ini"]["skp"] == []
    assert body["pejabat_penilai"]["nip"] == find(accounts, "Kepala Dinas")["nip"]

    pages = Pages(app.test_client())
    assert pages.login(kabid["nip"]).location.endswith("/profil")  # the beranda is the landing page
    assert "Tugas Saya (1 menunggu)" in pages.html("/profil")  # his realisasi task of the opened period
    html = pages.client.get(f"/profil?tahun={DEMO_TAHUN}").get_data(as_text=True)
    assert f"Tahun {DEMO_TAHUN} sekilas" in html and "Disetujui" in html and penilaian["periode"] in html
    assert f'/penilaian/{opened["penilaian_id"]}' in html and f'/skp/{skp["id"]}' in html
    assert pages.client.get("/profil?tahun=abc").status_code == 422


def test_a_jabatan_fungsional_sees_the_years_angka_kredit(accounts, as_user):
    pranata = find(accounts, "Pranata Komputer Ahli Pertama")
    ak = as_user(pranata["nip"]).get("/beranda").get_json()["tahun_ini"]["angka_kredit"]
    assert ak == {"jumlah": 0, "jumlah_teks": ak["jumlah_teks"], "rincian": []} and ak["jumlah_teks"].startswith("0")


@pytest.mark.browser
def test_the_beranda_fits_a_phone(base_url, browser, accounts):  # noqa: F811
    dedi = _by_name(accounts, DEDI)
    page = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.set_default_timeout(15000)
    login(page, base_url, dedi["nip"])
    page.goto(f"{base_url}/profil")
    page.wait_for_load_state("load")
    assert page.locator(".badge-plt").first.inner_text() == "PLT"
    assert page.locator(".beranda-rekan li").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()
