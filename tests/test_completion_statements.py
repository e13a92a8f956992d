"""What a task completion sends besides its steps' own writes (issue 15 goal 2), on SQLite and PostgreSQL:

- the derived rows the save compares against are read in the statement that reads the task, not again;
- on PostgreSQL the instance's versioned UPDATE and the events the completion logged go in the one statement
  that writes the derived rows; the version check still refuses a save of an instance saved meanwhile;
- the events keep the order they were logged in, and a step that fails drops the events it logged.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.util.task import TaskState
from test_atomic_steps import first_words, people, sql_statements, submitted  # noqa: F401
from test_skp_api import approve

from core.db import write_transaction
from workflows import derived_rows, scripting, store
from workflows.instances import Run, load
from workflows.models import Instance, InstanceEvent


def _postgresql(app) -> bool:
    return app.extensions["db_engine"].dialect.name == "postgresql"


def _events(app, instance_id) -> list[str]:
    session = app.extensions["db_sessionmaker"]()
    try:
        return list(session.scalars(select(InstanceEvent.kind).where(InstanceEvent.instance_id == instance_id)
                                    .order_by(InstanceEvent.id)))
    finally:
        session.close()


def test_a_completion_reads_the_derived_rows_with_its_task_and_not_again(app, as_user, people):
    submitted(as_user, people)
    with sql_statements(app) as statements:
        assert approve(as_user(people["sekda"]))["completed"] is True
    unions = [s for s in statements if first_words([s])[0] == "SELECT" and "UNION ALL" in s]
    assert len(unions) == 1, unions
    assert "human_task_candidate" in unions[0]  # the task, whether the actor is a candidate, and the rows


def test_the_instance_update_and_the_events_go_with_the_derived_rows_on_postgresql(app, as_user, people):
    skp_id, instance_id, _ = submitted(as_user, people)
    with sql_statements(app) as statements:
        assert approve(as_user(people["sekda"]))["completed"] is True
    alone = [s for s in statements if " ".join(s.split()[:3]).upper() in ("UPDATE INSTANCE SET",
                                                                             "INSERT INTO INSTANCE_EVENT")]
    together = [s for s in statements if first_words([s])[0] == "WITH" and "instance_event" in s]
    if _postgresql(app):
        assert alone == [] and len(together) == 1, (alone, together)
        assert "UPDATE instance SET" in together[0] and "RETURNING instance.id" in together[0]
    else:
        assert len(alone) == 2 and together == [], alone
    assert _events(app, instance_id)[-1] == "task_completed"
    with write_transaction(session := app.extensions["db_sessionmaker"]()):
        instance = session.get(Instance, instance_id)
        assert instance.status == "waiting" and instance.waiting_since is not None
    session.close()


def test_the_save_leaves_the_instance_no_work_for_the_flush_on_postgresql(app, as_user, people):
    """PostgreSQL: the save's one statement writes the instance's new values (state, status, waiting_since, …),
    which are set as committed, so no flush of the completion goes through the instance; a fresh read gives what
    the save wrote. SQLite: the flush writes them."""
    from sqlalchemy import event, func

    from workflows.models import InstanceElement

    skp_id, instance_id, _ = submitted(as_user, people)
    factory, dirty = app.extensions["db_sessionmaker"], []
    record = lambda session, *_: dirty.extend(type(o).__name__ for o in session.dirty)  # noqa: E731
    event.listen(factory, "before_flush", record)
    try:
        assert approve(as_user(people["sekda"]))["completed"] is True
    finally:
        event.remove(factory, "before_flush", record)
    assert ("Instance" in dirty) is not _postgresql(app), dirty
    with write_transaction(session := factory()):
        instance = session.get(Instance, instance_id)
        since = session.scalar(select(func.min(InstanceElement.since)).where(InstanceElement.instance_id == instance_id))
        assert (instance.status, instance.waiting_since, instance.last_error) == ("waiting", since, None)
        workflow = load(Run(session, None, instance))
        assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)] == [
            "Task_KembalikanStatus"]
    session.close()


@pytest.fixture
def logging_step(monkeypatch):
    """The service of the approval's "Tetapkan SKP" step logs an event ``langkah_uji`` first; with
    ``fail`` set it then fails."""
    original = scripting._SERVICES["status_skp"]
    behaviour = {"fail": False}

    def service(run, data, **params):
        store.log_event(run.session, run.instance, "langkah_uji", run.actor_id, task=run.step)
        if behaviour["fail"] and params.get("status") == "DISETUJUI":
            raise RuntimeError("layanan uji gagal")
        return original(run, data, **params)

    monkeypatch.setitem(scripting._SERVICES, "status_skp", service)
    return behaviour


def test_events_logged_by_the_steps_keep_their_order_after_the_task_completed(app, as_user, people, logging_step):
    skp_id, instance_id, _ = submitted(as_user, people)
    before = _events(app, instance_id)
    approve(as_user(people["sekda"]))
    assert _events(app, instance_id)[len(before):] == ["task_completed", "langkah_uji"]


def test_a_failing_step_drops_the_events_it_logged(app, as_user, people, logging_step):
    skp_id, instance_id, _ = submitted(as_user, people)
    before = _events(app, instance_id)
    logging_step["fail"] = True
    approve(as_user(people["sekda"]))
    # run again with savepoints: the failed step's event went with its savepoint, the error is recorded
    assert _events(app, instance_id)[len(before):] == ["task_completed", "error"]
    detail = as_user(people["admin"]).get(f"/admin/instances/{instance_id}").get_json()
    assert detail["status"] == "error" and "layanan uji gagal" in detail["error"]["message"]


def test_a_save_of_an_instance_saved_meanwhile_is_refused(app, as_user, people):
    """The version check holds on the one-statement path too: no row of the UPDATE, StaleDataError, and
    nothing of the save is kept."""
    skp_id, instance_id, review = submitted(as_user, people)
    session = app.extensions["db_sessionmaker"]()
    try:
        with pytest.raises(StaleDataError):
            with write_transaction(session):
                instance = session.get(Instance, instance_id)
                workflow = load(Run(session, None, instance))
                session.execute(update(Instance).where(Instance.id == instance_id)  # another save, as the
                                .values(version=Instance.version + 1)            # database sees it
                                .execution_options(synchronize_session=False))
                store.log_event(session, instance, "uji")
                instance.status = "completed"
                store.save(session, instance, workflow)
    finally:
        session.close()
    assert _events(app, instance_id)[-1] != "uji"
    open_tasks = as_user(people["kadis"]).get(f"/instances/{instance_id}").get_json()["open_tasks"]
    assert [t["id"] for t in open_tasks] == [review["id"]]


def test_derived_rows_kept_for_a_save_are_dropped_once_the_instance_was_saved(app, as_user, people):
    skp_id, instance_id, _ = submitted(as_user, people)
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            instance = session.get(Instance, instance_id)
            read = derived_rows.derived_rows(session, instance_id)
            assert read.human_tasks and read.elements
            derived_rows.keep(session, instance, read)
            assert derived_rows.kept(session, instance) is read
            assert derived_rows.kept(session, instance) is None  # taken once
            derived_rows.keep(session, instance, read)
            store.save(session, instance, load(Run(session, None, instance)))  # the version moves on
            derived_rows.keep(session, instance, read)
        assert derived_rows.kept(session, instance) is None  # forgotten when the transaction ended
        with write_transaction(session):
            instance = session.get(Instance, instance_id)
            derived_rows.keep(session, instance, read)
            session.execute(update(Instance).where(Instance.id == instance_id).values(version=Instance.version + 1))
            session.refresh(instance)
            assert derived_rows.kept(session, instance) is None  # saved since it was kept
    finally:
        session.close()


def test_the_json_read_gives_what_the_union_read_gives(app, as_user, people):
    """Timers, elements (with their instants) and subscriptions read through the task's statement equal those
    of the plain read, on both databases."""
    skp_id, instance_id, review = submitted(as_user, people)
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            plain = derived_rows.derived_rows(session, instance_id)
            column = derived_rows.as_json_column(session.get_bind().dialect.name)
            value = session.execute(select(column), {"instance_id": instance_id}).scalar_one()
            through_json = derived_rows.from_json(value, instance_id)
    finally:
        session.close()
    assert plain.timers and plain.elements and plain.human_tasks == {review["id"]}

    def shape(derived):
        return (derived.human_tasks,
                {k: (t.bpmn_id, t.event_type, t.due_at) for k, t in derived.timers.items()},
                {k: (e.bpmn_id, e.state, e.since, e.definition_id, e.instansi_id) for k, e in derived.elements.items()},
                {k: (m.bpmn_id, m.correlation, m.business_key) for k, m in derived.subscriptions.items()})

    assert shape(through_json) == shape(plain)


def test_the_save_statement_is_compiled_once_per_shape_on_postgresql(app, as_user, people):
    """Returning an SKP twice writes rows of the same kinds: on PostgreSQL the second save's one statement comes
    from SQLAlchemy's compiled cache (its INSERTs read their rows from one JSON parameter per table, so the
    number of rows does not change the statement); on SQLite the derived rows go one statement per kind."""
    from sqlalchemy import event
    from sqlalchemy.engine.default import CACHE_HIT, NO_CACHE_KEY

    from test_skp_api import only_task

    skp_id, instance_id, _ = submitted(as_user, people)
    kadis, sekda = as_user(people["kadis"]), as_user(people["sekda"])
    engine, seen = app.extensions["db_engine"], []

    def listener(_conn, _cursor, statement, _params, context, _many):
        if statement.lstrip().startswith("WITH") and "instance_event" in statement:
            seen.append(context.cache_hit)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(2):
            review = only_task(sekda, "skp-review")
            returned = sekda.post(f"/tasks/{review['id']}/complete",
                                  json={"data": {"keputusan": "KEMBALIKAN", "catatan": "Perbaiki target"}})
            assert returned.status_code == 200, returned.get_json()
            editor = only_task(kadis, "skp-editor")
            data = kadis.get(f"/tasks/{editor['id']}").get_json()["data"]
            done = kadis.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": True}})
            assert done.status_code == 200, done.get_json()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert kadis.get(f"/skp/{skp_id}").get_json()["status"] == "DIAJUKAN"
    if _postgresql(app):
        assert len(seen) == 4 and NO_CACHE_KEY not in seen, seen  # return, resubmit, return, resubmit
        assert seen[2:] == [CACHE_HIT, CACHE_HIT], seen
    else:
        assert seen == []


@pytest.mark.parametrize("failing", [False, True])
def test_a_timer_firing_writes_its_events_in_order_and_drops_those_of_a_failed_step(app, as_user, accounts,
                                                                                     monkeypatch, failing):
    """A reminder timer: ``timer_fired`` first, then what its step logged; when the step then fails, its event
    goes with its savepoint and the error is recorded after ``timer_fired``."""
    from app.scheduler import run_once
    from test_atomic_steps import _reminder_due

    factory = app.extensions["db_sessionmaker"]
    real = scripting._SERVICES["kirim_notifikasi"]

    def service(run, data, **params):
        store.log_event(run.session, run.instance, "langkah_uji", task=run.step)
        if failing:
            raise RuntimeError("SMTP mati")
        return real(run, data, **params)

    monkeypatch.setitem(scripting._SERVICES, "kirim_notifikasi", service)
    instance_id = _reminder_due(factory, as_user, accounts)
    before = _events(app, instance_id)
    assert run_once(factory, ["timers"])["timers"]["dijalankan"] >= 1
    fired = _events(app, instance_id)[len(before):]
    if failing:
        assert fired[:2] == ["timer_fired", "error"] and "langkah_uji" not in fired, fired
    else:
        assert fired[:2] == ["timer_fired", "langkah_uji"] and "error" not in fired, fired
