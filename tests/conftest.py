"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server, database ``test``).
Outside CI an unreachable server skips those runs with the reason; in CI it fails them.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.orm import close_all_sessions

from app.db import Base, make_engine, make_sessionmaker

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
    # A session a test left open (an in-process CLI, a failed assertion before close()) must not keep its
    # locks: TRUNCATE would wait for it until the test times out.
    close_all_sessions()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))  # fail with a message rather than hang
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


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


@pytest.fixture
def app(engine, database_url):
    """The service on a fresh database with the shipped diagrams deployed and the demo instansi loaded."""
    from pathlib import Path

    from app import create_app
    from app.db import write_transaction
    from app.kinerja.demo import load_demo
    from workflows.definitions import deploy, read_dir

    clean(engine)
    flask_app = create_app({"DATABASE_URL": database_url, "TESTING": True, "PASSWORD_HASH_FAST": True,
                            "SECRET_KEY": "test-secret", "JOBS_AFTER_RESPONSE": False})
    session = flask_app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, read_dir(Path(flask_app.config["BPMN_DIR"])))
    flask_app.config["DEMO_ACCOUNTS"] = load_demo(session, DEMO_TAHUN, fast_hash=True)
    session.close()
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
