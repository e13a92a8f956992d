"""Re-routing: when the organisation changes, open human tasks follow the people their lanes now mean.

A task an admin reassigned by hand (``assigned_by_admin``) stays with the person the admin chose.

Lanes are resolved when a task opens (``store.save``). After an atasan moves, a unit is
re-parented or a PLT/PLH starts or ends, ``reroute_all`` resolves the lane of every open
task again from the current org tree and, where the people differ, rewrites the task's
assignee and candidates, logs an ``instance_event`` of kind ``rerouted`` (before/after) and
tells the new people (the ``store.on_new_tasks`` listeners; each person hears of a task once).
Each instance is re-routed in a transaction of its own, under the instance lock, so a
concurrent completion either happens before (and the task is gone) or gets a 409.
``planned_moves`` is the same computation without writing: the preview before an import.
An instance held in ``error`` because a lane found nobody goes on by itself once the change gives that
lane people (``resume_lane_errors``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from sqlalchemy import delete, distinct, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.util.task import TaskState

from core.db import write_transaction
from core.errors import DomainError

from . import store
from .instances import Run, _lock, advance, load
from .models import HumanTask, HumanTaskCandidate, Instance


@dataclass
class Move:
    """One open task whose lane now resolves to other people (``problem``: it resolves to nobody)."""

    instance_id: int
    business_key: str
    task_id: str
    task_name: str
    lane: str
    before: list[int]
    after: list[int] = field(default_factory=list)
    problem: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


ReroutedListener = Callable[[Session, Instance, list, dict], None]
_LISTENERS: list[ReroutedListener] = []


def on_rerouted(fn: ReroutedListener) -> ReroutedListener:
    """Register ``fn(session, instance, moves, task_data)``, called in the re-routing transaction."""
    _LISTENERS.append(fn)
    return fn


def _candidates(row: HumanTask) -> list[int]:
    ids = sorted(c.pegawai_id for c in row.candidates)
    if row.assignee_id in ids:  # the assignee first, as at save
        ids.remove(row.assignee_id)
        ids.insert(0, row.assignee_id)
    return ids


def _moves_of(session: Session, instance: Instance, workflow) -> list[tuple[Move, HumanTask, object]]:
    found = []
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                           .order_by(HumanTask.created_at, HumanTask.id))
    for row in rows:
        task = workflow.get_task_from_id(store.task_uuid(row.id))
        if task is None or row.assigned_by_admin:  # an admin gave it to someone: it stays with them
            continue
        move = Move(instance.id, instance.business_key, row.id, row.title or row.name, row.lane, _candidates(row))
        try:
            move.after = store.candidates_of(session, instance, task)
        except DomainError as exc:
            move.problem = exc.message
        if move.problem or set(move.after) != set(move.before):
            found.append((move, row, task))
    return found


def _open_instance_ids(session: Session) -> list[int]:
    return list(session.scalars(select(distinct(HumanTask.instance_id)).order_by(HumanTask.instance_id)))


def planned_moves(session: Session, instance_ids: list[int] | None = None) -> list[Move]:
    """What re-routing would change now, in the caller's transaction, writing nothing."""
    moves = []
    for instance_id in instance_ids if instance_ids is not None else _open_instance_ids(session):
        instance = session.get(Instance, instance_id)
        if instance is None or instance.status == "suspended":
            continue
        workflow = load(Run(session, None, instance))
        moves += [m for m, _row, _task in _moves_of(session, instance, workflow)]
    return moves


def reroute_instance(session: Session, instance_id: int, actor_id: int | None, reason: str) -> list[Move]:
    """Re-resolve the open tasks of one instance in one write transaction; returns what changed.

    A task whose lane resolves to nobody keeps its people and is returned with ``problem``.
    """
    with write_transaction(session):
        instance = _lock(session, instance_id)
        if instance.status == "suspended":
            return []
        workflow = load(Run(session, actor_id, instance))
        found = _moves_of(session, instance, workflow)
        moved = [(m, row, task) for m, row, task in found if not m.problem]
        for move, row, task in moved:
            session.execute(delete(HumanTaskCandidate).where(HumanTaskCandidate.human_task_id == row.id))
            session.expire(row, ["candidates"])
            row.assignee_id = move.after[0] if len(move.after) == 1 else None
            for pegawai_id in move.after:
                session.add(HumanTaskCandidate(human_task_id=row.id, pegawai_id=pegawai_id))
            store.log_event(session, instance, "rerouted", actor_id, task=task, reason=reason,
                            data={"lane": row.lane, "before": move.before, "after": move.after})
        if moved:
            instance.updated_at = store.now()  # bumps the version: a concurrent save loses with a 409
            session.flush()
            for _m, row, _t in moved:
                session.refresh(row, ["candidates"])
            store.tell_new_tasks(session, instance, [(row, task) for _m, row, task in moved], actor_id)
            for listener in _LISTENERS:
                listener(session, instance, [m for m, _r, _t in moved], moved[0][2].data)
        return [m for m, _r, _t in found]


def reroute_all(session: Session, actor_id: int | None, reason: str,
                instance_ids: list[int] | None = None) -> dict:
    """Re-route every instance with open tasks (or the given ones), each in its own transaction."""
    moved, problems, instances = [], [], 0
    for instance_id in instance_ids if instance_ids is not None else _open_instance_ids(session):
        try:
            result = reroute_instance(session, instance_id, actor_id, reason)
        except (StaleDataError, DomainError) as exc:  # changed meanwhile: the next run picks it up
            problems.append({"instance_id": instance_id, "problem": getattr(exc, "message", str(exc))})
            continue
        instances += bool([m for m in result if not m.problem])
        moved += [m.as_dict() for m in result if not m.problem]
        problems += [m.as_dict() for m in result if m.problem]
    resumed = resume_lane_errors(session, actor_id, reason) if instance_ids is None else []
    return {"instance": instances, "tugas": moved, "masalah": problems, "dilanjutkan": resumed}


def _held_by_a_lane(instance: Instance | None) -> bool:
    return instance is not None and instance.status == "error" and bool((instance.last_error or {}).get("lane"))


def resume_lane_errors(session: Session, actor_id: int | None, reason: str) -> list[int]:
    """Instances held in ``error`` by a lane that found nobody (``store.lane_error``) go on once every
    waiting user task of theirs has people again; each in its own transaction. Returns their ids."""
    resumed = []
    for instance_id in list(session.scalars(select(Instance.id).where(Instance.status == "error"))):
        if not _held_by_a_lane(session.get(Instance, instance_id)):
            continue
        try:
            with write_transaction(session):
                instance = _lock(session, instance_id)
                if _held_by_a_lane(instance) and _resume(session, instance, actor_id, reason):
                    resumed.append(instance_id)
        except (StaleDataError, DomainError):
            continue  # changed meanwhile, or a task failed otherwise: the admin console shows it
    return resumed


def _resume(session: Session, instance: Instance, actor_id: int | None, reason: str) -> bool:
    run = Run(session, actor_id, instance)
    workflow = load(run)
    opened = set(session.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance.id)))
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if str(task.id) not in opened:
            try:
                store.candidates_of(session, instance, task)
            except DomainError:
                return False
    lane = (instance.last_error or {}).get("lane")
    instance.status, instance.last_error = "running", None
    advance(run, workflow)
    store.save(session, instance, workflow, actor_id)
    store.log_event(session, instance, "rerouted", actor_id, reason=reason, from_status="error",
                    to_status=instance.status, data={"lane": lane, "dilanjutkan": True})
    return True
