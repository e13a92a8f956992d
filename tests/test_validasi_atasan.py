"""Validasi data atasan (issue 18 part 2), a process built from files under bpmn/ only: the admin kinerja starts a
round, every unit head confirms or corrects his unit's data, reminders and escalation by timers (moved clock),
the confirmation sheets as PDF, the admin applies a correction with the organisation tools. Both databases."""
from __future__ import annotations

import io

import pytest
from docx import Document
from conftest import DEMO_TAHUN, find
from sqlalchemy import select
from test_penilaian import admin_of

from app.kinerja.org import Jabatan, Pegawai
from app.kinerja.susunan_unit import susunan
from app.notifications.models import Notification
from workflows import clock
from workflows.timers import fire_due

PROCESS = "validasi_data_atasan"
BATAS = f"{DEMO_TAHUN}-03-10"


def tasks_of(api, instance_id):
    return [t for t in api.get("/tasks").get_json() if t["instance_id"] == instance_id]


def notified(factory, kind):
    session = factory()
    try:
        return {nip for nip, in session.execute(select(Pegawai.nip).join(Notification, Notification.pegawai_id == Pegawai.id)
                                                .where(Notification.kind == kind))}
    finally:
        session.close()


@pytest.fixture
def ronde(app, accounts, as_user):
    """A round started by the admin kinerja on 2 March; the units as the lookup service sees them."""
    clock.set(f"{DEMO_TAHUN}-03-02T09:00:00+07:00")
    admin = as_user(admin_of(accounts)["nip"])
    pegawai = as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"])
    assert PROCESS not in [p["id"] for p in pegawai.get("/processes").get_json()]
    assert pegawai.post(f"/processes/{PROCESS}/instances", json={"data": {"batas_konfirmasi": BATAS}}).status_code == 403
    bad = admin.post(f"/processes/{PROCESS}/instances", json={"data": {"batas_konfirmasi": "10-03"}})
    assert bad.status_code == 422 and "batas_konfirmasi" in bad.get_json()["error"]["details"]["fields"]
    started = admin.post(f"/processes/{PROCESS}/instances", json={"data": {"batas_konfirmasi": BATAS}})
    assert started.status_code == 201, started.get_json()
    session = app.extensions["db_sessionmaker"]()
    admin_row = session.scalar(select(Pegawai).where(Pegawai.nip == admin.nip))
    units = susunan(session, admin_row.instansi_id)
    session.close()
    return {"admin": admin, "id": started.get_json()["id"], "units": units}


def test_lookup_lists_units_with_plt_and_pejabat_penilai(app, accounts, ronde):
    units = ronde["units"]
    assert len(units) >= 3 and all(u["kepala_nip"] and u["pegawai"] for u in units)
    kabid = find(accounts, "Kepala Bidang Aplikasi")
    bidang = next(u for u in units if u["kepala_nip"] == kabid["nip"])
    kadis = find(accounts, "Kepala Dinas")
    assert all(p["pejabat_penilai"].endswith(f"({kabid['nip']})") for p in bidang["pegawai"] if p["nip"] != kabid["nip"]
               and "Kepala Seksi" in p["jabatan"])
    assert next(p for p in bidang["pegawai"] if p["nip"] == kabid["nip"])["atasan"].endswith(f"({kadis['nip']})")
    # the demo's PLT (Kepala Seksi Infrastruktur dan Jaringan) heads that unit and is named as PLT
    plt_unit = next(u for u in units if u["kepala"]["sebagai"].startswith("PLT"))
    assert "PLT Kepala Seksi Infrastruktur" in plt_unit["kepala"]["teks"]
    assert any("PLT" in p["pejabat_penilai"] for p in plt_unit["pegawai"] if p["nip"] != plt_unit["kepala_nip"])


def test_round_reminds_escalates_prints_and_ends_with_the_applied_correction(app, accounts, as_user, ronde, run_jobs):
    admin, instance_id, units = ronde["admin"], ronde["id"], ronde["units"]
    factory = app.extensions["db_sessionmaker"]
    heads = {u["kepala_nip"] for u in units}
    # every unit head has exactly one task per unit he heads, titled with the unit, due at the batas
    for unit in units:
        titles = [t["title"] for t in tasks_of(as_user(unit["kepala_nip"]), instance_id)]
        assert f"Validasi data atasan: {unit['nama']}" in titles
    assert tasks_of(as_user(find(accounts, "Pranata Komputer Ahli Pertama")["nip"]), instance_id) == []

    # reminder three days before the batas, to the unit heads
    clock.set(f"{DEMO_TAHUN}-03-07T07:59:00+07:00")
    fire_due(factory)
    assert notified(factory, "pengingat_tugas") & heads == set()
    clock.set(f"{DEMO_TAHUN}-03-07T08:00:01+07:00")
    assert fire_due(factory).fired >= 1
    assert heads <= notified(factory, "pengingat_tugas")

    first, *others = units
    correction_unit = next(u for u in units if len(u["pegawai"]) > 1)
    target = next(p for p in correction_unit["pegawai"] if p["nip"] != correction_unit["kepala_nip"])
    for unit in units:
        api = as_user(unit["kepala_nip"])
        [task] = [t for t in tasks_of(api, instance_id) if t["title"].endswith(unit["nama"])]
        if unit is correction_unit:
            missing = api.post(f"/tasks/{task['id']}/complete", json={"data": {"hasil": {"keputusan": "ADA_KOREKSI"}}})
            assert missing.status_code == 422, missing.get_json()
            done = api.post(f"/tasks/{task['id']}/complete", json={"data": {"hasil": {
                "keputusan": "ADA_KOREKSI", "koreksi": [{"nip": target["nip"], "koreksi": "Pindah ke jabatan analis"}]}}})
        else:
            done = api.post(f"/tasks/{task['id']}/complete", json={"data": {"hasil": {"keputusan": "SESUAI"}}})
        assert done.status_code == 200, done.get_json()
        if unit is units[-2]:
            # the last unit is late: the JPT over the units are told the day after the batas
            clock.set(f"{DEMO_TAHUN}-03-11T08:00:01+07:00")
            assert fire_due(factory).fired >= 1
            assert find(accounts, "Kepala Dinas")["nip"] in notified(factory, "eskalasi_tugas")
            view = admin.get(f"/instances/{instance_id}").get_json()
            # the admin sees which units have not confirmed yet (their open tasks) and which have (events)
            assert view["status"] == "waiting"
            assert [t["title"] for t in view["open_tasks"]] == [f"Validasi data atasan: {units[-1]['nama']}"]
            assert sum(e["kind"] == "task_completed" for e in view["events"]) == len(units) - 1

    # the admin kinerja gets the corrections; one sheet per unit is printed
    [apply] = tasks_of(admin, instance_id)
    assert apply["title"] == "Terapkan 1 koreksi data atasan"
    task = admin.get(f"/tasks/{apply['id']}").get_json()
    assert task["data"]["koreksi_list"] == [{"unit": correction_unit["nama"], "kepala": correction_unit["kepala"]["teks"],
                                             "nip": target["nip"], "nama": target["nama"],
                                             "koreksi": "Pindah ke jabatan analis"}]
    run_jobs()
    documents = admin.get(f"/instances/{instance_id}/documents").get_json()
    assert documents["pending"] == [], documents
    names = sorted(d["nama_berkas"] for d in documents["documents"])
    assert names == sorted(f"Lembar-Validasi-{u['kode']}.{ext}" for u in units for ext in ("pdf", "docx")), names
    by_name = {d["nama_berkas"]: d for d in documents["documents"]}
    pdf = admin.get(f"/instances/{instance_id}/documents/"
                    f"{by_name['Lembar-Validasi-' + correction_unit['kode'] + '.pdf']['id']}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    docx = admin.get(f"/instances/{instance_id}/documents/"
                     f"{by_name['Lembar-Validasi-' + correction_unit['kode'] + '.docx']['id']}")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    cells = " ".join(c.text for t in Document(io.BytesIO(docx.data)).tables for r in t.rows for c in r.cells)
    assert f"Koreksi NIP {target['nip']}: Pindah ke jabatan analis" in text and correction_unit["nama"] in text
    assert target["nama"] in cells and target["pejabat_penilai"] in cells

    # applied with the organisation tools (recorded there), then recorded on the task
    session = factory()
    current = session.scalar(select(Pegawai.jabatan_id).where(Pegawai.nip == target["nip"]))
    other = session.scalar(select(Jabatan.id).where(Jabatan.is_pimpinan_unor.is_(False), Jabatan.id != current)
                           .order_by(Jabatan.id).limit(1))
    session.close()
    moved = admin.client.put(f"/api/v1/pegawai/{target['nip']}/jabatan", headers=admin.headers,
                             json={"jabatan_id": other})
    assert moved.status_code == 200, moved.get_json()
    unfinished = admin.post(f"/tasks/{apply['id']}/complete", json={"data": {"catatan_penerapan": "x", "selesai": False}})
    assert unfinished.status_code == 422
    done = admin.post(f"/tasks/{apply['id']}/complete", json={"data": {
        "catatan_penerapan": f"{target['nip']} dipindah ke jabatan analis di halaman Organisasi", "selesai": True}})
    assert done.status_code == 200, done.get_json()
    assert admin.get(f"/instances/{instance_id}").get_json()["status"] == "completed"
