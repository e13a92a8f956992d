"""The derived rows an instance has in the database (open human task ids, timers, element rows, message
subscriptions), read so that a save writes only what changed.

``derived_rows`` reads them with one ``UNION ALL``. A task completion reads them in the statement that
reads the task after locking the instance (``as_json_column``, then ``keep``), so its save does not read
them again (``kept``): one statement less per completion. Both readers build ``Derived`` the same way.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from core.memo import forget_at_transaction_end

from . import clock
from .models import HumanTask, Instance, InstanceElement, MessageSubscription, Timer


@dataclass
class Derived:
    """The derived rows an instance has in the database."""

    human_tasks: set[str] = field(default_factory=set)
    timers: dict[str, Timer] = field(default_factory=dict)
    elements: dict[str, InstanceElement] = field(default_factory=dict)
    subscriptions: dict[tuple[str, str], MessageSubscription] = field(default_factory=dict)


def _statement():
    text_, number, instant = (cast(null(), String()), cast(null(), Integer()), cast(null(), Timer.due_at.type))
    instance_id = bindparam("instance_id", type_=Integer())
    names = ("kind", "key", "a", "b", "c", "d", "at", "n1", "n2")  # distinct names: a subquery keeps every column
    first = (literal("t"), Timer.id, Timer.bpmn_id, Timer.event_type, text_, text_, Timer.due_at, number, number)
    return union_all(
        select(*(column.label(name) for column, name in zip(first, names))).where(Timer.instance_id == instance_id),
        select(literal("h"), HumanTask.id, text_, text_, text_, text_, instant, number, number)
        .where(HumanTask.instance_id == instance_id),
        select(literal("e"), InstanceElement.id, InstanceElement.bpmn_id, InstanceElement.state, text_, text_,
               InstanceElement.since, InstanceElement.definition_id, InstanceElement.instansi_id)
        .where(InstanceElement.instance_id == instance_id),
        select(literal("m"), MessageSubscription.task_id, MessageSubscription.bpmn_id,
               MessageSubscription.message_name, MessageSubscription.correlation, MessageSubscription.business_key,
               instant, number, number).where(MessageSubscription.instance_id == instance_id))


_ROWS = _statement()  # built once: building it cost more CPU than running it
# The same rows as one JSON array of arrays, a column of another statement (bind parameter ``instance_id``).
_AGGREGATE = {"postgresql": (func.json_agg, func.json_build_array),
              "sqlite": (func.json_group_array, func.json_array)}
_JSON_COLUMNS: dict = {}


def as_json_column(dialect: str):
    """A scalar subquery giving the rows of the instance ``:instance_id`` as JSON, for ``from_json``."""
    if dialect not in _JSON_COLUMNS:
        aggregate, row = _AGGREGATE[dialect]
        rows = _ROWS.subquery("derived")
        _JSON_COLUMNS[dialect] = select(aggregate(row(*rows.c))).scalar_subquery().label("derived_rows")
    return _JSON_COLUMNS[dialect]


def derived_rows(session: Session, instance_id: int) -> Derived:
    """The instance's open human task ids, timers, element rows and message subscriptions in one
    ``UNION ALL`` (four reads on the save path were a quarter of a completion's statements).

    Timers, elements and subscriptions come back as detached copies: ``save`` writes only what
    changed, by key, with plain DELETE / UPDATE / INSERT statements."""
    return _built(session.execute(_ROWS, {"instance_id": instance_id}), instance_id)


def from_json(value, instance_id: int) -> Derived:
    """``Derived`` from the value of ``as_json_column`` (PostgreSQL gives it parsed, SQLite as text, and
    NULL when the instance has none); instants come as ISO text."""
    if isinstance(value, str):
        value = json.loads(value)
    rows = [(*row[:6], row[6] and dt.datetime.fromisoformat(row[6]), *row[7:]) for row in value or ()]
    return _built(rows, instance_id)


def _built(rows, instance_id: int) -> Derived:
    found = Derived()
    for kind, key, a, b, c, d, when, n1, n2 in rows:
        if kind == "h":
            found.human_tasks.add(key)
        elif kind == "t":
            found.timers[key] = Timer(id=key, instance_id=instance_id, bpmn_id=a, event_type=b, due_at=clock.utc(when))
        elif kind == "e":
            found.elements[key] = InstanceElement(id=key, instance_id=instance_id, bpmn_id=a, state=b,
                                                  since=clock.utc(when), definition_id=n1, instansi_id=n2)
        else:
            found.subscriptions[(key, b)] = MessageSubscription(task_id=key, message_name=b, instance_id=instance_id,
                                                                bpmn_id=a, correlation=c, business_key=d)
    return found


_KEPT = "ekinerja.derived_rows"
forget_at_transaction_end(_KEPT)


def keep(session: Session, instance: Instance, derived: Derived) -> None:
    """Keep what was read of the locked instance for its next save in this session."""
    session.info[_KEPT] = (instance.id, instance.version, derived)


def kept(session: Session, instance: Instance) -> Derived | None:
    """What ``keep`` kept of this instance (taken once), while nothing saved it since; else None."""
    found = session.info.pop(_KEPT, None)
    if found is None or found[0] != instance.id or found[1] != instance.version:
        return None
    return found[2]
