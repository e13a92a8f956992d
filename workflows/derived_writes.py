"""Writing the derived rows a save changes (human tasks with their candidates, timers, element rows, message
subscriptions): ``store`` compares them with the workflow and hands over what to delete and add, collected
here (``collecting``, ``adding``, ``deleting``); ``write_derived`` sends them. On PostgreSQL everything goes
in ONE statement, the instance's versioned UPDATE and the completion's held events (``event_log``) with them.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import JSON, String, bindparam, cast, func, insert, inspect, literal_column, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from core.db import json_scalar

from .models import HumanTask, HumanTaskCandidate, Instance, InstanceElement, InstanceEvent, MessageSubscription, Timer

_DELETES = "ekinerja.derived_deletes"
_ADDS = "ekinerja.derived_adds"
_INSERT_ORDER = (HumanTask, HumanTaskCandidate, Timer, InstanceElement, MessageSubscription)


def adding(session: Session, row) -> None:
    """A new derived row: collected while ``collecting`` them together, else added to the session."""
    _collect(session, _ADDS, row, session.add)


def deleting(session: Session, statement) -> None:
    """A DELETE of derived rows: collected while ``collecting``, and sent with the others; else sent now."""
    _collect(session, _DELETES, statement, session.execute)


@contextmanager
def collecting(session: Session, adds_too: bool):
    """Collect the DELETEs (and with ``adds_too`` the new rows) that ``deleting`` and ``adding`` get inside the
    block, for one ``write_derived``; yields the ``Collected``."""
    collected = Collected()
    session.info[_DELETES] = collected.deletes
    if adds_too:
        session.info[_ADDS] = collected.adds
    try:
        yield collected
    finally:
        session.info.pop(_DELETES, None)
        session.info.pop(_ADDS, None)


@dataclass
class Collected:
    deletes: list = field(default_factory=list)
    adds: list = field(default_factory=list)


def _collect(session: Session, key: str, item, otherwise) -> None:
    collected = session.info.get(key)
    if collected is None:
        otherwise(item)
    else:
        collected.append(item)


def _as_one(statements: list):
    """The statements as one: the others as data-modifying CTEs of the last (PostgreSQL)."""
    last = statements[-1]
    for n, statement in enumerate(statements[:-1]):
        last = last.add_cte(statement.cte(f"derived_{n}"))
    return last


def write_derived(session: Session, collected: Collected, one_statement: bool, instance: Instance | None = None,
                  events: list = ()) -> None:
    """The DELETEs of the derived rows a step leaves behind and the INSERTs of those collected by ``adding``
    (tasks with their candidates, timers, elements, subscriptions). ``one_statement`` (PostgreSQL): all of
    them as ONE statement, the others as data-modifying CTEs of the last (a completion wrote them with five),
    with the INSERT of ``events`` (``event_log.held``), the last being the UPDATE of ``instance`` when given
    (``_instance_update``); else one after the other, the events and the instance left to the flush.
    Inserted derived rows then join the session as persistent objects, as if a flush had written them."""
    deletes, adds = collected.deletes, collected.adds
    rows: dict[type, list] = {cls: [] for cls in _INSERT_ORDER}
    for row in adds:
        rows[type(row)].append(row)
        for candidate in getattr(row, "candidates", None) or []:
            candidate.human_task_id = row.id
            rows[HumanTaskCandidate].append(candidate)
    inserts = [(cls.__table__, [_column_values(row) for row in found]) for cls, found in rows.items() if found]
    updated, params = None, {}
    if one_statement and instance is not None and inspect(instance).persistent:
        if events:  # written here, not added to the session: nothing reads their ids
            inserts.append((InstanceEvent.__table__, [_column_values(e) for e in events]))
        updated, committed = _instance_update(instance)
    else:
        session.add_all(events)
    if one_statement:
        statements = [*deletes, *(_json_insert(table, found, params) for table, found in inserts)]
    else:
        statements = [*deletes, *(insert(table).values(found) for table, found in inserts)]
    if updated is not None:
        statements.append(updated)
    if one_statement and len(statements) > 1:
        statements = [_as_one(statements)]
    for statement in statements:
        result = session.execute(statement, params)
    if updated is not None:
        if result.first() is None:
            raise StaleDataError(f"instance {instance.id} was saved by another transaction "
                                 f"(version {instance.version})")
        for key, value in committed.items():
            set_committed_value(instance, key, value)
    for found in rows.values():
        for row in found:
            make_transient_to_detached(row)
    session.add_all(adds)  # persistent now: no INSERT at the flush (their candidates come with them)


_JSON_INSERTS: dict[str, object] = {}


def _json_insert(table, found: list[dict], params: dict):
    """``INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(NULL::table, :rows_table)``
    for the rows ``found`` (PostgreSQL), their JSON put in ``params``. One statement for any number of rows,
    which SQLAlchemy compiles once: a multi-row ``VALUES`` cannot be cached and was compiled again at every
    save (2.3 ms CPU of a completion's 23)."""
    params[f"rows_{table.name}"] = json.dumps(found, default=json_scalar)
    if table.name not in _JSON_INSERTS:
        names = list(found[0])  # every column but a serial id left to the database (_column_values)
        rows = func.json_populate_recordset(
            literal_column(f"NULL::{table.name}"), cast(bindparam(f"rows_{table.name}", type_=String()), JSON)
        ).table_valued(*names).alias(f"rows_{table.name}")
        _JSON_INSERTS[table.name] = insert(table).from_select(names, select(*(rows.c[n] for n in names)))
    return _JSON_INSERTS[table.name]



def _instance_update(instance: Instance):
    """The versioned UPDATE the flush would send for the instance's changed columns (``WHERE version =`` the
    version read, ``RETURNING`` its id, so that no row back means another transaction saved it), and the
    values the instance then holds as committed."""
    state = inspect(instance)
    changed = {}
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history
        if history.added:
            changed[attribute.key] = history.added[0]
    version = instance.version
    changed["version"] = version + 1
    table = Instance.__table__
    statement = (update(table).where(table.c.id == instance.id, table.c.version == version)
                 .values(**changed).returning(table.c.id))
    return statement, changed


def _column_values(row) -> dict:
    """Every column of a new row, the model's scalar default where it was not set (set on the row too, so that
    nothing of it is left to load); a primary key not set is left to the database (an event's serial id)."""
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if value is None and column.primary_key:
            continue
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
            setattr(row, column.key, value)
        values[column.key] = value
    return values
