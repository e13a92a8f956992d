"""Tim kerja through the JSON API and the engine, on SQLite and PostgreSQL: teams per unit with a ketua and
anggota, the team's RHK that members' SKP intervene, the team's matriks peran hasil, the ketua's umpan balik on
rencana aksi, the instansi's "ketua tim sebagai pejabat penilai" and the ``ketua_tim`` lane."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from conftest import DEMO_TAHUN
from sqlalchemy import select
from test_penilaian import PERIODE, open_period, task_with_form
from test_pages import pages  # noqa: F401 - fixture
from test_layanan import _ids as ids, _tasks_of, session  # noqa: F401 - fixture
from test_skp_api import LAMPIRAN, approve, kadis_approved, only_task  # noqa: F401 - fixture

from core.db import write_transaction
from app.kinerja import org
from app.kinerja.org import Pegawai
from workflows import clock
from workflows.definitions import deploy, read_dir

ROOT = Path(__file__).resolve().parent.parent
KADIS = "197103151997031002"  # Kepala Dinas Kominfo (JPT Pratama)
KABID = "197808172003121002"  # Kepala Bidang Aplikasi Informatika: Putri's and Andi's pejabat penilai
ANDI = "198505052010011007"  # Pranata Komputer Ahli Muda (Bidang Aplikasi): the ketua
PUTRI = "199512012020122005"  # Pranata Komputer Ahli Pertama (Bidang Aplikasi): anggota
FAJAR = "199607142022031004"  # Pranata Komputer Ahli Pertama (Seksi Pengembangan Aplikasi): anggota
RIZKI = "198309122009031003"  # Kasi Pengembangan Aplikasi: Fajar's pejabat penilai
SITI = "199302282018012001"  # Seksi Pengembangan Aplikasi, not in the team


def put(api, path, json):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=json)


def fields(response) -> dict:
    return response.get_json()["error"]["details"]["fields"]


def unor_id(session, kode):
    return session.scalar(select(org.Unor.id).where(org.Unor.kode == kode))


@pytest.fixture
def tim(as_user, session, kadis_approved):  # noqa: F811
    """'Tim Transformasi Digital' of the Bidang Aplikasi carrying the Kadis's RHK: Andi ketua, Putri and Fajar."""
    kadis = as_user(KADIS)
    created = kadis.post("/tim-kerja", json={"unor_id": unor_id(session, "KOMINFO.APTIKA"), "tahun": DEMO_TAHUN,
                                             "nama": "Tim Transformasi Digital",
                                             "rhk_ids": [kadis_approved["rhk"][0]["id"]]})
    assert created.status_code == 201, created.get_json()
    tim_id = created.get_json()["id"]
    for nip, peran in ((ANDI, "KETUA"), (PUTRI, "ANGGOTA"), (FAJAR, "ANGGOTA")):
        added = kadis.post(f"/tim-kerja/{tim_id}/anggota", json={"nip": nip, "peran": peran})
        assert added.status_code == 201, added.get_json()
    return {"id": tim_id, "rhk_id": kadis_approved["rhk"][0]["id"]}


def test_teams_are_made_by_the_jpt_or_the_admin_and_bad_input_names_the_field(as_user, session, kadis_approved):  # noqa: F811
    unit = unor_id(session, "KOMINFO.APTIKA")
    body = {"unor_id": unit, "tahun": DEMO_TAHUN, "nama": "Tim Data", "rhk_ids": [kadis_approved["rhk"][0]["id"]]}
    assert as_user(PUTRI).post("/tim-kerja", json=body).status_code == 403
    assert as_user(KABID).post("/tim-kerja", json=body).status_code == 403  # an Administrator is not a JPT
    bad = as_user(KADIS).post("/tim-kerja", json={"unor_id": unit, "tahun": "dua", "nama": " ", "rhk_ids": [999999]})
    assert bad.status_code == 422 and set(fields(bad)) == {"tahun", "nama"}
    wrong_rhk = as_user(KADIS).post("/tim-kerja", json={**body, "rhk_ids": [999999]})
    assert wrong_rhk.status_code == 422 and "bukan RHK SKP" in fields(wrong_rhk)["rhk_ids"]
    # the Kadis's RHK is not an RHK of a leader over the BKD's units
    other = as_user(admin_of_accounts(as_user)).post(
        "/tim-kerja", json={**body, "unor_id": unor_id(session, "BKD.PKPK")})
    assert other.status_code == 422 and set(fields(other)) == {"rhk_ids"}
    assert as_user(KADIS).get(f"/tim-kerja?tahun={DEMO_TAHUN}&unor_id={unit}").get_json()["tim"] == []  # nothing half-written

    made = as_user(KADIS).post("/tim-kerja", json=body)
    assert made.status_code == 201, made.get_json()
    team = made.get_json()
    assert team["unor"]["nama"] == "Bidang Aplikasi Informatika" and team["ketua"] is None and team["dapat_mengelola"]
    assert [r["rhk_id"] for r in team["rhk"]] == body["rhk_ids"] and team["rhk"][0]["pemilik"].startswith("Ir. Hendra")
    assert as_user(KADIS).post("/tim-kerja", json=body).status_code == 422  # same name, unit and year
    admin = as_user(admin_of_accounts(as_user))
    renamed = put(admin, f"/tim-kerja/{team['id']}", {"nama": "Tim Data Terpadu"})
    assert renamed.status_code == 200 and renamed.get_json()["nama"] == "Tim Data Terpadu"
    assert put(as_user(PUTRI), f"/tim-kerja/{team['id']}", {"nama": "x"}).status_code == 403
    listed = as_user(SITI).get(f"/tim-kerja?tahun={DEMO_TAHUN}&unor_id={unit}").get_json()  # any pegawai sees it
    assert [t["nama"] for t in listed["tim"]] == ["Tim Data Terpadu"] and listed["tim"][0]["dapat_mengelola"] is False
    assert listed["pengaturan"] == {"ketua_sebagai_penilai": False}
    assert as_user(KADIS).get("/tim-kerja/999999").status_code == 404


def admin_of_accounts(as_user) -> str:
    return "199302142019031006"  # Dimas Anggara, admin kinerja of the demo instansi


def test_the_demo_has_a_tim_kerja_with_a_ketua_and_two_anggota(as_user):
    [demo] = [t for t in as_user(SITI).get(f"/tim-kerja?tahun={DEMO_TAHUN}").get_json()["tim"]
              if t["nama"] == "Tim Satu Data Statistik Sektoral"]
    assert demo["unor"]["nama"] == "Bidang Statistik dan Persandian" and demo["ketua"]["nama"].startswith("Rahmawati")
    assert sorted(a["nama"].split(",")[0] for a in demo["anggota"] if a["peran"] == "ANGGOTA") == [
        "Lestari Handayani", "Yoga Pratama"]


def test_members_with_periods_one_ketua_at_a_time(as_user, tim):
    kadis = as_user(KADIS)
    team = kadis.get(f"/tim-kerja/{tim['id']}").get_json()
    assert team["ketua"]["nip"] == ANDI
    assert sorted((a["nip"], a["peran"]) for a in team["anggota"]) == sorted(
        [(ANDI, "KETUA"), (PUTRI, "ANGGOTA"), (FAJAR, "ANGGOTA")])
    assert all(a["mulai"] == f"{DEMO_TAHUN}-01-01" and a["selesai"] is None for a in team["anggota"])
    bad = kadis.post(f"/tim-kerja/{tim['id']}/anggota", json={"nip": "123", "peran": "WAKIL",
                                                             "mulai": f"{DEMO_TAHUN + 1}-01-01"})
    assert bad.status_code == 422 and set(fields(bad)) == {"nip", "peran", "mulai"}
    twice = kadis.post(f"/tim-kerja/{tim['id']}/anggota", json={"nip": PUTRI, "peran": "ANGGOTA"})
    assert twice.status_code == 409
    assert as_user(PUTRI).post(f"/tim-kerja/{tim['id']}/anggota", json={"nip": SITI, "peran": "ANGGOTA"}).status_code == 403
    early = kadis.post(f"/tim-kerja/{tim['id']}/anggota", json={"nip": RIZKI, "peran": "KETUA",
                                                               "mulai": f"{DEMO_TAHUN}-01-01"})
    assert early.status_code == 409  # a new ketua starts after the current one
    change = kadis.post(f"/tim-kerja/{tim['id']}/anggota", json={"nip": RIZKI, "peran": "KETUA",
                                                                "mulai": f"{DEMO_TAHUN}-07-01"})
    assert change.status_code == 201, change.get_json()
    rows = {a["nip"]: a for a in change.get_json()["tim"]["anggota"]}
    assert rows[ANDI]["selesai"] == f"{DEMO_TAHUN}-06-30" and rows[RIZKI]["mulai"] == f"{DEMO_TAHUN}-07-01"
    ended = kadis.post(f"/tim-kerja/{tim['id']}/anggota/{rows[FAJAR]['id']}/akhiri",
                       json={"selesai": f"{DEMO_TAHUN}-03-31"})
    assert ended.status_code == 200
    assert {a["nip"]: a for a in ended.get_json()["tim"]["anggota"]}[FAJAR]["selesai"] == f"{DEMO_TAHUN}-03-31"
    assert kadis.post(f"/tim-kerja/{tim['id']}/anggota/999999/akhiri", json={}).status_code == 404


def test_members_link_their_rhk_to_the_teams_rhk_through_the_matriks(as_user, tim):
    andi, putri, siti = as_user(ANDI), as_user(PUTRI), as_user(SITI)
    cells = {"sel": [{"rhk_id": tim["rhk_id"], "nip": PUTRI, "peran": "Pengembang",
                      "hasil": "Tersedianya aplikasi layanan perizinan daring"},
                     {"rhk_id": tim["rhk_id"], "nip": FAJAR, "peran": "Penguji",
                      "hasil": "Terujinya aplikasi layanan perizinan daring"}]}
    assert put(putri, f"/tim-kerja/{tim['id']}/matriks", cells).status_code == 403  # an anggota reads it only
    bad = put(andi, f"/tim-kerja/{tim['id']}/matriks", {"sel": [{"rhk_id": 999999, "nip": SITI, "hasil": ""}]})
    assert bad.status_code == 422
    assert fields(bad) == {"sel[0].rhk_id": "bukan RHK tim ini", "sel[0].nip": "bukan anggota tim ini",
                           "sel[0].hasil": "wajib diisi"}
    saved = put(andi, f"/tim-kerja/{tim['id']}/matriks", cells)
    assert saved.status_code == 200, saved.get_json()
    matriks = putri.get(f"/tim-kerja/{tim['id']}/matriks").get_json()
    assert matriks["dapat_mengubah"] is False and matriks["pimpinan"]["nip"] == ANDI
    assert [b["nip"] for b in matriks["baris"]][0] == ANDI  # the ketua first
    row = next(b for b in matriks["baris"] if b["nip"] == PUTRI)
    assert row["sel"] == [{"rhk_id": tim["rhk_id"], "peran": "Pengembang",
                           "hasil": "Tersedianya aplikasi layanan perizinan daring"}]
    printed = putri.get(f"/tim-kerja/{tim['id']}/matriks.docx")
    assert printed.status_code == 200
    text = "\n".join(c.text for t in docx.Document(io.BytesIO(printed.data)).tables for r in t.rows for c in r.cells)
    assert "Tersedianya aplikasi layanan perizinan daring" in text
    assert putri.get(f"/tim-kerja/{tim['id']}/matriks.xls").status_code == 404

    # Putri's new SKP starts from her cell, linked to the team's RHK (an RHK of the Kadis, not her penilai)
    skp = putri.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    assert skp.status_code == 201, skp.get_json()
    rhk = putri.get(f"/skp/{skp.get_json()['id']}").get_json()["rhk"]
    assert [(r["deskripsi"], r["rhk_atasan_id"]) for r in rhk] == [
        ("Tersedianya aplikasi layanan perizinan daring", tim["rhk_id"])]
    editor = only_task(putri, "skp-editor")
    data = putri.get(f"/tasks/{editor['id']}").get_json()["data"]
    data["rhk"][0]["iki"] = [{"aspek": "KUANTITAS", "indikator": "Jumlah aplikasi", "target": "1 Aplikasi"}]
    done = putri.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "lampiran": LAMPIRAN, "ajukan": True}})
    assert done.status_code == 200 and done.get_json()["completed"] is True, done.get_json()

    # a pegawai outside the team may not intervene the same RHK
    siti.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    editor = only_task(siti, "skp-editor")
    refused = siti.post(f"/tasks/{editor['id']}/complete", json={"data": {"rhk": [{
        "jenis": "UTAMA", "deskripsi": "Aplikasi", "rhk_atasan_id": tim["rhk_id"],
        "iki": [{"aspek": "KUANTITAS", "indikator": "Jumlah", "target": "1 Aplikasi"}]}], "lampiran": LAMPIRAN,
        "ajukan": True}})
    assert refused.status_code == 422 and "rhk[0].rhk_atasan_id" in fields(refused)


def test_ketua_as_pejabat_penilai_is_the_instansis_choice_and_an_override_wins(as_user, session, tim):
    admin, putri = as_user(admin_of_accounts(as_user)), as_user(PUTRI)
    putri_id, andi_id, kabid_id, rizki_id = ids(session, PUTRI, ANDI, KABID, RIZKI)

    def penilai(pegawai_id):
        session.rollback()  # end the read transaction: see what the requests committed
        found = org.pejabat_penilai(session, session.get(Pegawai, pegawai_id))
        return found.id if found else None

    assert penilai(putri_id) == kabid_id  # off by default: from the tree
    # Putri's SKP is submitted while the setting is off: the Kabid reviews it
    putri.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    editor = only_task(putri, "skp-editor")
    done = putri.post(f"/tasks/{editor['id']}/complete", json={"data": {"rhk": [{
        "jenis": "UTAMA", "deskripsi": "Tersedianya aplikasi perizinan", "rhk_atasan_id": tim["rhk_id"],
        "iki": [{"aspek": "KUANTITAS", "indikator": "Jumlah aplikasi", "target": "1 Aplikasi"}]}],
        "lampiran": LAMPIRAN, "ajukan": True}})
    assert done.status_code == 200, done.get_json()
    assert len([t for t in as_user(KABID).get("/tasks").get_json() if t["form"] == "skp-review"]) == 1

    assert put(putri, "/tim-kerja/pengaturan", {"ketua_sebagai_penilai": True}).status_code == 403
    assert fields(put(admin, "/tim-kerja/pengaturan", {"ketua_sebagai_penilai": "ya"})) == {
        "ketua_sebagai_penilai": "wajib diisi true atau false"}
    turned = put(admin, "/tim-kerja/pengaturan", {"ketua_sebagai_penilai": True})
    assert turned.status_code == 200, turned.get_json()
    assert penilai(putri_id) == andi_id
    assert penilai(andi_id) == kabid_id  # the ketua keeps his own penilai
    # the open review follows to the ketua
    assert [t for t in as_user(KABID).get("/tasks").get_json() if t["form"] == "skp-review"] == []
    assert only_task(as_user(ANDI), "skp-review")
    assert any(m["sesudah"] and m["sesudah"][0]["nip"] == ANDI for m in turned.get_json()["pengalihan"]["tugas_dialihkan"])

    with write_transaction(session):  # an explicit override by the admin wins over the team
        session.get(Pegawai, putri_id).penilai_override_id = rizki_id
    assert penilai(putri_id) == rizki_id
    with write_transaction(session):
        session.get(Pegawai, putri_id).penilai_override_id = None
    # only for the membership's period
    team = as_user(KADIS).get(f"/tim-kerja/{tim['id']}").get_json()
    member = next(a for a in team["anggota"] if a["nip"] == PUTRI)
    as_user(KADIS).post(f"/tim-kerja/{tim['id']}/anggota/{member['id']}/akhiri", json={})
    assert penilai(putri_id) == kabid_id
    off = put(admin, "/tim-kerja/pengaturan", {"ketua_sebagai_penilai": False})
    assert off.status_code == 200 and off.get_json()["ketua_sebagai_penilai"] is False


def test_ketua_gives_umpan_balik_on_the_rencana_aksi_of_anggota(as_user, session, tim):
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")  # before the batas pengisian, or it locks at once
    admin, andi, putri, fajar = as_user(admin_of_accounts(as_user)), as_user(ANDI), as_user(PUTRI), as_user(FAJAR)
    put(admin, "/tim-kerja/pengaturan", {"ketua_sebagai_penilai": True})
    putri.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    editor = only_task(putri, "skp-editor")
    assert putri.post(f"/tasks/{editor['id']}/complete", json={"data": {"rhk": [{
        "jenis": "UTAMA", "deskripsi": "Tersedianya aplikasi perizinan", "rhk_atasan_id": tim["rhk_id"],
        "iki": [{"aspek": "KUANTITAS", "indikator": "Jumlah aplikasi", "target": "1 Aplikasi"}]}],
        "lampiran": LAMPIRAN, "ajukan": True}}).status_code == 200
    approve(andi)  # the ketua approves as pejabat penilai
    periode = admin.post("/periode", json=PERIODE).get_json()
    open_period(admin, periode["id"])
    task = task_with_form(putri, "realisasi")
    rhk_id = _first_rhk(session, PUTRI)
    saved = putri.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(rhk_id): {
        "rencana_aksi": "Menyusun rancangan antarmuka perizinan", "realisasi": ""}}, "kirim": False}})
    assert saved.status_code == 200, saved.get_json()

    missing = andi.get(f"/tim-kerja/{tim['id']}/rencana-aksi")
    assert missing.status_code == 422 and set(fields(missing)) == {"periode_id"}
    listed = andi.get(f"/tim-kerja/{tim['id']}/rencana-aksi?periode_id={periode['id']}")
    assert listed.status_code == 200, listed.get_json()
    body = listed.get_json()
    assert body["dapat_memberi_umpan_balik"] is True
    rows = {a["nip"]: a for a in body["anggota"]}
    assert set(rows) == {PUTRI, FAJAR} and rows[FAJAR]["penilaian_id"] is None  # Fajar has no approved SKP
    [row] = rows[PUTRI]["rhk"]
    assert row["rencana_aksi"] == "Menyusun rancangan antarmuka perizinan" and row["rhk_tim"] is True

    feedback = {"realisasi_id": row["realisasi_id"], "teks": "Sertakan jadwal uji coba dengan pengguna"}
    assert put(fajar, f"/tim-kerja/{tim['id']}/umpan-balik", feedback).status_code == 403  # an anggota
    assert put(as_user(KADIS), f"/tim-kerja/{tim['id']}/umpan-balik", feedback).status_code == 403  # not the ketua
    bad = put(andi, f"/tim-kerja/{tim['id']}/umpan-balik", {"realisasi_id": 999999, "teks": ""})
    assert bad.status_code == 422 and set(fields(bad)) == {"realisasi_id", "teks"}
    given = put(andi, f"/tim-kerja/{tim['id']}/umpan-balik", feedback)
    assert given.status_code == 200, given.get_json()
    again = put(andi, f"/tim-kerja/{tim['id']}/umpan-balik", {**feedback, "teks": "Jadwal uji coba minggu ke-3"})
    assert again.status_code == 200 and again.get_json()["id"] == given.get_json()["id"]  # replaced, one row
    own = putri.get(f"/tim-kerja/{tim['id']}/rencana-aksi?periode_id={periode['id']}").get_json()
    assert [a["nip"] for a in own["anggota"]] == [PUTRI]  # an anggota sees their own rows only
    assert own["anggota"][0]["rhk"][0]["umpan_balik_ketua"] == "Jadwal uji coba minggu ke-3"
    assert own["anggota"][0]["rhk"][0]["umpan_balik_oleh"].startswith("Andi Saputra")
    penilaian = putri.get(f"/penilaian/{own['anggota'][0]['penilaian_id']}").get_json()  # on her penilaian too
    assert penilaian["rhk"][0]["umpan_balik_ketua_tim"] == [{"tim": "Tim Transformasi Digital",
                                                             "ketua": "Andi Saputra, S.Kom., M.T.I.",
                                                             "teks": "Jadwal uji coba minggu ke-3"}]
    assert as_user(SITI).get(f"/tim-kerja/{tim['id']}/rencana-aksi?periode_id={periode['id']}").status_code == 403


def _first_rhk(session, nip):
    from app.kinerja.skp import Rhk, Skp

    session.rollback()
    return session.scalar(select(Rhk.id).join(Skp, Skp.id == Rhk.skp_id).join(Pegawai, Pegawai.id == Skp.pegawai_id)
                          .where(Pegawai.nip == nip, Skp.status != "DIBATALKAN").order_by(Rhk.urutan).limit(1))


@pytest.fixture
def uji(app):
    s = app.extensions["db_sessionmaker"]()
    with write_transaction(s):
        deploy(s, read_dir(ROOT / "tests" / "bpmn" / "tim_kerja"), comment="uji tim kerja")
    s.close()


def test_ketua_tim_lane_resolves_to_the_ketua_and_follows_membership_changes(uji, as_user, session,
                                                                              kadis_approved):  # noqa: F811
    clock.set(f"{DEMO_TAHUN}-06-15T09:00:00+07:00")  # a day of the team's year after 1 January
    kadis, putri, andi, rizki = as_user(KADIS), as_user(PUTRI), as_user(ANDI), as_user(RIZKI)
    started = putri.post("/processes/uji_ketua_tim/instances", json={})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["status"] == "error"
    assert body["last_error"]["message"].startswith("Lane 'Ketua tim': Putri Ramadhani")
    assert "bukan anggota tim kerja" in body["last_error"]["message"]

    team = kadis.post("/tim-kerja", json={"unor_id": unor_id(session, "KOMINFO.APTIKA"), "tahun": DEMO_TAHUN,
                                          "nama": "Tim Layanan"}).get_json()
    joined = kadis.post(f"/tim-kerja/{team['id']}/anggota", json={"nip": PUTRI, "peran": "ANGGOTA"})
    assert joined.status_code == 201
    assert body["id"] not in joined.get_json()["pengalihan"].get("instance_dilanjutkan", [])  # no ketua yet
    ketua = kadis.post(f"/tim-kerja/{team['id']}/anggota", json={"nip": ANDI, "peran": "KETUA"})
    assert ketua.status_code == 201
    assert ketua.get_json()["pengalihan"]["instance_dilanjutkan"] == [body["id"]]  # goes on by itself
    [task] = _tasks_of(andi, body["id"])
    assert task["lane"] == "Ketua tim"

    # a new ketua from today takes the open task over
    changed = kadis.post(f"/tim-kerja/{team['id']}/anggota", json={"nip": RIZKI, "peran": "KETUA",
                                                                  "mulai": clock.today().isoformat()})
    assert changed.status_code == 201, changed.get_json()
    assert changed.get_json()["pengalihan"]["tugas_dialihkan"]
    assert _tasks_of(andi, body["id"]) == [] and len(_tasks_of(rizki, body["id"])) == 1


def test_pages_list_create_members_matriks_and_setting(app, pages, as_user, session, kadis_approved):  # noqa: F811
    from test_pages import text

    pages.login(KADIS)
    listed = pages.get(f"/tim-kerja?tahun={DEMO_TAHUN}")
    assert listed.status_code == 200
    assert "Tim Satu Data Statistik Sektoral" in text(listed.get_data(as_text=True))  # the demo's team
    assert "Tim Kerja" in listed.get_data(as_text=True)  # in the nav group "Kinerja Organisasi"
    unit = unor_id(session, "KOMINFO.APTIKA")
    bad = pages.post("/tim-kerja", {"unor_id": str(unit), "nama": "", "tahun": str(DEMO_TAHUN)})
    assert bad.status_code == 422 and "wajib diisi" in text(bad.get_data(as_text=True))
    made = pages.post("/tim-kerja", {"unor_id": str(unit), "nama": "Tim Satu Data", "tahun": str(DEMO_TAHUN)})
    assert made.status_code == 302
    detail_url = made.headers["Location"]
    tim_id = int(detail_url.rstrip("/").split("/")[-1])
    page = text(pages.get(detail_url).get_data(as_text=True))
    assert "Tim Satu Data" in page and kadis_approved["rhk"][0]["deskripsi"] in page  # a choice of RHK
    saved = pages.post(f"/tim-kerja/{tim_id}/ubah", {"nama": "Tim Satu Data",
                                                     "rhk_ids": str(kadis_approved["rhk"][0]["id"])})
    assert saved.status_code == 302
    for nip, peran in ((ANDI, "KETUA"), (PUTRI, "ANGGOTA")):
        added = pages.post(f"/tim-kerja/{tim_id}/anggota", {"nip": nip, "peran": peran, "mulai": "", "selesai": ""})
        assert added.status_code == 302
    wrong = pages.post(f"/tim-kerja/{tim_id}/anggota", {"nip": "1", "peran": "ANGGOTA", "mulai": "", "selesai": ""})
    assert wrong.status_code == 422 and "tidak ada di instansi" in text(wrong.get_data(as_text=True))
    team = as_user(KADIS).get(f"/tim-kerja/{tim_id}").get_json()
    assert team["ketua"]["nip"] == ANDI and [r["rhk_id"] for r in team["rhk"]] == [kadis_approved["rhk"][0]["id"]]

    pages.login(ANDI)  # the ketua fills the team's matriks on its page
    matriks = pages.get(f"/tim-kerja/{tim_id}/matriks")
    assert matriks.status_code == 200 and "Simpan matriks" in matriks.get_data(as_text=True)
    rhk_id = kadis_approved["rhk"][0]["id"]
    stored = pages.post(f"/tim-kerja/{tim_id}/matriks", {f"sel-{PUTRI}-{rhk_id}-peran": "Analis",
                                                         f"sel-{PUTRI}-{rhk_id}-hasil": "Tersusunnya katalog data"})
    assert stored.status_code == 302
    cells = as_user(ANDI).get(f"/tim-kerja/{tim_id}/matriks").get_json()["baris"]
    assert next(b for b in cells if b["nip"] == PUTRI)["sel"][0]["hasil"] == "Tersusunnya katalog data"
    assert pages.post(f"/tim-kerja/{tim_id}/anggota", {"nip": SITI, "peran": "ANGGOTA"}).status_code == 403
    assert pages.get(f"/tim-kerja/{tim_id}/rencana-aksi").status_code == 200

    pages.login(admin_of_accounts(as_user))
    assert pages.post("/tim-kerja/pengaturan", {"ketua_sebagai_penilai": "ya"}).status_code == 302
    assert as_user(KADIS).get("/tim-kerja").get_json()["pengaturan"]["ketua_sebagai_penilai"] is True
    assert "checked" in pages.get("/tim-kerja").get_data(as_text=True)


def _race(app, nip, calls) -> list[int]:
    """Real concurrent requests: one thread and test client per call, released together."""
    import threading

    from conftest import Api

    apis = [Api(app.test_client(), nip) for _ in calls]
    barrier, codes = threading.Barrier(len(calls)), []

    def run(api, call):
        barrier.wait()
        codes.append(call(api).status_code)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(apis, calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(codes)


def test_concurrent_writes_to_one_team_keep_one_ketua_and_one_name(app, as_user, session, tim):
    unit = unor_id(session, "KOMINFO.APTIKA")
    same = {"unor_id": unit, "tahun": DEMO_TAHUN, "nama": "Tim Kilat"}
    codes = _race(app, KADIS, [lambda api: api.post("/tim-kerja", json=same)] * 4)
    assert codes == [201, 422, 422, 422], codes  # never a 500, never two teams
    listed = as_user(KADIS).get(f"/tim-kerja?tahun={DEMO_TAHUN}&unor_id={unit}").get_json()["tim"]
    assert [t["nama"] for t in listed].count("Tim Kilat") == 1

    # four new ketua from the same day at once: one takes over, the others are refused (409)
    candidates = [RIZKI, SITI, KABID, "198404042009011005"]  # the last: Kasi Statistik Sektoral
    codes = _race(app, KADIS, [
        (lambda nip: lambda api: api.post(f"/tim-kerja/{tim['id']}/anggota",
                                          json={"nip": nip, "peran": "KETUA", "mulai": f"{DEMO_TAHUN}-07-01"}))(n)
        for n in candidates])
    assert codes == [201, 409, 409, 409], codes
    team = as_user(KADIS).get(f"/tim-kerja/{tim['id']}").get_json()
    ketua = [a for a in team["anggota"] if a["peran"] == "KETUA"]
    assert [(a["nip"], a["selesai"]) for a in ketua if a["nip"] == ANDI] == [(ANDI, f"{DEMO_TAHUN}-06-30")]
    assert len([a for a in ketua if a["mulai"] == f"{DEMO_TAHUN}-07-01"]) == 1


def test_every_tim_kerja_route_is_in_the_openapi_document(app, client):
    import re

    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    documented = {(re.sub(r"\{[^}]+\}", "{}", p), m.upper()) for p, ops in paths.items() for m in ops}
    routes = {(re.sub(r"<[^>]+>", "{}", r.rule[len("/api/v1"):]), m) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/tim-kerja") for m in r.methods - {"HEAD", "OPTIONS"}}
    assert len(routes) == 12 and sorted(routes - documented) == []
