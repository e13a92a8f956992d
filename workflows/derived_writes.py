"""Writing the derived rows a save changes (human tasks with their candidates, timers, element rows, message
subscriptions): ``store`` compares them with the workflow and hands over what to delete and add, collected
here (``collecting``, ``adding``, ``deleting``); ``write_derived`` sends them. On PostgreSQL everything goes
in ONE statement, the instance's versioned UPDATE and the completion's held events (``event_log``) with them.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (JSON, String, bindparam, cast, delete, func, insert, inspect, literal_column, select,
                        tuple_, update)
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


def deleting(session: Session, model, keys) -> None:
    """Derived rows of ``model`` that go, by their keys (ids; for message subscriptions (task id, message name)
    pairs): collected while ``collecting``, and sent with the others; else sent now. Their DELETE is built once
    per model, the keys an expanding parameter, so that SQLAlchemy compiles it once (``_gone``)."""
    collected = session.info.get(_DELETES)
    if collected is None:
        session.execute(_gone(model), {_gone_key(model): list(keys)})
    else:
        collected.setdefault(model, []).extend(keys)


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
    deletes: dict = field(default_factory=dict)  # model: keys of its rows that go
    adds: list = field(default_factory=list)


def _collect(session: Session, key: str, item, otherwise) -> None:
    collected = session.info.get(key)
    if collected is None:
        otherwise(item)
    else:
        collected.append(item)


def _gone_key(model) -> str:
    return f"gone_{model.__tablename__}"


@lru_cache(maxsize=None)
def _gone(model):
    """``DELETE FROM <model's table> WHERE <key> IN (:gone_<table>)``, the keys given at execution."""
    key = (tuple_(MessageSubscription.task_id, MessageSubscription.message_name) if model is MessageSubscription
           else model.id)
    return delete(model).where(key.in_(bindparam(_gone_key(model), expanding=True)))


@lru_cache(maxsize=256)
def _as_one(deletes: tuple, inserts: tuple, updated: tuple | None):
    """ONE statement (PostgreSQL) of the DELETEs of ``deletes`` (models), the INSERTs of ``inserts`` (tables)
    and, with ``updated`` (the instance's changed columns), its versioned UPDATE: the others as data-modifying
    CTEs of the last. Built once per such shape of a save; every value is a parameter, so the same object is
    executed again and SQLAlchemy neither rebuilds it nor walks it for its cache key (0.7 ms CPU per save)."""
    statements = [*(_gone(model) for model in deletes), *(_JSON_INSERTS[table.name] for table in inserts)]
    if updated is not None:
        statements.append(_instance_update_statement(updated))
    last = statements[-1]
    for n, statement in enumerate(statements[:-1]):
        last = last.add_cte(statement.cte(f"derived_{n}"))
    return last


def write_derived(session: Session, collected: Collected, one_statement: bool, instance: Instance | None = None,
                  events: list = (), written: dict | None = None) -> None:
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
    updated, params = None, {_gone_key(model): keys for model, keys in deletes.items()}
    if one_statement and instance is not None and inspect(instance).persistent:
        if events:  # written here, not added to the session: nothing reads their ids
            inserts.append((InstanceEvent.__table__, [_column_values(e) for e in events]))
        updated, committed = _instance_update(instance, params, written or {})
    else:
        if written:
            raise ValueError("the instance's values were set as committed, but no statement here writes them")
        session.add_all(events)
    if one_statement:
        for table, found in inserts:
            _json_insert(table, found, params)
        statements = []
        if deletes or inserts or updated:
            statements = [_as_one(tuple(deletes), tuple(table for table, _ in inserts), updated)]
    else:
        statements = [*(_gone(model) for model in deletes), *(insert(table).values(found) for table, found in inserts)]
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


def _instance_update(instance: Instance, params: dict, written: dict) -> tuple[tuple, dict]:
    """The versioned UPDATE of the instance's changed columns and of the values ``written`` (set as committed
    already, ``store._write_state``) (``WHERE version =`` the version read, ``RETURNING`` its id, so that no row
    back means another transaction saved it): its values put in ``params``; returns the changed columns (the
    statement's shape, ``_instance_update_statement``) and the values the instance then holds as committed."""
    state = inspect(instance)
    changed = dict(written)
    for attribute in state.mapper.column_attrs:  # set after them (a lane that cannot resolve: status "error")
        history = state.attrs[attribute.key].history
        if history.added:
            changed[attribute.key] = history.added[0]
    changed["version"] = instance.version + 1
    params.update({f"instance_new_{key}": value for key, value in changed.items()},
                  instance_id=instance.id, instance_version_read=instance.version)
    return tuple(changed), changed


@lru_cache(maxsize=64)
def _instance_update_statement(columns: tuple):
    table = Instance.__table__
    return (update(table).where(table.c.id == bindparam("instance_id"),
                                table.c.version == bindparam("instance_version_read"))
            .values({key: bindparam(f"instance_new_{key}") for key in columns}).returning(table.c.id))


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
