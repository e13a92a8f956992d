"""Schema migrations (Alembic), run from code: ``ekinerja db upgrade`` and the test fixtures."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def known_revisions() -> list[str]:
    """Every revision of this version's migrations, oldest first (the last one is head)."""
    script = ScriptDirectory.from_config(alembic_config(None))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


class ForeignKeysViolated(RuntimeError):
    """The migrated data breaks a foreign key: the upgrade is rolled back."""


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off on SQLite while the migrations run (no-op on PostgreSQL).

    Batch mode rebuilds a table (copy, ``DROP TABLE``, rename): with foreign keys on, the drop deletes
    every row referencing it through ``ON DELETE CASCADE`` or fails. The pragma is ignored inside a
    transaction, so it is set on the connection before the migration transaction begins, and set back
    after it ended (the connection returns to the pool).
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError("PRAGMA foreign_keys=OFF had no effect (a transaction was already open)")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(connection: Connection) -> None:
    """Raise ForeignKeysViolated (inside the migration transaction, so it rolls back) on SQLite when a row
    references a missing row; PostgreSQL checks its constraints itself."""
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        listed = "; ".join(f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _fk in violations[:10])
        raise ForeignKeysViolated(f"Migrasi dibatalkan: {len(violations)} baris melanggar foreign key ({listed})")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("select version_num from alembic_version")).scalar()


def drop_everything(engine: Engine) -> None:
    """Drop our tables and Alembic's bookkeeping (tests start from an empty database)."""
    from app import models  # noqa: F401 - registers every table on the metadata
    from core.db import Base

    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
