"""Use cases of the engine: start an instance, complete a task, read an instance.

Each runs in one write transaction: lock the instance (row lock on PostgreSQL, the write
lock on SQLite, and the version counter everywhere), load the workflow, act, run the
engine until it waits, save state and derived tables, append events. Two requests on one
instance never both win: the loser gets a Conflict (409) and nothing it did is kept.
A DomainError raised anywhere (a form or a guard) rolls everything back; any other error
inside the engine leaves the instance in the error state at that element, data intact, and
the failed step's own writes rolled back (each service call and script runs in a savepoint,
see ``scripting.Engine.step``), so the admin's retry runs it again from a clean state.
A form may instead save a draft and refuse the completion (``FormResult.refused``): the
draft is committed, then the request fails with that error.
"""
from __future__ import annotations

import copy
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, String, bindparam, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from core.db import write_transaction
from core.errors import Conflict, DomainError, Forbidden, NotFound

from . import derived_rows, event_log, forms, store
from .definitions import instansi_of, latest, specs_of
from .models import HumanTask, HumanTaskCandidate, Instance, InstanceEvent
from .scripting import Engine


@dataclass
class Run:
    """What services and form handlers know about the request that runs the engine."""

    session: Session
    actor_id: int | None
    instance: Instance
    notes: dict[str, Any] = field(default_factory=dict)
    step: Any = None  # the task whose service call or script runs now (set by scripting.Engine)
    retried: Any = None  # the id of the failed task an admin's retry runs again
    savepoints: bool = True  # False: steps run without their SAVEPOINT; a failing one raises StepFailed


    @property
    def repeating(self) -> bool:
        """True while the step an admin retries runs again.

        Its service may find what the same step did before it failed (instances that failed
        before steps ran in savepoints): it should then finish the job without repeating it.
        """
        return self.retried is not None and getattr(self.step, "id", None) == self.retried


class StepFailed(Exception):
    """A step failed in a run without savepoints: its writes cannot be undone alone, so the caller rolls
    the whole transaction back and runs the use case again with savepoints (``complete_task``)."""


def advance(run: Run, workflow: BpmnWorkflow) -> None:
    """Run the engine until it waits; a non-domain failure becomes the instance's error state."""
    try:
        workflow.do_engine_steps()
    except DomainError:
        raise
    except (WorkflowException, Exception) as exc:  # noqa: BLE001 - recorded on the instance
        if not run.savepoints:
            raise StepFailed() from exc
        task = getattr(exc, "task", None)
        run.instance.last_error = {
            "element": getattr(getattr(task, "task_spec", None), "bpmn_id", None),
            "name": getattr(getattr(task, "task_spec", None), "bpmn_name", None),
            "message": str(exc).split("\n")[0],
            "line": getattr(exc, "line_number", None),
            "traceback": traceback.format_exc(limit=20),
        }
        run.instance.status = "error"
        store.log_event(run.session, run.instance, "error", run.actor_id, task=task,
                        reason=run.instance.last_error["message"])


def start_instance(session: Session, process_id: str, business_key: str, data: dict,
                   actor_id: int | None) -> Instance:
    """Start the newest version of a process for the instansi of the start data (its subject pegawai's,
    or ``data["instansi_id"]``), else the national default (inside the caller's write transaction).
    ``bulk_start.start_many`` starts many with one flush."""
    instance, data = new_instance(session, process_id, business_key, data, actor_id)
    session.add(instance)
    session.flush()
    workflow = run_start(session, instance, data, actor_id)
    store.save(session, instance, workflow, actor_id, fresh=True)
    store.log_event(session, instance, "started", actor_id, data={"business_key": business_key})
    return instance


def new_instance(session: Session, process_id: str, business_key: str, data: dict, actor_id: int | None,
                 definitions: dict | None = None) -> tuple[Instance, dict]:
    """The unsaved instance row of a start and its start data (with ``pemulai_id``); ``definitions``
    keeps the newest version per instansi across the starts of one batch."""
    if actor_id is not None and "pemulai_id" not in data:
        data = {**data, "pemulai_id": actor_id}  # the starter, for lanes by relation (platform.md §1)
    instance = Instance(process_id=process_id, business_key=business_key,
                        status="running", state=b"", serializer_version="", started_by_id=actor_id,
                        created_at=store.now(), updated_at=store.now())
    store.set_subject(session, instance, data)
    instansi_id = instance.instansi_id or instansi_of(data)
    definitions = {} if definitions is None else definitions
    if instansi_id not in definitions:
        definitions[instansi_id] = latest(session, process_id, instansi_id)
    definition = definitions[instansi_id]
    if definition is None:
        raise NotFound(f"Proses '{process_id}' belum dipasang; jalankan 'ekinerja db upgrade'")
    instance.definition_id = definition.id
    instance.definition = definition
    return instance, data


def run_start(session: Session, instance: Instance, data: dict, actor_id: int | None) -> BpmnWorkflow:
    """Run a new (inserted) instance's engine from its start event until it waits."""
    spec, subs = specs_of(instance.definition)
    run = Run(session, actor_id, instance)
    workflow = BpmnWorkflow(spec, subs, script_engine=Engine(run))
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    advance(run, workflow)
    return workflow


def _locking(query):
    """The instance query locking the instance row only, with its definition's small columns in the
    same statement (the spec and the sources are cached per definition version and read on a miss)."""
    return (query.options(joinedload(Instance.definition, innerjoin=True))
            .with_for_update(of=Instance).execution_options(populate_existing=True))


@lru_cache(maxsize=None)
def _lock_statement(by_task: bool):
    """The locking query of the instance ``:instance_id``, or ``by_task`` of the task ``:task_id``'s. Built
    once (on first use: the mappers are complete then), the values parameters: the same statement object is
    executed again, so SQLAlchemy neither rebuilds it nor walks it (the joined definition too) for its cache key."""
    if by_task:
        return _locking(select(Instance).where(Instance.id == select(HumanTask.instance_id).where(
            HumanTask.id == bindparam("task_id", type_=String())).scalar_subquery()))
    return _locking(select(Instance).where(Instance.id == bindparam("instance_id", type_=Integer())))


def _lock(session: Session, instance_id: int) -> Instance:
    instance = session.scalar(_lock_statement(False), {"instance_id": instance_id})
    if instance is None:
        raise NotFound("Instance proses tidak ditemukan")
    return instance


def load(run: Run) -> BpmnWorkflow:
    spec, subs = specs_of(run.instance.definition)
    return store.load_state(run.instance.state, spec, subs, Engine(run))


def open_task(session: Session, task_id: str) -> HumanTask:
    """The open human task, or NotFound / Conflict (already completed) naming the task id."""
    row = session.get(HumanTask, task_id) if store.task_uuid(task_id) else None
    if row is not None:
        return row
    done = session.scalar(select(InstanceEvent.id).where(InstanceEvent.task_id == task_id,
                                                         InstanceEvent.kind == "task_completed").limit(1))
    if done is not None:
        raise Conflict(f"Tugas {task_id} sudah diselesaikan")
    raise NotFound(f"Tugas {task_id} tidak ditemukan")


def may_complete(session: Session, task: HumanTask, pegawai_id: int) -> bool:
    return session.get(HumanTaskCandidate, (task.id, pegawai_id)) is not None


def reread_task(session: Session, row: HumanTask) -> HumanTask:
    """The task read again from the database: NotFound, or Conflict when it was completed meanwhile."""
    session.expunge(row)
    return open_task(session, row.id)


def check_candidate(session: Session, row: HumanTask, pegawai_id: int) -> None:
    """Forbidden unless the pegawai is a candidate of the task; a task that another request
    completed meanwhile (its candidate rows went with it) is a Conflict, not a Forbidden."""
    if not may_complete(session, row, pegawai_id):
        reread_task(session, row)
        raise Forbidden("Tugas ini bukan untuk Anda")


def complete_task(session: Session, task_id: str, actor_id: int, data: Any) -> dict:
    """Complete (or, for a form that saves drafts, save) a human task as ``actor_id``.

    The instance is locked before the task and its candidates are read (again): a request
    completing the same task at the same moment has committed by then, and the loser gets a 409.
    The service calls and scripts the completion runs go without a SAVEPOINT each (two statements per
    step): when one fails, everything is rolled back and the completion runs once more with each step in
    its savepoint, so the failed step's writes are undone alone and the instance keeps its error state.
    """
    for savepoints in (False, True):
        attempt = data if savepoints else copy.deepcopy(data)  # a form handler may change what it is given
        try:
            with write_transaction(session):
                instance, row = _lock_task(session, task_id, actor_id)
                result = _complete_locked(session, instance, row, actor_id, attempt, savepoints)
        except StepFailed:
            continue
        except StaleDataError:
            raise Conflict("Proses diubah oleh permintaan lain pada saat yang sama; muat ulang dan coba lagi") from None
        break
    if result.get("refused") is not None:  # the draft is committed; the request still fails
        raise result["refused"]
    return result


def _lock_task(session: Session, task_id: str, actor_id: int) -> tuple[Instance, HumanTask]:
    """Lock the instance of an open task, then read the task with whether ``actor_id`` is one of its
    candidates: two statements. Anything unexpected (no such task, completed meanwhile, not the actor's)
    is told apart by the slower path of ``open_task`` and ``check_candidate``."""
    if store.task_uuid(task_id) is None:
        open_task(session, task_id)  # raises NotFound
    instance = session.scalar(_lock_statement(True), {"task_id": task_id})
    found = None
    if instance is not None:
        found = session.execute(_task_statement(session.get_bind().dialect.name),
                                {"task_id": task_id, "actor_id": actor_id, "instance_id": instance.id}).first()
    if found is None:
        open_task(session, task_id)  # completed meanwhile (Conflict) or never there (NotFound)
        raise Conflict(f"Tugas {task_id} tidak lagi menunggu (diselesaikan atau diubah)")
    row, allowed, rows = found
    if not allowed:
        raise Forbidden("Tugas ini bukan untuk Anda")
    derived_rows.keep(session, instance, derived_rows.from_json(rows, instance.id))
    return instance, row


_TASK_STATEMENTS: dict = {}


def _task_statement(dialect: str):
    """The task ``:task_id``, whether ``:actor_id`` is one of its candidates, and the derived rows of its
    (locked) instance ``:instance_id`` that the save compares against: one statement, built once."""
    if dialect not in _TASK_STATEMENTS:
        is_candidate = select(HumanTaskCandidate.pegawai_id).where(
            HumanTaskCandidate.human_task_id == HumanTask.id,
            HumanTaskCandidate.pegawai_id == bindparam("actor_id", type_=Integer())).exists()
        _TASK_STATEMENTS[dialect] = (
            select(HumanTask, is_candidate, derived_rows.as_json_column(dialect))
            .where(HumanTask.id == bindparam("task_id", type_=String()))
            .execution_options(populate_existing=True))
    return _TASK_STATEMENTS[dialect]


def complete_in_transaction(session: Session, row: HumanTask, actor_id: int | None, data: Any) -> dict:
    """Complete an open human task inside the caller's write transaction.

    The caller has decided that ``actor_id`` may act: ``complete_task`` checks the task's candidates;
    a service of another process (a dialog kinerja's agreement rolling an SKP back) acts by its own right.
    """
    return _complete_locked(session, _lock(session, row.instance_id), row, actor_id, data)


def _complete_locked(session: Session, instance: Instance, row: HumanTask, actor_id: int | None, data: Any,
                     savepoints: bool = True) -> dict:
    if instance.status == "suspended":
        raise Conflict("Proses sedang ditangguhkan oleh admin")
    run = Run(session, actor_id, instance, savepoints=savepoints)
    workflow = load(run)
    task = workflow.get_task_from_id(store.task_uuid(row.id))
    if task is None or task.state != TaskState.READY:
        raise Conflict(f"Tugas {row.id} tidak lagi menunggu (diselesaikan atau diubah)")
    result = forms.apply(row.form_key, run, task, data)
    if not result.complete:
        store.log_event(session, instance, "draft_saved", actor_id, task=task)
        instance.updated_at = store.now()
        session.flush()
        return {"completed": False, "instance": instance, "refused": result.refused}
    task.data.update(result.task_data)
    task.run()
    with event_log.held(session, instance):  # the save writes the events with its other rows
        store.log_event(session, instance, "task_completed", actor_id, task=task, data=result.task_data)
        advance(run, workflow)
        store.save(session, instance, workflow, actor_id)
    return {"completed": True, "instance": instance}


def open_tasks_of(session: Session, instance_id: int) -> list[HumanTask]:
    opened = store.opened_by_last_save(session, instance_id)
    if opened is not None:  # the request's own save wrote every open task: no need to read them back
        return opened
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                .order_by(HumanTask.created_at)))


def events_of(session: Session, instance_id: int) -> list[InstanceEvent]:
    return list(session.scalars(select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
                                .order_by(InstanceEvent.id)))


def by_business_key(session: Session, business_key: str) -> Instance | None:
    return session.scalar(select(Instance).where(Instance.business_key == business_key)
                          .order_by(Instance.id.desc()).limit(1))
