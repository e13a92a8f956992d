"""Kegiatan harian (issue 18 part 1): entry per RHK, the atasan's view and comment, exports, the realisasi draft,
the lock once the period's penilaian is final, the instansi switch; API and pages on both databases."""
from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import DEMO_TAHUN, find
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_bukti_dukung import PDF
from test_penilaian import open_first_period, task_with_form, tetapkan_capaian, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture
from test_pages import fields_of, pages  # noqa: F401 - fixture

from app.kinerja.kegiatan_harian import KegiatanHarian, diaktifkan
from app.kinerja.org import Instansi
from workflows import clock

HARI = f"{DEMO_TAHUN}-01-20"


@pytest.fixture
def kh(app, accounts, as_user, two_approved, tmp_path):  # noqa: F811
    """The Kabid Aplikasi (approved SKP, pejabat penilai: the Kadis) on 20 January; files in a fresh directory."""
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "bukti")
    clock.set(f"{HARI}T09:00:00+07:00")
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    rhk = kabid.get(f"/skp/{two_approved['kabid']}").get_json()["rhk"]
    return {"kabid": kabid, "kadis": as_user(find(accounts, "Kepala Dinas")["nip"]), "rhk_id": rhk[0]["id"],
            "stranger": as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"]),
            "kabid_nip": find(accounts, "Kepala Bidang Aplikasi")["nip"], "dir": tmp_path / "bukti",
            "skp_id": two_approved["kabid"]}


def put(api, path, json):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=json)


def delete(api, path):
    return api.client.delete(f"/api/v1{path}", headers=api.headers)


def count(app) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(KegiatanHarian))
    finally:
        session.close()


def test_entry_validation_names_every_field_and_writes_nothing(app, kh):
    kabid = kh["kabid"]
    bad = kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN}-01-21", "rhk_id": "x", "uraian": " ",
                                              "tautan": "javascript:alert(1)", "jenis": "LAIN"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"tanggal", "rhk_id", "uraian", "tautan", "jenis"}
    assert bad.get_json()["error"]["details"]["fields"]["tanggal"] == "tidak boleh setelah hari ini"
    other = kh["kadis"].get(f"/skp/{kh['skp_id']}").get_json()["rhk"][0]["id"]
    foreign = kh["kadis"].post("/kegiatan-harian", json={"tanggal": HARI, "rhk_id": other, "uraian": "x"})
    assert foreign.status_code == 422 and "rhk_id" in foreign.get_json()["error"]["details"]["fields"]
    before_skp = kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN - 1}-12-30", "rhk_id": kh["rhk_id"],
                                                     "uraian": "x"})
    assert before_skp.status_code == 422 and "rhk_id" in before_skp.get_json()["error"]["details"]["fields"]
    assert kabid.post("/kegiatan-harian", data=b"[1]", content_type="application/json").status_code == 400
    assert count(app) == 0


def test_entry_view_comment_export(app, kh):
    kabid, kadis, stranger = kh["kabid"], kh["kadis"], kh["stranger"]
    made = kabid.post("/kegiatan-harian", json={"tanggal": HARI, "rhk_id": kh["rhk_id"],
                                               "uraian": "Rapat koordinasi aplikasi", "output": "Notulen",
                                               "tautan": "https://drive.example.go.id/notulen"})
    assert made.status_code == 201, made.get_json()
    row = made.get_json()
    assert row["jenis"] == "TUGAS_JABATAN" and row["nip"] == kh["kabid_nip"] and row["terkunci"] is False
    # a file with the entry (multipart): checked by content like a bukti dukung
    with_file = kabid.client.post("/api/v1/kegiatan-harian", headers=kabid.headers, content_type="multipart/form-data",
                                  data={"tanggal": f"{DEMO_TAHUN}-01-19", "rhk_id": str(kh["rhk_id"]),
                                        "uraian": "Menyusun laporan", "jenis": "TUGAS_TAMBAHAN",
                                        "berkas": (io.BytesIO(PDF), "laporan.pdf")})
    assert with_file.status_code == 201, with_file.get_json()
    assert with_file.get_json()["berkas"]["media_type"] == "application/pdf"
    refused = kabid.client.post("/api/v1/kegiatan-harian", headers=kabid.headers, content_type="multipart/form-data",
                                data={"tanggal": HARI, "rhk_id": str(kh["rhk_id"]), "uraian": "x",
                                      "berkas": (io.BytesIO(b"<html>"), "x.pdf")})
    assert refused.status_code == 422 and "berkas" in refused.get_json()["error"]["details"]["fields"]
    assert count(app) == 2 and len(list(kh["dir"].iterdir())) == 1

    week = kabid.get(f"/kegiatan-harian?dari={DEMO_TAHUN}-01-19&sampai={DEMO_TAHUN}-01-25").get_json()
    assert [k["uraian"] for k in week["kegiatan"]] == ["Menyusun laporan", "Rapat koordinasi aplikasi"]
    # the atasan sees the bawahan and comments; others get 404 / 403
    assert kh["kabid_nip"] in [b["nip"] for b in kadis.get("/kegiatan-harian/bawahan").get_json()]
    seen = kadis.get(f"/kegiatan-harian?nip={kh['kabid_nip']}&dari={HARI}&sampai={HARI}").get_json()
    assert [k["id"] for k in seen["kegiatan"]] == [row["id"]] and seen["kegiatan"][0]["boleh_komentar"] is True
    assert stranger.get(f"/kegiatan-harian?nip={kh['kabid_nip']}").status_code == 404
    assert stranger.get(f"/kegiatan-harian/{row['id']}").status_code == 404
    commented = put(kadis, f"/kegiatan-harian/{row['id']}/komentar", {"komentar": "Lampirkan daftar hadir"})
    assert commented.status_code == 200 and commented.get_json()["komentar"] == "Lampirkan daftar hadir"
    assert put(kabid, f"/kegiatan-harian/{row['id']}/komentar", {"komentar": "x"}).status_code == 403
    assert put(kadis, f"/kegiatan-harian/{row['id']}", {"uraian": "x"}).status_code == 403
    changed = put(kabid, f"/kegiatan-harian/{row['id']}", {"uraian": "Rapat koordinasi aplikasi SIMPEG"})
    assert changed.status_code == 200 and changed.get_json()["output"] == "Notulen"
    file_id = with_file.get_json()["id"]
    download = kadis.get(f"/kegiatan-harian/{file_id}/berkas")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")

    xlsx = kabid.get(f"/kegiatan-harian?format=xlsx&dari={DEMO_TAHUN}-01-01&sampai={DEMO_TAHUN}-01-31")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A1"].value == "NIP" and sheet["A2"].value == kh["kabid_nip"] and sheet["A2"].number_format == "@"
    assert sheet["G3"].value == "Rapat koordinasi aplikasi SIMPEG" and sheet["K3"].value == "Lampirkan daftar hadir"
    text = kadis.get(f"/kegiatan-harian?format=csv&nip={kh['kabid_nip']}").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "NIP" and lines[1][0] == kh["kabid_nip"] and f'"{kh["kabid_nip"]}"' in text
    assert kabid.get("/kegiatan-harian?format=pdf").status_code == 422
    assert kabid.get(f"/kegiatan-harian?dari={DEMO_TAHUN}-02-01&sampai={DEMO_TAHUN}-01-01").status_code == 422

    assert delete(kabid, f"/kegiatan-harian/{file_id}").status_code == 204
    assert list(kh["dir"].iterdir()) == [] and count(app) == 1


def test_realisasi_draft_and_lock_when_final(app, accounts, as_user, kh):
    kabid, kadis = kh["kabid"], kh["kadis"]
    rhk_id = kh["rhk_id"]
    for day, uraian in (("15", "Menyusun kebutuhan"), ("20", "Uji coba modul")):
        made = kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN}-01-{day}", "rhk_id": rhk_id,
                                                   "uraian": uraian, "tautan": f"https://x.go.id/{day}"})
        assert made.status_code == 201, made.get_json()
    periode, result = open_first_period(accounts, as_user)
    tetapkan_capaian(kadis, periode["id"], "Bidang Aplikasi Informatika", "BAIK")
    penilaian_id = next(r["penilaian_id"] for r in result["hasil"] if r["skp_id"] == kh["skp_id"])
    draf = kabid.get(f"/penilaian/{penilaian_id}/kegiatan-harian").get_json()["rhk"][str(rhk_id)]
    assert draf["kegiatan"] == 2 and draf["tautan"] == ["https://x.go.id/15", "https://x.go.id/20"]
    assert draf["realisasi"] == (f"- 15-01-{DEMO_TAHUN}: Menyusun kebutuhan\n- 20-01-{DEMO_TAHUN}: Uji coba modul")
    assert kh["stranger"].get(f"/penilaian/{penilaian_id}/kegiatan-harian").status_code == 404
    # the rencana aksi of the month comes with a new entry when left empty
    task = task_with_form(kabid, "realisasi")
    assert kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "rencana_aksi": "Membangun modul", "realisasi": draf["realisasi"]}}, "kirim": True}}).status_code == 200
    later = kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN}-01-20", "rhk_id": rhk_id, "uraian": "x"})
    assert later.get_json()["rencana_aksi"] == "Membangun modul"
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")
    review = task_with_form(kadis, "penilaian")
    done = kadis.post(f"/tasks/{review['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI", "umpan_balik_rhk": {str(rhk_id): "Baik"}}})
    assert done.status_code == 200, done.get_json()
    rows = kabid.get(f"/kegiatan-harian?dari={DEMO_TAHUN}-01-01&sampai={DEMO_TAHUN}-01-31").get_json()["kegiatan"]
    assert all(r["terkunci"] for r in rows)
    first = rows[0]["id"]
    for response in (put(kabid, f"/kegiatan-harian/{first}", {"uraian": "ubah"}),
                     delete(kabid, f"/kegiatan-harian/{first}"),
                     put(kadis, f"/kegiatan-harian/{first}/komentar", {"komentar": "x"}),
                     kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN}-01-30", "rhk_id": rhk_id,
                                                         "uraian": "baru"})):
        assert response.status_code == 409, response.get_json()
        assert "terkunci" in response.get_json()["error"]["message"]
    assert count(app) == 3
    # a day after the period is open again
    clock.set(f"{DEMO_TAHUN}-02-02T09:00:00+07:00")
    assert kabid.post("/kegiatan-harian", json={"tanggal": f"{DEMO_TAHUN}-02-02", "rhk_id": rhk_id,
                                               "uraian": "Februari"}).status_code == 201


def test_instansi_switch(app, kh):
    app.config["KEGIATAN_HARIAN"] = "tidak"
    off = kh["kabid"].get("/kegiatan-harian")
    assert off.status_code == 404 and "tidak digunakan" in off.get_json()["error"]["message"]
    assert kh["kabid"].post("/kegiatan-harian", json={"tanggal": HARI, "rhk_id": kh["rhk_id"],
                                                     "uraian": "x"}).status_code == 404
    session = app.extensions["db_sessionmaker"]()
    instansi = session.scalars(select(Instansi)).first()
    app.config["KEGIATAN_HARIAN"] = f"lain, {instansi.kode.upper()}"
    assert kh["kabid"].get("/kegiatan-harian").status_code == 200
    session.close()
    assert diaktifkan("", instansi) and diaktifkan("ya", instansi) and not diaktifkan("0", instansi)
    assert not diaktifkan("kode-lain", instansi)


def test_pages_entry_week_month_comment_and_realisasi_button(app, accounts, as_user, pages, kh):  # noqa: F811
    pages.login(kh["kabid_nip"])
    assert 'href="/kegiatan-harian"' in pages.html("/")
    html = pages.html("/kegiatan-harian")
    assert 'id="entri"' in html and f'value="{HARI}"' in html and "Senin, 19 Januari" in html
    bad = pages.post("/kegiatan-harian", {"tanggal": HARI, "rhk_id": str(kh["rhk_id"]), "uraian": "",
                                          "output": "Notulen"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert re.search(r'id="uraian"[^>]*>[^<]*</textarea>\s*<span class="field-error"[^>]*>wajib diisi', text)
    assert 'value="Notulen"' in text and count(app) == 0  # what was typed stays, nothing written
    made = pages.client.post("/kegiatan-harian", content_type="multipart/form-data", data={
        "csrf_token": pages.token(), "tanggal": HARI, "rhk_id": str(kh["rhk_id"]), "uraian": "Rapat koordinasi",
        "tautan": "https://x.go.id/notulen", "berkas": (io.BytesIO(PDF), "notulen.pdf")})
    assert made.status_code == 302 and count(app) == 1
    week = pages.html(f"/kegiatan-harian?tanggal={HARI}")
    assert "Rapat koordinasi" in week and "notulen.pdf" in week and "Minggu, 25 Januari" in week
    month = pages.html(f"/kegiatan-harian?tampilan=bulan&tanggal={HARI}")
    assert "01-01-2026 s.d. 31-01-2026" in month and "Selasa, 20 Januari" in month and "Senin, 19 Januari" not in month
    kegiatan_id = re.search(r'id="kegiatan-(\d+)"', week).group(1)
    edit = pages.html(f"/kegiatan-harian/{kegiatan_id}/ubah")
    assert fields_of(edit, "entri")["uraian"] == "Rapat koordinasi"
    assert pages.post(f"/kegiatan-harian/{kegiatan_id}/ubah", {**fields_of(edit, "entri"),
                                                               "uraian": "Rapat koordinasi SIMPEG"}).status_code == 302
    export = pages.get(f"/kegiatan-harian/ekspor.xlsx?dari={DEMO_TAHUN}-01-01&sampai={DEMO_TAHUN}-01-31")
    assert load_workbook(io.BytesIO(export.data)).active["G2"].value == "Rapat koordinasi SIMPEG"

    pages.login(find(accounts, "Kepala Dinas")["nip"])
    atasan = pages.html(f"/kegiatan-harian?nip={kh['kabid_nip']}&tanggal={HARI}")
    assert "Rapat koordinasi SIMPEG" in atasan and 'id="entri"' not in atasan and f'id="komentar-{kegiatan_id}"' in atasan
    assert pages.post(f"/kegiatan-harian/{kegiatan_id}/komentar", {"komentar": "Bagus",
                                                                  "nip": kh["kabid_nip"]}).status_code == 302
    assert "Komentar atasan" in pages.html(f"/kegiatan-harian?nip={kh['kabid_nip']}&tanggal={HARI}")
    assert pages.post(f"/kegiatan-harian/{kegiatan_id}/hapus", {}).status_code == 403
    pages.login(kh["stranger"].nip)
    assert pages.get(f"/kegiatan-harian?nip={kh['kabid_nip']}").status_code == 404

    # the realisasi task offers the period's activities as the draft
    open_first_period(accounts, as_user)
    pages.login(kh["kabid_nip"])
    task = task_with_form(kh["kabid"], "realisasi")
    page = pages.html(f"/tugas/{task['id']}")
    assert "Ambil dari kegiatan harian" in page
    taken = pages.html(f"/tugas/{task['id']}?ambil=kegiatan-harian")
    values = fields_of(taken, "realisasi")
    assert values[f"rhk-{kh['rhk_id']}-realisasi"] == (f"- 20-01-{DEMO_TAHUN}: Rapat koordinasi SIMPEG\n"
                                                       f"Bukti dukung lain: http://localhost/kegiatan-harian/"
                                                       f"{kegiatan_id}/berkas")
    assert values[f"rhk-{kh['rhk_id']}-bukti_dukung_url"] == "https://x.go.id/notulen"
    assert "1 kegiatan harian periode ini diambil" in taken

    app.config["KEGIATAN_HARIAN"] = "tidak"
    assert 'href="/kegiatan-harian"' not in pages.html("/")
    off = pages.get("/kegiatan-harian")
    assert off.status_code == 404 and "tidak digunakan di instansi ini" in off.get_data(as_text=True)
    assert "Ambil dari kegiatan harian" not in pages.html(f"/tugas/{task['id']}")
