"""BPMN timers of every kind, the movable clock, catch-up after downtime, and the SKP deadlines.

Each test moves the application clock (workflows.clock) instead of waiting; the scheduler
functions under test are the ones ``ekinerja scheduler`` runs.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import find
from sqlalchemy import func, select

from core.db import write_transaction
from app.kinerja.org import Pegawai
from app.notifications.models import Notification
from app.scheduler import run_once
from workflows import clock
from workflows.definitions import deploy, read_dir
from workflows.instances import Run, load, start_instance
from workflows.models import HumanTask, Instance, InstanceEvent, Timer
from workflows.timers import fire_due

TESTS_BPMN = Path(__file__).parent / "bpmn"
WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def factory(app):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, read_dir(TESTS_BPMN), comment="uji timer")
    session.close()
    return app.extensions["db_sessionmaker"]


def start(factory, process_id, data, key="uji"):
    session = factory()
    with write_transaction(session):
        instance_id = start_instance(session, process_id, key, data, None).id
    session.close()
    return instance_id


def instance_row(factory, instance_id):
    session = factory()
    try:
        return session.get(Instance, instance_id)
    finally:
        session.close()


def events(factory, instance_id, kind):
    session = factory()
    try:
        return list(session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id,
                                                                InstanceEvent.kind == kind)))
    finally:
        session.close()


def data_of(factory, instance_id):
    session = factory()
    try:
        instance = session.get(Instance, instance_id)
        return load(Run(session, None, instance)).data
    finally:
        session.close()


def notifications(factory, pegawai_id=None, kind=None):
    session = factory()
    try:
        query = select(Notification).order_by(Notification.id)
        if pegawai_id is not None:
            query = query.where(Notification.pegawai_id == pegawai_id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(session.scalars(query))
    finally:
        session.close()


def pegawai_id(factory, nip):
    session = factory()
    try:
        return session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
    finally:
        session.close()


def test_clock_moves_and_resets():
    clock.set("2027-01-31T23:00:00+07:00")
    assert abs(clock.now() - dt.datetime(2027, 1, 31, 16, tzinfo=dt.timezone.utc)) < dt.timedelta(seconds=5)
    assert clock.today() == dt.date(2027, 1, 31)  # WIB
    clock.advance(dt.timedelta(hours=2))
    assert clock.today() == dt.date(2027, 2, 1)
    clock.reset()
    assert abs(clock.now() - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=5)


def test_intermediate_date_from_data_then_duration(factory):
    clock.set("2027-01-20T00:00:00+07:00")
    iid = start(factory, "uji_timer_antara", {"tenggat": "2027-01-25T10:00:00"})
    [timer] = _timers(factory, iid)
    assert timer.bpmn_id == "Timer_Tenggat"
    assert _utc(timer.due_at) == dt.datetime(2027, 1, 25, 3, tzinfo=dt.timezone.utc)  # 10:00 WIB

    assert fire_due(factory).fired == 0  # not due yet: nothing happens
    clock.set("2027-01-25T10:00:01+07:00")
    assert fire_due(factory).fired == 1
    [timer] = _timers(factory, iid)
    assert timer.bpmn_id == "Timer_DuaHari"
    assert _utc(timer.due_at) - clock.now() > dt.timedelta(days=1, hours=23)
    clock.advance(dt.timedelta(days=2, minutes=1))
    assert fire_due(factory).fired == 1
    assert instance_row(factory, iid).status == "completed"
    assert data_of(factory, iid)["hasil"] == "selesai menunggu"
    assert [e.bpmn_id for e in events(factory, iid, "timer_fired")] == ["Timer_Tenggat", "Timer_DuaHari"]


def test_boundary_cycle_reminds_then_interrupting_deadline_locks(factory, accounts):
    nip = find(accounts, "Pranata Komputer")["nip"]
    pid = pegawai_id(factory, nip)
    clock.set("2027-03-01T08:00:00+07:00")
    iid = start(factory, "uji_timer_batas", {"batas": "2027-03-05T16:00:00", "pegawai_id": pid})
    session = factory()
    [task] = session.scalars(select(HumanTask).where(HumanTask.instance_id == iid)).all()
    assert _utc(task.due_at) == dt.datetime(2027, 3, 5, 9, tzinfo=dt.timezone.utc)
    session.close()
    for day in (2, 3, 4):  # R3/P1D: one reminder a day, three times
        clock.set(f"2027-03-0{day}T08:30:00+07:00")
        assert fire_due(factory).fired == 1
    assert len(notifications(factory, pid, "pengingat_tugas")) == 3
    clock.set("2027-03-05T16:00:01+07:00")
    assert fire_due(factory).fired == 1
    row = instance_row(factory, iid)
    assert row.status == "completed"
    assert data_of(factory, iid)["terkunci"] is True
    session = factory()
    assert session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.instance_id == iid)) == 0
    session.close()
    assert len(notifications(factory, pid, "pengingat_tugas")) == 3
    assert _timers(factory, iid) == []


def test_completing_the_task_cancels_its_boundary_timers(factory, accounts, as_user):
    user = find(accounts, "Pranata Komputer")
    clock.set("2027-03-01T08:00:00+07:00")
    iid = start(factory, "uji_timer_batas", {"batas": "2027-03-05T16:00:00",
                                               "pegawai_id": pegawai_id(factory, user["nip"])})
    assert {t.bpmn_id for t in _timers(factory, iid)} == {"Timer_Kunci", "Timer_Pengingat"}
    api = as_user(user["nip"])
    [task] = [t for t in api.get("/tasks").get_json() if t["instance_id"] == iid]
    assert api.post(f"/tasks/{task['id']}/complete", json={"data": {"catatan": "selesai"}}).status_code == 200
    assert _timers(factory, iid) == []
    assert instance_row(factory, iid).status == "completed"
    clock.set("2027-03-09T00:00:00+07:00")
    assert fire_due(factory).fired == 0


def test_timer_start_event_is_armed_once_and_starts_at_its_date(factory):
    clock.set("2027-01-15T00:00:00+07:00")
    first = run_once(factory, ["timers"])["timers"]
    assert first["dipasang"] == 1 and first["dijalankan"] == 0
    assert run_once(factory, ["timers"])["timers"]["dipasang"] == 0  # one waiting instance per version
    session = factory()
    [iid] = session.scalars(select(Instance.id).where(Instance.process_id == "uji_timer_mulai")).all()
    session.close()
    assert instance_row(factory, iid).status == "waiting"
    clock.set("2027-02-01T08:00:01+07:00")
    assert run_once(factory, ["timers"])["timers"]["dijalankan"] == 1
    assert instance_row(factory, iid).status == "completed"
    assert data_of(factory, iid)["hasil"] == "dimulai oleh timer"
    # a date start event of this version has run; it is not armed again
    assert run_once(factory, ["timers"])["timers"]["dipasang"] == 0


def test_restart_after_downtime_fires_missed_timers_once_and_coalesces_cycles(factory, accounts):
    pid = pegawai_id(factory, find(accounts, "Pranata Komputer")["nip"])
    clock.set("2027-03-01T08:00:00+07:00")
    deadline = start(factory, "uji_timer_tanggal", {"tenggat": "2027-03-02T08:00:00"}, key="a")
    cycle = start(factory, "uji_timer_batas", {"batas": "2027-03-20T16:00:00", "pegawai_id": pid}, key="b")
    # the scheduler is down for a week; the date timer and three cycle repetitions fall due
    clock.set("2027-03-08T08:00:00+07:00")
    first = run_once(factory, ["timers"])["timers"]
    assert first["dijalankan"] == 2
    assert run_once(factory, ["timers"])["timers"]["dijalankan"] == 0  # nothing fires twice
    assert len(events(factory, deadline, "timer_fired")) == 1
    assert instance_row(factory, deadline).status == "completed"
    # R3/P1D missed all three repetitions: one reminder, not three at once
    assert len(notifications(factory, pid, "pengingat_tugas")) == 1
    assert len(events(factory, cycle, "timer_fired")) == 1


def test_suspended_instance_timers_wait(factory):
    clock.set("2027-03-01T08:00:00+07:00")
    iid = start(factory, "uji_timer_tanggal", {"tenggat": "2027-03-02T08:00:00"})
    session = factory()
    with write_transaction(session):
        session.get(Instance, iid).status = "suspended"
    session.close()
    clock.set("2027-03-03T08:00:00+07:00")
    assert fire_due(factory).fired == 0
    assert events(factory, iid, "timer_fired") == []


def test_timer_expression_error_puts_instance_in_error(factory):
    clock.set("2027-03-01T08:00:00+07:00")
    iid = start(factory, "uji_timer_tanggal", {})  # no 'tenggat' in the data
    row = instance_row(factory, iid)
    assert row.status == "error"
    assert row.last_error["element"] == "Timer_T"
    assert "tenggat" in row.last_error["message"]


def _timers(factory, instance_id):
    session = factory()
    try:
        return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at)))
    finally:
        session.close()


def _utc(value):
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


# ------------------------------------------------------------------ the deadlines of the shipped SKP diagram

def _submit_skp(api, tahun, rhk):
    from test_skp_api import create_and_submit

    return create_and_submit(api, rhk, tahun)


def _kinds(factory, pid):
    return [n.kind for n in notifications(factory, pid)]


def test_skp_review_reminders_escalation_and_missed_deadline(factory, accounts, as_user):
    from test_skp_api import JPT_RHK, approve, ja_rhk

    kadis_acc, sekda_acc = find(accounts, "Kepala Dinas"), find(accounts, "Sekretaris Daerah")
    kabid_acc = find(accounts, "Kepala Bidang Aplikasi")
    kadis, sekda, kabid = as_user(kadis_acc["nip"]), as_user(sekda_acc["nip"]), as_user(kabid_acc["nip"])
    ids = {k: pegawai_id(factory, a["nip"]) for k, a in
           (("kadis", kadis_acc), ("sekda", sekda_acc), ("kabid", kabid_acc))}

    clock.set("2027-01-04T09:00:00+07:00")
    kadis_skp = _submit_skp(kadis, 2027, [JPT_RHK])
    approve(sekda)
    rhk_kadis = kadis.get(f"/skp/{kadis_skp}").get_json()["rhk"][0]["id"]
    assert "skp_disetujui" in _kinds(factory, ids["kadis"])  # the diagram tells the pegawai
    kabid_skp = _submit_skp(kabid, 2027, [ja_rhk(rhk_kadis)])
    assert _kinds(factory, ids["kadis"]).count("tugas_baru") == 1  # "Periksa SKP" for the penilai
    assert "tugas_baru" not in _kinds(factory, ids["kabid"])  # nobody is told about their own step

    clock.set("2027-01-07T09:30:00+07:00")  # three days: the first reminder
    run_once(factory, ["timers"])
    assert _kinds(factory, ids["kadis"]).count("pengingat_tugas") == 1
    assert "eskalasi_tugas" not in _kinds(factory, ids["sekda"])

    clock.set("2027-01-11T09:30:00+07:00")  # seven days: the atasan pejabat penilai is told
    run_once(factory, ["timers"])
    [eskalasi] = notifications(factory, ids["sekda"], "eskalasi_tugas")
    assert "Periksa SKP" in eskalasi.subject + eskalasi.body
    assert eskalasi.link == f"/skp/{kabid_skp}"
    assert _kinds(factory, ids["kadis"]).count("pengingat_tugas") == 2

    clock.set("2027-02-01T09:00:00+07:00")  # past the end of January
    run_once(factory, ["timers"])
    assert len(notifications(factory, ids["kadis"], "tenggat_terlewat")) == 1
    assert len(notifications(factory, ids["sekda"], "tenggat_terlewat")) == 1
    # the third repetition (due 13 January) fires only now, after the batas: it is not a "finish before
    # the tenggat" reminder but the one missed-deadline notice the penilai gets anyway
    assert _kinds(factory, ids["kadis"]).count("pengingat_tugas") == 2
    run_once(factory, ["timers"])
    clock.set("2027-02-20T09:00:00+07:00")
    run_once(factory, ["timers"])
    assert _kinds(factory, ids["kadis"]).count("pengingat_tugas") == 2  # R3: never another
    assert len(notifications(factory, ids["kadis"], "tenggat_terlewat")) == 1
    assert len(notifications(factory, ids["sekda"], "eskalasi_tugas")) == 1

    approve(kadis)  # late, but still allowed (domain §2.2: flagged, not blocked)
    skp = kabid.get(f"/skp/{kabid_skp}").get_json()
    assert skp["status"] == "DISETUJUI"
    session = factory()
    instance = session.scalar(select(Instance).where(Instance.business_key == f"skp:{kabid_skp}"))
    assert session.scalar(select(func.count()).select_from(Timer).where(Timer.instance_id == instance.id)) == 0
    session.close()
    assert "skp_disetujui" in _kinds(factory, ids["kabid"])


def test_pegawai_reminded_before_deadline_while_drafting(factory, accounts, as_user):
    kasi_acc = find(accounts, "Kepala Seksi Pengembangan")
    kasi = as_user(kasi_acc["nip"])
    pid = pegawai_id(factory, kasi_acc["nip"])
    clock.set("2027-01-05T09:00:00+07:00")
    assert kasi.post("/skp", json={"tahun": 2027, "pendekatan": "KUANTITATIF"}).status_code == 201
    clock.set("2027-01-24T07:59:00+07:00")
    run_once(factory, ["timers"])
    assert notifications(factory, pid, "pengingat_tugas") == []
    clock.set("2027-01-24T08:00:01+07:00")
    run_once(factory, ["timers"])
    [reminder] = notifications(factory, pid, "pengingat_tugas")
    assert "Susun SKP tahun 2027" in reminder.subject + reminder.body
    assert "31 Januari 2027" in reminder.body


def test_pegawai_without_skp_reminded_once_per_milestone(factory, accounts, as_user):
    kasi_acc = find(accounts, "Kepala Seksi Pengembangan")
    clock.set("2027-01-10T09:00:00+07:00")  # before the first milestone (14 days before 31 January)
    assert run_once(factory, ["pengingat_skp"])["pengingat_skp"]["diingatkan"] == 0
    clock.set("2027-01-17T09:00:00+07:00")
    first = run_once(factory, ["pengingat_skp"])["pengingat_skp"]["diingatkan"]
    assert first > 20  # every active pegawai of the demo instansi: nobody has an SKP for 2027
    assert run_once(factory, ["pengingat_skp"])["pengingat_skp"]["diingatkan"] == 0  # hourly job, one message
    as_user(kasi_acc["nip"]).post("/skp", json={"tahun": 2027, "pendekatan": "KUANTITATIF"})
    clock.set("2027-01-24T09:00:00+07:00")
    second = run_once(factory, ["pengingat_skp"])["pengingat_skp"]["diingatkan"]
    assert second == first - 1  # the Kasi has an SKP now
    kasi_id = pegawai_id(factory, kasi_acc["nip"])
    assert len(notifications(factory, kasi_id, "skp_belum_dibuat")) == 1
    clock.set("2027-02-02T09:00:00+07:00")
    assert run_once(factory, ["pengingat_skp"])["pengingat_skp"]["diingatkan"] == 0
