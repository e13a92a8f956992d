"""Capaian kinerja organisasi, the leader's rating from it, the kurva override and monitoring, through the API."""
from __future__ import annotations

import csv
import io

import pytest
from conftest import DEMO_TAHUN, find
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_pages import Pages
from test_penilaian import PERIODE, admin_of, open_first_period, tetapkan_capaian
from test_skp_api import approve, create_and_submit, ja_rhk, kadis_approved  # noqa: F401 - fixture

from app.kinerja.kurva import KurvaOverride, distribusi
from app.kinerja.org import Unor
from workflows import clock

APTIKA = "Bidang Aplikasi Informatika"
PA = "Seksi Pengembangan Aplikasi"
# Pegawai whose pejabat penilai is the Kepala Bidang Aplikasi Informatika: a unit of three.
ANDI, PUTRI, RIZKI = "198505052010011007", "199512012020122005", "198309122009031003"


def put(api, path, body):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=body)


def unor_id(api, periode_id, nama):
    return next(u["unor_id"] for u in api.get(f"/capaian?periode_id={periode_id}").get_json() if u["unor"] == nama)


def penilaian_of(opened, nip):
    return next(r["penilaian_id"] for r in opened["hasil"] if r["nip"] == nip)


@pytest.fixture
def periode(accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    created = admin.post("/periode", json=PERIODE)
    assert created.status_code == 201
    return created.get_json()


def test_capaian_set_by_the_leader_one_level_up_with_history(app, accounts, as_user, periode):
    kadis, kabid = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    sekda, admin = as_user(find(accounts, "Sekretaris Daerah")["nip"]), as_user(admin_of(accounts)["nip"])
    aptika = unor_id(kadis, periode["id"], APTIKA)
    path = f"/unor/{aptika}/capaian/{periode['id']}"
    rows = {u["unor"]: u for u in kadis.get(f"/capaian?periode_id={periode['id']}").get_json()}
    assert rows[APTIKA]["boleh_menetapkan"] and not rows["Dinas Komunikasi dan Informatika"]["boleh_menetapkan"]

    assert put(kabid, path, {"predikat": "ISTIMEWA", "dasar": "x"}).status_code == 403  # leads the unit itself
    assert put(sekda, path, {"predikat": "ISTIMEWA", "dasar": "x"}).status_code == 403  # two levels up
    assert put(admin, path, {"predikat": "ISTIMEWA", "dasar": "x"}).status_code == 403  # not the top unit
    bad = put(kadis, path, {"predikat": "LUAR_BIASA", "dasar": " "})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"predikat", "dasar"}
    assert kadis.get(path).get_json() == {"unor_id": aptika, "periode_id": periode["id"], "capaian": None,
                                          "riwayat": []}  # nothing written

    first = put(kadis, path, {"predikat": "BAIK", "dasar": "Rencana aksi Januari tercapai sesuai target"})
    assert first.status_code == 200, first.get_json()
    changed = put(kadis, path, {"predikat": "ISTIMEWA", "dasar": "Koreksi: target terlampaui"}).get_json()
    assert changed["capaian"]["predikat"] == "ISTIMEWA" and changed["capaian"]["revisi"] == 2
    assert [r["predikat"] for r in changed["riwayat"]] == ["BAIK", "ISTIMEWA"]
    assert changed["riwayat"][0]["ditetapkan_oleh"]["nip"] == find(accounts, "Kepala Dinas")["nip"]
    assert changed["riwayat"][0]["dasar"] == "Rencana aksi Januari tercapai sesuai target"

    setda = unor_id(admin, periode["id"], "Sekretariat Daerah Provinsi Contoh")
    assert put(sekda, f"/unor/{setda}/capaian/{periode['id']}", {"predikat": "BAIK", "dasar": "x"}).status_code == 403
    assert put(admin, f"/unor/{setda}/capaian/{periode['id']}", {"predikat": "BAIK", "dasar": "PK"}).status_code == 200
    assert put(admin, f"/unor/999999/capaian/{periode['id']}", {"predikat": "BAIK", "dasar": "x"}).status_code == 404
    assert kadis.get("/capaian").status_code == 422
    no_token = app.test_client().put(f"/api/v1{path}", json={"predikat": "BAIK", "dasar": "x"})
    assert no_token.status_code == 401


def test_capaian_page_lists_the_child_units_with_a_form(client, accounts, as_user, periode):
    kadis_nip = find(accounts, "Kepala Dinas")["nip"]
    pages = Pages(client)
    pages.login(kadis_nip)
    page = client.get(f"/capaian?periode_id={periode['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    mine = html.split("<h2>Semua unit</h2>")[0]
    for child in ("Sekretariat Dinas", APTIKA, "Bidang Statistik dan Persandian"):
        assert child in mine
    assert PA not in mine and "Badan Kepegawaian Daerah" not in mine
    token = pages.token()
    aptika = unor_id(as_user(kadis_nip), periode["id"], APTIKA)
    missing = client.post(f"/capaian/{aptika}/{periode['id']}", data={"csrf_token": token, "predikat": "BAIK", "dasar": ""})
    assert missing.status_code == 422 and "wajib diisi" in missing.get_data(as_text=True)
    saved = client.post(f"/capaian/{aptika}/{periode['id']}", data={"csrf_token": token, "predikat": "BAIK",
                                                                    "dasar": "Capaian rencana aksi"},
                        follow_redirects=True)
    assert saved.status_code == 200 and "ditetapkan: Baik" in saved.get_data(as_text=True)


@pytest.fixture
def aptika_three(accounts, as_user, kadis_approved):  # noqa: F811
    """SKP approved for the Kabid Aplikasi and the three pegawai he evaluates; January opened."""
    kabid, kadis = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"]), as_user(find(accounts, "Kepala Dinas")["nip"])
    kabid_skp = create_and_submit(kabid, [ja_rhk(kadis_approved["rhk"][0]["id"])])
    approve(kadis)
    rhk_kabid = kabid.get(f"/skp/{kabid_skp}").get_json()["rhk"][0]["id"]
    for nip in (ANDI, PUTRI, RIZKI):
        create_and_submit(as_user(nip), [ja_rhk(rhk_kabid)])
        approve(kabid)
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    periode, opened = open_first_period(accounts, as_user)
    for nip in (ANDI, PUTRI, RIZKI):
        api = as_user(nip)
        pid = penilaian_of(opened, nip)
        rhk_id = api.get(f"/penilaian/{pid}").get_json()["rhk"][0]["id"]
        task = next(t for t in api.get("/tasks").get_json() if t["form"] == "realisasi")
        assert api.post(f"/tasks/{task['id']}/complete", json={"data": {
            "rhk": {str(rhk_id): {"realisasi": "1 laporan"}}, "kirim": True}}).status_code == 200
    clock.set(f"{DEMO_TAHUN}-01-31T09:00:00+07:00")  # a penilaian is final from the period's last day on
    return {"periode": periode, "opened": opened, "kabid": kabid, "kadis": kadis}


def rate(kabid, opened, nip, hasil, perilaku, **extra):
    pid = penilaian_of(opened, nip)
    rhk_id = kabid.get(f"/penilaian/{pid}").get_json()["rhk"][0]["id"]
    nama = kabid.get(f"/penilaian/{pid}").get_json()["nama"]
    task = next(t for t in kabid.get("/tasks").get_json() if t["form"] == "penilaian" and nama in t["title"])
    return kabid.post(f"/tasks/{task['id']}/complete", json={"data": {
        "rating_hasil_kerja": hasil, "rating_perilaku": perilaku, "umpan_balik_rhk": {str(rhk_id): "Sesuai"},
        **extra}})


def test_leader_rating_follows_the_capaian_of_his_unit(accounts, as_user, aptika_three):
    kabid, opened, periode = aptika_three["kabid"], aptika_three["opened"], aptika_three["periode"]
    pid = penilaian_of(opened, RIZKI)  # the Kepala Seksi Pengembangan Aplikasi leads a unit
    before = kabid.get(f"/penilaian/{pid}").get_json()["rating_pimpinan"]
    assert before["unor"] == PA and before["capaian"] is None and PA in before["pesan"]
    refused = rate(kabid, opened, RIZKI, "SESUAI", "SESUAI")
    assert refused.status_code == 409
    assert PA in refused.get_json()["error"]["message"] and "belum" in refused.get_json()["error"]["message"]
    assert kabid.get(f"/penilaian/{pid}").get_json()["status"] == "DIISI_PEGAWAI"

    tetapkan_capaian(kabid, periode["id"], PA, "ISTIMEWA")  # the Kabid leads the unit above the Seksi
    shown = kabid.get(f"/penilaian/{pid}").get_json()["rating_pimpinan"]
    assert shown["rating_hasil_kerja"] == "DI_ATAS" and shown["capaian"]["predikat"] == "ISTIMEWA"
    wrong = rate(kabid, opened, RIZKI, "SESUAI", "SESUAI")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["fields"]["rating_hasil_kerja"].startswith("harus DI_ATAS")
    assert kabid.get(f"/penilaian/{pid}").get_json()["status"] == "DIISI_PEGAWAI"  # nothing written
    done = rate(kabid, opened, RIZKI, "DI_ATAS", "SESUAI")
    assert done.status_code == 200, done.get_json()
    result = kabid.get(f"/penilaian/{pid}").get_json()
    assert result["status"] == "FINAL" and result["predikat"] == "BAIK"
    # a pegawai who leads nothing is rated freely
    assert kabid.get(f"/penilaian/{penilaian_of(opened, ANDI)}").get_json()["rating_pimpinan"] is None


def test_kurva_override_needs_a_reason_and_is_recorded(app, accounts, as_user, aptika_three):
    kabid, kadis, opened, periode = (aptika_three[k] for k in ("kabid", "kadis", "opened", "periode"))
    tetapkan_capaian(kadis, periode["id"], APTIKA, "BUTUH_PERBAIKAN")  # min 60% BP of 3 = 2; SB max 10% = 0
    tetapkan_capaian(kabid, periode["id"], PA, "BAIK")
    assert rate(kabid, opened, ANDI, "SESUAI", "SESUAI").status_code == 200  # BAIK; two left may still be BP
    putri_id = penilaian_of(opened, PUTRI)
    shown = kabid.get(f"/penilaian/{putri_id}").get_json()["kurva"]
    assert [k["unor"] for k in shown] == [APTIKA] and shown[0]["distribusi"]["BAIK"] == 1
    assert shown[0]["svg"].startswith("<svg") and shown[0]["pelanggaran"] == []

    refused = rate(kabid, opened, PUTRI, "SESUAI", "DI_ATAS")  # a second BAIK: 60% BP can no longer be reached
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "alasan_kurva" in error["details"]["fields"] and APTIKA in error["details"]["fields"]["alasan_kurva"]
    assert error["details"]["pelanggaran"][0]["kelompok"] == ["BUTUH_PERBAIKAN"]
    factory = app.extensions["db_sessionmaker"]
    session = factory()
    assert session.scalar(select(func.count()).select_from(KurvaOverride)) == 0
    session.close()
    assert kabid.get(f"/penilaian/{putri_id}").get_json()["status"] == "DIISI_PEGAWAI"

    blank = rate(kabid, opened, PUTRI, "SESUAI", "DI_ATAS", alasan_kurva="   ")
    assert blank.status_code == 422
    done = rate(kabid, opened, PUTRI, "SESUAI", "DI_ATAS",
                alasan_kurva="Kedua pegawai melampaui target; capaian unit dinilai ulang bulan depan")
    assert done.status_code == 200, done.get_json()
    result = kabid.get(f"/penilaian/{putri_id}").get_json()
    assert result["status"] == "FINAL"
    [override] = result["kurva_override"]
    assert override["alasan"].startswith("Kedua pegawai") and override["unor"] == APTIKA
    assert override["oleh"]["nip"] == find(accounts, "Kepala Bidang Aplikasi")["nip"] and override["at"]
    assert "Butuh Perbaikan" in override["pelanggaran"][0]["pesan"]
    session = factory()
    aptika_id = session.scalar(select(Unor.id).where(Unor.nama == APTIKA))
    assert distribusi(session, aptika_id, periode["id"]) == {
        "SANGAT_BAIK": 0, "BAIK": 2, "BUTUH_PERBAIKAN": 0, "KURANG": 0, "SANGAT_KURANG": 0}
    session.close()
    kurva = kabid.get(f"/unor/{aptika_id}/kurva/{periode['id']}").get_json()
    assert kurva["belum_final"] == 1 and kurva["pelanggaran"][0]["batas"] == "MIN"
    putri = as_user(PUTRI)  # the pegawai sees the override on her penilaian, not her colleagues' counts
    assert putri.get(f"/penilaian/{putri_id}").get_json()["kurva"] is None
    assert putri.get(f"/penilaian/{putri_id}").get_json()["kurva_override"][0]["alasan"] == override["alasan"]
    assert putri.get(f"/unor/{aptika_id}/kurva/{periode['id']}").status_code == 403


def test_monitoring_counts_late_and_export(accounts, as_user, aptika_three):
    kabid, opened, periode = aptika_three["kabid"], aptika_three["opened"], aptika_three["periode"]
    admin = as_user(admin_of(accounts)["nip"])
    tetapkan_capaian(aptika_three["kadis"], periode["id"], APTIKA, "BAIK")
    assert rate(kabid, opened, ANDI, "SESUAI", "SESUAI").status_code == 200
    clock.set(f"{DEMO_TAHUN}-02-06T10:00:00+07:00")  # batas pengisian (5 February) passed

    data = admin.get(f"/monitoring?periode_id={periode['id']}").get_json()
    units = {u["unor"]: u for u in data["unit"]}
    assert len(units) == 15  # the whole instansi
    aptika = units[APTIKA]  # the Kabid, Andi and Putri sit in the Bidang itself
    assert (aptika["pegawai"], aptika["skp_disetujui"], aptika["penilaian"], aptika["realisasi_terisi"],
            aptika["penilaian_final"]) == (3, 3, 3, 2, 1)
    assert aptika["persen_penilaian_final"] == 33.3 and aptika["capaian_organisasi"] == "BAIK"
    assert aptika["kurva"]["distribusi"]["BAIK"] == 1
    assert units[PA]["penilaian_final"] == 0 and units[PA]["pegawai"] == 3
    late = {p["nip"]: p for p in data["terlambat"]}
    assert ANDI not in late and set(late) >= {PUTRI, RIZKI}
    assert late[PUTRI]["menunggu"] == "pejabat penilai"
    assert late[find(accounts, "Kepala Bidang Aplikasi")["nip"]]["menunggu"] == "pegawai"

    mine = kabid.get(f"/monitoring?periode_id={periode['id']}").get_json()
    assert [u["unor"] for u in mine["unit"]] == [APTIKA, "Seksi Infrastruktur dan Jaringan", PA]
    kominfo = unor_id(admin, periode["id"], "Dinas Komunikasi dan Informatika")
    assert kabid.get(f"/monitoring?periode_id={periode['id']}&unor_id={kominfo}").status_code == 404
    assert as_user(ANDI).get(f"/monitoring?periode_id={periode['id']}").status_code == 403
    assert admin.get(f"/monitoring?periode_id={periode['id']}&format=pdf").status_code == 422
    assert admin.get("/monitoring").status_code == 422

    xlsx = kabid.get(f"/monitoring?periode_id={periode['id']}&format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["Content-Type"]
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book["Pegawai"]
    nips = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert isinstance(nips[PUTRI][0].value, str) and nips[PUTRI][0].data_type == "s"
    assert nips[PUTRI][0].value == PUTRI and nips[ANDI][6].value == "Baik"
    assert [c.value for c in book["Unit"][2]][:3] == ["KOMINFO.APTIKA", APTIKA, 3]

    text = kabid.get(f"/monitoring?periode_id={periode['id']}&format=csv").get_data(as_text=True)
    assert f'"{PUTRI}"' in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "NIP" and PUTRI in [r[0] for r in rows[1:]]


def test_monitoring_page(client, accounts, as_user, aptika_three):
    pages = Pages(client)
    pages.login(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    page = client.get(f"/monitoring?periode_id={aptika_three['periode']['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert APTIKA in html and "Dinas Komunikasi dan Informatika</a>" not in html and "Batas pengisian belum" in html
    export = client.get(f"/monitoring?periode_id={aptika_three['periode']['id']}&format=csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    pages.login(ANDI)
    assert client.get("/monitoring").status_code == 403


def test_monitoring_queries_do_not_grow_with_pegawai_or_units(app, accounts, as_user, aptika_three):
    """Set-based: the statements of one monitoring call are the same for 3 or 15 units and 1 or 2 final."""
    from sqlalchemy import event

    from app.auth import actor_from_id
    from app.kinerja.monitoring import monitoring
    from app.kinerja.org import Akun
    from app.kinerja.penilaian import Periode

    kabid, opened, periode = aptika_three["kabid"], aptika_three["opened"], aptika_three["periode"]
    tetapkan_capaian(aptika_three["kadis"], periode["id"], APTIKA, "BAIK")
    engine, factory = app.extensions["db_engine"], app.extensions["db_sessionmaker"]

    def statements(nip, unor=None):
        session = factory()
        akun = session.scalar(select(Akun).join(Akun.pegawai).where(Akun.pegawai.has(nip=nip)))
        actor = actor_from_id(session, akun.id)
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            data = monitoring(session, actor, session.get(Periode, periode["id"]), unor)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
            session.close()
        return len(seen), data

    admin_nip = admin_of(accounts)["nip"]
    assert rate(kabid, opened, ANDI, "SESUAI", "SESUAI").status_code == 200
    one_final, data = statements(admin_nip)
    assert len(data["unit"]) == 15
    assert rate(kabid, opened, PUTRI, "DI_BAWAH", "SESUAI").status_code == 200
    two_final, data = statements(admin_nip)
    assert data["total"]["penilaian_final"] == 2 and two_final == one_final
    aptika_only, data = statements(admin_nip, unor_id(kabid, periode["id"], APTIKA))
    assert len(data["unit"]) == 3 and aptika_only == one_final


def test_openapi_describes_capaian_kurva_and_monitoring(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"put", "get"} <= set(paths["/unor/{id}/capaian/{periode_id}"])
    assert "periode_id" in [p["name"] for p in paths["/capaian"]["get"]["parameters"]]
    assert [p["schema"] for p in paths["/monitoring"]["get"]["parameters"] if p["name"] == "format"] == [
        {"enum": ["json", "xlsx", "csv"]}]
    assert "svg" in document["components"]["schemas"]["Kurva"]["properties"]


def test_sebagian_besar_warns_without_blocking(app, accounts, as_user, aptika_three):
    """Issue 16: ISTIMEWA but Baik is the largest share: a warning (sifat PERINGATAN), no alasan_kurva needed."""
    kabid, kadis, opened, periode = (aptika_three[k] for k in ("kabid", "kadis", "opened", "periode"))
    tetapkan_capaian(kadis, periode["id"], APTIKA, "ISTIMEWA")
    assert rate(kabid, opened, ANDI, "SESUAI", "SESUAI").status_code == 200  # BAIK; two left may still be SB
    putri_id = penilaian_of(opened, PUTRI)
    assert kabid.get(f"/penilaian/{putri_id}").get_json()["kurva"][0]["peringatan"] == []
    done = rate(kabid, opened, PUTRI, "SESUAI", "SESUAI")  # a second BAIK: Sangat Baik can no longer be the largest
    assert done.status_code == 200, done.get_json()
    [kurva] = kabid.get(f"/penilaian/{putri_id}").get_json()["kurva"]
    assert kurva["pelanggaran"] == [] and kabid.get(f"/penilaian/{putri_id}").get_json()["kurva_override"] == []
    [warning] = kurva["peringatan"]
    assert (warning["batas"], warning["sifat"], warning["kelompok"]) == ("TERBANYAK", "PERINGATAN", ["SANGAT_BAIK"])
    assert "bukan predikat terbanyak" in warning["pesan"]
    session = app.extensions["db_sessionmaker"]()
    aptika_id = session.scalar(select(Unor.id).where(Unor.nama == APTIKA))
    session.close()
    assert kabid.get(f"/unor/{aptika_id}/kurva/{periode['id']}").get_json()["peringatan"][0]["sifat"] == "PERINGATAN"
    from test_pages import Pages

    pages = Pages(kabid.client)
    pages.login(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    html = pages.html(f"/penilaian/{putri_id}")
    assert "Peringatan pola distribusi" in html and "bukan predikat terbanyak" in html
