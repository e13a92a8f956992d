"""Admin console: find stuck instances, see why, repair them (API, on SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import find
from sqlalchemy import func, select

from core.db import write_transaction
from workflows import clock
from workflows.definitions import deploy
from workflows.instances import start_instance
from workflows.models import InstanceEvent
from workflows.scripting import register_service

LANES = {"Pegawai": ["Task_Isi"], "Pejabat Penilai": ["Task_Periksa", "Task_Arsip"]}


def uji_process(tasks=("Task_Isi", "Script_Hitung", "Task_Periksa"), periksa_name="Periksa hasil") -> str:
    """start → Isi (pegawai) → Hitung (script: hasil = 10 / pembagi) → Periksa (penilai) [→ Arsip] → end."""
    names = {"Task_Isi": "Isi data", "Script_Hitung": "Hitung hasil", "Task_Periksa": periksa_name,
             "Task_Arsip": "Arsipkan", "Task_Lain": "Tugas lain"}
    ids = ["Mulai", *tasks, "Selesai"]
    nodes, flows = [], []
    for i, node in enumerate(ids):
        incoming = f"<bpmn:incoming>f{i}</bpmn:incoming>" if i else ""
        outgoing = f"<bpmn:outgoing>f{i + 1}</bpmn:outgoing>" if i < len(ids) - 1 else ""
        if node == "Mulai":
            nodes.append(f'<bpmn:startEvent id="Mulai">{outgoing}</bpmn:startEvent>')
        elif node == "Selesai":
            nodes.append(f'<bpmn:endEvent id="Selesai">{incoming}</bpmn:endEvent>')
        elif node.startswith("Service"):
            nodes.append(f'<bpmn:serviceTask id="{node}" name="Layanan uji"><bpmn:extensionElements>'
                         f'<spiffworkflow:serviceTaskOperator id="uji_admin_layanan" resultVariable="hasil_layanan">'
                         f'<spiffworkflow:parameters><spiffworkflow:parameter id="kode" type="str" value="kode" />'
                         f'</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>'
                         f'</bpmn:extensionElements>{incoming}{outgoing}</bpmn:serviceTask>')
        elif node.startswith("Script"):
            nodes.append(f'<bpmn:scriptTask id="{node}" name="{names[node]}">{incoming}{outgoing}'
                         f'<bpmn:script>hasil = 10 / pembagi</bpmn:script></bpmn:scriptTask>')
        else:
            nodes.append(f'<bpmn:userTask id="{node}" name="{names[node]}"><bpmn:extensionElements>'
                         f'<spiffworkflow:properties><spiffworkflow:property name="formKey" value="konfirmasi" />'
                         f'</spiffworkflow:properties></bpmn:extensionElements>{incoming}{outgoing}</bpmn:userTask>')
        if i < len(ids) - 1:
            flows.append(f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="{node}" targetRef="{ids[i + 1]}" />')
    lanes = "".join(
        f'<bpmn:lane id="Lane_{n}" name="{lane}">'
        + "".join(f"<bpmn:flowNodeRef>{t}</bpmn:flowNodeRef>" for t in tasks if t in members) + "</bpmn:lane>"
        for n, (lane, members) in enumerate({**LANES, "Pegawai": LANES["Pegawai"] + ["Task_Lain"]}.items()))
    shapes = "".join(f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}"><dc:Bounds x="{100 + 150 * i}" y="100" '
                     f'width="100" height="80" /></bpmndi:BPMNShape>' for i, n in enumerate(ids))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="uji_admin" name="Uji admin" isExecutable="true">
    <bpmn:laneSet id="LaneSet">{lanes}</bpmn:laneSet>
    {"".join(nodes)}{"".join(flows)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Di"><bpmndi:BPMNPlane id="Plane" bpmnElement="uji_admin">{shapes}</bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"""


@register_service("uji_admin_layanan")
def uji_admin_layanan(run, data, kode):
    """A service of the tests that fails until the data carries a valid code."""
    if kode != "OK":
        raise RuntimeError(f"kode {kode!r} ditolak layanan")
    return {"diterima": kode}


def deploy_uji(app, **kw):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        definition = deploy(session, {"uji_admin.bpmn": uji_process(**kw)})[0]
    session.close()
    return definition.id


@pytest.fixture
def people(accounts):
    pegawai = find(accounts, "Pranata Komputer Ahli Pertama")
    return {"pegawai": pegawai, "penilai": next(a for a in accounts if a["nip"] == pegawai["pejabat_penilai_nip"]),
            "admin": next(a for a in accounts if "admin_kinerja" in a["roles"]), "superadmin": next(a for a in accounts if "superadmin" in a["roles"]),
            "kadis": find(accounts, "Kepala Dinas")}


def start_uji(app, nip, pembagi, n=1, tasks=None, data=None):
    from app.kinerja.org import Pegawai

    deploy_uji(app, **({"tasks": tasks} if tasks else {}))
    session = app.extensions["db_sessionmaker"]()
    ids = []
    with write_transaction(session):
        pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip))
        for i in range(n):
            ids.append(start_instance(session, "uji_admin", f"uji:{i}",
                                      {"pegawai_id": pegawai.id, "pembagi": pembagi, **(data or {})}, None).id)
    session.close()
    return ids


def complete_open(as_user, nip, instance_id, data=None):
    api = as_user(nip)
    task = next(t for t in api.get("/tasks").get_json() if t["instance_id"] == instance_id)
    response = api.post(f"/tasks/{task['id']}/complete", json={"data": data or {}})
    assert response.status_code == 200, response.get_json()
    return task


def act(api, instance_id, action, **body):
    return api.post(f"/admin/instances/{instance_id}/actions/{action}", json=body)


def event_count(app):
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(InstanceEvent))
    finally:
        session.close()


def test_script_error_keeps_data_and_retry_continues_after_the_fix(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=0)
    complete_open(as_user, people["pegawai"]["nip"], iid, {"catatan": "sudah diisi"})
    admin = as_user(people["admin"]["nip"])
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert detail["status"] == "error"
    assert detail["error"]["element"] == "Script_Hitung" and "ZeroDivisionError" in detail["error"]["message"]
    assert "Traceback" in detail["error"]["traceback"]
    assert detail["marks"]["error"] == ["Script_Hitung"] and "Task_Isi" in detail["marks"]["completed"]
    assert detail["data"]["bpmn_id"] == "Script_Hitung"
    assert detail["data"]["data"]["catatan"] == "sudah diisi" and detail["data"]["data"]["pembagi"] == 0
    assert [h["bpmn_id"] for h in detail["history"]] == ["Task_Isi"]
    assert detail["history"][0]["actor"]["nip"] == people["pegawai"]["nip"]

    # retrying with the same data fails again, at the same element, nothing lost
    again = act(admin, iid, "retry", reason="coba ulang")
    assert again.status_code == 200 and again.get_json()["status"] == "error"

    edited = act(admin, iid, "edit_data", reason="pembagi salah input",
                 data={**detail["data"]["data"], "pembagi": 2})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["details"]["diff"]["diubah"] == {"pembagi": {"lama": 0, "baru": 2}}
    fixed = act(admin, iid, "retry", reason="data sudah diperbaiki")
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "waiting"
    after = admin.get(f"/admin/instances/{iid}").get_json()
    assert after["error"] is None and after["marks"]["active"] == ["Task_Periksa"]
    assert after["data"]["data"]["hasil"] == 5 and after["data"]["data"]["catatan"] == "sudah diisi"
    events = [e for e in after["events"] if e["kind"].startswith("admin_")]
    assert [e["kind"] for e in events] == ["admin_retry", "admin_edit_data", "admin_retry"]
    assert all(e["reason"] and e["data"]["before"] and e["data"]["after"] for e in events)
    assert events[-1]["from_status"] == "error" and events[-1]["to_status"] == "waiting"
    assert events[-1]["actor"]["nip"] == people["admin"]["nip"]
    # the penilai can now complete the task the engine reached
    complete_open(as_user, people["penilai"]["nip"], iid)
    assert admin.get(f"/admin/instances/{iid}").get_json()["status"] == "completed"


def test_service_failure_keeps_data_and_retry_continues(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1, tasks=("Task_Isi", "Service_Kirim", "Task_Periksa"),
                      data={"kode": "SALAH"})
    complete_open(as_user, people["pegawai"]["nip"], iid, {"catatan": "kirim"})
    admin = as_user(people["admin"]["nip"])
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert detail["status"] == "error" and detail["error"]["element"] == "Service_Kirim"
    assert "kode 'SALAH' ditolak layanan" in detail["error"]["message"]
    assert detail["data"]["data"]["catatan"] == "kirim" and detail["data"]["data"]["kode"] == "SALAH"
    listed = admin.get("/admin/instances?elemen=Service_Kirim&elemen_status=error").get_json()
    assert [i["id"] for i in listed["items"]] == [iid]
    assert act(admin, iid, "edit_data", reason="kode salah", data={**detail["data"]["data"], "kode": "OK"}) \
        .status_code == 200
    retried = act(admin, iid, "retry", reason="kode diperbaiki").get_json()
    assert retried["status"] == "waiting" and retried["after"]["elements"] == ["Task_Periksa:waiting"]
    after = admin.get(f"/admin/instances/{iid}").get_json()
    assert after["data"]["data"]["hasil_layanan"] == {"diterima": "OK"} and after["data"]["data"]["catatan"] == "kirim"


def test_find_filters_sorts_and_pages(app, as_user, people):
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=1, n=3)
    complete_open(as_user, people["pegawai"]["nip"], ids[0])  # → waits on the penilai at Task_Periksa
    admin = as_user(people["admin"]["nip"])
    listing = admin.get("/admin/instances?process_id=uji_admin&urut=id").get_json()
    assert listing["total"] == 3 and [i["id"] for i in listing["items"]] == ids
    first = listing["items"][0]
    assert first["pegawai"]["nip"] == people["pegawai"]["nip"] and first["unor"]
    assert first["elements"][0]["bpmn_id"] == "Task_Periksa"
    assert first["waiting_for"][0]["nip"] == people["penilai"]["nip"]
    waiting_on_penilai = admin.get(f"/admin/instances?menunggu_nip={people['penilai']['nip']}").get_json()
    assert [i["id"] for i in waiting_on_penilai["items"]] == [ids[0]]
    by_element = admin.get("/admin/instances?elemen=Task_Isi&elemen_status=waiting").get_json()
    assert sorted(i["id"] for i in by_element["items"]) == ids[1:]
    by_name = admin.get("/admin/instances?pegawai=" + people["pegawai"]["nama"].split(",")[0].split()[-1].lower()).get_json()
    assert by_name["total"] == 3
    assert admin.get("/admin/instances?pegawai=" + people["kadis"]["nip"]).get_json()["total"] == 0
    page2 = admin.get("/admin/instances?process_id=uji_admin&urut=id&arah=desc&per_halaman=2&halaman=2").get_json()
    assert [i["id"] for i in page2["items"]] == [ids[0]] and page2["total"] == 3
    assert admin.get("/admin/instances?lebih_dari_hari=3").get_json()["total"] == 0
    clock.set(clock.now() + dt.timedelta(days=10))
    assert admin.get("/admin/instances?lebih_dari_hari=3&process_id=uji_admin").get_json()["total"] == 3
    assert admin.get("/admin/instances?ada_error=ya").get_json()["total"] == 0
    bad = admin.get("/admin/instances?status=macet&lebih_dari_hari=x&menunggu_nip=12&urut=nama")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"status", "lebih_dari_hari", "menunggu_nip", "urut"}


def test_where_they_wait_counts_per_element(app, as_user, people):
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=0, n=3)
    complete_open(as_user, people["pegawai"]["nip"], ids[0])  # → error at Script_Hitung
    admin = as_user(people["admin"]["nip"])
    definition_id = admin.get(f"/admin/instances/{ids[0]}").get_json()["definition_id"]
    clock.set(clock.now() + dt.timedelta(days=8))
    counts = admin.get(f"/admin/definitions/{definition_id}/elements?lebih_dari_hari=7").get_json()["elements"]
    assert counts["Task_Isi"] == {"menunggu": 2, "lama": 2, "error": 0}
    assert counts["Script_Hitung"] == {"menunggu": 0, "lama": 0, "error": 1}
    assert admin.get(f"/admin/definitions/{definition_id}/elements?lebih_dari_hari=30").get_json()[
        "elements"]["Task_Isi"]["lama"] == 0


def test_pegawai_and_atasan_get_403_everywhere_and_other_instansi_sees_nothing(app, client, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    paths = [("get", "/admin/instances"), ("get", f"/admin/instances/{iid}"),
             ("get", f"/admin/instances/{iid}/migration"), ("get", "/admin/definitions"),
             ("get", "/admin/definitions/1/elements"), ("get", "/admin/batches/1"),
             ("post", f"/admin/instances/{iid}/actions/suspend"), ("post", "/admin/batches")]
    for who in ("pegawai", "penilai", "kadis"):
        api = as_user(people[who]["nip"])
        for method, path in paths:
            response = getattr(api, method)(path, json={"reason": "x"}) if method == "post" else api.get(path)
            assert response.status_code == 403, (who, path, response.get_json())
    assert client.get("/api/v1/admin/instances").status_code == 401
    assert as_user(people["superadmin"]["nip"]).get(f"/admin/instances/{iid}").status_code == 200

    from app.kinerja.org import Akun, Instansi, Pegawai
    from app.kinerja.password import hash_password

    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        lain = Instansi(kode="LAIN", nama="Instansi Lain")
        admin_lain = Pegawai(instansi=lain, nip="199001012015031099", nama="Admin Lain")
        session.add(Akun(pegawai=admin_lain, password_hash=hash_password("ekinerja-demo"), roles=["admin_kinerja"]))
    session.close()
    other = as_user("199001012015031099")
    assert other.get("/admin/instances").get_json()["total"] == 0
    assert other.get(f"/admin/instances/{iid}").status_code == 404
    before = event_count(app)
    assert act(other, iid, "suspend", reason="bukan instansi saya").status_code == 404
    assert event_count(app) == before


def test_reason_is_required_and_a_refused_action_writes_nothing(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    admin = as_user(people["admin"]["nip"])
    before = event_count(app)
    missing = act(admin, iid, "suspend")
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["details"]["fields"]
    assert act(admin, iid, "resume", reason="belum ditangguhkan").status_code == 409
    assert act(admin, iid, "terbang", reason="x").status_code == 422
    assert act(admin, iid, "retry", reason="tidak error").status_code == 409
    bad_task = act(admin, iid, "skip", reason="x", task_id="bukan-uuid")
    assert bad_task.status_code == 422 and "task_id" in bad_task.get_json()["error"]["details"]["fields"]
    assert event_count(app) == before
    assert admin.get(f"/admin/instances/{iid}").get_json()["status"] == "waiting"


def test_suspend_resume_and_terminate(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    admin, pegawai = as_user(people["admin"]["nip"]), as_user(people["pegawai"]["nip"])
    task = next(t for t in pegawai.get("/tasks").get_json() if t["instance_id"] == iid)
    assert act(admin, iid, "suspend", reason="menunggu klarifikasi").get_json()["status"] == "suspended"
    assert all(t["instance_id"] != iid for t in pegawai.get("/tasks").get_json())
    assert pegawai.post(f"/tasks/{task['id']}/complete", json={"data": {}}).status_code in (404, 409)
    assert act(admin, iid, "resume", reason="sudah jelas").get_json()["status"] == "waiting"
    assert any(t["instance_id"] == iid for t in pegawai.get("/tasks").get_json())
    terminated = act(admin, iid, "terminate", reason="SKP dibatalkan")
    assert terminated.get_json()["status"] == "terminated" and "Task_Isi" in terminated.get_json()["details"]["cancelled"]
    assert all(t["instance_id"] != iid for t in pegawai.get("/tasks").get_json())
    assert act(admin, iid, "suspend", reason="x").status_code == 409


def test_rewind_reopens_a_completed_task_of_a_completed_instance(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    complete_open(as_user, people["pegawai"]["nip"], iid, {"catatan": "pertama"})
    periksa = complete_open(as_user, people["penilai"]["nip"], iid)
    admin = as_user(people["admin"]["nip"])
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert detail["status"] == "completed"
    target = next(t for t in detail["rewind_targets"] if t["bpmn_id"] == "Task_Isi")
    rewound = act(admin, iid, "rewind", reason="pegawai salah isi", task_id=target["id"])
    assert rewound.status_code == 200, rewound.get_json()
    body = rewound.get_json()
    assert body["status"] == "waiting" and body["before"]["status"] == "completed"
    assert set(body["details"]["removed"]) >= {"Task_Periksa", "Script_Hitung"}
    task = next(t for t in as_user(people["pegawai"]["nip"]).get("/tasks").get_json() if t["instance_id"] == iid)
    assert task["id"] == target["id"]
    complete_open(as_user, people["pegawai"]["nip"], iid, {"catatan": "kedua"})
    again = complete_open(as_user, people["penilai"]["nip"], iid)
    assert again["id"] != periksa["id"]
    assert admin.get(f"/admin/instances/{iid}").get_json()["status"] == "completed"


def test_skip_as_admin_and_reassign(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=0)
    admin = as_user(people["admin"]["nip"])
    skipped = act(admin, iid, "skip", reason="pegawai cuti panjang", data={"catatan": "diisi admin", "pembagi": 5})
    assert skipped.status_code == 200 and skipped.get_json()["status"] == "waiting"
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert detail["data"]["data"]["hasil"] == 2 and detail["data"]["data"]["catatan"] == "diisi admin"
    open_task = detail["open_tasks"][0]
    assert open_task["candidates"][0]["nip"] == people["penilai"]["nip"]
    bad = act(admin, iid, "reassign", reason="x", task_id=open_task["id"], nip="000000000000000000")
    assert bad.status_code == 422 and "nip" in bad.get_json()["error"]["details"]["fields"]
    moved = act(admin, iid, "reassign", reason="penilai mutasi", task_id=open_task["id"], nip=people["kadis"]["nip"])
    assert moved.status_code == 200, moved.get_json()
    assert all(t["instance_id"] != iid for t in as_user(people["penilai"]["nip"]).get("/tasks").get_json())
    told = as_user(people["kadis"]["nip"]).get("/notifications").get_json()["items"]
    assert any(n["link"] == f"/tugas/{open_task['id']}" for n in told)  # the new assignee is told
    # automatic re-routing after an organisation change leaves the admin's choice alone
    from workflows.rerouting import reroute_all
    session = app.extensions["db_sessionmaker"]()
    try:
        assert reroute_all(session, None, "perubahan organisasi", [iid])["tugas"] == []
    finally:
        session.close()
    assert any(t["instance_id"] == iid for t in as_user(people["kadis"]["nip"]).get("/tasks").get_json())
    complete_open(as_user, people["kadis"]["nip"], iid)
    assert admin.get(f"/admin/instances/{iid}").get_json()["status"] == "completed"
    kinds = [e["kind"] for e in admin.get(f"/admin/instances/{iid}").get_json()["events"]]
    assert "admin_skip" in kinds and "admin_reassign" in kinds


def test_migration_precheck_migrate_undo_and_refusal(app, as_user, people):
    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    complete_open(as_user, people["pegawai"]["nip"], iid)  # waits at Task_Periksa (v1)
    admin = as_user(people["admin"]["nip"])
    v1 = admin.get(f"/admin/instances/{iid}").get_json()
    deploy_uji(app, tasks=("Task_Isi", "Script_Hitung", "Task_Periksa", "Task_Arsip"), periksa_name="Periksa (baru)")
    check = admin.get(f"/admin/instances/{iid}/migration").get_json()
    assert check["safe"] is True and check["from_version"] == 1 and check["to_version"] == 2
    assert any("Task_Arsip" in c for c in check["changes"])
    migrated = act(admin, iid, "migrate", reason="perbaikan diagram")
    assert migrated.status_code == 200, migrated.get_json()
    after = admin.get(f"/admin/instances/{iid}").get_json()
    assert after["definition_version"] == 2 and after["migration_undoable"] is True
    assert after["open_tasks"][0]["name"] == "Periksa (baru)"
    assert "undo" not in migrated.get_json()["details"]
    undone = act(admin, iid, "undo_migration", reason="ternyata belum perlu")
    assert undone.status_code == 200, undone.get_json()
    back = admin.get(f"/admin/instances/{iid}").get_json()
    assert back["definition_version"] == 1 and back["open_tasks"][0]["name"] == "Periksa hasil"
    assert act(admin, iid, "undo_migration", reason="lagi").status_code == 409

    # v3 drops the task the instance waits at: the pre-check names it and the migration is refused
    deploy_uji(app, tasks=("Task_Isi", "Script_Hitung", "Task_Lain"))
    refused_check = admin.get(f"/admin/instances/{iid}/migration").get_json()
    assert refused_check["safe"] is False and any("Task_Periksa" in p for p in refused_check["problems"])
    before = event_count(app)
    refused = act(admin, iid, "migrate", reason="ke versi 3")
    assert refused.status_code == 409 and refused.get_json()["error"]["details"]["problems"]
    assert event_count(app) == before
    assert admin.get(f"/admin/instances/{iid}").get_json()["definition_version"] == 1
    complete_open(as_user, people["penilai"]["nip"], iid)  # still runs on its own version


def test_batch_preview_run_and_one_failure_does_not_stop_the_others(app, as_user, people):
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=1, n=3)
    admin = as_user(people["admin"]["nip"])
    for iid in ids[:2]:
        assert act(admin, iid, "suspend", reason="jeda").status_code == 200
    preview = admin.post("/admin/batches", json={"filter": {"process_id": "uji_admin"}, "preview": True}).get_json()
    assert preview["total"] == 3 and sorted(preview["sample"]) == ids
    bad = admin.post("/admin/batches", json={"filter": {"process_id": "uji_admin"}, "action": "resume"})
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["details"]["fields"]
    run = admin.post("/admin/batches", json={"filter": {"process_id": "uji_admin"}, "action": "resume",
                                             "reason": "lanjutkan semua"})
    assert run.status_code == 201, run.get_json()
    result = run.get_json()
    assert result["status"] == "selesai" and result["total"] == 3 and result["done"] == 3 and result["failed"] == 1
    by_id = {r["instance_id"]: r for r in result["results"]}
    assert by_id[ids[0]]["hasil"] == by_id[ids[1]]["hasil"] == "berhasil"
    assert by_id[ids[2]]["hasil"] == "gagal" and "tidak sedang ditangguhkan" in by_id[ids[2]]["pesan"]
    assert admin.get(f"/admin/batches/{result['id']}").get_json()["failed"] == 1
    statuses = {i["id"]: i["status"] for i in admin.get("/admin/instances?process_id=uji_admin").get_json()["items"]}
    assert set(statuses.values()) == {"waiting"}


def test_openapi_describes_the_admin_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/admin/instances", "/admin/instances/{id}", "/admin/instances/{id}/migration",
                 "/admin/instances/{id}/actions/{action}", "/admin/definitions/{id}/elements", "/admin/batches",
                 "/admin/batches/{id}"):
        assert path in paths, path
    assert "rewind" in paths["/admin/instances/{id}/actions/{action}"]["post"]["summary"]


def test_reindex_fills_the_derived_columns_of_older_instances(app, as_user, people):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from app.cli import main
    from workflows.models import Instance, InstanceElement

    [iid] = start_uji(app, people["pegawai"]["nip"], pembagi=1)
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):  # as an instance started before the admin console existed
        session.query(InstanceElement).delete()
        session.query(Instance).filter(Instance.id == iid).update(
            {"subject_pegawai_id": None, "instansi_id": None, "unor_id": None, "waiting_since": None})
    session.close()
    admin = as_user(people["admin"]["nip"])
    assert admin.get("/admin/instances?process_id=uji_admin").get_json()["total"] == 0
    result = CliRunner().invoke(main, ["instances", "reindex"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0 and "instance ditulis ulang" in result.output, result.output
    listed = admin.get("/admin/instances?process_id=uji_admin").get_json()
    assert listed["total"] == 1 and listed["items"][0]["elements"][0]["bpmn_id"] == "Task_Isi"
    assert listed["items"][0]["pegawai"]["nip"] == people["pegawai"]["nip"]


def walk(admin, query: str) -> list[int]:
    """Every id of a listing, page after page through the cursor ``setelah`` (2 per page)."""
    seen, page = [], admin.get(f"/admin/instances?{query}&per_halaman=2").get_json()
    while True:
        seen += [i["id"] for i in page["items"]]
        if page["berikutnya"] is None:
            return seen
        assert len(page["items"]) == 2
        page = admin.get(f"/admin/instances?{query}&per_halaman=2&setelah={page['berikutnya']}").get_json()
        assert page["halaman"] is None


def test_keyset_paging_walks_every_row_once_in_the_order_of_the_list(app, as_user, people):
    ids = start_uji(app, people["pegawai"]["nip"], pembagi=1, n=4)  # the same waiting_since: the id breaks ties
    clock.set(clock.now() + dt.timedelta(days=1))
    ids += start_uji(app, people["pegawai"]["nip"], pembagi=1, n=2)
    admin = as_user(people["admin"]["nip"])
    for iid in (ids[1], ids[4]):  # terminated: no waiting_since, they come last (nulls last) in either direction
        assert act(admin, iid, "terminate", reason="uji").status_code == 200
    for order in ("urut=menunggu&arah=asc", "urut=menunggu&arah=desc", "urut=id&arah=desc", "urut=dibuat&arah=asc",
                  "urut=diubah&arah=desc"):
        query = f"process_id=uji_admin&{order}"
        everything = [i["id"] for i in admin.get(f"/admin/instances?{query}&per_halaman=200").get_json()["items"]]
        assert sorted(everything) == sorted(ids)
        assert walk(admin, query) == everything, order
    at_element = "elemen=Task_Isi&elemen_status=waiting"  # read from instance_element, by the time waited there
    for order in ("", "&arah=desc", "&urut=id&arah=desc"):
        everything = [i["id"] for i in admin.get(f"/admin/instances?{at_element}{order}&per_halaman=200")
                      .get_json()["items"]]
        assert sorted(everything) == sorted(set(ids) - {ids[1], ids[4]})
        assert walk(admin, at_element + order) == everything, order
        if order == "&arah=desc":  # the latest at the element first
            assert everything[0] == ids[5]
        if order == "":
            assert everything[-1] == ids[5]
    asc = [i["id"] for i in admin.get("/admin/instances?process_id=uji_admin&per_halaman=200").get_json()["items"]]
    assert asc[-2:] == [ids[1], ids[4]]  # nulls last, by id
    assert walk(admin, "process_id=uji_admin&status=terminated") == [ids[1], ids[4]]

    bad = admin.get("/admin/instances?setelah=bukan-kursor")
    assert bad.status_code == 422 and "setelah" in bad.get_json()["error"]["details"]["fields"]
    cursor = admin.get("/admin/instances?process_id=uji_admin&per_halaman=2").get_json()["berikutnya"]
    other = admin.get(f"/admin/instances?process_id=uji_admin&urut=id&setelah={cursor}")
    assert other.status_code == 422 and "urutan lain" in other.get_json()["error"]["details"]["fields"]["setelah"]
    deep = admin.get("/admin/instances?halaman=11")
    assert deep.status_code == 422 and "setelah" in deep.get_json()["error"]["details"]["fields"]["halaman"]


def test_the_list_counts_exactly_up_to_the_cap(app, as_user, people, monkeypatch):
    from workflows import search

    start_uji(app, people["pegawai"]["nip"], pembagi=1, n=3)
    admin = as_user(people["admin"]["nip"])
    listing = admin.get("/admin/instances?process_id=uji_admin").get_json()
    assert (listing["total"], listing["total_lebih"]) == (3, False)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    listing = admin.get("/admin/instances?process_id=uji_admin").get_json()
    assert (listing["total"], listing["total_lebih"], len(listing["items"])) == (2, True, 3)
    badge = admin.get("/admin/instances?elemen=Task_Isi").get_json()  # counted on instance_element
    assert (badge["total"], badge["total_lebih"]) == (2, True)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    assert admin.get("/admin/instances?elemen=Task_Isi").get_json()["total_lebih"] is False
    preview = admin.post("/admin/batches", json={"filter": {"process_id": "uji_admin"}, "action": "suspend",
                                                 "reason": "uji", "preview": True}).get_json()
    assert preview["total"] == 3  # a batch action counts exactly
