"""An upgrade from every earlier schema revision to head keeps every row, and every instance still loads.

Real data is made at head (two approved SKPs, an opened period with penilaian, a bukti dukung, open tasks,
events); for each revision N known to Alembic, an empty database is upgraded to N, the head rows are
inserted with the columns that exist at N (plain INSERTs of the tables of N), then upgraded to head.
New migrations are covered by this test without touching it.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from conftest import DEMO_TAHUN, PG_URL
from test_bukti_dukung import PDF, opened, upload  # noqa: F401 - fixture
from test_penilaian import admin_of, task_with_form, tetapkan_capaian, two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app import create_app
from app.cli import main
from core.db import Base, make_engine, make_sessionmaker
from app.migrate import current_revision, known_revisions, upgrade

REVISIONS = known_revisions()


def _head_rows(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(t.select()).mappings()] for t in Base.metadata.sorted_tables}


class Target:
    """An empty database of its own (a SQLite file, or a PostgreSQL schema) for one revision."""

    def __init__(self, database_url: str, tmp_path, name: str):
        self.schema = None
        if database_url.startswith("sqlite"):
            self.url = f"sqlite:///{tmp_path / f'{name}.db'}"
        else:
            self.schema = f"ekinerja_upg_{os.getpid()}_{name}"
            self.admin = make_engine(PG_URL)
            with self.admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
                conn.execute(sa.text(f"CREATE SCHEMA {self.schema}"))
            self.url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{self.schema}"
        self.engine = make_engine(self.url)

    def close(self):
        self.engine.dispose()
        if self.schema:
            with self.admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
            self.admin.dispose()


def _insert_as_of_revision(engine, rows: dict[str, list[dict]]) -> None:
    """Insert the head rows into the tables of an older schema, with only the columns it has."""
    old = sa.MetaData()
    old.reflect(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # self-references, any order
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for head_table in Base.metadata.sorted_tables:
            if head_table.name not in old.tables or not rows[head_table.name]:
                continue
            have = {c.name for c in old.tables[head_table.name].columns}
            table = sa.Table(head_table.name, sa.MetaData(),
                             *[c._copy() for c in head_table.columns if c.name in have])
            conn.execute(table.insert(), [{k: v for k, v in r.items() if k in have} for r in rows[head_table.name]])


def _keys(engine) -> dict[str, set]:
    """The primary keys of every row of every table (of this revision), per table."""
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: {tuple(r) for r in conn.execute(sa.select(*t.primary_key.columns))}
                for name, t in meta.tables.items() if name != "alembic_version"}


def _load_every_instance(engine) -> int:
    from workflows.instances import Run, load
    from workflows.models import Instance

    session = make_sessionmaker(engine)()
    try:
        instances = session.scalars(sa.select(Instance)).all()
        for instance in instances:
            workflow = load(Run(session, None, instance))
            assert workflow.get_tasks(), instance.business_key
        return len(instances)
    finally:
        session.close()


def _more_rows(accounts, as_user, opened) -> None:
    """A bukti dukung, a realisasi sent, a capaian organisasi and a dialog kinerja on top of the opened period."""
    kabid, kadis = opened["kabid"], opened["kadis"]
    assert upload(kabid, opened["penilaian_id"], opened["rhk_id"], PDF, "laporan.pdf").status_code == 201
    task = task_with_form(kabid, "realisasi")
    sent = kabid.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": {str(opened["rhk_id"]): {
        "realisasi": "1 laporan monitoring", "rencana_aksi": "Menyusun laporan Januari"}}, "kirim": True}})
    assert sent.status_code == 200, sent.get_json()
    periode_id = as_user(admin_of(accounts)["nip"]).get("/periode").get_json()[0]["id"]
    tetapkan_capaian(kadis, periode_id, "Bidang Aplikasi Informatika", "BAIK")
    dialog = kadis.post("/dialog-kinerja", json={"topik": "Capaian triwulan", "tanggal": f"{DEMO_TAHUN}-04-02",
                                                 "peserta": [kabid.nip]})
    assert dialog.status_code == 201, dialog.get_json()


def test_upgrade_from_every_revision_keeps_rows_and_instances(app, accounts, as_user, opened,  # noqa: F811
                                                               database_url, tmp_path):
    _more_rows(accounts, as_user, opened)
    rows = _head_rows(app.extensions["db_engine"])
    for table in ("instance", "human_task", "instance_event", "skp", "rhk", "penilaian", "bukti_dukung", "realisasi",
                  "capaian_organisasi", "dialog_kinerja", "dialog_peserta"):
        assert rows[table], f"no {table} rows to upgrade"
    assert len(REVISIONS) >= 10 and REVISIONS[0] == "0001"

    problems = []
    for revision in REVISIONS[:-1]:
        target = Target(database_url, tmp_path, f"r{revision.split('_')[0]}")
        try:
            upgrade(target.engine, revision)
            _insert_as_of_revision(target.engine, rows)
            before = _keys(target.engine)
            try:
                upgrade(target.engine)
            except Exception as exc:  # noqa: BLE001 - reported per revision below
                problems.append(f"{revision}: upgrade failed: {exc.__class__.__name__}: {str(exc)[:300]}")
                continue
            assert current_revision(target.engine) == REVISIONS[-1]
            after = _keys(target.engine)
            lost = {t: len(before[t] - after[t]) for t in before if before[t] - after[t]}
            if lost:
                problems.append(f"{revision}: rows lost per table {lost}")
            loaded = _load_every_instance(target.engine)
            assert loaded == len(rows["instance"])
        finally:
            target.close()
    assert not problems, "\n".join(problems)


def test_sqlite_upgrade_with_a_dangling_reference_fails_and_keeps_the_old_revision(tmp_path):
    """Foreign keys are off while migrating; a row that references nothing is found after, and nothing is kept."""
    from app.migrate import ForeignKeysViolated

    engine = make_engine(f"sqlite:///{tmp_path / 'dangling.db'}")
    try:
        upgrade(engine, REVISIONS[-2])
        raw = engine.raw_connection()
        raw.driver_connection.execute("PRAGMA foreign_keys=OFF")
        raw.driver_connection.execute("INSERT INTO human_task (id, instance_id, bpmn_id, name, title, lane, form_key,"
                                      " in_inbox, created_at) VALUES ('t', 999, 'b', 'n', 't', 'l', 'f', 1, "
                                      "'2026-01-01 00:00:00')")
        raw.driver_connection.execute("PRAGMA foreign_keys=ON")
        raw.close()
        with pytest.raises(ForeignKeysViolated, match="human_task"):
            upgrade(engine)
        assert current_revision(engine) == REVISIONS[-2]
        app = create_app({"DATABASE_URL": str(engine.url), "TESTING": True, "SECRET_KEY": "x"})
        result = app.test_cli_runner().invoke(main, ["db", "upgrade"])
        assert result.exit_code == 1 and "melanggar foreign key" in result.output, result.output
        assert f"tetap pada revisi {REVISIONS[-2]}" in result.output
        app.extensions["db_engine"].dispose()
        with engine.connect() as conn:  # the pooled connection has its foreign keys back on
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
