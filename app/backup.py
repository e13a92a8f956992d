"""Backup and restore: one archive (tar.gz) with the database, the folders of uploaded files and a manifest.

SQLite is copied with its online backup API (a consistent copy while the service runs); PostgreSQL with
``pg_dump`` in custom format (one snapshot) of the schema the service uses, restored with ``pg_restore``.
A restore refuses a database or folder that already holds data unless forced, checks the dump against
the manifest's checksum first, and does not mix databases (a SQLite backup restores into SQLite).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Engine

FORMAT = 1
MANIFEST = "manifest.json"
# Config keys of the folders that hold users' files; a new folder of user data belongs here.
DATA_FOLDERS = ("BUKTI_DUKUNG_DIR",)
# Rows that `ekinerja db upgrade` writes by itself: a database holding only these counts as empty.
SEEDED_BY_UPGRADE = {"alembic_version", "process_definition", "ak_jenjang", "ak_persentase", "ak_syarat"}


class BackupError(Exception):
    """Backup or restore refused or failed; the message says why, in Bahasa Indonesia."""


def data_folders(config) -> dict[str, Path]:
    return {key: Path(config[key]) for key in DATA_FOLDERS if config.get(key)}


# ---------------------------------------------------------------- backup


def backup(engine: Engine, folders: dict[str, Path], target: Path) -> dict:
    """Write the archive to ``target`` (through a temporary file: a failed backup leaves no half archive)."""
    with tempfile.TemporaryDirectory(prefix="ekinerja-backup-") as tmp:
        if engine.dialect.name == "sqlite":
            dump, schema = Path(tmp) / "database.sqlite3", None
            _sqlite_copy(engine, dump)
            revision = _sqlite_revision(dump)
            copy = create_engine(f"sqlite:///{dump}")
            counts = row_counts(copy)  # of the copy itself: exact
            copy.dispose()
        else:
            dump, schema = Path(tmp) / "database.pgdump", _schema(engine)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
                  f"--file={dump}", "--dbname", _libpq_uri(engine)], engine)
            revision = _revision(engine)
            counts = row_counts(engine)  # a moment after the dump's snapshot: exact when nothing writes
        manifest = {
            "format": FORMAT, "application": "ekinerja-flow",
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "revision": revision, "dialect": engine.dialect.name, "schema": schema,
            "database_file": dump.name, "database_sha256": _sha256(dump),
            "row_counts": counts,
            "folders": {key: _count_files(path) for key, path in folders.items()},
        }
        partial = target.with_name(target.name + ".partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(partial, "w:gz") as tar:
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
                tar.add(dump, arcname=dump.name)
                for key, path in folders.items():  # after the database: every row copied has its file
                    if path.is_dir():
                        tar.add(path, arcname=f"files/{key}")
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"Arsip tidak dapat ditulis ke {target}: {exc}") from None
        os.replace(partial, target)
    return manifest


def _sqlite_copy(engine: Engine, dump: Path) -> None:
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(dump)
        try:
            raw.driver_connection.backup(copy)
        finally:
            copy.close()
    finally:
        raw.close()


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _revision(engine: Engine) -> str | None:
    from app.migrate import current_revision

    return current_revision(engine)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the service's schema (what a restore is compared against)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: conn.execute(select(text("count(*)")).select_from(table)).scalar()
                for name, table in sorted(meta.tables.items())}


# ---------------------------------------------------------------- restore


def restore(engine: Engine, folders: dict[str, Path], source: Path, force: bool = False) -> dict:
    """Restore the archive into the engine's database and the folders; returns its manifest."""
    try:
        tar = tarfile.open(source, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} bukan arsip cadangan yang dapat dibaca: {exc}") from None
    if engine.dialect.name == "sqlite":  # restoring is how a new installation gets its database file
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    with tar, tempfile.TemporaryDirectory(prefix="ekinerja-restore-") as tmp:
        manifest = _manifest(tar, engine)
        if not force:
            _refuse_if_not_empty(engine, folders, manifest)
        dump = Path(tmp) / manifest["database_file"]
        _extract(tar, manifest["database_file"], dump)
        if _sha256(dump) != manifest["database_sha256"]:
            raise BackupError("Salinan basis data dalam arsip rusak (checksum tidak cocok); tidak ada yang dipulihkan")
        if engine.dialect.name == "sqlite":
            _sqlite_restore(engine, dump)
        else:
            _pg_restore(engine, dump, manifest["schema"], Path(tmp))
        for key in manifest["folders"]:
            if key in folders:
                _restore_folder(tar, key, folders[key])
    return manifest


def _manifest(tar: tarfile.TarFile, engine: Engine) -> dict:
    from app.migrate import known_revisions

    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError):
        raise BackupError(f"Arsip tidak berisi {MANIFEST} yang sah; bukan cadangan ekinerja-flow") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format cadangan {manifest.get('format')} tidak dikenal versi ini (dikenal: {FORMAT})")
    if manifest["dialect"] != engine.dialect.name:
        raise BackupError(f"Cadangan ini dari {manifest['dialect']}; basis data tujuan {engine.dialect.name}. "
                          "Pulihkan ke jenis basis data yang sama")
    if manifest["revision"] not in known_revisions():
        raise BackupError(f"Cadangan berasal dari revisi skema {manifest['revision']} yang tidak dikenal versi ini; "
                          "pulihkan dengan versi ekinerja-flow yang sama atau lebih baru")
    if manifest["schema"] and _schema(engine) not in (None, manifest["schema"]):  # None: not created yet
        raise BackupError(f"Cadangan berisi skema PostgreSQL '{manifest['schema']}', basis data tujuan memakai "
                          f"'{_schema(engine)}'; atur search_path tujuan ke skema yang sama")
    return manifest


def _refuse_if_not_empty(engine: Engine, folders: dict[str, Path], manifest: dict) -> None:
    holding = [name for name, count in row_counts(engine).items() if count and name not in SEEDED_BY_UPGRADE]
    if holding:
        raise BackupError(f"Basis data tujuan sudah berisi data (tabel {', '.join(holding[:5])}"
                          f"{' …' if len(holding) > 5 else ''}); gunakan --force untuk menimpanya")
    full = [str(folders[key]) for key in manifest["folders"] if key in folders and _count_files(folders[key])]
    if full:
        raise BackupError(f"Folder tujuan tidak kosong: {', '.join(full)}; gunakan --force untuk menimpanya")


def _extract(tar: tarfile.TarFile, name: str, target: Path) -> None:
    member = tar.extractfile(name)
    if member is None:
        raise BackupError(f"{name} tidak ada dalam arsip")
    with member, open(target, "wb") as out:
        while chunk := member.read(1 << 20):
            out.write(chunk)


def _sqlite_restore(engine: Engine, dump: Path) -> None:
    """Copy the backup over the database with the backup API (page by page, in one go)."""
    engine.dispose()
    source, target = sqlite3.connect(dump), sqlite3.connect(engine.url.database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    engine.dispose()


def _pg_restore(engine: Engine, dump: Path, schema: str, tmp: Path) -> None:
    """Drop the schema's tables (what the refusal check let through, or --force), then restore the dump."""
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        # The name-search index uses pg_trgm's operator class (migration 0020), which lives in public, outside
        # the dumped schema: a new database needs the extension before the dump's indexes can be created.
        if conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        meta = MetaData()
        meta.reflect(conn, schema=schema)
        meta.drop_all(conn)
    # The schema exists already (public always does): restore everything but its CREATE SCHEMA.
    listing = _run(["pg_restore", "--list", str(dump)], engine)
    keep = [line for line in listing.splitlines() if " SCHEMA - " not in line and " COMMENT - SCHEMA " not in line]
    (tmp / "restore.list").write_text("\n".join(keep) + "\n")
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--use-list={tmp / 'restore.list'}", "--dbname", _libpq_uri(engine), str(dump)], engine)
    engine.dispose()


def _restore_folder(tar: tarfile.TarFile, key: str, folder: Path) -> None:
    prefix = f"files/{key}/"
    folder.mkdir(parents=True, exist_ok=True)
    for member in tar.getmembers():
        if not member.name.startswith(prefix):
            continue
        relative = PurePosixPath(member.name[len(prefix):])
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"Nama berkas tidak aman dalam arsip: {member.name}")
        target = folder.joinpath(*relative.parts)
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
        elif member.isfile():
            target.parent.mkdir(parents=True, exist_ok=True)
            _extract(tar, member.name, target)


# ---------------------------------------------------------------- helpers


def _schema(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT current_schema()")).scalar()


def _libpq_uri(engine: Engine) -> str:
    """The engine's URL for pg_dump/pg_restore (the password goes through PGPASSWORD, not the command line)."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(cmd: list[str], engine: Engine) -> str:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = engine.url.password
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} tidak ditemukan; pasang paket postgresql-client") from None
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} gagal (kode {done.returncode}): {done.stderr.strip()[:2000]}")
    return done.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _count_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0
