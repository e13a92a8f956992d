"""Admin console pages with the Flask test client (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import re

import pytest
from test_admin import complete_open, people, start_uji  # noqa: F401 - fixture
from test_pages import Pages


@pytest.fixture
def pages(client):
    return Pages(client)


def test_pegawai_and_atasan_get_403_on_every_admin_page(app, pages, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    for who in ("pegawai", "penilai", "kadis"):
        pages.login(people[who]["nip"])
        for path in ("/admin/instance", f"/admin/instance/{iid}", "/admin/definisi", "/admin/definisi/1",
                     "/admin/massal/1", "/admin/massal/1/kemajuan"):
            assert pages.get(path).status_code == 403, (who, path)
        for path in (f"/admin/instance/{iid}/tindakan/suspend", "/admin/massal", "/admin/massal/1/jalankan"):
            assert pages.post(path, {"reason": "x"}).status_code == 403, (who, path)
        assert "Konsol Admin" not in pages.html("/")


def test_admin_finds_an_errored_instance_fixes_its_data_and_retries(app, pages, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=0)
    complete_open(as_user, people["pegawai"]["nip"], iid, {"catatan": "isi"})
    pages.login(people["admin"]["nip"])
    assert "Konsol Admin" in pages.html("/")
    listing = pages.html("/admin/instance?ada_error=ya")
    assert f'href="/admin/instance/{iid}"' in listing and "Script_Hitung" in listing
    assert "1</strong> instance cocok" in listing
    bad = pages.html("/admin/instance?lebih_dari_hari=abc")
    assert "Filter tidak valid" in bad and "lebih_dari_hari" in bad

    page = pages.html(f"/admin/instance/{iid}")
    assert "ZeroDivisionError" in page and "Traceback" in page and "Coba lagi" in page
    viewer = json.loads(re.search(r'id="diagram-data">(.*?)</script>', page, re.S).group(1))
    assert viewer["marks"]["error"] == ["Script_Hitung"] and "uji_admin" in viewer["xml"]
    data = json.loads(re.search(r'<textarea name="data"[^>]*>(.*?)</textarea>', page, re.S).group(1)
                      .replace("&#34;", '"').replace("&quot;", '"'))
    task_id = re.search(r'action="/admin/instance/\d+/tindakan/edit_data">\s*<input[^>]*>'
                        r'<input type="hidden" name="task_id" value="([^"]+)"', page).group(1)
    no_reason = pages.post(f"/admin/instance/{iid}/tindakan/edit_data",
                           {"task_id": task_id, "data": json.dumps({**data, "pembagi": 4})}, follow_redirects=True)
    assert "Alasan" in no_reason.get_data(as_text=True) and "gagal" in no_reason.get_data(as_text=True)
    broken = pages.post(f"/admin/instance/{iid}/tindakan/edit_data",
                        {"task_id": task_id, "data": "{rusak", "reason": "x"}, follow_redirects=True)
    assert "JSON tidak valid" in broken.get_data(as_text=True)
    saved = pages.post(f"/admin/instance/{iid}/tindakan/edit_data",
                       {"task_id": task_id, "data": json.dumps({**data, "pembagi": 4}), "reason": "salah ketik"},
                       follow_redirects=True)
    assert "Ubah data: berhasil" in saved.get_data(as_text=True)
    retried = pages.post(f"/admin/instance/{iid}/tindakan/retry", {"reason": "data diperbaiki"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Coba lagi tugas yang gagal: berhasil; status sekarang Menunggu" in retried
    assert "Admin: Ubah data" in retried and "salah ketik" in retried


def test_definition_page_counts_and_batch_reassign_from_the_list(app, pages, as_user, people):
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=1, n=2)
    for iid in ids:
        complete_open(as_user, people["pegawai"]["nip"], iid)  # both wait on the penilai
    pages.login(people["admin"]["nip"])
    overview = pages.html("/admin/definisi")
    definition_id = as_user(people["admin"]["nip"]).get(f"/admin/instances/{ids[0]}") \
        .get_json()["definition_id"]
    assert f'href="/admin/definisi/{definition_id}">Diagram' in overview
    page = pages.html(f"/admin/definisi/{definition_id}?lebih_dari_hari=0")
    viewer = json.loads(re.search(r'id="diagram-data">(.*?)</script>', page, re.S).group(1))
    assert viewer["counts"]["Task_Periksa"]["menunggu"] == 2
    penilai = people["penilai"]["nip"]
    filter_args = {"filter_menunggu_nip": penilai}
    preview = pages.post("/admin/massal", {**filter_args, "action": "reassign", "dari_nip": penilai,
                                           "nip": people["kadis"]["nip"], "reason": "penilai mutasi"})
    assert preview.status_code == 200 and 'id="jumlah">2<' in preview.get_data(as_text=True)
    run = pages.post("/admin/massal", {**filter_args, "action": "reassign", "dari_nip": penilai,
                                       "nip": people["kadis"]["nip"], "reason": "penilai mutasi", "konfirmasi": "1"},
                     follow_redirects=True)
    body = run.get_data(as_text=True)
    assert run.status_code == 200 and "0 dari 2 diproses" in body and "Mulai jalankan" in body
    batch_id = re.search(r'/admin/massal/(\d+)/jalankan', body).group(1)
    assert pages.get(f"/admin/massal/{batch_id}/kemajuan").get_json() == {"status": "siap", "done": 0, "total": 2,
                                                                         "failed": 0}
    body = pages.post(f"/admin/massal/{batch_id}/jalankan", {}, follow_redirects=True).get_data(as_text=True)
    assert "2 dari 2 diproses" in body and "<strong>0</strong> gagal" in body
    assert pages.get(f"/admin/massal/{batch_id}/kemajuan").get_json()["status"] == "selesai"
    again = pages.post(f"/admin/massal/{batch_id}/jalankan", {})
    assert again.status_code == 409  # one run per batch
    kadis_tasks = [t["instance_id"] for t in as_user(people["kadis"]["nip"]).get("/tasks").get_json()]
    assert sorted(i for i in kadis_tasks if i in ids) == ids


def test_a_real_skp_instance_is_found_by_pegawai_and_shown(app, pages, as_user, people):
    kadis = as_user(people["kadis"]["nip"])
    skp = kadis.post("/skp", json={"tahun": 2026, "pendekatan": "KUANTITATIF"}).get_json()
    admin = as_user(people["admin"]["nip"])
    found = admin.get(f"/admin/instances?pegawai={people['kadis']['nip']}&process_id=skp_perencanaan").get_json()
    assert found["total"] == 1 and found["items"][0]["business_key"] == f"skp:{skp['id']}"
    assert found["items"][0]["waiting_for"][0]["nip"] == people["kadis"]["nip"]
    iid = found["items"][0]["id"]
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert "Task_SusunSkp" in detail["marks"]["active"] and "Script_TenggatPenetapan" in detail["marks"]["completed"]
    pages.login(people["admin"]["nip"])
    page = pages.html(f"/admin/instance/{iid}")
    assert "Susun SKP" in page and "Perencanaan SKP" in page
    viewer = json.loads(re.search(r'id="diagram-data">(.*?)</script>', page, re.S).group(1))
    assert 'id="Task_SusunSkp"' in viewer["xml"]


def test_the_list_page_says_more_than_the_cap_and_pages_on_with_the_cursor(app, pages, people, monkeypatch):
    from workflows import search

    ids = start_uji(app, people["pegawai"]["nip"], pembagi=1, n=3)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    monkeypatch.setattr(search, "MAX_HALAMAN", 1)
    pages.login(people["admin"]["nip"])
    first = pages.html("/admin/instance?process_id=uji_admin&urut=id&per_halaman=2")
    assert "lebih dari 2</strong> instance cocok" in first
    cursor = re.search(r'href="/admin/instance\?[^"]*setelah=([^"&]+)[^"]*">Berikutnya', first).group(1)
    second = pages.html(f"/admin/instance?process_id=uji_admin&urut=id&per_halaman=2&setelah={cursor}")
    assert f'href="/admin/instance/{ids[2]}"' in second and f'href="/admin/instance/{ids[0]}"' not in second
    assert "Ke halaman 1" in second and "Berikutnya" not in second


def test_who_does_a_task_is_said_in_words_not_as_the_lane_expression(app):
    """A task outside any lane stores its ``pelaksana`` expression; pages describe it (Konsol admin, Organisasi)."""
    from app.web.common import pelaksana

    with app.app_context():
        assert pelaksana("pemulai") == "Yang memulai"
        assert pelaksana("kepala_unit+1|jpt") == "Kepala unit 1 tingkat di atas atau JPT"
        assert pelaksana("atasan_pejabat_penilai(pemulai)") == "Atasan pejabat penilai dari yang memulai"
        assert pelaksana("peran:verifikator") == "Peran verifikator"
        assert pelaksana("nip:penerima") == "NIP pada data 'penerima'"
        assert pelaksana("Pejabat Penilai") == "Pejabat Penilai"  # a lane's own name stays
        assert pelaksana("bukan_relasi") == "bukan_relasi"
        assert pelaksana(None) == "—"
