"""While the database cannot answer, requests get 503 with Retry-After (JSON under /api/v1, an Indonesian page
elsewhere), and the service recovers by itself once it can."""
from __future__ import annotations

import os
import sqlite3

import pytest
import sqlalchemy as sa
from conftest import DEMO_PASSWORD, PG_URL, find

from app import create_app
from app.auth import _serializer
from core.db import make_engine
from app.migrate import upgrade


def _app(url: str):
    return create_app({"DATABASE_URL": url, "TESTING": True, "PASSWORD_HASH_FAST": True, "SECRET_KEY": "test-secret"})


def assert_unavailable_json(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert "Basis data" in response.get_json()["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0


def assert_unavailable_page(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html"
    assert "Layanan sedang tidak tersedia" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_unreachable_database_answers_503_then_recovers(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'not-yet' / 'ekinerja.db'}"  # the folder is missing: cannot be opened
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens there
    app = _app(url)
    client = app.test_client()
    with app.app_context():  # a well-signed token: checking it needs the database
        headers = {"Authorization": f"Bearer {_serializer().dumps({'akun': 1, 'v': 0})}"}

    assert_unavailable_json(client.get("/api/v1/me", headers=headers))
    assert_unavailable_json(client.post("/api/v1/auth/token", json={"nip": "199001012020011001", "password": "x"}))
    assert client.get("/healthz").status_code == 200  # the process itself lives
    with client.session_transaction() as s:
        s["akun_id"] = 1
        s["sesi_versi"] = 0
    assert_unavailable_page(client.get("/"))
    assert_unavailable_page(client.get("/skp"))

    if database_url.startswith("sqlite"):  # the database appears: the same app serves without a restart
        (tmp_path / "not-yet").mkdir()
        upgrade(make_engine(url))
        r = client.get("/api/v1/me", headers=headers)  # no such akun in the new, empty database
        assert r.status_code == 401, r.get_json()
    app.extensions["db_engine"].dispose()


def test_killed_postgresql_connections_are_replaced(app, accounts, database_url):
    """pg_terminate_backend on every connection of a running app: the next requests still succeed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server connection to lose")
    name = f"ekinerja_kill_{os.getpid()}"
    served = _app(f"{database_url}&application_name={name}")
    client = served.test_client()
    nip = find(accounts, "Kepala Bidang Aplikasi")["nip"]
    token = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                          "WHERE application_name = :name"), {"name": name}).scalar()
    finally:
        admin.dispose()
    assert killed >= 1
    for _ in range(3):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["nip"] == nip
    served.extensions["db_engine"].dispose()


def test_sqlite_locked_longer_than_the_busy_timeout_answers_503(app, accounts, as_user, database_url):
    """A writer that holds SQLite's lock past the busy timeout: the waiting write answers 503, then works."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL waits for row locks")
    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=200"))
    engine.dispose()
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        assert_unavailable_json(kabid.post("/skp", json={"tahun": 2026, "pendekatan": "KUANTITATIF"}))
    finally:
        holder.rollback()
        holder.close()
    r = kabid.post("/skp", json={"tahun": 2026, "pendekatan": "KUANTITATIF"})
    assert r.status_code == 201, r.get_json()


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def test_a_deadlock_is_a_conflict_not_an_outage(app, client):
    """PostgreSQL aborting one of two colliding transactions is a 409 the caller may repeat, not a 503."""
    from sqlalchemy.exc import OperationalError

    def collide(**_):
        raise OperationalError("INSERT …", {}, _Deadlock("deadlock detected"))

    app.view_functions["api.openapi"] = collide
    app.view_functions["web.login"] = collide
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict", r.get_data(as_text=True)[:300]
    assert "bertabrakan" in r.get_json()["error"]["message"] and "Retry-After" not in r.headers
    page = client.get("/masuk")
    assert page.status_code == 409 and "bertabrakan" in page.get_data(as_text=True)
