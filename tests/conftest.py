"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server, database ``test``).
Outside CI an unreachable server skips those runs with the reason; in CI it fails them.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import Integer, text
from sqlalchemy.orm import close_all_sessions

from core.db import Base, make_engine, make_sessionmaker

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        engine = make_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - the reason is shown in the skip
        return f"PostgreSQL at {PG_URL} is not reachable: {exc.__class__.__name__}: {str(exc)[:120]}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    reason = _pg_reachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # A schema of this run's own, so that concurrent runs on one database never meet.
    schema = f"ekinerja_test_{os.getpid()}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    """A database with the schema built by the Alembic migrations, from empty."""
    from app.migrate import upgrade, drop_everything

    engine = make_engine(database_url)
    drop_everything(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


def clean(engine) -> None:
    """Empty every table (and restart the ids), as a fresh migrated database."""
    restore(engine, {})


def restore(engine, rows: dict[str, list[dict]]) -> None:
    """Make the database hold exactly ``rows`` (table name → rows), ids restarting after the largest.

    DELETE of a few small tables is much cheaper than TRUNCATE of all of them on PostgreSQL, and
    copying a template's rows back is much cheaper than deploying the diagrams and loading the demo
    again for every test.
    """
    # A session a test left open (an in-process CLI, a failed assertion before close()) must not keep its
    # locks: the DELETE would wait for it until the test times out.
    close_all_sessions()
    tables = Base.metadata.sorted_tables
    with engine.begin() as conn:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))  # fail with a message rather than hang
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # rows of a cycle of foreign keys
        else:
            conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        if postgres:
            for table in tables:
                key = list(table.primary_key.columns)
                if len(key) == 1 and isinstance(key[0].type, Integer):
                    conn.execute(text(
                        f"SELECT setval(seq, COALESCE((SELECT MAX({key[0].name}) FROM {table.name}), 0) + 1, false) "
                        f"FROM pg_get_serial_sequence('{table.name}', '{key[0].name}') AS seq WHERE seq IS NOT NULL"))


def snapshot(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in Base.metadata.sorted_tables}


@pytest.fixture
def db_session(engine):
    clean(engine)
    session = make_sessionmaker(engine)()
    yield session
    session.close()


@pytest.fixture(autouse=True)
def _real_clock():
    """Every test starts and ends with the real time, whatever it moved the clock to."""
    from workflows import clock

    clock.reset()
    yield
    clock.reset()


DEMO_TAHUN = 2026
DEMO_PASSWORD = "ekinerja-demo"


_TEMPLATES: dict[str, tuple[dict, list]] = {}


@pytest.fixture
def app(engine, database_url):
    """The service on a fresh database with the shipped diagrams deployed and the demo instansi loaded.

    The first test of a run builds that database (deploy, demo load) and keeps its rows as a template;
    every later test gets a copy of the template's rows.
    """
    from pathlib import Path

    from app import create_app
    from core.db import write_transaction
    from app.kinerja.demo import load_demo
    from workflows.definitions import deploy, read_dir

    flask_app = create_app({"DATABASE_URL": database_url, "TESTING": True, "PASSWORD_HASH_FAST": True,
                            "SECRET_KEY": "test-secret", "JOBS_AFTER_RESPONSE": False})
    if database_url in _TEMPLATES:
        rows, accounts = _TEMPLATES[database_url]
        restore(engine, rows)
        flask_app.config["DEMO_ACCOUNTS"] = [dict(a) for a in accounts]
    else:
        clean(engine)
        session = flask_app.extensions["db_sessionmaker"]()
        with write_transaction(session):
            deploy(session, read_dir(Path(flask_app.config["BPMN_DIR"])))
        flask_app.config["DEMO_ACCOUNTS"] = load_demo(session, DEMO_TAHUN, fast_hash=True)
        session.close()
        _TEMPLATES[database_url] = (snapshot(engine), [dict(a) for a in flask_app.config["DEMO_ACCOUNTS"]])
    yield flask_app
    flask_app.extensions["db_engine"].dispose()


@pytest.fixture
def run_jobs(app):
    """Run the due background jobs (the outbox: e.g. archiving an approved SKP) as the scheduler would;
    returns the counts per outcome. The app fixture leaves them to this (no run after the response)."""
    from app import jobs

    def run(worker: str = "test"):
        return jobs.run_due(app.extensions["db_sessionmaker"], worker)
    return run


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """Calls the JSON API as one demo account."""

    def __init__(self, client, nip):
        self.client = client
        self.nip = nip
        response = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(f"/api/v1{path}", headers=self.headers, json=json, **kw)


@pytest.fixture
def accounts(app):
    return app.config["DEMO_ACCOUNTS"]


@pytest.fixture
def as_user(client):
    return lambda nip: Api(client, nip)


def find(accounts, jabatan_prefix):
    return next(a for a in accounts if a["jabatan"].startswith(jabatan_prefix))
