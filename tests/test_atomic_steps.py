"""A failing step of a process keeps nothing it wrote (issue 12, item 1), on SQLite and PostgreSQL.

Every service call and script task runs inside a SAVEPOINT: a non-domain error rolls the
step's own writes back before the instance is put in the error state, so the admin's retry
runs the step again from a clean state. A DomainError still refuses the whole request.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy import func, select, text

from core.db import write_transaction
from core.errors import Conflict
from app.notifications.models import Notification
from app.scheduler import run_once
from workflows import clock, scripting
from workflows.models import Instance, Timer
from test_skp_api import JPT_RHK, approve, create_and_submit, only_task


@pytest.fixture
def people(accounts):
    return {"kadis": find(accounts, "Kepala Dinas")["nip"], "sekda": find(accounts, "Sekretaris Daerah")["nip"],
            "admin": next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"]}


def submitted(as_user, people):
    """The Kepala Dinas's SKP submitted; returns (skp id, instance id, the Sekda's review task)."""
    kadis, sekda = as_user(people["kadis"]), as_user(people["sekda"])
    skp_id = create_and_submit(kadis, [JPT_RHK])
    review = only_task(sekda, "skp-review")
    return skp_id, review["instance_id"], review


def history(api, skp_id):
    return [h["action"] for h in api.get(f"/skp/{skp_id}").get_json()["history"]]


def count(app, model, *where) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        session.close()


def archive_rows(app, skp_id) -> int:
    from app.kinerja.skp import DokumenArsip

    return count(app, DokumenArsip, DokumenArsip.skp_id == skp_id)


def assert_failed_untouched(app, admin, kadis, skp_id, instance_id, message):
    detail = admin.get(f"/admin/instances/{instance_id}").get_json()
    assert detail["status"] == "error", detail["status"]
    assert detail["error"]["element"] == "Service_TetapkanSkp" and message in detail["error"]["message"]
    skp = kadis.get(f"/skp/{skp_id}").get_json()
    assert skp["status"] == "DIAJUKAN" and skp["tanggal_penetapan"] is None
    assert "setujui" not in history(kadis, skp_id)
    assert archive_rows(app, skp_id) == 0
    # what the penilai decided in the form is kept: the review task is done, its data stays
    assert detail["data"]["data"]["keputusan"] == "SETUJUI"


def assert_retry_approves_once(app, admin, kadis, skp_id, instance_id):
    retried = admin.post(f"/admin/instances/{instance_id}/actions/retry", json={"reason": "penyebab diperbaiki"})
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["status"] == "waiting"
    skp = kadis.get(f"/skp/{skp_id}").get_json()
    assert skp["status"] == "DISETUJUI" and skp["tanggal_penetapan"]
    assert history(kadis, skp_id).count("setujui") == 1
    from app import jobs

    assert archive_rows(app, skp_id) == 0  # rendered after commit, by the outbox
    jobs.run_due(app.extensions["db_sessionmaker"], "test")
    assert archive_rows(app, skp_id) == 2  # one PDF and one DOCX, once
    assert [t["form"] for t in kadis.get(f"/instances/{instance_id}").get_json()["open_tasks"]] == ["skp-rollback"]


def test_service_failing_after_its_writes_keeps_nothing_and_retry_approves_once(app, as_user, people, monkeypatch):
    """Independent of archiving: the step fails after transition() wrote the status and history row."""
    from app.kinerja import cascade

    def broken(session, skp):
        raise RuntimeError("layanan relasi RHK tidak tersedia")

    skp_id, instance_id, _ = submitted(as_user, people)
    admin, kadis, sekda = as_user(people["admin"]), as_user(people["kadis"]), as_user(people["sekda"])
    monkeypatch.setattr(cascade, "offer_relinking", broken)
    assert approve(sekda)["completed"] is True
    assert_failed_untouched(app, admin, kadis, skp_id, instance_id, "layanan relasi RHK tidak tersedia")
    monkeypatch.undo()
    assert_retry_approves_once(app, admin, kadis, skp_id, instance_id)


def test_retry_of_a_step_that_kept_its_writes_before_the_fix_completes_once(app, as_user, people, monkeypatch):
    """Instances left by a version without savepoints: the SKP is already DISETUJUI with its
    ``setujui`` row while the instance waits in error at the same step. The retried step finds
    its own earlier change and does not repeat it (no 409, no second history row)."""
    from app.kinerja import cascade
    from app.kinerja.skp import Skp
    from app.kinerja.skp_lifecycle import transition

    skp_id, instance_id, _ = submitted(as_user, people)
    admin, kadis, sekda = as_user(people["admin"]), as_user(people["kadis"]), as_user(people["sekda"])
    monkeypatch.setattr(cascade, "offer_relinking", lambda session, skp: 1 / 0)
    approve(sekda)
    monkeypatch.undo()
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):  # what the old version committed: the status change of the failed step
        skp = session.get(Skp, skp_id)
        skp.status = "DISETUJUI"
        skp.tanggal_penetapan = clock.now()
        skp.riwayat.append(type(skp.riwayat[0])(at=clock.now(), actor_id=skp.pejabat_penilai_id, action="setujui",
                                                from_status="DIAJUKAN", to_status="DISETUJUI", note=""))
    session.close()
    assert_retry_approves_once(app, admin, kadis, skp_id, instance_id)

    # outside a retried step the same repeat is refused as before
    session = app.extensions["db_sessionmaker"]()
    with pytest.raises(Conflict, match="Disetujui tidak dapat menjadi Disetujui"):
        with write_transaction(session):
            transition(session, session.get(Skp, skp_id), "DISETUJUI", None)
    session.close()


def test_retry_is_refused_when_the_skp_was_changed_meanwhile(app, as_user, people, monkeypatch):
    """A retried step is only a repeat of its own change: a status the step did not set stays a 409."""
    from app.kinerja import cascade
    from app.kinerja.skp import Skp

    skp_id, instance_id, _ = submitted(as_user, people)
    admin, sekda = as_user(people["admin"]), as_user(people["sekda"])
    monkeypatch.setattr(cascade, "offer_relinking", lambda session, skp: 1 / 0)
    approve(sekda)
    monkeypatch.undo()
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        session.get(Skp, skp_id).status = "DIBATALKAN"
    session.close()
    refused = admin.post(f"/admin/instances/{instance_id}/actions/retry", json={"reason": "coba lagi"})
    assert refused.status_code == 409 and "tidak dapat menjadi Disetujui" in refused.get_json()["error"]["message"]


def _failing_after_notify(error):
    real = scripting._SERVICES["kirim_notifikasi"]

    def service(run, data, **params):
        real(run, data, **params)  # the notification rows are written ...
        raise error  # ... then the step fails
    return service


def _reminder_due(factory, as_user, accounts):
    kasi_acc = find(accounts, "Kepala Seksi Pengembangan")
    clock.set(f"{DEMO_TAHUN + 1}-01-05T09:00:00+07:00")
    skp = as_user(kasi_acc["nip"]).post("/skp", json={"tahun": DEMO_TAHUN + 1, "pendekatan": "KUANTITATIF"})
    assert skp.status_code == 201
    clock.set(f"{DEMO_TAHUN + 1}-01-24T08:00:01+07:00")
    session = factory()
    try:
        return session.scalar(select(Instance.id).where(Instance.business_key == f"skp:{skp.get_json()['id']}"))
    finally:
        session.close()


def _reminders(app) -> int:
    return count(app, Notification, Notification.kind == "pengingat_tugas")


def test_timer_step_failing_after_its_writes_keeps_nothing(app, as_user, accounts, monkeypatch):
    factory = app.extensions["db_sessionmaker"]
    instance_id = _reminder_due(factory, as_user, accounts)
    monkeypatch.setitem(scripting._SERVICES, "kirim_notifikasi", _failing_after_notify(RuntimeError("SMTP mati")))
    assert run_once(factory, ["timers"])["timers"]["dijalankan"] == 1
    assert _reminders(app) == 0
    session = factory()
    instance = session.get(Instance, instance_id)
    assert instance.status == "error" and instance.last_error["element"] == "Service_IngatkanPegawai"
    session.close()


def test_timer_step_refused_by_a_domain_rule_commits_nothing_and_stays_due(app, as_user, accounts, monkeypatch):
    factory = app.extensions["db_sessionmaker"]
    instance_id = _reminder_due(factory, as_user, accounts)
    monkeypatch.setitem(scripting._SERVICES, "kirim_notifikasi", _failing_after_notify(Conflict("belum boleh")))
    session = factory()
    before = session.scalar(select(Instance.version).where(Instance.id == instance_id))
    session.close()
    assert run_once(factory, ["timers"])["timers"]["gagal"] == 1
    assert _reminders(app) == 0
    session = factory()
    instance = session.get(Instance, instance_id)
    assert instance.status != "error" and instance.version == before  # nothing of the firing was saved
    session.close()
    assert count(app, Timer, Timer.instance_id == instance_id) >= 1
    monkeypatch.undo()  # the rule holds now: the next round fires it
    assert run_once(factory, ["timers"])["timers"]["dijalankan"] == 1
    assert _reminders(app) == 1


# ------------------------------------------------------------------ any service, at start and on a database error

def _writes_then(error):
    """A service that writes a domain row (a notification to the instance's pegawai), then fails."""
    from app.notifications import notify

    def service(run, data, kode):
        notify(run.session, [data["pegawai_id"]], "tugas_baru", {"judul": "uji"}, link="/")
        run.session.flush()
        if error == "sql":  # a database error: on PostgreSQL it aborts the transaction unless rolled back to a savepoint
            run.session.execute(text("select * from tabel_yang_tidak_ada"))
        raise error
    return service


def _notifications(app) -> int:
    return count(app, Notification)


def test_database_error_in_a_service_puts_the_instance_in_error_not_a_500(app, as_user, accounts, monkeypatch):
    from test_admin import complete_open, start_uji

    pegawai = find(accounts, "Pranata Komputer Ahli Pertama")["nip"]
    [iid] = start_uji(app, pegawai, pembagi=1, tasks=("Task_Isi", "Service_Kirim", "Task_Periksa"), data={"kode": "X"})
    monkeypatch.setitem(scripting._SERVICES, "uji_admin_layanan", _writes_then("sql"))
    before = _notifications(app)
    complete_open(as_user, pegawai, iid, {"catatan": "kirim"})  # asserts 200
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    detail = admin.get(f"/admin/instances/{iid}").get_json()
    assert detail["status"] == "error" and detail["error"]["element"] == "Service_Kirim"
    assert detail["data"]["data"]["catatan"] == "kirim"
    assert _notifications(app) == before


def test_a_failing_first_step_keeps_nothing_and_a_refused_start_starts_nothing(app, accounts, monkeypatch):
    from test_admin import start_uji

    pegawai = find(accounts, "Pranata Komputer Ahli Pertama")["nip"]
    before = _notifications(app)
    monkeypatch.setitem(scripting._SERVICES, "uji_admin_layanan", _writes_then(RuntimeError("layanan mati")))
    [iid] = start_uji(app, pegawai, pembagi=1, tasks=("Service_Kirim", "Task_Periksa"), data={"kode": "X"})
    session = app.extensions["db_sessionmaker"]()
    instance = session.get(Instance, iid)
    assert instance.status == "error" and instance.last_error["element"] == "Service_Kirim"
    session.close()
    assert _notifications(app) == before

    monkeypatch.setitem(scripting._SERVICES, "uji_admin_layanan", _writes_then(Conflict("belum boleh dimulai")))
    with pytest.raises(Conflict):
        start_uji(app, pegawai, pembagi=1, tasks=("Service_Kirim", "Task_Periksa"), data={"kode": "X"})
    assert count(app, Instance, Instance.process_id == "uji_admin") == 1
    assert _notifications(app) == before


@contextmanager
def sql_statements(app):
    """The statements the app's engine sends inside the block, as a list filled meanwhile."""
    from sqlalchemy import event

    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def first_words(statements) -> list[str]:
    return [statement.split()[0].upper() for statement in statements]


def test_a_completion_runs_its_steps_without_savepoints_and_a_failing_one_again_with_them(app, as_user, people,
                                                                                           monkeypatch):
    """Savepoints cost two statements per step, so a completion first runs without them; only when a step
    fails is everything rolled back and the completion run again, each step in its savepoint."""
    from app.kinerja import cascade

    skp_id, instance_id, _ = submitted(as_user, people)
    calls = []

    def failing(session, skp):
        calls.append(skp.id)
        raise RuntimeError("layanan relasi RHK tidak tersedia")

    sekda = as_user(people["sekda"])
    monkeypatch.setattr(cascade, "offer_relinking", failing)
    with sql_statements(app) as statements:
        assert approve(sekda)["completed"] is True
    assert len(calls) == 2  # the run without savepoints, then the run with them
    words = first_words(statements)
    assert "SAVEPOINT" in words and "ROLLBACK" in words  # the failed step's savepoint was rolled back
    admin, kadis = as_user(people["admin"]), as_user(people["kadis"])
    assert_failed_untouched(app, admin, kadis, skp_id, instance_id, "layanan relasi RHK tidak tersedia")


def test_a_completion_whose_steps_succeed_sends_no_savepoint(app, as_user, people):
    skp_id, instance_id, _ = submitted(as_user, people)
    sekda, kadis = as_user(people["sekda"]), as_user(people["kadis"])
    with sql_statements(app) as statements:
        assert approve(sekda)["completed"] is True
    words = first_words(statements)
    assert "UPDATE" in words and "SAVEPOINT" not in words, words
    assert kadis.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"


def test_the_answer_to_a_completion_lists_the_open_tasks_it_opened(app, as_user, people):
    """The answer's open tasks come from the save that wrote them; they are the rows a read would give."""
    skp_id, instance_id, review = submitted(as_user, people)
    sekda, kadis = as_user(people["sekda"]), as_user(people["kadis"])
    answered = approve(sekda)["instance"]["open_tasks"]
    read = kadis.get(f"/instances/{instance_id}").get_json()["open_tasks"]
    assert [t["form"] for t in answered] == ["skp-rollback"]
    assert answered == read


def test_a_completion_writes_the_rows_it_leaves_and_opens_with_one_statement_on_postgresql(app, as_user, people):
    """The approval leaves the review task, its element row and its reminder timers and opens the rollback task
    (with its candidates, element row and message subscription): on PostgreSQL one statement deletes and
    inserts them all (data-modifying CTEs), on SQLite a statement per kind."""
    from workflows.models import HumanTask, HumanTaskCandidate, InstanceElement, MessageSubscription

    skp_id, instance_id, review = submitted(as_user, people)
    sekda, kadis = as_user(people["sekda"]), as_user(people["kadis"])
    with sql_statements(app) as statements:
        answer = approve(sekda)
    derived = [d for d in statements if first_words([d])[0] in ("DELETE", "INSERT", "WITH")
               and any(f" {t} " in d or f" {t}(" in d for t in ("human_task", "human_task_candidate", "instance_element",
                                                                  "timer", "message_subscription"))]
    engine = app.extensions["db_engine"]
    assert len(derived) == 1 if engine.dialect.name == "postgresql" else len(derived) >= 5, derived
    [rollback] = answer["instance"]["open_tasks"]
    assert count(app, HumanTask, HumanTask.id == review["id"]) == 0
    assert count(app, Timer, Timer.instance_id == instance_id) == 0
    assert count(app, InstanceElement, InstanceElement.instance_id == instance_id,
                 InstanceElement.bpmn_id == "Task_PeriksaSkp") == 0
    assert count(app, HumanTaskCandidate, HumanTaskCandidate.human_task_id == rollback["id"]) >= 1
    assert count(app, MessageSubscription, MessageSubscription.instance_id == instance_id) >= 1
    assert [t["id"] for t in kadis.get(f"/instances/{instance_id}").get_json()["open_tasks"]] == [rollback["id"]]
