"""Database engine, sessions and the one place that opens a write transaction.

SQLite is the embedded default (WAL mode, so readers never wait for a writer);
PostgreSQL is the production database. Write transactions take the database's
write lock up front on SQLite (``BEGIN IMMEDIATE``) so two writers queue instead
of failing on a stale snapshot; on PostgreSQL the use case locks the rows it
changes (``SELECT … FOR UPDATE``).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable, Iterator

from sqlalchemy import JSON, DateTime, MetaData, bindparam, create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .memo import read_kept

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """An instant, stored in UTC and read back aware (UTC) on every database.

    SQLite keeps no offset: SQLAlchemy would store an aware value's wall time as it is and read
    it back naive. Converting to UTC on the way in and attaching UTC on the way out makes both
    databases agree; a naive value is refused, since nobody can tell which zone it meant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UtcDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} would be stored without its time zone")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event below decide how a transaction starts.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


_WRITING = "ekinerja.write_transaction"


class NestedTransaction(RuntimeError):
    """A programming error: a use case opened a write transaction inside another one."""


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run a block in one write transaction: all of it is committed, or none of it.

    One use case owns the transaction: opening a second one inside it raises ``NestedTransaction``
    instead of silently rolling the outer work back. Read-only work done before is ended first,
    so the write lock is taken at the start on SQLite.
    """
    if session.info.get(_WRITING):
        raise NestedTransaction("write_transaction inside another write transaction: let the outer use case "
                                "own the transaction and call the inner one's in-transaction variant")
    if session.in_transaction():
        # a read that only checked who asks (core.memo.keep_read) is committed: what it loaded stays loaded
        session.commit() if read_kept(session) else session.rollback()
    session.connection(execution_options={"write": True})
    session.info[_WRITING] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_WRITING, None)


def in_write_transaction(session: Session) -> bool:
    return bool(session.info.get(_WRITING))


def lock_row(session: Session, model, row_id: int) -> None:
    """``SELECT … FOR UPDATE`` of one row, so that the checks that follow see what a concurrent
    writer of the same parent committed (PostgreSQL). SQLite serializes write transactions
    (``BEGIN IMMEDIATE``) and ignores it."""
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


def _violated(exc: IntegrityError, constraint) -> bool:
    """Whether the database refused the write because of ``constraint`` (an Index or a constraint name)."""
    name = constraint if isinstance(constraint, str) else constraint.name
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        return getattr(diag, "constraint_name", None) == name
    if isinstance(constraint, str):
        return False
    # SQLite names the columns: "UNIQUE constraint failed: skp.pegawai_id, skp.tahun, skp.jabatan_id"
    columns = ", ".join(f"{constraint.table.name}.{c.name}" for c in constraint.columns)
    return str(exc.orig).endswith(columns)


@contextmanager
def refused_as(session: Session, constraint, error: Callable[[], Exception]) -> Iterator[None]:
    """Run the block (and a flush) in a savepoint; when the database refuses it because of
    ``constraint`` (a concurrent request won a race the checks before could not see), undo only
    the block and raise ``error()`` instead, leaving the session's transaction usable."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        if not _violated(exc, constraint):
            raise
        raise error() from None
# The database cannot answer now (server down or unreachable, connection dropped, SQLite locked longer than
# its busy timeout, pool exhausted): the request is answered 503 with Retry-After, not 500. The engine
# recovers by itself (pool_pre_ping replaces dead connections), so the client only has to ask again.
UNAVAILABLE_ERRORS = (OperationalError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


COLLISION_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure


def collided(exc: Exception) -> bool:
    """Whether the database refused the transaction because a concurrent one collided with it (a deadlock
    or a serialization failure on PostgreSQL): the request conflicts (409) and may be repeated; the
    database itself is fine."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in COLLISION_SQLSTATES


COLLISION_MESSAGE = "Permintaan ini bertabrakan dengan permintaan lain pada saat yang sama; muat ulang dan coba lagi"


def end_after_unavailable(session: Session, exc: Exception) -> None:
    """Log the outage in one line and drop the session's transaction (its connection may be dead)."""
    logging.getLogger("ekinerja").warning("database unavailable: %s", str(exc).split("\n")[0])
    try:
        session.rollback()
    except SQLAlchemyError:
        session.invalidate()


def insert_one_skipping_conflict(session: Session, model, values: dict, unique_column: str):
    """``INSERT … ON CONFLICT (unique_column) DO NOTHING RETURNING *`` of one row of ``model`` (PostgreSQL,
    SQLite): the new row as a loaded ORM object, or None when its key exists (also when a concurrent
    transaction inserted it meanwhile). NotImplemented on a database without the clause.

    A textual statement, built once per table, columns and dialect: SQLAlchemy 2.0 compiles the dialects'
    ``insert().on_conflict_do_nothing()`` again on every execution (it is not cacheable, sqlalchemy#10445),
    which cost 2 ms CPU per row."""
    dialect = session.get_bind().dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return NotImplemented
    statement = _one_row_skipping_conflict(model, tuple(values), unique_column, dialect.name,
                                           dialect.identifier_preparer)
    return session.scalars(statement, values).first()


@lru_cache(maxsize=64)
def _one_row_skipping_conflict(model, columns: tuple[str, ...], unique_column: str, _dialect_name: str, preparer):
    table = model.__table__
    quote = preparer.quote
    sql = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(':' + c for c in columns)}) ON CONFLICT ({quote(unique_column)}) DO NOTHING "
           f"RETURNING {', '.join(quote(c.name) for c in table.columns)}")
    statement = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return select(model).from_statement(statement.columns(*table.columns))


def insert_rows_skipping_conflict(session: Session, model, rows: list[dict], unique_column: str,
                                  ids_only: bool = False) -> list:
    """``insert_one_skipping_conflict`` for any number of rows of ``model`` in ONE statement that is built and
    compiled once (per table, columns and dialect): the rows travel as one JSON parameter, read by
    ``json_populate_recordset`` on PostgreSQL and ``json_each`` on SQLite, after each column's own bind
    processing (so that they are stored as the ORM would store them). Every row has the same keys. Returns the
    new rows as loaded ORM objects in no particular order (with ``ids_only``, their ids); NotImplemented on a
    database without ``ON CONFLICT``."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name not in ("postgresql", "sqlite"):
        return NotImplemented
    columns = tuple(rows[0])
    if any(tuple(row) != columns for row in rows):
        raise ValueError(f"every row needs the keys {columns}")
    statement, processors = _rows_skipping_conflict(model, columns, unique_column, ids_only, dialect)
    payload = json.dumps([{c: process(row[c]) if process else row[c] for c, process in zip(columns, processors)}
                          for row in rows], default=json_scalar)
    return list(session.scalars(statement, {"rows": payload}))


@lru_cache(maxsize=64)
def _rows_skipping_conflict(model, columns: tuple[str, ...], unique_column: str, ids_only: bool, dialect):
    table = model.__table__
    preparer = dialect.identifier_preparer
    quote, name = preparer.quote, preparer.format_table(table)
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":
        source = f"SELECT {names} FROM json_populate_recordset(NULL::{name}, CAST(:rows AS json))"
    else:  # WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT
        values = ", ".join(f"json_extract(value, '$.{c}')" for c in columns)
        source = f"SELECT {values} FROM json_each(:rows) WHERE true"
    returned = [table.c.id] if ids_only else list(table.columns)
    sql = (f"INSERT INTO {name} ({names}) {source} ON CONFLICT ({quote(unique_column)}) DO NOTHING "
           f"RETURNING {', '.join(quote(c.name) for c in returned)}")
    statement = text(sql).columns(*returned)
    if not ids_only:
        statement = select(model).from_statement(statement)
    # a JSON column's value goes into the JSON as it is (its own processing would encode it a second time)
    processors = [None if isinstance(table.c[c].type, JSON) else
                  table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    return statement, processors


def json_scalar(value):
    """``json.dumps``'s ``default`` for the rows a statement reads from JSON: dates and instants in ISO 8601."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written as JSON")
