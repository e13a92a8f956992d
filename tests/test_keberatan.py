"""Keberatan (PP 30/2019), the process of bpmn/keberatan.bpmn, through the JSON API on SQLite and PostgreSQL.

A Pranata Komputer (jabatan fungsional) whose January penilaian is final objects to its predikat; his pejabat
penilai explains, the atasan pejabat penilai decides and changes the predikat: the penilaian, the angka
kredit ledger and the Dokumen Evaluasi (its sections KEBERATAN, PENJELASAN …, KEPUTUSAN …) show it. A start
after the 14 days of the diagram is refused with nothing kept; the reminders and the escalation fire when
the clock is moved.
"""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import select
from test_evaluasi_dokumen import docx_text, pdf_text
from test_dialog_kinerja import count
from test_finalisasi_periode import fill_and_find_review, jf_ready
from test_penilaian import open_first_period
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app.kinerja.org import Pegawai
from app.kinerja.penilaian import PenilaianCatatan
from app.notifications.models import Notification
from workflows import clock
from workflows.models import Instance, InstanceEvent
from workflows.timers import fire_due

SECTIONS = ("KEBERATAN", "PENJELASAN PEJABAT PENILAI ATAS KEBERATAN", "KEPUTUSAN ATASAN PEJABAT PENILAI KINERJA")


@pytest.fixture
def final_jf(app, accounts, as_user, kadis_approved):  # noqa: F811
    """The Pranata Komputer's January penilaian, final with predikat Baik on 1 February (AK 1,04)."""
    jf_acc, jf, penilai = jf_ready(accounts, as_user, kadis_approved)
    penilai_nip = jf_acc["pejabat_penilai_nip"]
    atasan_nip = next(a for a in accounts if a["nip"] == penilai_nip)["pejabat_penilai_nip"]
    admin_nip = next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"]
    clock.set(f"{DEMO_TAHUN}-01-28T09:00:00+07:00")
    _, opened = open_first_period(accounts, as_user)
    [mine] = [r for r in opened["hasil"] if r["nip"] == jf_acc["nip"]]
    penilaian_id = mine["penilaian_id"]
    review, ratings = fill_and_find_review(jf, jf_acc, penilai, penilaian_id)
    clock.set(f"{DEMO_TAHUN}-02-01T09:00:00+07:00")
    assert penilai.post(f"/tasks/{review['id']}/complete", json={"data": ratings}).status_code == 200
    result = jf.get(f"/penilaian/{penilaian_id}").get_json()
    assert result["status"] == "FINAL" and result["predikat"] == "BAIK"
    assert result["angka_kredit"]["ak_teks"] == "1,04"
    lain = next(a["nip"] for a in accounts if a["nip"] not in (jf_acc["nip"], penilai_nip, atasan_nip, admin_nip))
    return {"penilaian_id": penilaian_id, "jf": jf, "penilai": penilai, "atasan": as_user(atasan_nip),
            "jf_nip": jf_acc["nip"], "penilai_nip": penilai_nip, "atasan_nip": atasan_nip, "lain": as_user(lain),
            "admin_nip": admin_nip, "admin": as_user(admin_nip)}


def kinds_of(app, nip) -> list[str]:
    """The kinds of the pegawai's notifications about a keberatan (other processes' timers fire too)."""
    session = app.extensions["db_sessionmaker"]()
    try:
        pegawai_id = session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
        return sorted(session.scalars(select(Notification.kind).where(
            Notification.pegawai_id == pegawai_id, Notification.subject.contains("keberatan"))))
    finally:
        session.close()


def start(jf, penilaian_id, alasan="Realisasi saya melampaui target; bukti dukung menyusul"):
    return jf.post("/processes/keberatan/instances", json={"data": {"penilaian_id": penilaian_id, "alasan": alasan}})


def test_keberatan_changes_the_predikat_the_ledger_and_the_dokumen_evaluasi(app, final_jf):
    jf, penilai, atasan, penilaian_id = final_jf["jf"], final_jf["penilai"], final_jf["atasan"], final_jf["penilaian_id"]
    clock.set(f"{DEMO_TAHUN}-02-03T10:00:00+07:00")
    offered = {p["id"]: p for p in jf.get("/processes").get_json()}["keberatan"]
    # the start form offers the pegawai's own final penilaian (x-pilihan: penilaian_final)
    assert [c["const"] for c in offered["schema"]["properties"]["penilaian_id"]["oneOf"]] == [penilaian_id]
    assert "Baik" in offered["schema"]["properties"]["penilaian_id"]["oneOf"][0]["title"]
    # another pegawai's penilaian is not among the choices: 422 naming the field
    other = start(final_jf["lain"], penilaian_id)
    assert other.status_code == 422 and "penilaian_id" in other.get_json()["error"]["details"]["fields"]

    started = start(jf, penilaian_id)
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    assert jf.get(f"/penilaian/{penilaian_id}").get_json()["catatan_proses"][0]["judul"] == "KEBERATAN"

    [penjelasan] = [t for t in penilai.get("/tasks").get_json() if t["instance_id"] == instance_id]
    assert penjelasan["form"] == "keberatan-penjelasan" and "Januari" in penjelasan["title"]
    assert [t for t in atasan.get("/tasks").get_json() if t["instance_id"] == instance_id] == []
    empty = penilai.post(f"/tasks/{penjelasan['id']}/complete", json={"data": {"penjelasan": " "}})
    assert empty.status_code == 422 and "penjelasan" in empty.get_json()["error"]["details"]["fields"]
    done = penilai.post(f"/tasks/{penjelasan['id']}/complete", json={"data": {
        "penjelasan": "Satu RHK belum didukung bukti", "alasan": "diubah oleh penilai"}})  # readOnly: ignored
    assert done.status_code == 200, done.get_json()

    [keputusan] = [t for t in atasan.get("/tasks").get_json() if t["instance_id"] == instance_id]
    assert keputusan["form"] == "keberatan-keputusan"
    wrong = atasan.post(f"/tasks/{keputusan['id']}/complete", json={"data": {"predikat_akhir": "ISTIMEWA",
                                                                            "pertimbangan": "x"}})
    assert wrong.status_code == 422 and "predikat_akhir" in wrong.get_json()["error"]["details"]["fields"]
    decided = atasan.post(f"/tasks/{keputusan['id']}/complete", json={"data": {
        "predikat_akhir": "SANGAT_BAIK", "pertimbangan": "Bukti dukung yang menyusul sah"}})
    assert decided.status_code == 200, decided.get_json()

    instance = jf.get(f"/instances/{instance_id}").get_json()
    assert instance["status"] == "completed", instance
    penilaian = jf.get(f"/penilaian/{penilaian_id}").get_json()
    assert penilaian["predikat"] == "SANGAT_BAIK"
    # 1/12 × 150% × 12,5 = 1,5625: the same ledger row, derived again
    assert penilaian["angka_kredit"]["predikat"] == "SANGAT_BAIK" and penilaian["angka_kredit"]["ak_teks"] == "1,56"
    ledger = jf.get(f"/pegawai/{final_jf['jf_nip']}/angka-kredit").get_json()
    [row] = [r for r in ledger["items"] if r.get("penilaian_id") == penilaian_id]
    assert row["predikat"] == "SANGAT_BAIK" and row["ak_teks"] == "1,56"
    sections = {c["judul"]: c["isi"] for c in penilaian["catatan_proses"]}
    assert list(sections) == list(SECTIONS)
    assert sections["KEBERATAN"].startswith("Realisasi saya melampaui target")
    assert sections["PENJELASAN PEJABAT PENILAI ATAS KEBERATAN"] == "Satu RHK belum didukung bukti"
    assert sections["KEPUTUSAN ATASAN PEJABAT PENILAI KINERJA"].startswith(
        "Predikat kinerja diubah dari Baik menjadi Sangat Baik.")
    # the pegawai is told the decision; the change is logged on the instance
    assert "pemberitahuan" in kinds_of(app, final_jf["jf_nip"])
    session = app.extensions["db_sessionmaker"]()
    try:
        [event] = session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                                              InstanceEvent.kind == "predikat_ditetapkan")).all()
        assert event.data["predikat_lama"] == "BAIK" and event.data["predikat"] == "SANGAT_BAIK"
    finally:
        session.close()

    text = docx_text(jf.get(f"/penilaian/{penilaian_id}/dokumen-evaluasi.docx").data)
    assert "SANGAT BAIK" in text
    for n, judul in enumerate(SECTIONS, start=6):
        assert f"{n} {judul}" in text, judul
    assert "Satu RHK belum didukung bukti" in text
    pdf = jf.get(f"/penilaian/{penilaian_id}/dokumen-evaluasi.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    for judul in SECTIONS:
        assert judul in text, judul
    assert "Predikat kinerja diubah dari Baik menjadi Sangat Baik" in text


def test_a_keberatan_after_the_window_is_refused_and_nothing_is_kept(app, final_jf):
    jf, penilaian_id = final_jf["jf"], final_jf["penilaian_id"]
    instances = count(app, Instance)
    clock.set(f"{DEMO_TAHUN}-02-16T08:00:00+07:00")  # final on 1 February + 14 days = 15 February
    late = start(jf, penilaian_id)
    assert late.status_code == 422, late.get_json()
    error = late.get_json()["error"]
    assert "14 hari" in error["details"]["fields"]["penilaian_id"]
    assert "15 Februari" in error["details"]["fields"]["penilaian_id"]
    assert count(app, Instance) == instances and count(app, PenilaianCatatan) == 0
    clock.set(f"{DEMO_TAHUN}-02-15T20:00:00+07:00")  # the last day of the window still counts
    assert start(jf, penilaian_id).status_code == 201


def test_reminders_and_escalation_fire_when_the_clock_moves(app, final_jf):
    jf, penilai, atasan, penilaian_id = final_jf["jf"], final_jf["penilai"], final_jf["atasan"], final_jf["penilaian_id"]
    factory = app.extensions["db_sessionmaker"]
    clock.set(f"{DEMO_TAHUN}-02-03T10:00:00+07:00")
    instance_id = start(jf, penilaian_id).get_json()["id"]
    before = kinds_of(app, final_jf["penilai_nip"]).count("pengingat_tugas")
    clock.set(f"{DEMO_TAHUN}-02-05T10:00:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["penilai_nip"]).count("pengingat_tugas") == before  # not yet 3 days
    clock.set(f"{DEMO_TAHUN}-02-06T10:30:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["penilai_nip"]).count("pengingat_tugas") == before + 1
    clock.set(f"{DEMO_TAHUN}-02-09T11:00:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["penilai_nip"]).count("pengingat_tugas") == before + 2
    clock.set(f"{DEMO_TAHUN}-02-20T11:00:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["penilai_nip"]).count("pengingat_tugas") == before + 2  # R2: twice only

    [task] = [t for t in penilai.get("/tasks").get_json() if t["instance_id"] == instance_id]
    assert penilai.post(f"/tasks/{task['id']}/complete", json={"data": {"penjelasan": "Sudah sesuai"}}).status_code == 200
    kabid_before = kinds_of(app, final_jf["atasan_nip"]).count("pengingat_tugas")
    admin_before = kinds_of(app, final_jf["admin_nip"]).count("eskalasi_tugas")
    clock.set(f"{DEMO_TAHUN}-02-23T12:00:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["atasan_nip"]).count("pengingat_tugas") == kabid_before + 1
    assert kinds_of(app, final_jf["admin_nip"]).count("eskalasi_tugas") == admin_before
    clock.set(f"{DEMO_TAHUN}-02-27T12:30:00+07:00")
    fire_due(factory)
    assert kinds_of(app, final_jf["admin_nip"]).count("eskalasi_tugas") == admin_before + 1
    # while the keberatan is open, the SKP it is about is not rolled back (process property menahan_rollback_skp)
    admin, skp_id = final_jf["admin"], jf.get(f"/penilaian/{penilaian_id}").get_json()["skp_id"]
    held = admin.post(f"/skp/{skp_id}/rollback", json={"reason": "Revisi RHK"})
    assert held.status_code == 409 and "Keberatan" in held.get_json()["error"]["message"], held.get_json()
    assert held.get_json()["error"]["details"]["instance_id"] == instance_id
    assert admin.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"
    # the escalation informs; the decision stays with the atasan pejabat penilai
    [keputusan] = [t for t in atasan.get("/tasks").get_json() if t["instance_id"] == instance_id]
    assert atasan.post(f"/tasks/{keputusan['id']}/complete", json={"data": {
        "predikat_akhir": "BAIK", "pertimbangan": "Penjelasan dapat diterima"}}).status_code == 200
    assert admin.post(f"/skp/{skp_id}/rollback", json={"reason": "Revisi RHK"}).status_code == 200
    penilaian = jf.get(f"/penilaian/{penilaian_id}").get_json()
    assert penilaian["predikat"] == "BAIK" and penilaian["angka_kredit"]["ak_teks"] == "1,04"
    assert penilaian["catatan_proses"][-1]["isi"].startswith("Predikat kinerja tetap Baik.")
    assert jf.get(f"/instances/{instance_id}").get_json()["status"] == "completed"


def test_choices_come_from_a_registered_lookup_and_an_unknown_one_is_refused_at_deploy(final_jf):
    from workflows.forms import check_schema

    lain = final_jf["lain"]
    schema = lain.get("/processes/keberatan").get_json()["schema"]
    assert schema["properties"]["penilaian_id"]["enum"] == []  # no final penilaian: nothing to choose
    refused = start(lain, final_jf["penilaian_id"])
    assert refused.status_code == 422 and "penilaian_id" in refused.get_json()["error"]["details"]["fields"]
    problem = check_schema({"type": "object", "properties": {"x": {"type": "integer", "x-pilihan": "tidak_ada"}}},
                           "uji-pilihan")
    assert problem is not None and "x-pilihan tidak_ada tidak dikenal" in problem and "penilaian_final" in problem
