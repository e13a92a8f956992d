"""Database engine, sessions and the one place that opens a write transaction.

SQLite is the embedded default (WAL mode, so readers never wait for a writer);
PostgreSQL is the production database. Write transactions take the database's
write lock up front on SQLite (``BEGIN IMMEDIATE``) so two writers queue instead
of failing on a stale snapshot; on PostgreSQL the use case locks the rows it
changes (``SELECT … FOR UPDATE``).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run a block in one write transaction: all of it is committed, or none of it.

    The session must not be inside a transaction yet (read-only work done before
    is ended first, so the write lock is taken at the start on SQLite).
    """
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


# The database cannot answer now (server down or unreachable, connection dropped, SQLite locked longer than
# its busy timeout, pool exhausted): the request is answered 503 with Retry-After, not 500. The engine
# recovers by itself (pool_pre_ping replaces dead connections), so the client only has to ask again.
UNAVAILABLE_ERRORS = (OperationalError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def end_after_unavailable(session: Session, exc: Exception) -> None:
    """Log the outage in one line and drop the session's transaction (its connection may be dead)."""
    logging.getLogger("ekinerja").warning("database unavailable: %s", str(exc).split("\n")[0])
    try:
        session.rollback()
    except SQLAlchemyError:
        session.invalidate()
