"""What every benchmark measures with: CPU time, wall time and SQL statements per step, and a
PostgreSQL schema of the benchmark's own (so a run never touches the tests' or another run's tables).

Scripts under bench/ import it as ``measure`` (``python bench/x.py`` puts bench/ on ``sys.path``).
"""
from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import event, text

DEFAULT_PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class SqlCounter:
    """Counts the statements an engine sends (SQLAlchemy ``before_cursor_execute``)."""

    def __init__(self, engine):
        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs):
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


class Steps:
    """Wall ms, CPU ms (``time.process_time``) and SQL statements of each call, by step name."""

    def __init__(self, counter: SqlCounter | None = None):
        self.counter = counter
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.sql: dict[str, list[int]] = {}

    @contextmanager
    def step(self, name: str):
        c0 = self.counter.count if self.counter else 0
        w0, p0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.cpu.setdefault(name, []).append((time.process_time() - p0) * 1000)
            self.wall.setdefault(name, []).append((time.perf_counter() - w0) * 1000)
            self.sql.setdefault(name, []).append((self.counter.count if self.counter else 0) - c0)

    def summary(self, name: str) -> str:
        """'wall median/min ms, CPU median ms, SQL median' of one step, for one line of output."""
        w, c, q = self.wall[name], self.cpu[name], self.sql[name]
        return (f"wall {statistics.median(w):.1f} ms (min {min(w):.1f}), CPU {statistics.median(c):.1f} ms, "
                f"{statistics.median(q):.0f} SQL statements")


def pg_unreachable(url: str) -> str | None:
    """None when PostgreSQL at ``url`` answers, else the reason."""
    from core.db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - printed as the reason
        return f"not reachable: {exc.__class__.__name__}: {str(exc).splitlines()[0][:140]}"
    return None


@contextmanager
def pg_schema(base_url: str, prefix: str):
    """A fresh schema ``<prefix>_<pid>`` in the ``base_url`` database; yields the URL whose search_path is that
    schema, and drops it afterwards (also on errors)."""
    from core.db import make_engine

    schema = f"{prefix}_{os.getpid()}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
