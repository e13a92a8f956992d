"""The instance's event log (``instance_event``, append-only): one row per thing that happened to it.

An event is added to the session as it is logged, except while a completion holds the events of its
instance (``held``): from the task's completion until the save, they wait in ``session.info`` and the save
writes them with its other rows (``take``), on PostgreSQL in the same statement. They keep the order they
were logged in (their ids are ordered as before). A step that fails inside its savepoint drops the events
it logged (``mark`` / ``rewind``), as the savepoint drops its rows.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.orm import Session

from core.memo import forget_at_transaction_end

from . import clock
from .models import Instance, InstanceEvent

_HELD = "ekinerja.held_events"
forget_at_transaction_end(_HELD)


def log_event(session: Session, instance: Instance, kind: str, actor_id: int | None = None, task=None,
              reason: str = "", data: dict | None = None, from_status: str | None = None,
              to_status: str | None = None) -> InstanceEvent:
    row = InstanceEvent(
        instance_id=instance.id, at=clock.now(), kind=kind, actor_id=actor_id,
        task_id=str(task.id) if task is not None else None,
        bpmn_id=task.task_spec.bpmn_id if task is not None else None,
        task_name=(task.task_spec.bpmn_name if task is not None else None),
        reason=reason, data=data, from_status=from_status, to_status=to_status)
    held = session.info.get(_HELD, {}).get(instance.id)
    if held is None:
        session.add(row)
    else:
        held.append(row)
    return row


@contextmanager
def held(session: Session, instance: Instance):
    """Hold the events logged about ``instance`` inside the block for its save (``take``); any the block
    leaves untaken when it ends normally are added to the session."""
    holding = session.info.setdefault(_HELD, {})
    holding[instance.id] = []
    ok = False
    try:
        yield
        ok = True
    finally:
        left = session.info.get(_HELD, {}).pop(instance.id, None)
        if ok and left:
            session.add_all(left)


def take(session: Session, instance: Instance) -> list[InstanceEvent]:
    """The events held for ``instance`` (they are the caller's to write); later ones are added as logged."""
    return session.info.get(_HELD, {}).pop(instance.id, None) or []


def mark(session: Session) -> dict[int, int] | None:
    """How many events are held per instance now, for ``rewind``."""
    holding = session.info.get(_HELD)
    return {key: len(rows) for key, rows in holding.items()} if holding else None


def rewind(session: Session, marked: dict[int, int] | None) -> None:
    """Drop the events held since ``mark`` (a step whose savepoint was rolled back)."""
    holding = session.info.get(_HELD)
    if not holding:
        return
    for key, rows in holding.items():
        del rows[(marked or {}).get(key, 0):]
