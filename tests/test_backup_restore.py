"""`ekinerja db backup` / `db restore`: one archive with the database, the bukti dukung files and a manifest,
restored into an empty database (a fresh SQLite file, a fresh PostgreSQL database) on both databases."""
from __future__ import annotations

import io
import json
import os
import tarfile

import pytest
import sqlalchemy as sa
from conftest import DEMO_PASSWORD, PG_URL, Api
from test_bukti_dukung import PDF, PNG, opened, upload  # noqa: F401 - fixture
from workflows import clock
from test_penilaian import two_approved  # noqa: F401 - fixture
from test_skp_api import kadis_approved  # noqa: F401 - fixture

from app import create_app
from app.backup import row_counts
from app.cli import main
from core.db import make_engine
from app.migrate import known_revisions


@pytest.fixture
def empty_target(database_url, tmp_path):
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL database (same schema name)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'ekinerja.db'}"
        return
    name = f"ekinerja_restore_{os.getpid()}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    source = make_engine(database_url)
    with source.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
    source.dispose()
    yield (sa.make_url(PG_URL).set(database=name, query={"options": f"-csearch_path={schema}"})
           .render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _served(kabid: Api, skp_id: int, bukti_id: int) -> dict:
    return {"skp": kabid.get(f"/skp/{skp_id}").get_json(),
            "pdf": kabid.get(f"/skp/{skp_id}/document.pdf?archived=1").data,  # the copy archived at approval
            "bukti": kabid.get(f"/bukti-dukung/{bukti_id}").data}


def test_backup_and_restore_into_an_empty_database(app, accounts, two_approved, opened, empty_target,  # noqa: F811
                                                    tmp_path, run_jobs):
    moved = clock.now()  # `opened` put the clock back in January, before the approvals' jobs fall due
    clock.reset()
    run_jobs()  # the approvals' archived copies, rendered after commit
    clock.set(moved)
    kabid = opened["kabid"]
    sent = upload(kabid, opened["penilaian_id"], opened["rhk_id"], PDF, "laporan.pdf")
    assert sent.status_code == 201, sent.get_json()
    bukti_id = sent.get_json()["id"]
    before = _served(kabid, two_approved["kabid"], bukti_id)
    assert before["skp"]["status"] == "DISETUJUI" and before["pdf"].startswith(b"%PDF") and before["bukti"] == PDF
    counts = row_counts(app.extensions["db_engine"])

    archive = tmp_path / "cadangan" / "ekinerja.tar.gz"
    done = app.test_cli_runner().invoke(main, ["db", "backup", str(archive)])
    assert done.exit_code == 0, done.output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert manifest["revision"] == known_revisions()[-1] and manifest["created_at"]
    assert manifest["folders"] == {"BUKTI_DUKUNG_DIR": 1} and manifest["row_counts"] == counts
    assert sum(n.startswith("files/BUKTI_DUKUNG_DIR/") for n in names) == 1

    restored_dir = tmp_path / "restored-bukti"
    target = create_app({"DATABASE_URL": empty_target, "TESTING": True, "PASSWORD_HASH_FAST": True,
                         "SECRET_KEY": "test-secret", "BUKTI_DUKUNG_DIR": str(restored_dir)})
    try:
        done = target.test_cli_runner().invoke(main, ["db", "restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert row_counts(target.extensions["db_engine"]) == counts
        assert sorted(p.name for p in restored_dir.iterdir()) == sorted(p.name for p in opened["dir"].iterdir())

        client = target.test_client()
        restored_kabid = Api(client, kabid.nip)
        assert _served(restored_kabid, two_approved["kabid"], bukti_id) == before
        # the restored service writes on: sequences and the folder go on from the backup
        more = upload(restored_kabid, opened["penilaian_id"], opened["rhk_id"], PNG, "foto.png")
        assert more.status_code == 201, more.get_json()
        assert more.get_json()["id"] > bukti_id

        # a second restore meets data now: refused, nothing touched, unless --force
        refused = target.test_cli_runner().invoke(main, ["db", "restore", str(archive)])
        assert refused.exit_code == 1 and "sudah berisi data" in refused.output, refused.output
        assert row_counts(target.extensions["db_engine"])["bukti_dukung"] == counts["bukti_dukung"] + 1
        forced = target.test_cli_runner().invoke(main, ["db", "restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        assert row_counts(target.extensions["db_engine"]) == counts
        r = client.post("/api/v1/auth/token", json={"nip": kabid.nip, "password": DEMO_PASSWORD})
        assert r.status_code == 200
    finally:
        target.extensions["db_engine"].dispose()


def test_restore_refuses_a_damaged_or_foreign_archive(app, database_url, tmp_path):
    archive = tmp_path / "ekinerja.tar.gz"
    assert app.test_cli_runner().invoke(main, ["db", "backup", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    damaged = tmp_path / "rusak.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        for name, data in members.items():
            if name.startswith("database."):
                data = data[:-10] + b"x" * 10
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'kosong.db'}", "TESTING": True,
                         "SECRET_KEY": "x", "BUKTI_DUKUNG_DIR": str(tmp_path / "b")})
    try:
        runner = target.test_cli_runner()
        if database_url.startswith("sqlite"):
            r = runner.invoke(main, ["db", "restore", str(damaged)])
            assert r.exit_code == 1 and "checksum" in r.output, r.output
        else:  # a PostgreSQL backup does not go into SQLite
            r = runner.invoke(main, ["db", "restore", str(archive)])
            assert r.exit_code == 1 and "jenis basis data yang sama" in r.output, r.output
        not_an_archive = tmp_path / "bukan.tar.gz"
        not_an_archive.write_bytes(b"hello")
        r = runner.invoke(main, ["db", "restore", str(not_an_archive)])
        assert r.exit_code == 1 and "bukan arsip cadangan" in r.output, r.output
    finally:
        target.extensions["db_engine"].dispose()
