"""Mulai layanan and lanes by relation, through the JSON API and the engine, on SQLite and PostgreSQL.

The shipped process ``permohonan_perubahan_skp`` (bpmn/ only: diagram, forms, scenarios) is started by
a pegawai, decided by their pejabat penilai and seen by the admin console; lanes declared with a
``pelaksana`` expression resolve through the organisation, per-unit roles assigned by the admin
kinerja, and an unresolvable lane puts the instance in ``error`` instead of failing again and again.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import write_transaction
from app.kinerja.org import Pegawai, Unor
from workflows import clock, lanes
from workflows.definitions import check_sources, deploy, read_dir
from workflows.instances import Run, load
from workflows.models import Instance, InstanceEvent
from workflows.timers import arm_timer_starts, fire_due

ROOT = Path(__file__).resolve().parent.parent
LAYANAN_BPMN = ROOT / "tests" / "bpmn" / "layanan"
PROCESS = "permohonan_perubahan_skp"
DEWI = "199105072015032001"  # Pengadministrasi Perkantoran, Subbag Umum dan Kepegawaian (Dinas Kominfo)
AGUS = "198002142005011004"  # Kepala Subbag Umum dan Kepegawaian: Dewi's pejabat penilai
SRI = "197509222000032003"  # Sekretaris Dinas: head of the unit above
HENDRA = "197103151997031002"  # Kepala Dinas (JPT)
RUDI = "199003182017081003"  # Dewi's colleague
ADMIN = "199302142019031006"  # admin kinerja
PERMOHONAN = {"jenis_perubahan": "Mengubah target", "alasan": "Target berubah karena tugas tambahan"}


def _tasks_of(api, instance_id):
    return [t for t in api.get("/tasks").get_json() if t["instance_id"] == instance_id]


def _ids(session, *nips):
    found = dict(session.execute(select(Pegawai.nip, Pegawai.id).where(Pegawai.nip.in_(nips))).all())
    return [found[n] for n in nips]


@pytest.fixture
def session(app):
    s = app.extensions["db_sessionmaker"]()
    yield s
    s.close()


@pytest.fixture
def uji(app):
    """The test processes of tests/bpmn/layanan deployed next to the shipped ones."""
    s = app.extensions["db_sessionmaker"]()
    with write_transaction(s):
        deploy(s, read_dir(LAYANAN_BPMN), comment="uji layanan")
    s.close()
    return app.extensions["db_sessionmaker"]


def test_a_pegawai_starts_permohonan_the_penilai_decides_and_the_admin_sees_it(as_user, session):
    dewi, agus, admin = as_user(DEWI), as_user(AGUS), as_user(ADMIN)
    listed = {p["id"]: p for p in dewi.get("/processes").get_json()}
    assert PROCESS in listed and "skp_perencanaan" not in listed  # no pemulai: only the system starts it
    assert listed[PROCESS]["form"] == "permohonan-perubahan-skp"
    assert set(listed[PROCESS]["schema"]["required"]) == {"jenis_perubahan", "alasan"}

    bad = dewi.post(f"/processes/{PROCESS}/instances", json={"data": {"jenis_perubahan": "Lain"}})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"jenis_perubahan", "alasan"}

    started = dewi.post(f"/processes/{PROCESS}/instances", json={"data": PERMOHONAN})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["status"] == "waiting" and body["business_key"].startswith(f"{PROCESS}:")
    assert body["open_tasks"] == []  # the next step is the penilai's
    dewi_id, agus_id = _ids(session, DEWI, AGUS)
    instance = session.get(Instance, body["id"])
    assert instance.started_by_id == dewi_id and instance.subject_pegawai_id == dewi_id
    data = load(Run(session, None, instance)).task_tree.data
    assert data["pemulai_id"] == dewi_id and data["pegawai_id"] == dewi_id and data["alasan"] == PERMOHONAN["alasan"]

    assert _tasks_of(dewi, body["id"]) == []
    [decide] = _tasks_of(agus, body["id"])
    assert decide["title"] == "Perubahan SKP: Mengubah target" and decide["lane"] == "Pejabat penilai pemohon"
    done = agus.post(f"/tasks/{decide['id']}/complete", json={"data": {"keputusan": "DITOLAK",
                                                                        "catatan_penilai": "Belum perlu"}})
    assert done.status_code == 200, done.get_json()
    [accept] = _tasks_of(dewi, body["id"])  # the pemohon lane: the starter
    assert accept["title"] == "Permohonan ditolak: Belum perlu"
    assert dewi.post(f"/tasks/{accept['id']}/complete", json={"data": {}}).status_code == 200
    assert dewi.get(f"/instances/{body['id']}").get_json()["status"] == "completed"

    found = admin.get(f"/admin/instances?process_id={PROCESS}&status=completed").get_json()
    assert body["id"] in [i["id"] for i in found["items"]]
    events = [e["kind"] for e in admin.get(f"/admin/instances/{body['id']}").get_json()["events"]]
    assert events[0] == "started" and events.count("task_completed") == 2
    assert agus_id != dewi_id


def test_business_key_given_and_subject_named_only_by_who_may_act_for_them(as_user, session):
    dewi, agus, rudi = as_user(DEWI), as_user(AGUS), as_user(RUDI)
    own = dewi.post(f"/processes/{PROCESS}/instances", json={"data": PERMOHONAN, "business_key": "permohonan-uji-1"})
    assert own.status_code == 201 and own.get_json()["business_key"] == "permohonan-uji-1"
    other = rudi.post(f"/processes/{PROCESS}/instances", json={"data": PERMOHONAN, "pegawai_nip": DEWI})
    assert other.status_code == 403
    for_dewi = agus.post(f"/processes/{PROCESS}/instances", json={"data": PERMOHONAN, "pegawai_nip": DEWI})
    assert for_dewi.status_code == 201, for_dewi.get_json()
    # the subject is Dewi, so the pejabat penilai lane is Agus himself; the starter is recorded as Agus
    assert [t["name"] for t in for_dewi.get_json()["open_tasks"]] == ["Putuskan permohonan perubahan SKP"]
    instance = session.get(Instance, for_dewi.get_json()["id"])
    assert instance.started_by_id == _ids(session, AGUS)[0] and instance.subject_pegawai_id == _ids(session, DEWI)[0]


def test_unknown_system_only_and_refused_processes(as_user):
    dewi = as_user(DEWI)
    assert dewi.post("/processes/tidak_ada/instances", json={"data": {}}).status_code == 404
    assert dewi.get("/processes/tidak_ada").status_code == 404
    assert dewi.post("/processes/skp_perencanaan/instances", json={"data": {}}).status_code == 403
    assert dewi.post(f"/processes/{PROCESS}/instances", json=[]).status_code == 400
    assert dewi.post(f"/processes/{PROCESS}/instances", json={"data": "x"}).status_code == 422
    assert dewi.post(f"/processes/{PROCESS}/instances",
                     json={"data": PERMOHONAN, "business_key": "x" * 200}).status_code == 422


def test_pemulai_restricts_who_may_start(app, as_user):
    text = (ROOT / "bpmn" / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    text = text.replace('name="pemulai" value="semua"', 'name="pemulai" value="peran:admin_kinerja|jpt"')
    s = app.extensions["db_sessionmaker"]()
    with write_transaction(s):
        deploy(s, {f"{PROCESS}.bpmn": text}, comment="hanya admin dan JPT")
    s.close()
    assert PROCESS not in [p["id"] for p in as_user(DEWI).get("/processes").get_json()]
    assert as_user(DEWI).post(f"/processes/{PROCESS}/instances", json={"data": PERMOHONAN}).status_code == 403
    assert PROCESS in [p["id"] for p in as_user(HENDRA).get("/processes").get_json()]
    listed = {p["id"]: p for p in as_user(ADMIN).get("/processes").get_json()}
    assert listed[PROCESS]["version"] == 2


def test_relations_resolve_through_the_organisation(app, session):
    dewi, agus, sri, hendra, admin, rudi = _ids(session, DEWI, AGUS, SRI, HENDRA, ADMIN, RUDI)
    data = {"pegawai_id": dewi, "pemulai_id": rudi, "penerima": [AGUS, SRI]}
    assert lanes.resolve(session, "x", data, "pejabat_penilai") == [agus]
    assert lanes.resolve(session, "x", data, "kepala_unit") == [agus]
    assert lanes.resolve(session, "x", data, "kepala_unit+1") == [sri]
    assert lanes.resolve(session, "x", data, "atasan_pejabat_penilai") == [sri]
    sekda = _ids(session, "196804121993031001")[0]
    assert lanes.resolve(session, "x", data, "jpt") == [hendra, sekda]  # every JPT over the unit, nearest first
    assert lanes.resolve(session, "x", data, "pemulai|pegawai") == [rudi, dewi]
    assert lanes.resolve(session, "x", data, "pejabat_penilai(pemulai)") == [agus]
    assert lanes.resolve(session, "x", data, "nip:penerima") == [agus, sri]
    assert lanes.resolve(session, "x", data, f"nip:{HENDRA}") == [hendra]
    assert lanes.resolve(session, "x", data, "peran:admin_kinerja") == [admin]
    assert lanes.resolve(session, "Pejabat Penilai / JPT", data) == [agus, hendra, sekda]  # old names as aliases
    with pytest.raises(lanes.LaneUnresolved) as missing:
        lanes.resolve(session, "Ketua", data, "ketua_tim")
    assert "Lane 'Ketua': Dewi Lestari, A.Md. bukan anggota tim kerja mana pun saat ini" in missing.value.message
    with pytest.raises(lanes.LaneUnresolved) as missing:
        lanes.resolve(session, "Verifikator", data, "peran:verifikator")
    assert "unit Subbagian Umum dan Kepegawaian belum memiliki verifikator" in missing.value.message
    with pytest.raises(lanes.LaneUnresolved):
        lanes.resolve(session, "Atas", data, "kepala_unit+9")


def test_the_grammar_and_deploy_validation_name_the_lane(app):
    assert lanes.expression_problem("pejabat_penilai|kepala_unit+2|peran:verifikator|nip:x(pemulai)") is None
    assert "relasi 'bendahara' tidak dikenal" in lanes.expression_problem("bendahara")
    assert "memerlukan argumen" in lanes.expression_problem("peran")
    assert "hanya berlaku untuk kepala_unit" in lanes.expression_problem("jpt+1")
    text = (ROOT / "bpmn" / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    broken = text.replace('value="pejabat_penilai"', 'value="bendahara"').replace(
        'name="pemulai" value="semua"', 'name="pemulai" value="siapa saja"')
    _parsed, problems = check_sources({f"{PROCESS}.bpmn": broken})
    errors = [p for p in problems if p.severity == "error"]
    assert any("lane 'Pejabat penilai pemohon'" in p.message and "bendahara" in p.message
               and p.element == "Lane_PejabatPenilai" for p in errors), errors
    assert any("bukan nilai pemulai" in p.message for p in errors)
    missing_form = text.replace('value="permohonan-perubahan-skp"', 'value="tidak-ada"')
    assert any("formulir mulai 'tidak-ada' tidak ada" in p.message for p in check_sources({"p.bpmn": missing_form})[1])


def test_unresolvable_lane_is_an_error_until_a_verifikator_is_assigned(uji, as_user, session):
    dewi, admin, rudi = as_user(DEWI), as_user(ADMIN), as_user(RUDI)
    started = dewi.post("/processes/uji_verifikasi/instances", json={})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["status"] == "error"
    assert body["last_error"]["message"].startswith("Lane 'Verifikator': unit ")
    assert "belum memiliki verifikator" in body["last_error"]["message"]
    shown = admin.get(f"/admin/instances/{body['id']}").get_json()
    assert shown["status"] == "error" and shown["error"]["message"] == body["last_error"]["message"]
    assert shown["marks"] and "Task_Verifikasi" in str(shown["marks"])  # marked at its element on the diagram
    assert [e for e in shown["events"] if e["kind"] == "error"]

    # a retry while nobody holds the role keeps it in error, with the same message
    still = admin.post(f"/admin/instances/{body['id']}/actions/retry", json={"reason": "coba lagi"})
    assert still.status_code == 200 and still.get_json()["status"] == "error", still.get_json()
    assert admin.get(f"/admin/instances/{body['id']}").get_json()["error"]["message"] == body["last_error"]["message"]

    sekret = session.scalar(select(Unor.id).where(Unor.kode == "KOMINFO.SEKRET"))
    assert dewi.post(f"/unor/{sekret}/peran", json={"peran": "verifikator", "nip": RUDI}).status_code == 403
    bad = admin.post(f"/unor/{sekret}/peran", json={"peran": "bendahara", "nip": "1"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]["fields"]) == {"peran", "nip"}
    assigned = admin.post(f"/unor/{sekret}/peran", json={"peran": "verifikator", "nip": RUDI})
    assert assigned.status_code == 201, assigned.get_json()
    assert assigned.get_json()["peran"]["ditetapkan_oleh"].startswith("Dimas")

    # the assignment gives the lane people: the instance held by it goes on by itself
    assert assigned.get_json()["pengalihan"]["instance_dilanjutkan"] == [body["id"]]
    assert admin.get(f"/admin/instances/{body['id']}").get_json()["status"] == "waiting"
    [verify] = _tasks_of(rudi, body["id"])  # the holder of the unit above Dewi's unit
    assert rudi.post(f"/tasks/{verify['id']}/complete", json={"data": {}}).status_code == 200
    [note] = _tasks_of(dewi, body["id"])  # outside any lane: pelaksana_bawaan, the starter
    assert note["lane"] == "pemulai"  # no lane: the API shows the pelaksana it went by
    assert dewi.post(f"/tasks/{note['id']}/complete", json={"data": {}}).status_code == 200
    assert dewi.get(f"/instances/{body['id']}").get_json()["status"] == "completed"

    listed = admin.get(f"/unor/{sekret}/peran").get_json()
    [row] = listed["peran"]
    revoked = admin.client.delete(f"/api/v1/unor/{sekret}/peran/{row['id']}", headers=admin.headers)
    assert revoked.status_code == 200 and revoked.get_json()["peran"]["aktif"] is False
    after = admin.get(f"/unor/{sekret}/peran").get_json()
    assert after["peran"] == [] and after["riwayat"][0]["dicabut_oleh"].startswith("Dimas")


def test_a_verifikator_assigned_later_takes_over_the_open_task(uji, as_user, session):
    admin, rudi, agus = as_user(ADMIN), as_user(RUDI), as_user(AGUS)
    umpeg = session.scalar(select(Unor.id).where(Unor.kode == "KOMINFO.SEKRET.UMPEG"))
    sekret = session.scalar(select(Unor.id).where(Unor.kode == "KOMINFO.SEKRET"))
    assert admin.post(f"/unor/{sekret}/peran", json={"peran": "verifikator", "nip": RUDI}).status_code == 201
    body = as_user(DEWI).post("/processes/uji_verifikasi/instances", json={}).get_json()
    assert body["status"] == "waiting" and len(_tasks_of(rudi, body["id"])) == 1
    moved = admin.post(f"/unor/{umpeg}/peran", json={"peran": "verifikator", "nip": AGUS})  # nearer unit
    assert moved.status_code == 201 and moved.get_json()["pengalihan"]["tugas_dialihkan"], moved.get_json()
    assert _tasks_of(rudi, body["id"]) == [] and len(_tasks_of(agus, body["id"])) == 1


def test_a_timer_start_with_lane_pegawai_goes_to_error_once_not_every_round(uji):
    _parsed, problems = check_sources(read_dir(LAYANAN_BPMN))
    [warning] = [p for p in problems if "dimulai oleh timer" in p.message]
    assert warning.severity == "warning" and warning.element == "Lane_Pegawai"
    clock.set("2027-01-15T00:00:00+07:00")
    assert len(arm_timer_starts(uji)) >= 1
    clock.set("2027-02-01T08:00:01+07:00")
    first = fire_due(uji)
    assert first.failed == 0 and first.fired >= 1
    s = uji()
    try:
        [instance] = s.scalars(select(Instance).where(Instance.process_id == "uji_timer_pegawai")).all()
        assert instance.status == "error"
        assert instance.last_error["message"].startswith("Lane 'Pegawai': proses ini tidak menyebut pegawai")
        assert instance.last_error["element"] == "Task_Isi"
        errors = s.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance.id,
                                                       InstanceEvent.kind == "error")).all()
        assert len(errors) == 1
    finally:
        s.close()
    again = fire_due(uji)
    assert again.fired == 0 and again.failed == 0
